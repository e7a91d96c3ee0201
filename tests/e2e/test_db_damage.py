"""A damaged tidemark.db never starts silently, and new series never take a
lost one's id. Each case damages a copy of a real data directory (written
by the server, stopped cleanly):

1. one flipped byte inside a persisted chunk: the start is refused, non-zero,
   with a message naming the chunk, its series and "checksum"; the same for
   a row of the series' saved states, and for a row of their keys;
2. garbage over a page of the file: refused, naming SQLite's quick_check;
3. the catalog row of a series is lost while its chunks remain: the server
   starts, and a series created afterwards shows only its own samples (it
   would have taken the lost series' id, and its chunks with it).
In each case the file is left as it was found.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import time

import tmdb
import tmlib as T


def start_fails(t, s, what):
    """Start s expecting it to refuse; returns its log."""
    with open(s.log_path, "ab") as lf:
        p = subprocess.Popen(s.command(), stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=s.dir)
    t.procs.append(p)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = "still running"
        p.kill()
        p.wait(10)
    t.check(rc not in (0, "still running"), "%s: the start is refused (exit %s)" % (what, rc))
    return s.log(whole=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(t):
    src = t.server("src")
    t0 = int(time.time()) - 3600
    for name in ("dmg.a", "dmg.b"):
        s_ = [{"metric": name, "value": i + 0.5, "time": t0 + i} for i in range(1200)]
        src.write(s_)
    t.eq(src.stop(), 0, "clean stop of the source server")

    def copy(name):
        d = os.path.join(t.tmp, name)
        shutil.copytree(src.data_dir, d)
        return d, os.path.join(d, "tidemark.db")

    t.step("a flipped byte inside a pack of chunks")
    d, db = copy("flip")
    con = sqlite3.connect(db)
    pid, grp, data = con.execute("SELECT id, grp, data FROM packs ORDER BY id LIMIT 1").fetchone()
    keys = tmdb.series(con)
    key = next(keys[i] for i in range(grp * tmdb.PACK_SERIES, (grp + 1) * tmdb.PACK_SERIES) if i in keys)
    data = bytearray(data)
    data[len(data) // 2] ^= 0x04
    con.execute("UPDATE packs SET data=? WHERE id=?", (bytes(data), pid))
    con.commit()
    con.close()
    before = digest(db)
    s = T.Server(t, "flip", data_dir=d)
    t.servers.append(s)
    log = start_fails(t, s, "flipped chunk")
    want = "pack %d of series ids %d-%d (%s" % (pid, grp * tmdb.PACK_SERIES, grp * tmdb.PACK_SERIES + 7, key)
    t.check("checksum" in log and want in log, "the message names %r and its checksum: %r" % (want, log[-600:]))
    t.eq(digest(db), before, "the damaged file is left as it was")

    def flipped_row(table, name, xor):
        """A byte of the first row of a table of rows (blk, data, crc) flipped: the start names the row."""
        d, db = copy(name)
        con = sqlite3.connect(db)
        blk, data = con.execute("SELECT blk, data FROM %s ORDER BY blk LIMIT 1" % table).fetchone()
        data = bytearray(data)
        data[len(data) // 2] ^= xor
        con.execute("UPDATE %s SET data=? WHERE blk=?" % table, (bytes(data), blk))
        con.commit()
        con.close()
        before = digest(db)
        s = T.Server(t, name, data_dir=d)
        t.servers.append(s)
        log = start_fails(t, s, "flipped %s row" % table)
        t.check("checksum" in log and ("%s row %d" % (table, blk)) in log,
                "the message names %s row %d and its checksum: %r" % (table, blk, log[-600:]))
        t.eq(digest(db), before, "the damaged file is left as it was")

    t.step("a flipped byte inside a series' saved state")
    flipped_row("states", "state", 0x10)
    t.step("a flipped byte inside a row of the catalog's keys")
    flipped_row("keys", "keys", 0x01)

    t.step("garbage over a page")
    d, db = copy("page")
    size = os.path.getsize(db)
    page = 16384
    t.require(size >= 3 * page, "the database has pages to damage (%d bytes)" % size)
    with open(db, "r+b") as f:  # the last page: a b-tree page of one of the tables
        f.seek(size - page)
        f.write(bytes((i * 37 + 11) & 0xFF for i in range(page)))
    before = digest(db)
    s = T.Server(t, "page", data_dir=d)
    t.servers.append(s)
    log = start_fails(t, s, "damaged page")
    t.check("quick_check" in log and "damaged" in log, "the message names the damage: %r" % log[-600:])
    t.eq(digest(db), before, "the damaged file is left as it was")

    t.step("a lost catalog row: its id is never handed out again")
    d, db = copy("lostrow")
    con = sqlite3.connect(db)
    (sid,) = tmdb.ids_of(con, "dmg.b")
    top = max(tmdb.series(con))
    t.require(sid == top, "dmg.b has the highest id (%s of %s)" % (sid, top))
    tmdb.drop_series(con, sid)
    con.commit()
    con.close()
    s = t.server("lostrow", data_dir=d)
    s.write([{"metric": "dmg.new", "value": 7, "time": t0 + 3000}])
    t.eq(s.export("dmg.new"), [{"time": t0 + 3000, "value": 7}], "a new series holds only its own samples")
    t.eq(len(s.export("dmg.a")), 1200, "the intact series is whole")
    s.restart()
    t.eq(s.export("dmg.new"), [{"time": t0 + 3000, "value": 7}], "and so after a restart")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
