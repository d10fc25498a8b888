/*
 * Hyperscan databases and the per-packet scan. Signatures are split by
 * transport into three block-mode databases (TCP, UDP, other) so a packet is
 * only scanned against signatures that can apply to it; direction, priority
 * and port tie-breaks are resolved in the match callback.
 */
#include "fz_l7.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "fz_sigs.h"
#include "l7_priv.h"

enum { DB_TCP, DB_UDP, DB_OTHER, DB__COUNT };

/* What the match callback needs to know about one signature. */
struct l7_sig {
	uint8_t app;
	uint8_t dir; /* enum fz_sig_dir */
	uint8_t prio;
	uint8_t n_ports;
	uint16_t ports[FZ_SIGS_MAX_PORTS];
};

struct fz_l7 {
	/* Budgets, shortest matches and first bytes (fz_l7.h): what decides
	 * without Hyperscan that a payload is not scanned. */
	struct fz_l7_gate gate;
	hs_database_t *db[DB__COUNT];
	hs_scratch_t *proto_scratch; /* prototype, cloned for each worker */
	struct l7_sig *sigs;         /* indexed by Hyperscan pattern id */
	unsigned n_sigs;
	char **names; /* [0] = "unknown" */
	unsigned n_names;
};

_Static_assert(DB__COUNT == 3 && FZ_L7_GATE_DB(FZ_SIG_PROTO_TCP) == DB_TCP &&
                   FZ_L7_GATE_DB(FZ_SIG_PROTO_UDP) == DB_UDP && FZ_L7_GATE_DB(1) == DB_OTHER,
               "fz_l7_gate's arrays are indexed as the databases are");

struct fz_l7_scratch {
	hs_scratch_t *hs;
	struct fz_l7_scan_stats stats;
};

/* The best match so far in one packet. */
struct match_ctx {
	const struct l7_sig *sigs;
	unsigned dir;
	uint16_t sport, dport;
	int best;          /* signature index, -1 when none */
	int best_port_hit; /* whether the best signature lists one of the ports */
};

static unsigned hs_flags(unsigned f)
{
	unsigned out = HS_FLAG_SINGLEMATCH;

	if (f & FZ_SIG_CASELESS)
		out |= HS_FLAG_CASELESS;
	if (f & FZ_SIG_DOTALL)
		out |= HS_FLAG_DOTALL;
	if (f & FZ_SIG_MULTILINE)
		out |= HS_FLAG_MULTILINE;
	if (f & FZ_SIG_UTF8)
		out |= HS_FLAG_UTF8;
	if (f & FZ_SIG_UCP)
		out |= HS_FLAG_UCP;
	return out;
}

/* Whether signature proto applies to database db. */
static int sig_in_db(uint8_t proto, int db)
{
	switch (db) {
	case DB_TCP:
		return proto == FZ_SIG_PROTO_ANY || proto == FZ_SIG_PROTO_TCP;
	case DB_UDP:
		return proto == FZ_SIG_PROTO_ANY || proto == FZ_SIG_PROTO_UDP;
	default:
		return proto == FZ_SIG_PROTO_ANY;
	}
}

/*
 * The shortest match of any of the n expressions (Hyperscan's min_width), in
 * *min_len; 0 when it cannot be told, which disables skipping. Block mode
 * scans each packet on its own, so a payload shorter than this cannot match.
 */
static void min_match_len(const char *const *exprs, const unsigned *flags, unsigned n,
                          uint32_t *min_len)
{
	uint32_t m = UINT32_MAX;
	unsigned i;

	for (i = 0; i < n; i++) {
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;

		if (hs_expression_info(exprs[i], flags[i], &info, &cerr) != HS_SUCCESS ||
		    info == NULL) {
			hs_free_compile_error(cerr);
			m = 0;
			break;
		}
		if (info->min_width < m)
			m = info->min_width;
		free(info);
	}
	*min_len = n && m != UINT32_MAX ? m : 0;
}

/*
 * Compile the signatures that apply to database db. Returns 0 (with *out
 * NULL when no signature applies) or -EINVAL/-ENOMEM with err set; *min_len
 * is the shortest match of those signatures.
 */
