#!/usr/bin/python3
"""The CLI socket cannot crash or stall vtepd (issue: a control plane no
client can crash or stall).

- every registered command, sent by a client that closes before reading
  the answer (plain close, and close with RST): vtepd lives on, answers the
  next client, and counts the clients that went away;
- 20 connect-and-close clients;
- silent, trickling and non-reading clients are cut at their deadline,
  while other clients are answered at once (the control thread is never
  held by a client);
- an over-long line gets an error, not a crash;
- more clients than slots: the idle ones are evicted, operators get in."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import NULL_PORTS, Checks, Vtepd, cli, vtepd_binary, wait_for  # noqa: E402

CONFIG = NULL_PORTS + """
vnis:
  - { vni: 100, access: [ { port: h0 } ], flood: [ 203.0.113.9 ] }
control: { cli_socket: "@CLI@", feed_socket: "@FEED@" }
"""


def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s


def timed_version(path):
    t = time.monotonic()
    v = cli(path, "show version", timeout=5)
    return v, (time.monotonic() - t) * 1000


def main():
    c = Checks()
    with Vtepd(vtepd_binary(), CONFIG, name="clirob") as v:
        v.start()
        cmds = sorted(v.cli("help")["commands"].keys())
        c.check("help lists the commands", "show stats" in cmds and "reload" in cmds, cmds)
        lines = cmds + ["help", "show evpn summary", "bogus command", ""]
        gone = 0
        for line in lines:
            for rst in (False, True):
                s = connect(v.cli_sock)
                s.sendall(line.encode() + b"\n")
                if rst:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                gone += 1
            ok = v.alive() and "vtepd" in v.cli("show version")
            c.check(f"'{line}': client closed before the answer (FIN and RST): vtepd lives on", ok)
        for _ in range(20):
            connect(v.cli_sock).close()
        c.check("20 connect-and-close clients: vtepd lives on", v.alive() and v.cli("show version"))

        # a long answer ("show stats") to a client that never reads
        hogs = []
        for _ in range(3):
            s = connect(v.cli_sock)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            s.sendall(b"show stats\n")
            hogs.append(s)
        silent = [connect(v.cli_sock) for _ in range(3)]
        trickle = connect(v.cli_sock)
        worst = 0.0
        trickle_cut = None
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3.0:
            try:
                trickle.send(b"s")
            except OSError:
                if trickle_cut is None:
                    trickle_cut = time.monotonic() - t0
            _, ms = timed_version(v.cli_sock)
            worst = max(worst, ms)
            time.sleep(0.2)
        c.check(f"with 3 silent, 3 non-reading and 1 trickling client, other clients answered "
                f"within 200 ms (worst {worst:.1f} ms)", worst < 200, worst)
        st = v.cli("show stats")["cli"]
        c.check("silent and trickling clients cut at the 2 s deadline", st["timeouts"] >= 4, st)
        c.check(f"the trickling client was cut after {trickle_cut or 0:.1f} s (deadline 2 s)",
                trickle_cut is not None and 1.9 <= trickle_cut <= 2.8, trickle_cut)
        for s in hogs + silent + [trickle]:
            s.close()

        s = connect(v.cli_sock)
        s.sendall(b"x" * 2000)
        s.settimeout(5)
        ans = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                ans += b
        except OSError:
            pass
        s.close()
        c.check("over-long command line: an error answer", b"longer than" in ans, ans[:200])

        idle = [connect(v.cli_sock) for _ in range(40)]
        v0, ms = timed_version(v.cli_sock)
        c.check(f"40 idle clients (16 slots): an operator still gets in ({ms:.1f} ms)",
                "vtepd" in v0 and ms < 500, ms)
        st = v.cli("show stats")["cli"]
        c.check("idle clients evicted to make room", st["evicted"] >= 24, st)
        for s in idle:
            s.close()
        st = wait_for(lambda: (lambda x: x if x["client_gone"] >= 1 else None)(v.cli("show stats")["cli"]))
        c.check(f"clients that went away are counted (client_gone {st['client_gone']})",
                st["client_gone"] >= 1, st)
        rc = v.stop()
    c.check("SIGTERM: exit 0", rc == 0, rc)
    c.check("sockets removed at exit", not os.path.exists(v.cli_sock) and
            not os.path.exists(v.feed_sock))
    c.check("no mbuf leak", v.stats_json()["mempool"]["in_use"] == 0)
    if c.failed:
        print(v.log_text()[-3000:])
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
