#!/bin/bash
# bench/report.sh: eng-report over a pipeline's outputs, next to Miller.
#
#   input   1M events (gen-events --customers 100000 --seed 7), 1M actions
#           made from them (as bench/emit.sh makes its actions), and their
#           1M receipts from eng-emit with every policy on (control group,
#           caps, quiet hours, arbitration) to a file sink: 3M records
#   eng     eng-report over the three files (every metric: volumes, funnel
#           with attribution, lift, sentiment, topics, rejects)
#   peer    mlr stats1 computing the daily counts per channel and type over
#           the same three files (one of the metrics eng-report computes)
#   10M     eng-report reading 10M receipts (the 1M receipts ten times,
#           through a pipe): goal under one minute
# Reports the median wall seconds of BENCH_RUNS runs, records/s, peak RSS
# (GNU time) and the ratio to mlr.
#
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000), BENCH_RUNS
# (default 3), BENCH_DIR, GEN_EVENTS.
# Exit status: 0 when the benchmark ran (goals are reported, not failed),
# 2 when a program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=$(cd "${ENG_BIN:-$here/../bin}" 2>/dev/null && pwd) || {
    echo "report.sh: set ENG_BIN" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
for t in eng-report eng-emit; do
    [ -x "$ENG_BIN/$t" ] || { echo "report.sh: $ENG_BIN/$t not built" >&2; exit 2; }
done
N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || { echo "report.sh: no gen-events" >&2; exit 2; }
for p in jq mlr; do
    command -v "$p" >/dev/null || { echo "report.sh: $p is needed" >&2; exit 2; }
done
if [ -n "${BENCH_DIR:-}" ]; then dir=$BENCH_DIR; mkdir -p "$dir" || exit 2
else dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2; fi
cleanup() { [ -z "${BENCH_DIR:-}" ] && rm -rf "$dir"; }
trap cleanup EXIT

# inputs, kept between runs in BENCH_DIR (a file's .n says for which N)
ev="$dir/report-events.jsonl" act="$dir/report-actions.jsonl" rc="$dir/report-receipts.jsonl"
if ! [ -s "$rc" ] || [ "$(cat "$rc.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N events, actions and receipts in $dir ..." >&2
    "$GEN" -n "$N" --customers 100000 --seed 7 > "$ev" || exit 2
    jq -c '{id: ("act:" + .type + ":" + .customer + ":" + .id), ts, type: "action",
        rule: .type, customer, channel: (if .channel == "web" then "email" else "push" end),
        priority: (.id[-1:] | explode[0] % 5), payload: {offer: .type},
        event: {profile: {tz: "America/New_York"}}}' "$ev" > "$act" || exit 2
    cat > "$dir/report-emit.yaml" <<YAML
defaults:
  frequency: { max: 5, per: 1d }
  quiet_hours: { from: "23:00", to: "06:00", timezone: event.profile.tz, action: suppress }
control: { percent: 10, salt: "bench" }
arbitration: { by: priority, hold: 1m }
channels:
  "*": { sink: "file:/dev/null" }
YAML
    "$ENG_BIN/eng-emit" -c "$dir/report-emit.yaml" "$act" > "$rc" || exit 2
    echo "$N" > "$rc.n"
fi
records=$(cat "$ev" "$act" "$rc" | wc -l)

timed() { # name n cmd...: the median wall time in $secs, the largest RSS
    local name=$1 n=$2; shift 2
    local t0 t1 k times="" rss=0 r
    for ((k = 0; k < RUNS; k++)); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$dir/rss" "$@" > "$dir/out" 2> "$dir/err"
        t1=$(date +%s%N)
        times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
        r=$(tail -1 "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
    done
    secs=$(printf '%s\n' $times | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    peak=$((rss / 1024))
    printf '%-44s %8s s %10.0f rec/s  peak RSS %6d MB\n' "$name" "$secs" \
        "$(awk -v n="$n" -v s="$secs" 'BEGIN { print n / s }')" "$peak"
}

echo "eng-report, $records records ($(cat "$ev" "$act" "$rc" | wc -c | awk '{ printf "%d", $1 / 1048576 }') MB: events, actions, receipts), median of $RUNS runs:"
timed "eng-report (every metric)" "$records" "$ENG_BIN/eng-report" "$ev" "$act" "$rc"
eng_s=$secs eng_rss=$peak
grep -c '"metric":"funnel"' "$dir/out" | sed 's/^/  funnel records: /'
timed "mlr stats1 (daily counts per channel, type)" "$records" \
    mlr --ijsonl --ojsonl put -q 'if (is_present($channel) && is_present($type)) {
        @n[substr($ts, 0, 9)][$channel][$type] += 1 } end { emit @n, "day", "channel", "type" }' \
    "$ev" "$act" "$rc"
mlr_s=$secs mlr_rss=$peak
# the same daily counts, both ways
"$ENG_BIN/eng-report" "$ev" "$act" "$rc" | jq -r 'select(.metric == "volume") |
    "\(.period[0:10]) \(.channel) \(.type) \(.events)"' | sort > "$dir/eng-daily"
mlr --ijsonl --ojsonl put -q 'if (is_present($channel) && is_present($type) && $type != "action") {
        @n[substr($ts, 0, 9)][$channel][$type] += 1 } end { emit @n, "day", "channel", "type" }' \
    "$ev" "$act" "$rc" | jq -r '"\(.day) \(.channel) \(.type) \(.n)"' | sort > "$dir/mlr-daily"
if cmp -s "$dir/eng-daily" "$dir/mlr-daily"; then
    echo "  the daily counts agree ($(wc -l < "$dir/eng-daily") rows)"
else
    echo "  the daily counts DIFFER: diff $dir/eng-daily $dir/mlr-daily"
fi

timed "eng-report, 10x the receipts through a pipe" "$((10 * $(wc -l < "$rc")))" \
    sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat "$1"; done | "$2" --format none' sh "$rc" "$ENG_BIN/eng-report"
ten_s=$secs

r=$(awk -v a="$mlr_s" -v b="$eng_s" 'BEGIN { printf "%.2f", a / b }')
echo "eng-report at ${r}x the speed of mlr stats1, peak RSS $eng_rss MB vs $mlr_rss MB"
if awk -v s="$ten_s" 'BEGIN { exit !(s < 60) }'; then p=PASS; else p=MISS; fi
echo "$p  10M receipts in $ten_s s (goal < 60 s)"
