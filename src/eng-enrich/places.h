/* places: the nearest place to an event (stores, branches, venues), from a
 * master file of points, through a spatial grid so a 100k-place file costs a
 * few dozen distance computations per event, not 100k.
 */
#ifndef ENG_ENRICH_PLACES_H
#define ENG_ENRICH_PLACES_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "path.h"
#include "strmap.h"

struct places {
    char *file;                  /* as written in the config */
    struct eng_path *into_rest;  /* under context (NULL: context itself) */
    int into_profile;            /* into: profile.x */
    struct eng_path *ev_lat, *ev_lon;  /* default geo.lat, geo.lon */
    char *lat_col, *lon_col;     /* default lat, lon */
    double within_m;             /* search radius, default 50000 */
    struct strmap cells;         /* packed (ilat, ilon) -> struct cell */
    double *lat, *lon;
    json_t **rows;
    size_t n, cap;
    unsigned long long skipped;  /* rows without usable coordinates */
};

/* Loads the places file into the grid. 0, or -1 with err set. */
int places_load(struct places *p, const char *path, const char *shown,
                struct eng_error *err);
/* Returns the nearest place within p->within_m of the event's coordinates
 * as a new object (the row's members and "distance_m", whole metres), or
 * NULL when the event has no coordinates or nothing is near. */
json_t *places_nearest(const struct places *p, const json_t *ev);
/* Haversine distance in metres (sphere of radius 6371008.8 m). */
double places_distance(double lat1, double lon1, double lat2, double lon2);
void places_free(struct places *p);

#endif
