/*
 * Counters, declared once.
 *
 * Every counter of the appliance is one line in a table of struct
 * fz_counter_def: its name, help text, unit, type and where its value sits
 * in the block of its source. A source (struct fz_counter_set: the workers,
 * the ports, the pipeline, the applications, the exporters) has one block
 * of uint64_t values per instance (per worker, per port, ...) and a read
 * function that copies a block. The summary JSON, the status line, zooctl's
 * status, the health alerts and Prometheus are all made by walking these
 * tables over one snapshot; nothing reads a counter by name or by offset
 * arithmetic of its own.
 *
 * A snapshot may be taken by any thread at any time, without stopping the
 * writers: each set's read function is responsible for a consistent copy.
 * Blocks written by one lcore and read by others use struct fz_counter_pub
 * (a sequence lock: the owner never waits, readers retry); counters that
 * are single uint64_t words written by one thread (the workers') are read
 * word by word with atomic loads.
 */
#ifndef FZ_COUNTERS_H
#define FZ_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

enum fz_counter_type {
	FZ_CT_COUNTER = 0, /* only grows */
	FZ_CT_GAUGE,       /* a level (unsigned) */
	FZ_CT_GAUGE_REAL,  /* a level, stored as the bits of a double */
};

/* Where a counter shows (flags of struct fz_counter_def). */
#define FZ_CF_TOTAL    0x01u /* the summary's top level: the sum over instances */
#define FZ_CF_MAX      0x02u /* with TOTAL: the largest instance's value, not the sum */
#define FZ_CF_DROP     0x04u /* the summary's "drops": the sum over instances */
#define FZ_CF_INSTANCE 0x08u /* in each instance's object of the summary ("workers": [...]) */
#define FZ_CF_STATUS   0x10u /* the status line (the sum over instances) */
#define FZ_CF_NOTCOUNT 0x20u /* part of the status line's not_counted: packets not in any flow */
#define FZ_CF_HIDDEN   0x40u /* not in the summary at all (Prometheus and status only) */

/* A health check on a counter: an alert when it grows. */
struct fz_counter_watch {
	const char *alert;    /* alert name ("records_lost") */
	const char *severity; /* "error": records or packets were lost; "warning": degraded */
	const char *message;
	unsigned elem; /* of an array: the element watched (its label value names it) */
};

struct fz_counter_def {
	const char *name; /* summary and status key, Prometheus name stem */
	const char *help;
	const char *unit;  /* "packets", "bytes", "records", "flows", "seconds", ... or NULL */
	uint8_t type;      /* enum fz_counter_type */
	uint8_t flags;     /* FZ_CF_* */
	uint16_t n;        /* values: 1, or the length of an array (one per label value) */
	uint32_t offset;   /* byte offset of the (first) value in the set's block */
	const char *label; /* the array's label name ("reason"); NULL when n == 1 */
	const char *const *label_values;      /* the array's label values, n of them */
	const struct fz_counter_watch *watch; /* NULL: no health check */
};

/* One line of a table: a scalar of type T with flags F at member M of struct S. */
#define FZ_COUNTER(S, M, T, F, name_, unit_, help_)                                                \
	{                                                                                          \
		.name = (name_), .help = (help_), .unit = (unit_), .type = (T), .flags = (F),      \
		.n = 1, .offset = (uint32_t)offsetof(S, M)                                         \
	}

enum fz_set_shape {
	FZ_SET_LIST = 0, /* an array of objects, each starting with "<set name>": index */
	FZ_SET_KEYED,    /* an object keyed by the instances' labels */
	FZ_SET_SINGLE,   /* one object: the first instance (also in the brief form) */
};

struct fz_counter_set {
	const char *name;    /* "worker", "port", "pipeline", "application", "exporter" */
	const char *summary; /* key of its instances in the summary ("workers"), or NULL */
	int shape;           /* enum fz_set_shape: how the summary shows the instances */
	const struct fz_counter_def *defs;
	unsigned n_defs;
	size_t block; /* bytes of one instance's values (a multiple of 8) */
	/* How many instances now. */
	unsigned (*instances)(void *arg);
	/* Copy instance i's block into out (block bytes), consistently. */
	void (*read)(void *arg, unsigned i, uint64_t *out);
	/* The instance's label value ("0", a port's name, an application's name); may be NULL
	 * (then the index). */
	void (*label)(void *arg, unsigned i, char *buf, size_t cap);
	void *arg;
};

#define FZ_COUNTERS_MAX_SETS 16

struct fz_counters;

/* An empty registry. NULL and errno on failure. */
struct fz_counters *fz_counters_create(void);
void fz_counters_free(struct fz_counters *reg);

