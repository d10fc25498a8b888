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

json_t *fz_ports_stats(void)
{
	json_t *a = json_array();
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
	{
		struct rte_eth_stats s;
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_stats_get(port, &s))
			continue;
		rte_eth_dev_get_name_by_port(port, name);
		json_array_append_new(a, json_pack("{s:i, s:s, s:I, s:I, s:I, s:I}", "port", port,
		                                   "name", name, "ipackets", (json_int_t)s.ipackets,
		                                   "imissed", (json_int_t)s.imissed, "ierrors",
		                                   (json_int_t)s.ierrors, "rx_nombuf",
		                                   (json_int_t)s.rx_nombuf));
	}
	return a;
}

uint64_t fz_ports_sum(const char *name)
{
	uint64_t sum = 0;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
	{
		struct rte_eth_stats s;

		if (rte_eth_stats_get(port, &s))
			continue;
		if (strcmp(name, "imissed") == 0)
			sum += s.imissed;
		else if (strcmp(name, "ierrors") == 0)
			sum += s.ierrors;
		else if (strcmp(name, "rx_nombuf") == 0)
			sum += s.rx_nombuf;
	}
	return sum;
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
