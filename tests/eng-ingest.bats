#!/usr/bin/env bats
# eng-ingest: sources to events (TOOLS.md, eng-ingest; EVENT-MODEL.md).
# Fixtures in tests/data/ingest/; each test runs there so that file names in
# messages and rejects are short and stable.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/ingest"
    cd "$D"
}

# --- CSV / TSV ---

@test "csv: header names become fields, numbers inferred, dots nest" {
    run eng-ingest basic.csv
    assert_success
    assert_output - <<'OUT'
{"id":"c49db857582046e1","ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","geo":{"city":"Paris"},"n":12,"note":"hello","source":{"name":"basic.csv","line":2}}
{"id":"92c13efacccbf5c6","ts":"2024-07-04T18:00:00Z","customer":"c2","type":"buy","n":-0.5,"note":"two\nlines","source":{"name":"basic.csv","line":3}}
OUT
}

@test "csv: quoted field with embedded newline stays one event" {
    run eng-ingest basic.csv
    assert_success
    assert_line --index 1 --partial '"note":"two\nlines","source":{"name":"basic.csv","line":3}}'
    assert_equal "${#lines[@]}" 2
}

@test "csv: -S keeps every value a string" {
    run eng-ingest -S basic.csv
    assert_success
    assert_line --index 0 --partial '"n":"12"'
    assert_line --index 1 --partial '"n":"-0.5"'
}

@test "csv: UTF-8 BOM and CRLF line ends are handled" {
    run eng-ingest bom-crlf.csv
    assert_success
    assert_output '{"id":"3149d4936bcfae4a","ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","source":{"name":"bom-crlf.csv","line":2}}'
}

@test "csv: empty cell is absent, quoted empty cell is an empty string" {
    run eng-ingest empty.csv
    assert_success
    assert_output '{"id":"9a63df5f240dddfe","ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","b":"","source":{"name":"empty.csv","line":2}}'
}

@test "csv: a ragged row is a reject, the rest goes on" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" ragged.csv
    assert_failure 1
    assert_output '{"id":"66c0dd92c700e1fb","ts":"2024-07-04T18:03:12Z","customer":"c2","type":"view","source":{"name":"ragged.csv","line":3}}'
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output '{"tool":"eng-ingest","source":"ragged.csv","line":2,"error":"ragged row: 5 fields, header has 3","raw":"2024-07-04T18:03:11Z,c1,view,extra,more"}'
}

@test "csv: malformed quoting is a reject and the parser recovers" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" badquote.csv
    assert_failure 1
    assert_output --partial '"customer":"c2"'
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output '{"tool":"eng-ingest","source":"badquote.csv","line":2,"error":"malformed quoting at line 2 byte 27","raw":"2024-07-04T18:03:11Z,c1,vi\"ew"}'
}

@test "csv: a quoted field open at the end of input is a reject" {
    printf 'ts,customer,type\n2024-07-04T18:03:11Z,c1,"view\n' > "$BATS_TEST_TMPDIR/open.csv"
    run eng-ingest "$BATS_TEST_TMPDIR/open.csv"
    assert_failure 1
    assert_output --partial 'open.csv:2: quoted field not closed at end of input'
}

@test "csv: invalid UTF-8 is a reject with the byte" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" badutf8.csv
    assert_failure 1
    assert_output ''
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output '{"tool":"eng-ingest","source":"badutf8.csv","line":2,"error":"invalid UTF-8 at byte 33","raw":"2024-07-04T18:03:11Z,c1,view,caf�"}'
}

@test "tsv: tab-separated input by extension" {
    run eng-ingest basic.tsv
    assert_success
    assert_output '{"id":"b078b6b5b3e5d808","ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","n":7,"source":{"name":"basic.tsv","line":2}}'
}

@test "csv: ids are deterministic across runs and differ for identical rows" {
    run eng-ingest dups.csv
    assert_success
    first="$output"
    assert_line --index 0 --partial '"id":"ed28c2b40379daec"'
    assert_line --index 1 --partial '"id":"ba5d077b3fb78901"'
    run eng-ingest dups.csv
    assert_equal "$output" "$first"
}

