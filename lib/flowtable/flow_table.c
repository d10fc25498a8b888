/*
 * Flow table layout: a fixed array of 128-byte entries, a power-of-two array
 * of hash-chain heads, and two doubly linked lists ordered by last activity:
 * open flows, and TCP flows that have ended (FIN both ways or RST) and linger
 * to collect their last packets. Because every list is ordered by last
 * activity, the tail of each list is both the next flow to time out and the
 * least recently active one, so idle expiry and eviction are O(1).
 * Links are entry indexes from 1, so 0 means "none": entry 0 is never used,
 * which makes a link its entry's index with no subtraction.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fz_flow_table.h"
#include "table_mem.h"

enum entry_flag {
	E_INIT_SWAPPED = 0x01, /* the initiator is end 1 of the canonical key */
	E_FIN_FWD = 0x02,
	E_FIN_REV = 0x04,
	E_LINGER = 0x08,    /* on the linger list */
	E_HANDSHAKE = 0x10, /* the TCP handshake was completed (fz_flow_pkt_view.handshake) */
};

enum { L_OPEN = 0, L_LINGER = 1, L__COUNT };

struct entry {
	/* First cache line: what a lookup reads. */
	struct fz_flow_key key; /* canonical order */
	uint32_t hash;
	uint32_t hnext; /* next in the hash chain */
	uint32_t prev;  /* list links */
	uint32_t next;
	uint8_t flags;
	uint8_t tcp_flags[2];
	uint8_t pad;
	/* Second cache line: what an update writes. */
	uint64_t first_us;
	uint64_t last_us;
	uint64_t packets[2]; /* by direction: 0 = from the initiator */
	uint64_t bytes[2];
	uint64_t app_state;
	uint16_t net[2]; /* network ids, canonical end order */
	uint32_t bin;    /* traffic bin of last_us (with bins) */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct entry) == 128, "a flow entry is two cache lines");
_Static_assert(offsetof(struct entry, first_us) == 64, "lookup fields fit one cache line");

struct list {
	uint32_t head;
	uint32_t tail;
};

struct fz_flow_table {
	struct fz_flow_table_conf conf;
	struct entry *ents; /* capacity + 1: [0] unused */
	uint32_t *buckets;
	uint32_t mask;
	uint32_t free_head;  /* free entries, linked through next */
	uint32_t never_used; /* entries [never_used, capacity) were never handed out */
	struct list lists[L__COUNT];
	uint64_t id_worker; /* flow ids: the worker in the top 16 bits, */
	uint64_t next_id;   /* a count in the low 48 */
	struct fz_flow_table_stats stats;
};

static inline struct entry *ent(struct fz_flow_table *t, uint32_t link)
{
	return &t->ents[link];
}

static void list_unlink(struct fz_flow_table *t, struct list *l, uint32_t link)
{
	struct entry *e = ent(t, link);

	if (e->prev)
		ent(t, e->prev)->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		ent(t, e->next)->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = 0;
}

/* Unlink link, which is l's tail (its least recently active entry). */
static inline void list_unlink_tail(struct fz_flow_table *t, struct list *l, uint32_t link)
{
	struct entry *e = ent(t, link);

	l->tail = e->prev;
	if (e->prev)
		ent(t, e->prev)->next = 0;
	else
		l->head = 0;
	e->prev = 0;
}

static void list_push_head(struct fz_flow_table *t, struct list *l, uint32_t link)
{
	struct entry *e = ent(t, link);

	e->prev = 0;
	e->next = l->head;
	if (l->head)
		ent(t, l->head)->prev = link;
	else
		l->tail = link;
	l->head = link;
}

/*
 * Make link, which is on list l, its most recently active entry. Already at
 * the head (a flow's packets often come back to back), nothing changes.
 */
