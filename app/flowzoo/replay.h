/*
 * The --replay shortcut: loop one capture live through net_pcap
 * (infinite_rx=1) for demos and dashboards. flowzoo sets up EAL as --pcap
 * does, sizes the mbuf pool and the memory from the capture, forces the TSC
 * clock (a looped capture's timestamps go back at every loop) and paces the
 * worker that reads it (--replay-rate, --replay-speed).
 */
#ifndef FZ_APP_REPLAY_H
#define FZ_APP_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "fz_worker.h"
#include "options.h"
#include "pcapfiles.h"

struct fz_replay {
	struct fz_pcap_set set; /* the one capture: its link type, its EAL strings */
	uint64_t frames;        /* frames in the capture */
	uint64_t mbufs;         /* mbufs it takes in net_pcap's memory (a frame per 2 KiB) */
	double seconds;         /* from its first to its last timestamp */
	uint64_t pps;           /* pace, packets per second; 0: unpaced */
	char mem[32];           /* EAL -m */
	char vdev[4200];        /* EAL --vdev net_pcap0,rx_pcap=FILE,infinite_rx=1 */
};

/*
 * Without --replay: nothing (0). With it: check the replay options together
 * (not with --pcap; --replay-rate or --replay-speed, not both; not --clock
 * pcap), read the capture once (link type, frames, time span), then set
 * o->clock to TSC and o->mbufs (unless given) from it. Returns 0, or -1 with
 * a message naming the option in err.
 */
int fz_replay_prepare(struct fz_replay *r, struct fz_opts *o, char *err, size_t errlen);

/*
 * Append the EAL arguments (with defaults: those of --pcap, with the memory
 * the capture needs) and the looping net_pcap vdev to argv[argc..]; returns
 * the new argc.
 */
int fz_replay_eal_args(struct fz_replay *r, int defaults, char **argv, int argc);

/*
 * After the ports started: give the queue reading the capture its link type,
 * set the pace of the worker that reads it, and log what the replay does.
 * Returns 0, or -1 with a message.
 */
int fz_replay_bind(const struct fz_replay *r, struct fz_worker_conf *confs, unsigned n_workers,
                   char *err, size_t errlen);

void fz_replay_close(struct fz_replay *r);

#endif
