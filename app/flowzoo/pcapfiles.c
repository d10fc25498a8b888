#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_ethdev.h>

#include "log.h"
#include "pcapfiles.h"

static int link_of(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return FZ_LINK_ETHER;
	case DLT_LINUX_SLL:
		return FZ_LINK_SLL;
	case DLT_LINUX_SLL2:
		return FZ_LINK_SLL2;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		return FZ_LINK_RAW;
	default:
		return -1;
	}
}

int fz_pcap_set_open(struct fz_pcap_set *s, const char *const *paths, unsigned n, char *err,
                     size_t errlen)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++) {
		char ebuf[PCAP_ERRBUF_SIZE];
		pcap_t *p;
		int l;

		if (strpbrk(paths[i], ",;=") != NULL) {
			snprintf(err, errlen,
			         "--pcap %s: the path may not contain ',', ';' or '=' (EAL device "
			         "arguments); rename or link the file",
			         paths[i]);
			return -1;
		}
		p = pcap_open_offline(paths[i], ebuf);
		if (p == NULL) {
			snprintf(err, errlen, "--pcap %s: %s", paths[i], ebuf);
			return -1;
		}
		l = link_of(pcap_datalink(p));
		if (l < 0) {
			snprintf(err, errlen,
			         "--pcap %s: link type %s is not supported (Ethernet, Linux cooked "
			         "SLL and SLL2, raw IP are)",
			         paths[i], pcap_datalink_val_to_name(pcap_datalink(p)));
			pcap_close(p);
			return -1;
		}
		pcap_close(p);
		s->paths[i] = paths[i];
		s->link[i] = (uint8_t)l;
		s->n++;
	}
	return 0;
}

void fz_pcap_set_count(struct fz_pcap_set *s)
{
	s->total_packets = 0;
	for (unsigned i = 0; i < s->n; i++) {
		char ebuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *d;
		pcap_t *p = pcap_open_offline(s->paths[i], ebuf);
		int rc;

		s->packets[i] = 0;
		s->cut[i] = 0;
		if (p == NULL) { /* gone since fz_pcap_set_open: net_pcap will say so */
			fprintf(stderr, "flowzoo: --pcap %s: %s\n", s->paths[i], ebuf);
			continue;
		}
		while ((rc = pcap_next_ex(p, &h, &d)) == 1)
			s->packets[i]++;
		if (rc == PCAP_ERROR) {
			/* A capture cut short: replay what is readable, as net_pcap will
			 * (and let the worker see the end there, as without the count, so
			 * that net_pcap counts the cut record in ierrors either way). */
			s->cut[i] = 1;
			fprintf(stderr, "flowzoo: --pcap %s: %s (reading the first %llu frames)\n",
			        s->paths[i], pcap_geterr(p), (unsigned long long)s->packets[i]);
		}
		pcap_close(p);
		s->total_packets += s->packets[i];
	}
}

static char *keep(struct fz_pcap_set *s, const char *text)
{
	char *c = strdup(text);

	if (c && s->n_strings < FZ_EAL_MAX_ARGS)
		s->strings[s->n_strings++] = c;
	return c;
}

int fz_pcap_set_eal_args(struct fz_pcap_set *s, int defaults, char **argv, int argc)
{
	char buf[8192];

	if (defaults) {
		cpu_set_t cs;
		int cpus[2] = {0, 0}, found = 0;

		if (sched_getaffinity(0, sizeof(cs), &cs) == 0)
			for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
				if (CPU_ISSET(c, &cs))
					cpus[found++] = c;
		if (found == 1)
			cpus[1] = cpus[0];
		argv[argc++] = "--no-huge";
		argv[argc++] = "-m";
		argv[argc++] = "256";
		argv[argc++] = "--no-shconf";
		argv[argc++] = "--no-pci";
		argv[argc++] = "--no-telemetry";
		argv[argc++] = "--log-level=lib.eal:warning";
		argv[argc++] = "--lcores";
		snprintf(buf, sizeof(buf), "0@%d,1@%d", cpus[0], cpus[1]);
		argv[argc++] = keep(s, buf);
		argv[argc++] = "--file-prefix";
		snprintf(buf, sizeof(buf), "flowzoo%ld", (long)getpid());
		argv[argc++] = keep(s, buf);
	}
	for (unsigned v = 0; v * FZ_PCAPS_PER_VDEV < s->n; v++) {
		int len = snprintf(buf, sizeof(buf), "net_pcap%u", v);

		for (unsigned i = v * FZ_PCAPS_PER_VDEV;
		     i < s->n && i < (v + 1) * FZ_PCAPS_PER_VDEV; i++)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len, ",rx_pcap=%s",
			                s->paths[i]);
		argv[argc++] = "--vdev";
		argv[argc++] = keep(s, buf);
	}
	return argc;
}

int fz_pcap_set_bind(const struct fz_pcap_set *s, struct fz_worker_conf *confs, unsigned n_workers,
                     char *err, size_t errlen)
{
	for (unsigned i = 0; i < s->n; i++) {
		char name[32];
		uint16_t port;
		int found = 0;

		snprintf(name, sizeof(name), "net_pcap%u", i / FZ_PCAPS_PER_VDEV);
		if (rte_eth_dev_get_port_by_name(name, &port) != 0) {
			snprintf(err, errlen, "--pcap %s: port %s is missing", s->paths[i], name);
			return -1;
		}
		for (unsigned w = 0; w < n_workers; w++)
			for (unsigned q = 0; q < confs[w].n_queues; q++) {
				struct fz_worker_queue *wq = &confs[w].queues[q];

				if (wq->port == port && wq->queue == i % FZ_PCAPS_PER_VDEV) {
					wq->link = s->link[i];
					wq->expect_packets = s->cut[i] ? 0 : s->packets[i];
					found = 1;
				}
			}
		if (!found) {
			snprintf(err, errlen, "--pcap %s: no worker reads it", s->paths[i]);
			return -1;
		}
	}
	return 0;
}

void fz_pcap_set_close(struct fz_pcap_set *s)
{
	for (unsigned i = 0; i < s->n_strings; i++)
		free(s->strings[i]);
	s->n_strings = 0;
}

void fz_pcap_set_report_truncated(const struct fz_pcap_set *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		char name[32];
		uint16_t port;
		struct rte_eth_stats st;
		unsigned q = i % FZ_PCAPS_PER_VDEV, first = i - q;
		unsigned end = first + FZ_PCAPS_PER_VDEV < s->n ? first + FZ_PCAPS_PER_VDEV : s->n;

		snprintf(name, sizeof(name), "net_pcap%u", i / FZ_PCAPS_PER_VDEV);
		if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
		    rte_eth_stats_get(port, &st) || st.ierrors == 0)
			continue;
		/* net_pcap counts a record it cannot read whole as a receive error
		 * of the port (not of the queue) and stops reading that file there. */
		if (end - first == 1)
			FZ_LOG(
			    ERR,
			    "--pcap %s: the capture is truncated: %llu frames read, then a record "
			    "cut short (counted in ierrors)\n",
			    s->paths[i], (unsigned long long)st.q_ipackets[q]);
		else
			FZ_LOG(ERR,
			       "--pcap %s: this capture, or another read by %s, is truncated: %llu "
			       "frames read from it (%llu receive errors on %s)\n",
			       s->paths[i], name, (unsigned long long)st.q_ipackets[q],
			       (unsigned long long)st.ierrors, name);
	}
}
