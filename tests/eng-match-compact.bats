#!/usr/bin/env bats
# eng-match: what a pending instance keeps of its bound events (issue 6).
# An instance keeps each bound event's id and line bytes, plus only the
# members that later conditions and the templates read (found by scanning
# their text, falling back to the whole event when a use is not a plain
# `alias.field`); these tests pin that the actions are those of keeping the
# whole event: aliases used whole, bracket paths, a key other than customer
# (customer then comes from the last bound event), --with-event for an
# absence, and a state file written by the first version (JSON rows).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    cd "$BATS_TEST_TMPDIR"
    cat > ev.jsonl <<'EOF'
{"id":"v1","ts":"2024-07-04T10:00:00Z","customer":"c1","session":"s1","type":"page_view","page":"/p/1","channel":"web","geo":{"city":"Oslo"}}
{"id":"a1","ts":"2024-07-04T10:05:00Z","customer":"c1","session":"s1","type":"add_to_cart","sku":"A","page":"/p/1","channel":"web","geo":{"city":"Oslo"}}
{"id":"a2","ts":"2024-07-04T10:06:00Z","customer":"c2","session":"s2","type":"add_to_cart","sku":"B","channel":"mobile","geo":{"city":"Rome"}}
{"id":"p1","ts":"2024-07-04T10:10:00Z","customer":"c2","session":"s2","type":"purchase","sku":"Z"}
{"id":"p2","ts":"2024-07-04T10:20:00Z","customer":"c1","session":"s1","type":"purchase","sku":"A"}
{"id":"x1","ts":"2024-07-04T12:00:00Z","customer":"c3","session":"s3","type":"page_view"}
EOF
    cat > session.yaml <<'EOF'
rules:
  - id: left
    key: session
    sequence:
      - { when: type == "add_to_cart" }
      - { absent: type == "checkout", within: 30m }
    emit: { channel: "{{channel}}", city: "{{geo.city}}", where: "{{event.page}}" }
EOF
}

@test "compact: aliases read by field, by bracket, whole (size, a whole-map template) give the full event's actions" {
    cat > seq.yaml <<'EOF'
rules:
  - id: field
    sequence:
      - { as: cart, when: type == "add_to_cart" }
      - { absent: type == "purchase" && sku == cart.sku, within: 30m }
    emit: { sku: "{{cart.sku}}" }
  - id: whole
    sequence:
      - { as: cart, when: type == "add_to_cart" }
      - { absent: 'type == "purchase" && cart["sku"] == sku && size(cart) > 3', within: 30m }
    emit: { sku: "{{ cart['sku'] }}", n: "{{cart}}" }
  - id: both
    sequence:
      - { as: v, when: type == "page_view" }
      - { as: c, when: type == "add_to_cart" && v.page.startsWith("/p") && has(v.geo), within: 1h }
      - { as: p, when: type == "purchase" && (sku == c.sku || size(c) == 0), within: 1h }
    emit: { from: "{{v.page}}", city: "{{ v.geo.city }}", sku: "{{c.sku}}" }
EOF
    run --separate-stderr eng-match seq.yaml ev.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:both:c1:22c953e9c5583330","ts":"2024-07-04T10:20:00Z","type":"action","rule":"both","customer":"c1","key":"c1","channel":null,"priority":0,"payload":{"from":"/p/1","city":"Oslo","sku":"A"},"trigger":["v1","a1","p2"]}
{"id":"act:field:c2:a0592a41fe5c2280","ts":"2024-07-04T10:36:00Z","type":"action","rule":"field","customer":"c2","key":"c2","channel":null,"priority":0,"payload":{"sku":"B"},"trigger":["a2"]}
{"id":"act:whole:c2:fe0ab68b5a766b35","ts":"2024-07-04T10:36:00Z","type":"action","rule":"whole","customer":"c2","key":"c2","channel":null,"priority":0,"payload":{"sku":"B","n":"{\"id\":\"a2\",\"ts\":\"2024-07-04T10:06:00Z\",\"customer\":\"c2\",\"session\":\"s2\",\"type\":\"add_to_cart\",\"sku\":\"B\",\"channel\":\"mobile\",\"geo\":{\"city\":\"Rome\"}}"},"trigger":["a2"]}
OUT
}

