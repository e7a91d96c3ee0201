"""The dataset and the requests of the graphite-web comparison, shared by
scripts/graphite_fixture.py (which records graphite-web's answers) and
test_graphite_compat.py (which asks tidemark the same).

Times are offsets from BASE, a midnight (UTC) chosen by the caller, so
every alignment (10 s, 1 min, 1 h, 1 d) is the same whenever it runs; every
request pins graphite's `now`, so the answers depend on nothing else.
"""
import urllib.parse

STEP = 10
POINTS = 720            # two hours at 10 s
NOW = STEP * POINTS     # "now" of every request, as an offset
RETENTION = "10s:7d,1m:90d"


def series():
    """[(name, [(offset, value), ...])] written to both."""
    out = []
    for h in (1, 2, 3):
        for k, kind in enumerate(("user", "system")):
            out.append(("app.host%d.cpu.%s" % (h, kind),
                        [(i * STEP, float((i * 7 + h * 13 + k * 29) % 100) + 0.5) for i in range(POINTS)]))
        out.append(("app.host%d.mem.used" % h, [(i * STEP, float(1000 * h + (i * 3) % 250)) for i in range(POINTS)]))
    c, pts = 0, []
    for i in range(POINTS):  # a counter that resets once
        c = 0 if i == 300 else c + i % 5
        pts.append((i * STEP, float(c)))
    out.append(("counters.req.host1", pts))
    out.append(("gaps.a", [(i * STEP, float(i % 17) - 4.25) for i in range(POINTS)
                           if i % 7 and not 200 <= i < 230]))
    out.append(("neg.x", [(i * STEP, -float((i * 11) % 37)) for i in range(POINTS)]))
    for host, dc, off in (("h1", "eu", 0), ("h2", "eu", 10), ("h3", "us", 100)):
        out.append(("disk.used;dc=%s;host=%s" % (dc, host), [(i * STEP, float(off + i % 50)) for i in range(POINTS)]))
    return out


# Events: (offset, what, name, {tag: value}). graphite-web gets them by POST
# /events/ with tags [name] + values; tidemark as the string series
# name;tag=value, whose event tags are its name and tag values.
EVENTS = [(1000, "deploy v1.2", "deploy", {"app": "shop"}), (1500, "deploy v1.3", "deploy", {"app": "blog"}),
          (2500, "rollback v1.2", "deploy", {"app": "shop"}), (3000, "backup done", "backup", {})]


def graphite_events(base):
    return [{"what": w, "when": base + t, "tags": " ".join([n] + list(tags.values())), "data": ""}
            for t, w, n, tags in EVENTS]


def tidemark_events(base):
    return [{"metric": n, "value": w, "time": base + t, "tags": tags} for t, w, n, tags in EVENTS]


def lines(base):
    """Graphite plaintext of the dataset."""
    return "".join("%s %r %d\n" % (name, v, base + t) for name, pts in series() for t, v in pts)


