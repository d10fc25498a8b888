/*
 * The zoo as a pipeline consumer: classify every flow (the flow record
 * carries the classes), publish a "type":"stats" record every
 * --stats-interval seconds and at exit (the last record of a run), show the
 * zoo table on a terminal, and publish the means as the "zoo" counter set
 * (zooctl status: what the next flow is compared with). The logic lives in
 * lib/zoo.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "app.h"
#include "fz_zoo.h"
#include "log.h"

struct fz_zoo_consumer {
	struct fz_appliance *app;
	struct fz_zoo *zoo;
	struct fz_zoo_result res; /* the last flow's classes (the item points here) */
	uint64_t interval_start_ms;
	int table; /* show the table on standard error */
	int tty;   /* standard error is a terminal */
	struct fz_counter_pub *pub;
	struct fz_counter_set set;
};

/* The means the next flow is compared with, for zooctl status. */
struct zoo_block {
	uint64_t size_bytes, duration_s, rate_bytes_per_s; /* reals */
	uint64_t flows;
};

static const struct fz_counter_def zoo_defs[] = {
    FZ_COUNTER(struct zoo_block, size_bytes, FZ_CT_GAUGE_REAL, FZ_CF_INSTANCE, "size_bytes",
               "bytes", "the size mean the next flow is compared with"),
    FZ_COUNTER(struct zoo_block, duration_s, FZ_CT_GAUGE_REAL, FZ_CF_INSTANCE, "duration_s",
               "seconds", "the duration mean the next flow is compared with"),
    FZ_COUNTER(struct zoo_block, rate_bytes_per_s, FZ_CT_GAUGE_REAL, FZ_CF_INSTANCE,
               "rate_bytes_per_s", "bytes_per_second",
               "the rate mean the next flow is compared with"),
    FZ_COUNTER(struct zoo_block, flows, FZ_CT_COUNTER, FZ_CF_INSTANCE, "flows", "flows",
               "flows classified"),
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

int fz_zoo_consumer_check(const struct fz_opts *opts, char *err, size_t errlen)
{
	struct fz_zoo_conf conf;

	return zoo_conf(opts, &conf, err, errlen);
}

static void classify(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	struct fz_zoo_consumer *z = arg;

	fz_zoo_classify(z->zoo, rec, &z->res);
	item->zoo = &z->res;
}

/*
 * With export lanes: here, in order, each flow enters the means; a lane
 * classifies the flows of its batch from a copy of the means taken before
 * them (the lane's result replaces z->res in the batch) and, at its turn,
 * adds their counts to the zoo's.
 */
static void advance(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	struct fz_zoo_consumer *z = arg;

	fz_zoo_advance(z->zoo, rec);
	item->zoo = &z->res;
}

static void lane_start(void *arg, void *state)
{
	const struct fz_zoo_consumer *z = arg;

	fz_zoo_lane_start(z->zoo, state);
}

static void lane_classify(void *arg, void *state, void *counts, const struct fz_flow_rec *rec,
                          struct fz_zoo_result *zoo)
{
	const struct fz_zoo_consumer *z = arg;

	fz_zoo_lane_flow(z->zoo, state, counts, rec, zoo);
}

static void lane_merge(void *arg, void *state, void *counts)
{
	struct fz_zoo_consumer *z = arg;

	(void)state;
	fz_zoo_lane_merge(z->zoo, counts);
}

struct interval {
	uint64_t start_ms, end_ms;
};

static int encode_stats(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	struct fz_zoo_consumer *z = arg;
	const struct interval *iv = it->body;

	return fz_zoo_stats_json(z->zoo, z->app->collector, iv->start_ms, iv->end_ms, buf, cap);
}

static void publish_means(struct fz_zoo_consumer *z)
{
	struct zoo_block b;
	double size, duration, rate;

	fz_zoo_means(z->zoo, &size, &duration, &rate);
	b.size_bytes = fz_real_bits(size);
	b.duration_s = fz_real_bits(duration);
	b.rate_bytes_per_s = fz_real_bits(rate);
	b.flows = fz_zoo_flows(z->zoo);
	fz_counter_pub_write(z->pub, &b);
}

/* The stats record of the interval ending now. */
static void stats_timer(void *arg, uint64_t now_us, int final)
{
	struct fz_zoo_consumer *z = arg;
	struct interval iv = {z->interval_start_ms, wall_ms()};
	struct fz_item it;

	(void)now_us;
	(void) final;
	/* With export lanes the counters are theirs until they hold nothing. */
	fz_pipeline_sync(z->app->pipeline);
	memset(&it, 0, sizeof(it));
	it.kind = FZ_ITEM_STATS;
	it.stream = "stats";
	it.key = z->app->collector; /* the stats of one appliance keep their order */
	it.key_len = strlen(z->app->collector);
	it.body = &iv;
	it.encode = encode_stats;
	it.encode_arg = z;
	fz_pipeline_emit(z->app->pipeline, &it);
	if (it.json_rc < 0)
		FZ_LOG(ERR, "stats record: %s\n", strerror(-it.json_rc));
	fz_zoo_interval_reset(z->zoo);
	z->interval_start_ms = iv.end_ms;
	publish_means(z);
	if (z->table) {
		char table[4096];

		fz_zoo_table_text(z->zoo, table, sizeof(table));
		/* Clear the progress line first (on a terminal it redraws itself
		 * below the table; elsewhere it ends its line here). */
		fprintf(stderr, "%s%s", z->tty ? "\r\033[K" : "\n", table);
		fflush(stderr);
	}
}

/* Means change with every flow; zooctl reads them a few times a second at most. */
static void means_timer(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	(void) final;
	publish_means(arg);
}

int fz_zoo_consumer_init(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_zoo_consumer *z = calloc(1, sizeof(*z));
	struct fz_zoo_conf conf;
	struct fz_consumer c = {.name = "zoo",
	                        .flow = classify,
	                        .arg = z,
	                        .flow_ordered = advance,
	                        .snapshot = lane_start,
	                        .lane_flow = lane_classify,
	                        .lane_turn = lane_merge};
	struct fz_timer_conf stats = {
	    "zoo stats", FZ_TIMER_WALL, (uint64_t)(app->opts.stats_interval * 1e6),
	    1,           stats_timer,   z};
	struct fz_timer_conf means = {"zoo means", FZ_TIMER_WALL, 100000, 0, means_timer, z};

	if (z == NULL) {
		snprintf(err, errlen, "zoo: %s", strerror(ENOMEM));
		return -1;
	}
	app->zoo = z;
	z->app = app;
	if (zoo_conf(&app->opts, &conf, err, errlen))
		return -1;
	z->zoo = fz_zoo_create(&conf, app->n_apps, app->app_names);
	z->pub = fz_counter_pub_create(sizeof(struct zoo_block));
	if (z->zoo == NULL || z->pub == NULL) {
		snprintf(err, errlen, "zoo: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	c.state_size = fz_zoo_lane_size(z->zoo);
	c.scratch_size = fz_zoo_lane_counts_size(z->zoo);
	publish_means(z);
	z->set = (struct fz_counter_set){
	    .name = "zoo",
	    .summary = "zoo_means",
	    .shape = FZ_SET_SINGLE,
	    .defs = zoo_defs,
	    .n_defs = sizeof(zoo_defs) / sizeof(zoo_defs[0]),
	    .block = sizeof(struct zoo_block),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .arg = z->pub,
	};
	z->interval_start_ms = wall_ms();
	z->tty = isatty(STDERR_FILENO);
	z->table = app->opts.progress < 0 ? z->tty : app->opts.progress;
	if (fz_pipeline_add_consumer(app->pipeline, &c) || fz_timers_add(app->timers, &stats) ||
	    fz_timers_add(app->timers, &means) || fz_counters_register(app->counters, &z->set)) {
		snprintf(err, errlen, "zoo: cannot register");
		return -1;
	}
	return 0;
}

void fz_zoo_consumer_free(struct fz_appliance *app)
{
	if (app->zoo == NULL)
		return;
	fz_zoo_free(app->zoo->zoo);
	fz_counter_pub_free(app->zoo->pub);
	free(app->zoo);
	app->zoo = NULL;
}
