/*
 * The dashboard's top lists (see dashboard.h, docs/dashboard.md): on the
 * stats lcore, the top lists of each network's last FZ_DASH_TOP_BINS closed
 * bins (FZ_DASH_TOP entries per list, binary keys) and, every 2 seconds, the
 * record of the bin open now; each network's published alone (struct
 * fz_counter_pub). Readers on the HTTP thread turn them into JSON, filtered
 * to one host or port for the page's filtered view.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "fz_traffic.h"

#define OPEN_MAX    (16u << 10) /* the open bin's record, trimmed like the latest */
#define OPEN_PERIOD 2000000u    /* µs between two copies of the open bins */

enum { L_SRC, L_DST, L_PORT, L__COUNT };

static const char *const list_names[L__COUNT] = {"src_ip", "dst_ip", "dst_port"};

struct entry {
	uint8_t key[16]; /* an address (IPv4 as ::ffff:a.b.c.d), or a port in the last two bytes */
	uint64_t packets, bytes, flows;
};

struct top_bin {
	uint64_t bin_start_ms, bin_end_ms;
	uint64_t n[L__COUNT];
	struct entry e[L__COUNT][FZ_DASH_TOP];
};

struct tops {
	uint64_t n, next; /* bins in the ring, the slot of the next */
	struct top_bin bins[FZ_DASH_TOP_BINS];
};

struct fz_dash_tops {
	struct fz_appliance *app;
	unsigned n_nets;
	struct tops *mine;              /* the stats lcore's, n_nets */
	struct fz_counter_pub **pubs;   /* one per network */
	struct fz_dash_text *open;      /* the stats lcore's buffer */
	struct fz_counter_pub **opened; /* one per network */
};

void fz_dash_tops_take(struct fz_dash_tops *t, unsigned net, json_t *record)
{
	struct tops *r;
	struct top_bin *b;

	if (net >= t->n_nets)
		return;
	r = &t->mine[net];
	b = &r->bins[r->next];
	memset(b, 0, sizeof(*b));
	b->bin_start_ms = (uint64_t)json_integer_value(json_object_get(record, "bin_start_ms"));
	b->bin_end_ms = (uint64_t)json_integer_value(json_object_get(record, "bin_end_ms"));
	for (int l = 0; l < L__COUNT; l++) {
		json_t *list = json_object_get(json_object_get(record, "top"), list_names[l]), *e;
		size_t i;

		json_array_foreach(list, i, e)
		{
			struct entry *x = &b->e[l][b->n[l]];

			if (b->n[l] == FZ_DASH_TOP)
				break;
			if (fz_traffic_top_key_parse(json_object_get(e, "key"), l == L_PORT,
			                             x->key))
				continue;
			x->packets = (uint64_t)json_integer_value(json_object_get(e, "packets"));
			x->bytes = (uint64_t)json_integer_value(json_object_get(e, "bytes"));
			x->flows = (uint64_t)json_integer_value(json_object_get(e, "flows"));
			b->n[l]++;
		}
	}
	r->next = (r->next + 1) % FZ_DASH_TOP_BINS;
	if (r->n < FZ_DASH_TOP_BINS)
		r->n++;
	{
		struct fz_counter_pub_part parts[] = {
		    {0, offsetof(struct tops, bins)},
		    {(size_t)((char *)b - (char *)r), sizeof(*b)},
		};

		fz_counter_pub_write_parts(t->pubs[net], r, parts, 2);
	}
}

/* Whether an entry of list l passes the filter. */
static int wanted(const struct fz_dash_top_filter *f, int l, const uint8_t key[16])
{
	if (f == NULL || (!f->has_host && !f->has_port))
		return 1;
	if (l == L_PORT)
		return f->has_port && memcmp(key, f->key, 16) == 0;
	return f->has_host && memcmp(key, f->key, 16) == 0;
}

int fz_dash_tops_key(const char *host, const char *port, struct fz_dash_top_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (host) {
		json_t *s = json_string(host);
		int rc = s ? fz_traffic_top_key_parse(s, 0, f->key) : -1;

		json_decref(s);
		f->has_host = rc == 0;
		return rc;
	}
	if (port) {
		char *end;
		unsigned long p = strtoul(port, &end, 10);

		if (port[0] < '0' || port[0] > '9' || *end || p > 65535 || end - port > 5)
			return -1;
		f->key[14] = (uint8_t)(p >> 8);
		f->key[15] = (uint8_t)p;
		f->has_port = 1;
	}
	return 0;
}

