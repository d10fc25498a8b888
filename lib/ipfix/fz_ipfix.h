/*
 * IPFIX exporter (RFC 7011; RFC 5103 biflows): every finished flow
 * (FZ_ITEM_FLOW, read from the binary record, never the JSON) as IPFIX data
 * records to one or more collectors over UDP or TCP, with applicationId
 * (IE 95) and an options template that maps each id to its applicationName
 * (IE 96), and the zoo classes as enterprise elements. docs/ipfix.md has
 * the templates field by field.
 *
 * Nothing is lost silently: a message the socket does not take (a full
 * buffer, a send error, a TCP collector that is down longer than the queue
 * lasts) counts its records as lost in status() and lost(). A TCP
 * collector is reconnected with backoff by poll(); UDP templates are sent
 * again every template_messages messages and every template_ms.
 *
 * One thread owns the exporter (take, poll, flush, close).
 */
#ifndef FZ_IPFIX_H
#define FZ_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "fz_export.h"

#define FZ_IPFIX_MAX_COLLECTORS 8
#define FZ_IPFIX_MTU_MIN        256
#define FZ_IPFIX_MTU_MAX        65507 /* the largest UDP payload over IPv4 */
/* RFC 5612's enterprise number for documentation: the default until flowzoo has its own. */
#define FZ_IPFIX_PEN_DEFAULT 32473u

struct fz_ipfix_conf {
	/* "HOST:PORT" or "udp://HOST:PORT" (UDP), "tcp://HOST:PORT"; IPv6 as "[ADDR]:PORT". */
	const char *const *collectors;
	unsigned n_collectors;
	int biflow;      /* 1: RFC 5103 biflows; 0: one record per direction */
	uint32_t domain; /* observation domain id */
	unsigned mtu;    /* no message above it; 0: 1400 */
	uint32_t pen;    /* enterprise number of the zoo class elements; 0: FZ_IPFIX_PEN_DEFAULT */
	unsigned template_messages; /* UDP: templates again every N messages; 0: never by count */
	unsigned template_ms;       /* UDP: and every T ms; 0: never by time */
	unsigned flush_ms;          /* send a message that is not full after this; 0: 1000 */
	size_t tcp_queue_bytes; /* TCP: bytes kept while the collector is slow or away; 0: 4 MiB */
	const char *const *app_names; /* by fz_flow_rec.app; index 0 is "unknown" */
	unsigned n_apps;
	/* One line for the log (a collector lost or back); may be NULL. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/*
 * Check one collector's text (the syntax, not the host). Returns 0, or -1
 * with a message in err that starts with the text.
 */
int fz_ipfix_check_collector(const char *text, char *err, size_t errlen);

/*
 * Check a configuration before anything starts: the number of collectors,
 * each one's syntax, and that its host resolves. Returns 0, or -1 with a
 * message in err naming the option ("--ipfix: ...").
 */
int fz_ipfix_conf_check(const struct fz_ipfix_conf *conf, char *err, size_t errlen);

/*
 * Open the exporter: resolve every collector, open its socket (TCP:
 * connect in the background), build the templates. Its name is "ipfix";
 * status() gives the totals and a "collectors" array with each one's
 * counters. Returns NULL with a message in err (and errno set) on failure.
 */
struct fz_exporter *fz_ipfix_open(const struct fz_ipfix_conf *conf, char *err, size_t errlen);

/* Counters of one collector (or their sum), as status() shows them. */
struct fz_ipfix_counters {
	uint64_t records;       /* data records sent (flow records and application table) */
	uint64_t messages;      /* messages sent */
	uint64_t templates;     /* messages that carried the templates */
	uint64_t bytes;         /* bytes sent */
	uint64_t send_errors;   /* sends that failed (not a full buffer) */
	uint64_t buffer_full;   /* messages dropped: the socket buffer or the TCP queue was full */
	uint64_t reconnects;    /* TCP connections made again after one was lost or refused */
	uint64_t encode_errors; /* flow records that could not be encoded */
	uint64_t lost;          /* flow records that did not reach the collector's socket */
};

/* Collector i's counters (i == n: the sum). 0, or -EINVAL (not an IPFIX exporter, bad i). */
int fz_ipfix_counters(struct fz_exporter *e, unsigned i, struct fz_ipfix_counters *out);

#endif
