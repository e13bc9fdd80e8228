#!/bin/sh
# run.sh: run the social listening example through the whole eng pipeline.
#
# Usage: run.sh [OUTDIR]
#
# eng-ingest (tweets.csv through the tweets.yaml mapping), eng-sentiment
# (VADER with lexicon.tsv, topics.yaml), eng-enrich, eng-match and eng-emit,
# with the tools found on PATH. Writes into OUTDIR (default: a new temporary
# directory, named on stderr):
#   events.jsonl          eng-ingest's events
#   enriched.jsonl        the events with sentiment, topics and profile (what
#                         eng-match read; eng-report's listening metrics)
#   actions.jsonl         eng-match's action records
#   receipts.jsonl        eng-emit's receipts, one per action
#   rejects.jsonl         every stage's rejects, in stage order
#   stats.jsonl           every stage's --stats line, in stage order
#   cases.jsonl           the case queue (the case channel's file sink)
#   messages/social.jsonl apologies sent as replies (the social channel)
#   messages/email.jsonl  apologies sent by email (the email channel)
# and the stages' state files (enrich.db, match.db, emit.db). Exit status 0 when the
# pipeline ran (rejected records are expected: the sample has one); 2 when
# a stage failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# example_outdir, stage, collect_rejects
. "$here/../run-lib.sh"
example_outdir social "$@"

# eng-sentiment's VADER lexicon: the share/eng this example lives in, unless
# the caller says otherwise (a build tree's tools do not know where it is).
if [ -z "${ENG_DATADIR:-}" ] && [ -f "$here/../../vader_lexicon.txt" ]; then
    ENG_DATADIR=$(cd "$here/../.." && pwd)
    export ENG_DATADIR
fi

# Every run starts afresh: old state would make every action a duplicate,
# and the file sinks append.
rm -f "$out/events.jsonl" "$out/scored.jsonl" "$out/enriched.jsonl" \
      "$out/actions.jsonl" "$out/receipts.jsonl" "$out/rejects.jsonl" \
      "$out/stats.jsonl" "$out/cases.jsonl" "$out/messages/social.jsonl" \
      "$out/messages/email.jsonl" \
      "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm \
      "$out"/rejects-*.jsonl "$out"/stderr-*.txt
mkdir -p "$out/messages"

# In the example's directory, so that rejects name the input tweets.csv
# wherever the example is installed.
(cd "$here" && stage ingest eng-ingest -m tweets.yaml \
    --rejects "$out/rejects-1-ingest.jsonl" -o "$out/events.jsonl" \
    tweets.csv)
stage sentiment eng-sentiment --add-lexicon "$here/lexicon.tsv" \
    --topics "$here/topics.yaml" \
    --rejects "$out/rejects-2-sentiment.jsonl" -o "$out/scored.jsonl" \
    "$out/events.jsonl"
stage enrich eng-enrich -c "$here/enrich.yaml" --state "$out/enrich.db" \
    --rejects "$out/rejects-3-enrich.jsonl" -o "$out/enriched.jsonl" \
    "$out/scored.jsonl"
# --with-event: the case is the whole action record, with the tweet, its
# sentiment and topics and the profile; the apologies' bodies use
# event.profile.email and event.id.
stage match eng-match --with-event --state "$out/match.db" \
    --rejects "$out/rejects-4-match.jsonl" -o "$out/actions.jsonl" \
    "$here/rules.yaml" "$out/enriched.jsonl"
# In OUTDIR, so that the file sinks' relative paths land there (the
# opt-out list is relative to channels.yaml, beside it).
(cd "$out" && stage emit eng-emit -c "$here/channels.yaml" \
    --state "$out/emit.db" --rejects "$out/rejects-5-emit.jsonl" \
    -o "$out/receipts.jsonl" "$out/actions.jsonl")

collect_rejects 1-ingest 2-sentiment 3-enrich 4-match 5-emit
rm -f "$out/scored.jsonl"