# Renders: each target over [from, until] (offsets; "now" is NOW). A time
# given as a string is sent as written (relative to now).
F, U = 600, 4200
TARGETS = [
    "app.host1.cpu.user", "app.*.cpu.*", "app.host{1,3}.cpu.[su]*", "app.host?.mem.used", "gaps.a",
    "sumSeries(app.*.cpu.user)", "sum(app.*.cpu.user)", "averageSeries(app.*.cpu.*)", "avg(app.host1.cpu.*)",
    "minSeries(app.*.cpu.user)", "maxSeries(app.*.cpu.user)", "diffSeries(app.host1.cpu.user,app.host2.cpu.user)",
    "multiplySeries(app.host1.cpu.user,app.host2.cpu.user)", "multiplySeries(app.host1.cpu.user)",
    "countSeries(app.*.cpu.*)", "group(app.host1.cpu.user,neg.x)", "stddevSeries(app.*.cpu.user)",
    "rangeOfSeries(app.*.cpu.user)", "aggregate(app.*.cpu.user,'median')", "aggregate(app.*.cpu.user,'sum')",
    "sumSeriesWithWildcards(app.*.cpu.*,1)", "averageSeriesWithWildcards(app.*.cpu.*,1,3)",
    "percentileOfSeries(app.*.cpu.user,50)", "percentileOfSeries(app.*.cpu.*,90,true)",
    "divideSeries(app.*.cpu.user,app.host1.mem.used)", "asPercent(app.*.cpu.user)", "asPercent(app.*.cpu.user,200)",
    "asPercent(app.*.cpu.user,app.host1.mem.used)", "asPercent(app.*.cpu.user,app.*.cpu.system)",
    "groupByNode(app.*.cpu.*,1,'sum')", "groupByNode(app.*.cpu.*,3)", "groupByNodes(app.*.cpu.*,'max',1,3)",
    "scale(app.host1.cpu.user,2.5)", "offset(neg.x,-3)", "absolute(neg.x)", "derivative(app.host1.mem.used)",
    "nonNegativeDerivative(counters.req.host1)", "nonNegativeDerivative(counters.req.host1,1000)",
    "perSecond(counters.req.host1)", "integral(gaps.a)", "keepLastValue(gaps.a)", "keepLastValue(gaps.a,3)",
    "transformNull(gaps.a)", "transformNull(gaps.a,-1)", "scaleToSeconds(app.host1.cpu.user,1)",
    "timeShift(app.host1.cpu.user,'10min')", "timeShift(app.host1.cpu.user,'-5min')", "delay(app.host1.cpu.user,3)",
    "removeBelowValue(app.host1.cpu.user,50)", "removeAboveValue(app.host1.cpu.user,50)",
    "movingAverage(app.host1.cpu.user,5)", "movingAverage(gaps.a,'1min')", "movingSum(app.host1.cpu.user,4)",
    "movingMin(gaps.a,3)", "movingMax(gaps.a,'30s')",
    "summarize(app.host1.cpu.user,'5min')", "summarize(app.host1.cpu.user,'5min','avg')",
    "summarize(gaps.a,'1h','max')", "summarize(app.host1.cpu.user,'7min','last',true)",
    "hitcount(app.host1.cpu.user,'5min')", "hitcount(app.host1.cpu.user,'45s')",
    "alias(app.host1.cpu.user,'one')", "aliasByNode(app.*.cpu.user,1)", "aliasByNode(app.*.cpu.*,1,-1)",
    "aliasSub(app.*.cpu.user,'host(\\d)','h\\1')", "aliasByMetric(app.host1.cpu.*)",
    "aliasByNode(sumSeries(app.*.cpu.user),2)",
    "highestCurrent(app.*.cpu.*,2)", "highestMax(app.*.cpu.*,2)", "highestAverage(app.*.cpu.*,3)",
    "lowestAverage(app.*.cpu.*,2)", "lowestCurrent(app.*.cpu.*,2)", "currentAbove(app.*.cpu.*,50)",
    "currentBelow(app.*.cpu.*,50)", "averageAbove(app.*.cpu.*,50)", "maximumAbove(app.*.mem.used,3000)",
    "limit(app.*.cpu.*,2)", "exclude(app.*.cpu.*,'system')", "grep(app.*.cpu.*,'host[12]')",
    "sortByMaxima(app.*.mem.used)", "sortByName(app.*.cpu.*)", "sortByTotal(app.*.cpu.*)",
    "nPercentile(app.host1.cpu.user,95)", "stdev(app.host1.cpu.user,5)", "stdev(gaps.a,10,0.5)",
    "consolidateBy(app.host1.cpu.user,'max')", "constantLine(100)", "constantLine(1.5)",
    "seriesByTag('name=disk.used')", "seriesByTag('name=disk.used','dc=eu')", "seriesByTag('dc=~e','host!=h2')",
    "seriesByTag('name=~disk.*','dc!=~u')", "groupByTags(seriesByTag('name=disk.used'),'sum','dc')",
    "groupByTags(seriesByTag('name=disk.used'),'average','name','dc')", "aliasByTags(seriesByTag('name=disk.used'),'host')",
    "aliasByTags(seriesByTag('name=disk.used'),'name','dc')", "seriesByTag('name=app.host1.cpu.user')",
    "applyByNode(app.*.cpu.user,1,'sumSeries(%.cpu.*)','%.total')",
    "app.host1.cpu.user|scale(2)|alias('piped')", "sumSeries(app.*.cpu.user)|movingAverage(3)",
    # asPercent's every form: total None, a number (int, float, 0, a boolean), one series, as many series;
    # with nodes (and tags): each group's sum, totals matched by key, MISSING on either side
    "asPercent(app.*.cpu.user,None)", "pct(app.*.cpu.user)", "asPercent(app.host1.cpu.user,12.5)",
    "asPercent(app.host1.cpu.user,0)", "asPercent(app.host1.cpu.user,true)", "asPercent(gaps.a,app.host1.cpu.user)",
    "asPercent(app.*.cpu.*,None,1)", "asPercent(app.*.cpu.user,None,1,3)", "asPercent(app.*.cpu.*,app.*.mem.used,1)",
    "asPercent(app.*.cpu.user,app.*.mem.used,1)", "asPercent(app.host1.cpu.*,app.*.cpu.*,2)",
    "asPercent(app.host{2,3}.cpu.user,app.host{1,2}.mem.used,1)", "asPercent(scale(app.*.cpu.user,2),None,1)",
    "asPercent(seriesByTag('name=disk.used'),None,'dc')", "asPercent(gaps.a,None,0)",
    "asPercent(seriesByTag('name=disk.used'),seriesByTag('name=disk.used','host=h1'),'name')",
    # hitcount realigned to the start of the interval's minute, hour or day
    "hitcount(app.host1.cpu.user,'5min',true)", "hitcount(app.host1.cpu.user,'1h',true)",
    "hitcount(gaps.a,'45s',true)", "hitcount(gaps.a,'1d',true)", "hitcount(app.host1.cpu.user,'7min',true)",
    "multiplySeriesWithWildcards(app.*.cpu.*,1)", "aggregateWithWildcards(app.*.cpu.*,'max',3)",
    "sortBy(app.*.cpu.*,'average',true)", "sortBy(app.*.cpu.*,'max')",
    "timeShift(app.host1.cpu.user,'10min',true,true)",
    "highest(app.*.cpu.*,2,'max')", "lowest(app.*.cpu.*,2)", "averageBelow(app.*.cpu.*,50)",
    "maximumBelow(app.*.mem.used,2200)", "minimumAbove(app.*.mem.used,1500)", "minimumBelow(neg.x,-30)",
    "filterSeries(app.*.cpu.*,'max','>',98)",
]


