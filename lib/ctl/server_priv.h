/*
 * Internals of the control server shared by its two files: server.c
 * (socket, authentication, commands) and server_logs.c (the log transfer).
 */
#ifndef FZ_CTL_SERVER_PRIV_H
#define FZ_CTL_SERVER_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "ctl_priv.h"
#include "fz_ctl_codec.h"
#include "fz_ctl_server.h"

#define MAX_XFERS  4  /* running at once */
#define XFER_SLOTS 16 /* running and recently finished */

/* Commands by name; the counters follow this order. */
#define CMDS(X)     X(identify) X(status) X(suspend) X(resume) X(logs) X(unknown)
#define CMD_ENUM(n) CMD_##n,
enum cmd { CMDS(CMD_ENUM) CMD__COUNT };
#undef CMD_ENUM

/* A transfer is running (used = 1) or finished (used = 2): a finished one
 * keeps only its reply, for a client that asks again because it missed it. */
struct xfer {
	int used;
	uint32_t id, req_id;
	struct sockaddr_in peer;
	uint8_t *data;
	uint64_t total;
	uint32_t chunks, base; /* base: lowest chunk not yet acknowledged */
	uint8_t *acked;
	uint8_t *sends;    /* times each chunk was sent (saturating) */
	uint64_t *sent_us; /* when each chunk was last sent */
	char *reply;       /* the reply text, resent when the request repeats */
	size_t reply_len;
	uint64_t started_us, heard_us, done_us;
	uint64_t srtt_us, rttvar_us, rto_us;
	uint64_t rack_us; /* latest send time of a chunk that was acknowledged */
	uint64_t retransmits;
};

struct fz_ctl_server {
	int fd;
	uint16_t port;
	struct fz_ctl_key key;
	struct fz_ctl_guard *guard;
	char *log_path;
	struct ctl_loss loss;
	struct fz_ctl_ops ops;
	void (*log)(void *, const char *);
	void *log_arg;
	struct xfer xfers[XFER_SLOTS];
	uint32_t next_xfer;
	uint32_t window;
	int tx_blocked; /* the last pump found the socket buffer full */
	/* Counters. */
	uint64_t accepted;
	uint64_t refused[FZ_CTL__VERDICTS];
	uint64_t commands[CMD__COUNT];
	uint64_t xfer_started, xfer_completed, xfer_expired, xfer_refused;
	uint64_t chunks_sent, retransmits, send_errors, acks_unmatched;
	/* Rate limit of refusal log lines. */
	uint64_t log_second, log_lines, log_suppressed;
	uint8_t rx[FZ_CTL_MAX_DGRAM];
	uint8_t tx[FZ_CTL_MAX_DGRAM];
	uint8_t payload[FZ_CTL_MAX_PAYLOAD];
};

/* Report one line through the configured log callback (when there is one). */
void ctl_server_log(struct fz_ctl_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Count a refused datagram and log it (rate limited). */
void ctl_server_refuse(struct fz_ctl_server *s, const struct sockaddr_in *from,
                       enum fz_ctl_verdict v, size_t len);

/* Seal and send one message. Returns 0 or -errno (-EAGAIN: the socket buffer is full). */
int ctl_server_send(struct fz_ctl_server *s, uint8_t type, uint32_t req_id, const void *payload,
                    size_t len, const struct sockaddr_in *to);

/* Send {"ok":true,"result":result} (steals result) or {"ok":false,"error":error}. */
void ctl_server_reply(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *to,
                      json_t *result, const char *error);

/* The "logs" command: start a transfer of the log file (or repeat its reply). */
void ctl_logs_start(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *from);

/* An ACK datagram of a transfer. */
void ctl_logs_ack(struct fz_ctl_server *s, const struct fz_ctl_msg *m,
                  const struct sockaddr_in *from);

/* Move every running transfer on (send, retransmit, expire) and forget old
 * finished ones. Returns the chunks sent. */
unsigned ctl_logs_pump(struct fz_ctl_server *s, uint64_t now);

/* Running transfers. */
unsigned ctl_logs_running(const struct fz_ctl_server *s);

/* See fz_ctl_server_timeout_ms(). */
int ctl_logs_timeout_ms(const struct fz_ctl_server *s, uint64_t now);

/* Free every transfer. */
void ctl_logs_free(struct fz_ctl_server *s);

#endif
