/*
 * Unit tests of lib/ctl: the codec and its authentication (wrong key,
 * replay, stale, truncated, oversized), the payload codecs, key files, and
 * the server's refusal counters over loopback. Commands and the log
 * transfer between an in-process client and server are test_ctl_session.c.
 */
#include "ctl_fixture.h"

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

int main(void)
{
	setup();
	FZ_RUN(test_key_files);
	FZ_RUN(test_seal_open);
	FZ_RUN(test_guard_eviction);
	FZ_RUN(test_payloads);
	FZ_RUN(test_server_refusals);
	teardown();
	return fz_test_summary();
}
