/*
 * JSON encoding of flow records. The text is written directly: the key
 * names are constants, integers and reals are formatted by numfmt.c, and
 * the only strings that could need escaping (the collector id and the
 * application names) are escaped once, by jansson, when the encoder is
 * created. The output is byte for byte what jansson's json_dumpb of the
 * same object gives (tests/unit/test_record.c compares the two on random
 * records) in 0.24 µs per record with the zoo fields, where the jansson dump
 * took 3.8 µs without them (docs/benchmarks.md, "Kafka sink").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_record.h"
#include "numfmt.h"

const char *const fz_end_reason_names[FZ_END__COUNT] = {
#define FZ_X(name, str) str,
    FZ_END_REASONS(FZ_X)
#undef FZ_X
};

/* A constant piece of text with its length; its buffer has TEXT_PAD more
 * bytes, so that a short text is copied with one fixed-size copy (put_text). */
struct text {
	char *s;
	size_t n;
};

#define TEXT_PAD 64

/* Append t. Up to TEXT_PAD bytes are copied as TEXT_PAD (no call: a record
 * has four such texts); the bytes past t's end are overwritten by what
 * follows, and the encoder's room counts TEXT_PAD once more. */
static inline char *put_text(char *p, const struct text *t)
{
	if (t->n <= TEXT_PAD)
		memcpy(p, t->s, TEXT_PAD);
	else
		memcpy(p, t->s, t->n);
	return p + t->n;
}

/* A class's or end reason's JSON text, padded: copied as 16 bytes, of which n are its own
 * (the text after it overwrites the rest; FIXED_MAX has the room). */
struct name16 {
	char s[16];
	unsigned n;
};

/* clang-format off */
#define NAME16(lit) {lit, sizeof(lit) - 1}
/* clang-format on */

/* An end reason's name and its closing quote. */
static const struct name16 reason_texts[FZ_END__COUNT] = {
#define FZ_X(name, str) NAME16(str "\""),
    FZ_END_REASONS(FZ_X)
#undef FZ_X
};

struct fz_record_enc {
	struct text prefix; /* {"type":"flow",...,"flow_id": */
	struct text *apps;  /* ,"app":"NAME" */
	unsigned n_apps;
	struct text *nets[2]; /* ,"src_network":"NAME" / ,"dst_network":... by id; [0] is null */
	unsigned n_nets;      /* ids 0..n_nets-1 */
	char *scratch;        /* a record too long for the caller's buffer is made here */
	size_t scratch_cap;
};

/* Worst case of everything but the prefix and the app: 26 numbers of at
 * most FZ_NUMFMT_MAX, two IPv6 addresses, the key names and the classes. */
#define FIXED_MAX 2048

void fz_record_addr_text(const uint8_t addr[16], int ip_version, char *buf, size_t cap)
{
	char tmp[48];
	size_t n;

	if (cap == 0)
		return;
	n = (size_t)((ip_version == 4 ? fz_fmt_ipv4(tmp, addr + 12) : fz_fmt_ipv6(tmp, addr)) -
	             tmp);
	if (n >= cap)
		n = cap - 1; /* callers give INET6_ADDRSTRLEN or more */
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

void fz_record_addr_str(const struct fz_flow_key *key, int end, char *buf, size_t cap)
{
	fz_record_addr_text(key->addr[end], key->ip_version, buf, cap);
}

/* lead, the JSON string of s (escaped by jansson), then tail, into t. */
static int quoted(struct text *t, const char *lead, const char *s, const char *tail)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	size_t ln = strlen(lead), lq = q ? strlen(q) : 0, lt = strlen(tail);

	json_decref(j);
	if (q == NULL)
		return -1;
	t->n = ln + lq + lt;
	t->s = calloc(1, t->n + 1 + TEXT_PAD);
	if (t->s != NULL) {
		memcpy(t->s, lead, ln);
		memcpy(t->s + ln, q, lq);
		memcpy(t->s + ln + lq, tail, lt + 1);
	}
	free(q);
	return t->s ? 0 : -1;
}

struct fz_record_enc *fz_record_enc_create(const struct fz_record_ctx *ctx)
{
	struct fz_record_enc *enc = calloc(1, sizeof(*enc));
	char lead[64];
	size_t app_max = 0, net_max = 16;

