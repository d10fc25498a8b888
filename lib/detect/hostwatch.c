/*
 * Per-second destination-host counts of one worker: an open-addressing
 * table (linear probing, at most half full) of the hosts of the current
 * second, emptied when the second is handed over. The slots in use are
 * listed, so handing over costs the hosts seen, not the table's size.
 * The source that led a host's packets is tracked with the Boyer-Moore
 * majority vote: one candidate and a lead per host, two compares a packet;
 * a source that sent more than half of the host's packets of the second is
 * the candidate for sure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz_hostwatch.h"

#define US_PER_S  1000000ull
#define MAX_HOSTS (1u << 24)
#define NO_SECOND UINT64_MAX

struct host {
	uint64_t addr[2];
	uint64_t src[2];
	uint64_t bytes;
	uint32_t packets;
	uint32_t syns;
	uint32_t handshakes;
	uint32_t lead; /* the candidate's majority-vote lead */
	uint16_t net;
	uint8_t used;
	uint8_t ip_version;
	uint8_t pad[4];
};

struct fz_hostwatch {
	struct fz_hostwatch_conf conf;
	struct host *slots;
	uint32_t *used; /* indexes of the slots in use, in order of arrival */
	uint32_t n_used, limit, mask;
	uint64_t sec;       /* the second being counted, or NO_SECOND */
	uint64_t announced; /* every second before this one was handed over */
	int ended;
	struct fz_hostwatch_stats stats;
};

/* The address words rotated so that an IPv4 address (the last 4 bytes) lands in the
 * low bits, then a multiply-xorshift mix: every bit of the key reaches the low bits
 * the table indexes with. */
static uint32_t hash_addr(const uint64_t a[2], uint16_t net)
{
	uint64_t h = a[0] ^ ((a[1] >> 32) | (a[1] << 32)) ^ ((uint64_t)net << 40);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

struct fz_hostwatch *fz_hostwatch_create(const struct fz_hostwatch_conf *conf)
{
	struct fz_hostwatch *h;
	uint32_t size = 2;

	if (conf == NULL || conf->emit == NULL || conf->hosts == 0 || conf->hosts > MAX_HOSTS) {
		errno = EINVAL;
		return NULL;
	}
	while (size < 2 * conf->hosts)
		size <<= 1;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->conf = *conf;
	h->slots = calloc(size, sizeof(*h->slots));
	h->used = calloc(conf->hosts, sizeof(*h->used));
	if (h->slots == NULL || h->used == NULL) {
		fz_hostwatch_free(h);
		errno = ENOMEM;
		return NULL;
	}
	h->mask = size - 1;
	h->limit = conf->hosts;
	h->sec = NO_SECOND;
	return h;
}

void fz_hostwatch_free(struct fz_hostwatch *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h->used);
	free(h);
}

/* Hand over the hosts of the second being counted and empty the table. */
static void flush(struct fz_hostwatch *h)
{
	struct fz_flow_rec r;

	for (uint32_t i = 0; i < h->n_used; i++) {
		struct host *e = &h->slots[h->used[i]];

		memset(&r, 0, sizeof(r));
		r.kind = FZ_REC_HOST;
		r.worker = h->conf.worker;
		r.key.ip_version = e->ip_version;
		memcpy(r.key.addr[0], e->src, 16);
		memcpy(r.key.addr[1], e->addr, 16);
		r.net[1] = e->net;
		r.first_us = h->sec * US_PER_S;
		r.packets[0] = e->packets;
		r.bytes[0] = e->bytes;
		r.packets[1] = e->syns;
		r.bytes[1] = e->handshakes;
		r.flow_id = e->lead;
		h->conf.emit(h->conf.emit_arg, &r);
		memset(e, 0, sizeof(*e));
	}
	h->stats.reports += h->n_used;
	h->n_used = 0;
	h->sec = NO_SECOND;
}

