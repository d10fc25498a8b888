/* A small IPFIX decoder for tests (see ipfix_dec.h). */
#include <errno.h>
#include <string.h>

#include "ipfix_dec.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static struct ipfix_dec_tmpl *find(struct ipfix_dec *d, uint16_t id)
{
	for (unsigned i = 0; i < d->n_t; i++)
		if (d->t[i].id == id)
			return &d->t[i];
	return NULL;
}

/* Template records of one set (options: with a scope count). */
static int templates(struct ipfix_dec *d, const uint8_t *p, const uint8_t *end, int options)
{
	while (end - p >= 4) {
		struct ipfix_dec_tmpl t;
		struct ipfix_dec_tmpl *slot;

		memset(&t, 0, sizeof(t));
		t.id = get16(p);
		t.n = get16(p + 2);
		p += 4;
		if (t.id < 256 || t.n == 0 || t.n > IPFIX_DEC_FIELDS)
			return -EBADMSG;
		if (options) {
			if (end - p < 2)
				return -EBADMSG;
			t.scope = get16(p);
			p += 2;
			if (t.scope == 0 || t.scope > t.n)
				return -EBADMSG;
		}
		for (unsigned i = 0; i < t.n; i++) {
			if (end - p < 4)
				return -EBADMSG;
			t.f[i].ie = get16(p) & 0x7fff;
			t.f[i].len = get16(p + 2);
			if (get16(p) & 0x8000) {
				if (end - p < 8)
					return -EBADMSG;
				t.f[i].pen = get32(p + 4);
				p += 4;
			}
			p += 4;
			if (t.f[i].len == 0xffff || t.f[i].len == 0)
				return -EBADMSG; /* variable length: not made by flowzoo */
			t.rec_len += t.f[i].len;
		}
		slot = find(d, t.id);
		if (slot == NULL) {
			if (d->n_t == IPFIX_DEC_TEMPLATES)
				return -EBADMSG;
			slot = &d->t[d->n_t++];
		}
		*slot = t;
		d->templates++;
	}
	return p == end ? 0 : -EBADMSG; /* flowzoo never pads */
}

static int data(struct ipfix_dec *d, uint16_t id, uint32_t domain, const uint8_t *p,
                const uint8_t *end)
{
	const struct ipfix_dec_tmpl *t = find(d, id);
	struct ipfix_dec_rec r;

	if (t == NULL) {
		d->no_template++;
		return 0;
	}
	if (t->rec_len == 0 || (size_t)(end - p) % t->rec_len != 0)
		return -EBADMSG;
	while (p < end) {
		r.tid = id;
		r.domain = domain;
		r.n = t->n;
		for (unsigned i = 0; i < t->n; i++) {
			r.f[i] = t->f[i];
			r.f[i].v = p;
			p += t->f[i].len;
		}
		d->records++;
		if (d->rec)
			d->rec(d->arg, &r);
	}
	return 0;
}

int ipfix_dec_message(struct ipfix_dec *d, const uint8_t *buf, size_t len)
{
	const uint8_t *p, *end;
	uint64_t before = d->records;
	uint32_t seq, domain;

	if (len < 16 || get16(buf) != 10 || get16(buf + 2) != len)
		return -EBADMSG;
	seq = get32(buf + 8);
	domain = get32(buf + 12);
	if (d->have_seq && seq != d->next_seq)
		d->seq_errors++;
	d->messages++;
	p = buf + 16;
	end = buf + len;
	while (p < end) {
		uint16_t id, sl;
		int rc;

		if (end - p < 4)
			return -EBADMSG;
		id = get16(p);
		sl = get16(p + 2);
		if (sl < 4 || sl > end - p)
			return -EBADMSG;
		if (id == 2 || id == 3)
			rc = templates(d, p + 4, p + sl, id == 3);
		else if (id >= 256)
			rc = data(d, id, domain, p + 4, p + sl);
		else
			rc = -EBADMSG;
		if (rc)
			return rc;
		p += sl;
	}
	d->next_seq = seq + (uint32_t)(d->records - before);
	d->have_seq = 1;
	return 0;
}

const struct ipfix_dec_field *ipfix_dec_get(const struct ipfix_dec_rec *r, uint32_t pen,
                                            uint16_t ie)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->f[i].ie == ie && r->f[i].pen == pen)
			return &r->f[i];
	return NULL;
}

uint64_t ipfix_dec_uint(const struct ipfix_dec_rec *r, uint32_t pen, uint16_t ie, int *found)
{
	const struct ipfix_dec_field *f = ipfix_dec_get(r, pen, ie);
	uint64_t v = 0;

	*found = f != NULL && f->len <= 8;
	if (!*found)
		return 0;
	for (unsigned i = 0; i < f->len; i++)
		v = v << 8 | f->v[i];
	return v;
}
