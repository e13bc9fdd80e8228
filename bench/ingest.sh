#!/bin/bash
# bench/ingest.sh: eng-ingest against the tools a user would otherwise reach
# for, on the same generated input, in the same run.
#
#   CSV   eng-ingest -m bench/maps/gen-events.yaml  vs  mlr --icsv --ojsonl cat
#         eng-ingest -f csv (no map)                 (for reference)
#   JSONL eng-ingest -f jsonl                        vs  jq -c .
#         json-parse-ceiling (jansson parse only: the ceiling of our stack)
#
# Each command runs BENCH_RUNS times with its output to /dev/null, under
# /usr/bin/time -f '%e %M' (peak RSS KiB; the wall time is read with
# date +%s%N around it, for millisecond steps); the table shows the median
# time and the largest RSS. Then the goals (CSV >= 3x mlr, JSONL >= 2x
# jq, peak RSS < 30 MB) with PASS/MISS, and a flat-RSS check: peak RSS on
# 100k and on N events should be about the same (memory does not grow with
# the input).
#
# Usage: bench/ingest.sh            (or: make bench)
# Environment:
#   ENG_BIN     the built tools (default: bin/ beside bench/)
#   BENCH_TOOLS where gen-events and json-parse-ceiling are built (default:
#               bench/ beside ENG_BIN, then this script's directory)
#   BENCH_N     events to generate (default 1000000)
#   BENCH_RUNS  runs per command (default 3)
#   BENCH_DIR   where the inputs go (default: a temp dir, removed at exit);
#               inputs already there for the same N are reused
#   GEN_EVENTS, JSON_CEILING  override the helper programs' paths
# Exit status: 0 when the benchmark ran (goals missed are reported, not
# failed: speed goals are checked here, never in a timed test), 2 when a
# needed program is missing.
# make runs it with $(SHELL), which may be dash: this script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ENG_BIN=${ENG_BIN:-$here/../bin}
ENG_BIN=$(cd "$ENG_BIN" 2>/dev/null && pwd) || {
    echo "ingest.sh: no build dir bin/ at ${ENG_BIN} (set ENG_BIN)" >&2; exit 2; }
builddir=$(dirname "$ENG_BIN")
N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
MAP="$here/maps/gen-events.yaml"