@test "csv: source name is the basename, --source overrides it" {
    run eng-ingest --source shop "$D/dups.csv"
    assert_success
    assert_line --index 0 --partial '"source":{"name":"shop","line":2}}'
    run eng-ingest < dups.csv
    assert_line --index 0 --partial '"source":{"name":"stdin","line":2}}'
}

# --- mapping ---

@test "mapping: rename, constants, types, ts format, nested target" {
    run eng-ingest -m tweets.yaml --rejects /dev/null tweets.csv
    assert_failure 1
    assert_line --index 0 '{"id":"570306133677760513","ts":"2015-02-24T19:35:52Z","customer":"cairdin","channel":"social","type":"mention","text":"@VirginAmerica What @dhepburn said.","retweets":0,"score":0.5,"vip":true,"label":"neutral","geo":{"tz":"Eastern Time (US & Canada)"},"source":{"name":"tweets","line":2}}'
}

@test "mapping: bad int and unparsable ts are rejects with exact reasons" {
    run eng-ingest -m tweets.yaml --rejects "$BATS_TEST_TMPDIR/rej" tweets.csv
    assert_failure 1
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output - <<'OUT'
{"tool":"eng-ingest","source":"tweets.csv","line":3,"error":"retweets: expected int, got '12x'","raw":"570301130888122368,positive,jnardino,12x,@VirginAmerica plus you've added commercials,2015-02-24 11:15:59 -0800,Pacific Time (US & Canada),1,no,x2"}
{"tool":"eng-ingest","source":"tweets.csv","line":4,"error":"ts: cannot parse '2015-02-31 11:35:52 -0800'","raw":"570301083672813571,neutral,yvonnalynn,3,@VirginAmerica I didn't today...,2015-02-31 11:35:52 -0800,Central Time (US & Canada),,true,x3"}
OUT
}

@test "mapping: default applies to an absent cell" {
    printf 'c,s\nc1,\n' > "$BATS_TEST_TMPDIR/d.csv"
    cat > "$BATS_TEST_TMPDIR/d.yaml" <<'Y'
fields:
  customer: c
  score: { from: s, type: double, default: 0.25 }
Y
    run eng-ingest --require customer -m "$BATS_TEST_TMPDIR/d.yaml" "$BATS_TEST_TMPDIR/d.csv"
    assert_success
    assert_output --partial '"customer":"c1","score":0.25,"source"'
}

@test "mapping: ts with zone, in a DST gap and a DST overlap" {
    run eng-ingest -m local.yaml local.csv
    assert_success
    assert_output - <<'OUT'
{"id":"02aa019c07489096","ts":"2024-03-10T07:30:00Z","customer":"c1","type":"visit","source":{"name":"local.csv","line":2}}
{"id":"e907e0e185b16e98","ts":"2024-11-03T05:30:00Z","customer":"c2","type":"visit","source":{"name":"local.csv","line":3}}
{"id":"978fb62cec3e78bd","ts":"2024-07-04T16:00:00Z","customer":"c3","type":"visit","source":{"name":"local.csv","line":4}}
OUT
}

@test "mapping: keep_unmapped passes other columns after the mapped ones" {
    run eng-ingest -m keep.yaml keep.csv
    assert_success
    assert_output '{"id":"dafd9519426f06e3","ts":"2024-07-04T00:00:00Z","customer":"c1","type":"visit","page":"/a","geo":{"city":"Paris"},"n":3,"source":{"name":"keep.csv","line":2}}'
}

@test "mapping: header false with named columns" {
    run eng-ingest -m noheader.yaml noheader.csv
    assert_success
    assert_output '{"id":"1aae29d956510dd2","ts":"2024-07-04T00:00:00Z","customer":"c1","type":"x","n":3,"source":{"name":"noheader.csv","line":1}}'
}

