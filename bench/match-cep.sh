#!/bin/bash
# bench/match-cep.sh: eng-match's stateful rules at scale (issue 6): 1M
# events over 100k customers with the four example rules of RULES.md (a
# cooldown, an absence, a sequence, a count) plus 50 generated ones (25
# `when` rules with cooldowns, 15 two-step sequences, 10 counts), run in
# memory and with --state, side by side with json-parse-ceiling (jansson
# parse only: our stack's limit) in the same run.
# Prints events/s, peak RSS (GNU time, else /proc), and the state file size.
# Goals: >= 70% of the ceiling in memory, >= 50% with --state, peak RSS
# under 200 MB.
#
# Usage: bench/match-cep.sh   (or: make bench-match-cep)
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000),
#   BENCH_CUSTOMERS (default 100000), BENCH_DIR, GEN_EVENTS, JSON_CEILING.
# Exit status: 0 when the benchmark ran (goals are reported, not failed),
# 2 when a needed program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
ENG_BIN=$(cd "$ENG_BIN" 2>/dev/null && pwd) || {
    echo "match-cep.sh: no build dir bin/ at ${ENG_BIN} (set ENG_BIN)" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
N=${BENCH_N:-1000000}
C=${BENCH_CUSTOMERS:-100000}
MATCH="$ENG_BIN/eng-match"
[ -x "$MATCH" ] || { echo "match-cep.sh: $MATCH not built" >&2; exit 2; }
find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || {
    echo "match-cep.sh: bench/gen-events not built" >&2; exit 2; }
CEIL=${JSON_CEILING:-$(find_prog json-parse-ceiling)} || CEIL=
if [ -n "${BENCH_DIR:-}" ]; then
    dir=$BENCH_DIR
    mkdir -p "$dir" || exit 2
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
fi
ev="$dir/cep-events.jsonl"
if ! [ -s "$ev" ] || [ "$(cat "$ev.n" 2>/dev/null)" != "$N/$C" ]; then
    echo "generating $N events over $C customers in $dir ..." >&2
    "$GEN" -n "$N" --customers "$C" --seed 7 > "$ev" && echo "$N/$C" > "$ev.n" || exit 2
fi

rules="$dir/cep-rules.yaml"
{
    echo "rules:"
    echo "  - id: heatwave"
    echo "    when: channel == \"mobile\" && temp_f >= 90"
    echo "    cooldown: 7d"
    echo "    emit: { channel: push, message: \"{{geo.city}} is at {{temp_f}}F\" }"
    echo "  - id: cart-abandon"
    echo "    sequence:"
    echo "      - { as: cart, when: type == \"add_to_cart\" }"
    echo "      - { absent: type == \"purchase\", within: 30m }"
    echo "    emit: { channel: email, sku: \"{{cart.sku}}\" }"
    echo "  - id: viewed-then-bought"
    echo "    sequence:"
    echo "      - { as: view, when: type == \"page_view\" && has(event.page) }"
    echo "      - { as: buy, when: type == \"purchase\", within: 1h }"
    echo "  - id: angry-streak"
    echo "    count: { when: type == \"support_message\", at_least: 3, within: 24h }"
    types=(page_view app_open email_open add_to_cart email_click purchase support_message review)
    for i in $(seq 0 24); do
        t=${types[$((i % 8))]}
        echo "  - { id: w$i, when: 'type == \"$t\" && temp_f >= $((60 + i))', cooldown: 1d }"
    done
    for i in $(seq 0 14); do
        a=${types[$((i % 8))]}; b=${types[$(((i + 3) % 8))]}
        echo "  - id: s$i"
        echo "    sequence: [ { when: 'type == \"$a\"' }, { when: 'type == \"$b\"', within: $((i + 1))h } ]"
    done
    for i in $(seq 0 9); do
        echo "  - { id: c$i, count: { when: 'type == \"${types[$i % 8]}\"', at_least: $((i + 2)), within: 1d } }"
    done
} > "$rules"
"$MATCH" --check "$rules" || exit 2

measure() { # name cmd...: wall seconds and peak RSS (kB)
    local name=$1 t0 t1 rss
    shift
    t0=$(date +%s%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$dir/rss" "$@" < "$ev" > /dev/null 2>"$dir/err"
        rss=$(tail -n 1 "$dir/rss")
    else
        "$@" < "$ev" > /dev/null 2>"$dir/err"
        rss=?
    fi
    t1=$(date +%s%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    printf '%-22s %8.3f s %10.0f ev/s  peak RSS %6s MB\n' "$name" "$secs" \
        "$(awk -v n="$N" -v s="$secs" 'BEGIN { print n / s }')" \
        "$(awk -v k="$rss" 'BEGIN { if (k == "?") print "?"; else printf "%.0f", k / 1024 }')"
    eval "secs_$name=$secs"
}

secs_ceiling=
[ -n "$CEIL" ] && measure ceiling "$CEIL"
measure memory "$MATCH" --now 2024-12-31T00:00:00Z "$rules"
rm -f "$dir/state.db"*
measure state "$MATCH" --state "$dir/state.db" "$rules"
kb=$(du -kc "$dir"/state.db* | tail -n 1 | cut -f1)
echo "state file (with WAL): $((kb / 1024)) MB"
if [ -n "$secs_ceiling" ]; then
    awk -v c="$secs_ceiling" -v m="$secs_memory" -v s="$secs_state" 'BEGIN {
        printf "in memory: %.0f%% of the ceiling (goal >= 70%%)\n", 100 * c / m
        printf "with --state: %.0f%% of the ceiling (goal >= 50%%)\n", 100 * c / s }'
fi
exit 0
