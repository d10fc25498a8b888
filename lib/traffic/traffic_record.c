/*
 * The "type":"traffic" record of one network in one bin (docs/traffic.md):
 * built in jansson here for the open bin (dashboard, API) and, when a name
 * is one the text writer leaves to jansson, for every record; otherwise a
 * closed bin's records are written as text by traffic_text.c, the same bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "traffic_priv.h"

static const char *const top_names[TOP__COUNT] = {"src_ip", "dst_ip", "dst_port"};

json_t *fz_traffic_top_key(int port, const uint8_t k[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char buf[INET6_ADDRSTRLEN];

	if (port)
		return json_integer((k[14] << 8) | k[15]);
	if (memcmp(k, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, k + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, k, buf, sizeof(buf));
	return json_string(buf);
}

int fz_traffic_top_key_parse(json_t *k, int port, uint8_t out[16])
{
	const char *text = json_string_value(k);
	struct in_addr a4;

	memset(out, 0, 16);
	if (port) {
		json_int_t p = json_integer_value(k);

		if (!json_is_integer(k) || p < 0 || p > 65535)
			return -EINVAL;
		traffic_port_key(out, (uint16_t)p);
		return 0;
	}
	if (text && inet_pton(AF_INET, text, &a4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return text && inet_pton(AF_INET6, text, out) == 1 ? 0 : -EINVAL;
}

/* Each top list's first entries, as many as the record and the figures show. */
static void select_tops(const struct fz_traffic *t, const struct net_bin *nb, struct bin_tops *tops)
{
	unsigned want = traffic_list_len(&t->conf);

	if (want < FZ_TRAFFIC_TOP_MAX)
		want = FZ_TRAFFIC_TOP_MAX;
	tops->exact = 1;
	for (int k = 0; k < TOP__COUNT; k++) {
		tops->n[k] = nb->has_top ? topn_top(&nb->top[k], want, tops->e[k]) : 0;
		if (nb->has_top && nb->top[k].full)
			tops->exact = 0;
	}
}

/* The record's object, with the top lists select_tops() chose; NULL without memory. */
static json_t *record(struct fz_traffic *t, const struct bin *b, unsigned net, int partial,
                      const struct bin_tops *tops)
{
	const struct net_bin *nb = &b->nets[net];
	json_t *o = json_object(), *apps = json_object(), *top = json_object();
	uint64_t start_ms = b->index * t->conf.bin_us / 1000;
	uint64_t max_err = 0;
	unsigned want = traffic_list_len(&t->conf);

	if (o == NULL || apps == NULL || top == NULL)
		goto fail;
	json_object_set_new(o, "type", json_string("traffic"));
	json_object_set_new(o, "schema_version", json_integer(FZ_SCHEMA_VERSION));
	json_object_set_new(o, "collector", json_string(t->conf.collector));
	json_object_set_new(o, "network", json_string(t->conf.net_names[net]));
	json_object_set_new(o, "bin_start_ms", json_integer((json_int_t)start_ms));
	json_object_set_new(o, "bin_end_ms",
	                    json_integer((json_int_t)(start_ms + t->conf.bin_us / 1000)));
	json_object_set_new(o, "packets_in", json_integer((json_int_t)nb->all.packets_in));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)nb->all.bytes_in));
	json_object_set_new(o, "packets_out", json_integer((json_int_t)nb->all.packets_out));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)nb->all.bytes_out));
	json_object_set_new(o, "flows", json_integer((json_int_t)nb->all.flows));
	json_object_set_new(o, "flows_new", json_integer((json_int_t)nb->all.flows_new));
	for (unsigned a = 0; nb->apps && a < (t->conf.n_apps ? t->conf.n_apps : 1); a++)
		if (nb->apps[a * 3])
			json_object_set_new(apps, t->conf.n_apps ? t->conf.app_names[a] : "unknown",
			                    json_pack("{s:I, s:I, s:I}", "flows",
			                              (json_int_t)nb->apps[a * 3], "packets",
			                              (json_int_t)nb->apps[a * 3 + 1], "bytes",
			                              (json_int_t)nb->apps[a * 3 + 2]));
	json_object_set_new(o, "apps", apps);
	apps = NULL;
	for (int k = 0; k < TOP__COUNT; k++) {
		json_t *list = json_array();
		const struct topn_entry *const *e = tops->e[k];
		unsigned n = tops->n[k] < want ? tops->n[k] : want;

		for (unsigned i = 0; list && i < n; i++) {
			json_array_append_new(
			    list,
			    json_pack("{s:o, s:I, s:I, s:I}", "key",
			              fz_traffic_top_key(k == TOP_DST_PORT, e[i]->key), "packets",
			              (json_int_t)e[i]->packets, "bytes", (json_int_t)e[i]->bytes,
			              "flows", (json_int_t)e[i]->flows));
			if (e[i]->err > max_err)
				max_err = e[i]->err;
		}
		json_object_set_new(top, top_names[k], list ? list : json_array());
	}
	json_object_set_new(o, "top", top);
	top = NULL;
	json_object_set_new(o, "top_exact", json_boolean(tops->exact));
	json_object_set_new(o, "top_error_bytes", json_integer((json_int_t)max_err));
	json_object_set_new(o, "partial", json_boolean(partial));
	return o;
