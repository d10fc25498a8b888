/* Unit tests of the health checks: one alert per watched counter that grew, its exact record. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_health.h"
#include "fz_test.h"

/* Two instances of a block: a watched scalar, a watched array element, an unwatched counter. */
struct block {
	uint64_t lost;
	uint64_t discards[3];
	uint64_t other;
};

static struct block blocks[2];

static const char *const reasons[3] = {"no_mbuf", "ring_full", "bad_len"};

static const struct fz_counter_watch lost_watch = {"records_lost", "error",
                                                   "flow records were lost", 0};
static const struct fz_counter_watch ring_watch = {"ring_overflow", "warning",
                                                   "a worker's ring overflowed", 1};

static const struct fz_counter_def defs[] = {
    {.name = "lost",
     .help = "records lost",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP,
     .n = 1,
     .offset = offsetof(struct block, lost),
     .watch = &lost_watch},
    {.name = "discards",
     .help = "packets discarded, by reason",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP,
     .n = 3,
     .offset = offsetof(struct block, discards),
     .label = "reason",
     .label_values = reasons,
     .watch = &ring_watch},
    FZ_COUNTER(struct block, other, FZ_CT_COUNTER, FZ_CF_TOTAL, "other", NULL, "not watched"),
};

static unsigned two(void *arg)
{
	(void)arg;
	return 2;
}

static void read_block(void *arg, unsigned i, uint64_t *out)
{
	(void)arg;
	memcpy(out, &blocks[i], sizeof(blocks[i]));
}

static const struct fz_counter_set set = {
    .name = "worker",
    .defs = defs,
    .n_defs = sizeof(defs) / sizeof(defs[0]),
    .block = sizeof(struct block),
    .instances = two,
    .read = read_block,
};

/* What the callbacks got, as text: each item's stream, key and JSON, each log line. */
static char emitted[2048], logged[2048];
static int n_emitted, n_logged;

static void append(char *to, size_t cap, const char *s, size_t len)
{
	size_t have = strlen(to);

	snprintf(to + have, cap - have, "%s%.*s", have ? "\n" : "", (int)len, s);
}

static void emit(void *arg, struct fz_item *it)
{
	struct fz_json_buf *jbuf = arg;
	char head[128];
	const char *json;
	size_t len;

	n_emitted++;
	FZ_CHECK_INT(FZ_ITEM_ALERT, it->kind);
	snprintf(head, sizeof(head), "%s %.*s ", it->stream, (int)it->key_len,
	         (const char *)it->key);
	it->jbuf = jbuf;
	FZ_CHECK_INT(0, fz_item_json(it, &json, &len));
	FZ_CHECK_INT(strlen(json), len);
	append(emitted, sizeof(emitted), head, strlen(head));
	strncat(emitted, json, sizeof(emitted) - strlen(emitted) - 1);
}

static void log_line(void *arg, const char *line)
{
	FZ_CHECK_STR("log-arg", arg);
	n_logged++;
	append(logged, sizeof(logged), line, strlen(line));
}

/* Check snap (taken now) and return how many alerts were raised. */
static unsigned check(struct fz_health *h, const struct fz_counters *reg, uint64_t time_ms,
                      struct fz_json_buf *jbuf)
{
	struct fz_counter_snap *snap = fz_counters_snapshot(reg);
	unsigned n;

	emitted[0] = logged[0] = '\0';
	n_emitted = n_logged = 0;
	n = fz_health_check(h, snap, time_ms, emit, jbuf, log_line, "log-arg");
	fz_counter_snap_free(snap);
	return n;
}

