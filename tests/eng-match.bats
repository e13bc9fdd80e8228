#!/usr/bin/env bats
# eng-match: decisions (RULES.md, TOOLS.md eng-match, EVENT-MODEL.md action
# records), the stateless part: `when` rules, cooldowns, the outputs.
# Fixtures in tests/data/match/; each test runs there so file names in
# messages are short and stable.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/match"
    cd "$D"
}

# --- action records ---

@test "actions: every field, emit.channel leaves the payload, default priority 0, no emit gives {}" {
    run --separate-stderr eng-match basic.yaml events.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:big-purchase:c1:e9fa8c8a919a64c9","ts":"2024-07-04T18:00:00Z","type":"action","rule":"big-purchase","customer":"c1","key":"c1","channel":"email","priority":5,"payload":{"template":"thanks","message":"Thanks from Paris: 120 USD"},"trigger":["e1"]}
{"id":"act:mobile:c2:aa6e9322dd464978","ts":"2024-07-04T18:05:00.250Z","type":"action","rule":"mobile","customer":"c2","key":"c2","channel":null,"priority":0,"payload":{},"trigger":["e2"]}
{"id":"act:mobile:c1:a112e8e86b4652b2","ts":"2024-07-04T18:10:00Z","type":"action","rule":"mobile","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["e3"]}
{"id":"act:big-purchase::66e165ec52ba3e20","ts":"2024-07-04T18:20:00Z","type":"action","rule":"big-purchase","customer":null,"key":null,"channel":"email","priority":5,"payload":{"template":"thanks","message":"Thanks from nowhere: 300 USD"},"trigger":["e4"]}
OUT
}

@test "actions: ts is the event's ts normalised to UTC with milliseconds" {
    run --separate-stderr eng-match basic.yaml events.jsonl
    assert_line --index 1 --partial '"ts":"2024-07-04T18:05:00.250Z"'
}

@test "actions: id is act:rule:key:XXH3-64 of rule, key, trigger joined by U+001F" {
    # XXH3-64("big-purchase\x1fc1\x1fe1") = e9fa8c8a919a64c9 (libxxhash)
    run --separate-stderr eng-match basic.yaml events.jsonl
    assert_line --index 0 --partial '{"id":"act:big-purchase:c1:e9fa8c8a919a64c9",'
}

@test "actions: ids are deterministic across runs" {
    a=$(eng-match basic.yaml events.jsonl)
    b=$(cat events.jsonl | eng-match basic.yaml)
    assert_equal "$a" "$b"
}

@test "actions: come out in rule-file order, indexed or not" {
    run --separate-stderr eng-match order.yaml events.jsonl
    assert_success
    run --separate-stderr bash -c "eng-match order.yaml events.jsonl | jq -r '.trigger[0] + \" \" + .rule'"
    assert_output - <<'OUT'
e1 z-any
e1 a-purchase
e1 m-web
e1 b-amount
e2 z-any
e3 z-any
e3 a-purchase
e4 z-any
e4 a-purchase
e4 m-web
e4 b-amount
OUT
}

@test "actions: --with-event carries the triggering event's original bytes" {
    run --separate-stderr eng-match --with-event basic.yaml annotate.jsonl
    assert_success
    assert_output '{"id":"act:big-purchase:c1:15aedac0e21d599b","ts":"2024-07-04T18:00:00Z","type":"action","rule":"big-purchase","customer":"c1","key":"c1","channel":"email","priority":5,"payload":{"template":"thanks","message":"Thanks from nowhere: 120 USD"},"trigger":["a1"],"event":{"id":"a1","ts":"2024-07-04T18:00:00Z", "customer":"c1","type":"purchase","amount":120 ,"x":1.50}}'
}

@test "actions: an event without id gets the id eng-ingest would give its line" {
    run --separate-stderr eng-match order.yaml noid.jsonl
    assert_success
    assert_output '{"id":"act:z-any::7ce05b7067d407ac","ts":"2024-07-04T18:00:00Z","type":"action","rule":"z-any","customer":null,"key":null,"channel":null,"priority":0,"payload":{},"trigger":["4a21067808403f6a"]}'
}

# --- templates ---

@test "templates: paths, defaults, missing fields, JSON escaping, nested emit" {
    run --separate-stderr eng-match --stats templates.yaml templates.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:t:c1:2e0fc48092e0aff0","ts":"2024-07-04T18:00:00Z","type":"action","rule":"t","customer":"c1","key":"c1","channel":"push","priority":0,"payload":{"text":"Hi Ann, Oslo!","nested":{"list":["view",2,1.5,true,null],"plain":"no braces"},"quote":"say \"hi\"\n","whole":"{\"city\":\"Oslo\"}"},"trigger":["t1"]}
{"id":"act:t:c2:121a1f2553d81ac7","ts":"2024-07-04T18:00:00Z","type":"action","rule":"t","customer":"c2","key":"c2","channel":"sms","priority":0,"payload":{"text":"Hi friend, !","nested":{"list":["view",2,1.5,true,null],"plain":"no braces"},"quote":"","whole":""},"trigger":["t2"]}
OUT
    assert_equal "$stderr" '{"tool":"eng-match","in":2,"out":2,"rejected":0,"actions":2,"late":0,"missing_key":0,"errors":0,"cooled":0,"dropped":0,"pending":0,"template_missing":4,"rules":{"t":{"evaluated":2,"matched":2,"errors":0,"cooled":0}}}'
}

