#!/usr/bin/env python3
"""readme-tour.py README OUTDIR: turn README.md's "A five-minute tour" into a
bash script (OUTDIR/tour.sh) that runs it, in document order, in one shell:

- a ```sh block runs as it is; an exit status above 1 stops the tour (1 is
  the tools' "some records were rejected", which the tour's samples have);
- a ```console block is a transcript: each "$ COMMAND" line runs with its
  stdout and stderr in OUTDIR/got.N, and the lines after it, up to the next
  "$ ", are what it must print, written to OUTDIR/want.N;
- ```text blocks are illustrations and are not run.

The script prints nothing itself; readme-tour.bats runs it and compares
each got.N with want.N. Prints the number of console commands."""
import os
import sys

readme, outdir = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
start = text.index("## A five-minute tour")
end = text.find("\n## ", start + 1)
tour = text[start:end if end >= 0 else len(text)].split("\n")

script = []
n = 0
i = 0
while i < len(tour):
    line = tour[i]
    if not line.startswith("```") or line.strip() == "```":
        i += 1
        continue
    kind = line[3:].strip()
    body = []
    i += 1
    while i < len(tour) and tour[i].strip() != "```":
        body.append(tour[i])
        i += 1
    i += 1
    if kind == "sh":
        script.append("{")
        script.extend(body)
        script.append("}")
        script.append('rc=$?; [ "$rc" -le 1 ] || { echo "tour: a sh block exited $rc" >&2; exit "$rc"; }')
    elif kind == "console":
        # a transcript shows commands that fail; "$ echo $?" sees the
        # status of the command before it
        want = None
        for b in body:
            if b.startswith("$ "):
                n += 1
                want = open(os.path.join(outdir, "want.%d" % n), "w", encoding="utf-8")
                want.write("")
                script.append("{ %s\n} > %s/got.%d 2>&1" % (b[2:], outdir, n))
            elif want is not None:
                want.write(b + "\n")
                want.flush()
open(os.path.join(outdir, "tour.sh"), "w", encoding="utf-8").write("\n".join(script) + "\n")
print(n)
