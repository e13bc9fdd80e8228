/* error: the one error record library functions fill in.
 *
 * Library code never prints and never exits: it returns a status (0 / -1,
 * or NULL) and describes the problem in a struct eng_error, already in the
 * house format "FILE:LINE[:COL]: message" when the problem has a place.
 * Only a tool's main() prints it (prefixed with the program name).
 */
#ifndef ENG_ERROR_H
#define ENG_ERROR_H

#include <stddef.h>

#define ENG_ERROR_MAX 1024

struct eng_error {
    char msg[ENG_ERROR_MAX];
};

/* Sets err->msg from a printf format (no place). Safe with err == NULL. */
void eng_error_set(struct eng_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets err->msg to "file:line:col: <fmt>" (":col" left out when col <= 0,
 * ":line" too when line <= 0). Safe with err == NULL. */
void eng_error_at(struct eng_error *err, const char *file, long line, long col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Clears err (msg becomes ""). */
void eng_error_clear(struct eng_error *err);

#endif
