/*
 * One top-N list of a traffic bin: keys (16 bytes: an address, or a port in
 * the last two bytes) with packets, bytes and flows. Exact while the
 * distinct keys fit the capacity; past it a Space-Saving summary: a new key
 * takes the place of the entry with the fewest bytes and inherits its
 * counts, remembering the bytes as its error.
 */
#ifndef FZ_TRAFFIC_TOPN_H
#define FZ_TRAFFIC_TOPN_H

#include <stddef.h>
#include <stdint.h>

struct topn_entry {
	uint8_t key[16];
	uint64_t packets, bytes, flows;
	uint64_t err; /* bytes inherited from the entry it replaced (0 while exact) */
};

struct topn {
	unsigned cap;         /* entries at most */
	unsigned n;           /* entries in use */
	unsigned alloc;       /* entries allocated: doubles as keys come, up to cap */
	struct topn_entry *e; /* alloc */
	uint32_t *slots; /* open addressing: entry index + 1, 0 empty; >= 2 * alloc, a power of 2 */
	uint32_t mask;
	uint32_t *heap;   /* once full: entry indexes, a min-heap by bytes */
	uint32_t *pos;    /* entry index -> heap position */
	int full;         /* Space-Saving mode */
	uint64_t max_err; /* the largest error of an entry now */
	/* The most packets and flows any replaced entry had: what a new key inherits. */
	uint64_t evicted_packets, evicted_flows;
};

/* 0, or -ENOMEM. cap >= 1. */
int topn_init(struct topn *t, unsigned cap);
void topn_free(struct topn *t);

/* Add packets, bytes and one flow to key. */
void topn_add(struct topn *t, const uint8_t key[16], uint64_t packets, uint64_t bytes);

/*
 * The first k entries by bytes descending, ties by key ascending, into out
 * (pointers into t, valid until the next add). Returns how many. It selects
 * rather than sorts the list: about one comparison per entry when k is small.
 */
unsigned topn_top(const struct topn *t, unsigned k, const struct topn_entry **out);

/* Bytes of memory per capacity slot. */
size_t topn_bytes_per_key(void);

#endif
