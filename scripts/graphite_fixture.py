#!/usr/bin/env python3
"""Record graphite-web's answers for the comparison test.

Starts carbon-cache and graphite-web (Debian's graphite-carbon and
graphite-web, as plain processes on loopback in a temporary directory),
writes tests/e2e/graphite_dataset.py's series to carbon by its plaintext
protocol (carbon registers each in graphite-web's tag database), waits
until graphite-web serves every point, then asks every request of the
dataset module and writes the answers to tests/e2e/graphite/fixture.json
with times as offsets from BASE. tests/e2e/test_graphite_compat.py asks
tidemark the same and compares.

    python3 scripts/graphite_fixture.py          # regenerate the fixture
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import graphite_dataset as D  # noqa: E402
import tmlib as T  # noqa: E402

OUT = os.path.join(REPO, "tests", "e2e", "graphite", "fixture.json")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_until(pred, timeout, what):
    if not T.wait_until(pred, timeout, interval=0.2):
        raise SystemExit("timed out waiting for " + what)


def http(method, url, params):
    body = D.encode(params).encode() if method == "POST" else None
    if method == "GET" and params:
        url += "?" + D.encode(params)
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def settings(tmp, web_port, cache_port):
    return """
SECRET_KEY = 'tidemark-fixture'
TIME_ZONE = 'UTC'
STORAGE_DIR = %(t)r
WHISPER_DIR = %(t)r + '/whisper/'
LOG_DIR = %(t)r + '/log/'
INDEX_FILE = %(t)r + '/index'
DEFAULT_XFILES_FACTOR = 0
ENFORCE_INPUT_VALIDATION = True  # a bad argument is a 400 (graphite-web's default only logs it)
CARBONLINK_HOSTS = ['127.0.0.1:%(c)d']
TAGDB = 'graphite.tags.localdatabase.LocalDatabaseTagDB'
DATABASES = {'default': {'NAME': %(t)r + '/graphite.db', 'ENGINE': 'django.db.backends.sqlite3'}}
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.dummy.DummyCache'}}
DEFAULT_CACHE_DURATION = 0
FUNCTION_PLUGINS = []
LOG_RENDERING_PERFORMANCE = False
LOG_CACHE_PERFORMANCE = False
""" % {"t": tmp, "c": cache_port}


def carbon_conf(tmp, line_port, pickle_port, cache_port, web_port):
    return """[cache]
