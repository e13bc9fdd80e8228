#!/bin/bash
# bench/report.sh: eng-report over the heatwave pipeline's outputs, next to
# Miller.
#
#   input   1M events (gen-events --customers 100000 --seed 7, as
#           bench/pipeline.sh) through the heatwave pipeline of
#           bench/heatwave.sh (eng-ingest | eng-sentiment | eng-enrich |
#           eng-match | eng-emit, with a 10% control group added to its
#           channels): the enriched events, the actions and the receipts,
#           each teed to a file
#   eng     eng-report over the three files (every metric: volumes, funnel
#           with attribution, lift, sentiment, topics, rejects)
#   peer    mlr stats1 computing the daily counts per channel and type over
#           the same three files (one of the metrics eng-report computes);
#           both ways' counts are compared
#   10M     eng-report reading 10M receipts through a pipe: the receipts of
#           1M actions made from the events (every policy on: control
#           group, caps, quiet hours, arbitration), ten times over, each copy
#           moved to a later year so the stream stays in time order: goal
#           under one minute, and memory bounded (attribution settles)
# Reports the median wall seconds of BENCH_RUNS runs, records/s, peak RSS
# (GNU time) and the ratio to mlr.
#
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000), BENCH_RUNS
# (default 3), BENCH_DIR, GEN_EVENTS, ENG_DATADIR (the VADER lexicon).
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

if [ -z "${ENG_DATADIR:-}" ]; then
    for d in "$builddir/share/eng" "$here/../share/eng"; do
        [ -f "$d/vader_lexicon.txt" ] && { ENG_DATADIR=$(cd "$d" && pwd); break; }
    done
fi
export ENG_DATADIR

# inputs, kept between runs in BENCH_DIR (a file's .n says for which N)
raw="$dir/events-100k.jsonl"
if ! [ -s "$raw" ] || [ "$(cat "$raw.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N events (100,000 customers) in $dir ..." >&2
    "$GEN" -n "$N" --customers 100000 --seed 7 > "$raw" && echo "$N" > "$raw.n" || exit 2
fi
ev="$dir/report-events.jsonl" act="$dir/report-actions.jsonl" rc="$dir/report-receipts.jsonl"
if ! [ -s "$rc" ] || [ "$(cat "$rc.n" 2>/dev/null)" != "$N" ]; then
    echo "running the heatwave pipeline over $N events ..." >&2
    . "$here/heatwave.sh"
    heatwave_configs "$dir"
    { cat "$dir/channels.yaml"; echo 'control: { percent: 10, salt: "bench" }'; } \
        > "$dir/report-channels.yaml"
    (cd "$dir" &&
        "$ENG_BIN/eng-ingest" -q -f jsonl < "$raw" | "$ENG_BIN/eng-sentiment" -q |
        "$ENG_BIN/eng-enrich" -q -c enrich.yaml | tee "$ev" |
        "$ENG_BIN/eng-match" -q rules.yaml | tee "$act" |
        "$ENG_BIN/eng-emit" -q -c report-channels.yaml > "$rc") || exit 2
    echo "$N" > "$rc.n"
fi
# 10M receipts: 1M actions made from the events, their receipts, ten
# copies in later and later years
ten="$dir/report-receipts-10m.jsonl"
if ! [ -s "$ten" ] || [ "$(cat "$ten.n" 2>/dev/null)" != "$N" ]; then
    echo "generating 10 x $N receipts in $dir ..." >&2
    jq -c '{id: ("act:" + .type + ":" + .customer + ":" + .id), ts, type: "action",
        rule: .type, customer, channel: (if .channel == "web" then "email" else "push" end),
        priority: (.id[-1:] | explode[0] % 5), payload: {offer: .type},
        event: {profile: {tz: "America/New_York"}}}' "$raw" > "$dir/report-1m-actions.jsonl" || exit 2
    cat > "$dir/report-emit.yaml" <<YAML
defaults:
  frequency: { max: 5, per: 1d }
  quiet_hours: { from: "23:00", to: "06:00", timezone: event.profile.tz, action: suppress }
control: { percent: 10, salt: "bench" }
arbitration: { by: priority, hold: 1m }
channels:
  "*": { sink: "file:/dev/null" }
YAML
    "$ENG_BIN/eng-emit" -c "$dir/report-emit.yaml" "$dir/report-1m-actions.jsonl" \
        > "$dir/report-1m-receipts.jsonl" || exit 2
    for i in 0 1 2 3 4 5 6 7 8 9; do
        sed "s/\"2024-/\"$((2030 + i))-/g" "$dir/report-1m-receipts.jsonl"
    done > "$ten" || exit 2
    rm -f "$dir/report-1m-actions.jsonl"
    echo "$N" > "$ten.n"
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
MLR_DAILY=(filter 'is_present($channel) && is_present($type) && $type != "action"'
    then put '$day = substr($ts, 0, 9)' then stats1 -a count -f type -g day,channel,type)
timed "mlr stats1 (daily counts per channel, type)" "$records" \
    mlr --ijsonl --ojsonl "${MLR_DAILY[@]}" "$ev" "$act" "$rc"
mlr_s=$secs mlr_rss=$peak
# the same daily counts, both ways
"$ENG_BIN/eng-report" "$ev" "$act" "$rc" | jq -r 'select(.metric == "volume") |
    "\(.period[0:10]) \(.channel) \(.type) \(.events)"' | sort > "$dir/eng-daily"
mlr --ijsonl --ojsonl "${MLR_DAILY[@]}" "$ev" "$act" "$rc" |
    jq -r '"\(.day) \(.channel) \(.type) \(.type_count)"' | sort > "$dir/mlr-daily"
if cmp -s "$dir/eng-daily" "$dir/mlr-daily"; then
    echo "  the daily counts agree ($(wc -l < "$dir/eng-daily") rows)"
else
    echo "  the daily counts DIFFER: diff $dir/eng-daily $dir/mlr-daily"
fi

timed "eng-report, $(wc -l < "$ten") receipts through a pipe" "$(wc -l < "$ten")" \
    sh -c 'cat "$1" | "$2" --format none --stats 2> "$3"' sh "$ten" "$ENG_BIN/eng-report" "$dir/ten.stats"
echo "  $(tail -1 "$dir/ten.stats")"
ten_s=$secs

r=$(awk -v a="$mlr_s" -v b="$eng_s" 'BEGIN { printf "%.2f", a / b }')
echo "eng-report at ${r}x the speed of mlr stats1, peak RSS $eng_rss MB vs $mlr_rss MB"
if awk -v s="$ten_s" 'BEGIN { exit !(s < 60) }'; then p=PASS; else p=MISS; fi
echo "$p  $(wc -l < "$ten") receipts in $ten_s s (goal for 10M: < 60 s)"
