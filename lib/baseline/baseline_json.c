/* The fields of an alert record that say what a baseline event measured (docs/alerts.md):
 * one writer for the appliance's alerts and zooagg's fleet alerts. */
#include <jansson.h>

#include "fz_baseline.h"

int fz_baseline_event_fields(const struct fz_baseline_event *ev, struct json_t *o)
{
	int rc = 0;

	if (ev->state == FZ_BL_END)
		rc |= json_object_set_new(o, "end_ms", json_integer((json_int_t)ev->end_ms));
	rc |= json_object_set_new(o, "metric", json_string(fz_baseline_metric(ev->series)));
	rc |= json_object_set_new(o, "direction", json_string(fz_baseline_direction(ev->series)));
	rc |= json_object_set_new(o, "value", json_integer((json_int_t)ev->value));
	rc |= json_object_set_new(o, "mean", json_real(ev->mean));
	rc |= json_object_set_new(o, "sigma", json_real(ev->sigma));
	rc |= json_object_set_new(o, "threshold", json_real(ev->threshold));
	return rc ? -1 : 0;
}
