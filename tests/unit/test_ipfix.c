/*
 * Unit tests of the IPFIX encoder and exporter: the exact bytes of a
 * template and a data record, every message within the MTU, every field
 * through a decoder (ipfix_dec.c) and back, the exporter over UDP and TCP
 * on loopback (sequence numbers, templates on reconnect, losses counted).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fz_ipfix.h"
#include "fz_test.h"
#include "ipfix_dec.h"
#include "ipfix_enc.h"
#include "record_ref.h"

static const char *const apps[] = {"unknown", "http", "tls"};

static struct fz_ipfix_enc *enc_of(int biflow)
{
	struct fz_ipfix_enc_conf c = {
	    .biflow = biflow, .domain = 7, .pen = 32473, .app_names = apps, .n_apps = 3};

	return fz_ipfix_enc_create(&c);
}

static void test_template_bytes(void)
{
	static const uint8_t want[] = {
	    0x01, 0x00, 0x00, 0x16, 0x00, 0x08, 0x00, 0x04, 0x00, 0x0c, 0x00, 0x04, 0x00,
	    0x07, 0x00, 0x02, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x3c,
	    0x00, 0x01, 0x00, 0x3a, 0x00, 0x02, 0x00, 0xf5, 0x00, 0x02, 0x00, 0x98, 0x00,
	    0x08, 0x00, 0x99, 0x00, 0x08, 0x00, 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x08,
	    0x80, 0x02, 0x00, 0x08, 0x00, 0x00, 0x72, 0x79, 0x80, 0x01, 0x00, 0x08, 0x00,
	    0x00, 0x72, 0x79, 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x72, 0x79, 0x00, 0x06,
	    0x00, 0x01, 0x00, 0x88, 0x00, 0x01, 0x00, 0x5f, 0x00, 0x03, 0x00, 0x94, 0x00,
	    0x08, 0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x7e, 0xd9, 0x80, 0x02, 0x00, 0x01,
	    0x00, 0x00, 0x7e, 0xd9, 0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x7e, 0xd9};
	static const uint8_t opts[] = {0x01, 0x04, 0x00, 0x04, 0x00, 0x01, 0x00, 0x95,
	                               0x00, 0x04, 0x00, 0x5f, 0x00, 0x03, 0x00, 0x60,
	                               0x00, 0x08, 0x00, 0x5e, 0x00, 0x08};
	struct fz_ipfix_enc *enc = enc_of(1);
	struct fz_ipfix_rec r;

	FZ_CHECK(enc != NULL);
	if (enc == NULL)
		return;
	FZ_CHECK_INT(6, fz_ipfix_enc_setup_records(enc));
	FZ_CHECK_INT(1, fz_ipfix_enc_setup_record(enc, 0, &r));
	FZ_CHECK_INT(FZ_IPFIX_SET_TMPL, r.set_id);
	FZ_CHECK_INT(sizeof(want), r.len);
	FZ_CHECK(memcmp(want, r.b, sizeof(want)) == 0);
	FZ_CHECK_INT(1, fz_ipfix_enc_setup_record(enc, 2, &r));
	FZ_CHECK_INT(FZ_IPFIX_SET_OPTS, r.set_id);
	FZ_CHECK_INT(sizeof(opts), r.len);
	FZ_CHECK(memcmp(opts, r.b, sizeof(opts)) == 0);
	/* The application table: domain 7, engine 6 selector 2, "tls" NUL padded to 8. */
	FZ_CHECK_INT(1, fz_ipfix_enc_setup_record(enc, 5, &r));
	FZ_CHECK_INT(FZ_IPFIX_TID_APPS, r.set_id);
	FZ_CHECK_INT(23, r.len);
	FZ_CHECK(memcmp("\0\0\0\x07\x06\0\x02tls\0\0\0\0\0tls\0\0\0\0\0", r.b, 23) == 0);
	FZ_CHECK_INT(0, fz_ipfix_enc_setup_record(enc, 6, &r));
	fz_ipfix_enc_free(enc);
}

