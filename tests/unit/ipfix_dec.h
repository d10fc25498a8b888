/*
 * A small IPFIX decoder for tests: messages, template and options template
 * sets, data sets decoded with the templates seen so far, sequence numbers
 * checked. It reads only [buf, buf + len) and is fuzzed (tests/fuzz/fuzz_ipfix.c).
 */
#ifndef FZ_IPFIX_DEC_H
#define FZ_IPFIX_DEC_H

#include <stddef.h>
#include <stdint.h>

#define IPFIX_DEC_FIELDS    64
#define IPFIX_DEC_TEMPLATES 32

struct ipfix_dec_field {
	uint32_t pen;
	uint16_t ie;
	uint16_t len;
	const uint8_t *v; /* in a record: the value */
};

struct ipfix_dec_tmpl {
	uint16_t id;
	uint16_t n;
	uint16_t scope; /* options templates: scope fields; 0 for data templates */
	uint32_t rec_len;
	struct ipfix_dec_field f[IPFIX_DEC_FIELDS];
};

struct ipfix_dec_rec {
	uint16_t tid;
	uint32_t domain;
	unsigned n;
	struct ipfix_dec_field f[IPFIX_DEC_FIELDS];
};

struct ipfix_dec {
	struct ipfix_dec_tmpl t[IPFIX_DEC_TEMPLATES];
	unsigned n_t;
	uint64_t messages;
	uint64_t records;     /* data records decoded */
	uint64_t templates;   /* template records */
	uint64_t no_template; /* data sets skipped: their template was not seen */
	uint64_t seq_errors;  /* messages whose sequence number was not the count so far */
	uint32_t next_seq;
	int have_seq;
	void (*rec)(void *arg, const struct ipfix_dec_rec *r);
	void *arg;
};

/* Decode one message. 0, or -EBADMSG (malformed: nothing after the fault is used). */
int ipfix_dec_message(struct ipfix_dec *d, const uint8_t *buf, size_t len);

/* A field of r as an unsigned integer (big endian, up to 8 bytes); found 0 when absent. */
uint64_t ipfix_dec_uint(const struct ipfix_dec_rec *r, uint32_t pen, uint16_t ie, int *found);

/* A field of r, NULL when absent. */
const struct ipfix_dec_field *ipfix_dec_get(const struct ipfix_dec_rec *r, uint32_t pen,
                                            uint16_t ie);

#endif
