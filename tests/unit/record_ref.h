/* Reference JSON encoder of flow records through jansson (tests only). */
#ifndef FZ_RECORD_REF_H
#define FZ_RECORD_REF_H

#include "fz_record.h"

struct ref_enc;
struct ref_enc *ref_enc_create(const struct fz_record_ctx *ctx);
void ref_enc_free(struct ref_enc *enc);
int ref_flow_json(struct ref_enc *enc, const struct fz_flow_rec *r, const struct fz_zoo_result *zoo,
                  char *buf, size_t cap);

/* The flow of docs/flow-record.md's example: TCP 192.168.1.13:55523 -> 178.62.197.130:443,
 * VLAN 100.7, 51/58 packets, 3000/69456 bytes, tcp_end, application 2, worker 1. */
struct fz_flow_rec ref_example_flow(void);

#endif
