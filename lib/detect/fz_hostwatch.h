/*
 * The worker's half of attack detection (docs/alerts.md): per second of
 * packet time, what each destination host received from this worker's
 * packets (packets, bytes, SYNs, completed handshakes and the source that
 * led them), in a fixed table. When a packet of a later second comes (or
 * the worker's clock passes it), every host of the second is handed over
 * as one FZ_REC_HOST element, then one FZ_REC_SECOND says the worker is
 * done with every second before it. The stats lcore merges the workers'
 * seconds (fz_detect.h). One worker owns a hostwatch alone; no DPDK.
 */
#ifndef FZ_HOSTWATCH_H
#define FZ_HOSTWATCH_H

#include <stdint.h>

#include "fz_record.h"

struct fz_hostwatch_conf {
	uint32_t hosts;  /* destination hosts per second, at most (rounded up to a power of 2) */
	int all_hosts;   /* 1: every destination; 0: destinations inside a network only */
	uint16_t worker; /* goes into the elements */
	/* Receives each element (FZ_REC_HOST, FZ_REC_SECOND) to hand over. */
	void (*emit)(void *arg, const struct fz_flow_rec *rec);
	void *emit_arg;
};

/* What a hostwatch counted, for the worker's counters. */
struct fz_hostwatch_stats {
	uint64_t reports; /* FZ_REC_HOST elements emitted */
	uint64_t full;    /* packets not counted: the second's table was full */
};

struct fz_hostwatch;

/* NULL and errno (EINVAL: no emit or hosts 0 or above 2^24; ENOMEM). */
struct fz_hostwatch *fz_hostwatch_create(const struct fz_hostwatch_conf *conf);
void fz_hostwatch_free(struct fz_hostwatch *h);

/*
 * One packet at now_us of ip_len bytes to host (16 bytes, IPv4-mapped for
 * IPv4) of network net (0: none) from src; tcp_flags of the packet;
 * handshake: it completed a TCP handshake with host as the responder.
 */
void fz_hostwatch_packet(struct fz_hostwatch *h, uint64_t now_us, const uint8_t *host,
                         const uint8_t *src, uint8_t ip_version, uint16_t net, uint32_t ip_len,
                         uint8_t tcp_flags, int handshake);

/* One packet for fz_hostwatch_burst (the arguments of fz_hostwatch_packet). */
struct fz_hostwatch_pkt {
	const uint8_t *host, *src;
	uint64_t now_us;
	uint32_t ip_len;
	uint16_t net;
	uint8_t ip_version, tcp_flags, handshake;
};

/*
 * The packets of a burst, in order: the same as fz_hostwatch_packet for
 * each, with the host slots looked up first and prefetched (a second's
 * table of many hosts is larger than the cache).
 */
void fz_hostwatch_burst(struct fz_hostwatch *h, const struct fz_hostwatch_pkt *p, unsigned n);

/*
 * The worker's clock is now_us: hand over the seconds before it. done:
 * the worker has ended; hand over the last second too and say so.
 */
void fz_hostwatch_tick(struct fz_hostwatch *h, uint64_t now_us, int done);

const struct fz_hostwatch_stats *fz_hostwatch_stats(const struct fz_hostwatch *h);

#endif
