/* error: formatting of struct eng_error (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void eng_error_set(struct eng_error *err, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void eng_error_at(struct eng_error *err, const char *file, long line, long col,
                  const char *fmt, ...)
{
    va_list ap;
    int n;
    if (!err)
        return;
    if (line > 0 && col > 0)
        n = snprintf(err->msg, sizeof err->msg, "%s:%ld:%ld: ", file, line, col);
    else if (line > 0)
        n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, line);
    else
        n = snprintf(err->msg, sizeof err->msg, "%s: ", file);
    if (n < 0 || (size_t)n >= sizeof err->msg)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    va_end(ap);
}

void eng_error_clear(struct eng_error *err)
{
    if (err)
        err->msg[0] = '\0';
}
