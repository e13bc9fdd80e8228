/* arbitrate: `arbitration: {by: priority, hold: DUR}`. When rules fire
 * several actions for one customer close together, only the best one
 * should reach them.
 *
 *   on an action a for customer c (it passed consent, control, quiet hours):
 *     if c has an open group g and a.ts < g.t0 + hold: add a to g
 *     else: open a group g with t0 = a.ts, deadline = t0 + hold
 *   whenever the watermark (the latest event time seen) reaches a group's
 *   deadline, and for every group at end of input:
 *     winner = highest priority, ties: the earliest ts, then the first read
 *     the winner goes on to the frequency caps; the others are suppressed
 *     (reason lower-priority, "by": the winner's id); receipts come out in
 *     the order the group's actions were read.
 *
 * Groups wait in a binary min-heap ordered by (deadline, creation), so
 * releasing is O(log n) per group however many customers are open.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct group {
    struct cust *cu;
    eng_time deadline;
    unsigned long long seq;
    struct item *head, *tail;
};

struct arbiter {
    struct group **heap;
    size_t n, cap;
    unsigned long long seq;
    size_t held;
};

struct arbiter *arbiter_new(void)
{
    struct arbiter *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    return a;
}

void arbiter_free(struct arbiter *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        struct item *it = a->heap[i]->head;
        while (it) {
            struct item *nx = it->next;
            item_free(it);
            it = nx;
        }
        free(a->heap[i]);
    }
    free(a->heap);
    free(a);
}

static int before(const struct group *x, const struct group *y)
{
    return x->deadline < y->deadline ||
           (x->deadline == y->deadline && x->seq < y->seq);
}

static void push(struct arbiter *a, struct group *g)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        if (!(a->heap = realloc(a->heap, a->cap * sizeof *a->heap)))
            abort();
    }
    size_t i = a->n++;
    while (i > 0 && before(g, a->heap[(i - 1) / 2])) {
        a->heap[i] = a->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    a->heap[i] = g;
}

static struct group *pop(struct arbiter *a)
{
    struct group *top = a->heap[0], *last = a->heap[--a->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct group *best = last;
        if (l < a->n && before(a->heap[l], best)) {
            m = l;
            best = a->heap[l];
        }
        if (r < a->n && before(a->heap[r], best))
            m = r;
        if (m == i)
            break;
        a->heap[i] = a->heap[m];
        i = m;
    }
    if (a->n)
        a->heap[i] = last;
    return top;
}

void arbiter_add(struct emitter *e, struct cust *cu, struct item *it)
{
    struct arbiter *a = e->arb;
    struct group *g = cu->grp;
    it->next = NULL;
    if (g && it->ts < g->deadline) {
        g->tail->next = it;
        g->tail = it;
    } else {
        if (!(g = calloc(1, sizeof *g)))
            abort();
        g->cu = cu;
        g->deadline = it->ts + e->cfg->hold_ms;
        g->seq = a->seq++;
        g->head = g->tail = it;
        /* an older group of this customer still open (out-of-order input)
         * stays in the heap; the customer points at the newest */
        cu->grp = g;
        push(a, g);
    }
    a->held++;
}

static int better(const struct item *x, const struct item *y)
{
    if (x->priority != y->priority)
        return x->priority > y->priority;
    if (x->ts != y->ts)
        return x->ts < y->ts;
    return x->seq < y->seq;
}

static void release(struct emitter *e, struct group *g)
{
    struct item *win = g->head;
    for (struct item *it = g->head; it; it = it->next)
        if (better(it, win))
            win = it;
    struct item *it = g->head;
    while (it) {
        struct item *nx = it->next;
        it->next = NULL;
        e->arb->held--;
        if (it == win) {
            emitter_after_arbitration(e, it);
        } else {
            it->status = ST_SUPPRESSED;
            it->reason = "lower-priority";
            if (!(it->by = strdup(win->id)))
                abort();
            emitter_enqueue(e, it);
        }
        it = nx;
    }
    if (g->cu->grp == g)
        g->cu->grp = NULL;
    free(g);
}

void arbiter_release(struct emitter *e, eng_time wm, int all)
{
    struct arbiter *a = e->arb;
    while (a && a->n && (all || a->heap[0]->deadline <= wm))
        release(e, pop(a));
}

size_t arbiter_held(const struct arbiter *a)
{
    return a ? a->held : 0;
}
