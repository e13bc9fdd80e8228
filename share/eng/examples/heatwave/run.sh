#!/bin/sh
# run.sh: run the heatwave example through the whole eng pipeline.
#
# Usage: run.sh [OUTDIR]
#
# eng-ingest (app-events.csv through the app-events.yaml mapping), then
# eng-enrich, eng-match and eng-emit, with the tools found on PATH. Writes
# into OUTDIR (default: a new temporary directory, named on stderr):
#   events.jsonl     eng-ingest's events
#   actions.jsonl    eng-match's action records
#   receipts.jsonl   eng-emit's receipts, one per action
#   rejects.jsonl    every stage's rejects, in stage order
#   stats.jsonl      every stage's --stats line, in stage order
#   messages/push.jsonl  what the push channel's file sink received
# and the stages' state files (enrich.db, match.db, emit.db). Exit status 0
# when the pipeline ran (rejected records are expected: the sample has one);
# 2 when a stage failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# example_outdir, stage, collect_rejects
. "$here/../run-lib.sh"
example_outdir heatwave "$@"

# Every run starts afresh: old state would make every action a duplicate,
# and the file sink appends.
rm -f "$out/events.jsonl" "$out/enriched.jsonl" "$out/actions.jsonl" \
      "$out/receipts.jsonl" "$out/rejects.jsonl" "$out/stats.jsonl" \
      "$out/messages/push.jsonl" "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm \
      "$out"/rejects-*.jsonl "$out"/stderr-*.txt
mkdir -p "$out/messages"

# In the example's directory, so that rejects name the input app-events.csv
# wherever the example is installed.
(cd "$here" && stage ingest eng-ingest -m app-events.yaml \
    --rejects "$out/rejects-1-ingest.jsonl" -o "$out/events.jsonl" \
    app-events.csv)
stage enrich eng-enrich -c "$here/enrich.yaml" --state "$out/enrich.db" \
    --rejects "$out/rejects-2-enrich.jsonl" -o "$out/enriched.jsonl" \
    "$out/events.jsonl"
# --with-event: eng-emit's quiet hours need the customer's zone, event.profile.tz
stage match eng-match --with-event --state "$out/match.db" \
    --rejects "$out/rejects-3-match.jsonl" -o "$out/actions.jsonl" \
    "$here/rules.yaml" "$out/enriched.jsonl"
# In OUTDIR, so that the file sink's relative path lands there.
(cd "$out" && stage emit eng-emit -c "$here/channels.yaml" \
    --state "$out/emit.db" --rejects "$out/rejects-4-emit.jsonl" \
    -o "$out/receipts.jsonl" "$out/actions.jsonl")

collect_rejects 1-ingest 2-enrich 3-match 4-emit
rm -f "$out/enriched.jsonl"
