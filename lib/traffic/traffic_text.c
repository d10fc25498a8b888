/*
 * The "type":"traffic" record written as text without building it in
 * jansson first: under a flood the records of a bin close (one per network)
 * were the stats lcore's largest cost after the flows themselves. The text
 * is byte for byte what json_dumpb(JSON_COMPACT) writes for the record of
 * traffic_record.c: the names are escaped by jansson itself, once, when the
 * bins are made; numbers are written as jansson writes a json_int_t;
 * addresses as inet_ntop writes them. tests/unit/test_traffic_text.c
 * compares the two writers on the same bins.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "numfmt.h"
#include "traffic_priv.h"

/* A writer into a buffer of fixed size that remembers running out of room. */
struct text_out {
	char *p, *end;
	int full;
};

static void put(struct text_out *w, const char *s, size_t n)
{
	if (w->full || (size_t)(w->end - w->p) < n) {
		w->full = 1;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

#define PUT_LIT(w, s) put(w, s, sizeof(s) - 1)

/* v as the record's json_integer((json_int_t)v) prints. */
static void put_int(struct text_out *w, uint64_t v)
{
	char tmp[FZ_NUMFMT_MAX], *e;

	if ((int64_t)v < 0) {
		tmp[0] = '-';
		e = fz_fmt_u64(tmp + 1, 0 - v);
	} else {
		e = fz_fmt_u64(tmp, v);
	}
	put(w, tmp, (size_t)(e - tmp));
}

static void put_bool(struct text_out *w, int b)
{
	if (b)
		PUT_LIT(w, "true");
	else
		PUT_LIT(w, "false");
}

/* A top key as fz_traffic_top_key() makes it: a port number, or the address text. */
static void put_key(struct text_out *w, int port, const uint8_t k[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char tmp[64], *e = tmp;

	if (port) {
		put_int(w, (uint64_t)((k[14] << 8) | k[15]));
		return;
	}
	*e++ = '"';
	if (memcmp(k, mapped, sizeof(mapped)) == 0)
		e = fz_fmt_ipv4(e, k + 12);
	else
		e = fz_fmt_ipv6(e, k);
	*e++ = '"';
	put(w, tmp, (size_t)(e - tmp));
}

/* s as a JSON string the way jansson dumps it (NULL when jansson refuses it). */
static char *dump_string(const char *s, size_t *len)
{
	json_t *j = s ? json_string(s) : NULL;
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	*len = text ? strlen(text) : 0;
	return text;
}

/* Network net's opening, made by the same jansson calls as the record's: NULL without memory. */
static char *net_head(const struct fz_traffic *t, unsigned net, size_t *len)
{
	static const char tail[] = ",\"bin_start_ms\":";
	json_t *o = json_object();
	char *text, *head = NULL;
	size_t n;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "type", json_string("traffic"));
	json_object_set_new(o, "schema_version", json_integer(FZ_SCHEMA_VERSION));
	json_object_set_new(o, "collector", json_string(t->conf.collector));
	json_object_set_new(o, "network", json_string(t->conf.net_names[net]));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return NULL;
	n = strlen(text) - 1; /* without the closing brace */
	head = malloc(n + sizeof(tail));
	if (head) {
		memcpy(head, text, n);
		memcpy(head + n, tail, sizeof(tail));
		*len = n + sizeof(tail) - 1;
	}
	free(text);
	return head;
}

int fz_traffic_text_init(struct fz_traffic *t)
{
	struct traffic_text *x = &t->text;
	unsigned n_apps = t->conf.n_apps ? t->conf.n_apps : 1;

	memset(x, 0, sizeof(*x));
	x->net_head = calloc(t->conf.n_nets ? t->conf.n_nets : 1, sizeof(*x->net_head));
	x->net_head_len = calloc(t->conf.n_nets ? t->conf.n_nets : 1, sizeof(*x->net_head_len));
	x->app_key = calloc(n_apps, sizeof(*x->app_key));
	x->app_key_len = calloc(n_apps, sizeof(*x->app_key_len));
	if (!x->net_head || !x->net_head_len || !x->app_key || !x->app_key_len)
		return -ENOMEM;
	for (unsigned i = 0; i < t->conf.n_nets; i++)
		if ((x->net_head[i] = net_head(t, i, &x->net_head_len[i])) == NULL)
			return -ENOMEM;
	x->ok = 1;
	for (unsigned a = 0; a < n_apps; a++) {
		const char *name = t->conf.n_apps ? t->conf.app_names[a] : "unknown";
		static const char tail[] = ":{\"flows\":";
		size_t n;
		char *key = dump_string(name, &n);

		/* jansson leaves such an application out of "apps"; so would the text, but
		 * the two writers are kept apart only where they are known to agree. */
		if (key == NULL) {
			x->ok = 0;
			continue;
		}
		/* Two applications of one name are one key of "apps" in jansson. */
		for (unsigned b = 0; b < a; b++)
			if (x->app_key[b] && x->app_key_len[b] == n + sizeof(tail) - 1 &&
			    memcmp(x->app_key[b], key, n) == 0)
				x->ok = 0;
		x->app_key[a] = malloc(n + sizeof(tail));
		if (x->app_key[a] == NULL) {
			free(key);
			return -ENOMEM;
		}
		memcpy(x->app_key[a], key, n);
		memcpy(x->app_key[a] + n, tail, sizeof(tail));
		x->app_key_len[a] = n + sizeof(tail) - 1;
		free(key);
	}
	return 0;
}

void fz_traffic_text_free(struct fz_traffic *t)
{
	struct traffic_text *x = &t->text;

	for (unsigned i = 0; x->net_head && i < t->conf.n_nets; i++)
		free(x->net_head[i]);
	for (unsigned a = 0; x->app_key && a < (t->conf.n_apps ? t->conf.n_apps : 1); a++)
		free(x->app_key[a]);
	free(x->net_head);
	free(x->net_head_len);
	free(x->app_key);
	free(x->app_key_len);
	memset(x, 0, sizeof(*x));
}

static void put_list(struct text_out *w, const struct bin_tops *tops, int k, unsigned n,
                     uint64_t *max_err)
{
	PUT_LIT(w, "[");
	for (unsigned i = 0; i < n; i++) {
		const struct topn_entry *e = tops->e[k][i];

		if (i)
			PUT_LIT(w, ",");
		PUT_LIT(w, "{\"key\":");
		put_key(w, k == TOP_DST_PORT, e->key);
		PUT_LIT(w, ",\"packets\":");
		put_int(w, e->packets);
		PUT_LIT(w, ",\"bytes\":");
		put_int(w, e->bytes);
		PUT_LIT(w, ",\"flows\":");
		put_int(w, e->flows);
		PUT_LIT(w, "}");
		if (e->err > *max_err)
			*max_err = e->err;
	}
	PUT_LIT(w, "]");
}

int fz_traffic_text_record(const struct fz_traffic *t, const struct bin *b, unsigned net,
                           int partial, const struct bin_tops *tops, char *buf, size_t cap)
{
	const struct net_bin *nb = &b->nets[net];
	const struct traffic_text *x = &t->text;
	struct text_out w = {buf, buf + (cap ? cap - 1 : 0), cap == 0};
	uint64_t start_ms = b->index * t->conf.bin_us / 1000, max_err = 0;
	unsigned want = traffic_list_len(&t->conf);
	int first = 1;

	put(&w, x->net_head[net], x->net_head_len[net]);
	put_int(&w, start_ms);
	PUT_LIT(&w, ",\"bin_end_ms\":");
	put_int(&w, start_ms + t->conf.bin_us / 1000);
	PUT_LIT(&w, ",\"packets_in\":");
	put_int(&w, nb->all.packets_in);
	PUT_LIT(&w, ",\"bytes_in\":");
	put_int(&w, nb->all.bytes_in);
	PUT_LIT(&w, ",\"packets_out\":");
	put_int(&w, nb->all.packets_out);
	PUT_LIT(&w, ",\"bytes_out\":");
	put_int(&w, nb->all.bytes_out);
	PUT_LIT(&w, ",\"flows\":");
	put_int(&w, nb->all.flows);
	PUT_LIT(&w, ",\"flows_new\":");
	put_int(&w, nb->all.flows_new);
	PUT_LIT(&w, ",\"apps\":{");
	for (unsigned a = 0; nb->apps && a < (t->conf.n_apps ? t->conf.n_apps : 1); a++) {
		if (nb->apps[a * 3] == 0)
			continue;
		if (!first)
			PUT_LIT(&w, ",");
		first = 0;
		put(&w, x->app_key[a], x->app_key_len[a]);
		put_int(&w, nb->apps[a * 3]);
		PUT_LIT(&w, ",\"packets\":");
		put_int(&w, nb->apps[a * 3 + 1]);
		PUT_LIT(&w, ",\"bytes\":");
		put_int(&w, nb->apps[a * 3 + 2]);
		PUT_LIT(&w, "}");
	}
	PUT_LIT(&w, "},\"top\":{\"src_ip\":");
	put_list(&w, tops, TOP_SRC_IP, tops->n[TOP_SRC_IP] < want ? tops->n[TOP_SRC_IP] : want,
	         &max_err);
	PUT_LIT(&w, ",\"dst_ip\":");
	put_list(&w, tops, TOP_DST_IP, tops->n[TOP_DST_IP] < want ? tops->n[TOP_DST_IP] : want,
	         &max_err);
	PUT_LIT(&w, ",\"dst_port\":");
	put_list(&w, tops, TOP_DST_PORT,
	         tops->n[TOP_DST_PORT] < want ? tops->n[TOP_DST_PORT] : want, &max_err);
	PUT_LIT(&w, "},\"top_exact\":");
	put_bool(&w, tops->exact);
	PUT_LIT(&w, ",\"top_error_bytes\":");
	put_int(&w, max_err);
	PUT_LIT(&w, ",\"partial\":");
	put_bool(&w, partial);
	PUT_LIT(&w, "}");
	if (w.full)
		return -ENOSPC;
	*w.p = '\0';
	return (int)(w.p - buf);
}
