#!/usr/bin/env bats
# The cart abandonment example (share/eng/examples/cart, README there): an
# add_to_cart with no purchase within 30 minutes gets an email reminder; a
# purchase within 7 days after a sent reminder is a conversion (a second
# eng-match pass over the events and the receipts). Each test runs run.sh
# into its own scratch directory; the first ones compare every output with
# expected/ byte for byte, the others check one part of the story each.

load test_helper
bats_require_minimum_version 1.5.0

ex="$ENG_DATADIR/examples/cart"

setup() {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr sh "$ex/run.sh" "$BATS_TEST_TMPDIR/out"
    assert_success
    out=$BATS_TEST_TMPDIR/out
}

# reminder CUSTOMER: "TS TRIGGER STATUS[ REASON]" of each of the customer's
# reminders, or nothing
reminder() {
    jq -rn --arg c "$1" --slurpfile a "$out/actions.jsonl" \
        --slurpfile r "$out/receipts.jsonl" '
        $a[] | select(.customer == $c) | . as $act
        | ([$r[] | select(.id == $act.id) | [.status, .reason // empty] | join(" ")] | join(","))
        | "\($act.ts) \($act.trigger | join(",")) \(.)"'
}

# conversion CUSTOMER: "REMINDED_AT ORDER TS" of the customer's conversions
conversion() {
    jq -r --arg c "$1" 'select(.customer == $c) |
        "\(.payload.reminded_at) \(.payload.order) \(.ts)"' "$out/conversions.jsonl"
}

stat() {
    jq -r --arg t "$1" "select(.tool == \$t) | .$2" "$out/stats.jsonl"
}

# --- the whole run ---

@test "cart: run.sh writes exactly the layout's files into OUTDIR" {
    run bash -c "cd '$out' && find . -type f | sort"
    assert_output - <<'OUT'
./actions.jsonl
./conversions.jsonl
./emit.db
./enrich.db
./events.jsonl
./match.db
./messages/email.jsonl
./receipts.jsonl
./rejects.jsonl
./stats.jsonl
OUT
    [ ! -e "$ex/messages" ] && [ ! -e "$BATS_TEST_TMPDIR/messages" ]
}

@test "cart: every output equals expected/ byte for byte" {
    local f
    for f in events actions receipts conversions rejects stats messages/email; do
        diff "$ex/expected/$f.jsonl" "$out/$f.jsonl"
    done
}

@test "cart: the story in one table, customer by customer" {
    local c table=""
    for c in c1 c2 c3 c4 c5 c6 c7 c8 c9; do
        table+=$(printf "%s reminders: %s | conversions: %s" "$c" \
            "$(reminder $c | tr "\n" ";")" "$(conversion $c | tr "\n" ";")")$'\n'
    done
    output=${table%$'\n'}
    assert_output - <<'OUT'
c1 reminders:  | conversions: 
c2 reminders: 2024-07-01T11:30:00Z w-04 sent; | conversions: 2024-07-01T11:30:00Z w-14 2024-07-03T09:00:00Z;
c3 reminders:  | conversions: 
c4 reminders: 2024-07-01T13:30:00Z w-07 sent; | conversions: 2024-07-01T13:30:00Z w-08 2024-07-01T13:30:01Z;
c5 reminders: 2024-07-02T09:30:00Z w-09 sent; | conversions: 
c6 reminders: 2024-07-02T10:30:00Z w-10 suppressed opt-out; | conversions: 
c7 reminders: 2024-07-03T08:30:00Z w-13 sent;2024-07-03T14:30:00Z w-15 suppressed frequency-cap; | conversions: 
c8 reminders: 2024-07-03T20:40:00Z w-17 sent; | conversions: 
c9 reminders: 2024-07-10T10:20:00Z w-19 sent; | conversions: 
OUT
}

@test "cart: a second run into the same OUTDIR starts afresh and gives the same outputs" {
    mkdir again
    cp -r "$out/." again/
    run --separate-stderr sh "$ex/run.sh" "$out"
    assert_success
    local f
    for f in events actions receipts conversions rejects stats messages/email; do
        diff "again/$f.jsonl" "$out/$f.jsonl"
    done
}

@test "cart: without OUTDIR, run.sh writes into a new directory named on stderr" {
    run --separate-stderr env TMPDIR="$BATS_TEST_TMPDIR" sh "$ex/run.sh"
    assert_success
    [[ "$stderr" == "run.sh: output in $BATS_TEST_TMPDIR/cart."* ]]
    diff "$ex/expected/conversions.jsonl" "${stderr#run.sh: output in }/conversions.jsonl"
}

@test "cart: run.sh fails (exit 2) when a stage cannot run" {
    cp -r "$ex" broken && cp "$ex/../run-lib.sh" .   # run.sh sources ../run-lib.sh
    printf 'rules:\n  - id: x\n    when: "type =="\n' > broken/conversion.yaml
    run --separate-stderr sh broken/run.sh "$BATS_TEST_TMPDIR/bout"
    assert_failure 2
    [[ "$stderr" == *"run.sh: conversion failed (exit 2)"* ]]
    [[ "$stderr" == *"conversion.yaml:3:"* ]]
}

# --- the story, one behaviour at a time ---

@test "cart: a purchase within 30 minutes of the cart cancels the reminder" {
    run reminder c1
    assert_output ''
}

@test "cart: no purchase within 30 minutes: one reminder at the deadline, sent by email" {
    run reminder c2
    assert_output '2024-07-01T11:30:00Z w-04 sent'
    run jq -c 'select(.to == "ben@example.com")' "$out/messages/email.jsonl"
    assert_output '{"to":"ben@example.com","subject":"Ben, your cart is waiting","text":"You left B-200 in your cart. It is still there."}'
}

@test "cart: the 30 minutes are inclusive: a purchase at exactly 30 minutes cancels, one second later does not" {
    run reminder c3
    assert_output ''
    run reminder c4
    assert_output '2024-07-01T13:30:00Z w-07 sent'
    # the reminder comes out before the purchase that revealed it was due
    run bash -c "jq -r 'select(.customer == \"c4\") | .ts' '$out/actions.jsonl' '$out/conversions.jsonl'"
    assert_output - <<'OUT'
2024-07-01T13:30:00Z
2024-07-01T13:30:01Z
OUT
}

@test "cart: a purchase within 7 days after a sent reminder is a conversion naming both" {
    run jq -c 'select(.customer == "c2") | [.rule, .channel, .payload, .trigger]' "$out/conversions.jsonl"
    assert_output '["conversion","conversion",{"reminder":"act:cart-reminder:c2:790d78f518c7839d","reminded_at":"2024-07-01T11:30:00Z","order":"w-14","sku":"B-200","amount":"59"},["act:cart-reminder:c2:790d78f518c7839d","w-14"]]'
    # the reminder it names is the one the receipts say was sent
    run jq -r 'select(.id == "act:cart-reminder:c2:790d78f518c7839d") | .status' "$out/receipts.jsonl"
    assert_output sent
}

@test "cart: a purchase 8 days after the reminder is no conversion" {
    run reminder c5
    assert_output '2024-07-02T09:30:00Z w-09 sent'
    run conversion c5
    assert_output ''
}

@test "cart: an opted-out customer's reminder is suppressed with a receipt, and their purchase is no conversion" {
    run reminder c6
    assert_output '2024-07-02T10:30:00Z w-10 suppressed opt-out'
    run grep -c finn "$out/messages/email.jsonl"
    assert_output 0
    run conversion c6
    assert_output ''
}

@test "cart: a second abandoned cart the same day is held back by the one-a-day cap" {
    run reminder c7
    assert_output - <<'OUT'
2024-07-03T08:30:00Z w-13 sent
2024-07-03T14:30:00Z w-15 suppressed frequency-cap
OUT
}

@test "cart: a second cart before the deadline replaces the first; one reminder names the latest" {
    run reminder c8
    assert_output '2024-07-03T20:40:00Z w-17 sent'
    run jq -r 'select(.customer == "c8") | .payload.sku' "$out/actions.jsonl"
    assert_output H-810
}

@test "cart: the export's last cart gets its reminder from --now; its conversion stays pending" {
    run reminder c9
    assert_output '2024-07-10T10:20:00Z w-19 sent'
    # without --now the absence is undecided at the end of the input
    run bash -c "eng-enrich -c '$ex/enrich.yaml' '$out/events.jsonl' |
        eng-match --with-event '$ex/rules.yaml' | jq -r 'select(.customer == \"c9\") | .ts'"
    assert_output ''
    assert_equal "$(jq -r 'select(.tool == "eng-match") | .pending' "$out/stats.jsonl")" "0
1"
}

@test "cart: one bad CSV row becomes a reject of eng-ingest, named by file and line" {
    run jq -c '[.tool, .source, .line, .error]' "$out/rejects.jsonl"
    assert_output '["eng-ingest","shop-events.csv",19,"ts: cannot parse '"'"'2024-07-04T31:00:00Z'"'"'"]'
}

@test "cart: conservation at every stage, and eng-report's attribution finds the same conversions" {
    assert_equal "$(stat eng-ingest in)/$(stat eng-ingest out)/$(stat eng-ingest rejected)" 20/19/1
    assert_equal "$(stat eng-enrich in)/$(stat eng-enrich out)" 19/19
    assert_equal "$(stat eng-emit in)/$(stat eng-emit out)" 8/8
    # the conversion pass read 19 events and 8 receipts
    assert_equal "$(jq -r 'select(.tool == "eng-match") | .in' "$out/stats.jsonl" | tail -n 1)" 27
    run bash -c "cd '$out' && eng-report events.jsonl actions.jsonl receipts.jsonl | jq -c 'select(.metric == \"funnel\") | [.sent, .converted]'"
    assert_output '[6,2]'
}

@test "cart: summary.sh reads the outputs, conversions included" {
    run sh "$ENG_DATADIR/examples/summary.sh" "$out"
    assert_success
    assert_output - <<'OUT'
  events in (eng-ingest)                   20
  rejects                                   1
    eng-ingest                              1
  actions                                   8
    cart-reminder                           8
  receipts                                  8
    sent                                    6
    suppressed (frequency-cap)              1
    suppressed (opt-out)                    1
  conversions                               2
OUT
}