STORAGE_DIR = %(t)s/
LOCAL_DATA_DIR = %(t)s/whisper/
CONF_DIR = %(t)s/
LOG_DIR = %(t)s/log/
PID_DIR = %(t)s/
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = %(l)d
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %(p)d
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %(c)d
LOG_LISTENER_CONN_SUCCESS = False
ENABLE_TAGS = True
TAG_UPDATE_INTERVAL = 1
TAG_BATCH_SIZE = 100
GRAPHITE_URL = http://127.0.0.1:%(w)d
""" % {"t": tmp, "l": line_port, "p": pickle_port, "c": cache_port, "w": web_port}


def main():
    now = int(time.time())
    base = now - now % 86400 - 86400  # yesterday's midnight: inside the raw archive
    tmp = tempfile.mkdtemp(prefix="tm-graphite-fixture-")
    os.makedirs(tmp + "/whisper")
    os.makedirs(tmp + "/log")
    web, line, pick, cache = free_port(), free_port(), free_port(), free_port()
    with open(tmp + "/tm_graphite_settings.py", "w") as f:
        f.write(settings(tmp, web, cache))
    with open(tmp + "/carbon.conf", "w") as f:
        f.write(carbon_conf(tmp, line, pick, cache, web))
    with open(tmp + "/storage-schemas.conf", "w") as f:
        f.write("[default]\npattern = .*\nretentions = %s\n" % D.RETENTION)
    with open(tmp + "/storage-aggregation.conf", "w") as f:
        f.write("[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n")
    env = dict(os.environ, PYTHONPATH=tmp, DJANGO_SETTINGS_MODULE="graphite.settings",
               GRAPHITE_SETTINGS_MODULE="tm_graphite_settings")
    procs = []
    try:
        subprocess.run(["django-admin", "migrate", "--noinput"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wlog = open(tmp + "/web.log", "w")
        procs.append(subprocess.Popen(["django-admin", "runserver", "127.0.0.1:%d" % web, "--noreload"], env=env,
                                      stdout=wlog, stderr=subprocess.STDOUT))
        url = "http://127.0.0.1:%d" % web
        wait_until(lambda: http("GET", url + "/version", {})[0] == 200, 60, "graphite-web")
        clog = open(tmp + "/carbon.log", "w")
        procs.append(subprocess.Popen(["carbon-cache", "--config=" + tmp + "/carbon.conf", "--debug",
                                       "--pidfile=" + tmp + "/carbon.pid", "start"], stdout=clog,
                                      stderr=subprocess.STDOUT))
        wait_until(lambda: socket.create_connection(("127.0.0.1", line), 1).close() is None, 60, "carbon-cache")
        with socket.create_connection(("127.0.0.1", line)) as s:
            s.sendall(D.lines(base).encode())
        # every series tagged and every point served
        names = sorted(n for n, _ in D.series())
        want_points = {n: len(p) for n, p in D.series()}

        def complete():
            found = json.loads(http("GET", url + "/tags/findSeries", {"expr": "name=~."})[2])
            if sorted(found) != names:
                return False
            for n in names:
                q = {"target": n if ";" not in n else "seriesByTag(%s)" % ",".join(
                    "'%s'" % p for p in (["name=" + n.split(";")[0]] + n.split(";")[1:])),
                    "from": base - 1, "until": base + D.NOW, "now": base + D.NOW, "format": "json"}
                got = json.loads(http("GET", url + "/render", q)[2])
                pts = [p for s in got if s["target"] == n for p in s["datapoints"] if p[0] is not None]
                if len(pts) != want_points[n]:
                    return False
            return True
        wait_until(complete, float(os.environ.get("TM_WAIT", "300")), "every point in graphite-web")
        for ev in D.graphite_events(base):
            req = urllib.request.Request(url + "/events/", data=json.dumps(ev).encode(), method="POST")
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 200
        answers = []
        for label, method, params in D.render_requests():
            answers.append(record(url, label, method, "/render", params, base))
        for label, method, path, params in D.other_requests():
            answers.append(record(url, label, method, path, params, base))
        answers.append(function_params(env))
        with open(OUT, "w") as f:  # one answer a line: diffs stay readable
            f.write('{"graphite_web": "1.1.8", "answers": [\n')
            f.write(",\n".join(json.dumps(a, sort_keys=True) for a in answers))
            f.write("\n]}\n")
        print("wrote %d answers to %s" % (len(answers), OUT))
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("TM_KEEP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# graphite-web 1.1.8's /functions fails on Python 3.11 (inspect.getargspec),
# so its description of each function's parameters is read from its table
PARAMS_CODE = """
import json
from graphite.functions import SeriesFunction
out = {}
for n in %r:
    f = SeriesFunction(n)
    out[n] = {"group": f.group, "params": [{k: v for k, v in p.toJSON().items() if k in %r} for p in f.params]}
print(json.dumps(out, sort_keys=True))
"""


def function_params(env):
    code = PARAMS_CODE % (D.FUNCTIONS, D.PARAM_KEYS)
    got = subprocess.run(["django-admin", "shell", "-c", code], env=env, check=True, capture_output=True, text=True)
    return {"label": "functions' groups and parameters", "method": "GET", "path": "/functions", "params": {},
            "status": 200, "json": json.loads(got.stdout)}


def record(url, label, method, path, params, base):
    status, ctype, body = http(method, url + path, D.resolve(params, base))
    ans = {"label": label, "method": method, "path": path, "params": params}
    ans.update(D.normalize(params, status, ctype, body, base))
    return ans


if __name__ == "__main__":
    main()
