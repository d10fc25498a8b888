/*
 * Unit tests of the top-N lists of lib/traffic (topn.h, private to the
 * module): exact while they have room, a Space-Saving summary once full,
 * and deletion.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fz_test.h"

#include "../../lib/traffic/topn.h"
#include "topn_keys.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return fz_test_rand(&rng_state);
}

struct topn_case {
	uint32_t key;
	uint64_t packets, bytes;
};

static void test_topn_exact(void)
{
	static const struct topn_case adds[] = {
	    {3, 1, 100}, {1, 2, 100}, {2, 3, 300}, {3, 4, 50}, {4, 5, 10}, {5, 6, 100},
	};
	static const struct topn_case want[] = {
	    {2, 3, 300}, {3, 5, 150}, {1, 2, 100}, {5, 6, 100}, {4, 5, 10},
	};
	static const uint64_t want_flows[] = {1, 2, 1, 1, 1};
	struct topn t;
	const struct topn_entry *e[8];
	uint8_t k[16];

	FZ_CHECK_INT(0, topn_init(&t, 8));
	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		key_of(adds[i].key, k);
		topn_add(&t, k, adds[i].packets, adds[i].bytes);
	}
	FZ_CHECK_INT(0, t.full);
	FZ_CHECK_INT(5, topn_top(&t, 8, e));
	for (unsigned i = 0; i < 5; i++) {
		FZ_CHECK_INT(want[i].key, index_of(e[i]->key));
		FZ_CHECK_INT(want[i].packets, e[i]->packets);
		FZ_CHECK_INT(want[i].bytes, e[i]->bytes);
		FZ_CHECK_INT(want_flows[i], e[i]->flows);
		FZ_CHECK_INT(0, e[i]->err);
	}
	FZ_CHECK_INT(2, topn_top(&t, 2, e));
	FZ_CHECK_INT(2, index_of(e[0]->key));
	FZ_CHECK_INT(3, index_of(e[1]->key));
	topn_free(&t);

	FZ_CHECK_INT(0, topn_init(&t, 4));
	FZ_CHECK_INT(0, topn_top(&t, 4, e));
	topn_free(&t);
}

/* Space-Saving on a Zipf stream: its guarantees, checked against the truth. */
static void test_topn_zipf(void)
{
	enum { KEYS = 10000, ADDS = 100000, CAP = 256 };
	double *cdf = malloc(KEYS * sizeof(*cdf)), sum = 0;
	uint64_t *true_b = calloc(KEYS, sizeof(uint64_t)), *true_p = calloc(KEYS, sizeof(uint64_t));
	uint64_t *true_f = calloc(KEYS, sizeof(uint64_t));
	uint64_t total = 0, total_p = 0, listed_b = 0, listed_p = 0, listed_f = 0, max_err = 0;
	const struct topn_entry **e = malloc(CAP * sizeof(*e));
	unsigned heavy = 0, n, missing = 0, bad = 0;
	char *listed = calloc(KEYS, 1);
	struct topn t;

	FZ_CHECK_INT(0, topn_init(&t, CAP));
	for (unsigned i = 0; i < KEYS; i++)
		cdf[i] = sum += 1.0 / (i + 1); /* Zipf, s = 1 */
	for (unsigned a = 0; a < ADDS; a++) {
		double u = (double)(rnd() >> 11) / 9007199254740992.0 * sum;
		unsigned lo = 0, hi = KEYS - 1;
		uint64_t bytes = 40 + rnd() % 1461, packets = 1 + bytes / 500;
		uint8_t k[16];

		while (lo < hi) { /* the first key whose cdf exceeds u */
			unsigned mid = (lo + hi) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		/* Scatter the ranks over the key space, so heavy keys are not all small. */
		key_of((lo * 7919u) % KEYS, k);
		topn_add(&t, k, packets, bytes);
		true_b[(lo * 7919u) % KEYS] += bytes;
		true_p[(lo * 7919u) % KEYS] += packets;
		true_f[(lo * 7919u) % KEYS]++;
		total += bytes;
		total_p += packets;
	}
	FZ_CHECK_INT(1, t.full);
	n = topn_top(&t, CAP, e);
	FZ_CHECK_INT(CAP, n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t key = index_of(e[i]->key);

		if (key >= KEYS || listed[key]) {
			bad++;
			continue;
		}
		listed[key] = 1;
		/* Never understated; overstated by at most its error; the error bounded. */
		bad += e[i]->bytes < true_b[key] || e[i]->bytes > true_b[key] + e[i]->err;
		/* Packets and flows are upper bounds too, overstated by at most what a
		 * replaced entry had. */
		bad += e[i]->packets < true_p[key] || e[i]->flows < true_f[key];
		bad += e[i]->packets > true_p[key] + t.evicted_packets;
		bad += e[i]->flows > true_f[key] + t.evicted_flows;
		bad += e[i]->err * CAP > total;
		bad += i > 0 && e[i]->bytes > e[i - 1]->bytes;
		listed_b += e[i]->bytes;
		listed_p += e[i]->packets;
		listed_f += e[i]->flows;
		if (e[i]->err > max_err)
			max_err = e[i]->err;
	}
	FZ_CHECK_INT(0, bad);
	/* Every add's bytes went to exactly one entry. */
	FZ_CHECK_INT(total, listed_b);
	FZ_CHECK(listed_p >= total_p);
	FZ_CHECK(listed_f >= ADDS);
	FZ_CHECK(max_err > 0);
	FZ_CHECK(t.max_err * CAP <= total);
	for (unsigned k = 0; k < KEYS; k++)
		if (true_b[k] * CAP > total) {
			heavy++;
			missing += !listed[k];
		}
	FZ_CHECK(heavy >= 10); /* the guarantee is about something */
	FZ_CHECK_INT(0, missing);
	topn_free(&t);
	free(listed);
	free(e);
	free(cdf);
	free(true_b);
	free(true_p);
	free(true_f);
}

/* Every entry's key stays findable through replacements (backward-shift
 * deletion in a small, crowded table): re-adding a listed key finds it. */
static void test_topn_delete(void)
{
	static const unsigned caps[] = {1, 2, 3, 5, 8, 13};

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		unsigned cap = caps[c], keys = 4 * cap + 3, bad = 0;
		uint8_t pool[4 * 13 + 3][16];
		struct topn t;

		/* Random keys: sequential ones spread evenly over a multiplicative
		 * hash and would seldom collide. */
		for (unsigned i = 0; i < keys; i++)
			for (unsigned b = 0; b < 16; b++)
				pool[i][b] = (uint8_t)rnd();
		FZ_CHECK_INT(0, topn_init(&t, cap));
		for (unsigned a = 0; a < 5000; a++) {
			uint8_t before[16][16];
			uint64_t flows[16];
			unsigned used = 0, n0;

			topn_add(&t, pool[rnd() % keys], 1, 1 + rnd() % 100);
			for (uint32_t s = 0; s <= t.mask; s++)
				used += t.slots[s] != 0;
			bad += used != t.n;
			for (unsigned i = 0; i < t.n; i++) {
				memcpy(before[i], t.e[i].key, 16);
				flows[i] = t.e[i].flows;
				for (unsigned j = 0; j < i; j++)
					bad += memcmp(t.e[i].key, t.e[j].key, 16) == 0;
			}
			n0 = t.n;
			for (unsigned i = 0; i < n0; i++) {
				topn_add(&t, before[i], 0, 0);
				bad += t.n != n0;
				for (unsigned j = 0; j < n0; j++)
					bad += memcmp(before[j], t.e[j].key, 16) != 0;
				bad += t.e[i].flows != flows[i] + 1;
			}
		}
		FZ_CHECK_INT(cap, t.n);
		FZ_CHECK_INT(0, bad);
		topn_free(&t);
	}
}

int main(void)
{
	FZ_RUN(test_topn_exact);
	FZ_RUN(test_topn_zipf);
	FZ_RUN(test_topn_delete);
	return fz_test_summary();
}
