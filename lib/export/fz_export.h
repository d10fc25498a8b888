/*
 * What leaves the stats lcore: typed items (a finished flow, a stats
 * record, an alert, ...) and the exporters that take them.
 *
 * An item is data: its kind, the stream it belongs to ("flows", "stats",
 * "alerts": a name each exporter maps to a topic or a file), an ordering key
 * and a kind-specific body (struct fz_flow_item for a flow). Its JSON text
 * is made on first demand by the item's own encoder and cached in the item,
 * so it is encoded once however many JSON exporters take it, and not at all
 * when only a binary exporter (IPFIX) does.
 *
 * An exporter registers for the kinds it wants (a mask of FZ_ITEM_BIT) and
 * gets every such item in order, from one thread at a time: the stats lcore,
 * or with export lcores (fz_pipeline_lanes_create) the export lcore whose
 * turn it is, each after the one before (release/acquire on the turn).
 */
#ifndef FZ_EXPORT_H
#define FZ_EXPORT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fz_record.h"

enum fz_item_kind {
	FZ_ITEM_FLOW = 0, /* body: struct fz_flow_item */
	FZ_ITEM_STATS,    /* zoo statistics of an interval; JSON only */
	FZ_ITEM_ALERT,    /* a health alert (a loss counter grew); JSON only */
	FZ_ITEM_TRAFFIC,  /* one network's traffic bin (lib/traffic); JSON only */
	FZ_ITEM__COUNT
};

#define FZ_ITEM_BIT(kind) (1u << (kind))
#define FZ_ITEM_ALL       ((1u << FZ_ITEM__COUNT) - 1u)

/* Name of a kind ("flow", "stats", "alert"), for counters and messages. */
extern const char *const fz_item_kind_names[FZ_ITEM__COUNT];

/* A finished flow as consumers left it: the worker's record and its zoo classes. */
struct fz_flow_item {
	const struct fz_flow_rec *rec;
	const struct fz_zoo_result *zoo; /* NULL when no zoo ran */
};

/* Where an item's JSON is made: a buffer that grows (owned by the pipeline). */
struct fz_json_buf {
	char *buf;
	size_t cap;
	size_t max; /* never grow beyond */
};

struct fz_item;

/* Encode it as one JSON object, no newline, NUL-terminated, into buf.
 * Returns the length, -ENOSPC when cap is too small, or another negative errno. */
typedef int (*fz_item_encode_fn)(const struct fz_item *it, void *arg, char *buf, size_t cap);

struct fz_item {
	enum fz_item_kind kind;
	const char *stream; /* "flows", "stats", "alerts" */
	const char *app;    /* flows: the application's name (per-application topics), else NULL */
	const void *key;    /* ordering key: items with one key keep their order (may be NULL) */
	size_t key_len;
	const void *body; /* kind-specific (see enum fz_item_kind), may be NULL */
	fz_item_encode_fn encode;
	void *encode_arg;
	/* Filled by fz_item_json(). */
	struct fz_json_buf *jbuf;
	const char *json;
	size_t len;
	int json_rc; /* 0 not yet encoded, 1 encoded, < 0 the encoder's error */
	/* A flow's bytes made ahead by prep_for's ops->prepare (export lanes);
	 * prep_for NULL: nothing made ahead, the exporter does it in take(). */
	const struct fz_exporter *prep_for;
	const void *prep; /* aligned to 8 */
	size_t prep_len;
	int prep_rc; /* prepare's result: the length, or its negative errno */
	/* 1: the item's bytes (json, key, prep; stream and app are fixed names)
	 * stay valid until the exporter's ops->batch_end, so an exporter that
	 * has it may keep pointers to them until then (the export lanes: the
	 * bytes are the batch's, until the end of its turn). 0: until take()
	 * returns. */
	int held;
	/* With FZ_EXPORTER_KEY_CRC: the key's CRC-32, made on a lane (set 1), or
	 * not made (0: the exporter does it when it needs it). */
	uint32_t key_crc;
	int key_crc_set;
};

/*
 * The item's JSON text, encoded on the first call (growing it->jbuf up to
 * its max) and cached. Returns 0 with json and len set, or the encoder's
 * negative errno (the same on every call).
 */
int fz_item_json(struct fz_item *it, const char **json, size_t *len);

/*
 * An encoder's helper: o as compact JSON into buf (NUL-terminated). Returns
 * the length, -ENOSPC when cap is too small, -ENOMEM. o is not released.
 */
int fz_item_dump_json(const json_t *o, char *buf, size_t cap);

struct fz_exporter;
struct fz_counter_def;

/*
 * An exporter's own counters, declared once (lib/counters): one block of
 * n_defs declarations per instance (one, or one per collector). instances()
 * is fixed once the exporter is open; read() is called on the stats lcore
 * only (the pipeline publishes copies for other threads); label() must be
 * safe from any thread (names fixed at open). The set is named name:
 * "kafka" gives flowzoo_kafka_... in /metrics.
 */
struct fz_exporter_counters {
	const char *name;
	const struct fz_counter_def *defs;
	unsigned n_defs;
	size_t block; /* bytes of one instance's values, a multiple of 8 */
	unsigned (*instances)(struct fz_exporter *e);
	void (*read)(struct fz_exporter *e, unsigned i, uint64_t *out);
	void (*label)(struct fz_exporter *e, unsigned i, char *buf, size_t cap); /* may be NULL */
};

