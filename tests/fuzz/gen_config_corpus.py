#!/usr/bin/env python3
"""Write seed inputs for tests/fuzz/fuzz_config.c into tests/fuzz/corpus-config.

Seeds: the configuration files in conf/, the full example of docs/CONFIG.md,
and configurations written here that reach every section and key (ECMP
groups and routes, BFD, static MACs, flood lists, control sockets and feed
users, flow style), near the limits (nesting depth, many VNIs) and just
past them (an alias, too deep, a duplicate key, broken YAML). Plain Python:
run with any python3.

Usage: tests/fuzz/gen_config_corpus.py [OUTDIR]
"""
import glob
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HEAD = """vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: up0, role: underlay, devargs: "net_null0", mac: "02:00:00:00:00:01" }
  - { name: up1, role: underlay, devargs: "net_null1" }
  - { name: h0, role: access, devargs: "net_null2" }
  - { name: h1, role: access, devargs: "net_null3", mtu: 9000 }
"""

SEEDS = {
    "minimal.yaml": """vtep: { local_ip: 192.0.2.1 }
ports: [ { name: p, role: access, devargs: "net_null0" } ]
""",
    "groups-routes.yaml": HEAD + """underlay:
  nexthops:
    - { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
    - { name: spine2, port: up1, ip: 192.0.2.253, mac: "02:00:00:00:01:02" }
  ecmp_hash: [ inner_src_mac, inner_dst_mac, inner_ethertype, vni, outer_src_ip, outer_dst_ip ]
  groups:
    - { name: left, nexthops: [ spine1 ], ecmp_hash: [ inner_src_ip, inner_dst_ip ] }
    - { name: right, nexthops: [ spine2 ] }
  routes:
    - { prefix: 198.51.100.0/25, group: left }
    - { prefix: 198.51.100.128/25, group: right }
    - { prefix: 0.0.0.0/0, group: left }
vnis:
  - { vni: 100, access: [ { port: h0, vlan: untagged }, { port: h1, vlan: 4094 } ] }
""",
    "bfd-statics.yaml": HEAD + """eal: [ "--no-huge", "-l", "0-1" ]
underlay:
  nexthops:
    - { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
vnis:
  - vni: 16777215
    mac_limit: 7
    access: [ { port: h0, vlan: 10 } ]
    static_macs:
      - { mac: "02:00:00:00:aa:01", vtep: 198.51.100.2 }
      - { mac: "02:00:00:00:aa:02", port: h0 }
    flood: [ 198.51.100.2, 198.51.100.3, 203.0.113.9 ]
bfd:
  - { peer: 192.0.2.254, port: up0, tx_ms: 10, rx_ms: 10, multiplier: 3, hold_down_ms: 2000 }
control:
  cli_socket: /run/vtepd/cli.sock
  feed_socket: /run/vtepd/feed.sock
  feed_tcp_port: 11019
  feed_stale_s: 60
  feed_allowed_users: [ root, "0" ]
  feed_init_timeout_s: 0
  feed_idle_timeout_s: 30
  realtime_priority: 10
""",
    "flow-style.yaml": '{vtep: {local_ip: 192.0.2.1, udp_port: 4790, ttl: 1, underlay_mtu: 576, '
                       'mac_age_s: 0, mac_limit: 1, mac_table_size: 1024}, ports: [{name: a, '
                       'role: access, devargs: x}, {name: u, role: underlay, devargs: y}], '
                       'underlay: {nexthops: [{port: u, ip: 192.0.2.9, mac: "02:00:00:00:00:09"}]}, '
                       'vnis: [{vni: 1, access: [{port: a, vlan: untagged}]}]}\n',
    "alias.yaml": HEAD.replace("{ local_ip: 192.0.2.1 }", "&v { local_ip: 192.0.2.1 }")
                  + "vnis: *v\n",
    "duplicate-key.yaml": HEAD + "vtep: { local_ip: 192.0.2.2 }\n",
    "broken.yaml": HEAD + "vnis:\n  - vni: [100\n",
    # found by fuzz-config: an empty port list was once accepted
    "empty-ports.yaml": "vtep: { local_ip: 192.0.2.1 }\nports: [  ]\n",
    "classifier-metrics.yaml": HEAD.replace("{ local_ip: 192.0.2.1 }",
                                             "{ local_ip: 192.0.2.1, mempool_mbufs: 8192, "
                                             "residence_histogram: true }") + """underlay:
  nexthops:
    - { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
  groups:
    - { name: fast, nexthops: [ spine1 ] }
vnis:
  - { vni: 100, src_vtep_check: false, access: [ { port: h0, vlan: untagged } ] }
classifier:
  enabled: true
  threshold_packets: 20
  idle_s: 30
  flows_per_worker: 1024
  protocols: [ tcp, udp ]
  short: { group: fast, dscp: 46 }
  long: { group: default, dscp: 10 }
  vnis: [ 100 ]
  rewrite_inner_dscp: true
control: { metrics_listen: "127.0.0.1:9417", kernel_mirror: false }
""",
    "deep.yaml": "eal: " + "[" * 31 + "]" * 31 + "\n",
    "too-deep.yaml": "eal: " + "[" * 40 + "]" * 40 + "\n",
    "quoted.yaml": "\ufeff# comment\n---\n\"vtep\": { 'local_ip': \"192.0.2.1\" }\nports:\n"
                   "  - name: \"h\u00e9\"\n    role: access\n    devargs: 'net_null0,x=\"1\"'\n...\n",
}


def many_vnis(n):
    lines = [HEAD, "vnis:\n"]
    for i in range(n):
        lines.append("  - { vni: %d, access: [ { port: h0, vlan: %d } ], flood: [ 198.51.100.%d ] }\n"
                     % (1000 + i, 1 + i, 1 + i % 250))
    return "".join(lines)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus-config")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    seeds = dict(SEEDS)
    seeds["many-vnis.yaml"] = many_vnis(200)
    with open(os.path.join(ROOT, "docs", "CONFIG.md")) as f:
        m = re.search(r"```yaml\n(.*?)```", f.read(), re.S)
    seeds["config-md.yaml"] = m.group(1)
    for path in sorted(glob.glob(os.path.join(ROOT, "conf", "*.yaml"))):
        with open(path) as f:
            seeds["conf-" + os.path.basename(path)] = f.read()
    for name, text in sorted(seeds.items()):
        with open(os.path.join(out, "seed-" + name), "w") as f:
            f.write(text)
    print("%s: %d seeds" % (out, len(seeds)))


if __name__ == "__main__":
    main()
