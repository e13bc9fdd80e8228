/* cooldown: per rule and key, the event time of the last firing, so a rule
 * that fired for a key at T does not fire again for that key before
 * T + cooldown (RULES.md, Cooldown). Kept in memory for the run; the state
 * file (--state) comes with the stateful rules.
 *
 * Invariants (each one tested in tests/eng-match.bats):
 *   1. a firing with ts < T + cooldown is held back, also when ts < T (an
 *      out-of-order event) and also for a 0s cooldown (then only ts < T);
 *   2. a held-back firing does not move T;
 *   3. keys are compared as their text with a type tag, so the string "42"
 *      and the number 42 are different keys.
 */
#ifndef ENG_MATCH_COOLDOWN_H
#define ENG_MATCH_COOLDOWN_H

#include <stddef.h>
#include <stdint.h>

struct cooldowns;

/* Returns new cooldown state for nrules rules. */
struct cooldowns *cooldowns_new(size_t nrules);
void cooldowns_free(struct cooldowns *c);

/* Decides a firing of rule at ts_ms for the key (tagged key bytes). Returns
 * 1 when it may fire (and records ts_ms as T), 0 when it is held back. */
int cooldown_try(struct cooldowns *c, size_t rule, int64_t cooldown_ms,
                 const char *key, size_t klen, int64_t ts_ms);

#endif
