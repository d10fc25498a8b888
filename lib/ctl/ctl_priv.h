/*
 * Internals shared by the server and the client: datagram I/O with loss
 * injection, clocks and address formatting.
 */
#ifndef FZ_CTL_PRIV_H
#define FZ_CTL_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <netinet/in.h>

#include "fz_ctl_codec.h"

#define CTL_GUARD_SLOTS 16384
#define CTL_ADDR_STR    32 /* "255.255.255.255:65535" */

/* Datagrams dropped on purpose by --loss, per direction. */
struct ctl_loss {
	double p;
	uint64_t dropped_tx, dropped_rx;
};

/* Monotonic time in microseconds (timeouts, RTT). */
uint64_t ctl_mono_us(void);

/* Send one datagram unless the loss injector drops it (then pretend it went).
 * Returns 0 or -errno (-EAGAIN when the socket buffer is full). */
int ctl_send(int fd, struct ctl_loss *loss, const void *buf, size_t len,
             const struct sockaddr_in *to);

/*
 * Receive one datagram without blocking, skipping those the loss injector
 * drops. Returns its full length (which may exceed cap: it was truncated,
 * MSG_TRUNC), -EAGAIN when nothing is pending, or another -errno.
 */
ssize_t ctl_recv(int fd, struct ctl_loss *loss, uint8_t *buf, size_t cap, struct sockaddr_in *from);

/* "a.b.c.d:port" into out (CTL_ADDR_STR bytes). */
const char *ctl_addr_str(const struct sockaddr_in *a, char *out);

/* Whether two addresses are the same address and port. */
int ctl_addr_eq(const struct sockaddr_in *a, const struct sockaddr_in *b);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void ctl_hex(const uint8_t *in, size_t n, char *out);

/* Chunks needed for total bytes. */
static inline uint32_t ctl_chunks(uint64_t total)
{
	return (uint32_t)((total + FZ_CTL_CHUNK - 1) / FZ_CTL_CHUNK);
}

#endif
