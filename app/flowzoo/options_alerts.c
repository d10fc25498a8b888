/*
 * The baseline alerts' options (lib/baseline, docs/alerts.md): a table of
 * their own, read by the command line, the config file and --help together
 * with options.c's (fz_opts__find, fz_opts_usage).
 */
#include <stdint.h>
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
     .help = "the same alert on the same key (network and series; host; scanner and target) "
             "does not start again within S seconds of packet time after its end; counted as "
             "suppressed (default 3600)"},
    {.name = "attack-end",
     .type = T_SECONDS,
     .off = O(attack_end),
     .arg = "S",
     .help = "a volume or syn_flood alert ends after S seconds of packet time under its "
             "threshold (default 10)"},
    {.name = "detect",
     .type = T_CHOICE,
     .off = O(detect),
     .arg = "auto|on|off",
     .choices = fz_opts__tri_choices,
     .help = "attack detection: volume, syn_flood, port_scan, address_scan (default auto: on "
             "with --networks, for hosts inside the networks; on without --networks: every "
             "host)"},
    {.name = "detect-hosts",
     .type = T_U64,
     .off = O(detect_hosts),
     .arg = "N",
     .min = 1,
     .max = 1 << 24,
     .help = "attack detection: destination hosts per second a worker counts, and the stats "
             "lcore merges; more are counted as detect_full / hosts_full (default 16384)"},
    {.name = "scan-hosts",
     .type = T_U64,
     .off = O(scan_hosts),
     .arg = "N",
     .max = 1024,
     .help = "address_scan: one source's refused or unanswered TCP attempts on N distinct "
             "hosts on one port within --scan-window (default 25, Zeek's; 0: off)"},
    {.name = "scan-keys",
     .type = T_U64,
     .off = O(scan_keys),
     .arg = "N",
     .min = 1,
     .max = 1 << 24,
     .help = "scan detection: scanner-target pairs tracked at once (default 65536)"},
    {.name = "scan-ports",
     .type = T_U64,
     .off = O(scan_ports),
     .arg = "N",
     .max = 1024,
     .help = "port_scan: one source's refused or unanswered TCP attempts on N distinct ports "
             "of one host within --scan-window (default 15, Zeek's; 0: off)"},
    {.name = "scan-window",
     .type = T_SECONDS,
     .off = O(scan_window),
     .arg = "S",
     .help = "scan detection: the attempts of the last S seconds of packet time count; a scan "
             "alert ends S seconds after its last attempt (default 300, Zeek's)"},
    {.name = "threshold-mbps",
     .type = T_U64,
     .off = O(threshold_mbps),
     .arg = "N",
     .max = 1000000,
     .help = "volume: a host inside a network receiving more than N megabits per second "
             "(default 1000, FastNetMon's; 0: off; per network: the networks file)"},
    {.name = "threshold-pps",
     .type = T_U64,
     .off = O(threshold_pps),
     .arg = "N",
     .max = UINT32_MAX,
     .help = "volume: a host inside a network receiving more than N packets per second "
             "(default 20000, FastNetMon's; 0: off; per network: the networks file)"},
    {.name = "threshold-syn",
     .type = T_U64,
     .off = O(threshold_syn),
     .arg = "N",
     .max = UINT32_MAX,
     .help = "syn_flood: a host receiving more than N SYNs per second beyond its completed "
             "handshakes (default 1000; 0: off; per network: the networks file)"},
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
	o->detect = -1;
	o->detect_hosts = 16384;
	o->threshold_pps = 20000;
	o->threshold_mbps = 1000;
	o->threshold_syn = 1000;
	o->scan_ports = 15;
	o->scan_hosts = 25;
	o->scan_keys = 65536;
	o->scan_window = 300;
	o->attack_end = 10;
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