# Every function tidemark has (what its /functions lists); each is rendered
# above (test_graphite_compat checks both). graphite-web 1.1.8's own
# /functions fails on Debian's Python 3.11 (inspect.getargspec is gone), so
# its descriptions cannot be recorded here.
FUNCTIONS = """absolute aggregate aggregateWithWildcards alias aliasByMetric aliasByNode aliasByTags aliasSub applyByNode
asPercent averageAbove averageBelow averageSeries averageSeriesWithWildcards avg consolidateBy constantLine
countSeries currentAbove currentBelow delay derivative diffSeries divideSeries exclude filterSeries grep group
groupByNode groupByNodes groupByTags highest highestAverage highestCurrent highestMax hitcount integral
keepLastValue limit lowest lowestAverage lowestCurrent maxSeries maximumAbove maximumBelow minSeries minimumAbove
minimumBelow movingAverage movingMax movingMin movingSum multiplySeries multiplySeriesWithWildcards nPercentile
nonNegativeDerivative offset pct perSecond percentileOfSeries rangeOfSeries removeAboveValue removeBelowValue scale
scaleToSeconds seriesByTag sortBy sortByMaxima sortByName sortByTotal stddevSeries stdev sum sumSeries
sumSeriesWithWildcards summarize timeShift transformNull""".split()


