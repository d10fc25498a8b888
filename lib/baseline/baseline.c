/*
 * Baselines per network (see fz_baseline.h, docs/alerts.md).
 *
 * The statistics: each series keeps its last `history` values in a ring
 * together with their exact sum and sum of squares as integers (128 bits).
 * A new bin adds its value and square and the value it pushes out of the
 * ring is subtracted: integer sums stay exact however many bins pass, where
 * Welford's update with removal (or float running sums) accumulates rounding
 * error with every removal and can even go negative. The variance is then
 * (n·Σx² − (Σx)²) / n², its numerator an exact integer, so that only the
 * final division and square root round. Values are clamped to 2^47 and the
 * history to 2^16 bins, which keeps n·Σx² and (Σx)² below 2^127.
 *
 * The standard deviation is the population one (divided by n): it describes
 * the window itself, not an estimate of a larger population.
 *
 * A bin above the threshold does not enter the history (neither before an
 * alert starts nor during one): an attack must not raise the baseline it is
 * compared with, or a long one would end itself. Every other bin does,
 * also during an alert. Before min_history bins every bin enters it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fz_baseline.h"

typedef unsigned __int128 u128;

enum run_state {
	IDLE = 0,   /* no alert */
	ACTIVE,     /* an alert is on: records */
	SUPPRESSED, /* an alert would be on but was suppressed: no records */
};

struct series {
	uint64_t *ring; /* history values, oldest at head when full */
	unsigned n, head;
	uint64_t sum;
	u128 sum_sq;
	enum run_state state;
	unsigned over, under;    /* consecutive bins above, under the threshold */
	uint64_t over_start_ms;  /* the first bin of the current run above */
	uint64_t under_start_ms; /* the first bin of the current run under */
	uint64_t alert_start_ms;
	uint64_t last_end_ms; /* the end of the last alert with records */
	int ended;            /* last_end_ms is set */
};

struct counters {
	uint64_t started, updates, ended, suppressed, active;
};

struct fz_baseline {
	struct fz_baseline_conf conf;
	struct fz_baseline_net *nets; /* n_nets */
	struct series *s;             /* n_nets x FZ_BL__SERIES */
	uint64_t *rings;
	struct counters c;
	struct fz_counter_pub *pub;
	struct fz_counter_set set;
};

static const char *const series_names[FZ_BL__SERIES] = {"flows", "packets_in", "packets_out",
                                                        "bytes_in", "bytes_out"};
static const char *const metrics[FZ_BL__SERIES] = {"flows", "packets", "packets", "bytes", "bytes"};
static const char *const directions[FZ_BL__SERIES] = {"both", "in", "out", "in", "out"};
static const char *const states[] = {"start", "update", "end"};

const char *fz_baseline_series_name(enum fz_baseline_series s)
{
	return s < FZ_BL__SERIES ? series_names[s] : "?";
}

const char *fz_baseline_metric(enum fz_baseline_series s)
{
	return s < FZ_BL__SERIES ? metrics[s] : "?";
}

const char *fz_baseline_direction(enum fz_baseline_series s)
{
	return s < FZ_BL__SERIES ? directions[s] : "?";
}

const char *fz_baseline_state_name(enum fz_baseline_state st)
{
	return st <= FZ_BL_END ? states[st] : "?";
}

static const struct fz_counter_def defs[] = {
    FZ_COUNTER(struct counters, started, FZ_CT_COUNTER, FZ_CF_INSTANCE, "started", "alerts",
               "baseline alerts started"),
    FZ_COUNTER(struct counters, updates, FZ_CT_COUNTER, FZ_CF_INSTANCE, "updates", NULL,
               "baseline alert updates (at most one per bin and alert)"),
    FZ_COUNTER(struct counters, ended, FZ_CT_COUNTER, FZ_CF_INSTANCE, "ended", "alerts",
               "baseline alerts ended"),
    FZ_COUNTER(struct counters, suppressed, FZ_CT_COUNTER, FZ_CF_INSTANCE, "suppressed", "alerts",
               "baseline alerts not started: within --alert-suppress of the same alert's end"),
    FZ_COUNTER(struct counters, active, FZ_CT_GAUGE, FZ_CF_INSTANCE, "active", "alerts",
               "baseline alerts on now"),
};

struct fz_baseline *fz_baseline_create(const struct fz_baseline_conf *conf)
{
	struct fz_baseline *b;
	size_t n_series = (size_t)conf->n_nets * FZ_BL__SERIES;

	if (conf->history == 0 || conf->history > FZ_BASELINE_MAX_HISTORY ||
	    conf->min_history == 0 || conf->min_history > conf->history || conf->bins == 0 ||
	    !(conf->k >= 0) || conf->event == NULL) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->conf = *conf;
	b->nets = calloc(conf->n_nets ? conf->n_nets : 1, sizeof(*b->nets));
	b->s = calloc(n_series ? n_series : 1, sizeof(*b->s));
	b->rings = calloc(n_series ? n_series * conf->history : 1, sizeof(uint64_t));
	b->pub = fz_counter_pub_create(sizeof(struct counters));
	if (b->nets == NULL || b->s == NULL || b->rings == NULL || b->pub == NULL) {
		fz_baseline_free(b);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < conf->n_nets; i++) {
		if (conf->nets)
			b->nets[i] = conf->nets[i];
		else
			b->nets[i].k = -1;
	}
	b->conf.nets = b->nets;
	for (size_t i = 0; i < n_series; i++)
		b->s[i].ring = b->rings + i * conf->history;
	b->set = (struct fz_counter_set){
	    .name = "baseline",
	    .summary = "baseline",
	    .shape = FZ_SET_SINGLE,
	    .defs = defs,
	    .n_defs = sizeof(defs) / sizeof(defs[0]),
	    .block = sizeof(struct counters),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .arg = b->pub,
	};
	return b;
}

