/*
 * The IPFIX exporter: flow items to data records, records into one message
 * per collector, messages to the transports (ipfix_net.c), templates first
 * and again when due, counters for status() and lost().
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fz_counters.h"
#include "ipfix_priv.h"

#define DEFAULT_MTU       1400
#define DEFAULT_FLUSH_MS  1000
#define DEFAULT_TCP_QUEUE (4u << 20)

struct ipfix {
	struct fz_exporter base;
	struct fz_ipfix_conf conf;
	struct fz_ipfix_enc *enc;
	struct collector col[FZ_IPFIX_MAX_COLLECTORS];
	unsigned n;
	uint64_t encode_errors;
};

static uint32_t export_time(void)
{
	return (uint32_t)time(NULL);
}

/* Send the message being filled, if it holds anything, and start a new one. */
static void ship(struct ipfix *x, struct collector *c)
{
	size_t len;

	if (c->m.n_recs == 0)
		return;
	len = fz_ipfix_msg_finish(&c->m, export_time(), 0, x->conf.domain);
	if (c->m_setup) {
		c->c.templates++;
		c->msgs_since_tmpl = 0;
	} else {
		c->msgs_since_tmpl++;
	}
	fz_ipfix__send(c, c->buf, len, c->m.n_data, c->m_flow, c->tcp && c->m_setup, x->conf.log,
	               x->conf.log_arg);
	fz_ipfix_msg_init(&c->m, c->buf, c->m.cap);
	c->m_flow = 0;
	c->m_setup = 0;
}

static void send_setup(struct ipfix *x, struct collector *c);

/* UDP: are the templates due again before the next message? */
static int setup_due(const struct ipfix *x, const struct collector *c, uint64_t now)
{
	if (c->need_tmpl)
		return 1;
	if (c->tcp)
		return 0;
	return (x->conf.template_messages && c->msgs_since_tmpl >= x->conf.template_messages) ||
	       (x->conf.template_ms && now - c->last_tmpl_ms >= x->conf.template_ms);
}

/* Add r to c's message; a full message is sent first, and a UDP collector gets the
 * templates at the start of a message when they are due. */
static void add(struct ipfix *x, struct collector *c, const struct fz_ipfix_rec *r, int flow)
{
	if (c->m.n_recs && fz_ipfix_msg_add(&c->m, r) == 0)
		goto added;
	ship(x, c);
	if (flow && !c->tcp && setup_due(x, c, fz_ipfix__now_ms()))
		send_setup(x, c);
	c->m_start_ms = fz_ipfix__now_ms();
	fz_ipfix_msg_add(&c->m, r); /* fits: the MTU was checked at open */
added:
	if (flow)
		c->m_flow++;
	else
		c->m_setup = 1;
}

/* The templates and the application table, in messages of their own. */
static void send_setup(struct ipfix *x, struct collector *c)
{
	struct fz_ipfix_rec r;

	ship(x, c);
	for (unsigned i = 0; fz_ipfix_enc_setup_record(x->enc, i, &r); i++) {
		add(x, c, &r, 0);
		c->m_setup = 1;
	}
	ship(x, c);
	c->need_tmpl = 0;
	c->last_tmpl_ms = fz_ipfix__now_ms();
}

static void service(struct ipfix *x, struct collector *c);

/* A flow's data records (1 or 2, into r), or a negative errno. */
static int encode_flow(const struct ipfix *x, const struct fz_item *it, struct fz_ipfix_rec r[2])
{
	const struct fz_flow_item *fi = it->body;

	if (it->kind != FZ_ITEM_FLOW || fi == NULL || fi->rec == NULL)
		return -EINVAL;
	return fz_ipfix_enc_flow(x->enc, fi->rec, fi->zoo, r);
}

/* On an export lane, side by side with the others: the flow's data records,
 * which take() then only adds to the messages. Reads the encoder alone. */
static int ipfix_prepare(const struct fz_exporter *e, const struct fz_item *it, void *buf,
                         size_t cap)
{
	int n;

	if (cap < 2 * sizeof(struct fz_ipfix_rec))
		return -ENOSPC;
	n = encode_flow((const struct ipfix *)e, it, buf);
	return n < 0 ? n : n * (int)sizeof(struct fz_ipfix_rec);
}

