/*
 * Zoo classification on hand-computed sequences: every expected class and
 * mean below is worked out in the comments from the definition in
 * docs/zoo.md, not read back from the code.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "fz_test.h"
#include "fz_zoo.h"

#define T0 1700000000000000ull /* an epoch in microseconds */

static const char *const names3[] = {"unknown", "http", "tls"};

static struct fz_flow_rec mk(uint64_t bytes_fwd, uint64_t bytes_rev, uint64_t dur_us, unsigned app,
                             uint64_t packets)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.bytes[0] = bytes_fwd;
	r.bytes[1] = bytes_rev;
	r.first_us = T0;
	r.last_us = T0 + dur_us;
	r.packets[0] = packets;
	r.app = (uint8_t)app;
	return r;
}

static struct fz_zoo *mkzoo(enum fz_zoo_mean_kind kind, double alpha, int per_app)
{
	struct fz_zoo_conf c = {.mean = kind, .alpha = alpha, .per_app = per_app};

	return fz_zoo_create(&c, 3, names3);
}

#define CHECK_CLASSES(s, d, r, res)                                                                \
	do {                                                                                       \
		FZ_CHECK_INT(s, (res).size_class);                                                 \
		FZ_CHECK_INT(d, (res).duration_class);                                             \
		FZ_CHECK_INT(r, (res).rate_class);                                                 \
	} while (0)

#define CHECK_MEANS(s, d, r, res)                                                                  \
	do {                                                                                       \
		FZ_CHECK_DBL(s, (res).size_mean, 0);                                               \
		FZ_CHECK_DBL(d, (res).duration_mean, 1e-15);                                       \
		FZ_CHECK_DBL(r, (res).rate_mean, 1e-9);                                            \
	} while (0)

/* The sequence F1..F5 of docs/zoo.md's worked example, with stats records between. */
static void classify(struct fz_zoo *z, struct fz_flow_rec r, struct fz_zoo_result *res)
{
	memset(res, 0x55, sizeof(*res));
	fz_zoo_classify(z, &r, res);
}

static json_t *stats(struct fz_zoo *z, uint64_t a, uint64_t b)
{
	static char buf[16384];
	json_error_t e;
	json_t *j;
	int n = fz_zoo_stats_json(z, "probe-1", a, b, buf, sizeof(buf));

	FZ_CHECK(n > 0);
	if (n <= 0)
		return NULL;
	FZ_CHECK_INT(strlen(buf), n);
	FZ_CHECK(strchr(buf, '\n') == NULL);
	j = json_loads(buf, 0, &e);
	FZ_CHECK(j != NULL);
	return j;
}

/* Follow a dotted path ("apps.1.total.flows"; numbers index arrays). */
static json_t *jget(json_t *j, const char *path)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *t = strtok_r(copy, ".", &save); t && j; t = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, (size_t)atoi(t)) : json_object_get(j, t);
	return j;
}

/* An integer at path, or a value no check expects (reported) when it is none. */
static json_int_t jint(json_t *j, const char *path)
{
	j = jget(j, path);
	if (!json_is_integer(j)) {
		fprintf(stderr, "%s: not an integer\n", path);
		return -999999;
	}
	return json_integer_value(j);
}

static double jreal(json_t *j, const char *path)
{
	j = jget(j, path);
	if (!json_is_real(j)) {
		fprintf(stderr, "%s: not a real\n", path);
		return -999999;
	}
	return json_real_value(j);
}

