#!/usr/bin/env bats
# eng-report: the metrics of eng-report(1) on the hand-checked fixture in
# tests/data/report (its README works every number out), the options, the
# rejects, and the HTML page (rendered by headless Chromium when present).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/report"
    cd "$D"
    ALL="events.jsonl actions.jsonl receipts.jsonl rejects.jsonl"
}

# metric NAME [options]: the records of one metric over the fixture, as
# eng-report writes them (not through jq, which rewrites numbers), without
# their "metric" member
metric() {
    local m=$1
    shift
    eng-report "$@" $ALL | grep -F "{\"metric\":\"$m\"," | sed "s/^{\"metric\":\"$m\",/{/"
}

@test "report: inputs: every record read is classified and counted" {
    run --separate-stderr eng-report --stats events.jsonl actions.jsonl receipts.jsonl rejects.jsonl
    assert_success
    assert_line --index 0 '{"metric":"inputs","records":31,"events":10,"actions":9,"receipts":9,"rejects":3,"filtered":0,"rejected":0}'
    assert_equal "$stderr" '{"tool":"eng-report","in":31,"out":31,"rejected":0,"events":10,"actions":9,"receipts":9,"rejects":3,"filtered":0,"late":0}'
}

@test "report: funnel per rule and channel, conversions by last touch within the attribution window" {
    run metric funnel
    assert_output - <<'OUT'
{"rule":"promo","channel":"email","actions":8,"receipts":8,"sent":3,"suppressed":4,"suppressed_by":{"control-group":3,"opt-out":1},"deferred":0,"failed":1,"dry_run":0,"converted":1,"conversions":1,"conversion_rate":0.333333}
{"rule":"thanks","channel":"sms","actions":1,"receipts":1,"sent":1,"suppressed":0,"suppressed_by":{},"deferred":0,"failed":0,"dry_run":0,"converted":1,"conversions":2,"conversion_rate":1.0}
OUT
}

@test "report: --attribution and --conversion change what converts" {
    # 8d: c2's purchase 8 days 1 hour after its send is still out, 9d lets it in
    run bash -c "eng-report --attribution 9d $ALL 2>/dev/null | jq -c 'select(.metric == \"funnel\" and .rule == \"promo\") | [.converted, .conversions]'"
    assert_output '[2,2]'
    # 7d minus 1 ms: c3's purchase exactly 7 days later falls out
    run bash -c "eng-report --attribution 6d23h59m59s $ALL 2>/dev/null | jq -c 'select(.metric == \"funnel\") | [.rule, .converted]'"
    assert_output - <<'OUT'
["promo",0]
["thanks",1]
OUT
    run bash -c "eng-report --conversion mention $ALL 2>/dev/null | jq -c 'select(.metric == \"funnel\") | .converted'"
    assert_output - <<'OUT'
0
0
OUT
}

@test "report: lift against the control group with Wilson and Newcombe intervals" {
    run metric lift
    assert_output '{"rule":"promo","treated":{"customers":3,"converted":2,"rate":0.666667,"ci95":[0.20766,0.938508]},"control":{"customers":3,"converted":1,"rate":0.333333,"ci95":[0.0614919,0.79234]},"lift":0.333333,"ci95":[-0.315801,0.717775]}'
}

