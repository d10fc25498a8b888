/*
 * The baseline alerts' options (lib/baseline, docs/alerts.md): a table of
 * their own, read by the command line, the config file and --help together
 * with options.c's (fz_opts__find, fz_opts_usage).
 */
#include <stdio.h>

#include "fz_baseline.h"
#include "fz_networks.h"
#include "options_priv.h"

#define O(f) offsetof(struct fz_opts, f)

/* Sorted by name. */
const struct opt_def fz_opts__alerts_defs[] = {
    {.name = "alert-bins",
     .type = T_U64,
     .off = O(alert_bins),
     .arg = "N",
     .min = 1,
     .max = 1000,
     .help = "consecutive traffic bins above a network's baseline that start an alert, and "
             "back under it that end it (default 2)"},
    {.name = "alert-history",
     .type = T_U64,
     .off = O(alert_history),
     .arg = "N",
     .min = 1,
     .max = FZ_BASELINE_MAX_HISTORY,
     .help = "traffic bins of a network's baseline: the mean and standard deviation of the "
             "last N (default 288, a day of 5-minute bins)"},
    {.name = "alert-k",
     .type = T_REAL,
     .off = O(alert_k),
     .arg = "K",
     .min = 0,
     .max = FZ_NETWORKS_K_MAX,
     .help = "a bin is above the baseline above mean + K standard deviations (default 3; "
             "per network: the networks file's \"alerts\")"},
    {.name = "alert-min-history",
     .type = T_U64,
     .off = O(alert_min_history),
     .arg = "N",
     .min = 1,
     .max = FZ_BASELINE_MAX_HISTORY,
     .help = "no baseline alert before a network has N bins of history (default 12, at most "
             "--alert-history)"},
    {.name = "alert-suppress",
     .type = T_SECONDS,
     .off = O(alert_suppress),
     .arg = "S",
     .help = "the same alert on the same network and series does not start again within S "
             "seconds of packet time after its end; counted as suppressed (default 3600)"},
};

const size_t fz_opts__n_alerts_defs =
    sizeof(fz_opts__alerts_defs) / sizeof(fz_opts__alerts_defs[0]);

void fz_opts__alerts_init(struct fz_opts *o)
{
	o->alert_bins = 2;
	o->alert_history = 288;
	o->alert_k = 3;
	o->alert_min_history = 12;
	o->alert_suppress = 3600;
}

int fz_opts__check_alerts(const struct fz_opts *o, char *err, size_t errlen)
{
	if (o->alert_min_history > o->alert_history) {
		snprintf(err, errlen,
		         "--alert-min-history: %llu is more than --alert-history %llu (from 1 to "
		         "--alert-history)",
		         (unsigned long long)o->alert_min_history,
		         (unsigned long long)o->alert_history);
		return -1;
	}
	return 0;
}
