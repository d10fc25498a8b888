/*
 * Signature file loader. Reads the text format described in
 * docs/signatures.md into a list of signatures and application names. It has
 * no Hyperscan or DPDK dependency, so it can be unit-tested and fuzzed alone;
 * lib/l7 compiles the result into Hyperscan databases.
 */
#ifndef FZ_SIGS_H
#define FZ_SIGS_H

#include <stddef.h>
#include <stdint.h>

/* Application ids are one byte; id 0 is always "unknown". */
#define FZ_SIGS_MAX_APPS     255
#define FZ_SIGS_MAX_APP_NAME 31
#define FZ_SIGS_MAX_PORTS    8
#define FZ_SIGS_MAX_LINE     4096
#define FZ_SIGS_DEFAULT_PRIO 100
#define FZ_SIGS_UNKNOWN      "unknown"

/* Regex flags, spelled as letters after the closing slash (/re/is). */
#define FZ_SIG_CASELESS  0x01u /* i */
#define FZ_SIG_DOTALL    0x02u /* s */
#define FZ_SIG_MULTILINE 0x04u /* m */
#define FZ_SIG_UTF8      0x08u /* 8 */
#define FZ_SIG_UCP       0x10u /* W */

/* Which side of the flow a signature applies to. */
enum fz_sig_dir {
	FZ_SIG_DIR_ANY = 0,
	FZ_SIG_DIR_INITIATOR, /* "dir=client": sent by the side that sent the first packet */
	FZ_SIG_DIR_RESPONDER, /* "dir=server": sent by the other side */
};

/* Which transport a signature applies to (IP protocol numbers, 0 = any). */
enum fz_sig_proto {
	FZ_SIG_PROTO_ANY = 0,
	FZ_SIG_PROTO_TCP = 6,
	FZ_SIG_PROTO_UDP = 17,
};

/* One signature: one regular expression for one application. */
struct fz_sig {
	char *regex;     /* the expression between the slashes, NUL-terminated */
	unsigned flags;  /* FZ_SIG_* flag bits */
	unsigned line;   /* line number in the file, for error messages */
	uint8_t app;     /* index into fz_sigs.apps, >= 1 */
	uint8_t proto;   /* enum fz_sig_proto */
	uint8_t dir;     /* enum fz_sig_dir */
	uint8_t prio;    /* higher wins when several signatures match */
	uint8_t n_ports; /* ports that break ties between equal priorities */
	uint16_t ports[FZ_SIGS_MAX_PORTS];
};

/* A loaded signature file. */
struct fz_sigs {
	char *path;          /* name used in error messages */
	struct fz_sig *sigs; /* in file order */
	unsigned n_sigs;
	char **apps; /* apps[0] = "unknown", then classes in order of first appearance */
	unsigned n_apps;
};

/*
 * Load and parse the signature file at path. On failure returns NULL, sets
 * errno (ENOENT and friends from fopen, EINVAL for a syntax error, ENOMEM)
 * and writes "path:line: message" (or "path: message") into err.
 */
struct fz_sigs *fz_sigs_load(const char *path, char *err, size_t errlen);

/*
 * Parse signatures from a memory buffer of len bytes (need not be
 * NUL-terminated); name is used in error messages. Errors as fz_sigs_load.
 */
struct fz_sigs *fz_sigs_parse(const char *text, size_t len, const char *name, char *err,
                              size_t errlen);

/* Free a signature list; NULL is allowed. */
void fz_sigs_free(struct fz_sigs *sigs);

#endif