static void test_cumulative_sequence(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	double s, d, rt;
	json_t *j;

	FZ_CHECK(z != NULL);
	if (z == NULL)
		return;
	/* F1: 15000 B over exactly 4 s: ties with both initial means -> elephant,
	 * tortoise; rate 3750 B/s < 500000 -> snail. */
	classify(z, mk(10000, 5000, 4000000, 1, 10), &r);
	CHECK_CLASSES(1, 1, 0, r);
	CHECK_MEANS(15000.0, 4.0, 500000.0, r);
	/* F2: 14999 B, 1 s. Means now 15000 B, 4 s, 3750 B/s. Rate 14999 -> cheetah. */
	classify(z, mk(14999, 0, 1000000, 2, 3), &r);
	CHECK_CLASSES(0, 0, 1, r);
	CHECK_MEANS(15000.0, 4.0, 3750.0, r);
	/* F3: one packet, 100 B, duration 0: no rate. Means 29999/2, 5 s/2, 18749/2. */
	classify(z, mk(100, 0, 0, 1, 1), &r);
	CHECK_CLASSES(0, 0, FZ_ZOO_NULL, r);
	CHECK_MEANS(14999.5, 2.5, 9374.5, r);

	j = stats(z, 1000, 2000);
	FZ_CHECK_STR("stats", json_string_value(jget(j, "type")));
	FZ_CHECK_STR("probe-1", json_string_value(jget(j, "collector")));
	FZ_CHECK_INT(1000, jint(j, "interval_start_ms"));
	FZ_CHECK_INT(2000, jint(j, "interval_end_ms"));
	FZ_CHECK_STR("cumulative", json_string_value(jget(j, "zoo_mean")));
	FZ_CHECK(json_is_null(jget(j, "zoo_alpha")));
	FZ_CHECK_STR("global", json_string_value(jget(j, "zoo_scope")));
	/* F3 entered size and duration but not rate. */
	FZ_CHECK_INT(30099, jint(j, "means.size_sum"));
	FZ_CHECK_INT(3, jint(j, "means.size_n"));
	FZ_CHECK_INT(5000000, jint(j, "means.duration_sum_us"));
	FZ_CHECK_INT(3, jint(j, "means.duration_n"));
	FZ_CHECK_DBL(18749.0, jreal(j, "means.rate_sum"), 0);
	FZ_CHECK_INT(2, jint(j, "means.rate_n"));
	FZ_CHECK_DBL(10033.0, jreal(j, "means.size_mean"), 0);
	FZ_CHECK_DBL(5.0 / 3.0, jreal(j, "means.duration_mean"), 1e-15);
	FZ_CHECK_DBL(9374.5, jreal(j, "means.rate_mean"), 0);
	FZ_CHECK_INT(3, jint(j, "interval.flows"));
	FZ_CHECK_INT(3, jint(j, "total.flows"));
	json_decref(j);
	fz_zoo_interval_reset(z);

	/* F4: 10033 B = 30099/3 exactly: a tie -> elephant. 1666668 us * 3 >=
	 * 5000000 -> tortoise. Rate 10033/1.666668 = 6019.8 < 9374.5 -> snail. */
	classify(z, mk(10000, 33, 1666668, 0, 5), &r);
	CHECK_CLASSES(1, 1, 0, r);
	CHECK_MEANS(10033.0, 5.0 / 3.0, 9374.5, r);
	/* F5 (app 7 is out of range: counted as app 0): 1 B, 1666667 us, exactly
	 * the duration mean 6666668/4 us -> mouse, tortoise, snail. */
	classify(z, mk(1, 0, 1666667, 7, 2), &r);
	CHECK_CLASSES(0, 1, 0, r);
	CHECK_MEANS(10033.0, 1.666667, (18749.0 + 10033.0 / 1.666668) / 3.0, r);

	fz_zoo_means(z, &s, &d, &rt);
	FZ_CHECK_DBL(40133.0 / 5.0, s, 0);
	FZ_CHECK_DBL(1.666667, d, 1e-15);
	FZ_CHECK_DBL((18749.0 + 10033.0 / 1.666668 + 1.0 / 1.666667) / 4.0, rt, 1e-9);
	FZ_CHECK_INT(5, fz_zoo_flows(z));

	j = stats(z, 2000, 3000);
	FZ_CHECK_INT(40133, jint(j, "means.size_sum"));
	FZ_CHECK_INT(5, jint(j, "means.size_n"));
	FZ_CHECK_INT(8333335, jint(j, "means.duration_sum_us"));
	FZ_CHECK_INT(4, jint(j, "means.rate_n"));
	FZ_CHECK_DBL(8026.6, jreal(j, "means.size_mean"), 0);
	FZ_CHECK_INT(1, jint(j, "app_out_of_range"));
	/* Totals over all applications: interval F4, F5; since start F1..F5. */
	FZ_CHECK_INT(2, jint(j, "interval.flows"));
	FZ_CHECK_INT(7, jint(j, "interval.packets"));
	FZ_CHECK_INT(10034, jint(j, "interval.bytes"));
	FZ_CHECK_INT(5, jint(j, "total.flows"));
	FZ_CHECK_INT(21, jint(j, "total.packets"));
	FZ_CHECK_INT(40133, jint(j, "total.bytes"));
	FZ_CHECK_INT(8333335, jint(j, "total.duration_sum_us"));
	FZ_CHECK_INT(2, jint(j, "total.classes.elephant.flows"));
	FZ_CHECK_INT(25033, jint(j, "total.classes.elephant.bytes"));
	FZ_CHECK_INT(1, jint(j, "total.classes.rate_null.flows"));
	FZ_CHECK_INT(1, jint(j, "total.classes.cheetah.flows"));
	FZ_CHECK_INT(3, jint(j, "total.classes.snail.flows"));
	FZ_CHECK_INT(3, jint(j, "total.classes.tortoise.flows"));
	FZ_CHECK_INT(2, jint(j, "total.classes.dragonfly.flows"));
	FZ_CHECK_INT(3, (json_int_t)json_array_size(jget(j, "apps")));
	/* unknown: F4 (10033 B: elephant, tortoise, snail), F5 (1 B: mouse, tortoise, snail). */
	FZ_CHECK_STR("unknown", json_string_value(jget(j, "apps.0.app")));
	FZ_CHECK(jget(j, "apps.0.means") == NULL); /* global scope: means only at the top */
	FZ_CHECK_INT(2, jint(j, "apps.0.interval.flows"));
	FZ_CHECK_INT(2, jint(j, "apps.0.total.flows"));
	FZ_CHECK_INT(10034, jint(j, "apps.0.total.bytes"));
	FZ_CHECK_INT(1, jint(j, "apps.0.total.classes.elephant.flows"));
	FZ_CHECK_INT(10033, jint(j, "apps.0.total.classes.elephant.bytes"));
	FZ_CHECK_DBL(0.5, jreal(j, "apps.0.total.classes.elephant.flow_share"), 0);
	FZ_CHECK_DBL(10033.0 / 10034.0, jreal(j, "apps.0.total.classes.elephant.byte_share"), 0);
	FZ_CHECK_DBL(1.0, jreal(j, "apps.0.total.classes.tortoise.flow_share"), 0);
	FZ_CHECK_DBL(0.0, jreal(j, "apps.0.total.classes.cheetah.flow_share"), 0);
	FZ_CHECK_DBL(0.0, jreal(j, "apps.0.total.classes.dragonfly.byte_share"), 0);
	/* http: F1 (15000 B: elephant, tortoise, snail), F3 (100 B: mouse, dragonfly, no rate). */
	FZ_CHECK_STR("http", json_string_value(jget(j, "apps.1.app")));
	FZ_CHECK_INT(0, jint(j, "apps.1.interval.flows"));
	FZ_CHECK(json_is_null(jget(j, "apps.1.interval.classes.elephant.flow_share")));
	FZ_CHECK_INT(2, jint(j, "apps.1.total.flows"));
	FZ_CHECK_INT(11, jint(j, "apps.1.total.packets"));
	FZ_CHECK_INT(15100, jint(j, "apps.1.total.bytes"));
	FZ_CHECK_DBL(15000.0 / 15100.0, jreal(j, "apps.1.total.classes.elephant.byte_share"), 0);
	FZ_CHECK_DBL(100.0 / 15100.0, jreal(j, "apps.1.total.classes.mouse.byte_share"), 0);
	FZ_CHECK_INT(1, jint(j, "apps.1.total.classes.rate_null.flows"));
	FZ_CHECK_INT(100, jint(j, "apps.1.total.classes.rate_null.bytes"));
	FZ_CHECK_DBL(0.5, jreal(j, "apps.1.total.classes.rate_null.flow_share"), 0);
	FZ_CHECK_INT(4000000, jint(j, "apps.1.total.duration_sum_us"));
	/* tls: F2 (14999 B: mouse, dragonfly, cheetah). */
	FZ_CHECK_INT(1, jint(j, "apps.2.total.classes.cheetah.flows"));
	FZ_CHECK_DBL(1.0, jreal(j, "apps.2.total.classes.cheetah.byte_share"), 0);
	FZ_CHECK_DBL(1.0, jreal(j, "apps.2.total.classes.mouse.flow_share"), 0);
	json_decref(j);
	fz_zoo_free(z);
}

