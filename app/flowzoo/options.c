/*
 * Option table: one row per option, used by the command line, the JSON
 * config file (same names without the leading dashes) and --help. A new
 * option is one row here and one field in struct fz_opts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_config.h>

#include "fz_worker.h"
#include "options_priv.h"

static const struct choice clock_choices[] = {
    {"auto", FZ_CLOCK_AUTO}, {"pcap", FZ_CLOCK_PCAP}, {"tsc", FZ_CLOCK_TSC}, {NULL, 0}};
static const struct choice scope_choices[] = {{"global", 0}, {"app", 1}, {NULL, 0}};
static const struct choice per_app_choices[] = {
    {"off", 0}, {"also", 1}, {"instead", 2}, {NULL, 0}}; /* FZ_KAFKA_PER_APP_* */
static const struct choice jsonl_mode_choices[] = {{"truncate", FZ_JSONL_TRUNCATE},
                                                   {"append", FZ_JSONL_APPEND},
                                                   {"refuse", FZ_JSONL_REFUSE},
                                                   {NULL, 0}};
const struct choice fz_opts__tri_choices[] = {{"auto", -1}, {"on", 1}, {"off", 0}, {NULL, 0}};

#define O(f) offsetof(struct fz_opts, f)

static int check_export_lcores(const char *v, const char *where, char *err, size_t errlen)
{
	unsigned ids[FZ_MAX_EXPORT_LCORES];
	char why[256];

	if (fz_opts_lcore_list(v, ids, FZ_MAX_EXPORT_LCORES, why, sizeof(why)) >= 0)
		return 0;
	snprintf(err, errlen, "%s: '%s': %s", where, v, why);
	return -1;
}

static int check_jsonl_compress(const char *v, const char *where, char *err, size_t errlen)
{
	int level;

	if (fz_jsonl_compress_parse(v, NULL, &level) == 0)
		return 0;
	snprintf(err, errlen,
	         "%s: '%s' is not auto, none, zstd or zstd:LEVEL with LEVEL an integer from %d "
	         "to %d",
	         where, v, FZ_JSONL_ZSTD_MIN, FZ_JSONL_ZSTD_MAX);
	return -1;
}

