/* lib/fleet: record parsing and refusals, merged traffic bins and top lists, merged zoo
 * stats, closed bins, alert identities. Exact values throughout. */
#include <errno.h>

#include "fz_fleet.h"
#include "fz_test.h"

#define TR(coll, extra_top, exact, err, partial)                                                   \
	"{\"type\":\"traffic\",\"schema_version\":1,\"collector\":\"" coll "\","                   \
	"\"network\":\"lan\",\"bin_start_ms\":1700000100000,\"bin_end_ms\":1700000110000,"         \
	"\"packets_in\":10,\"bytes_in\":1000,\"packets_out\":5,\"bytes_out\":300,\"flows\":3,"     \
	"\"flows_new\":2,\"apps\":{\"http\":{\"flows\":2,\"packets\":12,\"bytes\":1200},"          \
	"\"unknown\":{\"flows\":1,\"packets\":3,\"bytes\":100}},"                                  \
	"\"top\":{\"src_ip\":[{\"key\":\"10.0.0.1\",\"packets\":9,\"bytes\":900,\"flows\":"        \
	"2}" extra_top                                                                             \
	"],\"dst_ip\":[],\"dst_port\":[{\"key\":80,\"packets\":12,\"bytes\":1200,\"flows\":2}]},"  \
	"\"top_exact\":" exact ",\"top_error_bytes\":" err ",\"partial\":" partial "}"

static void parse_traffic(const char *s, struct fz_fleet_traffic *t)
{
	char why[128] = "";
	int rc = fz_fleet_traffic_parse(s, strlen(s), t, why, sizeof(why));

	FZ_CHECK_INT(0, rc);
	if (rc)
		fprintf(stderr, "  %s\n", why);
}

static void test_traffic_parse(void)
{
	struct fz_fleet_traffic t;

	parse_traffic(TR("a", "", "true", "0", "false"), &t);
	FZ_CHECK_STR("a", t.collector);
	FZ_CHECK_STR("lan", t.network);
	FZ_CHECK_INT(1700000100000, t.bin_start_ms);
	FZ_CHECK_INT(1000, t.bytes_in);
	FZ_CHECK_INT(2, t.n_apps);
	FZ_CHECK_STR("http", t.apps[0].name);
	FZ_CHECK_INT(1, t.n_top[FZ_FLEET_SRC_IP]);
	FZ_CHECK_INT(0, t.n_top[FZ_FLEET_DST_IP]);
	FZ_CHECK_STR("80", t.top[FZ_FLEET_DST_PORT][0].key);
	FZ_CHECK_INT(1, t.top_exact);
	fz_fleet_traffic_clear(&t);
}

static void test_traffic_refused(void)
{
	static const struct {
		const char *rec, *why;
	} bad[] = {
	    {"", "not JSON: '[' or '{' expected near end of file"},
	    {"[1]", "not a \"type\":\"traffic\" record"},
	    {"{\"type\":\"stats\"}", "not a \"type\":\"traffic\" record"},
	    {"{\"type\":\"traffic\",\"collector\":\"a\"}", "'network' is not a string"},
	    {"{\"type\":\"traffic\",\"collector\":\"\",\"network\":\"n\"}",
	     "'collector' must be 1 to 64 characters"},
	    {"{\"type\":\"traffic\",\"collector\":\"a\",\"network\":\"n\",\"bin_start_ms\":-1}",
	     "'bin_start_ms' is negative"},
	    {"{\"type\":\"traffic\",\"type\":\"traffic\"}", NULL},
	};
	char why[128];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fz_fleet_traffic t;

		why[0] = 0;
		FZ_CHECK_INT(-EINVAL, fz_fleet_traffic_parse(bad[i].rec, strlen(bad[i].rec), &t,
		                                             why, sizeof(why)));
		if (bad[i].why)
			FZ_CHECK_STR(bad[i].why, why);
		fz_fleet_traffic_clear(&t);
	}
	/* A bad top key, an end before the start. */
	{
		const char *s =
		    TR("a", ",{\"key\":\"10.0.0.300\",\"packets\":1,\"bytes\":1,\"flows\":1}",
		       "true", "0", "false");
		struct fz_fleet_traffic t;

		FZ_CHECK_INT(-EINVAL, fz_fleet_traffic_parse(s, strlen(s), &t, why, sizeof(why)));
		FZ_CHECK_STR("'top.src_ip[1]' is not a top entry", why);
		fz_fleet_traffic_clear(&t);
	}
}

