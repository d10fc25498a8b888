/* lib/db on SQLite (PostgreSQL: tests/integration/test_fleet.py): bad URLs, the schema,
 * upserts that replace rows, the bin's rows read back, the zoo merge from each collector's
 * latest record, retention. Exact values throughout. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "fz_db.h"
#include "fz_fleet.h"
#include "fz_test.h"

static int count_cb(void *arg, unsigned nc, const char *const *v)
{
	*(long long *)arg = nc && v[0] ? atoll(v[0]) : -1;
	return 0;
}

static long long scalar(struct fz_db *db, const char *sql)
{
	long long v = -2;

	FZ_CHECK_INT(0, fz_db_exec(db, sql, 0, NULL, count_cb, &v));
	return v;
}

static void test_bad_urls(void)
{
	char err[512];

	FZ_CHECK(fz_db_open("mysql://x", err, sizeof(err)) == NULL);
	FZ_CHECK_STR("database URL 'mysql://x' is neither sqlite:PATH nor postgresql://...", err);
	FZ_CHECK(fz_db_open("sqlite:", err, sizeof(err)) == NULL);
	FZ_CHECK(fz_db_open("sqlite:/nonexistent/dir/x.db", err, sizeof(err)) == NULL);
	FZ_CHECK_STR("sqlite: cannot open /nonexistent/dir/x.db: unable to open database file",
	             err);
	FZ_CHECK(fz_db_open("postgresql://nobody@127.0.0.1:1/x?connect_timeout=2", err,
	                    sizeof(err)) == NULL);
	FZ_CHECK(strncmp(err, "postgresql: connection to server at \"127.0.0.1\", port 1 failed",
	                 62) == 0);
}

static void traffic(struct fz_fleet_traffic *t, const char *coll, uint64_t start, uint64_t bytes)
{
	char rec[512];

	snprintf(rec, sizeof(rec),
	         "{\"type\":\"traffic\",\"collector\":\"%s\",\"network\":\"lan\",\"bin_start_ms\":"
	         "%llu,\"bin_end_ms\":%llu,\"packets_in\":1,\"bytes_in\":%llu,\"packets_out\":0,"
	         "\"bytes_out\":0,\"flows\":1,\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,"
	         "\"packets\":1,\"bytes\":%llu}},\"top\":{\"src_ip\":[{\"key\":\"10.0.0.1\","
	         "\"packets\":1,\"bytes\":%llu,\"flows\":1}],\"dst_ip\":[],\"dst_port\":[]},"
	         "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}",
	         coll, (unsigned long long)start, (unsigned long long)start + 10000,
	         (unsigned long long)bytes, (unsigned long long)bytes, (unsigned long long)bytes);
	FZ_CHECK_INT(0, fz_fleet_traffic_parse(rec, strlen(rec), t, NULL, 0));
}

/* A new SQLite database in a temporary file (its path in path) with the schema, or NULL. */
static struct fz_db *open_tmp(char path[20])
{
	char url[64], err[512];
	int fd;
	struct fz_db *db;

	strcpy(path, "/tmp/test_db_XXXXXX");
	fd = mkstemp(path);
	close(fd);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	db = fz_db_open(url, err, sizeof(err));
	FZ_CHECK(db != NULL);
	if (db)
		FZ_CHECK_INT(0, fz_db_fleet_schema(db));
	return db;
}

