/*
 * The control server the appliance runs (docs/control-protocol.md): it
 * answers commands (identify, status, suspend, resume) and sends its log
 * file to zooctl over a reliable, windowed transfer.
 *
 * Threads: a server belongs to one thread. Every call on one server
 * (fz_ctl_server_poll, _fd, _busy, _timeout_ms, _port, _counters, _free)
 * must come from that thread, and the ops callbacks (identify, status,
 * suspend, resume) and the log callback are called from it, inside
 * fz_ctl_server_poll(): they must be safe to run there while the rest of the
 * appliance (workers, the stats lcore) keeps running. The server never
 * blocks: it can be polled from a busy loop, or from a control thread that
 * sleeps in poll(2) between calls:
 *
 *     struct pollfd p = {.fd = fz_ctl_server_fd(s), .events = POLLIN};
 *     while (running) {
 *             fz_ctl_server_poll(s);
 *             poll(&p, 1, fz_ctl_server_timeout_ms(s));
 *     }
 *
 * (a thread that must also wake up to stop adds its own eventfd or pipe).
 */
#ifndef FZ_CTL_SERVER_H
#define FZ_CTL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct fz_ctl_ops {
	void *arg;
	json_t *(*identify)(void *arg); /* collector id, host, version, ports, uptime: a new ref */
	json_t *(*status)(void *arg);   /* state, packets, bytes, flows, drops, ...: a new ref */
	int (*suspend)(void *arg);      /* 0 or negative errno */
	int (*resume)(void *arg);
};

struct fz_ctl_server_conf {
	uint16_t port;
	const char *key_path;
	const char *log_path;  /* the file "logs" sends; NULL: logs answers an error */
	double loss;           /* fraction of datagrams dropped on send and receive (tests) */
	const char *bind_addr; /* NULL: every address (needed to hear broadcasts) */
	/* Optional: where refused datagrams and transfers are reported (one line,
	 * no newline). Refusals are rate limited; counters are always exact. */
	void (*log)(void *log_arg, const char *line);
	void *log_arg;
	uint64_t max_skew_ms; /* 0: FZ_CTL_MAX_SKEW_MS (fz_ctl_codec.h), 30 s */
	unsigned
	    window; /* chunks in flight, 1 (stop-and-wait) to FZ_CTL_WINDOW (128); 0: the most */
};

struct fz_ctl_server;

/*
 * Bind the UDP socket (non-blocking) and load the key. Returns NULL, sets
 * errno and writes a message to err when the key cannot be loaded (EINVAL,
 * EIO, ENOENT, ...) or the socket cannot be bound (EADDRINUSE, ...).
 */
struct fz_ctl_server *fz_ctl_server_create(const struct fz_ctl_server_conf *conf,
                                           const struct fz_ctl_ops *ops, char *err, size_t errlen);

/*
 * Serve what is pending without blocking: read up to a budget of datagrams,
 * answer them, and send or retransmit chunks of running transfers. Returns
 * the number of datagrams received and sent (0 when idle).
 */
int fz_ctl_server_poll(struct fz_ctl_server *s);

/*
 * The server's UDP socket (non-blocking), for a thread that sleeps in
 * poll(2) until it is readable (POLLIN) or fz_ctl_server_timeout_ms()
 * passes. Only poll it: reading or writing it steals the server's datagrams.
 */
int fz_ctl_server_fd(const struct fz_ctl_server *s);

/* 1 while a log transfer runs (the server then has timed work: chunks to
 * send and retransmit), else 0. */
int fz_ctl_server_busy(const struct fz_ctl_server *s);

/*
 * How long the server's thread may sleep in poll(2) on fz_ctl_server_fd()
 * before it must call fz_ctl_server_poll() again: -1 when no transfer runs
 * (until a datagram comes), 0 when chunks can be sent now, else the ms
 * until the next retransmission timer or transfer expiry (1 at least while
 * the socket's send buffer was full, so that the thread does not spin).
 * Call it after fz_ctl_server_poll().
 */
int fz_ctl_server_timeout_ms(const struct fz_ctl_server *s);

/* The port actually bound (useful with port 0). */
uint16_t fz_ctl_server_port(const struct fz_ctl_server *s);

/*
 * Counters: {"accepted", "refused": {"oversized", "malformed", "bad_mac",
 * "stale", "replay"}, "commands": {...}, "transfers": {"started",
 * "completed", "expired", "active"}, "chunks_sent", "retransmits",
 * "loss_dropped"}. A new reference.
 */
json_t *fz_ctl_server_counters(const struct fz_ctl_server *s);

/* Close the socket, abandon running transfers, wipe the key (NULL is fine). */
void fz_ctl_server_free(struct fz_ctl_server *s);

#endif
