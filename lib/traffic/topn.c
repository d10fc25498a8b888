/* Top-N lists, exact then Space-Saving (see topn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topn.h"

/*
 * A multiply-xorshift mix of the key's two halves (SplitMix64's finalizer
 * with the second half multiplied in): every input bit reaches the low
 * bits the mask keeps, also for an IPv4-mapped key, which differs only in
 * its last four bytes. Half the work of MurmurHash3's finalizer on each
 * half, which it replaced: each flow adds three keys on the stats lcore.
 */
static uint32_t hash_key(const uint8_t k[16])
{
	uint64_t a, b, h;

	memcpy(&a, k, 8);
	memcpy(&b, k + 8, 8);
	h = a ^ (b * 0x9e3779b97f4a7c15ull);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(h ^ (h >> 31));
}

#define START_ENTRIES 32

/* Room for alloc entries, and slots for twice as many: 0 or -ENOMEM. */
static int resize(struct topn *t, unsigned alloc)
{
	uint32_t ns = 2, *slots;
	struct topn_entry *e = realloc(t->e, (size_t)alloc * sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	t->e = e;
	while (ns < 2u * alloc)
		ns <<= 1;
	slots = calloc(ns, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	free(t->slots);
	t->slots = slots;
	t->mask = ns - 1;
	t->alloc = alloc;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t j = hash_key(t->e[i].key) & t->mask;

		while (t->slots[j])
			j = (j + 1) & t->mask;
		t->slots[j] = i + 1;
	}
	return 0;
}

int topn_init(struct topn *t, unsigned cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	/* Most lists of most bins are short: memory grows with the keys seen. */
	if (resize(t, cap < START_ENTRIES ? cap : START_ENTRIES) < 0) {
		topn_free(t);
		return -ENOMEM;
	}
	return 0;
}

void topn_free(struct topn *t)
{
	free(t->e);
	free(t->slots);
	free(t->heap);
	free(t->pos);
	memset(t, 0, sizeof(*t));
}

size_t topn_bytes_per_key(void)
{
	/* The entry, two slots, and (once full) a heap slot and a position. */
	return sizeof(struct topn_entry) + 2 * sizeof(uint32_t) + 2 * sizeof(uint32_t);
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t *slot_of(struct topn *t, const uint8_t key[16])
{
	uint32_t i = hash_key(key) & t->mask;

	for (;;) {
		uint32_t *s = &t->slots[i];

		if (*s == 0 || memcmp(t->e[*s - 1].key, key, 16) == 0)
			return s;
		i = (i + 1) & t->mask;
	}
}

/* Remove the slot of an entry's key (backward-shift deletion keeps probes short). */
static void slot_remove(struct topn *t, uint32_t *s)
{
	uint32_t i = (uint32_t)(s - t->slots), j = i;

	for (;;) {
		uint32_t home;

		t->slots[i] = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (t->slots[j] == 0)
				return;
			home = hash_key(t->e[t->slots[j] - 1].key) & t->mask;
			/* Move j back to i unless its home lies in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		t->slots[i] = t->slots[j];
		i = j;
	}
}

/*
 * Move the entry at heap position i down to its place: at each level to the
 * smaller child when that has fewer bytes (the left one on a tie), as a
 * swap at each level would, but moving only the children up and writing the
 * entry once at its place. A Space-Saving replacement sinks the new key
 * about log2(cap) levels (it has the fewest bytes plus its own), which a
 * flood does for nearly every flow once the list is full.
 */
static void sift_down(struct topn *t, uint32_t i)
{
	uint32_t x = t->heap[i], n = t->n;
	uint64_t bytes = t->e[x].bytes;

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		uint64_t least = bytes;

		if (l < n && t->e[t->heap[l]].bytes < least) {
			m = l;
			least = t->e[t->heap[l]].bytes;
		}
		if (r < n && t->e[t->heap[r]].bytes < least)
			m = r;
		if (m == i)
			break;
		t->heap[i] = t->heap[m];
		t->pos[t->heap[i]] = i;
		i = m;
	}
	t->heap[i] = x;
	t->pos[x] = i;
}

/* Space-Saving from now on: a heap over every entry. */
static int go_full(struct topn *t)
{
	t->heap = malloc((size_t)t->cap * sizeof(*t->heap));
	t->pos = malloc((size_t)t->cap * sizeof(*t->pos));
	if (t->heap == NULL || t->pos == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n; i++) {
		t->heap[i] = i;
		t->pos[i] = i;
	}
	for (uint32_t i = t->n / 2; i-- > 0;)
		sift_down(t, i);
	t->full = 1;
	return 0;
}

void topn_add(struct topn *t, const uint8_t key[16], uint64_t packets, uint64_t bytes)
{
	uint32_t *s = slot_of(t, key), idx;
	struct topn_entry *e;

	if (!*s && t->n == t->alloc && t->alloc < t->cap) {
		if (resize(t, t->alloc * 2 < t->cap ? t->alloc * 2 : t->cap) < 0)
			return; /* no memory: this key is not listed */
		s = slot_of(t, key);
	}
	if (*s) {
		idx = *s - 1;
	} else if (t->n < t->cap) {
		idx = t->n++;
		e = &t->e[idx];
		memcpy(e->key, key, 16);
		e->packets = e->bytes = e->flows = e->err = 0;
		*s = idx + 1;
		if (t->full) { /* cannot happen: full means n == cap */
			t->heap[idx] = idx;
			t->pos[idx] = idx;
		}
	} else {
		if (!t->full && go_full(t) < 0)
			return; /* no memory for the summary: this key is not listed */
		/* Replace the entry with the fewest bytes; it becomes the new key. */
		idx = t->heap[0];
		e = &t->e[idx];
		slot_remove(t, slot_of(t, e->key));
		e->err = e->bytes;
		if (e->err > t->max_err)
			t->max_err = e->err;
		/* The entry with the fewest bytes may have fewer packets or flows than a
		 * key replaced before, which may come back: inherit the most any replaced
		 * entry had, so that packets and flows stay upper bounds like bytes. */
		if (e->packets > t->evicted_packets)
			t->evicted_packets = e->packets;
		if (e->flows > t->evicted_flows)
			t->evicted_flows = e->flows;
		e->packets = t->evicted_packets;
		e->flows = t->evicted_flows;
		memcpy(e->key, key, 16);
		*slot_of(t, key) = idx + 1;
	}
	e = &t->e[idx];
	e->packets += packets;
	e->bytes += bytes;
	e->flows++;
	if (t->full)
		sift_down(t, t->pos[idx]);
}

/* A key's first and last eight bytes as numbers: comparing them compares the keys as memcmp does.
 */
static inline uint64_t key_half(const uint8_t *k)
{
	uint64_t v;

	memcpy(&v, k, 8);
	return __builtin_bswap64(v);
}

/* x comes before y in a list: more bytes, or as many and the smaller key (keys differ). */
static inline int before(const struct topn_entry *x, const struct topn_entry *y)
{
	uint64_t xa, ya;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes;
	xa = key_half(x->key);
	ya = key_half(y->key);
	if (xa != ya)
		return xa < ya;
	return key_half(x->key + 8) < key_half(y->key + 8);
}

/* Restore the heap below i: h[0] is the entry that comes last of the n kept. */
static void last_down(const struct topn_entry **h, unsigned n, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		const struct topn_entry *x;

		if (l < n && before(h[m], h[l]))
			m = l;
		if (r < n && before(h[m], h[r]))
			m = r;
		if (m == i)
			return;
		x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

/*
 * A selection, not a sort of the whole list: the k first entries are kept in
 * out as a heap whose root is the one that comes last, which each further
 * entry only has to beat; then the heap is sorted in place. The order is
 * total (keys differ), so the result is the sorted list's first k.
 */
unsigned topn_top(const struct topn *t, unsigned k, const struct topn_entry **out)
{
	unsigned n = 0;

	if (k == 0)
		return 0;
	for (unsigned i = 0; i < t->n; i++) {
		const struct topn_entry *e = &t->e[i];

		if (n < k) {
			unsigned j = n++;

			out[j] = e;
			while (j > 0 && before(out[(j - 1) / 2], out[j])) {
				const struct topn_entry *x = out[j];

				out[j] = out[(j - 1) / 2];
				out[(j - 1) / 2] = x;
				j = (j - 1) / 2;
			}
		} else if (before(e, out[0])) {
			out[0] = e;
			last_down(out, n, 0);
		}
	}
	for (unsigned m = n; m > 1; m--) {
		const struct topn_entry *x = out[0];

		out[0] = out[m - 1];
		out[m - 1] = x;
		last_down(out, m - 1, 0);
	}
	return n;
}
