#!/bin/sh
# nightly.sh: the cron recipe. Runs one day's input through the five eng
# stages, with the state of eng-enrich, eng-match and eng-emit carried in
# STATEDIR from night to night, so that two nightly runs over two days give
# the receipts of one run over both days.
#
# Usage: nightly.sh [--now TS] DAYFILE STATEDIR CONFDIR > receipts.jsonl
#
#   DAYFILE   the day's input (JSON-lines, or what CONFDIR/ingest.yaml maps)
#   STATEDIR  the pipeline's state (enrich.db, match.db, emit.db), rejects
#             (rejects/DAYNAME-STAGE.jsonl) and file: sink outputs
#   CONFDIR   enrich.yaml, rules.yaml, channels.yaml [, ingest.yaml,
#             topics.yaml, lexicon.tsv] (see common.sh)
#   --now TS  the end of the day (the next midnight, RFC 3339): eng-match
#             fires the absences due by then ("no purchase within 6h" of a
#             cart at 20:00 is decided tonight, not when tomorrow's first
#             event arrives) and eng-emit releases what was deferred to it.
#
# From cron, at 00:10 UTC, over yesterday's file (% is special in crontab):
#   10 0 * * *  cd /srv/eng && d=$(date -u -d yesterday +\%F) && share/eng/pipelines/nightly.sh --now "$(date -u +\%F)T00:00:00Z" in/$d.jsonl state conf > out/$d.jsonl
#
# Each day's events keep the day file's name as their source (in ids
# generated for events without one, and in eng-match's record of what it
# has consumed), so give each day a file of its own name. A day is run
# once: its name is added to STATEDIR/days.done after a successful run,
# and a second run of it stops with exit status 2. (eng-match would skip
# the lines it consumed and eng-emit would drop the actions it journaled,
# but eng-enrich would count the day's events into the profiles again.)
# Exit status: 0, or 1 when some records were rejected (see
# STATEDIR/rejects/); 2 usage, or the day was already run; otherwise the
# status of the first stage that failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

now=
while [ $# -gt 0 ]; do
    case $1 in
    --now) [ $# -ge 2 ] || eng_die "--now needs a time"; now=$2; shift 2 ;;
    --now=*) now=${1#--now=}; shift ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 3 ] || eng_die "usage: nightly.sh [--now TS] DAYFILE STATEDIR CONFDIR"
[ -f "$1" ] || eng_die "$1: no such file"
eng_confdir "$3"
eng_statedir "$2"
day=${1##*/}
ENG_TAG=${day%.*}

if grep -qxF "$day" "$ENG_STATE/days.done" 2>/dev/null; then
    eng_die "$day: already run with this state (see $ENG_STATE/days.done)"
fi

eng_ingest "$1" | eng_sentiment | eng_tail "$now"
eng_check
echo "$day" >> "$ENG_STATE/days.done"
eng_rejected
