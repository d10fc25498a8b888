/*
 * libFuzzer target for the control-message decoder: every datagram an
 * appliance receives from the network goes through fz_ctl_open and then one
 * of the payload parsers. The input is tried twice: as a datagram (which
 * mostly fails authentication, as an attacker's would), and as the payload
 * of a correctly sealed message whose type is the input's first byte, so
 * that the parsers behind authentication are reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fz_ctl_codec.h"

/* The seeds in tests/fuzz/corpus/ctl are sealed with this key (32 x 0x42). */
static struct fz_ctl_key key = {.len = 32};

static void parse_payload(const struct fz_ctl_msg *m)
{
	struct fz_ctl_data d;
	struct fz_ctl_ack a;
	const char *cmd;
	json_t *j;

	switch (m->type) {
	case FZ_CTL_REQUEST:
		j = fz_ctl_request_parse(m->payload, m->len, &cmd);
		if (j && strlen(cmd) > 1u << 16)
			__builtin_trap();
		json_decref(j);
		break;
	case FZ_CTL_DATA:
		if (fz_ctl_data_parse(m->payload, m->len, &d) == 0 &&
		    ((uint64_t)d.seq * FZ_CTL_CHUNK + d.len > d.total || d.len > FZ_CTL_CHUNK))
			__builtin_trap(); /* a parsed chunk must lie inside its file */
		break;
	case FZ_CTL_ACK:
		fz_ctl_ack_parse(m->payload, m->len, &a);
		break;
	default:
		j = json_loadb((const char *)m->payload, m->len, JSON_REJECT_DUPLICATES, NULL);
		json_decref(j);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sealed[FZ_CTL_MAX_DGRAM];
	struct fz_ctl_guard *g;
	struct fz_ctl_msg m;
	uint64_t now = fz_ctl_now_ms();
	int n;

	if (key.bytes[0] == 0)
		memset(key.bytes, 0x42, key.len);
	g = fz_ctl_guard_create(16, 0);
	if (!g)
		return 0;
	if (fz_ctl_decode(data, size, &m) == FZ_CTL_OK)
		parse_payload(&m);
	if (fz_ctl_open(&key, g, data, size, now, &m) == FZ_CTL_OK)
		parse_payload(&m);
	if (size >= 1) {
		n = fz_ctl_seal(&key, data[0], 1, data + 1, size - 1, sealed, sizeof(sealed));
		if (n > 0) {
			enum fz_ctl_verdict v = fz_ctl_open(&key, g, sealed, (size_t)n, now, &m);

			/* Types outside the protocol are malformed; everything else opens. */
			if (v != (data[0] >= FZ_CTL_REQUEST && data[0] <= FZ_CTL_ACK
			              ? FZ_CTL_OK
			              : FZ_CTL_MALFORMED))
				__builtin_trap();
			if (v == FZ_CTL_OK) {
				parse_payload(&m);
				/* The same datagram twice is a replay, always. */
				if (fz_ctl_open(&key, g, sealed, (size_t)n, now, &m) !=
				    FZ_CTL_REPLAY)
					__builtin_trap();
			}
		}
	}
	fz_ctl_guard_free(g);
	return 0;
}