PARAM_KEYS = ("name", "type", "required", "multiple", "default")  # what /functions' comparison looks at


def render_requests():
    """[(label, method, params)] of /render."""
    reqs = []
    for t in TARGETS:
        reqs.append(("render " + t, "GET", {"target": t, "from": F, "until": U, "now": NOW, "format": "json"}))
    # several targets in one request, order kept
    reqs.append(("render two targets", "GET", {"target": ["app.host2.cpu.user", "app.host1.cpu.user"],
                                               "from": F, "until": U, "now": NOW, "format": "json"}))
    # maxDataPoints and consolidateBy, as Grafana asks (POST form)
    for mdp in (1, 7, 50, 100, 1000):
        for t in ("app.host1.cpu.user", "gaps.a", "consolidateBy(app.*.cpu.user,'sum')",
                  "consolidateBy(gaps.a,'min')", "consolidateBy(gaps.a,'last')"):
            reqs.append(("render %s maxDataPoints=%d" % (t, mdp), "POST",
                         {"target": t, "from": F, "until": U, "now": NOW, "format": "json", "maxDataPoints": mdp}))
    reqs.append(("render noNullPoints", "GET", {"target": "gaps.a", "from": F, "until": U, "now": NOW,
                                                "format": "json", "noNullPoints": "1"}))
    reqs.append(("render jsonp", "GET", {"target": "app.host1.cpu.user", "from": 2000, "until": 2100, "now": NOW,
                                         "format": "json", "jsonp": "cb"}))
    for fmt in ("csv", "raw"):
        reqs.append(("render format=" + fmt, "GET", {"target": ["gaps.a", "sumSeries(app.*.cpu.user)"],
                                                     "from": 2000, "until": 2300, "now": NOW, "format": fmt}))
    # time forms: relative to now, HH:MM_YYYYMMDD and YYYYMMDD (filled in from BASE), Unix seconds
    for frm, until in (("-1h", "now"), ("-30min", "-10min"), ("now-2h", "now-90min"), ("-3600s", "-3000s"),
                       ("@hhmm:3600", "@hhmm:5400"), ("@date:0", "@hhmm:600"), ("-1d", "now")):
        reqs.append(("render from=%s until=%s" % (frm, until), "GET",
                     {"target": "app.host1.cpu.user", "from": frm, "until": until, "now": NOW, "format": "json"}))
    # tz: references read in the zone (a fixed offset here, so the answers
    # do not depend on the day BASE falls on), csv times printed in it,
    # hitcount's alignment cut in it; an unknown zone is UTC
    kol = {"now": NOW, "format": "json", "tz": "Asia/Kolkata"}
    for frm, until in (("@hhmm:3600", "@hhmm:5400"), ("midnight", "now"), ("@date:0", "-1h"), ("noon", "now")):
        reqs.append(("render tz from=%s until=%s" % (frm, until), "GET",
                     dict(kol, target="app.host1.cpu.user", **{"from": frm, "until": until})))
    for t in ("hitcount(app.host1.cpu.user,'1h',true)", "hitcount(gaps.a,'1d',true)",
              "hitcount(app.host1.cpu.user,'5min',true)", "summarize(app.host1.cpu.user,'1h','sum',true)",
              "timeShift(app.host1.cpu.user,'1h',true,true)"):
        reqs.append(("render tz " + t, "GET", dict(kol, target=t, **{"from": F, "until": U})))
    reqs.append(("render tz csv", "GET", dict(kol, target="gaps.a", format="csv", **{"from": 2000, "until": 2300})))
    reqs.append(("render tz lower case", "GET", dict(kol, target="app.host1.cpu.user", tz="asia/kolkata",
                                                    **{"from": "@hhmm:3600", "until": "@hhmm:3900"})))
    reqs.append(("render tz unknown", "GET", dict(kol, target="app.host1.cpu.user", tz="Nowhere/City",
                                                 **{"from": "@hhmm:3600", "until": "@hhmm:3900"})))
    # summer time's gaps and overlaps, on fixed dates (constantLine draws from..until, so no data is read)
    for zone, frm, until in (("Europe/Berlin", "02:30_20240331", "04:00_20240331"),
                             ("Europe/Berlin", "02:30_20241027", "03:30_20241027"),
                             ("America/New_York", "02:30_20240310", "12:00_20240310"),
                             ("America/New_York", "01:30_20241103", "midnight_20241104"),
                             ("Australia/Lord_Howe", "01:50_20240407", "02:10_20240407"),
                             ("Europe/Berlin", "12:00_20400701", "13:00_20400701"),
                             ("America/New_York", "00:00_18000101", "01:00_18000101")):
        reqs.append(("render tz %s %s..%s" % (zone, frm, until), "GET",
                     {"target": "constantLine(1)", "from": frm, "until": until, "tz": zone, "format": "json",
                      "_fixed": 1}))
    # no such date or time: a 400, as graphite-web's datetime refuses them
    for frm in ("02:30_20240230", "25:00_20240101", "12:61_20240101", "13/01/2024", "20240100", "feb30",
                "24:00", "25am", "1/2/3/4"):
        reqs.append(("render bad time " + frm, "GET", {"target": "constantLine(1)", "from": frm, "until": "now",
                                                       "format": "json"}))
    # bad arguments: a 400 naming them (graphite-web with ENFORCE_INPUT_VALIDATION)
    for t in ("asPercent(app.*.cpu.user,5,1)", "asPercent(app.*.cpu.*,app.*.mem.used)", "hitcount(gaps.a)",
              "lowest(gaps.a)",
              "asPercent(app.*.cpu.user,app.*.mem.used,1,'x')|nosuchFunction()"):
        reqs.append(("render bad " + t, "GET", {"target": t, "from": F, "until": U, "now": NOW, "format": "json"}))
    # each zone's reading of wall clocks: summer time's gap and overlap (in
    # Europe, the north and south of America, Australia), negative summer
    # time (Dublin), half and quarter hours, fixed zones, LMT, after 2037
    for zone in ("Europe/London", "Europe/Dublin", "America/Sao_Paulo", "Australia/Sydney", "Asia/Kathmandu",
                 "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Pacific/Apia", "Etc/GMT+5", "EST",
                 "Antarctica/Troll", "America/Santiago", "Asia/Tehran"):
        for frm in ("02:30_20240331", "01:30_20241027", "02:30_20240310", "01:30_20241103", "02:30_20240407",
                    "02:30_20241006", "12:00_18500101", "12:00_20450715"):
            reqs.append(("render tz %s %s" % (zone, frm), "GET",
                         {"target": "constantLine(1)", "from": frm, "until": frm + "+1d", "tz": zone,
                          "format": "json", "_fixed": 1}))
    # an archive other than the first: from older than 7 days picks 1 min
    reqs.append(("render 1m archive", "GET", {"target": "app.host1.mem.used", "from": NOW - 8 * 86400,
                                              "until": NOW - 8 * 86400 + 3600, "now": NOW, "format": "json"}))
    return reqs