/* Two complete lists: sums, and the top list merged exactly. */
static void test_traffic_merge_exact(void)
{
	struct fz_fleet_traffic a, b, m;
	const struct fz_fleet_traffic *in[2] = {&a, &b};

	parse_traffic(TR("a", "", "true", "0", "false"), &a);
	parse_traffic(TR("b", ",{\"key\":\"10.0.0.2\",\"packets\":1,\"bytes\":950,\"flows\":1}",
	                 "true", "0", "true"),
	              &b);
	FZ_CHECK_INT(0, fz_fleet_traffic_merge(in, 2, 10, &m));
	FZ_CHECK_INT(2000, m.bytes_in);
	FZ_CHECK_INT(20, m.packets_in);
	FZ_CHECK_INT(600, m.bytes_out);
	FZ_CHECK_INT(6, m.flows);
	FZ_CHECK_INT(4, m.flows_new);
	FZ_CHECK_INT(1, m.partial);
	FZ_CHECK_INT(2, m.collectors);
	FZ_CHECK_INT(2, m.n_apps);
	FZ_CHECK_INT(2400, m.apps[0].bytes);
	FZ_CHECK_INT(2, m.n_top[FZ_FLEET_SRC_IP]);
	FZ_CHECK_STR("10.0.0.1", m.top[FZ_FLEET_SRC_IP][0].key);
	FZ_CHECK_INT(1800, m.top[FZ_FLEET_SRC_IP][0].bytes);
	FZ_CHECK_INT(4, m.top[FZ_FLEET_SRC_IP][0].flows);
	FZ_CHECK_STR("10.0.0.2", m.top[FZ_FLEET_SRC_IP][1].key);
	FZ_CHECK_INT(2400, m.top[FZ_FLEET_DST_PORT][0].bytes);
	FZ_CHECK_INT(1, m.top_exact);
	FZ_CHECK_INT(0, m.top_error_bytes);
	{
		char *j = fz_fleet_traffic_top_json(&m);

		FZ_CHECK_STR("{\"src_ip\":[{\"key\":\"10.0.0.1\",\"packets\":18,\"bytes\":1800,"
		             "\"flows\":4},{\"key\":\"10.0.0.2\",\"packets\":1,\"bytes\":950,"
		             "\"flows\":1}],\"dst_ip\":[],\"dst_port\":[{\"key\":80,\"packets\":24,"
		             "\"bytes\":2400,\"flows\":4}]}",
		             j);
		free(j);
	}
	/* top_n 1 cuts the merged list; it stays exact (the sums are). */
	fz_fleet_traffic_clear(&m);
	FZ_CHECK_INT(0, fz_fleet_traffic_merge(in, 2, 1, &m));
	FZ_CHECK_INT(1, m.n_top[FZ_FLEET_SRC_IP]);
	/* Every list of one entry is full at top_n 1: not complete. src_ip's holes are 900 + 950,
	 * dst_port's 1200 + 1200: the largest is the record's bound. */
	FZ_CHECK_INT(0, m.top_exact);
	FZ_CHECK_INT(1200 + 1200, m.top_error_bytes);
	fz_fleet_traffic_clear(&m);
	fz_fleet_traffic_clear(&a);
	fz_fleet_traffic_clear(&b);
}

/* A Space-Saving list (not exact, error 50): the bound is its smallest entry plus its error. */
static void test_traffic_merge_bound(void)
{
	struct fz_fleet_traffic a, b, m;
	const struct fz_fleet_traffic *in[2] = {&a, &b};

	parse_traffic(TR("a", "", "false", "50", "false"), &a);
	parse_traffic(TR("b", "", "true", "0", "false"), &b);
	FZ_CHECK_INT(0, fz_fleet_traffic_merge(in, 2, 10, &m));
	FZ_CHECK_INT(0, m.top_exact);
	/* src_ip: 900 + 50; dst_ip: 0 + 50; dst_port: 1200 + 50: the largest. */
	FZ_CHECK_INT(1250, m.top_error_bytes);
	fz_fleet_traffic_clear(&m);
	/* Different bins do not merge. */
	b.bin_start_ms += 10000;
	FZ_CHECK_INT(-EINVAL, fz_fleet_traffic_merge(in, 2, 10, &m));
	fz_fleet_traffic_clear(&a);
	fz_fleet_traffic_clear(&b);
}

#define COUNTS(f, b)                                                                               \
	"{\"flows\":" #f ",\"packets\":" #f ",\"bytes\":" b ",\"duration_sum_us\":7,\"classes\":{" \
	"\"elephant\":{\"flows\":1,\"bytes\":" b "},\"mouse\":{\"flows\":0,\"bytes\":0},"          \
	"\"tortoise\":{\"flows\":1,\"bytes\":" b "},\"dragonfly\":{\"flows\":0,\"bytes\":0},"      \
	"\"cheetah\":{\"flows\":0,\"bytes\":0},\"snail\":{\"flows\":0,\"bytes\":0},"               \
	"\"rate_null\":{\"flows\":1,\"bytes\":" b "}}}"