	if (enc == NULL)
		return NULL;
	enc->n_apps = ctx->n_apps ? ctx->n_apps : 1;
	enc->apps = calloc(enc->n_apps, sizeof(*enc->apps));
	if (enc->apps == NULL)
		goto nomem;
	if (ctx->schema_version > 0)
		snprintf(
		    lead, sizeof(lead),
		    "{\"type\":\"flow\",\"schema_version\":%d,\"collector\":", ctx->schema_version);
	else
		snprintf(lead, sizeof(lead), "{\"type\":\"flow\",\"collector\":");
	if (quoted(&enc->prefix, lead, ctx->collector ? ctx->collector : "", ",\"flow_id\":"))
		goto nomem;
	for (unsigned i = 0; i < enc->n_apps; i++) {
		if (quoted(&enc->apps[i], ",\"app\":", ctx->n_apps ? ctx->app_names[i] : "unknown",
		           ""))
			goto nomem;
		if (enc->apps[i].n > app_max)
			app_max = enc->apps[i].n;
	}
	enc->n_nets = ctx->n_nets + 1;
	for (int end = 0; end < 2; end++) {
		const char *lead = end ? ",\"dst_network\":" : ",\"src_network\":";

		enc->nets[end] = calloc(enc->n_nets, sizeof(struct text));
		if (enc->nets[end] == NULL)
			goto nomem;
		enc->nets[end][0].n = strlen(lead) + 4;
		enc->nets[end][0].s = calloc(1, enc->nets[end][0].n + 1 + TEXT_PAD);
		if (enc->nets[end][0].s == NULL)
			goto nomem;
		snprintf(enc->nets[end][0].s, enc->nets[end][0].n + 1, "%snull", lead);
		for (unsigned i = 1; i < enc->n_nets; i++) {
			if (quoted(&enc->nets[end][i], lead, ctx->net_names[i - 1], ""))
				goto nomem;
			if (enc->nets[end][i].n > net_max)
				net_max = enc->nets[end][i].n;
		}
	}
	enc->scratch_cap = enc->prefix.n + app_max + 2 * net_max + FIXED_MAX + TEXT_PAD;
	enc->scratch = malloc(enc->scratch_cap);
	if (enc->scratch == NULL)
		goto nomem;
	return enc;
nomem:
	fz_record_enc_free(enc);
	errno = ENOMEM;
	return NULL;
}

void fz_record_enc_free(struct fz_record_enc *enc)
{
	if (enc == NULL)
		return;
	for (unsigned i = 0; enc->apps && i < enc->n_apps; i++)
		free(enc->apps[i].s);
	for (int end = 0; end < 2; end++) {
		for (unsigned i = 0; enc->nets[end] && i < enc->n_nets; i++)
			free(enc->nets[end][i].s);
		free(enc->nets[end]);
	}
	free(enc->apps);
	free(enc->prefix.s);
	free(enc->scratch);
	free(enc);
}

/* Append a constant key text (with its quotes and colon). */
#define KEY(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)
/* An unsigned integer. Most of a record's are one digit (the worker, VLAN 0,
 * IP version, one-packet counts, flags): those without a call. */
static inline char *num(char *p, uint64_t v)
{
	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	return fz_fmt_u64(p, v);
}

/* ... followed by an unsigned integer. */
#define KEY_U64(p, lit, v) num(KEY(p, lit), (v))

static char *addr(char *p, const struct fz_flow_key *key, int end)
{
	*p++ = '"';
	if (key->ip_version == 4)
		p = fz_fmt_ipv4(p, key->addr[end] + 12);
	else
		p = fz_fmt_ipv6(p, key->addr[end]);
	*p++ = '"';
	return p;
}

static const struct name16 size_names[2] = {NAME16("\"mouse\""), NAME16("\"elephant\"")};
static const struct name16 duration_names[2] = {NAME16("\"dragonfly\""), NAME16("\"tortoise\"")};
static const struct name16 rate_names[3] = {NAME16("\"snail\""), NAME16("\"cheetah\""),
                                            NAME16("null")};

static char *name16(char *p, const struct name16 *t)
{
	memcpy(p, t->s, sizeof(t->s));
	return p + t->n;
}

