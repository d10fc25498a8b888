/*
 * Unit tests of the traffic record's two faster parts (issue 23): the top
 * lists' selection (topn_top) against a sort of the whole list, and the
 * record written as text (traffic_text.c) against the record built in
 * jansson and dumped, on the same bins: names that need escaping, IPv4 and
 * IPv6 keys, Space-Saving lists, every --top-n from 1 to the maximum, and
 * the names the text writer leaves to jansson.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_traffic.h"
#include "fz_test.h"

#include "../../lib/traffic/topn.h"
#include "topn_keys.h"

#define BIN_US UINT64_C(300000000)
#define T0     UINT64_C(1700000100000000)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return fz_test_rand(&rng_state);
}

/* ---- top lists: selection ---- */

/* The order the records have always used: bytes descending, then the key's bytes ascending. */
static int cmp_ref(const void *a, const void *b)
{
	const struct topn_entry *x = *(const struct topn_entry *const *)a;
	const struct topn_entry *y = *(const struct topn_entry *const *)b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return memcmp(x->key, y->key, 16);
}

/* Ties: equal bytes go by key, the key's first bytes first (IPv6 before IPv4-mapped). */
static void test_top_ties(void)
{
	static const uint32_t keys[] = {9, 3, 0x01000000, 5, 7};
	static const uint64_t bytes[] = {100, 100, 100, 200, 50};
	static const uint32_t want[] = {5, 3, 9, 0x01000000, 7};
	const struct topn_entry *e[8];
	uint8_t k[16];
	struct topn t;

	FZ_CHECK_INT(0, topn_init(&t, 8));
	for (unsigned i = 0; i < 5; i++) {
		key_of(keys[i], k);
		topn_add(&t, k, 1, bytes[i]);
	}
	/* An IPv6 key of the same bytes: 2001:db8::1 sorts after ::ffff:… by its first byte. */
	memset(k, 0, 16);
	k[0] = 0x20;
	k[1] = 0x01;
	k[2] = 0x0d;
	k[3] = 0xb8;
	k[15] = 1;
	topn_add(&t, k, 1, 100);
	FZ_CHECK_INT(6, topn_top(&t, 8, e));
	for (unsigned i = 0; i < 4; i++)
		FZ_CHECK_INT(want[i], index_of(e[i]->key));
	FZ_CHECK_INT(0x20, e[4]->key[0]);
	FZ_CHECK_INT(100, e[4]->bytes);
	FZ_CHECK_INT(want[4], index_of(e[5]->key));
	FZ_CHECK_INT(3, topn_top(&t, 3, e));
	FZ_CHECK_INT(5, index_of(e[0]->key));
	FZ_CHECK_INT(3, index_of(e[1]->key));
	FZ_CHECK_INT(9, index_of(e[2]->key));
	FZ_CHECK_INT(0, topn_top(&t, 0, e));
	topn_free(&t);
}

/* Every k on lists of many ties, exact and Space-Saving: the first k of the sorted list. */
static void test_top_against_sort(void)
{
	static const unsigned caps[] = {1, 7, 64, 300, 4096};
	const struct topn_entry **ref = malloc(4096 * sizeof(*ref)),
	                        **got = malloc(4097 * sizeof(*got));
	unsigned bad = 0, lists = 0;

	FZ_CHECK(ref != NULL && got != NULL);
	for (size_t c = 0; ref && got && c < sizeof(caps) / sizeof(caps[0]); c++)
		for (unsigned round = 0; round < 4; round++) {
			struct topn t;
			unsigned keys = 1 + (unsigned)(rnd() % 2000),
			         adds = 1 + (unsigned)(rnd() % 5000);
			uint8_t k[16];

			FZ_CHECK_INT(0, topn_init(&t, caps[c]));
			for (unsigned i = 0; i < adds; i++) {
				key_of((uint32_t)(rnd() % keys) * 2654435761u, k);
				/* Few byte values: many ties. */
				topn_add(&t, k, 1, 64 * (1 + rnd() % 4));
			}
			for (unsigned i = 0; i < t.n; i++)
				ref[i] = &t.e[i];
			qsort(ref, t.n, sizeof(*ref), cmp_ref);
			for (unsigned kk = 0; kk <= t.n + 1; kk += kk < 12 ? 1 : 1 + kk / 3) {
				unsigned n = topn_top(&t, kk, got);

				lists++;
				if (n != (kk < t.n ? kk : t.n) ||
				    memcmp(got, ref, n * sizeof(*got)) != 0)
					bad++;
			}
			topn_free(&t);
		}
	FZ_CHECK_INT(0, bad);
	FZ_CHECK(lists > 100);
	free(ref);
	free(got);
}

