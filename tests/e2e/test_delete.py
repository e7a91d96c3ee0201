"""DELETE /api/v1/series?match=...&TAG=VAL deletes series from everything
the store holds.

Proves, on a server with --token and a short raw archive (2 minutes, so
rollups form at the first retention pass): the delete needs the token (401 without, even with
--read-open); it needs a match or a tag filter (400 for a bare DELETE);
it answers how many it deleted and which; the series is gone from
/api/v1/metrics, /api/v1/query, /api/v1/data and the CLI, while its
neighbours (same name, other tags; other names) keep every sample; SQLite
holds none of its rows (catalog, persisted chunks, rollups), read from the
database file itself; a new sample of the same key starts a new series
with a new id, holding only the new sample; the delete survives a clean
restart and a kill -9 right after the answer (the log's tombstone), with
no sample of the deleted series coming back from the log; a glob deletes
several at once.
"""
import os
import sqlite3
import time

import tmdb
import tmlib as T

TOKEN = "del-s3cret"
AUTH = {"Authorization": "Bearer " + TOKEN}


def db_rows(s, key):
    """(series rows, chunk rows, rollup rows) of key in the server's SQLite file."""
    path = os.path.join(s.data_dir, "tidemark.db")
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        ids = tmdb.ids_of(c, key)
        if not ids:
            return 0, 0, 0, None
        q = ",".join("?" * len(ids))
        chunks = tmdb.chunks_of(c, ids)
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
        rollups = 0  # the table comes with the first rollup block
        if "rollups" in tables:
            rollups = c.execute("SELECT count(*) FROM rollups WHERE series IN (%s)" % q, ids).fetchone()[0]
        return len(ids), chunks, rollups, ids[0]
    finally:
        c.close()


def delete(s, params, headers=AUTH):
    return T.http("DELETE", s.url("/api/v1/series?" + T.qs(params)), headers=headers)


def names(s):
    return sorted(m["metric"] + "".join(";%s=%s" % kv for kv in sorted(m["tags"].items()))
                  for m in T.http("GET", s.url("/api/v1/metrics"), headers=AUTH).json())


def main(t):
    s = t.server(args=["--token", TOKEN, "--read-open", "--retention", "1s:2m,10s:1d"])
    now = int(time.time())
    old = [{"metric": "room.temp", "value": 20 + i, "time": now - 600 + 10 * i, "tags": {"host": h}}
           for h in ("a", "b") for i in range(20)]
    new = [{"metric": "room.temp", "value": 30, "tags": {"host": h}} for h in ("a", "b")]
    other = [{"metric": "other.x", "value": 5}]
    t.eq(s.post_json("/api/v1/data", old, AUTH).status, 200, "old samples written")

    t.step("the old samples reach rollups, the new ones persisted chunks")
    s.restart()  # a clean stop persists the heads; the start's retention pass rolls up the old ones
    got = T.wait_until(lambda: db_rows(s, "room.temp;host=a")[2] > 0, 30)
    t.require(got, "rollups of room.temp;host=a in SQLite: %r" % (db_rows(s, "room.temp;host=a"),))
    for batch in (new, other):
        t.eq(s.post_json("/api/v1/data", batch, AUTH).status, 200, "written")
    s.restart()
    rows_a = db_rows(s, "room.temp;host=a")
    t.require(rows_a[0] == 1 and rows_a[1] > 0 and rows_a[2] > 0, "catalog, chunk and rollup rows: %r" % (rows_a,))
    before_b = s.export("room.temp", {"host": "b"})
    t.eq(len(before_b), 21, "host=b: 20 old samples (as rollup buckets) and 1 new")

    t.step("who may delete, and what")
    r = delete(s, {"match": "room.temp", "host": "a"}, headers={})
    t.eq(r.status, 401, "no token: 401 (reads are open, deletes are writes)")
    r = delete(s, {})
    t.eq(r.status, 400, "a bare DELETE deletes nothing")
    t.check(r.status == 400 and "match" in r.json()["error"], "and says what to give: %r" % r)
    t.eq(names(s), ["other.x", "room.temp;host=a", "room.temp;host=b"], "nothing deleted yet")

    t.step("delete one series")
    r = delete(s, {"match": "room.temp", "host": "a"})
    t.eq((r.status, r.json()), (200, {"deleted": 1, "series": ["room.temp;host=a"]}), "the answer")
    t.eq(names(s), ["other.x", "room.temp;host=b"], "/api/v1/metrics no longer lists it")
    t.eq(s.get("/api/v1/query?" + T.qs({"metric": "room.temp", "host": "a", "from": now - 600})).status, 404,
         "/api/v1/query: no such series")
    t.eq(s.get("/api/v1/data/room.temp?host=a").status, 404, "/api/v1/data: no such series")
    t.eq(s.export("room.temp", {"host": "b"}), before_b, "the neighbour with the same name keeps every sample")
    t.eq([p["value"] for p in s.export("other.x")], [5], "another name is untouched")
    t.eq(db_rows(s, "room.temp;host=a"), (0, 0, 0, None), "SQLite holds no row of it (catalog, chunks, rollups)")
    t.check(db_rows(s, "room.temp;host=b")[1] > 0, "the neighbour's rows are all there")
    r = delete(s, {"match": "room.temp", "host": "a"})
    t.eq((r.status, r.json()["deleted"]), (200, 0), "deleting it again deletes nothing")

    t.step("the same key again is a new series")
    t.eq(s.post_json("/api/v1/data", {"metric": "room.temp", "value": 99, "tags": {"host": "a"}}, AUTH).status,
         200, "write the deleted key again")
    t.eq([p["value"] for p in s.export("room.temp", {"host": "a"})], [99], "only the new sample")
    s.restart()
    rows = db_rows(s, "room.temp;host=a")
    t.check(rows[3] is not None and rows[3] != rows_a[3], "a new id: %r, was %r" % (rows[3], rows_a[3]))

    t.step("survives a restart, and kill -9 right after the answer")
    t.eq([p["value"] for p in s.export("room.temp", {"host": "a"})], [99], "after a clean restart: only the new one")
    r = delete(s, {"match": "room.temp", "host": "b"})
    t.eq(r.json()["deleted"], 1, "delete host=b")
    s.kill9()
    s.start()
    t.eq(names(s), ["other.x", "room.temp;host=a"], "after kill -9: host=b stays deleted")
    t.eq(s.get("/api/v1/data/room.temp?host=b").status, 404, "no sample of it came back from the log")
    t.eq(db_rows(s, "room.temp;host=b")[:3], (0, 0, 0), "and SQLite holds none of it")

    t.step("a glob deletes several")
    s.post_json("/api/v1/data", [{"metric": "g.%d" % i, "value": i} for i in range(5)], AUTH)
    r = delete(s, {"match": "g.*"})
    t.eq(r.json()["deleted"], 5, "match=g.* deleted 5")
    t.eq(names(s), ["other.x", "room.temp;host=a"], "the rest stays")
    r = t.cli(["query", "g.1", "--server", "http://127.0.0.1:%d" % s.http_port, "--token", TOKEN])
    t.check(r.returncode != 0, "tidemark query of a deleted series fails: %r" % r.stdout)
    t.eq(s.stop(), 0, "clean stop")


T.run(main)
