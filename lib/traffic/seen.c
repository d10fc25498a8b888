/* The reported-counts table of flows that crossed a bin (see seen.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"

static uint32_t hash_rec(const struct fz_flow_key *k, uint16_t worker, uint64_t first_us)
{
	uint64_t h = first_us * 0x9e3779b97f4a7c15ull ^ worker;
	const uint8_t *p = (const uint8_t *)k;

	for (size_t i = 0; i < offsetof(struct fz_flow_key, pad); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static int same(const struct seen_entry *e, const struct fz_flow_rec *r)
{
	return e->used && e->worker == r->worker && e->first_us == r->first_us &&
	       memcmp(&e->key, &r->key, offsetof(struct fz_flow_key, pad)) == 0;
}

int seen_init(struct seen *s)
{
	s->mask = 1023;
	s->n = 0;
	s->e = calloc(s->mask + 1, sizeof(*s->e));
	return s->e ? 0 : -ENOMEM;
}

void seen_free(struct seen *s)
{
	free(s->e);
	s->e = NULL;
}

static uint32_t home(const struct seen *s, const struct seen_entry *e)
{
	return hash_rec(&e->key, e->worker, e->first_us) & s->mask;
}

struct seen_entry *seen_find(struct seen *s, const struct fz_flow_rec *rec)
{
	uint32_t i;

	if (s->n == 0)
		return NULL;
	for (i = hash_rec(&rec->key, rec->worker, rec->first_us) & s->mask; s->e[i].used;
	     i = (i + 1) & s->mask)
		if (same(&s->e[i], rec))
			return &s->e[i];
	return NULL;
}

static int grow(struct seen *s)
{
	struct seen old = *s;

	s->mask = old.mask * 2 + 1;
	s->e = calloc(s->mask + 1, sizeof(*s->e));
	if (s->e == NULL) {
		*s = old;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i <= old.mask; i++)
		if (old.e[i].used) {
			uint32_t j = home(s, &old.e[i]);

			while (s->e[j].used)
				j = (j + 1) & s->mask;
			s->e[j] = old.e[i];
		}
	free(old.e);
	return 0;
}

int seen_put(struct seen *s, const struct fz_flow_rec *rec)
{
	struct seen_entry *e = seen_find(s, rec);
	uint32_t i;

	if (e == NULL) {
		if ((s->n + 1) * 2 > s->mask + 1 && grow(s) < 0)
			return -ENOMEM;
		for (i = hash_rec(&rec->key, rec->worker, rec->first_us) & s->mask; s->e[i].used;
		     i = (i + 1) & s->mask)
			;
		e = &s->e[i];
		e->key = rec->key;
		e->worker = rec->worker;
		e->first_us = rec->first_us;
		e->used = 1;
		s->n++;
	}
	for (int d = 0; d < 2; d++) {
		e->packets[d] = rec->packets[d];
		e->bytes[d] = rec->bytes[d];
	}
	return 0;
}

void seen_remove(struct seen *s, struct seen_entry *e)
{
	uint32_t i = (uint32_t)(e - s->e), j = i;

	s->n--;
	for (;;) {
		uint32_t h;

		s->e[i].used = 0;
		for (;;) {
			j = (j + 1) & s->mask;
			if (!s->e[j].used)
				return;
			h = home(s, &s->e[j]);
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		s->e[i] = s->e[j];
		i = j;
	}
}
