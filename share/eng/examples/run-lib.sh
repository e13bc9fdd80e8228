# run-lib.sh: shell functions the examples' run.sh share (sourced, not run).
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../run-lib.sh"
#   example_outdir NAME "$@"      # sets out, the absolute OUTDIR
#   stage NAME CMD...             # one pipeline stage, --stats appended
#   collect_rejects STAGE...      # rejects-STAGE.jsonl, in order, to rejects.jsonl
#
# A stage's rejects go to "$out/rejects-STAGE.jsonl" (the caller passes
# --rejects); its --stats line is appended to "$out/stats.jsonl" and
# everything else it says goes to stderr. Exit 1 (some records rejected) is
# part of every example's story; 2 or more stops the run with exit 2.

# example_outdir NAME [OUTDIR]: OUTDIR, created, or a new temporary
# directory named on stderr; sets out to its absolute path.
example_outdir() {
    if [ $# -ge 2 ]; then
        out=$2
        mkdir -p "$out"
    else
        out=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
        echo "run.sh: output in $out" >&2
    fi
    out=$(cd "$out" && pwd)
}

# stage NAME CMD...: runs CMD --stats with its stderr in a file.
stage() {
    name=$1
    shift
    rc=0
    "$@" --stats 2> "$out/stderr-$name.txt" || rc=$?
    grep '^{"tool":' "$out/stderr-$name.txt" >> "$out/stats.jsonl" || true
    grep -v '^{"tool":' "$out/stderr-$name.txt" >&2 || true
    rm -f "$out/stderr-$name.txt"
    if [ "$rc" -gt 1 ]; then
        echo "run.sh: $name failed (exit $rc)" >&2
        exit 2
    fi
}

# collect_rejects STAGE...: the stages' rejects files, in the order given,
# into rejects.jsonl (each removed).
collect_rejects() {
    for n in "$@"; do
        if [ -f "$out/rejects-$n.jsonl" ]; then
            cat "$out/rejects-$n.jsonl"
            rm -f "$out/rejects-$n.jsonl"
        fi
    done > "$out/rejects.jsonl"
}
