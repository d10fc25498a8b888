/*
 * The control client used by zooctl: blocking calls with a deadline. Every
 * request is resent with a growing interval until its reply arrives, so the
 * commands survive lost datagrams; the log download acknowledges every
 * chunk with a cumulative + selective ACK.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl_priv.h"
#include "fz_ctl_client.h"
#include "fz_ctl_codec.h"

#define RESEND_FIRST_US 100000
#define RESEND_MAX_US   300000 /* requests are tiny: keep asking often when lossy */
#define FINAL_ACKS      4
#define FINAL_GAP_US    25000
#define LINGER_QUIET_US 500000 /* after the last chunk: re-ACK until quiet this long */
#define LINGER_MAX_US   1500000
#define MAX_FOUND       1024
#define RCVBUF_BYTES    (4 << 20)

struct fz_ctl_client {
	int fd;
	struct fz_ctl_key key;
	struct fz_ctl_guard *guard;
	struct ctl_loss loss;
	uint64_t refused[FZ_CTL__VERDICTS];
	uint64_t unexpected; /* authentic but not what we wait for (late, other request) */
	uint8_t rx[FZ_CTL_MAX_DGRAM];
	uint8_t tx[FZ_CTL_MAX_DGRAM];
};

struct fz_ctl_client *fz_ctl_client_create(const char *key_path, double loss, char *err,
                                           size_t errlen)
{
	struct fz_ctl_client *c = calloc(1, sizeof(*c));
	int one = 1, buf = RCVBUF_BYTES, rc, e;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	c->fd = -1;
	if (loss < 0 || loss >= 1) {
		snprintf(err, errlen, "loss must be in [0, 1)");
		e = EINVAL;
		goto fail;
	}
	c->loss.p = loss;
	rc = fz_ctl_key_load(key_path, &c->key, err, errlen);
	if (rc < 0) {
		e = -rc;
		goto fail;
	}
	c->guard = fz_ctl_guard_create(CTL_GUARD_SLOTS, 0);
	if (!c->guard) {
		snprintf(err, errlen, "out of memory");
		e = ENOMEM;
		goto fail;
	}
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || setsockopt(c->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0) {
		e = errno;
		snprintf(err, errlen, "UDP socket: %s", strerror(e));
		goto fail;
	}
	/* A whole window of chunks may arrive at once; a small buffer would drop them. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	return c;
fail:
	fz_ctl_client_free(c);
	errno = e;
	return NULL;
}

void fz_ctl_client_free(struct fz_ctl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	fz_ctl_guard_free(c->guard);
	sodium_memzero(&c->key, sizeof(c->key));
	free(c);
}

json_t *fz_ctl_client_counters(const struct fz_ctl_client *c)
{
	json_t *refused = json_object();

	for (int v = FZ_CTL_OK + 1; v < FZ_CTL__VERDICTS; v++)
		json_object_set_new(refused, fz_ctl_verdict_name((enum fz_ctl_verdict)v),
		                    json_integer((json_int_t)c->refused[v]));
	return json_pack("{s:o, s:I, s:I}", "refused", refused, "unexpected",
	                 (json_int_t)c->unexpected, "loss_dropped",
	                 (json_int_t)(c->loss.dropped_tx + c->loss.dropped_rx));
}

static int send_msg(struct fz_ctl_client *c, uint8_t type, uint32_t req_id, const void *payload,
                    size_t len, const struct sockaddr_in *to)
{
	int n = fz_ctl_seal(&c->key, type, req_id, payload, len, c->tx, sizeof(c->tx));

	if (n < 0)
		return n;
	return ctl_send(c->fd, &c->loss, c->tx, (size_t)n, to);
}

static int send_cmd(struct fz_ctl_client *c, uint32_t req_id, const char *cmd,
                    const struct sockaddr_in *to)
{
	char payload[128];
	int n = snprintf(payload, sizeof(payload), "{\"cmd\":\"%s\"}", cmd);

	if (n < 0 || (size_t)n >= sizeof(payload))
		return -EINVAL;
	return send_msg(c, FZ_CTL_REQUEST, req_id, payload, (size_t)n, to);
}

/*
 * Wait until deadline (monotonic µs) for one authentic datagram. Returns 1
 * with m and from filled, 0 at the deadline, or a negative errno.
 */
static int wait_msg(struct fz_ctl_client *c, uint64_t deadline, struct fz_ctl_msg *m,
                    struct sockaddr_in *from)
{
	for (;;) {
		uint64_t now = ctl_mono_us();
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		ssize_t n;
		int rc;

		if (now >= deadline)
			return 0;
		rc = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0)
			continue;
		while ((n = ctl_recv(c->fd, &c->loss, c->rx, sizeof(c->rx), from)) >= 0) {
			enum fz_ctl_verdict v =
			    fz_ctl_open(&c->key, c->guard, c->rx, (size_t)n, fz_ctl_now_ms(), m);

			if (v == FZ_CTL_OK)
				return 1;
			c->refused[v]++;
		}
		if (n != -EAGAIN)
			return (int)n;
	}
}

