#!/bin/bash
# bench/match.sh: eng-match against what a user would otherwise reach for,
# on the same generated input, in the same run (CONVENTIONS.md, Benchmarks).
#
#   one compound rule   eng-match RULES          vs  jq -c 'select(...)'
#                                                vs  mlr --ijsonl --ojsonl filter
#                                                vs  json-parse-ceiling (jansson
#                                                    parse only: our stack's limit)
#   the rule index      eng-match with 10, 100 and 1,000 rules
#
# The condition: type == "purchase" && amount > 100 && channel == "web".
# The rule sets for the index: 9 rules on the event types gen-events
# produces plus one rule without an equality test (so 10 rules every event
# is tested against), then 90 or 990 more rules for event types that do not
# occur (other campaigns). With the index, the extra rules cost a hash lookup
# per event, not an evaluation: the goal is 1,000 rules <= 1.3x 10 rules.
# Goals: eng-match faster than jq, and >= 85% of the parse-only ceiling.
#
# Usage: bench/match.sh            (or: make bench-match)
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000), BENCH_DIR,
#   GEN_EVENTS, JSON_CEILING: as for bench/ingest.sh.
#   BENCH_RUNS: runs per command (default 3); the median is reported.
# Exit status: 0 when the benchmark ran (goals are reported, not failed),
# 2 when a needed program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
ENG_BIN=$(cd "$ENG_BIN" 2>/dev/null && pwd) || {
    echo "match.sh: no build dir bin/ at ${ENG_BIN} (set ENG_BIN)" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
N=${BENCH_N:-1000000}
MATCH="$ENG_BIN/eng-match"
[ -x "$MATCH" ] || { echo "match.sh: $MATCH not built" >&2; exit 2; }

find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || {
    echo "match.sh: bench/gen-events not built (make bench/gen-events)" >&2; exit 2; }
CEIL=${JSON_CEILING:-$(find_prog json-parse-ceiling)} || CEIL=

if [ -n "${BENCH_DIR:-}" ]; then
    dir=$BENCH_DIR
    mkdir -p "$dir" || exit 2
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
fi
ev="$dir/events.jsonl"
if ! [ -s "$ev" ] || [ "$(cat "$ev.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N events in $dir ..." >&2
    "$GEN" -n "$N" --seed 7 > "$ev" && echo "$N" > "$ev.n" || exit 2
fi

# ---------------------------------------------------------------- rule files
cat > "$dir/one.yaml" <<'YAML'
rules:
  - id: big-web-purchase
    when: type == "purchase" && amount > 100 && channel == "web"
    emit: { channel: email, template: thanks, amount: "{{amount}}" }
YAML
types="page_view app_open email_open email_click add_to_cart purchase review support_message call"
genrules() { # n > file
    echo "rules:"
    echo "  - id: any-negative"
    echo "    when: has(event.sentiment) && sentiment.compound < -0.5"
    local i=1
    for t in $types; do
        echo "  - id: r$i"
        echo "    when: type == \"$t\" && channel == \"web\" && temp_f > 95"
        i=$((i + 1))
    done
    while [ "$i" -lt "$1" ]; do
        echo "  - id: r$i"
        echo "    when: type == \"campaign_$i\" && channel == \"web\" && temp_f > 95"
        i=$((i + 1))
    done
}
for n in 10 100 1000; do genrules "$n" > "$dir/rules$n.yaml"; done

# ---------------------------------------------------------------- runs
declare -A secs
RUNS=${BENCH_RUNS:-3}
run() { # cmd...: RUNS runs, output to /dev/null; median wall time in secs[$name]
    local t0 t1 k times=""
    for ((k = 0; k < RUNS; k++)); do
        t0=$(date +%s%N)
        "$@" < "$ev" > /dev/null 2>"$dir/err" || { [ $? -eq 1 ] || {
            echo "match.sh: $1 failed:" >&2; cat "$dir/err" >&2; }; }
        t1=$(date +%s%N)
        times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
    done
    secs[$name]=$(printf '%s\n' $times | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-28s %8s s %12.0f events/s\n' "$name" "${secs[$name]}" \
        "$(awk -v n="$N" -v s="${secs[$name]}" 'BEGIN { print n / s }')"
}
echo "eng-match, $N events ($(du -m "$ev" | cut -f1) MB), median of $RUNS runs each:"
name=eng-match;      run "$MATCH" "$dir/one.yaml"
name=jq;             run jq -c 'select(.type == "purchase" and .amount > 100 and .channel == "web")'
if command -v mlr >/dev/null; then
    name=mlr;        run mlr --ijsonl --ojsonl filter '$type == "purchase" && $amount > 100 && $channel == "web"'
fi
if [ -n "$CEIL" ]; then
    name=parse-ceiling; run "$CEIL"
fi
for n in 10 100 1000; do
    name="eng-match $n rules"; run "$MATCH" "$dir/rules$n.yaml"
done

# ---------------------------------------------------------------- goals
goal() { # text ok
    if [ "$2" = 1 ]; then echo "PASS  $1"; else echo "MISS  $1"; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
r=$(ratio "${secs[jq]}" "${secs[eng-match]}")
goal "faster than jq select: ${r}x" "$(awk -v r="$r" 'BEGIN { print (r > 1) }')"
if [ -n "${secs[mlr]:-}" ]; then
    echo "      vs mlr filter: $(ratio "${secs[mlr]}" "${secs[eng-match]}")x"
fi
if [ -n "$CEIL" ]; then
    r=$(ratio "${secs[parse-ceiling]}" "${secs[eng-match]}")
    goal "at least 85% of the parse-only ceiling: $(awk -v r="$r" 'BEGIN { printf "%.0f", r * 100 }')%" \
        "$(awk -v r="$r" 'BEGIN { print (r >= 0.85) }')"
fi
r=$(ratio "${secs[eng-match 1000 rules]}" "${secs[eng-match 10 rules]}")
goal "1,000 rules at most 1.3x the time of 10: ${r}x" "$(awk -v r="$r" 'BEGIN { print (r <= 1.3) }')"
exit 0
