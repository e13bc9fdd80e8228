#!/bin/sh
# summary.sh: a short human summary of one example's run (make demo).
#
# Usage: summary.sh OUTDIR
#
# Reads the files every example's run.sh writes into OUTDIR (README in this
# directory): stats.jsonl (each stage's --stats line), rejects.jsonl,
# actions.jsonl and receipts.jsonl, and prints
#   events in     what eng-ingest read (records in)
#   rejects       per tool, with the count
#   actions       per rule
#   receipts      per status (and reason, for suppressed ones)
#   conversions   when the scenario writes conversions.jsonl
# Only jq is needed.
set -eu
out=${1:?usage: summary.sh OUTDIR}

for f in stats.jsonl rejects.jsonl actions.jsonl receipts.jsonl; do
    [ -f "$out/$f" ] || { echo "summary.sh: $out/$f: missing" >&2; exit 2; }
done

# counts KEY-EXPR FILE: "  name  n" lines, most frequent first, ties by name
counts() {
    jq -r "$1" "$2" | sort | uniq -c | sort -k1,1nr -k2 |
        awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "    %-34s %6d\n", $0, n }'
}

in=$(jq -r 'select(.tool == "eng-ingest") | .in' "$out/stats.jsonl" | head -n 1)
printf '  %-36s %6s\n' "events in (eng-ingest)" "${in:-?}"
printf '  %-36s %6d\n' "rejects" "$(wc -l < "$out/rejects.jsonl")"
counts '.tool' "$out/rejects.jsonl"
printf '  %-36s %6d\n' "actions" "$(wc -l < "$out/actions.jsonl")"
counts '.rule' "$out/actions.jsonl"
printf '  %-36s %6d\n' "receipts" "$(wc -l < "$out/receipts.jsonl")"
counts 'if .reason then "\(.status) (\(.reason))" else .status end' "$out/receipts.jsonl"
# a scenario that measures its outcome (cart: conversions.jsonl)
if [ -f "$out/conversions.jsonl" ]; then
    printf '  %-36s %6d\n' "conversions" "$(wc -l < "$out/conversions.jsonl")"
fi
