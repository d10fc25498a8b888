/*
 * The control server (lib/ctl) inside flowzoo: the answers to identify and
 * status come from the app's counters, suspend/resume flip the flag the
 * workers honour, and the stats loop polls the server between batches.
 */
#ifndef FZ_APP_CTL_GLUE_H
#define FZ_APP_CTL_GLUE_H

#include <stddef.h>

struct fz_app;

/*
 * Start the server when --ctl-key is given (else log that it is off and
 * return 0). Returns 0, or -1 with a message in err.
 */
int fz_ctl_glue_start(struct fz_app *app, char *err, size_t errlen);

/* Serve pending control datagrams; never blocks. Called by the stats loop. */
void fz_ctl_glue_poll(struct fz_app *app);

void fz_ctl_glue_stop(struct fz_app *app);

#endif
