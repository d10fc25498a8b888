/*
 * Fragment table: a set-associative cache of (addresses, VLANs, protocol,
 * fragment id) -> ports (and protocol) of the first fragment. Buckets of FRAG_WAYS slots;
 * when a bucket is full the entry with the oldest first fragment is
 * overwritten. All memory is allocated in fz_frag_table_create.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz_frag.h"

#define FRAG_WAYS        4
#define FRAG_MAX_ENTRIES (1u << 24)

struct frag_entry {
	/* The packet's key with ports zeroed: the fragment's identity. */
	struct fz_flow_key key;
	uint32_t frag_id;
	uint64_t first_us;
	uint16_t port[2];
	uint8_t proto;
	uint8_t used;
};

struct fz_frag_table {
	struct frag_entry *slots;
	uint32_t bucket_mask; /* number of buckets - 1 */
	uint32_t ways;
	uint64_t timeout_us;
};

struct fz_frag_table *fz_frag_table_create(uint32_t entries, uint64_t timeout_us)
{
	struct fz_frag_table *t;
	uint32_t n = 1;

	if (entries == 0 || entries > FRAG_MAX_ENTRIES || timeout_us == 0) {
		errno = EINVAL;
		return NULL;
	}
	while (n < entries)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->slots = calloc(n, sizeof(*t->slots));
	if (t->slots == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->ways = n < FRAG_WAYS ? n : FRAG_WAYS;
	t->bucket_mask = n / t->ways - 1;
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

/*
 * The fragment's identity: its key without ports. IPv6 identifies a
 * datagram by addresses and fragment id alone (RFC 8200), and it must: the
 * fragmentable part may start with extension headers, so a later fragment's
 * "next header" can be destination options (60) while the first fragment
 * was parsed through to UDP. The protocol then comes from the first
 * fragment. IPv4 includes the protocol, as RFC 791 does.
 */
static void frag_identity(const struct fz_pkt *pkt, struct fz_flow_key *id)
{
	*id = pkt->key;
	id->port[0] = 0;
	id->port[1] = 0;
	if (id->ip_version == 6)
		id->proto = 0;
}

static struct frag_entry *frag_bucket(struct fz_frag_table *t, const struct fz_flow_key *id,
                                      uint32_t frag_id)
{
	/* Multiply by an odd constant so that the fragment id spreads over all bits. */
	uint32_t h = fz_flow_key_hash(id) ^ (frag_id * 0x9e3779b1u);

	h ^= h >> 16;
	return &t->slots[(size_t)(h & t->bucket_mask) * t->ways];
}

static bool frag_fresh(const struct fz_frag_table *t, const struct frag_entry *e, uint64_t now_us)
{
	/* A clock that went backwards counts as age 0, not as a huge age. */
	uint64_t age = now_us > e->first_us ? now_us - e->first_us : 0;

	return e->used && age < t->timeout_us;
}

static bool frag_match(const struct frag_entry *e, const struct fz_flow_key *id, uint32_t frag_id)
{
	return e->used && e->frag_id == frag_id && memcmp(&e->key, id, sizeof(*id)) == 0;
}

void fz_frag_table_note_first(struct fz_frag_table *t, const struct fz_pkt *pkt, uint64_t now_us)
{
	struct fz_flow_key id;
	struct frag_entry *b, *victim;
	uint32_t i;

	frag_identity(pkt, &id);
	b = frag_bucket(t, &id, pkt->frag_id);
	/* A repeated first fragment refreshes its own entry. */
	victim = NULL;
	for (i = 0; i < t->ways && victim == NULL; i++)
		if (frag_match(&b[i], &id, pkt->frag_id))
			victim = &b[i];
	/* Else a free or expired slot, else the oldest entry of the bucket. */
	for (i = 0; i < t->ways && victim == NULL; i++)
		if (!frag_fresh(t, &b[i], now_us))
			victim = &b[i];
	if (victim == NULL) {
		victim = &b[0];
		for (i = 1; i < t->ways; i++)
			if (b[i].first_us < victim->first_us)
				victim = &b[i];
	}
	victim->key = id;
	victim->frag_id = pkt->frag_id;
	victim->first_us = now_us;
	victim->port[0] = pkt->key.port[0];
	victim->port[1] = pkt->key.port[1];
	victim->proto = pkt->key.proto;
	victim->used = 1;
}

bool fz_frag_table_resolve(struct fz_frag_table *t, struct fz_pkt *pkt, uint64_t now_us)
{
	struct fz_flow_key id;
	struct frag_entry *b;
	uint32_t i;

	frag_identity(pkt, &id);
	b = frag_bucket(t, &id, pkt->frag_id);
	for (i = 0; i < t->ways; i++) {
		if (!frag_match(&b[i], &id, pkt->frag_id))
			continue;
		if (!frag_fresh(t, &b[i], now_us))
			return false;
		pkt->key.port[0] = b[i].port[0];
		pkt->key.port[1] = b[i].port[1];
		pkt->key.proto = b[i].proto;
		return true;
	}
	return false;
}