static char *zoo_fields(char *p, const struct fz_zoo_result *zoo)
{
	p = KEY(p, ",\"size_class\":");
	p = name16(p, &size_names[zoo->size_class ? 1 : 0]);
	p = KEY(p, ",\"duration_class\":");
	p = name16(p, &duration_names[zoo->duration_class ? 1 : 0]);
	p = KEY(p, ",\"rate_class\":");
	p = name16(p, &rate_names[zoo->rate_class == FZ_ZOO_NULL ? 2 : zoo->rate_class ? 1 : 0]);
	p = KEY(p, ",\"size_mean\":");
	p = fz_fmt_real15(p, zoo->size_mean);
	p = KEY(p, ",\"duration_mean\":");
	p = fz_fmt_real15(p, zoo->duration_mean);
	p = KEY(p, ",\"rate_mean\":");
	return fz_fmt_real15(p, zoo->rate_mean);
}

static char *encode(const struct fz_record_enc *enc, const struct fz_flow_rec *r,
                    const struct fz_zoo_result *zoo, char *p)
{
	const struct text *app = &enc->apps[r->app < enc->n_apps ? r->app : 0];
	const struct name16 *reason =
	    &reason_texts[r->end_reason < FZ_END__COUNT ? r->end_reason : 0];

	p = put_text(p, &enc->prefix);
	p = fz_fmt_u64(p, r->flow_id);
	p = KEY_U64(p, ",\"worker\":", r->worker);
	p = KEY_U64(p, ",\"vlan\":", r->key.vlan[0]);
	p = KEY_U64(p, ",\"vlan_inner\":", r->key.vlan[1]);
	p = KEY_U64(p, ",\"ip_version\":", r->key.ip_version);
	p = KEY_U64(p, ",\"ip_proto\":", r->key.proto);
	p = KEY(p, ",\"src_ip\":");
	p = addr(p, &r->key, 0);
	p = KEY_U64(p, ",\"src_port\":", r->key.port[0]);
	p = KEY(p, ",\"dst_ip\":");
	p = addr(p, &r->key, 1);
	p = KEY_U64(p, ",\"dst_port\":", r->key.port[1]);
	for (int end = 0; end < 2; end++) {
		const struct text *net =
		    &enc->nets[end][r->net[end] < enc->n_nets ? r->net[end] : 0];

		p = put_text(p, net);
	}
	p = KEY_U64(p, ",\"first_ms\":", r->first_us / 1000);
	p = KEY_U64(p, ",\"last_ms\":", r->last_us / 1000);
	p = KEY(p, ",\"duration_s\":");
	p = fz_fmt_micros(p, r->last_us - r->first_us);
	p = KEY_U64(p, ",\"packets\":", r->packets[0] + r->packets[1]);
	p = KEY_U64(p, ",\"bytes\":", r->bytes[0] + r->bytes[1]);
	p = KEY_U64(p, ",\"packets_fwd\":", r->packets[0]);
	p = KEY_U64(p, ",\"bytes_fwd\":", r->bytes[0]);
	p = KEY_U64(p, ",\"packets_rev\":", r->packets[1]);
	p = KEY_U64(p, ",\"bytes_rev\":", r->bytes[1]);
	p = KEY_U64(p, ",\"tcp_flags_fwd\":", r->tcp_flags[0]);
	p = KEY_U64(p, ",\"tcp_flags_rev\":", r->tcp_flags[1]);
	p = KEY(p, ",\"end_reason\":\"");
	p = name16(p, reason);
	p = put_text(p, app);
	if (zoo != NULL)
		p = zoo_fields(p, zoo);
	*p++ = '}';
	return p;
}

int fz_record_flow_json(struct fz_record_enc *enc, const struct fz_flow_rec *r,
                        const struct fz_zoo_result *zoo, char *buf, size_t cap)
{
	size_t n;

	if (cap >= enc->scratch_cap) {
		n = (size_t)(encode(enc, r, zoo, buf) - buf);
	} else {
		n = (size_t)(encode(enc, r, zoo, enc->scratch) - enc->scratch);
		if (n >= cap)
			return -ENOSPC;
		memcpy(buf, enc->scratch, n);
	}
	buf[n] = '\0';
	return (int)n;
}