/*
 * Space-Saving among equal bytes: the replaced entry is the heap's root, and
 * a new key sinks to the smaller child, the left one on a tie: keys 1, 2, 3
 * of 10 bytes each are replaced in their order of arrival by 4, 5, 6.
 */
static void test_space_saving_ties(void)
{
	static const uint32_t listed[3][3] = {{4, 2, 3}, {4, 5, 3}, {4, 5, 6}};
	static const uint64_t list_bytes[3][3] = {{20, 10, 10}, {20, 20, 10}, {20, 20, 20}};
	const struct topn_entry *e[4];
	uint8_t k[16];
	struct topn t;

	FZ_CHECK_INT(0, topn_init(&t, 3));
	for (uint32_t key = 1; key <= 3; key++) {
		key_of(key, k);
		topn_add(&t, k, 1, 10);
	}
	for (unsigned step = 0; step < 3; step++) {
		key_of(4 + step, k);
		topn_add(&t, k, 1, 10);
		FZ_CHECK_INT(1, t.full);
		FZ_CHECK_INT(3, topn_top(&t, 4, e));
		for (unsigned i = 0; i < 3; i++) {
			FZ_CHECK_INT(listed[step][i], index_of(e[i]->key));
			FZ_CHECK_INT(list_bytes[step][i], e[i]->bytes);
			FZ_CHECK_INT(index_of(e[i]->key) >= 4 ? 10 : 0, e[i]->err);
			FZ_CHECK_INT(index_of(e[i]->key) >= 4 ? 2 : 1, e[i]->flows);
		}
	}
	topn_free(&t);
}

/* ---- the record as text ---- */

struct out {
	char *json[16];
	unsigned n;
};

static void emit(void *arg, struct fz_item *it)
{
	struct out *o = arg;
	const char *json = NULL;
	size_t len = 0;

	FZ_CHECK_INT(0, fz_item_json(it, &json, &len));
	FZ_CHECK_INT(strlen(json), len);
	if (json && o->n < 16)
		o->json[o->n++] = strndup(json, len);
}

static struct fz_traffic *make(struct out *o, const char *const *nets, unsigned n_nets,
                               const char *const *apps, unsigned n_apps, unsigned top_n,
                               unsigned cap)
{
	struct fz_traffic_conf c = {
	    .collector = "zoo \"1\"",
	    .net_names = nets,
	    .n_nets = n_nets,
	    .app_names = apps,
	    .n_apps = n_apps,
	    .bin_us = BIN_US,
	    .top_n = top_n,
	    .top_capacity = cap,
	    .n_workers = 1,
	    .emit = emit,
	    .emit_arg = o,
	};

	memset(o, 0, sizeof(*o));
	return fz_traffic_create(&c);
}

