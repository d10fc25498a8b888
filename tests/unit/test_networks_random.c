/*
 * Unit tests of lib/networks: the longest-prefix lookup against a
 * brute-force longest-prefix match, on random prefixes and addresses of both
 * families (the rest is test_networks.c and test_networks_alerts.c).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fz_networks.h"
#include "fz_test.h"

typedef unsigned __int128 u128;

/* The value of an address in its family's width, and back. */
static u128 value_of(const uint8_t a[16], int version)
{
	u128 x = 0;

	for (int i = version == 4 ? 12 : 0; i < 16; i++)
		x = (x << 8) | a[i];
	return x;
}

static void bytes_of(u128 x, int version, uint8_t a[16])
{
	memset(a, 0, 16);
	if (version == 4)
		a[10] = a[11] = 0xff;
	for (int i = 15; i >= (version == 4 ? 12 : 0); i--, x >>= 8)
		a[i] = (uint8_t)x;
}

/* ---- random prefixes against a brute-force longest-prefix match ---- */

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	return fz_test_rand(&rng_state);
}

struct rprefix {
	u128 lo, hi;
	unsigned len;
	uint16_t id;
};

static u128 rnd_value(int version)
{
	u128 x = ((u128)rnd() << 64) | rnd();

	return version == 4 ? (x & 0xffffffffu) : x;
}

static u128 host_mask(unsigned width, unsigned len)
{
	if (len == 0)
		return width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
	return len == width ? 0 : (((u128)1 << (width - len)) - 1);
}

static uint16_t brute(const struct rprefix *p, unsigned np, u128 v)
{
	int best = -1;

	for (unsigned i = 0; i < np; i++)
		if (v >= p[i].lo && v <= p[i].hi && (best < 0 || p[i].len > p[best].len))
			best = (int)i;
	return best < 0 ? 0 : p[best].id;
}

static void random_family(int version, unsigned nprefix, unsigned nnets, unsigned naddr)
{
	unsigned width = version == 4 ? 32 : 128, np = 0;
	struct rprefix *p = calloc(nprefix, sizeof(*p));
	size_t cap = (size_t)nprefix * 64 + (size_t)nnets * 64 + 64, len = 0;
	char *text = malloc(cap), err[512];
	struct fz_networks *n;
	unsigned mismatches = 0;

	/* Prefixes clustered under a few roots, so that many nest. */
	while (np < nprefix) {
		struct rprefix q;
		unsigned dup = 0;

		if (np > 0 && rnd() % 4 != 0) { /* inside an earlier prefix */
			const struct rprefix *outer = &p[rnd() % np];

			q.len = outer->len + (unsigned)(rnd() % (width - outer->len + 1));
			q.lo = outer->lo | (rnd_value(version) & host_mask(width, outer->len));
		} else {
			q.len = (unsigned)(rnd() % (width + 1));
			q.lo = rnd_value(version);
		}
		q.lo &= ~host_mask(width, q.len);
		if (version == 4)
			q.lo &= 0xffffffffu;
		q.hi = q.lo | host_mask(width, q.len);
		q.id = (uint16_t)(1 + rnd() % nnets);
		for (unsigned i = 0; i < np && !dup; i++)
			dup = p[i].lo == q.lo && p[i].len == q.len;
		if (!dup)
			p[np++] = q;
	}
	len += (size_t)snprintf(text, cap, "{\"networks\": [");
	for (unsigned id = 1; id <= nnets; id++) {
		unsigned k = 0;

		len +=
		    (size_t)snprintf(text + len, cap - len, "%s{\"name\": \"n%u\", \"prefixes\": [",
		                     id > 1 ? ",\n" : "", id);
		for (unsigned i = 0; i < np; i++) {
			uint8_t a[16];
			char s[INET6_ADDRSTRLEN];

			if (p[i].id != id)
				continue;
			bytes_of(p[i].lo, version, a);
			inet_ntop(version == 4 ? AF_INET : AF_INET6, version == 4 ? a + 12 : a, s,
			          sizeof(s));
			len += (size_t)snprintf(text + len, cap - len, "%s\"%s/%u\"",
			                        k++ ? ", " : "", s, p[i].len);
		}
		if (k == 0) /* every network needs a prefix: give it one of the other family */
			len += (size_t)snprintf(text + len, cap - len, "\"%s\"",
			                        version == 4 ? "fe80::/10" : "169.254.0.0/16");
		len += (size_t)snprintf(text + len, cap - len, "]}");
	}
	len += (size_t)snprintf(text + len, cap - len, "]}");
	FZ_CHECK(len < cap);
	n = fz_networks_parse(text, len, "random.json", err, sizeof(err));
	FZ_CHECK(n != NULL);
	if (n == NULL) {
		fprintf(stderr, "%s\n", err);
		free(text);
		free(p);
		return;
	}
	FZ_CHECK_INT(nnets, fz_networks_count(n));
	for (unsigned i = 0; i < naddr; i++) {
		u128 v;
		uint8_t a[16];
		uint16_t want, got;

		switch (rnd() % 4) {
		case 0: /* anywhere */
			v = rnd_value(version);
			break;
		case 1: /* at or just outside an edge of a prefix */
		{
			const struct rprefix *q = &p[rnd() % np];
			u128 top = version == 4 ? (u128)0xffffffffu : ~(u128)0;

			switch (rnd() % 4) {
			case 0:
				v = q->lo;
				break;
			case 1:
				v = q->hi;
				break;
			case 2:
				v = q->lo ? q->lo - 1 : q->lo;
				break;
			default:
				v = q->hi != top ? q->hi + 1 : q->hi;
				break;
			}
			break;
		}
		default: /* inside a prefix */
		{
			const struct rprefix *q = &p[rnd() % np];

			v = q->lo | (rnd_value(version) & host_mask(width, q->len));
			break;
		}
		}
		bytes_of(v, version, a);
		FZ_CHECK(value_of(a, version) == v);
		want = brute(p, np, v);
		got = fz_networks_lookup(n, a, version);
		if (want != got && mismatches++ < 5) {
			char s[INET6_ADDRSTRLEN];

			inet_ntop(version == 4 ? AF_INET : AF_INET6, version == 4 ? a + 12 : a, s,
			          sizeof(s));
			fprintf(stderr, "random v%d: %s: expected %u, got %u\n", version, s, want,
			        got);
		}
	}
	FZ_CHECK_INT(0, mismatches);
	fz_networks_free(n);
	free(text);
	free(p);
}

static void test_lookup_random(void)
{
	random_family(4, 400, 37, 100000);
	random_family(6, 400, 37, 100000);
	/* Few networks, many prefixes: long runs of one id merge. */
	random_family(4, 1000, 3, 100000);
	random_family(6, 1000, 3, 100000);
}

int main(void)
{
	FZ_RUN(test_lookup_random);
	return fz_test_summary();
}
