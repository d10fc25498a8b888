/*
 * Unit tests of lib/traffic: fz_traffic driven directly with the elements
 * of workers' rings (finished flows, bin reports, marks), every traffic
 * record compared whole: one bin, bin reports, several workers, an idle
 * one, the end, empty bins. Late elements, flows between and within bins
 * and the record's top lists are test_traffic_edges.c; the top-N lists
 * themselves test_topn.c.
 */
#include "traffic_feed.h"

/* A flow inside one bin; the bin is written when the mark reaches its end, not before. */
static void test_one_bin(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	FZ_CHECK_INT(0, o.n);
	mark(t, 0, EMPTY, S(300) - 1, 0); /* the last microsecond of the bin */
	FZ_CHECK_INT(0, o.n);
	FZ_CHECK_INT(1, counter(t, "open_bins"));
	mark(t, 0, EMPTY, S(300), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 2, "lab", 0, ZERO);
	fz_traffic_finish(t); /* nothing open: nothing more */
	FZ_CHECK_INT(3, o.n);
	FZ_CHECK_INT(3, counter(t, "records"));
	FZ_CHECK_INT(0, counter(t, "open_bins"));
	FZ_CHECK_INT(0, counter(t, "bin_reports"));
	FZ_CHECK_INT(0, counter(t, "late_records"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A flow reported at two bin boundaries and finished in a third bin: each bin
 * gets exactly the packets of its own time; flows_new only in the first. */
static void test_bin_reports(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl f = web(0, S(10), S(290));

	if (t == NULL)
		return;
	f.p0 = 5, f.p1 = 3, f.b0 = 500, f.b1 = 3000;
	put(t, FZ_REC_BIN, f);
	FZ_CHECK_INT(1, counter(t, "tracked_flows"));
	mark(t, 0, S(290), S(290), 0);
	FZ_CHECK_INT(0, o.n);
	/* A packet at 305 s: the flow's oldest packet is now in bin 1. */
	mark(t, 0, S(305), S(305), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":3,\"bytes_in\":3000,\"packets_out\":5,\"bytes_out\":500,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,\"packets\":8,"
	       "\"bytes\":3500}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	f.last = S(599), f.p0 = 6, f.b0 = 600; /* one packet forward in bin 1 */
	put(t, FZ_REC_BIN, f);
	FZ_CHECK_INT(1, counter(t, "tracked_flows"));
	f.last = S(610), f.p0 = 7, f.p1 = 4, f.b0 = 700, f.b1 = 4000; /* one each way in bin 2 */
	put(t, FZ_REC_FLOW, f);
	FZ_CHECK_INT(0, counter(t, "tracked_flows"));
	FZ_CHECK_INT(2, counter(t, "bin_reports"));
	mark(t, 0, EMPTY, S(620), 1);
	FZ_CHECK_INT(9, o.n);
	expect(&o, 3, "campus", 1,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":1,"
	       "\"bytes\":100}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	expect(&o, 4, "dorms", 1, ZERO);
	expect(&o, 5, "lab", 1, ZERO);
	expect(&o, 6, "campus", 2,
	       "\"packets_in\":1,\"bytes_in\":1000,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":2,"
	       "\"bytes\":1100}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	expect(&o, 7, "dorms", 2, ZERO_PARTIAL);
	expect(&o, 8, "lab", 2, ZERO_PARTIAL);
	out_free(&o);
	fz_traffic_free(t);
}

/* Bins close only when every worker is past their end; a worker with an empty
 * table counts as at the largest clock of any worker. */
static void test_workers(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 2, 10, 64);
	struct fl dns = {.src = "200.20.128.9",
	                 .dst = "8.8.8.8",
	                 .sport = 5353,
	                 .dport = 53,
	                 .net0 = 2,
	                 .worker = 1,
	                 .app = 2,
	                 .first = S(100),
	                 .last = S(250),
	                 .p0 = 1,
	                 .p1 = 1,
	                 .b0 = 80,
	                 .b1 = 120};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, EMPTY, S(400), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 has not said how far it is */
	mark(t, 1, S(250), S(400), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 still has a flow in bin 0 */
	put(t, FZ_REC_FLOW, dns);
	/* Worker 1 is empty at its own clock 260 s, inside bin 0; worker 0's 400 s counts. */
	mark(t, 1, EMPTY, S(260), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0,
	       "\"packets_in\":1,\"bytes_in\":120,\"packets_out\":1,\"bytes_out\":80,\"flows\":1,"
	       "\"flows_new\":1,\"apps\":{\"dns\":{\"flows\":1,\"packets\":2,\"bytes\":200}},"
	       "\"top\":{\"src_ip\":[{\"key\":\"200.20.128.9\",\"packets\":2,\"bytes\":200,"
	       "\"flows\":1}],\"dst_ip\":[{\"key\":\"8.8.8.8\",\"packets\":2,\"bytes\":200,"
	       "\"flows\":1}],\"dst_port\":[{\"key\":53,\"packets\":2,\"bytes\":200,\"flows\":1}]},"
	       "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 2, "lab", 0, ZERO);
	/* Bin 1: worker 0's oldest flow holds it until that flow is past its end. */
	put(t, FZ_REC_FLOW, web(0, S(305), S(350)));
	mark(t, 0, S(350), S(700), 0);
	mark(t, 1, EMPTY, S(700), 0);
	FZ_CHECK_INT(3, o.n);
	mark(t, 0, S(599), S(700), 0);
	FZ_CHECK_INT(3, o.n);
	mark(t, 0, S(600), S(700), 0);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 3, "campus", 1, WEB_CAMPUS("false"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A worker that sees no packets does not hold bins back; one that never marks does. */
static void test_idle_worker(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 3, 10, 64);

	if (t == NULL)
		return;
	mark(t, 1, EMPTY, 0, 0); /* no packet yet: its clock is 0 */
	mark(t, 2, EMPTY, 0, 0);
	for (unsigned b = 0; b < 4; b++) {
		put(t, FZ_REC_FLOW, web(0, S(300 * b + 5), S(300 * b + 20)));
		mark(t, 0, S(300 * b + 20), S(300 * b + 20), 0);
		FZ_CHECK_INT(3 * b, o.n);
		mark(t, 0, EMPTY, S(300 * b + 300), 0);
		FZ_CHECK_INT(3 * (b + 1), o.n);
		expect(&o, 3 * b, "campus", b, WEB_CAMPUS("false"));
	}
	out_free(&o);
	fz_traffic_free(t);

	t = make(&o, 2, 10, 64);
	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, EMPTY, S(1000), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 never marked */
	fz_traffic_finish(t);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A done worker no longer holds anything; when all are done every bin is
 * written, the last partial (the run ended before it did). */
static void test_done(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 2, 10, 64);
	struct fl late = web(1, S(100), S(200));

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	put(t, FZ_REC_FLOW, web(0, S(310), S(320)));
	mark(t, 0, EMPTY, S(320), 1);
	mark(t, 1, S(200), S(330), 0);
	FZ_CHECK_INT(0, o.n);
	late.sport = 40001;
	put(t, FZ_REC_FLOW, late);
	mark(t, 1, EMPTY, S(330), 1);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":16,\"bytes_in\":16000,\"packets_out\":20,\"bytes_out\":2000,"
	       "\"flows\":2,\"flows_new\":2,\"apps\":{\"http\":{\"flows\":2,\"packets\":36,"
	       "\"bytes\":18000}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":36,"
	       "\"bytes\":18000,\"flows\":2}],\"dst_ip\":[{\"key\":\"93.184.216.34\","
	       "\"packets\":36,\"bytes\":18000,\"flows\":2}],\"dst_port\":[{\"key\":443,"
	       "\"packets\":36,\"bytes\":18000,\"flows\":2}]},\"top_exact\":true,"
	       "\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 3, "campus", 1, WEB_CAMPUS("true"));
	expect(&o, 4, "dorms", 1, ZERO_PARTIAL);
	expect(&o, 5, "lab", 1, ZERO_PARTIAL);
	fz_traffic_finish(t);
	FZ_CHECK_INT(6, o.n);
	out_free(&o);
	fz_traffic_free(t);
}

/* Bins without traffic between two with traffic are written as zeros; a bin
 * before the first one (another worker's earlier records) is made in front;
 * fz_traffic_finish writes what is open, the last bin partial. An IPv6 flow. */
static void test_empty_bins_and_finish(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl v6 = {.src = "2001:db8:1::5",
	                .dst = "2001:db8::1",
	                .sport = 50000,
	                .dport = 8080,
	                .net0 = 3,
	                .first = S(905),
	                .last = S(910),
	                .p0 = 2,
	                .p1 = 1,
	                .b0 = 300,
	                .b1 = 1500};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, v6);
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, S(905), S(1000), 0);
	FZ_CHECK_INT(9, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 2, "lab", 0, ZERO);
	for (unsigned b = 1; b <= 2; b++)
		for (unsigned k = 0; k < 3; k++)
			expect(&o, 3 * b + k, net_names[k], b, ZERO);
	FZ_CHECK_INT(1, counter(t, "open_bins"));
	fz_traffic_finish(t);
	FZ_CHECK_INT(12, o.n);
	expect(&o, 9, "campus", 3, ZERO_PARTIAL);
	expect(&o, 10, "dorms", 3, ZERO_PARTIAL);
	expect(&o, 11, "lab", 3,
	       "\"packets_in\":1,\"bytes_in\":1500,\"packets_out\":2,\"bytes_out\":300,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"unknown\":{\"flows\":1,\"packets\":3,"
	       "\"bytes\":1800}},\"top\":{\"src_ip\":[{\"key\":\"2001:db8:1::5\",\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}],\"dst_ip\":[{\"key\":\"2001:db8::1\",\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}],\"dst_port\":[{\"key\":8080,\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	FZ_CHECK_INT(12, counter(t, "records"));
	FZ_CHECK_INT(0, counter(t, "open_bins"));
	out_free(&o);
	fz_traffic_free(t);
}

int main(void)
{
	FZ_RUN(test_one_bin);
	FZ_RUN(test_bin_reports);
	FZ_RUN(test_workers);
	FZ_RUN(test_idle_worker);
	FZ_RUN(test_done);
	FZ_RUN(test_empty_bins_and_finish);
	return fz_test_summary();
}
