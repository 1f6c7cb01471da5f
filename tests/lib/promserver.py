#!/usr/bin/python3
"""A throw-away Prometheus server (Debian package "prometheus") for tests
and labs: every file under one temporary directory, the web/API port on
127.0.0.1 only, stopped by its PID (never by name).

As a module:

    with Prometheus({"leaf1": "127.0.0.1:9417"}, interval="1s") as p:
        p.wait_up(["leaf1"])
        v = p.value('vtepd_config_generation{node="leaf1"}')

Each target gets the labels node=<name> and instance=<host:port>. With
netns=NAME the server runs inside that network namespace (ip netns exec),
for targets that listen on that namespace's loopback.

As a command (scripts/prometheus-local wraps it):

    promserver.py start --dir DIR [--port P] [--interval 1s] [--netns NS] NAME=HOST:PORT...
    promserver.py stop --dir DIR
    promserver.py query --dir DIR 'EXPR'          (the JSON result vector)
    promserver.py wait --dir DIR [--timeout S] NAME...   (targets up)

start prints the API address and leaves prometheus.pid, prometheus.yml,
prometheus.log and data/ in DIR; stop kills that PID (after checking that
it is the prometheus started with DIR's configuration) and removes data/.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from vtepdtest import read_text

BINARY = "prometheus"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _scrape_config(targets, interval):
    """prometheus.yml text (YAML is a superset of JSON: written as JSON)."""
    timeout = interval
    statics = [{"targets": [addr], "labels": {"node": name}}
               for name, addr in sorted(targets.items())]
    cfg = {
        "global": {"scrape_interval": interval, "scrape_timeout": timeout,
                   "evaluation_interval": interval},
        "scrape_configs": [{"job_name": "vtepd", "metrics_path": "/metrics",
                            "scrape_interval": interval, "scrape_timeout": timeout,
                            "static_configs": statics}],
    }
    return json.dumps(cfg, indent=2) + "\n"


class Prometheus:
    """One prometheus process scraping targets {name: "host:port"}."""

    def __init__(self, targets, tmp=None, port=None, interval="1s", netns=None,
                 binary=BINARY):
        self.targets = dict(targets)
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="vtepd-prom-")
        self.port = port or free_port()
        self.interval = interval
        self.netns = netns
        self.binary = binary
        self.conf = os.path.join(self.tmp, "prometheus.yml")
        self.data = os.path.join(self.tmp, "data")
        self.log_path = os.path.join(self.tmp, "prometheus.log")
        self.pid_path = os.path.join(self.tmp, "prometheus.pid")
        self.proc = None
        self.pid = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        if shutil.which(self.binary) is None:
            raise FileNotFoundError(f"{self.binary} not found (Debian package prometheus)")
        os.makedirs(self.data, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(_scrape_config(self.targets, self.interval))
        cmd = [shutil.which(self.binary), f"--config.file={self.conf}",
               f"--web.listen-address=127.0.0.1:{self.port}",
               f"--storage.tsdb.path={self.data}", "--storage.tsdb.retention.time=1h",
               "--log.level=warn"]
        if self.netns:
            # ip netns exec execs the command: the PID is prometheus's
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()
        self.pid = self.proc.pid
        with open(self.pid_path, "w") as f:
            f.write(f"{self.pid}\n")
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self.proc.returncode}):\n"
                                   f"{self.log_text()[-2000:]}")
            if self._ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"prometheus not ready in {timeout} s:\n{self.log_text()[-2000:]}")

    def _get(self, path, timeout=5.0):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
            return r.status, r.read()

    def _ready(self):
        try:
            return self._get("/-/ready", 1.0)[0] == 200
        except (OSError, urllib.error.URLError):
            return False

    def api(self, path, **params):
        """GET /api/v1/<path>; the "data" member of the answer."""
        q = urllib.parse.urlencode(params)
        _, body = self._get(f"/api/v1/{path}?{q}" if q else f"/api/v1/{path}")
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise RuntimeError(f"prometheus API {path}: {doc}")
        return doc["data"]

    def query(self, expr):
        """Instant query: the result vector [{"metric": {...}, "value": [t, "v"]}, ...]."""
        return self.api("query", query=expr)["result"]

    def value(self, expr):
        """The value of a query that gives one sample, as a float, or None."""
        r = self.query(expr)
        return float(r[0]["value"][1]) if len(r) == 1 else None

    def targets_health(self):
        """{node name: health ("up", "down", "unknown")} of the active targets."""
        out = {}
        for t in self.api("targets")["activeTargets"]:
            out[t["labels"].get("node", t["scrapeUrl"])] = t["health"]
        return out

    def wait_up(self, names=None, timeout=30):
        """Wait until every target named (default all) was scraped up."""
        names = list(names or self.targets)
        end = time.time() + timeout
        h = {}
        while time.time() < end:
            try:
                h = self.targets_health()
            except (OSError, RuntimeError, urllib.error.URLError):
                h = {}
            if all(h.get(n) == "up" for n in names):
                return h
            time.sleep(0.2)
        raise TimeoutError(f"targets not up in {timeout} s: {h}")

    def stop(self, timeout=10):
        """SIGTERM the PID we started (SIGKILL after timeout); remove the data."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        elif self.pid:
            _stop_pid(self.pid, self.conf, timeout)
        self.pid = None
        if os.path.exists(self.pid_path):
            os.unlink(self.pid_path)
        shutil.rmtree(self.data, ignore_errors=True)
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log_text(self):
        return read_text(self.log_path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def _stop_pid(pid, conf, timeout):
    """Stop pid if it is a prometheus run with conf (a PID file can outlive
    its process and the number be reused)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return
    if not any(a == f"--config.file={conf}".encode() for a in argv):
        print(f"promserver: pid {pid} is not the prometheus of {conf}: left alone",
              file=sys.stderr)
        return
    os.kill(pid, signal.SIGTERM)
    end = time.time() + timeout
    while time.time() < end and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.1)
    if os.path.exists(f"/proc/{pid}"):
        os.kill(pid, signal.SIGKILL)


def _from_dir(d):
    p = Prometheus({}, tmp=d)
    with open(os.path.join(d, "prometheus.port")) as f:
        p.port = int(f.read())
    try:
        with open(p.pid_path) as f:
            p.pid = int(f.read())
    except OSError:
        p.pid = None
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(description="a throw-away Prometheus on 127.0.0.1")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start")
    st.add_argument("--dir", required=True)
    st.add_argument("--port", type=int)
    st.add_argument("--interval", default="1s")
    st.add_argument("--netns")
    st.add_argument("targets", nargs="+", help="NAME=HOST:PORT")
    sp = sub.add_parser("stop")
    sp.add_argument("--dir", required=True)
    q = sub.add_parser("query")
    q.add_argument("--dir", required=True)
    q.add_argument("expr")
    w = sub.add_parser("wait")
    w.add_argument("--dir", required=True)
    w.add_argument("--timeout", type=float, default=30)
    w.add_argument("names", nargs="*")
    a = ap.parse_args(argv)

    if a.cmd == "start":
        targets = {}
        for t in a.targets:
            name, sep, addr = t.partition("=")
            if not sep or ":" not in addr:
                ap.error(f"target '{t}': expected NAME=HOST:PORT")
            targets[name] = addr
        os.makedirs(a.dir, exist_ok=True)
        p = Prometheus(targets, tmp=a.dir, port=a.port, interval=a.interval, netns=a.netns)
        p.start()
        with open(os.path.join(a.dir, "prometheus.port"), "w") as f:
            f.write(f"{p.port}\n")
        p.proc = None           # keep running after we exit; stop goes by the PID file
        print(p.url)
        return 0
    p = _from_dir(a.dir)
    if a.cmd == "stop":
        p.stop()
        return 0
    if a.cmd == "query":
        print(json.dumps(p.query(a.expr)))
        return 0
    if a.cmd == "wait":
        with open(p.conf) as f:
            names = a.names or [s["labels"]["node"] for s in
                                json.load(f)["scrape_configs"][0]["static_configs"]]
        print(json.dumps(p.wait_up(names, a.timeout)))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
