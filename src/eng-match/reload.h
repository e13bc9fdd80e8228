/* reload: SIGHUP re-reads the rule file between two events (streaming use).
 * The handler only sets a flag; the input loop calls reload_rules when it
 * is set. A rule file that no longer loads keeps the old rules, with a
 * warning. State moves to the new rules by id: an unchanged rule keeps it,
 * a changed one starts fresh (a warning), a removed one's state goes
 * (match.c, matcher_swap_rules; state.c for the file).
 */
#ifndef ENG_MATCH_RELOAD_H
#define ENG_MATCH_RELOAD_H

#include <stdint.h>

#include "match.h"

/* Installs the SIGHUP handler; path is the rule file (borrowed). */
void reload_init(const char *path);
/* Returns 1 when a SIGHUP arrived since the last reload. */
int reload_pending(void);
/* Re-reads the rule file into m (see above). */
void reload_rules(struct matcher *m);
/* Returns the wall clock in ms since the epoch (--now wall). */
int64_t reload_wall_ms(void);

#endif
