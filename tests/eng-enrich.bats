#!/usr/bin/env bats
# eng-enrich: profiles, identity, master data, context (TOOLS.md eng-enrich,
# EVENT-MODEL.md). Fixtures in tests/data/enrich/; each test runs there so
# file names in messages are short and stable. State-file properties (split
# runs, partitions, --dump, --state-ttl) are in eng-enrich-state.bats.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/enrich"
    cd "$D"
}

# cfg TEXT: writes TEXT as c.yaml in the test's scratch dir (with the
# master files next to it) and cds there.
cfg() {
    cp "$D"/*.csv "$D"/*.jsonl "$BATS_TEST_TMPDIR"/
    printf '%s\n' "$1" > "$BATS_TEST_TMPDIR/c.yaml"
    cd "$BATS_TEST_TMPDIR"
}

# --- the whole output ---

@test "output: the TOOLS.md config: aggregates, join, as-of lookup, nearest place, segments, context" {
    run --separate-stderr eng-enrich -c basic.yaml events.jsonl
    assert_success
    assert_output "$(cat basic.out)"
}

@test "output: profile and context are spliced into the original bytes (spacing, number text, escapes kept)" {
    run --separate-stderr eng-enrich -c min.yaml splice.jsonl
    assert_success
    assert_line --index 1 '{"ts":"2024-07-04T11:00:00Z","customer":"c9", "n":1.50,"profile":{"visits":2},"context":{"timezone":"UTC","local_time":"2024-07-04T11:00:00Z","hour":11,"weekday":"thursday","daypart":"morning"}}'
}

@test "output: an event that already has profile gets it replaced, not duplicated" {
    run --separate-stderr eng-enrich -c min.yaml splice.jsonl
    assert_line --index 0 '{"id":"s1","ts":"2024-07-04T11:00:00+02:00","customer":"c9","n":1.5,"u":"é","profile":{"visits":1},"context":{"timezone":"UTC","local_time":"2024-07-04T09:00:00Z","hour":9,"weekday":"thursday","daypart":"morning"}}'
}

@test "output: ts with an offset is read as the instant it names" {
    run --separate-stderr bash -c "eng-enrich -c min.yaml splice.jsonl | jq -r '.context.local_time' | head -1"
    assert_output "2024-07-04T09:00:00Z"
}

# --- aggregates ---

@test "profile: count, sum, set with max, last, first, avg, window, recent with max" {
    run --separate-stderr bash -c "eng-enrich -c basic.yaml events.jsonl | jq -c '[.id, .profile.visits, .profile.total_spend, .profile.categories, .profile.purchases_30d, (.profile.history | map(.type))]'"
    assert_success
    assert_output - <<'OUT'
["e1",1,0,[],0,["page_view"]]
["e2",2,80.5,["shoes"],1,["page_view","purchase"]]
["e3",1,0,[],0,["review"]]
["e4",3,110.5,["shoes","hats"],2,["purchase","purchase"]]
["e5",1,5,["socks"],1,["purchase"]]
["e6",4,111.5,["shoes","hats"],3,["purchase","purchase"]]
OUT
}

@test "profile: a late event adds to counts, sums, min/max, avg and first, not to last; windows use event time" {
    run --separate-stderr bash -c "eng-enrich -c late.yaml late.jsonl | jq -c '[.id, .profile]'"
    assert_success
    assert_output - <<'OUT'
["l1",{"n":1,"spend":10,"low":10,"high":10,"mean":10,"first":"web","last":"web","week_n":1,"week_spend":10,"week_max":10}]
["l2",{"n":2,"spend":12.5,"low":2.5,"high":10,"mean":6.25,"first":"web","last":"mobile","week_n":2,"week_spend":12.5,"week_max":10}]
["l3",{"n":3,"spend":16.5,"low":2.5,"high":10,"mean":5.5,"first":"web","last":"mobile","week_n":3,"week_spend":16.5,"week_max":10}]
["l4",{"n":4,"spend":116.5,"low":2.5,"high":100,"mean":29.125,"first":"store","last":"mobile","week_n":3,"week_spend":16.5,"week_max":10}]
["l5",{"n":5,"spend":116.5,"low":2.5,"high":100,"mean":29.125,"first":"store","last":"sms","week_n":2,"week_spend":2.5,"week_max":2.5}]
OUT
}

@test "profile: a window is inclusive: an event exactly DURATION older than the latest still counts" {
    cfg 'profile:
  hour_n: { count: true, window: 1h }
  hour_sum: { sum: n, window: 1h }'
    printf '%s\n' '{"id":"w1","ts":"2024-07-04T10:00:00Z","customer":"c1","n":1}' \
        '{"id":"w2","ts":"2024-07-04T11:00:00Z","customer":"c1","n":2}' \
        '{"id":"w3","ts":"2024-07-04T11:00:00.001Z","customer":"c1","n":4}' \
        '{"id":"w4","ts":"2024-07-04T09:59:00Z","customer":"c1","n":8}' > w.jsonl
    run --separate-stderr bash -c "eng-enrich -c c.yaml w.jsonl | jq -c '[.id, .profile.hour_n, .profile.hour_sum]'"
    assert_success
    # w2: 10:00 is exactly 1h before 11:00, in; w3: 1 ms more, out;
    # w4 (late, 09:59) is older than the window of the latest (11:00:00.001)
    assert_output - <<'OUT'
["w1",1,1]
["w2",2,3]
["w3",2,6]
["w4",2,6]
OUT
}

@test "profile: a when condition that errs leaves the attribute alone, is counted and reported" {
    cfg 'profile:
  big: { count: true, when: amount > 10 }'
    printf '%s\n' '{"id":"w1","ts":"2024-07-04T11:00:00Z","customer":"c1","amount":"lots"}' \
                  '{"id":"w2","ts":"2024-07-04T12:00:00Z","customer":"c1","amount":11}' > w.jsonl
    run --separate-stderr eng-enrich -c c.yaml --stats w.jsonl
    assert_success
    assert_line --index 0 --partial '"profile":{"big":0}'
    assert_line --index 1 --partial '"profile":{"big":1}'
    [[ "$stderr" == *"eng-enrich: event w1: profile.big: when: "* ]]
    [[ "$stderr" == *'"when_errors":1'* ]]
}

@test "segments: a list of the segments that hold; an erring segment is not a member" {
    run --separate-stderr bash -c "eng-enrich -c basic.yaml events.jsonl | jq -c '.profile.segments'"
    assert_output - <<'OUT'
[]
[]
["detractor"]
["vip"]
[]
["vip"]
OUT
}

# --- context ---

@test "context: zone from the profile (master data), DST offset, hour, weekday, daypart; default zone otherwise" {
    run --separate-stderr bash -c "eng-enrich -c basic.yaml events.jsonl | jq -c '.context | [.timezone, .local_time, .hour, .weekday, .daypart]'"
    assert_output - <<'OUT'
["America/New_York","2024-07-04T07:00:00-04:00",7,"thursday","morning"]
["America/New_York","2024-07-04T09:00:00-04:00",9,"thursday","morning"]
["Europe/Paris","2024-07-04T16:30:00.250+02:00",16,"thursday","afternoon"]
["America/New_York","2024-07-05T05:00:00-04:00",5,"friday","morning"]
["UTC","2024-07-06T09:00:00Z",9,"saturday","morning"]
["America/New_York","2024-07-05T06:00:00-04:00",6,"friday","morning"]
OUT
}

@test "context: an unknown zone name in the data falls back to the default" {
    cfg 'context: { timezone: tz, default_timezone: Asia/Tokyo }'
    printf '%s\n' '{"ts":"2024-01-01T23:30:00Z","customer":"c1","tz":"Mars/Base"}' > z.jsonl
    run --separate-stderr bash -c "eng-enrich -c c.yaml z.jsonl | jq -c .context"
    assert_output '{"timezone":"Asia/Tokyo","local_time":"2024-01-02T08:30:00+09:00","hour":8,"weekday":"tuesday","daypart":"morning"}'
}

# --- master data ---

@test "join: JSON-lines master data, integer keys, the key column left out" {
    run --separate-stderr bash -c "eng-enrich -c jsonl-master.yaml keys.jsonl | jq -c .profile"
    assert_success
    assert_output - <<'OUT'
{"plan":"pro","limits":{"seats":5}}
{"plan":"free"}
OUT
}

@test "join: duplicate master keys warn, the last row wins, and are counted" {
    run --separate-stderr eng-enrich -c dup.yaml --stats keys.jsonl
    assert_success
    assert_line --index 0 --partial '"profile":{"visits":1,"crm":{"id":"c1","name":"Second"}}'
    [[ "$stderr" == *"eng-enrich: dup.csv: 1 duplicate key (the last row wins)"* ]]
    [[ "$stderr" == *'"master_duplicates":1'* ]]
}

@test "lookup: the latest row at or before the event's time" {
    run --separate-stderr bash -c "eng-enrich -c basic.yaml events.jsonl | jq -c '.context.weather.temp_f'"
    assert_output - <<'OUT'
70
91
60
null
null
null
OUT
}

@test "places: nearest place within within_m with its distance; none when far or without coordinates" {
    run --separate-stderr bash -c "eng-enrich -c places.yaml places-far.jsonl | jq -c .context.near"
    assert_output - <<'OUT'
null
null
{"store":"boston-downtown","lat":42.3555,"lon":-71.0605,"distance_m":0}
OUT
}

@test "places: 100k places: every answer equals a full scan" {
    python3 - "$BATS_TEST_TMPDIR" <<'PY'
import random, sys, math, json
d = sys.argv[1]
r = random.Random(5)
with open(d + "/p.csv", "w") as f:
    f.write("id,lat,lon\n")
    pts = []
    for i in range(100000):
        la, lo = round(r.uniform(25, 49), 4), round(r.uniform(-124, -67), 4)
        pts.append((la, lo)); f.write("p%d,%s,%s\n" % (i, la, lo))
with open(d + "/e.jsonl", "w") as f:
    for i in range(200):
        f.write(json.dumps({"ts": "2024-01-01T00:00:00Z", "customer": "c",
                            "geo": {"lat": round(r.uniform(25, 49), 4),
                                    "lon": round(r.uniform(-124, -67), 4)}}) + "\n")
PY
    cd "$BATS_TEST_TMPDIR"
    echo 'places: { file: p.csv, within_m: 20000 }' > c.yaml
    eng-enrich -c c.yaml e.jsonl | jq -c '[.geo.lat, .geo.lon, .context.near.id]' > got
    python3 - <<'PY' > want
import json, math
R = 6371008.8
def dist(a, b, c, d):
    r = math.pi / 180
    h = math.sin((c - a) * r / 2) ** 2 + math.cos(a * r) * math.cos(c * r) * math.sin((d - b) * r / 2) ** 2
    return 2 * R * math.asin(math.sqrt(min(1, h)))
import bisect
# the reference: every place within half a degree of latitude (a superset
# of the 20 km circle), found by bisection on the sorted latitudes
pts = [l.strip().split(",") for l in open("p.csv").readlines()[1:]]
pts = sorted((float(p[1]), int(p[0][1:]), p[0], float(p[2])) for p in pts)
lats = [p[0] for p in pts]
for l in open("e.jsonl"):
    g = json.loads(l)["geo"]
    best, bid = 20000.0, None
    a = bisect.bisect_left(lats, g["lat"] - 0.5)
    b = bisect.bisect_right(lats, g["lat"] + 0.5)
    for (la, n, i, lo) in sorted(pts[a:b], key=lambda p: p[1]):
        dd = dist(g["lat"], g["lon"], la, lo)
        if dd < best:
            best, bid = dd, i
    print(json.dumps([g["lat"], g["lon"], bid], separators=(",", ":")))
PY
    run diff want got
    assert_success
}

# --- identity ---

@test "identity: ids seen together are one person; canonical is the oldest; key rewritten, originals in identity; profile_merged in-line" {
    run --separate-stderr eng-enrich -c ident.yaml ident.jsonl
    assert_failure 1
    assert_output - <<'OUT'
{"id":"i1","ts":"2024-07-01T10:00:00Z","customer":"cookie-a","channel":"web","amount":10,"category":"x","profile":{"visits":1,"spend":10,"cats":["x"],"first_channel":"web","last_channel":"web","recent":[{"id":"i1"}]},"context":{"timezone":"UTC","local_time":"2024-07-01T10:00:00Z","hour":10,"weekday":"monday","daypart":"morning"}}
{"id":"i2","ts":"2024-07-02T10:00:00Z","customer":"c42","email":"ann@example.com","channel":"email","amount":5,"category":"y","profile":{"visits":1,"spend":5,"cats":["y"],"first_channel":"email","last_channel":"email","recent":[{"id":"i2"}]},"context":{"timezone":"UTC","local_time":"2024-07-02T10:00:00Z","hour":10,"weekday":"tuesday","daypart":"morning"}}
{"id":"merge:c42:cookie-a:i3","ts":"2024-07-03T10:00:00Z","customer":"cookie-a","type":"profile_merged","merged":"c42","trigger":"i3","profile":{"visits":2,"spend":15,"cats":["x","y"],"first_channel":"web","last_channel":"email","recent":[{"id":"i1"},{"id":"i2"}]}}
{"id":"i3","ts":"2024-07-03T10:00:00Z","customer":"cookie-a","email":"ann@example.com","channel":"mobile","amount":1,"profile":{"visits":3,"spend":16,"cats":["x","y"],"first_channel":"web","last_channel":"mobile","recent":[{"id":"i1"},{"id":"i2"},{"id":"i3"}]},"context":{"timezone":"UTC","local_time":"2024-07-03T10:00:00Z","hour":10,"weekday":"wednesday","daypart":"morning"}}
{"id":"i4","ts":"2024-07-04T10:00:00Z","customer":"cookie-a","channel":"store","amount":2,"identity":{"customer":"c42"},"profile":{"visits":4,"spend":18,"cats":["x","y"],"first_channel":"web","last_channel":"store","recent":[{"id":"i2"},{"id":"i3"},{"id":"i4"}]},"context":{"timezone":"UTC","local_time":"2024-07-04T10:00:00Z","hour":10,"weekday":"thursday","daypart":"morning"}}
{"id":"i5","ts":"2024-07-05T10:00:00Z","email":"ann@example.com","channel":"sms","identity":{"email":"ann@example.com"},"customer":"cookie-a","profile":{"visits":5,"spend":18,"cats":["x","y"],"first_channel":"web","last_channel":"sms","recent":[{"id":"i3"},{"id":"i4"},{"id":"i5"}]},"context":{"timezone":"UTC","local_time":"2024-07-05T10:00:00Z","hour":10,"weekday":"friday","daypart":"morning"}}
{"id":"i7","ts":"2024-07-06T10:00:00Z","customer":"d9","device_id":"dev-1","channel":"call","amount":100,"category":"z","profile":{"visits":1,"spend":100,"cats":["z"],"first_channel":"call","last_channel":"call","recent":[{"id":"i7"}]},"context":{"timezone":"UTC","local_time":"2024-07-06T10:00:00Z","hour":10,"weekday":"saturday","daypart":"morning"}}
{"id":"merge:d9:cookie-a:i8","ts":"2024-07-07T10:00:00Z","customer":"cookie-a","type":"profile_merged","merged":"d9","trigger":"i8","profile":{"visits":6,"spend":118,"cats":["x","y","z"],"first_channel":"web","last_channel":"call","recent":[{"id":"i4"},{"id":"i5"},{"id":"i7"}]}}
{"id":"i8","ts":"2024-07-07T10:00:00Z","customer":"cookie-a","device_id":"dev-1","email":"ann@example.com","channel":"chat","identity":{"customer":"x1","email":"ann@example.com","device_id":"dev-1"},"profile":{"visits":7,"spend":118,"cats":["x","y","z"],"first_channel":"web","last_channel":"chat","recent":[{"id":"i5"},{"id":"i7"},{"id":"i8"}]},"context":{"timezone":"UTC","local_time":"2024-07-07T10:00:00Z","hour":10,"weekday":"sunday","daypart":"morning"}}
OUT
    [ "$stderr" = "eng-enrich: ident.jsonl:6: missing key 'customer' (and no known id)" ]
}

@test "identity: equal first-seen times: the smaller id wins" {
    cfg 'identity: [email]
profile:
  n: { count: true }'
    printf '%s\n' '{"ts":"2024-07-01T10:00:00Z","customer":"zed","email":"z@x"}' \
                  '{"ts":"2024-07-01T10:00:00Z","customer":"amy"}' \
                  '{"ts":"2024-07-02T10:00:00Z","customer":"amy","email":"z@x"}' > t.jsonl
    run --separate-stderr bash -c "eng-enrich -c c.yaml t.jsonl | jq -c '[.type, .customer, .merged, .profile.n]'"
    assert_output - <<'OUT'
[null,"zed",null,1]
[null,"amy",null,1]
["profile_merged","amy","zed",2]
[null,"amy",null,3]
OUT
}

@test "identity: conservation in --stats: out = in - rejected + merges" {
    run --separate-stderr eng-enrich -c ident.yaml --stats ident.jsonl
    [[ "$stderr" == *'{"tool":"eng-enrich","in":8,"out":9,"rejected":1,"profiles":1,"merges":2,"rewritten":3,'* ]]
}

# --- rejects ---

@test "rejects: missing key, missing or bad ts, empty or non-scalar key, bad JSON, not an object" {
    run --separate-stderr eng-enrich -c min.yaml --rejects "$BATS_TEST_TMPDIR/r.jsonl" bad.jsonl
    assert_failure 1
    assert_output --partial '"id":"ok"'
    run jq -c '[.line, .error]' "$BATS_TEST_TMPDIR/r.jsonl"
    assert_output - <<'OUT'
[1,"missing key 'customer'"]
[2,"ts: missing"]
[3,"ts: cannot parse 'yesterday'"]
[4,"missing key 'customer'"]
[5,"invalid JSON at column 3: '[' or '{' expected near 'not'"]
[6,"not a JSON object"]
[7,"key 'customer': not a string or integer"]
OUT
}

@test "rejects: --max-rejects stops the run" {
    run --separate-stderr eng-enrich -c min.yaml -q --max-rejects 1 bad.jsonl
    assert_failure 1
    assert_output ""
}

# --- configuration errors (exit 2, FILE:LINE:COL) ---

@test "config: unknown key in an attribute" {
    cfg 'profile:
  visits: { count: true, colour: red }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:26: unknown key 'colour' in a profile attribute (expected one of: count, sum, min, max, avg, set, first, last, recent, when, window, max)" ]
}

@test "config: two kinds in one attribute" {
    cfg 'profile:
  visits: { count: true, sum: amount }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:31: profile attribute 'visits' has two kinds: count and sum" ]
}

@test "config: bad window, bad max, max on a sum, window on first" {
    cfg 'profile:
  n: { count: true, window: soon }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:29: window must be a duration such as 30m, 24h or 30d" ]
    cfg 'profile:
  cats: { set: category, max: 0 }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    [ "$stderr" = "eng-enrich: c.yaml:2:31: max must be an integer from 1 to 100000" ]
    cfg 'profile:
  n: { sum: amount, max: 3 }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    [ "$stderr" = "eng-enrich: c.yaml:2:26: max caps a set or recent; 'n' is a sum" ]
    cfg 'profile:
  n: { first: ts, window: 1d }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    [ "$stderr" = "eng-enrich: c.yaml:2:27: window applies to count, sum, min, max and avg, not first" ]
}

@test "config: a syntax error in when points into the expression" {
    cfg 'profile:
  total: { sum: amount, when: type == }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:38: expected an expression, found end of expression" ]
}

@test "config: unknown default time zone" {
    cfg 'context: { default_timezone: Mars/Olympus }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:1:30: unknown time zone 'Mars/Olympus'" ]
}

@test "config: an unreadable master file" {
    cfg 'join:
  - file: nope.csv
    on: { customer: id }
    into: profile'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:11: cannot load master data: nope.csv: No such file or directory" ]
}

@test "config: a master CSV row with the wrong number of fields" {
    cfg 'join:
  - file: bad.csv
    on: { customer: id }
    into: profile'
    printf 'id,name\nc1,a\nc2,b,extra\n' > bad.csv
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:2:11: cannot load master data: bad.csv: row 3: 3 fields, the header has 2" ]
}

@test "config: into must be profile or context; unknown top-level key; not a mapping; bad YAML" {
    cfg 'join:
  - file: customers.csv
    on: { customer: id }
    into: elsewhere'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:4:11: into must be profile[.FIELD] or context[.FIELD], not 'elsewhere'" ]
    cfg 'colour: red'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    [ "$stderr" = "eng-enrich: c.yaml:1:1: unknown key 'colour' in the configuration (expected one of: key, identity, join, lookup, places, profile, segments, context)" ]
    cfg '- a'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    [ "$stderr" = "eng-enrich: c.yaml:1:1: the configuration must be a mapping (key, profile, ...)" ]
    cfg 'profile: [1'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [[ "$stderr" == "eng-enrich: c.yaml:2:1: "* ]]
}

@test "config: places within_m must be positive" {
    cfg 'places: { file: stores.csv, within_m: -1 }'
    run --separate-stderr eng-enrich -c c.yaml </dev/null
    assert_failure 2
    [ "$stderr" = "eng-enrich: c.yaml:1:39: within_m must be a distance in metres, above 0 and at most 2e7" ]
}

@test "config: --check validates and exits" {
    run --separate-stderr eng-enrich -c basic.yaml --check
    assert_success
    [ "$stderr" = "eng-enrich: basic.yaml: OK (8 attributes, 2 segments, 2 joins)" ]
}

# --- command line ---

@test "cli: --help, --version, usage errors" {
    run --separate-stderr eng-enrich --help
    assert_success
    assert_line --index 0 "Usage: eng-enrich -c CONFIG [--state FILE] [options] [FILE...]"
    run --separate-stderr eng-enrich --version
    assert_output "eng-enrich (eng) 0.1.0"
    run --separate-stderr eng-enrich
    assert_failure 2
    [[ "$stderr" == "eng-enrich: no configuration given (-c CONFIG)"* ]]
    run --separate-stderr eng-enrich --dump
    assert_failure 2
    [[ "$stderr" == "eng-enrich: --dump needs --state FILE"* ]]
    run --separate-stderr eng-enrich -c min.yaml --state-ttl 30d
    assert_failure 2
    [[ "$stderr" == "eng-enrich: --state-ttl needs --state FILE"* ]]
}

@test "cli: hostile input: a NUL byte, invalid UTF-8, a huge line are rejects, never a crash" {
    { printf '{"ts":"2024-07-04T11:00:00Z","customer":"c\0"}\n'
      printf '{"ts":"2024-07-04T11:00:00Z","customer":"\xff"}\n'
      head -c 5000 /dev/zero | tr '\0' 'a'; echo
      echo '{"ts":"2024-07-04T11:00:00Z","customer":"c1"}'; } > "$BATS_TEST_TMPDIR/h.jsonl"
    run --separate-stderr eng-enrich -c min.yaml -q --max-line 4K "$BATS_TEST_TMPDIR/h.jsonl"
    assert_failure 1
    assert_output --partial '"customer":"c1","profile":{"visits":1}'
    [ "${#lines[@]}" -eq 1 ]
}

# --- the man page ---

@test "man: eng-enrich(1) renders cleanly and documents every option" {
    run --separate-stderr env MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$ENG_SRCDIR/man/eng-enrich.1"
    assert_success
    [ -z "$stderr" ]
    assert_output --partial "STATE FILE"
    page=$(MANWIDTH=200 man -l "$ENG_SRCDIR/man/eng-enrich.1" 2>/dev/null)
    for o in $(eng-enrich --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        [[ "$page" == *"$o"* ]] || fail "eng-enrich(1) does not document $o"
    done
}

@test "man: the worked example's output is what eng-enrich writes" {
    cd "$BATS_TEST_TMPDIR"
    cat > enrich.yaml <<'YAML'
identity: [email]
join:
  - file: customers.csv
    on: { customer: id }
    into: profile
profile:
  visits:      { count: true }
  total_spend: { sum: amount, when: type == "purchase" }
  categories:  { set: category, when: type == "purchase", max: 20 }
  last_channel: { last: channel }
  purchases_30d: { count: true, when: type == "purchase", window: 30d }
  history:     { recent: [ts, type], max: 3 }
segments:
  vip: profile.total_spend > 100
context: { timezone: profile.tz }
YAML
    printf 'id,name,tz\nc1,Ada,America/New_York\n' > customers.csv
    run --separate-stderr bash -c "echo '{\"ts\":\"2024-07-04T13:00:00Z\",\"customer\":\"c1\",\"type\":\"purchase\",\"amount\":120,\"category\":\"shoes\"}' | eng-enrich -c enrich.yaml --state state.db"
    assert_success
    assert_output '{"ts":"2024-07-04T13:00:00Z","customer":"c1","type":"purchase","amount":120,"category":"shoes","profile":{"visits":1,"total_spend":120,"categories":["shoes"],"last_channel":null,"purchases_30d":1,"history":[{"ts":"2024-07-04T13:00:00Z","type":"purchase"}],"name":"Ada","tz":"America/New_York","segments":["vip"]},"context":{"timezone":"America/New_York","local_time":"2024-07-04T09:00:00-04:00","hour":9,"weekday":"thursday","daypart":"morning"}}'
}

@test "output: an event with its own profile and context, with segments configured: each key once" {
    printf '%s\n' '{"id":"q1","ts":"2024-07-04T11:00:00Z","customer":"c1","profile":{"x":1},"context":"old","amount":5,"type":"purchase"}' > "$BATS_TEST_TMPDIR/q.jsonl"
    run --separate-stderr bash -c "eng-enrich -c basic.yaml '$BATS_TEST_TMPDIR/q.jsonl' | tee /dev/stderr | grep -o '\"profile\"\\|\"context\"' | sort | uniq -c | tr -s ' '"
    assert_output - <<'OUT'
 1 "context"
 1 "profile"
OUT
}

@test "lookup: a series row whose time cannot be read is skipped with a warning, and the other keys still work (it crashed)" {
    cfg 'lookup:
  - file: w.csv
    on: { city: city }
    asof: { event: ts, file: observed_at }
    into: context.weather'
    # the only row of Phoenix has no usable time: no series for it at all
    printf 'city,observed_at,temp_f\nPhoenix,not-a-time,100\nMiami,2024-07-01T10:00:00Z,91\n' > w.csv
    printf '%s\n' '{"id":"e1","ts":"2024-07-01T11:00:00Z","customer":"c1","city":"Miami"}' \
        '{"id":"e2","ts":"2024-07-01T11:00:00Z","customer":"c2","city":"Phoenix"}' > e.jsonl
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_success
    assert_equal "$stderr" "eng-enrich: w.csv: 1 row without a usable key or time skipped"
    run jq -c '[.id, .context.weather.temp_f]' <<< "$output"
    assert_output - <<'OUT'
["e1",91]
["e2",null]
OUT
}

@test "join, lookup, places: a file none of whose rows has the named columns is a configuration error at its file, exit 2 (the fuzz regression asof-missing-time-column)" {
    # the as-of column is not in the header: every row skipped
    cfg 'lookup:
  - file: w.csv
    on: { city: city }
    asof: { event: ts, file: nosuch }
    into: context.weather'
    printf 'city,time,temp_f\nBoston,2024-07-04T00:00:00Z,70\nMiami,2024-07-04T00:00:00Z,91\n' > w.csv
    echo '{"id":"e1","ts":"2024-07-04T01:00:00Z","customer":"c1","city":"Miami"}' > e.jsonl
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_failure 2
    assert_output ''
    assert_equal "$stderr" "eng-enrich: c.yaml:2:11: cannot load master data: w.csv: none of its 2 rows has a usable key 'city' and time 'nosuch'"
    # a join on a key column the file lacks
    cfg 'join:
  - file: w.csv
    on: { city: town }
    into: profile.city'
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_failure 2
    assert_equal "$stderr" "eng-enrich: c.yaml:2:11: cannot load master data: w.csv: none of its 2 rows has a usable key 'town'"
    # places whose coordinate columns are not there
    cfg 'places: { file: w.csv }'
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_failure 2
    assert_equal "$stderr" "eng-enrich: c.yaml:1:17: cannot load master data: w.csv: none of its 2 rows has usable lat/lon"
    # an empty file stays a lookup that finds nothing (not an error)
    : > w.csv
    cfg 'join:
  - file: w.csv
    on: { city: town }
    into: profile.city'
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_success
}
