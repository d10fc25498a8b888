/*
 * Unit tests of lib/ctl: the codec and its authentication (wrong key,
 * replay, stale, truncated, oversized), the payload codecs, key files, the
 * server's refusal counters over loopback, and the log transfer between an
 * in-process client and server under 30 % loss on both sides.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fz_ctl_client.h"
#include "fz_ctl_codec.h"
#include "fz_ctl_server.h"
#include "fz_test.h"

static char dir[] = "/tmp/fz_test_ctl.XXXXXX";
static char key_path[256], key2_path[256];
static struct fz_ctl_key key, key2;

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	FZ_CHECK(f != NULL);
	if (!f)
		return;
	FZ_CHECK_INT(len, fwrite(buf, 1, len, f));
	fclose(f);
}

static void setup(void)
{
	char err[256];

	if (!mkdtemp(dir) || sodium_init() < 0) {
		perror("setup");
		exit(1);
	}
	snprintf(key_path, sizeof(key_path), "%s/key", dir);
	snprintf(key2_path, sizeof(key2_path), "%s/key2", dir);
	write_file(key_path, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	           65);
	write_file(key2_path, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
	           65);
	/* Private, as the server wants it (it logs a warning otherwise). */
	chmod(key_path, 0600);
	FZ_CHECK_INT(0, fz_ctl_key_load(key_path, &key, err, sizeof(err)));
	FZ_CHECK_INT(0, fz_ctl_key_load(key2_path, &key2, err, sizeof(err)));
}