/*
 * The classes are decided in integers: with sum = 3 * 2^54 + 1 over 3 flows
 * the double mean rounds to 2^54, yet a flow of 2^54 bytes is below the true
 * mean (2^54 + 1/3) and so a mouse.
 */
static void test_exact_comparison(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	const uint64_t b = 1ull << 54;

	classify(z, mk(b, 0, 1000000, 0, 1), &r);
	classify(z, mk(b, 0, 1000000, 0, 1), &r);
	classify(z, mk(b, 1, 1000000, 0, 1), &r);
	classify(z, mk(b, 0, 1000000, 0, 1), &r);
	FZ_CHECK_INT(0, r.size_class);
	FZ_CHECK_DBL(18014398509481984.0, r.size_mean, 0);
	fz_zoo_free(z);
}

/* Sums beyond int64 are written as decimal strings, exactly. */
static void test_huge_sums(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	const uint64_t q = 1ull << 62;
	json_t *j;

	classify(z, mk(q, q, 1000000, 1, 1), &r); /* 2^63 bytes: one more than int64 holds */
	classify(z, mk(q, q, 1000000, 1, 1), &r);
	j = stats(z, 0, 1);
	FZ_CHECK_STR("18446744073709551616", json_string_value(jget(j, "means.size_sum")));
	FZ_CHECK_STR("18446744073709551616", json_string_value(jget(j, "total.bytes")));
	/* Both are elephants (the second ties with the mean); the first is a
	 * dragonfly (1 s < 4 s), the second a tortoise (1 s = the mean). */
	FZ_CHECK_STR("18446744073709551616",
	             json_string_value(jget(j, "apps.1.total.classes.elephant.bytes")));
	FZ_CHECK_STR("9223372036854775808",
	             json_string_value(jget(j, "apps.1.total.classes.tortoise.bytes")));
	FZ_CHECK_STR("9223372036854775808",
	             json_string_value(jget(j, "apps.1.total.classes.dragonfly.bytes")));
	FZ_CHECK_INT(2, jint(j, "apps.1.total.flows"));
	json_decref(j);
	fz_zoo_free(z);
}

