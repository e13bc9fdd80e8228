#!/usr/bin/env bats
# SIGKILL at 20 random points of each stateful tool (issue 11): eng-match,
# eng-enrich and eng-emit with --state, fed slowly through a FIFO (30 chunks over 0.6 s) and
# checkpointing every 50 records (ENG_STORE_BATCH_OPS=50), are killed with
# SIGKILL at a random moment, then run again over the whole input with the
# same state file. The two runs together must converge to one clean run:
#   eng-match   the actions of both runs, by id, are the clean run's, each
#               one exactly as the clean run wrote it;
#   eng-enrich  the state's profiles (--dump) are the clean run's, and every
#               line either run wrote is a line of the clean run;
#   eng-emit    the file sink holds each message exactly once, the clean
#               run's messages; the receipts of both runs cover every action.
# Most kills must land between checkpoints of a run under way (the re-run
# skips some input, not all), or the test proves nothing.

load test_helper
bats_require_minimum_version 1.5.0

TRIES=20
# Under valgrind (make check-valgrind) a tool runs some 10-50 times slower:
# the feed and the kill window stretch by SLOW so kills still land between
# checkpoints of a run under way, not all before the first.
SLOW=1
[ -z "${ENG_VALGRIND:-}" ] || SLOW=10

setup_file() {
    D="$BATS_FILE_TMPDIR"
    python3 - <<'PY' > "$D/raw.jsonl"
import json, random, time
r = random.Random(5)
t = 1719792000
for i in range(3000):
    t += r.randint(1, 20)
    print(json.dumps({"id": "k%d" % i,
        "ts": "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime(t)[:6],
        "customer": "c%d" % r.randint(1, 60),
        "type": r.choice(["page_view", "purchase", "review"]),
        "amount": r.randint(1, 90), "channel": "web"}, separators=(",", ":")))
PY
    # eng-ingest gives each event its source {name, line}: the re-run's mark
    eng-ingest -f jsonl --source feed "$D/raw.jsonl" > "$D/ev.jsonl"
    printf '%s\n' 'profile:' '  n: { count: true }' '  spend: { sum: amount, when: type == "purchase" }' \
        '  recent: { recent: [id], max: 3 }' > "$D/enrich.yaml"
    printf '%s\n' 'defaults: { key: customer }' 'rules:' '  - id: busy' \
        '    count: { when: type == "page_view", at_least: 3, within: 1h }' \
        '    emit: { channel: log }' '  - id: buyer' \
        '    when: type == "purchase" && amount > 60' '    cooldown: 2h' \
        '    emit: { channel: log }' > "$D/rules.yaml"
    printf 'channels:\n  log: { sink: "file:msgs.jsonl", body: { id: "{{id}}" } }\n' > "$D/channels.yaml"
    eng-match "$D/rules.yaml" "$D/ev.jsonl" > "$D/actions.jsonl"
}

setup() {
    D="$BATS_FILE_TMPDIR"
    cd "$BATS_TEST_TMPDIR"
    export ENG_STORE_BATCH_OPS=50
}

# killed_run INPUT CMD...: runs CMD (reading the FIFO ./f) while INPUT is
# fed into the FIFO in 30 chunks, one every 20 ms, kills it with SIGKILL
# after a random 0.05-0.65 s (both times SLOW), and waits for both
killed_run() {
    local input=$1 chunk
    shift
    chunk=$(( ($(wc -l < "$input") + 29) / 30 ))
    rm -f f && mkfifo f
    "$@" > k1.out 2> k1.err < f &
    local pid=$!
    ( n=$(wc -l < "$input")
      for ((s = 1; s <= n; s += chunk)); do
          sed -n "${s},$((s + chunk - 1))p" "$input"
          sleep "$(awk -v k="$SLOW" 'BEGIN { print 0.02 * k }')"
      done ) > f 2> /dev/null &
    local feeder=$!
    sleep "$(awk -v r="$RANDOM" -v k="$SLOW" 'BEGIN { printf "%.3f", (0.05 + 0.6 * r / 32767) * k }')"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    kill "$feeder" 2> /dev/null || true
    wait "$feeder" 2> /dev/null || true
}