/* The API's queries over the rows test_sqlite wrote. */
static void history(struct fz_db *db)
{
	json_t *o = fz_db_fleet_bins(db, "lan", NULL, 5, 9000000000000000000ull);
	char *s;

	FZ_CHECK(o != NULL);
	if (!o) {
		fprintf(stderr, "  %s\n", fz_db_error(db));
		return;
	}
	FZ_CHECK_INT(1, json_array_size(o));
	FZ_CHECK_INT(350, json_integer_value(json_object_get(json_array_get(o, 0), "bytes_in")));
	json_decref(o);
	o = fz_db_fleet_bins(db, "lan", "b", 5, 20000);
	FZ_CHECK_INT(250, json_integer_value(json_object_get(json_array_get(o, 0), "bytes_in")));
	json_decref(o);
	o = fz_db_fleet_bins(db, "lan", "b", 5, 19999);
	FZ_CHECK_INT(0, json_array_size(o));
	json_decref(o);
	o = fz_db_fleet_daily(db, "lan", NULL);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	FZ_CHECK_STR("[{\"network\":\"lan\",\"day_ms\":0,\"packets_in\":2,\"bytes_in\":350,"
	             "\"packets_out\":0,\"bytes_out\":0,\"flows\":2,\"bins\":1}]",
	             s);
	free(s);
	json_decref(o);
	/* One collector's days: its own rows (b's bin of 250 bytes in), none for an unknown one. */
	o = fz_db_fleet_daily(db, "lan", "b");
	FZ_CHECK_INT(1, json_array_size(o));
	FZ_CHECK_INT(250, json_integer_value(json_object_get(json_array_get(o, 0), "bytes_in")));
	FZ_CHECK_INT(1, json_integer_value(json_object_get(json_array_get(o, 0), "bins")));
	json_decref(o);
	o = fz_db_fleet_daily(db, "lan", "nope");
	FZ_CHECK_INT(0, json_array_size(o));
	json_decref(o);
	/* Each network's latest bin: the merged one (both collectors), b's, none of an unknown. */
	o = fz_db_fleet_latest(db, NULL);
	FZ_CHECK_INT(1, json_array_size(o));
	FZ_CHECK_STR("lan", json_string_value(json_object_get(json_array_get(o, 0), "network")));
	FZ_CHECK_INT(350, json_integer_value(json_object_get(json_array_get(o, 0), "bytes_in")));
	FZ_CHECK_INT(2, json_integer_value(json_object_get(json_array_get(o, 0), "collectors")));
	json_decref(o);
	o = fz_db_fleet_latest(db, "b");
	FZ_CHECK_INT(1, json_array_size(o));
	FZ_CHECK_INT(250, json_integer_value(json_object_get(json_array_get(o, 0), "bytes_in")));
	FZ_CHECK_STR("b", json_string_value(json_object_get(json_array_get(o, 0), "collector")));
	json_decref(o);
	o = fz_db_fleet_latest(db, "nope");
	FZ_CHECK_INT(0, json_array_size(o));
	json_decref(o);
	/* Hosts per day: the merged bin's lists (350 bytes of 10.0.0.1), or b's alone (250). */
	o = fz_db_fleet_daily_hosts(db, "lan", NULL, 10);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	FZ_CHECK_STR("[{\"day_ms\":0,\"lists_exact\":true,\"hosts\":[{\"host\":\"10.0.0.1\","
	             "\"src_bytes\":350,\"dst_bytes\":0,\"src_flows\":2,\"dst_flows\":0}]}]",
	             s);
	free(s);
	json_decref(o);
	o = fz_db_fleet_daily_hosts(db, "lan", "b", 10);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	FZ_CHECK_STR("[{\"day_ms\":0,\"lists_exact\":true,\"hosts\":[{\"host\":\"10.0.0.1\","
	             "\"src_bytes\":250,\"dst_bytes\":0,\"src_flows\":1,\"dst_flows\":0}]}]",
	             s);
	free(s);
	json_decref(o);
	o = fz_db_fleet_networks(db);
	FZ_CHECK_INT(2, json_array_size(o));
	json_decref(o);
}

static void test_sqlite(void)
{
	char path[20];
	struct fz_db *db = open_tmp(path);
	struct fz_fleet_traffic a, b, m, *rows = NULL;
	unsigned n = 0;

	if (!db)
		return;
	FZ_CHECK_STR("sqlite", fz_db_kind(db));
	FZ_CHECK_INT(0, fz_db_fleet_schema(db)); /* again: nothing changes */
	traffic(&a, "a", 20000, 100);
	traffic(&b, "b", 20000, 250);
	FZ_CHECK_INT(0, fz_db_begin(db));
	FZ_CHECK_INT(0, fz_db_fleet_put_traffic(db, &a));
	FZ_CHECK_INT(0, fz_db_fleet_put_traffic(db, &a)); /* redelivered */
	FZ_CHECK_INT(0, fz_db_fleet_put_traffic(db, &b));
	FZ_CHECK_INT(0, fz_db_commit(db));
	FZ_CHECK_INT(2, scalar(db, "SELECT COUNT(*) FROM traffic"));
	FZ_CHECK_INT(350, scalar(db, "SELECT SUM(bytes_in) FROM traffic"));
	FZ_CHECK_INT(0, fz_db_fleet_get_bin(db, "lan", 20000, &rows, &n));
	FZ_CHECK_INT(2, n);
	if (n == 2) {
		const struct fz_fleet_traffic *in[2] = {&rows[0], &rows[1]};

		FZ_CHECK_STR("a", rows[0].collector);
		FZ_CHECK_INT(250, rows[1].top[FZ_FLEET_SRC_IP][0].bytes);
		FZ_CHECK_INT(0, fz_fleet_traffic_merge(in, 2, 10, &m));
		FZ_CHECK_INT(350, m.top[FZ_FLEET_SRC_IP][0].bytes);
		FZ_CHECK_INT(0, fz_db_fleet_put_merged(db, &m, 1));
		FZ_CHECK_INT(0, fz_db_fleet_put_merged(db, &m, 0)); /* closed stays closed */
		fz_fleet_traffic_clear(&m);
	}
	for (unsigned i = 0; i < n; i++)
		fz_fleet_traffic_clear(&rows[i]);
	free(rows);
	FZ_CHECK_INT(1, scalar(db, "SELECT closed FROM fleet_traffic"));
	history(db);
	FZ_CHECK_INT(350, scalar(db, "SELECT bytes_in FROM fleet_traffic"));
	FZ_CHECK_INT(2, scalar(db, "SELECT collectors FROM fleet_traffic"));
	/* Retention: bins that ended before 30000 go; 30000 itself stays. */
	FZ_CHECK_INT(0, fz_db_fleet_retention(db, 30000));
	FZ_CHECK_INT(2, scalar(db, "SELECT COUNT(*) FROM traffic"));
	FZ_CHECK_INT(0, fz_db_fleet_retention(db, 30001));
	FZ_CHECK_INT(0, scalar(db, "SELECT COUNT(*) FROM traffic"));
	FZ_CHECK_INT(0, scalar(db, "SELECT COUNT(*) FROM fleet_traffic"));
	/* A statement error names the problem. */
	FZ_CHECK_INT(-EIO, fz_db_exec(db, "SELECT nope FROM traffic", 0, NULL, NULL, NULL));
	FZ_CHECK_STR("sqlite: prepare: no such column: nope", fz_db_error(db));
	fz_fleet_traffic_clear(&a);
	fz_fleet_traffic_clear(&b);
	fz_db_close(db);
	unlink(path);
}