# --- cooldown ---

@test "cooldown: per key, in event time, held back before T+cooldown, also out of order" {
    run --separate-stderr eng-match --stats cooldown.yaml cooldown.jsonl
    assert_success
    run bash -c "eng-match cooldown.yaml cooldown.jsonl | jq -r '.trigger[0] + \" \" + .key'"
    # k1 fires (T=18:00); k2 18:30 held; k3 other key; k4 19:00 = T+1h fires;
    # k5 17:30 (out of order) held; k6 19:59:59.999 held; k7 20:00 fires
    assert_output - <<'OUT'
k1 c1
k3 c2
k4 c1
k7 c1
OUT
}

@test "cooldown: a held-back firing is counted as cooled, per rule and in total" {
    run --separate-stderr eng-match --stats cooldown.yaml cooldown.jsonl
    assert_equal "$stderr" '{"tool":"eng-match","in":7,"out":4,"rejected":0,"actions":4,"late":0,"missing_key":0,"errors":0,"cooled":3,"dropped":0,"pending":0,"template_missing":0,"rules":{"cool":{"evaluated":7,"matched":7,"errors":0,"cooled":3}}}'
}

@test "cooldown: 0s holds back only events earlier than the last firing" {
    run bash -c "eng-match cooldown0.yaml cooldown0.jsonl | jq -r '.trigger[0]'"
    assert_output - <<'OUT'
z1
z2
z4
OUT
}

# --- keys ---

@test "keys: dotted path, non-string key as JSON text in the id, null and missing key rejected for keyed rules" {
    run --separate-stderr eng-match --stats keys.yaml keys.jsonl
    assert_failure 1
    assert_output - <<'OUT'
{"id":"act:keyed:H1:ae336c5d057d2dac","ts":"2024-07-04T18:00:00Z","type":"action","rule":"keyed","customer":"c1","key":"H1","channel":null,"priority":0,"payload":{},"trigger":["h1"]}
{"id":"act:stateless:H1:62c54fba4ce67b38","ts":"2024-07-04T18:00:00Z","type":"action","rule":"stateless","customer":"c1","key":"H1","channel":null,"priority":0,"payload":{},"trigger":["h1"]}
{"id":"act:keyed:42:b56f77a9de920568","ts":"2024-07-04T18:01:00Z","type":"action","rule":"keyed","customer":"c2","key":42,"channel":null,"priority":0,"payload":{},"trigger":["h2"]}
{"id":"act:stateless:42:e33afc14a5f3fe28","ts":"2024-07-04T18:01:00Z","type":"action","rule":"stateless","customer":"c2","key":42,"channel":null,"priority":0,"payload":{},"trigger":["h2"]}
{"id":"act:stateless::f2611b5c7dbf9ff7","ts":"2024-07-04T18:02:00Z","type":"action","rule":"stateless","customer":"c3","key":null,"channel":null,"priority":0,"payload":{},"trigger":["h3"]}
{"id":"act:stateless::fe68445ae7627974","ts":"2024-07-04T18:03:00Z","type":"action","rule":"stateless","customer":null,"key":null,"channel":null,"priority":0,"payload":{},"trigger":["h4"]}
{"id":"act:keyed:42:497f0aa607847b38","ts":"2024-07-04T18:04:00Z","type":"action","rule":"keyed","customer":"c5","key":"42","channel":null,"priority":0,"payload":{},"trigger":["h5"]}
{"id":"act:stateless:42:afa1703d897843b7","ts":"2024-07-04T18:04:00Z","type":"action","rule":"stateless","customer":"c5","key":"42","channel":null,"priority":0,"payload":{},"trigger":["h5"]}
OUT
    assert_equal "$stderr" 'eng-match: keys.jsonl:3: missing key '\''profile.household'\''
eng-match: keys.jsonl:4: missing key '\''profile.household'\''
{"tool":"eng-match","in":5,"out":8,"rejected":2,"actions":8,"late":0,"missing_key":2,"errors":0,"cooled":0,"dropped":0,"pending":0,"template_missing":0,"rules":{"keyed":{"evaluated":3,"matched":3,"errors":0,"cooled":0},"stateless":{"evaluated":5,"matched":5,"errors":0,"cooled":0}}}'
}