def other_requests():
    """[(label, method, path, params)] of the other routes."""
    return [
        ("find *", "GET", "/metrics/find", {"query": "*"}),
        ("find app.*", "POST", "/metrics/find", {"query": "app.*"}),
        ("find app.host1.*", "GET", "/metrics/find", {"query": "app.host1.*"}),
        ("find app.*.cpu.*", "GET", "/metrics/find", {"query": "app.*.cpu.*"}),
        ("find wildcards", "GET", "/metrics/find", {"query": "app.*", "wildcards": "1"}),
        ("find completer", "GET", "/metrics/find", {"query": "app.ho", "format": "completer"}),
        ("find completer leaf", "GET", "/metrics/find", {"query": "app.host1.cpu.", "format": "completer"}),
        ("find braces", "GET", "/metrics/find", {"query": "app.host{1,2}.cpu.[u]*"}),
        ("find none", "GET", "/metrics/find", {"query": "nothing.*"}),
        ("find from until tz", "GET", "/metrics/find", {"query": "app.*", "from": "midnight", "until": "now",
                                                         "tz": "Asia/Kolkata"}),
        ("find bad from", "GET", "/metrics/find", {"query": "app.*", "from": "25:00_20240101"}),
        ("find bad now", "POST", "/metrics/find", {"query": "app.*", "now": "02:30_20240230"}),
        ("find from -1", "GET", "/metrics/find", {"query": "app.*", "from": "-1", "until": "-1"}),
        ("expand", "GET", "/metrics/expand", {"query": "app.*.cpu.*"}),
        ("expand two", "GET", "/metrics/expand", {"query": ["app.host1.*", "gaps.*"]}),
        ("expand groupByExpr", "GET", "/metrics/expand", {"query": ["app.host1.*", "gaps.*"], "groupByExpr": "1"}),
        ("expand leavesOnly", "GET", "/metrics/expand", {"query": "app.host1.*", "leavesOnly": "1"}),
        ("index.json", "GET", "/metrics/index.json", {}),
        ("tag dc", "GET", "/tags/dc", {}),
        ("tag host filter", "GET", "/tags/host", {"filter": "h[12]"}),
        ("findSeries", "GET", "/tags/findSeries", {"expr": ["name=disk.used", "dc=eu"]}),
        ("findSeries regex", "GET", "/tags/findSeries", {"expr": "host=~h[23]"}),
        ("autoComplete tags", "GET", "/tags/autoComplete/tags", {}),
        ("autoComplete tags prefix", "GET", "/tags/autoComplete/tags", {"tagPrefix": "h"}),
        ("autoComplete tags expr", "GET", "/tags/autoComplete/tags", {"expr": "name=disk.used"}),
        ("autoComplete values", "GET", "/tags/autoComplete/values", {"tag": "dc"}),
        ("autoComplete values expr", "GET", "/tags/autoComplete/values", {"tag": "host", "expr": "dc=eu"}),
        ("autoComplete values name", "GET", "/tags/autoComplete/values", {"tag": "name", "valuePrefix": "disk"}),
        ("events all", "GET", "/events/get_data", {"from": 0, "until": NOW}),
        ("events tagged", "GET", "/events/get_data", {"from": 0, "until": NOW, "tags": "shop"}),
        ("events two tags", "GET", "/events/get_data", {"from": 0, "until": NOW, "tags": "deploy blog"}),
        ("events range", "GET", "/events/get_data", {"from": 1200, "until": 2800}),
    ]


