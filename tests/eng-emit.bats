#!/usr/bin/env bats
# eng-emit: channels (TOOLS.md eng-emit, EVENT-MODEL.md receipts). The policy
# chain, each policy alone and all together, receipts, file and stdout
# sinks, rejects and configuration errors. Fixtures in tests/data/emit/;
# each test runs in a scratch copy of them so file sinks write there.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cp -r "$ENG_TESTDATA/emit/." "$BATS_TEST_TMPDIR/"
    cd "$BATS_TEST_TMPDIR"
    mkdir -p out
    rm -f out/*
}

brief() { jq -c '[.id, .status, .reason]'; }

# --- receipts and sinks ---

@test "receipts: one per action, file sink body rendered with defaults and JSON escaping, stdout sink carries the message" {
    run --separate-stderr eng-emit -c basic.yaml actions.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"a1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"email","status":"sent","sink":"file:out/email.jsonl","attempts":1,"message":{"to":"c1","subject":"Hi Ann","sku":"S\"1","n":1}}
{"id":"a2","ts":"2024-07-04T18:01:00Z","customer":"c2","channel":"case","status":"sent","sink":"file:out/case.jsonl","attempts":1,"message":{"id":"a2","ts":"2024-07-04T18:01:00Z","type":"action","rule":"r","customer":"c2","channel":"case","priority":1,"payload":{}}}
{"id":"a3","ts":"2024-07-04T18:02:00Z","customer":"c3","channel":"push","status":"sent","sink":"stdout","attempts":1,"message":{"id":"a3","ts":"2024-07-04T18:02:00Z","type":"action","rule":"r","customer":"c3","channel":"push","priority":1,"payload":{"x":1}}}
{"id":"a1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"email","status":"suppressed","reason":"duplicate"}
{"id":"a4","ts":"2024-07-04T18:03:00Z","customer":"c4","channel":"email","status":"sent","sink":"file:out/email.jsonl","attempts":1,"message":{"to":"c4","subject":"Hi friend","sku":"S4","n":1}}
OUT
    run cat out/email.jsonl
    assert_output - <<'OUT'
{"to":"c1","subject":"Hi Ann","sku":"S\"1","n":1}
{"to":"c4","subject":"Hi friend","sku":"S4","n":1}
OUT
    run cat out/case.jsonl
    assert_output '{"id":"a2","ts":"2024-07-04T18:01:00Z","type":"action","rule":"r","customer":"c2","channel":"case","priority":1,"payload":{}}'
}

@test "receipts: --stats conservation, in = receipts + rejected, counts by status and reason" {
    run --separate-stderr eng-emit -c basic.yaml --stats actions.jsonl
    assert_success
    assert_equal "$stderr" '{"tool":"eng-emit","in":5,"out":5,"rejected":0,"sent":4,"suppressed":1,"deferred":0,"failed":0,"dry_run":0,"released":0,"retried":0,"reasons":{"duplicate":1,"opt-out":0,"control-group":0,"quiet-hours":0,"lower-priority":0,"frequency-cap":0},"template_missing":1}'
}

@test "receipts: file sink appends across runs" {
    eng-emit -c basic.yaml actions.jsonl > /dev/null
    eng-emit -c basic.yaml actions.jsonl > /dev/null
    run wc -l < out/email.jsonl
    assert_output 4
}

@test "dry-run: decides and renders, sends nothing" {
    run --separate-stderr eng-emit -c basic.yaml --dry-run actions.jsonl
    assert_success
    assert_line --index 0 '{"id":"a1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"email","status":"dry-run","sink":"file:out/email.jsonl","message":{"to":"c1","subject":"Hi Ann","sku":"S\"1","n":1}}'
    assert_line --index 3 '{"id":"a1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"email","status":"suppressed","reason":"duplicate"}'
    [ ! -e out/email.jsonl ]
    [ ! -e out/case.jsonl ]
}

# --- each policy alone ---

@test "consent: opt-out CSV (quoted field, header harmless), JSON-lines address, suppress.when" {
    run --separate-stderr bash -c "eng-emit -c consent.yaml consent.jsonl | jq -c '[.id, .status, .reason]'"
    assert_success
    assert_output - <<'OUT'
["k1","sent",null]
["k2","suppressed","opt-out"]
["k3","suppressed","opt-out"]
["k4","suppressed","opt-out"]
["k5","suppressed","opt-out"]
["k6","sent",null]
OUT
}

@test "consent: suppress.when that ends in an error does not suppress, and is reported" {
    printf '%s\n' '{"id":"w1","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"email","payload":{"msg":"hi"}}' > w.jsonl
    run --separate-stderr eng-emit -c consent.yaml --stats w.jsonl
    assert_success
    assert_output --partial '"status":"sent"'
    assert_line --index 0 --partial '"id":"w1"'
    [[ "$stderr" == *"suppress.when: action w1: "* ]]
    [[ "$stderr" == *'"when_errors":1'* ]]
}

@test "consent: the opt-out file is reloaded when it changes during a stream" {
    mkfifo in.fifo
    eng-emit -c consent.yaml < in.fifo > receipts.jsonl 2> err.txt &
    pid=$!
    exec 5> in.fifo
    echo '{"id":"s1","ts":"2024-07-04T12:00:00Z","customer":"c-late","channel":"email","payload":{"msg":"hi"},"event":{"profile":{}}}' >&5
    for i in $(seq 100); do [ -s receipts.jsonl ] && break; sleep 0.1; done
    echo "c-late" >> optouts.csv
    echo '{"id":"s2","ts":"2024-07-04T12:01:00Z","customer":"c-late","channel":"email","payload":{"msg":"hi"},"event":{"profile":{}}}' >&5
    exec 5>&-
    wait $pid
    run brief < receipts.jsonl
    assert_output - <<'OUT'
["s1","sent",null]
["s2","suppressed","opt-out"]
OUT
}

@test "consent: a missing opt-out file is a configuration error" {
    rm optouts.csv
    run --separate-stderr eng-emit -c consent.yaml consent.jsonl
    assert_failure 2
    assert_equal "$stderr" "eng-emit: optouts.csv: No such file or directory"
}

@test "control group: a stable hash-chosen share, the same in every run, another salt another group" {
    run bash -c "eng-emit -c control.yaml control.jsonl | jq -r 'select(.reason == \"control-group\") | .customer' | tr '\n' ' '"
    assert_output "c8 c9 c10 c40 "
    run bash -c "eng-emit -c control.yaml control.jsonl | jq -r 'select(.reason == \"control-group\") | .customer' | tr '\n' ' '"
    assert_output "c8 c9 c10 c40 "
    run bash -c "eng-emit -c control2.yaml control.jsonl | jq -r 'select(.reason == \"control-group\") | .customer' | tr '\n' ' '"
    assert_output "c5 c10 c18 c23 c28 c33 c37 "
}

@test "quiet hours: suppress in the customer's zone, default zone, unknown zone, DST both ways, channel opt-out" {
    run --separate-stderr bash -c "eng-emit -c quiet.yaml quiet.jsonl | jq -c '[.id, .status, .reason]'"
    assert_output - <<'OUT'
["q1","suppressed","quiet-hours"]
["q2","sent",null]
["q3","suppressed","quiet-hours"]
["q4","suppressed","quiet-hours"]
["q5","suppressed","quiet-hours"]
["q6","suppressed","quiet-hours"]
["q7","sent",null]
OUT
}

@test "quiet hours: defer until the local end (DST-correct), released when event time passes it" {
    # q1: 22:00 EDT -> 08:00 EDT = 12:00Z; q4: 22:00 EST the night DST
    # starts -> 08:00 EDT = 12:00Z; q6: 00:30 EDT the night DST ends ->
    # 08:00 EST = 13:00Z. q1 is released by q2 (14:00Z); q4 at once (the
    # watermark is already past); q6 is still waiting at the end.
    run --separate-stderr bash -c "eng-emit -c quiet-defer.yaml quiet.jsonl | jq -c '[.id, .status, .until, .origin]'"
    assert_output - <<'OUT'
["q1","deferred","2024-07-04T12:00:00Z",null]
["q1","sent",null,"deferred"]
["q2","sent",null,null]
["q3","deferred","2024-07-05T08:00:00Z",null]
["q4","deferred","2024-03-10T12:00:00Z",null]
["q4","sent",null,"deferred"]
["q5","deferred","2024-07-04T08:00:00Z",null]
["q3","sent",null,"deferred"]
["q5","sent",null,"deferred"]
["q6","deferred","2024-11-03T13:00:00Z",null]
["q7","sent",null,null]
OUT
    assert_equal "$stderr" "eng-emit: 1 deferred action not kept: there is no --state"
}

@test "arbitration: within hold of the first the highest priority wins, ties the earliest, released by the watermark" {
    run --separate-stderr bash -c "eng-emit -c arb.yaml arb.jsonl | jq -c '[.id, .status, .reason, .by]'"
    assert_output - <<'OUT'
["b1","suppressed","lower-priority","b3"]
["b3","sent",null,null]
["b4","suppressed","lower-priority","b3"]
["b2","sent",null,null]
["b5","sent",null,null]
["b6","sent",null,null]
OUT
}

@test "arbitration: held actions are released at the end of input" {
    head -1 arb.jsonl > one.jsonl
    run --separate-stderr bash -c "eng-emit -c arb.yaml one.jsonl | jq -c '[.id, .status]'"
    assert_output '["b1","sent"]'
}

@test "frequency caps: global and per channel, sliding windows in event time" {
    run --separate-stderr bash -c "eng-emit -c caps.yaml caps.jsonl | jq -c '[.id, .status, .reason, .cap]'"
    assert_output - <<'OUT'
["f1","sent",null,null]
["f2","suppressed","frequency-cap","channel"]
["f3","sent",null,null]
["f4","sent",null,null]
["f5","suppressed","frequency-cap","global"]
["f6","sent",null,null]
["f7","sent",null,null]
OUT
}

@test "policies together: the first policy that holds an action back names the reason" {
    run --separate-stderr bash -c "eng-emit -c all.yaml all.jsonl | jq -c '[.id, .customer, .status, .reason]'"
    assert_output - <<'OUT'
["o1","c-opt","suppressed","duplicate"]
["o2","c-opt","suppressed","opt-out"]
["o1","c1","sent",null]
["o3","c1","suppressed","lower-priority"]
["o4","c1","suppressed","frequency-cap"]
["o5","c8","suppressed","control-group"]
["o6","c2","suppressed","quiet-hours"]
OUT
}

@test "receipts: output does not depend on how the input arrives (pipe in pieces vs file)" {
    a=$(eng-emit -c all.yaml all.jsonl)
    b=$( (head -3 all.jsonl; sleep 0.2; tail -n +4 all.jsonl) | eng-emit -c all.yaml)
    assert_equal "$a" "$b"
}

# --- hostile input, rejects, configuration ---

@test "rejects: non-actions are rejected with a reason, the rest is processed, exit 1" {
    run --separate-stderr eng-emit -c nostar.yaml --rejects rej.jsonl --stats bad.jsonl
    assert_failure 1
    assert_output '{"id":"r1","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"email","status":"sent","sink":"stdout","attempts":1,"message":{"id":"r1","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"email"}}'
    run jq -r '"\(.line) \(.error)"' rej.jsonl
    assert_output - <<'OUT'
2 invalid JSON at column 3: '[' or '{' expected near 'not'
3 not a JSON object
4 id: missing or not a non-empty string
5 ts: missing or not an RFC 3339 time
6 customer: missing or not a non-empty string
7 priority: not an integer
9 channel 'fax' is not configured (and there is no "*" channel)
OUT
}

@test "rejects: invalid UTF-8 and over-long lines" {
    printf '{"id":"u1","ts":"2024-07-04T12:00:00Z","customer":"c\xff","channel":"email"}\n' > u.jsonl
    printf '{"id":"u2","ts":"2024-07-04T12:00:00Z","customer":"c2","channel":"email","pad":"%02000d"}\n' 0 >> u.jsonl
    run --separate-stderr eng-emit -c nostar.yaml --max-line 1K --rejects rej.jsonl u.jsonl
    assert_failure 1
    assert_output ""
    run jq -r .error rej.jsonl
    assert_output - <<'OUT'
invalid UTF-8 at byte 53
line longer than --max-line (1024 bytes)
OUT
}

@test "config: errors point at FILE:LINE:COL, exit 2" {
    run --separate-stderr eng-emit -c badcfg.yaml < /dev/null
    assert_failure 2
    assert_equal "$stderr" "eng-emit: badcfg.yaml:2:18: sink: expected stdout, file:PATH, http://..., https://..., exec:CMD or pipe:CMD"
    run --separate-stderr eng-emit -c badcfg2.yaml < /dev/null
    assert_failure 2
    assert_equal "$stderr" "eng-emit: badcfg2.yaml:2:52: per: expected a duration like 30s, 10m, 7d"
    run --separate-stderr eng-emit -c badwhen.yaml < /dev/null
    assert_failure 2
    assert_equal "$stderr" "eng-emit: badwhen.yaml:2:21: expected an expression, found end of expression"
}

@test "config: a missing secret is an error that names the variable, never a value" {
    run --separate-stderr eng-emit -c secret.yaml < /dev/null
    assert_failure 2
    assert_equal "$stderr" "eng-emit: secret.yaml:2:67: header Authorization: environment variable ENG_TEST_NO_SUCH_TOKEN is not set"
}

@test "config: unknown keys are refused with the list of known ones" {
    printf 'channels:\n  e: { sink: stdout, sinc: 1 }\n' > typo.yaml
    run --separate-stderr eng-emit -c typo.yaml < /dev/null
    assert_failure 2
    assert_equal "$stderr" "eng-emit: typo.yaml:2:22: unknown key 'sinc' in channel (expected one of: sink, timeout, retries, backoff, concurrency, insecure, frequency, quiet_hours, body, template, headers)"
}

@test "usage: no config, --retry without --state" {
    run --separate-stderr eng-emit < /dev/null
    assert_failure 2
    [[ "$stderr" == *"no configuration given"* ]]
    run --separate-stderr eng-emit -c basic.yaml --retry
    assert_failure 2
    [[ "$stderr" == *"--retry needs --state (the outbox lives there)"* ]]
}

@test "--check validates the configuration" {
    run --separate-stderr eng-emit -c all.yaml --check
    assert_success
    assert_equal "$stderr" "eng-emit: all.yaml: 1 channel OK"
}

# --- exec, pipe ---

@test "exec sink: message on stdin, argv without a shell, exit 0 sent, non-zero failed" {
    cat > exec.yaml <<'YAML'
channels:
  ok:   { sink: "exec:sh -c 'cat >> out/exec.txt; echo >> out/exec.txt'", body: { t: "{{payload.t}}" } }
  bad:  { sink: "exec:sh -c 'cat > /dev/null; exit 3'" }
  none: { sink: "exec:/nonexistent/cmd" }
  slow: { sink: "exec:sleep 5", timeout: 200ms }
YAML
    printf '%s\n' '{"id":"x1","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"ok","payload":{"t":"a b; $(reboot)"}}' \
      '{"id":"x2","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"bad"}' \
      '{"id":"x3","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"none"}' \
      '{"id":"x4","ts":"2024-07-04T12:00:00Z","customer":"c1","channel":"slow"}' > x.jsonl
    run --separate-stderr bash -c "eng-emit -c exec.yaml x.jsonl | jq -c '[.id, .status, .error]'"
    # Under valgrind (make check-valgrind) posix_spawn cannot hand the
    # child's exec failure back (valgrind runs glibc's CLONE_VM|CLONE_VFORK
    # child as a plain fork), so the missing command shows as the child's
    # exit status 127: still failed, only worded otherwise.
    local none="cannot run /nonexistent/cmd"
    [ -z "${ENG_VALGRIND:-}" ] || none="exit status 127"
    assert_output - <<OUT
["x1","sent",null]
["x2","failed","exit status 3"]
["x3","failed","$none"]
["x4","failed","sleep: timed out"]
OUT
    run cat out/exec.txt
    assert_output '{"t":"a b; $(reboot)"}'
}

@test "pipe sink: one long-running process gets one JSON line per message" {
    cat > pipe.yaml <<'YAML'
channels:
  "*": { sink: "pipe:sh -c 'cat > out/pipe.txt'", body: { id: "{{id}}" } }
YAML
    run --separate-stderr bash -c "eng-emit -c pipe.yaml caps.jsonl | jq -c '[.id, .status]' | head -2"
    assert_output - <<'OUT'
["f1","sent"]
["f2","sent"]
OUT
    run cat out/pipe.txt
    assert_line --index 0 '{"id":"f1"}'
    assert_line --index 6 '{"id":"f7"}'
}

@test "template file: plain-text message, its name rendered from the action, '..' refused" {
    mkdir -p tpl
    printf 'Dear {{event.profile.first_name | default: "friend"}},\n"{{payload.sku}}"\n' > tpl/cart.txt
    cat > tpl.yaml <<'YAML'
channels:
  "*": { sink: "file:out/mail.jsonl", template: "tpl/{{payload.template}}.txt" }
YAML
    printf '%s\n' '{"id":"t1","ts":"2024-07-04T12:00:00Z","customer":"c1","payload":{"template":"cart","sku":"S1"}}' \
      '{"id":"t2","ts":"2024-07-04T12:00:00Z","customer":"c2","payload":{"template":"../../etc/passwd","sku":"S1"}}' > t.jsonl
    run --separate-stderr bash -c "eng-emit -c tpl.yaml t.jsonl | jq -c '[.id, .status, .message, .error]'"
    assert_output - <<'OUT'
["t1","sent","Dear friend,\n\"S1\"\n",null]
["t2","failed",null,"template tpl/../../etc/passwd.txt: '..' is not allowed"]
OUT
    run cat out/mail.jsonl
    assert_output '"Dear friend,\n\"S1\"\n"'
}

@test "files a config names (the opt-out list, templates) are relative to the config's directory; file: sinks to the working directory" {
    mkdir -p "$BATS_TEST_TMPDIR/conf/tpl" "$BATS_TEST_TMPDIR/run"
    printf 'customer\nc2\n' > "$BATS_TEST_TMPDIR/conf/optout.csv"
    printf 'Hello {{customer}}\n' > "$BATS_TEST_TMPDIR/conf/tpl/hi.txt"
    cat > "$BATS_TEST_TMPDIR/conf/channels.yaml" <<'YAML'
suppress: { opt_out: optout.csv }
channels:
  email: { sink: "file:out.txt", template: "tpl/{{payload.t}}.txt" }
YAML
    printf '%s\n' \
        '{"id":"a1","ts":"2024-07-01T10:00:00Z","type":"action","rule":"r","customer":"c1","channel":"email","payload":{"t":"hi"}}' \
        '{"id":"a2","ts":"2024-07-01T10:00:00Z","type":"action","rule":"r","customer":"c2","channel":"email","payload":{"t":"hi"}}' \
        > "$BATS_TEST_TMPDIR/acts.jsonl"
    cd "$BATS_TEST_TMPDIR/run"
    run --separate-stderr eng-emit -c ../conf/channels.yaml ../acts.jsonl
    assert_success
    run jq -c '[.customer, .status, .reason]' <<< "$output"
    assert_output - <<'OUT'
["c1","sent",null]
["c2","suppressed","opt-out"]
OUT
    # a text template's message is written as a JSON string, one per line
    assert_equal "$(cat out.txt)" '"Hello c1\n"'
    [ ! -e ../conf/out.txt ]
}
