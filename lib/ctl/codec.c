/*
 * The control-message codec: key file, sealing and opening of datagrams,
 * the replay guard and the binary DATA/ACK payloads. No sockets here, so
 * unit tests and the fuzzer drive it directly.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl_priv.h"
#include "fz_ctl_codec.h"

#define FZ_CTL_VERDICT_NAME(name, str) str,
static const char *const verdict_names[] = {FZ_CTL_VERDICTS(FZ_CTL_VERDICT_NAME)};
#undef FZ_CTL_VERDICT_NAME

const char *fz_ctl_verdict_name(enum fz_ctl_verdict v)
{
	return (unsigned)v < FZ_CTL__VERDICTS ? verdict_names[v] : "unknown";
}

uint64_t fz_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Big-endian field access: the wire format is independent of the host. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int fz_ctl_key_load(const char *path, struct fz_ctl_key *key, char *err, size_t errlen)
{
	uint8_t raw[1025];
	size_t n = 0, digits = 0;
	int fd, hex = 1;
	ssize_t r;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "key file %s: %s", path, strerror(e));
		return -e;
	}
	while (n < sizeof(raw) && (r = read(fd, raw + n, sizeof(raw) - n)) > 0)
		n += (size_t)r;
	close(fd);
	/* A hex text file is the friendly form; anything else is taken as raw bytes. */
	for (size_t i = 0; i < n; i++) {
		if (isspace(raw[i]))
			continue;
		if (hexval(raw[i]) < 0) {
			hex = 0;
			break;
		}
		digits++;
	}
	memset(key, 0, sizeof(*key));
	if (hex && digits >= 64 && digits % 2 == 0 && digits / 2 <= sizeof(key->bytes)) {
		int hi = -1;

		for (size_t i = 0; i < n; i++) {
			int v = hexval(raw[i]);

			if (isspace(raw[i]))
				continue;
			if (hi < 0) {
				hi = v;
			} else {
				key->bytes[key->len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
	} else if (!hex && n >= 32 && n <= sizeof(key->bytes)) {
		memcpy(key->bytes, raw, n);
		key->len = n;
	} else {
		snprintf(err, errlen,
		         "key file %s: expected 64 to 512 hex digits or 32 to 256 raw bytes "
		         "(e.g. zooctl keygen -o %s)",
		         path, path);
		sodium_memzero(raw, sizeof(raw));
		return -EINVAL;
	}
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

static void mac(const struct fz_ctl_key *key, const uint8_t *buf, size_t len, uint8_t *out)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key->bytes, key->len);
	crypto_auth_hmacsha256_update(&st, buf, len);
	crypto_auth_hmacsha256_final(&st, out);
}

int fz_ctl_seal(const struct fz_ctl_key *key, uint8_t type, uint32_t req_id, const void *payload,
                size_t len, uint8_t *out, size_t outlen)
{
	return fz_ctl_seal_at(key, type, req_id, payload, len, fz_ctl_now_ms(), out, outlen);
}

int fz_ctl_seal_at(const struct fz_ctl_key *key, uint8_t type, uint32_t req_id, const void *payload,
                   size_t len, uint64_t ts_ms, uint8_t *out, size_t outlen)
{
	size_t total = FZ_CTL_HDR_LEN + len + FZ_CTL_MAC_LEN;

	if (total > outlen || total > FZ_CTL_MAX_DGRAM)
		return -EMSGSIZE;
	put32(out, FZ_CTL_MAGIC);
	out[4] = FZ_CTL_VERSION;
	out[5] = type;
	put16(out + 6, (uint16_t)len);
	put64(out + 8, ts_ms);
	randombytes_buf(out + 16, FZ_CTL_NONCE_LEN);
	put32(out + 32, req_id);
	if (len)
		memmove(out + FZ_CTL_HDR_LEN, payload, len);
	mac(key, out, FZ_CTL_HDR_LEN + len, out + FZ_CTL_HDR_LEN + len);
	return (int)total;
}

enum fz_ctl_verdict fz_ctl_decode(const uint8_t *buf, size_t len, struct fz_ctl_msg *m)
{
	if (len > FZ_CTL_MAX_DGRAM)
		return FZ_CTL_OVERSIZED;
	if (len < FZ_CTL_HDR_LEN + FZ_CTL_MAC_LEN || get32(buf) != FZ_CTL_MAGIC)
		return FZ_CTL_MALFORMED;
	m->version = buf[4];
	m->type = buf[5];
	m->len = get16(buf + 6);
	m->ts_ms = get64(buf + 8);
	memcpy(m->nonce, buf + 16, FZ_CTL_NONCE_LEN);
	m->req_id = get32(buf + 32);
	m->payload = buf + FZ_CTL_HDR_LEN;
	if (m->version != FZ_CTL_VERSION || m->type < FZ_CTL_REQUEST || m->type > FZ_CTL_ACK)
		return FZ_CTL_MALFORMED;
	if ((size_t)FZ_CTL_HDR_LEN + m->len + FZ_CTL_MAC_LEN != len)
		return FZ_CTL_MALFORMED;
	return FZ_CTL_OK;
}

/*
 * The guard is set-associative: a nonce hashes to one bucket of WAYS slots.
 * When a bucket is full its oldest entry is forgotten and the floor rises to
 * that entry's timestamp, so a replay of a forgotten message is refused as
 * stale instead of being accepted: memory stays fixed and nothing leaks.
 */
#define WAYS 8

struct guard_slot {
	uint64_t ts_ms;
	uint8_t nonce[FZ_CTL_NONCE_LEN];
	uint8_t used;
};

struct fz_ctl_guard {
	uint64_t max_skew_ms;
	uint64_t floor_ms;
	unsigned mask; /* buckets - 1 */
	struct guard_slot slots[];
};

struct fz_ctl_guard *fz_ctl_guard_create(unsigned slots, uint64_t max_skew_ms)
{
	unsigned buckets = 1;
	struct fz_ctl_guard *g;

	while (buckets * WAYS < slots)
		buckets <<= 1;
	g = calloc(1, sizeof(*g) + (size_t)buckets * WAYS * sizeof(struct guard_slot));
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	g->mask = buckets - 1;
	g->max_skew_ms = max_skew_ms ? max_skew_ms : FZ_CTL_MAX_SKEW_MS;
	return g;
}

void fz_ctl_guard_free(struct fz_ctl_guard *g)
{
	free(g);
}

enum fz_ctl_verdict fz_ctl_open(const struct fz_ctl_key *key, struct fz_ctl_guard *g,
                                const uint8_t *buf, size_t len, uint64_t now_ms,
                                struct fz_ctl_msg *m)
{
	enum fz_ctl_verdict v = fz_ctl_decode(buf, len, m);
	uint8_t want[FZ_CTL_MAC_LEN];
	struct guard_slot *b, *victim;
	uint32_t h;

	if (v != FZ_CTL_OK)
		return v;
	mac(key, buf, FZ_CTL_HDR_LEN + m->len, want);
	if (sodium_memcmp(want, buf + FZ_CTL_HDR_LEN + m->len, FZ_CTL_MAC_LEN) != 0)
		return FZ_CTL_BAD_MAC;
	if (m->ts_ms + g->max_skew_ms < now_ms || m->ts_ms > now_ms + g->max_skew_ms ||
	    m->ts_ms <= g->floor_ms)
		return FZ_CTL_STALE;
	/* The nonce is random and authenticated, so its bytes are a fair hash. */
	memcpy(&h, m->nonce, sizeof(h));
	b = &g->slots[(size_t)(h & g->mask) * WAYS];
	victim = &b[0];
	for (int i = 0; i < WAYS; i++) {
		if (b[i].used && memcmp(b[i].nonce, m->nonce, FZ_CTL_NONCE_LEN) == 0)
			return FZ_CTL_REPLAY;
		if (!b[i].used)
			victim = &b[i];
		else if (victim->used && b[i].ts_ms < victim->ts_ms)
			victim = &b[i];
	}
	if (victim->used && victim->ts_ms > g->floor_ms)
		g->floor_ms = victim->ts_ms;
	victim->used = 1;
	victim->ts_ms = m->ts_ms;
	memcpy(victim->nonce, m->nonce, FZ_CTL_NONCE_LEN);
	return FZ_CTL_OK;
}

int fz_ctl_data_encode(const struct fz_ctl_data *d, uint8_t *out, size_t outlen)
{
	if (FZ_CTL_DATA_HDR + d->len > outlen)
		return -EMSGSIZE;
	put32(out, d->xfer);
	put32(out + 4, d->seq);
	put32(out + 8, d->chunks);
	put64(out + 12, d->total);
	memcpy(out + FZ_CTL_DATA_HDR, d->bytes, d->len);
	return (int)(FZ_CTL_DATA_HDR + d->len);
}

int fz_ctl_data_parse(const uint8_t *p, size_t len, struct fz_ctl_data *d)
{
	uint64_t want;

	if (len < FZ_CTL_DATA_HDR)
		return -EINVAL;
	d->xfer = get32(p);
	d->seq = get32(p + 4);
	d->chunks = get32(p + 8);
	d->total = get64(p + 12);
	d->bytes = p + FZ_CTL_DATA_HDR;
	d->len = len - FZ_CTL_DATA_HDR;
	if (d->total > FZ_CTL_MAX_LOG || d->chunks != ctl_chunks(d->total) || d->seq >= d->chunks)
		return -EINVAL;
	want = d->seq + 1 < d->chunks ? FZ_CTL_CHUNK : d->total - (uint64_t)d->seq * FZ_CTL_CHUNK;
	return d->len == want ? 0 : -EINVAL;
}

void fz_ctl_ack_encode(const struct fz_ctl_ack *a, uint8_t *out)
{
	put32(out, a->xfer);
	put32(out + 4, a->cum);
	put64(out + 8, a->sack[0]);
	put64(out + 16, a->sack[1]);
}

int fz_ctl_ack_parse(const uint8_t *p, size_t len, struct fz_ctl_ack *a)
{
	if (len != FZ_CTL_ACK_LEN)
		return -EINVAL;
	a->xfer = get32(p);
	a->cum = get32(p + 4);
	a->sack[0] = get64(p + 8);
	a->sack[1] = get64(p + 16);
	return 0;
}

json_t *fz_ctl_request_parse(const uint8_t *p, size_t len, const char **cmd)
{
	json_t *j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *c = json_object_get(j, "cmd");

	if (!json_is_object(j) || !json_is_string(c)) {
		json_decref(j);
		return NULL;
	}
	*cmd = json_string_value(c);
	return j;
}
