#!/usr/bin/env bats
# eng-match: the precise points of RULES.md (Semantics) that the other suites
# do not prove one by one: name resolution, keys other than customer, rejects
# for several rules at once, timestamps and durations at millisecond
# precision, the --stats names, and a SIGHUP that changes a rule.
# Each test writes its rules and events into its scratch directory and runs
# there, so the file names in messages are short.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# short RULES EVENTS [options...]: the actions as [rule,key,ts,trigger]
short() {
    local rules=$1 events=$2
    shift 2
    eng-match "$@" "$rules" "$events" 2>/dev/null | jq -c '[.rule,.key,.ts,.trigger]'
}

# --- names ---

@test "names: an alias wins over a top-level field of the same name, in conditions and templates" {
    cat > r.yaml <<'YAML'
rules:
  - id: alias-over-field
    sequence:
      - as: sku
        when: type == "view"
      - when: type == "buy" && sku.id == "v1"
    emit: { alias: "{{sku.id}}", field: "{{event.sku}}", type: "{{type}}" }
YAML
    cat > e.jsonl <<'JSONL'
{"id":"v1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"view","sku":"A"}
{"id":"b1","ts":"2024-07-04T10:01:00Z","customer":"c1","type":"buy","sku":"B"}
JSONL
    run --separate-stderr eng-match r.yaml e.jsonl
    assert_success
    assert_output '{"id":"act:alias-over-field:c1:ff26a3d76810eb89","ts":"2024-07-04T10:01:00Z","type":"action","rule":"alias-over-field","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{"alias":"v1","field":"B","type":"buy"},"trigger":["v1","b1"]}'
}

@test "names: event is the whole record, over a field named event and over an alias named event" {
    cat > r.yaml <<'YAML'
rules:
  - id: field-event
    when: event.type == "buy"
    emit: { id: "{{event.id}}", inner: "{{event.event}}" }
  - id: alias-event
    sequence:
      - as: event
        when: type == "view"
      - when: type == "buy" && event.id == "b1"
    emit: { id: "{{event.id}}" }
YAML
    cat > e.jsonl <<'JSONL'
{"id":"v1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"view"}
{"id":"b1","ts":"2024-07-04T10:01:00Z","customer":"c1","type":"buy","event":{"type":"nope","id":"inner"}}
JSONL
    run --separate-stderr eng-match r.yaml e.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:field-event:c1:11e062c43f6c8081","ts":"2024-07-04T10:01:00Z","type":"action","rule":"field-event","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{"id":"b1","inner":"{\"type\":\"nope\",\"id\":\"inner\"}"},"trigger":["b1"]}
{"id":"act:alias-event:c1:2750d027470d2a2b","ts":"2024-07-04T10:01:00Z","type":"action","rule":"alias-event","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{"id":"b1"},"trigger":["v1","b1"]}
OUT
}

# --- keys other than customer ---

@test "keys: with key session, key holds the session and customer comes from the last trigger event, null when it has none" {
    cat > r.yaml <<'YAML'
rules:
  - id: by-session
    key: session
    sequence:
      - when: type == "a"
      - when: type == "b"
YAML
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00Z","customer":"c1","session":"s1","type":"a"}
{"id":"b1","ts":"2024-07-04T10:01:00Z","session":"s1","type":"b"}
{"id":"a2","ts":"2024-07-04T10:02:00Z","customer":"c1","session":"s2","type":"a"}
{"id":"b2","ts":"2024-07-04T10:03:00Z","customer":"c2","session":"s2","type":"b"}
JSONL
    run --separate-stderr eng-match r.yaml e.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:by-session:s1:4e7e30f3ac9d21e4","ts":"2024-07-04T10:01:00Z","type":"action","rule":"by-session","customer":null,"key":"s1","channel":null,"priority":0,"payload":{},"trigger":["a1","b1"]}
{"id":"act:by-session:s2:000cd28f6f0ade41","ts":"2024-07-04T10:03:00Z","type":"action","rule":"by-session","customer":"c2","key":"s2","channel":null,"priority":0,"payload":{},"trigger":["a2","b2"]}
OUT
}

@test "keys: a per-rule key on a sequence keeps the sessions of one customer apart" {
    cat > r.yaml <<'YAML'
rules:
  - id: by-session
    key: session
    sequence:
      - when: type == "a"
      - when: type == "b"
  - id: by-customer
    sequence:
      - when: type == "a"
      - when: type == "b"
YAML
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00Z","customer":"c1","session":"s1","type":"a"}
{"id":"b2","ts":"2024-07-04T10:01:00Z","customer":"c1","session":"s2","type":"b"}
{"id":"b1","ts":"2024-07-04T10:02:00Z","customer":"c1","session":"s1","type":"b"}
JSONL
    # by-customer pairs a1 with the next b of c1 (b2, session s2);
    # by-session waits for a b of session s1
    run short r.yaml e.jsonl
    assert_output - <<'OUT'
["by-customer","c1","2024-07-04T10:01:00Z",["a1","b2"]]
["by-session","s1","2024-07-04T10:02:00Z",["a1","b1"]]
OUT
}

# --- rejects ---

@test "rejects: an event without the key for several stateful rules is one reject, counted once; its stateless action has key null" {
    cat > r.yaml <<'YAML'
rules:
  - id: seq
    sequence:
      - when: type == "a"
      - when: type == "b"
  - id: cnt
    count: { when: type == "a", at_least: 2, within: 1h }
  - id: cool
    when: type == "a"
    cooldown: 1h
  - id: any
    when: type == "a"
YAML
    cat > e.jsonl <<'JSONL'
{"id":"e1","ts":"2024-07-04T10:00:00Z","type":"a"}
{"id":"e2","ts":"2024-07-04T10:01:00Z","customer":"c1","type":"a"}
JSONL
    run --separate-stderr eng-match --stats --rejects rej.jsonl r.yaml e.jsonl
    assert_failure 1
    assert_output - <<'OUT'
{"id":"act:any::08b2570b927734ee","ts":"2024-07-04T10:00:00Z","type":"action","rule":"any","customer":null,"key":null,"channel":null,"priority":0,"payload":{},"trigger":["e1"]}
{"id":"act:cool:c1:5d54af234bffc4a6","ts":"2024-07-04T10:01:00Z","type":"action","rule":"cool","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["e2"]}
{"id":"act:any:c1:0f08b532e7c7e93e","ts":"2024-07-04T10:01:00Z","type":"action","rule":"any","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["e2"]}
OUT
    assert_equal "$stderr" '{"tool":"eng-match","in":2,"out":3,"rejected":1,"actions":3,"late":0,"missing_key":1,"errors":0,"cooled":0,"dropped":0,"pending":1,"template_missing":0,"rules":{"seq":{"evaluated":1,"matched":0,"errors":0,"cooled":0},"cnt":{"evaluated":1,"matched":0,"errors":0,"cooled":0},"cool":{"evaluated":1,"matched":1,"errors":0,"cooled":0},"any":{"evaluated":2,"matched":2,"errors":0,"cooled":0}}}'
    run cat rej.jsonl
    assert_output '{"tool":"eng-match","source":"e.jsonl","line":1,"error":"missing key '\''customer'\''","raw":"{\"id\":\"e1\",\"ts\":\"2024-07-04T10:00:00Z\",\"type\":\"a\"}"}'
}

@test "rejects: an event without a parsable ts is rejected once, for every rule, stateless and stateful" {
    cat > r.yaml <<'YAML'
rules:
  - id: seq
    sequence:
      - when: type == "a"
      - when: type == "b"
  - id: cnt
    count: { when: type == "a", at_least: 2, within: 1h }
  - id: any
    when: "true"
YAML
    cat > e.jsonl <<'JSONL'
{"id":"e1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"a"}
{"id":"e2","ts":"2024-07-04 10:01","customer":"c1","type":"a"}
{"id":"e3","ts":1720087260,"customer":"c1","type":"b"}
{"id":"e4","customer":"c1","type":"b"}
JSONL
    # a count of 2 or a completed sequence would show that a rule saw e2..e4
    run --separate-stderr eng-match --stats --rejects rej.jsonl r.yaml e.jsonl
    assert_failure 1
    assert_output '{"id":"act:any:c1:e4bfe77b0292c465","ts":"2024-07-04T10:00:00Z","type":"action","rule":"any","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["e1"]}'
    assert_equal "$stderr" '{"tool":"eng-match","in":4,"out":1,"rejected":3,"actions":1,"late":0,"missing_key":0,"errors":0,"cooled":0,"dropped":0,"pending":1,"template_missing":0,"rules":{"seq":{"evaluated":1,"matched":0,"errors":0,"cooled":0},"cnt":{"evaluated":1,"matched":0,"errors":0,"cooled":0},"any":{"evaluated":1,"matched":1,"errors":0,"cooled":0}}}'
    run jq -c '[.line,.error]' rej.jsonl
    assert_output - <<'OUT'
[2,"ts: cannot parse '2024-07-04 10:01'"]
[3,"ts: not a string"]
[4,"ts: missing"]
OUT
}

# --- timestamps ---

@test "timestamps: any RFC 3339 offset, +05:30, -01:00 and Z are the same instant" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    sequence:
      - when: type == "a"
      - when: type == "b"
        within: 0s
YAML
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T15:30:00+05:30","customer":"c1","type":"a"}
{"id":"b1","ts":"2024-07-04T09:00:00-01:00","customer":"c1","type":"b"}
{"id":"a2","ts":"2024-07-04T10:00:00Z","customer":"c2","type":"a"}
{"id":"b2","ts":"2024-07-04T15:30:00+05:30","customer":"c2","type":"b"}
JSONL
    run --separate-stderr eng-match --stats r.yaml e.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:ab:c1:ad5e3321c420fc71","ts":"2024-07-04T10:00:00Z","type":"action","rule":"ab","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["a1","b1"]}
{"id":"act:ab:c2:3b8668e957ce38de","ts":"2024-07-04T10:00:00Z","type":"action","rule":"ab","customer":"c2","key":"c2","channel":null,"priority":0,"payload":{},"trigger":["a2","b2"]}
OUT
    assert_equal "$(jq -c '[.late,.rejected]' <<< "$stderr")" '[0,0]'
}

@test "timestamps: 9 fractional digits are accepted and truncated to the millisecond" {
    cat > r.yaml <<'YAML'
rules:
  - id: any
    when: "true"
YAML
    cat > e.jsonl <<'JSONL'
{"id":"x1","ts":"2024-07-04T10:00:00.123456789Z","customer":"c1"}
{"id":"x2","ts":"2024-07-04T10:00:00.999999999+02:00","customer":"c1"}
JSONL
    run short r.yaml e.jsonl
    assert_output - <<'OUT'
["any","c1","2024-07-04T10:00:00.123Z",["x1"]]
["any","c1","2024-07-04T08:00:00.999Z",["x2"]]
OUT
}

@test "timestamps: a step 0.9999 ms before the previous one is not earlier at millisecond precision (truncated)" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    sequence:
      - when: type == "a"
      - when: type == "b"
YAML
    # a1 is .0009999 (truncates to .000), b1 is .000: not earlier, not late;
    # rounding would put a1 at .001, after b1
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00.0009999Z","customer":"c1","type":"a"}
{"id":"b1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"b"}
JSONL
    run --separate-stderr eng-match r.yaml e.jsonl
    assert_success
    assert_output '{"id":"act:ab:c1:ad5e3321c420fc71","ts":"2024-07-04T10:00:00Z","type":"action","rule":"ab","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["a1","b1"]}'
}

@test "timestamps: within is inclusive at millisecond precision (1s + 0.999999 ms is within 1s)" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    sequence:
      - when: type == "a"
      - when: type == "b"
        within: 1s
YAML
    # c1: b 1.000999999 s after a: 1000 ms truncated, within;
    # c2: b 1.001 s after a: past within
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"a"}
{"id":"a2","ts":"2024-07-04T10:00:00Z","customer":"c2","type":"a"}
{"id":"b1","ts":"2024-07-04T10:00:01.000999999Z","customer":"c1","type":"b"}
{"id":"b2","ts":"2024-07-04T10:00:01.001Z","customer":"c2","type":"b"}
JSONL
    run short r.yaml e.jsonl
    assert_output '["ab","c1","2024-07-04T10:00:01Z",["a1","b1"]]'
}

# --- durations ---

@test "durations: compound 1h30m is 90 minutes, inclusive" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    sequence:
      - when: type == "a"
      - when: type == "b"
        within: 1h30m
YAML
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"a"}
{"id":"a2","ts":"2024-07-04T10:00:00Z","customer":"c2","type":"a"}
{"id":"b1","ts":"2024-07-04T11:30:00Z","customer":"c1","type":"b"}
{"id":"b2","ts":"2024-07-04T11:30:00.001Z","customer":"c2","type":"b"}
JSONL
    run short r.yaml e.jsonl
    assert_output '["ab","c1","2024-07-04T11:30:00Z",["a1","b1"]]'
}

