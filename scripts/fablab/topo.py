"""The fabric's topology: one YAML file (conf/fabric.yaml) read, checked and
turned into every name, address and configuration text the lab needs. No
side effects here: lab.py creates what this module describes.

Address plan (only the documentation ranges of RFC 5737):
  192.0.2.1-8          spine router ids (on lo, not advertised)
  192.0.2.11-73        leaf j's VTEP address 192.0.2.(9+2j) (on lo; the local end of
                       a vtepd leaf's uplinks), in the /31 192.0.2.(8+2j)/31
  192.0.2.130-193      management links: 192.0.2.(128+2j) in the mgmt namespace,
                       192.0.2.(129+2j) on leaf j (vtepd's metrics_listen)
  198.51.100.0/24      uplinks: link k = (leaf index) * spines + (spine index),
                       the spine end is 198.51.100.(2k)/32, peer = the leaf's VTEP
  203.0.113.0/24       tenant hosts, one address each (every tenant in the same
                       subnet, so isolation is tested at layer 2, not by routing)

The uplinks of a vtepd leaf are "unnumbered" on the leaf side: the leaf's
VTEP address with the spine's link address as its peer (ip addr add VTEP/32
peer SPINE/32 on the TAP of the exception path), the spine end the mirror
image. BGP, BFD and ARP on such a link run between the spine's link address
and the leaf's VTEP address, which is the source vtepd uses for its own BFD
sessions and ARP requests. Such a leaf advertises the /31 around its VTEP
address, not the /32: a spine would hold a /32 whose next hop is the /32
itself inaccessible (FRR refuses a route that resolves through its own
prefix), while the /31 resolves through the spine's connected /32. A kernel
leaf's uplinks are numbered /31s (198.51.100.2k on the spine, 2k+1 on the
leaf) and it advertises its VTEP address as a /32 from lo.
"""
import ipaddress
import re

SPINE_ASN = 65100
LEAF_ASN0 = 65101
RT_ASN = 65000          # route targets RT_ASN:VNI on every leaf (eBGP: the auto RT differs)
BMP_PORT = 11019        # vtepd's feed_tcp_port, inside each vtepd leaf's namespace
METRICS_PORT = 9417
IFNAMSIZ = 15

MAX_SPINES = 8
MAX_LEAVES = 32
MAX_TENANTS = 8
MAX_HOSTS = 200


class TopoError(Exception):
    pass


class Node:
    """A namespace: spine, leaf (kind vtepd or kernel), host, or mgmt."""

    def __init__(self, name, role, ns, **kw):
        self.name = name
        self.role = role            # spine | leaf | host | mgmt
        self.ns = ns
        self.kind = kw.pop("kind", None)    # leaves: vtepd | kernel
        self.__dict__.update(kw)

    def __repr__(self):
        return f"Node({self.name})"


class Link:
    """Uplink between spine s and leaf l."""

    def __init__(self, k, spine, leaf, prefix):
        self.k = k
        self.spine = spine
        self.leaf = leaf
        self.spine_if = f"{prefix}{spine.name}-{leaf.name}"
        self.leaf_if = f"{prefix}{leaf.name}-{spine.name}"
        self.tap_if = f"{prefix}{leaf.name}-{spine.name}k"     # vtepd leaves: kernel_iface
        self.spine_ip = str(ipaddress.ip_address("198.51.100.0") + 2 * k)
        # vtepd leaves: the VTEP address, unnumbered (vtepd's BFD and ARP use
        # it as their source); kernel leaves: the other half of a /31, since
        # FRR ties a BFD session to the first interface holding its local
        # address, and one address on every uplink would put them all on one
        self.numbered = leaf.kind == "kernel"
        self.leaf_ip = (str(ipaddress.ip_address("198.51.100.0") + 2 * k + 1) if self.numbered
                        else leaf.vtep_ip)
        self.spine_mac = f"02:f0:{k >> 8:02x}:{k & 0xff:02x}:00:01"
        self.leaf_mac = f"02:f0:{k >> 8:02x}:{k & 0xff:02x}:00:02"
        self.port = f"up{spine.index}"                          # vtepd port name

    @property
    def name(self):
        return f"{self.leaf.name}-{self.spine.name}"


