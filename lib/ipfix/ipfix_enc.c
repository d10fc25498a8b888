/*
 * IPFIX encoder: templates built once from field lists, records written
 * field by field from the binary flow record (never from its JSON).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipfix_enc.h"

/* Where a field's value comes from. */
enum src {
	S_SRC4,
	S_DST4,
	S_SRC6,
	S_DST6,
	S_SPORT,
	S_DPORT,
	S_PROTO,
	S_IPVER,
	S_VLAN,
	S_VLAN_IN,
	S_START_MS,
	S_END_MS,
	S_PKTS,
	S_OCTS,
	S_RPKTS,
	S_ROCTS,
	S_FLAGS,
	S_RFLAGS,
	S_END_REASON,
	S_APPID,
	S_FLOWID,
	S_ZOO_SIZE,
	S_ZOO_DUR,
	S_ZOO_RATE,
};

/* The enterprise number a field is under. */
enum pen_kind { P_IANA = 0, P_REV, P_OWN };

struct field {
	uint16_t ie;
	uint8_t len;
	uint8_t pen; /* enum pen_kind */
	uint8_t src; /* enum src */
};

/* The fields every data template starts with, by address family. */
#define ADDR4                                                                                      \
	{8, 4, P_IANA, S_SRC4},                                                                    \
	{                                                                                          \
		12, 4, P_IANA, S_DST4                                                              \
	}
#define ADDR6                                                                                      \
	{27, 16, P_IANA, S_SRC6},                                                                  \
	{                                                                                          \
		28, 16, P_IANA, S_DST6                                                             \
	}
#define COMMON_HEAD                                                                                \
	{7, 2, P_IANA, S_SPORT}, {11, 2, P_IANA, S_DPORT}, {4, 1, P_IANA, S_PROTO},                \
	    {60, 1, P_IANA, S_IPVER}, {58, 2, P_IANA, S_VLAN}, {245, 2, P_IANA, S_VLAN_IN},        \
	    {152, 8, P_IANA, S_START_MS}, {153, 8, P_IANA, S_END_MS}, {2, 8, P_IANA, S_PKTS},      \
	{                                                                                          \
		1, 8, P_IANA, S_OCTS                                                               \
	}
/* The reverse TCP flags come before the forward ones: nfdump 1.7 reads a
 * reverse element it does not know as the forward one, and the later wins. */
#define BI_COUNTS                                                                                  \
	{2, 8, P_REV, S_RPKTS}, {1, 8, P_REV, S_ROCTS},                                            \
	{                                                                                          \
		6, 1, P_REV, S_RFLAGS                                                              \
	}
#define COMMON_TAIL                                                                                \
	{6, 1, P_IANA, S_FLAGS}, {136, 1, P_IANA, S_END_REASON},                                   \
	    {95, FZ_IPFIX_APPID_LEN, P_IANA, S_APPID}, {148, 8, P_IANA, S_FLOWID},                 \
	    {1, 1, P_OWN, S_ZOO_SIZE}, {2, 1, P_OWN, S_ZOO_DUR},                                   \
	{                                                                                          \
		3, 1, P_OWN, S_ZOO_RATE                                                            \
	}

static const struct field bi4[] = {ADDR4, COMMON_HEAD, BI_COUNTS, COMMON_TAIL};
static const struct field bi6[] = {ADDR6, COMMON_HEAD, BI_COUNTS, COMMON_TAIL};
static const struct field uni4[] = {ADDR4, COMMON_HEAD, COMMON_TAIL};
static const struct field uni6[] = {ADDR6, COMMON_HEAD, COMMON_TAIL};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

struct tmpl {
	const struct field *f;
	unsigned n;
	unsigned rec_len; /* bytes of a data record */
	struct fz_ipfix_rec rec;
};

struct fz_ipfix_enc {
	struct fz_ipfix_enc_conf conf;
	struct tmpl t[2];         /* IPv4, IPv6 of the mode */
	struct fz_ipfix_rec opts; /* the application table's options template */
	unsigned name_len;        /* applicationName and applicationDescription field length */
	unsigned n_apps;
	struct fz_ipfix_rec *apps; /* n_apps data records of the options template */
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)(v >> 32));
	return put32(p, (uint32_t)v);
}