static void test_data_record_bytes(void)
{
	static const uint8_t want[] = {
	    0xc0, 0xa8, 0x01, 0x0d, 0xb2, 0x3e, 0xc5, 0x82, 0xd8, 0xe3, 0x01, 0xbb, 0x06, 0x04,
	    0x00, 0x64, 0x00, 0x07, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b, 0x00, 0x00,
	    0x01, 0x8b, 0xcf, 0xe5, 0x72, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x50, 0x1a, 0x1b, 0x03, 0x06,
	    0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x01, 0x00, 0xff};
	struct fz_ipfix_enc *enc = enc_of(1), *uni = enc_of(0);
	struct fz_flow_rec r = ref_example_flow();
	struct fz_zoo_result zoo = {.size_class = 1, .duration_class = 0, .rate_class = -1};
	struct fz_ipfix_rec out[2];

	FZ_CHECK_INT(1, fz_ipfix_enc_flow(enc, &r, &zoo, out));
	FZ_CHECK_INT(FZ_IPFIX_TID_BI4, out[0].set_id);
	FZ_CHECK_INT(sizeof(want), out[0].len);
	FZ_CHECK(memcmp(want, out[0].b, sizeof(want)) == 0);
	/* Uniflow: the reverse record has the ends swapped and the responder's counts. */
	FZ_CHECK_INT(2, fz_ipfix_enc_flow(uni, &r, &zoo, out));
	FZ_CHECK_INT(FZ_IPFIX_TID_UNI4, out[1].set_id);
	FZ_CHECK_INT(sizeof(want) - 17, out[1].len);
	FZ_CHECK(memcmp(want + 4, out[1].b, 4) == 0 && memcmp(want, out[1].b + 4, 4) == 0);
	FZ_CHECK(out[1].b[8] == 0x01 && out[1].b[9] == 0xbb);
	r.packets[1] = 0;
	FZ_CHECK_INT(1, fz_ipfix_enc_flow(uni, &r, &zoo, out));
	r.key.ip_version = 5;
	FZ_CHECK_INT(-EINVAL, fz_ipfix_enc_flow(enc, &r, &zoo, out));
	fz_ipfix_enc_free(enc);
	fz_ipfix_enc_free(uni);
}

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static struct fz_flow_rec random_flow(void)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.key.ip_version = rnd() % 2 ? 6 : 4;
	for (int e = 0; e < 2; e++) {
		for (int i = 0; i < 16; i++)
			r.key.addr[e][i] = (uint8_t)rnd();
		r.key.port[e] = (uint16_t)rnd();
		r.key.vlan[e] = (uint16_t)(rnd() % 4096);
		r.packets[e] = rnd() % 3 ? rnd() >> (rnd() % 64) : 0;
		r.bytes[e] = rnd();
		r.tcp_flags[e] = (uint8_t)rnd();
	}
	r.key.proto = (uint8_t)rnd();
	r.flow_id = rnd();
	r.first_us = rnd() >> 12;
	r.last_us = r.first_us + rnd() % 100000000;
	r.end_reason = (uint8_t)(rnd() % FZ_END__COUNT);
	r.app = (uint8_t)(rnd() % 5); /* 3 and 4 are beyond the table: sent as 0 */
	return r;
}

/* What the round trip checks a decoded record against. */
struct expect {
	const struct fz_flow_rec *flows;
	const struct fz_zoo_result *zoos;
	int biflow;
	unsigned next; /* next flow */
	int second;    /* uniflow: the reverse record of flows[next] comes next */
	unsigned apps_seen;
	int failed;
};

static int addr_ok(const struct ipfix_dec_rec *d, uint16_t ie4, uint16_t ie6,
                   const struct fz_flow_rec *r, int end)
{
	const struct ipfix_dec_field *f = ipfix_dec_get(d, 0, r->key.ip_version == 4 ? ie4 : ie6);

	if (f == NULL)
		return 0;
	return r->key.ip_version == 4 ? f->len == 4 && !memcmp(f->v, r->key.addr[end] + 12, 4)
	                              : f->len == 16 && !memcmp(f->v, r->key.addr[end], 16);
}