/* Sorted by name; --help prints them in this order. */
static const struct opt_def defs[] = {
    {.name = "active-timeout",
     .type = T_SECONDS,
     .off = O(active_timeout),
     .arg = "S",
     .help = "export a flow this old and continue it as a new record (default 1800)"},
    {.name = "clock",
     .type = T_CHOICE,
     .off = O(clock),
     .arg = "auto|pcap|tsc",
     .choices = clock_choices,
     .help = "packet time: auto = the port's packet timestamps when it gives them, else TSC"},
    {.name = "collector-id",
     .type = T_STR,
     .off = O(collector_id),
     .arg = "NAME",
     .help = "name of this appliance in every record (default: host name)"},
    {.name = "config",
     .type = T_STR,
     .off = O(config),
     .arg = "FILE",
     .help = "JSON object of options (command line wins)"},
    {.name = "ctl-key",
     .type = T_STR,
     .off = O(ctl_key),
     .arg = "FILE",
     .help = "shared key of the control protocol (zooctl); without it the control server "
             "does not start"},
    {.name = "ctl-port",
     .type = T_U64,
     .off = O(ctl_port),
     .arg = "PORT",
     .min = 1,
     .max = 65535,
     .help = "UDP port of the control server (default 7411)"},
    {.name = "duration",
     .type = T_SECONDS,
     .off = O(duration),
     .arg = "S",
     .help = "stop after S seconds (default: run until stopped)"},
    {.name = "export-lcores",
     .type = T_STR,
     .off = O(export_lcores),
     .arg = "LIST",
     .check = check_export_lcores,
     .help = "encode and export flow records on these lcores (EAL lcore ids; with --pcap "
             "read without EAL, a thread per entry pinned to that CPU), e.g. 2,3 or 2-5, at "
             "most 16; records keep their order (default: none, the stats lcore exports)"},
    {.name = "flows-per-worker",
     .type = T_U64,
     .off = O(flows_per_worker),
     .arg = "N",
     .min = 1,
     .max = 1u << 30,
     .help = "flow table capacity of each worker (default 1048576)"},
    {.name = "help", .type = T_FLAG, .off = O(help), .help = "print this help and exit"},
    {.name = "help-man",
     .type = T_FLAG,
     .off = O(help_man),
     .help = "print the manual page flowzoo(8) (roff) and exit"},
    {.name = "help-markdown",
     .type = T_FLAG,
     .off = O(help_markdown),
     .help = "print the option reference docs/flowzoo-options.md (Markdown) and exit"},
    {.name = "idle-timeout",
     .type = T_SECONDS,
     .off = O(idle_timeout),
     .arg = "S",
     .help = "a flow with no packet for longer than S seconds ends (default 15)"},
    {.name = "jsonl",
     .type = T_STR,
     .off = O(jsonl),
     .arg = "PATH",
     .help = "write JSON-lines records to PATH ('-' = stdout)"},
    {.name = "jsonl-compress",
     .type = T_STR,
     .off = O(jsonl_compress),
     .arg = "auto|none|zstd[:LEVEL]",
     .check = check_jsonl_compress,
     .help = "compress the --jsonl output with zstd at LEVEL (-7 fastest to 19 smallest; "
             "zstd alone: 1); auto: zstd when PATH ends in .zst (default auto)"},
    {.name = "jsonl-mode",
     .type = T_CHOICE,
     .off = O(jsonl_mode),
     .arg = "truncate|append|refuse",
     .choices = jsonl_mode_choices,
     .help = "when the --jsonl file exists: empty it, append to it, or refuse to start if it "
             "is not empty (default append)"},
    {.name = "kafka",
     .type = T_STR,
     .off = O(kafka),
     .arg = "BROKERS",
     .help = "send records to Kafka at host:port[,host:port...] (config: a string, or an "
             "object of librdkafka properties)"},
    {.name = "kafka-flush-timeout",
     .type = T_SECONDS,
     .off = O(kafka_flush_timeout),
     .arg = "S",
     .help = "at exit wait at most S seconds for Kafka deliveries, then spool the rest "
             "(default 10)"},
    {.name = "kafka-mock",
     .type = T_FLAG,
     .off = O(kafka_mock),
     .help = "start librdkafka's mock Kafka cluster in-process and send to it (prints its "
             "address)"},
    {.name = "kafka-opt",
     .type = T_STRLIST,
     .off = O(kafka_opts),
     .count_off = O(n_kafka_opts),
     .arg = "KEY=VALUE",
     .check = fz_opts__check_kafka_opt,
     .help = "set a librdkafka producer property (repeatable; needs a Kafka sink)"},
    {.name = "kafka-topic-per-app",
     .type = T_CHOICE,
     .off = O(kafka_topic_per_app),
     .arg = "off|also|instead",
     .choices = per_app_choices,
     .help = "also (or instead) write each flow to PREFIX.flows.APP (default off)"},
    {.name = "kafka-topic-prefix",
     .type = T_STR,
     .off = O(kafka_topic_prefix),
     .arg = "PREFIX",
     .check = fz_opts__check_topic_prefix,
     .help = "Kafka topics are PREFIX.flows, PREFIX.stats, PREFIX.alerts (default flowzoo; "
             "letters, digits, '.', '_', '-')"},
    {.name = "l7-bytes",
     .type = T_U64,
     .off = O(l7_bytes),
     .arg = "N",
     .min = 1,
     .max = 65535,
     .help = "L7 budget: payload bytes scanned per direction (default 2048)"},
    {.name = "l7-packets",
     .type = T_U64,
     .off = O(l7_packets),
     .arg = "N",
     .min = 1,
     .max = 255,
     .help = "L7 budget: packets with payload scanned per direction (default 8)"},
    {.name = "log-file",
     .type = T_STR,
     .off = O(log_file),
     .arg = "PATH",
     .help = "append the timestamped log to PATH (default: standard error)"},
    {.name = "mbufs",
     .type = T_U64,
     .off = O(mbufs),
     .arg = "N",
     .min = 1023,
     .max = 1u << 28,
     .help = "packet buffers in the pool (default: enough for every RX ring; net_pcap with "
             "infinite_rx=1 needs more than the capture's frames)"},
    {.name = "loss",
     .type = T_FRAC,
     .off = O(loss),
     .arg = "P",
     .help = "tests: drop this fraction of control datagrams sent and received (default 0)"},
    {.name = "networks",
     .type = T_STR,
     .off = O(networks),
     .arg = "FILE",
     .help = "named networks (JSON, docs/traffic.md): flow records name each end's network, "
             "and traffic records come per network and bin"},
    {.name = "pcap",
     .type = T_STRLIST,
     .off = O(pcaps),
     .count_off = O(n_pcaps),
     .arg = "FILE",
     .help = "offline: read the capture(s) to the end (in order, as one input), flush, exit "
             "(repeatable)"},
    {.name = "progress",
     .type = T_CHOICE,
     .off = O(progress),
     .arg = "auto|on|off",
     .choices = fz_opts__tri_choices,
     .help = "offline progress line on standard error (default auto: on a terminal)"},
    {.name = "replay",
     .type = T_STR,
     .off = O(replay),
     .arg = "FILE",
     .help = "live demo: set up EAL, loop the capture through net_pcap (infinite_rx=1, TSC "
             "clock) until stopped or --duration"},
    {.name = "replay-rate",
     .type = T_U64,
     .off = O(replay_rate),
     .arg = "PPS",
     .min = 1,
     .max = 1000000000,
     .help = "--replay: packets per second, evenly paced by the worker"},
    {.name = "replay-speed",
     .type = T_REAL,
     .off = O(replay_speed),
     .arg = "X",
     .min = 0,
     .max = 1000000,
     .help = "--replay: X times the capture's average packet rate (default 1; 0 = as fast "
             "as the worker reads)"},
    {.name = "ring-size",
     .type = T_U64,
     .off = O(ring_size),
     .arg = "N",
     .min = 64,
     .max = 1u << 24,
     .help =
         "records each worker's ring to the stats lcore holds (default 65536; 8192 with --pcap)"},
    {.name = "signatures",
     .type = T_STR,
     .off = O(signatures),
     .arg = "FILE",
     .help = "L7 signature file (default: the one shipped with flowzoo)"},
    {.name = "stats-lcore",
     .type = T_I64,
     .off = O(stats_lcore),
     .arg = "LCORE",
     .max = RTE_MAX_LCORE - 1,
     .help = "lcore of the stats loop (default: the main lcore)"},
    {.name = "spool-dir",
     .type = T_STR,
     .off = O(spool_dir),
     .arg = "DIR",
     .help = "Kafka: keep records the queue cannot take on disk in DIR, send them later "
             "(default: none, such records are dropped and counted)"},
    {.name = "spool-max-mb",
     .type = T_U64,
     .off = O(spool_max_mb),
     .arg = "MB",
     .min = 1,
     .max = 1u << 24,
     .help = "bound of the spool on disk (default 1024)"},
    {.name = "stats-interval",
     .type = T_SECONDS,
     .off = O(stats_interval),
     .arg = "S",
     .help = "seconds between stats records (zoo shares per app; default 10, 0 = at exit only)"},
    {.name = "status-interval",
     .type = T_SECONDS,
     .off = O(status_interval),
     .arg = "S",
     .help = "seconds between status lines in the log (default 5, 0 = none)"},
    {.name = "summary",
     .type = T_STR,
     .off = O(summary),
     .arg = "PATH",
     .help = "write the summary JSON object to PATH at exit"},
    {.name = "tcp-linger",
     .type = T_SECONDS,
     .off = O(tcp_linger),
     .arg = "S",
     .help = "after FIN both ways or RST a TCP flow ends S seconds after its last packet "
             "(default 5)"},
    {.name = "top-capacity",
     .type = T_U64,
     .off = O(top_capacity),
     .arg = "N",
     .min = 1,
     .max = 1u << 20,
     .help = "distinct keys each top list keeps exactly per network and bin (default 4096; "
             "beyond: Space-Saving with an error bound)"},
    {.name = "top-n",
     .type = T_U64,
     .off = O(top_n),
     .arg = "N",
     .min = 1,
     .max = 256,
     .help = "entries of each top list in a traffic record (default 10)"},
    {.name = "traffic-interval",
     .type = T_U64,
     .off = O(traffic_interval),
     .arg = "S",
     .min = 1,
     .max = 86400,
     .help = "traffic bins of S seconds of packet time (default 300)"},
    {.name = "version", .type = T_FLAG, .off = O(version), .help = "print the version and exit"},
    {.name = "zoo-mean",
     .type = T_STR,
     .off = O(zoo_mean),
     .arg = "cumulative|ewma:ALPHA",
     .help = "running mean of the zoo classes (default cumulative; 0 < ALPHA <= 1)"},
    {.name = "zoo-scope",
     .type = T_CHOICE,
     .off = O(zoo_scope_app),
     .arg = "global|app",
     .choices = scope_choices,
     .help = "one set of zoo means for all flows, or one per application (default global)"},
};

