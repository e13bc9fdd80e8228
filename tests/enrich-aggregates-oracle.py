#!/usr/bin/env python3
"""The reference for tests/eng-enrich-aggregates.bats: recomputes the
profile of tests/data/enrich/aggregates.yaml from eng-enrich(1)'s definitions
(CONFIGURATION, profile), independently of the C code, and prints the
profile after each input event (arrival order) as compact JSON."""
import json, sys

W7, W30 = 7 * 86400000, 30 * 86400000

def ms(ts):
    import datetime
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000 + 0.5)

class P:
    def __init__(s):
        s.n = 0; s.sum = 0; s.all_int = True; s.low = None; s.high = None
        s.avg_s = 0.0; s.avg_n = 0; s.cats = []; s.first = None; s.last = None
        s.latest = None; s.win = {"n30": [], "s7": [], "mx7": [], "mn7": [], "a7": []}
        s.hist = []

def add_num(acc, all_int, v):
    if all_int and isinstance(v, int):
        return acc + v, True
    return float(acc) + float(v), False

def window(entries, latest, length):
    return [(t, v) for (t, v) in entries if t >= latest - length]

def insert(entries, t, v, latest, length):
    if t < latest - length:
        return
    k = len(entries)
    while k > 0 and entries[k - 1][0] > t:
        k -= 1
    entries.insert(k, (t, v))

profiles = {}
for line in sys.stdin:
    ev = json.loads(line)
    p = profiles.setdefault(ev["customer"], P())
    t = ms(ev["ts"])
    clock = p.latest if p.latest is not None else t
    purchase = ev.get("type") == "purchase"
    amount = ev.get("amount")
    p.n += 1
    if purchase and amount is not None:
        p.sum, p.all_int = add_num(p.sum, p.all_int, amount)
    if amount is not None:
        if p.low is None or amount < p.low: p.low = amount
        if p.high is None or amount > p.high: p.high = amount
    s = ev.get("sentiment")
    if s is not None:
        p.avg_s += s["compound"]; p.avg_n += 1
    if purchase and "category" in ev and ev["category"] not in p.cats and len(p.cats) < 3:
        p.cats.append(ev["category"])
    if p.first is None or t < p.first[0]: p.first = (t, ev["channel"])
    if p.last is None or t >= p.last[0]: p.last = (t, ev["channel"])
    if purchase: insert(p.win["n30"], t, 1, clock, W30)
    if amount is not None:
        for k in ("s7", "mx7", "mn7", "a7"):
            insert(p.win[k], t, amount, clock, W7)
    # recent: the latest 4 events in time order
    rec = {k: ev[k] for k in ("ts", "channel", "type") if k in ev}
    k = len(p.hist)
    while k > 0 and p.hist[k - 1][0] > t:
        k -= 1
    p.hist.insert(k, (t, rec))
    p.hist = p.hist[-4:]
    p.latest = t if p.latest is None or t > p.latest else p.latest
    for k, length in (("n30", W30), ("s7", W7), ("mx7", W7), ("mn7", W7), ("a7", W7)):
        p.win[k] = window(p.win[k], p.latest, length)
    def wsum(e):
        acc, ai = 0, True
        for _, v in e:
            acc, ai = add_num(acc, ai, v)
        return acc
    s7 = p.win["s7"]
    out = {
        "visits": p.n,
        "spend": p.sum,
        "low": p.low,
        "high": p.high,
        "mood": p.avg_s / p.avg_n if p.avg_n else None,
        "cats": p.cats,
        "first_channel": p.first[1],
        "last_channel": p.last[1],
        "purchases_30d": len(p.win["n30"]),
        "spend_7d": wsum(s7),
        "max_7d": max((v for _, v in p.win["mx7"]), default=None),
        "min_7d": min((v for _, v in p.win["mn7"]), default=None),
        "avg_7d": (float(wsum(p.win["a7"])) / len(p.win["a7"])) if p.win["a7"] else None,
        "history": [r for _, r in p.hist],
    }
    print(json.dumps(out, separators=(",", ":")))