def resolve(params, base):
    """Offsets to Unix seconds; @hhmm:OFF and @date:OFF to graphite's
    absolute forms, as a wall clock in the request's tz (UTC without one).
    Keys starting with "_" are the test's own and not sent."""
    import datetime
    import zoneinfo
    out = {}
    try:
        zone = zoneinfo.ZoneInfo(params.get("tz", "UTC"))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        zone = datetime.timezone.utc
    for k, v in params.items():
        if k.startswith("_"):
            continue
        if k in ("from", "until", "now") and isinstance(v, int) and v:
            v = base + v
        elif isinstance(v, str) and v.startswith("@"):
            kind, off = v[1:].split(":")
            tm = datetime.datetime.fromtimestamp(base + int(off), zone)
            v = tm.strftime("%H:%M_%Y%m%d") if kind == "hhmm" else tm.strftime("%Y%m%d")
        out[k] = v
    return out


def encode(params):
    return urllib.parse.urlencode(params, doseq=True)


def shift_times(obj, base):
    """Timestamps as offsets from base (they are the only ints above 10^9)."""
    if isinstance(obj, list):
        return [shift_times(x, base) for x in obj]
    if isinstance(obj, dict):
        return {k: shift_times(v, base) for k, v in obj.items()}
    if isinstance(obj, int) and not isinstance(obj, bool) and obj > 10 ** 9:
        return obj - base
    return obj


