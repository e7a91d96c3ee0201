"""tmlib — shared helpers for tidemark's end-to-end tests.

Every test is a standalone script run as `python3 tests/e2e/test_X.py` with
TIDEMARK_BIN pointing at the binary; exit code 0 means it passed. Servers are
bound to 127.0.0.1 only, on free ports, with a temporary --data-dir. Every wait
is bounded in time, and the whole script is bounded by an alarm.

Use:
    import tmlib as T
    def main(t):                      # t is a T.Test
        s = t.server()                # started, /healthz answered
        s.post_json("/api/v1/data", {...})
        t.eq(actual, expected, "what")  # records a failure, goes on
        t.require(cond, "what")         # records a failure, stops the test
    T.run(main)
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def binary():
    b = os.environ.get("TIDEMARK_BIN")
    if b:
        return b
    for cand in (os.path.join(REPO, "build", "tidemark"), "/tmp/e2e-build/tidemark"):
        if os.path.exists(cand):
            return cand
    raise SystemExit("TIDEMARK_BIN is not set and no built tidemark was found")


BIN = binary()


class TestFailure(Exception):
    """A check that stops the test."""


def _sanitized():
    try:
        with open(BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


# Built with ASan+UBSan: RSS bounds mean nothing (freed memory sits in
# quarantine) and everything runs 3-5x slower.
SANITIZED = _sanitized()
# How much longer than on a quiet machine any wait may take: the one knob for
# every deadline (TIDEMARK_E2E_SLOW overrides it).
SLOW = float(os.environ.get("TIDEMARK_E2E_SLOW") or (4 if SANITIZED else 2))


def scaled(seconds):
    """A deadline of seconds on a quiet machine, stretched for a slow one."""
    return seconds * SLOW


# ---------------------------------------------------------------- waiting

def wait_until(pred, timeout=10.0, interval=0.05):
    """Call pred until it returns something truthy (returned) or timeout
    seconds pass (None), timeout stretched by SLOW: a wait for what must
    come ends as soon as it came. Exceptions from pred count as 'not yet'."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        try:
            r = pred()
        except Exception:  # noqa: BLE001 - a failing probe is "not yet"
            r = None
        if r:
            return r
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# ---------------------------------------------------------------- ports

def _below_ephemeral():
    """Ports under the kernel's ephemeral range: no outgoing connection of any
    process takes one between free_port and the server's bind (or restart),
    and a connect to one nobody listens on cannot connect to itself."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        lo = 32768
    return (20000, lo) if lo - 20000 >= 2000 else (1024, lo)


def free_port(udp_too=True):
    """A loopback port free for TCP (and UDP, for Graphite) right now."""
    import random
    lo, hi = _below_ephemeral()
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        port = random.randrange(lo, hi)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        ok = True
        if udp_too:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                ok = False
            u.close()
        s.close()
        if ok:
            return port
    raise TestFailure("no free loopback port found")


# ---------------------------------------------------------------- JSON

def _no_constant(name):
    raise ValueError("JSON holds %s, which is not JSON" % name)


def strict_json(body):
    """Parse bytes/str as strict JSON: NaN, Infinity and -Infinity are errors
    (the SPEC: JSON answers never hold them; such a value is null)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body, parse_constant=_no_constant)


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return strict_json(self.body)

    def __repr__(self):
        return "HTTP %s %s" % (self.status, self.body[:300])


def http(method, url, body=None, headers=None, timeout=15):
    """One HTTP request with urllib; never raises on HTTP error codes."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        data = e.read()
        return Response(e.code, e.headers, data)


def qs(params):
    """Query string from a dict or a list of pairs (repeatable keys)."""
    return urllib.parse.urlencode(params, doseq=True, quote_via=urllib.parse.quote)


def basic_auth(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


# ---------------------------------------------------------------- Graphite

def graphite_tcp(port, data, pause=0.0):
    """Send data (bytes/str, or a list of chunks sent separately with a pause
    between them) over one TCP connection, then close it."""
    chunks = data if isinstance(data, list) else [data]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for i, c in enumerate(chunks):
            if isinstance(c, str):
                c = c.encode()
            if i and pause:
                time.sleep(pause)
            s.sendall(c)


def recv_until(sock, done=lambda got: False):
    """Bytes from sock until done(bytes so far) or the peer closes; the
    socket's own timeout bounds each wait."""
    got = b""
    while not done(got):
        d = sock.recv(65536)
        if not d:
            break
        got += d
    return got