static int ipfix_take(struct fz_exporter *e, struct fz_item *it)
{
	struct ipfix *x = (struct ipfix *)e;
	struct fz_ipfix_rec own[2];
	const struct fz_ipfix_rec *r = own;
	int n;

	if (it->prep_for == e) { /* made on a lane (ipfix_prepare) */
		r = it->prep;
		n = it->prep_rc < 0 ? it->prep_rc : (int)(it->prep_len / sizeof(*r));
	} else {
		n = encode_flow(x, it, own);
	}
	if (n < 0) {
		x->encode_errors++;
		return n;
	}
	for (unsigned i = 0; i < x->n; i++) {
		struct collector *c = &x->col[i];

		for (int k = 0; k < n; k++)
			add(x, c, &r[k], 1);
		if (c->tcp && (fz_ipfix__tcp_pending(c) || c->state != TCP_UP))
			service(x, c);
	}
	return 0;
}

static void service(struct ipfix *x, struct collector *c)
{
	if (c->tcp && fz_ipfix__tcp_service(c, x->conf.log, x->conf.log_arg)) {
		send_setup(x, c);
		fz_ipfix__tcp_service(c, x->conf.log, x->conf.log_arg);
	}
}

static void ipfix_poll(struct fz_exporter *e)
{
	struct ipfix *x = (struct ipfix *)e;
	uint64_t now = fz_ipfix__now_ms();

	for (unsigned i = 0; i < x->n; i++) {
		struct collector *c = &x->col[i];

		if (c->m.n_recs && now - c->m_start_ms >= x->conf.flush_ms)
			ship(x, c);
		if (!c->tcp && x->conf.template_ms && now - c->last_tmpl_ms >= x->conf.template_ms)
			send_setup(x, c);
		service(x, c);
	}
}

static int ipfix_flush(struct fz_exporter *e, int timeout_ms)
{
	struct ipfix *x = (struct ipfix *)e;
	uint64_t end = fz_ipfix__now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int rc = 0;

	for (unsigned i = 0; i < x->n; i++) {
		struct collector *c = &x->col[i];

		if (!c->tcp && c->need_tmpl && c->m.n_recs == 0)
			send_setup(x, c); /* a run without flows still tells the collector */
		ship(x, c);
		if (!c->tcp)
			continue;
		/* Wait for a slow or absent TCP collector, at most until the deadline. */
		for (;;) {
			service(x, c);
			if (fz_ipfix__tcp_pending(c) == 0 && c->state == TCP_UP)
				break;
			if (fz_ipfix__now_ms() >= end) {
				rc = -EAGAIN;
				break;
			}
			struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

			poll(&pfd, c->fd >= 0 ? 1 : 0, 10);
		}
	}
	return rc;
}

static void sum(struct fz_ipfix_counters *t, const struct fz_ipfix_counters *c)
{
	t->records += c->records;
	t->messages += c->messages;
	t->templates += c->templates;
	t->bytes += c->bytes;
	t->send_errors += c->send_errors;
	t->buffer_full += c->buffer_full;
	t->reconnects += c->reconnects;
	t->lost += c->lost;
}

int fz_ipfix_counters(struct fz_exporter *e, unsigned i, struct fz_ipfix_counters *out)
{
	struct ipfix *x = (struct ipfix *)e;

	if (e == NULL || strcmp(e->name, "ipfix") != 0 || i > x->n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (i < x->n) {
		*out = x->col[i].c;
		return 0;
	}
	for (unsigned k = 0; k < x->n; k++)
		sum(out, &x->col[k].c);
	out->encode_errors = x->encode_errors;
	out->lost += x->encode_errors;
	return 0;
}

static json_t *counters_json(const struct fz_ipfix_counters *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "records",
	                 (json_int_t)c->records, "messages", (json_int_t)c->messages, "templates",
	                 (json_int_t)c->templates, "bytes", (json_int_t)c->bytes, "send_errors",
	                 (json_int_t)c->send_errors, "buffer_full", (json_int_t)c->buffer_full,
	                 "reconnects", (json_int_t)c->reconnects, "encode_errors",
	                 (json_int_t)c->encode_errors, "lost", (json_int_t)c->lost);
}

