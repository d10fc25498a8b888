#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ports.h"

#define RX_DESC     1024
#define BURST_SLACK 64

/* Symmetric Toeplitz key: both directions of a flow hash alike. */
static uint8_t sym_key[40] = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static int is_pcap(const struct rte_eth_dev_info *info)
{
	return info->driver_name && strcmp(info->driver_name, "net_pcap") == 0;
}

static int setup_port(uint16_t port, struct fz_worker_conf *confs, unsigned n_workers,
                      uint64_t mbufs, struct rte_mempool **pool, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf pc;
	uint16_t nq, nb_rx = RX_DESC, nb_tx = 0;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc) {
		snprintf(err, errlen, "port %u: cannot read device info: %s", port, strerror(-rc));
		return -1;
	}
	nq = is_pcap(&info) ? info.max_rx_queues : (uint16_t)n_workers;
	if (nq > info.max_rx_queues)
		nq = info.max_rx_queues;
	if (nq == 0) {
		snprintf(err, errlen, "port %u (%s): no RX queue", port, info.driver_name);
		return -1;
	}
	memset(&pc, 0, sizeof(pc));
	if (nq > 1 && info.flow_type_rss_offloads) {
		pc.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc.rx_adv_conf.rss_conf.rss_key = sym_key;
		pc.rx_adv_conf.rss_conf.rss_key_len = sizeof(sym_key);
		pc.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
		    info.flow_type_rss_offloads;
	} else if (nq > 1 && !is_pcap(&info)) {
		snprintf(err, errlen, "port %u (%s): %u workers need RSS, which it lacks", port,
		         info.driver_name, nq);
		return -1;
	}
	rc = rte_eth_dev_configure(port, nq, 0, &pc);
	if (rc) {
		snprintf(err, errlen, "port %u (%s): configure %u RX queues: %s", port,
		         info.driver_name, nq, strerror(-rc));
		return -1;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
	if (*pool == NULL) {
		unsigned n = 8191;
		unsigned need = nq * (nb_rx + BURST_SLACK) * 2;

		while (n < need)
			n = n * 2 + 1;
		if (mbufs)
			n = (unsigned)mbufs;
		*pool = rte_pktmbuf_pool_create("fz_mbufs", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		                                rte_socket_id());
		if (*pool == NULL) {
			snprintf(err, errlen, "cannot create a pool of %u mbufs: %s", n,
			         rte_strerror(rte_errno));
			return -1;
		}
	}
	for (uint16_t q = 0; q < nq; q++) {
		struct fz_worker_conf *c = &confs[q % n_workers];

		rc = rte_eth_rx_queue_setup(port, q, nb_rx, rte_eth_dev_socket_id(port), NULL,
		                            *pool);
		if (rc) {
			snprintf(err, errlen, "port %u: RX queue %u: %s%s", port, q, strerror(-rc),
			         is_pcap(&info) ? " (with infinite_rx=1 net_pcap loads the capture "
			                          "into mbufs: give --mbufs more than its frames)"
			                        : "");
			return -1;
		}
		if (c->n_queues == FZ_WORKER_MAX_QUEUES) {
			snprintf(err, errlen, "worker %u: more than %d queues", c->id,
			         FZ_WORKER_MAX_QUEUES);
			return -1;
		}
		c->queues[c->n_queues].port = port;
		c->queues[c->n_queues].queue = q;
		c->queues[c->n_queues].ts_us = (uint8_t)is_pcap(&info);
		c->n_queues++;
	}
	rc = rte_eth_dev_start(port);
	if (rc) {
		snprintf(err, errlen, "port %u: start: %s", port, strerror(-rc));
		return -1;
	}
	rte_eth_promiscuous_enable(port); /* a monitor sees everything; not every PMD can */
	return 0;
}

