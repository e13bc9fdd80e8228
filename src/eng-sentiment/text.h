/* text: the few Unicode facts VADER's tokeniser needs, on UTF-8 bytes.
 *
 * The reference is Python: str.split() splits on Unicode whitespace,
 * str.strip(string.punctuation) strips ASCII punctuation, str.isupper() and
 * str.lower() follow Unicode case. These helpers reproduce that on UTF-8
 * without building code-point arrays; ASCII takes a fast path and other
 * letters go through the C library's wide-character tables (so the process
 * must run with a UTF-8 LC_CTYPE: main() sets C.UTF-8). Invalid UTF-8 bytes
 * are never fatal: decoding reports them and callers skip them.
 */
#ifndef ENG_SENTIMENT_TEXT_H
#define ENG_SENTIMENT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the well-formed UTF-8 sequence at s[0..n) into *cp. Returns its
 * length (1..4), or 0 when the bytes there are not a well-formed sequence
 * (the caller skips one byte). n must be > 0. */
size_t text_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encodes cp as UTF-8 into out (room for 4 bytes); returns the length. */
size_t text_encode(uint32_t cp, char *out);

/* Returns 1 when cp is whitespace for Python's str.split()/str.strip(). */
int text_is_space(uint32_t cp);

/* Returns 1 for the 32 characters of Python's string.punctuation. */
int text_is_punct(uint32_t cp);

/* Writes the lower-case form of s[0..n) into out, which must have room for
 * 2*n + 4 bytes; invalid bytes are dropped. Returns the length written. */
size_t text_lower(const char *s, size_t n, char *out);

/* Returns 1 when s[0..n) is upper case as Python's str.isupper() says: at
 * least one upper-case letter and no lower- or title-case one. */
int text_isupper(const char *s, size_t n);

/* Number of code points in s[0..n) (an invalid byte counts as one). */
size_t text_cplen(const char *s, size_t n);

#endif