static void test_alerts(void)
{
	struct fz_health *h = fz_health_create("zoo-1");
	struct fz_counters *reg = fz_counters_create();
	struct fz_json_buf jbuf = {.max = 1 << 16};

	memset(blocks, 0, sizeof(blocks));
	FZ_CHECK_INT(0, fz_counters_register(reg, &set));

	/* Nothing grew (all zero). */
	FZ_CHECK_INT(0, check(h, reg, 1000, &jbuf));
	FZ_CHECK_INT(0, n_emitted);
	FZ_CHECK_INT(0, n_logged);

	/* The watched scalar grows on both instances: one alert, its delta the sum's. */
	blocks[0].lost = 3;
	blocks[1].lost = 2;
	blocks[0].other = 50; /* not watched */
	FZ_CHECK_INT(1, check(h, reg, 1700000000123ull, &jbuf));
	FZ_CHECK_INT(1, n_emitted);
	FZ_CHECK_STR("alerts records_lost "
	             "{\"type\":\"alert\",\"schema_version\":1,\"collector\":\"zoo-1\","
	             "\"time_ms\":1700000000123,\"alert\":\"records_lost\",\"severity\":\"error\","
	             "\"counter\":\"lost\",\"delta\":5,\"total\":5,"
	             "\"message\":\"flow records were lost\"}",
	             emitted);
	FZ_CHECK_STR("alert records_lost (error): flow records were lost: +5, 5 in all", logged);
	FZ_CHECK_INT(1, fz_health_alerts(h));

	/* Unchanged: no alert. */
	FZ_CHECK_INT(0, check(h, reg, 2000, &jbuf));
	FZ_CHECK_INT(0, n_emitted);
	FZ_CHECK_INT(0, n_logged);

	/* Grew again: the delta since the last check, the new total. */
	blocks[1].lost = 6;
	FZ_CHECK_INT(1, check(h, reg, 3000, &jbuf));
	FZ_CHECK_STR("alerts records_lost "
	             "{\"type\":\"alert\",\"schema_version\":1,\"collector\":\"zoo-1\","
	             "\"time_ms\":3000,\"alert\":\"records_lost\",\"severity\":\"error\","
	             "\"counter\":\"lost\",\"delta\":4,\"total\":9,"
	             "\"message\":\"flow records were lost\"}",
	             emitted);
	FZ_CHECK_STR("alert records_lost (error): flow records were lost: +4, 9 in all", logged);

	/* An array: only the watched element counts, and its label names the counter. */
	blocks[0].discards[0] = 10;
	blocks[1].discards[2] = 10;
	FZ_CHECK_INT(0, check(h, reg, 4000, &jbuf));
	blocks[1].discards[1] = 7;
	FZ_CHECK_INT(1, check(h, reg, 5000, &jbuf));
	FZ_CHECK_STR("alerts ring_overflow "
	             "{\"type\":\"alert\",\"schema_version\":1,\"collector\":\"zoo-1\","
	             "\"time_ms\":5000,\"alert\":\"ring_overflow\",\"severity\":\"warning\","
	             "\"counter\":\"ring_full\",\"delta\":7,\"total\":7,"
	             "\"message\":\"a worker's ring overflowed\"}",
	             emitted);
	FZ_CHECK_STR("alert ring_overflow (warning): a worker's ring overflowed: +7, 7 in all",
	             logged);

	/* Both grow in one check: two alerts, in declaration order. */
	blocks[0].lost++;
	blocks[0].discards[1]++;
	FZ_CHECK_INT(2, check(h, reg, 6000, &jbuf));
	FZ_CHECK_INT(2, n_emitted);
	FZ_CHECK_STR("alert records_lost (error): flow records were lost: +1, 10 in all\n"
	             "alert ring_overflow (warning): a worker's ring overflowed: +1, 8 in all",
	             logged);
	FZ_CHECK_INT(5, fz_health_alerts(h));

	free(jbuf.buf);
	fz_counters_free(reg);
	fz_health_free(h);
}

/* Without a log callback alerts are still emitted; a NULL collector is "". */
static void test_no_log(void)
{
	struct fz_health *h = fz_health_create(NULL);
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap;
	struct fz_json_buf jbuf = {.max = 1 << 16};

	memset(blocks, 0, sizeof(blocks));
	blocks[1].lost = 1;
	FZ_CHECK_INT(0, fz_counters_register(reg, &set));
	snap = fz_counters_snapshot(reg);
	emitted[0] = '\0';
	n_emitted = 0;
	FZ_CHECK_INT(1, fz_health_check(h, snap, 9, emit, &jbuf, NULL, NULL));
	FZ_CHECK_STR("alerts records_lost "
	             "{\"type\":\"alert\",\"schema_version\":1,\"collector\":\"\","
	             "\"time_ms\":9,\"alert\":\"records_lost\",\"severity\":\"error\","
	             "\"counter\":\"lost\",\"delta\":1,\"total\":1,"
	             "\"message\":\"flow records were lost\"}",
	             emitted);
	fz_counter_snap_free(snap);
	free(jbuf.buf);
	fz_counters_free(reg);
	fz_health_free(h);
}

int main(void)
{
	FZ_RUN(test_alerts);
	FZ_RUN(test_no_log);
	return fz_test_summary();
}
