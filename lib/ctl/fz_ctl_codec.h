/*
 * The wire format of flowzoo's control protocol (docs/control-protocol.md):
 * small authenticated UDP datagrams that carry commands (identify, status,
 * suspend, resume, logs), their replies, and the chunks and acknowledgements
 * of the reliable log transfer.
 *
 * This header is the codec: key file, sealing and opening of datagrams
 * (HMAC-SHA-256 with libsodium), the replay guard, and the binary payloads
 * of DATA and ACK. The server (fz_ctl_server.h) and the client
 * (fz_ctl_client.h) are built on it; none of the three depends on DPDK.
 * Every call here is pure or touches only its arguments: any thread may use
 * it, one guard per thread.
 */
#ifndef FZ_CTL_CODEC_H
#define FZ_CTL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define FZ_CTL_MAGIC        0x465A4354u /* "FZCT" */
#define FZ_CTL_VERSION      1
#define FZ_CTL_HDR_LEN      36
#define FZ_CTL_MAC_LEN      32
#define FZ_CTL_NONCE_LEN    16
#define FZ_CTL_MAX_DGRAM    8192 /* larger datagrams are refused as oversized */
#define FZ_CTL_MAX_PAYLOAD  (FZ_CTL_MAX_DGRAM - FZ_CTL_HDR_LEN - FZ_CTL_MAC_LEN)
#define FZ_CTL_CHUNK        1200 /* data bytes per DATA datagram: no IP fragmentation */
#define FZ_CTL_WINDOW       128  /* chunks in flight per transfer; also the SACK width */
#define FZ_CTL_DATA_HDR     20
#define FZ_CTL_ACK_LEN      24
#define FZ_CTL_DEFAULT_PORT 7411
#define FZ_CTL_MAX_SKEW_MS  30000       /* default acceptance window for timestamps */
#define FZ_CTL_MAX_LOG      (64u << 20) /* logs sends at most the last 64 MiB */

enum fz_ctl_type {
	FZ_CTL_REQUEST = 1, /* client -> server: JSON {"cmd": ...} */
	FZ_CTL_REPLY = 2,   /* server -> client: JSON {"ok": ..., "result"|"error": ...} */
	FZ_CTL_DATA = 3,    /* server -> client: one chunk of a transfer */
	FZ_CTL_ACK = 4,     /* client -> server: cumulative + selective acknowledgement */
};

/* Why a datagram was refused; FZ_CTL_OK when it was accepted. */
#define FZ_CTL_VERDICTS(X)                                                                         \
	X(OK, "accepted")                                                                          \
	X(OVERSIZED, "oversized")                                                                  \
	X(MALFORMED, "malformed")                                                                  \
	X(BAD_MAC, "bad_mac")                                                                      \
	X(STALE, "stale")                                                                          \
	X(REPLAY, "replay")

#define FZ_CTL_VERDICT_ENUM(name, str) FZ_CTL_##name,
enum fz_ctl_verdict { FZ_CTL_VERDICTS(FZ_CTL_VERDICT_ENUM) FZ_CTL__VERDICTS };
#undef FZ_CTL_VERDICT_ENUM

/* The counter name of a verdict ("bad_mac", ...). */
const char *fz_ctl_verdict_name(enum fz_ctl_verdict v);

/* The shared key. */
struct fz_ctl_key {
	uint8_t bytes[256];
	size_t len;
};

/*
 * Load a key file: either hexadecimal text (64 or more hex digits, white
 * space ignored) or raw bytes (32 to 256). Returns 0, or -EINVAL/-EIO/-errno
 * with a message in err.
 */
int fz_ctl_key_load(const char *path, struct fz_ctl_key *key, char *err, size_t errlen);

/* One opened (or to-be-sealed) message. payload points into the datagram. */
struct fz_ctl_msg {
	uint8_t version;
	uint8_t type;
	uint16_t len;
	uint64_t ts_ms;
	uint8_t nonce[FZ_CTL_NONCE_LEN];
	uint32_t req_id;
	const uint8_t *payload;
};

