#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [NAME...]: builds the libFuzzer harnesses
# (build.sh) and, for each one (default: all), first replays its regression
# inputs tests/fuzz/regress/NAME/*, then fuzzes it for SECONDS (default 60)
# starting from its seeds tests/fuzz/corpus/NAME/. Prints one line per
# harness: executions, coverage (libFuzzer's last "cov:"), crashes. Exit 1
# when a regression input fails or fuzzing found a crash, leak or timeout.
#
# Nothing is written into the tree: the build goes to $FUZZ_BUILD (default
# /tmp/eng-fuzz), the growing corpora, logs and crash inputs to $FUZZ_OUT
# (default /tmp/eng-fuzz-out): NAME/corpus, NAME/log, NAME/crash-* ...
# FUZZ_FLAGS adds libFuzzer flags (e.g. -detect_leaks=0).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${1:-60}
[ $# -gt 0 ] && shift
BUILD=${FUZZ_BUILD:-/tmp/eng-fuzz}
OUT=${FUZZ_OUT:-/tmp/eng-fuzz-out}
ALL="jsonl jsonscan project csv clf config mapping rules enrich_conf emit_config
     topics expr template vader"
NAMES=${*:-$ALL}

mkdir -p "$OUT"
sh "$HERE/build.sh" "$BUILD" >"$OUT/build.log" 2>&1 || {
    cat "$OUT/build.log" >&2
    echo "fuzz: build failed" >&2
    exit 2
}

status=0
printf '%-12s %10s %8s %8s %s\n' harness execs cov crashes regress
for n in $NAMES; do
    bin=$BUILD/$n
    d=$OUT/$n
    mkdir -p "$d/corpus"
    # regressions first: each file is run once; any failure fails the run
    reg=-
    if [ -d "$HERE/regress/$n" ] && [ -n "$(ls -A "$HERE/regress/$n")" ]; then
        if "$bin" -runs=1 "$HERE/regress/$n"/* >"$d/regress.log" 2>&1; then
            reg="ok($(ls "$HERE/regress/$n" | wc -l))"
        else
            reg=FAILED
            status=1
        fi
    fi
    before=$(ls "$d" | grep -cE '^(crash|leak|timeout|oom)-')
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$d/" ${FUZZ_FLAGS:-} \
        "$d/corpus" "$HERE/corpus/$n" >"$d/log" 2>&1
    rc=$?
    after=$(ls "$d" | grep -cE '^(crash|leak|timeout|oom)-')
    crashes=$((after - before))
    [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1   # died another way
    [ "$crashes" -gt 0 ] && status=1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$d/log" | tail -1 | cut -d' ' -f2)
    printf '%-12s %10s %8s %8s %s\n' "$n" "${execs:-?}" "${cov:-?}" \
        "$crashes" "$reg"
    [ "$crashes" -gt 0 ] && grep -m1 -E 'ERROR|runtime error|Assertion' \
        "$d/log" | sed 's/^/    /'
done
[ "$status" -ne 0 ] && echo "fuzz: failures; inputs and logs in $OUT" >&2
exit "$status"