/* A flow of random ends (IPv4 or IPv6), ports, application and counts, in the first bin. */
static void random_flow(struct fz_traffic *t, unsigned n_nets, unsigned n_apps)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.key.ip_version = rnd() % 4 == 0 ? 6 : 4;
	for (int end = 0; end < 2; end++) {
		uint32_t host = (uint32_t)(rnd() % 300);

		if (r.key.ip_version == 6) {
			r.key.addr[end][0] = 0x20;
			r.key.addr[end][1] = 0x01;
			r.key.addr[end][7] = (uint8_t)(rnd() % 3);
			r.key.addr[end][14] = (uint8_t)(host >> 8);
			r.key.addr[end][15] = (uint8_t)host;
			/* Now and then ::a.b.c.d, ::h and two runs of zero groups. */
			if (rnd() % 4 == 0) {
				memset(r.key.addr[end], 0, 14);
				r.key.addr[end][12] = (uint8_t)(rnd() % 2 ? 0 : 1 + rnd() % 200);
			} else if (rnd() % 4 == 0) {
				r.key.addr[end][7] = 0x11;
			}
		} else {
			r.key.addr[end][10] = r.key.addr[end][11] = 0xff;
			r.key.addr[end][12] = 10;
			r.key.addr[end][14] = (uint8_t)(host >> 8);
			r.key.addr[end][15] = (uint8_t)host;
		}
	}
	r.key.port[0] = (uint16_t)(1024 + rnd() % 60000);
	r.key.port[1] = (uint16_t)(rnd() % 2 ? 443 : rnd() % 2000);
	r.key.proto = 6;
	r.net[0] = (uint16_t)(rnd() % (n_nets + 1));
	r.net[1] = (uint16_t)(rnd() % (n_nets + 1));
	r.first_us = T0 + rnd() % BIN_US;
	r.last_us = r.first_us + rnd() % (T0 + BIN_US - r.first_us);
	r.packets[0] = 1 + rnd() % 50;
	r.packets[1] = rnd() % 50;
	r.bytes[0] = r.packets[0] * (40 + rnd() % 1400);
	r.bytes[1] = r.packets[1] * (40 + rnd() % 1400);
	/* Now and then counts that jansson prints as negative numbers (json_int_t). */
	if (rnd() % 500 == 0)
		r.bytes[1] = UINT64_MAX - rnd() % 1000000;
	r.app = (uint8_t)(rnd() % (n_apps + 2));
	r.kind = FZ_REC_FLOW;
	r.end_reason = FZ_END_IDLE;
	fz_traffic_record(t, &r);
}

/* Each network's written record is the open record of the same bin, dumped by jansson. */
static unsigned compare_writers(const char *const *nets, unsigned n_nets, const char *const *apps,
                                unsigned n_apps, unsigned top_n, unsigned cap, unsigned flows)
{
	char *want[16] = {0};
	unsigned bad = 0;
	struct out o;
	struct fz_traffic *t = make(&o, nets, n_nets, apps, n_apps, top_n, cap);

	FZ_CHECK(t != NULL);
	if (t == NULL)
		return 1;
	for (unsigned i = 0; i < flows; i++)
		random_flow(t, n_nets, n_apps);
	for (unsigned net = 0; net < n_nets; net++) {
		json_t *rec = fz_traffic_open_record(t, net);

		FZ_CHECK(rec != NULL);
		if (rec == NULL)
			continue;
		json_object_del(rec, "open");
		want[net] = json_dumps(rec, JSON_COMPACT);
		json_decref(rec);
	}
	fz_traffic_finish(t);
	FZ_CHECK_INT(n_nets, o.n);
	for (unsigned net = 0; net < n_nets && net < o.n; net++) {
		if (want[net] == NULL || strcmp(want[net], o.json[net]) != 0) {
			bad++;
			fprintf(stderr, "jansson: %s\ntext:    %s\n",
			        want[net] ? want[net] : "(null)", o.json[net]);
		}
	}
	for (unsigned i = 0; i < 16; i++) {
		free(want[i]);
		free(i < o.n ? o.json[i] : NULL);
	}
	fz_traffic_free(t);
	return bad;
}

static const char *const nets[] = {"campus", "dorms \"A\\B\"\n\t", "lab é ✓", "\x01 ctl /"};
static const char *const apps[] = {"unknown", "http", "dns \"x\"", "tls", "never used"};

