/*
 * When is a merged bin of one network complete? Each collector writes a
 * network's bins in order (one partition, one key), so a collector that sent
 * a later bin, or marked this one partial, will send nothing more for it. A
 * bin is closed when every collector of the network is past it; a collector
 * more than stale_bins bins behind the newest bin (an appliance that
 * stopped) is not waited for. An expected collector (zooagg --collectors) is
 * waited for from the start until its first record, however far behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz_fleet.h"

struct coll {
	char name[FZ_FLEET_NAME_MAX + 1];
	uint64_t latest_start, latest_end;
	int latest_partial;
	int seen; /* 0: expected (--collectors) and no record yet */
};

struct fz_fleet_closer {
	unsigned stale_bins;
	struct coll *colls;
	unsigned n_colls;
	uint64_t *pending; /* bin starts seen and not yet closed, sorted */
	unsigned n_pending, cap_pending;
	uint64_t closed_before; /* every bin before this one is closed */
	uint64_t newest_start, width;
};

struct fz_fleet_closer *fz_fleet_closer_create(unsigned stale_bins)
{
	struct fz_fleet_closer *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->stale_bins = stale_bins;
	return c;
}

void fz_fleet_closer_free(struct fz_fleet_closer *c)
{
	if (!c)
		return;
	free(c->colls);
	free(c->pending);
	free(c);
}

static struct coll *coll_get(struct fz_fleet_closer *c, const char *name)
{
	struct coll *n;

	for (unsigned i = 0; i < c->n_colls; i++)
		if (strcmp(c->colls[i].name, name) == 0)
			return &c->colls[i];
	n = realloc(c->colls, (c->n_colls + 1) * sizeof(*n));
	if (!n)
		return NULL;
	c->colls = n;
	n = &c->colls[c->n_colls++];
	memset(n, 0, sizeof(*n));
	strncpy(n->name, name, FZ_FLEET_NAME_MAX);
	return n;
}

int fz_fleet_closer_expect(struct fz_fleet_closer *c, const char *collector)
{
	return coll_get(c, collector) ? 0 : -ENOMEM;
}

int fz_fleet_closer_add(struct fz_fleet_closer *c, const char *collector, uint64_t start_ms,
                        uint64_t end_ms, int partial)
{
	struct coll *k = coll_get(c, collector);
	unsigned i;

	if (!k)
		return -ENOMEM;
	if (!k->seen) {
		k->seen = 1;
		k->latest_start = start_ms;
		k->latest_end = 0;
	}
	if (start_ms > k->latest_start || (start_ms == k->latest_start && !k->latest_end)) {
		k->latest_start = start_ms;
		k->latest_end = end_ms;
		k->latest_partial = partial;
	} else if (start_ms == k->latest_start) {
		k->latest_partial |= partial;
	}
	if (start_ms > c->newest_start)
		c->newest_start = start_ms;
	if (end_ms > start_ms)
		c->width = end_ms - start_ms;
	if (start_ms < c->closed_before)
		return 1;
	for (i = 0; i < c->n_pending && c->pending[i] < start_ms; i++)
		;
	if (i < c->n_pending && c->pending[i] == start_ms)
		return 0;
	if (c->n_pending == c->cap_pending) {
		unsigned cap = c->cap_pending ? 2 * c->cap_pending : 16;
		uint64_t *p = realloc(c->pending, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->pending = p;
		c->cap_pending = cap;
	}
	memmove(&c->pending[i + 1], &c->pending[i], (c->n_pending - i) * sizeof(*c->pending));
	c->pending[i] = start_ms;
	c->n_pending++;
	return 0;
}

/* Is collector k past bin start (or not to be waited for)? */
static int past(const struct fz_fleet_closer *c, const struct coll *k, uint64_t start)
{
	if (!k->seen)
		return 0;
	if (k->latest_start > start || (k->latest_start == start && k->latest_partial))
		return 1;
	return c->width && k->latest_start + (uint64_t)c->stale_bins * c->width < c->newest_start;
}

int fz_fleet_closer_next(struct fz_fleet_closer *c, uint64_t *start_ms)
{
	uint64_t s;

	if (!c->n_pending)
		return 0;
	s = c->pending[0];
	for (unsigned i = 0; i < c->n_colls; i++)
		if (!past(c, &c->colls[i], s))
			return 0;
	memmove(&c->pending[0], &c->pending[1], (c->n_pending - 1) * sizeof(*c->pending));
	c->n_pending--;
	c->closed_before = s + 1;
	*start_ms = s;
	return 1;
}

void fz_fleet_closer_closed_before(struct fz_fleet_closer *c, uint64_t start_ms)
{
	unsigned i;

	if (start_ms > c->closed_before)
		c->closed_before = start_ms;
	for (i = 0; i < c->n_pending && c->pending[i] < c->closed_before; i++)
		;
	memmove(&c->pending[0], &c->pending[i], (c->n_pending - i) * sizeof(*c->pending));
	c->n_pending -= i;
}