static void test_ewma(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_EWMA, 0.5, 0);
	struct fz_zoo_result r;
	json_t *j;

	/* G1: 20000 B, 2 s, 10000 B/s against 15000, 4, 500000. Then the means
	 * become 17500, 3, 255000. */
	classify(z, mk(20000, 0, 2000000, 0, 1), &r);
	CHECK_CLASSES(1, 0, 0, r);
	CHECK_MEANS(15000.0, 4.0, 500000.0, r);
	/* G2: 17500 B, 3 s: ties -> elephant, tortoise. Means then 17500, 3,
	 * 127500 + 17500 / 3 / 2. */
	classify(z, mk(17500, 0, 3000000, 0, 1), &r);
	CHECK_CLASSES(1, 1, 0, r);
	CHECK_MEANS(17500.0, 3.0, 255000.0, r);
	/* G3: no duration: the rate mean stays. Means then 9250, 1.5. */
	classify(z, mk(1000, 0, 0, 0, 1), &r);
	CHECK_CLASSES(0, 0, FZ_ZOO_NULL, r);
	CHECK_MEANS(17500.0, 3.0, 127500.0 + 17500.0 / 3.0 / 2.0, r);
	classify(z, mk(9250, 0, 1500000, 0, 1), &r);
	CHECK_CLASSES(1, 1, 0, r);
	CHECK_MEANS(9250.0, 1.5, 127500.0 + 17500.0 / 3.0 / 2.0, r);
	j = stats(z, 5, 6);
	FZ_CHECK_STR("ewma", json_string_value(jget(j, "zoo_mean")));
	FZ_CHECK_DBL(0.5, jreal(j, "zoo_alpha"), 0);
	FZ_CHECK_DBL(9250.0, jreal(j, "means.size_mean"), 0); /* 0.5 * 9250 + 0.5 * 9250 */
	FZ_CHECK_DBL(1.5, jreal(j, "means.duration_mean"), 0);
	/* The raw sums are kept with EWMA too (they give the cumulative mean). */
	FZ_CHECK_INT(47750, jint(j, "means.size_sum"));
	FZ_CHECK_INT(4, jint(j, "means.size_n"));
	FZ_CHECK_INT(3, jint(j, "means.rate_n"));
	json_decref(j);
	fz_zoo_free(z);

	/* alpha 1: the mean is the previous flow. A rate equal to the mean is a cheetah. */
	z = mkzoo(FZ_ZOO_EWMA, 1.0, 0);
	classify(z, mk(2000000, 0, 4000000, 0, 1), &r); /* 500000 B/s: tie with the initial rate */
	CHECK_CLASSES(1, 1, 1, r);
	classify(z, mk(1999999, 0, 4000000, 0, 1), &r);
	CHECK_CLASSES(0, 1, 0, r);
	CHECK_MEANS(2000000.0, 4.0, 500000.0, r);
	classify(z, mk(5, 0, 1, 0, 1), &r);
	CHECK_MEANS(1999999.0, 4.0, 499999.75, r);
	fz_zoo_free(z);
}

