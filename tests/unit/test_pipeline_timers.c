/* Unit tests of the pipeline's timers: wall-clock and packet-clock periods and the final run at
 * the end (the rest of the pipeline is test_pipeline.c; the fakes pipeline_fakes.h). */
#include "pipeline_fakes.h"

/* Timers note "<name>@<now>" or "<name>@<now>!" when final. */
static void fire(void *arg, uint64_t now_us, int final)
{
	note("%s@%llu%s", (const char *)arg, (unsigned long long)now_us, final ? "!" : "");
}

static int fired;

static void count_fire(void *arg, uint64_t now_us, int final)
{
	(void)arg;
	(void)now_us;
	fired += final;
}

static void test_wall_timers(void)
{
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf a = {.name = "a", .period_us = 100, .fire = fire, .arg = "a"};
	struct fz_timer_conf b = {.name = "b", .period_us = 250, .fire = fire, .arg = "b"};
	struct fz_timer_conf c = {.name = "c", .period_us = 100, .fire = fire, .arg = "c"};

	trace[0] = '\0';
	FZ_CHECK_INT(0, fz_timers_add(t, &a));
	FZ_CHECK_INT(0, fz_timers_add(t, &b));
	fz_timers_run(t, 1000, 0); /* the first run starts the periods */
	fz_timers_run(t, 1099, 0);
	FZ_CHECK_STR("", trace);
	fz_timers_run(t, 1100, 0);
	FZ_CHECK_STR("a@1100", trace);
	FZ_CHECK_INT(0, fz_timers_add(t, &c)); /* starts at its own first run */
	fz_timers_run(t, 1150, 0);
	fz_timers_run(t, 1199, 0);
	FZ_CHECK_STR("a@1100", trace);
	fz_timers_run(t, 1200, 0);
	fz_timers_run(t, 1249, 0);
	FZ_CHECK_STR("a@1100 a@1200", trace);
	fz_timers_run(t, 1250, 0);
	FZ_CHECK_STR("a@1100 a@1200 b@1250 c@1250", trace);
	/* A late run fires each once, and the next period starts from then. */
	trace[0] = '\0';
	fz_timers_run(t, 2000, 0);
	fz_timers_run(t, 2099, 0);
	FZ_CHECK_STR("a@2000 b@2000 c@2000", trace);
	fz_timers_free(t);
}

static void test_packet_timers(void)
{
	const uint64_t s = 1000000; /* µs */
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf bins = {.name = "bins",
	                             .clock = FZ_TIMER_PACKET,
	                             .period_us = 300 * s,
	                             .fire = fire,
	                             .arg = "bins"};

	trace[0] = '\0';
	FZ_CHECK_INT(0, fz_timers_add(t, &bins));
	fz_timers_run(t, 5, 0); /* no packet yet */
	fz_timers_run(t, 6, 1000 * s);
	fz_timers_run(t, 7, 1199 * s);
	FZ_CHECK_STR("", trace);
	/* From 1199 s to 2000 s: the boundaries 1200, 1500 and 1800 s, in order. */
	fz_timers_run(t, 8, 2000 * s);
	FZ_CHECK_STR("bins@1200000000 bins@1500000000 bins@1800000000", trace);
	trace[0] = '\0';
	fz_timers_run(t, 9, 2000 * s);
	fz_timers_run(t, 10, 2099 * s);
	FZ_CHECK_STR("", trace);
	fz_timers_run(t, 11, 2100 * s);
	FZ_CHECK_STR("bins@2100000000", trace);
	fz_timers_free(t);
}

static void test_final_timers(void)
{
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf c[4] = {
	    {.name = "w", .period_us = 100, .at_final = 1, .fire = fire, .arg = "w"},
	    {.name = "n", .period_us = 100, .at_final = 0, .fire = fire, .arg = "n"},
	    {.name = "p",
	     .clock = FZ_TIMER_PACKET,
	     .period_us = 100,
	     .at_final = 1,
	     .fire = fire,
	     .arg = "p"},
	    {.name = "end", .period_us = 0, .at_final = 1, .fire = fire, .arg = "end"},
	};
	struct fz_timer_conf nofire = {.name = "x", .period_us = 1};
	struct fz_timer_conf counted = {.name = "counted", .at_final = 1, .fire = count_fire};
	int rc = 0, added = 0;

	trace[0] = '\0';
	for (int i = 0; i < 4; i++)
		FZ_CHECK_INT(0, fz_timers_add(t, &c[i]));
	fz_timers_run(t, 10, 0);
	fz_timers_run(t, 10000, 0); /* a timer of period 0 never fires before the end */
	FZ_CHECK_STR("w@10000 n@10000", trace);
	trace[0] = '\0';
	fz_timers_final(t, 20000, 777);
	FZ_CHECK_STR("w@20000! p@777! end@20000!", trace);

	FZ_CHECK_INT(-EINVAL, fz_timers_add(t, &nofire));
	/* Room for a bounded number; every accepted one is kept. */
	while (added < 1000 && (rc = fz_timers_add(t, &counted)) == 0)
		added++;
	FZ_CHECK_INT(-ENOSPC, rc);
	FZ_CHECK(added > 0 && added < 1000);
	trace[0] = '\0';
	fired = 0;
	fz_timers_final(t, 1, 2);
	FZ_CHECK_INT(added, fired);
	FZ_CHECK_STR("w@1! p@2! end@1!", trace);
	fz_timers_free(t);
}

int main(void)
{
	FZ_RUN(test_wall_timers);
	FZ_RUN(test_packet_timers);
	FZ_RUN(test_final_timers);
	return fz_test_summary();
}
