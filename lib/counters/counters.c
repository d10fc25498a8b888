/* The counter registry, snapshots and published blocks (see fz_counters.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_counters.h"

struct fz_counters {
	const struct fz_counter_set *sets[FZ_COUNTERS_MAX_SETS];
	unsigned n_sets;
};

struct snap_set {
	const struct fz_counter_set *set;
	unsigned n;     /* instances */
	uint64_t *vals; /* n blocks */
	char (*labels)[64];
};

struct fz_counter_snap {
	unsigned n_sets;
	struct snap_set sets[FZ_COUNTERS_MAX_SETS];
};

struct fz_counter_pub {
	uint64_t seq; /* odd while a write is under way */
	size_t bytes;
	size_t block; /* fz_counter_pub_create_blocks: bytes of one instance's block */
	unsigned n;   /* and how many */
	uint64_t data[];
};

struct fz_counters *fz_counters_create(void)
{
	return calloc(1, sizeof(struct fz_counters));
}

void fz_counters_free(struct fz_counters *reg)
{
	free(reg);
}

int fz_counters_register(struct fz_counters *reg, const struct fz_counter_set *set)
{
	if (set == NULL || set->read == NULL || set->instances == NULL || set->block % 8)
		return -EINVAL;
	for (unsigned d = 0; d < set->n_defs; d++)
		if (set->defs[d].offset + set->defs[d].n * sizeof(uint64_t) > set->block)
			return -EINVAL;
	if (reg->n_sets == FZ_COUNTERS_MAX_SETS)
		return -ENOSPC;
	reg->sets[reg->n_sets++] = set;
	return 0;
}

void fz_counter_snap_free(struct fz_counter_snap *snap)
{
	if (snap == NULL)
		return;
	for (unsigned s = 0; s < snap->n_sets; s++) {
		free(snap->sets[s].vals);
		free(snap->sets[s].labels);
	}
	free(snap);
}

struct fz_counter_snap *fz_counters_snapshot(const struct fz_counters *reg)
{
	struct fz_counter_snap *snap = calloc(1, sizeof(*snap));

	if (snap == NULL)
		return NULL;
	for (unsigned s = 0; s < reg->n_sets; s++) {
		const struct fz_counter_set *set = reg->sets[s];
		struct snap_set *ss = &snap->sets[s];
		size_t words = set->block / sizeof(uint64_t);

		snap->n_sets++;
		ss->set = set;
		ss->n = set->instances(set->arg);
		ss->vals = calloc(ss->n ? ss->n * words : 1, sizeof(uint64_t));
		ss->labels = calloc(ss->n ? ss->n : 1, sizeof(*ss->labels));
		if (ss->vals == NULL || ss->labels == NULL) {
			fz_counter_snap_free(snap);
			errno = ENOMEM;
			return NULL;
		}
		for (unsigned i = 0; i < ss->n; i++) {
			set->read(set->arg, i, ss->vals + i * words);
			if (set->label)
				set->label(set->arg, i, ss->labels[i], sizeof(ss->labels[i]));
			else
				snprintf(ss->labels[i], sizeof(ss->labels[i]), "%u", i);
		}
	}
	return snap;
}

unsigned fz_snap_sets(const struct fz_counter_snap *snap)
{
	return snap->n_sets;
}

const struct fz_counter_set *fz_snap_set(const struct fz_counter_snap *snap, unsigned s)
{
	return snap->sets[s].set;
}

unsigned fz_snap_instances(const struct fz_counter_snap *snap, unsigned s)
{
	return snap->sets[s].n;
}

const char *fz_snap_label(const struct fz_counter_snap *snap, unsigned s, unsigned i)
{
	return snap->sets[s].labels[i];
}

uint64_t fz_snap_value(const struct fz_counter_snap *snap, unsigned s, unsigned i, unsigned d,
                       unsigned e)
{
	const struct snap_set *ss = &snap->sets[s];
	const struct fz_counter_def *def = &ss->set->defs[d];
	size_t words = ss->set->block / sizeof(uint64_t);

	if (i >= ss->n || e >= def->n)
		return 0;
	return ss->vals[i * words + def->offset / sizeof(uint64_t) + e];
}

