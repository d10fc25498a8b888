/*
 * The reference encoder for test_record: flow records made the generic way,
 * one jansson object dumped with json_dumpb (flowzoo's encoder before the
 * direct one in lib/record). The direct encoder must give the same bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_record.h"
#include "record_ref.h"

/* Integer fields of a flow record, in output order after the address fields. */
#define INT_FIELDS(X)                                                                              \
	X(first_ms)                                                                                \
	X(last_ms)                                                                                 \
	X(packets)                                                                                 \
	X(bytes)                                                                                   \
	X(packets_fwd)                                                                             \
	X(bytes_fwd)                                                                               \
	X(packets_rev)                                                                             \
	X(bytes_rev)                                                                               \
	X(tcp_flags_fwd)                                                                           \
	X(tcp_flags_rev)

static const char *const size_names[2] = {"mouse", "elephant"};
static const char *const duration_names[2] = {"dragonfly", "tortoise"};
static const char *const rate_names[2] = {"snail", "cheetah"};

struct ref_enc {
	const struct fz_record_ctx *ctx;
	json_t *obj;
	json_t *flow_id, *worker, *vlan, *vlan_inner, *ip_version, *ip_proto;
	json_t *src_ip, *src_port, *dst_ip, *dst_port, *duration_s, *end_reason, *app;
#define FZ_X(f) json_t *f;
	INT_FIELDS(FZ_X)
#undef FZ_X
	json_t *size_mean, *duration_mean, *rate_mean;
	json_t *reasons[FZ_END__COUNT];
	json_t **apps;
	unsigned n_apps;
	json_t **nets; /* by network id; [0] is null */
	unsigned n_nets;
	json_t *size_cls[2], *duration_cls[2], *rate_cls[2];
};

/* Add key to obj with a new value and return a borrowed pointer to it. */
/* The address as libc's inet_ntop writes it (the encoder has its own formatter). */
static void ref_addr(const struct fz_flow_key *key, int end, char *buf, size_t cap)
{
	if (key->ip_version == 4)
		inet_ntop(AF_INET, key->addr[end] + 12, buf, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, key->addr[end], buf, (socklen_t)cap);
}

static json_t *add(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0)
		return NULL;
	return value;
}

struct ref_enc *ref_enc_create(const struct fz_record_ctx *ctx)
{
	struct ref_enc *enc = calloc(1, sizeof(*enc));
	int ok = 1;