static void on_record(void *arg, const struct ipfix_dec_rec *d)
{
	struct expect *x = arg;
	const struct fz_flow_rec *r;
	int s, o, k, ok = 1;

	if (d->tid == FZ_IPFIX_TID_APPS) {
		x->apps_seen++;
		return;
	}
	r = &x->flows[x->next];
	s = x->second ? FZ_REV : FZ_FWD;
	o = !s;
#define U(pen, ie) ipfix_dec_uint(d, pen, ie, &k)
	ok &= addr_ok(d, 8, 27, r, s) && addr_ok(d, 12, 28, r, o);
	ok &= U(0, 7) == r->key.port[s] && U(0, 11) == r->key.port[o];
	ok &= U(0, 4) == r->key.proto && U(0, 60) == r->key.ip_version;
	ok &= U(0, 58) == r->key.vlan[0] && U(0, 245) == r->key.vlan[1];
	ok &= U(0, 152) == r->first_us / 1000 && U(0, 153) == r->last_us / 1000;
	ok &= U(0, 2) == r->packets[s] && U(0, 1) == r->bytes[s] && U(0, 6) == r->tcp_flags[s];
	ok &= U(0, 136) == fz_ipfix_end_reason(r->end_reason) && U(0, 148) == r->flow_id;
	ok &= U(0, 95) == (uint64_t)(6u << 16 | (r->app < 3 ? r->app : 0));
	ok &= U(32473, 1) == (uint64_t)(uint8_t)x->zoos[x->next].size_class;
	ok &= U(32473, 3) == (uint64_t)(uint8_t)x->zoos[x->next].rate_class;
	if (x->biflow) {
		ok &= U(29305, 2) == r->packets[1] && U(29305, 1) == r->bytes[1] &&
		      U(29305, 6) == r->tcp_flags[1];
		ok &= ipfix_dec_get(d, 29305, 2) != NULL;
	} else {
		ok &= ipfix_dec_get(d, 29305, 2) == NULL;
	}
#undef U
	if (!ok && !x->failed) {
		fprintf(stderr, "round trip: flow %u (%s) differs\n", x->next,
		        x->second ? "reverse" : "forward");
		x->failed = 1;
	}
	FZ_CHECK(ok);
	if (!x->biflow && !x->second && r->packets[1] > 0) {
		x->second = 1;
		return;
	}
	x->second = 0;
	x->next++;
}

/* Encode n random flows into messages of at most mtu bytes, decode them all. */
static void round_trip(int biflow, size_t mtu, unsigned n)
{
	struct fz_flow_rec *flows = calloc(n, sizeof(*flows));
	struct fz_zoo_result *zoos = calloc(n, sizeof(*zoos));
	struct fz_ipfix_enc *enc = enc_of(biflow);
	struct expect x = {.flows = flows, .zoos = zoos, .biflow = biflow};
	struct ipfix_dec d = {.rec = on_record, .arg = &x};
	uint8_t *buf = malloc(mtu);
	struct fz_ipfix_msg m;
	struct fz_ipfix_rec rec[2], setup;
	uint32_t seq = 0;
	unsigned too_long = 0, bad = 0;

	fz_ipfix_msg_init(&m, buf, mtu);
	for (unsigned i = 0; fz_ipfix_enc_setup_record(enc, i, &setup); i++)
		if (fz_ipfix_msg_add(&m, &setup) != 0) {
			size_t len = fz_ipfix_msg_finish(&m, 1, seq, 7);

			seq += m.n_data;
			too_long += len > mtu;
			bad += ipfix_dec_message(&d, buf, len) != 0;
			fz_ipfix_msg_init(&m, buf, mtu);
			FZ_CHECK_INT(0, fz_ipfix_msg_add(&m, &setup));
		}
	for (unsigned i = 0; i < n; i++) {
		int k;

		flows[i] = random_flow();
		zoos[i].size_class = (int8_t)(rnd() % 2);
		zoos[i].rate_class = (int8_t)(rnd() % 3) - 1;
		k = fz_ipfix_enc_flow(enc, &flows[i], &zoos[i], rec);
		for (int j = 0; j < k; j++)
			if (fz_ipfix_msg_add(&m, &rec[j]) != 0) {
				size_t len = fz_ipfix_msg_finish(&m, 1, seq, 7);

				seq += m.n_data;
				too_long += len > mtu;
				bad += ipfix_dec_message(&d, buf, len) != 0;
				fz_ipfix_msg_init(&m, buf, mtu);
				FZ_CHECK_INT(0, fz_ipfix_msg_add(&m, &rec[j]));
			}
	}
	bad += ipfix_dec_message(&d, buf, fz_ipfix_msg_finish(&m, 1, seq, 7)) != 0;
	FZ_CHECK_INT(0, too_long);
	FZ_CHECK_INT(0, bad);
	FZ_CHECK_INT(n, x.next);
	FZ_CHECK_INT(3, x.apps_seen);
	FZ_CHECK_INT(0, d.seq_errors);
	FZ_CHECK_INT(0, d.no_template);
	free(buf);
	free(flows);
	free(zoos);
	fz_ipfix_enc_free(enc);
}