@test "keys: the number 42 and the string \"42\" are different cooldown keys" {
    # h2 (42) and h5 ("42") both fire the 1d-cooldown rule
    run --separate-stderr bash -c "eng-match keys.yaml keys.jsonl | jq -c 'select(.rule == \"keyed\") | .key'"
    assert_output - <<'OUT'
"H1"
42
"42"
OUT
}

# --- --annotate ---

@test "annotate: events pass through byte for byte with matches spliced in" {
    run --separate-stderr eng-match --annotate basic.yaml annotate.jsonl
    assert_success
    # trailing blanks of a1 are cut, its odd spacing and 1.50 kept
    assert_output - <<'OUT'
{"id":"a1","ts":"2024-07-04T18:00:00Z", "customer":"c1","type":"purchase","amount":120 ,"x":1.50,"matches":["big-purchase"]}
{"id":"a2","ts":"2024-07-04T18:00:00Z","type":"view","matches":[]}
OUT
}

@test "annotate: matches lists every rule that fired, in rule order" {
    run --separate-stderr eng-match --annotate order.yaml events.jsonl
    assert_line --index 0 '{"id":"e1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"web","type":"purchase","amount":120,"geo":{"city":"Paris"},"matches":["z-any","a-purchase","m-web","b-amount"]}'
    assert_line --index 1 --partial '"matches":["z-any"]}'
}

# --- -e ---

@test "-e: prints the value of the expression for each record" {
    run --separate-stderr eng-match -e 'amount * 2' events.jsonl
    assert_success
    assert_output - <<'OUT'
240
80
600
OUT
    assert_equal "$stderr" "eng-match: events.jsonl:2: no such field: 'amount'"
}

@test "-e: strings, lists and maps print as JSON" {
    run --separate-stderr eng-match -e '[type, geo]' events.jsonl
    assert_line --index 0 '["purchase",{"city":"Paris"}]'
}

@test "-e: a syntax error is a usage error with its column" {
    run --separate-stderr eng-match -e 'type =='
    assert_failure 2
    assert_equal "$stderr" "eng-match: -e:1:8: expected an expression, found end of expression"
}

# --- --check ---

@test "check: a valid file gives a one-line summary and exit 0" {
    run --separate-stderr eng-match --check order.yaml
    assert_success
    assert_output ''
    assert_equal "$stderr" 'eng-match: order.yaml: 4 rules OK (2 indexed, 0 keyed)'
}

@test "check: duplicate id" {
    run --separate-stderr eng-match --check bad-dup.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-dup.yaml:6:9: duplicate rule id 'one' (first at line 2)"
}

@test "check: unknown key" {
    run --separate-stderr eng-match --check bad-key.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-key.yaml:3:5: unknown key 'wen' in rule (expected one of: id, description, when, sequence, count, emit, priority, cooldown, key, instances, max_instances)"
}

@test "check: parse error at the file's line and column" {
    run --separate-stderr eng-match --check bad-parse.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-parse.yaml:3:37: expected ')', found end of expression"
}

@test "check: parse error inside a literal block scalar points into the file" {
    run --separate-stderr eng-match --check bad-block.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-block.yaml:5:17: expected an expression, found '>'"
}

@test "check: a condition that cannot be a bool is a type error" {
    run --separate-stderr eng-match --check bad-type.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-type.yaml:3:11: condition is of type int, not bool"
}

@test "check: sequence rules load (tests/eng-match-cep.bats has their semantics)" {
    run --separate-stderr eng-match --check bad-seq.yaml
    assert_success
    assert_equal "$stderr" "eng-match: bad-seq.yaml: 2 rules OK (1 indexed, 1 keyed)"
}

