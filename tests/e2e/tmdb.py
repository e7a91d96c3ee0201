"""A tidemark.db's catalog, read and written from Python (a second
implementation of src/core/keyrow.c, for tests that look into the file or
damage it): which key each series id has.

Rows of `keys`: blk = id // 256; data is a flag byte, then the body (0) or
uvarint body size and the body as a raw deflate stream (1); the body is
uvarint count, then per series: uvarint id gap, type byte, uvarint bytes
shared with the previous key, uvarint length of the rest, the rest. An older
database keeps series(id, key, type) rows instead, still read."""
import zlib

import tmlib as T

PER_ROW = 256


def _uvarint(b, i):
    x = shift = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return x, i


def decode_row(blk, data):
    """[(id, type, key)] of one keys row."""
    if data[0] == 1:
        size, i = _uvarint(data, 1)
        body = zlib.decompress(bytes(data[i:]), -15)
        assert len(body) == size, "body size %d, not %d" % (len(body), size)
    else:
        assert data[0] == 0, "flag %d" % data[0]
        body = bytes(data[1:])
    n, i = _uvarint(body, 0)
    out, prev_id, prev = [], blk * PER_ROW - 1, b""
    for _ in range(n):
        gap, i = _uvarint(body, i)
        typ = body[i]
        shared, i = _uvarint(body, i + 1)
        rest, i = _uvarint(body, i)
        key = prev[:shared] + body[i:i + rest]
        i += rest
        prev_id += gap + 1
        prev = key
        out.append((prev_id, typ, key.decode()))
    assert i == len(body), "trailing bytes"
    return out


def encode_row(blk, entries):
    """The data of a keys row holding entries [(id, type, key)], ids ascending (raw body)."""
    body, prev_id, prev = bytearray(), blk * PER_ROW - 1, b""
    for sid, typ, key in entries:
        key = key.encode()
        shared = 0
        while shared < min(len(key), len(prev)) and key[shared] == prev[shared]:
            shared += 1
        body += T.uvarint(sid - prev_id - 1) + bytes([typ]) + T.uvarint(shared) + T.uvarint(len(key) - shared)
        body += key[shared:]
        prev_id, prev = sid, key
    return b"\x00" + T.uvarint(len(entries)) + bytes(body)


def signed_crc(data):
    c = T.crc32c(data)
    return c - (1 << 32) if c >= 1 << 31 else c


def series(con):
    """{id: key} of every series in the catalog of the sqlite3 connection con."""
    out = {}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    if "series" in tables:
        out.update(con.execute("SELECT id, key FROM series"))
    for blk, data in con.execute("SELECT blk, data FROM keys"):
        out.update((sid, key) for sid, _, key in decode_row(blk, data))
    return out


def ids_of(con, key):
    return sorted(sid for sid, k in series(con).items() if k == key)


def drop_series(con, sid):
    """Take series sid out of its keys row (a lost catalog entry), the checksum made to match."""
    blk = sid // PER_ROW
    (data,) = con.execute("SELECT data FROM keys WHERE blk=?", (blk,)).fetchone()
    rest = [e for e in decode_row(blk, data) if e[0] != sid]
    if rest:
        row = encode_row(blk, rest)
        con.execute("UPDATE keys SET data=?, crc=? WHERE blk=?", (row, signed_crc(row), blk))
    else:
        con.execute("DELETE FROM keys WHERE blk=?", (blk,))


PACK_SERIES = 8


def pack_members(data):
    """[(series slot, same-times flag, chunk bytes)] of a packs row (src/core/pack.h)."""
    out, i = [], 0
    while i < len(data):
        head, i = _uvarint(data, i)
        n, i = _uvarint(data, i)
        assert i + n <= len(data), "member past the row"
        out.append((head % PACK_SERIES, bool(head & 8), bytes(data[i:i + n])))
        i += n
    return out


def chunks_of(con, ids):
    """How many chunks the packs hold for the series ids."""
    n = 0
    for sid in ids:
        for (data,) in con.execute("SELECT data FROM packs WHERE grp=?", (sid // PACK_SERIES,)):
            n += sum(1 for slot, _, _ in pack_members(data) if slot == sid % PACK_SERIES)
    return n