static void test_per_app_scope(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 1);
	struct fz_zoo_result r;
	double s, d, rt;
	json_t *j;

	/* P1 http: 20000 B, 5 s against the initial means -> elephant, tortoise, snail. */
	classify(z, mk(20000, 0, 5000000, 1, 4), &r);
	CHECK_CLASSES(1, 1, 0, r);
	/* P2 tls: 16000 B, 3 s against tls's own (initial) means -> elephant
	 * (with global scope it would be compared with 20000: a mouse). */
	classify(z, mk(16000, 0, 3000000, 2, 4), &r);
	CHECK_CLASSES(1, 0, 0, r);
	CHECK_MEANS(15000.0, 4.0, 500000.0, r);
	/* P3 http: against http's 20000, 5, 4000 -> mouse, dragonfly, cheetah. */
	classify(z, mk(16000, 0, 3000000, 1, 4), &r);
	CHECK_CLASSES(0, 0, 1, r);
	CHECK_MEANS(20000.0, 5.0, 4000.0, r);

	FZ_CHECK_INT(0, fz_zoo_app_means(z, 1, &s, &d, &rt));
	FZ_CHECK_DBL(18000.0, s, 0);
	FZ_CHECK_DBL(4.0, d, 0);
	FZ_CHECK_DBL((4000.0 + 16000.0 / 3.0) / 2.0, rt, 1e-9);
	FZ_CHECK_INT(0, fz_zoo_app_means(z, 2, &s, &d, &rt));
	FZ_CHECK_DBL(16000.0, s, 0);
	FZ_CHECK_INT(-EINVAL, fz_zoo_app_means(z, 3, &s, &d, &rt));
	/* fz_zoo_means gives application 0's means: no flow yet, the initial ones. */
	fz_zoo_means(z, &s, &d, &rt);
	FZ_CHECK_DBL(15000.0, s, 0);
	FZ_CHECK_DBL(500000.0, rt, 0);

	j = stats(z, 0, 10000);
	FZ_CHECK_STR("app", json_string_value(jget(j, "zoo_scope")));
	FZ_CHECK(json_is_null(jget(j, "means")));
	FZ_CHECK_INT(0, jint(j, "apps.0.means.size_n"));
	FZ_CHECK_DBL(15000.0, jreal(j, "apps.0.means.size_mean"), 0);
	FZ_CHECK_INT(36000, jint(j, "apps.1.means.size_sum"));
	FZ_CHECK_INT(2, jint(j, "apps.1.means.size_n"));
	FZ_CHECK_INT(8000000, jint(j, "apps.1.means.duration_sum_us"));
	FZ_CHECK_DBL(18000.0, jreal(j, "apps.1.means.size_mean"), 0);
	FZ_CHECK_INT(16000, jint(j, "apps.2.means.size_sum"));
	FZ_CHECK_DBL(0.5, jreal(j, "apps.1.total.classes.cheetah.flow_share"), 0);
	FZ_CHECK_DBL(16000.0 / 36000.0, jreal(j, "apps.1.total.classes.cheetah.byte_share"), 0);
	json_decref(j);
	fz_zoo_free(z);
}

