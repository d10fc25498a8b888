/*
 * Datagram I/O for the server and the client. The loss injector lives here
 * so that both sides drop what --loss asks for in the same way, on send and
 * on receive, as the source design's error-injecting socket did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "ctl_priv.h"

uint64_t ctl_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int lose(const struct ctl_loss *l)
{
	return l->p > 0 && (double)randombytes_uniform(1000000) < l->p * 1e6;
}

int ctl_send(int fd, struct ctl_loss *loss, const void *buf, size_t len,
             const struct sockaddr_in *to)
{
	if (lose(loss)) {
		loss->dropped_tx++;
		return 0;
	}
	if (sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)to, sizeof(*to)) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

ssize_t ctl_recv(int fd, struct ctl_loss *loss, uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	for (;;) {
		socklen_t alen = sizeof(*from);
		ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC,
		                     (struct sockaddr *)from, &alen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* A refused earlier send (ICMP port unreachable) surfaces here: not ours to
			 * act on. */
			if (errno == ECONNREFUSED)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		if (lose(loss)) {
			loss->dropped_rx++;
			continue;
		}
		return n;
	}
}

const char *ctl_addr_str(const struct sockaddr_in *a, char *out)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(out, CTL_ADDR_STR, "%s:%u", ip, ntohs(a->sin_port));
	return out;
}

int ctl_addr_eq(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

void ctl_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
