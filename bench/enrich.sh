#!/bin/bash
# bench/enrich.sh: eng-enrich on generated events, side by side with the
# jansson parse-only ceiling in the same run (CONVENTIONS.md, Benchmarks).
#
#   input     gen-events -n N --customers 100000 (default N = 1,000,000)
#   config    TOOLS.md's example minus places (no sentiment in gen-events,
#             so avg_sentiment stays null): a join on a 10,000-row
#             customers.csv (customers c000000..c009999; generated here),
#             an as-of lookup of hourly weather per city, 8 attributes incl.
#             a set, a 30-day window and a recent history, 2 segments, and
#             the context in the customer's zone
#   runs      json-parse-ceiling; eng-enrich in memory; eng-enrich --state
#             (a new state file each run)
#   reports   seconds, events/s, peak RSS, % of the ceiling, state size
# Goals: in memory >= 50% of the ceiling; with --state >= 35%.
#
# Usage: bench/enrich.sh            (or: make bench-enrich)
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N, BENCH_DIR, BENCH_RUNS (runs per
#   measurement, the median is reported; default 3), GEN_EVENTS,
#   JSON_CEILING: as for bench/match.sh.
# Exit status: 0 when the benchmark ran (goals are reported, not failed),
# 2 when a needed program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
ENG_BIN=$(cd "$ENG_BIN" 2>/dev/null && pwd) || {
    echo "enrich.sh: no build dir bin/ at ${ENG_BIN} (set ENG_BIN)" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
ENRICH="$ENG_BIN/eng-enrich"
[ -x "$ENRICH" ] || { echo "enrich.sh: $ENRICH not built" >&2; exit 2; }

find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || {
    echo "enrich.sh: bench/gen-events not built (make bench/gen-events)" >&2; exit 2; }
CEIL=${JSON_CEILING:-$(find_prog json-parse-ceiling)} || {
    echo "enrich.sh: bench/json-parse-ceiling not built" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "enrich.sh: /usr/bin/time is needed for peak RSS" >&2; exit 2; }

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

# ---------------------------------------------------------------- master data
awk 'BEGIN {
    split("America/New_York America/Chicago America/Denver America/Los_Angeles Europe/London Europe/Paris Europe/Berlin", tz, " ")
    print "id,name,tier,tz"
    for (i = 0; i < 10000; i++)
        printf "c%06d,Customer %d,%s,%s\n", i, i, (i % 10 == 0 ? "gold" : "basic"), tz[i % 7 + 1]
}' > "$dir/customers.csv"
awk 'BEGIN {
    n = split("Atlanta,Austin,Berlin,Boston,Chicago,Dallas,Denver,Detroit,Houston,London,Los Angeles,Miami,Minneapolis,Nashville,New York,Paris,Philadelphia,Phoenix,Portland,San Antonio,San Diego,San Francisco,Seattle,Toronto", c, ",")
    print "city,time,temp_f"
    for (d = 0; d < 14; d++) for (h = 0; h < 24; h++) for (i = 1; i <= n; i++)
        printf "%s,2024-03-%02dT%02d:00:00Z,%d\n", c[i], d + 1, h, 40 + (i * 7 + h * 3 + d) % 60
}' > "$dir/weather.csv"
cat > "$dir/enrich.yaml" <<'YAML'
key: customer
join:
  - file: customers.csv
    on: { customer: id }
    into: profile
lookup:
  - file: weather.csv
    on: { geo.city: city }
    asof: { event: ts, file: time }
    into: context.weather
profile:
  visits:       { count: true }
  total_spend:  { sum: amount, when: type == "purchase" }
  categories:   { set: category, when: type == "purchase", max: 100 }
  last_channel: { last: channel }
  first_seen:   { first: ts }
  avg_sentiment: { avg: sentiment.compound, when: has(event.sentiment) }
  purchases_30d: { count: true, when: type == "purchase", window: 30d }
  history:      { recent: [ts, channel, type], max: 10 }
segments:
  vip: profile.total_spend > 1000
  detractor: profile.avg_sentiment < -0.3
context: { timezone: profile.tz, default_timezone: UTC }
YAML

# ---------------------------------------------------------------- runs
declare -A secs rss
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
run() { # name cmd...: RUNS runs, median wall time, max peak RSS
    local name=$1 t0 t1 i all="" peak=0 r
    shift
    for i in $(seq "$RUNS"); do
        rm -f "$dir/state.db" "$dir/state.db-wal" "$dir/state.db-shm"
        t0=$(date +%s%N)
        "$TIME" -f '%M' -o "$dir/rss" "$@" < "$ev" > /dev/null 2>"$dir/err" || {
            echo "enrich.sh: $name failed:" >&2; cat "$dir/err" >&2; }
        t1=$(date +%s%N)
        all="$all $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
        r=$(tail -1 "$dir/rss")
        [ "$r" -gt "$peak" ] 2>/dev/null && peak=$r
    done
    secs[$name]=$(echo "$all" | tr ' ' '\n' | grep . | median)
    rss[$name]=$peak
    printf '%-22s %8s s %10.0f events/s %8.0f MB peak RSS\n' "$name" "${secs[$name]}" \
        "$(awk -v n="$N" -v s="${secs[$name]}" 'BEGIN { print n / s }')" \
        "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
}
cd "$dir" || exit 2
echo "eng-enrich, $N events ($(du -m "$ev" | cut -f1) MB, 100,000 customers), median of $RUNS run(s):"
run parse-ceiling "$CEIL"
run "eng-enrich" "$ENRICH" -c enrich.yaml
run "eng-enrich --state" "$ENRICH" -c enrich.yaml --state state.db
state_mb=$(du -k state.db | awk '{ printf "%.1f", $1 / 1024 }')
profiles=$(sqlite3 state.db 'select count(*) from profiles' 2>/dev/null || echo "?")
echo "state file: $state_mb MB for $profiles customers" \
     "($(awk -v k="$(du -k state.db | cut -f1)" -v p="$profiles" 'BEGIN { if (p > 0) printf "%.0f", k * 1024 / p; else print "?" }') bytes each)"

# ---------------------------------------------------------------- goals
goal() { if [ "$2" = 1 ]; then echo "PASS  $1"; else echo "MISS  $1"; fi; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b * 100 }'; }
echo
p=$(pct "${secs[parse-ceiling]}" "${secs[eng-enrich]}")
goal "in memory at least 50% of the parse-only ceiling: $p%" "$([ "$p" -ge 50 ] && echo 1)"
p=$(pct "${secs[parse-ceiling]}" "${secs[eng-enrich --state]}")
goal "with --state at least 35% of the parse-only ceiling: $p%" "$([ "$p" -ge 35 ] && echo 1)"
exit 0