void fz_baseline_free(struct fz_baseline *b)
{
	if (b == NULL)
		return;
	free(b->nets);
	free(b->s);
	free(b->rings);
	fz_counter_pub_free(b->pub);
	free(b);
}

const struct fz_counter_set *fz_baseline_counter_set(struct fz_baseline *b)
{
	return &b->set;
}

void fz_baseline_publish(struct fz_baseline *b)
{
	fz_counter_pub_write(b->pub, &b->c);
}

static void stats(const struct series *s, double *mean, double *sigma)
{
	u128 num;

	if (s->n == 0) {
		*mean = *sigma = 0;
		return;
	}
	/* Cauchy-Schwarz: n·Σx² >= (Σx)², exactly, in integers. */
	num = (u128)s->n * s->sum_sq - (u128)s->sum * s->sum;
	*mean = (double)s->sum / s->n;
	*sigma = sqrt((double)num) / s->n;
}

unsigned fz_baseline_stats(const struct fz_baseline *b, unsigned net, enum fz_baseline_series s,
                           double *mean, double *sigma)
{
	const struct series *se;

	if (net >= b->conf.n_nets || s >= FZ_BL__SERIES) {
		*mean = *sigma = 0;
		return 0;
	}
	se = &b->s[(size_t)net * FZ_BL__SERIES + s];
	stats(se, mean, sigma);
	return se->n;
}

static void push(struct series *s, unsigned cap, uint64_t v)
{
	if (s->n == cap) {
		uint64_t old = s->ring[s->head];

		s->sum -= old;
		s->sum_sq -= (u128)old * old;
		s->ring[s->head] = v;
		s->head = (s->head + 1) % cap;
	} else {
		s->ring[(s->head + s->n) % cap] = v;
		s->n++;
	}
	s->sum += v;
	s->sum_sq += (u128)v * v;
}

static void series_bin(struct fz_baseline *b, unsigned net, enum fz_baseline_series si,
                       uint64_t start_ms, uint64_t end_ms, uint64_t v, const void *ctx)
{
	const struct fz_baseline_net *o = &b->nets[net];
	struct series *s = &b->s[(size_t)net * FZ_BL__SERIES + si];
	struct fz_baseline_event ev = {
	    .net = net, .series = si, .time_ms = end_ms, .value = v, .ctx = ctx};
	double k = o->k >= 0 ? o->k : b->conf.k;
	int over;

	if (v > FZ_BASELINE_MAX_VALUE)
		v = ev.value = FZ_BASELINE_MAX_VALUE;
	if (s->n < b->conf.min_history || (o->disabled & (1u << si))) {
		push(s, b->conf.history, v);
		return;
	}
	stats(s, &ev.mean, &ev.sigma);
	ev.threshold = ev.mean + k * ev.sigma;
	if (ev.threshold < (double)o->floor[si])
		ev.threshold = (double)o->floor[si];
	over = (double)v > ev.threshold;
	if (over) {
		if (s->over++ == 0)
			s->over_start_ms = start_ms;
		s->under = 0;
	} else {
		if (s->under++ == 0)
			s->under_start_ms = start_ms;
		s->over = 0;
		push(s, b->conf.history, v);
	}
	switch (s->state) {
	case IDLE:
		if (s->over < b->conf.bins)
			return;
		s->alert_start_ms = s->over_start_ms;
		if (s->ended && s->alert_start_ms < s->last_end_ms + b->conf.suppress_ms) {
			s->state = SUPPRESSED;
			b->c.suppressed++;
			return;
		}
		s->state = ACTIVE;
		b->c.started++;
		b->c.active++;
		ev.state = FZ_BL_START;
		ev.start_ms = s->alert_start_ms;
		b->conf.event(b->conf.event_arg, &ev);
		return;
	case ACTIVE:
	case SUPPRESSED:
		if (s->under < b->conf.bins) {
			if (s->state == ACTIVE) {
				b->c.updates++;
				ev.state = FZ_BL_UPDATE;
				ev.start_ms = s->alert_start_ms;
				b->conf.event(b->conf.event_arg, &ev);
			}
			return;
		}
		if (s->state == SUPPRESSED) {
			s->state = IDLE;
			return;
		}
		s->state = IDLE;
		s->ended = 1;
		s->last_end_ms = s->under_start_ms;
		b->c.ended++;
		b->c.active--;
		ev.state = FZ_BL_END;
		ev.start_ms = s->alert_start_ms;
		ev.end_ms = s->under_start_ms;
		b->conf.event(b->conf.event_arg, &ev);
		return;
	}
}

int fz_baseline_bin(struct fz_baseline *b, unsigned net, uint64_t start_ms, uint64_t end_ms,
                    const uint64_t values[FZ_BL__SERIES], const void *ctx)
{
	if (net >= b->conf.n_nets)
		return -EINVAL;
	for (int s = 0; s < FZ_BL__SERIES; s++)
		series_bin(b, net, (enum fz_baseline_series)s, start_ms, end_ms, values[s], ctx);
	return 0;
}
