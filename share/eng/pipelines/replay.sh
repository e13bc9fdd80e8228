#!/bin/sh
# replay.sh: the replay recipe. Replays an archive of events through the
# five eng stages, paced by event time or as fast as possible, and writes
# the receipts production would have written: every decision uses the
# events' ts, never the wall clock, so the pace changes when receipts come
# out, not what they say.
#
# Usage: replay.sh [--speed SPEED] [--since TS] [--until TS] [--now TS] [--send]
#                  STATEDIR CONFDIR FILE... > receipts.jsonl
#
#   --speed SPEED  eng-ingest --replay: 1x, 60x, 3600x, ... or max (the
#                  default: no pacing). The first event sets the origin, so
#                  a span of event time takes span/SPEED of wall time: a
#                  month at 3600x takes 12 minutes, two hours 2 seconds
#   --since TS, --until TS
#                  replay only the events in [since, until) (eng-ingest
#                  --since, --until), a window of the archive
#   --now TS       the end of the replayed period: absences due by then
#                  fire (eng-match --now), as in the nightly runs
#   --send         really deliver to the sinks; by default eng-emit runs
#                  with --dry-run (decides, renders and applies the caps in
#                  memory, sends nothing, writes no state; status dry-run)
#   STATEDIR       state and rejects; start from an empty one to replay
#                  from scratch
#   CONFDIR        the configs (see common.sh)
#   FILE...        the archive, in time order (JSON-lines, or what
#                  CONFDIR/ingest.yaml maps)
#
# For instance, June at 3600 times real speed (a month in 12 minutes):
#   replay.sh --speed 3600x --now 2024-07-01T00:00:00Z /tmp/june conf archive/2024-06-*.jsonl > june.jsonl
#
# Exit status: 0, or 1 when some records were rejected; 2 usage; otherwise
# the status of the first stage that failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

speed=max now= send= since= until=
while [ $# -gt 0 ]; do
    case $1 in
    --speed) [ $# -ge 2 ] || eng_die "--speed needs a value"; speed=$2; shift 2 ;;
    --now) [ $# -ge 2 ] || eng_die "--now needs a time"; now=$2; shift 2 ;;
    --since) [ $# -ge 2 ] || eng_die "--since needs a time"; since=$2; shift 2 ;;
    --until) [ $# -ge 2 ] || eng_die "--until needs a time"; until=$2; shift 2 ;;
    --send) send=1; shift ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -ge 3 ] || eng_die "usage: replay.sh [--speed SPEED] [--since TS] [--until TS] [--now TS] [--send] STATEDIR CONFDIR FILE..."
eng_confdir "$2"
eng_statedir "$1"
shift 2
ENG_TAG=replay

[ -n "$send" ] || ENG_DRY_RUN=1
eng_ingest --replay "$speed" ${since:+--since "$since"} ${until:+--until "$until"} "$@" | eng_sentiment | eng_tail "$now"
eng_check
eng_rejected
