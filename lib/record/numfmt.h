/*
 * Numbers as JSON text without printf: the record encoder's hot path. The
 * output is byte for byte what jansson prints for the same values
 * (json_integer, and json_real dumped with JSON_REAL_PRECISION(15)), so
 * records read the same whichever encoder made them.
 */
#ifndef FZ_NUMFMT_H
#define FZ_NUMFMT_H

#include <stdint.h>

/* Room a number may take, with some to spare. fz_fmt_real15 and
 * fz_fmt_micros may write past the end they return (not past p +
 * FZ_NUMFMT_MAX): give them that room; the others write only their text. */
#define FZ_NUMFMT_MAX 40

/* Write v in decimal at p; return the end. */
char *fz_fmt_u64(char *p, uint64_t v);

/* Write v as jansson writes a real with 15 significant digits ("%.15g", a
 * ".0" when the text has neither '.' nor 'e', no '+' or leading zeros in
 * the exponent); null when v is not finite. Return the end. */
char *fz_fmt_real15(char *p, double v);

/* Write us microseconds as seconds, exactly as fz_fmt_real15(us / 1e6)
 * would, from the integer: a duration needs no floating point. */
char *fz_fmt_micros(char *p, uint64_t us);

/* Write the dotted text of an IPv4 address (network order bytes); return the end. */
char *fz_fmt_ipv4(char *p, const uint8_t a[4]);

/* Write the text of an IPv6 address (network order bytes) exactly as glibc's inet_ntop writes it
 * (RFC 5952 but for a single zero group, which stays "0"; ::a.b.c.d and ::ffff:a.b.c.d
 * dotted), at most 45 characters; return the end. */
char *fz_fmt_ipv6(char *p, const uint8_t a[16]);

#endif
