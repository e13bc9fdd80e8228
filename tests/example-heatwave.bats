#!/usr/bin/env bats
# The heatwave example (share/eng/examples/heatwave, README there): mobile
# location events joined as-of to hourly weather by city; a customer on
# mobile in a city at 90°F or more who has not bought sunscreen gets a push
# offer, at most one a week, never in quiet hours (21:00-08:00 local).
# Each test runs run.sh into its own scratch directory; the first ones compare
# every output with expected/ byte for byte, the others check one part of the
# story each, with the expected values written here.

load test_helper
bats_require_minimum_version 1.5.0

ex="$ENG_DATADIR/examples/heatwave"

setup() {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr sh "$ex/run.sh" "$BATS_TEST_TMPDIR/out"
    assert_success
    out=$BATS_TEST_TMPDIR/out
}

# outcome EVENT_ID: what became of the event: "no action", or the status
# (and reason) of the receipt of the action it triggered.
outcome() {
    jq -rn --arg ev "$1" --slurpfile a "$out/actions.jsonl" \
        --slurpfile r "$out/receipts.jsonl" '
        [$a[] | select(.trigger == [$ev]) | .id] as $ids
        | if ($ids | length) == 0 then "no action"
          else [$r[] | select(.id == $ids[0]) | [.status, .reason // empty] | join(" ")] | join(",")
          end'
}

# enriched JQ-FILTER: the events as eng-enrich writes them (run.sh keeps
# only the final outputs) through jq -c, to show what the lookup found.
enriched() {
    eng-enrich -c "$ex/enrich.yaml" "$out/events.jsonl" | jq -c "$1"
}

# stat TOOL FIELD: the value of FIELD in TOOL's --stats line
stat() {
    jq -r --arg t "$1" "select(.tool == \$t) | .$2" "$out/stats.jsonl"
}

# --- the whole run ---

@test "heatwave: run.sh writes exactly the layout's files into OUTDIR" {
    run bash -c "cd '$out' && find . -type f | sort"
    assert_output - <<'OUT'
./actions.jsonl
./emit.db
./enrich.db
./events.jsonl
./match.db
./messages/push.jsonl
./receipts.jsonl
./rejects.jsonl
./stats.jsonl
OUT
    # the sink's messages come from eng-emit's working directory, OUTDIR,
    # so nothing was written beside the example or in the caller's directory
    [ ! -e "$ex/messages" ]
    [ ! -e "$BATS_TEST_TMPDIR/messages" ]
}

@test "heatwave: receipts, actions and the push sink equal expected/ byte for byte" {
    diff "$ex/expected/receipts.jsonl" "$out/receipts.jsonl"
    diff "$ex/expected/actions.jsonl" "$out/actions.jsonl"
    diff "$ex/expected/messages/push.jsonl" "$out/messages/push.jsonl"
}

@test "heatwave: events, rejects and stats equal expected/ byte for byte" {
    diff "$ex/expected/events.jsonl" "$out/events.jsonl"
    diff "$ex/expected/rejects.jsonl" "$out/rejects.jsonl"
    diff "$ex/expected/stats.jsonl" "$out/stats.jsonl"
}

@test "heatwave: the story in one table, event by event" {
    # every input event (the bad row ev-11 never became one) and its fate
    run bash -c "jq -r .id '$out/events.jsonl'"
    local ev line=""
    for ev in $output; do line="$line$ev: $(outcome "$ev")
"; done
    run printf '%s' "$line"
    assert_output - <<'OUT'
ev-01: no action
ev-02: no action
ev-03: no action
ev-04: no action
ev-05: sent
ev-06: sent
ev-07: no action
ev-08: suppressed quiet-hours
ev-09: no action
ev-10: no action
ev-12: no action
ev-13: sent
ev-14: suppressed frequency-cap
ev-15: sent
ev-16: sent
ev-17: sent
ev-18: sent
ev-19: no action
ev-20: no action
OUT
}

@test "heatwave: a second run into the same OUTDIR starts afresh and gives the same outputs" {
    mkdir again
    cp -r "$out/." again/
    run --separate-stderr sh "$ex/run.sh" "$out"
    assert_success
    # with the old state kept every action would be a duplicate, and the
    # file sink would hold 14 messages
    for f in events actions receipts rejects stats messages/push; do
        diff "again/$f.jsonl" "$out/$f.jsonl"
    done
}

@test "heatwave: without OUTDIR, run.sh writes into a new directory named on stderr" {
    run --separate-stderr env TMPDIR="$BATS_TEST_TMPDIR" sh "$ex/run.sh"
    assert_success
    [[ "$stderr" == "run.sh: output in $BATS_TEST_TMPDIR/heatwave."* ]]
    local dir=${stderr#run.sh: output in }
    diff "$ex/expected/receipts.jsonl" "$dir/receipts.jsonl"
}

@test "heatwave: run.sh fails (exit 2) when a stage cannot run" {
    # a copy of the example whose rules do not compile: eng-match exits 2
    cp -r "$ex" broken && cp "$ex/../run-lib.sh" .   # run.sh sources ../run-lib.sh
    printf 'rules:\n  - id: x\n    when: "channel =="\n' > broken/rules.yaml
    run --separate-stderr sh broken/run.sh "$BATS_TEST_TMPDIR/bout"
    assert_failure 2
    [[ "$stderr" == *"run.sh: match failed (exit 2)"* ]]
    [[ "$stderr" == *"rules.yaml:3:"* ]]
}

# --- the story, one behaviour at a time ---

@test "heatwave: a hot-city mobile customer who has not bought sunscreen gets a push offer" {
    # Ana (c1) bought water, not sunscreen; Phoenix at 105°F at 22:00 UTC
    run outcome ev-05
    assert_output sent
    run jq -c 'select(.trigger == ["ev-05"]) | [.rule, .customer, .channel, .payload, .event.profile.categories]' "$out/actions.jsonl"
    assert_output '["heatwave-sunscreen","c1","push",{"offer":"sunscreen-launch","message":"Phoenix is at 105°F: SPF 50 is 20% off today"},["water"]]'
    # the push channel's file sink received the rendered body
    run head -n 1 "$out/messages/push.jsonl"
    assert_output '{"to":"c1","title":"Hi Ana, it'"'"'s hot out","text":"Phoenix is at 105°F: SPF 50 is 20% off today","offer":"sunscreen-launch"}'
}

@test "heatwave: a second hot ping the same afternoon is held back by the rule's 1d cooldown" {
    # ev-07 is 2h10m after ev-05 and Phoenix is at 103°F: the rule matches,
    # but the cooldown holds the firing back, so there is no action at all
    run outcome ev-07
    assert_output "no action"
    run jq -c '.rules["heatwave-sunscreen"] | [.matched, .cooled]' <(grep '"eng-match"' "$out/stats.jsonl")
    assert_output '[10,1]'
}

@test "heatwave: the same customer hot again 2 days later gets a frequency-cap receipt" {
    # Jul 10 21:00Z, 47 h after the offer sent at Jul 8 22:00Z: past the
    # rule's 1d cooldown, so an action, but within the push cap's 7 days
    run jq -c 'select(.customer == "c1") | [.ts, .status, .reason, .cap]' "$out/receipts.jsonl"
    assert_output - <<'OUT'
["2024-07-08T22:00:00Z","sent",null,null]
["2024-07-10T21:00:00Z","suppressed","frequency-cap","channel"]
["2024-07-16T22:30:00Z","sent",null,null]
OUT
}

@test "heatwave: the same customer 8 days after the first offer is sent again" {
    # Jul 16 22:30Z is 8 days 30 min after Jul 8 22:00Z: the 7-day window
    # holds no sent push (the Jul 10 one was suppressed, and does not count)
    run outcome ev-18
    assert_output sent
    run jq -r 'select(.to == "c1") | .text' "$out/messages/push.jsonl"
    assert_output - <<'OUT'
Phoenix is at 105°F: SPF 50 is 20% off today
Phoenix is at 106°F: SPF 50 is 20% off today
OUT
}

@test "heatwave: a customer who bought sunscreen gets no offer" {
    # Ben (c2) bought sunscreen on Jul 7; Phoenix at 107°F on Jul 9
    run outcome ev-10
    assert_output "no action"
    run jq -c 'select(.customer == "c2")' "$out/actions.jsonl"
    assert_output ""
    run enriched 'select(.id == "ev-10") | [.profile.categories, .context.weather.temp_f]'
    assert_output '[["sunscreen"],107]'
}

@test "heatwave: buying sunscreen after an offer stops the offers" {
    # Ana buys sunscreen on Jul 16 at 18:00 local (ev-19); on Jul 17 she is
    # in Phoenix at 104°F, more than 1d after her last action: no action
    run outcome ev-20
    assert_output "no action"
    run enriched 'select(.id == "ev-20") | [.profile.categories, .context.weather.temp_f]'
    assert_output '[["water","sunscreen"],104]'
}

@test "heatwave: a web (not mobile) event in the heat gets no offer" {
    # Cleo (c3) views the shop on the web in Miami at 93°F; the same
    # evening on mobile at 91°F she gets the offer
    run outcome ev-04
    assert_output "no action"
    run enriched 'select(.id == "ev-04" or .id == "ev-06") | [.id, .channel, .context.weather.temp_f]'
    assert_output - <<'OUT'
["ev-04","web",93]
["ev-06","mobile",91]
OUT
    run outcome ev-06
    assert_output sent
}

@test "heatwave: a cool city gets no offer" {
    # Dev (c4) at home in Seattle: the 20:00Z row says 72°F
    run outcome ev-09
    assert_output "no action"
    run enriched 'select(.id == "ev-09") | .context.weather'
    assert_output '{"city":"Seattle","observed_at":"2024-07-09T20:00:00Z","temp_f":72}'
}

@test "heatwave: the weather is the event's city's, not the home city's" {
    # Dev lives in Seattle but is in Phoenix on Jul 14 at 106°F
    run jq -c 'select(.trigger == ["ev-17"]) | [.customer, .event.geo.city, .event.profile.city, .event.context.weather.temp_f]' "$out/actions.jsonl"
    assert_output '["c4","Phoenix","Seattle",106]'
    run outcome ev-17
    assert_output sent
}

@test "heatwave: a hot event at 23:00 local time is suppressed for quiet hours in the customer's zone" {
    # Eve (c5) in Dubai (+04:00): 19:00 UTC, outside 21:00-08:00 in UTC,
    # is 23:00 for her
    run outcome ev-08
    assert_output "suppressed quiet-hours"
    run jq -c 'select(.trigger == ["ev-08"]) | [.ts, .event.profile.tz, .event.context.local_time]' "$out/actions.jsonl"
    assert_output '["2024-07-09T19:00:00Z","Asia/Dubai","2024-07-09T23:00:00+04:00"]'
    # nothing reached the sink for it
    run jq -c 'select(.to == "c5") | .text' "$out/messages/push.jsonl"
    assert_output '"Dubai is at 99°F: SPF 50 is 20% off today"'
}

@test "heatwave: quiet hours use the local zone, not UTC: offers at night in UTC are sent" {
    # each sent push, its UTC hour and the customer's local hour: five were
    # sent between 21:00 and 08:00 UTC, none between 21:00 and 08:00 local
    run jq -r 'select(.trigger as $t | ["ev-05","ev-06","ev-15","ev-17","ev-18"] | index($t[0])) | [.trigger[0], .ts[11:13], .event.context.hour] | @tsv' "$out/actions.jsonl"
    assert_output - <<'OUT'
ev-05	22	15
ev-06	22	18
ev-15	06	10
ev-17	22	15
ev-18	22	15
OUT
    for ev in ev-05 ev-06 ev-15 ev-17 ev-18; do
        run outcome "$ev"
        assert_output sent
    done
}

@test "heatwave: a customer with no weather row yet for the city gets no offer, later one does" {
    # Finn (c6) in Las Vegas on Jul 8 16:00Z; the first Las Vegas row is
    # Jul 10 17:00Z (104°F), and an as-of lookup never looks ahead
    run bash -c "grep '^Las Vegas,' '$ex/weather.csv' | head -n 1"
    assert_output 'Las Vegas,2024-07-10T17:00:00Z,104'
    run enriched 'select(.customer == "c6") | [.id, .ts, .context.weather.temp_f]'
    assert_output - <<'OUT'
["ev-03","2024-07-08T16:00:00Z",null]
["ev-16","2024-07-12T20:00:00Z",109]
OUT
    run outcome ev-03
    assert_output "no action"
    run outcome ev-16
    assert_output sent
    # has(context.weather) in the rule: no condition errors for ev-03
    run stat eng-match errors
    assert_output 0
}

@test "heatwave: as-of takes the latest row at or before the event, and 90°F is enough" {
    # Miami rows: 15:00Z 89°F, 16:00Z 90°F. Gus (c7) at 15:59Z sees 89
    # (no action), at 16:00Z exactly sees 90 (>= 90: sent)
    run enriched 'select(.customer == "c7") | [.id, .ts, .context.weather.observed_at, .context.weather.temp_f]'
    assert_output - <<'OUT'
["ev-12","2024-07-10T15:59:00Z","2024-07-10T15:00:00Z",89]
["ev-13","2024-07-10T16:00:00Z","2024-07-10T16:00:00Z",90]
OUT
    run outcome ev-12
    assert_output "no action"
    run outcome ev-13
    assert_output sent
}

@test "heatwave: one bad CSV row becomes a reject of eng-ingest" {
    # "Phoenix, AZ" without quotes: 9 cells for 8 columns, line 12
    run jq -c '[.tool, .source, .line, .error]' "$out/rejects.jsonl"
    assert_output '["eng-ingest","app-events.csv",12,"ragged row: 9 fields, header has 8"]'
    run jq -c 'select(.id == "ev-11")' "$out/events.jsonl"
    assert_output ""
}

@test "heatwave: the mapping turns local export times into UTC and maps the columns" {
    # ev-08: 2024-07-09 23:00:00 +0400 in the export; ev-19 a purchase
    run jq -c 'select(.id == "ev-08" or .id == "ev-19")' "$out/events.jsonl"
    assert_output - <<'OUT'
{"id":"ev-08","ts":"2024-07-09T19:00:00Z","customer":"c5","channel":"mobile","type":"location","geo":{"city":"Dubai"},"source":{"name":"app-events","line":9}}
{"id":"ev-19","ts":"2024-07-17T01:00:00Z","customer":"c1","channel":"store","type":"purchase","geo":{"city":"Phoenix"},"category":"sunscreen","amount":12.99,"source":{"name":"app-events","line":20}}
OUT
}

# --- stats ---

@test "heatwave: stats, one line per stage in stage order, conservation at every stage" {
    run jq -r .tool "$out/stats.jsonl"
    assert_output - <<'OUT'
eng-ingest
eng-enrich
eng-match
eng-emit
OUT
    # eng-ingest: in = out + rejected + filtered; 20 rows, one reject
    [ "$(stat eng-ingest in)" -eq 20 ]
    [ "$(stat eng-ingest in)" -eq $(( $(stat eng-ingest out) + $(stat eng-ingest rejected) + $(stat eng-ingest filtered) )) ]
    [ "$(stat eng-ingest out)" -eq "$(wc -l < "$out/events.jsonl")" ]
    [ "$(stat eng-ingest rejected)" -eq "$(jq -s 'map(select(.tool == "eng-ingest")) | length' "$out/rejects.jsonl")" ]
    # eng-enrich: out = in - rejected + merges; it reads what ingest wrote
    [ "$(stat eng-enrich in)" -eq "$(stat eng-ingest out)" ]
    [ "$(stat eng-enrich out)" -eq $(( $(stat eng-enrich in) - $(stat eng-enrich rejected) + $(stat eng-enrich merges) )) ]
    # eng-match: in = out + consumed + rejected (eng-event(7)); one rule, so
    # an event fires at most one action, and consumed = the events that
    # triggered none: 19 = 9 + 10 + 0
    [ "$(stat eng-match in)" -eq "$(stat eng-enrich out)" ]
    [ "$(stat eng-match out)" -eq "$(stat eng-match actions)" ]
    [ "$(stat eng-match out)" -eq "$(wc -l < "$out/actions.jsonl")" ]
    consumed=$(jq -n --slurpfile e "$out/events.jsonl" --slurpfile a "$out/actions.jsonl" \
        '[$a[].trigger[]] as $t | [$e[] | select(.id as $i | $t | index($i) | not)] | length')
    [ "$consumed" -eq 10 ]
    [ "$(stat eng-match in)" -eq $(( $(stat eng-match out) + consumed + $(stat eng-match rejected) )) ]
    # eng-emit: in = receipts + rejected, receipts = the statuses' sum
    [ "$(stat eng-emit in)" -eq "$(stat eng-match out)" ]
    [ "$(stat eng-emit in)" -eq $(( $(stat eng-emit out) + $(stat eng-emit rejected) )) ]
    [ "$(stat eng-emit out)" -eq "$(wc -l < "$out/receipts.jsonl")" ]
    [ "$(stat eng-emit out)" -eq $(( $(stat eng-emit sent) + $(stat eng-emit suppressed) + $(stat eng-emit deferred) + $(stat eng-emit failed) + $(stat eng-emit dry_run) )) ]
    [ "$(stat eng-emit sent)" -eq "$(wc -l < "$out/messages/push.jsonl")" ]
    # the counts of the story
    run jq -c '[.tool, .in, .out, .rejected]' "$out/stats.jsonl"
    assert_output - <<'OUT'
["eng-ingest",20,19,1]
["eng-enrich",19,19,0]
["eng-match",19,9,0]
["eng-emit",9,9,0]
OUT
    run jq -c 'select(.tool == "eng-emit") | [.sent, .suppressed, .reasons["quiet-hours"], .reasons["frequency-cap"]]' "$out/stats.jsonl"
    assert_output '[7,2,1,1]'
}

@test "heatwave: summary.sh reads the outputs" {
    run --separate-stderr sh "$ENG_DATADIR/examples/summary.sh" "$out"
    assert_success
    assert_output - <<'OUT'
  events in (eng-ingest)                   20
  rejects                                   1
    eng-ingest                              1
  actions                                   9
    heatwave-sunscreen                      9
  receipts                                  9
    sent                                    7
    suppressed (frequency-cap)              1
    suppressed (quiet-hours)                1
OUT
}
