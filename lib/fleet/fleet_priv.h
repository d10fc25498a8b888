/* Helpers shared by lib/fleet's files; not part of its interface. */
#ifndef FZ_FLEET_PRIV_H
#define FZ_FLEET_PRIV_H

#include <jansson.h>

#include "fz_fleet.h"

/* Writes the reason into why (may be NULL) and returns -EINVAL. */
int fz_fleet__why(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Field readers: 0, or -EINVAL with the reason. */
int fz_fleet__u64(const json_t *o, const char *key, uint64_t *out, char *why, size_t cap);
int fz_fleet__str(const json_t *o, const char *key, char *out, size_t out_cap, int empty_ok,
                  char *why, size_t cap);
/* The record's JSON object when it parses and its "type" is type; NULL and the reason. */
json_t *fz_fleet__load(const char *buf, size_t len, const char *type, char *why, size_t cap);
int fz_fleet__top_from(struct fz_fleet_traffic *t, const json_t *top, char *why, size_t cap);
int fz_fleet__apps_from(struct fz_fleet_traffic *t, const json_t *apps, char *why, size_t cap);
const char *fz_fleet__list_name(unsigned l);
/* A 128-bit count as JSON: an integer while it fits int64, else a string of digits. */
json_t *fz_fleet__u128_json(fz_u128 v);

#endif
