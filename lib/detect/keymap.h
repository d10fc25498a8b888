/*
 * A fixed-capacity hash map of fixed-size keys and values for the detector
 * (linear probing, at most half full, backward-shift deletion: no
 * tombstones). Values move when entries are removed: hold no pointer to a
 * value across a removal. Internal to lib/detect.
 */
#ifndef FZ_DETECT_KEYMAP_H
#define FZ_DETECT_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap {
	uint8_t *slots;
	size_t key_size, val_size, slot_size;
	uint32_t mask;  /* slots - 1 */
	uint32_t n;     /* entries */
	uint32_t limit; /* entries at most */
};

/* Room for limit entries of key_size and val_size bytes (multiples of 8). -1 on ENOMEM. */
int keymap_init(struct keymap *m, uint32_t limit, size_t key_size, size_t val_size);
void keymap_destroy(struct keymap *m);

/* The value of key, or NULL. */
void *keymap_find(const struct keymap *m, const void *key);

/* The value of key, made (zeroed, *created = 1) when absent; NULL when the map is full. */
void *keymap_get(struct keymap *m, const void *key, int *created);

/* Remove the entry of slot i (keymap_slot_key/val). Entries may move into slot i. */
void keymap_remove_slot(struct keymap *m, uint32_t i);

/* Remove every entry. */
void keymap_clear(struct keymap *m);

/* Slots, for iteration: 0 .. mask; NULL key for an empty slot. */
const void *keymap_slot_key(const struct keymap *m, uint32_t i);
void *keymap_slot_val(const struct keymap *m, uint32_t i);

#endif
