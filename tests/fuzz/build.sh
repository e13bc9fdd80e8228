#!/bin/sh
# tests/fuzz/build.sh [BUILDDIR]: builds every libFuzzer harness of
# tests/fuzz/*.c with clang (ASan + UBSan, UB is fatal) into BUILDDIR
# (default /tmp/eng-fuzz). libeng and each tool's modules (all but main.c, as
# listed in Makefile.am) are compiled once into archives, then each harness
# is linked against the ones it needs. CC overrides clang, FUZZ_CFLAGS adds
# flags. The sources are the tree this script sits in.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-/tmp/eng-fuzz}
CC=${CC:-clang}
JOBS=${JOBS:-2}
mkdir -p "$OUT/obj"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# Of configure's -D flags (Makefile DEFS) the sources only rely on
# _GNU_SOURCE; ENG_DATADIR (AM_CPPFLAGS) points at the source tree's
# share/eng. -ffp-contract=off as for eng-sentiment (harmless elsewhere).
# The quotes around ENG_DATADIR's value are literal on purpose (the macro is
# a C string); no path here may contain blanks.
# shellcheck disable=SC2089,SC2090
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -ffp-contract=off -D_GNU_SOURCE=1 \
 -DENG_DATADIR=\"$SRC/share/eng\" -I$SRC/src/lib \
 $(pkg-config --cflags jansson yaml-0.1 libpcre2-8 sqlite3 libcurl) ${FUZZ_CFLAGS:-}"
export CC CFLAGS
LIBS="$(pkg-config --libs jansson yaml-0.1 libpcre2-8 sqlite3 libcurl) -lcsv -lxxhash -lm -lpthread"

# archive NAME INCDIR SOURCES...: compiles SOURCES (fuzzer-no-link) into
# $OUT/obj/NAME.a, in parallel, only when a source is newer than the archive.
archive() {
    name=$1 inc=$2
    shift 2
    a="$OUT/obj/$name.a"
    stale=0
    [ -f "$a" ] || stale=1
    for s in "$@"; do
        [ "$stale" = 1 ] || [ "$SRC/$s" -nt "$a" ] && stale=1
    done
    for h in "$SRC"/src/lib/*.h "$SRC/$inc"/*.h; do
        [ "$stale" = 1 ] || [ "$h" -nt "$a" ] && stale=1
    done
    [ "$stale" = 1 ] || return 0
    mkdir -p "$OUT/obj/$name"
    rm -f "$OUT/obj/$name"/*.o "$a"
    # shellcheck disable=SC2016
    printf '%s\n' "$@" | xargs -P "$JOBS" -I{} sh -c '
        o=$2/$(basename "$1" .c).o
        $CC $CFLAGS -fsanitize=fuzzer-no-link -I"$3" -c "$1" -o "$o"
    ' sh {} "$OUT/obj/$name" "$SRC/$inc"
    ar cr "$a" "$OUT/obj/$name"/*.o
    echo "built $a"
}

cd "$SRC"
LIB_SRC=$(ls src/lib/*.c)
archive libeng src/lib $LIB_SRC
archive ingest src/eng-ingest $(ls src/eng-ingest/*.c | grep -v '/main\.c$')
archive match src/eng-match $(ls src/eng-match/*.c | grep -v '/main\.c$')
archive enrich src/eng-enrich $(ls src/eng-enrich/*.c | grep -v '/main\.c$')
archive emit src/eng-emit $(ls src/eng-emit/*.c | grep -v '/main\.c$')
archive sentiment src/eng-sentiment $(ls src/eng-sentiment/*.c | grep -v '/main\.c$' | grep -v '/sentiment\.c$')

# harness TOOL-ARCHIVE|- INCDIR: links tests/fuzz/NAME.c
link() {
    name=$1 tool=$2 inc=$3
    set -- "$OUT/obj/libeng.a"
    [ "$tool" = - ] || set -- "$OUT/obj/$tool.a" "$@"
    # shellcheck disable=SC2086
    $CC $CFLAGS -fsanitize=fuzzer -I"$SRC/$inc" -DENG_SRCDIR="\"$SRC\"" \
        "$SRC/tests/fuzz/$name.c" "$@" $LIBS -o "$OUT/$name"
    echo "built $OUT/$name"
}

link jsonl - src/lib
link jsonscan - src/lib
link project - src/lib
link config - src/lib
link expr - src/lib
link template - src/lib
link csv ingest src/eng-ingest
link clf ingest src/eng-ingest
link mapping ingest src/eng-ingest
link rules match src/eng-match
link enrich_conf enrich src/eng-enrich
link emit_config emit src/eng-emit
link topics sentiment src/eng-sentiment
link vader sentiment src/eng-sentiment
