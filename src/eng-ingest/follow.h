/* follow: --follow, keep reading a file as it grows, like `tail -F`.
 *
 * A follower owns an fd on the file and hands it to an eng_reader through a
 * pipe-like contract: follow_read() behaves like read(2) but, at end of file,
 * waits (polling every 200 ms; inotify would be a later refinement) instead of
 * returning 0, and:
 *   - truncation (size < our offset): reopen from the start;
 *   - rotation (the name now points at a different inode, or the file is
 *     gone and comes back): finish the old file to its end, then open the new
 *     one from its start;
 *   - a file missing at start is waited for.
 * It returns 0 (end) only when a SIGINT/SIGTERM is pending.
 */
#ifndef ENG_INGEST_FOLLOW_H
#define ENG_INGEST_FOLLOW_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct follower;

/* Starts following path. Returns NULL with err set on a hard error. */
struct follower *follow_open(const char *path, struct eng_error *err);
/* Reads up to n bytes. Blocks (polling) at end of file. Returns bytes read,
 * 0 when interrupted by a signal, -1 on a read error (errno set). */
long follow_read(void *follower, void *buf, size_t n); /* an eng_read_fn */
void follow_close(struct follower *f);

#endif
