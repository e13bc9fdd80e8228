#!/bin/sh
# demo.sh: the demo (`make demo`, README.md's first command): the example
# scenarios in share/eng/examples, each through the whole pipeline, with a
# short human summary of each.
#
# Usage: demo.sh BINDIR DATADIR
#
#   BINDIR   where the eng tools are (a build tree's bin/, or an install's)
#   DATADIR  share/eng: examples/, vader_lexicon.txt, emoji_utf8_lexicon.txt
#
# Each scenario's run.sh writes its outputs (events, actions, receipts,
# rejects, stats, the channels' files) into a directory of its own; the
# demo shows the summary (examples/summary.sh) and the first receipts, and
# removes the outputs at the end unless ENG_DEMO_KEEP=1, in which case it
# names the directory to look into.
set -eu
bin=${1:?usage: demo.sh BINDIR DATADIR}
data=${2:?usage: demo.sh BINDIR DATADIR}
# absolute: the examples' run.sh change directory
bin=$(cd "$bin" && pwd) && data=$(cd "$data" && pwd) || exit 2
PATH="$bin:$PATH"
ENG_DATADIR="$data"
export PATH ENG_DATADIR

out=$(mktemp -d "${TMPDIR:-/tmp}/eng-demo.XXXXXX")
if [ "${ENG_DEMO_KEEP:-0}" = 1 ]; then
    trap 'echo "demo.sh: outputs kept in $out" >&2' EXIT
else
    trap 'rm -rf "$out"' EXIT
fi

if [ -t 1 ]; then bold=$(printf '\033[1m'); plain=$(printf '\033[0m')
else bold= plain=; fi

# The scenarios in the order a reader meets them in README.md; any other
# example directory with a run.sh follows, by name.
scenarios=
for ex in heatwave cart social; do
    [ -f "$data/examples/$ex/run.sh" ] && scenarios="$scenarios $ex"
done
for d in "$data"/examples/*/; do
    ex=$(basename "$d")
    case " $scenarios " in *" $ex "*) continue ;; esac
    [ -f "$d/run.sh" ] && scenarios="$scenarios $ex"
done
[ -n "$scenarios" ] || { echo "demo.sh: no examples in $data/examples" >&2; exit 2; }

for ex in $scenarios; do
    dir=$data/examples/$ex
    printf '\n%s== %s%s\n' "$bold" "$(head -n 1 "$dir/README")" "$plain"
    printf '$ sh share/eng/examples/%s/run.sh OUTDIR\n' "$ex"
    # The samples hold a bad record or two on purpose: the rejects are part
    # of the story, so the stages' messages about them are shown.
    if ! sh "$dir/run.sh" "$out/$ex" > "$out/$ex.log" 2>&1; then
        cat "$out/$ex.log" >&2
        echo "demo.sh: the $ex example failed" >&2
        exit 2
    fi
    sed 's/^/  /' "$out/$ex.log"
    sh "$data/examples/summary.sh" "$out/$ex"
    # what was wrong with each rejected record, as the tools reported it
    [ -s "$out/$ex/rejects.jsonl" ] && echo "  rejected records:"
    jq -r '"    \(.tool): \(.source):\(.line): \(.error)"' "$out/$ex/rejects.jsonl"
    echo "  first receipts:"
    head -n 3 "$out/$ex/receipts.jsonl" | cut -c 1-160 | sed 's/^/    /'
    # the KPIs of the run, as records and as a page
    # (the events as eng-match saw them, scored and enriched, where the
    # scenario keeps them: the listening metrics need the sentiment)
    events=events.jsonl
    [ -f "$out/$ex/enriched.jsonl" ] && events=enriched.jsonl
    ( cd "$out/$ex" && eng-report --title "eng demo: $ex" --html report.html \
        -o report.jsonl "$events" actions.jsonl receipts.jsonl rejects.jsonl )
    printf '  report: %s metric records, the page report.html\n' \
        "$(wc -l < "$out/$ex/report.jsonl")"
done
printf '\n(each scenario: share/eng/examples/NAME/README; ENG_DEMO_KEEP=1 make demo keeps the outputs)\n'
