"""Shared helpers of the Python test suites: PASS/FAIL checks with a
summary, the CLI client, waiting for a condition, a vtepd made from a
configuration template (running, or run to its own exit as the replay
suites do). Run with Debian's /usr/bin/python3."""
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# How much slower than a normal build the binary under test is: scripts/test-asan
# sets VTEPD_TEST_SLOW (an -O0 ASan+UBSan build). Latency bounds are multiplied by
# it; rate checks that only a release build can meet are relaxed, and say so.
SLOW = max(1.0, float(os.environ.get("VTEPD_TEST_SLOW", "1")))


class Checks:
    """One line per check; summary() prints 'N passed, M failed' and gives
    the exit status."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}", flush=True)
        return bool(cond)

    def record(self, name, problems, most=25):
        """A check that passes when the list of problems found is empty
        (or problems is True); the first `most` problems are printed under
        its FAIL line."""
        if isinstance(problems, bool):
            problems = [] if problems else ["condition false"]
        ok = self.check(name, not problems)
        for p in problems[:most]:
            print(f"      - {p}")
        if len(problems) > most:
            print(f"      - ... {len(problems) - most} more")
        sys.stdout.flush()
        return ok

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


def cli_raw(path, cmd, timeout=10.0):
    """Send one command line to vtepd's CLI socket; the whole answer."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(cmd.encode() + b"\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        return data
    finally:
        s.close()


def cli(path, cmd, timeout=10.0):
    """The JSON answer to one CLI command."""
    return json.loads(cli_raw(path, cmd, timeout))


def wait_for(fn, timeout=3.0, step=0.02):
    """fn() until it is true or timeout seconds pass; its last value."""
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def read_text(path):
    """The text of a file (a process's log), "" when it cannot be read."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def remove_eal_runtime(prefix):
    """Removes the EAL runtime directory (config, fbarrays: a few MB) that
    a DPDK process with --file-prefix prefix leaves behind."""
    for base in ("/var/run/dpdk", os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                               "dpdk")):
        d = os.path.join(base, prefix)
        if prefix and os.path.isdir(d):
            shutil.rmtree(d, ignore_errors=True)


def run_to_exit(cmd, log_path, cwd=None, timeout=60, prefix=None):
    """Runs a command that ends by itself (vtepd with --exit-on-idle on
    net_pcap ports, or --duration), its output to log_path. Returns (exit
    status, or a string saying why there is none; seconds taken). A binary
    being rewritten by a concurrent build (ETXTBSY) is retried for up to
    10 s. The EAL runtime directory of prefix is removed afterwards."""
    t0 = time.monotonic()
    rc = None
    for attempt in range(10):
        with open(log_path, "w") as log:
            try:
                rc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                    timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
            except OSError as e:
                rc = f"cannot execute: {e}"
                if e.errno == errno.ETXTBSY and attempt < 9:
                    time.sleep(1)
                    continue
        break
    dt = time.monotonic() - t0
    remove_eal_runtime(prefix)
    return rc, dt


def eal(*log_levels, mem=512, prefix="@PREFIX@"):
    """The eal line of a test configuration: no hugepages, no PCI, mem MB,
    lcores 0-1, the file prefix (the run's own, @PREFIX@; None for none)
    and the given --log-level settings, one continuation line each."""
    line = 'eal: [ "--no-huge", "--no-pci", "-m", "%d", "-l", "0-1"' % mem
    if prefix:
        line += ', "--file-prefix", "%s"' % prefix
    for level in log_levels:
        line += ',\n       "--log-level", "%s"' % level
    return line + " ]\n"


# The VTEP address and two net_null ports (no traffic): up0 on the underlay,
# h0 an access port; then one next hop, s1.
NULL_PORT_LINES = """vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }
  - { name: h0, role: access, devargs: "net_null1,no-rx=1" }
"""
NULL_NEXTHOP = """underlay:
  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
"""
# Enough for control-plane tests. In a configuration text @TMP@, @PREFIX@,
# @CLI@ and @FEED@ are replaced by the run's directory, EAL file prefix, CLI
# and feed socket paths.
NULL_PORTS = "\n" + eal("pmd.net.null:warning") + NULL_PORT_LINES + NULL_NEXTHOP


class Vtepd:
    """A vtepd process from a configuration text. Use as a context manager;
    stop() returns the exit status."""

    def __init__(self, binary, config_text, name="vtepd", args=(), env=None, tmp=None):
        self.tmp = tmp or tempfile.mkdtemp(prefix=f"vtepd-{name}-")
        self.prefix = f"{name}{os.getpid()}"
        self.conf = os.path.join(self.tmp, "vtepd.yaml")
        self.cli_sock = os.path.join(self.tmp, "cli.sock")
        self.feed_sock = os.path.join(self.tmp, "feed.sock")
        self.stats = os.path.join(self.tmp, "stats.json")
        self.log_path = os.path.join(self.tmp, "vtepd.log")
        self.binary = binary
        self.args = list(args)
        self.env = env
        self.proc = None
        self.write_config(config_text)

    def fill(self, text):
        for k, val in (("@TMP@", self.tmp), ("@PREFIX@", self.prefix), ("@CLI@", self.cli_sock),
                       ("@FEED@", self.feed_sock)):
            text = text.replace(k, val)
        return text

    def write_config(self, text):
        with open(self.conf, "w") as f:
            f.write(self.fill(text))

    def command(self):
        return [self.binary, "-c", self.conf, "--stats-json", self.stats] + self.args

    def run(self, timeout=60):
        """Runs vtepd to its own exit (its args say when: --exit-on-idle,
        --duration): (exit status or why there is none, seconds)."""
        return run_to_exit(self.command(), self.log_path, cwd=self.tmp, timeout=timeout,
                           prefix=self.prefix)

    def start(self, wait_socket=True, timeout=20):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command(), stdout=self.log, stderr=self.log,
                                     env=self.env)
        if wait_socket:
            ok = wait_for(lambda: os.path.exists(self.cli_sock) or self.proc.poll() is not None,
                          timeout)
            if not ok or self.proc.poll() is not None:
                raise RuntimeError(f"vtepd did not start:\n{self.log_text()[-3000:]}")
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cli(self, cmd, timeout=10.0):
        return cli(self.cli_sock, cmd, timeout)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM (if still running), then its exit status; SIGKILL after
        timeout seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout=20):
        """Its exit status once it ends by itself (--duration); SIGKILL
        after timeout seconds (the status is then negative)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        remove_eal_runtime(self.prefix)
        return rc

    def stats_json(self):
        with open(self.stats) as f:
            return json.load(f)

    def log_text(self):
        return read_text(self.log_path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return False


def vtepd_binary():
    return sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "vtepd")
