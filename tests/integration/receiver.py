#!/usr/bin/env python3
"""receiver.py - a stand-in for the keikai server's interval endpoint, for integration tests.

Accepts POST /api/v1/obs/intervals (docs/delivery.md) on 127.0.0.1, checks the bearer token
and the record's key fields, and appends each new record as one JSON line to --store. A record
whose (sensor, start_unix) is already stored is answered 409 and not stored again.

  --port N        port to listen on; 0 picks a free one. The port is printed as the first line
                  of stdout.
  --token T       bearer token to require (401 otherwise)
  --store FILE    JSON-lines file of accepted records (created; existing lines count as stored)
  --fail-first N  answer 503 to the first N POSTs
  --reject-all    answer 400 to every POST
  --log FILE      append one line per request: status, Idempotency-Key

Exits on SIGTERM or SIGINT.
"""

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/api/v1/obs/intervals"
SCHEMA = "keikai.obs.interval/1"
BODY_MAX = 64 * 1024 * 1024


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.keys = set()
        self.posts = 0
        try:
            with open(args.store, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        rec = json.loads(line)
                        self.keys.add((rec["sensor"], rec["start_unix"]))
        except FileNotFoundError:
            pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server would
    server_version = "keikai-test-receiver"

    def log_message(self, fmt, *args):  # quiet: the test reads --log instead
        pass

    def reply(self, status, text=""):
        # log first: once the client has the answer, the test may read the log
        st = self.server.state
        if st.args.log:
            with st.lock, open(st.args.log, "a", encoding="utf-8") as f:
                f.write("%d %s\n" % (status, self.headers.get("Idempotency-Key", "-")))
        body = (text + "\n").encode() if text else b""
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        self.reply(405, "method not allowed")

    def do_POST(self):
        st = self.server.state
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > BODY_MAX:
            self.close_connection = True
            self.reply(411 if length is None else 413, "bad length")
            return
        body = self.rfile.read(int(length))
        if self.path != PATH:
            self.reply(404, "no such endpoint")
            return
        with st.lock:
            st.posts += 1
            n = st.posts
        if n <= st.args.fail_first:
            self.reply(503, "failing on purpose")
            return
        if self.headers.get("Authorization") != "Bearer " + st.args.token:
            self.reply(401, "bad token")
            return
        if st.args.reject_all:
            self.reply(400, "rejecting on purpose")
            return
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self.reply(415, "want application/json")
            return
        try:
            rec = json.loads(body)
        except ValueError:
            self.reply(400, "not JSON")
            return
        if (
            not isinstance(rec, dict)
            or rec.get("schema") != SCHEMA
            or not isinstance(rec.get("sensor"), str)
            or not isinstance(rec.get("start_unix"), int)
        ):
            self.reply(422, "not an interval record")
            return
        key = (rec["sensor"], rec["start_unix"])
        want = "%s/%d" % key
        if self.headers.get("Idempotency-Key") != want:
            self.reply(400, "Idempotency-Key is not " + want)
            return
        with st.lock:
            if key in st.keys:
                dup = True
            else:
                dup = False
                st.keys.add(key)
                with open(st.args.store, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
                    f.flush()
        self.reply(409 if dup else 201, "already stored" if dup else "stored")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--reject-all", action="store_true")
    ap.add_argument("--log")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)

    def stop(signum, frame):
        # shutdown() waits for serve_forever(), which runs in this thread: do it elsewhere
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
