/*
 * The appliance's control server. It runs on the main/stats loop: every
 * call of fz_ctl_server_poll reads what is pending without blocking, answers
 * commands, and moves the running log transfers on (sends new chunks inside
 * the window, retransmits those whose timer ran out).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl_priv.h"
#include "fz_ctl.h"

#define MAX_XFERS      4        /* running at once */
#define XFER_SLOTS     16       /* running and recently finished */
#define XFER_KEEP_US   30000000 /* a finished transfer's reply is kept this long */
#define RX_BUDGET      64       /* datagrams read per poll */
#define TX_BUDGET      128      /* chunks sent per poll over all transfers */
#define RTO_INIT_US    200000
#define RTO_MIN_US     20000
#define RTO_MAX_US     1000000
#define XFER_IDLE_US   10000000 /* a transfer without any ACK for 10 s is abandoned */
#define LOG_PER_SECOND 10       /* refusal lines per second; the rest are only counted */

/* Commands by name; the counters follow this order. */
#define CMDS(X)     X(identify) X(status) X(suspend) X(resume) X(logs) X(unknown)
#define CMD_ENUM(n) CMD_##n,
enum cmd { CMDS(CMD_ENUM) CMD__COUNT };
#undef CMD_ENUM
#define CMD_NAME(n) #n,
static const char *const cmd_names[] = {CMDS(CMD_NAME)};
#undef CMD_NAME

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

static void slog(struct fz_ctl_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void slog(struct fz_ctl_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(s->log_arg, line);
}

/* Log a refused datagram unless this second's quota of lines is spent. */
static void log_refusal(struct fz_ctl_server *s, const struct sockaddr_in *from,
                        enum fz_ctl_verdict v, size_t len)
{
	uint64_t sec = ctl_mono_us() / 1000000u;
	char a[CTL_ADDR_STR];

	if (sec != s->log_second) {
		if (s->log_suppressed)
			slog(s, "ctl: %llu more refused datagrams not logged (see counters)",
			     (unsigned long long)s->log_suppressed);
		s->log_second = sec;
		s->log_lines = 0;
		s->log_suppressed = 0;
	}
	if (s->log_lines >= LOG_PER_SECOND) {
		s->log_suppressed++;
		return;
	}
	s->log_lines++;
	slog(s, "ctl: refused datagram from %s: %s (%zu bytes)", ctl_addr_str(from, a),
	     fz_ctl_verdict_name(v), len);
}

static void refuse(struct fz_ctl_server *s, const struct sockaddr_in *from, enum fz_ctl_verdict v,
                   size_t len)
{
	s->refused[v]++;
	log_refusal(s, from, v, len);
}

static int send_msg(struct fz_ctl_server *s, uint8_t type, uint32_t req_id, const void *payload,
                    size_t len, const struct sockaddr_in *to)
{
	int n = fz_ctl_seal(&s->key, type, req_id, payload, len, s->tx, sizeof(s->tx));
	int rc;

	if (n < 0)
		return n;
	rc = ctl_send(s->fd, &s->loss, s->tx, (size_t)n, to);
	if (rc < 0 && rc != -EAGAIN)
		s->send_errors++;
	return rc;
}

/* Send {"ok":true,"result":result} (steals result) or {"ok":false,"error":msg}. */
static void reply(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *to,
                  json_t *result, const char *error)
{
	json_t *r = json_object();
	char *text;

	json_object_set_new(r, "ok", json_boolean(error == NULL));
	if (error)
		json_object_set_new(r, "error", json_string(error));
	else
		json_object_set_new(r, "result", result ? result : json_null());
	text = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (text && strlen(text) > FZ_CTL_MAX_PAYLOAD) {
		free(text);
		text = strdup("{\"ok\":false,\"error\":\"reply too large for one datagram\"}");
	}
	if (text)
		send_msg(s, FZ_CTL_REPLY, req_id, text, strlen(text), to);
	free(text);
}

static void xfer_free(struct xfer *x)
{
	free(x->data);
	free(x->acked);
	free(x->sends);
	free(x->sent_us);
	free(x->reply);
	memset(x, 0, sizeof(*x));
}

/* Read the log (its last FZ_CTL_MAX_LOG bytes) as it is now: the snapshot
 * that the transfer sends and hashes. Returns 0 or -errno. */
static int read_log(const char *path, uint8_t **data, uint64_t *total)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t want, got = 0;
	off_t start = 0;
	int rc = 0;

	*data = NULL;
	*total = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	want = (uint64_t)st.st_size;
	if (want > FZ_CTL_MAX_LOG) {
		start = (off_t)(want - FZ_CTL_MAX_LOG);
		want = FZ_CTL_MAX_LOG;
	}
	*data = malloc(want ? want : 1);
	if (!*data) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < want) {
		ssize_t n = pread(fd, *data + got, want - got, start + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the file shrank: send what was there */
		got += (uint64_t)n;
	}
	*total = got;
out:
	close(fd);
	return rc;
}