/* Say that every second before sec was handed over. */
static void announce(struct fz_hostwatch *h, uint64_t sec, int done)
{
	struct fz_flow_rec r;

	if (sec <= h->announced && !done)
		return;
	if (sec > h->announced)
		h->announced = sec;
	memset(&r, 0, sizeof(r));
	r.kind = FZ_REC_SECOND;
	r.worker = h->conf.worker;
	r.last_us = h->announced * US_PER_S;
	r.end_reason = (uint8_t)done;
	h->conf.emit(h->conf.emit_arg, &r);
}

/* One packet whose key hashes to hash (hash_addr). */
static void count(struct fz_hostwatch *h, const struct fz_hostwatch_pkt *p, uint32_t hash)
{
	uint64_t s = p->now_us / US_PER_S, a[2], from[2];
	struct host *e;
	uint32_t i;

	if (h->sec != NO_SECOND && s > h->sec) {
		flush(h);
		announce(h, s, 0);
	}
	if (h->sec == NO_SECOND)
		h->sec = s < h->announced ? h->announced : s;
	memcpy(a, p->host, 16);
	memcpy(from, p->src, 16);
	for (i = hash & h->mask;; i = (i + 1) & h->mask) {
		e = &h->slots[i];
		if (!e->used)
			break;
		if (e->addr[0] == a[0] && e->addr[1] == a[1] && e->net == p->net)
			goto found;
	}
	if (h->n_used == h->limit) {
		h->stats.full++;
		return;
	}
	e->used = 1;
	e->addr[0] = a[0];
	e->addr[1] = a[1];
	e->net = p->net;
	e->ip_version = p->ip_version;
	h->used[h->n_used++] = i;
found:
	e->packets++;
	e->bytes += p->ip_len;
	e->syns += (p->tcp_flags & (FZ_TCP_SYN | FZ_TCP_ACK)) == FZ_TCP_SYN;
	e->handshakes += p->handshake != 0;
	if (e->lead && e->src[0] == from[0] && e->src[1] == from[1]) {
		e->lead++;
	} else if (e->lead == 0) {
		e->src[0] = from[0];
		e->src[1] = from[1];
		e->lead = 1;
	} else {
		e->lead--;
	}
}

static uint32_t hash_pkt(const struct fz_hostwatch_pkt *p)
{
	uint64_t a[2];

	memcpy(a, p->host, 16);
	return hash_addr(a, p->net);
}

void fz_hostwatch_packet(struct fz_hostwatch *h, uint64_t now_us, const uint8_t *host,
                         const uint8_t *src, uint8_t ip_version, uint16_t net, uint32_t ip_len,
                         uint8_t tcp_flags, int handshake)
{
	struct fz_hostwatch_pkt p = {host, src,        now_us,    ip_len,
	                             net,  ip_version, tcp_flags, (uint8_t)(handshake != 0)};

	if (net == 0 && !h->conf.all_hosts)
		return;
	count(h, &p, hash_pkt(&p));
}

void fz_hostwatch_burst(struct fz_hostwatch *h, const struct fz_hostwatch_pkt *p, unsigned n)
{
	enum { CHUNK = 32 };
	uint32_t hash[CHUNK];

	for (unsigned base = 0; base < n; base += CHUNK) {
		unsigned m = n - base < CHUNK ? n - base : CHUNK;

		for (unsigned i = 0; i < m; i++) {
			hash[i] = hash_pkt(&p[base + i]);
			__builtin_prefetch(&h->slots[hash[i] & h->mask], 1);
		}
		for (unsigned i = 0; i < m; i++)
			if (p[base + i].net || h->conf.all_hosts)
				count(h, &p[base + i], hash[i]);
	}
}

void fz_hostwatch_tick(struct fz_hostwatch *h, uint64_t now_us, int done)
{
	uint64_t s = now_us / US_PER_S;

	if (h->ended)
		return;
	if (h->sec != NO_SECOND && (s > h->sec || done)) {
		uint64_t next = h->sec + 1;

		flush(h);
		if (s < next)
			s = next;
	}
	announce(h, s, done);
	h->ended = done;
}

const struct fz_hostwatch_stats *fz_hostwatch_stats(const struct fz_hostwatch *h)
{
	return &h->stats;
}