int fz_ports_setup(struct fz_worker_conf *confs, unsigned n_workers, uint64_t mbufs, char *err,
                   size_t errlen)
{
	struct rte_mempool *pool = NULL;
	uint16_t port;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "no Ethernet port: give EAL a device (-a PCI or --vdev)");
		return -1;
	}
	RTE_ETH_FOREACH_DEV(port)
	{
		if (setup_port(port, confs, n_workers, mbufs, &pool, err, errlen))
			return -1;
	}
	return 0;
}

/* The i-th available port's id, or RTE_MAX_ETHPORTS. */
static uint16_t port_at(unsigned i)
{
	uint16_t port;
	unsigned k = 0;

	RTE_ETH_FOREACH_DEV(port)
	{
		if (k++ == i)
			return port;
	}
	return RTE_MAX_ETHPORTS;
}

static const struct fz_counter_watch watch_imissed = {
    "packets_lost", "error", "the port dropped packets: the workers did not keep up", 0};
static const struct fz_counter_watch watch_nombuf = {
    "packets_lost", "error", "the port dropped packets: no free mbuf (raise --mbufs)", 0};
static const struct fz_counter_watch watch_ierrors = {
    "packets_lost", "error",
    "the port reported receive errors (a capture file: it is truncated or corrupt)", 0};

static const struct fz_counter_def port_defs[] = {
    FZ_COUNTER(struct fz_port_counts, ipackets, FZ_CT_COUNTER, FZ_CF_INSTANCE, "ipackets",
               "packets", "packets the port received"),
    {.name = "imissed",
     .help = "packets the port dropped because the workers did not keep up",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP | FZ_CF_INSTANCE | FZ_CF_STATUS,
     .n = 1,
     .offset = offsetof(struct fz_port_counts, imissed),
     .watch = &watch_imissed},
    {.name = "ierrors",
     .help = "receive errors",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP | FZ_CF_INSTANCE,
     .n = 1,
     .offset = offsetof(struct fz_port_counts, ierrors),
     .watch = &watch_ierrors},
    {.name = "rx_nombuf",
     .help = "packets dropped for want of an mbuf",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP | FZ_CF_INSTANCE | FZ_CF_STATUS,
     .n = 1,
     .offset = offsetof(struct fz_port_counts, rx_nombuf),
     .watch = &watch_nombuf},
};

static unsigned n_ports(void *arg)
{
	(void)arg;
	return rte_eth_dev_count_avail();
}

static void read_port(void *arg, unsigned i, uint64_t *out)
{
	struct fz_port_counts *b = (struct fz_port_counts *)out;
	struct rte_eth_stats s;

	(void)arg;
	memset(b, 0, sizeof(*b));
	if (rte_eth_stats_get(port_at(i), &s) == 0)
		*b = (struct fz_port_counts){s.ipackets, s.imissed, s.ierrors, s.rx_nombuf};
}

static void label_port(void *arg, unsigned i, char *buf, size_t cap)
{
	char name[RTE_ETH_NAME_MAX_LEN] = "";

	(void)arg;
	rte_eth_dev_get_name_by_port(port_at(i), name);
	snprintf(buf, cap, "%s", name);
}

static const struct fz_counter_set port_set = {
    .name = "port",
    .summary = "ports",
    .shape = FZ_SET_LIST,
    .defs = port_defs,
    .n_defs = sizeof(port_defs) / sizeof(port_defs[0]),
    .block = sizeof(struct fz_port_counts),
    .instances = n_ports,
    .read = read_port,
    .label = label_port,
};

const struct fz_counter_set *fz_ports_counter_set(void)
{
	return &port_set;
}

const struct fz_counter_set *
fz_ports_counter_set_of(unsigned (*instances)(void *), void (*read)(void *, unsigned, uint64_t *),
                        void (*label)(void *, unsigned, char *, size_t), void *arg)
{
	static struct fz_counter_set other;

	other = port_set;
	other.instances = instances;
	other.read = read;
	other.label = label;
	other.arg = arg;
	return &other;
}

void fz_ports_close(void)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
	{
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}
