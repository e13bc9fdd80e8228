#!/usr/bin/env bats
# eng-emit --state: the journal (duplicates across runs), caps across runs,
# deferred messages released by a later run, the outbox and --retry, and
# the crash protocol (SIGKILL, then the same actions again).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cp -r "$ENG_TESTDATA/emit/." "$BATS_TEST_TMPDIR/"
    cd "$BATS_TEST_TMPDIR"
    mkdir -p out
    rm -f out/*
}

@test "state: the journal makes a second run over the same actions all duplicates" {
    eng-emit -c basic.yaml --state s.db actions.jsonl > /dev/null
    run --separate-stderr bash -c "eng-emit -c basic.yaml --state s.db actions.jsonl | jq -c '[.id, .status, .reason]'"
    assert_output - <<'OUT'
["a1","suppressed","duplicate"]
["a2","suppressed","duplicate"]
["a3","suppressed","duplicate"]
["a1","suppressed","duplicate"]
["a4","suppressed","duplicate"]
OUT
    run wc -l < out/email.jsonl
    assert_output 2
    run sqlite3 s.db "SELECT id, status FROM journal ORDER BY id"
    assert_output - <<'OUT'
a1|sent
a2|sent
a3|sent
a4|sent
OUT
}

@test "state: frequency caps count messages of earlier runs" {
    head -1 caps.jsonl > run1.jsonl
    sed -n 2p caps.jsonl > run2.jsonl
    eng-emit -c caps.yaml --state s.db run1.jsonl > /dev/null
    run --separate-stderr bash -c "eng-emit -c caps.yaml --state s.db run2.jsonl | jq -c '[.id, .status, .reason, .cap]'"
    assert_output '["f2","suppressed","frequency-cap","channel"]'
}

@test "state: a deferred message waits in the outbox and a later run sends it once quiet hours end (--now)" {
    head -1 quiet.jsonl > q1.jsonl
    run --separate-stderr bash -c "eng-emit -c quiet-defer.yaml --state s.db q1.jsonl | jq -c '[.id, .status, .until]'"
    assert_output '["q1","deferred","2024-07-04T12:00:00Z"]'
    run sqlite3 s.db "SELECT id, kind, due FROM outbox"
    assert_output "q1|deferred|1720094400000"
    # still quiet: nothing released
    run --separate-stderr eng-emit -c quiet-defer.yaml --state s.db --now 2024-07-04T11:59:59Z < /dev/null
    assert_output ""
    run --separate-stderr bash -c "eng-emit -c quiet-defer.yaml --state s.db --now 2024-07-04T12:00:00Z --stats < /dev/null | jq -c '[.id, .status, .origin]'"
    assert_output '["q1","sent","deferred"]'
    [[ "$stderr" == *'"released":1'* ]]
    run sqlite3 s.db "SELECT count(*) FROM outbox"
    assert_output 0
    # and the original action read again is a duplicate
    run --separate-stderr bash -c "eng-emit -c quiet-defer.yaml --state s.db q1.jsonl | jq -c '[.id, .status, .reason]'"
    assert_output '["q1","suppressed","duplicate"]'
}

@test "state: a failed delivery goes to the outbox, --retry sends it" {
    cat > flaky.yaml <<'YAML'
channels:
  "*": { sink: "exec:sh -c 'test -e ok.flag && cat >> out/got.txt && echo >> out/got.txt'" }
YAML
    run --separate-stderr bash -c "eng-emit -c flaky.yaml --state s.db caps.jsonl | jq -r .status | sort | uniq -c | tr -s ' '"
    assert_output " 7 failed"
    run sqlite3 s.db "SELECT count(*) FROM outbox WHERE kind = 'failed'"
    assert_output 7
    touch ok.flag
    run --separate-stderr bash -c "eng-emit -c flaky.yaml --state s.db --retry --stats | jq -c '[.id, .status, .origin]' | head -2"
    assert_output - <<'OUT'
["f1","sent","retry"]
["f2","sent","retry"]
OUT
    run sqlite3 s.db "SELECT count(*) FROM outbox"
    assert_output 0
    run wc -l < out/got.txt
    assert_output 7
    # nothing left to retry
    run --separate-stderr eng-emit -c flaky.yaml --state s.db --retry
    assert_success
    assert_output ""
}

@test "state: dry-run writes nothing to the state" {
    run --separate-stderr eng-emit -c basic.yaml --state s.db --dry-run actions.jsonl
    assert_success
    run sqlite3 s.db "SELECT count(*) FROM journal"
    assert_output 0
}

@test "state: a file of another tool is refused, exit 3" {
    sqlite3 other.db "CREATE TABLE t(x)"
    run --separate-stderr eng-emit -c basic.yaml --state other.db actions.jsonl
    assert_failure 3
}

@test "crash: SIGKILL during delivery, then the same actions again: file and exec sinks get each message once" {
    # 300 actions alternate between a file sink and an exec sink; the exec
    # command kills eng-emit (kill -9 $PPID) at the 100th exec message,
    # after writing it.
    cat > crash.yaml <<'YAML'
channels:
  case: { sink: "file:out/case.jsonl", body: { id: "{{id}}" } }
  mail: { sink: "exec:sh -c 'cat >> out/exec.txt; echo >> out/exec.txt; n=$(wc -l < out/exec.txt); if [ ! -e nokill ] && [ $n -eq 100 ]; then kill -9 $PPID; fi'", body: { id: "{{id}}" } }
YAML
    for i in $(seq 1 300); do
        if [ $((i % 2)) -eq 0 ]; then ch=case; else ch=mail; fi
        printf '{"id":"k%d","ts":"2024-07-04T12:00:00Z","customer":"c%d","channel":"%s"}\n' $i $i $ch
    done > crash.jsonl
    run --separate-stderr eng-emit -c crash.yaml --state s.db crash.jsonl
    assert_equal "$status" 137
    touch nokill
    run --separate-stderr eng-emit -c crash.yaml --state s.db crash.jsonl
    assert_success
    # every id exactly once in each sink
    run bash -c "jq -r .id out/case.jsonl | sort | uniq -d | wc -l"
    assert_output 0
    run bash -c "jq -r .id out/case.jsonl | wc -l"
    assert_output 150
    run bash -c "jq -r .id out/exec.txt | sort | uniq -d | wc -l"
    assert_output 0
    run bash -c "jq -r .id out/exec.txt | wc -l"
    assert_output 150
}

@test "crash: SIGKILL during HTTP delivery, then the same actions again: each message at most once more, with the same Idempotency-Key" {
    python3 "$ENG_SRCDIR/tests/http-test-server.py" req.log --lifetime 60 \
        --slow 0.002 > port.txt 2> server.err &
    server=$!
    for i in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
    port=$(head -1 port.txt)
    [ -n "$port" ] || fail "test server did not start: $(cat server.err)"
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$port/slow/x", concurrency: 4, body: { id: "{{id}}" } }
YAML
    # 1500 actions: a first batch of 1024 commits, the kill lands in the second
    for i in $(seq 1 1500); do
        printf '{"id":"k%d","ts":"2024-07-04T12:00:00Z","customer":"c%d","channel":"hook"}\n' $i $i
    done > crash.jsonl
    eng-emit -c h.yaml --state s.db crash.jsonl > run1.out 2> run1.err &
    emit=$!
    for i in $(seq 600); do
        [ "$(wc -l < req.log 2>/dev/null || echo 0)" -ge 1200 ] && break
        sleep 0.05
    done
    kill -9 $emit
    wait $emit || true
    run --separate-stderr bash -c "eng-emit -c h.yaml --state s.db crash.jsonl | jq -r '[.status, .reason // \"\"] | join(\" \")' | sort | uniq -c | tr -s ' '"
    kill $server 2>/dev/null || true
    assert_success
    # the first batch had committed: all duplicates now; the interrupted
    # batch was forgotten at open and is delivered again
    assert_output " 476 sent 
 1024 suppressed duplicate"
    # every action reached the server; none more than twice; the second
    # copies are only those of the batch the kill interrupted
    run bash -c "jq -r .idempotency_key req.log | sort -u | wc -l"
    assert_output 1500
    run bash -c "jq -r .idempotency_key req.log | sort | uniq -c | awk '\$1 > 2' | wc -l"
    assert_output 0
    twice=$(jq -r .idempotency_key req.log | sort | uniq -d | wc -l)
    [ "$twice" -le 476 ] || fail "$twice actions sent twice, only 476 were in the interrupted batch"
    # the key is the action id, the same on both copies
    run jq -r 'select(.idempotency_key != (.body | fromjson | .id)) | .idempotency_key' req.log
    assert_output ''
}
