# common.sh: shell functions shared by the eng pipeline recipes (sourced,
# not run).
#
# Usage, from a recipe script in the same directory:
#   . "$(dirname "$0")/common.sh"
#   eng_confdir CONFDIR; eng_statedir STATEDIR
#   eng_ingest FILE... | eng_tail "$now" > receipts.jsonl; eng_check
#
# A configuration directory CONFDIR holds the configs of one pipeline:
#   enrich.yaml    eng-enrich -c      (required)
#   rules.yaml     eng-match rules    (required)
#   channels.yaml  eng-emit -c        (required)
#   ingest.yaml    eng-ingest -m      (optional; without it, input is JSON-lines)
#   topics.yaml    eng-sentiment --topics       (optional)
#   lexicon.tsv    eng-sentiment --add-lexicon  (optional)
# A state directory STATEDIR holds one pipeline's state: enrich.db,
# match.db, emit.db, the rejects of each stage (rejects/), and whatever the
# file: sinks of channels.yaml write, since eng-emit runs there (a relative
# sink such as file:email.jsonl lands in STATEDIR; the files channels.yaml
# reads, an opt-out list or templates, are relative to CONFDIR).
#
# POSIX sh has no PIPESTATUS, so each stage runs through eng_stage, which
# notes an exit status above 1 (1 only means "some records rejected, the
# rest processed") in a file; eng_check fails the script when any was noted.

# eng_die MESSAGE: print "SCRIPT: MESSAGE" on stderr and exit 2 (usage).
eng_die() {
    echo "${0##*/}: $*" >&2
    exit 2
}

# eng_abs DIR: print DIR as an absolute path (it must exist).
eng_abs() {
    (cd "$1" && pwd)
}

# eng_confdir DIR: check and set ENG_CONF, the absolute config directory.
eng_confdir() {
    [ -d "$1" ] || eng_die "$1: no such configuration directory"
    ENG_CONF=$(eng_abs "$1")
    for f in enrich.yaml rules.yaml channels.yaml; do
        [ -f "$ENG_CONF/$f" ] || eng_die "$ENG_CONF/$f: missing"
    done
}

# eng_statedir DIR: create DIR (and DIR/rejects), set ENG_STATE to its
# absolute path and ENG_FAILED to the file where eng_stage notes failures.
eng_statedir() {
    mkdir -p "$1/rejects" || exit 3
    ENG_STATE=$(eng_abs "$1")
    ENG_FAILED=$ENG_STATE/.failed.$$
    rm -f "$ENG_FAILED"
}

# eng_stage NAME CMD...: run CMD; note "NAME STATUS" in $ENG_FAILED when
# it exits with a status above 1.
eng_stage() {
    _name=$1
    shift
    _rc=0
    "$@" || _rc=$?
    if [ "$_rc" -gt 1 ]; then
        echo "$_name $_rc" >> "$ENG_FAILED"
    fi
    return 0
}

# eng_check: after a pipeline, exit with the first failed stage's status
# (saying which stage) if any stage failed; else return 0.
eng_check() {
    if [ -s "$ENG_FAILED" ]; then
        while read -r _name _rc; do
            echo "${0##*/}: $_name failed (exit status $_rc)" >&2
        done < "$ENG_FAILED"
        _rc=$(sed -n '1s/.* //p' "$ENG_FAILED")
        rm -f "$ENG_FAILED"
        exit "$_rc"
    fi
    rm -f "$ENG_FAILED"
}

# eng_rejected: remove this run's empty rejects files (every stage writes
# one); return 1 when a stage rejected records, else 0.
eng_rejected() {
    _any=0
    for _f in "$ENG_STATE/rejects/${ENG_TAG:-run}"-*.jsonl; do
        [ -f "$_f" ] || continue
        if [ -s "$_f" ]; then _any=1; else rm -f "$_f"; fi
    done
    return "$_any"
}