@test "durations: fractions that come to whole milliseconds, 1.5s and 0.5m, behave as 1500 ms and 30 s" {
    cat > r.yaml <<'YAML'
rules:
  - id: seq-1.5s
    sequence:
      - when: type == "a"
      - when: type == "b"
        within: 1.5s
  - id: cool-0.5m
    when: type == "c"
    cooldown: 0.5m
YAML
    # c1: 1.5 s after a, within; c2: 1.501 s, not.
    # c3: fires at 10:00, held back at 10:00:29.999, fires at 10:00:30
    cat > e.jsonl <<'JSONL'
{"id":"a1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"a"}
{"id":"a2","ts":"2024-07-04T10:00:00Z","customer":"c2","type":"a"}
{"id":"k1","ts":"2024-07-04T10:00:00Z","customer":"c3","type":"c"}
{"id":"b1","ts":"2024-07-04T10:00:01.500Z","customer":"c1","type":"b"}
{"id":"b2","ts":"2024-07-04T10:00:01.501Z","customer":"c2","type":"b"}
{"id":"k2","ts":"2024-07-04T10:00:29.999Z","customer":"c3","type":"c"}
{"id":"k3","ts":"2024-07-04T10:00:30Z","customer":"c3","type":"c"}
JSONL
    run short r.yaml e.jsonl
    assert_output - <<'OUT'
["cool-0.5m","c3","2024-07-04T10:00:00Z",["k1"]]
["seq-1.5s","c1","2024-07-04T10:00:01.500Z",["a1","b1"]]
["cool-0.5m","c3","2024-07-04T10:00:30Z",["k3"]]
OUT
}

@test "check: a duration that is not a whole number of milliseconds (within: 0.0005s)" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    sequence:
      - when: type == "a"
      - when: type == "b"
        within: 0.0005s
YAML
    run --separate-stderr eng-match --check r.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: r.yaml:6:17: within: '0.0005s' is not a whole number of milliseconds"
}