/* Add a set (kept by pointer: it must outlive the registry). 0, -ENOSPC, -EINVAL. */
int fz_counters_register(struct fz_counters *reg, const struct fz_counter_set *set);

/* A copy of every set's blocks at one moment. */
struct fz_counter_snap;

/* Take a snapshot (allocated); NULL and errno on failure. Any thread. */
struct fz_counter_snap *fz_counters_snapshot(const struct fz_counters *reg);
void fz_counter_snap_free(struct fz_counter_snap *snap);

/* Walking a snapshot: its sets, their instances, and values. */
unsigned fz_snap_sets(const struct fz_counter_snap *snap);
const struct fz_counter_set *fz_snap_set(const struct fz_counter_snap *snap, unsigned s);
unsigned fz_snap_instances(const struct fz_counter_snap *snap, unsigned s);
const char *fz_snap_label(const struct fz_counter_snap *snap, unsigned s, unsigned i);
/* Value e of def d of instance i of set s. */
uint64_t fz_snap_value(const struct fz_counter_snap *snap, unsigned s, unsigned i, unsigned d,
                       unsigned e);
/* The same, summed over instances (or the largest, for FZ_CF_MAX). */
uint64_t fz_snap_total(const struct fz_counter_snap *snap, unsigned s, unsigned d, unsigned e);
/* A real gauge's value. */
double fz_snap_real(uint64_t bits);
uint64_t fz_real_bits(double v);

/* Find a set by name and a def by name in it: 0 with s and d set, or -ENOENT.
 * For code that needs one particular counter (the progress line, the exit
 * status); views walk the tables instead. */
int fz_snap_find(const struct fz_counter_snap *snap, const char *set, const char *def, unsigned *s,
                 unsigned *d);

/*
 * A published block: one writer thread copies its private counters in with
 * fz_counter_pub_write() (never waits); any thread reads a consistent copy
 * with fz_counter_pub_read() (retries while a write is under way).
 */
struct fz_counter_pub;

struct fz_counter_pub *fz_counter_pub_create(size_t bytes);
void fz_counter_pub_free(struct fz_counter_pub *p);
void fz_counter_pub_write(struct fz_counter_pub *p, const void *src);
void fz_counter_pub_read(const struct fz_counter_pub *p, void *dst);

/* A part of a published block: bytes [off, off + len) (widened to whole words). */
struct fz_counter_pub_part {
	size_t off, len;
};

/*
 * Like fz_counter_pub_write() for a block of which a write changes a few
 * parts only (a ring's new slot and its head): copies those n parts of src
 * (the writer's whole block, the same layout) under one sequence bump. The
 * rest of the published copy must equal src already (it was published).
 */
void fz_counter_pub_write_parts(struct fz_counter_pub *p, const void *src,
                                const struct fz_counter_pub_part *parts, unsigned n);

/*
 * A published copy of n instances' blocks (block bytes each, a multiple of 8),
 * written whole by fz_counter_pub_write(). Its two callbacks serve a counter
 * set directly (.instances and .read, .arg the pub): instance i is read alone,
 * consistently, without copying the others.
 */
struct fz_counter_pub *fz_counter_pub_create_blocks(size_t block, unsigned n);
unsigned fz_counter_pub_instances(void *pub);
void fz_counter_pub_read_block(void *pub, unsigned i, uint64_t *out);

/* The .instances of a FZ_SET_SINGLE set: 1. */
unsigned fz_counter_one_instance(void *arg);

/* Copy a block of single-writer uint64_t words with atomic loads (any thread). */
void fz_counters_load_words(const void *src, void *dst, size_t bytes);

/*
 * Views. The summary object: for each set in order, its FZ_CF_TOTAL
 * counters at the top level (an array as an object by label); "drops" with
 * every FZ_CF_DROP counter; then each set's instances under its summary key
 * (FZ_CF_INSTANCE counters). brief leaves out the instance lists but the
 * single ones and the arrays at the top level (zooctl status must fit a
 * datagram). Adds to obj (a json_t object); returns 0 or -ENOMEM.
 */
struct json_t;
int fz_counters_summary(const struct fz_counter_snap *snap, struct json_t *obj, int brief);

/*
 * The status line's counters: "name value" for every FZ_CF_STATUS counter
 * (totals), then "not_counted N" (the FZ_CF_NOTCOUNT ones summed). Returns
 * the length written (truncated to fit cap, NUL-terminated).
 */
int fz_counters_status_text(const struct fz_counter_snap *snap, char *buf, size_t cap);

#endif
