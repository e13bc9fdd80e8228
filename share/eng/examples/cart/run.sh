#!/bin/sh
# run.sh: run the cart abandonment example through the eng pipeline.
#
# Usage: run.sh [OUTDIR]
#
# eng-ingest (shop-events.csv through the shop-events.yaml mapping),
# eng-enrich, eng-match (rules.yaml: the reminder) and eng-emit, then a
# second eng-match pass (conversion.yaml) over the events and the receipts
# merged in time order, with the tools found on PATH (and jq). Writes into
# OUTDIR (default: a new temporary directory, named on stderr):
#   events.jsonl          eng-ingest's events
#   actions.jsonl         eng-match's reminder actions
#   receipts.jsonl        eng-emit's receipts, one per action
#   conversions.jsonl     the second pass's conversion records
#   rejects.jsonl         every stage's rejects, in stage order
#   stats.jsonl           every stage's --stats line, in stage order
#   messages/email.jsonl  the reminders sent (the email channel)
# and the stages' state files (enrich.db, match.db, emit.db). The export covers July 1-10,
# 2024: both eng-match passes run with --now 2024-07-11T00:00:00Z, the
# export's end, so that a cart abandoned in its last half hour gets its
# reminder. Exit status 0 when the pipeline ran (the sample has one bad
# row); 2 when a stage failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# example_outdir, stage, collect_rejects
. "$here/../run-lib.sh"
example_outdir cart "$@"
now=2024-07-11T00:00:00Z

# Every run starts afresh: old state would make every action a duplicate,
# and the file sink appends.
rm -f "$out/events.jsonl" "$out/enriched.jsonl" "$out/actions.jsonl" \
      "$out/receipts.jsonl" "$out/merged.jsonl" "$out/conversions.jsonl" \
      "$out/rejects.jsonl" "$out/stats.jsonl" "$out/messages/email.jsonl" \
      "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm \
      "$out"/rejects-*.jsonl "$out"/stderr-*.txt
mkdir -p "$out/messages"

# In the example's directory, so that rejects name the input shop-events.csv
# wherever the example is installed.
(cd "$here" && stage ingest eng-ingest -m shop-events.yaml \
    --rejects "$out/rejects-1-ingest.jsonl" -o "$out/events.jsonl" \
    shop-events.csv)
stage enrich eng-enrich -c "$here/enrich.yaml" --state "$out/enrich.db" \
    --rejects "$out/rejects-2-enrich.jsonl" -o "$out/enriched.jsonl" \
    "$out/events.jsonl"
# --with-event: the reminder's email address is event.profile.email
stage match eng-match --with-event --state "$out/match.db" --now "$now" \
    --rejects "$out/rejects-3-match.jsonl" -o "$out/actions.jsonl" \
    "$here/rules.yaml" "$out/enriched.jsonl"
# In OUTDIR, so that the file sink's relative path lands there (the
# opt-out list is relative to channels.yaml, beside it).
(cd "$out" && stage emit eng-emit -c "$here/channels.yaml" \
    --state "$out/emit.db" --rejects "$out/rejects-4-emit.jsonl" \
    -o "$out/receipts.jsonl" "$out/actions.jsonl")
# The events and the receipts in time order (jq's sort is stable: at equal
# times, events first), for the conversion rule.
jq -c -s 'sort_by(.ts)[]' "$out/events.jsonl" "$out/receipts.jsonl" \
    > "$out/merged.jsonl" || { echo "run.sh: jq failed" >&2; exit 2; }
stage conversion eng-match --now "$now" \
    --rejects "$out/rejects-5-conversion.jsonl" -o "$out/conversions.jsonl" \
    "$here/conversion.yaml" "$out/merged.jsonl"

collect_rejects 1-ingest 2-enrich 3-match 4-emit 5-conversion
rm -f "$out/enriched.jsonl" "$out/merged.jsonl"