static struct xfer *find_xfer_by_request(struct fz_ctl_server *s, const struct sockaddr_in *peer,
                                         uint32_t req_id)
{
	for (int i = 0; i < XFER_SLOTS; i++)
		if (s->xfers[i].used && s->xfers[i].req_id == req_id &&
		    ctl_addr_eq(&s->xfers[i].peer, peer))
			return &s->xfers[i];
	return NULL;
}

/* Drop the data of a transfer and keep its reply for late repeats of the request. */
static void xfer_finish(struct xfer *x, uint64_t now)
{
	free(x->data);
	free(x->acked);
	free(x->sends);
	free(x->sent_us);
	x->data = x->acked = x->sends = NULL;
	x->sent_us = NULL;
	x->used = 2;
	x->done_us = now;
}

/* A slot for a new transfer: NULL when MAX_XFERS are running. A finished
 * transfer's slot is taken back, the oldest first, when none is free. */
static struct xfer *xfer_slot(struct fz_ctl_server *s)
{
	struct xfer *free_slot = NULL, *oldest = NULL;
	unsigned running = 0;

	for (int i = 0; i < XFER_SLOTS; i++) {
		struct xfer *x = &s->xfers[i];

		if (x->used == 1)
			running++;
		else if (!x->used && !free_slot)
			free_slot = x;
		else if (x->used == 2 && (!oldest || x->done_us < oldest->done_us))
			oldest = x;
	}
	if (running >= MAX_XFERS)
		return NULL;
	if (!free_slot && oldest) {
		xfer_free(oldest);
		free_slot = oldest;
	}
	return free_slot;
}

static void start_logs(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *from)
{
	struct xfer *x = find_xfer_by_request(s, from, req_id);
	uint8_t hash[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1], msg[256];
	uint8_t *data;
	uint64_t total;
	json_t *res;
	int rc;

	if (x) { /* the client did not hear our reply: say it again */
		send_msg(s, FZ_CTL_REPLY, req_id, x->reply, x->reply_len, from);
		return;
	}
	if (!s->log_path) {
		reply(s, req_id, from, NULL, "this appliance has no log file (--log-file)");
		return;
	}
	x = xfer_slot(s);
	if (!x) {
		s->xfer_refused++;
		reply(s, req_id, from, NULL, "busy: too many log transfers running, retry later");
		return;
	}
	rc = read_log(s->log_path, &data, &total);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "cannot read the log file: %s", strerror(-rc));
		reply(s, req_id, from, NULL, msg);
		return;
	}
	crypto_hash_sha256(hash, data, total);
	ctl_hex(hash, sizeof(hash), hex);
	s->xfer_started++;
	x->id = ++s->next_xfer;
	res = json_pack("{s:I, s:I, s:I, s:i, s:s}", "transfer", (json_int_t)x->id, "size",
	                (json_int_t)total, "chunks", (json_int_t)ctl_chunks(total), "chunk_size",
	                FZ_CTL_CHUNK, "sha256", hex);
	x->data = data;
	x->total = total;
	x->chunks = ctl_chunks(total);
	/* One more than needed, so that an empty log allocates something. */
	x->acked = calloc(x->chunks + 1, 1);
	x->sends = calloc(x->chunks + 1, 1);
	x->sent_us = calloc(x->chunks + 1, sizeof(uint64_t));
	res = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	x->reply = json_dumps(res, JSON_COMPACT);
	json_decref(res);
	if (!x->acked || !x->sends || !x->sent_us || !x->reply) {
		xfer_free(x);
		reply(s, req_id, from, NULL, "out of memory");
		return;
	}
	x->used = 1;
	x->reply_len = strlen(x->reply);
	x->req_id = req_id;
	x->peer = *from;
	x->started_us = x->heard_us = ctl_mono_us();
	x->rto_us = RTO_INIT_US;
	if (total == 0) { /* nothing to send: the reply is the whole transfer */
		s->xfer_completed++;
		xfer_finish(x, x->started_us);
	}
	send_msg(s, FZ_CTL_REPLY, req_id, x->reply, x->reply_len, from);
}