json_t *fz_dash_tops_read(const struct fz_dash_tops *t, unsigned net, unsigned max_bins,
                          const struct fz_dash_top_filter *f)
{
	struct tops *r = malloc(sizeof(*r));
	json_t *bins = json_array();
	uint64_t n;

	if (r == NULL || bins == NULL || net >= t->n_nets) {
		free(r);
		json_decref(bins);
		return NULL;
	}
	fz_counter_pub_read(t->pubs[net], r);
	n = r->n < max_bins ? r->n : max_bins;
	for (uint64_t k = 0; k < n; k++) {
		const struct top_bin *b =
		    &r->bins[(r->next + FZ_DASH_TOP_BINS - n + k) % FZ_DASH_TOP_BINS];
		json_t *top = json_object();

		for (int l = 0; top && l < L__COUNT; l++) {
			json_t *list = json_array();

			for (uint64_t i = 0; list && i < b->n[l] && i < FZ_DASH_TOP; i++) {
				const struct entry *x = &b->e[l][i];

				if (wanted(f, l, x->key))
					json_array_append_new(
					    list, json_pack("{s:o, s:I, s:I, s:I, s:I}", "key",
					                    fz_traffic_top_key(l == L_PORT, x->key),
					                    "rank", (json_int_t)i + 1, "packets",
					                    (json_int_t)x->packets, "bytes",
					                    (json_int_t)x->bytes, "flows",
					                    (json_int_t)x->flows));
			}
			json_object_set_new(top, list_names[l], list ? list : json_array());
		}
		json_array_append_new(bins, json_pack("{s:I, s:I, s:o}", "bin_start_ms",
		                                      (json_int_t)b->bin_start_ms, "bin_end_ms",
		                                      (json_int_t)b->bin_end_ms, "top",
		                                      top ? top : json_object()));
	}
	free(r);
	return bins;
}

json_t *fz_dash_tops_open(const struct fz_dash_tops *t, unsigned net)
{
	char *text;
	json_t *o;

	if (net >= t->n_nets)
		return NULL;
	text = fz_dash_read_text(t->opened[net], sizeof(struct fz_dash_text) + OPEN_MAX, NULL);
	if (text == NULL)
		return NULL;
	o = text[0] ? json_loads(text, 0, NULL) : json_null();
	free(text);
	return o;
}

/* Stats lcore, every 2 s: each network's open bin as it stands. */
static void open_tick(void *arg, uint64_t now_us, int final)
{
	struct fz_dash_tops *t = arg;

	(void)now_us;
	(void) final;
	for (unsigned i = 0; i < t->n_nets; i++) {
		json_t *o = fz_traffic_open_record(t->app->traffic, i);

		t->open->text[0] = '\0';
		if (o) {
			json_object_del(o, "apps"); /* the page shows the open bin's top lists */
			fz_dash_trim_dump(o, t->open->text, OPEN_MAX);
		}
		json_decref(o);
		t->open->count++;
		fz_counter_pub_write(t->opened[i], t->open);
	}
}

struct fz_dash_tops *fz_dash_tops_create(struct fz_appliance *app, unsigned n_nets)
{
	struct fz_dash_tops *t = calloc(1, sizeof(*t));
	struct fz_timer_conf tc = {
	    "dashboard open bins", FZ_TIMER_WALL, OPEN_PERIOD, 0, open_tick, t};
	int nomem;

	if (t == NULL)
		return NULL;
	t->app = app;
	t->n_nets = !app->traffic ? 0 : n_nets < FZ_DASH_NETWORKS ? n_nets : FZ_DASH_NETWORKS;
	t->mine = calloc(t->n_nets ? t->n_nets : 1, sizeof(*t->mine));
	t->pubs = calloc(t->n_nets ? t->n_nets : 1, sizeof(*t->pubs));
	t->opened = calloc(t->n_nets ? t->n_nets : 1, sizeof(*t->opened));
	t->open = calloc(1, sizeof(struct fz_dash_text) + OPEN_MAX);
	nomem = !t->mine || !t->pubs || !t->opened || !t->open;
	for (unsigned i = 0; !nomem && i < t->n_nets; i++) {
		t->pubs[i] = fz_counter_pub_create(sizeof(struct tops));
		t->opened[i] = fz_counter_pub_create(sizeof(struct fz_dash_text) + OPEN_MAX);
		nomem = !t->pubs[i] || !t->opened[i];
	}
	if (nomem || (t->n_nets && fz_timers_add(app->timers, &tc))) {
		fz_dash_tops_free(t);
		errno = nomem ? ENOMEM : ENOSPC;
		return NULL;
	}
	return t;
}

void fz_dash_tops_free(struct fz_dash_tops *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; t->pubs && i < t->n_nets; i++)
		fz_counter_pub_free(t->pubs[i]);
	for (unsigned i = 0; t->opened && i < t->n_nets; i++)
		fz_counter_pub_free(t->opened[i]);
	free(t->pubs);
	free(t->opened);
	free(t->mine);
	free(t->open);
	free(t);
}