static void test_key_files(void)
{
	struct fz_ctl_key k;
	char path[300], err[256];
	uint8_t raw[40];

	FZ_CHECK_INT(32, key.len);
	FZ_CHECK_INT(0x00, key.bytes[0]);
	FZ_CHECK_INT(0x11, key.bytes[1]);
	FZ_CHECK_INT(0xff, key.bytes[31]);
	/* Hex with spaces and line breaks in it. */
	snprintf(path, sizeof(path), "%s/k_spaced", dir);
	write_file(path, "0011 2233445566778899aabbccddeeff\n00112233445566778899aabbccddeeff\n",
	           67);
	FZ_CHECK_INT(0, fz_ctl_key_load(path, &k, err, sizeof(err)));
	FZ_CHECK_INT(32, k.len);
	FZ_CHECK(memcmp(k.bytes, key.bytes, 32) == 0);
	/* Raw bytes (not all hex). */
	for (unsigned i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(200 + i);
	snprintf(path, sizeof(path), "%s/k_raw", dir);
	write_file(path, raw, sizeof(raw));
	FZ_CHECK_INT(0, fz_ctl_key_load(path, &k, err, sizeof(err)));
	FZ_CHECK_INT(40, k.len);
	FZ_CHECK_INT(200, k.bytes[0]);
	/* Too short: 31 raw bytes, and 62 hex digits. */
	snprintf(path, sizeof(path), "%s/k_short", dir);
	write_file(path, raw, 31);
	FZ_CHECK_INT(-EINVAL, fz_ctl_key_load(path, &k, err, sizeof(err)));
	FZ_CHECK(strstr(err, "k_short") != NULL);
	write_file(path, "00112233445566778899aabbccddeeff00112233445566778899aabbccddee", 62);
	FZ_CHECK_INT(-EINVAL, fz_ctl_key_load(path, &k, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/missing", dir);
	FZ_CHECK_INT(-ENOENT, fz_ctl_key_load(path, &k, err, sizeof(err)));
}

static void test_seal_open(void)
{
	struct fz_ctl_guard *g = fz_ctl_guard_create(1024, 0);
	uint8_t buf[FZ_CTL_MAX_DGRAM + 16];
	struct fz_ctl_msg m;
	uint64_t now = fz_ctl_now_ms();
	int n = fz_ctl_seal(&key, FZ_CTL_REQUEST, 0xdeadbeef, "{\"cmd\":\"status\"}", 16, buf,
	                    sizeof(buf));

	FZ_CHECK_INT(FZ_CTL_HDR_LEN + 16 + FZ_CTL_MAC_LEN, n);
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	FZ_CHECK_INT(FZ_CTL_VERSION, m.version);
	FZ_CHECK_INT(FZ_CTL_REQUEST, m.type);
	FZ_CHECK_INT(0xdeadbeef, m.req_id);
	FZ_CHECK_INT(16, m.len);
	FZ_CHECK(memcmp(m.payload, "{\"cmd\":\"status\"}", 16) == 0);
	FZ_CHECK(m.ts_ms + 1000 > now && m.ts_ms <= now + 1000);
	/* The same datagram again: a replay. */
	FZ_CHECK_INT(FZ_CTL_REPLAY, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	/* A fresh one with the wrong key: bad MAC, and nothing remembered. */
	n = fz_ctl_seal(&key2, FZ_CTL_REQUEST, 1, "{}", 2, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_BAD_MAC, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key2, g, buf, (size_t)n, now, &m));
	/* One flipped bit anywhere in header, payload or MAC: bad MAC. */
	n = fz_ctl_seal(&key, FZ_CTL_REQUEST, 2, "{}", 2, buf, sizeof(buf));
	for (int at = 8; at < n; at += 7) {
		buf[at] ^= 0x10;
		FZ_CHECK_INT(FZ_CTL_BAD_MAC, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
		buf[at] ^= 0x10;
	}
	/* Stale: 31 s old, 31 s ahead; 29 s old is still fine. */
	n = fz_ctl_seal_at(&key, FZ_CTL_REQUEST, 3, "{}", 2, now - 31000, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_STALE, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	n = fz_ctl_seal_at(&key, FZ_CTL_REQUEST, 3, "{}", 2, now + 31000, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_STALE, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	n = fz_ctl_seal_at(&key, FZ_CTL_REQUEST, 3, "{}", 2, now - 29000, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	/* Truncated at every length: malformed (too short or length mismatch). */
	n = fz_ctl_seal(&key, FZ_CTL_REQUEST, 4, "{\"cmd\":\"x\"}", 11, buf, sizeof(buf));
	for (int len = 0; len < n; len++)
		FZ_CHECK_INT(FZ_CTL_MALFORMED, fz_ctl_open(&key, g, buf, (size_t)len, now, &m));
	/* Wrong magic, version and type: malformed before any MAC work. */
	buf[0] ^= 1;
	FZ_CHECK_INT(FZ_CTL_MALFORMED, fz_ctl_decode(buf, (size_t)n, &m));
	buf[0] ^= 1;
	buf[4] = 2;
	FZ_CHECK_INT(FZ_CTL_MALFORMED, fz_ctl_decode(buf, (size_t)n, &m));
	buf[4] = FZ_CTL_VERSION;
	buf[5] = 9;
	FZ_CHECK_INT(FZ_CTL_MALFORMED, fz_ctl_decode(buf, (size_t)n, &m));
	buf[5] = FZ_CTL_REQUEST;
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_decode(buf, (size_t)n, &m));
	/* Oversized: refused on size alone. */
	memset(buf, 0, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_OVERSIZED, fz_ctl_open(&key, g, buf, FZ_CTL_MAX_DGRAM + 1, now, &m));
	FZ_CHECK_INT(-EMSGSIZE, fz_ctl_seal(&key, FZ_CTL_REPLY, 5, buf, FZ_CTL_MAX_PAYLOAD + 1, buf,
	                                    sizeof(buf)));
	FZ_CHECK_INT(FZ_CTL_MAX_DGRAM,
	             fz_ctl_seal(&key, FZ_CTL_REPLY, 5, buf, FZ_CTL_MAX_PAYLOAD, buf, sizeof(buf)));
	fz_ctl_guard_free(g);
}

/* A full guard forgets its oldest nonces and refuses them as stale. */
static void test_guard_eviction(void)
{
	struct fz_ctl_guard *g = fz_ctl_guard_create(8, 0); /* one bucket of 8 */
	uint8_t first[128], buf[128];
	struct fz_ctl_msg m;
	uint64_t now = fz_ctl_now_ms();
	int n0 = fz_ctl_seal_at(&key, FZ_CTL_ACK, 0, NULL, 0, now - 100, first, sizeof(first)), n;

	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, first, (size_t)n0, now, &m));
	for (int i = 1; i < 8; i++) {
		n = fz_ctl_seal_at(&key, FZ_CTL_ACK, 0, NULL, 0, now - 100 + (uint64_t)i, buf,
		                   sizeof(buf));
		FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	}
	FZ_CHECK_INT(FZ_CTL_REPLAY, fz_ctl_open(&key, g, first, (size_t)n0, now, &m));
	/* The ninth evicts the first: its replay is now stale, not accepted. */
	n = fz_ctl_seal_at(&key, FZ_CTL_ACK, 0, NULL, 0, now - 50, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	FZ_CHECK_INT(FZ_CTL_STALE, fz_ctl_open(&key, g, first, (size_t)n0, now, &m));
	/* A new message at the floor's time is stale too; one after it is fine. */
	n = fz_ctl_seal_at(&key, FZ_CTL_ACK, 0, NULL, 0, now - 100, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_STALE, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	n = fz_ctl_seal_at(&key, FZ_CTL_ACK, 0, NULL, 0, now - 40, buf, sizeof(buf));
	FZ_CHECK_INT(FZ_CTL_OK, fz_ctl_open(&key, g, buf, (size_t)n, now, &m));
	fz_ctl_guard_free(g);
}

static void test_payloads(void)
{
	uint8_t chunk[FZ_CTL_CHUNK], p[FZ_CTL_MAX_PAYLOAD];
	struct fz_ctl_data d = {.xfer = 7,
	                        .seq = 2,
	                        .chunks = 3,
	                        .total = 2 * FZ_CTL_CHUNK + 5,
	                        .bytes = chunk,
	                        .len = 5};
	struct fz_ctl_data o;
	struct fz_ctl_ack a = {.xfer = 9, .cum = 100, .sack = {0x8000000000000001ull, 2}}, b;
	const char *cmd = NULL;
	json_t *j;
	int n;

	memset(chunk, 0xab, sizeof(chunk));
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(FZ_CTL_DATA_HDR + 5, n);
	FZ_CHECK_INT(0, fz_ctl_data_parse(p, (size_t)n, &o));
	FZ_CHECK_INT(7, o.xfer);
	FZ_CHECK_INT(2, o.seq);
	FZ_CHECK_INT(3, o.chunks);
	FZ_CHECK_INT(2 * FZ_CTL_CHUNK + 5, o.total);
	FZ_CHECK_INT(5, o.len);
	FZ_CHECK_INT(0xab, o.bytes[4]);
	/* The last chunk must be exactly the rest; others exactly FZ_CTL_CHUNK. */
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, (size_t)n - 1, &o));
	d.seq = 1;
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, (size_t)n, &o));
	d.len = FZ_CTL_CHUNK;
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(0, fz_ctl_data_parse(p, (size_t)n, &o));
	/* Chunk beyond the count, count that does not match the total, huge total. */
	d.seq = 3;
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, (size_t)n, &o));
	d.seq = 0;
	d.chunks = 4;
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, (size_t)n, &o));
	d.total = (uint64_t)FZ_CTL_MAX_LOG + 1;
	d.chunks = (uint32_t)((d.total + FZ_CTL_CHUNK - 1) / FZ_CTL_CHUNK);
	n = fz_ctl_data_encode(&d, p, sizeof(p));
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, (size_t)n, &o));
	FZ_CHECK_INT(-EINVAL, fz_ctl_data_parse(p, FZ_CTL_DATA_HDR - 1, &o));
	FZ_CHECK_INT(-EMSGSIZE, fz_ctl_data_encode(&d, p, 10));

	fz_ctl_ack_encode(&a, p);
	FZ_CHECK_INT(0, fz_ctl_ack_parse(p, FZ_CTL_ACK_LEN, &b));
	FZ_CHECK_INT(9, b.xfer);
	FZ_CHECK_INT(100, b.cum);
	FZ_CHECK(b.sack[0] == 0x8000000000000001ull && b.sack[1] == 2);
	FZ_CHECK_INT(-EINVAL, fz_ctl_ack_parse(p, FZ_CTL_ACK_LEN - 1, &b));
	FZ_CHECK_INT(-EINVAL, fz_ctl_ack_parse(p, FZ_CTL_ACK_LEN + 1, &b));

	j = fz_ctl_request_parse((const uint8_t *)"{\"cmd\":\"status\"}", 16, &cmd);
	FZ_CHECK(j != NULL);
	FZ_CHECK_STR("status", cmd);
	json_decref(j);
	FZ_CHECK(fz_ctl_request_parse((const uint8_t *)"{\"cmd\":1}", 9, &cmd) == NULL);
	FZ_CHECK(fz_ctl_request_parse((const uint8_t *)"[\"cmd\"]", 7, &cmd) == NULL);
	FZ_CHECK(fz_ctl_request_parse((const uint8_t *)"{\"cmd\":\"a\",\"cmd\":\"b\"}", 21, &cmd) ==
	         NULL);
	FZ_CHECK(fz_ctl_request_parse((const uint8_t *)"{\"cmd\":\"st", 10, &cmd) == NULL);
}