@test "mapping: each type converts or rejects" {
    printf 'c,i,d,b\nc1,+7,.5,NO\nc2,1.5,1,maybe\n' > "$BATS_TEST_TMPDIR/t.csv"
    cat > "$BATS_TEST_TMPDIR/t.yaml" <<'Y'
fields:
  customer: c
  i: { from: i, type: int }
  d: { from: d, type: double }
  b: { from: b, type: bool }
  s: { from: i, type: string }
Y
    run --separate-stderr eng-ingest --require customer -m "$BATS_TEST_TMPDIR/t.yaml" "$BATS_TEST_TMPDIR/t.csv"
    assert_failure 1
    assert_output --partial '"customer":"c1","i":7,"d":0.5,"b":false,"s":"+7","source"'
    assert_equal "$stderr" "eng-ingest: $BATS_TEST_TMPDIR/t.csv:3: i: expected int, got '1.5'"
}

@test "mapping: unknown key is an error at FILE:LINE:COL, exit 2" {
    run eng-ingest -m bad-key.yaml tweets.csv
    assert_failure 2
    assert_output "eng-ingest: bad-key.yaml:4:36: unknown key 'typo' in field (expected one of: from, value, type, format, tz, default)"
}

@test "mapping: bad type name is an error at FILE:LINE:COL" {
    run eng-ingest -m bad-type.yaml tweets.csv
    assert_failure 2
    assert_output "eng-ingest: bad-type.yaml:4:42: bad type 'integer' (expected int, double, bool or string)"
}

@test "mapping: unknown top-level key is an error" {
    run eng-ingest -m bad-top.yaml tweets.csv
    assert_failure 2
    assert_output "eng-ingest: bad-top.yaml:2:1: unknown key 'feilds' in mapping (expected one of: source, format, csv, columns, fields, keep_unmapped)"
}

@test "mapping: a column missing from the header is an error, exit 2" {
    run eng-ingest -m keep.yaml dups.csv
    assert_failure 2
    assert_output "eng-ingest: keep.yaml:2:3: column 'who' is not in the header of dups.csv"
}

@test "mapping: id from a column" {
    run eng-ingest -m tweets.yaml --rejects /dev/null tweets.csv
    assert_line --index 0 --partial '{"id":"570306133677760513",'
}

# --- options ---

@test "--set adds string constants, also nested" {
    run eng-ingest --set channel=web --set geo.country=FR bom-crlf.csv
    assert_success
    assert_output '{"id":"3149d4936bcfae4a","ts":"2024-07-04T18:03:11Z","customer":"c1","channel":"web","type":"view","geo":{"country":"FR"},"source":{"name":"bom-crlf.csv","line":2}}'
}

@test "--set on JSON-lines sets the member" {
    run eng-ingest --set channel=web events.jsonl
    assert_success
    assert_line --index 1 '{"ts":"2024-07-04T18:03:11.250Z","customer":"c2","type":"buy","amount":12.5,"channel":"web","id":"0c51c3aa5ae496d6","source":{"name":"events.jsonl","line":3}}'
}

@test "--require: a missing required field is a reject" {
    run eng-ingest --require ts,customer,type,geo.city basic.csv
    assert_failure 1
    assert_output --partial "basic.csv:3: missing required field 'geo.city'"
    run eng-ingest --require '' empty.csv
    assert_success
}

@test "--since/--until filter by time and --stats counts filtered" {
    run eng-ingest --since 2024-07-04T18:03:12Z --until 2024-07-04T18:03:13Z --stats concat.json
    assert_success
    assert_output - <<'OUT'
{"ts":"2024-07-04T18:03:12Z","customer":"c2","type":"view","id":"e13a06d433352089","source":{"name":"concat.json","line":2}}
{"tool":"eng-ingest","in":3,"out":1,"rejected":0,"filtered":2}
OUT
}

