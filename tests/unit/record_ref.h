/* Reference JSON encoder of flow records through jansson (tests only). */
#ifndef FZ_RECORD_REF_H
#define FZ_RECORD_REF_H

#include "fz_record.h"

struct ref_enc;
struct ref_enc *ref_enc_create(const struct fz_record_ctx *ctx);
void ref_enc_free(struct ref_enc *enc);
int ref_flow_json(struct ref_enc *enc, const struct fz_flow_rec *r, const struct fz_zoo_result *zoo,
                  char *buf, size_t cap);

#endif