/* ---- server over loopback ---- */

struct fake {
	int suspended, suspends, resumes;
	uint64_t packets;
};

static json_t *fake_identify(void *arg)
{
	(void)arg;
	return json_pack("{s:s}", "collector", "unit");
}

static json_t *fake_status(void *arg)
{
	struct fake *f = arg;

	return json_pack("{s:s, s:I}", "state", f->suspended ? "suspended" : "collecting",
	                 "packets", (json_int_t)f->packets);
}

static int fake_suspend(void *arg)
{
	struct fake *f = arg;

	f->suspended = 1;
	f->suspends++;
	return 0;
}

static int fake_resume(void *arg)
{
	struct fake *f = arg;

	f->suspended = 0;
	f->resumes++;
	return 0;
}

static int log_lines;

static void count_log(void *arg, const char *line)
{
	(void)arg;
	(void)line;
	log_lines++;
}

static struct fz_ctl_server *make_server(struct fake *f, const char *log_path, double loss)
{
	static struct fz_ctl_ops ops;
	struct fz_ctl_server_conf conf = {.port = 0,
	                                  .key_path = key_path,
	                                  .log_path = log_path,
	                                  .loss = loss,
	                                  .bind_addr = "127.0.0.1",
	                                  .log = count_log};
	char err[256];
	struct fz_ctl_server *s;

