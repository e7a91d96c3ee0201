"""hooklib — a webhook receiver for the alert tests: a real HTTP server on a
loopback port, in a thread, recording every POST it gets (path, parsed JSON
body, arrival time). It can start on a port chosen in advance, so a test can
point a rule at it while it is still down."""
import http.server
import json
import threading
import time

import tmlib as T


class Receiver:
    def __init__(self, port=None):
        self.port = port or T.free_port(udp_too=False)
        self.got = []
        self.lock = threading.Lock()
        self.httpd = None

    def start(self):
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                with rec.lock:
                    rec.got.append((self.path, body, time.time()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        for _ in range(100):  # the port was free a moment ago; a restart may find it in TIME_WAIT
            try:
                self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise T.TestFailure("receiver cannot listen on %d" % self.port)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def bodies(self, path=None):
        with self.lock:
            return [b for p, b, _ in self.got if path is None or p == path]

    def wait(self, n, path=None, timeout=30):
        """The bodies once at least n arrived (at path), else what came."""
        T.wait_until(lambda: len(self.bodies(path)) >= n, timeout)
        return self.bodies(path)
