# test_helper.bash: loaded by every bats suite (`load test_helper`).
#
# tests/run exports:
#   ENG_BIN       the built tools (bin/ of the build tree), also first in PATH
#   ENG_SRCDIR    the source tree (for fixtures and share/)
#   ENG_DATADIR   share/eng of the source tree (shipped data)
#   ENG_TESTDATA  tests/data of the source tree (fixtures)
#   ENG_SHARED    ../shared beside the source tree, when present
# Each test gets its own scratch directory in $BATS_TEST_TMPDIR.

bats_load_library bats-support
bats_load_library bats-assert

: "${ENG_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${ENG_BIN:=$ENG_SRCDIR/bin}"
: "${ENG_DATADIR:=$ENG_SRCDIR/share/eng}"
: "${ENG_TESTDATA:=$ENG_SRCDIR/tests/data}"
export ENG_DATADIR
PATH="$ENG_BIN:$PATH"

# skip_without_shared WHAT: skip the test when ../shared is not beside the
# source tree (a user's clone), saying what it would have checked.
skip_without_shared() {
    if [ -z "${ENG_SHARED:-}" ] || [ ! -d "$ENG_SHARED" ]; then
        skip "../shared is not present: $1 runs in CI"
    fi
}

# skip_when_sanitized WHAT: skip the test when the tools are built with
# AddressSanitizer (CI's second pass) or run under valgrind (make
# check-valgrind): shadow memory and quarantine make peak RSS grow with the
# work done, so memory bounds say nothing there. The plain build (make
# check) runs the test.
skip_when_sanitized() {
    if ldd "$ENG_BIN/eng-ingest" 2>/dev/null | grep -q 'libasan'; then
        skip "built with AddressSanitizer: $1 is checked by the plain build"
    fi
    if [ -n "${ENG_VALGRIND:-}" ]; then
        skip "under valgrind: $1 is checked by the plain build"
    fi
}
