/* Fragment table unit tests. */
#include <errno.h>

#include "fz_test.h"
#include "fz_frag.h"

/* A parsed first fragment (ports known) of a UDP datagram from 10.0.0.<host>. */
static struct fz_pkt first_frag(uint8_t host, uint32_t frag_id, uint16_t sport, uint16_t dport)
{
	struct fz_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.key.addr[0][10] = 0xff;
	pkt.key.addr[0][11] = 0xff;
	pkt.key.addr[0][12] = 10;
	pkt.key.addr[0][15] = host;
	pkt.key.addr[1][10] = 0xff;
	pkt.key.addr[1][11] = 0xff;
	pkt.key.addr[1][12] = 10;
	pkt.key.addr[1][15] = 200;
	pkt.key.port[0] = sport;
	pkt.key.port[1] = dport;
	pkt.key.proto = 17;
	pkt.key.ip_version = 4;
	pkt.frag = FZ_FRAG_FIRST;
	pkt.frag_id = frag_id;
	pkt.l4_offset_known = 1;
	return pkt;
}

/* The matching later fragment: same identity, no ports. */
static struct fz_pkt later_of(const struct fz_pkt *first)
{
	struct fz_pkt pkt = *first;

	pkt.key.port[0] = 0;
	pkt.key.port[1] = 0;
	pkt.frag = FZ_FRAG_LATER;
	pkt.l4_offset_known = 0;
	return pkt;
}

static void test_create_errors(void)
{
	struct fz_frag_table *t;

	errno = 0;
	FZ_CHECK(fz_frag_table_create(0, 1000) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	errno = 0;
	FZ_CHECK(fz_frag_table_create(16, 0) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	errno = 0;
	FZ_CHECK(fz_frag_table_create(UINT32_MAX, 1000) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	t = fz_frag_table_create(3, 1000);
	FZ_CHECK(t != NULL);
	fz_frag_table_free(t);
	fz_frag_table_free(NULL);
}

static void test_resolve_after_first(void)
{
	struct fz_frag_table *t = fz_frag_table_create(64, 30000000);
	struct fz_pkt first = first_frag(1, 0x1111, 5000, 53), later = later_of(&first);
	struct fz_pkt v6 = first_frag(1, 0x1111, 6000, 7000), v6_later;

	fz_frag_table_note_first(t, &first, 1000);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 2000));
	FZ_CHECK_INT(5000, later.key.port[0]);
	FZ_CHECK_INT(53, later.key.port[1]);
	/* Several later fragments resolve from the same entry. */
	later = later_of(&first);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 3000));
	FZ_CHECK_INT(5000, later.key.port[0]);

	/* IPv6 with the same low address bytes is another datagram. */
	memset(v6.key.addr, 0, sizeof(v6.key.addr));
	v6.key.addr[0][0] = 0x20;
	v6.key.addr[0][15] = 1;
	v6.key.addr[1][0] = 0x20;
	v6.key.addr[1][15] = 2;
	v6.key.ip_version = 6;
	v6.frag_id = 0xdeadbeef;
	v6_later = later_of(&v6);
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &v6_later, 3000));
	fz_frag_table_note_first(t, &v6, 3000);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &v6_later, 4000));
	FZ_CHECK_INT(6000, v6_later.key.port[0]);
	FZ_CHECK_INT(7000, v6_later.key.port[1]);
	fz_frag_table_free(t);
}

static void test_unmatched(void)
{
	struct fz_frag_table *t = fz_frag_table_create(64, 30000000);
	struct fz_pkt first = first_frag(1, 0x1111, 5000, 53), later;

	fz_frag_table_note_first(t, &first, 1000);
	/* Another id, another source, another protocol, another VLAN: no match. */
	later = later_of(&first);
	later.frag_id = 0x1112;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 2000));
	FZ_CHECK_INT(0, later.key.port[0]);
	FZ_CHECK_INT(0, later.key.port[1]);
	later = later_of(&first);
	later.key.addr[0][15] = 2;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 2000));
	later = later_of(&first);
	later.key.proto = 6;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 2000));
	later = later_of(&first);
	later.key.vlan[0] = 10;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 2000));
	/* The reverse direction is another datagram. */
	later = later_of(&first);
	later.key.addr[0][15] = 200;
	later.key.addr[1][15] = 1;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 2000));
	fz_frag_table_free(t);
}

/*
 * An IPv6 datagram whose fragmentable part starts with destination options:
 * the first fragment parses through to UDP, a later one only knows 60.
 */
