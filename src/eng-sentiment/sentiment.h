/* sentiment: eng-sentiment's loop over the input, one event a line.
 *
 * Per line: check it (too long, NUL, invalid UTF-8), find the text with
 * jsonscan (no DOM: the top-level members, and nested objects scanned in
 * turn for a dotted --field), unescape only that string, score it, and
 * splice the new members in (eng_writer_splice). Two cases take the DOM
 * path (jansson) instead: a --field with an index step, and an event that
 * already has the --into key or "topics" (the new value replaces it, so
 * the output never has a duplicate key).
 *
 * Invalid UTF-8: the line is kept, each invalid byte replaced by U+FFFD
 * (so the output is valid JSON), the text scored on its valid parts, and
 * the event counted in utf8_repaired.
 *
 * Conservation: in == scored + skipped + rejected.
 */
#ifndef ENG_SENTIMENT_SENTIMENT_H
#define ENG_SENTIMENT_SENTIMENT_H

#include "annotate.h"
#include "cli.h"
#include "emoji.h"
#include "jsonl.h"
#include "lexicon.h"
#include "path.h"
#include "rejects.h"
#include "topics.h"
#include "vader.h"

struct sentiment {
    struct eng_cli *cli;
    struct eng_path *field, *into;
    struct lexicon *lex;
    struct emoji *emoji;
    struct topics *topics;
    struct vader *vader;
    struct eng_writer *out;
    struct eng_rejects *rej;
    double neg_t, pos_t;
    int explain;
    unsigned long long in, scored, skipped, rejected, repaired;
    int fatal;                  /* exit status that stops the run, or 0 */
    struct eng_error err;
    /* buffers reused from line to line */
    struct abuf fix, text, obj, members, tmp;
    unsigned char *hits;
};

/* Sets defaults (thresholds -0.05,0.05); cli is borrowed. */
void sentiment_init(struct sentiment *st, struct eng_cli *cli);
/* Frees everything st owns (NULL members are fine). */
void sentiment_free(struct sentiment *st);
/* Runs the loop over the file at path ("-": stdin). Sets st->fatal on a
 * read or write error. */
void sentiment_run_file(struct sentiment *st, const char *path);
/* Processes one line (exposed for tests). 0, or -1 when the run must stop
 * (st->fatal set). */
int sentiment_line(struct sentiment *st, const struct eng_line *ln,
                   const char *source);

#endif
