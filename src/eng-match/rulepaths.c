/* rulepaths: the member paths eng-match's rules read (rulepaths.h). */
#include <stdlib.h>
#include <string.h>

#include "rulepaths.h"

/* A template path resolves as `event.f...`, then `alias.f...` (another
 * event, parsed the same way), then `f...` (RULES.md, Templates). */
static void add_template(struct eng_projection *p, const struct rule *r,
                         const struct eng_template *t)
{
    for (size_t i = 0; t && i < eng_template_nfields(t); i++) {
        const struct eng_path *path = eng_template_field(t, i);
        const char *k0 = eng_path_key(path, 0);
        int via = k0 && strcmp(k0, "event") == 0;
        for (size_t a = 0; k0 && !via && a < r->naliases; a++)
            via = strcmp(k0, r->aliases[a]) == 0;
        eng_projection_add_path(p, path, via ? 1 : 0);
    }
}

static void add_pnode(struct eng_projection *p, const struct rule *r,
                      const struct pnode *pn)
{
    if (pn->kind == PN_TMPL)
        add_template(p, r, pn->tmpl);
    for (size_t i = 0; (pn->kind == PN_OBJ || pn->kind == PN_ARR) && i < pn->n;
         i++)
        add_pnode(p, r, &pn->kids[i]);
}

void match_projection_init(struct eng_projection *p, const struct ruleset *rs,
                           int with_event)
{
    eng_projection_init(p);
    const char *off = getenv("ENG_MATCH_PARSE_WHOLE");
    p->whole = !rs || with_event || (off && strcmp(off, "1") == 0);
    /* what eng-match itself reads: the time, the trigger id, the action's
     * customer, the --state high-water mark */
    static const char *const own[] = { "ts", "id", "customer", "source" };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        eng_projection_add_name(p, own[i]);
    for (size_t i = 0; rs && i < rs->n && !p->whole; i++) {
        const struct rule *r = &rs->rules[i];
        eng_projection_add_expr(p, r->when);
        for (size_t s = 0; s < r->nsteps; s++)
            eng_projection_add_expr(p, r->steps[s].when);
        if (r->key)
            eng_projection_add_path(p, r->key, 0);
        add_template(p, r, r->channel);
        add_pnode(p, r, &r->payload);
    }
    eng_projection_done(p);
}
