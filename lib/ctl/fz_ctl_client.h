/*
 * The control client zooctl uses (docs/control-protocol.md): commands to
 * one appliance, discovery by broadcast, and log download. Its calls block
 * for at most their timeout. One thread owns a client.
 */
#ifndef FZ_CTL_CLIENT_H
#define FZ_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <jansson.h>

struct fz_ctl_client;

/* Create a client socket (with SO_BROADCAST). Returns NULL and sets errno
 * with a message in err when the key or the socket fails. */
struct fz_ctl_client *fz_ctl_client_create(const char *key_path, double loss, char *err,
                                           size_t errlen);
/* Close the socket and wipe the key (NULL is fine). */
void fz_ctl_client_free(struct fz_ctl_client *c);

/*
 * Send one command to one appliance, resending it until a reply comes or
 * timeout_s passes. Returns 0 with *reply (a new reference: {"ok":..}), or
 * -ETIMEDOUT, or another negative errno.
 */
int fz_ctl_client_request(struct fz_ctl_client *c, const struct sockaddr_in *to, const char *cmd,
                          double timeout_s, json_t **reply);

/* Called once per appliance that answers discovery. */
typedef void (*fz_ctl_found_fn)(void *arg, const struct sockaddr_in *from, json_t *identity);

/*
 * Send identify to each address in to[0..n) (broadcast or unicast) a few
 * times during wait_s and call found once per distinct answering address.
 * Returns the number found or a negative errno.
 */
int fz_ctl_client_discover(struct fz_ctl_client *c, const struct sockaddr_in *to, unsigned n,
                           double wait_s, fz_ctl_found_fn found, void *arg);

/* What a finished (or failed) log download measured. */
struct fz_ctl_xfer_stats {
	uint64_t bytes;
	uint32_t chunks;
	uint64_t data_received; /* DATA datagrams that arrived, duplicates included */
	uint64_t duplicates;
	uint64_t acks_sent;
	double seconds;
	char sha256[65];
};

/*
 * Download the appliance's log into out_path (written only when complete
 * and its length and SHA-256 match). Gives up after timeout_s without
 * progress. Returns 0, -ETIMEDOUT, -EBADMSG (hash mismatch), -EREMOTEIO
 * (the appliance refused: message in err) or another negative errno.
 */
int fz_ctl_client_fetch_log(struct fz_ctl_client *c, const struct sockaddr_in *to,
                            const char *out_path, double timeout_s, struct fz_ctl_xfer_stats *st,
                            char *err, size_t errlen);

/* Client counters: refused datagrams by reason, loss-dropped datagrams. */
json_t *fz_ctl_client_counters(const struct fz_ctl_client *c);

#endif
