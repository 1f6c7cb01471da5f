#!/usr/bin/python3
"""EVPN feed integration: the real build/vtepd (net_null ports) takes BMP
sessions on its Unix socket and loopback TCP port; the CLI socket shows what
it learned. Covers the FRR 8.4.4 capture, several feeds at once, a broken
feed closed without disturbing the others, a malformed message skipped,
withdrawals, peer down, reconnect with refresh + End-of-RIB, stale sweep."""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import bmp_build as B  # noqa: E402
from vtepdtest import ROOT, Checks, Vtepd, cli, vtepd_binary, wait_for  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "frr-8.4.4-ibgp-evpn.bmp")
CONFIG = """
eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "@PREFIX@" ]
vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }
  - { name: h0, role: access, devargs: "net_null1,no-rx=1" }
underlay:
  nexthops: [ { port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - { vni: 100, access: [ { port: h0 } ], flood: [ 203.0.113.9 ] }
  - { vni: 200 }
  - vni: 300
    static_macs: [ { mac: "02:00:00:00:03:03", vtep: 203.0.113.3 } ]
control: { cli_socket: "@CLI@", feed_socket: "@FEED@", feed_tcp_port: @PORT@, feed_stale_s: 2 }
"""


def macs(path):
    return {(m["vni"], m["mac"]): m for m in cli(path, "show macs")["macs"]}


def fixture_msgs():
    with open(FIXTURE, "rb") as f:
        return B.split(f.read())


