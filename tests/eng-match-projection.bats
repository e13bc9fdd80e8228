#!/usr/bin/env bats
# eng-match parses only the members its rules read (src/eng-match/project.c):
# the output must be exactly that of parsing every line whole
# (ENG_MATCH_PARSE_WHOLE=1), for the actions, the rejects with their
# messages, the condition errors on stderr and the --stats counts. The rules
# (tests/data/match-projection/rules.yaml) read nested members, has(),
# lists, comprehensions, an alias's members, whole members in templates and
# a nested key; edge.jsonl holds the lines where a shortcut could go wrong:
# duplicate keys (top level and nested), escapes, a member of the wrong
# shape, a too-big integer, a truncated line, a non-object.

load test_helper

setup() {
    D="$ENG_TESTDATA/match-projection"
    T="$BATS_TEST_TMPDIR"
}

# both NAME ARGS...: runs eng-match ARGS with and without the projection,
# into $T/NAME.{0,1}.{out,rej,err}
both() {
    local name=$1 w
    shift
    for w in 0 1; do
        ENG_MATCH_PARSE_WHOLE=$w eng-match --rejects "$T/$name.$w.rej" "$@" \
            > "$T/$name.$w.out" 2> "$T/$name.$w.err" || [ $? -eq 1 ]
    done
}

same() {
    local name=$1 x
    for x in out rej err; do
        run cmp "$T/$name.0.$x" "$T/$name.1.$x"
        assert_success
    done
}

@test "projection: edge lines give the actions, rejects, errors and stats of the whole parse" {
    both edge --stats --now 2024-03-02T00:00:00Z "$D/rules.yaml" "$D/edge.jsonl"
    same edge
    # the cases are exercised: every rule fired, the bad lines were rejected
    for r in hot-mobile big-spender any-tag nested-type wrong-shape \
             view-then-buy three-reviews; do
        grep -q "\"rule\":\"$r\"" "$T/edge.0.out"
    done
    grep -q 'too big integer' "$T/edge.0.rej"
    grep -q "']' expected" "$T/edge.0.rej"
    grep -q 'not a JSON object' "$T/edge.0.rej"
    grep -q "does not support field selection ('.tier')" "$T/edge.0.err"
    # the duplicate keys: the last value counts, as in jansson
    grep -q '"payload":{"profile":"{\\"spend\\":200,\\"purchased\\":\[\]}"' "$T/edge.0.out"
    grep -q '"payload":{"n":"3"}' "$T/edge.0.out"
}

@test "projection: generated events through the heatwave-shaped rules give the output of the whole parse" {
    GEN="$ENG_BIN/../bench/gen-events"
    if [ ! -x "$GEN" ]; then
        GEN="$BATS_SUITE_TMPDIR/gen-events"
        [ -x "$GEN" ] || cc -O2 -o "$GEN" "$ENG_SRCDIR/bench/gen-events.c" -lm
    fi
    "$GEN" -n 20000 --customers 500 --seed 5 | eng-ingest --source gen > "$T/ev.jsonl"
    both gen --stats --now 2024-03-09T00:00:00Z "$D/rules.yaml" "$T/ev.jsonl"
    same gen
    [ "$(wc -l < "$T/gen.0.out")" -gt 200 ]
    both props --now 2024-03-09T00:00:00Z "$ENG_TESTDATA/match-cep/props.yaml" "$T/ev.jsonl"
    same props
    [ "$(wc -l < "$T/props.0.out")" -gt 100 ]
    both annotate --annotate "$D/rules.yaml" "$T/ev.jsonl"
    same annotate
    [ "$(wc -l < "$T/annotate.0.out")" -eq 20000 ]
}

@test "projection: a rule that reads the event whole sees every member" {
    cat > "$T/whole.yaml" <<'YAML'
rules:
  - id: wide
    when: size(event) == 4 && "extra" in event
    emit: { channel: log, all: "{{event}}" }
YAML
    printf '%s\n' '{"id":"a","ts":"2024-03-01T00:00:00Z","customer":"c","extra":{"k":[1]}}' \
        '{"id":"b","ts":"2024-03-01T00:00:01Z","customer":"c","other":1}' > "$T/in.jsonl"
    run eng-match "$T/whole.yaml" "$T/in.jsonl"
    assert_success
    assert_output '{"id":"act:wide:c:f54773c249f64d2a","ts":"2024-03-01T00:00:00Z","type":"action","rule":"wide","customer":"c","key":"c","channel":"log","priority":0,"payload":{"all":"{\"id\":\"a\",\"ts\":\"2024-03-01T00:00:00Z\",\"customer\":\"c\",\"extra\":{\"k\":[1]}}"},"trigger":["a"]}'
}