static json_t *parse_reply(struct fz_ctl_client *c, const struct fz_ctl_msg *m)
{
	json_t *j = json_loadb((const char *)m->payload, m->len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(j) || !json_is_boolean(json_object_get(j, "ok"))) {
		json_decref(j);
		c->refused[FZ_CTL_MALFORMED]++;
		return NULL;
	}
	return j;
}

static uint64_t next_interval(uint64_t us)
{
	us = us * 3 / 2;
	return us > RESEND_MAX_US ? RESEND_MAX_US : us;
}

int fz_ctl_client_request(struct fz_ctl_client *c, const struct sockaddr_in *to, const char *cmd,
                          double timeout_s, json_t **reply)
{
	uint32_t req_id = randombytes_random();
	uint64_t end = ctl_mono_us() + (uint64_t)(timeout_s * 1e6), next_send = 0;
	uint64_t interval = RESEND_FIRST_US;
	struct fz_ctl_msg m;
	struct sockaddr_in from;

	*reply = NULL;
	for (;;) {
		uint64_t now = ctl_mono_us();
		int rc;

		if (now >= end)
			return -ETIMEDOUT;
		if (now >= next_send) {
			rc = send_cmd(c, req_id, cmd, to);
			if (rc < 0 && rc != -EAGAIN)
				return rc;
			next_send = now + interval;
			interval = next_interval(interval);
		}
		rc = wait_msg(c, next_send < end ? next_send : end, &m, &from);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		if (m.type != FZ_CTL_REPLY || m.req_id != req_id || !ctl_addr_eq(&from, to)) {
			c->unexpected++;
			continue;
		}
		*reply = parse_reply(c, &m);
		if (*reply)
			return 0;
	}
}

int fz_ctl_client_discover(struct fz_ctl_client *c, const struct sockaddr_in *to, unsigned n,
                           double wait_s, fz_ctl_found_fn found, void *arg)
{
	uint32_t req_id = randombytes_random();
	uint64_t end = ctl_mono_us() + (uint64_t)(wait_s * 1e6), next_send = 0;
	struct sockaddr_in *seen = calloc(MAX_FOUND, sizeof(*seen));
	unsigned n_seen = 0;
	struct fz_ctl_msg m;
	struct sockaddr_in from;
	int rc = 0;

	if (!seen)
		return -ENOMEM;
	for (;;) {
		uint64_t now = ctl_mono_us();
		json_t *j;
		unsigned i;

		if (now >= end)
			break;
		/* Several rounds, so that a lost broadcast or answer is made up for. */
		if (now >= next_send) {
			for (i = 0; i < n; i++)
				send_cmd(c, req_id, "identify", &to[i]);
			next_send = now + (uint64_t)(wait_s * 1e6) / 8 + 1;
		}
		rc = wait_msg(c, next_send < end ? next_send : end, &m, &from);
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		if (m.type != FZ_CTL_REPLY || m.req_id != req_id) {
			c->unexpected++;
			continue;
		}
		for (i = 0; i < n_seen && !ctl_addr_eq(&seen[i], &from); i++)
			;
		if (i < n_seen || n_seen == MAX_FOUND)
			continue;
		j = parse_reply(c, &m);
		if (!j)
			continue;
		seen[n_seen++] = from;
		found(arg, &from, json_object_get(j, "result"));
		json_decref(j);
	}
	free(seen);
	return rc < 0 ? rc : (int)n_seen;
}

