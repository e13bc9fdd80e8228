#!/bin/sh
# hadoop-reducer.sh: the reduce side of the Hadoop Streaming recipe. Reads
# CUSTOMER<TAB>EVENT-JSON lines sorted by customer (from
# hadoop-mapper.sh, through Hadoop's shuffle), strips the key and runs the
# stateful stages, eng-enrich | eng-match | eng-emit; receipts on standard
# output (the job's output).
#
# Usage: hadoop-reducer.sh [--now TS] [CONFDIR] < sorted-keyed-events > receipts
#
#   --now TS  the end of the period the job covers; give it, since absences
#             are decided by it here (below)
#   CONFDIR   the configs (see common.sh; default ./conf)
#
# The hadoop jar command is in hadoop-mapper.sh's header. Locally, the same
# contract:
#   hadoop-mapper.sh conf < events.jsonl | sort -t "$(printf '\t')" -k1,1 -s |
#     hadoop-reducer.sh --now TS conf
#
# A reducer sees one customer's events after another's, each customer's in
# time order (one mapper's order is kept within a key by a stable sort;
# with several input files per customer, add a secondary sort on ts).
# Every stage's result for a customer depends only on that customer's
# events, but eng-match's watermark is global: in one eng-match, the next
# customer's events would be late behind the previous customer's, and a
# lateness long enough to accept them would keep absences from firing
# until the end (so a later cart would replace a pending one). So
# eng-match runs once per customer, with that customer's events (its
# watermark is then the customer's own time, which decides an absence
# exactly as the global one would, the customer's events being in order),
# and --now TS decides at the end what is due by TS. eng-enrich and
# eng-emit run once for the reducer. The stages keep their state in
# memory, for the run: each job starts afresh. (With --state, eng-match
# would also skip an event whose source line is below one it has seen from
# the same source, and after the shuffle a source's lines come in customer
# order.) eng-emit's quiet hours with action: defer release deferred
# messages by its watermark, which is global: with them, release receipts
# can differ from one pipeline's. The task's directory (ENG_STATE_DIR,
# default ./eng-state) receives the file: sink outputs.
# Rejects go to standard error (the task's log). Exit status as
# nightly.sh's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

now=
while [ $# -gt 0 ]; do
    case $1 in
    --now) [ $# -ge 2 ] || eng_die "--now needs a time"; now=$2; shift 2 ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -le 1 ] || eng_die "usage: hadoop-reducer.sh [--now TS] [CONFDIR]"
eng_confdir "${1:-conf}"
eng_statedir "${ENG_STATE_DIR:-./eng-state}"
ENG_TAG=reduce

# cut -f 2-: everything after the first tab (the JSON text has no raw tab)
export ENG_CONF now
# eng-match's rejects (few: late events cannot happen here) go to standard
# error with the others; one file per customer would be too many.
cut -f 2- |
    eng_stage enrich eng-enrich -c "$ENG_CONF/enrich.yaml" \
        --rejects "$ENG_STATE/rejects/$ENG_TAG-enrich.jsonl" |
    eng_key |
    eng_by_key 'eng-match ${now:+--now "$now"} "$ENG_CONF/rules.yaml"' |
    (cd "$ENG_STATE" && eng_stage emit eng-emit -c "$ENG_CONF/channels.yaml" \
        --rejects "$ENG_STATE/rejects/$ENG_TAG-emit.jsonl" ${now:+--now "$now"})
eng_check
if ! eng_rejected; then
    cat "$ENG_STATE/rejects/$ENG_TAG"-*.jsonl >&2
    exit 1
fi
