#!/usr/bin/env python3
"""make-inputs.py DIR: writes the bad-input matrix's inputs (tests/bad-input.bats)
into DIR, one file per class of bad input, each one line (garbage: five)."""
import os, sys
d = sys.argv[1]
head = b'{"id":"e1","ts":"2024-07-01T10:00:00Z","customer":"c1"'
classes = {
    "utf8": head + b',"channel":"web","type":"page_view","text":"bad \xff\xfe here"}\n',
    "nul": head + b',"text":"a\x00b"}\n',
    "deep": head + b',"x":' + b"[" * 10000 + b"]" * 10000 + b"}\n",
    "hugenum": head + b',"n":123456789012345678901234567890,"r":1e400}\n',
    "dupkey": head + b',"customer":"c2","type":"page_view"}\n',
    "types": b'{"id":5,"ts":12345,"customer":["c1"],"channel":{},"type":true,"text":7}\n',
    "missing": b'{"text":"hello"}\n',
    "garbage": bytes(range(256)) * 4 + b"\n",
    "empty": b"",
    "big": head + b',"text":"' + b"a" * (100 * 1024 * 1024) + b'"}\n',
}
for name, data in classes.items():
    with open(os.path.join(d, name + ".jsonl"), "wb") as f:
        f.write(data)
