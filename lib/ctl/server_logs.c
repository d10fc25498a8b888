/*
 * The log transfer of the control server: "logs" takes a snapshot of the log
 * file and sends it in DATA chunks inside a window; the client's ACKs
 * (cumulative and selective) move the window, an RTT estimate (RFC 6298)
 * sets the retransmission timer, and a chunk sent well before one already
 * acknowledged is resent at once (RACK). A finished transfer keeps its reply
 * for a while, for a client that missed it and asks again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server_priv.h"

#define XFER_KEEP_US 30000000 /* a finished transfer's reply is kept this long */
#define TX_BUDGET    128      /* chunks sent per poll over all transfers */
#define RTO_INIT_US  200000
#define RTO_MIN_US   20000
#define RTO_MAX_US   1000000
#define XFER_IDLE_US 10000000 /* a transfer without any ACK for 10 s is abandoned */

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

void ctl_logs_start(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *from)
{
	struct xfer *x = find_xfer_by_request(s, from, req_id);
	uint8_t hash[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1], msg[256];
	uint8_t *data;
	uint64_t total;
	json_t *res;
	int rc;

	if (x) { /* the client did not hear our reply: say it again */
		ctl_server_send(s, FZ_CTL_REPLY, req_id, x->reply, x->reply_len, from);
		return;
	}
	if (!s->log_path) {
		ctl_server_reply(s, req_id, from, NULL,
		                 "this appliance has no log file (--log-file)");
		return;
	}
	x = xfer_slot(s);
	if (!x) {
		s->xfer_refused++;
		ctl_server_reply(s, req_id, from, NULL,
		                 "busy: too many log transfers running, retry later");
		return;
	}
	rc = read_log(s->log_path, &data, &total);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "cannot read the log file: %s", strerror(-rc));
		ctl_server_reply(s, req_id, from, NULL, msg);
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
		ctl_server_reply(s, req_id, from, NULL, "out of memory");
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
	ctl_server_send(s, FZ_CTL_REPLY, req_id, x->reply, x->reply_len, from);
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

void ctl_logs_ack(struct fz_ctl_server *s, const struct fz_ctl_msg *m,
                  const struct sockaddr_in *from)
{
	struct fz_ctl_ack a;
	struct xfer *x = NULL;
	uint64_t now = ctl_mono_us(), sample = 0;
	char addr[CTL_ADDR_STR];

	if (fz_ctl_ack_parse(m->payload, m->len, &a) < 0) {
		ctl_server_refuse(s, from, FZ_CTL_MALFORMED, m->len);
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
		ctl_server_log(
		    s, "ctl: log sent to %s: %llu bytes in %.3f s, %llu retransmitted chunks",
		    ctl_addr_str(from, addr), (unsigned long long)x->total, secs,
		    (unsigned long long)x->retransmits);
		xfer_finish(x, now);
	}
}

/*
 * A chunk sent this much earlier than one already acknowledged is taken as
 * lost without waiting for its timer (RACK, RFC 8985): a lost chunk at the
 * bottom of the window would otherwise stall the window for a whole RTO.
 */
static uint64_t reorder_us(const struct xfer *x)
{
	return x->srtt_us / 4 < 1000 ? x->srtt_us / 4 : 1000;
}

/* Send what the window allows: new chunks and those whose timer ran out. */
static unsigned pump(struct fz_ctl_server *s, struct xfer *x, unsigned budget, uint64_t now)
{
	uint32_t end = x->base + s->window < x->chunks ? x->base + s->window : x->chunks;
	unsigned sent = 0;
	char addr[CTL_ADDR_STR];
	uint64_t reo_us = reorder_us(x);

	if (now - x->heard_us > XFER_IDLE_US) {
		s->xfer_expired++;
		ctl_server_log(s, "ctl: log transfer to %s abandoned: no acknowledgement for %d s",
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
		if (n < 0 || ctl_server_send(s, FZ_CTL_DATA, x->req_id, s->payload, (size_t)n,
		                             &x->peer) == -EAGAIN) {
			s->tx_blocked = n >= 0;
			break; /* the socket buffer is full: try again on the next poll */
		}
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

unsigned ctl_logs_pump(struct fz_ctl_server *s, uint64_t now)
{
	unsigned sent = 0, budget = TX_BUDGET;

	s->tx_blocked = 0;
	for (int i = 0; i < XFER_SLOTS; i++) {
		unsigned n;

		if (s->xfers[i].used == 2 && now - s->xfers[i].done_us > XFER_KEEP_US)
			xfer_free(&s->xfers[i]);
		if (s->xfers[i].used != 1)
			continue;
		n = pump(s, &s->xfers[i], budget, now);
		sent += n;
		budget -= n;
	}
	return sent;
}

unsigned ctl_logs_running(const struct fz_ctl_server *s)
{
	unsigned n = 0;

	for (int i = 0; i < XFER_SLOTS; i++)
		n += s->xfers[i].used == 1;
	return n;
}

/* When x next has something to do: a chunk to (re)send, or its expiry. */
static uint64_t xfer_due_us(const struct fz_ctl_server *s, const struct xfer *x)
{
	uint32_t end = x->base + s->window < x->chunks ? x->base + s->window : x->chunks;
	uint64_t due = x->heard_us + XFER_IDLE_US;

	for (uint32_t q = x->base; q < end; q++) {
		if (x->acked[q])
			continue;
		/* Never sent, or lost by the RACK rule of pump(): due now. */
		if (!x->sent_us[q] || x->sent_us[q] + reorder_us(x) < x->rack_us)
			return 0;
		if (x->sent_us[q] + x->rto_us < due)
			due = x->sent_us[q] + x->rto_us;
	}
	return due;
}

int ctl_logs_timeout_ms(const struct fz_ctl_server *s, uint64_t now)
{
	uint64_t due = UINT64_MAX, wait_us;

	for (int i = 0; i < XFER_SLOTS; i++) {
		if (s->xfers[i].used == 1) {
			uint64_t d = xfer_due_us(s, &s->xfers[i]);

			if (d < due)
				due = d;
		}
	}
	if (due == UINT64_MAX)
		return -1;
	wait_us = due > now ? due - now : 0;
	/* The socket's buffer was full: give it a moment rather than spin. */
	if (s->tx_blocked && wait_us < 1000)
		wait_us = 1000;
	/* Round up: waking before the timer runs out would find nothing to do. */
	return wait_us > 60000000u ? 60000 : (int)((wait_us + 999) / 1000);
}

void ctl_logs_free(struct fz_ctl_server *s)
{
	for (int i = 0; i < XFER_SLOTS; i++)
		xfer_free(&s->xfers[i]);
}