@test "--stats: in = out + rejected + filtered" {
    run eng-ingest --stats --rejects /dev/null --since 2024-07-04T18:03:12Z bad.jsonl
    assert_failure 1
    assert_output '{"tool":"eng-ingest","in":5,"out":0,"rejected":4,"filtered":1}'
}

@test "--tz reads zone-less times in that zone" {
    run eng-ingest --tz Europe/Paris basic.csv
    assert_line --index 0 --partial '"ts":"2024-07-04T16:03:11Z"'
}

@test "partition options go together, else a usage error" {
    run eng-ingest --partitions 2 basic.csv
    assert_failure 2
    assert_output --partial "--partition-by, --partitions and --partition-out go together"
}

@test "-o writes the file atomically, and not at all on a usage error" {
    run eng-ingest -o "$BATS_TEST_TMPDIR/out.jsonl" dups.csv
    assert_success
    assert_output ''
    run wc -l < "$BATS_TEST_TMPDIR/out.jsonl"
    assert_output 2
    run eng-ingest -o "$BATS_TEST_TMPDIR/none.jsonl" --replay fast dups.csv
    assert_failure 2
    [ ! -e "$BATS_TEST_TMPDIR/none.jsonl" ]
    run ls "$BATS_TEST_TMPDIR"
    assert_output 'out.jsonl'
}

@test "a closed downstream ends quietly" {
    run bash -c 'yes "$(head -2 dups.csv | tail -1)" | head -200000 | (head -1 dups.csv; cat) | eng-ingest -f csv | head -1 > /dev/null; echo "${PIPESTATUS[3]}"'
    assert_output 141
    run bash -c 'for i in $(seq 20000); do echo "2024-07-04T18:03:11Z,c$i,view"; done | (echo ts,customer,type; cat) | eng-ingest -f csv 2>&1 >/dev/null | head -1 >/dev/null; eng-ingest dups.csv 2>&1 | head -1 > /dev/null'
    assert_output ''
}

@test "exit status 2 for a bad option, with a hint" {
    run eng-ingest --no-such-option
    assert_failure 2
    assert_output --partial "Try 'eng-ingest --help'"
}

@test "--version prints the version" {
    run eng-ingest --version
    assert_success
    assert_output --regexp '^eng-ingest \(eng\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "--help shows an example pipeline first, on stdout" {
    run eng-ingest --help
    assert_success
    assert_line --index 0 'Usage: eng-ingest [options] [FILE...]'
    assert_output --partial 'eng-ingest -m tweets.yaml tweets.csv | eng-sentiment'
    [ "${#lines[@]}" -le 40 ]
}

# --- JSON-lines ---

@test "jsonl: events already normal are spliced byte for byte" {
    run eng-ingest events.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"e1","ts":"2024-07-04T18:03:11Z","customer":"c1","channel":"web","type":"page_view","geo":{"city":"Paris","lat":48.8331},"source":{"name":"events.jsonl","line":1}}
{"ts":"2024-07-04T18:03:11.250Z","customer":"c2","type":"buy","amount":12.50,"id":"0c51c3aa5ae496d6","source":{"name":"events.jsonl","line":3}}
OUT
}

@test "jsonl: a ts not in normal form, a numeric customer and a source member are rewritten" {
    run eng-ingest slow.jsonl
    assert_success
    assert_output - <<'OUT'
{"ts":"2024-07-04T18:03:11Z","customer":"42","type":"buy","price":25.7557,"id":"911ceddf67bdbbf5","source":{"name":"slow.jsonl","line":1}}
{"ts":"2024-07-04T18:03:11Z","customer":"c3","type":"buy","id":"4e1e311ff431700b","source":{"name":"slow.jsonl","line":2}}
{"ts":"2024-07-04T18:03:11Z","customer":"c4","type":"buy","id":"ce6a6427874736f2","source":{"name":"slow.jsonl","line":3}}
OUT
}