@test "report: the intervals agree with an independent computation" {
    run bash -c "eng-report $ALL 2>/dev/null | jq -c 'select(.metric == \"lift\") | [.treated.ci95, .control.ci95, .ci95] | flatten'"
    local want
    want=$(python3 -c '
import math, json
z = 1.959963984540054
def wilson(k, n):
    p = k / n; d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h
l1, u1 = wilson(2, 3); l2, u2 = wilson(1, 3); p1, p2 = 2 / 3, 1 / 3
v = [l1, u1, l2, u2, p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(u1 - p1, p2 - l2)]
print(json.dumps([float("%.6g" % x) for x in v], separators=(",", ":")))')
    assert_output "$want"
}

@test "report: no control group, no lift record" {
    run bash -c "grep -v control-group receipts.jsonl | eng-report events.jsonl - | jq -c 'select(.metric == \"lift\")'"
    assert_output ''
}

@test "report: sentiment per period, topics per period, top negative topics" {
    run metric sentiment
    assert_output - <<'OUT'
{"period":"2024-07-01T00:00:00Z","texts":3,"mean":0.0333333,"negative":1,"neutral":1,"positive":1}
{"period":"2024-07-02T00:00:00Z","texts":2,"mean":-0.5,"negative":2,"neutral":0,"positive":0}
OUT
    run metric topic
    assert_output - <<'OUT'
{"period":"2024-07-01T00:00:00Z","topic":"delay","texts":1,"mean":-0.5,"negative":1}
{"period":"2024-07-01T00:00:00Z","topic":"service","texts":1,"mean":0.6,"negative":0}
{"period":"2024-07-02T00:00:00Z","topic":"baggage","texts":2,"mean":-0.5,"negative":2}
{"period":"2024-07-02T00:00:00Z","topic":"delay","texts":1,"mean":-0.8,"negative":1}
OUT
    run metric top_negative_topic
    assert_output - <<'OUT'
{"rank":1,"topic":"baggage","negative":2,"texts":2,"mean":-0.5}
{"rank":2,"topic":"delay","negative":2,"texts":2,"mean":-0.65}
OUT
}

@test "report: volumes per period, channel and type; rejects per tool and reason" {
    run metric volume
    assert_output - <<'OUT'
{"period":"2024-07-01T00:00:00Z","channel":"social","type":"mention","events":2}
{"period":"2024-07-01T00:00:00Z","channel":"web","type":"page_view","events":1}
{"period":"2024-07-02T00:00:00Z","channel":"social","type":"mention","events":2}
{"period":"2024-07-02T00:00:00Z","channel":"web","type":"purchase","events":1}
{"period":"2024-07-03T00:00:00Z","channel":"web","type":"purchase","events":1}
{"period":"2024-07-04T00:00:00Z","channel":"web","type":"purchase","events":1}
{"period":"2024-07-08T00:00:00Z","channel":"store","type":"purchase","events":1}
{"period":"2024-07-09T00:00:00Z","channel":"web","type":"purchase","events":1}
OUT
    run metric rejects
    assert_output - <<'OUT'
{"tool":"eng-ingest","reason":"ts: cannot parse '...'","count":2}
{"tool":"eng-match","reason":"missing key","count":1}
OUT
}

@test "report: --window 7d gives weeks from Monday; --by groups the event metrics" {
    run metric volume --window 7d --by channel
    # 2024-07-01 is a Monday: 07-01..07-07 and 07-08..07-14
    assert_output - <<'OUT'
{"period":"2024-07-01T00:00:00Z","by":{"channel":"social"},"channel":"social","type":"mention","events":4}
{"period":"2024-07-01T00:00:00Z","by":{"channel":"web"},"channel":"web","type":"page_view","events":1}
{"period":"2024-07-01T00:00:00Z","by":{"channel":"web"},"channel":"web","type":"purchase","events":3}
{"period":"2024-07-08T00:00:00Z","by":{"channel":"store"},"channel":"store","type":"purchase","events":1}
{"period":"2024-07-08T00:00:00Z","by":{"channel":"web"},"channel":"web","type":"purchase","events":1}
OUT
}

@test "report: --since and --until keep [since, until) and count the rest as filtered" {
    run bash -c "eng-report --since 2024-07-02T00:00:00Z --until 2024-07-08T12:00:00Z $ALL 2>/dev/null | head -n 1"
    # out: 3 events, 8 actions and 8 receipts of 07-01, the purchases of
    # 07-08 12:00 (until is exclusive) and 07-09; rejects have no time
    assert_output '{"metric":"inputs","records":31,"events":5,"actions":1,"receipts":1,"rejects":3,"filtered":21,"rejected":0}'
    run --separate-stderr eng-report --since yesterday events.jsonl
    assert_failure 2
    assert_equal "$(head -n 1 <<< "$stderr")" "eng-report: --since: expected an RFC 3339 time, got 'yesterday'"
    run --separate-stderr eng-report --since 2024-07-02T00:00:00Z --until 2024-07-01T00:00:00Z events.jsonl
    assert_failure 2
}

@test "report: a line it cannot count is rejected with FILE:LINE and the reason, the rest reported" {
    run --separate-stderr eng-report --rejects "$BATS_TEST_TMPDIR/rej.jsonl" events.jsonl bad.jsonl
    assert_failure 1
    assert_line --index 0 '{"metric":"inputs","records":12,"events":10,"actions":0,"receipts":0,"rejects":0,"filtered":0,"rejected":2}'
    run jq -c '[.tool, .source, .line, .error]' "$BATS_TEST_TMPDIR/rej.jsonl"
    assert_output - <<'OUT'
["eng-report","bad.jsonl",1,"not JSON: invalid literal at byte 1"]
["eng-report","bad.jsonl",2,"ts: missing"]
OUT
    run --separate-stderr eng-report bad.jsonl
    assert_failure 1
    assert_equal "$(head -n 1 <<< "$stderr")" "eng-report: bad.jsonl:1: not JSON: invalid literal at byte 1"
}

@test "report: records read by the scan and by the full parse count the same" {
    # escapes in the members send every line through jansson; the same
    # records written plainly take the scan
    for f in $ALL; do
        sed 's/"customer":"c/"customer":"\\u0063/; s/"ts":"2/"ts":"\\u0032/' "$f" > "$BATS_TEST_TMPDIR/$f"
    done
    ! cmp -s receipts.jsonl "$BATS_TEST_TMPDIR/receipts.jsonl"
    grep -q 'u0063' "$BATS_TEST_TMPDIR/receipts.jsonl"
    run eng-report $ALL
    local plain=$output
    cd "$BATS_TEST_TMPDIR"
    run eng-report $ALL
    assert_output "$plain"
}

@test "report: --format text writes key=value lines, flattened like Miller's DKVP; a terminal gets it by default" {
    run --separate-stderr eng-report --format text $ALL
    assert_success
    assert_line --index 0 'metric=inputs records=31 events=10 actions=9 receipts=9 rejects=3 filtered=0 rejected=0'
    assert_line 'metric=funnel rule=thanks channel=sms actions=1 receipts=1 sent=1 suppressed=0 deferred=0 failed=0 dry_run=0 converted=1 conversions=2 conversion_rate=1.0'
    assert_line 'metric=lift rule=promo treated.customers=3 treated.converted=2 treated.rate=0.666667 treated.ci95.1=0.20766 treated.ci95.2=0.938508 control.customers=3 control.converted=1 control.rate=0.333333 control.ci95.1=0.0614919 control.ci95.2=0.79234 lift=0.333333 ci95.1=-0.315801 ci95.2=0.717775'
    # one line per record, as many as the JSON-lines
    assert_equal "${#lines[@]}" "$(eng-report $ALL | wc -l)"
    # on a terminal (script(1) gives it one) without --format: text
    command -v script > /dev/null || skip "no script(1)"
    run script -qec "eng-report $ALL" /dev/null
    [[ "${lines[0]}" == "metric=inputs records=31"* ]] || fail "not text on a terminal: ${lines[0]}"
}

@test "report: empty input gives the inputs record only" {
    run --separate-stderr eng-report /dev/null
    assert_success
    assert_output '{"metric":"inputs","records":0,"events":0,"actions":0,"receipts":0,"rejects":0,"filtered":0,"rejected":0}'
}

@test "report: --html writes one self-contained page with the same numbers, no script, no external resource" {
    run --separate-stderr eng-report --format none --html "$BATS_TEST_TMPDIR/r.html" --title 'July <test>' $ALL
    assert_success
    assert_output ''
    local page=$BATS_TEST_TMPDIR/r.html
    grep -q '<title>July &lt;test&gt;</title>' "$page"
    grep -q '<svg role="img"' "$page"
    ! grep -qi '<script' "$page"
    ! grep -qiE '(src|href)="?(https?:)?//' "$page"
    # the lift row: rates and intervals in percent
    grep -q '<td>promo</td><td class=n>3</td><td class=n>2</td><td class=n>66.7%</td><td class=n>\[20.8%, 93.9%\]</td>' "$page"
    grep -q 'ts: cannot parse &#39;\|ts: cannot parse '"'"'...'"'"'' "$page"
    # well-formed enough for an XML parser to read every SVG
    python3 - "$page" <<'PY'
import re, sys, xml.dom.minidom
page = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg.*?</svg>", page, re.S)
assert len(svgs) >= 3, len(svgs)
for s in svgs:
    xml.dom.minidom.parseString(s)
PY
}

@test "report: the page loads in headless Chromium without errors and renders to a PNG" {
    command -v chromium > /dev/null || skip "chromium not installed (./bootstrap installs it)"
    eng-report --format none --html "$BATS_TEST_TMPDIR/r.html" $ALL
    cd "$BATS_TEST_TMPDIR"
    run timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$BATS_TEST_TMPDIR/profile" --enable-logging=stderr --v=0 \
        --window-size=1000,1600 --screenshot="$BATS_TEST_TMPDIR/r.png" "file://$BATS_TEST_TMPDIR/r.html"
    assert_success
    [ -s r.png ]
    [ "$(head -c 8 r.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
    # the page itself logged nothing (console errors, failed loads); the
    # browser's own D-Bus and GPU chatter is not about the page
    ! grep -E 'CONSOLE|Failed to load|net::ERR|Uncaught' <<< "$output"
}