static int compile_db(const struct fz_sigs *s, int db, const char *cache_dir, hs_database_t **out,
                      uint32_t *min_len, uint64_t first[4], char *err, size_t errlen)
{
	const char **exprs = calloc(s->n_sigs, sizeof(*exprs));
	unsigned *flags = calloc(s->n_sigs, sizeof(*flags));
	unsigned *ids = calloc(s->n_sigs, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	unsigned i, n = 0;
	uint64_t key[2];
	int rc = 0;

	*out = NULL;
	*min_len = 0;
	memset(first, 0, 4 * sizeof(first[0]));
	if (exprs == NULL || flags == NULL || ids == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->path);
		rc = -ENOMEM;
		goto done;
	}
	for (i = 0; i < s->n_sigs; i++) {
		if (!sig_in_db(s->sigs[i].proto, db))
			continue;
		exprs[n] = s->sigs[i].regex;
		flags[n] = hs_flags(s->sigs[i].flags);
		fz_l7__first_bytes(s->sigs[i].regex, s->sigs[i].flags, first);
		ids[n] = i;
		n++;
	}
	if (n == 0)
		goto done;
	fz_l7__cache_key(exprs, flags, ids, n, key);
	*out = fz_l7__cache_load(cache_dir, key, min_len);
	if (*out)
		goto done;
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, out, &cerr) != HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
			const struct fz_sig *bad = &s->sigs[ids[cerr->expression]];

			snprintf(err, errlen, "%s:%u: %s: %s", s->path, bad->line,
			         s->apps[bad->app], cerr->message);
		} else {
			snprintf(err, errlen, "%s: %s", s->path,
			         cerr ? cerr->message : "Hyperscan compile failed");
		}
		hs_free_compile_error(cerr);
		*out = NULL;
		rc = -EINVAL;
		goto done;
	}
	min_match_len(exprs, flags, n, min_len);
	fz_l7__cache_store(cache_dir, key, *out, *min_len);
done:
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

static int take_names(struct fz_l7 *l7, struct fz_sigs *s)
{
	l7->names = s->apps;
	l7->n_names = s->n_apps;
	s->apps = NULL;
	s->n_apps = 0;
	return 0;
}

static int copy_sigs(struct fz_l7 *l7, const struct fz_sigs *s)
{
	unsigned i;

	l7->sigs = calloc(s->n_sigs, sizeof(*l7->sigs));
	if (l7->sigs == NULL)
		return -ENOMEM;
	for (i = 0; i < s->n_sigs; i++) {
		l7->sigs[i].app = s->sigs[i].app;
		l7->sigs[i].dir = s->sigs[i].dir;
		l7->sigs[i].prio = s->sigs[i].prio;
		l7->sigs[i].n_ports = s->sigs[i].n_ports;
		memcpy(l7->sigs[i].ports, s->sigs[i].ports, sizeof(l7->sigs[i].ports));
	}
	l7->n_sigs = s->n_sigs;
	return 0;
}

struct fz_l7 *fz_l7_create(const struct fz_l7_conf *conf, char *err, size_t errlen)
{
	char dummy[1];
	struct fz_sigs *s = NULL;
	struct fz_l7 *l7;
	int db, rc;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (conf == NULL || conf->sig_path == NULL) {
		snprintf(err, errlen, "no signature file given");
		errno = EINVAL;
		return NULL;
	}
	if (conf->max_pkts > 255 || conf->max_bytes > 65535) {
		snprintf(err, errlen, "L7 budget out of range (packets 1-255, bytes 1-65535)");
		errno = EINVAL;
		return NULL;
	}
	if (hs_valid_platform() != HS_SUCCESS) {
		snprintf(err, errlen, "Hyperscan does not support this CPU (it needs SSSE3)");
		errno = ENOTSUP;
		return NULL;
	}
	l7 = calloc(1, sizeof(*l7));
	if (l7 == NULL) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	l7->gate.max_pkts = (uint16_t)(conf->max_pkts ? conf->max_pkts : FZ_L7_DEFAULT_MAX_PKTS);
	l7->gate.max_bytes =
	    (uint16_t)(conf->max_bytes ? conf->max_bytes : FZ_L7_DEFAULT_MAX_BYTES);

	s = fz_sigs_load(conf->sig_path, err, errlen);
	if (s == NULL) {
		rc = -errno;
		goto fail;
	}
	rc = copy_sigs(l7, s);
	if (rc < 0) {
		snprintf(err, errlen, "%s: out of memory", s->path);
		goto fail;
	}
	for (db = 0; db < DB__COUNT; db++) {
		rc = compile_db(s, db, conf->cache_dir, &l7->db[db], &l7->gate.min_len[db],
		                l7->gate.first[db], err, errlen);
		if (rc < 0)
			goto fail;
		l7->gate.has_db[db] = l7->db[db] != NULL;
		if (l7->db[db] && hs_alloc_scratch(l7->db[db], &l7->proto_scratch) != HS_SUCCESS) {
			snprintf(err, errlen, "%s: cannot allocate Hyperscan scratch", s->path);
			rc = -ENOMEM;
			goto fail;
		}
	}
	take_names(l7, s);
	fz_sigs_free(s);
	return l7;
fail:
	fz_sigs_free(s);
	fz_l7_free(l7);
	errno = -rc;
	return NULL;
}

void fz_l7_free(struct fz_l7 *l7)
{
	unsigned i;
	int db;

	if (l7 == NULL)
		return;
	for (db = 0; db < DB__COUNT; db++)
		hs_free_database(l7->db[db]);
	hs_free_scratch(l7->proto_scratch);
	for (i = 0; i < l7->n_names; i++)
		free(l7->names[i]);
	free(l7->names);
	free(l7->sigs);
	free(l7);
}

