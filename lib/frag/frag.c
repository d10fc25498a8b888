/*
 * Fragment table: a direct-mapped array indexed by a hash of (addresses,
 * VLANs, protocol, fragment id). A new first fragment takes its slot,
 * overwriting what was there (the older datagram), so the table never
 * allocates after creation and never searches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz_frag.h"

struct slot {
	struct fz_flow_key key; /* ports zero: the datagram's identity */
	uint32_t id;
	uint16_t port[2];
	uint64_t seen_us;
	uint8_t used;
};

struct fz_frag_table {
	struct slot *slots;
	uint32_t mask;
	uint64_t timeout_us;
};

struct fz_frag_table *fz_frag_table_create(uint32_t entries, uint64_t timeout_us)
{
	struct fz_frag_table *t;
	uint32_t n = 1;

	if (entries == 0 || entries > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	while (n < entries)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->slots = calloc(n, sizeof(*t->slots));
	if (t->slots == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = n - 1;
	t->timeout_us = timeout_us;
	return t;
}

void fz_frag_table_free(struct fz_frag_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

/* The datagram's identity: the key without ports, plus the fragment id. */
static struct slot *lookup(struct fz_frag_table *t, const struct fz_pkt *pkt,
                           struct fz_flow_key *id_key)
{
	*id_key = pkt->key;
	id_key->port[0] = id_key->port[1] = 0;
	return &t->slots[(fz_flow_key_hash(id_key) ^ (pkt->frag_id * 0x9e3779b1u)) & t->mask];
}

void fz_frag_table_note_first(struct fz_frag_table *t, const struct fz_pkt *pkt, uint64_t now_us)
{
	struct fz_flow_key k;
	struct slot *s = lookup(t, pkt, &k);

	s->key = k;
	s->id = pkt->frag_id;
	s->port[0] = pkt->key.port[0];
	s->port[1] = pkt->key.port[1];
	s->seen_us = now_us;
	s->used = 1;
}

bool fz_frag_table_resolve(struct fz_frag_table *t, struct fz_pkt *pkt, uint64_t now_us)
{
	struct fz_flow_key k;
	struct slot *s = lookup(t, pkt, &k);

	if (!s->used || s->id != pkt->frag_id || memcmp(&s->key, &k, sizeof(k)) != 0)
		return false;
	if (now_us > s->seen_us && now_us - s->seen_us > t->timeout_us) {
		s->used = 0;
		return false;
	}
	pkt->key.port[0] = s->port[0];
	pkt->key.port[1] = s->port[1];
	return true;
}
