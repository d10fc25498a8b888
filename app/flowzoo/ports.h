/*
 * Ethernet ports: one mbuf pool, every RX queue given to a worker lcore,
 * symmetric RSS when a port spreads over several queues.
 */
#ifndef FZ_APP_PORTS_H
#define FZ_APP_PORTS_H

#include "fz_counters.h"

#include "fz_worker.h"

/*
 * Configure and start every port, spreading queues over n_workers workers:
 * queue q of a port goes to worker q % n_workers. A port that exposes a
 * fixed set of queues (net_pcap: one per rx_pcap file) keeps all of them;
 * others get one queue per worker. mbufs sizes the packet pool (0: enough
 * for every RX ring). Fills confs[i].queues. Returns 0 or -1
 * with a message in err.
 */
int fz_ports_setup(struct fz_worker_conf *confs, unsigned n_workers, uint64_t mbufs, char *err,
                   size_t errlen);

/* The "port" counter set: ipackets, imissed, ierrors, rx_nombuf per port (any thread). */
const struct fz_counter_set *fz_ports_counter_set(void);

/* The counters of one port, in the order of the set's blocks. */
struct fz_port_counts {
	uint64_t ipackets, imissed, ierrors, rx_nombuf;
};

/* The "port" set over other instances (capture files read without EAL): read fills a
 * struct fz_port_counts, label names the instance. */
const struct fz_counter_set *
fz_ports_counter_set_of(unsigned (*instances)(void *), void (*read)(void *, unsigned, uint64_t *),
                        void (*label)(void *, unsigned, char *, size_t), void *arg);

void fz_ports_close(void);

#endif
