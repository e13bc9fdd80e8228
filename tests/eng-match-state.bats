#!/usr/bin/env bats
# eng-match --state: property tests over generated event streams
# (bench/gen-events through eng-ingest, so events carry source {name, line})
# with the rules of tests/data/match-cep/props.yaml (a when rule with a
# cooldown, an absence, an `every` sequence, a count with a cooldown):
#   (a) the input split in two runs with one state file = one run;
#   (b) the input split by customer into 4 partitions, each run with its own
#       state and the same final --now = one run (as a set);
#   (c) a run killed with SIGKILL and re-run over the same input with the
#       same state file: consumed events are skipped, and both runs' actions,
#       de-duplicated by id, = one clean run.

load test_helper
bats_require_minimum_version 1.5.0

NOW=2024-03-09T00:00:00Z

setup() {
    R="$ENG_TESTDATA/match-cep/props.yaml"
    T="$BATS_TEST_TMPDIR"
    GEN="$ENG_BIN/../bench/gen-events"
    if [ ! -x "$GEN" ]; then
        GEN="$BATS_SUITE_TMPDIR/gen-events"
        [ -x "$GEN" ] || cc -O2 -o "$GEN" "$ENG_SRCDIR/bench/gen-events.c" -lm
    fi
    "$GEN" -n 20000 --customers 300 --seed 11 > "$T/raw.jsonl"
    eng-ingest --source gen "$T/raw.jsonl" > "$T/ev.jsonl"
    eng-match --now "$NOW" "$R" "$T/ev.jsonl" > "$T/one.jsonl"
}

@test "state (a): two runs over two halves with one state file give the actions of one run" {
    [ "$(wc -l < "$T/one.jsonl")" -gt 100 ]
    head -n 12345 "$T/ev.jsonl" > "$T/h1"
    tail -n +12346 "$T/ev.jsonl" > "$T/h2"
    eng-match --state "$T/s.db" "$R" "$T/h1" > "$T/two.jsonl"
    eng-match --state "$T/s.db" --now "$NOW" "$R" "$T/h2" >> "$T/two.jsonl"
    run cmp "$T/one.jsonl" "$T/two.jsonl"
    assert_success
}

@test "state (a): ten runs over ten pieces give the actions of one run" {
    split -n l/10 -d "$T/ev.jsonl" "$T/part."
    : > "$T/ten.jsonl"
    for p in "$T"/part.0*; do
        eng-match --state "$T/s.db" "$R" "$p" >> "$T/ten.jsonl"
    done
    eng-match --state "$T/s.db" --now "$NOW" "$R" /dev/null >> "$T/ten.jsonl"
    run cmp "$T/one.jsonl" "$T/ten.jsonl"
    assert_success
}

@test "state (b): four partitions by customer, each with its own state, give the same set of actions" {
    eng-ingest --source gen --partition-by customer --partitions 4 \
        --partition-out "$T/p%d.jsonl" "$T/raw.jsonl"
    : > "$T/parts.jsonl"
    for i in 0 1 2 3; do
        head -n 3000 "$T/p$i.jsonl" > "$T/p$i.a"
        tail -n +3001 "$T/p$i.jsonl" > "$T/p$i.b"
        eng-match --state "$T/s$i.db" "$R" "$T/p$i.a" >> "$T/parts.jsonl"
        eng-match --state "$T/s$i.db" --now "$NOW" "$R" "$T/p$i.b" >> "$T/parts.jsonl"
    done
    run diff <(sort "$T/one.jsonl") <(sort "$T/parts.jsonl")
    assert_success
}

@test "state (c): a run killed with SIGKILL while its input pauses, re-run with the same state, gives one clean run's actions (by id)" {
    # 20000 events fed slowly, killed after the first pause: each pause of the input is a
    # checkpoint (eng_store_idle), so the re-run skips what came before the
    # last pause the first run saw, and nothing after it
    mkfifo "$T/f"
    eng-match --state "$T/k.db" "$R" "$T/f" > "$T/k1.jsonl" &
    pid=$!
    ( for start in $(seq 1 1000 20000); do
          sed -n "${start},$((start + 999))p" "$T/ev.jsonl"
          sleep 0.05
      done ) > "$T/f" 2>/dev/null &
    feeder=$!
    # killed once a pause has been checkpointed (bounded wait)
    for i in $(seq 1 200); do
        [ -n "$(sqlite3 "$T/k.db" "select value from eng_meta where key = 'hw'" 2>/dev/null)" ] && break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    wait "$feeder" 2>/dev/null || true
    eng-match --stats --state "$T/k.db" --now "$NOW" "$R" "$T/ev.jsonl" \
        > "$T/k2.jsonl" 2> "$T/k2.err"
    skipped=$(tail -n 1 "$T/k2.err" | jq .skipped)
    [ "$skipped" -gt 0 ] && [ "$skipped" -lt 20000 ]
    run diff <(jq -r .id "$T/one.jsonl" | sort -u) \
             <(cat "$T/k1.jsonl" "$T/k2.jsonl" | jq -R -r 'fromjson? | .id' | sort -u)
    assert_success
}