find_prog() { # name: BENCH_TOOLS, the build dir's bench/, the source dir's
    for d in ${BENCH_TOOLS:+"$BENCH_TOOLS"} "$builddir/bench" "$here"; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
GEN=${GEN_EVENTS:-$(find_prog gen-events)} || {
    echo "ingest.sh: bench/gen-events not built (make bench builds it)" >&2; exit 2; }
CEIL=${JSON_CEILING:-$(find_prog json-parse-ceiling)} || CEIL=
INGEST="$ENG_BIN/eng-ingest"
[ -x "$INGEST" ] || { echo "ingest.sh: $INGEST not built" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "ingest.sh: /usr/bin/time is needed (apt install time)" >&2; exit 2; }

if [ -n "${BENCH_DIR:-}" ]; then
    dir=$BENCH_DIR
    mkdir -p "$dir" || exit 2
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/eng-bench.XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
fi

# ---------------------------------------------------------------- inputs
gen() { # file flags...: generate unless already there for this N
    local f=$1; shift
    if [ -s "$f" ] && [ "$(cat "$f.n" 2>/dev/null)" = "$N" ]; then
        return 0
    fi
    "$GEN" -n "$N" --seed 7 "$@" > "$f" && echo "$N" > "$f.n"
}
echo "generating $N events in $dir ..." >&2
gen "$dir/events.csv" --csv || exit 2
gen "$dir/events.jsonl" || exit 2
# the 100k prefixes (gen-events is prefix-stable) for the flat-RSS check
small=100000
[ "$N" -lt "$small" ] && small=$N
head -n $((small + 1)) "$dir/events.csv" > "$dir/small.csv"
head -n "$small" "$dir/events.jsonl" > "$dir/small.jsonl"

size_of() { stat -c %s "$1"; }
csv_bytes=$(size_of "$dir/events.csv")
jsonl_bytes=$(size_of "$dir/events.jsonl")

# ---------------------------------------------------------------- measuring
# measure NAME INPUT STDIN cmd...: runs cmd RUNS times (stdin from STDIN when
# not "-"), sets T (median s), RSS (max KiB), RC (worst exit status).
measure() {
    local name=$1 input=$2 in=$3; shift 3
    local times=() r t m rc
    RSS=0 RC=0
    local t0 t1
    for ((r = 0; r < RUNS; r++)); do
        t0=$(date +%s%N)
        if [ "$in" = - ]; then
            /usr/bin/time -f '%e %M' -o "$dir/time.out" "$@" > /dev/null 2> "$dir/err.out"
        else
            /usr/bin/time -f '%e %M' -o "$dir/time.out" "$@" < "$in" > /dev/null 2> "$dir/err.out"
        fi
        rc=$?
        t1=$(date +%s%N)
        [ "$rc" -gt "$RC" ] && RC=$rc
        # %e has 10 ms steps: the wall time is taken around the run instead
        # (it includes time(1)'s own fork, about a millisecond)
        read -r t m < <(tail -n 1 "$dir/time.out")
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        times+=("$t")
        [ "${m:-0}" -gt "$RSS" ] && RSS=$m
    done
    T=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    if [ "$RC" -ne 0 ]; then
        echo "ingest.sh: $name exited $RC:" >&2
        head -n 5 "$dir/err.out" >&2
    fi
}

# rows of the table: name input bytes events time rss rc
rows=()
declare -A EPS
row() { # key label input bytes
    local eps mbs
    eps=$(awk -v n="$N" -v t="$T" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print 0 }')
    mbs=$(awk -v b="$4" -v t="$T" 'BEGIN { if (t > 0) printf "%.1f", b / t / 1e6; else print "-" }')
    EPS[$1]=$eps
    rows+=("$2|$3|$T|$eps|$mbs|$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')|$RC|$1")
}

have() { command -v "$1" > /dev/null 2>&1; }

echo "running each command $RUNS times ..." >&2
if [ -f "$MAP" ]; then
    measure "eng-ingest -m" csv - "$INGEST" -m "$MAP" "$dir/events.csv"
    row ingest_map "eng-ingest -m gen-events.yaml" events.csv "$csv_bytes"
    RSS_MAP_BIG=$RSS
else
    echo "ingest.sh: $MAP missing: skipping the mapped CSV run" >&2
    RSS_MAP_BIG=
fi
measure "eng-ingest -f csv" csv - "$INGEST" -f csv "$dir/events.csv"
row ingest_csv "eng-ingest -f csv" events.csv "$csv_bytes"
if have mlr; then
    measure mlr csv - mlr --icsv --ojsonl cat "$dir/events.csv"
    row mlr "mlr --icsv --ojsonl cat" events.csv "$csv_bytes"
else
    echo "ingest.sh: mlr (Miller) not found: skipping that peer" >&2
fi
measure "eng-ingest -f jsonl" jsonl - "$INGEST" -f jsonl "$dir/events.jsonl"
row ingest_jsonl "eng-ingest -f jsonl" events.jsonl "$jsonl_bytes"
RSS_JSONL_BIG=$RSS
if have jq; then
    measure jq jsonl - jq -c . "$dir/events.jsonl"
    row jq "jq -c ." events.jsonl "$jsonl_bytes"
else
    echo "ingest.sh: jq not found: skipping that peer" >&2
fi
if [ -n "$CEIL" ]; then
    measure ceiling jsonl "$dir/events.jsonl" "$CEIL"
    row ceiling "json-parse-ceiling (jansson)" events.jsonl "$jsonl_bytes"
else
    echo "ingest.sh: bench/json-parse-ceiling not built: no ceiling" >&2
fi

# ---------------------------------------------------------------- report
ratio() { # ours theirs
    local a=${EPS[$1]:-} b=${EPS[$2]:-}
    [ -n "$a" ] && [ -n "$b" ] && [ "$b" != 0 ] || { echo "-"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }'
}
peer_of() {
    case $1 in
        ingest_map|ingest_csv) echo mlr ;;
        ingest_jsonl) echo jq ;;
    esac
}

