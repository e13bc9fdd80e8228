#!/bin/sh
# kafka.sh: the Kafka recipe. One pipeline per partition of a topic keyed
# by customer, with local state per partition (the Kafka Streams model):
# kcat -C consumes the partition, the five eng stages decide, and kcat -P
# produces the receipts to another topic. Run one per partition, on any
# machines; since the topic is partitioned by customer, each customer's
# events all reach one pipeline, in order, and the receipts are those of
# one pipeline over the whole topic.
#
# Usage: kafka.sh [--group G] [--to TOPIC] BROKER TOPIC PARTITION STATEDIR CONFDIR
#
#   BROKER     the bootstrap broker(s), host:port[,host:port]
#   TOPIC      the topic of events (JSON-lines messages, or what
#              CONFDIR/ingest.yaml maps), partitioned by customer
#   PARTITION  the partition this pipeline consumes
#   STATEDIR   the state of all partitions; this one's is in
#              STATEDIR/TOPIC-PARTITION/ (enrich.db, match.db, emit.db,
#              rejects/, file: sink outputs)
#   CONFDIR    the configs (see common.sh)
#   --group G  the consumer group whose committed offset -o stored resumes
#              from (default eng-TOPIC)
#   --to T     the topic of receipts (default TOPIC-receipts)
#   KCAT_OPTS  (environment) more options for both kcat commands, such as
#              "-X security.protocol=SSL"; split on blanks
#
# The pipeline, for partition 3:
#   kcat -C -b BROKER -t TOPIC -p 3 -o stored -X group.id=G -q -u |
#     eng-ingest -f jsonl --source TOPIC-3-N | eng-sentiment |
#     eng-enrich --state STATEDIR/TOPIC-3/enrich.db ... |
#     eng-match --state .../match.db ... | eng-emit --state .../emit.db ... |
#     kcat -P -b BROKER -t TOPIC-receipts -q
# -u: kcat writes each message at once; the eng stages flush whenever
# their input runs dry, so a message's receipt is produced within
# milliseconds. Runs until the consumer ends: on SIGTERM or SIGINT the
# script stops kcat -C alone and the rest drain and flush.
#
# Restarts and delivery: kcat numbers nothing, so every start is a source
# of its own for eng-ingest (TOPIC-PARTITION-N, N counted in
# STATEDIR/TOPIC-PARTITION/runs). Give each event an id of its own (the
# producer's): a generated id hashes the source name and would change from
# run to run. -o stored resumes from the group's committed offset, which
# kcat -C does not commit as eng processes messages (set the commit up with
# -X options, or with kafka-consumer-groups --reset-offsets from the
# offsets of the events last processed); events delivered again after a
# restart are counted again by eng-enrich and matched again by eng-match,
# and their actions are dropped by eng-emit as duplicates (same event ids,
# same action ids).
#
# Exit status: 0 after the consumer stopped (1 when some records were
# rejected); 2 usage; otherwise the status of the first stage that failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

group= to=
while [ $# -gt 0 ]; do
    case $1 in
    --group) [ $# -ge 2 ] || eng_die "--group needs a name"; group=$2; shift 2 ;;
    --to) [ $# -ge 2 ] || eng_die "--to needs a topic"; to=$2; shift 2 ;;
    --) shift; break ;;
    -*) eng_die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 5 ] || eng_die "usage: kafka.sh [--group G] [--to TOPIC] BROKER TOPIC PARTITION STATEDIR CONFDIR"
broker=$1 topic=$2 p=$3
case $p in
''|*[!0-9]*) eng_die "partition: not a number: $p" ;;
esac
: "${group:=eng-$topic}" "${to:=$topic-receipts}"
eng_confdir "$5"
eng_statedir "$4/$topic-$p"
ENG_TAG=$topic-$p
n=$(eng_run_number)

fifo=$ENG_STATE/.kafka.$$
rm -f "$fifo"
mkfifo "$fifo"
# shellcheck disable=SC2086 # KCAT_OPTS is a list of options
{
    eng_ingest --source "$topic-$p-$n" < "$fifo" | eng_sentiment | eng_tail "" |
        eng_stage produce kcat -P -q -b "$broker" -t "$to" ${KCAT_OPTS:-}
} &
down=$!
# shellcheck disable=SC2086
(exec kcat -C -q -u -b "$broker" -t "$topic" -p "$p" -o stored \
    -X "group.id=$group" ${KCAT_OPTS:-}) > "$fifo" &
eng_reader_wait $! consume
wait "$down" || :
rm -f "$fifo"
eng_check
eng_rejected
