#!/usr/bin/env python3
"""gen-events.py: seeded JSON-lines events for the recipe tests.

Usage: gen-events.py --start 2024-03-01 --days D --per-day N [--customers C]
                     [--seed S]

Writes N events a day for D days from START (UTC midnight), in time order,
between 06:00 and 22:00 UTC (a shop that is quiet at night: an absence
whose deadline falls in the evening is only decided by the next day's
first event, or by eng-match --now at midnight),
one JSON object per line with the eng common fields and an id of its own
(so ids do not depend on the source name a recipe gives eng-ingest).
Customers c01..cC; types page_view, add_to_cart, purchase (amount, sku),
support_message (text, for eng-sentiment). The output is a pure function of
the options (Python's seeded Mersenne Twister, integer arithmetic only), so
tests can regenerate it instead of shipping it.
"""
import argparse
import datetime
import json
import random

TEXTS = [
    "Thanks, the new app is great and delivery was fast!",
    "My order arrived broken and nobody answers. Terrible service.",
    "Where is my refund? This is the worst experience ever.",
    "Can I change the delivery address?",
    "Love it, works perfectly.",
    "The app keeps crashing, I hate this.",
]
SKUS = ["SKU-1", "SKU-2", "SKU-3", "SKU-4"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", default="2024-03-01")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--per-day", type=int, default=100)
    ap.add_argument("--customers", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    t0 = datetime.datetime.strptime(a.start, "%Y-%m-%d").replace(
        tzinfo=datetime.timezone.utc)
    n = 0
    for day in range(a.days):
        # distinct seconds of the day, sorted: events in time order, no ties
        secs = sorted(rng.sample(range(6 * 3600, 22 * 3600), a.per_day))
        for s in secs:
            n += 1
            ts = t0 + datetime.timedelta(days=day, seconds=s)
            c = "c%02d" % (1 + rng.randrange(a.customers))
            r = rng.randrange(100)
            ev = {"id": "e%06d" % n,
                  "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "customer": c}
            if r < 45:
                ev.update(channel="web", type="page_view",
                          page="/p/%d" % rng.randrange(20))
            elif r < 65:
                ev.update(channel="web", type="add_to_cart",
                          sku=SKUS[rng.randrange(len(SKUS))])
            elif r < 85:
                ev.update(channel="web", type="purchase",
                          sku=SKUS[rng.randrange(len(SKUS))],
                          amount=5 * (1 + rng.randrange(40)))
            else:
                ev.update(channel="chat", type="support_message",
                          text=TEXTS[rng.randrange(len(TEXTS))])
            print(json.dumps(ev, separators=(",", ":")))


if __name__ == "__main__":
    main()