/* A field specifier (RFC 7011 3.2): the enterprise bit and number when not IANA's. */
static uint8_t *put_spec(uint8_t *p, uint16_t ie, uint16_t len, uint32_t pen)
{
	p = put16(p, pen ? (uint16_t)(ie | 0x8000u) : ie);
	p = put16(p, len);
	return pen ? put32(p, pen) : p;
}

static uint32_t pen_of(const struct fz_ipfix_enc *enc, uint8_t kind)
{
	return kind == P_REV ? FZ_IPFIX_PEN_REV : kind == P_OWN ? enc->conf.pen : 0;
}

static void build_template(const struct fz_ipfix_enc *enc, struct tmpl *t, uint16_t tid,
                           const struct field *f, unsigned n)
{
	uint8_t *p = t->rec.b;

	t->f = f;
	t->n = n;
	t->rec_len = 0;
	p = put16(p, tid);
	p = put16(p, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		p = put_spec(p, f[i].ie, f[i].len, pen_of(enc, f[i].pen));
		t->rec_len += f[i].len;
	}
	t->rec.set_id = FZ_IPFIX_SET_TMPL;
	t->rec.len = (uint16_t)(p - t->rec.b);
}

/*
 * The application table: scope observationDomainId (149), then
 * applicationId (95), applicationName (96), applicationDescription (94),
 * names NUL padded to a fixed length. nfdump 1.7 reads the three
 * application fields only outside the scope, hence the domain as scope.
 */
static void build_apps(struct fz_ipfix_enc *enc)
{
	uint8_t *p = enc->opts.b;

	p = put16(p, FZ_IPFIX_TID_APPS);
	p = put16(p, 4); /* field count */
	p = put16(p, 1); /* scope field count */
	p = put_spec(p, 149, 4, 0);
	p = put_spec(p, 95, FZ_IPFIX_APPID_LEN, 0);
	p = put_spec(p, 96, (uint16_t)enc->name_len, 0);
	p = put_spec(p, 94, (uint16_t)enc->name_len, 0);
	enc->opts.set_id = FZ_IPFIX_SET_OPTS;
	enc->opts.len = (uint16_t)(p - enc->opts.b);
	for (unsigned a = 0; a < enc->n_apps; a++) {
		struct fz_ipfix_rec *r = &enc->apps[a];
		const char *name = enc->conf.app_names ? enc->conf.app_names[a] : "unknown";
		size_t nl = strlen(name);

		if (nl > enc->name_len - 1)
			nl = enc->name_len - 1;
		memset(r, 0, sizeof(*r));
		p = put32(r->b, enc->conf.domain);
		*p++ = FZ_IPFIX_APP_ENGINE;
		p = put16(p, (uint16_t)a);
		memcpy(p, name, nl);
		p += enc->name_len;
		memcpy(p, name, nl);
		p += enc->name_len;
		r->set_id = FZ_IPFIX_TID_APPS;
		r->len = (uint16_t)(p - r->b);
	}
}

struct fz_ipfix_enc *fz_ipfix_enc_create(const struct fz_ipfix_enc_conf *conf)
{
	struct fz_ipfix_enc *enc;
	unsigned longest = 7; /* "unknown" */

	if (conf->n_apps > 0xffffu) {
		errno = EINVAL;
		return NULL;
	}
	enc = calloc(1, sizeof(*enc));
	if (enc == NULL)
		return NULL;
	enc->conf = *conf;
	enc->n_apps = conf->n_apps ? conf->n_apps : 1;
	for (unsigned a = 0; a < conf->n_apps; a++)
		if (strlen(conf->app_names[a]) > longest)
			longest = (unsigned)strlen(conf->app_names[a]);
	/* Room for the NUL nfdump writes over the last byte, rounded to 4. */
	enc->name_len = (longest + 1 + 3) & ~3u;
	if (enc->name_len > FZ_IPFIX_NAME_MAX)
		enc->name_len = FZ_IPFIX_NAME_MAX;
	enc->apps = calloc(enc->n_apps, sizeof(*enc->apps));
	if (enc->apps == NULL) {
		free(enc);
		errno = ENOMEM;
		return NULL;
	}
	if (conf->biflow) {
		build_template(enc, &enc->t[0], FZ_IPFIX_TID_BI4, bi4, N(bi4));
		build_template(enc, &enc->t[1], FZ_IPFIX_TID_BI6, bi6, N(bi6));
	} else {
		build_template(enc, &enc->t[0], FZ_IPFIX_TID_UNI4, uni4, N(uni4));
		build_template(enc, &enc->t[1], FZ_IPFIX_TID_UNI6, uni6, N(uni6));
	}
	build_apps(enc);
	return enc;
}

