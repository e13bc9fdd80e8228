/* jpool: a small-object allocator for jansson's values.
 *
 * A parsed event costs jansson some 30 small allocations (the object, its
 * hash table, a pair and a value per member, a copy per string), all freed
 * when the event is done; at a million events glibc's malloc and free are
 * a fifth of eng-match's time (issue 6), and much of eng-enrich's. jpool
 * keeps freed blocks on a free list per size class (16-byte steps up to
 * 256 bytes) and carves new ones from 64 KiB chunks; larger blocks go to
 * malloc. Freed memory is
 * reused, not given back to the system: peak use is what it would be.
 *
 * Not used when built with AddressSanitizer, or when ENG_MALLOC=system is
 * set (tests/run sets it under valgrind), so leak checkers still see each
 * jansson value.
 */
#ifndef ENG_JPOOL_H
#define ENG_JPOOL_H

/* Defined when the pool stays off at build time (AddressSanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define ENG_JPOOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENG_JPOOL_OFF 1
#endif
#endif

/* Makes jansson allocate through the pool (once, before any jansson value
 * is made; a no-op in the cases above). The process owns the pool until
 * it exits. A tool that installs it frees the text of json_dumps with
 * eng_json_free, never free (eng-match and eng-enrich install it; they
 * and the libeng code they run do so). */
void eng_jpool_install(void);

/* Frees memory jansson allocated for the caller (json_dumps' text) with
 * jansson's current free function: the pool's or the system's. */
void eng_json_free(void *p);

#endif
