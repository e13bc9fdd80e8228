#!/usr/bin/env bats
# The bad-input matrix (issue 11, eng(7) BAD INPUT): every tool, every class
# of bad input, one line each (garbage: five). Each cell says what the tool
# does: reject the record with a reason (counted, exit 1) or pass it
# through (exit 0), and --stats' in/out/rejected. Inputs are made by
# tests/data/bad-input/make-inputs.py (the 100 MB line is not committed).

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
    export BAD="$BATS_FILE_TMPDIR/in"
    mkdir -p "$BAD"
    python3 "$ENG_TESTDATA/bad-input/make-inputs.py" "$BAD"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    cp "$ENG_TESTDATA"/bad-input/*.yaml .
    if [ ! -f "$ENG_DATADIR/vader_lexicon.txt" ]; then
        ENG_DATADIR="$ENG_BIN/../share/eng"
        export ENG_DATADIR
    fi
}

tool_cmd() {
    case $1 in
        ingest)    echo "eng-ingest -f jsonl" ;;
        sentiment) echo "eng-sentiment" ;;
        enrich)    echo "eng-enrich -c enrich.yaml" ;;
        match)     echo "eng-match rules.yaml" ;;
        emit)      echo "eng-emit -c channels.yaml" ;;
        report)    echo "eng-report" ;;
    esac
}

# cell CLASS TOOL RC IN OUT REJECTED [ERROR]: runs TOOL over CLASS's input
# and checks the exit status, the --stats counts and the first reject's
# error (exactly; none when ERROR is empty)
cell() {
    local class=$1 tool=$2 rc=$3 in=$4 out=$5 rej=$6 error=${7:-}
    rm -f rej.jsonl msgs.jsonl
    run --separate-stderr $(tool_cmd "$tool") --stats --rejects rej.jsonl "$BAD/$class.jsonl"
    [ "$status" -eq "$rc" ] || fail "$class/$tool: exit $status, want $rc; stderr: $stderr"
    local counts
    counts=$(grep '^{"tool":' <<< "$stderr" | tail -n 1 | jq -c '[.in, .out, .rejected]')
    [ "$counts" = "[$in,$out,$rej]" ] || fail "$class/$tool: in/out/rejected $counts, want [$in,$out,$rej]"
    if [ -n "$error" ]; then
        [ "$(jq -r .error rej.jsonl | head -n 1)" = "$error" ] ||
            fail "$class/$tool: reject '$(jq -r .error rej.jsonl | head -n 1)', want '$error'"
        [ "$(jq -r .line rej.jsonl | head -n 1)" = 1 ] || fail "$class/$tool: reject without line 1"
    else
        [ ! -s rej.jsonl ] || fail "$class/$tool: unexpected reject $(cat rej.jsonl)"
    fi
}

@test "bad input: invalid UTF-8 is rejected with its byte offset; eng-sentiment repairs it (U+FFFD) and scores" {
    cell utf8 ingest 1 1 0 1 "invalid UTF-8 at byte 103"
    cell utf8 sentiment 0 1 1 0
    [[ "$output" == *'"text":"bad �� here"'* ]] || fail "not repaired: $output"
    cell utf8 enrich 1 1 0 1 "invalid UTF-8 at byte 103"
    cell utf8 match 1 1 0 1 "invalid UTF-8 at byte 103"
    cell utf8 emit 1 1 0 1 "invalid UTF-8 at byte 103"
    cell utf8 report 1 1 0 1 "invalid UTF-8 at byte 103"
}

@test "bad input: a NUL byte in a line is rejected by every tool" {
    cell nul ingest 1 1 0 1 "invalid JSON at byte 65: control character in string"
    cell nul sentiment 1 1 0 1 "NUL byte at byte 65"
    cell nul enrich 1 1 0 1 "invalid JSON at column 64: control character 0x0 near '\"a'"
    cell nul match 1 1 0 1 "invalid JSON at column 64: control character 0x0 near '\"a'"
    cell nul emit 1 1 0 1 "invalid JSON at column 64: control character 0x0 near '\"a'"
    cell nul report 1 1 0 1 "NUL byte in the line"
}

@test "bad input: a 100 MB line is rejected as too long (default --max-line 64M), by every tool" {
    cell big ingest 1 1 0 1 "line longer than --max-line (67108864 bytes)"
    cell big sentiment 1 1 0 1 "line too long (104857665 bytes, --max-line 67108864)"
    cell big enrich 1 1 0 1 "line longer than --max-line (67108864 bytes)"
    cell big match 1 1 0 1 "line longer than --max-line (67108864 bytes)"
    cell big emit 1 1 0 1 "line longer than --max-line (67108864 bytes)"
    cell big report 1 1 0 1 "line too long (104857665 bytes, --max-line 67108864)"
}

@test "bad input: nesting 10,000 levels deep is rejected, never a crash" {
    cell deep ingest 1 1 0 1 "invalid JSON at byte 571: nesting too deep"
    cell deep sentiment 1 1 0 1 "not JSON: nesting too deep at byte 571"
    cell deep enrich 1 1 0 1 "invalid JSON at column 2107: maximum parsing depth reached near '['"
    cell deep match 1 1 0 1 "invalid JSON at column 2107: maximum parsing depth reached near '['"
    cell deep emit 1 1 0 1 "invalid JSON at column 2107: maximum parsing depth reached near '['"
    cell deep report 1 1 0 1 "not JSON: nesting too deep at byte 571"
}

@test "bad input: an integer past 64 bits is rejected (never rounded silently)" {
    cell hugenum ingest 1 1 0 1 "invalid JSON at byte 90: integer too big"
    cell hugenum sentiment 1 1 0 1 "not JSON: integer too big at byte 90"
    cell hugenum enrich 1 1 0 1 "invalid JSON at column 89: too big integer"
    cell hugenum match 1 1 0 1 "invalid JSON at column 89: too big integer"
    cell hugenum emit 1 1 0 1 "invalid JSON at column 89: too big integer"
    cell hugenum report 1 1 0 1 "not JSON: integer too big at byte 90"
}

@test "bad input: duplicate keys: eng-ingest rejects them at the edge; later tools read the last value" {
    cell dupkey ingest 1 1 0 1 "invalid JSON at column 65: duplicate object key near '\"customer\"'"
    cell dupkey sentiment 0 1 1 0
    cell dupkey enrich 0 1 1 0
    [ "$(jq -r .customer <<< "$output")" = c2 ] || fail "enrich: not the last value: $output"
    cell dupkey match 0 1 1 0
    [ "$(jq -r .customer <<< "$output")" = c2 ] || fail "match: not the last value: $output"
    # not an action (no channel): eng-emit's own reason
    cell dupkey emit 1 1 0 1 "channel 'null' is not configured (and there is no \"*\" channel)"
    cell dupkey report 0 1 1 0
}

@test "bad input: wrong types are rejected by the tool that needs the field, passed by the others" {
    cell types ingest 1 1 0 1 "customer: expected a string"
    cell types sentiment 0 1 1 0     # text not a string: skipped, passes through
    [ "$output" = '{"id":5,"ts":12345,"customer":["c1"],"channel":{},"type":true,"text":7}' ]
    cell types enrich 1 1 0 1 "ts: not a string"
    cell types match 1 1 0 1 "ts: not a string"
    cell types emit 1 1 0 1 "id: missing or not a non-empty string"
    cell types report 1 1 0 1 "ts: not an RFC 3339 time"
}

@test "bad input: missing fields are rejected by the tool that needs them, passed by the others" {
    cell missing ingest 1 1 0 1 "missing required field 'ts'"
    cell missing sentiment 0 1 1 0
    cell missing enrich 1 1 0 1 "ts: missing"
    cell missing match 1 1 0 1 "ts: missing"
    cell missing emit 1 1 0 1 "id: missing or not a non-empty string"
    cell missing report 1 1 0 1 "ts: missing"
}

@test "bad input: binary garbage: every line rejected and counted" {
    cell garbage ingest 1 5 0 5 "invalid JSON at byte 1: unexpected character"
    cell garbage sentiment 1 5 0 5 "NUL byte at byte 1"
    cell garbage enrich 1 5 0 5 "invalid JSON at column 1: '[' or '{' expected near end of file"
    cell garbage match 1 5 0 5 "invalid JSON at column 1: '[' or '{' expected near end of file"
    cell garbage emit 1 5 0 5 "invalid JSON at column 1: '[' or '{' expected near end of file"
    cell garbage report 1 5 0 5 "NUL byte in the line"
}

@test "bad input: empty input: exit 0, nothing out (eng-report: its inputs record)" {
    local t
    for t in ingest sentiment enrich match emit; do
        cell empty "$t" 0 0 0 0
        [ -z "$output" ] || fail "$t wrote: $output"
    done
    cell empty report 0 0 0 0
    assert_output '{"metric":"inputs","records":0,"events":0,"actions":0,"receipts":0,"rejects":0,"filtered":0,"rejected":0}'
}
