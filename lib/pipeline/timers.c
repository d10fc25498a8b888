/* Timers of the stats lcore (see fz_pipeline.h). */
#include <errno.h>
#include <stdlib.h>

#include "fz_pipeline.h"

#define MAX_TIMERS 32

struct timer {
	struct fz_timer_conf c;
	uint64_t next; /* wall: when it fires next (0: not started); packet: next boundary */
};

struct fz_timers {
	struct timer t[MAX_TIMERS];
	unsigned n;
};

struct fz_timers *fz_timers_create(void)
{
	return calloc(1, sizeof(struct fz_timers));
}

void fz_timers_free(struct fz_timers *t)
{
	free(t);
}

int fz_timers_add(struct fz_timers *t, const struct fz_timer_conf *c)
{
	if (c->fire == NULL)
		return -EINVAL;
	if (t->n == MAX_TIMERS)
		return -ENOSPC;
	t->t[t->n].c = *c;
	t->t[t->n].next = 0;
	t->n++;
	return 0;
}

static void run_wall(struct timer *tm, uint64_t now)
{
	if (tm->next == 0) { /* the first run starts the period */
		tm->next = now + tm->c.period_us;
		return;
	}
	if (now < tm->next)
		return;
	tm->next = now + tm->c.period_us;
	tm->c.fire(tm->c.arg, now, 0);
}

static void run_packet(struct timer *tm, uint64_t now)
{
	uint64_t p = tm->c.period_us;

	if (now == 0)
		return;
	if (tm->next == 0) { /* the first packet time: the end of its period */
		tm->next = (now / p + 1) * p;
		return;
	}
	while (now >= tm->next) {
		tm->c.fire(tm->c.arg, tm->next, 0);
		tm->next += p;
	}
}

void fz_timers_run(struct fz_timers *t, uint64_t wall_us, uint64_t packet_us)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct timer *tm = &t->t[i];

		if (tm->c.period_us == 0)
			continue;
		if (tm->c.clock == FZ_TIMER_WALL)
			run_wall(tm, wall_us);
		else
			run_packet(tm, packet_us);
	}
}

void fz_timers_final(struct fz_timers *t, uint64_t wall_us, uint64_t packet_us)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct timer *tm = &t->t[i];

		if (tm->c.at_final)
			tm->c.fire(tm->c.arg, tm->c.clock == FZ_TIMER_WALL ? wall_us : packet_us,
			           1);
	}
}