# mid_run SKIPPED TOTAL: counts the tries whose kill landed inside the run
mid=0
mid_run() { if [ "$1" -gt 0 ] && [ "$1" -lt "$2" ]; then mid=$((mid + 1)); fi; }

@test "crash: eng-match killed at 20 random points converges to one clean run" {
    eng-match --state clean.db "$D/rules.yaml" "$D/ev.jsonl" > clean.out
    [ "$(wc -l < clean.out)" -gt 300 ]
    for ((k = 1; k <= TRIES; k++)); do
        rm -f s.db s.db-wal s.db-shm
        killed_run "$D/ev.jsonl" eng-match --state s.db "$D/rules.yaml"
        eng-match --stats --state s.db "$D/rules.yaml" "$D/ev.jsonl" > k2.out 2> k2.err
        run diff <(jq -r .id clean.out | sort) \
                 <(cat k1.out k2.out | jq -R -r 'fromjson? | .id' | sort -u)
        assert_success
        # each action as the clean run wrote it (a cut-off last line aside)
        run bash -c "cat k1.out k2.out | jq -c -R 'fromjson?' | sort -u | comm -23 - <(sort clean.out)"
        assert_output ''
        mid_run "$(tail -n 1 k2.err | jq .skipped)" 3000
    done
    echo "kills inside a run: $mid of $TRIES" >&3
    [ "$mid" -ge 5 ]
}

@test "crash: eng-enrich killed at 20 random points converges to one clean run" {
    eng-enrich -c "$D/enrich.yaml" --state clean.db "$D/ev.jsonl" > clean.out
    eng-enrich --state clean.db --dump | sort > clean.dump
    [ "$(wc -l < clean.dump)" -eq 60 ]
    for ((k = 1; k <= TRIES; k++)); do
        rm -f s.db s.db-wal s.db-shm
        killed_run "$D/ev.jsonl" eng-enrich -c "$D/enrich.yaml" --state s.db
        eng-enrich --stats -c "$D/enrich.yaml" --state s.db "$D/ev.jsonl" > k2.out 2> k2.err
        run diff clean.dump <(eng-enrich --state s.db --dump | sort)
        assert_success
        run bash -c "cat k1.out k2.out | jq -c -R 'fromjson?' | sort -u | comm -23 - <(jq -c . clean.out | sort)"
        assert_output ''
        mid_run "$(tail -n 1 k2.err | jq .skipped)" 3000
    done
    echo "kills inside a run: $mid of $TRIES" >&3
    [ "$mid" -ge 5 ]
}

@test "crash: eng-emit killed at 20 random points converges to one clean run" {
    mkdir clean && (cd clean && eng-emit -c "$D/channels.yaml" --state s.db "$D/actions.jsonl" > receipts)
    total=$(wc -l < "$D/actions.jsonl")
    [ "$(wc -l < clean/msgs.jsonl)" -eq "$total" ]
    for ((k = 1; k <= TRIES; k++)); do
        rm -rf try && mkdir try && cd try
        killed_run "$D/actions.jsonl" eng-emit -c "$D/channels.yaml" --state s.db
        eng-emit --stats -c "$D/channels.yaml" --state s.db "$D/actions.jsonl" > k2.out 2> k2.err
        # each message exactly once, the clean run's
        run diff <(sort ../clean/msgs.jsonl) <(sort msgs.jsonl)
        assert_success
        run diff <(jq -r .id ../clean/receipts | sort) \
                 <(cat k1.out k2.out | jq -R -r 'fromjson? | .id' | sort -u)
        assert_success
        sent_before=$(grep -c . k1.out || true)
        mid_run "$sent_before" "$total"
        cd ..
    done
    echo "kills inside a run: $mid of $TRIES" >&3
    [ "$mid" -ge 5 ]
}