#define N_DEFS (sizeof(defs) / sizeof(defs[0]))

const struct opt_def *const fz_opts__main_defs = defs;
const size_t fz_opts__n_main_defs = N_DEFS;

void fz_opts_init(struct fz_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->idle_timeout = 15;
	o->active_timeout = 1800;
	o->tcp_linger = 5;
	o->flows_per_worker = 1u << 20;
	o->clock = FZ_CLOCK_AUTO;
	o->l7_packets = 8;
	o->l7_bytes = 2048;
	o->status_interval = 5;
	o->stats_lcore = -1;
	o->ring_size = 0; /* 65536, or 8192 for the --pcap shortcut: see main.c */
	o->progress = -1;
	o->ctl_port = 7411;
	o->stats_interval = 10;
	o->spool_max_mb = 1024;
	o->kafka_flush_timeout = 10;
	o->traffic_interval = 300;
	o->top_n = 10;
	o->top_capacity = 4096;
	o->replay_speed = -1; /* not given: 1, unless --replay-rate */
	fz_opts__ipfix_init(o);
	fz_opts__alerts_init(o);
}

const struct opt_def *fz_opts__find(const char *name)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	for (size_t i = 0; i < fz_opts__n_http_defs; i++)
		if (strcmp(fz_opts__http_defs[i].name, name) == 0)
			return &fz_opts__http_defs[i];
	for (size_t i = 0; i < fz_opts__n_ipfix_defs; i++)
		if (strcmp(fz_opts__ipfix_defs[i].name, name) == 0)
			return &fz_opts__ipfix_defs[i];
	for (size_t i = 0; i < fz_opts__n_alerts_defs; i++)
		if (strcmp(fz_opts__alerts_defs[i].name, name) == 0)
			return &fz_opts__alerts_defs[i];
	for (size_t i = 0; i < fz_opts__n_offline_defs; i++)
		if (strcmp(fz_opts__offline_defs[i].name, name) == 0)
			return &fz_opts__offline_defs[i];
	return NULL;
}

