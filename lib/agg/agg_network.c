/*
 * Traffic records and the fleet baseline of each network. A record is
 * stored, its bin's merged row rewritten from every collector's row in the
 * database, and the network's closer told; each bin the closer closes is
 * written closed and, when complete (no collector's record partial), given
 * to the network's baseline, whose events become fleet alert records.
 *
 * The state of a network is made on the first record of it after start, a
 * rebalance or a failed transaction: the baseline is fed (silently) the last
 * `history` closed merged bins from the database, and the closer every
 * collector row from the last closed bin on, so a member that takes over a
 * partition goes on where the previous one committed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agg_priv.h"

/* Entries of each top list in a fleet alert record, at most (as the appliance's). */
#define ALERT_TOP 3

struct net_ctx {
	struct fz_agg *a;
	struct agg_net *n;
};

void fz_agg__drop_pending(struct fz_agg *a)
{
	while (a->pending) {
		struct agg_pending *p = a->pending;

		a->pending = p->next;
		free(p->record);
		free(p);
	}
	a->pending_tail = &a->pending;
}

void fz_agg_forget(struct fz_agg *a)
{
	while (a->nets) {
		struct agg_net *n = a->nets;

		a->nets = n->next;
		fz_fleet_closer_free(n->closer);
		fz_baseline_free(n->bl);
		free(n);
	}
}

static json_t *top_list(const struct fz_fleet_traffic *m, unsigned l)
{
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < m->n_top[l] && i < ALERT_TOP; i++)
		json_array_append_new(arr, json_pack("{sssIsIsI}", "key", m->top[l][i].key,
		                                     "packets", (json_int_t)m->top[l][i].packets,
		                                     "bytes", (json_int_t)m->top[l][i].bytes,
		                                     "flows", (json_int_t)m->top[l][i].flows));
	return arr;
}

/* The fleet alert record: the appliance's baseline alert (docs/alerts.md) plus collectors. */
static char *alert_record(struct fz_agg *a, const struct agg_net *n,
                          const struct fz_baseline_event *ev, struct fz_fleet_alert *al)
{
	const struct fz_fleet_traffic *m = ev->ctx;
	char message[256];
	json_t *o;
	char *s;

	snprintf(message, sizeof(message), "%s %s of network %s (fleet, %u collectors) %s",
	         fz_baseline_metric(ev->series), fz_baseline_direction(ev->series), n->name,
	         m->collectors,
	         ev->state == FZ_BL_END ? "is back under its baseline" : "is above its baseline");
	o = json_pack("{sssisssIsssssssssssI}", "type", "alert", "schema_version", 1, "collector",
	              a->conf.collector, "time_ms", (json_int_t)ev->time_ms, "alert", "baseline",
	              "severity", "warning", "message", message, "state",
	              fz_baseline_state_name(ev->state), "network", n->name, "start_ms",
	              (json_int_t)ev->start_ms);
	if (!o)
		return NULL;
	fz_baseline_event_fields(ev, o);
	json_object_set_new(o, "top",
	                    json_pack("{soso}", "src_ip", top_list(m, FZ_FLEET_SRC_IP), "dst_ip",
	                              top_list(m, FZ_FLEET_DST_IP)));
	json_object_set_new(o, "collectors", json_integer(m->collectors));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(o);
	memset(al, 0, sizeof(*al));
	snprintf(al->collector, sizeof(al->collector), "%s", a->conf.collector);
	strcpy(al->alert, "baseline");
	strcpy(al->severity, "warning");
	snprintf(al->network, sizeof(al->network), "%s", n->name);
	snprintf(al->metric, sizeof(al->metric), "%s", fz_baseline_metric(ev->series));
	snprintf(al->direction, sizeof(al->direction), "%s", fz_baseline_direction(ev->series));
	snprintf(al->state, sizeof(al->state), "%s", fz_baseline_state_name(ev->state));
	al->time_ms = ev->time_ms;
	al->start_ms = ev->start_ms;
	al->value = ev->value;
	return s;
}

static void on_event(void *arg, const struct fz_baseline_event *ev)
{
	struct net_ctx *c = arg;
	struct fz_agg *a = c->a;
	struct agg_pending *p;
	struct fz_fleet_alert al;
	char *rec;

	if (c->n->replaying)
		return;
	rec = alert_record(a, c->n, ev, &al);
	p = calloc(1, sizeof(*p));
	if (!rec || !p || fz_db_fleet_put_alert(a->db, &al, rec)) {
		/* Counted as a database error by the caller's failing commit. */
		free(rec);
		free(p);
		a->fail = 1;
		return;
	}
	snprintf(p->network, sizeof(p->network), "%s", c->n->name);
	p->record = rec;
	*a->pending_tail = p;
	a->pending_tail = &p->next;
	a->batch.fleet_alerts++;
	if (ev->state != FZ_BL_UPDATE)
		fz_agg__log(a, 0, "fleet alert baseline %s: %s %s of network %s, value %llu",
		            fz_baseline_state_name(ev->state), fz_baseline_metric(ev->series),
		            fz_baseline_direction(ev->series), c->n->name,
		            (unsigned long long)ev->value);
}

static void series(const struct fz_fleet_traffic *m, uint64_t v[FZ_BL__SERIES])
{
	v[FZ_BL_FLOWS] = m->flows;
	v[FZ_BL_PACKETS_IN] = m->packets_in;
	v[FZ_BL_PACKETS_OUT] = m->packets_out;
	v[FZ_BL_BYTES_IN] = m->bytes_in;
	v[FZ_BL_BYTES_OUT] = m->bytes_out;
}

