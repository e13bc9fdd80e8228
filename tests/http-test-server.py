#!/usr/bin/env python3
"""http-test-server.py: a tiny HTTP/1.1 server for eng-emit's tests.

Binds 127.0.0.1 only. Prints the port it listens on (first line of stdout),
records every request as one JSON line in LOG:
  {"path": ..., "idempotency_key": ..., "headers": {...}, "body": ..., "answer": N}
and stops by itself after --lifetime seconds (default 60) even if the test
that started it died.

The answer depends on the path's first segment (counts are per segment,
over the server's life):
  /ok/...        200
  /fail/...      500 always          /fail-N/...   500 for the first N, then 200
  /429-N/...     429 for the first N (Retry-After: 0), then 200
  /stall-N/...   the first N wait --stall seconds (default 3) then 200
  /close-N/...   the first N close the connection without an answer
  /reset-N/...   the first N reset the connection (TCP RST, no answer)
  /garbage-N/... the first N get bytes that are not HTTP, then a close
  /bad/...       400
  /slow/...      200 after --slow seconds (default 0.02), every request
Each log record also carries "inflight": how many requests the server was
handling when this one arrived (itself included), so tests can check the
client's window.
A control file (--control FILE), when it exists, overrides: its content is
a segment name ("fail", "ok", ...) applied to every request.

Usage: http-test-server.py LOG [--port 0] [--lifetime 60] [--stall 3]
                                [--control FILE] [--slow 0.02] [--no-log]
"""
import argparse
import json
import os
import socket
import struct
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
inflight = 0
lock = threading.Lock()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=60)
    ap.add_argument("--stall", type=float, default=3)
    ap.add_argument("--slow", type=float, default=0.02)
    ap.add_argument("--control")
    ap.add_argument("--no-log", action="store_true",
                    help="count requests only (benchmarks)")
    a = ap.parse_args()
    logf = open(a.log, "a", buffering=1)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # answers are written in pieces (status, headers, body): without
        # TCP_NODELAY each keep-alive request waits out the client's
        # delayed ACK (40 ms), which made 2000 requests take minutes
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            global inflight
            with lock:
                inflight += 1
                now_inflight = inflight
            try:
                self.answer(now_inflight)
            finally:
                with lock:
                    inflight -= 1

        def answer(self, now_inflight):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            seg = self.path.strip("/").split("/")[0]
            if a.control and os.path.exists(a.control):
                with open(a.control) as f:
                    seg = f.read().strip() or seg
            m = re.fullmatch(r"([a-z]+|\d{3})(?:-(\d+))?", seg)
            mode, limit = (m.group(1), int(m.group(2))) if m and m.group(2) else (seg, None)
            with lock:
                k = counts.get(seg, 0)
                counts[seg] = k + 1
            active = limit is None or k < limit
            code = 200
            if mode == "fail" and active:
                code = 500
            elif mode == "429" and active:
                code = 429
            elif mode == "bad":
                code = 400
            elif mode == "stall" and active:
                time.sleep(a.stall)
            elif mode == "close" and active:
                code = 0
            elif mode == "reset" and active:
                code = -1
            elif mode == "garbage" and active:
                code = -2
            elif mode == "slow":
                time.sleep(a.slow)
            if not a.no_log:
                rec = {"path": self.path,
                       "idempotency_key": self.headers.get("Idempotency-Key"),
                       "headers": {k2: v for k2, v in self.headers.items()},
                       "body": body.decode("utf-8", "replace"), "answer": code,
                       "inflight": now_inflight}
                with lock:
                    logf.write(json.dumps(rec) + "\n")
            else:
                with lock:
                    logf.write("1\n")
            if code == 0:
                self.close_connection = True
                return
            if code == -1:      # SO_LINGER 0: close sends RST
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if code == -2:
                self.wfile.write(b"\x00\xffNOT HTTP AT ALL\r\n\x1b[0m\r\n\r\n{{{")
                self.wfile.flush()
                self.close_connection = True
                return
            out = b'{"ok":true}' if code == 200 else b'{"error":"test"}'
            self.send_response(code)
            if code == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    t = threading.Timer(a.lifetime, lambda: os._exit(0))
    t.daemon = True
    t.start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