static int set_number(struct fz_opts *o, const struct opt_def *d, const char *v, const char *where,
                      char *err, size_t errlen)
{
	void *field = (char *)o + d->off;
	char *end = NULL;

	errno = 0;
	if (d->type == T_SECONDS || d->type == T_FRAC || d->type == T_REAL) {
		double x = strtod(v, &end),
		       hi = d->type == T_REAL ? (double)d->max : FZ_OPTS_MAX_SECONDS;
		int ok = !errno && end != v && !*end && isfinite(x) && x >= (double)d->min &&
		         (d->type == T_FRAC ? x < 1 : x <= hi);

		if (!ok && d->type == T_FRAC)
			snprintf(err, errlen, "%s: '%s' is not a fraction from 0 to below 1", where,
			         v);
		else if (!ok)
			snprintf(err, errlen, "%s: '%s' is not a number%s from %llu to %.0f", where,
			         v, d->type == T_REAL ? "" : " of seconds",
			         (unsigned long long)d->min, hi);
		else
			*(double *)field = x;
		return ok ? 0 : -1;
	}
	long long x = strtoll(v, &end, 10);

	if (errno || end == v || *end || x < 0 || (uint64_t)x < d->min || (uint64_t)x > d->max) {
		snprintf(err, errlen, "%s: '%s' is not an integer from %llu to %llu", where, v,
		         (unsigned long long)d->min, (unsigned long long)d->max);
		return -1;
	}
	if (d->type == T_U64)
		*(uint64_t *)field = (uint64_t)x;
	else
		*(int64_t *)field = x;
	return 0;
}

