#!/bin/sh
# stream.sh: the streaming recipe. Follows a growing log through the five
# eng stages and writes each receipt as soon as its event is appended: the
# stages flush whenever their input runs dry, so nothing waits for a
# buffer to fill.
#
# Usage: stream.sh [--tail] LOG STATEDIR CONFDIR > receipts.jsonl
#
#   LOG       the log to follow (JSON-lines, or what CONFDIR/ingest.yaml
#             maps), from its first line; it need not exist yet
#   STATEDIR  state (enrich.db, match.db, emit.db), rejects and file: sink
#             outputs, as for nightly.sh
#   CONFDIR   the configs (see common.sh)
#   --tail    read the log with tail -F (tail -n +1 -F LOG | eng-ingest)
#             instead of eng-ingest --follow LOG; with --follow the events'
#             source keeps the file's name and line numbers
#
# Runs until SIGTERM or SIGINT: the script then stops the reader only (eng-
# ingest, or tail), and the later stages drain what is in the pipes, save
# their state and exit, so no event read is lost. Restarting it continues:
# with --follow, a clean stop records in STATEDIR/follow.line how many
# records of LOG were read, and the next start leaves those out
# (eng-ingest --where 'source.line > N'), so that eng-enrich does not
# count them into the profiles again (eng-match would skip them by its
# state, but eng-enrich keeps no such record); after a failed run the mark
# is not moved. This assumes one growing file: eng-ingest --follow numbers
# a rotated log's successor (or a truncated log's new lines) on from the
# old file's last line, but a new start numbers it from 1, and both the
# mark and eng-match's state would skip its first lines; after a rotation
# or truncation, start the new file with a new STATEDIR (or stop, rotate
# and restart with --tail). With --tail, every
# start is a new source (LOGNAME-N, N counted in STATEDIR/runs) read from
# line 1, so give --tail a log that starts afresh (a new day's file), or
# use --follow.
#
# For instance, as a systemd service or under a supervisor:
#   stream.sh /var/log/app/events.jsonl /srv/eng/state /srv/eng/conf >> /srv/eng/receipts.jsonl
#
# Exit status: 0 after a clean stop (1 when some records were rejected);
# 2 usage; otherwise the status of the first stage that failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

reader=follow
while [ $# -gt 0 ]; do
    case $1 in
    --tail) reader=tail; shift ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 3 ] || eng_die "usage: stream.sh [--tail] LOG STATEDIR CONFDIR"
log=$1
eng_confdir "$3"
eng_statedir "$2"
ENG_TAG=stream
name=${log##*/}

# The reader writes into a FIFO, in the background, so that its pid is
# known and a signal can stop it alone (see eng_reader_wait).
fifo=$ENG_STATE/.stream.$$
rm -f "$fifo"
mkfifo "$fifo"
if [ "$reader" = follow ]; then
    mark=$ENG_STATE/follow.line
    seen=$(cat "$mark" 2>/dev/null || echo 0)
    case $seen in ''|*[!0-9]*) eng_die "$mark: not a line number: $seen" ;; esac
    rm -f "$fifo.mark"
    mkfifo "$fifo.mark"
    eng_mark "$mark.new" "$seen" < "$fifo.mark" &
    markpid=$!
    tee "$fifo.mark" < "$fifo" | eng_sentiment | eng_tail "" &
    down=$!
    if [ -f "$ENG_CONF/ingest.yaml" ]; then
        set -- -m "$ENG_CONF/ingest.yaml"
    else
        set -- -f jsonl
    fi
    [ "$seen" -eq 0 ] || set -- "$@" --where "source.line > $seen"
    # exec: $! is eng-ingest itself, not a subshell
    (exec eng-ingest "$@" --follow \
        --rejects "$ENG_STATE/rejects/$ENG_TAG-ingest.jsonl" "$log") > "$fifo" &
    eng_reader_wait $! ingest
else
    # tail -F gives eng-ingest a stream without a name, numbered from line
    # 1 at every start: each start is a source of its own. -s 0.2: where
    # tail cannot use inotify it polls, by default once a second.
    n=$(eng_run_number)
    eng_ingest --source "$name-$n" < "$fifo" | eng_sentiment | eng_tail "" &
    down=$!
    (exec tail -s 0.2 -n +1 -F "$log" 2>/dev/null) > "$fifo" &
    eng_reader_wait $! tail
fi
wait "$down" || :
rm -f "$fifo"
if [ "$reader" = follow ]; then
    wait "$markpid" || :
    rm -f "$fifo.mark"
fi
eng_check
# a clean run: move the restart mark (a failed one keeps the old mark)
if [ "$reader" = follow ] && [ -s "$mark.new" ]; then
    mv -f "$mark.new" "$mark"
fi
eng_rejected
