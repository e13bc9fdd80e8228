#!/usr/bin/env bats
# SIGINT and SIGTERM reaching a tool while it waits for input: every tool
# stops with 128 + the signal (130, 143), says nothing on stderr (a signal is
# not an error), and what it had read is already written downstream.

load test_helper
bats_require_minimum_version 1.5.0

EV='{"id":"e1","ts":"2024-01-01T00:00:00Z","customer":"c1","type":"view","channel":"web","text":"good flight"}'
CSV='ts,customer,type\n2024-01-01T00:00:00Z,c1,view\n'

setup() {
    cd "$BATS_TEST_TMPDIR"
    printf 'rules:\n  - id: r\n    when: type == "view"\n' > r.yaml
    printf 'key: customer\nprofile:\n  visits: { count: true }\n' > e.yaml
    printf 'channels:\n  "*": { sink: stdout }\n' > c.yaml
}

# signalled SIG INPUT CMD...: runs CMD reading INPUT (printf %b) from a pipe
# that stays open, waits for its first output line, sends SIG, and leaves
# the exit status in $rc. Background jobs of a non-interactive shell start
# with SIGINT ignored (and the tools keep an inherited "ignore", as nohup
# expects), so the command is started with SIGINT back at its default.
signalled() {
    local sig=$1 input=$2 i
    shift 2
    mkfifo in
    ( printf '%b' "$input"; sleep 10 ) > in &
    local feeder=$!
    python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" < in > out 2> err &
    local pid=$!
    for i in $(seq 100); do [ -s out ] && break; sleep 0.05; done
    kill -"$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    kill "$feeder" 2>/dev/null || true
}

check() { # SIG STATUS INPUT CMD...
    local sig=$1 want=$2 input=$3
    shift 3
    signalled "$sig" "$input" "$@"
    [ "$rc" -eq "$want" ] || fail "$* after SIG$sig: exit $rc, stderr: $(cat err)"
    [ ! -s err ] || fail "$* after SIG$sig wrote to stderr: $(cat err)"
    [ "$(wc -l < out)" -eq 1 ] || fail "$* after SIG$sig: $(wc -l < out) output lines"
}

@test "signals: eng-ingest (csv, auto-detected, jsonl) exits 130 on SIGINT and 143 on SIGTERM while waiting for input" {
    check INT 130 "$CSV" eng-ingest -f csv
    rm -f in; check TERM 143 "$CSV" eng-ingest -f csv
    rm -f in; check INT 130 "$CSV" eng-ingest
    rm -f in; check TERM 143 "$EV\n" eng-ingest -f jsonl
}

@test "signals: eng-sentiment exits 130 on SIGINT and 143 on SIGTERM while waiting for input" {
    check INT 130 "$EV\n" eng-sentiment
    rm -f in; check TERM 143 "$EV\n" eng-sentiment
}

@test "signals: eng-match exits 130 on SIGINT and 143 on SIGTERM while waiting for input" {
    check INT 130 "$EV\n" eng-match r.yaml
    rm -f in; check TERM 143 "$EV\n" eng-match r.yaml
}

@test "signals: eng-enrich exits 130 on SIGINT and 143 on SIGTERM while waiting for input" {
    check INT 130 "$EV\n" eng-enrich -c e.yaml
    rm -f in; check TERM 143 "$EV\n" eng-enrich -c e.yaml
}

@test "signals: eng-emit exits 130 on SIGINT and 143 on SIGTERM while waiting for input" {
    check INT 130 "$EV\n" eng-emit -c c.yaml
    rm -f in; check TERM 143 "$EV\n" eng-emit -c c.yaml
}