/* State of one download. */
struct download {
	uint32_t xfer;
	int have_xfer, have_reply;
	uint64_t total;
	uint32_t chunks, cum, held;
	uint8_t *buf;
	uint8_t *got;
	char sha256[65];
};

static int download_size(struct download *d, uint64_t total)
{
	if (d->buf)
		return d->total == total ? 0 : -EBADMSG;
	if (total > FZ_CTL_MAX_LOG)
		return -EFBIG;
	d->total = total;
	d->chunks = ctl_chunks(total);
	d->buf = malloc(total ? total : 1);
	d->got = calloc(d->chunks ? d->chunks : 1, 1);
	return d->buf && d->got ? 0 : -ENOMEM;
}

static int take_reply(struct fz_ctl_client *c, struct download *d, const struct fz_ctl_msg *m,
                      char *err, size_t errlen)
{
	json_t *j = parse_reply(c, m), *res;
	const char *sha = NULL;
	json_int_t size = -1, id = -1;
	int rc;

	if (!j)
		return 0;
	if (!json_is_true(json_object_get(j, "ok"))) {
		snprintf(err, errlen, "%s",
		         json_string_value(json_object_get(j, "error")) ?: "refused");
		json_decref(j);
		return -EREMOTEIO;
	}
	res = json_object_get(j, "result");
	if (json_unpack(res, "{s:I, s:I, s:s}", "transfer", &id, "size", &size, "sha256", &sha) <
	        0 ||
	    size < 0 || id < 0 || id > UINT32_MAX || strlen(sha) != 64) {
		snprintf(err, errlen, "malformed reply to logs");
		json_decref(j);
		return -EBADMSG;
	}
	if (d->have_xfer && d->xfer != (uint32_t)id) {
		snprintf(err, errlen, "reply names transfer %lld, data came for %u", (long long)id,
		         d->xfer);
		json_decref(j);
		return -EBADMSG;
	}
	memcpy(d->sha256, sha, 65);
	d->xfer = (uint32_t)id;
	d->have_xfer = d->have_reply = 1;
	json_decref(j);
	rc = download_size(d, (uint64_t)size);
	if (rc < 0)
		snprintf(err, errlen, "cannot take a log of %lld bytes: %s", (long long)size,
		         strerror(-rc));
	return rc;
}

static void send_ack(struct fz_ctl_client *c, struct download *d, uint32_t req_id,
                     const struct sockaddr_in *to, struct fz_ctl_xfer_stats *st)
{
	struct fz_ctl_ack a = {.xfer = d->xfer, .cum = d->cum};
	uint8_t p[FZ_CTL_ACK_LEN];

	for (unsigned i = 0; i < 128; i++) {
		uint64_t q = (uint64_t)d->cum + 1 + i;

		if (q < d->chunks && d->got[q])
			a.sack[i / 64] |= 1ull << (i % 64);
	}
	fz_ctl_ack_encode(&a, p);
	send_msg(c, FZ_CTL_ACK, req_id, p, sizeof(p), to);
	st->acks_sent++;
}

/* Take one DATA datagram. Returns 1 when it brought a new chunk, 0 otherwise. */
static int take_data(struct download *d, const struct fz_ctl_msg *m, struct fz_ctl_xfer_stats *st)
{
	struct fz_ctl_data x;

	if (fz_ctl_data_parse(m->payload, m->len, &x) < 0)
		return 0;
	if (d->have_xfer && x.xfer != d->xfer)
		return 0;
	if (!d->have_xfer) { /* chunks overtook the reply */
		if (download_size(d, x.total) < 0)
			return 0;
		d->xfer = x.xfer;
		d->have_xfer = 1;
	}
	if (x.total != d->total)
		return 0;
	st->data_received++;
	if (d->got[x.seq]) {
		st->duplicates++;
		return 0;
	}
	memcpy(d->buf + (uint64_t)x.seq * FZ_CTL_CHUNK, x.bytes, x.len);
	d->got[x.seq] = 1;
	d->held++;
	while (d->cum < d->chunks && d->got[d->cum])
		d->cum++;
	return 1;
}

