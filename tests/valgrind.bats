#!/usr/bin/env bats
# Every tool under valgrind's memcheck (issue 11): a normal run of each of
# the six, through the three example pipelines (share/eng/examples: every
# stage with state files, joins, as-of lookups, sentiment, CEP rules, caps,
# quiet hours, file sinks), eng-report over their outputs with --html, and
# the other input formats and modes (CSV with a mapping, common log
# format, eng-enrich --dump, eng-match -e and --now, eng-emit --retry).
# Each binary runs as valgrind --leak-check=full: an invalid read or write,
# an uninitialised value or a definite or indirect leak fails the test (the
# outputs must also stay what they are without valgrind).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    command -v valgrind > /dev/null || skip "valgrind not installed (./bootstrap installs it)"
    [ -z "${ENG_VALGRIND:-}" ] || skip "the whole suite runs under valgrind already (make check-valgrind)"
    # the sanitizer build (CI's second run) has its own memory checker,
    # which valgrind cannot run under
    if ldd "$ENG_BIN/eng-ingest" | grep -q 'libasan'; then
        skip "tools built with AddressSanitizer (it checks them instead)"
    fi
    cd "$BATS_TEST_TMPDIR"
    # wrappers on PATH: each tool under memcheck, one log per process
    mkdir -p vg vglogs
    for t in eng-ingest eng-sentiment eng-enrich eng-match eng-emit eng-report; do
        cat > "vg/$t" <<SH
#!/bin/sh
ENG_MALLOC=system exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \\
    --log-file="$BATS_TEST_TMPDIR/vglogs/$t.%p.log" "$ENG_BIN/$t" "\$@"
SH
        chmod +x "vg/$t"
    done
    export PATH="$BATS_TEST_TMPDIR/vg:$PATH"
}

# no_reports: every valgrind log is empty (-q: only errors are written)
no_reports() {
    local f bad=0
    for f in vglogs/*.log; do
        [ -e "$f" ] || continue
        if [ -s "$f" ]; then
            echo "--- $f" >&3
            head -40 "$f" >&3
            bad=1
        fi
    done
    [ "$(ls vglogs | wc -l)" -gt 0 ]
    [ "$bad" -eq 0 ]
}

@test "valgrind: the three example pipelines and eng-report run clean, with the expected outputs" {
    for ex in heatwave cart social; do
        run --separate-stderr sh "$ENG_DATADIR/examples/$ex/run.sh" "$BATS_TEST_TMPDIR/$ex"
        assert_success
        for f in actions receipts; do
            run diff "$ENG_DATADIR/examples/$ex/expected/$f.jsonl" "$ex/$f.jsonl"
            assert_success
        done
        eng-report --format jsonl --html "$ex/report.html" "$ex/events.jsonl" \
            "$ex/actions.jsonl" "$ex/receipts.jsonl" "$ex/rejects.jsonl" > "$ex/report.jsonl"
        [ -s "$ex/report.html" ]
    done
    # every tool ran under valgrind
    for t in eng-ingest eng-sentiment eng-enrich eng-match eng-emit eng-report; do
        ls vglogs | grep -q "^$t\." || fail "$t did not run"
    done
    no_reports
}

@test "valgrind: the other formats and modes run clean" {
    D="$ENG_TESTDATA"
    eng-ingest -f csv --map "$D/ingest/tweets.yaml" "$D/ingest/tweets.csv" > t.jsonl || [ $? -eq 1 ]
    eng-ingest -f clf "$D/ingest/combined.log" > clf.jsonl || [ $? -eq 1 ]
    eng-ingest -f jsonl --partition-by customer --partitions 2 --partition-out "part-%d.jsonl" "$D/ingest/events.jsonl" || [ $? -eq 1 ]
    eng-sentiment --field text t.jsonl > ts.jsonl || [ $? -eq 1 ]
    eng-enrich -c "$D/enrich/basic.yaml" --state e.db "$D/enrich/events.jsonl" > en.jsonl
    eng-enrich -c "$D/enrich/ident.yaml" "$D/enrich/ident.jsonl" > id.jsonl || [ $? -eq 1 ]
    eng-enrich --state e.db --dump > dump.jsonl
    [ -s dump.jsonl ]
    eng-match -e 'type == "purchase" && amount > 10.0' "$D/enrich/events.jsonl" > e.out || [ $? -eq 1 ]
    eng-match --state m.db --now 2024-03-09T00:00:00Z "$D/match-cep/props.yaml" "$D/enrich/events.jsonl" > m.jsonl || [ $? -eq 1 ]
    printf 'channels:\n  down: { sink: "http://127.0.0.1:9/x", retries: 0 }\n' > down.yaml
    printf '{"id":"a1","ts":"2024-07-04T12:00:00Z","customer":"c","channel":"down"}\n' > a.jsonl
    eng-emit -c down.yaml --state s.db a.jsonl > r1.jsonl || [ $? -eq 1 ]
    eng-emit -c down.yaml --state s.db --retry > r2.jsonl || [ $? -eq 1 ]
    grep -q '"status":"failed"' r1.jsonl
    no_reports
}
