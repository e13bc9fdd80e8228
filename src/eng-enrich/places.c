/* places: nearest place through a lat/lon grid (places.h).
 *
 * The grid: cells of CELL_DEG x CELL_DEG degrees, keyed by
 * (floor(lat / CELL_DEG), floor(lon / CELL_DEG)) in a hash table, each cell
 * listing the places in it. A query at (lat, lon) with radius R scans the
 * rectangle of cells that covers the circle:
 *
 *   dlat = R / M_PER_DEG                      cells: ceil(dlat / CELL_DEG)
 *   dlon = R / (M_PER_DEG * cos(lat'))        lat' the circle's highest |lat|
 *
 * and keeps the place of least haversine distance <= R (ties: the earlier
 * row of the file). Near the poles, or when the rectangle would pass every
 * longitude, the scan covers all longitudes once. Longitudes wrap at the
 * antimeridian. With R = 50 km and 0.1-degree cells that is about 10 x 10
 * cells at mid latitudes; with places spread like stores, a handful each.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "places.h"

#define CELL_DEG 0.1
#define EARTH_R 6371008.8
#define M_PER_DEG (EARTH_R * M_PI / 180.0)
#define NLON_CELLS 3600   /* 360 / CELL_DEG */

struct cell {
    size_t *idx;
    size_t n, cap;
};

static void cell_free(void *p)
{
    struct cell *c = p;
    free(c->idx);
    free(c);
}

static void cell_key(long ilat, long ilon, char key[8])
{
    int32_t a = (int32_t)ilat, b = (int32_t)ilon;
    memcpy(key, &a, 4);
    memcpy(key + 4, &b, 4);
}

static long wrap_lon(long ilon)
{
    ilon %= NLON_CELLS;
    if (ilon < -NLON_CELLS / 2)
        ilon += NLON_CELLS;
    if (ilon >= NLON_CELLS / 2)
        ilon -= NLON_CELLS;
    return ilon;
}

double places_distance(double lat1, double lon1, double lat2, double lon2)
{
    double r = M_PI / 180.0;
    double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1)
        a = 1;
    return 2 * EARTH_R * asin(sqrt(a));
}

static int num(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    return -1;
}

static int load_row(void *ctx, json_t *obj, unsigned long line,
                    struct eng_error *err)
{
    struct places *p = ctx;
    double lat, lon;
    (void)line;
    (void)err;
    if (num(json_object_get(obj, p->lat_col), &lat) < 0 ||
        num(json_object_get(obj, p->lon_col), &lon) < 0 ||
        !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
        p->skipped++;
        json_decref(obj);
        return 0;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        if (!(p->lat = realloc(p->lat, p->cap * sizeof *p->lat)) ||
            !(p->lon = realloc(p->lon, p->cap * sizeof *p->lon)) ||
            !(p->rows = realloc(p->rows, p->cap * sizeof *p->rows)))
            abort();
    }
    p->lat[p->n] = lat;
    p->lon[p->n] = lon;
    p->rows[p->n] = obj;
    char key[8];
    cell_key((long)floor(lat / CELL_DEG), wrap_lon((long)floor(lon / CELL_DEG)),
             key);
    int created;
    struct strmap_ent *e = strmap_put(&p->cells, key, sizeof key, &created);
    struct cell *c = e->val;
    if (!c) {
        if (!(c = calloc(1, sizeof *c)))
            abort();
        e->val = c;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        if (!(c->idx = realloc(c->idx, c->cap * sizeof *c->idx)))
            abort();
    }
    c->idx[c->n++] = p->n++;
    return 0;
}

int places_load(struct places *p, const char *path, const char *shown,
                struct eng_error *err)
{
    return master_read(path, shown, load_row, p, err);
}

json_t *places_nearest(const struct places *p, const json_t *ev)
{
    double lat, lon;
    if (!p->n || num(eng_path_get(p->ev_lat, ev), &lat) < 0 ||
        num(eng_path_get(p->ev_lon, ev), &lon) < 0 ||
        !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
        return NULL;
    double dlat = p->within_m / M_PER_DEG;
    double top = fabs(lat) + dlat;
    long nlat = (long)ceil(dlat / CELL_DEG);
    long nlon;
    if (top >= 89.0) {
        nlon = NLON_CELLS / 2;
    } else {
        double dlon = p->within_m / (M_PER_DEG * cos(top * M_PI / 180.0));
        nlon = (long)ceil(dlon / CELL_DEG);
        if (nlon > NLON_CELLS / 2)
            nlon = NLON_CELLS / 2;
    }
    long ilat = (long)floor(lat / CELL_DEG), ilon = (long)floor(lon / CELL_DEG);
    double best = p->within_m;
    size_t besti = SIZE_MAX;
    for (long a = ilat - nlat; a <= ilat + nlat; a++) {
        for (long b = ilon - nlon; b <= ilon + nlon; b++) {
            /* every longitude once, even when the rectangle wraps */
            if (nlon == NLON_CELLS / 2 && b == ilon + nlon)
                break;
            char key[8];
            cell_key(a, wrap_lon(b), key);
            const struct cell *c = strmap_get(&p->cells, key, sizeof key);
            for (size_t k = 0; c && k < c->n; k++) {
                size_t i = c->idx[k];
                double d = places_distance(lat, lon, p->lat[i], p->lon[i]);
                if (d < best || (d == best && i < besti)) {
                    best = d;
                    besti = i;
                }
            }
        }
    }
    if (besti == SIZE_MAX)
        return NULL;
    json_t *out = json_deep_copy(p->rows[besti]);
    if (!out)
        abort();
    json_object_set_new(out, "distance_m", json_integer((json_int_t)llround(best)));
    return out;
}

void places_free(struct places *p)
{
    if (!p)
        return;
    strmap_free(&p->cells, cell_free);
    for (size_t i = 0; i < p->n; i++)
        json_decref(p->rows[i]);
    free(p->lat);
    free(p->lon);
    free(p->rows);
    free(p->file);
    eng_path_free(p->into_rest);
    eng_path_free(p->ev_lat);
    eng_path_free(p->ev_lon);
    free(p->lat_col);
    free(p->lon_col);
    free(p);
}