#define MEANS(rs)                                                                                  \
	"{\"size_mean\":1,\"duration_mean\":1,\"rate_mean\":1,\"size_sum\":"                       \
	"\"9223372036854775808\","                                                                 \
	"\"size_n\":1,\"duration_sum_us\":7,\"duration_n\":1,\"rate_sum\":" rs ",\"rate_n\":1}"
#define STATS(coll, b, rs)                                                                         \
	"{\"type\":\"stats\",\"schema_version\":1,\"collector\":\"" coll "\","                     \
	"\"interval_start_ms\":5,\"interval_end_ms\":9,\"zoo_mean\":\"cumulative\","               \
	"\"zoo_alpha\":null,\"zoo_scope\":\"global\",\"means\":" MEANS(                            \
	    rs) ","                                                                                \
	        "\"interval\":" COUNTS(1, b) ",\"total\":" COUNTS(                                 \
	            1, b) ",\"app_out_of_range\":0,"                                               \
	                  "\"apps\":[{\"app\":\"" coll                                             \
	                  "\",\"interval\":" COUNTS(1, b) ",\"total\":" COUNTS(1, b) "}]}"

static void test_zoo_merge(void)
{
	struct fz_fleet_zoo a, b, acc = {0};
	char why[128] = "";
	const char *sa = STATS("a", "\"9223372036854775808\"", "1e16");
	const char *sb = STATS("b", "100", "1");
	char *j;

	FZ_CHECK_INT(0, fz_fleet_zoo_parse(sa, strlen(sa), &a, why, sizeof(why)));
	FZ_CHECK_INT(0, fz_fleet_zoo_parse(sb, strlen(sb), &b, why, sizeof(why)));
	FZ_CHECK(a.total.bytes == (fz_u128)1 << 63);
	FZ_CHECK_INT(0, fz_fleet_zoo_add(&acc, &a));
	FZ_CHECK_INT(0, fz_fleet_zoo_add(&acc, &b));
	FZ_CHECK_INT(2, acc.collectors);
	FZ_CHECK_INT(2, acc.total.flows);
	FZ_CHECK(acc.total.bytes == ((fz_u128)1 << 63) + 100);
	FZ_CHECK_INT(2, acc.n_apps);
	/* 1e16 + 1 is not a double; the compensation keeps the 1. */
	FZ_CHECK_DBL(1.0, acc.means.rate_c, 0);
	j = fz_fleet_zoo_json(&acc);
	FZ_CHECK(j && strstr(j, "\"bytes\":\"9223372036854775908\""));
	FZ_CHECK(j && strstr(j, "\"size_sum\":\"18446744073709551616\""));
	FZ_CHECK(j && strstr(j, "\"elephant\":{\"flows\":2,\"bytes\":\"9223372036854775908\","
	                        "\"flow_share\":1.0,\"byte_share\":1.0}"));
	FZ_CHECK(j && strstr(j, "\"mouse\":{\"flows\":0,\"bytes\":0,\"flow_share\":0.0,"));
	free(j);
	fz_fleet_zoo_clear(&a);
	fz_fleet_zoo_clear(&b);
	fz_fleet_zoo_clear(&acc);
	FZ_CHECK_INT(-EINVAL, fz_fleet_zoo_parse("{\"type\":\"stats\"}", 16, &a, why, sizeof(why)));
	FZ_CHECK_STR("'collector' is not a string", why);
	fz_fleet_zoo_clear(&a);
}

static void test_closer(void)
{
	struct fz_fleet_closer *c = fz_fleet_closer_create(3);
	uint64_t s = 0;

	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "a", 0, 10, 0));
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "b", 0, 10, 0));
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "a", 10, 20, 0));
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s)); /* b is not past 0 */
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "b", 10, 20, 0));
	FZ_CHECK_INT(1, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(0, s);
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(1, fz_fleet_closer_add(c, "b", 0, 10, 0)); /* late */
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "a", 20, 30, 0));
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "b", 20, 30, 1)); /* b ends: partial */
	FZ_CHECK_INT(1, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(10, s);
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s)); /* a may still add to 20 */
	/* a goes on alone: b is stale once it is more than 3 bins behind. */
	for (uint64_t t = 30; t <= 60; t += 10)
		FZ_CHECK_INT(0, fz_fleet_closer_add(c, "a", t, t + 10, 0));
	FZ_CHECK_INT(1, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(20, s);
	FZ_CHECK_INT(1, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(30, s);
	fz_fleet_closer_closed_before(c, 55);
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s));
	fz_fleet_closer_free(c);
	/* An expected collector holds every bin until its first record, then counts as usual. */
	c = fz_fleet_closer_create(10);
	FZ_CHECK_INT(0, fz_fleet_closer_expect(c, "b"));
	for (uint64_t t = 0; t <= 50; t += 10)
		FZ_CHECK_INT(0, fz_fleet_closer_add(c, "a", t, t + 10, t == 50));
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "b", 0, 10, 0));
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s)); /* b may add to 0 still */
	FZ_CHECK_INT(0, fz_fleet_closer_add(c, "b", 10, 20, 0));
	FZ_CHECK_INT(1, fz_fleet_closer_next(c, &s));
	FZ_CHECK_INT(0, s);
	FZ_CHECK_INT(0, fz_fleet_closer_next(c, &s)); /* b may add to 10 still */
	fz_fleet_closer_free(c);
}

