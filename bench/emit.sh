#!/bin/bash
# bench/emit.sh: eng-emit with every policy on (consent, control group,
# quiet hours, arbitration, caps), 1M actions over 100k customers made from
# gen-events output, to a file sink and to a local HTTP server.
#
#   file sink    eng-emit              vs json-parse-ceiling (jansson parse
#                                         only, our stack's limit) on the
#                                         same actions: goal >= 60%
#   http sink    eng-emit (libcurl multi, keep-alive, 16 in flight)
#                                      vs curl --parallel posting the same
#                                         bodies to the same server: goal
#                                         >= 0.8x its requests/s
# The HTTP server is tests/http-test-server.py (ThreadingHTTPServer,
# HTTP/1.1 keep-alive, --no-log): it is likely the bottleneck of both
# sides, which is why the comparison runs against the same server in the
# same run. Reports actions/s and peak RSS (GNU time).
#
# Environment: ENG_BIN, BENCH_TOOLS, BENCH_N (default 1000000), BENCH_HTTP_N
# (default 20000), BENCH_RUNS (default 3; medians are reported), BENCH_DIR,
# GEN_EVENTS, JSON_CEILING.
# Exit status: 0 when the benchmark ran, 2 when a program is missing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
src=${ENG_SRCDIR:-$here/..}
ENG_BIN=$(cd "${ENG_BIN:-$here/../bin}" 2>/dev/null && pwd) || {
    echo "emit.sh: set ENG_BIN" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
EMIT="$ENG_BIN/eng-emit"
[ -x "$EMIT" ] || { echo "emit.sh: $EMIT not built" >&2; exit 2; }
N=${BENCH_N:-1000000}
HN=${BENCH_HTTP_N:-20000}
find_prog() {
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || { echo "emit.sh: no gen-events" >&2; exit 2; }
CEIL=${JSON_CEILING:-$(find_prog json-parse-ceiling)} || CEIL=
command -v jq >/dev/null || { echo "emit.sh: jq is needed" >&2; exit 2; }
if [ -n "${BENCH_DIR:-}" ]; then dir=$BENCH_DIR; mkdir -p "$dir" || exit 2
else dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2; fi
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; [ -z "${BENCH_DIR:-}" ] && rm -rf "$dir"; }
trap cleanup EXIT

act="$dir/actions.jsonl"
if ! [ -s "$act" ] || [ "$(cat "$act.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N actions over 100k customers in $dir ..." >&2
    "$GEN" -n "$N" --customers 100000 --seed 7 | jq -c '{id: ("act:" + .id), ts, type: "action",
        rule: .type, customer, channel: (if .channel == "web" then "email" else "push" end),
        priority: (.id[-1:] | explode[0] % 5), payload: {offer: .type, sku: .session},
        event: {profile: {tz: (if .geo.city == "Denver" then "America/Denver" else "America/New_York" end)}}}' \
        > "$act" && echo "$N" > "$act.n" || exit 2
fi
printf 'c000001\nc000002\n' > "$dir/optout.csv"
cfg() { # sink
cat <<YAML
defaults:
  frequency: { max: 5, per: 1d }
  quiet_hours: { from: "23:00", to: "06:00", timezone: event.profile.tz, action: suppress }
suppress:
  opt_out: $dir/optout.csv
  when: has(event.profile.do_not_contact) && event.profile.do_not_contact
control: { percent: 10, salt: "bench" }
arbitration: { by: priority, hold: 1m }
channels:
  "*": { sink: "$1", concurrency: 16, body: { title: "{{payload.offer}}", sku: "{{payload.sku}}", to: "{{customer}}" } }
YAML
}
RUNS=${BENCH_RUNS:-3}
timed() { # name n cmd...: RUNS runs; prints the median actions/s and the
          # largest peak RSS; the median wall time is left in $secs
    local name=$1 n=$2; shift 2
    local t0 t1 k times="" rss=0 r
    for ((k = 0; k < RUNS; k++)); do
        rm -f "$dir/sink.jsonl"     # the file sink appends: start empty
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$dir/rss" "$@" > /dev/null 2> "$dir/err"
        t1=$(date +%s%N)
        times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
        r=$(tail -1 "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
    done
    secs=$(printf '%s\n' $times | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-34s %8s s %10.0f /s  peak RSS %6d MB\n' "$name" "$secs" \
        "$(awk -v n="$n" -v s="$secs" 'BEGIN { print n / s }')" "$((rss / 1024))"
}
echo "eng-emit, $N actions ($(du -m "$act" | cut -f1) MB), all policies on, median of $RUNS runs:"
cfg "file:$dir/sink.jsonl" > "$dir/file.yaml"
rm -f "$dir/sink.jsonl"
timed "eng-emit -> file:" "$N" "$EMIT" -c "$dir/file.yaml" "$act"; emit_s=$secs
"$EMIT" -c "$dir/file.yaml" --dry-run --stats "$act" 2>&1 >/dev/null | tail -1
ceil_s=
# the ceiling reads stdin: each run opens the file anew
if [ -n "$CEIL" ]; then timed "json-parse-ceiling" "$N" sh -c 'exec "$1" < "$2"' sh "$CEIL" "$act"; ceil_s=$secs; fi

# ---------------------------------------------------------------- http
python3 "$src/tests/http-test-server.py" "$dir/req.log" --no-log --lifetime 600 > "$dir/port" 2>/dev/null &
srv=$!
for i in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
port=$(head -1 "$dir/port")
head -n "$HN" "$act" > "$dir/hact.jsonl"
cat > "$dir/http.yaml" <<YAML
channels:
  "*": { sink: "http://127.0.0.1:$port/ok/x", concurrency: 16, body: { title: "{{payload.offer}}", to: "{{customer}}" } }
YAML
timed "eng-emit -> http (16 in flight)" "$HN" "$EMIT" -c "$dir/http.yaml" "$dir/hact.jsonl"; http_s=$secs
# the same bodies, posted by curl --parallel
jq -c '{title: .payload.offer, to: .customer}' "$dir/hact.jsonl" > "$dir/bodies"
: > "$dir/curl.cfg"
i=0
while IFS= read -r b; do
    i=$((i + 1))
    # "next" separates transfers; one after the last makes curl fail
    [ "$i" -gt 1 ] && echo next >> "$dir/curl.cfg"
    printf 'url = "http://127.0.0.1:%s/ok/x"\ndata-raw = %s\nheader = "Content-Type: application/json"\noutput = /dev/null\n' \
        "$port" "$(jq -Rn --arg b "$b" '$b')" >> "$dir/curl.cfg"
done < "$dir/bodies"
timed "curl --parallel (16)" "$HN" curl -s --parallel --parallel-max 16 -K "$dir/curl.cfg"; curl_s=$secs

echo
if [ -n "$ceil_s" ]; then
    r=$(awk -v a="$ceil_s" -v b="$emit_s" 'BEGIN { printf "%.2f", a / b }')
    if awk -v r="$r" 'BEGIN { exit !(r >= 0.6) }'; then p=PASS; else p=MISS; fi
    echo "$p  file sink at $r of the parse-only ceiling (goal >= 0.60)"
fi
r=$(awk -v a="$curl_s" -v b="$http_s" 'BEGIN { printf "%.2f", a / b }')
if awk -v r="$r" 'BEGIN { exit !(r >= 0.8) }'; then p=PASS; else p=MISS; fi
echo "$p  http sink at ${r}x the requests/s of curl --parallel (goal >= 0.8)"