/*
 * Check the structure of a datagram without the key: size, magic, version,
 * type and length. Fills m. Returns FZ_CTL_OK, FZ_CTL_OVERSIZED or
 * FZ_CTL_MALFORMED.
 */
enum fz_ctl_verdict fz_ctl_decode(const uint8_t *buf, size_t len, struct fz_ctl_msg *m);

/*
 * Seal a message: header with a fresh nonce and the current time, payload,
 * MAC. Returns the datagram length, or -EMSGSIZE when it does not fit out or
 * FZ_CTL_MAX_DGRAM.
 */
int fz_ctl_seal(const struct fz_ctl_key *key, uint8_t type, uint32_t req_id, const void *payload,
                size_t len, uint8_t *out, size_t outlen);

/* fz_ctl_seal with a given timestamp (tests, and the fuzzer's seeds). */
int fz_ctl_seal_at(const struct fz_ctl_key *key, uint8_t type, uint32_t req_id, const void *payload,
                   size_t len, uint64_t ts_ms, uint8_t *out, size_t outlen);

/*
 * Replay guard: a fixed-size table of the nonces seen recently. A message
 * older than the oldest nonce the table still remembers, or further than
 * max_skew_ms from now, is stale; a nonce already in the table is a replay.
 */
struct fz_ctl_guard;

/* Create a guard for up to slots nonces (rounded up to a power of two).
 * Returns NULL and sets errno (ENOMEM). */
struct fz_ctl_guard *fz_ctl_guard_create(unsigned slots, uint64_t max_skew_ms);
/* Free a guard (NULL is fine). */
void fz_ctl_guard_free(struct fz_ctl_guard *g);

/*
 * Open a datagram: decode, verify the MAC, check time and nonce, and on
 * success remember the nonce. Nothing is remembered for a refused datagram.
 * Returns the verdict; m is valid when FZ_CTL_OK.
 */
enum fz_ctl_verdict fz_ctl_open(const struct fz_ctl_key *key, struct fz_ctl_guard *g,
                                const uint8_t *buf, size_t len, uint64_t now_ms,
                                struct fz_ctl_msg *m);

/* DATA payload: transfer id, chunk number, chunk count, total length, bytes. */
struct fz_ctl_data {
	uint32_t xfer;
	uint32_t seq;
	uint32_t chunks;
	uint64_t total;
	const uint8_t *bytes;
	size_t len;
};

/* ACK payload: all chunks below cum are held; bit i of sack[i / 64] says
 * chunk cum + 1 + i is held too. */
struct fz_ctl_ack {
	uint32_t xfer;
	uint32_t cum;
	uint64_t sack[2];
};

/* Encode a DATA payload into out (FZ_CTL_DATA_HDR + d->len bytes). Returns
 * the length or -EMSGSIZE. */
int fz_ctl_data_encode(const struct fz_ctl_data *d, uint8_t *out, size_t outlen);
/* Parse and check a DATA payload (chunk inside the file, length right for
 * its position). Returns 0 or -EINVAL. */
int fz_ctl_data_parse(const uint8_t *p, size_t len, struct fz_ctl_data *d);
/* Encode an ACK payload (FZ_CTL_ACK_LEN bytes). */
void fz_ctl_ack_encode(const struct fz_ctl_ack *a, uint8_t *out);
/* Parse an ACK payload. Returns 0 or -EINVAL. */
int fz_ctl_ack_parse(const uint8_t *p, size_t len, struct fz_ctl_ack *a);

/* Parse a REQUEST payload: a JSON object whose "cmd" is a string. Returns a
 * new reference and sets *cmd (pointing into it), or NULL. */
json_t *fz_ctl_request_parse(const uint8_t *p, size_t len, const char **cmd);

/* Current time in ms since the Unix epoch (wall clock: it travels). */
uint64_t fz_ctl_now_ms(void);

#endif
