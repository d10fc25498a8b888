/*
 * flowzoo's own options (after "--", or all arguments in the --pcap
 * shortcut), settable on the command line and in a JSON config file.
 */
#ifndef FZ_APP_OPTIONS_H
#define FZ_APP_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "fz_export.h"

#define FZ_MAX_PCAPS         64
#define FZ_MAX_LIST          64
#define FZ_MAX_EXPORT_LCORES 16 /* FZ_PIPELINE_MAX_LANES */

/* The longest topic name Kafka takes, and the longest fixed topic suffix. */
#define FZ_KAFKA_TOPIC_MAX      249
#define FZ_TOPIC_LONGEST_SUFFIX ".traffic"

/* --jsonl-mode: enum fz_jsonl_mode of the JSON-lines exporter (fz_export.h). */

struct fz_opts {
	const char *pcaps[FZ_MAX_PCAPS];
	unsigned n_pcaps;
	int pcap_eal; /* --pcap-eal: read --pcap files through EAL's net_pcap (options_offline.c) */
	const char *pcap_dir;     /* --pcap-dir DIR */
	const char *l7_cache;     /* --l7-cache DIR|off (NULL: the default place) */
	int pcap_watch;           /* --watch */
	const char *pcap_done;    /* --done keep|delete|move:DIR (NULL: keep) */
	const char *pcap_journal; /* --journal PATH (NULL: DIR/.flowzoo-journal) */
	const char *replay;       /* --replay FILE (app/flowzoo/replay.c) */
	uint64_t replay_rate;     /* packets per second, 0: not given */
	double replay_speed;      /* times the capture's rate, 0 unpaced, -1 not given */
	const char *jsonl;
	int jsonl_mode;             /* enum fz_jsonl_mode */
	const char *jsonl_compress; /* --jsonl-compress (NULL: auto, by the .zst suffix) */
	const char *networks;       /* networks file (docs/traffic.md) */
	uint64_t traffic_interval;  /* seconds per traffic bin */
	uint64_t top_n;             /* entries per top list */
	uint64_t top_capacity;      /* distinct keys per top list kept exactly */
	double idle_timeout;        /* seconds */
	double active_timeout;      /* seconds */
	double tcp_linger;          /* seconds */
	uint64_t flows_per_worker;
	int clock;       /* enum fz_clock_mode */
	double duration; /* seconds, 0 = until stopped */
	const char *summary;
	const char *log_file;
	const char *collector_id;
	const char *config;
	const char *signatures;
	uint64_t l7_packets; /* per direction */
	uint64_t l7_bytes;
	double status_interval;    /* seconds between status lines in the log */
	int64_t stats_lcore;       /* -1: the main lcore */
	const char *export_lcores; /* --export-lcores LIST (fz_opts_lcore_list), NULL: none */
	uint64_t ring_size;        /* records per worker ring */
	uint64_t mbufs;            /* packet pool size, 0 = automatic */
	int progress;              /* -1 auto (terminal), 0 off, 1 on */
	double stats_interval;     /* seconds between stats records, 0 = at exit only */
	const char *zoo_mean;      /* cumulative | ewma:ALPHA (checked by lib/zoo) */
	int zoo_scope_app;         /* --zoo-scope app */
	const char *ctl_key;       /* control server: off without a key */
	uint64_t ctl_port;
	double loss; /* control datagrams dropped on purpose (tests) */
	/* Kafka sink (app/flowzoo/sinks_kafka.c, docs/kafka-schema.md). */
	const char *kafka; /* brokers */
	const char *kafka_topic_prefix;
	int kafka_topic_per_app; /* 0 off, 1 also, 2 instead (FZ_KAFKA_PER_APP_*) */
	const char
	    *kafka_opts[FZ_MAX_LIST]; /* key=value: config "kafka" object, then --kafka-opt */
	unsigned n_kafka_opts;
	const char *spool_dir;
	uint64_t spool_max_mb;
	double kafka_flush_timeout; /* seconds */
	int kafka_mock;
	/* HTTP server (app/flowzoo/http.c, options_http.c, docs/observability.md). */
	const char *http; /* [ADDR:]PORT; NULL: no server */
	const char *http_acl[FZ_MAX_LIST];
	unsigned n_http_acl;
	const char *http_auth; /* file of USER:PASSWORD lines */
	const char *http_tls_cert;
	const char *http_tls_key;
	int http_dashboard_off;       /* --http-dashboard off: no page, no history */
	uint64_t http_stream_clients; /* --http-stream-clients; 0: the default */
	/* IPFIX exporter (lib/ipfix, options_ipfix.c, docs/ipfix.md). */
	const char *ipfix[FZ_MAX_LIST]; /* collectors */
	unsigned n_ipfix;
	int ipfix_biflow;
	uint64_t ipfix_domain;
	uint64_t ipfix_mtu;
	uint64_t ipfix_pen;
	uint64_t ipfix_template_messages;
	double ipfix_template_interval; /* seconds */
	/* Baseline alerts (lib/baseline, options_alerts.c, docs/alerts.md). */
	uint64_t alert_history;     /* bins per series */
	uint64_t alert_min_history; /* bins before any alert */
	uint64_t alert_bins;        /* consecutive bins that start and end an alert */
	double alert_k;
	double alert_suppress; /* seconds of packet time */
	/* Attack detection (lib/detect, options_alerts.c, docs/alerts.md). */
	int detect; /* -1 auto (on with --networks), 0 off, 1 on */
	uint64_t detect_hosts;
	uint64_t threshold_pps, threshold_mbps, threshold_syn; /* 0: off */
	uint64_t scan_ports, scan_hosts, scan_keys;
	double scan_window, attack_end; /* seconds of packet time */
	int help;
	int help_man;      /* --help-man: the man page */
	int help_markdown; /* --help-markdown: docs/flowzoo-options.md */
	int version;
	/* Copies of config-file strings the fields above point to. */
	char *owned[256];
	unsigned n_owned;
};