	if (enc == NULL)
		return NULL;
	enc->ctx = ctx;
	enc->obj = json_object();
	enc->n_apps = ctx->n_apps ? ctx->n_apps : 1;
	enc->apps = calloc(enc->n_apps, sizeof(json_t *));
	if (enc->obj == NULL || enc->apps == NULL)
		goto nomem;
	ok &= add(enc->obj, "type", json_string("flow")) != NULL;
	if (ctx->schema_version > 0)
		ok &= add(enc->obj, "schema_version", json_integer(ctx->schema_version)) != NULL;
	ok &= add(enc->obj, "collector", json_string(ctx->collector ? ctx->collector : "")) != NULL;
	ok &= (enc->flow_id = add(enc->obj, "flow_id", json_integer(0))) != NULL;
	ok &= (enc->worker = add(enc->obj, "worker", json_integer(0))) != NULL;
	ok &= (enc->vlan = add(enc->obj, "vlan", json_integer(0))) != NULL;
	ok &= (enc->vlan_inner = add(enc->obj, "vlan_inner", json_integer(0))) != NULL;
	ok &= (enc->ip_version = add(enc->obj, "ip_version", json_integer(0))) != NULL;
	ok &= (enc->ip_proto = add(enc->obj, "ip_proto", json_integer(0))) != NULL;
	ok &= (enc->src_ip = add(enc->obj, "src_ip", json_string(""))) != NULL;
	ok &= (enc->src_port = add(enc->obj, "src_port", json_integer(0))) != NULL;
	ok &= (enc->dst_ip = add(enc->obj, "dst_ip", json_string(""))) != NULL;
	ok &= (enc->dst_port = add(enc->obj, "dst_port", json_integer(0))) != NULL;
	ok &= add(enc->obj, "src_network", json_null()) != NULL;
	ok &= add(enc->obj, "dst_network", json_null()) != NULL;
	ok &= (enc->first_ms = add(enc->obj, "first_ms", json_integer(0))) != NULL;
	ok &= (enc->last_ms = add(enc->obj, "last_ms", json_integer(0))) != NULL;
	ok &= (enc->duration_s = add(enc->obj, "duration_s", json_real(0))) != NULL;
#define FZ_X(f)                                                                                    \
	if (enc->f == NULL)                                                                        \
		ok &= (enc->f = add(enc->obj, #f, json_integer(0))) != NULL;
	INT_FIELDS(FZ_X)
#undef FZ_X
	for (int i = 0; i < FZ_END__COUNT; i++)
		ok &= (enc->reasons[i] = json_string(fz_end_reason_names[i])) != NULL;
	enc->n_nets = ctx->n_nets + 1;
	enc->nets = calloc(enc->n_nets, sizeof(json_t *));
	ok &= enc->nets != NULL;
	for (unsigned i = 0; enc->nets && i < enc->n_nets; i++)
		ok &= (enc->nets[i] = i ? json_string(ctx->net_names[i - 1]) : json_null()) != NULL;
	for (unsigned i = 0; i < enc->n_apps; i++)
		ok &= (enc->apps[i] = json_string(ctx->n_apps ? ctx->app_names[i] : "unknown")) !=
		      NULL;
	for (int i = 0; i < 2; i++) {
		ok &= (enc->size_cls[i] = json_string(size_names[i])) != NULL;
		ok &= (enc->duration_cls[i] = json_string(duration_names[i])) != NULL;
		ok &= (enc->rate_cls[i] = json_string(rate_names[i])) != NULL;
	}
	ok &= (enc->end_reason = add(enc->obj, "end_reason", json_string(""))) != NULL;
	ok &= (enc->app = add(enc->obj, "app", json_string("unknown"))) != NULL;
	if (!ok)
		goto nomem;
	return enc;
nomem:
	ref_enc_free(enc);
	errno = ENOMEM;
	return NULL;
}

void ref_enc_free(struct ref_enc *enc)
{
	if (enc == NULL)
		return;
	json_decref(enc->obj);
	for (int i = 0; i < FZ_END__COUNT; i++)
		json_decref(enc->reasons[i]);
	for (unsigned i = 0; enc->apps && i < enc->n_apps; i++)
		json_decref(enc->apps[i]);
	for (unsigned i = 0; enc->nets && i < enc->n_nets; i++)
		json_decref(enc->nets[i]);
	free(enc->nets);
	for (int i = 0; i < 2; i++) {
		json_decref(enc->size_cls[i]);
		json_decref(enc->duration_cls[i]);
		json_decref(enc->rate_cls[i]);
	}
	free(enc->apps);
	free(enc);
}

/* Set or replace a zoo field; values are shared constants or new reals. */
static int set_zoo(struct ref_enc *enc, const struct fz_zoo_result *zoo)
{
	int r = 0;

	r |= json_object_set(enc->obj, "size_class", enc->size_cls[zoo->size_class ? 1 : 0]);
	r |= json_object_set(enc->obj, "duration_class",
	                     enc->duration_cls[zoo->duration_class ? 1 : 0]);
	if (zoo->rate_class == FZ_ZOO_NULL)
		r |= json_object_set_new(enc->obj, "rate_class", json_null());
	else
		r |=
		    json_object_set(enc->obj, "rate_class", enc->rate_cls[zoo->rate_class ? 1 : 0]);
	if (enc->size_mean == NULL) {
		r |= (enc->size_mean = add(enc->obj, "size_mean", json_real(0))) == NULL;
		r |= (enc->duration_mean = add(enc->obj, "duration_mean", json_real(0))) == NULL;
		r |= (enc->rate_mean = add(enc->obj, "rate_mean", json_real(0))) == NULL;
		if (r)
			return -ENOMEM;
	}
	json_real_set(enc->size_mean, zoo->size_mean);
	json_real_set(enc->duration_mean, zoo->duration_mean);
	json_real_set(enc->rate_mean, zoo->rate_mean);
	return r ? -ENOMEM : 0;
}

int ref_flow_json(struct ref_enc *enc, const struct fz_flow_rec *r, const struct fz_zoo_result *zoo,
                  char *buf, size_t cap)
{
	char addr[64];
	size_t n;

	json_integer_set(enc->flow_id, (json_int_t)r->flow_id);
	json_integer_set(enc->worker, r->worker);
	json_integer_set(enc->vlan, r->key.vlan[0]);
	json_integer_set(enc->vlan_inner, r->key.vlan[1]);
	json_integer_set(enc->ip_version, r->key.ip_version);
	json_integer_set(enc->ip_proto, r->key.proto);
	ref_addr(&r->key, 0, addr, sizeof(addr));
	if (json_string_set(enc->src_ip, addr) != 0)
		return -ENOMEM;
	json_integer_set(enc->src_port, r->key.port[0]);
	ref_addr(&r->key, 1, addr, sizeof(addr));
	if (json_string_set(enc->dst_ip, addr) != 0)
		return -ENOMEM;
	json_integer_set(enc->dst_port, r->key.port[1]);
	if (json_object_set(enc->obj, "src_network",
	                    enc->nets[r->net[0] < enc->n_nets ? r->net[0] : 0]) != 0 ||
	    json_object_set(enc->obj, "dst_network",
	                    enc->nets[r->net[1] < enc->n_nets ? r->net[1] : 0]) != 0)
		return -ENOMEM;
	json_integer_set(enc->first_ms, (json_int_t)(r->first_us / 1000));
	json_integer_set(enc->last_ms, (json_int_t)(r->last_us / 1000));
	json_real_set(enc->duration_s, (double)(r->last_us - r->first_us) / 1e6);
	json_integer_set(enc->packets, (json_int_t)(r->packets[0] + r->packets[1]));
	json_integer_set(enc->bytes, (json_int_t)(r->bytes[0] + r->bytes[1]));
	json_integer_set(enc->packets_fwd, (json_int_t)r->packets[0]);
	json_integer_set(enc->bytes_fwd, (json_int_t)r->bytes[0]);
	json_integer_set(enc->packets_rev, (json_int_t)r->packets[1]);
	json_integer_set(enc->bytes_rev, (json_int_t)r->bytes[1]);
	json_integer_set(enc->tcp_flags_fwd, r->tcp_flags[0]);
	json_integer_set(enc->tcp_flags_rev, r->tcp_flags[1]);
	if (json_object_set(enc->obj, "end_reason",
	                    enc->reasons[r->end_reason < FZ_END__COUNT ? r->end_reason : 0]) != 0)
		return -ENOMEM;
	if (json_object_set(enc->obj, "app", enc->apps[r->app < enc->n_apps ? r->app : 0]) != 0)
		return -ENOMEM;
	if (zoo != NULL && set_zoo(enc, zoo) != 0)
		return -ENOMEM;

	n = json_dumpb(enc->obj, buf, cap, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (n == 0)
		return -ENOMEM;
	if (n >= cap)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

struct fz_flow_rec ref_example_flow(void)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.key.addr[0][10] = r.key.addr[0][11] = 0xff;
	r.key.addr[1][10] = r.key.addr[1][11] = 0xff;
	memcpy(&r.key.addr[0][12], "\xc0\xa8\x01\x0d", 4); /* 192.168.1.13 */
	memcpy(&r.key.addr[1][12], "\xb2\x3e\xc5\x82", 4); /* 178.62.197.130 */
	r.key.port[0] = 55523;
	r.key.port[1] = 443;
	r.key.vlan[0] = 100;
	r.key.vlan[1] = 7;
	r.key.proto = 6;
	r.key.ip_version = 4;
	r.flow_id = (1ULL << 48) | 42;
	r.first_us = 1700000000123456ULL;
	r.last_us = 1700000002623457ULL;
	r.packets[0] = 51;
	r.packets[1] = 58;
	r.bytes[0] = 3000;
	r.bytes[1] = 69456;
	r.tcp_flags[0] = 0x1b;
	r.tcp_flags[1] = 0x1a;
	r.end_reason = FZ_END_TCP_END;
	r.app = 2;
	r.worker = 1;
	return r;
}