static void test_alerts_and_stats(void)
{
	char path[20], err[512];
	struct fz_db *db = open_tmp(path);
	struct fz_fleet_alert al = {.collector = "a",
	                            .alert = "baseline",
	                            .network = "lan",
	                            .state = "start",
	                            .time_ms = 5};
	const char *s1 = "{\"type\":\"stats\",\"collector\":\"%s\",\"interval_start_ms\":%d,"
	                 "\"interval_end_ms\":%d,\"means\":{\"size_sum\":10,\"size_n\":%d,"
	                 "\"duration_sum_us\":0,\"duration_n\":%d,\"rate_sum\":0,\"rate_n\":0},"
	                 "\"interval\":%s,\"total\":%s,\"apps\":[]}";
	const char *counts = "{\"flows\":%d,\"packets\":1,\"bytes\":1,\"duration_sum_us\":0,"
	                     "\"classes\":{\"elephant\":{\"flows\":0,\"bytes\":0},\"mouse\":{"
	                     "\"flows\":0,\"bytes\":0},\"tortoise\":{\"flows\":0,\"bytes\":0},"
	                     "\"dragonfly\":{\"flows\":0,\"bytes\":0},\"cheetah\":{\"flows\":0,"
	                     "\"bytes\":0},\"snail\":{\"flows\":0,\"bytes\":0},\"rate_null\":{"
	                     "\"flows\":0,\"bytes\":0}}}";
	static const struct {
		const char *coll;
		int start, end, flows;
	} recs[] = {{"a", 0, 10, 3}, {"a", 10, 20, 7}, {"b", 0, 15, 4}, {"a", 10, 20, 7}};

	if (!db)
		return;
	FZ_CHECK_INT(0, fz_db_fleet_put_alert(db, &al, "{}"));
	FZ_CHECK_INT(0, fz_db_fleet_put_alert(db, &al, "{}"));
	al.time_ms = 6;
	FZ_CHECK_INT(0, fz_db_fleet_put_alert(db, &al, "{}"));
	FZ_CHECK_INT(2, scalar(db, "SELECT COUNT(*) FROM alerts"));
	for (unsigned i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		char c[512], rec[1400];
		struct fz_fleet_zoo z;

		snprintf(c, sizeof(c), counts, recs[i].flows);
		snprintf(rec, sizeof(rec), s1, recs[i].coll, recs[i].start, recs[i].end,
		         recs[i].flows, recs[i].flows, c, c);
		FZ_CHECK_INT(0, fz_fleet_zoo_parse(rec, strlen(rec), &z, err, sizeof(err)));
		FZ_CHECK_INT(0, fz_db_fleet_put_stats(db, &z, rec));
		fz_fleet_zoo_clear(&z);
	}
	FZ_CHECK_INT(3, scalar(db, "SELECT COUNT(*) FROM zoo_stats"));
	{
		struct fz_fleet_zoo acc = {0};

		FZ_CHECK_INT(0, fz_db_fleet_merge_zoo(db, &acc));
		FZ_CHECK_INT(2, acc.collectors);
		FZ_CHECK_INT(11, acc.total.flows); /* a's latest (7) + b's (4) */
		FZ_CHECK_INT(11, acc.means.size_n);
		fz_fleet_zoo_clear(&acc);
	}
	FZ_CHECK_INT(2, scalar(db, "SELECT collectors FROM fleet_zoo WHERE scope = 'all'"));
	/* Retention keeps each collector's latest stats record. */
	FZ_CHECK_INT(0, fz_db_fleet_retention(db, 1000));
	FZ_CHECK_INT(2, scalar(db, "SELECT COUNT(*) FROM zoo_stats"));
	FZ_CHECK_INT(0, scalar(db, "SELECT COUNT(*) FROM alerts"));
	fz_db_close(db);
	unlink(path);
}

int main(void)
{
	FZ_RUN(test_bad_urls);
	FZ_RUN(test_sqlite);
	FZ_RUN(test_alerts_and_stats);
	return fz_test_summary();
}