struct fz_exporter_ops {
	/* Take one item. Returns 0, or a negative errno when the item was
	 * dropped (the exporter counts it too). Must not block for long. */
	int (*take)(struct fz_exporter *e, struct fz_item *it);
	/* Background work and callbacks; called often by the stats lcore (may be NULL). */
	void (*poll)(struct fz_exporter *e);
	/* Deliver or persist everything pending, waiting at most timeout_ms (may be NULL). */
	int (*flush)(struct fz_exporter *e, int timeout_ms);
	/* Counters and state for the summary and status (a new reference, may be NULL). */
	json_t *(*status)(struct fz_exporter *e);
	/* Records this exporter lost so far (for health and the exit status; may be NULL). */
	uint64_t (*lost)(struct fz_exporter *e);
	/* Records taken but neither delivered nor stored durably yet (Kafka: not
	 * acknowledged nor spooled; JSON lines: not flushed to the file, which it
	 * tries first). Never drops anything. May be NULL: nothing is pending once
	 * taken. */
	uint64_t (*pending)(struct fz_exporter *e);
	/* Its own counters (may be NULL). */
	const struct fz_exporter_counters *counters;
	/* Reopen files (SIGHUP, for logrotate); may be NULL. Returns 0 or a negative errno. */
	int (*reopen)(struct fz_exporter *e);
	/*
	 * May be NULL. The part of taking a flow item that depends on the item
	 * alone (its encoding in the exporter's own format), which the export
	 * lanes do side by side before the item's turn: write at most
	 * prepare_cap bytes to buf (aligned to 8) and return their length, or a
	 * negative errno. It must not change the exporter: several lanes call it
	 * at once, while another lane's take() runs. take() then finds the
	 * result in it->prep (it->prep_for == this exporter); without lanes it
	 * gets none and does the work itself. One exporter of a pipeline at
	 * most is prepared for (the first added that has it).
	 */
	int (*prepare)(const struct fz_exporter *e, const struct fz_item *it, void *buf,
	               size_t cap);
	size_t prepare_cap;
	/*
	 * May be NULL. The end of a run of held items (it->held): the export
	 * lanes call it at the end of each turn, before poll(). An exporter
	 * that kept pointers into held items hands them on or copies them here;
	 * once it returns, they are gone. A take() of an item not held comes
	 * after everything taken before it, held or not.
	 */
	void (*batch_end)(struct fz_exporter *e);
	void (*close)(struct fz_exporter *e);
};

/* Flags of an exporter. */
#define FZ_EXPORTER_KEYS   0x1u /* it reads it->key (a flow's key text costs ~600 instructions) */
#define FZ_EXPORTER_BINARY 0x2u /* it never asks for the JSON text (fz_item_json) */
/* It reads it->key_crc when it->key_crc_set: the CRC-32 (IEEE, zlib's crc32)
 * of a flow's key text, which the export lanes make side by side (Kafka's
 * default partitioner hashes the key so). */
#define FZ_EXPORTER_KEY_CRC 0x4u

struct fz_exporter {
	const struct fz_exporter_ops *ops;
	const char *name; /* "jsonl", "kafka": its key in the summary */
	unsigned kinds;   /* FZ_ITEM_BIT()s it takes */
	unsigned flags;   /* FZ_EXPORTER_* */
};

/* How the JSON-lines exporter opens an existing file. */
enum fz_jsonl_mode {
	FZ_JSONL_APPEND = 0, /* add after what is there */
	FZ_JSONL_TRUNCATE,   /* start the file anew */
	FZ_JSONL_REFUSE,     /* an existing non-empty file is an error (EEXIST) */
};

/*
 * The JSON-lines exporter: every item, one JSON object per line, to path
 * ("-" is standard output). Writes are buffered and flushed by flush() and
 * whenever poll() finds the last flush more than flush_ms ago (0: 1000 ms).
 * A failed write is counted, logged once through the log callback when not
 * NULL, and the exporter closes itself (every later item is counted as
 * lost). Returns NULL and sets errno on failure.
 */
struct fz_exporter *fz_jsonl_open(const char *path, enum fz_jsonl_mode mode, unsigned flush_ms,
                                  void (*log)(void *arg, const char *line), void *log_arg);

/* The JSON lines uncompressed (a level of fz_jsonl_compress_parse). */
#define FZ_JSONL_PLAIN INT_MIN
/* zstd levels --jsonl-compress takes, and the one "zstd" alone means. */
#define FZ_JSONL_ZSTD_MIN     (-7)
#define FZ_JSONL_ZSTD_MAX     19
#define FZ_JSONL_ZSTD_DEFAULT 1

/*
 * --jsonl-compress: "auto" (zstd at FZ_JSONL_ZSTD_DEFAULT when path ends in
 * ".zst", else none), "none", "zstd" or "zstd:LEVEL" (an integer from
 * FZ_JSONL_ZSTD_MIN to FZ_JSONL_ZSTD_MAX). Sets *level to the zstd level or
 * FZ_JSONL_PLAIN. Returns 0, or -EINVAL for any other text.
 */
int fz_jsonl_compress_parse(const char *spec, const char *path, int *level);

/*
 * Compress the JSON-lines exporter's output with zstd at level (nothing
 * when FZ_JSONL_PLAIN), before it takes its first item. The output is one
 * zstd frame per opening of the file (the frame ends at close and at
 * reopen), readable by zstdcat; a flush makes every line taken so far
 * decodable. Returns 0, -EINVAL (not a JSON-lines exporter, items already
 * taken, a level libzstd refuses) or -ENOMEM.
 */
int fz_jsonl_compress(struct fz_exporter *e, int level);

#endif
