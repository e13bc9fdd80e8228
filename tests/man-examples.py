#!/usr/bin/env python3
"""man-examples.py: run the shell-session examples of a man page.

Usage: man-examples.py [--bin DIR] PAGE

Every .EX/.EE block of PAGE whose first line starts with "$ " is an
example, run in a fresh temporary directory:

  $ cat FILE      followed by lines, creates FILE with those lines (when FILE
                  does not exist yet; otherwise it is a command like any other)
  $ CMD           runs CMD with bash; its stdout must be exactly the lines
                  that follow, up to the next "$ " line or the end of the
                  block (no lines: it must print nothing)

stderr and exit statuses are not compared (eng-match exits 1 when it rejects
events, which examples show on purpose).  The roff escapes the pages use in
examples are undone first: \\- \\e \\(dq \\(aq \\&; any other escape is an error,
so that what is tested is what the reader sees.

PATH has DIR first (default: $ENG_BIN, else bin/ beside the page's man/).
Prints "ok N: CMD" or "FAIL N: CMD" (CMD: the example's first command that is
not a file) with a diff, and exits 0 only when every example passed and there
was at least one.
"""

import difflib
import os
import re
import subprocess
import sys
import tempfile

ESCAPES = {"-": "-", "e": "\\", "(dq": '"', "(aq": "'", "&": ""}
ESCAPE_RE = re.compile(r"\\(\(..|.)")


class PageError(Exception):
    pass


def unescape(line, lineno):
    def one(m):
        if m.group(1) not in ESCAPES:
            raise PageError("line %d: unsupported roff escape \\%s in an example"
                            % (lineno, m.group(1)))
        return ESCAPES[m.group(1)]
    return ESCAPE_RE.sub(one, line)


def examples(path):
    """Yield (line number of .EX, [(lineno, text)]) for each example block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    block = None
    for n, line in enumerate(lines, 1):
        if block is None:
            if line == ".EX" or line.startswith(".EX "):
                block = (n, [])
        elif line == ".EE" or line.startswith(".EE "):
            start, body = block
            block = None
            if body and body[0][1].startswith("$ "):
                yield start, [(k, unescape(t, k)) for k, t in body]
        else:
            block[1].append((n, line))
    if block is not None:
        raise PageError("line %d: .EX without .EE" % block[0])


def steps(body):
    """Split a block into [(lineno, command, [following lines])]."""
    out = []
    for n, text in body:
        if text.startswith("$ "):
            out.append((n, text[2:], []))
        else:
            out[-1][2].append(text)
    return out


def run_example(body, env, timeout=60):
    """Run one example; return (title, None) or (title, failure text)."""
    title = None
    with tempfile.TemporaryDirectory(prefix="man-example.") as tmp:
        for n, cmd, following in steps(body):
            m = re.fullmatch(r"cat (\S+)", cmd)
            if m and following and not os.path.exists(os.path.join(tmp, m.group(1))):
                with open(os.path.join(tmp, m.group(1)), "w", encoding="utf-8") as f:
                    f.write("".join(x + "\n" for x in following))
                continue
            if title is None:
                title = cmd
            try:
                p = subprocess.run(["bash", "-c", cmd], cwd=tmp, env=env,
                                   stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=timeout)
            except subprocess.TimeoutExpired:
                return title, "line %d: $ %s: timed out after %ds" % (n, cmd, timeout)
            got = p.stdout.decode("utf-8", "replace").split("\n")
            if got and got[-1] == "":
                got.pop()
            if got != following:
                diff = "\n".join(difflib.unified_diff(
                    following, got, "page", "actual", lineterm=""))
                err = p.stderr.decode("utf-8", "replace").rstrip("\n")
                msg = "line %d: $ %s (exit %d)\n%s" % (n, cmd, p.returncode, diff)
                if err:
                    msg += "\nstderr:\n" + err
                return title, msg
    return title or body[0][1][2:], None


def main(argv):
    args = argv[1:]
    bindir = os.environ.get("ENG_BIN")
    if len(args) == 3 and args[0] == "--bin":
        bindir = args[1]
        args = args[2:]
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: man-examples.py [--bin DIR] PAGE\n")
        return 2
    page = args[0]
    if not bindir:
        bindir = os.path.join(os.path.dirname(os.path.abspath(page)), "..", "bin")
    env = dict(os.environ)
    env["PATH"] = os.path.abspath(bindir) + os.pathsep + env.get("PATH", "")
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    try:
        found = list(examples(page))
    except (OSError, PageError) as e:
        sys.stderr.write("man-examples.py: %s: %s\n" % (page, e))
        return 2
    failed = 0
    for i, (start, body) in enumerate(found, 1):
        title, failure = run_example(body, env)
        if failure is None:
            print("ok %d: %s" % (i, title))
        else:
            failed += 1
            print("FAIL %d: %s (example at line %d)" % (i, title, start))
            for line in failure.split("\n"):
                print("    " + line)
    if not found:
        print("FAIL: no example (an .EX block starting with \"$ \") in %s" % page)
        return 1
    print("%d of %d examples passed" % (len(found) - failed, len(found)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
