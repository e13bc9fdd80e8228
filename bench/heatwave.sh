#!/bin/bash
# bench/heatwave.sh: the heatwave scenario's configs at benchmark scale,
# for bench/pipeline.sh and bench/report.sh (sourced: heatwave_configs DIR
# writes them into DIR). Built for gen-events' cities and first two weeks:
#   weather.csv     hourly temp_f per city; a warm band of cities reaches
#                   90F and more in the afternoon
#   customers.csv   10,000 customers (c000000..c009999) with a tier and a
#                   time zone
#   enrich.yaml     the customers joined into the profile, the weather
#                   looked up as of the event's time by city, purchased
#                   categories, spend; the local time in the customer's zone
#   rules.yaml      the heatwave offer (mobile, 90F or more, no beauty
#                   purchase yet; 7-day cooldown) and an angry-review case
#   channels.yaml   push at most once per 7 days and never in quiet hours
#                   (21:00-08:00 in the customer's zone), cases to a file
heatwave_configs() {
    local dir=$1
# Hourly weather for gen-events' cities over its first two weeks: a warm
# band of cities reaches 90F and more in the afternoon.
awk 'BEGIN {
    n = split("Atlanta,Austin,Berlin,Boston,Chicago,Dallas,Denver,Detroit,Houston,London,Los Angeles,Miami,Minneapolis,Montréal,Nashville,New York,Paris,Philadelphia,Phoenix,Portland,San Antonio,San Diego,San Francisco,Seattle,São Paulo,Toronto", c, ",")
    print "city,time,temp_f"
    for (d = 0; d < 14; d++) for (h = 0; h < 24; h++) for (i = 1; i <= n; i++)
        printf "%s,2024-03-%02dT%02d:00:00Z,%d\n", c[i], d + 1, h, 50 + (i * 7) % 40 + (h >= 12 && h <= 18 ? 12 : 0)
}' > "$dir/weather.csv"
awk 'BEGIN {
    split("America/New_York America/Chicago America/Denver America/Los_Angeles Europe/London Europe/Paris Europe/Berlin", tz, " ")
    print "id,name,tier,tz"
    for (i = 0; i < 10000; i++)
        printf "c%06d,Customer %d,%s,%s\n", i, i, (i % 10 == 0 ? "gold" : "basic"), tz[i % 7 + 1]
}' > "$dir/customers.csv"
cat > "$dir/enrich.yaml" <<'YAML'
key: customer
join:
  - file: customers.csv
    on: { customer: id }
    into: profile
lookup:
  - file: weather.csv
    on: { geo.city: city }
    asof: { event: ts, file: time }
    into: context.weather
profile:
  visits:     { count: true }
  purchased:  { set: category, when: type == "purchase", max: 20 }
  spend:      { sum: amount, when: type == "purchase" }
context: { timezone: profile.tz, default_timezone: UTC }
YAML
cat > "$dir/rules.yaml" <<'YAML'
defaults: { key: customer }
rules:
  - id: heatwave-offer
    when: >
      channel == "mobile" && has(context.weather.temp_f) &&
      context.weather.temp_f >= 90 && !("beauty" in profile.purchased)
    cooldown: 7d
    priority: 5
    emit: { channel: push, offer: sunscreen, city: "{{geo.city}}" }
  - id: angry-review
    when: type == "review" && has(event.sentiment) && sentiment.compound <= -0.5
    priority: 3
    emit: { channel: case, text: "{{text}}" }
YAML
cat > "$dir/channels.yaml" <<'YAML'
defaults:
  frequency: { max: 3, per: 7d }
  quiet_hours: { from: "21:00", to: "08:00", timezone: event.profile.tz,
                 default_timezone: UTC, action: suppress }
channels:
  push: { sink: "file:push.jsonl", frequency: { max: 1, per: 7d },
          body: { title: "Hot in {{payload.city}}?", offer: "{{payload.offer}}" } }
  case: { sink: "file:cases.jsonl", quiet_hours: false }
YAML
}