/* Set the defaults. */
void fz_opts_init(struct fz_opts *o);

/*
 * Parse argv[0..argc) (options only, no program name): a --config FILE is
 * read first, then the command line overrides it. Returns 0, or -1 with a
 * message naming the offending option or key in err.
 */
int fz_opts_parse(struct fz_opts *o, int argc, char **argv, char *err, size_t errlen);

/*
 * With --kafka-topic-per-app, check that every per-application topic
 * <prefix>.flows.<app> of the n application names stays within Kafka's
 * FZ_KAFKA_TOPIC_MAX characters. Returns 0, or -1 with a message in err.
 */
int fz_opts_check_app_topics(const struct fz_opts *o, const char *const *apps, unsigned n,
                             char *err, size_t errlen);

/*
 * Check, before anything is started, that every output path can be
 * written: --summary (created and removed again when it did not exist, an
 * existing file is neither emptied nor changed), --log-file, --jsonl
 * (unless "-"; with --jsonl-mode refuse an existing non-empty file is an
 * error) and --spool-dir (a directory, made when missing, that can be
 * written). Returns 0, or -1 with a message naming the option, the path
 * and the reason (strerror) in err.
 */
int fz_opts_check_outputs(const struct fz_opts *o, char *err, size_t errlen);

/* Free what fz_opts_parse copied from the config file. */
void fz_opts_free(struct fz_opts *o);

/* Print every option with its argument and description. */
void fz_opts_usage(FILE *f);

/* Whether --help, --help-man, --help-markdown or --version was given. */
int fz_opts_wants_doc(const struct fz_opts *o);

/*
 * Print what fz_opts_wants_doc found (the man page, the Markdown reference,
 * the help or the version), all made from the option tables
 * (app/flowzoo/options_doc.c).
 */
void fz_opts_print_doc(const struct fz_opts *o, FILE *f);

/*
 * An lcore list: ids and ranges separated by commas ("2,3", "2-5,8"), each
 * id at most RTE_MAX_LCORE - 1, none twice, at most max of them, in the
 * order given. Returns how many (into ids), or -1 with a reason in why
 * (export_lcores.c).
 */
int fz_opts_lcore_list(const char *v, unsigned *ids, unsigned max, char *why, size_t whylen);

#endif