@test "compact: an absence keyed by session takes customer, record templates and --with-event from the last bound event" {
    run --separate-stderr eng-match --with-event session.yaml ev.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"act:left:s1:3fa9be8ca11b0067","ts":"2024-07-04T10:35:00Z","type":"action","rule":"left","customer":"c1","key":"s1","channel":"web","priority":0,"payload":{"city":"Oslo","where":"/p/1"},"trigger":["a1"],"event":{"id":"a1","ts":"2024-07-04T10:05:00Z","customer":"c1","session":"s1","type":"add_to_cart","sku":"A","page":"/p/1","channel":"web","geo":{"city":"Oslo"}}}
{"id":"act:left:s2:26b3413ee0992771","ts":"2024-07-04T10:36:00Z","type":"action","rule":"left","customer":"c2","key":"s2","channel":"mobile","priority":0,"payload":{"city":"Rome","where":""},"trigger":["a2"],"event":{"id":"a2","ts":"2024-07-04T10:06:00Z","customer":"c2","session":"s2","type":"add_to_cart","sku":"B","channel":"mobile","geo":{"city":"Rome"}}}
OUT
}

@test "compact: a state file with a row in the first version's JSON form still loads and fires; new rows are blobs" {
    S="$BATS_TEST_TMPDIR/st.db"
    eng-match --state "$S" session.yaml /dev/null
    sqlite3 "$S" "INSERT INTO match_keys VALUES('left', CAST('ss1' AS BLOB), '{\"key\":\"s1\",\"seen\":1720087500000,\"inst\":[{\"c\":0,\"b\":[[1720087500000,\"a1\",{\"id\":\"a1\",\"ts\":\"2024-07-04T10:05:00Z\",\"customer\":\"c1\",\"session\":\"s1\",\"type\":\"add_to_cart\",\"sku\":\"A\",\"page\":\"/p/1\",\"channel\":\"web\",\"geo\":{\"city\":\"Oslo\"}}]]}]}'); UPDATE eng_meta SET value = '1720087500000' WHERE key IN ('watermark', 'max_ts'); UPDATE eng_meta SET value = '1' WHERE key = 'cseq'"
    run --separate-stderr eng-match --with-event --state "$S" session.yaml <(tail -n +3 ev.jsonl | head -n 1)
    assert_success
    assert_output ''
    run sqlite3 "$S" "SELECT rule, CAST(key AS TEXT), typeof(data) FROM match_keys ORDER BY key"
    assert_output - <<'OUT'
left|ss1|text
left|ss2|blob
OUT
    run --separate-stderr eng-match --with-event --state "$S" session.yaml <(tail -n 1 ev.jsonl)
    assert_success
    assert_output - <<'OUT'
{"id":"act:left:s1:3fa9be8ca11b0067","ts":"2024-07-04T10:35:00Z","type":"action","rule":"left","customer":"c1","key":"s1","channel":"web","priority":0,"payload":{"city":"Oslo","where":"/p/1"},"trigger":["a1"],"event":{"id":"a1","ts":"2024-07-04T10:05:00Z","customer":"c1","session":"s1","type":"add_to_cart","sku":"A","page":"/p/1","channel":"web","geo":{"city":"Oslo"}}}
{"id":"act:left:s2:26b3413ee0992771","ts":"2024-07-04T10:36:00Z","type":"action","rule":"left","customer":"c2","key":"s2","channel":"mobile","priority":0,"payload":{"city":"Rome","where":""},"trigger":["a2"],"event":{"id":"a2","ts":"2024-07-04T10:06:00Z","customer":"c2","session":"s2","type":"add_to_cart","sku":"B","channel":"mobile","geo":{"city":"Rome"}}}
OUT
    run sqlite3 "$S" "SELECT count(*) FROM match_keys"
    assert_output 0
}

@test "compact: a damaged binary row is refused with the rule named (exit 3)" {
    S="$BATS_TEST_TMPDIR/st.db"
    eng-match --state "$S" session.yaml /dev/null
    sqlite3 "$S" "INSERT INTO match_keys VALUES('left', CAST('ss9' AS BLOB), X'0100010105')"
    run --separate-stderr eng-match --state "$S" session.yaml /dev/null
    assert_failure 3
    assert_equal "$stderr" "eng-match: $S: a damaged entry for rule 'left'"
}

@test "compact: every truncation of a saved row is refused as damaged, never a crash" {
    S="$BATS_TEST_TMPDIR/st.db"
    head -n 3 ev.jsonl | eng-match --state "$S" session.yaml > /dev/null
    n=$(sqlite3 "$S" "SELECT length(data) FROM match_keys WHERE key = CAST('ss1' AS BLOB)")
    [ "$n" -gt 100 ]
    cp "$S" "$BATS_TEST_TMPDIR/full.db"
    for ((k = 0; k < n; k += 7)); do
        cp "$BATS_TEST_TMPDIR/full.db" "$S"
        sqlite3 "$S" "UPDATE match_keys SET data = substr(data, 1, $k) WHERE key = CAST('ss1' AS BLOB)"
        run --separate-stderr eng-match --state "$S" session.yaml /dev/null
        assert_failure 3
        assert_equal "$stderr" "eng-match: $S: a damaged entry for rule 'left'"
    done
}