static json_t *ipfix_status(struct fz_exporter *e)
{
	struct ipfix *x = (struct ipfix *)e;
	struct fz_ipfix_counters t;
	json_t *o, *a = json_array();

	fz_ipfix_counters(e, x->n, &t);
	o = counters_json(&t);
	if (o == NULL || a == NULL) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	json_object_set_new(o, "biflow", json_boolean(x->conf.biflow));
	json_object_set_new(o, "domain", json_integer(x->conf.domain));
	json_object_set_new(o, "mtu", json_integer(x->conf.mtu));
	for (unsigned i = 0; i < x->n; i++) {
		json_t *c = counters_json(&x->col[i].c);

		if (c == NULL)
			continue;
		json_object_del(c, "encode_errors");
		json_object_set_new(c, "collector", json_string(x->col[i].name));
		json_array_append_new(a, c);
	}
	json_object_set_new(o, "collectors", a);
	return o;
}

static uint64_t ipfix_lost(struct fz_exporter *e)
{
	struct fz_ipfix_counters t;

	fz_ipfix_counters(e, ((struct ipfix *)e)->n, &t);
	return t.lost;
}

static void ipfix_close(struct fz_exporter *e)
{
	struct ipfix *x = (struct ipfix *)e;

	for (unsigned i = 0; i < x->n; i++) {
		struct collector *c = &x->col[i];

		ship(x, c);
		if (c->tcp)
			fz_ipfix__tcp_drop_queue(c); /* not delivered by flush(): lost */
		fz_ipfix__close(c);
	}
	fz_ipfix_enc_free(x->enc);
	free(x);
}

/* Each collector's counters, declared for the registry (/metrics: flowzoo_ipfix_...{ipfix=...}). */
#define IC(m, u, h) FZ_COUNTER(struct fz_ipfix_counters, m, FZ_CT_COUNTER, FZ_CF_HIDDEN, #m, u, h)
static const struct fz_counter_def ipfix_defs[] = {
    IC(records, "records", "data records sent (flows and the application table)"),
    IC(messages, "messages", "messages sent"),
    IC(templates, "messages", "messages that carried the templates"),
    IC(bytes, "bytes", "bytes sent"),
    IC(send_errors, NULL, "sends that failed"),
    IC(buffer_full, "messages", "messages dropped: socket buffer or TCP queue full"),
    IC(reconnects, NULL, "TCP connections made again"),
    IC(encode_errors, "records", "flow records that could not be encoded"),
    IC(lost, "records", "flow records that did not reach the collector's socket"),
};
#undef IC

static unsigned ipfix_instances(struct fz_exporter *e)
{
	return ((struct ipfix *)e)->n;
}

static void ipfix_read(struct fz_exporter *e, unsigned i, uint64_t *out)
{
	fz_ipfix_counters(e, i, (struct fz_ipfix_counters *)out);
}

static void ipfix_label(struct fz_exporter *e, unsigned i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", ((struct ipfix *)e)->col[i].name);
}

static const struct fz_exporter_counters ipfix_counters = {
    .name = "ipfix",
    .defs = ipfix_defs,
    .n_defs = sizeof(ipfix_defs) / sizeof(ipfix_defs[0]),
    .block = sizeof(struct fz_ipfix_counters),
    .instances = ipfix_instances,
    .read = ipfix_read,
    .label = ipfix_label,
};

static const struct fz_exporter_ops ipfix_ops = {
    .counters = &ipfix_counters,
    .take = ipfix_take,
    .poll = ipfix_poll,
    .flush = ipfix_flush,
    .status = ipfix_status,
    .lost = ipfix_lost,
    .close = ipfix_close,
    .prepare = ipfix_prepare,
    .prepare_cap = 2 * sizeof(struct fz_ipfix_rec),
};