	ops = (struct fz_ctl_ops){f, fake_identify, fake_status, fake_suspend, fake_resume};
	s = fz_ctl_server_create(&conf, &ops, err, sizeof(err));
	if (!s)
		fprintf(stderr, "server: %s\n", err);
	FZ_CHECK(s != NULL);
	return s;
}

static long long counter(json_t *c, const char *group, const char *name)
{
	json_t *g = group ? json_object_get(c, group) : c;

	return json_integer_value(json_object_get(g, name));
}

/* Send raw datagrams, then let the server take them all. */
static void deliver(int fd, struct fz_ctl_server *s, const struct sockaddr_in *to,
                    const uint8_t *buf, size_t len)
{
	FZ_CHECK_INT((long long)len,
	             sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)));
	for (int i = 0; i < 1000 && fz_ctl_server_poll(s) == 0; i++)
		usleep(1000);
}

static void test_server_refusals(void)
{
	struct fake f = {.packets = 42};
	struct fz_ctl_server *s = make_server(&f, NULL, 0);
	struct sockaddr_in to = {.sin_family = AF_INET};
	static uint8_t buf[FZ_CTL_MAX_DGRAM + 100], first[256];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), n0, n;
	const char *suspend = "{\"cmd\":\"suspend\"}";
	json_t *c;

	if (!s)
		return;
	log_lines = 1; /* the "listening" line came before the counter was reset */
	to.sin_port = htons(fz_ctl_server_port(s));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Accepted: one suspend. */
	n0 = fz_ctl_seal(&key, FZ_CTL_REQUEST, 1, suspend, strlen(suspend), first, sizeof(first));
	deliver(fd, s, &to, first, (size_t)n0);
	FZ_CHECK_INT(1, f.suspends);
	fake_resume(&f);
	/* Refused: each changes nothing. */
	deliver(fd, s, &to, first, (size_t)n0); /* replay */
	n = fz_ctl_seal(&key2, FZ_CTL_REQUEST, 2, suspend, strlen(suspend), buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n); /* wrong key */
	n = fz_ctl_seal_at(&key, FZ_CTL_REQUEST, 3, suspend, strlen(suspend),
	                   fz_ctl_now_ms() - 120000, buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n); /* stale */
	n = fz_ctl_seal(&key, FZ_CTL_REQUEST, 4, suspend, strlen(suspend), buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n - 1); /* truncated */
	randombytes_buf(buf, 300);
	deliver(fd, s, &to, buf, 300); /* random bytes */
	memset(buf, 0, sizeof(buf));
	deliver(fd, s, &to, buf, FZ_CTL_MAX_DGRAM + 100); /* oversized */
	n = fz_ctl_seal(&key, FZ_CTL_REQUEST, 5, "not json", 8, buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n); /* authentic but malformed payload */
	n = fz_ctl_seal(&key, FZ_CTL_REPLY, 6, "{}", 2, buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n); /* wrong direction */
	n = fz_ctl_seal(&key, FZ_CTL_ACK, 7, "x", 1, buf, sizeof(buf));
	deliver(fd, s, &to, buf, (size_t)n); /* short ACK */
	FZ_CHECK_INT(1, f.suspends);
	FZ_CHECK_INT(0, f.suspended);

	c = fz_ctl_server_counters(s);
	FZ_CHECK_INT(1, counter(c, NULL, "accepted"));
	FZ_CHECK_INT(1, counter(c, "refused", "replay"));
	FZ_CHECK_INT(1, counter(c, "refused", "bad_mac"));
	FZ_CHECK_INT(1, counter(c, "refused", "stale"));
	FZ_CHECK_INT(1, counter(c, "refused", "oversized"));
	FZ_CHECK_INT(5, counter(c, "refused", "malformed"));
	FZ_CHECK_INT(1, counter(c, "commands", "suspend"));
	/* "listening", "suspend by", then one line per refusal (below the rate limit). */
	FZ_CHECK_INT(2 + 9, log_lines);
	json_decref(c);
	close(fd);
	fz_ctl_server_free(s);
}

