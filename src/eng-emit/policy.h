/* policy: the pieces of eng-emit's policy chain, in the documented order
 * (TOOLS.md): duplicate -> consent -> control group -> quiet hours ->
 * arbitration -> frequency caps. emit.c runs the chain; each module here
 * answers one question about one action.
 *
 *   cust.c      the per-customer table (caps history, arbitration group) and
 *               the set of action ids seen (duplicates)
 *   consent.c   the opt-out list, reloaded when its file changes
 *   policy.c    control group, quiet hours, frequency caps
 *   arbitrate.c holding actions of one customer for `hold`, best one wins
 */
#ifndef ENG_EMIT_POLICY_H
#define ENG_EMIT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/* --- cust.c --- */

struct sent_rec {
    eng_time ts;
    int ch;                    /* channel index */
};

struct group;

struct cust {
    char *key;
    struct sent_rec *sent;     /* messages counted by the caps, by ts */
    size_t nsent, capsent;
    struct group *grp;         /* open arbitration group, or NULL */
};

/* Returns a new empty table. */
struct custmap *custmap_new(void);
void custmap_free(struct custmap *m);
/* Returns the customer's entry, created when absent (owned by the map). */
struct cust *custmap_get(struct custmap *m, const char *key);
size_t custmap_size(const struct custmap *m);
/* Calls fn for every entry. */
void custmap_foreach(struct custmap *m, void (*fn)(struct cust *, void *),
                     void *ctx);

/* A set of 64-bit hashes (XXH3 of action ids, of opt-out entries). */
struct idset *idset_new(void);
void idset_free(struct idset *s);
/* Adds h; returns 1 when it was new, 0 when already there. */
int idset_add(struct idset *s, uint64_t h);
int idset_has(const struct idset *s, uint64_t h);
void idset_clear(struct idset *s);
uint64_t emit_hash(const char *s, size_t len);

/* --- consent.c --- */

/* Loads the opt-out file (CSV: first field of each row; JSON-lines: the
 * string values of customer, id, address, email, phone). Returns NULL with
 * err set when it cannot be read. */
struct consent *consent_open(const char *path, struct eng_error *err);
void consent_free(struct consent *c);
/* Reloads the file when it changed (checked at most once a second unless
 * force). Warns (once per problem) when it cannot be read; the old list
 * stays in force. */
void consent_maybe_reload(struct consent *c, int force);
/* Returns 1 when s[0..len) is on the list. */
int consent_has(const struct consent *c, const char *s, size_t len);
size_t consent_size(const struct consent *c);

/* --- policy.c --- */

/* Returns 1 when the customer is in the control group. */
int policy_control(const struct emit_config *c, const char *customer);
/* Returns 1 when the action's ts falls in quiet hours q, and sets *until to
 * the end of the quiet period (an instant). */
int policy_quiet(const struct emit_quiet *q, const json_t *act, eng_time ts,
                 eng_time *until);
/* Returns NULL when a message on ch at ts is within the caps, else the cap
 * that holds it back ("global" or "channel"). */
const char *policy_caps(const struct emit_config *c, const struct cust *cu,
                        const struct emit_channel *ch, eng_time ts);
/* Counts a message (sent or about to be) against the caps. */
void policy_caps_add(struct cust *cu, int ch, eng_time ts);
/* Gives back a counted message (its delivery failed). */
void policy_caps_remove(struct cust *cu, int ch, eng_time ts);
/* Drops cap records older than wm - the longest window. */
void policy_caps_prune(const struct emit_config *c, struct cust *cu,
                       eng_time wm);

/* --- arbitrate.c --- */

struct arbiter *arbiter_new(void);
void arbiter_free(struct arbiter *a);
/* Holds it (taken) in its customer's group. */
void arbiter_add(struct emitter *e, struct cust *cu, struct item *it);
/* Releases the groups whose hold ended by wm (all when all is set): the
 * winner goes on to the caps, the others are suppressed. */
void arbiter_release(struct emitter *e, eng_time wm, int all);
size_t arbiter_held(const struct arbiter *a);

#endif
