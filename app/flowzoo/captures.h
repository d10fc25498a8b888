/*
 * The --pcap shortcut without EAL: each capture file is a packet source
 * (lib/source) read by one worker thread, in the order given, so that
 * several files read as one input, as with net_pcap before. Its counters
 * keep the shape net_pcap gave them: the "port" set, one instance per 16
 * files, named net_pcap0, net_pcap1, ... --pcap-dir (capture_dir.c) goes
 * the same way with a directory as the one source, the "port" pcap-dir.
 */
#ifndef FZ_APP_CAPTURES_H
#define FZ_APP_CAPTURES_H

#include <stddef.h>

#include "fz_counters.h"
#include "fz_source.h"

struct fz_appliance;
struct fz_port_counts;
struct fz_worker_queue;

/* Whether the --pcap run goes without EAL: no EAL options, no --pcap-eal, no
 * --stats-lcore other than 0 (those need EAL's lcores). */
int fz_captures_wanted(const struct fz_appliance *app, int user_eal);

/* Open every --pcap file (and count its frames when the progress line needs them).
 * 0, or -1 with a message naming the file. */
int fz_captures_open(struct fz_appliance *app, char *err, size_t errlen);

/* Give the captures, in order, to the worker as its queues. */
void fz_captures_bind(struct fz_appliance *app);

/* After the pipeline exists: --pcap-dir's timer. 0, or -1 with a message. */
int fz_captures_start(struct fz_appliance *app, char *err, size_t errlen);

/* After the final flush: --pcap-dir journals and disposes of what was delivered. */
void fz_captures_finish(struct fz_appliance *app);

/* The directory source's burst as the worker sees it (frames cut as a port's). */
unsigned fz_captures_source_burst_dir(void *ctx, struct fz_frame *f, unsigned n, int *ended);

/* After the run: say which captures were cut short or corrupt, or had frames skipped. */
void fz_captures_report(struct fz_appliance *app);

/* The "port" counter set over the captures. */
const struct fz_counter_set *fz_captures_counter_set(struct fz_appliance *app);

void fz_captures_close(struct fz_appliance *app);

/* capture_dir.c: the directory source, its settling of delivered files, its counts. */
int fz_capture_dir_open(struct fz_appliance *app, char *err, size_t errlen);
void fz_capture_dir_bind(struct fz_appliance *app, struct fz_worker_queue *q);
int fz_capture_dir_start(struct fz_appliance *app, char *err, size_t errlen);
void fz_capture_dir_finish(struct fz_appliance *app);
void fz_capture_dir_counts(const struct fz_appliance *app, struct fz_port_counts *b);
void fz_capture_dir_progress(const struct fz_appliance *app, char *buf, size_t cap);
void fz_capture_dir_close(struct fz_appliance *app);

#endif
