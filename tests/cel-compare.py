#!/usr/bin/env python3
"""cel-compare: run a CEL conformance suite through an --eval-jsonl command
and judge the answers as ../shared/cel/EVAL-JSONL.md ("How answers are
judged") says.

    cel-compare.py SUITE [--min R] [--failures-out F] [--known K] -- CMD...
    cel-compare.py SUITE --answers FILE [...]

- A test expecting an error passes on any {"error": ...}.
- A test expecting a value passes when "type" is the expected one and the
  value is equal with the same type at every level (1 and 1.0 differ);
  doubles by exact value (NaN matches NaN, 0.0 matches -0.0), lists in
  order, maps as sets of keys, timestamps and durations by value.
- A missing line, a line that is not JSON (NaN is not JSON), or one without
  exactly one of value/error fails.
- All tests go to one process; if it crashes, times out or answers with the
  wrong number of lines, each test runs in a process of its own (10 s each).

Prints the first failures, then `cel conformance: P/N = R`. Exit 0 when R
reaches --min (default 0) and, with --known K (a JSON-lines file of known
failures, each with "file", "section", "name" and a "reason"), when the
failures are exactly the known ones.
"""
import json
import re
import subprocess
import sys


class Bad(Exception):
    pass


def no_constants(name):
    raise Bad("not JSON: " + name)


def loads(text):
    return json.loads(text, parse_constant=no_constants)


TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")
DUR_RE = re.compile(r"^(-?)(\d+)(?:\.(\d{1,9}))?s$")


def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def frac_ns(f):
    return int((f or "").ljust(9, "0")) if f else 0


def typed(v):
    """Decodes an encoded value into a comparable (type, value) tree."""
    if v is None:
        return ("null", None)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("double", v)
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, list):
        return ("list", [typed(x) for x in v])
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$double":
                if x not in ("NaN", "Infinity", "-Infinity"):
                    raise Bad("bad $double " + repr(x))
                return ("double", float(x.replace("Infinity", "inf")))
            if k == "$timestamp":
                m = TS_RE.match(x) if isinstance(x, str) else None
                if not m:
                    raise Bad("bad $timestamp " + repr(x))
                y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
                sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
                return ("timestamp", sec * 10**9 + frac_ns(m.group(7)))
            if k == "$duration":
                m = DUR_RE.match(x) if isinstance(x, str) else None
                if not m:
                    raise Bad("bad $duration " + repr(x))
                ns = int(m.group(2)) * 10**9 + frac_ns(m.group(3))
                return ("duration", -ns if m.group(1) else ns)
        return ("map", {k: typed(x) for k, x in v.items()})
    raise Bad("unknown JSON value")


def same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "double":
        x, y = a[1], b[1]
        return (x != x and y != y) or x == y
    if a[0] == "list":
        return len(a[1]) == len(b[1]) and all(same(x, y) for x, y in zip(a[1], b[1]))
    if a[0] == "map":
        return a[1].keys() == b[1].keys() and all(same(a[1][k], b[1][k]) for k in a[1])
    return a[1] == b[1]


def judge(test, line):
    """Returns None when the answer passes, else the reason."""
    if line is None:
        return "no answer line"
    try:
        ans = loads(line)
    except (ValueError, Bad) as e:
        return "answer is not JSON: %s" % e
    if not isinstance(ans, dict) or (("value" in ans) == ("error" in ans)):
        return "answer needs exactly one of value/error: " + line[:200]
    exp = test["expect"]
    if exp.get("error"):
        if "error" in ans:
            return None
        return "expected an error, got " + line[:200]
    if "error" in ans:
        return "expected %s, got error %s" % (json.dumps(exp)[:200], json.dumps(ans["error"])[:200])
    if ans.get("type") != exp["type"]:
        return "expected type %s, got %s" % (exp["type"], line[:200])
    try:
        got = typed(ans["value"])
        want = typed(exp["value"])
    except Bad as e:
        return str(e)
    if got[0] != exp["type"] or not same(got, want):
        return "expected %s, got %s" % (json.dumps(exp["value"])[:200], json.dumps(ans["value"])[:200])
    return None


def run_all(cmd, tests, timeout):
    data = "".join(json.dumps({"expr": t["expr"], "bindings": t.get("bindings", {})}) + "\n"
                   for t in tests)
    try:
        p = subprocess.run(cmd, input=data.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return None
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    return lines if len(lines) == len(tests) else None


def key(t):
    return (t.get("file"), t.get("section"), t.get("name"))


def main(argv):
    if "--" in argv:
        i = argv.index("--")
        opts, cmd = argv[:i], argv[i + 1:]
    else:
        opts, cmd = argv, None
    suite, answers_file, min_rate, failures_out, known_file = None, None, 0.0, None, None
    it = iter(opts)
    for a in it:
        if a == "--min":
            min_rate = float(next(it))
        elif a == "--failures-out":
            failures_out = next(it)
        elif a == "--answers":
            answers_file = next(it)
        elif a == "--known":
            known_file = next(it)
        elif suite is None:
            suite = a
        else:
            sys.exit("cel-compare: unexpected argument " + a)
    if suite is None or (cmd is None) == (answers_file is None):
        sys.exit(__doc__)
    with open(suite, encoding="utf-8") as f:
        tests = [json.loads(l) for l in f if l.strip()]
    if answers_file:
        with open(answers_file, encoding="utf-8") as f:
            lines = f.read().splitlines()
    else:
        lines = run_all(cmd, tests, 120)
        if lines is None:
            print("cel-compare: one process failed; running each test alone", file=sys.stderr)
            lines = []
            for t in tests:
                one = run_all(cmd, [t], 10)
                lines.append(one[0] if one else None)
    failures = []
    for i, t in enumerate(tests):
        why = judge(t, lines[i] if i < len(lines) else None)
        if why:
            failures.append((t, why))
    files = {}
    for t in tests:
        files.setdefault(t.get("file"), [0, 0])[1] += 1
    failed_keys = {key(t) for t, _ in failures}
    for t in tests:
        if key(t) not in failed_keys:
            files[t.get("file")][0] += 1
    for name, (p, n) in sorted(files.items()):
        print("  %-14s %d/%d" % (name, p, n))
    for t, why in failures[:20]:
        print("FAIL %s/%s/%s: %s\n     expr: %s" % (t.get("file"), t.get("section"), t.get("name"),
                                                  why, t["expr"][:160]))
    if failures_out:
        with open(failures_out, "w", encoding="utf-8") as f:
            for t, why in failures:
                f.write(json.dumps({"file": t.get("file"), "section": t.get("section"),
                                    "name": t.get("name"), "expr": t["expr"],
                                    "failure": why}, ensure_ascii=False) + "\n")
    n = len(tests)
    p = n - len(failures)
    rate = p / n if n else 0.0
    print("cel conformance: %d/%d = %.4f" % (p, n, rate))
    ok = rate >= min_rate
    if known_file:
        with open(known_file, encoding="utf-8") as f:
            known = {key(json.loads(l)) for l in f if l.strip()}
        new = sorted(failed_keys - known, key=str)
        fixed = sorted(known - failed_keys, key=str)
        for k in new:
            print("UNEXPECTED FAILURE %s/%s/%s" % k)
        for k in fixed:
            print("UNEXPECTED PASS %s/%s/%s (remove it from %s)" % (k + (known_file,)))
        ok = ok and not new and not fixed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