static void test_parse(void)
{
	struct fz_zoo_conf c;
	char err[160];

	fz_zoo_conf_init(&c);
	FZ_CHECK_INT(FZ_ZOO_CUMULATIVE, c.mean);
	FZ_CHECK_INT(0, c.per_app);
	FZ_CHECK_INT(0, fz_zoo_parse_mean("ewma:0.25", &c, err, sizeof(err)));
	FZ_CHECK_INT(FZ_ZOO_EWMA, c.mean);
	FZ_CHECK_DBL(0.25, c.alpha, 0);
	FZ_CHECK_INT(0, fz_zoo_parse_mean("ewma:1", &c, err, sizeof(err)));
	FZ_CHECK_DBL(1.0, c.alpha, 0);
	FZ_CHECK_INT(0, fz_zoo_parse_mean("cumulative", &c, err, sizeof(err)));
	FZ_CHECK_INT(FZ_ZOO_CUMULATIVE, c.mean);
	static const char *const bad[] = {"ewma:0",    "ewma:1.5", "ewma:",     "ewma:abc",
	                                  "ewma:0.5x", "ewma:nan", "ewma:-0.1", "ewma: 0.5",
	                                  "EWMA:0.5",  "",         "mean",      "cumulativ"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		c.mean = FZ_ZOO_CUMULATIVE;
		FZ_CHECK_INT(-EINVAL, fz_zoo_parse_mean(bad[i], &c, err, sizeof(err)));
		FZ_CHECK_INT(FZ_ZOO_CUMULATIVE, c.mean); /* untouched on error */
		FZ_CHECK(strstr(err, bad[i]) != NULL);
	}
	FZ_CHECK_STR("zoo mean 'ewma:2': ALPHA of ewma:ALPHA must be a number with 0 < ALPHA <= 1",
	             (fz_zoo_parse_mean("ewma:2", &c, err, sizeof(err)), err));
	FZ_CHECK_INT(0, fz_zoo_parse_scope("app", &c, err, sizeof(err)));
	FZ_CHECK_INT(1, c.per_app);
	FZ_CHECK_INT(0, fz_zoo_parse_scope("global", &c, err, sizeof(err)));
	FZ_CHECK_INT(0, c.per_app);
	FZ_CHECK_INT(-EINVAL, fz_zoo_parse_scope("apps", &c, err, sizeof(err)));
	FZ_CHECK_STR("zoo scope 'apps': expected 'global' or 'app'", err);
}

