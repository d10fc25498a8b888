/*
 * The zoo in the stats loop: classify every flow before it is encoded,
 * publish a "type":"stats" record every --stats-interval seconds and at exit
 * (the last record of a run), and show the zoo table on a terminal. The
 * logic lives in lib/zoo; this file only wires it to the options, the clock
 * and the sinks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "app.h"
#include "fz_zoo.h"
#include "log.h"

#define STATS_CAP_START (64u << 10)
#define STATS_CAP_MAX   (16u << 20)

struct fz_stats_zoo {
	struct fz_zoo *zoo;
	uint64_t interval_tsc; /* 0: a stats record at exit only */
	uint64_t next_tsc;     /* 0 until the stats loop's first tick */
	uint64_t interval_start_ms;
	int table; /* show the table on standard error */
	int tty;   /* standard error is a terminal */
	char *buf;
	size_t cap;
	uint64_t stats_errors;
};

/* Interval bounds are wall-clock time, whatever clock the flows use. */
static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* The zoo's options as a struct fz_zoo_conf; 0, or -1 with a message naming the value. */
static int zoo_conf(const struct fz_opts *opts, struct fz_zoo_conf *conf, char *err, size_t errlen)
{
	char msg[256];

	fz_zoo_conf_init(conf);
	if (opts->zoo_mean && fz_zoo_parse_mean(opts->zoo_mean, conf, msg, sizeof(msg))) {
		snprintf(err, errlen, "--zoo-mean: %s", msg);
		return -1;
	}
	conf->per_app = opts->zoo_scope_app;
	return 0;
}

int fz_stats_zoo_check(const struct fz_opts *opts, char *err, size_t errlen)
{
	struct fz_zoo_conf conf;

	return zoo_conf(opts, &conf, err, errlen);
}

int fz_stats_zoo_init(struct fz_app *app, char *err, size_t errlen)
{
	struct fz_stats_zoo *s = calloc(1, sizeof(*s));
	struct fz_zoo_conf conf;

	if (s == NULL) {
		snprintf(err, errlen, "zoo: %s", strerror(ENOMEM));
		return -1;
	}
	app->zoo = s;
	if (zoo_conf(&app->opts, &conf, err, errlen))
		return -1;
	s->zoo = fz_zoo_create(&conf, app->n_apps, app->app_names);
	s->cap = STATS_CAP_START;
	s->buf = malloc(s->cap);
	if (s->zoo == NULL || s->buf == NULL) {
		snprintf(err, errlen, "zoo: %s", strerror(errno));
		return -1;
	}
	s->interval_tsc = (uint64_t)(app->opts.stats_interval * (double)rte_get_tsc_hz());
	s->interval_start_ms = wall_ms();
	s->tty = isatty(STDERR_FILENO);
	s->table = app->opts.progress < 0 ? s->tty : app->opts.progress;
	return 0;
}

const struct fz_zoo *fz_stats_zoo_get(const struct fz_app *app)
{
	return app->zoo ? app->zoo->zoo : NULL;
}

void fz_stats_zoo_free(struct fz_app *app)
{
	if (app->zoo == NULL)
		return;
	fz_zoo_free(app->zoo->zoo);
	free(app->zoo->buf);
	free(app->zoo);
	app->zoo = NULL;
}

void fz_stats_zoo_classify(struct fz_app *app, const struct fz_flow_rec *r,
                           struct fz_zoo_result *res)
{
	fz_zoo_classify(app->zoo->zoo, r, res);
}

/* The stats record of the interval ending now, to every sink. */
static void publish(struct fz_app *app)
{
	struct fz_stats_zoo *s = app->zoo;
	uint64_t end_ms = wall_ms();
	struct fz_sink_msg m;
	int len;

	for (;;) {
		len = fz_zoo_stats_json(s->zoo, app->collector, s->interval_start_ms, end_ms,
		                        s->buf, s->cap);
		if (len != -ENOSPC || s->cap >= STATS_CAP_MAX)
			break;
		char *bigger = realloc(s->buf, s->cap * 2);

		if (bigger == NULL)
			break;
		s->buf = bigger;
		s->cap *= 2;
	}
	if (len < 0) {
		s->stats_errors++;
		FZ_LOG(ERR, "stats record: %s\n", strerror(-len));
	} else {
		memset(&m, 0, sizeof(m));
		m.topic = FZ_TOPIC_STATS;
		m.key = app->collector; /* the stats of one appliance keep their order */
		m.key_len = strlen(app->collector);
		m.json = s->buf;
		m.len = (size_t)len;
		for (unsigned i = 0; i < app->n_sinks; i++)
			fz_sink_write(app->sinks[i], &m);
	}
	fz_zoo_interval_reset(s->zoo);
	s->interval_start_ms = end_ms;
	if (s->table) {
		char table[4096];

		fz_zoo_table_text(s->zoo, table, sizeof(table));
		/* Clear the progress line first; it redraws itself below the table. */
		fprintf(stderr, "%s%s", s->tty ? "\r\033[K" : "", table);
		fflush(stderr);
	}
}

void fz_stats_zoo_tick(struct fz_app *app, uint64_t now_tsc, int final)
{
	struct fz_stats_zoo *s = app->zoo;

	if (s->next_tsc == 0)
		s->next_tsc = now_tsc + s->interval_tsc;
	if (final || (s->interval_tsc && now_tsc >= s->next_tsc)) {
		publish(app);
		s->next_tsc = now_tsc + s->interval_tsc;
	}
}
