/*
 * libFuzzer target for the packet parser. The first input byte picks the
 * link type (Ethernet, Linux cooked capture v1 and v2, raw IP), the rest is
 * the frame.
 * A parsed packet also goes through canonicalization, hashing and the
 * fragment table, and the parser's promises are checked: the payload lies
 * inside the frame, the key's padding is zero, ports are 0 when no L4
 * header was read.
 */
#include <stdlib.h>
#include <string.h>

#include "fz_frag.h"
#include "fz_parse.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One table for the whole run so that fragments meet across inputs. */
	static struct fz_frag_table *frags;
	static uint64_t now_us;
	struct fz_flow_key key, again;
	enum fz_parse_status st;
	const uint8_t *frame;
	struct fz_pkt pkt;
	uint32_t len;

	if (size < 1 || size > 65536)
		return 0;
	if (frags == NULL) {
		frags = fz_frag_table_create(64, 1000);
		if (frags == NULL)
			abort();
	}
	frame = data + 1;
	len = (uint32_t)(size - 1);
	/* 0, 1, 2 as before SLL2 came, so that the corpus keeps its meaning. */
	switch (data[0] % 4) {
	case 0:
		st = fz_parse_ether(frame, len, &pkt);
		break;
	case 1:
		st = fz_parse_sll(frame, len, &pkt);
		break;
	case 3:
		st = fz_parse_sll2(frame, len, &pkt);
		break;
	default:
		st = fz_parse_ip(frame, len, &pkt);
		break;
	}
	FUZZ_CHECK((unsigned int)st < FZ_PARSE__COUNT);
	FUZZ_CHECK(fz_parse_status_names[st] != NULL);
	if (st != FZ_PARSE_OK)
		return 0;

	FUZZ_CHECK(pkt.key.ip_version == 4 || pkt.key.ip_version == 6);
	FUZZ_CHECK(pkt.key.pad[0] == 0 && pkt.key.pad[1] == 0);
	FUZZ_CHECK(pkt.key.vlan[0] <= 0x0fff && pkt.key.vlan[1] <= 0x0fff);
	FUZZ_CHECK((pkt.payload == NULL) == (pkt.payload_len == 0));
	if (pkt.payload != NULL) {
		FUZZ_CHECK(pkt.payload >= frame && pkt.payload <= frame + len);
		FUZZ_CHECK(pkt.payload_len <= (uint32_t)(frame + len - pkt.payload));
		FUZZ_CHECK(pkt.payload_len < pkt.ip_len);
	}
	if (!pkt.l4_offset_known)
		FUZZ_CHECK(pkt.key.port[0] == 0 && pkt.key.port[1] == 0 && pkt.tcp_flags == 0);
	if (pkt.frag == FZ_FRAG_LATER)
		FUZZ_CHECK(!pkt.l4_offset_known && pkt.payload == NULL);

	now_us += 10;
	if (pkt.frag == FZ_FRAG_FIRST)
		fz_frag_table_note_first(frags, &pkt, now_us);
	else if (pkt.frag == FZ_FRAG_LATER)
		(void)fz_frag_table_resolve(frags, &pkt, now_us);

	/* Both orders of the ends canonicalize to the same key and hash. */
	key = pkt.key;
	again = pkt.key;
	memcpy(again.addr[0], key.addr[1], 16);
	memcpy(again.addr[1], key.addr[0], 16);
	again.port[0] = key.port[1];
	again.port[1] = key.port[0];
	(void)fz_flow_key_canonicalize(&key);
	(void)fz_flow_key_canonicalize(&again);
	FUZZ_CHECK(memcmp(&key, &again, sizeof(key)) == 0);
	FUZZ_CHECK(fz_flow_key_hash(&key) == fz_flow_key_hash(&again));
	FUZZ_CHECK(!fz_flow_key_canonicalize(&key));
	return 0;
}
