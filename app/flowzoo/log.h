/*
 * The appliance's log: every line starts with an ISO 8601 UTC timestamp.
 * DPDK's own messages go to the same stream.
 */
#ifndef FZ_APP_LOG_H
#define FZ_APP_LOG_H

#include <rte_log.h>

extern int fz_logtype;

/*
 * Send the log (ours and DPDK's) to path (appended), or to standard error
 * when path is NULL. Returns 0 or -errno.
 */
int fz_log_open(const char *path);

void fz_log_close(void);

/* Open the log file again (SIGHUP, after logrotate moved it). Returns 0 or -errno. */
int fz_log_reopen(void);

#define FZ_LOG(level, ...) rte_log(RTE_LOG_##level, fz_logtype, "flowzoo: " __VA_ARGS__)

#endif
