/*
 * The offline options (capture files, docs/operator-guide.md "Offline"):
 * a table of their own, read by the command line, the config file and
 * --help together with options.c's.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "options_priv.h"

#define O(f) offsetof(struct fz_opts, f)

/* --done keep|delete|move:DIR (DIR must be a directory). */
static int check_done(const char *v, const char *where, char *err, size_t errlen)
{
	struct stat st;

	if (strcmp(v, "keep") == 0 || strcmp(v, "delete") == 0)
		return 0;
	if (strncmp(v, "move:", 5) != 0 || v[5] == '\0') {
		snprintf(err, errlen, "%s: '%s' is not keep, delete or move:DIR", where, v);
		return -1;
	}
	if (stat(v + 5, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", where, v + 5);
		return -1;
	}
	return 0;
}

/* Sorted by name. */
const struct opt_def fz_opts__offline_defs[] = {
    {.name = "done",
     .type = T_STR,
     .off = O(pcap_done),
     .arg = "keep|delete|move:DIR",
     .check = check_done,
     .help = "--pcap-dir: what becomes of a file once its records are delivered (default "
             "keep; DIR on the same file system)"},
    {.name = "journal",
     .type = T_STR,
     .off = O(pcap_journal),
     .arg = "PATH",
     .help = "--pcap-dir: the journal of delivered files a restart skips (default "
             "DIR/.flowzoo-journal)"},
    {.name = "l7-cache",
     .type = T_STR,
     .off = O(l7_cache),
     .arg = "DIR|off",
     .help = "keep compiled signature databases in DIR for a faster start (default "
             "$XDG_CACHE_HOME/flowzoo, else ~/.cache/flowzoo; off: compile every time)"},
    {.name = "pcap-dir",
     .type = T_STR,
     .off = O(pcap_dir),
     .arg = "DIR",
     .help = "offline: every capture in DIR, in name order, as one input (no EAL)"},
    {.name = "pcap-eal",
     .type = T_FLAG,
     .off = O(pcap_eal),
     .help = "read --pcap files through EAL and net_pcap ports as before (for DPDK "
             "telemetry or EAL options; default: no EAL, files read directly)"},
    {.name = "watch",
     .type = T_FLAG,
     .off = O(pcap_watch),
     .help = "--pcap-dir: keep waiting for new files (closed after writing or renamed in) "
             "until SIGINT/SIGTERM"},
};

int fz_opts__check_offline(const struct fz_opts *o, char *err, size_t errlen)
{
	if (!o->pcap_dir && (o->pcap_watch || o->pcap_done || o->pcap_journal)) {
		snprintf(err, errlen, "--%s needs --pcap-dir DIR",
		         o->pcap_watch  ? "watch"
		         : o->pcap_done ? "done"
		                        : "journal");
		return -1;
	}
	if (o->pcap_dir && (o->n_pcaps || o->pcap_eal || o->replay)) {
		snprintf(err, errlen, "--pcap-dir: give it alone, without %s",
		         o->n_pcaps    ? "--pcap"
		         : o->pcap_eal ? "--pcap-eal"
		                       : "--replay");
		return -1;
	}
	return 0;
}
const size_t fz_opts__n_offline_defs =
    sizeof(fz_opts__offline_defs) / sizeof(fz_opts__offline_defs[0]);