static void test_round_trip(void)
{
	static const size_t mtus[] = {256, 300, 577, 1400, 9000};

	for (int biflow = 0; biflow < 2; biflow++)
		for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
			round_trip(biflow, mtus[i], 2000);
}

static void test_check_collector(void)
{
	char err[256];

	FZ_CHECK_INT(0, fz_ipfix_check_collector("127.0.0.1:4739", err, sizeof(err)));
	FZ_CHECK_INT(0, fz_ipfix_check_collector("tcp://[::1]:4739", err, sizeof(err)));
	FZ_CHECK_INT(0, fz_ipfix_check_collector("udp://collector.example:2055", err, sizeof(err)));
	FZ_CHECK_INT(-1, fz_ipfix_check_collector("udp://h:0", err, sizeof(err)));
	FZ_CHECK_STR("'udp://h:0': the port is not an integer from 1 to 65535", err);
	FZ_CHECK_INT(-1, fz_ipfix_check_collector("sctp://h:1", err, sizeof(err)));
	FZ_CHECK_STR("'sctp://h:1': the transport is udp:// or tcp://", err);
	FZ_CHECK_INT(-1, fz_ipfix_check_collector("::1:4739", err, sizeof(err)));
	FZ_CHECK_STR("'::1:4739': expected HOST:PORT (IPv6: [ADDR]:PORT)", err);
	FZ_CHECK_INT(-1, fz_ipfix_check_collector("[::1]4739", err, sizeof(err)));
	FZ_CHECK_STR("'[::1]4739': an IPv6 address is written [ADDR]:PORT", err);
	FZ_CHECK_INT(-1, fz_ipfix_check_collector(":4739", err, sizeof(err)));
	FZ_CHECK_STR("':4739': the host is empty", err);
}

/* A socket on 127.0.0.1 with a port of the kernel's choice. */
static int local_socket(int type, unsigned *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	if (type == SOCK_STREAM)
		listen(fd, 4);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct fz_exporter *open_to(const char *collector, unsigned tmpl_msgs, unsigned mtu)
{
	const char *cols[] = {collector};
	struct fz_ipfix_conf c = {.collectors = cols,
	                          .n_collectors = 1,
	                          .biflow = 1,
	                          .domain = 7,
	                          .mtu = mtu,
	                          .template_messages = tmpl_msgs,
	                          .app_names = apps,
	                          .n_apps = 3};
	char err[256];
	struct fz_exporter *e = fz_ipfix_open(&c, err, sizeof(err));

	if (e == NULL)
		fprintf(stderr, "fz_ipfix_open: %s\n", err);
	return e;
}

/* An exporter to a socket of ours on loopback (UDP, or TCP listening). */
static struct fz_exporter *open_local(int type, int *fd, unsigned tmpl_msgs, unsigned mtu)
{
	unsigned port = 0; /* local_socket sets it unless it fails */
	char col[64];

	*fd = local_socket(type, &port);
	snprintf(col, sizeof(col), "%s127.0.0.1:%u", type == SOCK_STREAM ? "tcp://" : "", port);
	return *fd >= 0 ? open_to(col, tmpl_msgs, mtu) : NULL;
}

static void take_flows(struct fz_exporter *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct fz_flow_rec r = random_flow();
		struct fz_flow_item fi = {.rec = &r};
		struct fz_item it = {.kind = FZ_ITEM_FLOW, .stream = "flows", .body = &fi};

		FZ_CHECK_INT(0, e->ops->take(e, &it));
	}
}

static void count_record(void *arg, const struct ipfix_dec_rec *r)
{
	if (r->tid != FZ_IPFIX_TID_APPS)
		(*(unsigned *)arg)++;
}

static void test_udp(void)
{
	unsigned flows = 0;
	int fd;
	struct ipfix_dec d = {.rec = count_record, .arg = &flows};
	struct fz_ipfix_counters c;
	uint8_t buf[2048];
	struct fz_exporter *e = open_local(SOCK_DGRAM, &fd, 4, 512);
	ssize_t n;

	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	take_flows(e, 100);
	FZ_CHECK_INT(0, e->ops->flush(e, 0));
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		FZ_CHECK(n <= 512);
		FZ_CHECK_INT(0, ipfix_dec_message(&d, buf, (size_t)n));
	}
	FZ_CHECK_INT(0, fz_ipfix_counters(e, 0, &c));
	FZ_CHECK_INT(100, flows);
	FZ_CHECK_INT(0, d.seq_errors);
	FZ_CHECK_INT(0, d.no_template);
	FZ_CHECK_INT(d.messages, c.messages);
	FZ_CHECK_INT(d.records, c.records);
	/* Templates again every 4 data messages: 3 template records each time. */
	FZ_CHECK(c.templates >= 2);
	FZ_CHECK_INT(3 * c.templates, d.templates);
	FZ_CHECK_INT(0, e->ops->lost(e));
	e->ops->close(e);
	close(fd);
}

