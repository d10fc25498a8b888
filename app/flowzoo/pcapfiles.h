/*
 * The --pcap shortcut: look at each capture (link type, frame count), make
 * the EAL arguments that replay them through net_pcap, and tell each worker
 * queue what it reads.
 */
#ifndef FZ_APP_PCAPFILES_H
#define FZ_APP_PCAPFILES_H

#include <stddef.h>
#include <stdint.h>

#include "fz_worker.h"
#include "options.h"

#define FZ_EAL_MAX_ARGS   256
#define FZ_PCAPS_PER_VDEV 16 /* net_pcap's queue limit */

struct fz_pcap_set {
	unsigned n;
	const char *paths[FZ_MAX_PCAPS];
	uint8_t link[FZ_MAX_PCAPS]; /* enum fz_link_type */
	uint64_t packets[FZ_MAX_PCAPS];
	uint8_t cut[FZ_MAX_PCAPS]; /* the count found the capture cut inside a record */
	uint64_t total_packets;
	char *strings[FZ_EAL_MAX_ARGS]; /* EAL arguments we made */
	unsigned n_strings;
};

/* Open every capture and check its link type. Returns 0 or -1 with a
 * message naming the file. */
int fz_pcap_set_open(struct fz_pcap_set *s, const char *const *paths, unsigned n, char *err,
                     size_t errlen);

/* Count the frames of every capture (one pass over each; runs while EAL starts). */
void fz_pcap_set_count(struct fz_pcap_set *s);

/*
 * Append the EAL arguments for the captures to argv[argc..] (with defaults:
 * no hugepages, no PCI, no shared files, a unique file prefix, two lcores)
 * and return the new argc.
 */
int fz_pcap_set_eal_args(struct fz_pcap_set *s, int defaults, char **argv, int argc);

/* After the ports started: set each queue's link type and frame count. */
int fz_pcap_set_bind(const struct fz_pcap_set *s, struct fz_worker_conf *confs, unsigned n_workers,
                     char *err, size_t errlen);

/* After a run: log each capture net_pcap found cut short, with the frames read from it. */
void fz_pcap_set_report_truncated(const struct fz_pcap_set *s);

void fz_pcap_set_close(struct fz_pcap_set *s);

#endif