fail:
	json_decref(o);
	json_decref(apps);
	json_decref(top);
	return NULL;
}

json_t *fz_traffic_open_record(struct fz_traffic *t, unsigned net)
{
	json_t *o;

	if (net >= t->conf.n_nets || t->n_bins == 0) {
		errno = ENOENT;
		return NULL;
	}
	select_tops(t, &t->bins[t->n_bins - 1].nets[net], &t->tops);
	o = record(t, &t->bins[t->n_bins - 1], net, 1, &t->tops);
	if (o == NULL)
		errno = ENOMEM;
	else
		json_object_set_new(o, "open", json_true());
	return o;
}

static int encode(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	(void)arg;
	return fz_item_dump_json(it->body, buf, cap);
}

/* What encode_text needs of one network's record. */
struct text_body {
	const struct fz_traffic *t;
	const struct bin *b;
	unsigned net;
	int partial;
	const struct bin_tops *tops;
};

static int encode_text(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct text_body *x = it->body;

	(void)arg;
	return fz_traffic_text_record(x->t, x->b, x->net, x->partial, x->tops, buf, cap);
}

/* The figures bin_closed gets: the counts, the alert counts, the first top entries. */
static void figures(const struct net_bin *nb, const struct bin_tops *tops,
                    struct fz_traffic_figures *f)
{
	static const int lists[2] = {TOP_SRC_IP, TOP_DST_IP};

	memset(f, 0, sizeof(*f));
	f->all = nb->all;
	f->alert = nb->alert;
	for (int l = 0; l < 2; l++) {
		const struct topn_entry *const *e = tops->e[lists[l]];
		struct fz_traffic_top *out = l == 0 ? f->src : f->dst;
		unsigned n =
		    tops->n[lists[l]] < FZ_TRAFFIC_TOP_MAX ? tops->n[lists[l]] : FZ_TRAFFIC_TOP_MAX;

		for (unsigned i = 0; i < n; i++) {
			memcpy(out[i].addr, e[i]->key, 16);
			out[i].packets = e[i]->packets;
			out[i].bytes = e[i]->bytes;
			out[i].flows = e[i]->flows;
		}
		*(l == 0 ? &f->n_src : &f->n_dst) = n;
	}
}

void fz_traffic_write_bin(struct fz_traffic *t, struct bin *b, int partial)
{
	uint64_t start_ms = b->index * t->conf.bin_us / 1000;
	uint64_t end_ms = start_ms + t->conf.bin_us / 1000;
	struct bin_tops *tops = &t->tops;

	for (unsigned net = 0; net < t->conf.n_nets; net++) {
		struct text_body body = {t, b, net, partial, tops};
		json_t *o = NULL;
		struct fz_item it;

		select_tops(t, &b->nets[net], tops);
		memset(&it, 0, sizeof(it));
		if (t->text.ok) {
			it.body = &body;
			it.encode = encode_text;
		} else {
			o = record(t, b, net, partial, tops);
			it.body = o;
			it.encode = encode;
		}
		if (it.body == NULL) {
			t->c.no_memory++;
		} else {
			it.kind = FZ_ITEM_TRAFFIC;
			it.stream = "traffic";
			it.key =
			    t->conf.net_names[net]; /* one network's bins meet in one partition */
			it.key_len = strlen(t->conf.net_names[net]);
			it.jbuf = &t->jbuf;
			t->conf.emit(t->conf.emit_arg, &it);
			json_decref(o);
			t->c.records++;
		}
		/* The baselines see the bin even when its record could not be made. */
		if (t->conf.bin_closed) {
			struct fz_traffic_figures f;

			figures(&b->nets[net], tops, &f);
			t->conf.bin_closed(t->conf.bin_closed_arg, net, start_ms, end_ms, &f,
			                   partial);
		}
	}
}