void fz_ipfix_enc_free(struct fz_ipfix_enc *enc)
{
	if (enc == NULL)
		return;
	free(enc->apps);
	free(enc);
}

unsigned fz_ipfix_enc_setup_records(const struct fz_ipfix_enc *enc)
{
	return 3 + enc->n_apps;
}

int fz_ipfix_enc_setup_record(const struct fz_ipfix_enc *enc, unsigned i, struct fz_ipfix_rec *out)
{
	const struct fz_ipfix_rec *r;

	if (i < 2)
		r = &enc->t[i].rec;
	else if (i == 2)
		r = &enc->opts;
	else if (i - 3 < enc->n_apps)
		r = &enc->apps[i - 3];
	else
		return 0;
	out->set_id = r->set_id;
	out->len = r->len;
	memcpy(out->b, r->b, r->len);
	return 1;
}

size_t fz_ipfix_enc_max_record(const struct fz_ipfix_enc *enc)
{
	size_t m = enc->t[1].rec.len;

	if (enc->t[1].rec_len > m)
		m = enc->t[1].rec_len;
	if (enc->opts.len > m)
		m = enc->opts.len;
	if (enc->apps[0].len > m)
		m = enc->apps[0].len;
	return m;
}

uint8_t fz_ipfix_end_reason(unsigned end_reason)
{
	switch (end_reason) {
	case FZ_END_IDLE:
		return 1; /* idle timeout */
	case FZ_END_ACTIVE:
		return 2; /* active timeout */
	case FZ_END_TCP_END:
		return 3; /* end of flow detected */
	case FZ_END_EVICTED:
		return 5; /* lack of resources */
	default:
		return 4; /* forced end: end of the captures, shutdown */
	}
}

/* A zoo class as one byte: 0 or 1, 255 when there is none (no zoo, no rate). */
static uint8_t zoo_byte(const struct fz_zoo_result *zoo, int which)
{
	int v;

	if (zoo == NULL)
		return 255;
	v = which == 0 ? zoo->size_class : which == 1 ? zoo->duration_class : zoo->rate_class;
	return v < 0 ? 255 : (uint8_t)v;
}

/* One data record of template t; d is the direction the record's source sends (FZ_FWD or
 * FZ_REV: a uniflow reverse record has the ends swapped). */
