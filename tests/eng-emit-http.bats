#!/usr/bin/env bats
# eng-emit http(s) sinks against tests/http-test-server.py on 127.0.0.1:
# retries with backoff, timeouts, 429, the Idempotency-Key header, secrets
# kept out of receipts, and a sink that is down for the whole run. The
# server stops by itself after 60 s even if a test dies.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cd "$BATS_TEST_TMPDIR"
    python3 "$ENG_SRCDIR/tests/http-test-server.py" req.log --lifetime 60 \
        --stall 3 --slow 0.002 > port.txt 2> server.err &
    SERVER=$!
    for i in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
    PORT=$(head -1 port.txt)
    [ -n "$PORT" ] || fail "test server did not start: $(cat server.err)"
}

teardown() {
    kill "$SERVER" 2>/dev/null || true
}

action() { printf '{"id":"%s","ts":"2024-07-04T12:00:00Z","customer":"c-%s","channel":"%s","payload":{"m":"%s"}}\n' "$1" "$1" "$2" "$3"; }

@test "http: 2xx sent, POST JSON with Idempotency-Key, header secret sent but never in receipts" {
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$PORT/ok/hook", headers: { Authorization: "Bearer \${ENG_TEST_TOKEN}" }, body: { m: "{{payload.m}}" } }
YAML
    action h1 hook 'say \"hi\"' > a.jsonl
    ENG_TEST_TOKEN=s3cr3t run --separate-stderr eng-emit -c h.yaml a.jsonl
    assert_success
    assert_output "{\"id\":\"h1\",\"ts\":\"2024-07-04T12:00:00Z\",\"customer\":\"c-h1\",\"channel\":\"hook\",\"status\":\"sent\",\"sink\":\"http://127.0.0.1:$PORT/ok/hook\",\"attempts\":1,\"message\":{\"m\":\"say \\\"hi\\\"\"}}"
    [[ "$output$stderr" != *s3cr3t* ]]
    run jq -c '[.path, .idempotency_key, .headers.Authorization, .headers["Content-Type"], .body]' req.log
    assert_output '["/ok/hook","h1","Bearer s3cr3t","application/json","{\"m\":\"say \\\"hi\\\"\"}"]'
}

@test "http: 5xx and a closed connection are retried with backoff, the same Idempotency-Key each time" {
    cat > h.yaml <<YAML
channels:
  flaky: { sink: "http://127.0.0.1:$PORT/fail-2/x", retries: 3, backoff: 10ms }
  close: { sink: "http://127.0.0.1:$PORT/close-1/x", retries: 1, backoff: 10ms }
YAML
    { action f1 flaky x; action c1 close x; } > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml a.jsonl | jq -c '[.id, .status, .attempts]'"
    assert_output - <<'OUT'
["f1","sent",3]
["c1","sent",2]
OUT
    run bash -c "jq -r 'select(.path == \"/fail-2/x\") | \"\(.idempotency_key) \(.answer)\"' req.log"
    assert_output - <<'OUT'
f1 500
f1 500
f1 200
OUT
}

@test "http: 429 is retried, other 4xx fail at once, retries run out into failed" {
    cat > h.yaml <<YAML
channels:
  rl:   { sink: "http://127.0.0.1:$PORT/429-1/x", retries: 2, backoff: 10ms }
  bad:  { sink: "http://127.0.0.1:$PORT/bad/x", retries: 3, backoff: 10ms }
  fail: { sink: "http://127.0.0.1:$PORT/fail/x", retries: 2, backoff: 10ms }
YAML
    { action r1 rl x; action b1 bad x; action x1 fail x; } > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml a.jsonl | jq -c '[.id, .status, .attempts, .error]'"
    assert_output - <<'OUT'
["r1","sent",2,null]
["b1","failed",1,"HTTP 400"]
["x1","failed",3,"HTTP 500"]
OUT
}

@test "http: a stalled request times out and is retried" {
    cat > h.yaml <<YAML
channels:
  slow: { sink: "http://127.0.0.1:$PORT/stall-1/x", timeout: 500ms, retries: 1, backoff: 10ms }
YAML
    action s1 slow x > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml a.jsonl | jq -c '[.id, .status, .attempts]'"
    assert_output '["s1","sent",2]'
}

