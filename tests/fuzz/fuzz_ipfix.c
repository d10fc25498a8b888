/*
 * libFuzzer target for IPFIX: the test decoder (tests/unit/ipfix_dec.c)
 * reads the input as messages (it must never read outside them), and the
 * encoder is checked as a property: the input's bytes taken as a flow
 * record and an MTU, the encoded message is within the MTU and every field
 * decodes back to the record's value.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "ipfix_dec.h"
#include "ipfix_enc.h"

static const char *const apps[] = {"unknown", "http", "a-rather-long-application-name-0123"};

struct seen {
	const struct fz_flow_rec *r;
	int dir;
	unsigned n;
};

static void check_record(void *arg, const struct ipfix_dec_rec *d)
{
	struct seen *s = arg;
	const struct fz_flow_rec *r = s->r;
	int k, fwd = s->dir;

	if (d->tid == FZ_IPFIX_TID_APPS)
		return;
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 7, &k) == r->key.port[fwd] && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 11, &k) == r->key.port[!fwd] && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 2, &k) == r->packets[fwd] && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 1, &k) == r->bytes[fwd] && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 152, &k) == r->first_us / 1000 && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 153, &k) == r->last_us / 1000 && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 148, &k) == r->flow_id && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 58, &k) == r->key.vlan[0] && k);
	FUZZ_CHECK(ipfix_dec_uint(d, 0, 95, &k) == (6u << 16 | (r->app < 3 ? r->app : 0)) && k);
	s->dir = !s->dir;
	s->n++;
}

static void encode_property(const uint8_t *data, size_t size)
{
	struct fz_flow_rec r;
	uint8_t buf[2048];
	struct fz_ipfix_enc_conf ec = {.domain = 9, .pen = 32473, .app_names = apps, .n_apps = 3};
	struct fz_ipfix_rec setup, out[2];
	struct fz_ipfix_msg m;
	struct fz_ipfix_enc *enc;
	struct seen s = {.r = &r};
	struct ipfix_dec d = {.rec = check_record, .arg = &s};
	size_t mtu;
	int n;

	if (size < sizeof(r) + 2)
		return;
	memcpy(&r, data, sizeof(r));
	r.key.ip_version = data[sizeof(r)] & 1 ? 6 : 4;
	ec.biflow = data[sizeof(r)] >> 1 & 1;
	mtu = 256 + data[sizeof(r) + 1] * 7u; /* 256 to 2041 */
	enc = fz_ipfix_enc_create(&ec);
	if (enc == NULL)
		return;
	fz_ipfix_msg_init(&m, buf, mtu);
	for (unsigned i = 0; fz_ipfix_enc_setup_record(enc, i, &setup); i++)
		FUZZ_CHECK(fz_ipfix_msg_add(&m, &setup) == 0 || mtu < 600);
	FUZZ_CHECK(fz_ipfix_msg_finish(&m, 1, 0, 9) <= mtu);
	FUZZ_CHECK(ipfix_dec_message(&d, buf, m.len) == 0);
	n = fz_ipfix_enc_flow(enc, &r, NULL, out);
	FUZZ_CHECK(n == 1 || n == 2);
	fz_ipfix_msg_init(&m, buf, mtu);
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(fz_ipfix_msg_add(&m, &out[i]) == 0);
	FUZZ_CHECK(fz_ipfix_msg_finish(&m, 1, d.next_seq, 9) <= mtu);
	if (d.n_t == 3) { /* every template made it into the first message */
		FUZZ_CHECK(ipfix_dec_message(&d, buf, m.len) == 0);
		FUZZ_CHECK(s.n == (unsigned)n && d.seq_errors == 0);
	}
	fz_ipfix_enc_free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipfix_dec d = {0};
	size_t off = 0;

	/* The input as a stream of messages, each its own length (as over TCP). */
	while (size - off >= 4) {
		size_t len = (size_t)(data[off + 2] << 8 | data[off + 3]);

		if (len < 4 || len > size - off || ipfix_dec_message(&d, data + off, len) != 0)
			break;
		off += len;
	}
	encode_property(data, size);
	return 0;
}
