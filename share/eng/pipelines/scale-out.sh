#!/bin/sh
# scale-out.sh: the scale-out recipe, on one machine. Splits the input by
# customer into N partitions (eng-ingest --partition-by customer) and runs
# N pipelines with GNU parallel, each with its own state; the receipts are
# those of one pipeline over the whole input, as a set (in another order).
# This holds because every stateful stage's output for a customer depends
# only on that customer's events, in time order (eng(7), STATE AND
# SCALE-OUT), and --now ends every partition at the same time.
#
# Usage: scale-out.sh [--partitions N] [--jobs J] [--now TS] STATEDIR CONFDIR FILE... > receipts.jsonl
#
#   --partitions N  how many partitions (default 4)
#   --jobs J        how many pipelines run at once (default N)
#   --now TS        the end of the input's period (eng-match and eng-emit
#                   --now). Without it, an absence that one pipeline would
#                   fire because another customer's later event moved the
#                   watermark stays pending in its partition: give it
#                   whenever the receipts must equal one pipeline's.
#   STATEDIR        STATEDIR/in/part-K.jsonl: partition K's events;
#                   STATEDIR/part-K/: its state, rejects, receipts.jsonl
#                   and file: sink outputs; rejects/ eng-ingest's rejects
#   CONFDIR         the configs (see common.sh)
#   FILE...         the input, in time order
#
# Receipts on standard output, partition after partition. Keep N fixed
# from run to run: a customer's state lives in the partition its id hashes
# to (XXH3-64 mod N), and a run with another N would not find it.
#
# The stages of one partition, as GNU parallel runs them:
#   eng-sentiment < in/part-K.jsonl | eng-enrich ... --state part-K/enrich.db |
#     eng-match ... --state part-K/match.db | eng-emit ... --state part-K/emit.db
#
# Exit status: 0, or 1 when some records were rejected; 2 usage; otherwise
# the status of the first stage that failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

parts=4 jobs= now= part=
while [ $# -gt 0 ]; do
    case $1 in
    --partitions) [ $# -ge 2 ] || eng_die "--partitions needs a number"; parts=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || eng_die "--jobs needs a number"; jobs=$2; shift 2 ;;
    --now) [ $# -ge 2 ] || eng_die "--now needs a time"; now=$2; shift 2 ;;
    # internal: what each parallel job runs
    --run-partition) [ $# -ge 2 ] || eng_die "--run-partition needs a number"; part=$2; shift 2 ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done

if [ -n "$part" ]; then
    # One partition's pipeline: STATEDIR CONFDIR. Exit 0 even when records
    # were rejected (parallel counts any other status as a failed job); the
    # caller looks at the rejects files.
    [ $# -eq 2 ] || eng_die "usage: scale-out.sh --run-partition K STATEDIR CONFDIR"
    eng_confdir "$2"
    eng_statedir "$1/part-$part"
    ENG_TAG=part-$part
    eng_sentiment < "$1/in/part-$part.jsonl" | eng_tail "$now" \
        > "$ENG_STATE/receipts.jsonl"
    eng_check
    exit 0
fi

[ $# -ge 3 ] || eng_die "usage: scale-out.sh [--partitions N] [--jobs J] [--now TS] STATEDIR CONFDIR FILE..."
case $parts in
''|*[!0-9]*) eng_die "--partitions: not a number: $parts" ;;
esac
: "${jobs:=$parts}"
eng_confdir "$2"
eng_statedir "$1"
shift 2
ENG_TAG=scale-out
mkdir -p "$ENG_STATE/in"

eng_ingest --partition-by customer --partitions "$parts" \
    --partition-out "$ENG_STATE/in/part-%d.jsonl" "$@"
eng_check

ks= k=0
while [ "$k" -lt "$parts" ]; do
    ks="$ks $k"
    k=$((k + 1))
done
# -q: parallel quotes the arguments itself (STATEDIR may hold blanks).
# --halt now,fail=1: one failed partition stops the others.
rc=0
# shellcheck disable=SC2086 # $ks is a list of numbers
parallel --will-cite -q -j "$jobs" --halt now,fail=1 \
    "$here/scale-out.sh" ${now:+--now "$now"} --run-partition {} \
    "$ENG_STATE" "$ENG_CONF" ::: $ks || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "scale-out.sh: a partition failed (parallel exit status $rc)" >&2
    exit 3
fi
any=0
for k in $ks; do
    cat "$ENG_STATE/part-$k/receipts.jsonl"
    (ENG_TAG=part-$k ENG_STATE=$ENG_STATE/part-$k; eng_rejected) || any=1
done
eng_rejected || any=1
exit "$any"
