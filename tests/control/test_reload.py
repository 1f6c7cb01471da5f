#!/usr/bin/python3
"""Reload semantics on a running vtepd (net_null ports): what changes and
what must not (issue: a daemon operators can reload).

- a BFD session removed by a reload lets its next hop into the ECMP groups
  (it was held out while the session was down); one added holds it out;
- an ECMP group whose members did not change keeps its buckets, one whose
  members changed is rebuilt;
- static MACs added, changed and removed; VNIs added and removed with their
  flood lists; route prefixes to groups;
- restart-only fields (ports, EAL, local_ip) refused by name; a file with
  an error refused with FILE:LINE:COL; the generation does not move then."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import NULL_PORT_LINES, Checks, Vtepd, eal, vtepd_binary  # noqa: E402

BASE = "\n" + eal("pmd.net.null:warning") + NULL_PORT_LINES + """underlay:
  nexthops:
    - { name: s1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
    - { name: s2, port: up0, ip: 192.0.2.253, mac: "02:00:00:00:01:02" }
  groups: [ { name: g1, nexthops: [ %(g1)s ] } ]
  routes: [ { prefix: 198.51.100.0/24, group: g1 } ]
vnis:
  - vni: 100
    access: [ { port: h0, vlan: 10 } ]
    static_macs: [ %(statics)s ]
    flood: [ %(flood)s ]
%(more)s
%(bfd)s
control: { cli_socket: "@CLI@" }
"""


def conf(g1="s1, s2", statics='{ mac: "02:00:00:00:aa:01", vtep: 198.51.100.2 }',
         flood="198.51.100.2", more="", bfd="bfd: [ { peer: 192.0.2.253, port: up0 } ]"):
    return BASE % dict(g1=g1, statics=statics, flood=flood, more=more, bfd=bfd)


def groups(v):
    return {g["name"]: {m["nexthop"]: (m["live"], m["buckets"]) for m in g["members"]}
            for g in v.cli("show stats")["ecmp_groups"]}


def macs(v):
    return {(m["vni"], m["mac"]): m for m in v.cli("show macs")["macs"]}


def reload(v, text):
    v.write_config(text)
    return v.cli("reload")


def main():
    c = Checks()
    with Vtepd(vtepd_binary(), conf(), name="reload") as v:
        v.start()
        g = groups(v)
        c.check("start: s2 held out by its BFD session (down)",
                g["default"] == {"s1": (True, 256), "s2": (False, 0)}, g)
        r = reload(v, conf(bfd=""))
        g = groups(v)
        c.check("BFD session removed: s2 joins its groups",
                r.get("ok") and g["default"]["s2"][0] and g["default"]["s2"][1] > 100, (r, g))
        c.check("bfd sessions gone", v.cli("show bfd")["sessions"] == [])
        before = v.cli("show stats")["ecmp_groups"]
        r = reload(v, conf(bfd="", flood="198.51.100.2, 198.51.100.7"))
        after = v.cli("show stats")["ecmp_groups"]
        c.check("unchanged groups keep their buckets (reported kept: 2)",
                before == after and "ECMP groups kept 2" in r.get("result", ""), (r, before, after))
        vn = {x["vni"]: x for x in v.cli("show vnis")["vnis"]}
        c.check("flood list change applied", vn[100]["flood_count"] == 2, vn)
        r = reload(v, conf(bfd="", g1="s2"))
        g = groups(v)
        c.check("changed group rebuilt: g1 = s2 only", g["g1"] == {"s2": (True, 256)}, g)
        c.check("... the default group kept", "kept 1" in r.get("result", ""), r)
        r = reload(v, conf(bfd="bfd: [ { peer: 192.0.2.254, port: up0 } ]", g1="s2"))
        g = groups(v)
        c.check("BFD session added: s1 held out until it comes up",
                g["default"]["s1"] == (False, 0) and g["default"]["s2"] == (True, 256), g)
        sess = v.cli("show bfd")["sessions"]
        c.check("the new session exists, Down", len(sess) == 1 and sess[0]["peer"] == "192.0.2.254"
                and sess[0]["state"] == "Down", sess)

        m = macs(v)
        c.check("static MAC in place", m.get((100, "02:00:00:00:aa:01"), {}).get("vtep") ==
                "198.51.100.2", m)
        more = """  - vni: 200
    access: [ { port: h0, vlan: 20 } ]
    static_macs: [ { mac: "02:00:00:00:bb:01", port: h0 } ]
    flood: [ 198.51.100.9 ]"""
        r = reload(v, conf(bfd="", statics='{ mac: "02:00:00:00:aa:01", vtep: 198.51.100.3 }, '
                           '{ mac: "02:00:00:00:aa:02", vtep: 198.51.100.4 }', more=more))
        m = macs(v)
        c.check("static MAC changed", m.get((100, "02:00:00:00:aa:01"), {}).get("vtep") ==
                "198.51.100.3", m)
        c.check("static MAC added", m.get((100, "02:00:00:00:aa:02"), {}).get("vtep") ==
                "198.51.100.4", m)
        c.check("VNI 200 added with its local static MAC on VLAN 20",
                m.get((200, "02:00:00:00:bb:01"), {}).get("vlan") == 20, m)
        vn = {x["vni"]: x for x in v.cli("show vnis")["vnis"]}
        c.check("VNI 200 has its flood list", vn.get(200, {}).get("flood_count") == 1, vn)
        r = reload(v, conf(bfd="", statics=""))
        m = macs(v)
        vn = {x["vni"]: x for x in v.cli("show vnis")["vnis"]}
        c.check("statics removed and VNI 200 removed with its MAC",
                m == {} and sorted(vn) == [100], (m, vn))
        st = v.cli("show stats")
        c.check("VNI 200's counters and flood list gone", "200" not in st["vnis"], st["vnis"].keys())

        gen = v.cli("show version")["config_generation"]
        for what, text in (
                ("ports[1]", conf(bfd="").replace("net_null1,no-rx=1", "net_null9,no-rx=1")),
                ("eal", conf(bfd="").replace('"-m", "512"', '"-m", "256"')),
                ("vtep.local_ip", conf(bfd="").replace("192.0.2.1 }", "192.0.2.9 }"))):
            r = reload(v, text)
            c.check(f"restart-only change refused by name: {what}",
                    f"{what}: changed; this needs a restart" in r.get("error", ""), r)
        r = reload(v, conf(bfd="").replace("vni: 100", "vni: 100\n    bogus: 1"))
        c.check("a file with an error: refused with file:line:col",
                "vtepd.yaml:16:5: vnis[0].bogus: unknown key" in r.get("error", ""), r)
        c.check("the generation did not move", v.cli("show version")["config_generation"] == gen)
        rc = v.stop()
    c.check("exit 0", rc == 0, rc)
    if c.failed:
        print(v.log_text()[-2000:])
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
