#!/usr/bin/env python3
"""latency.py N 'PIPELINE': the time one event takes through a running
pipeline (bench/pipeline.sh). Starts PIPELINE (a shell command line reading
events on stdin and writing one line per event on stdout), then N times:
writes one event, flushes, and waits for its output line. Prints the median
and the 99th percentile in milliseconds ("0.104 0.224"). The first 10
events warm the pipeline up and are not counted."""
import json
import subprocess
import sys
import time

n = int(sys.argv[1])
warm = 10
p = subprocess.Popen(sys.argv[2], shell=True, stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
lat = []
for i in range(n + warm):
    t = 1719792000 + i
    ev = {"id": "lat%d" % i,
          "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
          "customer": "c%06d" % (i % 100), "channel": "mobile",
          "type": "page_view", "text": "the app is great today",
          "geo": {"city": "Phoenix"}}
    line = (json.dumps(ev, separators=(",", ":")) + "\n").encode()
    t0 = time.perf_counter()
    p.stdin.write(line)
    p.stdin.flush()
    out = p.stdout.readline()
    t1 = time.perf_counter()
    if not out:
        sys.exit("latency.py: the pipeline ended after %d events" % i)
    if i >= warm:
        lat.append((t1 - t0) * 1000)
p.stdin.close()
p.wait()
lat.sort()
print("%.3f %.3f" % (lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]))
