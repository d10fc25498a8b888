/* Linear probing with backward-shift deletion (see keymap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

/* A slot: the hash (0: empty; stored hashes are never 0), the key, the value. */
#define HDR 8

static uint32_t hash_key(const void *key, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull, w;
	const uint8_t *p = key;

	for (size_t i = 0; i < n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 31;
	}
	h ^= h >> 29;
	return (uint32_t)h | 1u;
}

static uint8_t *slot(const struct keymap *m, uint32_t i)
{
	return m->slots + (size_t)i * m->slot_size;
}

static uint32_t slot_hash(const struct keymap *m, uint32_t i)
{
	uint32_t h;

	memcpy(&h, slot(m, i), sizeof(h));
	return h;
}

int keymap_init(struct keymap *m, uint32_t limit, size_t key_size, size_t val_size)
{
	uint32_t size = 4;

	memset(m, 0, sizeof(*m));
	if (limit == 0 || limit > (1u << 28) || key_size % 8 || val_size % 8) {
		errno = EINVAL;
		return -1;
	}
	while (size < 2 * limit)
		size <<= 1;
	m->key_size = key_size;
	m->val_size = val_size;
	m->slot_size = HDR + key_size + val_size;
	m->mask = size - 1;
	m->limit = limit;
	m->slots = calloc(size, m->slot_size);
	return m->slots ? 0 : -1;
}

void keymap_destroy(struct keymap *m)
{
	free(m->slots);
	m->slots = NULL;
}

void *keymap_find(const struct keymap *m, const void *key)
{
	uint32_t h = hash_key(key, m->key_size);

	for (uint32_t i = h & m->mask;; i = (i + 1) & m->mask) {
		uint32_t sh = slot_hash(m, i);

		if (sh == 0)
			return NULL;
		if (sh == h && memcmp(slot(m, i) + HDR, key, m->key_size) == 0)
			return slot(m, i) + HDR + m->key_size;
	}
}

void *keymap_get(struct keymap *m, const void *key, int *created)
{
	uint32_t h = hash_key(key, m->key_size), i;

	*created = 0;
	for (i = h & m->mask;; i = (i + 1) & m->mask) {
		uint32_t sh = slot_hash(m, i);

		if (sh == 0)
			break;
		if (sh == h && memcmp(slot(m, i) + HDR, key, m->key_size) == 0)
			return slot(m, i) + HDR + m->key_size;
	}
	if (m->n == m->limit)
		return NULL;
	memcpy(slot(m, i), &h, sizeof(h));
	memcpy(slot(m, i) + HDR, key, m->key_size);
	memset(slot(m, i) + HDR + m->key_size, 0, m->val_size);
	m->n++;
	*created = 1;
	return slot(m, i) + HDR + m->key_size;
}

void keymap_remove_slot(struct keymap *m, uint32_t i)
{
	uint32_t j = i;

	/* Shift back every later entry of the run that may sit at i. */
	for (;;) {
		uint32_t home, sh;

		j = (j + 1) & m->mask;
		sh = slot_hash(m, j);
		if (sh == 0)
			break;
		home = sh & m->mask;
		/* The entry at j may move to i when its home is not in (i, j]. */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			memcpy(slot(m, i), slot(m, j), m->slot_size);
			i = j;
		}
	}
	memset(slot(m, i), 0, m->slot_size);
	m->n--;
}

void keymap_clear(struct keymap *m)
{
	/* An empty slot is a zero hash; keys and values are written when an entry is
	 * made. Only the hashes are cleared: a second's table is mostly empty. */
	for (uint32_t i = 0; m->n && i <= m->mask; i++)
		if (slot_hash(m, i)) {
			memset(slot(m, i), 0, HDR);
			m->n--;
		}
	m->n = 0;
}

const void *keymap_slot_key(const struct keymap *m, uint32_t i)
{
	return slot_hash(m, i) ? slot(m, i) + HDR : NULL;
}

void *keymap_slot_val(const struct keymap *m, uint32_t i)
{
	return slot(m, i) + HDR + m->key_size;
}