@test "jsonl: not an object, bad JSON, bad ts, missing field are rejects" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" bad.jsonl
    assert_failure 1
    assert_output '{"ts":"2024-07-04T18:03:11Z","customer":"c1","type":"x","id":"f6434ca1b2f677ee","source":{"name":"bad.jsonl","line":1}}'
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output - <<'OUT'
{"tool":"eng-ingest","source":"bad.jsonl","line":2,"error":"not a JSON object","raw":"[1,2]"}
{"tool":"eng-ingest","source":"bad.jsonl","line":3,"error":"invalid JSON at byte 46: unexpected end of input","raw":"{\"ts\":\"2024-07-04T18:03:11Z\",\"customer\":\"c1\","}
{"tool":"eng-ingest","source":"bad.jsonl","line":4,"error":"ts: cannot parse 'yesterday'","raw":"{\"ts\":\"yesterday\",\"customer\":\"c1\",\"type\":\"x\"}"}
{"tool":"eng-ingest","source":"bad.jsonl","line":5,"error":"missing required field 'customer'","raw":"{\"ts\":\"2024-07-04T18:03:11Z\",\"type\":\"x\"}"}
OUT
}

@test "jsonl: invalid UTF-8 is a reject" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" badutf8.jsonl
    assert_failure 1
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output '{"tool":"eng-ingest","source":"badutf8.jsonl","line":1,"error":"invalid UTF-8 at byte 45","raw":"{\"ts\":\"2024-07-04T18:03:11Z\",\"customer\":\"caf�\",\"type\":\"x\"}"}'
}

@test "jsonl: a line over --max-line is a reject" {
    long=$(printf 'x%.0s' $(seq 120))
    printf '{"a":"%s"}\n' "$long" > "$BATS_TEST_TMPDIR/long.jsonl"
    run eng-ingest --max-line 100 --rejects "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/long.jsonl"
    assert_failure 1
    run jq -c '[.line, .error]' "$BATS_TEST_TMPDIR/rej"
    assert_output '[1,"line longer than --max-line (100 bytes)"]'
}

@test "jsonl: with a mapping, from is a path into the record" {
    cat > "$BATS_TEST_TMPDIR/j.yaml" <<'Y'
fields:
  customer: user.name
  ts: { from: when, format: epoch }
  type: { value: login }
  city: geo.city
  lat: geo.lat
Y
    run eng-ingest -f jsonl -m "$BATS_TEST_TMPDIR/j.yaml" <<< '{"user":{"name":"ann"},"when":1720116191,"geo":{"city":"Paris","lat":48.8331}}'
    assert_success
    assert_output '{"id":"b65b2125c126e8b2","ts":"2024-07-04T18:03:11Z","customer":"ann","type":"login","city":"Paris","lat":48.8331,"source":{"name":"stdin","line":1}}'
}

# --- JSON documents ---

@test "json: a top-level array, each element's line, non-objects rejected" {
    run eng-ingest --rejects "$BATS_TEST_TMPDIR/rej" array.json
    assert_failure 1
    assert_output - <<'OUT'
{"ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","id":"8ceb19dec69590d5","source":{"name":"array.json","line":2}}
{"ts":"2024-07-04T19:00:00Z","customer":"c2","type":"buy","tags":["a","b c"],"id":"1a1b003af3872b71","source":{"name":"array.json","line":3}}
OUT
    run cat "$BATS_TEST_TMPDIR/rej"
    assert_output '{"tool":"eng-ingest","source":"array.json","line":8,"error":"not a JSON object","raw":"42"}'
}

@test "json: concatenated documents with their line numbers" {
    run eng-ingest concat.json
    assert_success
    assert_output - <<'OUT'
{"ts":"2024-07-04T18:03:11Z","customer":"c1","type":"view","id":"6321bd80c0eac438","source":{"name":"concat.json","line":1}}
{"ts":"2024-07-04T18:03:12Z","customer":"c2","type":"view","id":"e13a06d433352089","source":{"name":"concat.json","line":2}}
{"ts":"2024-07-04T18:03:13Z","customer":"c3","type":"view","id":"cebc8d61451891e1","source":{"name":"concat.json","line":4}}
OUT
}

