"""Pulse-compatible query routes, end to end, on data written at known times.

/keys: metric names, distinct and sorted; /tags: tag keys, distinct and
sorted. /latest/{stat}: the latest value, averaged over every matching
series (TAG=VAL narrows, verb=max picks another fold), time = the newest.
/hourly/{stat}?start&stop: one {"time","value"} per hour with data (hour
start, Unix seconds), the hour's average over every matching sample;
backfill fills empty hours with 0 as Pulse does. /daily/{stat}: "HH:00" (UTC)
→ the average of that hour's averages over the days of the range (each day
weighs the same). Errors: 404 for no series, 400 for a bad start or verb.
"""
import time

import tmlib as T

H = 3600


def main(t):
    s = t.server()
    now = int(time.time())
    # midnight UTC three days ago: every sample sits well inside the raw archive
    D0 = (now // 86400 - 3) * 86400
    D1 = D0 + 86400

    t.step("write samples at known times")
    data = [
        # temp, host=a: day 0 hour 10: 1 and 3 (mean 2); hour 12: 5; day 1 hour 10: 8
        {"metric": "temp", "tags": {"host": "a"}, "time": D0 + 10 * H + 60, "value": 1},
        {"metric": "temp", "tags": {"host": "a"}, "time": D0 + 10 * H + 1800, "value": 3},
        {"metric": "temp", "tags": {"host": "a"}, "time": D0 + 12 * H + 5, "value": 5},
        {"metric": "temp", "tags": {"host": "a"}, "time": D1 + 10 * H, "value": 8},
        # temp, host=b, dc=eu: day 0 hour 12: 9 (with a's 5: hour 12 averages 7 over both)
        {"metric": "temp", "tags": {"host": "b", "dc": "eu"}, "time": D0 + 12 * H + 100, "value": 9},
        # load: two hosts, latest values 10 (older) and 20 (newer)
        {"metric": "load", "tags": {"host": "a"}, "time": now - 300, "value": 4},
        {"metric": "load", "tags": {"host": "a"}, "time": now - 200, "value": 10},
        {"metric": "load", "tags": {"host": "b"}, "time": now - 100, "value": 20},
        {"metric": "deploys", "time": now - 50, "value": "v1.2 out"},
    ]
    t.eq(s.write(data), {"stored": len(data)}, "write")

    t.step("/keys and /tags")
    t.eq(s.get_json("/keys"), ["deploys", "load", "temp"], "/keys")
    t.eq(s.get_json("/tags"), ["dc", "host"], "/tags")

    t.step("/latest")
    t.eq(s.get_json("/latest/load"), {"time": now - 100, "value": 15}, "/latest/load: average of two series")
    t.eq(s.get_json("/latest/load", {"host": "a"}), {"time": now - 200, "value": 10}, "/latest/load?host=a")
    t.eq(s.get_json("/latest/load", {"verb": "max"}).get("value"), 20, "/latest/load?verb=max")
    t.eq(s.get_json("/latest/load", {"tag": "host:b"}).get("value"), 20, "/latest/load?tag=host:b")
    s.get_json("/latest/nosuch", want=404)
    s.get_json("/latest/load", {"host": "zzz"}, want=404)
    s.get_json("/latest/deploys", want=404)  # events have no average
    s.get_json("/latest/load", {"verb": "median"}, want=400)

    t.step("/hourly")
    rng = {"start": D0 + 10 * H, "stop": D0 + 13 * H - 1}
    t.eq(s.get_json("/hourly/temp", rng),
         [{"time": D0 + 10 * H, "value": 2}, {"time": D0 + 12 * H, "value": 7}],
         "/hourly/temp: hours with data, averaged over both hosts")
    t.eq(s.get_json("/hourly/temp", dict(rng, host="a")),
         [{"time": D0 + 10 * H, "value": 2}, {"time": D0 + 12 * H, "value": 5}], "/hourly/temp?host=a")
    t.eq(s.get_json("/hourly/temp", dict(rng, backfill="true")),
         [{"time": D0 + 10 * H, "value": 2}, {"time": D0 + 11 * H, "value": 0},
          {"time": D0 + 12 * H, "value": 7}], "/hourly/temp?backfill=true: empty hour is 0")
    t.eq(s.get_json("/hourly/temp", dict(rng, backfill="false")),
         [{"time": D0 + 10 * H, "value": 2}, {"time": D0 + 12 * H, "value": 7}], "backfill=false is off")
    t.eq(s.get_json("/hourly/temp", dict(rng, verb="max")),
         [{"time": D0 + 10 * H, "value": 3}, {"time": D0 + 12 * H, "value": 9}], "/hourly/temp?verb=max")
    t.eq(s.get_json("/hourly/temp", {"start": D0 + 12 * H, "stop": D0 + 12 * H + 10}),
         [{"time": D0 + 12 * H, "value": 7}], "start/stop inside one hour: that hour")
    t.eq(s.get_json("/hourly/temp", {"start": D1 + 20 * H, "stop": D1 + 22 * H}), [], "no data in range: []")
    t.eq(len(s.get_json("/hourly/temp", {"start": D1 + 20 * H, "stop": D1 + 22 * H, "backfill": "1"})), 3,
         "no data in range, backfilled: three hours of 0")
    want = {}
    for d in data:
        if d["metric"] == "load":
            want.setdefault(d["time"] // H * H, []).append(d["value"])
    want = [{"time": h, "value": sum(v) / len(v)} for h, v in sorted(want.items())]
    t.eq(s.get_json("/hourly/load"), want, "/hourly/load default range: the last day")
    s.get_json("/hourly/temp", {"start": "yesterday-ish"}, want=400)
    s.get_json("/hourly/temp", {"start": D1, "stop": D0}, want=400)
    s.get_json("/hourly/nosuch", want=404)

    t.step("/daily")
    rng = {"start": D0, "stop": D1 + 86400 - 1}
    t.eq(s.get_json("/daily/temp", dict(rng, host="a")), {"10:00": 5, "12:00": 5},
         "/daily/temp?host=a: (2 + 8) / 2 at 10:00 (mean of daily means), 5 at 12:00")
    t.eq(s.get_json("/daily/temp", rng), {"10:00": 5, "12:00": 7}, "/daily/temp over both hosts")
    full = s.get_json("/daily/temp", dict(rng, host="a", backfill="yes"))
    t.eq(sorted(full), ["%02d:00" % h for h in range(24)], "/daily backfill: every hour of the day")
    t.eq((full.get("10:00"), full.get("11:00")), (5, 0), "/daily backfill values")
    t.eq(s.get_json("/daily/temp", {"start": D1, "stop": D1 + 86400 - 1}), {"10:00": 8}, "/daily one day")
    s.get_json("/daily/nosuch", want=404)

    t.step("the same answers after a restart (persisted data)")
    s.restart()
    t.eq(s.get_json("/daily/temp", rng), {"10:00": 5, "12:00": 7}, "/daily/temp after restart")
    t.eq(s.get_json("/keys"), ["deploys", "load", "temp"], "/keys after restart")


if __name__ == "__main__":
    T.run(main, timeout=55)
