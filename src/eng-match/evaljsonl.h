/* evaljsonl: eng-match --eval-jsonl, the conformance entry point of the rule
 * language (../shared/cel/EVAL-JSONL.md): one {"expr", "bindings"} object per
 * input line, one {"value", "type"} or {"error"} line out per input line.
 */
#ifndef ENG_EVALJSONL_H
#define ENG_EVALJSONL_H

#include "error.h"
#include "jsonl.h"

/* Answers every line of in on out, in order, flushing after each answer.
 * A bad line (not JSON, no string "expr", a compile or evaluation error) is
 * answered with {"error": ...} and does not stop the run. Returns 0 at the end
 * of input, -1 on a read or write error (err says why). */
int evaljsonl_run(struct eng_reader *in, struct eng_writer *out,
                  struct eng_error *err);

#endif