static void test_text_as_jansson(void)
{
	static const unsigned top_ns[] = {1, 3, 5, 10, 256};
	static const unsigned caps[] = {2, 16, 4096};

	for (size_t n = 0; n < sizeof(top_ns) / sizeof(top_ns[0]); n++)
		for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
			FZ_CHECK_INT(0, compare_writers(nets, 4, apps, 5, top_ns[n], caps[c],
			                                1 + (unsigned)(rnd() % 3000)));
	/* Two flows: most records zeros; no applications named: "unknown". */
	FZ_CHECK_INT(0, compare_writers(nets, 4, apps, 5, 10, 64, 2));
	FZ_CHECK_INT(0, compare_writers(nets, 4, NULL, 0, 10, 64, 500));
}

/* Names the text writer leaves to jansson: invalid UTF-8, two applications of one name. */
static void test_left_to_jansson(void)
{
	static const char *const bad_utf8[] = {"unknown", "http", "bad \xff name"};
	static const char *const twice[] = {"unknown", "http", "http"};
	static const char *const bad_net[] = {"ok", "bad \xc3"};

	FZ_CHECK_INT(0, compare_writers(nets, 4, bad_utf8, 3, 10, 64, 800));
	FZ_CHECK_INT(0, compare_writers(nets, 4, twice, 3, 10, 64, 800));
	FZ_CHECK_INT(0, compare_writers(bad_net, 2, apps, 5, 10, 64, 800));
}

/* One record whole, expected text first: the escapes of the names. */
static void test_one_record(void)
{
	static const char *const one[] = {"a\"b\\c"};
	static const char *const app_one[] = {"unknown", "w\"eb"};
	struct out o;
	struct fz_traffic *t = make(&o, one, 1, app_one, 2, 2, 64);
	struct fz_flow_rec r;

	FZ_CHECK(t != NULL);
	if (t == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.key.ip_version = 6;
	r.key.addr[0][0] = 0x20;
	r.key.addr[0][1] = 0x01;
	r.key.addr[0][15] = 7;
	r.key.addr[1][15] = 1; /* ::1 */
	r.key.port[1] = 8080;
	r.net[0] = 1;
	r.first_us = r.last_us = T0;
	r.packets[0] = 3;
	r.bytes[0] = 300;
	r.app = 1;
	fz_traffic_record(t, &r);
	fz_traffic_finish(t);
	FZ_CHECK_INT(1, o.n);
	FZ_CHECK_STR(
	    "{\"type\":\"traffic\",\"schema_version\":1,\"collector\":\"zoo \\\"1\\\"\","
	    "\"network\":\"a\\\"b\\\\c\",\"bin_start_ms\":1700000100000,\"bin_end_ms\":"
	    "1700000400000,"
	    "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":3,\"bytes_out\":300,\"flows\":1,"
	    "\"flows_new\":1,\"apps\":{\"w\\\"eb\":{\"flows\":1,\"packets\":3,\"bytes\":300}},"
	    "\"top\":{\"src_ip\":[{\"key\":\"2001::7\",\"packets\":3,\"bytes\":300,\"flows\":1}],"
	    "\"dst_ip\":[{\"key\":\"::1\",\"packets\":3,\"bytes\":300,\"flows\":1}],"
	    "\"dst_port\":[{\"key\":8080,\"packets\":3,\"bytes\":300,\"flows\":1}]},"
	    "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":true}",
	    o.n ? o.json[0] : NULL);
	for (unsigned i = 0; i < o.n; i++)
		free(o.json[i]);
	fz_traffic_free(t);
}

int main(void)
{
	FZ_RUN(test_top_ties);
	FZ_RUN(test_top_against_sort);
	FZ_RUN(test_space_saving_ties);
	FZ_RUN(test_one_record);
	FZ_RUN(test_text_as_jansson);
	FZ_RUN(test_left_to_jansson);
	return fz_test_summary();
}