uint64_t fz_snap_total(const struct fz_counter_snap *snap, unsigned s, unsigned d, unsigned e)
{
	const struct fz_counter_def *def = &snap->sets[s].set->defs[d];
	uint64_t sum = 0;

	for (unsigned i = 0; i < snap->sets[s].n; i++) {
		uint64_t v = fz_snap_value(snap, s, i, d, e);

		if (!(def->flags & FZ_CF_MAX))
			sum += v;
		else if (def->type == FZ_CT_GAUGE_REAL ? fz_snap_real(v) > fz_snap_real(sum)
		                                       : v > sum)
			sum = v;
	}
	return sum;
}

double fz_snap_real(uint64_t bits)
{
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

uint64_t fz_real_bits(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return bits;
}

int fz_snap_find(const struct fz_counter_snap *snap, const char *set, const char *def, unsigned *s,
                 unsigned *d)
{
	for (unsigned i = 0; i < snap->n_sets; i++) {
		const struct fz_counter_set *cs = snap->sets[i].set;

		if (strcmp(cs->name, set) != 0)
			continue;
		for (unsigned k = 0; k < cs->n_defs; k++)
			if (strcmp(cs->defs[k].name, def) == 0) {
				*s = i;
				*d = k;
				return 0;
			}
	}
	return -ENOENT;
}

struct fz_counter_pub *fz_counter_pub_create(size_t bytes)
{
	return fz_counter_pub_create_blocks(bytes, 1);
}

struct fz_counter_pub *fz_counter_pub_create_blocks(size_t block, unsigned n)
{
	size_t bytes = block * (n ? n : 1);
	struct fz_counter_pub *p = calloc(1, sizeof(*p) + (bytes + 7) / 8 * 8);

	if (p) {
		p->bytes = bytes;
		p->block = block;
		p->n = n;
	}
	return p;
}

void fz_counter_pub_free(struct fz_counter_pub *p)
{
	free(p);
}

void fz_counter_pub_write(struct fz_counter_pub *p, const void *src)
{
	const uint64_t *w = src;
	uint64_t seq = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&p->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (size_t i = 0; i < p->bytes / 8; i++)
		__atomic_store_n(&p->data[i], w[i], __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq, seq + 2, __ATOMIC_RELEASE);
}

void fz_counter_pub_write_parts(struct fz_counter_pub *p, const void *src,
                                const struct fz_counter_pub_part *parts, unsigned n)
{
	const uint64_t *w = src;
	uint64_t seq = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&p->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned k = 0; k < n; k++) {
		size_t from = parts[k].off / 8, to = (parts[k].off + parts[k].len + 7) / 8;

		for (size_t i = from; i < to && i < p->bytes / 8; i++)
			__atomic_store_n(&p->data[i], w[i], __ATOMIC_RELAXED);
	}
	__atomic_store_n(&p->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Words [from, from + words) of the published copy, consistently. */
static void read_words(const struct fz_counter_pub *p, size_t from, size_t words, uint64_t *w)
{
	uint64_t s0, s1;

	do {
		s0 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		for (size_t i = 0; i < words; i++)
			w[i] = __atomic_load_n(&p->data[from + i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
	} while ((s0 & 1) || s0 != s1);
}

void fz_counter_pub_read(const struct fz_counter_pub *p, void *dst)
{
	read_words(p, 0, p->bytes / 8, dst);
}

unsigned fz_counter_pub_instances(void *pub)
{
	return ((const struct fz_counter_pub *)pub)->n;
}

void fz_counter_pub_read_block(void *pub, unsigned i, uint64_t *out)
{
	const struct fz_counter_pub *p = pub;

	read_words(p, i * p->block / 8, p->block / 8, out);
}

unsigned fz_counter_one_instance(void *arg)
{
	(void)arg;
	return 1;
}

void fz_counters_load_words(const void *src, void *dst, size_t bytes)
{
	const uint64_t *s = src;
	uint64_t *d = dst;

	for (size_t i = 0; i < bytes / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}