int fz_ipfix_check_collector(const char *text, char *err, size_t errlen)
{
	struct collector c;

	return fz_ipfix__collector_parse(&c, text, 0, err, errlen);
}

int fz_ipfix_conf_check(const struct fz_ipfix_conf *conf, char *err, size_t errlen)
{
	struct collector c;
	char why[400];

	if (conf->n_collectors > FZ_IPFIX_MAX_COLLECTORS) {
		snprintf(err, errlen, "--ipfix: %u collectors, at most %d", conf->n_collectors,
		         FZ_IPFIX_MAX_COLLECTORS);
		return -1;
	}
	for (unsigned i = 0; i < conf->n_collectors; i++)
		if (fz_ipfix__collector_parse(&c, conf->collectors[i], 1, why, sizeof(why))) {
			snprintf(err, errlen, "--ipfix: %s", why);
			return -1;
		}
	return 0;
}

static struct fz_exporter *fail(struct ipfix *x, int e)
{
	for (unsigned i = 0; i < x->n; i++)
		fz_ipfix__close(&x->col[i]);
	fz_ipfix_enc_free(x->enc);
	free(x);
	errno = e;
	return NULL;
}

struct fz_exporter *fz_ipfix_open(const struct fz_ipfix_conf *conf, char *err, size_t errlen)
{
	struct fz_ipfix_enc_conf ec;
	struct ipfix *x;
	size_t least;

	if (conf->n_collectors == 0 || conf->n_collectors > FZ_IPFIX_MAX_COLLECTORS) {
		snprintf(err, errlen, "--ipfix: from 1 to %d collectors", FZ_IPFIX_MAX_COLLECTORS);
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "ipfix: %s", strerror(ENOMEM));
		return NULL;
	}
	x->conf = *conf;
	if (x->conf.mtu == 0)
		x->conf.mtu = DEFAULT_MTU;
	if (x->conf.pen == 0)
		x->conf.pen = FZ_IPFIX_PEN_DEFAULT;
	if (x->conf.flush_ms == 0)
		x->conf.flush_ms = DEFAULT_FLUSH_MS;
	if (x->conf.tcp_queue_bytes == 0)
		x->conf.tcp_queue_bytes = DEFAULT_TCP_QUEUE;
	ec = (struct fz_ipfix_enc_conf){.biflow = conf->biflow,
	                                .domain = conf->domain,
	                                .pen = x->conf.pen,
	                                .app_names = conf->app_names,
	                                .n_apps = conf->n_apps};
	x->enc = fz_ipfix_enc_create(&ec);
	if (x->enc == NULL) {
		snprintf(err, errlen, "ipfix: %s", strerror(errno));
		return fail(x, errno);
	}
	least = fz_ipfix_enc_max_record(x->enc) + FZ_IPFIX_HDR_LEN + FZ_IPFIX_SET_HDR;
	if (x->conf.mtu < least || x->conf.mtu > FZ_IPFIX_MTU_MAX) {
		snprintf(err, errlen, "--ipfix-mtu: %u is not from %zu to %d", x->conf.mtu, least,
		         FZ_IPFIX_MTU_MAX);
		return fail(x, EINVAL);
	}
	for (unsigned i = 0; i < conf->n_collectors; i++) {
		struct collector *c = &x->col[i];
		char why[400];
		int rc;

		c->fd = -1;
		if (fz_ipfix__collector_parse(c, conf->collectors[i], 1, why, sizeof(why))) {
			snprintf(err, errlen, "--ipfix: %s", why);
			return fail(x, EINVAL);
		}
		x->n = i + 1;
		rc = fz_ipfix__open(c, x->conf.mtu, x->conf.tcp_queue_bytes);
		if (rc < 0) {
			snprintf(err, errlen, "--ipfix %s: %s", conf->collectors[i], strerror(-rc));
			return fail(x, -rc);
		}
	}
	x->base.ops = &ipfix_ops;
	x->base.name = "ipfix";
	x->base.kinds = FZ_ITEM_BIT(FZ_ITEM_FLOW);
	x->base.flags = FZ_EXPORTER_BINARY; /* records from the binary flow */
	return &x->base;
}