static int write_file(const char *path, const uint8_t *buf, uint64_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -errno;
	if (len && fwrite(buf, 1, len, f) != len)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

int fz_ctl_client_fetch_log(struct fz_ctl_client *c, const struct sockaddr_in *to,
                            const char *out_path, double timeout_s, struct fz_ctl_xfer_stats *st,
                            char *err, size_t errlen)
{
	uint32_t req_id = randombytes_random();
	uint64_t start = ctl_mono_us(), progress = start, next_send = 0;
	uint64_t idle = (uint64_t)(timeout_s * 1e6);
	struct download d;
	struct fz_ctl_msg m;
	struct sockaddr_in from;
	uint8_t hash[crypto_hash_sha256_BYTES];
	int rc = 0;

	memset(&d, 0, sizeof(d));
	memset(st, 0, sizeof(*st));
	snprintf(err, errlen, "no answer");
	while (!(d.have_reply && d.held == d.chunks)) {
		uint64_t now = ctl_mono_us(), deadline = progress + idle;

		if (now >= deadline) {
			snprintf(err, errlen, "no progress for %.1f s (%u of %u chunks)", timeout_s,
			         d.held, d.chunks);
			rc = -ETIMEDOUT;
			goto out;
		}
		/* The request is tiny and the chunks may all be in before the reply is:
		 * keep asking at a steady pace rather than backing off. */
		if (!d.have_reply && now >= next_send) {
			send_cmd(c, req_id, "logs", to);
			next_send = now + RESEND_FIRST_US;
		}
		rc = wait_msg(c, !d.have_reply && next_send < deadline ? next_send : deadline, &m,
		              &from);
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		rc = 0;
		if (m.req_id != req_id || !ctl_addr_eq(&from, to)) {
			c->unexpected++;
			continue;
		}
		if (m.type == FZ_CTL_REPLY && !d.have_reply) {
			rc = take_reply(c, &d, &m, err, errlen);
			if (rc < 0)
				goto out;
			progress = ctl_mono_us();
		} else if (m.type == FZ_CTL_DATA) {
			if (take_data(&d, &m, st))
				progress = ctl_mono_us();
			if (d.have_xfer)
				send_ack(c, &d, req_id, to, st);
		} else {
			c->unexpected++;
		}
	}
	crypto_hash_sha256(hash, d.buf, d.total);
	ctl_hex(hash, sizeof(hash), st->sha256);
	st->bytes = d.total;
	st->chunks = d.chunks;
	st->seconds = (double)(ctl_mono_us() - start) / 1e6;
	if (strcmp(st->sha256, d.sha256) != 0) {
		snprintf(err, errlen, "SHA-256 mismatch: got %s, appliance said %s", st->sha256,
		         d.sha256);
		rc = -EBADMSG;
		goto out;
	}
	rc = write_file(out_path, d.buf, d.total);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", out_path, strerror(-rc));
	/*
	 * Tell the appliance we are done. The final ACK goes out FINAL_ACKS times,
	 * FINAL_GAP_US apart (a lost one would leave the appliance resending
	 * until its transfer expires), and again for every chunk that still
	 * comes, until LINGER_QUIET_US pass without one.
	 */
	if (d.chunks) {
		uint64_t now = ctl_mono_us(), last = now, stop = now + LINGER_MAX_US, next = now;
		unsigned copies = 0;

		for (;;) {
			uint64_t deadline;
			int w;

			now = ctl_mono_us();
			if (copies < FINAL_ACKS && now >= next) {
				send_ack(c, &d, req_id, to, st);
				copies++;
				next = now + FINAL_GAP_US;
			}
			if (now >= stop || (copies == FINAL_ACKS && now >= last + LINGER_QUIET_US))
				break;
			deadline = copies < FINAL_ACKS ? next : last + LINGER_QUIET_US;
			w = wait_msg(c, deadline < stop ? deadline : stop, &m, &from);
			if (w < 0)
				break;
			if (w == 0)
				continue;
			if (m.type == FZ_CTL_DATA && m.req_id == req_id) {
				send_ack(c, &d, req_id, to, st);
				last = ctl_mono_us();
			}
		}
	}
out:
	free(d.buf);
	free(d.got);
	return rc;
}
