/*
 * l7_pcap's parts (tests/tools): the capture reader and its flow table
 * (l7_pcap_read.c), the benchmark mode (l7_pcap_bench.c), the classifier and
 * main (l7_pcap.c).
 */
#ifndef FZ_L7_PCAP_H
#define FZ_L7_PCAP_H

#include <stdint.h>

#include "fz_l7.h"

#define TABLE_SIZE (1u << 16)

struct key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan;
	uint8_t proto;
	uint8_t v6;
};

struct flow {
	struct key key; /* end 0 = initiator */
	uint64_t packets;
	struct fz_l7_flow l7;
	int used;
};

struct pkt {
	struct key key; /* end 0 = sender */
	const uint8_t *payload;
	uint32_t len;
	int ok;
};

/* The flows of the capture being read, in the order they were first seen. */
extern struct flow table[TABLE_SIZE];
extern unsigned order[TABLE_SIZE];
extern unsigned n_flows;

/* Called for each TCP/UDP packet of a capture, after its flow is found. */
typedef void (*packet_fn)(void *ctx, struct flow *f, unsigned dir, const struct pkt *pk);

/* Read one capture into the (cleared) flow table, calling fn per packet. 0 or -1. */
int read_file(const char *path, packet_fn fn, void *ctx);
/* Print end `end` of k's addresses as a JSON string. */
void print_addr(const struct key *k, int end);
/* --bench ROUNDS SIGS FILE...: block against streaming mode (docs/l7.md). */
int run_bench(const char *sig_path, char **files, int n_files, unsigned rounds);

#endif
