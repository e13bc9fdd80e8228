/* cep: eng-match's keyed state, in memory: per (rule, key) the pending
 * sequence instances, the count window and the cooldown's last firing time,
 * plus one min-heap (4-ary) of timed instances (absence deadlines and `within`
 * expiries) across all keys (RULES.md, Semantics).
 *
 * Layout (issue 6: 100k keys in well under 200 MB, one lookup per event).
 * Keyed rules that share a key path form a key group; each group has one
 * hash table from the tagged key to a kent, which holds that key's kstates
 * in a small array ordered by rule. So an event finds all the state of its
 * key with one lookup per group (match.c), and sees at once which sequences
 * have instances pending (the slots' pend flags), without touching the
 * others. A bound event keeps its id (and with --state its line's bytes,
 * to save them as they came) in one allocation, and
 * as a jansson value only the top-level members that later conditions and
 * the templates read (cond; found at compile time by scanning their text
 * for alias.FIELD and {{FIELD}}; any other use keeps the whole event). An
 * action is then built from those members: no event is parsed again.
 *
 * The watermark rule. wm = max(ts seen) - lateness, raised by --now, never
 * lowered. Before an event is evaluated, every heap entry with due < wm (the
 * watermark strictly later) is taken in the order (due, key text, rule
 * order, creation order): an absence fires with ts = due, an instance whose
 * next step's `within` passed is dropped silently. So an absence's action
 * comes out before the actions of the event that revealed it was due, and
 * the order of absence actions does not depend on the order of arrival.
 *
 * Invariants:
 *   1. a kstate lives in its kent's slots while it holds anything
 *      (instances, window entries, a cooldown); emptied ones are removed by
 *      cep_collect, and a kent without kstates leaves its group's table;
 *   2. heap entries are never removed early: an entry is stale when its
 *      instance is dead or has moved on (another step count); instances are
 *      reference counted (list + heap entries) so a stale entry stays valid
 *      memory, and so is its kstate (irefs) and kent (refs) for the tie
 *      order;
 *   3. every change to a kstate marks it dirty, so the write-back to the
 *      state file (state.c) sees exactly what changed since the last one;
 *   4. creation order (cseq) is global and persists, so ties order the same
 *      across runs;
 *   5. a slot's pend flag is set exactly when its kstate has instances.
 */
#ifndef ENG_MATCH_CEP_H
#define ENG_MATCH_CEP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actions.h"
#include "expr.h"
#include "hmap.h"
#include "rules.h"
#include "template.h"

#define CEP_NO_TIME INT64_MIN

/* An event bound to a step, kept small (issue 6): its id and its line's
 * bytes in one allocation, parsed again only when an action fires, plus the
 * members that later steps' conditions read through its alias (cond: an
 * object of just those members, or the whole event when the conditions use
 * the alias in a way the text scan cannot narrow down; NULL when no later
 * condition names the alias). */
struct bound {
    int64_t ts;
    char *blob;                 /* id bytes, then the line's bytes (kept
                                   only with keep_lines; raw_len 0 else) */
    uint32_t id_len, raw_len;
    json_t *cond;               /* own reference, or NULL */
};

struct kstate;

struct inst {                   /* a pending sequence instance */
    struct inst *prev, *next;   /* the kstate's list, in creation order */
    struct kstate *ks;
    uint64_t cseq;
    size_t k;                   /* steps bound */
    int alive, refs;
    struct bound b[];           /* rule.nsteps */
};

struct winent {                 /* a counted event */
    int64_t ts;
    char *id;
};

/* One key of one key group (the rules sharing a key path): found with one
 * hash lookup per event, it lists the key's rule states in rule order. */
struct kslot {                  /* one rule's state in a kent */
    uint32_t rule;
    uint32_t pend;              /* the kstate has pending instances */
    struct kstate *ks;
};

struct kent {
    struct kslot *slot;         /* live kstates, by rule order: contiguous,
                                   so an event reads them without chasing
                                   pointers */
    size_t n, cap;
    json_t *key;                /* the key's value (own reference) */
    size_t refs;                /* kstate structs still allocated */
    size_t npend;               /* slots with pend set */
    int inmap;
    size_t group;
    size_t tklen;
    char tkey[];                /* type tag ('s' or 'j') + key text */
};

struct kstate {
    size_t rule;
    struct kent *ke;            /* its key (tkey, key borrowed from it) */
    const char *tkey;           /* type tag ('s' or 'j') + key text */
    size_t tklen;
    const json_t *key;          /* the key's value */
    int64_t seen;               /* latest ts that reached this state */
    int has_cd;
    int64_t cd_t;               /* last firing, when has_cd */
    struct inst *head, *tail;
    size_t ninst;
    struct winent *win;
    size_t nwin, capwin;
    int dirty, detached;
    size_t irefs;               /* inst structs still allocated */
};

/* One firing, handed to the fire hook. All borrowed. */
struct cep_firing {
    const struct rule *r;
    const struct kstate *ks;
    int64_t ts_ms;
    const json_t *ev;           /* completing event: templates, customer */
    const char *raw;            /* its bytes when it is the current event */
    size_t raw_len;
    const json_t *const *aliases;   /* r->naliases values (NULL: unbound) */
    const char *const *trig;
    const size_t *trig_len;
    size_t ntrig;
};