@test "check: count rules load (tests/eng-match-cep.bats has their semantics)" {
    run --separate-stderr eng-match --check bad-count.yaml
    assert_success
    assert_equal "$stderr" "eng-match: bad-count.yaml: 1 rule OK (0 indexed, 1 keyed)"
}

@test "check: instances on a when rule" {
    run --separate-stderr eng-match --check bad-instances.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-instances.yaml:4:16: instances is only for sequence rules"
}

@test "check: a bare number is not a cooldown" {
    run --separate-stderr eng-match --check bad-cooldown.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-cooldown.yaml:4:15: cooldown: expected a duration such as 30m, 1h30m or 7d"
}

@test "check: a broken template is found at load" {
    run --separate-stderr eng-match --check bad-template.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-template.yaml:6:16: emit.message: unterminated '{{' at column 7"
}

@test "check: YAML syntax errors carry their place" {
    run --separate-stderr eng-match --check bad-yaml.yaml
    assert_failure 2
    assert_equal "$stderr" "eng-match: bad-yaml.yaml:4:4: did not find expected '-' indicator while parsing a block collection"
}

@test "check: a bad rule file stops a normal run too, nothing processed" {
    run --separate-stderr eng-match bad-dup.yaml events.jsonl
    assert_failure 2
    assert_output ''
}

# --- rejects, errors, exit statuses ---

