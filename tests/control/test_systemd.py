#!/usr/bin/python3
"""vtepd under systemd (issue: a daemon operators can run and reload):
the unit file passes `systemd-analyze verify`, and the sd_notify protocol
is spoken: READY=1 only once the CLI socket listens, RELOADING=1 then
READY=1 around a SIGHUP reload, WATCHDOG=1 pings at half the period
systemd asks for, STOPPING=1 on SIGTERM. The example configuration passes
`vtepd --check` up to what needs the real machine (PCI devices)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import NULL_PORTS, ROOT, Checks, Vtepd, vtepd_binary  # noqa: E402

CONFIG = NULL_PORTS + """
vnis: [ { vni: 100, access: [ { port: h0 } ] } ]
control: { cli_socket: "@CLI@" }
"""


def main():
    c = Checks()
    unit = os.path.join(ROOT, "conf", "vtepd.service")
    sa = shutil.which("systemd-analyze")
    if not c.check("systemd-analyze is installed (bash scripts/install-deps)", sa):
        return c.summary()
    # verify against the real binary path the unit names
    tmpbin = "/usr/local/bin/vtepd"
    placed = False
    if not os.path.exists(tmpbin):
        shutil.copy(vtepd_binary(), tmpbin)
        placed = True
    try:
        r = subprocess.run([sa, "verify", unit], capture_output=True, text=True)
    finally:
        if placed:
            os.unlink(tmpbin)
    errs = [ln for ln in (r.stdout + r.stderr).splitlines() if "vtepd.service" in ln]
    c.check("systemd-analyze verify conf/vtepd.service: no complaint about the unit",
            r.returncode == 0 and not errs, r.stdout + r.stderr)

    v = Vtepd(vtepd_binary(), CONFIG, name="sdnotify")
    ns_path = os.path.join(v.tmp, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(ns_path)
    ns.settimeout(20)
    env = dict(os.environ, NOTIFY_SOCKET=ns_path, WATCHDOG_USEC="400000")
    v.env = env
    v.start(wait_socket=False)
    msgs = []

    def recv_until(token, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            ns.settimeout(max(0.1, end - time.time()))
            try:
                m = ns.recv(4096).decode()
            except socket.timeout:
                break
            msgs.append((time.time(), m))
            if token in m:
                return m
        return None

    m = recv_until("READY=1")
    c.check("READY=1 sent", m is not None, msgs)
    c.check("... after the CLI socket listens", os.path.exists(v.cli_sock))
    t0 = time.time()
    n_wd = 0
    while time.time() - t0 < 1.0:
        try:
            if "WATCHDOG=1" in ns.recv(4096).decode():
                n_wd += 1
        except socket.timeout:
            break
    c.check(f"WATCHDOG=1 about every 200 ms ({n_wd} in 1 s, period asked 400 ms)", 3 <= n_wd <= 7,
            n_wd)
    v.signal(signal.SIGHUP)
    m1 = recv_until("RELOADING=1", 5)
    m2 = recv_until("READY=1", 5)
    c.check("SIGHUP: RELOADING=1 then READY=1", m1 is not None and m2 is not None, msgs[-5:])
    v.signal(signal.SIGTERM)
    m = recv_until("STOPPING=1", 10)
    c.check("SIGTERM: STOPPING=1", m is not None, msgs[-5:])
    rc = v.stop()
    c.check("exit 0", rc == 0, rc)

    r = subprocess.run([vtepd_binary(), "-c", os.path.join(ROOT, "conf", "vtepd.example.yaml"),
                        "--check"], capture_output=True, text=True)
    out = r.stdout + r.stderr
    c.check("conf/vtepd.example.yaml parses; --check stops only at what this machine lacks "
            "(/run/vtepd)", "/run/vtepd" in out or r.returncode == 0, out)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