static inline void list_move_to_head(struct fz_flow_table *t, struct list *l, uint32_t link)
{
	struct entry *e = ent(t, link);

	if (e->prev == 0)
		return;
	ent(t, e->prev)->next = e->next;
	if (e->next)
		ent(t, e->next)->prev = e->prev;
	else
		l->tail = e->prev;
	/* l->head is not link, so the list has another entry at its head. */
	ent(t, l->head)->prev = link;
	e->prev = 0;
	e->next = l->head;
	l->head = link;
}

static inline struct list *list_of(struct fz_flow_table *t, const struct entry *e)
{
	return &t->lists[(e->flags & E_LINGER) ? L_LINGER : L_OPEN];
}

static void hash_unlink(struct fz_flow_table *t, uint32_t link)
{
	struct entry *e = ent(t, link);
	uint32_t *p = &t->buckets[e->hash & t->mask];

	while (*p != link)
		p = &ent(t, *p)->hnext;
	*p = e->hnext;
	e->hnext = 0;
}

/*
 * The record of e as it stands, ends in initiator order. Every field is
 * written (the record has no padding of its own: fz_record.h), so a slot
 * needs no clearing first; test_flowtable's test_rec_slot checks it.
 */
static inline void fill_rec(const struct fz_flow_table *t, const struct entry *e,
                            struct fz_flow_rec *rec)
{
	int s = (e->flags & E_INIT_SWAPPED) ? 1 : 0;

	rec->key = e->key;
	rec->net[0] = e->net[s];
	rec->net[1] = e->net[!s];
	if (s) {
		memcpy(rec->key.addr[0], e->key.addr[1], 16);
		memcpy(rec->key.addr[1], e->key.addr[0], 16);
		rec->key.port[0] = e->key.port[1];
		rec->key.port[1] = e->key.port[0];
	}
	rec->first_us = e->first_us;
	rec->last_us = e->last_us;
	for (int d = 0; d < 2; d++) {
		rec->packets[d] = e->packets[d];
		rec->bytes[d] = e->bytes[d];
		rec->tcp_flags[d] = e->tcp_flags[d];
	}
	rec->flow_id = 0;
	rec->end_reason = 0;
	rec->app = 0;
	rec->worker = t->conf.worker;
	rec->kind = FZ_REC_FLOW;
	rec->pad = 0;
}

/* Where the next record is built: the exporter's window or slot, or local. */
static inline struct fz_flow_rec *rec_at(struct fz_flow_table *t, struct fz_flow_rec *local)
{
	const struct fz_rec_window *w = t->conf.rec_window;

	if (w && w->next != w->end)
		return w->next;
	return t->conf.rec_slot ? t->conf.rec_slot(t->conf.export_arg) : local;
}

/* A bin report: e's counts so far, before a packet of a later bin is counted. */
static void report_bin(struct fz_flow_table *t, struct entry *e)
{
	struct fz_flow_rec local, *rec = rec_at(t, &local);

	fill_rec(t, e, rec);
	rec->kind = FZ_REC_BIN;
	t->conf.export_fn(t->conf.export_arg, rec, &e->app_state);
}

static inline void export_entry(struct fz_flow_table *t, struct entry *e, enum fz_end_reason reason)
{
	struct fz_flow_rec local, *rec = rec_at(t, &local);

	fill_rec(t, e, rec);
	rec->flow_id = t->id_worker | (t->next_id++ & 0xffffffffffffULL);
	rec->end_reason = (uint8_t)reason;
	t->stats.ended[reason]++;
	t->conf.export_fn(t->conf.export_arg, rec, &e->app_state);
}

/*
 * Export a flow and take its entry out of the lists and the hash chains.
 * Every caller ends the least recently active flow of a list (idle expiry,
 * linger expiry, eviction, flush), so the entry is its list's tail.
 */
static inline void retire_entry(struct fz_flow_table *t, uint32_t link, enum fz_end_reason reason)
{
	struct entry *e = ent(t, link);

	export_entry(t, e, reason);
	list_unlink_tail(t, list_of(t, e), link);
	hash_unlink(t, link);
	e->flags = 0;
}