/* ---- client and server in one process ---- */

struct runner {
	struct fz_ctl_server *s;
	atomic_int stop;
	pthread_t th;
};

/*
 * The server on a control thread of its own, as the appliance runs it: every
 * call on the server is made here, sleeping in poll(2) between polls for as
 * long as fz_ctl_server_timeout_ms() allows (at most 10 ms, to see stop).
 * Once stopped it serves on until no transfer runs (the final
 * acknowledgement may still be on its way), for at most 2 s.
 */
static void *serve(void *arg)
{
	struct runner *r = arg;
	struct pollfd p = {.fd = fz_ctl_server_fd(r->s), .events = POLLIN};
	int rounds_after_stop = 0;

	for (;;) {
		int wait;

		fz_ctl_server_poll(r->s);
		if (atomic_load(&r->stop) &&
		    (!fz_ctl_server_busy(r->s) || rounds_after_stop++ >= 200))
			break;
		wait = fz_ctl_server_timeout_ms(r->s);
		if (wait != 0)
			poll(&p, 1, wait < 0 || wait > 10 ? 10 : wait);
	}
	return NULL;
}

static void start(struct runner *r, struct fz_ctl_server *s)
{
	r->s = s;
	atomic_init(&r->stop, 0);
	pthread_create(&r->th, NULL, serve, r);
}

static void stop(struct runner *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
}

static void test_commands(void)
{
	struct fake f = {.packets = 1234};
	struct fz_ctl_server *s = make_server(&f, NULL, 0.3);
	struct fz_ctl_client *c;
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct runner r;
	char err[256];
	json_t *reply = NULL;

	if (!s)
		return;
	to.sin_port = htons(fz_ctl_server_port(s));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = fz_ctl_client_create(key_path, 0.3, err, sizeof(err));
	FZ_CHECK(c != NULL);
	start(&r, s);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "status", 10, &reply));
	FZ_CHECK(json_is_true(json_object_get(reply, "ok")));
	FZ_CHECK_STR("collecting",
	             json_string_value(json_object_get(json_object_get(reply, "result"), "state")));
	FZ_CHECK_INT(
	    1234, json_integer_value(json_object_get(json_object_get(reply, "result"), "packets")));
	json_decref(reply);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "suspend", 10, &reply));
	FZ_CHECK_STR("suspended",
	             json_string_value(json_object_get(json_object_get(reply, "result"), "state")));
	json_decref(reply);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "bogus", 10, &reply));
	FZ_CHECK(json_is_false(json_object_get(reply, "ok")));
	FZ_CHECK_STR("unknown command \"bogus\"",
	             json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	/* No log file configured: the appliance says so. */
	FZ_CHECK_INT(-EREMOTEIO,
	             fz_ctl_client_fetch_log(c, &to, "/dev/null", 10,
	                                     &(struct fz_ctl_xfer_stats){0}, err, sizeof(err)));
	FZ_CHECK(strstr(err, "no log file") != NULL);
	stop(&r);
	FZ_CHECK_INT(1, f.suspended); /* resent requests ran suspend more than once: harmless */
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
	/* A client with the wrong key gets no answer at all. */
	s = make_server(&f, NULL, 0);
	to.sin_port = htons(fz_ctl_server_port(s));
	c = fz_ctl_client_create(key2_path, 0, err, sizeof(err));
	start(&r, s);
	FZ_CHECK_INT(-ETIMEDOUT, fz_ctl_client_request(c, &to, "resume", 0.3, &reply));
	stop(&r);
	FZ_CHECK_INT(1, f.suspended);
	json_t *cn = fz_ctl_server_counters(s);
	FZ_CHECK(counter(cn, "refused", "bad_mac") >= 1);
	FZ_CHECK_INT(0, counter(cn, NULL, "accepted"));
	json_decref(cn);
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
}