struct cep_hooks {
    void *ctx;
    /* writes the action; 0 or -1 (write error, errno kept) */
    int (*fire)(void *ctx, const struct cep_firing *f);
    /* a condition error of rule r for event id */
    void (*error)(void *ctx, struct rule *r, const char *id, size_t len,
                  const char *msg);
};

/* The current event, as the matcher prepared it. Borrowed. */
struct cep_event {
    const json_t *ev;
    const char *raw;
    size_t raw_len;
    int64_t ts;
    const char *id;
    size_t id_len;
};

/* What a bound event keeps for the conditions of later steps. */
struct bneed {
    int whole;                  /* the whole event */
    size_t n;                   /* else these top-level members (0: none) */
    char **names;
};

/* What a sequence's later steps require of an event (cep.c, later_can):
 * every step after the first has a conjunct FIELD == literal on the same
 * top-level field, whose literals are these; an event whose FIELD is a
 * string or an integer equal to none of them can neither advance nor
 * cancel an instance, so its pending instances are not tested. */
struct lfilter {
    const char *field;          /* NULL: no filter */
    struct eng_expr_eq *vals;   /* the literals (borrowed from the rules) */
    size_t n;
};

struct cep {
    struct ruleset *rs;         /* borrowed */
    size_t ngroups;             /* distinct key paths of keyed rules */
    const struct eng_path **gpath;  /* per group: its path (borrowed) */
    size_t *rgroup;             /* per rule: its group (keyed rules) */
    struct hmap *maps;          /* per group: tagged key -> struct kent * */
    struct bneed **need;        /* per rule, per step */
    struct lfilter *later;      /* per rule: its later steps' filter */
    struct heap_ent *heap;
    size_t nheap, capheap;
    struct kstate **dirty;
    size_t ndirty, capdirty;
    int64_t wm, maxts;          /* CEP_NO_TIME until the first event */
    uint64_t cseq;              /* next creation number */
    int64_t ttl_ms;             /* --state-ttl; 0: none */
    struct eng_expr_ctx *ctx;
    const json_t **av;          /* alias scratch */
    json_t *empty;              /* {}: an absence's event when nothing is read */
    int with_event;             /* actions carry the event (--with-event) */
    int keep_lines;             /* bound events keep their line's bytes, to
                                   save them as they came (--state) */
    const char **trig;          /* trigger scratch */
    size_t *trig_len;
    size_t ntrigcap;
    struct cep_hooks hooks;
    /* counts */
    unsigned long long pending, dropped, cooled;
};

/* Returns new empty state over rs (borrowed; must outlive it). */
struct cep *cep_new(struct ruleset *rs, const struct cep_hooks *hooks,
                    int with_event);
void cep_free(struct cep *c);

/* Returns the kstate of rule for the tagged key, creating it (keyval is
 * borrowed and referenced when created) unless create is 0 (then NULL when
 * there is none). */
struct kstate *cep_kstate(struct cep *c, size_t rule, const char *tkey,
                          size_t tklen, const json_t *keyval, int create);
/* The same in two steps: the kent of key group g (NULL when absent and not
 * create), then rule's kstate in it. Borrowed. */
struct kent *cep_kent(struct cep *c, size_t g, const char *tkey, size_t tklen,
                      const json_t *keyval, int create);
struct kstate *cep_kent_rule(struct cep *c, struct kent *ke, size_t rule,
                             int create);

/* Raises the watermark to wm (never lowers it) and handles the heap entries
 * now due. Returns 0, or -1 when the fire hook failed. */
int cep_advance(struct cep *c, int64_t wm);

/* Evaluates the current event against sequence rule ks->rule; step1 is 0
 * when the rule index ruled out step 1 for this event (so it is not
 * tested). 0 or -1. */
int cep_sequence(struct cep *c, struct kstate *ks, const struct cep_event *e,
                 int step1);
/* Adds the current event (which matched the count's condition) to the
 * count rule's window, and fires when it is full. 0 or -1. */
int cep_count(struct cep *c, struct kstate *ks, const struct cep_event *e);
/* Decides a firing of ks's rule at ts: 1 fires (T moves to ts), 0 is held
 * back by the cooldown (counted). */
int cep_cooldown(struct cep *c, struct kstate *ks, int64_t ts);

/* Marks ks changed (for the write-back) and notes ts as seen. */
void cep_touch(struct cep *c, struct kstate *ks, int64_t ts);

/* Removes what can no longer matter (count entries and cooldowns the
 * watermark passed, keys idle past the ttl), marking what changed. */
void cep_sweep(struct cep *c);

/* For each dirty kstate, calls put (a live one) or del (an emptied one,
 * which is then removed from memory); hooks may be NULL. Returns 0, or the
 * first hook's -1 (the rest stay dirty). */
int cep_collect(struct cep *c, int (*put)(void *, struct kstate *),
                int (*del)(void *, struct kstate *), void *ctx);

/* Appends ks's saved form (binary, see cep.c) to out. */
void cep_kstate_save(const struct cep *c, const struct kstate *ks,
                     struct eng_tmpl_buf *out);
/* Restores rule's state for the tagged key from its saved form: the binary
 * one of cep_kstate_save, or (is_json) the JSON text of earlier versions.
 * Returns 0, or -1 when data is damaged. */
int cep_kstate_load(struct cep *c, size_t rule, const char *tkey, size_t tklen,
                    const void *data, size_t len, int is_json);

#endif