/* Export a flow and return its entry to the free list. */
static void end_entry(struct fz_flow_table *t, uint32_t link, enum fz_end_reason reason)
{
	retire_entry(t, link, reason);
	ent(t, link)->next = t->free_head;
	t->free_head = link;
	t->stats.active--;
}

/* The traffic bin of time now (0 without bins). */
static inline uint32_t bin_of(const struct fz_flow_table *t, uint64_t now)
{
	return t->conf.bin_us ? (uint32_t)(now / t->conf.bin_us) : 0;
}

/* Start a new record in e for a packet sent by canonical end `swapped`. */
static void start_record(struct fz_flow_table *t, struct entry *e, int swapped, uint64_t now)
{
	e->bin = bin_of(t, now);
	e->flags = swapped ? E_INIT_SWAPPED : 0;
	e->tcp_flags[0] = e->tcp_flags[1] = 0;
	e->first_us = e->last_us = now;
	e->packets[0] = e->packets[1] = 0;
	e->bytes[0] = e->bytes[1] = 0;
	e->app_state = 0;
}

/* The least recently active flow of both lists (0 when the table is empty). */
static uint32_t lru_victim(struct fz_flow_table *t)
{
	uint32_t a = t->lists[L_OPEN].tail, b = t->lists[L_LINGER].tail;

	if (!a)
		return b;
	if (!b)
		return a;
	return ent(t, b)->last_us < ent(t, a)->last_us ? b : a;
}

static uint32_t alloc_entry(struct fz_flow_table *t)
{
	uint32_t link = t->free_head;

	if (!link && t->never_used < t->conf.capacity) {
		/* Untouched memory is handed out in order, so the table's pages are
		 * faulted in as flows arrive rather than all at start-up. */
		link = ++t->never_used;
		t->stats.active++;
		t->stats.created++;
		return link;
	}
	if (!link) {
		uint32_t v = lru_victim(t), p = ent(t, v)->prev;

		/*
		 * A full table evicts on every new flow, oldest first: fetch the
		 * next victim's bucket and the one after it while this one goes, so
		 * that their cache misses overlap with the work in between.
		 */
		if (p) {
			const struct entry *pe = ent(t, p);

			__builtin_prefetch(&t->buckets[pe->hash & t->mask], 1);
			if (pe->prev)
				__builtin_prefetch(ent(t, pe->prev), 1);
		}
		/* The victim's entry is the new flow's: active stays as it is. */
		retire_entry(t, v, FZ_END_EVICTED);
		t->stats.created++;
		return v;
	}
	t->free_head = ent(t, link)->next;
	t->stats.active++;
	t->stats.created++;
	return link;
}

/*
 * Field by field, in the widths the parser wrote them: a memcmp's wide loads
 * over the packet key's narrow stores would stall store forwarding.
 */
