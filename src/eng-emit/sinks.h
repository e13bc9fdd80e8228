/* sinks: rendering messages and delivering them (stdout, file:, exec:,
 * pipe:; http(s) lives in sink_http.c).
 *
 * A message is the channel's body (JSON, templates rendered and escaped),
 * its template file (plain text), or else the action record itself.
 */
#ifndef ENG_EMIT_SINKS_H
#define ENG_EMIT_SINKS_H

#include "emit.h"

/* Renders it's message into it->msg. 0, or -1 with it->error set (a
 * template file that cannot be read). */
int sinks_render(struct emitter *e, struct item *it);
/* Delivers the items of q marked deliver, in this order: files (written and
 * flushed), http, pipe, exec; sets status, attempts, error. Returns 0, or -1
 * on a fatal state error (e->ferr). */
int sinks_deliver(struct emitter *e, struct item *q);
/* Current size of a file sink's file (for the crash protocol), -1 when it
 * does not exist. */
long long sinks_file_size(const struct emit_channel *ch);
void sinks_close(struct emitter *e);

/* sink_http.c */
struct http_sink *http_new(void);
void http_free(struct http_sink *h);
/* Delivers the n http items; never fails as a whole (each item gets its
 * status). */
void http_deliver(struct http_sink *h, struct item **items, size_t n);

#endif
