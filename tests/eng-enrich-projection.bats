#!/usr/bin/env bats
# eng-enrich parses only the members its config reads (lib/project.c via
# config_projection in src/eng-enrich/enrich.c): the output must be exactly
# that of parsing every line whole (ENG_ENRICH_PARSE_WHOLE=1): the enriched
# lines, the rejects with their messages, stderr and the --stats counts,
# for every config of tests/data/enrich over every input there (identity
# rewrites, events with their own profile or context, late events, bad
# lines), and over a generated stream.

load test_helper

setup() {
    D="$ENG_TESTDATA/enrich"
    T="$BATS_TEST_TMPDIR"
}

# both NAME ARGS...: eng-enrich ARGS with and without the projection, into
# $T/NAME.{0,1}.{out,rej,err,rc}
both() {
    local name=$1 w rc
    shift
    for w in 0 1; do
        rc=0
        ENG_ENRICH_PARSE_WHOLE=$w eng-enrich --stats --rejects "$T/$name.$w.rej" \
            "$@" > "$T/$name.$w.out" 2> "$T/$name.$w.err" || rc=$?
        echo "$rc" > "$T/$name.$w.rc"
    done
}

same() {
    local name=$1 x
    for x in out rej err rc; do
        [ -e "$T/$name.0.$x" ] || continue
        run cmp "$T/$name.0.$x" "$T/$name.1.$x"
        assert_success
    done
}

@test "projection: every fixture config over every fixture input gives the output of the whole parse" {
    n=0 total=0
    for c in "$D"/*.yaml; do
        for i in "$D"/*.jsonl; do
            name="$(basename "$c" .yaml)-$(basename "$i" .jsonl)"
            both "$name" -c "$c" "$i"
            same "$name"
            n=$((n + 1))
            total=$((total + $(wc -l < "$T/$name.0.out")))
        done
    done
    [ "$n" -ge 50 ]
    [ "$total" -ge 250 ]
    # the special cases are among them: rewrites by identity, replaced
    # profiles, rejects
    grep -q '"identity":' "$T/ident-ident.0.out"
    grep -q '"rewritten":[1-9]' "$T/ident-ident.0.err"
    ! grep -q '"profile":"old"' "$T/basic-splice.0.out"
    [ -s "$T/basic-bad.0.rej" ]
}

@test "projection: a generated stream through the TOOLS.md config gives the output of the whole parse" {
    GEN="$ENG_BIN/../bench/gen-events"
    if [ ! -x "$GEN" ]; then
        GEN="$BATS_SUITE_TMPDIR/gen-events"
        [ -x "$GEN" ] || cc -O2 -o "$GEN" "$ENG_SRCDIR/bench/gen-events.c" -lm
    fi
    "$GEN" -n 20000 --customers 300 --seed 3 | eng-ingest --source gen |
        eng-sentiment > "$T/ev.jsonl"
    both gen -c "$D/basic.yaml" "$T/ev.jsonl"
    same gen
    [ "$(wc -l < "$T/gen.0.out")" -eq 20000 ]
    both genid -c "$D/ident.yaml" "$T/ev.jsonl"
    same genid
}