static json_t *status_with_counters(struct fz_ctl_server *s)
{
	json_t *st = s->ops.status ? s->ops.status(s->ops.arg) : json_object();

	if (json_is_object(st))
		json_object_set_new(st, "ctl", fz_ctl_server_counters(s));
	return st;
}

static void handle_request(struct fz_ctl_server *s, const struct fz_ctl_msg *m,
                           const struct sockaddr_in *from)
{
	const char *name;
	json_t *req = fz_ctl_request_parse(m->payload, m->len, &name);
	enum cmd c = CMD_unknown;
	char msg[128], a[CTL_ADDR_STR];
	int rc;

	if (!req) {
		refuse(s, from, FZ_CTL_MALFORMED, m->len);
		return;
	}
	s->accepted++;
	for (int i = 0; i < CMD_unknown; i++)
		if (strcmp(name, cmd_names[i]) == 0)
			c = (enum cmd)i;
	s->commands[c]++;
	switch (c) {
	case CMD_identify: {
		json_t *id = s->ops.identify ? s->ops.identify(s->ops.arg) : json_object();

		if (json_is_object(id))
			json_object_set_new(id, "ctl_port", json_integer(s->port));
		reply(s, m->req_id, from, id, NULL);
		break;
	}
	case CMD_status:
		reply(s, m->req_id, from, status_with_counters(s), NULL);
		break;
	case CMD_suspend:
	case CMD_resume:
		rc = c == CMD_suspend ? (s->ops.suspend ? s->ops.suspend(s->ops.arg) : -ENOTSUP)
		                      : (s->ops.resume ? s->ops.resume(s->ops.arg) : -ENOTSUP);
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "%s failed: %s", name, strerror(-rc));
			reply(s, m->req_id, from, NULL, msg);
		} else {
			slog(s, "ctl: %s by %s", name, ctl_addr_str(from, a));
			reply(s, m->req_id, from, status_with_counters(s), NULL);
		}
		break;
	case CMD_logs:
		start_logs(s, m->req_id, from);
		break;
	default:
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", name);
		reply(s, m->req_id, from, NULL, msg);
		break;
	}
	json_decref(req);
}

static void update_rtt(struct xfer *x, uint64_t sample)
{
	/* RFC 6298 smoothing, with a floor suited to a LAN and the loop's cadence. */
	if (x->srtt_us == 0) {
		x->srtt_us = sample;
		x->rttvar_us = sample / 2;
	} else {
		uint64_t d = sample > x->srtt_us ? sample - x->srtt_us : x->srtt_us - sample;

		x->rttvar_us = (3 * x->rttvar_us + d) / 4;
		x->srtt_us = (7 * x->srtt_us + sample) / 8;
	}
	x->rto_us = x->srtt_us + 4 * x->rttvar_us;
	if (x->rto_us < RTO_MIN_US)
		x->rto_us = RTO_MIN_US;
	if (x->rto_us > RTO_MAX_US)
		x->rto_us = RTO_MAX_US;
}

static void ack_chunk(struct xfer *x, uint64_t seq, uint64_t now, uint64_t *sample)
{
	if (seq >= x->chunks || x->acked[seq])
		return;
	x->acked[seq] = 1;
	if (x->sent_us[seq] > x->rack_us)
		x->rack_us = x->sent_us[seq];
	if (x->sends[seq] == 1) /* Karn: only chunks sent once measure the RTT */
		*sample = now - x->sent_us[seq];
}

static void handle_ack(struct fz_ctl_server *s, const struct fz_ctl_msg *m,
                       const struct sockaddr_in *from)
{
	struct fz_ctl_ack a;
	struct xfer *x = NULL;
	uint64_t now = ctl_mono_us(), sample = 0;
	char addr[CTL_ADDR_STR];

	if (fz_ctl_ack_parse(m->payload, m->len, &a) < 0) {
		refuse(s, from, FZ_CTL_MALFORMED, m->len);
		return;
	}
	s->accepted++;
	for (int i = 0; i < XFER_SLOTS; i++)
		if (s->xfers[i].used == 1 && s->xfers[i].id == a.xfer &&
		    ctl_addr_eq(&s->xfers[i].peer, from))
			x = &s->xfers[i];
	if (!x) { /* a late ACK of a finished transfer, or a stranger's */
		s->acks_unmatched++;
		return;
	}
	x->heard_us = now;
	for (uint32_t q = x->base; q < a.cum && q < x->chunks; q++)
		ack_chunk(x, q, now, &sample);
	for (unsigned i = 0; i < 2 * 64; i++)
		if (a.sack[i / 64] >> (i % 64) & 1)
			ack_chunk(x, (uint64_t)a.cum + 1 + i, now, &sample);
	if (sample)
		update_rtt(x, sample);
	while (x->base < x->chunks && x->acked[x->base])
		x->base++;
	if (x->base == x->chunks) {
		double secs = (double)(now - x->started_us) / 1e6;

		s->xfer_completed++;
		slog(s, "ctl: log sent to %s: %llu bytes in %.3f s, %llu retransmitted chunks",
		     ctl_addr_str(from, addr), (unsigned long long)x->total, secs,
		     (unsigned long long)x->retransmits);
		xfer_finish(x, now);
	}
}

