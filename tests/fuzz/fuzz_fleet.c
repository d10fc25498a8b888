/*
 * libFuzzer target for the fleet's record parsers (lib/fleet): any bytes are
 * a traffic, stats or alert record or an error with a reason, never a crash.
 * A traffic record that parses is written back and read again to the same
 * figures, and merged with itself to exactly twice its sums.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fz_fleet.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void traffic(const char *buf, size_t len)
{
	struct fz_fleet_traffic t, back, m;
	const struct fz_fleet_traffic *in[2] = {&t, &t};
	char why[128];
	char *s;

	if (fz_fleet_traffic_parse(buf, len, &t, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != 0);
		fz_fleet_traffic_clear(&t);
		return;
	}
	s = fz_fleet_traffic_json(&t);
	if (s) {
		FUZZ_CHECK(fz_fleet_traffic_parse(s, strlen(s), &back, why, sizeof(why)) == 0);
		FUZZ_CHECK(back.bytes_in == t.bytes_in && back.n_apps == t.n_apps &&
		           back.n_top[0] == t.n_top[0]);
		fz_fleet_traffic_clear(&back);
		free(s);
	}
	if (fz_fleet_traffic_merge(in, 2, 10, &m) == 0) {
		FUZZ_CHECK(m.packets_in == 2 * t.packets_in && m.flows == 2 * t.flows);
		fz_fleet_traffic_clear(&m);
	}
	fz_fleet_traffic_clear(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct fz_fleet_zoo z, acc = {0};
	struct fz_fleet_alert a;
	char why[128], id[512];

	traffic(buf, size);
	if (fz_fleet_zoo_parse(buf, size, &z, why, sizeof(why)) == 0) {
		char *s;

		FUZZ_CHECK(fz_fleet_zoo_add(&acc, &z) == 0 && fz_fleet_zoo_add(&acc, &z) == 0);
		FUZZ_CHECK(acc.total.flows == 2 * z.total.flows);
		s = fz_fleet_zoo_json(&acc);
		free(s);
		fz_fleet_zoo_clear(&acc);
	}
	fz_fleet_zoo_clear(&z);
	{
		struct fz_fleet_flow f;

		if (fz_fleet_flow_parse(buf, size, &f, why, sizeof(why)) != 0)
			FUZZ_CHECK(why[0] != 0);
	}
	if (fz_fleet_alert_parse(buf, size, &a, why, sizeof(why)) == 0)
		FUZZ_CHECK(fz_fleet_alert_identity(&a, id, sizeof(id)) == 0);
	return 0;
}