static uint16_t encode(const struct fz_ipfix_enc *enc, const struct tmpl *t,
                       const struct fz_flow_rec *r, const struct fz_zoo_result *zoo, int d,
                       uint8_t *p0)
{
	const struct fz_flow_key *k = &r->key;
	uint8_t *p = p0;
	int s = d, o = !d;

	for (unsigned i = 0; i < t->n; i++) {
		switch (t->f[i].src) {
		case S_SRC4:
			memcpy(p, k->addr[s] + 12, 4);
			p += 4;
			break;
		case S_DST4:
			memcpy(p, k->addr[o] + 12, 4);
			p += 4;
			break;
		case S_SRC6:
			memcpy(p, k->addr[s], 16);
			p += 16;
			break;
		case S_DST6:
			memcpy(p, k->addr[o], 16);
			p += 16;
			break;
		case S_SPORT:
			p = put16(p, k->port[s]);
			break;
		case S_DPORT:
			p = put16(p, k->port[o]);
			break;
		case S_PROTO:
			*p++ = k->proto;
			break;
		case S_IPVER:
			*p++ = k->ip_version;
			break;
		case S_VLAN:
			p = put16(p, k->vlan[0]);
			break;
		case S_VLAN_IN:
			p = put16(p, k->vlan[1]);
			break;
		case S_START_MS:
			p = put64(p, r->first_us / 1000);
			break;
		case S_END_MS:
			p = put64(p, r->last_us / 1000);
			break;
		case S_PKTS:
			p = put64(p, r->packets[d]);
			break;
		case S_OCTS:
			p = put64(p, r->bytes[d]);
			break;
		case S_RPKTS:
			p = put64(p, r->packets[!d]);
			break;
		case S_ROCTS:
			p = put64(p, r->bytes[!d]);
			break;
		case S_FLAGS:
			*p++ = r->tcp_flags[d];
			break;
		case S_RFLAGS:
			*p++ = r->tcp_flags[!d];
			break;
		case S_END_REASON:
			*p++ = fz_ipfix_end_reason(r->end_reason);
			break;
		case S_APPID:
			*p++ = FZ_IPFIX_APP_ENGINE;
			p = put16(p, r->app < enc->n_apps ? r->app : 0);
			break;
		case S_FLOWID:
			p = put64(p, r->flow_id);
			break;
		case S_ZOO_SIZE:
			*p++ = zoo_byte(zoo, 0);
			break;
		case S_ZOO_DUR:
			*p++ = zoo_byte(zoo, 1);
			break;
		case S_ZOO_RATE:
			*p++ = zoo_byte(zoo, 2);
			break;
		}
	}
	return (uint16_t)(p - p0);
}

int fz_ipfix_enc_flow(const struct fz_ipfix_enc *enc, const struct fz_flow_rec *r,
                      const struct fz_zoo_result *zoo, struct fz_ipfix_rec out[2])
{
	const struct tmpl *t;
	uint16_t tid;

	if (r->key.ip_version != 4 && r->key.ip_version != 6)
		return -EINVAL;
	t = &enc->t[r->key.ip_version == 6];
	tid = (uint16_t)((t->rec.b[0] << 8) | t->rec.b[1]);
	out[0].set_id = tid;
	out[0].len = encode(enc, t, r, zoo, FZ_FWD, out[0].b);
	if (enc->conf.biflow || r->packets[FZ_REV] == 0)
		return 1;
	out[1].set_id = tid;
	out[1].len = encode(enc, t, r, zoo, FZ_REV, out[1].b);
	return 2;
}

void fz_ipfix_msg_init(struct fz_ipfix_msg *m, uint8_t *buf, size_t cap)
{
	m->buf = buf;
	m->cap = cap;
	m->len = FZ_IPFIX_HDR_LEN;
	m->set_off = 0;
	m->set_id = 0;
	m->n_data = 0;
	m->n_recs = 0;
}

static void close_set(struct fz_ipfix_msg *m)
{
	if (m->set_off)
		put16(m->buf + m->set_off + 2, (uint16_t)(m->len - m->set_off));
	m->set_off = 0;
}

int fz_ipfix_msg_add(struct fz_ipfix_msg *m, const struct fz_ipfix_rec *r)
{
	int same = m->set_off && m->set_id == r->set_id;

	if (m->len + r->len + (same ? 0 : FZ_IPFIX_SET_HDR) > m->cap)
		return -ENOSPC;
	if (!same) {
		close_set(m);
		m->set_off = m->len;
		m->set_id = r->set_id;
		put16(m->buf + m->len, r->set_id);
		m->len += FZ_IPFIX_SET_HDR;
	}
	memcpy(m->buf + m->len, r->b, r->len);
	m->len += r->len;
	m->n_recs++;
	if (r->set_id >= 256)
		m->n_data++;
	return 0;
}

size_t fz_ipfix_msg_finish(struct fz_ipfix_msg *m, uint32_t export_time, uint32_t seq,
                           uint32_t domain)
{
	uint8_t *p = m->buf;

	close_set(m);
	p = put16(p, FZ_IPFIX_VERSION);
	p = put16(p, (uint16_t)m->len);
	p = put32(p, export_time);
	p = put32(p, seq);
	put32(p, domain);
	return m->len;
}