static void transfer(size_t size, double loss)
{
	struct fake f = {0};
	char log_path[300], out_path[300], err[256];
	uint8_t *data = malloc(size ? size : 1), *back = malloc(size + 1);
	struct fz_ctl_server *s;
	struct fz_ctl_client *c;
	struct fz_ctl_xfer_stats st;
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct runner r;
	FILE *fb;
	json_t *cn;
	int rc;

	snprintf(log_path, sizeof(log_path), "%s/log_%zu", dir, size);
	snprintf(out_path, sizeof(out_path), "%s/out_%zu", dir, size);
	randombytes_buf(data, size);
	write_file(log_path, data, size);
	s = make_server(&f, log_path, loss);
	c = fz_ctl_client_create(key_path, loss, err, sizeof(err));
	if (!s || !c)
		return;
	/* No transfer: nothing timed, sleep until a datagram comes. */
	FZ_CHECK_INT(-1, fz_ctl_server_timeout_ms(s));
	to.sin_port = htons(fz_ctl_server_port(s));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	start(&r, s);
	rc = fz_ctl_client_fetch_log(c, &to, out_path, 10, &st, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "fetch %zu bytes: %s\n", size, err);
	FZ_CHECK_INT(0, rc);
	/* The server thread serves the final acknowledgement before it ends. */
	stop(&r);
	FZ_CHECK_INT(0, fz_ctl_server_busy(s));
	FZ_CHECK_INT(-1, fz_ctl_server_timeout_ms(s));
	FZ_CHECK_INT(size, st.bytes);
	FZ_CHECK_INT((size + FZ_CTL_CHUNK - 1) / FZ_CTL_CHUNK, st.chunks);
	fb = fopen(out_path, "rb");
	FZ_CHECK(fb != NULL);
	if (fb) {
		FZ_CHECK_INT(size, fread(back, 1, size + 1, fb));
		FZ_CHECK(memcmp(back, data, size) == 0);
		fclose(fb);
	}
	cn = fz_ctl_server_counters(s);
	FZ_CHECK_INT(1, counter(cn, "transfers", "started"));
	FZ_CHECK_INT(1, counter(cn, "transfers", "completed"));
	FZ_CHECK_INT(0, counter(cn, "transfers", "active"));
	if (loss > 0 && st.chunks >= 100) {
		FZ_CHECK(counter(cn, NULL, "retransmits") > 0);
		FZ_CHECK(counter(cn, NULL, "loss_dropped") > 0);
	}
	/* Exact accounting on both sides, whatever the machine's load made the timers do
	 * (a busy machine delays ACKs past the timeout even without loss). */
	FZ_CHECK_INT(st.chunks + counter(cn, NULL, "retransmits"),
	             counter(cn, NULL, "chunks_sent"));
	FZ_CHECK_INT(st.chunks, st.data_received - st.duplicates);
	printf("     transfer %zu bytes, loss %.1f: %.3f s, %llu chunks sent, %llu duplicates "
	       "received\n",
	       size, loss, st.seconds, (unsigned long long)counter(cn, NULL, "chunks_sent"),
	       (unsigned long long)st.duplicates);
	json_decref(cn);
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
	free(data);
	free(back);
}

static void test_transfer_empty(void)
{
	transfer(0, 0.3);
}

static void test_transfer_one_chunk(void)
{
	transfer(FZ_CTL_CHUNK, 0.3);
}

static void test_transfer_lossless(void)
{
	transfer(1000000, 0);
}

static void test_transfer_loss(void)
{
	transfer(300001, 0.3);
}

static void test_transfer_5mb_loss(void)
{
	transfer(5u << 20, 0.3);
}

int main(void)
{
	setup();
	FZ_RUN(test_key_files);
	FZ_RUN(test_seal_open);
	FZ_RUN(test_guard_eviction);
	FZ_RUN(test_payloads);
	FZ_RUN(test_server_refusals);
	FZ_RUN(test_commands);
	FZ_RUN(test_transfer_empty);
	FZ_RUN(test_transfer_one_chunk);
	FZ_RUN(test_transfer_lossless);
	FZ_RUN(test_transfer_loss);
	FZ_RUN(test_transfer_5mb_loss);
	snprintf(key_path, sizeof(key_path), "rm -rf '%s'", dir);
	if (system(key_path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return fz_test_summary();
}