echo
echo "eng-ingest benchmark: $N events (gen-events --seed 7), $RUNS runs each, median wall time"
echo "events.csv $(awk -v b="$csv_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB, events.jsonl $(awk -v b="$jsonl_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB; $(nproc 2>/dev/null || echo '?') CPUs"
echo
printf '%-31s %-13s %8s %11s %8s %8s %9s\n' tool input "median s" "events/s" "MB/s" "RSS MB" "vs peer"
printf '%-31s %-13s %8s %11s %8s %8s %9s\n' ------------------------------- ------------- -------- ----------- -------- -------- ---------
for r in "${rows[@]}"; do
    IFS='|' read -r label input t eps mbs rss rc key <<< "$r"
    peer=$(peer_of "$key")
    vs="-"
    [ -n "$peer" ] && vs="$(ratio "$key" "$peer") $peer"
    note=""
    # generated input has no bad records: any exit status but 0 is news
    [ "$rc" -ne 0 ] && note="  (exit $rc: see above)"
    printf '%-31s %-13s %8s %11s %8s %8s %9s%s\n' "$label" "$input" "$t" "$eps" "$mbs" "$rss" "$vs" "$note"
done
if [ -n "${EPS[ceiling]:-}" ] && [ -n "${EPS[ingest_jsonl]:-}" ]; then
    echo
    echo "eng-ingest -f jsonl runs at $(ratio ingest_jsonl ceiling) the speed of parsing every line with jansson."
fi

echo
echo "goals:"
goal() { # text ours theirs want
    local r a=${EPS[$2]:-} b=${EPS[$3]:-}
    if [ -z "$a" ] || [ -z "$b" ] || [ "$b" = 0 ]; then
        printf '  %-46s %-10s SKIP\n' "$1" "-"
        return
    fi
    r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
    if awk -v r="$r" -v w="$4" 'BEGIN { exit !(r >= w) }'; then
        printf '  %-46s %-10s PASS\n' "$1" "${r}x"
    else
        printf '  %-46s %-10s MISS\n' "$1" "${r}x"
    fi
}
goal "CSV (with map) >= 3x mlr" ingest_map mlr 3
goal "JSONL >= 2x jq" ingest_jsonl jq 2
for r in "${rows[@]}"; do
    IFS='|' read -r label input t eps mbs rss rc key <<< "$r"
    case $key in ingest_*) ;; *) continue ;; esac
    if awk -v m="$rss" 'BEGIN { exit !(m < 30) }'; then v=PASS; else v=MISS; fi
    printf '  %-46s %-10s %s\n' "RSS < 30 MB: $label" "$rss MB" "$v"
done

echo
echo "flat RSS (peak RSS should not grow with the input):"
flat() { # label big_rss cmd-args... (run on the small input)
    local label=$1 big=$2; shift 2
    RUNS_SAVE=$RUNS; RUNS=1
    measure "$label (small)" - - "$@"
    RUNS=$RUNS_SAVE
    printf '  %-31s %7s events: %6.1f MB   %7s events: %6.1f MB\n' "$label" "$small" \
        "$(awk -v k="$RSS" 'BEGIN { print k / 1024 }')" "$N" "$(awk -v k="$big" 'BEGIN { print k / 1024 }')"
}
[ -n "$RSS_MAP_BIG" ] && flat "eng-ingest -m gen-events.yaml" "$RSS_MAP_BIG" "$INGEST" -m "$MAP" "$dir/small.csv"
flat "eng-ingest -f jsonl" "$RSS_JSONL_BIG" "$INGEST" -f jsonl "$dir/small.jsonl"
exit 0