# --- validity ---

@test "check: an absent step that is first in a sequence with more steps" {
    cat > r.yaml <<'YAML'
rules:
  - id: absent-first
    sequence:
      - absent: type == "b"
        within: 1h
      - when: type == "c"
YAML
    run --separate-stderr eng-match --check r.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: r.yaml:4:17: an absent step cannot be first (or alone): absent after what?"
}

# --- --stats ---

@test "stats: in, actions, late, missing_key, errors, cooled, dropped, pending, template_missing, rejected" {
    cat > r.yaml <<'YAML'
rules:
  - id: ab
    instances: every
    max_instances: 1
    sequence:
      - when: type == "a"
      - absent: type == "b"
        within: 1h
  - id: cool
    when: type == "b"
    cooldown: 1h
    emit: { note: "{{nope}}" }
  - id: div
    when: 10 / n > 1
YAML
    # e1: an error in div; e2: a second instance of ab drops the first and
    # stays pending; e3 fires cool with a missing template field; e4 and e5
    # (late for ab, still seen by cool) are cooled; e6 has no key; e7 no ts
    cat > e.jsonl <<'JSONL'
{"id":"e1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"a","n":0}
{"id":"e2","ts":"2024-07-04T10:01:00Z","customer":"c1","type":"a","n":1}
{"id":"e3","ts":"2024-07-04T10:02:00Z","customer":"c2","type":"b","n":1}
{"id":"e4","ts":"2024-07-04T10:03:00Z","customer":"c2","type":"b","n":1}
{"id":"e5","ts":"2024-07-04T09:00:00Z","customer":"c2","type":"b","n":1}
{"id":"e6","ts":"2024-07-04T10:04:00Z","type":"b","n":1}
{"id":"e7","ts":"soon","customer":"c3","type":"b","n":1}
JSONL
    run short r.yaml e.jsonl
    assert_output - <<'OUT'
["div","c1","2024-07-04T10:01:00Z",["e2"]]
["cool","c2","2024-07-04T10:02:00Z",["e3"]]
["div","c2","2024-07-04T10:02:00Z",["e3"]]
["div","c2","2024-07-04T10:03:00Z",["e4"]]
["div","c2","2024-07-04T09:00:00Z",["e5"]]
["div",null,"2024-07-04T10:04:00Z",["e6"]]
OUT
    run --separate-stderr eng-match --stats r.yaml e.jsonl
    assert_failure 1
    assert_equal "$stderr" "eng-match: rule 'div': event e1: division by zero
eng-match: e.jsonl:5: late
eng-match: e.jsonl:6: missing key 'customer'
eng-match: e.jsonl:7: ts: cannot parse 'soon'
{\"tool\":\"eng-match\",\"in\":7,\"out\":6,\"rejected\":3,\"actions\":6,\"late\":1,\"missing_key\":1,\"errors\":1,\"cooled\":2,\"dropped\":1,\"pending\":1,\"template_missing\":1,\"rules\":{\"ab\":{\"evaluated\":2,\"matched\":0,\"errors\":0,\"cooled\":0},\"cool\":{\"evaluated\":3,\"matched\":3,\"errors\":0,\"cooled\":2},\"div\":{\"evaluated\":6,\"matched\":5,\"errors\":1,\"cooled\":0}}}"
}

# --- SIGHUP ---

@test "SIGHUP with a changed rule: its state starts fresh with a warning, the other rules keep their pending state" {
    cat > r.yaml <<'YAML'
rules:
  - id: seen
    when: "true"
  - id: keep
    sequence:
      - when: type == "add_to_cart"
      - absent: type == "purchase"
        within: 30m
  - id: change
    sequence:
      - when: type == "add_to_cart"
      - absent: type == "purchase"
        within: 30m
YAML
    mkfifo in
    eng-match r.yaml in > out 2> err &
    pid=$!
    exec 7> in
    echo '{"id":"k1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"add_to_cart"}' >&7
    # the output is flushed when the input has no more bytes ready: seen's
    # action says k1 was processed (bounded wait)
    for i in $(seq 1 200); do
        [ "$(wc -l < out)" -ge 1 ] && break
        sleep 0.05
    done
    sed -i -e '/id: change/,$ s/30m/20m/' r.yaml
    kill -HUP $pid
    # read after the signal: the rules are re-read before this event
    echo '{"id":"k2","ts":"2024-07-04T11:00:00Z","customer":"c2","type":"add_to_cart"}' >&7
    echo '{"id":"z","ts":"2024-07-04T12:00:00Z","customer":"c3","type":"z"}' >&7
    exec 7>&-
    wait $pid
    # keep fires for c1 (state kept) and c2; change only for c2, at its
    # new 20m deadline: c1's pending instance of change was dropped
    run jq -c '[.rule,.key,.ts,.trigger]' out
    assert_output - <<'OUT'
["seen","c1","2024-07-04T10:00:00Z",["k1"]]
["keep","c1","2024-07-04T10:30:00Z",["k1"]]
["seen","c2","2024-07-04T11:00:00Z",["k2"]]
["change","c2","2024-07-04T11:20:00Z",["k2"]]
["keep","c2","2024-07-04T11:30:00Z",["k2"]]
["seen","c3","2024-07-04T12:00:00Z",["z"]]
OUT
    run cat err
    assert_output - <<'OUT'
eng-match: rule 'change' changed: its state starts fresh
eng-match: SIGHUP: r.yaml: 3 rules loaded
OUT
}

@test "SIGHUP without --state: a pending instance keeps the members its later step and template read (the line itself is not kept in memory)" {
    cat > r.yaml <<'YAML'
rules:
  - id: seen
    when: "true"
  - id: abandon
    sequence:
      - { as: cart, when: type == "add_to_cart" }
      - { absent: 'type == "purchase" && sku == cart.sku', within: 30m }
    emit: { channel: email, sku: "{{cart.sku}}", city: "{{cart.geo.city}}" }
YAML
    mkfifo in
    eng-match r.yaml in > out 2> err &
    pid=$!
    exec 7> in
    echo '{"id":"k1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"add_to_cart","sku":"A","geo":{"city":"Austin"},"note":"x"}' >&7
    echo '{"id":"k2","ts":"2024-07-04T10:01:00Z","customer":"c2","type":"add_to_cart","sku":"C","geo":{"city":"Boston"}}' >&7
    for i in $(seq 1 200); do
        [ "$(wc -l < out)" -ge 2 ] && break
        sleep 0.05
    done
    kill -HUP $pid
    # after the re-load: c1 buys another sku (no cancel), c2 buys its own
    # (cancelled); z moves the watermark past both deadlines
    echo '{"id":"p1","ts":"2024-07-04T10:10:00Z","customer":"c1","type":"purchase","sku":"B"}' >&7
    echo '{"id":"p2","ts":"2024-07-04T10:11:00Z","customer":"c2","type":"purchase","sku":"C"}' >&7
    echo '{"id":"z","ts":"2024-07-04T12:00:00Z","customer":"c3","type":"z"}' >&7
    exec 7>&-
    wait $pid
    run jq -c '[.rule,.key,.ts,.trigger,.payload.sku,.payload.city]' out
    assert_output - <<'OUT'
["seen","c1","2024-07-04T10:00:00Z",["k1"],null,null]
["seen","c2","2024-07-04T10:01:00Z",["k2"],null,null]
["seen","c1","2024-07-04T10:10:00Z",["p1"],null,null]
["seen","c2","2024-07-04T10:11:00Z",["p2"],null,null]
["abandon","c1","2024-07-04T10:30:00Z",["k1"],"A","Austin"]
["seen","c3","2024-07-04T12:00:00Z",["z"],null,null]
OUT
    run cat err
    assert_output "eng-match: SIGHUP: r.yaml: 2 rules loaded"
}

@test "--state: a stream that pauses has its state committed while eng-match waits for more input" {
    cat > r.yaml <<'YAML'
rules:
  - id: three
    count: { when: type == "view", at_least: 3, within: 1h }
YAML
    mkfifo in
    eng-match --state s.db r.yaml in > out 2> err &
    pid=$!
    exec 7> in
    echo '{"id":"v1","ts":"2024-07-04T10:00:00Z","customer":"c1","type":"view"}' >&7
    echo '{"id":"v2","ts":"2024-07-04T10:01:00Z","customer":"c2","type":"view"}' >&7
    # no output to wait for: wait until the state file shows the checkpoint
    n=0
    for i in $(seq 1 200); do
        n=$(sqlite3 s.db 'select value from eng_meta where key = "watermark"' 2>/dev/null)
        [ -n "$n" ] && break
        sleep 0.05
    done
    kill -0 $pid
    exec 7>&-
    wait $pid
    [ "$n" = 1720087260000 ]
}