/* bin_start_ms, bin_end_ms, flows, packets_in, packets_out, bytes_in, bytes_out, partial */
static int history_row(void *arg, unsigned nc, const char *const *v)
{
	struct net_ctx *c = arg;
	struct fz_fleet_traffic m = {0};
	uint64_t vals[FZ_BL__SERIES];

	if (nc < 8)
		return -EIO;
	m.bin_start_ms = strtoull(v[0], NULL, 10);
	m.bin_end_ms = strtoull(v[1], NULL, 10);
	m.flows = strtoull(v[2], NULL, 10);
	m.packets_in = strtoull(v[3], NULL, 10);
	m.packets_out = strtoull(v[4], NULL, 10);
	m.bytes_in = strtoull(v[5], NULL, 10);
	m.bytes_out = strtoull(v[6], NULL, 10);
	fz_fleet_closer_closed_before(c->n->closer, m.bin_start_ms + 1);
	if (strtoul(v[7], NULL, 10) == 0) {
		series(&m, vals);
		fz_baseline_bin(c->n->bl, 0, m.bin_start_ms, m.bin_end_ms, vals, &m);
	}
	return 0;
}

/* collector, bin_start_ms, bin_end_ms, partial */
static int collector_row(void *arg, unsigned nc, const char *const *v)
{
	struct net_ctx *c = arg;

	if (nc < 4 || !v[0])
		return -EIO;
	return fz_fleet_closer_add(c->n->closer, v[0], strtoull(v[1], NULL, 10),
	                           strtoull(v[2], NULL, 10), (int)strtoul(v[3], NULL, 10)) < 0
	           ? -ENOMEM
	           : 0;
}

static struct agg_net *net_get(struct fz_agg *a, const char *name)
{
	struct agg_net *n;
	struct net_ctx *ctx;
	struct fz_baseline_conf bc = {.n_nets = 1,
	                              .history = a->conf.history,
	                              .min_history = a->conf.min_history,
	                              .bins = a->conf.bins,
	                              .k = a->conf.k,
	                              .suppress_ms = a->conf.suppress_ms,
	                              .event = on_event};

	for (n = a->nets; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	n = calloc(1, sizeof(*n) + sizeof(*ctx));
	if (!n)
		return NULL;
	ctx = (struct net_ctx *)(n + 1);
	ctx->a = a;
	ctx->n = n;
	bc.event_arg = ctx;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->closer = fz_fleet_closer_create(a->conf.stale_bins);
	n->bl = fz_baseline_create(&bc);
	n->replaying = 1;
	for (unsigned i = 0; n->closer && i < a->conf.n_collectors; i++)
		if (fz_fleet_closer_expect(n->closer, a->conf.collectors[i])) {
			fz_fleet_closer_free(n->closer);
			n->closer = NULL;
		}
	if (!n->closer || !n->bl ||
	    fz_db_fleet_network_state(a->db, name, a->conf.history, collector_row, history_row,
	                              ctx)) {
		fz_fleet_closer_free(n->closer);
		fz_baseline_free(n->bl);
		free(n);
		return NULL;
	}
	n->replaying = 0;
	n->next = a->nets;
	a->nets = n;
	return n;
}

/* Merge the collectors' rows of one bin again and write the merged row. */
static int write_merged(struct fz_agg *a, const char *network, uint64_t start, int closed,
                        struct fz_fleet_traffic *out)
{
	struct fz_fleet_traffic *rows = NULL, m;
	const struct fz_fleet_traffic **in;
	unsigned n = 0;
	int rc = fz_db_fleet_get_bin(a->db, network, start, &rows, &n);

	if (rc)
		return -EIO;
	in = calloc(n + 1, sizeof(*in));
	for (unsigned i = 0; in && i < n; i++)
		in[i] = &rows[i];
	rc = !in ? -ENOMEM : n ? fz_fleet_traffic_merge(in, n, a->conf.top_n, &m) : -ENOENT;
	if (!rc) {
		rc = fz_db_fleet_put_merged(a->db, &m, closed);
		a->batch.merged_bins++;
		if (out)
			*out = m;
		else
			fz_fleet_traffic_clear(&m);
	}
	for (unsigned i = 0; i < n; i++)
		fz_fleet_traffic_clear(&rows[i]);
	free(rows);
	free(in);
	return rc ? -EIO : 0;
}

int fz_agg__traffic(struct fz_agg *a, const char *buf, size_t len, char *why, size_t cap)
{
	struct fz_fleet_traffic t;
	struct agg_net *n;
	uint64_t s;
	int rc = fz_fleet_traffic_parse(buf, len, &t, why, cap);

	if (rc) {
		fz_fleet_traffic_clear(&t);
		return rc == -EINVAL ? -EINVAL : -EIO;
	}
	a->fail = 0;
	rc = fz_db_fleet_put_traffic(a->db, &t) ? -EIO : 0;
	n = rc ? NULL : net_get(a, t.network);
	if (!rc && !n)
		rc = -EIO;
	if (!rc) {
		a->batch.traffic++;
		rc = fz_fleet_closer_add(n->closer, t.collector, t.bin_start_ms, t.bin_end_ms,
		                         t.partial);
		if (rc == 1)
			a->batch.late_bins++;
		rc = rc < 0 ? -EIO : write_merged(a, t.network, t.bin_start_ms, 0, NULL);
	}
	while (!rc && fz_fleet_closer_next(n->closer, &s)) {
		struct fz_fleet_traffic m;
		uint64_t v[FZ_BL__SERIES];

		rc = write_merged(a, t.network, s, 1, &m);
		if (rc)
			break;
		if (!m.partial) {
			series(&m, v);
			fz_baseline_bin(n->bl, 0, m.bin_start_ms, m.bin_end_ms, v, &m);
		}
		fz_fleet_traffic_clear(&m);
		if (a->fail)
			rc = -EIO;
	}
	fz_fleet_traffic_clear(&t);
	return rc;
}
