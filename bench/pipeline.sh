#!/bin/bash
# bench/pipeline.sh: the five stages together (issue 9), side by side with
# a five-stage `jq -c .` chain and a five-stage `cat` chain over the same
# data in the same run, and the latency of one event through the five
# stages in streaming mode.
#
#   input     gen-events -n N --customers 100000 (default N = 1,000,000)
#   pipeline  eng-ingest -f jsonl | eng-sentiment | eng-enrich (heatwave:
#             an as-of lookup of hourly weather by city, purchased
#             categories, a 10,000-row customers file with time zones) |
#             eng-match (the heatwave offer with a 7-day cooldown, an
#             angry-review case) | eng-emit (push capped at 1 per 7 days,
#             quiet hours in the customer's zone, cases to a file)
#   peers     jq -c . five times in a pipe; cat five times in a pipe
#   reports   median wall seconds and events/s of each chain; CPU seconds
#             (user+sys) of each stage of the eng pipeline (GNU time, in
#             the median run); the receipts and their statuses
#   latency   1000 events written one at a time into a running five-stage
#             pipeline (a rule that fires on every event, a file sink):
#             time from writing the event to reading its receipt, median
#             and p99 (bench/latency.py)
# Goals: the pipeline at least 2x the speed of the jq chain; median
# streaming latency under 5 ms.
#
# Usage: bench/pipeline.sh   (or: make bench-pipeline)
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N, BENCH_DIR, BENCH_RUNS (default
#   3), GEN_EVENTS, ENG_DATADIR (the VADER lexicon; default: share/eng of
#   the build tree, then of the source tree).
# Exit status: 0 when the benchmark ran (goals are reported, not failed),
# 2 when a needed program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
ENG_BIN=$(cd "$ENG_BIN" 2>/dev/null && pwd) || {
    echo "pipeline.sh: no build dir bin/ at ${ENG_BIN} (set ENG_BIN)" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
for t in eng-ingest eng-sentiment eng-enrich eng-match eng-emit; do
    [ -x "$ENG_BIN/$t" ] || { echo "pipeline.sh: $ENG_BIN/$t not built" >&2; exit 2; }
done
if [ -z "${ENG_DATADIR:-}" ]; then
    for d in "$builddir/share/eng" "$here/../share/eng"; do
        [ -f "$d/vader_lexicon.txt" ] && { ENG_DATADIR=$(cd "$d" && pwd); break; }
    done
fi
export ENG_DATADIR
find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || {
    echo "pipeline.sh: bench/gen-events not built (make bench/gen-events)" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "pipeline.sh: /usr/bin/time is needed for CPU times" >&2; exit 2; }
JQ=$(command -v jq) || JQ=
command -v python3 >/dev/null || { echo "pipeline.sh: python3 is needed for the latency run" >&2; exit 2; }

if [ -n "${BENCH_DIR:-}" ]; then
    dir=$BENCH_DIR
    mkdir -p "$dir" || exit 2
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
fi
ev="$dir/events-100k.jsonl"
if ! [ -s "$ev" ] || [ "$(cat "$ev.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N events (100,000 customers) in $dir ..." >&2
    "$GEN" -n "$N" --customers 100000 --seed 7 > "$ev" && echo "$N" > "$ev.n" || exit 2
fi

# ---------------------------------------------------------------- configs
. "$here/heatwave.sh"
heatwave_configs "$dir"
# the latency pipeline: every event fires, the message goes to a file
cat > "$dir/every.yaml" <<'YAML'
rules:
  - id: every
    when: "true"
    emit: { channel: log }
YAML
cat > "$dir/log-channel.yaml" <<'YAML'
channels:
  log: { sink: "file:latency-messages.jsonl" }
YAML

# ---------------------------------------------------------------- runs
cd "$dir" || exit 2
declare -A secs
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
stamp() { date +%s%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# chain NAME: RUNS runs of the chain NAME (a function below), median wall
# time; for the eng pipeline, each stage's CPU time of the median run
chain() {
    local name=$1 i t0 t1 all="" s
    for i in $(seq "$RUNS"); do
        rm -f push.jsonl cases.jsonl
        t0=$(stamp)
        "run_$name" "$i"
        t1=$(stamp)
        s=$(elapsed "$t0" "$t1")
        all="$all $s"
        echo "$s $i" >> "times.$name"
    done
    secs[$name]=$(echo "$all" | tr ' ' '\n' | grep . | median)
    printf '%-26s %8s s %10.0f events/s\n' "$name" "${secs[$name]}" \
        "$(awk -v n="$N" -v s="${secs[$name]}" 'BEGIN { print n / s }')"
}
cpu() { echo "$TIME -f %U+%S -o cpu.$1.$2"; }
run_eng() {
    $(cpu ingest "$1") "$ENG_BIN/eng-ingest" -q -f jsonl < "$ev" |
    $(cpu sentiment "$1") "$ENG_BIN/eng-sentiment" -q |
    $(cpu enrich "$1") "$ENG_BIN/eng-enrich" -q -c enrich.yaml |
    $(cpu match "$1") "$ENG_BIN/eng-match" -q rules.yaml |
    $(cpu emit "$1") "$ENG_BIN/eng-emit" -q -c channels.yaml > receipts.jsonl
    local st=("${PIPESTATUS[@]}") k
    for k in "${st[@]}"; do    # 1 (some records rejected) is not a failure
        [ "$k" -le 1 ] || { echo "pipeline.sh: a stage failed (exit statuses ${st[*]})" >&2; exit 2; }
    done
}
run_jq() { $JQ -c . < "$ev" | $JQ -c . | $JQ -c . | $JQ -c . | $JQ -c . > /dev/null; }
run_cat() { cat < "$ev" | cat | cat | cat | cat > /dev/null; }

rm -f times.* cpu.*
echo "five stages, $N events ($(du -m "$ev" | cut -f1) MB, 100,000 customers), median of $RUNS run(s):"
chain eng
chain cat
[ -n "$JQ" ] && chain jq || echo "jq not found: the jq chain is skipped"

# per-stage CPU of the eng run whose time was the median
mrun=$(sort -n times.eng | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
echo
echo "CPU seconds per stage (user+sys, run $mrun):"
for s in ingest sentiment enrich match emit; do
    printf '  %-12s %6.2f s\n' "eng-$s" "$(tail -1 "cpu.$s.$mrun" | awk -F+ '{ print $1 + $2 }')"
done
echo "receipts: $(wc -l < receipts.jsonl) ($(jq -r 'if .reason then "\(.status)/\(.reason)" else .status end' receipts.jsonl 2>/dev/null |
    sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'))"

# ---------------------------------------------------------------- latency
echo
rm -f latency-messages.jsonl
lat=$(python3 "$here/latency.py" 1000 \
    "$ENG_BIN/eng-ingest -q -f jsonl | $ENG_BIN/eng-sentiment -q | $ENG_BIN/eng-enrich -q -c enrich.yaml | $ENG_BIN/eng-match -q every.yaml | $ENG_BIN/eng-emit -q -c log-channel.yaml") || {
    echo "pipeline.sh: the latency run failed" >&2; lat="? ?"; }
set -- $lat
echo "streaming latency, 1000 events one at a time through five stages: median $1 ms, p99 $2 ms"

# ---------------------------------------------------------------- goals
goal() { if [ "$2" = 1 ]; then echo "PASS  $1"; else echo "MISS  $1"; fi; }
echo
if [ -n "$JQ" ]; then
    r=$(awk -v a="${secs[jq]}" -v b="${secs[eng]}" 'BEGIN { printf "%.2f", a / b }')
    goal "the pipeline at least 2x the five-stage jq chain: ${r}x" \
        "$(awk -v r="$r" 'BEGIN { print (r >= 2) }')"
fi
goal "median streaming latency under 5 ms: $1 ms" \
    "$(awk -v m="$1" 'BEGIN { print (m != "?" && m < 5) }')"
exit 0
