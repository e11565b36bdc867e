/* tag.h - country and AS of the addresses an interval record lists, looked up before storing */
#ifndef KEIKAI_OBS_TAG_H
#define KEIKAI_OBS_TAG_H

#include "store.h"

struct geo;

/* Fill out with arrays for r's top sources, scanners and attacks (geo may be NULL: all
 * unknown). 0, or -ENOMEM with nothing to free. */
int obs_tag_record(struct geo *g, const struct obs_record *r, struct obs_record_geo *out);
void obs_tag_free(struct obs_record_geo *t);

#endif