class Host:
    def __init__(self, g, tenant, leaf, prefix):
        self.g = g                          # 1-based, global
        self.name = f"h{g}"
        self.tenant = tenant
        self.vni = tenant["vni"]
        self.leaf = leaf
        self.ns = f"{prefix}-{self.name}"
        self.ip = str(ipaddress.ip_address("203.0.113.0") + g)
        self.host_if = f"{prefix}{self.name}"
        self.leaf_if = f"{prefix}{leaf.name}-{self.name}"
        self.mac = f"02:aa:00:00:{tenant['index']:02x}:{g:02x}"
        self.leaf_mac = f"02:f1:00:00:00:{g:02x}"
        self.port = f"h{g}"                                     # vtepd port name


DEFAULT_BFD = {"interval_ms": 100, "multiplier": 3, "realtime_priority": 10}
DEFAULT_BGP = {"keepalive_s": 3, "hold_s": 9}
DEFAULT_VTEPD = {"poll_sleep_us": 100, "memory_mb": 512}
DEFAULT_MON = {"prometheus": "auto", "scrape_interval": "1s"}
DEFAULT_TEST = {"rate_pps": 1000, "settings": [[100, 3], [10, 3]], "repeat": 3, "cut_s": 3.0}

NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,4}$")
NODE_RE = re.compile(r"^[a-z][a-z0-9]{0,3}$")


def _keys(d, where, allowed):
    if not isinstance(d, dict):
        raise TopoError(f"{where}: expected a mapping")
    bad = sorted(set(d) - set(allowed))
    if bad:
        raise TopoError(f"{where}: unknown key(s) {', '.join(bad)} (allowed: {', '.join(allowed)})")


def _int(v, where, lo, hi):
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise TopoError(f"{where}: expected an integer from {lo} to {hi}, got {v!r}")
    return v


def _merge(defaults, d, where):
    d = d or {}
    _keys(d, where, defaults)
    out = dict(defaults)
    out.update(d)
    return out


def bfd_setting(interval_ms, multiplier, where="bfd"):
    """One BFD timer setting, checked against what bfdd 8.4 accepts."""
    _int(interval_ms, f"{where}.interval_ms", 10, 60000)
    _int(multiplier, f"{where}.multiplier", 2, 255)
    return {"interval_ms": interval_ms, "multiplier": multiplier}


