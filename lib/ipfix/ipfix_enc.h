/*
 * The IPFIX encoder (RFC 7011, RFC 5103 biflows): templates built once from
 * field lists, flow records written straight from struct fz_flow_rec, and
 * messages filled up to the MTU. No sockets and no DPDK: the exporter
 * (ipfix_exporter.c), the unit test, the benchmark and the fuzz target use
 * it alone. docs/ipfix.md lists every field.
 */
#ifndef FZ_IPFIX_ENC_H
#define FZ_IPFIX_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "fz_record.h"

#define FZ_IPFIX_VERSION  10
#define FZ_IPFIX_HDR_LEN  16     /* message header */
#define FZ_IPFIX_SET_HDR  4      /* set header */
#define FZ_IPFIX_SET_TMPL 2      /* template set id */
#define FZ_IPFIX_SET_OPTS 3      /* options template set id */
#define FZ_IPFIX_PEN_REV  29305u /* RFC 5103 reverse information elements */
#define FZ_IPFIX_REC_MAX  256    /* no record (data or template) is longer */
#define FZ_IPFIX_NAME_MAX 64     /* applicationName field: the longest name kept, NUL padded */

/* Template ids: one per address family and mode, and the application table. */
enum fz_ipfix_tid {
	FZ_IPFIX_TID_BI4 = 256, /* biflow, IPv4 */
	FZ_IPFIX_TID_BI6,       /* biflow, IPv6 */
	FZ_IPFIX_TID_UNI4,      /* uniflow, IPv4 */
	FZ_IPFIX_TID_UNI6,      /* uniflow, IPv6 */
	FZ_IPFIX_TID_APPS,      /* options: applicationId -> applicationName */
};

/* applicationId (IE 95): classification engine 6 ("User Defined", RFC 6759), then the
 * application's index in two bytes. */
#define FZ_IPFIX_APP_ENGINE 6
#define FZ_IPFIX_APPID_LEN  3

struct fz_ipfix_enc_conf {
	int biflow;      /* 1: one RFC 5103 biflow record per flow; 0: a record per direction */
	uint32_t domain; /* observation domain id */
	uint32_t pen;    /* enterprise number of the zoo class elements */
	const char *const *app_names; /* by fz_flow_rec.app; index 0 is "unknown" */
	unsigned n_apps;
};

struct fz_ipfix_enc;

/* NULL and errno (EINVAL, ENOMEM) on failure. conf's names are copied. */
struct fz_ipfix_enc *fz_ipfix_enc_create(const struct fz_ipfix_enc_conf *conf);
void fz_ipfix_enc_free(struct fz_ipfix_enc *enc);

/* One record ready to go into a set. */
struct fz_ipfix_rec {
	uint16_t set_id; /* FZ_IPFIX_SET_TMPL, FZ_IPFIX_SET_OPTS or a template id */
	uint16_t len;
	uint8_t b[FZ_IPFIX_REC_MAX];
};

/*
 * The template records of the mode (two data templates and the options
 * template), then the application table's data records: what a collector
 * must have before it can decode data. Record i into *out; returns 1, or 0
 * past the last one.
 */
int fz_ipfix_enc_setup_record(const struct fz_ipfix_enc *enc, unsigned i, struct fz_ipfix_rec *out);

/* How many records fz_ipfix_enc_setup_record gives. */
unsigned fz_ipfix_enc_setup_records(const struct fz_ipfix_enc *enc);

/*
 * The data records of one flow: one biflow record, or a forward record and,
 * when the responder sent packets, a reverse one. Returns how many (1 or
 * 2), or -EINVAL for a record that cannot be encoded (an IP version other
 * than 4 or 6).
 */
int fz_ipfix_enc_flow(const struct fz_ipfix_enc *enc, const struct fz_flow_rec *r,
                      const struct fz_zoo_result *zoo, struct fz_ipfix_rec out[2]);

/* The longest record of any kind this encoder makes (the least MTU is this + 20). */
size_t fz_ipfix_enc_max_record(const struct fz_ipfix_enc *enc);

/* A message being filled: the header, then sets, never beyond cap. */
struct fz_ipfix_msg {
	uint8_t *buf;
	size_t cap;
	size_t len;      /* bytes so far (at least the header) */
	size_t set_off;  /* offset of the open set's header; 0: none open */
	uint16_t set_id; /* the open set's id */
	uint32_t n_data; /* data records (sequence numbers count these) */
	uint32_t n_recs; /* records of any kind */
};

/* Start an empty message in buf (cap bytes, at least FZ_IPFIX_HDR_LEN). */
void fz_ipfix_msg_init(struct fz_ipfix_msg *m, uint8_t *buf, size_t cap);

/* Add a record, in the open set when it has the record's set id, else in a new set.
 * Returns 0, or -ENOSPC when the message has no room for it. */
int fz_ipfix_msg_add(struct fz_ipfix_msg *m, const struct fz_ipfix_rec *r);

/* Close the open set and write the header. Returns the message's length. */
size_t fz_ipfix_msg_finish(struct fz_ipfix_msg *m, uint32_t export_time, uint32_t seq,
                           uint32_t domain);

/* flowEndReason (IE 136) of an enum fz_end_reason. */
uint8_t fz_ipfix_end_reason(unsigned end_reason);

#endif