@test "state (c): a run killed with SIGKILL at a random point after a checkpoint skips what the state consumed and gives one clean run's actions (by id)" {
    mkfifo "$T/f"
    for try in 1 2 3; do
        rm -f "$T/k.db" "$T/k.db-wal" "$T/k.db-shm"
        # the first 12000 events at once, then the rest in chunks; a
        # checkpoint commits every 10000 events here (eng-match's own batch
        # is 300000) and whenever the input pauses
        chunks=$((RANDOM % 8))
        ENG_STORE_BATCH_OPS=10000 eng-match --state "$T/k.db" "$R" "$T/f" > "$T/k1.jsonl" &
        pid=$!
        ( head -n 12000 "$T/ev.jsonl"
          sleep 1.5
          for start in $(seq 12001 1000 20000); do
              sed -n "${start},$((start + 999))p" "$T/ev.jsonl"
              sleep 0.05
          done ) > "$T/f" 2>/dev/null &
        feeder=$!
        # once the first checkpoint is committed (waited for, bounded: a slow
        # machine or valgrind may take longer than the feeder's pause), then
        # 0..7 chunk times later
        for i in $(seq 1 1200); do
            [ -n "$(sqlite3 "$T/k.db" "select value from eng_meta where key = 'hw'" 2>/dev/null)" ] && break
            sleep 0.05
        done
        sleep "$(awk -v c="$chunks" 'BEGIN { print c * 0.05 }')"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        wait "$feeder" 2>/dev/null || true
        hwline=$(sqlite3 "$T/k.db" "select value from eng_meta where key = 'hw'" | jq '[.[]] | max')
        eng-match --stats --state "$T/k.db" --now "$NOW" "$R" "$T/ev.jsonl" \
            > "$T/k2.jsonl" 2> "$T/k2.err"
        # the re-run skips exactly the lines the last checkpoint committed
        # (its high-water line of the one source), and some were committed
        skipped=$(tail -n 1 "$T/k2.err" | jq .skipped)
        [ "$hwline" -gt 0 ] && [ "$skipped" -eq "$hwline" ] ||
            fail "try $try (kill after $chunks chunks): committed line $hwline, skipped $skipped"
        [ -s "$T/k1.jsonl" ] || fail "try $try: the killed run wrote no actions"
        run diff <(jq -r .id "$T/one.jsonl" | sort -u) \
                 <(cat "$T/k1.jsonl" "$T/k2.jsonl" | jq -R -r 'fromjson? | .id' | sort -u)
        assert_success
    done
}

@test "state (c): a re-run over input the state already consumed skips it by source line and counts it" {
    head -n 15000 "$T/ev.jsonl" > "$T/first"
    eng-match --state "$T/s.db" "$R" "$T/first" > "$T/a.jsonl"
    eng-match --stats --state "$T/s.db" --now "$NOW" "$R" "$T/ev.jsonl" \
        > "$T/b.jsonl" 2> "$T/b.err"
    assert_equal "$(tail -n 1 "$T/b.err" | jq -c '[.in,.skipped]')" "[20000,15000]"
    run cmp "$T/one.jsonl" <(cat "$T/a.jsonl" "$T/b.jsonl")
    assert_success
}

@test "state: within one run a source's lines may come in any order: a fresh state changes nothing, only earlier runs' lines are skipped" {
    # the events sorted by customer (as a Hadoop reducer or a merge by key
    # would feed them): source lines go up and down within the run
    jq -c -s 'sort_by(.customer)[]' "$T/ev.jsonl" > "$T/bykey.jsonl"
    eng-match --now "$NOW" "$R" "$T/bykey.jsonl" | sort > "$T/plain"
    [ -s "$T/plain" ]
    eng-match --stats --state "$T/k.db" --now "$NOW" "$R" "$T/bykey.jsonl" \
        2> "$T/k.err" | sort > "$T/stated"
    assert_equal "$(tail -n 1 "$T/k.err" | jq -c '[.in,.skipped]')" "[20000,0]"
    run cmp "$T/plain" "$T/stated"
    assert_success
    # a second run over the same input: all consumed, all skipped
    eng-match --stats --state "$T/k.db" --now "$NOW" "$R" "$T/bykey.jsonl" \
        2> "$T/k2.err" > "$T/again"
    assert_equal "$(tail -n 1 "$T/k2.err" | jq -c '[.in,.skipped]')" "[20000,20000]"
    [ ! -s "$T/again" ]
}
