#!/usr/bin/python3
"""Route churn under load: while vtepd forwards a steady stream (net_pcap
infinite_rx on the access port -> encap -> net_null underlay), a BMP feed
adds and withdraws thousands of routes for other MACs. The forwarded flows
(one to a static remote MAC, one to a MAC learned from the same feed and
never withdrawn) must lose nothing: every received packet is encapsulated
and transmitted, no drop counter moves."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import bmp_build as B  # noqa: E402
from vtepdtest import SLOW, Checks, Vtepd, cli, vtepd_binary, wait_for  # noqa: E402

CONFIG = """eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "@PREFIX@" ]
vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: h0, role: access, devargs: "net_pcap0,rx_pcap=@TMP@/in.pcap,infinite_rx=1" }
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }
underlay:
  nexthops: [ { port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - vni: 100
    access: [ { port: h0 } ]
    static_macs: [ { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 } ]
control: { cli_socket: "@CLI@", feed_socket: "@FEED@" }
"""


def main():
    from scapy.all import IP, UDP, Ether, Raw, wrpcap
    c = Checks()
    check = c.check
    tmp = tempfile.mkdtemp(prefix="vtepd-churn-")
    frames = []
    for i in range(64):   # two destinations, 32 flows each
        dst = "02:00:00:00:aa:02" if i % 2 else "02:00:00:00:bb:02"
        f = Ether(src="02:00:00:00:aa:01", dst=dst) / IP(src="203.0.113.1", dst="203.0.113.2") / \
            UDP(sport=1000 + i, dport=80)
        frames.append(f / Raw(b"\0" * (60 - len(f))))
    wrpcap(os.path.join(tmp, "in.pcap"), frames)
    v = Vtepd(vtepd_binary(), CONFIG, name="churn", tmp=tmp)
    cli_sock = v.cli_sock
    peer = dict(peer="198.51.100.250", bgp_id="198.51.100.250")
    rounds = 0
    try:
        v.start()
        wait_for(lambda: os.path.exists(v.feed_sock), 6)
        s = socket.socket(socket.AF_UNIX)
        s.connect(v.feed_sock)
        # the EVPN-learned destination of the second flow, never withdrawn
        s.sendall(B.initiation("churn") + B.route_monitoring(
            B.update(B.type2(B.rd0(65000, 100), "02:00:00:00:bb:02", label=100),
                     nexthop="198.51.100.3"), **peer))
        wait_for(lambda: any(m["mac"] == "02:00:00:00:bb:02"
                             for m in cli(cli_sock, "show macs")["macs"]), 5)
        time.sleep(0.05)
        before = cli(cli_sock, "show stats")
        # churn: 20,000 other MACs added then withdrawn, repeatedly
        nlri = [B.type2(B.rd0(65000, 100), "02:01:00:00:%02x:%02x" % (i >> 8, i & 0xff), label=100)
                for i in range(20000)]
        adds = b"".join(B.route_monitoring(B.update(b"".join(nlri[k:k + 100]),
                                                    nexthop="198.51.100.%d" % (10 + k // 100 % 200)),
                                           **peer) for k in range(0, len(nlri), 100))
        dels = b"".join(B.route_monitoring(B.update(withdrawn=b"".join(nlri[k:k + 100])), **peer)
                        for k in range(0, len(nlri), 100))
        t_end = time.time() + 3.5
        while time.time() < t_end or rounds < 2:
            s.sendall(adds)
            s.sendall(dels)
            rounds += 1
        s.sendall(adds)
        time.sleep(0.3)
        after = cli(cli_sock, "show stats")
        s.close()
    finally:
        rc = v.stop(30 * SLOW)   # SIGTERM: flush, write the stats, exit 0
    st = v.stats_json()
    rx = st["ports"]["h0"]["rx_packets"]
    enc = st["vnis"]["100"]["encap_packets"]
    tx = st["ports"]["up0"]["tx_packets"]
    drops = {k: n for k, n in st["drops"].items() if n and k != "flood_no_target"}
    flood = st["vnis"]["100"]["flood_packets"]
    d_rx = after["ports"]["h0"]["rx_packets"] - before["ports"]["h0"]["rx_packets"]
    d_flood = after["vnis"]["100"]["flood_packets"] - before["vnis"]["100"]["flood_packets"]
    # a sanitizer build forwards a hundred times slower: the rate is not what it tests
    min_rx = 1000000 if SLOW == 1 else 1000
    print(f"{rounds} churn rounds of 20,000 adds + 20,000 withdrawals; {rx} packets forwarded")
    check("vtepd ran and exited cleanly", rc == 0, rc)
    check(f"traffic flowed during the churn (> {min_rx} packets)", rx > min_rx, rx)
    check("every received packet encapsulated (or flooded before the EVPN route came)",
          enc + flood == rx, (enc, flood, rx))
    check("every encapsulated packet sent", tx == enc, (tx, enc))
    check("no drop other than those early floods", not drops, drops)
    check(f"during the churn: traffic flowed (> {min_rx} packets)", d_rx > min_rx, d_rx)
    check("during the churn: no packet flooded (both destinations stayed known)", d_flood == 0, d_flood)
    check("churned routes applied", rounds >= 2 and st["evpn"]["rib"]["counters"]["withdraws"] >= 20000)
    check("no mbuf leak", st["mempool"]["in_use"] == 0)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
