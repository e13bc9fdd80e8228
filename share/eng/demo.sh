#!/bin/sh
# demo.sh: the demo pipeline on the sample data shipped in share/eng/samples.
# Run by `make demo` as: demo.sh BINDIR DATADIR. Each tool, as it lands,
# extends this pipeline.
set -eu
bin=${1:?usage: demo.sh BINDIR DATADIR}
data=${2:?usage: demo.sh BINDIR DATADIR}
PATH="$bin:$PATH"
export ENG_DATADIR="$data"
out=${TMPDIR:-/tmp}/eng-demo.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2" >&2; }

step "airline tweets (CSV, mapped) -> events" \
     "eng-ingest -m maps/tweets.yaml samples/tweets.csv --rejects rejects.jsonl --stats"
# Exit status 1 is expected: the sample holds one bad row, to show a reject.
eng-ingest -m "$data/maps/tweets.yaml" "$data/samples/tweets.csv" \
    --rejects "$out/tweets-rejects.jsonl" --stats > "$out/tweets.jsonl" || [ $? -eq 1 ]
head -n 5 "$out/tweets.jsonl"
echo "... $(wc -l < "$out/tweets.jsonl") events" >&2
echo "rejects:" >&2
cat "$out/tweets-rejects.jsonl"

step "listening: events -> VADER sentiment with an airline lexicon, and topics" \
     "eng-sentiment --add-lexicon lexicons/airline.tsv --topics topics/airline.yaml"
eng-sentiment --add-lexicon "$data/lexicons/airline.tsv" \
    --topics "$data/topics/airline.yaml" --stats \
    < "$out/tweets.jsonl" > "$out/scored.jsonl"
jq -c '{customer, text: .text[0:60], sentiment: .sentiment.compound, label: .sentiment.label, topics}' \
    "$out/scored.jsonl" | head -n 5

step "decisions: rules over the scored events -> action records" \
     "eng-match rules/listening.yaml --stats"
eng-match "$data/rules/listening.yaml" --stats < "$out/scored.jsonl" > "$out/actions.jsonl"
cat "$out/actions.jsonl"

step "web access log (combined format, auto-detected) -> events" \
     "eng-ingest samples/access.log --stats"
eng-ingest "$data/samples/access.log" --rejects "$out/access-rejects.jsonl" \
    --stats > "$out/access.jsonl" || [ $? -eq 1 ]
head -n 5 "$out/access.jsonl"
echo "... $(wc -l < "$out/access.jsonl") events" >&2
echo "rejects:" >&2
cat "$out/access-rejects.jsonl"
