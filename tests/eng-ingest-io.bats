#!/usr/bin/env bats
# eng-ingest's access logs and its streaming and scale-out outputs:
# -f clf / combined / auto on web access logs, --partition-*, --replay and
# --follow. Fixtures in tests/data/ingest-io/.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/ingest-io"
    cd "$BATS_TEST_TMPDIR"
    # Runs from a copy so the source name in ids and rejects is "access.log".
    cp "$D/access.log" "$D/access-clf.log" .
}

# A follower left running by a failed test must not hang the suite.
teardown() {
    if [ -n "${FOLLOW_PID:-}" ]; then
        kill -TERM "$FOLLOW_PID" 2>/dev/null || true
    fi
}

# wait_for_lines FILE N: waits (at most ~5 s) until FILE has N lines.
wait_for_lines() {
    local i
    for i in $(seq 50); do
        [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $2 lines in $1 (has $(wc -l < "$1" 2>/dev/null))" >&2
    return 1
}

@test "clf: Apache common log lines become page_view events" {
    run --separate-stderr eng-ingest -f clf access-clf.log
    assert_success
    assert_output "$(cat "$D/access-clf.expected.jsonl")"
}

@test "combined: an nginx log becomes page_view events, the bad line a reject" {
    run --separate-stderr eng-ingest -f combined access.log
    assert_failure 1
    assert_output "$(cat "$D/access.expected.jsonl")"
    [ "${#lines[@]}" -eq 19 ]
}

@test "combined: a day 32 is rejected with its reason and place" {
    run eng-ingest -q -f combined --rejects rejects.jsonl access.log
    assert_failure 1
    run jq -c '{line, error}' rejects.jsonl
    assert_output '{"line":10,"error":"bad day at byte 17"}'
    # the raw line is kept as read
    run jq -r .raw rejects.jsonl
    assert_output "$(sed -n 10p access.log)"
}

@test "combined: the reject is reported on stderr without --rejects" {
    run --separate-stderr eng-ingest -f combined access.log
    assert_failure 1
    [[ "$stderr" == *"access.log:10: bad day at byte 17"* ]]
}

@test "combined: a CLF line is a reject when combined is asked for" {
    run --separate-stderr eng-ingest -q -f combined --rejects rej.jsonl access-clf.log
    assert_failure 1
    assert_output ''
    run jq -r .error rej.jsonl
    assert_line --index 0 "expected '\"' before referer at byte 86"
    [ "${#lines[@]}" -eq 4 ]
}

@test "auto: an access log is recognised by its content" {
    cp access.log site.txt
    eng-ingest -f combined site.txt > want.jsonl || [ $? -eq 1 ]
    run --separate-stderr eng-ingest site.txt
    assert_failure 1
    assert_output "$(cat want.jsonl)"
}

@test "auto: a common log file is recognised by its content" {
    cp access-clf.log site.txt
    eng-ingest -f clf site.txt > want.jsonl
    run --separate-stderr eng-ingest site.txt
    assert_success
    assert_output "$(cat want.jsonl)"
}

@test "partition: every event in exactly one of 4 files, by customer" {
    eng-ingest -q -f combined access.log > all.jsonl || [ $? -eq 1 ]
    mkdir parts
    run eng-ingest -q -f combined --partition-by customer --partitions 4 \
        --partition-out 'parts/out-%d.jsonl' access.log
    assert_failure 1
    assert_output ''
    # four files, nothing else (no temporary left behind)
    run ls parts
    assert_output "$(printf 'out-%d.jsonl\n' 0 1 2 3)"
    # the union is the unpartitioned output, each event once
    run diff <(sort all.jsonl) <(cat parts/*.jsonl | sort)
    assert_success
    # no customer in two files
    run bash -c 'for f in parts/*.jsonl; do jq -r .customer "$f" | sort -u; done | sort | uniq -d'
    assert_output ''
    # each file keeps the input order
    for f in parts/*.jsonl; do
        run diff <(grep -Fx -f "$f" all.jsonl) "$f"
        assert_success
    done
    # The hash is the contract (same partition on every machine and in
    # every release): XXH3-64("alice") % 4 = 0, ("bob") % 4 = 1.
    [ "$(grep -c '"customer":"alice"' parts/out-0.jsonl)" -eq 4 ]
    [ "$(grep -c '"customer":"bob"' parts/out-1.jsonl)" -eq 3 ]
}

@test "partition: the pattern needs exactly one %d" {
    run eng-ingest -f combined --partition-by customer --partitions 4 \
        --partition-out 'out.jsonl' access.log
    assert_failure 2
    assert_output --partial "needs exactly one %d"
    run eng-ingest -f combined --partition-by customer --partitions 4 \
        --partition-out 'out-%s-%d.jsonl' access.log
    assert_failure 2
    run ls
    assert_output "$(printf 'access-clf.log\naccess.log')"
}

@test "partition: an existing FIFO is written as it is" {
    eng-ingest -q -f combined access.log > all.jsonl || [ $? -eq 1 ]
    mkfifo p-0
    timeout 10 cat p-0 > got-0.jsonl &
    local reader=$!
    run eng-ingest -q -f combined --partition-by customer --partitions 2 \
        --partition-out 'p-%d' access.log
    assert_failure 1
    wait "$reader"
    [ -p p-0 ]
    [ -f p-1 ]
    run diff <(sort all.jsonl) <(cat got-0.jsonl p-1 | sort)
    assert_success
}

@test "replay: 1000x gives the same events as no pacing" {
    # 9 min 19 s of event time: about 0.56 s at 1000x
    eng-ingest -q -f combined access.log > want.jsonl || [ $? -eq 1 ]
    local t0=$(date +%s%N)
    run --separate-stderr eng-ingest -q -f combined --replay 1000x access.log
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    assert_failure 1
    assert_output "$(cat want.jsonl)"
    # paced, loosely: 559 ms of schedule, so well over 400 ms
    [ "$ms" -ge 400 ] || { echo "took $ms ms" >&2; false; }
}

@test "replay: a bad speed is a usage error" {
    run eng-ingest -f combined --replay 0x access.log
    assert_failure 2
    run eng-ingest -f combined --replay fast access.log
    assert_failure 2
}

@test "follow: growth, truncation and rotation, then SIGTERM exits 143 with all events" {
    : > live.log
    eng-ingest -q -f combined --follow live.log > out.jsonl 2> err.txt 3>&- &
    local pid=$!
    FOLLOW_PID=$pid

    sed -n 1,3p access.log >> live.log
    wait_for_lines out.jsonl 3
    sed -n 4,5p access.log >> live.log
    wait_for_lines out.jsonl 5

    # truncation (copytruncate): read again from the start
    : > live.log
    sleep 0.5
    sed -n 7,8p access.log >> live.log
    wait_for_lines out.jsonl 7

    # rotation: a last line lands in the old file after the rename
    mv live.log live.log.1
    sed -n 9p access.log >> live.log.1
    sed -n 11p access.log > live.log
    wait_for_lines out.jsonl 9
    sed -n 12,13p access.log >> live.log
    wait_for_lines out.jsonl 11

    kill -TERM "$pid"
    local status=0
    wait "$pid" || status=$?
    [ "$status" -eq 143 ]

    # Same events as a batch run over the same lines in the same order.
    # Ids hash source, line number and bytes, so compare without them.
    sed -n '1,5p;7,9p;11,13p' access.log > batch.log
    eng-ingest -q -f combined batch.log > want.jsonl
    run diff <(jq -c 'del(.id, .source)' want.jsonl) <(jq -c 'del(.id, .source)' out.jsonl)
    assert_success
}

@test "follow: a file missing at start is waited for" {
    eng-ingest -q -f combined --follow later.log > out.jsonl 2> err.txt 3>&- &
    local pid=$!
    FOLLOW_PID=$pid
    sleep 0.3
    sed -n 1,2p access.log > later.log
    wait_for_lines out.jsonl 2
    kill -TERM "$pid"
    local status=0
    wait "$pid" || status=$?
    [ "$status" -eq 143 ]
    run jq -r .path out.jsonl
    assert_output "$(printf '/\n/static/app.css')"
}