def normalize(params, status, ctype, body, base):
    """An answer in a form that does not depend on BASE: JSON with times as
    offsets; csv as [name, offset, value]; raw as [name, start, end, step,
    values]; jsonp as [callback, JSON]."""
    import calendar
    import csv
    import io
    import json
    out = {"status": status}
    if status != 200:
        return out
    if params.get("_fixed"):  # times on fixed dates: kept as they are
        base = 0
    fmt = params.get("format")
    if "jsonp" in params:
        cb, rest = body.split("(", 1)
        out["jsonp"] = [cb, shift_times(json.loads(rest[:-1]), base)]
    elif fmt == "csv":
        rows = []
        for name, when, value in csv.reader(io.StringIO(body)):
            t = calendar.timegm(time_strptime(when))
            rows.append([name, t - base, value])
        out["csv"] = rows
    elif fmt == "raw":
        rows = []
        for line in body.splitlines():
            head, values = line.rsplit("|", 1)
            name, start, end, step = head.rsplit(",", 3)
            rows.append([name, int(start) - base, int(end) - base, int(step), values.split(",")])
        out["raw"] = rows
    elif ctype.startswith("application/json"):
        out["json"] = shift_times(json.loads(body), base)
    else:
        out["text"] = body
    return out


def time_strptime(s):
    import time as _t
    return _t.strptime(s, "%Y-%m-%d %H:%M:%S")


def comparable(path, ans):
    """What the comparison looks at: render series' target, datapoints (not
    tags, which graphite-web computes per function); /tags ids dropped (row
    ids of graphite-web's database); index.json without graphite's
    hashed paths of tagged series (tidemark lists untagged names), nor the
    `_tagged` directory graphite's finder shows for them at the root."""
    ans = dict(ans)
    j = ans.get("json")
    if path == "/render" and isinstance(j, list):
        ans["json"] = [{"target": s["target"], "datapoints": s["datapoints"]} for s in j]
    if "jsonp" in ans:
        ans["jsonp"] = [ans["jsonp"][0], [{"target": s["target"], "datapoints": s["datapoints"]}
                                          for s in ans["jsonp"][1]]]
    if path.startswith("/tags/") and isinstance(j, dict):
        ans["json"] = {k: v for k, v in j.items() if k != "id"}
        if "values" in j:
            ans["json"]["values"] = [{k: v for k, v in x.items() if k != "id"} for x in j["values"]]
    if path == "/metrics/find" and isinstance(j, list):  # whisper's directory of tagged series
        ans["json"] = [n for n in j if n.get("text") != "_tagged"]
    if path == "/events/get_data" and isinstance(j, list):  # ids are graphite's database rows
        ans["json"] = [{"when": e["when"], "what": e["what"], "data": e["data"], "tags": sorted(e["tags"])} for e in j]
    if path == "/functions" and isinstance(j, dict):  # each function's group and parameters (not the prose)
        ans["json"] = {n: {"group": f["group"], "params": [{k: v for k, v in p.items() if k in PARAM_KEYS}
                                                           for p in f["params"]]}
                       for n, f in j.items() if n in FUNCTIONS}
    if path == "/metrics/index.json" and isinstance(j, list):
        ans["json"] = [p for p in j if not p.startswith("_tagged.")]
    return ans