static void test_ipv6_protocol_from_first(void)
{
	struct fz_frag_table *t = fz_frag_table_create(64, 30000000);
	struct fz_pkt first = first_frag(1, 0x5555, 546, 547), later, v4_later;

	first.key.ip_version = 6;
	first.key.addr[0][0] = 0x20;
	first.key.addr[0][10] = 0;
	first.key.addr[0][11] = 0;
	later = later_of(&first);
	later.key.proto = 60;
	fz_frag_table_note_first(t, &first, 1000);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 2000));
	FZ_CHECK_INT(17, later.key.proto);
	FZ_CHECK_INT(546, later.key.port[0]);
	FZ_CHECK_INT(547, later.key.port[1]);
	FZ_CHECK_INT(0, memcmp(&first.key, &later.key, sizeof(first.key)));

	/* IPv4 keeps the protocol in the identity. */
	first = first_frag(1, 0x5555, 546, 547);
	fz_frag_table_note_first(t, &first, 1000);
	v4_later = later_of(&first);
	v4_later.key.proto = 6;
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &v4_later, 2000));
	FZ_CHECK_INT(6, v4_later.key.proto);
	fz_frag_table_free(t);
}

static void test_timeout(void)
{
	struct fz_frag_table *t = fz_frag_table_create(64, 500);
	struct fz_pkt first = first_frag(1, 42, 1, 2), later = later_of(&first);

	fz_frag_table_note_first(t, &first, 10000);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 10499));
	later = later_of(&first);
	FZ_CHECK_INT(0, fz_frag_table_resolve(t, &later, 10500));
	FZ_CHECK_INT(0, later.key.port[0]);
	/* A clock that goes back does not expire the entry. */
	later = later_of(&first);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 9000));
	/* A new first fragment with the same id starts a new timeout. */
	first.key.port[0] = 3;
	fz_frag_table_note_first(t, &first, 20000);
	later = later_of(&first);
	FZ_CHECK_INT(1, fz_frag_table_resolve(t, &later, 20100));
	FZ_CHECK_INT(3, later.key.port[0]);
	fz_frag_table_free(t);
}

static void test_overwrite_oldest(void)
{
	/* Four slots: one bucket of four ways, so every entry competes. */
	struct fz_frag_table *t = fz_frag_table_create(4, 1000000);
	struct fz_pkt first[6], later;
	int i;

	for (i = 0; i < 6; i++) {
		first[i] = first_frag((uint8_t)(i + 1), 100, (uint16_t)(1000 + i), 9);
		fz_frag_table_note_first(t, &first[i], 1000 + (uint64_t)i);
	}
	/* The two oldest were overwritten, the last four are there. */
	for (i = 0; i < 6; i++) {
		later = later_of(&first[i]);
		FZ_CHECK_INT(i >= 2, fz_frag_table_resolve(t, &later, 2000));
		FZ_CHECK_INT(i >= 2 ? 1000 + i : 0, later.key.port[0]);
	}
	/* An expired slot is reused before a fresh one. */
	fz_frag_table_free(t);
	t = fz_frag_table_create(4, 100);
	for (i = 0; i < 4; i++)
		fz_frag_table_note_first(t, &first[i], i == 2 ? 0 : 1000);
	fz_frag_table_note_first(t, &first[4], 1050);
	for (i = 0; i < 5; i++) {
		later = later_of(&first[i]);
		FZ_CHECK_INT(i != 2, fz_frag_table_resolve(t, &later, 1060));
	}
	fz_frag_table_free(t);
}

static void test_many_datagrams(void)
{
	/* 1000 interleaved datagrams in a table of 4096 entries. */
	struct fz_frag_table *t = fz_frag_table_create(4096, 1000000);
	struct fz_pkt first, later;
	uint32_t i, resolved = 0;

	for (i = 0; i < 1000; i++) {
		first = first_frag((uint8_t)(i % 7), i, (uint16_t)i, 80);
		fz_frag_table_note_first(t, &first, i);
	}
	for (i = 0; i < 1000; i++) {
		first = first_frag((uint8_t)(i % 7), i, (uint16_t)i, 80);
		later = later_of(&first);
		if (fz_frag_table_resolve(t, &later, 1000) && later.key.port[0] == i)
			resolved++;
	}
	/*
	 * 1000 datagrams in 1024 buckets of 4: a bucket gets more than four
	 * in about 0.3% of cases (Poisson, mean 0.98), so a handful may be
	 * overwritten; more would mean the hash clusters.
	 */
	FZ_CHECK(resolved >= 990);
	fz_frag_table_free(t);
}

int main(void)
{
	FZ_RUN(test_create_errors);
	FZ_RUN(test_resolve_after_first);
	FZ_RUN(test_unmatched);
	FZ_RUN(test_ipv6_protocol_from_first);
	FZ_RUN(test_timeout);
	FZ_RUN(test_overwrite_oldest);
	FZ_RUN(test_many_datagrams);
	return fz_test_summary();
}
