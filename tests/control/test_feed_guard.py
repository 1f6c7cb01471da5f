#!/usr/bin/python3
"""Only the BGP speaker may feed routes, and no feed can stall the control
thread (issue: a control plane no client can crash, stall or poison).

- a TCP feed from an unprivileged uid (65534) is refused and counted
  (refused_uid), and its routes never reach the tables; the same bytes from
  root are applied; the same on the Unix socket (opened to everyone for the
  test) through SO_PEERCRED;
- 32 idle connections do not lock out a real feed: the newcomer evicts the
  oldest that sent no BMP Initiation; the rest are closed at the Initiation
  deadline;
- a feed streaming BMP as fast as it can is served in slices: the CLI keeps
  answering, every route is applied in the end;
- per-connection log lines are rate-limited."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import bmp_build as B  # noqa: E402
from vtepdtest import NULL_PORTS, SLOW, Checks, Vtepd, vtepd_binary, wait_for  # noqa: E402

NOBODY = 65534


def config(port):
    return NULL_PORTS + """
vnis:
  - { vni: 100, access: [ { port: h0 } ] }
  - { vni: 200 }
control: { cli_socket: "@CLI@", feed_socket: "@FEED@", feed_tcp_port: %d,
           feed_allowed_users: [ root ], feed_init_timeout_s: 3 }
""" % port


def feed_bytes(mac, vtep, name):
    peer = dict(peer="198.51.100.20", bgp_id="198.51.100.20")
    return (B.initiation(name) +
            B.route_monitoring(B.update(B.type2(B.rd0(65000, 7), mac, label=100),
                                        nexthop=vtep), **peer))


def send_as(uid, family, addr, data):
    """Connect (as uid, in a child process) and send data; True when the
    whole of it was sent before the server closed the connection."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = b"0"
        try:
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(family)
            s.connect(addr)
            s.sendall(data)
            s.settimeout(3)
            try:
                s.recv(1)
            except OSError:
                pass
            ok = b"1"
        except OSError:
            pass
        os.write(w, ok)
        os._exit(0)
    os.close(w)
    ok = os.read(r, 1) == b"1"
    os.close(r)
    os.waitpid(pid, 0)
    return ok


def macs(v):
    return {(m["vni"], m["mac"]): m for m in v.cli("show macs")["macs"]}


def server(v):
    return v.cli("show evpn summary")["server"]


def main():
    c = Checks()
    if os.geteuid() != 0:
        print("needs root (setuid to an unprivileged user)")
        return 77
    port = 21000 + os.getpid() % 20000
    with Vtepd(vtepd_binary(), config(port), name="feedguard") as v:
        v.start()
        wait_for(lambda: os.path.exists(v.feed_sock), 5)

        send_as(NOBODY, socket.AF_INET, ("127.0.0.1", port),
                feed_bytes("02:00:00:00:0a:01", "198.51.100.31", "intruder"))
        s = wait_for(lambda: (lambda x: x if x["refused_uid"] >= 1 else None)(server(v)))
        c.check("TCP feed from uid 65534: refused and counted", s["refused_uid"] == 1, s)
        time.sleep(0.3)
        c.check("... and its MAC is not in the table", (100, "02:00:00:00:0a:01") not in macs(v))
        send_as(0, socket.AF_INET, ("127.0.0.1", port),
                feed_bytes("02:00:00:00:0a:01", "198.51.100.31", "speaker"))
        m = wait_for(lambda: macs(v).get((100, "02:00:00:00:0a:01")))
        c.check("the same bytes from root: applied", m and m["vtep"] == "198.51.100.31", m)

        os.chmod(v.tmp, 0o711)            # let the unprivileged user reach the socket
        os.chmod(v.feed_sock, 0o666)
        send_as(NOBODY, socket.AF_UNIX, v.feed_sock,
                feed_bytes("02:00:00:00:0a:02", "198.51.100.32", "intruder2"))
        s = wait_for(lambda: (lambda x: x if x["refused_uid"] >= 2 else None)(server(v)))
        c.check("Unix feed from uid 65534 (SO_PEERCRED): refused and counted",
                s["refused_uid"] == 2, s)
        c.check("... and its MAC is not in the table", (100, "02:00:00:00:0a:02") not in macs(v))

        # 32 idle connections from an allowed user hold every slot
        idle = []
        for _ in range(32):
            s = socket.create_connection(("127.0.0.1", port))
            idle.append(s)
        time.sleep(0.3)
        real = socket.socket(socket.AF_UNIX)
        real.connect(v.feed_sock)
        real.sendall(feed_bytes("02:00:00:00:0b:01", "198.51.100.33", "real-speaker"))
        m = wait_for(lambda: macs(v).get((100, "02:00:00:00:0b:01")))
        c.check("32 idle connections: a real feed still gets in and is applied",
                m and m["vtep"] == "198.51.100.33", m)
        s = server(v)
        c.check("an idle connection was evicted for it", s["evicted"] >= 1, s)
        s = wait_for(lambda: (lambda x: x if x["init_timeouts"] >= 30 else None)(server(v)), 6)
        c.check("the other idle ones closed at the Initiation deadline (3 s)",
                s and s["init_timeouts"] >= 30, s)
        for s in idle:
            s.close()

        # a feed streaming as fast as it can: sliced, the CLI keeps answering
        peer = dict(peer="198.51.100.40", bgp_id="198.51.100.40")
        n_routes = 60000
        blob = B.initiation("flood") + b"".join(
            B.route_monitoring(B.update(B.type2(B.rd0(65000, 9), "02:01:%02x:%02x:%02x:%02x" % (
                (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255), label=200),
                nexthop="198.51.100.41"), **peer) for i in range(n_routes))
        fl = socket.socket(socket.AF_UNIX)
        fl.connect(v.feed_sock)
        import threading
        th = threading.Thread(target=lambda: fl.sendall(blob))
        t0 = time.monotonic()
        th.start()
        worst = 0.0
        while th.is_alive() or time.monotonic() - t0 < 0.5:
            t = time.monotonic()
            v.cli("show version")
            worst = max(worst, (time.monotonic() - t) * 1000)
            time.sleep(0.01)
        th.join()
        n = wait_for(lambda: (lambda x: x if x >= n_routes else None)(
            v.cli("show vnis")["vnis"][1]["mac_count"]), 30)
        took = time.monotonic() - t0
        c.check(f"streaming feed ({len(blob) >> 20} MiB, {n_routes} routes in {took:.2f} s): "
                f"every route applied", n == n_routes, n)
        c.check(f"... while the CLI answered within {100 * SLOW:.0f} ms (worst {worst:.1f} ms)",
                worst < 100 * SLOW,
                worst)
        s = server(v)
        c.check("... the feed was served in slices", s["slices_exhausted"] > 0, s)
        fl.close()

        # rate-limited logging: 100 connections that each send Initiation
        before = v.log_text().count("initiation")
        for i in range(100):
            s = socket.socket(socket.AF_UNIX)
            s.connect(v.feed_sock)
            s.sendall(B.initiation(f"noisy{i}"))
            s.close()
        # the log is written as the control thread gets to each connection
        wait_for(lambda: v.log_text().count("initiation") > before, 5 * SLOW)
        time.sleep(0.5 * SLOW)
        text = v.log_text()
        lines = text.count("initiation") - before
        c.check(f"100 initiations: {lines} log lines (rate-limited)", 0 < lines <= 12, lines)
        c.check("vtepd alive", v.alive())
        rc = v.stop()
    c.check("SIGTERM: exit 0", rc == 0, rc)
    if c.failed:
        print(v.log_text()[-3000:])
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