static void handle_datagram(struct fz_ctl_server *s, size_t len, const struct sockaddr_in *from)
{
	struct fz_ctl_msg m;
	enum fz_ctl_verdict v = fz_ctl_open(&s->key, s->guard, s->rx, len, fz_ctl_now_ms(), &m);

	if (v != FZ_CTL_OK) {
		refuse(s, from, v, len);
		return;
	}
	if (m.type == FZ_CTL_REQUEST)
		handle_request(s, &m, from);
	else if (m.type == FZ_CTL_ACK)
		handle_ack(s, &m, from);
	else /* replies and data travel the other way */
		refuse(s, from, FZ_CTL_MALFORMED, len);
}

/* Send what the window allows: new chunks and those whose timer ran out. */
static unsigned pump(struct fz_ctl_server *s, struct xfer *x, unsigned budget, uint64_t now)
{
	uint32_t end = x->base + s->window < x->chunks ? x->base + s->window : x->chunks;
	unsigned sent = 0;
	char addr[CTL_ADDR_STR];
	/* A chunk sent this much earlier than one already acknowledged is taken as
	 * lost without waiting for its timer (RACK, RFC 8985): a lost chunk at the
	 * bottom of the window would otherwise stall the window for a whole RTO. */
	uint64_t reo_us = x->srtt_us / 4 < 1000 ? x->srtt_us / 4 : 1000;

	if (now - x->heard_us > XFER_IDLE_US) {
		s->xfer_expired++;
		slog(s, "ctl: log transfer to %s abandoned: no acknowledgement for %d s",
		     ctl_addr_str(&x->peer, addr), XFER_IDLE_US / 1000000);
		xfer_free(x);
		return 0;
	}
	for (uint32_t q = x->base; q < end && sent < budget; q++) {
		struct fz_ctl_data d;
		int n;

		if (x->acked[q] || (x->sent_us[q] && now - x->sent_us[q] < x->rto_us &&
		                    x->sent_us[q] + reo_us >= x->rack_us))
			continue;
		d.xfer = x->id;
		d.seq = q;
		d.chunks = x->chunks;
		d.total = x->total;
		d.bytes = x->data + (uint64_t)q * FZ_CTL_CHUNK;
		d.len = q + 1 < x->chunks ? FZ_CTL_CHUNK : x->total - (uint64_t)q * FZ_CTL_CHUNK;
		n = fz_ctl_data_encode(&d, s->payload, sizeof(s->payload));
		if (n < 0 ||
		    send_msg(s, FZ_CTL_DATA, x->req_id, s->payload, (size_t)n, &x->peer) == -EAGAIN)
			break; /* the socket buffer is full: try again on the next poll */
		if (x->sent_us[q]) {
			x->retransmits++;
			s->retransmits++;
		}
		if (x->sends[q] < 255)
			x->sends[q]++;
		x->sent_us[q] = now;
		s->chunks_sent++;
		sent++;
	}
	return sent;
}

int fz_ctl_server_poll(struct fz_ctl_server *s)
{
	struct sockaddr_in from;
	unsigned handled = 0, budget = TX_BUDGET;
	uint64_t now;

	for (int i = 0; i < RX_BUDGET; i++) {
		ssize_t n = ctl_recv(s->fd, &s->loss, s->rx, sizeof(s->rx), &from);

		if (n < 0)
			break;
		handled++;
		handle_datagram(s, (size_t)n, &from);
	}
	now = ctl_mono_us();
	for (int i = 0; i < XFER_SLOTS; i++) {
		if (s->xfers[i].used == 2 && now - s->xfers[i].done_us > XFER_KEEP_US)
			xfer_free(&s->xfers[i]);
		if (s->xfers[i].used != 1)
			continue;
		unsigned n = pump(s, &s->xfers[i], budget, now);

		handled += n;
		budget -= n;
	}
	return (int)handled;
}

