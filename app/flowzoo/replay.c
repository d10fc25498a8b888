/*
 * --replay FILE: net_pcap's infinite_rx=1 loads the whole capture into mbufs
 * once and hands it out again and again, as fast as it is polled, without
 * looking at the timestamps. The pace is therefore the worker's: it takes at
 * most --replay-rate packets per second of TSC time (--replay-speed X: X
 * times the capture's average rate, frames over its time span), evenly, not
 * with the capture's own gaps between packets.
 */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "log.h"
#include "replay.h"

/* Mbufs beyond the capture's: the RX ring (1024), two lcore caches (256 each), bursts. */
#define SPARE_MBUFS 4095

/* Bytes of EAL memory per mbuf of the pool (the benchmark harness's measure, scripts/bench.py). */
#define BYTES_PER_MBUF 2816

static int check_options(const struct fz_opts *o, char *err, size_t errlen)
{
	if (o->n_pcaps) {
		snprintf(err, errlen, "--replay %s: give --replay or --pcap, not both", o->replay);
		return -1;
	}
	if (o->replay_rate && o->replay_speed >= 0) {
		snprintf(err, errlen, "--replay-rate and --replay-speed: give one of them");
		return -1;
	}
	if (o->clock == FZ_CLOCK_PCAP) {
		snprintf(err, errlen,
		         "--replay %s: --clock pcap does not work with a looped capture (its "
		         "timestamps go back at every loop); --replay uses the TSC clock",
		         o->replay);
		return -1;
	}
	return 0;
}

/* One pass over the capture: frames, mbufs, time span. 0, or -1 with a message. */
static int read_capture(struct fz_replay *r, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	double first = 0, last = 0;
	pcap_t *p = pcap_open_offline(path, ebuf);
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "--replay %s: %s", path, ebuf);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		double t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;

		if (r->frames++ == 0)
			first = t;
		last = t;
		r->mbufs += (h->caplen + RTE_MBUF_DEFAULT_DATAROOM - 1) / RTE_MBUF_DEFAULT_DATAROOM;
	}
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "--replay %s: %s after %llu frames", path, pcap_geterr(p),
		         (unsigned long long)r->frames);
	else if (r->frames == 0)
		snprintf(err, errlen, "--replay %s: the capture has no frames", path);
	pcap_close(p);
	r->seconds = last > first ? last - first : 0;
	return rc == PCAP_ERROR || r->frames == 0 ? -1 : 0;
}

int fz_replay_prepare(struct fz_replay *r, struct fz_opts *o, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (o->replay == NULL && (o->replay_rate || o->replay_speed >= 0)) {
		snprintf(err, errlen, "--%s: only with --replay FILE",
		         o->replay_rate ? "replay-rate" : "replay-speed");
		return -1;
	}
	if (o->replay == NULL)
		return 0;
	if (check_options(o, err, errlen))
		return -1;
	/* The link type check and the path check of --pcap, in --replay's words. */
	if (fz_pcap_set_open(&r->set, &o->replay, 1, err, errlen)) {
		char msg[1024];

		if (strncmp(err, "--pcap ", 7) == 0) {
			snprintf(msg, sizeof(msg), "--replay%s", err + 6);
			snprintf(err, errlen, "%s", msg);
		}
		return -1;
	}
	if (read_capture(r, o->replay, err, errlen))
		return -1;
	if (o->replay_rate)
		r->pps = o->replay_rate;
	else if (o->replay_speed == 0)
		r->pps = 0; /* unpaced */
	else if (r->seconds == 0) {
		snprintf(err, errlen,
		         "--replay %s: the capture spans no time (%llu frames with one timestamp), "
		         "so it has no speed: give --replay-rate PPS",
		         o->replay, (unsigned long long)r->frames);
		return -1;
	} else {
		double speed = o->replay_speed > 0 ? o->replay_speed : 1;
		double pps = speed * (double)r->frames / r->seconds;

		r->pps = pps < 1 ? 1 : (uint64_t)(pps + 0.5);
	}
	o->clock = FZ_CLOCK_TSC;
	if (o->mbufs == 0)
		o->mbufs = r->mbufs + SPARE_MBUFS;
	else if (o->mbufs < r->mbufs + 1024) {
		snprintf(err, errlen,
		         "--mbufs %llu: --replay %s loads its %llu frames into %llu mbufs; give at "
		         "least %llu (or leave --mbufs out)",
		         (unsigned long long)o->mbufs, o->replay, (unsigned long long)r->frames,
		         (unsigned long long)r->mbufs, (unsigned long long)r->mbufs + 1024);
		return -1;
	}
	snprintf(r->mem, sizeof(r->mem), "%llu",
	         (unsigned long long)(o->mbufs * BYTES_PER_MBUF / (1u << 20) + 256));
	return 0;
}

int fz_replay_eal_args(struct fz_replay *r, int defaults, char **argv, int argc)
{
	int first = argc;

	/* --pcap's EAL arguments (lcores, file prefix, no hugepages...), then the
	 * capture's memory and the looping vdev in place of --pcap's. */
	argc = fz_pcap_set_eal_args(&r->set, defaults, argv, argc);
	for (int i = first; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-m") == 0)
			argv[i + 1] = r->mem;
		else if (strcmp(argv[i], "--vdev") == 0) {
			snprintf(r->vdev, sizeof(r->vdev), "%s,infinite_rx=1", argv[i + 1]);
			argv[i + 1] = r->vdev;
		}
	}
	return argc;
}

int fz_replay_bind(const struct fz_replay *r, struct fz_worker_conf *confs, unsigned n_workers,
                   char *err, size_t errlen)
{
	uint16_t port;

	if (fz_pcap_set_bind(&r->set, confs, n_workers, err, errlen) ||
	    rte_eth_dev_get_port_by_name("net_pcap0", &port) != 0)
		return -1;
	for (unsigned w = 0; w < n_workers; w++)
		for (unsigned q = 0; q < confs[w].n_queues; q++)
			if (confs[w].queues[q].port == port)
				confs[w].pace_pps = r->pps;
	if (r->pps)
		FZ_LOG(INFO,
		       "replay %s: %llu frames over %.3f s, looped at %llu packets/s (TSC clock)\n",
		       r->set.paths[0], (unsigned long long)r->frames, r->seconds,
		       (unsigned long long)r->pps);
	else
		FZ_LOG(INFO,
		       "replay %s: %llu frames, looped as fast as the worker reads (TSC clock)\n",
		       r->set.paths[0], (unsigned long long)r->frames);
	return 0;
}

void fz_replay_close(struct fz_replay *r)
{
	fz_pcap_set_close(&r->set);
}