int fz_opts__set(struct fz_opts *o, const struct opt_def *d, const char *v, const char *where,
                 char *err, size_t errlen)
{
	void *field = (char *)o + d->off;

	if (v == NULL) {
		snprintf(err, errlen, "%s: option needs a value (%s)", where, d->arg);
		return -1;
	}
	switch (d->type) {
	case T_STR:
	case T_STRLIST:
		/* Every string option names something: a file, a host, a collector. */
		if (*v == '\0') {
			snprintf(err, errlen, "%s: the value is empty (%s)", where, d->arg);
			return -1;
		}
		if (d->check && d->check(v, where, err, errlen))
			return -1;
		if (d->type == T_STR) {
			*(const char **)field = v;
			return 0;
		}
		unsigned *n = (unsigned *)((char *)o + d->count_off);

		if (*n >= FZ_MAX_LIST) {
			snprintf(err, errlen, "%s: at most %d values", where, FZ_MAX_LIST);
			return -1;
		}
		((const char **)field)[(*n)++] = v;
		return 0;
	case T_SECONDS:
	case T_FRAC:
	case T_REAL:
	case T_U64:
	case T_I64:
		return set_number(o, d, v, where, err, errlen);
	case T_FLAG:
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			*(int *)field = 1;
			return 0;
		}
		if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
			*(int *)field = 0;
			return 0;
		}
		snprintf(err, errlen, "%s: '%s' is not true or false", where, v);
		return -1;
	case T_CHOICE:
		for (const struct choice *c = d->choices; c->word; c++)
			if (strcmp(v, c->word) == 0) {
				*(int *)field = c->value;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not one of %s", where, v, d->arg);
		return -1;
	}
	return -1;
}

/* Checks of options together, once the config file and the command line are read. */
static int check_together(const struct fz_opts *o, char *err, size_t errlen)
{
	static const char servers[] = "bootstrap.servers=";
	int sink = o->kafka != NULL || o->kafka_mock;

	for (unsigned i = 0; i < o->n_kafka_opts; i++)
		if (strncmp(o->kafka_opts[i], servers, sizeof(servers) - 1) == 0)
			sink = 1;
	if (o->n_kafka_opts && !sink) {
		snprintf(err, errlen,
		         "--kafka-opt %s: no Kafka sink to set it on (give --kafka BROKERS, "
		         "--kafka-mock, or \"bootstrap.servers\" in the config file's \"kafka\" "
		         "object)",
		         o->kafka_opts[0]);
		return -1;
	}
	if (o->jsonl_compress && !o->jsonl) {
		snprintf(err, errlen, "--jsonl-compress %s: no --jsonl output to compress",
		         o->jsonl_compress);
		return -1;
	}
	if (fz_opts__check_alerts(o, err, errlen) || fz_opts__check_offline(o, err, errlen))
		return -1;
	return fz_opts__check_http(o, err, errlen);
}

int fz_opts_parse(struct fz_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	char where[256];

	/* The config file first, wherever --config stands. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0) {
			const char *path = argv[i][8] == '=' ? argv[i] + 9 : argv[i + 1];

			if (path == NULL || *path == '\0') {
				snprintf(err, errlen, "--config: %s (FILE)",
				         path ? "the value is empty" : "option needs a value");
				return -1;
			}
			if (fz_opts__load_config(o, path, err, errlen))
				return -1;
		}
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq, *val = NULL;
		char name[64];
		const struct opt_def *d;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			snprintf(err, errlen, "'%s': unexpected argument (options start with --)",
			         a);
			return -1;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2),
		         a + 2);
		d = fz_opts__find(name);
		if (d == NULL) {
			snprintf(err, errlen, "'%s': unknown option (see --help)", a);
			return -1;
		}
		snprintf(where, sizeof(where), "--%s", name);
		if (d->type == T_FLAG && eq == NULL) {
			*(int *)((char *)o + d->off) = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (strcmp(name, "config") == 0)
			continue; /* already read */
		if (fz_opts__set(o, d, val, where, err, errlen))
			return -1;
	}
	return check_together(o, err, errlen);
}