# --- access logs and detection ---

@test "clf: common log lines, '-' bytes absent, bad lines rejected" {
    run --separate-stderr eng-ingest access.log
    assert_failure 1
    assert_equal "$stderr" "eng-ingest: access.log:3: expected user after ident at byte 13"
    assert_output - <<'OUT'
{"id":"5685be85fb85712f","ts":"2000-10-10T20:55:36Z","customer":"frank","channel":"web","type":"page_view","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326,"source":{"name":"access.log","line":1}}
{"id":"e9056ed621f529d3","ts":"2000-10-10T20:55:37Z","customer":"10.0.0.2","channel":"web","type":"page_view","method":"GET","path":"/a?b=\"c\"","protocol":"HTTP/1.1","status":404,"source":{"name":"access.log","line":2}}
OUT
}

@test "combined: referer and agent" {
    run eng-ingest combined.log
    assert_success
    assert_output '{"id":"067574150b1cca03","ts":"2000-10-10T20:55:36Z","customer":"frank","channel":"web","type":"page_view","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":200,"bytes":2326,"referer":"http://www.example.com/start.html","agent":"Mozilla/4.08 [en] (Win98; I ;Nav)","source":{"name":"combined.log","line":1}}'
}

@test "auto: detection by content on stdin" {
    run eng-ingest --source x < events.data
    assert_line --index 0 --partial '{"id":"e1",'
    run eng-ingest --source x < basic.data
    assert_line --index 0 --partial '"geo":{"city":"Paris"}'
    run eng-ingest --source x --rejects /dev/null < array.json
    assert_line --index 0 --partial '"customer":"c1"'
    run eng-ingest --source x < combined.log
    assert_output --partial '"agent":"Mozilla/4.08'
}

@test "auto: detection by content for an unknown extension" {
    run eng-ingest events.data
    assert_success
    assert_line --index 0 --partial '"source":{"name":"events.data","line":1}}'
}

# --- --where (the rule language, eng-rules(5)) ---

@test "where: keeps only the events for which the condition is true" {
    run --separate-stderr eng-ingest --stats --where 'channel == "mobile" && temp_f >= 90' where.jsonl
    assert_success
    assert_output - <<'OUT'
{"id":"w1","ts":"2024-07-04T18:00:00Z","customer":"c1","channel":"mobile","type":"page_view","temp_f":92,"source":{"name":"where.jsonl","line":1}}
{"id":"w5","ts":"2024-07-04T18:04:00Z","customer":"c5","channel":"mobile","type":"purchase","temp_f":90.0,"source":{"name":"where.jsonl","line":5}}
OUT
    # w4 has no temp_f: the condition is an error there, so w4 is filtered,
    # counted, and reported with its id; nothing is rejected.
    assert_equal "$stderr" "$(cat <<'ERR'
eng-ingest: --where: no such field: 'temp_f' (event w4)
{"tool":"eng-ingest","in":5,"out":2,"rejected":0,"filtered":3,"where_errors":1}
ERR
)"
}

@test "where: true || error is true, so the error is absorbed (CEL semantics)" {
    run --separate-stderr eng-ingest --stats --where 'type == "page_view" || temp_f > 94' where.jsonl
    assert_success
    assert_equal "$(printf '%s\n' "$output" | jq -r .id | tr '\n' ' ')" "w1 w2 w3 w4 "
    assert_equal "$stderr" '{"tool":"eng-ingest","in":5,"out":4,"rejected":0,"filtered":1,"where_errors":0}'
}

@test "where: filters CSV records by their inferred numbers" {
    run eng-ingest --where 'n > 0' basic.csv
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line --index 0 --partial '"customer":"c1"'
}

@test "where: a parse error is a usage error with its column" {
    run --separate-stderr eng-ingest --where 'type == ' where.jsonl
    assert_failure 2
    assert_output ''
    assert_equal "${stderr_lines[0]}" "eng-ingest: --where:1:9: expected an expression, found end of expression"
}
