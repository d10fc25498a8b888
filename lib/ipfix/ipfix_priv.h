/*
 * The IPFIX exporter's private layout: a collector (its transport, the
 * message being filled, the TCP queue, its counters) and the functions the
 * exporter (ipfix_exporter.c) and the transport (ipfix_net.c) share.
 */
#ifndef FZ_IPFIX_PRIV_H
#define FZ_IPFIX_PRIV_H

#include <stdint.h>
#include <sys/socket.h>

#include "fz_ipfix.h"
#include "ipfix_enc.h"

/* A message in a TCP queue: its length and data records (flow records among them). */
struct qmsg {
	uint32_t len;
	uint32_t n_data;
	uint32_t n_flow;
};

/* Whole messages waiting for the socket, oldest first. */
struct queue {
	uint8_t *b;
	size_t cap, head, len; /* bytes [head, head + len) */
	size_t sent;           /* bytes of the head message already written */
	int stamped;           /* the head message has its sequence number */
	struct qmsg *m;
	unsigned m_cap, m_head, m_n;
};

struct collector {
	char name[300]; /* "udp://HOST:PORT" or "tcp://HOST:PORT" as given */
	int tcp;
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd;       /* -1 when closed */
	int state;    /* TCP: enum tcp_state; UDP: always up */
	uint32_t seq; /* data records sent in this transport session */
	/* Template resend (UDP) and the first templates (both). */
	int need_tmpl;
	uint64_t msgs_since_tmpl;
	uint64_t last_tmpl_ms;
	/* The message being filled. */
	uint8_t *buf;
	struct fz_ipfix_msg m;
	uint32_t m_flow;  /* flow records in it */
	uint32_t m_setup; /* it carries the templates */
	uint64_t m_start_ms;
	/* TCP: the templates of a new connection go first, then the data. */
	struct queue setup, data;
	/* TCP reconnects. */
	uint64_t next_try_ms;
	unsigned backoff_ms;
	int ever_connected;
	int down_logged;
	struct fz_ipfix_counters c;
};

enum tcp_state { TCP_DOWN = 0, TCP_CONNECTING, TCP_UP };

/* Monotonic milliseconds. */
uint64_t fz_ipfix__now_ms(void);

/* Parse text into c's name, transport and address (resolving the host). 0, or -1 with err. */
int fz_ipfix__collector_parse(struct collector *c, const char *text, int resolve, char *err,
                              size_t errlen);

/* Open c's socket (UDP: connected; TCP: the connect starts). 0 or a negative errno. */
int fz_ipfix__open(struct collector *c, size_t mtu, size_t queue_bytes);
void fz_ipfix__close(struct collector *c);

/*
 * Hand a finished message (buf, len; n_data data records, n_flow of them flow
 * records) to c's transport: UDP sends it now, TCP queues it (setup: in
 * front of the data, for the templates of a new connection). Counts what
 * happens. The sequence number is written into the message as it leaves;
 * a TCP queue is written by fz_ipfix__tcp_service.
 */
void fz_ipfix__send(struct collector *c, uint8_t *buf, size_t len, uint32_t n_data, uint32_t n_flow,
                    int setup, void (*log)(void *, const char *), void *log_arg);

/* TCP: connect when due, write what the queue holds. Returns 1 when the collector is
 * ready for the templates of a new connection (the caller sends them), else 0. */
int fz_ipfix__tcp_service(struct collector *c, void (*log)(void *, const char *), void *log_arg);

/* TCP: bytes still queued. */
size_t fz_ipfix__tcp_pending(const struct collector *c);

/* TCP: count everything queued as lost and empty the queue. */
void fz_ipfix__tcp_drop_queue(struct collector *c);

#endif