static inline int key_equal(const struct fz_flow_key *a, const struct fz_flow_key *b)
{
	uint64_t x[4], y[4];

	memcpy(x, a->addr, sizeof(x));
	memcpy(y, b->addr, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0 &&
	       a->port[0] == b->port[0] && a->port[1] == b->port[1] && a->vlan[0] == b->vlan[0] &&
	       a->vlan[1] == b->vlan[1] && a->proto == b->proto && a->ip_version == b->ip_version;
}

/* Why an existing record of this flow ends before packet p is counted, or -1. */
static int end_before_packet(const struct fz_flow_table *t, const struct entry *e,
                             const struct fz_pkt *p, uint64_t now)
{
	uint64_t since_last = now > e->last_us ? now - e->last_us : 0;

	if (e->flags & E_LINGER) {
		int syn = (p->tcp_flags & (FZ_TCP_SYN | FZ_TCP_ACK)) == FZ_TCP_SYN;

		if (syn || since_last > t->conf.linger_us)
			return FZ_END_TCP_END;
		return -1;
	}
	if (since_last > t->conf.idle_us)
		return FZ_END_IDLE;
	if (now - e->first_us >= t->conf.active_us && now > e->first_us)
		return FZ_END_ACTIVE;
	return -1;
}

static struct entry *update_one(struct fz_flow_table *t, struct fz_pkt *p, int swapped, uint32_t h,
                                uint64_t now, struct fz_flow_pkt_view *v)
{
	uint32_t *bucket = &t->buckets[h & t->mask];
	uint32_t link = *bucket;
	struct entry *e = NULL;
	int dir;

	while (link) {
		e = ent(t, link);
		if (e->hash == h && key_equal(&e->key, &p->key))
			break;
		link = e->hnext;
	}

	if (link) {
		int why;

		if (now < e->last_us)
			now = e->last_us; /* time never runs backwards inside a flow */
		why = end_before_packet(t, e, p, now);
		if (why >= 0) {
			/* The new record starts on the open list. */
			list_unlink(t, list_of(t, e), link);
			export_entry(t, e, (enum fz_end_reason)why);
			t->stats.created++;
			start_record(t, e, swapped, now);
			list_push_head(t, &t->lists[L_OPEN], link);
		} else {
			list_move_to_head(t, list_of(t, e), link);
			/* A packet of a later bin: what came before belongs to the
			 * earlier one (a compare per packet; a division per bin). */
			if (t->conf.bin_us && now >= ((uint64_t)e->bin + 1) * t->conf.bin_us) {
				report_bin(t, e);
				e->bin = bin_of(t, now);
			}
		}
	} else {
		link = alloc_entry(t);
		e = ent(t, link);
		e->key = p->key;
		e->hash = h;
		e->net[0] = e->net[1] = 0;
		if (t->conf.net_fn)
			t->conf.net_fn(t->conf.net_arg, &e->key, e->net);
		start_record(t, e, swapped, now);
		e->hnext = *bucket;
		*bucket = link;
		list_push_head(t, &t->lists[L_OPEN], link);
	}

	dir = (swapped ^ ((e->flags & E_INIT_SWAPPED) ? 1 : 0));
	e->packets[dir]++;
	e->bytes[dir] += p->ip_len;
	e->last_us = now;
	v->handshake = 0;
	if (p->key.proto == 6) {
		uint8_t f = p->tcp_flags;

		if (dir == 0 && (f & (FZ_TCP_SYN | FZ_TCP_ACK)) == FZ_TCP_ACK &&
		    !(e->flags & E_HANDSHAKE) &&
		    (e->tcp_flags[1] & (FZ_TCP_SYN | FZ_TCP_ACK)) == (FZ_TCP_SYN | FZ_TCP_ACK) &&
		    (e->tcp_flags[0] & FZ_TCP_SYN)) {
			e->flags |= E_HANDSHAKE;
			v->handshake = 1;
		}
		e->tcp_flags[dir] |= f;
		if (f & FZ_TCP_FIN)
			e->flags |= dir ? E_FIN_REV : E_FIN_FWD;
		if (!(e->flags & E_LINGER) &&
		    ((f & FZ_TCP_RST) ||
		     (e->flags & (E_FIN_FWD | E_FIN_REV)) == (E_FIN_FWD | E_FIN_REV))) {
			list_unlink(t, &t->lists[L_OPEN], link);
			e->flags |= E_LINGER;
			list_push_head(t, &t->lists[L_LINGER], link);
		}
	}
	v->dir = (uint8_t)dir;
	v->sender = (uint8_t)swapped;
	v->app_state = &e->app_state;
	v->net = e->net;
	return e;
}

void fz_flow_table_update_burst(struct fz_flow_table *t, struct fz_pkt *pkts, unsigned n,
                                const uint64_t *now_us, fz_flow_pkt_fn pkt_fn, void *arg)
{
	enum { CHUNK = 32 };
	uint32_t hash[CHUNK];
	uint8_t swapped[CHUNK];

	for (unsigned base = 0; base < n; base += CHUNK) {
		unsigned m = n - base < CHUNK ? n - base : CHUNK;

		/* Hash the whole chunk first so the bucket heads load in parallel. */
		for (unsigned i = 0; i < m; i++) {
			swapped[i] = fz_flow_key_canonicalize(&pkts[base + i].key);
			hash[i] = fz_flow_key_hash(&pkts[base + i].key);
			__builtin_prefetch(&t->buckets[hash[i] & t->mask]);
		}
		for (unsigned i = 0; i < m; i++) {
			uint32_t head = t->buckets[hash[i] & t->mask];

			if (head)
				__builtin_prefetch(ent(t, head));
		}
		for (unsigned i = 0; i < m; i++) {
			unsigned k = base + i;
			struct fz_flow_pkt_view v;

			update_one(t, &pkts[k], swapped[i], hash[i], now_us[k], &v);
			if (pkt_fn)
				pkt_fn(arg, k, &v);
		}
	}
}

unsigned fz_flow_table_expire(struct fz_flow_table *t, uint64_t now, unsigned max)
{
	unsigned done = 0;

	while (done < max) {
		uint32_t open = t->lists[L_OPEN].tail, lin = t->lists[L_LINGER].tail;

		if (open && now > ent(t, open)->last_us &&
		    now - ent(t, open)->last_us > t->conf.idle_us) {
			end_entry(t, open, FZ_END_IDLE);
		} else if (lin && now > ent(t, lin)->last_us &&
		           now - ent(t, lin)->last_us > t->conf.linger_us) {
			end_entry(t, lin, FZ_END_TCP_END);
		} else {
			break;
		}
		done++;
	}
	return done;
}

void fz_flow_table_flush(struct fz_flow_table *t, enum fz_end_reason reason)
{
	uint32_t link;

	/* Oldest first, so records leave in the order the flows went quiet. */
	while ((link = lru_victim(t)) != 0)
		end_entry(t, link, reason);
}

uint64_t fz_flow_table_oldest_us(const struct fz_flow_table *t)
{
	uint32_t a = t->lists[L_OPEN].tail, b = t->lists[L_LINGER].tail;
	uint64_t oldest = UINT64_MAX;

	if (a)
		oldest = t->ents[a].last_us;
	if (b && t->ents[b].last_us < oldest)
		oldest = t->ents[b].last_us;
	return oldest;
}

const struct fz_flow_table_stats *fz_flow_table_stats(const struct fz_flow_table *t)
{
	return &t->stats;
}

size_t fz_flow_table_bytes_per_flow(const struct fz_flow_table *t)
{
	return sizeof(struct entry) + ((size_t)t->mask + 1) * sizeof(uint32_t) / t->conf.capacity;
}

struct fz_flow_table *fz_flow_table_create(const struct fz_flow_table_conf *conf)
{
	struct fz_flow_table *t;
	uint64_t nb = 1;

	if (conf == NULL || conf->capacity == 0 || conf->capacity > (1u << 30) ||
	    conf->export_fn == NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* Twice as many chain heads as entries keeps chains short. */
	while (nb < 2ULL * conf->capacity)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->conf = *conf;
	t->id_worker = (uint64_t)conf->worker << 48;
	t->mask = (uint32_t)(nb - 1);
	t->ents = fz_table_mem_alloc(((size_t)conf->capacity + 1) * sizeof(struct entry));
	t->buckets = fz_table_mem_alloc(nb * sizeof(uint32_t));
	if (t->ents == NULL || t->buckets == NULL) {
		fz_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	/* Entries are initialised when first handed out (alloc_entry); the
	 * chain heads start zeroed (fresh anonymous pages, see table_mem.h). */
	t->free_head = 0;
	t->never_used = 0;
	return t;
}

void fz_flow_table_free(struct fz_flow_table *t)
{
	if (t == NULL)
		return;
	fz_table_mem_free(t->ents, ((size_t)t->conf.capacity + 1) * sizeof(struct entry));
	fz_table_mem_free(t->buckets, ((size_t)t->mask + 1) * sizeof(uint32_t));
	free(t);
}
