/*
 * The IPFIX exporter's options (lib/ipfix, docs/ipfix.md): a table of their
 * own, read by the command line, the config file and --help together with
 * options.c's (fz_opts__find, fz_opts_usage).
 */
#include <stdio.h>

#include "fz_ipfix.h"
#include "options_priv.h"

#define O(f) offsetof(struct fz_opts, f)

static const struct choice on_off[] = {{"on", 1}, {"off", 0}, {NULL, 0}};

static int check_collector(const char *v, const char *where, char *err, size_t errlen)
{
	char why[400];

	if (fz_ipfix_check_collector(v, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", where, why);
	return -1;
}

/* Sorted by name. */
const struct opt_def fz_opts__ipfix_defs[] = {
    {.name = "ipfix",
     .type = T_STRLIST,
     .off = O(ipfix),
     .count_off = O(n_ipfix),
     .arg = "HOST:PORT",
     .check = check_collector,
     .help = "send flow records as IPFIX to a collector: HOST:PORT or udp://HOST:PORT (UDP), "
             "tcp://HOST:PORT, IPv6 as [ADDR]:PORT (repeatable, at most 8)"},
    {.name = "ipfix-biflow",
     .type = T_CHOICE,
     .off = O(ipfix_biflow),
     .arg = "on|off",
     .choices = on_off,
     .help = "on: one RFC 5103 biflow record per flow; off: a record per direction, for "
             "collectors that ignore reverse elements (default on)"},
    {.name = "ipfix-domain",
     .type = T_U64,
     .off = O(ipfix_domain),
     .arg = "N",
     .min = 0,
     .max = 4294967295u,
     .help = "IPFIX observation domain id (default 1)"},
    {.name = "ipfix-mtu",
     .type = T_U64,
     .off = O(ipfix_mtu),
     .arg = "BYTES",
     .min = FZ_IPFIX_MTU_MIN,
     .max = FZ_IPFIX_MTU_MAX,
     .help = "no IPFIX message is longer (default 1400)"},
    {.name = "ipfix-pen",
     .type = T_U64,
     .off = O(ipfix_pen),
     .arg = "N",
     .min = 1,
     .max = 4294967295u,
     .help = "enterprise number of the zoo class elements (default 32473, RFC 5612's number "
             "for documentation: not registered to flowzoo)"},
    {.name = "ipfix-template-interval",
     .type = T_SECONDS,
     .off = O(ipfix_template_interval),
     .arg = "S",
     .help = "UDP: send the templates again every S seconds (default 30, 0 = never by time)"},
    {.name = "ipfix-template-messages",
     .type = T_U64,
     .off = O(ipfix_template_messages),
     .arg = "N",
     .min = 0,
     .max = 1000000,
     .help = "UDP: send the templates again every N messages (default 20, 0 = never by count)"},
};

const size_t fz_opts__n_ipfix_defs = sizeof(fz_opts__ipfix_defs) / sizeof(fz_opts__ipfix_defs[0]);

void fz_opts__ipfix_init(struct fz_opts *o)
{
	o->ipfix_biflow = 1;
	o->ipfix_domain = 1;
	o->ipfix_mtu = 1400;
	o->ipfix_pen = FZ_IPFIX_PEN_DEFAULT;
	o->ipfix_template_interval = 30;
	o->ipfix_template_messages = 20;
}