static void test_alerts(void)
{
	const char *base = "{\"type\":\"alert\",\"schema_version\":1,\"collector\":\"a\","
	                   "\"time_ms\":20,\"alert\":\"baseline\",\"severity\":\"warning\","
	                   "\"state\":\"start\",\"network\":\"lan\",\"start_ms\":10,"
	                   "\"metric\":\"bytes\",\"direction\":\"in\",\"value\":99}";
	const char *loss = "{\"type\":\"alert\",\"collector\":\"a\",\"time_ms\":5,"
	                   "\"alert\":\"records_lost\",\"severity\":\"error\",\"delta\":3}";
	struct fz_fleet_alert a;
	char why[128], id[256];

	FZ_CHECK_INT(0, fz_fleet_alert_parse(base, strlen(base), &a, why, sizeof(why)));
	FZ_CHECK_INT(99, a.value);
	FZ_CHECK_INT(0, fz_fleet_alert_identity(&a, id, sizeof(id)));
	FZ_CHECK_STR("a|baseline|lan|bytes|in|start|10|20", id);
	FZ_CHECK_INT(-ENOSPC, fz_fleet_alert_identity(&a, id, 10));
	FZ_CHECK_INT(0, fz_fleet_alert_parse(loss, strlen(loss), &a, why, sizeof(why)));
	FZ_CHECK_INT(3, a.value);
	FZ_CHECK_INT(0, fz_fleet_alert_identity(&a, id, sizeof(id)));
	FZ_CHECK_STR("a|records_lost|||||0|5", id);
	loss = "{\"type\":\"alert\",\"collector\":\"a\"}";
	FZ_CHECK_INT(-EINVAL, fz_fleet_alert_parse(loss, strlen(loss), &a, why, sizeof(why)));
	FZ_CHECK_STR("'alert' is not a string", why);
}

static void test_flow(void)
{
	const char *rec = "{\"type\":\"flow\",\"schema_version\":1,\"collector\":\"zoo-1\","
	                  "\"flow_id\":281474976710698,\"src_ip\":\"2001:db8:0::1\",\"src_port\":"
	                  "55523,\"dst_ip\":\"178.62.197.130\",\"dst_port\":443,\"ip_proto\":6,"
	                  "\"first_ms\":1700000000123,\"last_ms\":1700000002623,\"packets\":109,"
	                  "\"bytes\":72456,\"app\":\"tls\",\"src_network\":null,"
	                  "\"dst_network\":\"campus\"}";
	struct fz_fleet_flow f;
	char why[128] = "";

	FZ_CHECK_INT(0, fz_fleet_flow_parse(rec, strlen(rec), &f, why, sizeof(why)));
	FZ_CHECK_STR("2001:db8::1", f.src_ip);
	FZ_CHECK_INT(281474976710698ll, f.flow_id);
	FZ_CHECK_INT(72456, f.bytes);
	FZ_CHECK_STR("", f.src_network);
	FZ_CHECK_STR("campus", f.dst_network);
	rec = "{\"type\":\"flow\",\"collector\":\"a\",\"app\":\"x\",\"flow_id\":1,"
	      "\"first_ms\":1,\"last_ms\":1,\"packets\":1,\"bytes\":1,\"src_port\":70000,"
	      "\"dst_port\":1,\"ip_proto\":6,\"src_ip\":\"1.2.3.4\",\"dst_ip\":\"1.2.3.5\"}";
	FZ_CHECK_INT(-EINVAL, fz_fleet_flow_parse(rec, strlen(rec), &f, why, sizeof(why)));
	FZ_CHECK_STR("a port or 'ip_proto' is out of range", why);
}

int main(void)
{
	FZ_RUN(test_flow);
	FZ_RUN(test_traffic_parse);
	FZ_RUN(test_traffic_refused);
	FZ_RUN(test_traffic_merge_exact);
	FZ_RUN(test_traffic_merge_bound);
	FZ_RUN(test_zoo_merge);
	FZ_RUN(test_closer);
	FZ_RUN(test_alerts);
	return fz_test_summary();
}