def main():
    c = Checks()
    check = c.check
    port = 20000 + os.getpid() % 20000
    v = Vtepd(vtepd_binary(), CONFIG.replace("@PORT@", str(port)), name="feedtest")
    cli_sock, feed_sock = v.cli_sock, v.feed_sock
    v.start(wait_socket=False)
    try:
        ok = wait_for(lambda: os.path.exists(cli_sock) and os.path.exists(feed_sock), 15)
        check("vtepd listens on the CLI and feed sockets", ok)
        check("feed socket mode 0660", oct(os.stat(feed_sock).st_mode & 0o777) == "0o660")

        # 1. the FRR 8.4.4 capture, without its final Peer Down
        msgs = fixture_msgs()
        a = socket.socket(socket.AF_UNIX)
        a.connect(feed_sock)
        a.sendall(b"".join(msgs[:-1]))
        m = wait_for(lambda: macs(cli_sock).get((100, "02:00:00:00:01:01")))
        check("capture: remote MAC learned with VNI from the type-3 RD (label 0 in BMP)",
              m and m["type"] == "remote" and m["vtep"] == "198.51.100.1", m)
        ev = cli(cli_sock, "show evpn")
        check("capture: RIB flood list = type-3 originator",
              ev["rib"]["flood"].get("100") == ["198.51.100.1"], ev["rib"]["flood"])
        fl = cli(cli_sock, "show stats")["vnis"]["100"]["flood_list"]
        check("capture: dataplane flood list = configured + type-3", fl == ["198.51.100.1", "203.0.113.9"], fl)
        feeds = {f["name"]: f for f in ev["feeds"]}
        check("capture: feed named by sysName 'leaf2', post-policy copies skipped",
              "leaf2" in feeds and feeds["leaf2"]["skipped_not_pre_policy"] == 9, feeds)

        # 2. a second feed over TCP, 2-byte ... built here: other VNIs, mobility
        b = socket.create_connection(("127.0.0.1", port))
        peer = dict(peer="198.51.100.20", bgp_id="198.51.100.20")
        b.sendall(B.initiation("spine-b") +
                  B.route_monitoring(B.update(B.type3(B.rd1("198.51.100.21", 200), "198.51.100.21"),
                                              nexthop="198.51.100.21", ext=B.rt(65000, 200),
                                              pmsi=(200, "198.51.100.21")), **peer) +
                  B.route_monitoring(B.update(B.type2(B.rd1("198.51.100.21", 200), "02:00:00:00:02:01"),
                                              nexthop="198.51.100.21", ext=B.rt(65000, 200)), **peer) +
                  B.route_monitoring(B.update(B.type2(B.rd0(65000, 7), "02:00:00:00:02:02", label=200),
                                              nexthop="198.51.100.22"), **peer) +
                  B.route_monitoring(B.update(B.type2(B.rd0(65000, 8), "02:00:00:00:02:03"),
                                              nexthop="198.51.100.23", ext=B.rt(65000, 200)), **peer) +
                  B.route_monitoring(B.update(B.type2(B.rd0(65000, 9), "02:00:00:00:02:09", label=200),
                                              nexthop="192.0.2.1"), **peer) +
                  B.route_monitoring(B.update(B.type2(B.rd0(65000, 7), "02:00:00:00:03:03", label=300),
                                              nexthop="198.51.100.22"), **peer) +
                  B.end_of_rib(**peer))
        mm = wait_for(lambda: (lambda t: t if (200, "02:00:00:00:02:03") in t else None)(macs(cli_sock)))
        check("TCP feed: VNI from RD of a type-3", mm.get((200, "02:00:00:00:02:01"), {}).get("vtep") == "198.51.100.21")
        check("TCP feed: VNI from the label", mm.get((200, "02:00:00:00:02:02"), {}).get("vtep") == "198.51.100.22")
        check("TCP feed: VNI from the route target", mm.get((200, "02:00:00:00:02:03"), {}).get("vtep") == "198.51.100.23")
        check("route with our own VTEP as next hop ignored", (200, "02:00:00:00:02:09") not in mm)
        check("static MAC not overridden by EVPN", mm.get((300, "02:00:00:00:03:03"), {}).get("vtep") == "203.0.113.3")
        check("first feed untouched", mm.get((100, "02:00:00:00:01:01"), {}).get("vtep") == "198.51.100.1")

        # MAC mobility: a higher sequence from another VTEP wins, lower does not
        b.sendall(B.route_monitoring(B.update(B.type2(B.rd0(65000, 10), "02:00:00:00:02:02", label=200),
                                              nexthop="198.51.100.30", ext=B.mac_mobility(5)),
                                     peer="198.51.100.30", bgp_id="198.51.100.30"))
        check("MAC mobility: higher sequence wins",
              wait_for(lambda: macs(cli_sock).get((200, "02:00:00:00:02:02"), {}).get("vtep") == "198.51.100.30"))

        # 3. a broken feed (bad BMP version) is closed; nobody else notices
        bad_feed = socket.socket(socket.AF_UNIX)
        bad_feed.connect(feed_sock)
        bad_feed.sendall(b"\x07\x00\x00\x00\x10\x04" + b"\0" * 10)
        bad_feed.settimeout(2)
        try:
            closed = bad_feed.recv(1) == b""
        except OSError:
            closed = True
        check("bad version: that session is closed", closed)
        # a malformed message in good framing is skipped, the session lives on
        bad = bytearray(B.route_monitoring(B.update(B.type2(B.rd0(1, 1), "02:00:00:00:09:09", label=200))))
        bad[6 + 42 + 18] = 0x01           # BGP type 1 (OPEN) inside Route Monitoring
        b.sendall(bytes(bad) + B.route_monitoring(B.update(B.type2(B.rd0(65000, 11), "02:00:00:00:02:04",
                                                                    label=200), nexthop="198.51.100.24"),
                                                  **peer))
        check("malformed message skipped, next one applied",
              wait_for(lambda: (200, "02:00:00:00:02:04") in macs(cli_sock)))
        feeds = {f["name"]: f for f in cli(cli_sock, "show evpn summary")["feeds"]}
        check("malformed counted on its feed", feeds.get("spine-b", {}).get("malformed") == 1, feeds)
        check("other feeds unaffected", len(macs(cli_sock)) >= 6)

        # 4. withdrawal
        b.sendall(B.route_monitoring(B.update(withdrawn=B.type2(B.rd0(65000, 11), "02:00:00:00:02:04",
                                                                 label=200)), **peer))
        check("withdrawal removes the MAC",
              wait_for(lambda: (200, "02:00:00:00:02:04") not in macs(cli_sock)))

        # 5. the capture feed closes and reconnects: paths stay while stale,
        #    the new dump refreshes them, End-of-RIB sweeps only what was not re-sent
        a.close()
        time.sleep(0.2)
        s = cli(cli_sock, "show evpn summary")
        check("closed feed: paths kept (stale)", s["rib_counters"]["stale"] >= 3 and
              (100, "02:00:00:00:01:01") in macs(cli_sock), s["rib_counters"])
        a = socket.socket(socket.AF_UNIX)
        a.connect(feed_sock)
        a.sendall(b"".join(msgs[:-1]))
        check("reconnect: stale paths refreshed by the new dump",
              wait_for(lambda: cli(cli_sock, "show evpn summary")["rib_counters"]["stale"] == 0))
        time.sleep(2.5)
        check("refreshed paths survive the stale timeout", (100, "02:00:00:00:01:01") in macs(cli_sock))

        # 6. Peer Down removes exactly that peer's paths
        a.sendall(msgs[-1])
        check("peer down: the capture's MAC removed",
              wait_for(lambda: (100, "02:00:00:00:01:01") not in macs(cli_sock)))
        check("peer down: other feed's MACs kept", (200, "02:00:00:00:02:01") in macs(cli_sock))
        ev = cli(cli_sock, "show evpn")
        check("RIB flood list empty again",
              ev["rib"]["flood"].get("100") in (None, []), ev["rib"]["flood"])
        fl = cli(cli_sock, "show stats")["vnis"]["100"]["flood_list"]
        check("dataplane flood list back to the configured one", fl == ["203.0.113.9"], fl)

        # the operator's views: Prometheus text and the vtepctl client
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "vtepctl"), "-s", cli_sock,
                            "show", "metrics"], capture_output=True, text=True)
        check("show metrics: Prometheus text with MAC gauges and drop counters",
              r.returncode == 0 and 'vtepd_vni_macs{vni="200"}' in r.stdout and
              'vtepd_drops_total{reason="vxlan_unknown_vni",path="underlay"} 0' in r.stdout and
              "# TYPE vtepd_port_rx_packets_total counter" in r.stdout, r.stdout[:300])
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "vtepctl"), "-s", cli_sock,
                            "show", "bogus"], capture_output=True, text=True)
        check("vtepctl: unknown command is an error", r.returncode == 1 and "unknown command" in r.stdout)

        # 7. the TCP feed closes and never returns: swept after feed_stale_s
        b.close()
        check("closed feed swept after its stale timeout",
              wait_for(lambda: (200, "02:00:00:00:02:01") not in macs(cli_sock), 5))
        a.close()
    finally:
        rc = v.stop(15)
    check("vtepd exits 0 on SIGTERM", rc == 0, rc)
    st = v.stats_json()
    check("no mbuf leak", st["mempool"]["in_use"] == 0)
    check("sockets removed at exit", not os.path.exists(cli_sock) and not os.path.exists(feed_sock))
    if c.failed:
        print(v.log_text()[-3000:])
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
