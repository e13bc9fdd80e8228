#!/bin/bash
# bench/sentiment.sh: eng-sentiment against the npm package vader-sentiment
# under node, on the same generated events, in the same run.
#
# Inputs: N events from bench/gen-events ("mixed": about 16% carry text) and
# the events of 10*N that carry text ("text": every event scored). Output
# goes to /dev/null, under /usr/bin/time (peak RSS). eng-sentiment runs
# BENCH_RUNS times (default 3) and its median is reported; the node peer,
# about a minute per million texts, runs once.
# Goals: >= 10x node on text, >= 4x on mixed; RSS flat in input size.
#
# Environment: ENG_BIN (built tools), BENCH_TOOLS (where gen-events is),
# BENCH_SIZES (default "100000 1000000"), ENG_DATADIR (the lexicons).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
GEN=${BENCH_TOOLS:-$here}/gen-events
SENT="$ENG_BIN/eng-sentiment"
[ -x "$SENT" ] || { echo "sentiment.sh: $SENT not built" >&2; exit 2; }
[ -x "$GEN" ] || { echo "sentiment.sh: $GEN not built (make bench/gen-events)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "sentiment.sh: /usr/bin/time is needed" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

node_ok=0
if command -v node >/dev/null && command -v npm >/dev/null &&
   (cd "$dir" && npm install --silent --no-audit --no-fund vader-sentiment@1.1.3 >/dev/null 2>&1); then
    node_ok=1
else
    echo "sentiment.sh: node or the npm package is not available; eng-sentiment only" >&2
fi

# run NAME CMD...: prints "seconds peakKiB"
run() {
    local t0 t1 rss
    t0=$(date +%s%N)
    /usr/bin/time -o "$dir/time" -f '%M' "$@" > /dev/null 2>/dev/null
    rss=$(tail -n 1 "$dir/time")
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000000 )) $rss"
}

# median_run CMD...: BENCH_RUNS runs of run(); prints the median "ms rss"
# (by ms; rss is the largest seen)
median_run() {
    local k out all="" maxrss=0
    for ((k = 0; k < ${BENCH_RUNS:-3}; k++)); do
        out=$(run "$@" < "$f")
        all="$all${out%% *}"$'\n'
        [ "${out##* }" -gt "$maxrss" ] && maxrss=${out##* }
    done
    echo "$(printf '%s' "$all" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') $maxrss"
}

printf '%-8s %-6s %9s %-14s %10s %12s %9s\n' input kind events tool ms events/s rss_MiB
for n in ${BENCH_SIZES:-100000 1000000}; do
    "$GEN" -n "$n" > "$dir/mixed.jsonl"
    "$GEN" -n $((n * 7)) | grep -F '"text":' | head -n "$n" > "$dir/text.jsonl"
    for kind in text mixed; do
        f="$dir/$kind.jsonl"
        ev=$(wc -l < "$f")
        read -r ms rss <<< "$(median_run "$SENT")"
        eng_rate=$(( ev * 1000 / (ms ? ms : 1) ))
        printf '%-8s %-6s %9d %-14s %10d %12d %9.1f\n' "$n" "$kind" "$ev" eng-sentiment "$ms" "$eng_rate" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
        if [ "$node_ok" = 1 ]; then
            read -r ms2 rss2 <<< "$(NODE_PATH="$dir/node_modules" run node "$here/vader-node.js" < "$f")"
            node_rate=$(( ev * 1000 / (ms2 ? ms2 : 1) ))
            printf '%-8s %-6s %9d %-14s %10d %12d %9.1f\n' "$n" "$kind" "$ev" node-vader "$ms2" "$node_rate" "$(awk -v k="$rss2" 'BEGIN { print k / 1024 }')"
            goal=10; [ "$kind" = mixed ] && goal=4
            ratio=$(awk -v a="$eng_rate" -v b="$node_rate" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')
            verdict=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r >= g ? "PASS" : "MISS") }')
            echo "         ratio ${ratio}x (goal >= ${goal}x): $verdict"
        fi
    done
done