@test "rejects: not JSON, not an object, no ts, bad ts; blank lines skipped; exit 1" {
    run --separate-stderr eng-match --rejects "$BATS_TEST_TMPDIR/rej.jsonl" --stats order.yaml rejects.jsonl
    assert_failure 1
    assert_output - <<'OUT'
{"id":"act:z-any:c1:5f7be8174ee2f93e","ts":"2024-07-04T18:00:00Z","type":"action","rule":"z-any","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["r1"]}
{"id":"act:a-purchase:c1:f128a231cd6cd114","ts":"2024-07-04T18:00:00Z","type":"action","rule":"a-purchase","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["r1"]}
{"id":"act:z-any:c1:278b7af0f1ff0e72","ts":"2024-07-04T18:00:00Z","type":"action","rule":"z-any","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["r4"]}
{"id":"act:a-purchase:c1:22a7e9f40fd5deda","ts":"2024-07-04T18:00:00Z","type":"action","rule":"a-purchase","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{},"trigger":["r4"]}
OUT
    assert_equal "$stderr" '{"tool":"eng-match","in":6,"out":4,"rejected":4,"actions":4,"late":0,"missing_key":0,"errors":0,"cooled":0,"dropped":0,"pending":0,"template_missing":0,"rules":{"z-any":{"evaluated":2,"matched":2,"errors":0,"cooled":0},"a-purchase":{"evaluated":2,"matched":2,"errors":0,"cooled":0},"m-web":{"evaluated":0,"matched":0,"errors":0,"cooled":0},"b-amount":{"evaluated":2,"matched":0,"errors":0,"cooled":0}}}'
    run cat "$BATS_TEST_TMPDIR/rej.jsonl"
    assert_output - <<'OUT'
{"tool":"eng-match","source":"rejects.jsonl","line":2,"error":"invalid JSON at column 3: '[' or '{' expected near 'not'","raw":"not json"}
{"tool":"eng-match","source":"rejects.jsonl","line":3,"error":"not a JSON object","raw":"[1,2]"}
{"tool":"eng-match","source":"rejects.jsonl","line":4,"error":"ts: missing","raw":"{\"id\":\"r2\",\"customer\":\"c1\",\"type\":\"purchase\"}"}
{"tool":"eng-match","source":"rejects.jsonl","line":5,"error":"ts: cannot parse 'yesterday'","raw":"{\"id\":\"r3\",\"ts\":\"yesterday\",\"type\":\"purchase\"}"}
OUT
}

@test "rejects: conservation, in = consumed + rejected, with --annotate" {
    run --separate-stderr eng-match --annotate --stats order.yaml rejects.jsonl
    assert_failure 1
    assert_output - <<'OUT'
{"id":"r1","ts":"2024-07-04T18:00:00Z","customer":"c1","type":"purchase","amount":1,"matches":["z-any","a-purchase"]}
{"id":"r4","ts":"2024-07-04T18:00:00Z","customer":"c1","type":"purchase","amount":1,"matches":["z-any","a-purchase"]}
OUT
    assert_line --index 0 --partial '"matches":["z-any","a-purchase"]}'
    [[ "$stderr" == *'{"tool":"eng-match","in":6,"out":2,"rejected":4,'* ]]
}

@test "rejects: without --rejects they are listed on stderr" {
    run --separate-stderr eng-match order.yaml rejects.jsonl
    assert_failure 1
    assert_equal "$stderr" "eng-match: rejects.jsonl:2: invalid JSON at column 3: '[' or '{' expected near 'not'
eng-match: rejects.jsonl:3: not a JSON object
eng-match: rejects.jsonl:4: ts: missing
eng-match: rejects.jsonl:5: ts: cannot parse 'yesterday'"
}

@test "errors: a condition error does not match, is counted per rule, first 5 reported" {
    run --separate-stderr eng-match --stats errors.yaml errors.jsonl
    assert_success
    run --separate-stderr bash -c "eng-match --stats errors.yaml errors.jsonl | jq -r '.trigger[0] + \" \" + .rule'"
    assert_output - <<'OUT'
x1 safe
x2 div
x5 safe
x6 safe
x7 safe
OUT
    assert_equal "$stderr" "eng-match: rule 'div': event x1: division by zero
eng-match: rule 'div': event x3: no such field: 'amount'
eng-match: rule 'div': event x4: no matching overload for '/' applied to (int, string)
eng-match: rule 'div': event x5: division by zero
eng-match: rule 'div': event x6: division by zero
eng-match: 1 more condition errors not shown
{\"tool\":\"eng-match\",\"in\":7,\"out\":5,\"rejected\":0,\"actions\":5,\"late\":0,\"missing_key\":0,\"errors\":6,\"cooled\":0,\"dropped\":0,\"pending\":0,\"template_missing\":0,\"rules\":{\"div\":{\"evaluated\":7,\"matched\":1,\"errors\":6,\"cooled\":0},\"safe\":{\"evaluated\":4,\"matched\":4,\"errors\":0,\"cooled\":0}}}"
}

@test "exit: usage errors exit 2" {
    run --separate-stderr eng-match
    assert_failure 2
    run --separate-stderr eng-match --annotate --with-event basic.yaml
    assert_failure 2
    run --separate-stderr eng-match --no-such-option basic.yaml
    assert_failure 2
}

@test "exit: a missing input file is a runtime error (3)" {
    run --separate-stderr eng-match basic.yaml no-such-file.jsonl
    assert_failure 3
    assert_equal "$stderr" "eng-match: no-such-file.jsonl: No such file or directory"
}

@test "--help fits a screen and shows an example" {
    run eng-match --help
    assert_success
    assert_line --partial 'Example:'
    [ "${#lines[@]}" -le 30 ]
}

@test "-o writes the actions atomically to a file" {
    run --separate-stderr eng-match -o "$BATS_TEST_TMPDIR/out.jsonl" basic.yaml events.jsonl
    assert_success
    assert_output ''
    run wc -l < "$BATS_TEST_TMPDIR/out.jsonl"
    assert_output 4
}

@test "index: a rule is evaluated only on events its top-level equality allows (--stats evaluated)" {
    cd "$BATS_TEST_TMPDIR"
    cat > idx.yaml <<'YAML'
rules:
  - id: buy
    when: type == "purchase" && amount > 10
  - id: web-view
    when: channel == "web" && type == "view"
  - id: any
    when: has(event.amount)
YAML
    printf '%s\n' \
        '{"id":"1","ts":"2024-01-01T00:00:00Z","customer":"c","type":"purchase","amount":20,"channel":"web"}' \
        '{"id":"2","ts":"2024-01-01T00:00:01Z","customer":"c","type":"view","channel":"web"}' \
        '{"id":"3","ts":"2024-01-01T00:00:02Z","customer":"c","type":"view","channel":"app"}' \
        '{"id":"4","ts":"2024-01-01T00:00:03Z","customer":"c","type":"login","channel":"web"}' > idx.jsonl
    run --separate-stderr eng-match --stats idx.yaml idx.jsonl
    assert_success
    # buy: only the purchase; web-view: indexed by one of its equalities
    # (the web events 1, 2, 4), the rest of its condition decides; any: no
    # equality at top level, so every event
    run jq -c '.rules | map_values(.evaluated)' <<< "$stderr"
    assert_output '{"buy":1,"web-view":3,"any":4}'
    run --separate-stderr eng-match --check idx.yaml
    assert_equal "$stderr" "eng-match: idx.yaml: 3 rules OK (2 indexed, 0 keyed)"
}