unsigned fz_l7_app_count(const struct fz_l7 *l7)
{
	return l7->n_names;
}

const char *const *fz_l7_app_names(const struct fz_l7 *l7)
{
	return (const char *const *)l7->names;
}

int fz_l7_app_id(const struct fz_l7 *l7, const char *name)
{
	unsigned i;

	for (i = 0; i < l7->n_names; i++)
		if (strcmp(l7->names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

unsigned fz_l7_sig_count(const struct fz_l7 *l7)
{
	return l7->n_sigs;
}

struct fz_l7_scratch *fz_l7_scratch_create(const struct fz_l7 *l7)
{
	struct fz_l7_scratch *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (l7->proto_scratch && hs_clone_scratch(l7->proto_scratch, &s->hs) != HS_SUCCESS) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void fz_l7_scratch_free(struct fz_l7_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

static int lists_port(const struct l7_sig *sig, uint16_t a, uint16_t b)
{
	unsigned i;

	for (i = 0; i < sig->n_ports; i++)
		if (sig->ports[i] == a || sig->ports[i] == b)
			return 1;
	return 0;
}

/*
 * Keep the best of the signatures that match: higher priority first, then
 * one that lists this packet's ports, then the earlier line in the file.
 */
static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *arg)
{
	struct match_ctx *m = arg;
	const struct l7_sig *sig = &m->sigs[id];
	int port_hit;

	(void)from;
	(void)to;
	(void)flags;
	if (sig->dir == FZ_SIG_DIR_INITIATOR && m->dir != 0)
		return 0;
	if (sig->dir == FZ_SIG_DIR_RESPONDER && m->dir != 1)
		return 0;
	port_hit = sig->n_ports && lists_port(sig, m->sport, m->dport);
	if (m->best >= 0) {
		const struct l7_sig *best = &m->sigs[m->best];

		if (sig->prio < best->prio)
			return 0;
		if (sig->prio == best->prio) {
			if (port_hit < m->best_port_hit)
				return 0;
			if (port_hit == m->best_port_hit && (int)id > m->best)
				return 0;
		}
	}
	m->best = (int)id;
	m->best_port_hit = port_hit;
	return 0;
}

const struct fz_l7_gate *fz_l7_gate(const struct fz_l7 *l7)
{
	return &l7->gate;
}

unsigned fz_l7_min_len(const struct fz_l7 *l7, uint8_t proto)
{
	return l7->gate.min_len[FZ_L7_GATE_DB(proto)];
}

int fz_l7_can_begin(const struct fz_l7 *l7, uint8_t proto, uint8_t byte)
{
	return fz_l7__can_begin(&l7->gate, FZ_L7_GATE_DB(proto), byte);
}

const struct fz_l7_scan_stats *fz_l7_scratch_stats(const struct fz_l7_scratch *s)
{
	return &s->stats;
}

struct fz_l7_scan_stats *fz_l7_scratch_counts(struct fz_l7_scratch *s)
{
	return &s->stats;
}

void fz_l7_scan_charged(const struct fz_l7 *l7, struct fz_l7_scratch *s, struct fz_l7_flow *st,
                        unsigned dir, uint8_t proto, uint16_t sport, uint16_t dport,
                        const uint8_t *payload, uint32_t len)
{
	const struct fz_l7_gate *g = &l7->gate;
	const hs_database_t *db = l7->db[FZ_L7_GATE_DB(proto)];
	struct match_ctx m;

	/* The gate hands on only payloads of a transport with a database. */
	if (db != NULL && s != NULL && s->hs != NULL) {
		s->stats.scanned++;
		m.sigs = l7->sigs;
		m.dir = dir ? 1 : 0;
		m.sport = sport;
		m.dport = dport;
		m.best = -1;
		m.best_port_hit = 0;
		hs_scan(db, (const char *)payload, len, 0, s->hs, on_match, &m);
		if (m.best >= 0) {
			st->app = l7->sigs[m.best].app;
			st->done = 1;
			return;
		}
	}
	if (fz_l7__spent(g, st, 0) && fz_l7__spent(g, st, 1))
		st->done = 1;
}

void fz_l7_scan(const struct fz_l7 *l7, struct fz_l7_scratch *s, struct fz_l7_flow *st,
                unsigned dir, uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *payload,
                uint32_t len)
{
	uint64_t unused = 0;
	unsigned d = dir ? 1 : 0;

	if (len == 0 || payload == NULL)
		return;
	/* Without a scratch nothing is scanned, and nothing counted. */
	if (fz_l7_gate_charge(&l7->gate, st, d, proto, payload, &len,
	                      s ? &s->stats.skipped : &unused))
		fz_l7_scan_charged(l7, s, st, d, proto, sport, dport, payload, len);
}