def graphite_udp(port, datagram):
    if isinstance(datagram, str):
        datagram = datagram.encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(datagram, ("127.0.0.1", port))


# ---------------------------------------------------------------- metrics text

def prom_value(text, name, labels=None):
    """Value of one sample of a Prometheus text exposition, or None."""
    want = name
    if labels:
        want += "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, val = line.rpartition(" ")
        # normalise label order
        if "{" in key:
            n, _, rest = key.partition("{")
            parts = sorted(p for p in rest.rstrip("}").split(",") if p)
            key = n + "{" + ",".join(parts) + "}"
        if key == want:
            return float(val)
    return None


# ---------------------------------------------------------------- server

_LISTENERS = None


def listeners():
    """Names of the binary's --NAME-listen flags (from `tidemark serve --help`)."""
    global _LISTENERS
    if _LISTENERS is None:
        out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
        import re
        names = re.findall(r"^\s*--([a-z0-9]+)-listen\b", out, re.M)
        _LISTENERS = list(dict.fromkeys(["http", "graphite"] + names))
    return _LISTENERS


class Server:
    """One `tidemark serve` child bound to 127.0.0.1 on free ports."""

    def __init__(self, test, name="srv", args=(), data_dir=True, listen_flags=True, prefix=""):
        self.t = test
        self.name = name
        self.args = list(args)
        self.dir = os.path.join(test.tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.data_dir = os.path.join(self.dir, "data") if data_dir is True else data_dir
        self.listen_flags = listen_flags
        # every listener the binary has gets its own free port, so tests can run
        # side by side and nothing binds a default port
        self.pick_ports()
        self.prefix = prefix
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.starts = 0
        self.log_offset = 0  # where the current run's log begins

    # -- life cycle
    def command(self):
        cmd = [BIN, "serve"]
        if self.data_dir:
            cmd += ["--data-dir", self.data_dir]
        if self.listen_flags:
            for flag, addr in self.listen_config().items():
                cmd += ["--" + flag, addr]
        return cmd + self.args

    def pick_ports(self):
        self.ports = {name: free_port(udp_too=True) for name in listeners()}
        self.http_port = self.ports["http"]
        self.graphite_port = self.ports.get("graphite")
        self.statsd_port = self.ports.get("statsd")
        self.relay_port = self.ports.get("relay")

    def listen_config(self):
        """{"http-listen": "127.0.0.1:PORT", ...} for every listener: also the
        keys of a --config file that binds this server's ports."""
        return {"%s-listen" % n: "127.0.0.1:%d" % p for n, p in self.ports.items()}

    def start(self, timeout=20):
        first = self.starts == 0
        # the run's log begins before its first attempt: a retried start (a port
        # taken) has already replayed the data, and what it logged then belongs to it
        self.log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        for attempt in range(5):
            with open(self.log_path, "ab") as lf:
                lf.write(("---- start %d: %s\n" % (self.starts + 1, " ".join(self.command()))).encode())
                lf.flush()
                self.proc = subprocess.Popen(self.command(), stdout=lf, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.dir)
            self.t.procs.append(self.proc)
            self.starts += 1
            ok = wait_until(lambda: self.proc.poll() is not None or
                            self.get("/healthz", timeout=2).status == 200, timeout)
            if ok and self.proc.poll() is None:
                return self
            if self.proc.poll() is None:
                self.kill9()
                raise TestFailure("%s: /healthz did not answer within %ss\n%s" % (self.name, timeout, self.log()))
            # a port taken by someone else between free_port and bind: pick others
            # before the first successful start; a restart keeps its ports, so it
            # waits for the (short-lived) taker to let go
            if "cannot listen" in self.log() and self.listen_flags:
                if first:
                    self.pick_ports()
                else:
                    time.sleep(1 + attempt)
                continue
            break
        raise TestFailure("%s: exited with %s at start\n%s" % (self.name, self.proc.returncode, self.log()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.kill9()
            raise TestFailure("%s did not stop within %ss of SIGTERM" % (self.name, timeout))

    def kill9(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(15)

    def restart(self):
        self.stop()
        return self.start()

    def log(self, whole=False):
        try:
            with open(self.log_path, "rb") as f:
                if not whole:
                    f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- HTTP
    def url(self, path):
        return "http://127.0.0.1:%d%s%s" % (self.http_port, self.prefix, path)

    def get(self, path, headers=None, timeout=15):
        return http("GET", self.url(path), headers=headers, timeout=timeout)

    def post(self, path, body, ctype="application/json", headers=None, timeout=15):
        h = {"Content-Type": ctype} if ctype else {}
        h.update(headers or {})
        return http("POST", self.url(path), body=body, headers=h, timeout=timeout)

    def post_json(self, path, obj, headers=None, timeout=15):
        return self.post(path, json.dumps(obj), "application/json", headers, timeout)

    def get_json(self, path, params=None, want=200):
        p = path + ("?" + qs(params) if params else "")
        r = self.get(p)
        if r.status != want:
            raise TestFailure("GET %s: want HTTP %s, got %r" % (p, want, r))
        return r.json()

    def write(self, samples):
        """POST /api/v1/data and require 200."""
        r = self.post_json("/api/v1/data", samples)
        if r.status != 200:
            raise TestFailure("POST /api/v1/data: want 200, got %r" % r)
        return r.json()

    def query(self, params, want=200):
        return self.get_json("/api/v1/query", params, want)

    def export(self, metric, params=None, want=200):
        return self.get_json("/api/v1/data/" + urllib.parse.quote(metric, safe=""), params, want)

    def metrics(self, match=None, params=None):
        p = dict(params or {})
        if match is not None:
            p["match"] = match
        return self.get_json("/api/v1/metrics", p)

    def prom(self):
        r = self.get("/metrics")
        if r.status != 200:
            raise TestFailure("GET /metrics: %r" % r)
        return r.text

    def counter(self, name, labels=None):
        v = prom_value(self.prom(), name, labels)
        return 0.0 if v is None else v

    # -- Graphite
    def tcp(self, data, pause=0.0):
        graphite_tcp(self.graphite_port, data, pause)

    def udp(self, datagram):
        graphite_udp(self.graphite_port, datagram)

    # -- StatsD (same line transports, its own port)
    def statsd_tcp(self, data, pause=0.0):
        graphite_tcp(self.statsd_port, data, pause)

    def statsd_udp(self, datagram):
        graphite_udp(self.statsd_port, datagram)


# ---------------------------------------------------------------- the test

class Skip(Exception):
    """The test cannot run here (a facility is absent): CTest shows it skipped."""


SKIP_CODE = 77  # CMake sets SKIP_RETURN_CODE to it for e2e tests


class Test:
    def __init__(self, name):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="tidemark-e2e-%s-" % name)
        self.cleanups = []  # run after every process is gone (unmounts)
        self.procs = []
        self.servers = []
        self.failures = []
        self.checks = 0

    def server(self, name=None, args=(), start=True, **kw):
        s = Server(self, name or "srv%d" % (len(self.servers) + 1), args, **kw)
        self.servers.append(s)
        if start:
            s.start()
        return s

    def cli(self, args, timeout=30, env=None):
        """Run the tidemark binary with args; returns CompletedProcess (text)."""
        return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=self.tmp, env=env)

    # -- checks
    def check(self, cond, msg):
        self.checks += 1
        if not cond:
            self.failures.append(msg)
            print("FAIL: %s" % msg, flush=True)
        return bool(cond)

    def require(self, cond, msg):
        if not self.check(cond, msg):
            raise TestFailure(msg)

    def eq(self, got, want, msg):
        return self.check(got == want, "%s: got %r, want %r" % (msg, got, want))

    def close_to(self, got, want, msg, tol=1e-9):
        ok = isinstance(got, (int, float)) and abs(got - want) <= tol * max(1.0, abs(want))
        return self.check(ok, "%s: got %r, want %r" % (msg, got, want))

    def step(self, what):
        print("-- %s" % what, flush=True)

    def tmpfs(self, name, size):
        """A fresh tmpfs of size bytes mounted at TMP/name (a small disk to
        fill). Needs root, as CI has; elsewhere the test is skipped with the
        reason. Unmounted when the test ends."""
        path = os.path.join(self.tmp, name)
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", path],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise Skip("cannot mount a tmpfs to fill (%s)" % (r.stderr.strip() or "mount failed"))
        self.cleanups.append(lambda: subprocess.run(["umount", "-l", path], capture_output=True, timeout=30))
        return path


def run(main, timeout=110):
    """Run main(Test) with an overall alarm; exit 0 only if every check passed."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    t = Test(name)

    def on_alarm(sig, frm):
        raise TestFailure("test exceeded its %ss budget" % timeout)

    signal.signal(signal.SIGALRM, on_alarm)
    timeout = int(max(timeout, min(scaled(timeout), 290)))  # CTest stops it at 300 s
    signal.alarm(timeout)
    t0 = time.monotonic()
    crashed = None
    skipped = None
    try:
        main(t)
    except Skip as e:
        skipped = str(e)
    except TestFailure as e:
        crashed = str(e)
        if not t.failures or t.failures[-1] != crashed:
            t.failures.append(crashed)
            print("FAIL: %s" % crashed, flush=True)
    except Exception:  # noqa: BLE001
        crashed = traceback.format_exc()
        t.failures.append("exception: " + crashed)
        print(crashed, flush=True)
    finally:
        signal.alarm(0)
        for p in t.procs:  # only processes this test started
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    pass
        for c in t.cleanups:
            c()
    took = time.monotonic() - t0
    if skipped and not t.failures:
        print("%s: SKIPPED: %s" % (name, skipped))
        sys.exit(SKIP_CODE)
    if t.failures:
        for s in t.servers:
            print("==== log of %s (%s) ====" % (s.name, s.log_path))
            print(s.log(whole=True)[-6000:])
        print("%s: FAILED %d of %d checks in %.1fs (files kept in %s)" %
              (name, len(t.failures), t.checks, took, t.tmp))
        for f in t.failures:
            print("  - %s" % f.splitlines()[0][:300] if f else "  - ?")
        sys.exit(1)
    print("%s: passed %d checks in %.1fs" % (name, t.checks, took))
    if not os.environ.get("TIDEMARK_E2E_KEEP"):
        import shutil
        shutil.rmtree(t.tmp, ignore_errors=True)
    sys.exit(0)


# ---------------------------------------------------------------- misc

def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as the WAL uses for its record headers."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pack_u32le(*xs):
    return struct.pack("<%dI" % len(xs), *xs)


# ---------------------------------------------------------------- remote write bodies

def pb_field(num, wire, payload):
    """One protobuf field: wire 2 (bytes), 1 (8 raw bytes) or 0 (varint)."""
    if wire == 2:
        return uvarint(num << 3 | 2) + uvarint(len(payload)) + payload
    if wire == 1:
        return uvarint(num << 3 | 1) + payload
    return uvarint(num << 3) + uvarint(payload & (1 << 64) - 1)


def _bytes(x):
    return x if isinstance(x, bytes) else x.encode()


def prom_write_request(series, metadata=()):
    """A Prometheus remote write request (protobuf, not compressed).
    series: [([(name, value)...], [(value or raw bits as int, ts_ms)...])];
    names and values are str, or bytes sent as they are."""
    out = b""
    for labels, samples in series:
        ts = b"".join(pb_field(1, 2, pb_field(1, 2, _bytes(k)) + pb_field(2, 2, _bytes(v))) for k, v in labels)
        for v, t in samples:
            raw = struct.pack("<Q", v) if isinstance(v, int) else struct.pack("<d", v)
            ts += pb_field(2, 2, pb_field(1, 1, raw) + pb_field(2, 0, t))
        out += pb_field(1, 2, ts)
    for name, help_ in metadata:
        out += pb_field(3, 2, pb_field(1, 0, 1) + pb_field(2, 2, name.encode()) + pb_field(4, 2, help_.encode()))
    return out


def snappy_literals(raw):
    """Snappy block format with literals only: valid, if not small."""
    out = bytearray(uvarint(len(raw)))
    for i in range(0, len(raw), 60):
        chunk = raw[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
    return bytes(out)