static void test_udp_refused(void)
{
	int fd;
	struct fz_ipfix_counters c;
	struct fz_exporter *e = open_local(SOCK_DGRAM, &fd, 0, 1400);
	json_t *st;

	close(fd); /* nobody listens: loopback answers with ICMP port unreachable */
	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	for (int i = 0; i < 5; i++) {
		take_flows(e, 10);
		e->ops->flush(e, 0);
		usleep(10000);
	}
	FZ_CHECK_INT(0, fz_ipfix_counters(e, 1, &c));
	FZ_CHECK(c.send_errors >= 3);
	FZ_CHECK_INT(10 * c.send_errors, c.lost); /* each failed message held 10 flows */
	FZ_CHECK_INT(c.lost, e->ops->lost(e));
	st = e->ops->status(e);
	FZ_CHECK_INT(c.lost, json_integer_value(json_object_get(st, "lost")));
	FZ_CHECK_INT(1, json_array_size(json_object_get(st, "collectors")));
	json_decref(st);
	e->ops->close(e);
}

/* Read every whole message the connection fd has for up to ms; decode them. */
static void read_stream(int fd, struct ipfix_dec *d, int ms, int *first_set)
{
	static uint8_t buf[1 << 16];
	size_t have = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, ms) > 0) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
		while (have >= 4 && have >= (size_t)(buf[2] << 8 | buf[3])) {
			size_t len = (size_t)(buf[2] << 8 | buf[3]);

			if (*first_set < 0)
				*first_set = buf[16] << 8 | buf[17];
			FZ_CHECK_INT(0, ipfix_dec_message(d, buf, len));
			memmove(buf, buf + len, have - len);
			have -= len;
		}
	}
	FZ_CHECK_INT(0, have);
}

static void test_tcp_reconnect(void)
{
	unsigned flows = 0;
	int lfd, cfd, first = -1;
	struct ipfix_dec d = {.rec = count_record, .arg = &flows};
	struct ipfix_dec d2 = {.rec = count_record, .arg = &flows};
	struct fz_ipfix_counters c;
	struct fz_exporter *e = open_local(SOCK_STREAM, &lfd, 1, 1400);

	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	take_flows(e, 30);
	FZ_CHECK_INT(0, e->ops->flush(e, 2000));
	cfd = accept(lfd, NULL, NULL);
	read_stream(cfd, &d, 200, &first);
	FZ_CHECK_INT(FZ_IPFIX_SET_TMPL, first);
	FZ_CHECK_INT(30, flows);
	FZ_CHECK_INT(0, d.seq_errors);
	/* The collector goes away: the exporter notices, reconnects, sends the templates first. */
	close(cfd);
	usleep(50000);
	take_flows(e, 20);
	FZ_CHECK_INT(0, e->ops->flush(e, 3000));
	cfd = accept(lfd, NULL, NULL);
	first = -1;
	read_stream(cfd, &d2, 200, &first);
	FZ_CHECK_INT(FZ_IPFIX_SET_TMPL, first);
	FZ_CHECK_INT(50, flows);
	FZ_CHECK_INT(0, d2.seq_errors);
	FZ_CHECK_INT(0, d2.no_template);
	FZ_CHECK_INT(0, fz_ipfix_counters(e, 0, &c));
	FZ_CHECK_INT(1, c.reconnects);
	FZ_CHECK_INT(2, c.templates);
	FZ_CHECK_INT(0, c.lost);
	e->ops->close(e);
	close(cfd);
	close(lfd);
}

int main(void)
{
	FZ_RUN(test_template_bytes);
	FZ_RUN(test_data_record_bytes);
	FZ_RUN(test_round_trip);
	FZ_RUN(test_check_collector);
	FZ_RUN(test_udp);
	FZ_RUN(test_udp_refused);
	FZ_RUN(test_tcp_reconnect);
	return fz_test_summary();
}
