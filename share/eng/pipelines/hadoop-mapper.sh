#!/bin/sh
# hadoop-mapper.sh: the map side of the Hadoop Streaming recipe. Turns the
# mapper's input split into events and scores them (eng-ingest |
# eng-sentiment), and writes each event keyed by customer, one line each:
#   CUSTOMER<TAB>EVENT-JSON
# so that Hadoop sends all of a customer's events to one reducer
# (hadoop-reducer.sh), which runs the stateful stages.
#
# Usage: hadoop-mapper.sh [CONFDIR] < split > keyed-events
#
#   CONFDIR  the configs (see common.sh; default ./conf, where
#            -archives conf.tgz#conf unpacks them); the mapper uses
#            ingest.yaml, topics.yaml and lexicon.tsv when present
#
# The job, with the tools installed on every node and the configs packed
# in conf.tgz (tar czf conf.tgz -C conf .); one day or month per job, and
# --now the end of it:
#   hadoop jar $HADOOP_HOME/share/hadoop/tools/lib/hadoop-streaming-*.jar \
#     -files share/eng/pipelines/hadoop-mapper.sh,share/eng/pipelines/hadoop-reducer.sh,share/eng/pipelines/common.sh \
#     -archives conf.tgz#conf \
#     -D stream.num.map.output.key.fields=1 \
#     -input /data/events/2024-03 -output /data/receipts/2024-03 \
#     -mapper 'sh hadoop-mapper.sh conf' \
#     -reducer 'sh hadoop-reducer.sh --now 2024-04-01T00:00:00Z conf'
#
# The key is the event's top-level customer as it is written in the JSON
# text (escapes kept: it never holds a tab or a newline). Events get the
# source name FILE@OFFSET of their split (Hadoop's mapreduce_map_input_file
# and mapreduce_map_input_start), so generated ids do not collide between
# splits; better, give events ids of their own. Rejects go to standard
# error (the task's log). Exit status as nightly.sh's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

[ $# -le 1 ] || eng_die "usage: hadoop-mapper.sh [CONFDIR]"
ENG_CONF=$(eng_abs "${1:-conf}")
eng_statedir "${ENG_STATE_DIR:-./eng-state}"
ENG_TAG=map
src=stdin
if [ -n "${mapreduce_map_input_file:-}" ]; then
    src=${mapreduce_map_input_file##*/}@${mapreduce_map_input_start:-0}
fi

eng_ingest --source "$src" | eng_sentiment | eng_key
eng_check
if ! eng_rejected; then
    cat "$ENG_STATE/rejects/$ENG_TAG"-*.jsonl >&2
    exit 1
fi
