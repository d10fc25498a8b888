/* Unit tests of the counter registry's publication: consistent snapshots while a writer thread
 * keeps counting, and published copies of blocks (the rest is test_counters.c). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fz_counters.h"
#include "fz_test.h"

#define N_DEFS(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

/* A set of one instance. */
static unsigned one(void *arg)
{
	(void)arg;
	return 1;
}

/*
 * Snapshots while a writer thread counts. The writer keeps counting (at
 * least MIN_WRITES times) until every reader has seen the value change
 * WANTED_CHANGES times (or MAX_NS has passed, on a machine too busy to run
 * them side by side), so that the readers read while it writes whatever the
 * scheduler does; a reader that copied without the library's protocol would
 * then see a torn or stale block (see the commit that added this test).
 */
#define MIN_WRITES     3000000u
#define WANTED_CHANGES 20000u
#define MAX_NS         1000000000u

struct race {
	int readers;   /* how many readers still want changes */
	int done;      /* the writer has stopped */
	uint64_t last; /* the writer's last value */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int keep_writing(struct race *r, uint64_t i)
{
	return i <= MIN_WRITES || __atomic_load_n(&r->readers, __ATOMIC_ACQUIRE) > 0;
}

static void writer_stops(struct race *r, uint64_t last)
{
	r->last = last;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* What one reader saw. */
struct seen {
	uint64_t snaps, changes, torn, backwards;
	uint64_t last[4];
};

/*
 * Take snapshots of reg's set 0, instance 0, defs 0..n_defs-1, until the
 * writer has stopped (then once more), counting torn blocks (two defs that
 * differ, when pair) and values that went down.
 */
static void watch(const struct fz_counters *reg, struct race *r, unsigned n_defs, int pair,
                  struct seen *seen)
{
	uint64_t t0 = now_ns();
	int wanting = 1, done;

	do {
		struct fz_counter_snap *snap;
		uint64_t v[4];

		done = __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
		snap = fz_counters_snapshot(reg);
		for (unsigned d = 0; d < n_defs; d++)
			v[d] = fz_snap_value(snap, 0, 0, d, 0);
		fz_counter_snap_free(snap);
		seen->snaps++;
		seen->changes += v[0] != seen->last[0];
		seen->torn += pair && v[0] != v[1];
		for (unsigned d = 0; d < n_defs; d++) {
			seen->backwards += v[d] < seen->last[d];
			seen->last[d] = v[d];
		}
		if (wanting && (seen->changes >= WANTED_CHANGES || now_ns() - t0 > MAX_NS)) {
			wanting = 0;
			__atomic_fetch_sub(&r->readers, 1, __ATOMIC_RELEASE);
		}
	} while (!done);
	if (wanting)
		__atomic_fetch_sub(&r->readers, 1, __ATOMIC_RELEASE);
}

/* (a) A block {a, b} published with a == b: no snapshot sees them differ. */
struct pair {
	uint64_t a, b;
};

static const struct fz_counter_def pair_defs[] = {
    FZ_COUNTER(struct pair, a, FZ_CT_COUNTER, FZ_CF_TOTAL, "a", NULL, "first copy"),
    FZ_COUNTER(struct pair, b, FZ_CT_COUNTER, FZ_CF_TOTAL, "b", NULL, "second copy"),
};

struct pub_race {
	struct race r;
	struct fz_counter_pub *pub;
};

static void *pub_writer(void *arg)
{
	struct pub_race *pr = arg;
	struct pair p = {0, 0};
	uint64_t i;

	for (i = 1; keep_writing(&pr->r, i); i++) {
		p.a = i;
		p.b = i;
		fz_counter_pub_write(pr->pub, &p);
	}
	writer_stops(&pr->r, i - 1);
	return NULL;
}

static void read_pub(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	fz_counter_pub_read(arg, out);
}

static void test_pub_consistent(void)
{
	struct pub_race pr = {.r = {.readers = 1},
	                      .pub = fz_counter_pub_create(sizeof(struct pair))};
	struct fz_counter_set set = {
	    .name = "pair",
	    .defs = pair_defs,
	    .n_defs = N_DEFS(pair_defs),
	    .block = sizeof(struct pair),
	    .instances = one,
	    .read = read_pub,
	    .arg = pr.pub,
	};
	struct fz_counters *reg = fz_counters_create();
	struct seen seen = {0};
	pthread_t tid;

	FZ_CHECK_INT(0, fz_counters_register(reg, &set));
	FZ_CHECK_INT(0, pthread_create(&tid, NULL, pub_writer, &pr));
	watch(reg, &pr.r, 2, 1, &seen);
	pthread_join(tid, NULL);
	FZ_CHECK_INT(0, seen.torn);
	FZ_CHECK_INT(0, seen.backwards);
	/* The last snapshot began after the writer had stopped. */
	FZ_CHECK_INT(pr.r.last, seen.last[0]);
	FZ_CHECK(pr.r.last >= MIN_WRITES);
	/* The reader read while the writer wrote, or this proves nothing. */
	FZ_CHECK(seen.changes > 1);
	printf("     %llu writes, %llu snapshots, %llu values seen\n",
	       (unsigned long long)pr.r.last, (unsigned long long)seen.snaps,
	       (unsigned long long)seen.changes);
	fz_counters_free(reg);
	fz_counter_pub_free(pr.pub);
}

/*
 * (b) Single-writer words: the writer adds w + 1 to word w, for each of
 * WORDS words in turn; readers loading them with fz_counters_load_words
 * never see one go down, and after the writer has stopped see its last
 * values.
 */
#define WORDS 4

struct word_block {
	uint64_t w[WORDS];
};

static struct word_block words;

static const struct fz_counter_def word_defs[WORDS] = {
    FZ_COUNTER(struct word_block, w[0], FZ_CT_COUNTER, 0, "w0", NULL, "word 0"),
    FZ_COUNTER(struct word_block, w[1], FZ_CT_COUNTER, 0, "w1", NULL, "word 1"),
    FZ_COUNTER(struct word_block, w[2], FZ_CT_COUNTER, 0, "w2", NULL, "word 2"),
    FZ_COUNTER(struct word_block, w[3], FZ_CT_COUNTER, 0, "w3", NULL, "word 3"),
};

static struct race word_race;

static void *word_writer(void *arg)
{
	uint64_t i;

	(void)arg;
	for (i = 1; keep_writing(&word_race, i); i++)
		for (int w = 0; w < WORDS; w++)
			__atomic_store_n(&words.w[w], words.w[w] + (uint64_t)w + 1,
			                 __ATOMIC_RELAXED);
	writer_stops(&word_race, i - 1);
	return NULL;
}

static void read_words(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	fz_counters_load_words(arg, out, sizeof(words));
}

struct word_reader {
	const struct fz_counters *reg;
	struct seen seen;
};

static void *watch_words(void *arg)
{
	struct word_reader *wr = arg;

	watch(wr->reg, &word_race, WORDS, 0, &wr->seen);
	return NULL;
}

static void test_words_monotonic(void)
{
	struct fz_counter_set set = {
	    .name = "words",
	    .defs = word_defs,
	    .n_defs = WORDS,
	    .block = sizeof(words),
	    .instances = one,
	    .read = read_words,
	    .arg = &words,
	};
	struct fz_counters *reg = fz_counters_create();
	struct word_reader readers[2] = {{.reg = reg}, {.reg = reg}};
	pthread_t writer, reader;

	FZ_CHECK_INT(0, fz_counters_register(reg, &set));
	memset(&words, 0, sizeof(words));
	word_race = (struct race){.readers = 2};
	FZ_CHECK_INT(0, pthread_create(&writer, NULL, word_writer, NULL));
	FZ_CHECK_INT(0, pthread_create(&reader, NULL, watch_words, &readers[1]));
	watch_words(&readers[0]);
	pthread_join(writer, NULL);
	pthread_join(reader, NULL);
	FZ_CHECK(word_race.last >= MIN_WRITES);
	for (int r = 0; r < 2; r++) {
		FZ_CHECK_INT(0, readers[r].seen.backwards);
		FZ_CHECK(readers[r].seen.changes > 1);
		for (int w = 0; w < WORDS; w++)
			FZ_CHECK_INT(word_race.last * (uint64_t)(w + 1), readers[r].seen.last[w]);
	}
	printf("     %llu increments, %llu and %llu values seen\n",
	       (unsigned long long)word_race.last, (unsigned long long)readers[0].seen.changes,
	       (unsigned long long)readers[1].seen.changes);
	fz_counters_free(reg);
}

/* A published copy of several blocks serves a set directly, one block at a time. */
static void test_pub_blocks(void)
{
	struct fz_counter_pub *pub = fz_counter_pub_create_blocks(2 * sizeof(uint64_t), 3);
	uint64_t in[6] = {1, 2, 3, 4, 5, 6}, out[2] = {0, 0};

	FZ_CHECK(pub != NULL);
	FZ_CHECK_INT(3, fz_counter_pub_instances(pub));
	fz_counter_pub_write(pub, in);
	fz_counter_pub_read_block(pub, 1, out);
	FZ_CHECK_INT(3, out[0]);
	FZ_CHECK_INT(4, out[1]);
	fz_counter_pub_read_block(pub, 2, out);
	FZ_CHECK_INT(5, out[0]);
	FZ_CHECK_INT(6, out[1]);
	fz_counter_pub_free(pub);
}

/* Parts of a block: only they are copied (byte ranges widened to words); the rest stays. */
static void test_pub_parts(void)
{
	struct fz_counter_pub *pub = fz_counter_pub_create(6 * sizeof(uint64_t));
	uint64_t in[6] = {1, 2, 3, 4, 5, 6}, out[6];
	struct fz_counter_pub_part parts[] = {{0, 8}, {3 * 8 + 2, 1}};

	FZ_CHECK(pub != NULL);
	fz_counter_pub_write(pub, in);
	for (int i = 0; i < 6; i++)
		in[i] += 10;
	fz_counter_pub_write_parts(pub, in, parts, 2);
	fz_counter_pub_read(pub, out);
	FZ_CHECK_INT(11, out[0]);
	FZ_CHECK_INT(2, out[1]);
	FZ_CHECK_INT(3, out[2]);
	FZ_CHECK_INT(14, out[3]); /* byte 26 lies in word 3 */
	FZ_CHECK_INT(5, out[4]);
	FZ_CHECK_INT(6, out[5]);
	fz_counter_pub_free(pub);
}

int main(void)
{
	FZ_RUN(test_pub_parts);
	FZ_RUN(test_pub_blocks);
	FZ_RUN(test_pub_consistent);
	FZ_RUN(test_words_monotonic);
	return fz_test_summary();
}