# eng_key: for each event on standard input, print CUSTOMER<TAB>EVENT,
# the key being the top-level customer as written in the JSON text (its
# escapes kept: it never holds a tab or a newline; empty when missing). A member is found by the text
# [{,]"customer":" outside strings (inside one, a quote is always \"). It
# is the top-level member when no { or [ comes before it; otherwise the
# line is scanned, tracking strings and depth, for the depth-1 member.
eng_key() {
    awk '
    function scan(s,    i, c, n, d, instr, esc, k, j) {
        n = length(s); d = 0; instr = 0; esc = 0
        for (i = 1; i <= n; i++) {
            c = substr(s, i, 1)
            if (instr) {
                if (esc) esc = 0
                else if (c == "\\") esc = 1
                else if (c == "\"") instr = 0
                continue
            }
            if (c == "\"") {
                if (d == 1 && substr(s, i, 12) == "\"customer\":\"") {
                    k = substr(s, i + 12)
                    if (match(k, /^([^"\\]|\\.)*"/))
                        return substr(k, 1, RLENGTH - 1)
                }
                instr = 1
            } else if (c == "{" || c == "[") d++
            else if (c == "}" || c == "]") d--
        }
        return ""
    }
    {
        k = ""
        if (match($0, /[{,]"customer":"([^"\\]|\\.)*"/)) {
            pre = substr($0, 2, RSTART - 1)
            if (pre !~ /[{[]/)
                k = substr($0, RSTART + 13, RLENGTH - 14)
            else
                k = scan($0)
        } else if (index($0, "\"customer\":\""))
            k = scan($0)
        print k "\t" $0
    }'
}

# eng_by_key CMD: read KEY<TAB>LINE lines grouped by key and run CMD (a
# shell command; exported variables are its parameters) once per key,
# with that key's lines, key stripped, on its standard input; the
# outputs follow one another on standard output. A CMD exit status above
# 1 is noted in $ENG_FAILED (export it) as "by-key STATUS".
eng_by_key() {
    ENG_BY_KEY_CMD="{ $1
}"' || { _rc=$?; [ "$_rc" -le 1 ] || echo "by-key $_rc" >> "$ENG_FAILED"; }'
    export ENG_BY_KEY_CMD ENG_FAILED
    awk -v cmd='eval "$ENG_BY_KEY_CMD"' '
    {
        t = index($0, "\t")
        k = substr($0, 1, t - 1)
        if (NR > 1 && k != prev) close(cmd)
        prev = k
        print substr($0, t + 1) | cmd
    }
    END { close(cmd) }'
}

# eng_ingest [OPTION...] [FILE...]: eng-ingest with the configuration's
# mapping (or JSON-lines), rejects in rejects/$ENG_TAG-ingest.jsonl.
eng_ingest() {
    if [ -f "$ENG_CONF/ingest.yaml" ]; then
        set -- -m "$ENG_CONF/ingest.yaml" "$@"
    else
        set -- -f jsonl "$@"
    fi
    eng_stage ingest eng-ingest --rejects "$ENG_STATE/rejects/${ENG_TAG:-run}-ingest.jsonl" "$@"
}

# eng_sentiment: eng-sentiment with the configuration's topics and lexicon.
eng_sentiment() {
    set --
    [ -f "$ENG_CONF/topics.yaml" ] && set -- "$@" --topics "$ENG_CONF/topics.yaml"
    [ -f "$ENG_CONF/lexicon.tsv" ] && set -- "$@" --add-lexicon "$ENG_CONF/lexicon.tsv"
    eng_stage sentiment eng-sentiment --rejects "$ENG_STATE/rejects/${ENG_TAG:-run}-sentiment.jsonl" "$@"
}

# eng_tail NOW [MATCH-OPTION...]: the stateful stages on standard input:
# eng-enrich | eng-match | eng-emit, with their state in $ENG_STATE. NOW,
# when not empty, is given to eng-match and eng-emit as --now (the end of
# the period the input covers: absences due by then fire, deferred
# messages due by then go). Further options go to eng-match. With
# ENG_DRY_RUN set, eng-emit runs with --dry-run (sends nothing, writes no
# state). With ENG_NO_STATE set, the three keep their state in memory for
# the run (no --state). Receipts on standard output.
eng_tail() {
    _now=$1
    shift
    if [ -n "$_now" ]; then
        set -- --now "$_now" "$@"
    fi
    _rj=$ENG_STATE/rejects/${ENG_TAG:-run}
    _st=$ENG_STATE/
    [ -z "${ENG_NO_STATE:-}" ] || _st=
    eng_stage enrich eng-enrich -c "$ENG_CONF/enrich.yaml" \
        ${_st:+--state "${_st}enrich.db"} --rejects "$_rj-enrich.jsonl" |
    eng_stage match eng-match ${_st:+--state "${_st}match.db"} \
        --rejects "$_rj-match.jsonl" "$@" "$ENG_CONF/rules.yaml" |
    (cd "$ENG_STATE" && eng_stage emit eng-emit -c "$ENG_CONF/channels.yaml" \
        ${_st:+--state "${_st}emit.db"} --rejects "$_rj-emit.jsonl" \
        ${_now:+--now "$_now"} ${ENG_DRY_RUN:+--dry-run})
}

# eng_reader_wait PID NAME: for a pipeline whose first process (the reader:
# eng-ingest --follow, tail -F, kcat -C) runs in the background as PID,
# with the other stages reading from it through a FIFO: on SIGINT or
# SIGTERM stop the reader alone, so the later stages drain the pipes, save
# their state and end at end of input; wait for the reader and note its
# failure (any status but an orderly stop) as NAME's.
eng_reader_wait() {
    _up=$1
    _upname=$2
    trap 'kill -TERM "$_up" 2>/dev/null || :' INT TERM
    # wait returns early when a trap ran: wait again until the reader is
    # gone. (2>/dev/null: dash reports a child killed by a signal, such as
    # tail, as "Terminated"; that is the orderly stop here.)
    while :; do
        _rc=0
        wait "$_up" 2>/dev/null || _rc=$?
        kill -0 "$_up" 2>/dev/null || break
    done
    trap - INT TERM
    # 130 and 143: the reader's orderly stop; 141: SIGPIPE, a later stage
    # died (and noted its own failure).
    case $_rc in
    0|1|130|141|143) ;;
    *) echo "$_upname $_rc" >> "$ENG_FAILED" ;;
    esac
}

# eng_mark FILE START: read events on standard input and at the end write
# to FILE the largest source line seen, or START when none is larger.
# eng-ingest ends every event with "source":{"name":...,"line":N}, so the
# line is read at the end of the text without parsing the JSON. It reads a
# copy of the stream (tee into a FIFO), not the stream itself: awk may
# buffer its input (mawk reads whole blocks), which in the stream would
# hold events back.
eng_mark() {
    awk -v f="$1" -v m="$2" '
    match($0, /"line":[0-9]+}}$/) {
        l = substr($0, RSTART + 7, RLENGTH - 9) + 0
        if (l > m) m = l
    }
    END { print m > f; close(f) }'
}

# eng_run_number: print this state directory's run number, one more than
# last time (kept in $ENG_STATE/runs). A reader that numbers its records
# from 1 at each start (tail -F, kcat) gives eng-ingest --source NAME-N:
# with one NAME for every run, eng-match --state would skip a new run's
# lines 1, 2, ... as lines it consumed in an earlier run.
eng_run_number() {
    _n=$(cat "$ENG_STATE/runs" 2>/dev/null || echo 0)
    _n=$((_n + 1))
    echo "$_n" > "$ENG_STATE/runs"
    echo "$_n"
}