@test "http: a sink down for the whole run fails every action into the outbox; --retry sends them" {
    # a port nobody listens on: the server's, after it is stopped
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    DOWN=$PORT
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$DOWN/ok/x", retries: 1, backoff: 10ms, timeout: 2s }
YAML
    for i in 1 2 3 4 5; do action d$i hook x; done > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml --state s.db a.jsonl | jq -r .status | sort | uniq -c | tr -s ' '"
    assert_output " 5 failed"
    run sqlite3 s.db "SELECT count(*) FROM outbox WHERE kind = 'failed'"
    assert_output 5
    python3 "$ENG_SRCDIR/tests/http-test-server.py" req2.log --port "$DOWN" --lifetime 60 > port2.txt 2>&1 &
    SERVER=$!
    for i in $(seq 100); do [ -s port2.txt ] && break; sleep 0.1; done
    run --separate-stderr bash -c "eng-emit -c h.yaml --state s.db --retry | jq -c '[.id, .status, .origin]'"
    assert_output - <<'OUT'
["d1","sent","retry"]
["d2","sent","retry"]
["d3","sent","retry"]
["d4","sent","retry"]
["d5","sent","retry"]
OUT
    run bash -c "jq -r .idempotency_key req2.log | sort | tr '\n' ' '"
    assert_output "d1 d2 d3 d4 d5 "
}

@test "http: many actions over a bounded window of requests, each sent once" {
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$PORT/ok/x", concurrency: 4 }
YAML
    for i in $(seq 1 2000); do action m$i hook x; done > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml --stats a.jsonl | jq -r .status | sort | uniq -c | tr -s ' '"
    assert_output " 2000 sent"
    run bash -c "jq -r .idempotency_key req.log | sort -u | wc -l"
    assert_output 2000
}

@test "http: a slow sink gets at most 'concurrency' requests at a time, several in flight" {
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$PORT/slow/x", concurrency: 4 }
YAML
    for i in $(seq 1 400); do action w$i hook x; done > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml a.jsonl | jq -r .status | sort | uniq -c | tr -s ' '"
    assert_output " 400 sent"
    run jq -s 'map(.inflight) | max' req.log
    [ "$output" -le 4 ] || fail "server saw $output requests at once, window is 4"
    [ "$output" -ge 2 ] || fail "never more than one request in flight"
}

@test "http: memory does not grow with the input while a slow sink holds delivery back" {
    [ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) is not installed"
    skip_when_sanitized "peak RSS"
    cat > h.yaml <<YAML
channels:
  hook: { sink: "http://127.0.0.1:$PORT/slow/x", concurrency: 8 }
YAML
    # one customer, so the per-customer policy state stays the same size and
    # only buffering could make the larger run bigger
    for i in $(seq 1 16000); do
        printf '{"id":"m%d","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"hook","payload":{"m":"%0200d"}}\n' $i $i
    done > big.jsonl
    head -n 2000 big.jsonl > small.jsonl
    /usr/bin/time -f %M -o small.rss eng-emit -c h.yaml small.jsonl > small.out
    /usr/bin/time -f %M -o big.rss eng-emit -c h.yaml big.jsonl > big.out
    run jq -r .status big.out
    [ "$(grep -c '^sent$' <<< "$output")" -eq 16000 ]
    small=$(tail -1 small.rss) big=$(tail -1 big.rss)
    # 14000 more actions of ~300 bytes would be >4 MB if they were buffered
    [ "$big" -lt $((small + 2048)) ] || fail "peak RSS $small KB for 2000 actions, $big KB for 16000"
}

@test "http: a reset connection and a garbage answer are retried like a closed one, then sent" {
    cat > h.yaml <<YAML
channels:
  reset: { sink: "http://127.0.0.1:$PORT/reset-2/x", retries: 3, backoff: 10ms }
  junk: { sink: "http://127.0.0.1:$PORT/garbage-2/x", retries: 3, backoff: 10ms }
  junkout: { sink: "http://127.0.0.1:$PORT/garbage-9/y", retries: 1, backoff: 10ms }
YAML
    { action r1 reset x; action g1 junk x; action g2 junkout x; } > a.jsonl
    run --separate-stderr bash -c "eng-emit -c h.yaml a.jsonl | jq -c '[.id, .status, .attempts]'"
    assert_output - <<'OUT'
["r1","sent",3]
["g1","sent",3]
["g2","failed",2]
OUT
    # each attempt reached the server with the same key
    run bash -c "jq -r 'select(.path == \"/reset-2/x\" or .path == \"/garbage-2/x\") | .idempotency_key' req.log | sort | uniq -c | awk '{ print \$1, \$2 }'"
    assert_output - <<'OUT'
3 g1
3 r1
OUT
    action g3 junkout x > a3.jsonl
    run bash -c "eng-emit -c h.yaml a3.jsonl | jq -r .error"
    assert_output 'the answer is not HTTP'
}