struct fz_ctl_server *fz_ctl_server_create(const struct fz_ctl_server_conf *conf,
                                           const struct fz_ctl_ops *ops, char *err, size_t errlen)
{
	struct fz_ctl_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct stat kst;
	int one = 1, rc, e;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->fd = -1;
	if (conf->loss < 0 || conf->loss >= 1) {
		snprintf(err, errlen, "loss must be in [0, 1)");
		e = EINVAL;
		goto fail;
	}
	if (conf->window > FZ_CTL_WINDOW) {
		snprintf(err, errlen, "window must be at most %d chunks", FZ_CTL_WINDOW);
		e = EINVAL;
		goto fail;
	}
	s->window = conf->window ? conf->window : FZ_CTL_WINDOW;
	rc = fz_ctl_key_load(conf->key_path, &s->key, err, errlen);
	if (rc < 0) {
		e = -rc;
		goto fail;
	}
	s->guard = fz_ctl_guard_create(CTL_GUARD_SLOTS, conf->max_skew_ms);
	if (!s->guard || (conf->log_path && !(s->log_path = strdup(conf->log_path)))) {
		snprintf(err, errlen, "out of memory");
		e = ENOMEM;
		goto fail;
	}
	a.sin_port = htons(conf->port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (conf->bind_addr && inet_pton(AF_INET, conf->bind_addr, &a.sin_addr) != 1) {
		snprintf(err, errlen, "control bind address %s is not an IPv4 address",
		         conf->bind_addr);
		e = EINVAL;
		goto fail;
	}
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen) < 0) {
		e = errno;
		snprintf(err, errlen, "control socket on UDP port %u: %s", conf->port, strerror(e));
		goto fail;
	}
	s->port = ntohs(a.sin_port);
	s->loss.p = conf->loss;
	s->ops = *ops;
	s->log = conf->log;
	s->log_arg = conf->log_arg;
	slog(s, "ctl: listening on UDP port %u%s%s", s->port, conf->loss > 0 ? ", loss " : "",
	     conf->loss > 0 ? "injected" : "");
	/* Whoever can read the key can steer the appliance: say so when others can. */
	if (stat(conf->key_path, &kst) == 0 && (kst.st_mode & 077))
		slog(s, "ctl: warning: key file %s is accessible to group or others (chmod 600 it)",
		     conf->key_path);
	return s;
fail:
	fz_ctl_server_free(s);
	errno = e;
	return NULL;
}

int fz_ctl_server_fd(const struct fz_ctl_server *s)
{
	return s->fd;
}

int fz_ctl_server_busy(const struct fz_ctl_server *s)
{
	for (int i = 0; i < XFER_SLOTS; i++)
		if (s->xfers[i].used == 1)
			return 1;
	return 0;
}

uint16_t fz_ctl_server_port(const struct fz_ctl_server *s)
{
	return s->port;
}

json_t *fz_ctl_server_counters(const struct fz_ctl_server *s)
{
	json_t *refused = json_object(), *cmds = json_object();
	unsigned active = 0;

	for (int v = FZ_CTL_OK + 1; v < FZ_CTL__VERDICTS; v++)
		json_object_set_new(refused, fz_ctl_verdict_name((enum fz_ctl_verdict)v),
		                    json_integer((json_int_t)s->refused[v]));
	for (int c = 0; c < CMD__COUNT; c++)
		json_object_set_new(cmds, cmd_names[c], json_integer((json_int_t)s->commands[c]));
	for (int i = 0; i < XFER_SLOTS; i++)
		active += s->xfers[i].used == 1 ? 1 : 0;
	return json_pack("{s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:i}, s:I, s:I, s:I, s:I, s:I}",
	                 "accepted", (json_int_t)s->accepted, "refused", refused, "commands", cmds,
	                 "transfers", "started", (json_int_t)s->xfer_started, "completed",
	                 (json_int_t)s->xfer_completed, "expired", (json_int_t)s->xfer_expired,
	                 "refused_busy", (json_int_t)s->xfer_refused, "active", (int)active,
	                 "chunks_sent", (json_int_t)s->chunks_sent, "retransmits",
	                 (json_int_t)s->retransmits, "acks_unmatched",
	                 (json_int_t)s->acks_unmatched, "send_errors", (json_int_t)s->send_errors,
	                 "loss_dropped", (json_int_t)(s->loss.dropped_tx + s->loss.dropped_rx));
}

void fz_ctl_server_free(struct fz_ctl_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < XFER_SLOTS; i++)
		xfer_free(&s->xfers[i]);
	if (s->fd >= 0)
		close(s->fd);
	fz_ctl_guard_free(s->guard);
	free(s->log_path);
	sodium_memzero(&s->key, sizeof(s->key));
	free(s);
}
