/*
 * Unit tests of lib/traffic: late elements, flows between and within bins,
 * and the record's top lists, every traffic record compared whole (the
 * rest is test_traffic.c; the feed is traffic_feed.h).
 */
#include "traffic_feed.h"

/* Flows and bin reports for a bin already written are counted as late, not lost
 * silently and not added to a later bin. */
static void test_late(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl f = web(0, S(310), S(320));
	struct fl old = web(0, S(100), S(200));

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, f);
	mark(t, 0, EMPTY, S(610), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 1, WEB_CAMPUS("false"));
	old.b0 = 100, old.b1 = 50;
	put(t, FZ_REC_FLOW, old); /* bin 0: before the first bin written */
	FZ_CHECK_INT(1, counter(t, "late_records"));
	FZ_CHECK_INT(150, counter(t, "late_bytes"));
	f.sport = 40001, f.b0 = 30, f.b1 = 0, f.p0 = 1, f.p1 = 0;
	put(t, FZ_REC_BIN, f); /* bin 1, written */
	FZ_CHECK_INT(2, counter(t, "late_records"));
	FZ_CHECK_INT(180, counter(t, "late_bytes"));
	/* The rest of that flow comes in bin 2: only what was not reported. */
	f.last = S(700), f.b0 = 130, f.b1 = 7, f.p0 = 2, f.p1 = 1;
	put(t, FZ_REC_FLOW, f);
	FZ_CHECK_INT(2, counter(t, "late_records"));
	FZ_CHECK_INT(3, o.n);
	fz_traffic_finish(t);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 3, "campus", 2,
	       "\"packets_in\":1,\"bytes_in\":7,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":2,"
	       "\"bytes\":107}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	FZ_CHECK_INT(0, counter(t, "tracked_flows"));
	out_free(&o);
	fz_traffic_free(t);
}

/* Between two networks each sees the flow from its side; within one network
 * a packet counts in and out, and the flow once. */
static void test_between_and_within(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl between = {.src = "200.20.1.7",
	                     .dst = "200.20.128.9",
	                     .sport = 40000,
	                     .dport = 80,
	                     .net0 = 1,
	                     .net1 = 2,
	                     .app = 1,
	                     .first = S(1),
	                     .last = S(2),
	                     .p0 = 4,
	                     .p1 = 3,
	                     .b0 = 400,
	                     .b1 = 3000};
	struct fl within = {.src = "200.20.1.7",
	                    .dst = "200.20.1.8",
	                    .sport = 40001,
	                    .dport = 22,
	                    .net0 = 1,
	                    .net1 = 1,
	                    .app = 0,
	                    .first = S(1),
	                    .last = S(2),
	                    .p0 = 2,
	                    .p1 = 2,
	                    .b0 = 200,
	                    .b1 = 300};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, between);
	put(t, FZ_REC_FLOW, within);
	mark(t, 0, EMPTY, S(300), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":7,\"bytes_in\":3500,\"packets_out\":8,\"bytes_out\":900,"
	       "\"flows\":2,\"flows_new\":2,\"apps\":{\"unknown\":{\"flows\":1,\"packets\":4,"
	       "\"bytes\":500},\"http\":{\"flows\":1,\"packets\":7,\"bytes\":3400}},"
	       "\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":11,\"bytes\":3900,"
	       "\"flows\":2}],\"dst_ip\":[{\"key\":\"200.20.128.9\",\"packets\":7,\"bytes\":3400,"
	       "\"flows\":1},{\"key\":\"200.20.1.8\",\"packets\":4,\"bytes\":500,\"flows\":1}],"
	       "\"dst_port\":[{\"key\":80,\"packets\":7,\"bytes\":3400,\"flows\":1},"
	       "{\"key\":22,\"packets\":4,\"bytes\":500,\"flows\":1}]},"
	       "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 1, "dorms", 0,
	       "\"packets_in\":4,\"bytes_in\":400,\"packets_out\":3,\"bytes_out\":3000,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,\"packets\":7,"
	       "\"bytes\":3400}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}],\"dst_ip\":[{\"key\":\"200.20.128.9\",\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}],\"dst_port\":[{\"key\":80,\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	expect(&o, 2, "lab", 0, ZERO);
	out_free(&o);
	fz_traffic_free(t);
}

/* Top lists in the record: at most top_n entries, ties by key; past the
 * capacity, Space-Saving with its error. */
static void test_record_top(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 2, 2);
	static const char *const src[] = {"200.20.1.1", "200.20.1.2", "200.20.1.3"};
	static const uint64_t bytes[] = {100, 200, 50};

	if (t == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		struct fl f = web(0, S(1), S(2));

		f.src = src[i];
		f.p0 = 1, f.p1 = 0, f.b0 = bytes[i], f.b1 = 0;
		put(t, FZ_REC_FLOW, f);
	}
	mark(t, 0, EMPTY, S(300), 0);
	/* 200.20.1.3 took the place of 200.20.1.1 (100 bytes, now its error). */
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":3,\"bytes_out\":350,"
	       "\"flows\":3,\"flows_new\":3,\"apps\":{\"http\":{\"flows\":3,\"packets\":3,"
	       "\"bytes\":350}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.2\",\"packets\":1,"
	       "\"bytes\":200,\"flows\":1},{\"key\":\"200.20.1.3\",\"packets\":2,\"bytes\":150,"
	       "\"flows\":2}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":3,\"bytes\":350,"
	       "\"flows\":3}],\"dst_port\":[{\"key\":443,\"packets\":3,\"bytes\":350,"
	       "\"flows\":3}]},\"top_exact\":false,\"top_error_bytes\":100,\"partial\":false}");
	out_free(&o);
	fz_traffic_free(t);

	/* Exact but longer than top_n: the first two by bytes, ties by key ascending. */
	t = make(&o, 1, 2, 64);
	if (t == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		struct fl f = web(0, S(1), S(2));

		f.src = src[2 - i];
		f.p0 = 1, f.p1 = 0, f.b0 = 100, f.b1 = 0;
		put(t, FZ_REC_FLOW, f);
	}
	mark(t, 0, EMPTY, S(300), 0);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":3,\"bytes_out\":300,"
	       "\"flows\":3,\"flows_new\":3,\"apps\":{\"http\":{\"flows\":3,\"packets\":3,"
	       "\"bytes\":300}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.1\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1},{\"key\":\"200.20.1.2\",\"packets\":1,\"bytes\":100,"
	       "\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":3,\"bytes\":300,"
	       "\"flows\":3}],\"dst_port\":[{\"key\":443,\"packets\":3,\"bytes\":300,"
	       "\"flows\":3}]},\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	out_free(&o);
	fz_traffic_free(t);
}

int main(void)
{
	FZ_RUN(test_late);
	FZ_RUN(test_between_and_within);
	FZ_RUN(test_record_top);
	return fz_test_summary();
}