static void test_create(void)
{
	struct fz_zoo_conf c = {.mean = FZ_ZOO_EWMA, .alpha = 0, .per_app = 0};
	struct fz_zoo_result r;
	struct fz_zoo *z;
	char buf[4096];
	json_error_t e;
	json_t *j;

	errno = 0;
	FZ_CHECK(fz_zoo_create(&c, 3, names3) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	c.alpha = 1.5;
	FZ_CHECK(fz_zoo_create(&c, 3, names3) == NULL);
	c.mean = (enum fz_zoo_mean_kind)7;
	FZ_CHECK(fz_zoo_create(&c, 3, names3) == NULL);
	errno = 0;
	FZ_CHECK(fz_zoo_create(NULL, 3, names3) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	fz_zoo_free(NULL);

	/* No names: one application, "unknown"; every flow counts there. */
	fz_zoo_conf_init(&c);
	z = fz_zoo_create(&c, 0, NULL);
	FZ_CHECK(z != NULL);
	classify(z, mk(1, 1, 1, 5, 1), &r);
	FZ_CHECK(fz_zoo_stats_json(z, NULL, 0, 0, buf, sizeof(buf)) > 0);
	j = json_loads(buf, 0, &e);
	FZ_CHECK_INT(1, (json_int_t)json_array_size(jget(j, "apps")));
	FZ_CHECK_STR("unknown", json_string_value(jget(j, "apps.0.app")));
	FZ_CHECK_STR("", json_string_value(jget(j, "collector")));
	FZ_CHECK_INT(1, jint(j, "app_out_of_range"));
	FZ_CHECK_INT(1, jint(j, "apps.0.total.flows"));
	json_decref(j);
	fz_zoo_free(z);
}

/* A clock that went backwards gives duration 0: no rate, and 0 enters the duration mean. */
static void test_clock_backwards(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	struct fz_flow_rec rec = mk(20000, 0, 0, 0, 2);
	double s, d, rt;

	rec.last_us = rec.first_us - 5;
	classify(z, rec, &r);
	CHECK_CLASSES(1, 0, FZ_ZOO_NULL, r);
	fz_zoo_means(z, &s, &d, &rt);
	FZ_CHECK_DBL(20000.0, s, 0);
	FZ_CHECK_DBL(0.0, d, 0);
	FZ_CHECK_DBL(500000.0, rt, 0);
	fz_zoo_free(z);
}

static void test_enospc(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	char big[16384], small[16384];
	int n;

	classify(z, mk(1, 1, 1, 1, 1), &r);
	n = fz_zoo_stats_json(z, "c", 1, 2, big, sizeof(big));
	FZ_CHECK(n > 100);
	FZ_CHECK_INT(-ENOSPC, fz_zoo_stats_json(z, "c", 1, 2, small, 10));
	FZ_CHECK_INT(-ENOSPC, fz_zoo_stats_json(z, "c", 1, 2, small, (size_t)n));
	FZ_CHECK_INT(n, fz_zoo_stats_json(z, "c", 1, 2, small, (size_t)n + 1));
	FZ_CHECK_STR(big, small);
	fz_zoo_free(z);
}

static void test_table(void)
{
	struct fz_zoo *z = mkzoo(FZ_ZOO_CUMULATIVE, 0, 0);
	struct fz_zoo_result r;
	char buf[1024], small[12];
	int n;

	/* http: 15000 B over 4 s (elephant, tortoise, snail), 100 B (mouse,
	 * dragonfly, no rate); tls: 14999 B over 1 s (mouse, dragonfly, cheetah). */
	classify(z, mk(10000, 5000, 4000000, 1, 10), &r);
	classify(z, mk(14999, 0, 1000000, 2, 3), &r);
	classify(z, mk(100, 0, 0, 1, 1), &r);
	n = fz_zoo_table_text(z, buf, sizeof(buf));
	const char *want =
	    "app                     flows  eleph%   tort%  cheet%            bytes\n"
	    "http                        2    50.0    50.0     0.0            15100\n"
	    "tls                         1     0.0     0.0   100.0            14999\n"
	    "all                         3    33.3    33.3    33.3            30099\n";
	FZ_CHECK_STR(want, buf);
	FZ_CHECK_INT(strlen(want), n);
	FZ_CHECK_INT(11, fz_zoo_table_text(z, small, sizeof(small)));
	FZ_CHECK_STR("app        ", small);
	FZ_CHECK_INT(0, fz_zoo_table_text(z, small, 0));
	fz_zoo_free(z);
}

/*
 * fz_zoo_advance plus fz_zoo_lane_flow on copies, merged batch by batch (the
 * export lanes' split), give every flow's classes and means bit for bit as
 * fz_zoo_classify does, and the same counters and stats record: every mean
 * kind and scope, flows of no duration, applications out of range, byte sums
 * past 2^64, batches of 1 to 300 flows.
 */
static void test_split(void)
{
	static const struct fz_zoo_conf confs[] = {{FZ_ZOO_CUMULATIVE, 0, 0},
	                                           {FZ_ZOO_CUMULATIVE, 0, 1},
	                                           {FZ_ZOO_EWMA, 0.3, 0},
	                                           {FZ_ZOO_EWMA, 1, 1}};
	static char ja[65536], jb[65536];
	uint64_t x = 88172645463325252ull;

	for (unsigned c = 0; c < sizeof(confs) / sizeof(confs[0]); c++) {
		struct fz_zoo *a = fz_zoo_create(&confs[c], 3, names3);
		struct fz_zoo *b = fz_zoo_create(&confs[c], 3, names3);
		_Alignas(64) unsigned char copy[3 * 96], counts[3 * 320];
		unsigned left = 0, same = 0;

		FZ_CHECK(fz_zoo_lane_size(b) <= sizeof(copy));
		FZ_CHECK(fz_zoo_lane_counts_size(b) <= sizeof(counts));
		memset(counts, 0, sizeof(counts));
		fz_zoo_lane_start(b, copy);
		for (unsigned i = 0; i < 20000; i++) {
			struct fz_zoo_result ra, rb;
			struct fz_flow_rec r;
			uint64_t bytes, dur;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			bytes = i % 997 == 5 ? (1ull << 62) + x % 1000 : 40 + x % 100000;
			dur = (x >> 20) % 4 == 0 ? 0 : (x >> 24) % 5000000;
			r = mk(bytes, (x >> 40) % 3000, dur, (unsigned)((x >> 50) % 4), 1 + x % 9);
			if (left == 0) {
				fz_zoo_lane_merge(b, counts);
				fz_zoo_lane_start(b, copy);
				left = 1 + (unsigned)((x >> 30) % 300);
			}
			left--;
			memset(&ra, 0x55, sizeof(ra));
			memset(&rb, 0x55, sizeof(rb));
			fz_zoo_classify(a, &r, &ra);
			fz_zoo_advance(b, &r);
			fz_zoo_lane_flow(b, copy, counts, &r, &rb);
			same += memcmp(&ra, &rb, sizeof(ra)) == 0;
		}
		FZ_CHECK_INT(20000, fz_zoo_flows(b)); /* from the means, before the last merge */
		fz_zoo_lane_merge(b, counts);
		FZ_CHECK_INT(20000, fz_zoo_flows(a));
		left = 0; /* the merge leaves the batch's counters zero */
		for (unsigned i = 0; i < sizeof(counts); i++)
			left += counts[i] != 0;
		FZ_CHECK_INT(0, left);
		FZ_CHECK_INT(20000, same);
		FZ_CHECK(fz_zoo_stats_json(a, "c", 1, 2, ja, sizeof(ja)) > 0);
		FZ_CHECK_INT(strlen(ja), fz_zoo_stats_json(b, "c", 1, 2, jb, sizeof(jb)));
		FZ_CHECK_STR(ja, jb);
		FZ_CHECK(strstr(ja, "\"app_out_of_range\":") != NULL);
		fz_zoo_free(a);
		fz_zoo_free(b);
	}
}

int main(void)
{
	FZ_RUN(test_cumulative_sequence);
	FZ_RUN(test_exact_comparison);
	FZ_RUN(test_huge_sums);
	FZ_RUN(test_ewma);
	FZ_RUN(test_per_app_scope);
	FZ_RUN(test_parse);
	FZ_RUN(test_create);
	FZ_RUN(test_clock_backwards);
	FZ_RUN(test_enospc);
	FZ_RUN(test_table);
	FZ_RUN(test_split);
	return fz_test_summary();
}
