/*
 * The offline options (capture files, docs/operator-guide.md "Offline"):
 * a table of their own, read by the command line, the config file and
 * --help together with options.c's.
 */
#include "options_priv.h"

#define O(f) offsetof(struct fz_opts, f)

/* Sorted by name. */
const struct opt_def fz_opts__offline_defs[] = {
    {.name = "pcap-eal",
     .type = T_FLAG,
     .off = O(pcap_eal),
     .help = "read --pcap files through EAL and net_pcap ports as before (for DPDK "
             "telemetry or EAL options; default: no EAL, files read directly)"},
};
const size_t fz_opts__n_offline_defs =
    sizeof(fz_opts__offline_defs) / sizeof(fz_opts__offline_defs[0]);
