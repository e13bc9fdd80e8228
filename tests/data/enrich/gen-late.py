# Seeded events for tests/eng-enrich-aggregates.bats: strictly increasing
# times (no ties), integer and real amounts, negative amounts outside
# purchases, sentiment on 30%, and 5% of the events arriving late.
# Usage: gen-late.py N SEED
import json, random, sys, datetime
r = random.Random(int(sys.argv[2]))
n = int(sys.argv[1])
t = 1719792000000
evs = []
for i in range(n):
    t += r.randint(1, 6 * 3600 * 1000)   # strictly increasing: no ties in time
    ts = datetime.datetime.fromtimestamp(t // 1000, datetime.timezone.utc)
    ev = {"id": "g%d" % i,
          "ts": ts.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (t % 1000),
          "customer": "c%d" % r.randint(1, 30),
          "channel": r.choice(["web", "mobile", "email", "store"]),
          "type": r.choice(["page_view", "purchase", "review", "add_to_cart"])}
    if ev["type"] == "purchase":
        # integers and reals: sums stay integers until the first real
        ev["amount"] = r.randint(1, 300) if r.random() < 0.3 else round(r.uniform(1, 200), 2)
        ev["category"] = r.choice(["shoes", "hats", "bags", "socks", "coats"])
    elif r.random() < 0.1:
        ev["amount"] = -r.randint(1, 50)      # refunds outside purchases
    if r.random() < 0.3:
        ev["sentiment"] = {"compound": round(r.uniform(-1, 1), 4)}
    evs.append(ev)
# late arrivals: 5% of the events move up to 40 places later in the stream
for i in range(n - 41, 0, -1):
    if r.random() < 0.05:
        j = i + r.randint(1, 40)
        evs.insert(j, evs.pop(i))
for ev in evs:
    print(json.dumps(ev, separators=(",", ":")))