class Topo:
    """Everything derived from the YAML file; see load()."""

    def __init__(self, doc, prefix=None, source="fabric.yaml"):
        self.source = source
        _keys(doc, "(top)", ["name", "spines", "leaves", "tenants", "bfd", "bgp", "vtepd",
                             "monitoring", "test"])
        name = prefix or doc.get("name", "fab")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise TopoError(f"name: '{name}': 1-5 characters, a-z and 0-9, starting with a letter")
        self.prefix = name
        self.mgmt_ns = f"{name}-mgmt"

        n_sp = _int(doc.get("spines", 2), "spines", 1, MAX_SPINES)
        self.spines = []
        for i in range(1, n_sp + 1):
            self.spines.append(Node(f"s{i}", "spine", f"{name}-s{i}", index=i,
                                    asn=SPINE_ASN, router_id=f"192.0.2.{i}"))

        leaves = doc.get("leaves")
        if not isinstance(leaves, list) or not 1 <= len(leaves) <= MAX_LEAVES:
            raise TopoError(f"leaves: expected a list of 1 to {MAX_LEAVES} leaves")
        self.leaves = []
        seen = set(s.name for s in self.spines) | {"mgmt"}
        for j, lf in enumerate(leaves, 1):
            w = f"leaves[{j - 1}]"
            _keys(lf, w, ["name", "kind"])
            ln = lf.get("name", f"l{j}")
            if not isinstance(ln, str) or not NODE_RE.match(ln) or re.match(r"^(s|h)\d+$", ln):
                raise TopoError(f"{w}.name: '{ln}': 1-4 characters a-z, 0-9 (not sN or hN)")
            if ln in seen:
                raise TopoError(f"{w}.name: '{ln}' is used twice")
            seen.add(ln)
            kind = lf.get("kind")
            if kind not in ("vtepd", "kernel"):
                raise TopoError(f"{w}.kind: expected 'vtepd' or 'kernel', got {kind!r}")
            node = Node(ln, "leaf", f"{name}-{ln}", kind=kind, index=j, asn=LEAF_ASN0 + j - 1,
                        vtep_ip=f"192.0.2.{9 + 2 * j}", router_id=f"192.0.2.{9 + 2 * j}",
                        vtep_block=f"192.0.2.{8 + 2 * j}/31",
                        mgmt_ip=f"192.0.2.{129 + 2 * j}", mgmt_peer_ip=f"192.0.2.{128 + 2 * j}",
                        mgmt_if=f"{name}{ln}-m", mgmt_peer_if=f"{name}m-{ln}",
                        hosts=[], vnis=[])
            self.leaves.append(node)
        by_leaf = {lf.name: lf for lf in self.leaves}
        if len(self.spines) * len(self.leaves) > 127:
            raise TopoError("spines x leaves must be at most 127 links")

        self.links = []
        for lf in self.leaves:
            lf.links = []
            for sp in self.spines:
                k = (lf.index - 1) * len(self.spines) + (sp.index - 1)
                link = Link(k, sp, lf, name)
                self.links.append(link)
                lf.links.append(link)

        tenants = doc.get("tenants")
        if not isinstance(tenants, list) or not 1 <= len(tenants) <= MAX_TENANTS:
            raise TopoError(f"tenants: expected a list of 1 to {MAX_TENANTS} tenants")
        self.tenants = []
        self.hosts = []
        vnis = set()
        g = 0
        for t, tn in enumerate(tenants):
            w = f"tenants[{t}]"
            _keys(tn, w, ["name", "vni", "hosts"])
            tname = tn.get("name", f"t{t + 1}")
            if not isinstance(tname, str) or not re.match(r"^[a-z][a-z0-9_-]{0,15}$", tname):
                raise TopoError(f"{w}.name: '{tname}': a-z, 0-9, '-', '_' (at most 16)")
            vni = _int(tn.get("vni"), f"{w}.vni", 1, 16777215)
            if vni in vnis:
                raise TopoError(f"{w}.vni: {vni} is used twice")
            vnis.add(vni)
            hl = tn.get("hosts")
            if not isinstance(hl, list) or len(hl) < 2:
                raise TopoError(f"{w}.hosts: expected a list of at least 2 leaf names (one per host)")
            tenant = {"name": tname, "vni": vni, "index": t + 1, "hosts": []}
            for i, ln in enumerate(hl):
                if ln not in by_leaf:
                    raise TopoError(f"{w}.hosts[{i}]: unknown leaf {ln!r}")
                g += 1
                if g > MAX_HOSTS:
                    raise TopoError(f"at most {MAX_HOSTS} hosts")
                h = Host(g, tenant, by_leaf[ln], name)
                tenant["hosts"].append(h)
                self.hosts.append(h)
                by_leaf[ln].hosts.append(h)
                if vni not in by_leaf[ln].vnis:
                    by_leaf[ln].vnis.append(vni)
            self.tenants.append(tenant)

        bfd = _merge(DEFAULT_BFD, doc.get("bfd"), "bfd")
        self.bfd = bfd_setting(bfd["interval_ms"], bfd["multiplier"])
        # SCHED_FIFO for vtepd's BFD thread and for every bfdd, alike (0: off)
        self.bfd_rt = _int(bfd["realtime_priority"], "bfd.realtime_priority", 0, 99)
        self.bgp = _merge(DEFAULT_BGP, doc.get("bgp"), "bgp")
        _int(self.bgp["keepalive_s"], "bgp.keepalive_s", 1, 60)
        _int(self.bgp["hold_s"], "bgp.hold_s", 3, 180)
        self.vtepd = _merge(DEFAULT_VTEPD, doc.get("vtepd"), "vtepd")
        _int(self.vtepd["poll_sleep_us"], "vtepd.poll_sleep_us", 0, 10000)
        _int(self.vtepd["memory_mb"], "vtepd.memory_mb", 128, 4096)
        self.monitoring = _merge(DEFAULT_MON, doc.get("monitoring"), "monitoring")
        if self.monitoring["prometheus"] not in ("auto", True, False):
            raise TopoError("monitoring.prometheus: auto, true or false")
        if not re.match(r"^\d+(ms|s)$", str(self.monitoring["scrape_interval"])):
            raise TopoError("monitoring.scrape_interval: like 1s or 500ms")
        self.test = _merge(DEFAULT_TEST, doc.get("test"), "test")
        _int(self.test["rate_pps"], "test.rate_pps", 10, 5000)
        _int(self.test["repeat"], "test.repeat", 1, 50)
        st = self.test["settings"]
        if not isinstance(st, list) or not st:
            raise TopoError("test.settings: a list of [interval_ms, multiplier]")
        self.test["settings"] = [bfd_setting(*_pair(s, f"test.settings[{i}]"), f"test.settings[{i}]")
                                 for i, s in enumerate(st)]
        if not isinstance(self.test["cut_s"], (int, float)) or not 0.5 <= self.test["cut_s"] <= 8:
            raise TopoError("test.cut_s: 0.5 to 8 seconds (below the BGP hold time)")

        for n in self.nodes():
            for ifn in self.ifnames(n):
                if len(ifn) > IFNAMSIZ:
                    raise TopoError(f"interface name {ifn} is longer than {IFNAMSIZ}: shorten the "
                                    f"prefix or the leaf names")

    # ---- views ----
    def nodes(self):
        return self.spines + self.leaves + self.hosts_nodes()

    def hosts_nodes(self):
        return [Node(h.name, "host", h.ns, host=h) for h in self.hosts]

    def vtepd_leaves(self):
        return [lf for lf in self.leaves if lf.kind == "vtepd"]

    def kernel_leaves(self):
        return [lf for lf in self.leaves if lf.kind == "kernel"]

    def namespaces(self):
        ns = [n.ns for n in self.spines + self.leaves] + [h.ns for h in self.hosts]
        if self.vtepd_leaves():
            ns.append(self.mgmt_ns)
        return ns

    def ifnames(self, n):
        if n.role == "spine":
            return [lk.spine_if for lk in self.links if lk.spine is n]
        if n.role == "leaf":
            out = [lk.leaf_if for lk in n.links] + [h.leaf_if for h in n.hosts]
            if n.kind == "vtepd":
                out += [lk.tap_if for lk in n.links] + [n.mgmt_if]
            else:
                out += [f"{self.prefix}br{v}" for v in n.vnis] + [f"{self.prefix}vx{v}" for v in n.vnis]
            return out
        if n.role == "host":
            return [n.host.host_if]
        return []

    def leaf(self, name):
        for lf in self.leaves:
            if lf.name == name:
                return lf
        raise KeyError(name)

    def flows(self):
        """One UDP flow per ordered pair (host -> next host of its tenant, a
        ring): with two hosts a tenant has one flow each way."""
        out = []
        for t in self.tenants:
            hs = t["hosts"]
            for i, h in enumerate(hs):
                dst = hs[(i + 1) % len(hs)]
                if len(hs) == 2 and i == 1:
                    dst = hs[0]
                out.append({"name": f"{t['name']}:{h.name}>{dst.name}", "tenant": t["name"],
                            "src": h, "dst": dst, "port": 40000 + h.g})
        return out

    # ---- FRR configuration texts ----
    def frr_log_lines(self, host, logfile):
        # a log file named in the configuration honours the precision (one
        # given with --log on the command line gets whole seconds in 8.4)
        return (f"hostname {self.prefix}-{host}\nlog file {logfile} debugging\n"
                "log timestamp precision 6\n")

    def bfdd_conf(self, host, bfd, logfile):
        return (self.frr_log_lines(host, logfile) +
                "debug bfd peer\n"
                "bfd\n"
                " profile fabric\n"
                f"  detect-multiplier {bfd['multiplier']}\n"
                f"  receive-interval {bfd['interval_ms']}\n"
                f"  transmit-interval {bfd['interval_ms']}\n"
                " exit\n"
                "exit\n")

    def spine_bgpd_conf(self, sp, logfile):
        b = self.bgp
        lines = [self.frr_log_lines(sp.name, logfile).rstrip("\n"),
                 f"router bgp {sp.asn}",
                 f" bgp router-id {sp.router_id}",
                 " bgp log-neighbor-changes",
                 " no bgp ebgp-requires-policy",
                 " no bgp default ipv4-unicast",
                 " no bgp network import-check",
                 f" timers bgp {b['keepalive_s']} {b['hold_s']}",
                 " neighbor LEAVES peer-group",
                 " neighbor LEAVES remote-as external",
                 " neighbor LEAVES timers connect 1",
                 " neighbor LEAVES advertisement-interval 0",
                 " neighbor LEAVES bfd profile fabric"]
        for lk in self.links:
            if lk.spine is sp:
                lines.append(f" neighbor {lk.leaf_ip} peer-group LEAVES")
        lines += [" address-family ipv4 unicast",
                  "  neighbor LEAVES activate",
                  "  maximum-paths 8",
                  " exit-address-family",
                  " address-family l2vpn evpn",
                  "  neighbor LEAVES activate",
                  "  neighbor LEAVES attribute-unchanged next-hop",
                  " exit-address-family",
                  "exit", ""]
        return "\n".join(lines)

    def leaf_bgpd_conf(self, lf, bfd_in_bgp, logfile):
        """bfd_in_bgp: the BGP sessions use BFD (kernel leaves: FRR's bfdd)."""
        b = self.bgp
        lines = [self.frr_log_lines(lf.name, logfile).rstrip("\n"),
                 f"router bgp {lf.asn}",
                 f" bgp router-id {lf.router_id}",
                 " bgp log-neighbor-changes",
                 " no bgp ebgp-requires-policy",
                 " no bgp default ipv4-unicast",
                 " no bgp network import-check",
                 f" timers bgp {b['keepalive_s']} {b['hold_s']}",
                 " neighbor SPINES peer-group",
                 f" neighbor SPINES remote-as {SPINE_ASN}",
                 " neighbor SPINES timers connect 1",
                 " neighbor SPINES advertisement-interval 0"]
        if bfd_in_bgp:
            lines.append(" neighbor SPINES bfd profile fabric")
        for lk in lf.links:
            lines.append(f" neighbor {lk.spine_ip} peer-group SPINES")
        lines += [" address-family ipv4 unicast",
                  f"  network {lf.vtep_block if lf.kind == 'vtepd' else lf.vtep_ip + '/32'}",
                  "  neighbor SPINES activate",
                  "  maximum-paths 8",
                  " exit-address-family",
                  " address-family l2vpn evpn",
                  "  neighbor SPINES activate"]
        if lf.kind == "vtepd":
            # BMP pre-policy carries routes only with the Adj-RIB-In kept
            lines.append("  neighbor SPINES soft-reconfiguration inbound")
        lines.append("  advertise-all-vni")
        for v in sorted(lf.vnis):
            lines += [f"  vni {v}",
                      f"   route-target import {RT_ASN}:{v}",
                      f"   route-target export {RT_ASN}:{v}",
                      "  exit-vni"]
        lines.append(" exit-address-family")
        if lf.kind == "vtepd":
            lines += [" bmp targets vtepd",
                      "  bmp monitor l2vpn evpn pre-policy",
                      f"  bmp connect 127.0.0.1 port {BMP_PORT} min-retry 100 max-retry 1000",
                      " exit"]
        lines += ["exit", ""]
        return "\n".join(lines)

    # ---- vtepd ----
    def vtepd_yaml(self, lf, rundir, bfd, main_lcore):
        """vtepd's configuration for leaf lf: af_packet ports (one underlay
        port per spine with its kernel interface, one access port per host),
        the spines' link addresses as ECMP next hops resolved by ARP, BFD to
        each, the kernel mirror and the BMP feed for the host's FRR."""
        worker = 1 - main_lcore
        eal = ["--no-huge", "--no-pci", "-m", str(self.vtepd["memory_mb"]), "-l", "0-1",
               "--main-lcore", str(main_lcore), "--file-prefix", f"{self.prefix}-{lf.name}"]
        out = ["# written by scripts/fabric for leaf %s (worker on lcore %d)" % (lf.name, worker),
               "eal: [ %s ]" % ", ".join(f'"{a}"' for a in eal),
               "vtep:",
               f"  local_ip: {lf.vtep_ip}",
               f"  poll_sleep_us: {self.vtepd['poll_sleep_us']}",
               "ports:"]
        for lk in lf.links:
            out.append(f'  - {{ name: {lk.port}, role: underlay, devargs: "net_af_packet_{lk.port},'
                       f'iface={lk.leaf_if},qpairs=1,framecnt=512", kernel_iface: {lk.tap_if} }}')
        for h in lf.hosts:
            out.append(f'  - {{ name: {h.port}, role: access, devargs: "net_af_packet_{h.port},'
                       f'iface={h.leaf_if},qpairs=1,framecnt=512" }}')
        out += ["underlay:", "  nexthops:"]
        for lk in lf.links:
            out.append(f"    - {{ name: {lk.spine.name}, port: {lk.port}, ip: {lk.spine_ip} }}")
        out.append("vnis:")
        for v in sorted(lf.vnis):
            out.append(f"  - vni: {v}")
            out.append("    access:")
            for h in lf.hosts:
                if h.vni == v:
                    out.append(f"      - {{ port: {h.port}, vlan: untagged }}")
        out += ["control:",
                f"  feed_socket: {rundir}/feed.sock",
                f"  feed_tcp_port: {BMP_PORT}",
                f"  cli_socket: {rundir}/cli.sock",
                f"  metrics_listen: {lf.mgmt_ip}:{METRICS_PORT}",
                f"  realtime_priority: {self.bfd_rt}",
                "  kernel_mirror:",
                f"    prefix: {self.prefix}",
                "bfd:"]
        for lk in lf.links:
            out.append(f"  - {{ peer: {lk.spine_ip}, port: {lk.port}, tx_ms: {bfd['interval_ms']}, "
                       f"rx_ms: {bfd['interval_ms']}, multiplier: {bfd['multiplier']} }}")
        return "\n".join(out) + "\n"


def _pair(s, where):
    if (not isinstance(s, (list, tuple)) or len(s) != 2):
        raise TopoError(f"{where}: expected [interval_ms, multiplier]")
    return s[0], s[1]


def load(path, prefix=None):
    import yaml
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise TopoError(f"{path}: {e.strerror}")
    except yaml.YAMLError as e:
        raise TopoError(f"{path}: {e}")
    if not isinstance(doc, dict):
        raise TopoError(f"{path}: expected a mapping at the top")
    try:
        return Topo(doc, prefix, path)
    except TopoError as e:
        raise TopoError(f"{path}: {e}")
