#!/bin/bash
# bench/match-cep.sh: eng-match's stateful rules at scale (issue 6): 1M
# events over 100k customers (gen-events -n 1000000 --customers 100000), run
# in memory and with --state, side by side with json-parse-ceiling (jansson
# parse only: our stack's limit) in the same run.
#
# The rules: the four example rules of RULES.md (a cooldown, an absence, a
# sequence, a count; written against gen-events' fields: temp_f at the top
# level, page views carry `page` not `sku`, support messages stand in for
# negative sentiment) plus 50 generated ones that look like them: each keys
# on an event type that occurs and has a selective condition, so a step 1
# starts an instance for a few percent of the events, not for all of them.
#   10 `when` + cooldown 1d: a purchase of category C with amount >= 100
#   10 absences (cart abandonment per category): add_to_cart of category C,
#      then no purchase of the same sku (sku == cart.sku) within 20-65m
#    8 sequences (opened, then clicked): email_open of campaign K, then an
#      email_click of the same campaign (campaign == open.campaign) within 2h
#    8 absences (opened, never clicked): the same first step, then no
#      email_click of that campaign within 24h
#    6 sequences (browse to cart): a page_view of page P, then an
#      add_to_cart within 30m, `instances: every`
#    8 counts: 6 of page views of page P (at_least 4 within 1h), 2 of
#      support messages on channel H (at_least 2 within 6h)
# Templates name aliases and fields ({{cart.sku}}, {{open.campaign}},
# {{geo.city}}). Both runs take the same options (no --now: undecided
# absences stay pending, and with --state end up in the state file).
#
# Prints the median of BENCH_RUNS runs (default 3) of each eng-match run
# and of the ceiling: seconds, events/s, peak RSS (GNU time), and the state
# file's size (with its WAL) after a run with --state.
# Goals: >= 70% of the ceiling in memory, >= 50% with --state, peak RSS
# under 200 MB.
#
# Usage: bench/match-cep.sh   (or: make bench-match-cep)
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000),
#   BENCH_CUSTOMERS (default 100000), BENCH_RUNS (default 3), BENCH_DIR,
#   GEN_EVENTS, JSON_CEILING.
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
    cats=(apparel beauty books electronics garden grocery home jewelry sports toys)
    camps=(cart-reminder flash-24h loyalty-q1 new-arrivals newsletter-wk spring-sale welcome-series win-back)
    pages=(/deals /account /help /cart / /orders)
    for i in "${!cats[@]}"; do
        echo "  - id: big-${cats[$i]}"
        echo "    when: type == \"purchase\" && category == \"${cats[$i]}\" && amount >= 100"
        echo "    cooldown: 1d"
        echo "    emit: { channel: email, template: thanks, city: \"{{geo.city}}\" }"
    done
    for i in "${!cats[@]}"; do
        echo "  - id: abandon-${cats[$i]}"
        echo "    sequence:"
        echo "      - { as: cart, when: 'type == \"add_to_cart\" && category == \"${cats[$i]}\"' }"
        echo "      - { absent: 'type == \"purchase\" && sku == cart.sku', within: $((20 + 5 * i))m }"
        echo "    emit: { channel: email, template: cart-reminder, sku: \"{{cart.sku}}\" }"
    done
    for i in "${!camps[@]}"; do
        echo "  - id: clicked-${camps[$i]}"
        echo "    sequence:"
        echo "      - { as: open, when: 'type == \"email_open\" && campaign == \"${camps[$i]}\"' }"
        echo "      - { as: click, when: 'type == \"email_click\" && campaign == open.campaign', within: 2h }"
        echo "    emit: { channel: crm, note: \"clicked {{open.campaign}}\" }"
    done
    for i in "${!camps[@]}"; do
        echo "  - id: unclicked-${camps[$i]}"
        echo "    sequence:"
        echo "      - { as: open, when: 'type == \"email_open\" && campaign == \"${camps[$i]}\"' }"
        echo "      - { absent: 'type == \"email_click\" && campaign == open.campaign', within: 24h }"
        echo "    emit: { channel: email, template: nudge, campaign: \"{{open.campaign}}\" }"
    done
    for i in "${!pages[@]}"; do
        echo "  - id: browse-to-cart-$i"
        echo "    sequence:"
        echo "      - { as: view, when: 'type == \"page_view\" && page == \"${pages[$i]}\"' }"
        echo "      - { as: cart, when: 'type == \"add_to_cart\"', within: 30m }"
        echo "    instances: every"
        echo "    max_instances: 5"
        echo "    emit: { channel: push, from: \"{{view.page}}\", sku: \"{{cart.sku}}\" }"
    done
    for i in "${!pages[@]}"; do
        echo "  - { id: hopping-$i, count: { when: 'type == \"page_view\" && page == \"${pages[$i]}\"', at_least: 4, within: 1h } }"
    done
    for h in call twitter; do
        echo "  - id: support-$h"
        echo "    count: { when: 'type == \"support_message\" && channel == \"$h\"', at_least: 2, within: 6h }"
        echo "    emit: { channel: case, queue: \"$h\" }"
    done
} > "$rules"
"$MATCH" --check "$rules" || exit 2

RUNS=${BENCH_RUNS:-3}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() { # name cmd...: RUNS runs; median wall seconds and peak RSS (MB)
    local name=$1 t0 t1 k times="" rsss="" rss
    shift
    for ((k = 0; k < RUNS; k++)); do
        [ "$name" = state ] && rm -f "$dir/state.db"*
        t0=$(date +%s%N)
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f %M -o "$dir/rss" "$@" < "$ev" > /dev/null 2>"$dir/err"
            rss=$(tail -n 1 "$dir/rss")
        else
            "$@" < "$ev" > /dev/null 2>"$dir/err"
            rss=?
        fi
        t1=$(date +%s%N)
        if [ "$name" != ceiling ] && [ -s "$dir/err" ]; then
            echo "match-cep.sh: $name wrote to stderr:" >&2; head -n 5 "$dir/err" >&2
        fi
        times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
        rsss="$rsss $rss"
    done
    secs=$(median $times)
    case $rsss in *'?'*) rss=? ;; *) rss=$(median $rsss) ;; esac
    printf '%-10s %8.3f s %10.0f ev/s  peak RSS %6s MB\n' "$name" "$secs" \
        "$(awk -v n="$N" -v s="$secs" 'BEGIN { print n / s }')" \
        "$(awk -v k="$rss" 'BEGIN { if (k == "?") print "?"; else printf "%.0f", k / 1024 }')"
    eval "secs_$name=$secs"
}

echo "$N events over $C customers, $(grep -c '^  - ' "$rules") rules; median of $RUNS runs each:"
secs_ceiling=
[ -n "$CEIL" ] && measure ceiling "$CEIL"
measure memory "$MATCH" "$rules"
measure state "$MATCH" --state "$dir/state.db" "$rules"
kb=$(du -kc "$dir"/state.db* | tail -n 1 | cut -f1)
echo "state file (with WAL): $((kb / 1024)) MB"
if [ -n "$secs_ceiling" ]; then
    awk -v c="$secs_ceiling" -v m="$secs_memory" -v s="$secs_state" 'BEGIN {
        printf "in memory: %.0f%% of the ceiling (goal >= 70%%)\n", 100 * c / m
        printf "with --state: %.0f%% of the ceiling (goal >= 50%%)\n", 100 * c / s }'
fi
exit 0
