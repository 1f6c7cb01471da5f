"""fabric up / down / status: the fabric of topo.py in network namespaces.

  spines     zebra + bfdd + bgpd (eBGP to every leaf, ipv4 unicast and l2vpn
             evpn, BFD profile "fabric" on every session)
  vtepd leaf vtepd on af_packet ports (one underlay port per spine, its
             exception path to a TAP carrying the leaf's addresses), the
             kernel mirror and the BMP feed; zebra + bgpd -M bmp on the TAPs.
             BFD on the uplinks is vtepd's own (bfd: sessions to the spines'
             link addresses, a Down session leaves the ECMP group at once);
             the spines' bfdd runs the other end, tied to their BGP sessions
  kernel leaf zebra + bfdd + bgpd and a Linux bridge + VXLAN device per VNI
             (the reference), ECMP by the kernel's multipath routes (L4 hash)
  hosts      one namespace each, 203.0.113.N/24
  mgmt       Prometheus (when installed), a /31 to every vtepd leaf, whose
             vtepd serves metrics on its end
"""
import json
import os
import shutil
import time

from . import topo as topomod
from .proc import FRR_DIR, LabError, Procs, State, nsx, run, same_process

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROMSERVER = os.path.join(REPO, "tests", "lib", "promserver.py")
PY = "/usr/bin/python3"
PROM_PORT = 9090


def workdir_for(prefix):
    return os.environ.get("FABRIC_WORKDIR") or f"/tmp/vtepd-fabric-{prefix}"


class Fabric:
    def __init__(self, topo, vtepd=None, log=print):
        self.t = topo
        self.workdir = workdir_for(topo.prefix)
        self.state = State(self.workdir)
        self.procs = Procs(self.state, log)
        self.log = log
        self.vtepd = vtepd or os.path.join(REPO, "build", "vtepd")

    # ---------------------------------------------------------------- paths
    def d(self, node):
        return os.path.join(self.workdir, node)

    def frr_d(self, node):
        return os.path.join(self.workdir, "frr", node)

    def cli_sock(self, lf):
        return os.path.join(self.d(lf.name), "cli.sock")

    @property
    def prom_dir(self):
        return os.path.join(self.workdir, "prometheus")

    def prom_enabled(self):
        return bool(self.state.info.get("prometheus"))

    # ------------------------------------------------------------ queries
    def vty(self, node, daemon, *cmds, check=True, timeout=10):
        d = self.frr_d(node)
        argv = ["vtysh", "--config_dir", d, "--vty_socket", d, "-d", daemon]
        for c in cmds:
            argv += ["-c", c]
        return run(argv, check=check, timeout=timeout)

    def vty_json(self, node, daemon, cmd):
        out = self.vty(node, daemon, cmd, check=False)
        try:
            return json.loads(out)
        except ValueError:
            return None

    def cli(self, lf, cmd, timeout=5):
        """One vtepd CLI command; its JSON answer (None when it fails)."""
        import socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.cli_sock(lf))
            s.sendall(cmd.encode() + b"\n")
            buf = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
        except OSError:
            return None
        finally:
            s.close()
        try:
            return json.loads(buf)
        except ValueError:
            return None

    def prom_query(self, expr):
        out = nsx(self.t.mgmt_ns, PY, PROMSERVER, "query", "--dir", self.prom_dir, expr,
                  timeout=20)
        return json.loads(out)

    # ------------------------------------------------------------------ up
    def up(self, bfd=None, prometheus=None):
        if self.state.exists() and self.state.entries:
            raise LabError(f"{self.workdir}/state.json exists: this fabric is up (or a failed "
                           f"run left it): run 'fabric down' first")
        for tool in ("ip", "tc", "ethtool", "vtysh", "bridge"):
            if shutil.which(tool) is None:
                raise LabError(f"{tool} not found (bash scripts/install-deps)")
        for dmn in ("zebra", "bgpd", "bfdd"):
            if not os.access(os.path.join(FRR_DIR, dmn), os.X_OK):
                raise LabError(f"FRR's {dmn} not found in {FRR_DIR} (apt-get install frr)")
        if self.t.vtepd_leaves() and not os.access(self.vtepd, os.X_OK):
            raise LabError(f"vtepd binary not found: {self.vtepd} (meson setup build && ninja -C build)")
        if prometheus is None:
            prometheus = self.t.monitoring["prometheus"]
        if prometheus == "auto":
            prometheus = shutil.which("prometheus") is not None
        if prometheus and shutil.which("prometheus") is None:
            raise LabError("prometheus not found (apt-get install prometheus)")
        bfd = bfd or self.t.bfd

        t0 = time.time()
        os.makedirs(self.workdir, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self.state.info.update(prefix=self.t.prefix, config=os.path.abspath(self.t.source),
                               vtepd=self.vtepd, bfd=bfd, started=time.time(),
                               prometheus=bool(prometheus))
        self.state.save()
        shutil.copy(self.t.source, os.path.join(self.workdir, "fabric.yaml"))
        self.log(f"fabric {self.t.prefix}: {len(self.t.spines)} spines, {len(self.t.leaves)} "
                 f"leaves ({len(self.t.vtepd_leaves())} vtepd, {len(self.t.kernel_leaves())} "
                 f"kernel), {len(self.t.tenants)} tenants, {len(self.t.hosts)} hosts; "
                 f"work dir {self.workdir}")
        self.log(f"load average at start: {loadavg()} ({os.cpu_count()} CPUs)")
        self._namespaces()
        self._links()
        self._hosts()
        self._mgmt()
        self.log(f"  namespaces and links ({time.time() - t0:.1f} s)")
        for sp in self.t.spines:
            self._frr_node(sp, ["zebra", "bfdd", "bgpd"], bfd)
        for lf in self.t.kernel_leaves():
            self._frr_node(lf, ["zebra", "bfdd", "bgpd"], bfd)
        self.log(f"  FRR on the spines and kernel leaves ({time.time() - t0:.1f} s)")
        for i, lf in enumerate(self.t.vtepd_leaves()):
            self._vtepd_leaf(lf, bfd, main_lcore=i % 2)
        self.log(f"  vtepd leaves ({time.time() - t0:.1f} s)")
        if prometheus:
            self._prometheus()
            self.log(f"  prometheus ({time.time() - t0:.1f} s)")
        self.wait_converged(timeout=120)
        self.log(f"fabric {self.t.prefix} up in {time.time() - t0:.1f} s "
                 f"(load average {loadavg()})")

    def _namespaces(self):
        for ns in self.t.namespaces():
            self.procs.netns_add(ns)
        for n in self.t.spines + self.t.leaves:
            nsx(n.ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0")
        for sp in self.t.spines:
            nsx(sp.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            run(["ip", "-n", sp.ns, "addr", "add", f"{sp.router_id}/32", "dev", "lo"])
        for lf in self.t.leaves:
            # the kernel leaf spreads VXLAN over its uplinks by the outer UDP ports
            nsx(lf.ns, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1")
            run(["ip", "-n", lf.ns, "addr", "add", f"{lf.vtep_ip}/32", "dev", "lo"])

    def _veth(self, ns1, if1, mac1, ns2, if2, mac2):
        run(["ip", "link", "add", "name", if1, "netns", ns1, "address", mac1, "type", "veth",
             "peer", "name", if2, "netns", ns2, "address", mac2])
        run(["ip", "-n", ns1, "link", "set", if1, "up"])
        run(["ip", "-n", ns2, "link", "set", if2, "up"])

    def _csum_sw(self, ns, ifn):
        # the kernel leaves checksums of locally sent UDP/TCP for the NIC to
        # fill in; a veth that feeds vtepd's af_packet port fills them itself
        nsx(ns, "ethtool", "-K", ifn, "tx", "off")

    def _links(self):
        for lk in self.t.links:
            self._veth(lk.spine.ns, lk.spine_if, lk.spine_mac, lk.leaf.ns, lk.leaf_if, lk.leaf_mac)
            if lk.numbered:
                run(["ip", "-n", lk.spine.ns, "addr", "add", f"{lk.spine_ip}/31", "dev",
                     lk.spine_if])
                run(["ip", "-n", lk.leaf.ns, "addr", "add", f"{lk.leaf_ip}/31", "dev", lk.leaf_if])
            else:
                run(["ip", "-n", lk.spine.ns, "addr", "add", f"{lk.spine_ip}/32", "peer",
                     f"{lk.leaf_ip}/32", "dev", lk.spine_if])
                self._csum_sw(lk.spine.ns, lk.spine_if)

    def _hosts(self):
        p = self.t.prefix
        for lf in self.t.kernel_leaves():
            for v in lf.vnis:
                br, vx = f"{p}br{v}", f"{p}vx{v}"
                run(["ip", "-n", lf.ns, "link", "add", br, "type", "bridge", "mcast_snooping", "0"])
                run(["ip", "-n", lf.ns, "link", "add", vx, "type", "vxlan", "id", str(v), "local",
                     lf.vtep_ip, "dstport", "4789", "nolearning"])
                run(["ip", "-n", lf.ns, "link", "set", vx, "master", br])
                run(["ip", "-n", lf.ns, "link", "set", vx, "up"])
                run(["ip", "-n", lf.ns, "link", "set", br, "up"])
        for h in self.t.hosts:
            self._veth(h.ns, h.host_if, h.mac, h.leaf.ns, h.leaf_if, h.leaf_mac)
            run(["ip", "-n", h.ns, "addr", "add", f"{h.ip}/24", "dev", h.host_if])
            if h.leaf.kind == "vtepd":
                self._csum_sw(h.ns, h.host_if)
            else:
                run(["ip", "-n", h.leaf.ns, "link", "set", h.leaf_if, "master",
                     f"{p}br{h.vni}"])

    def _mgmt(self):
        for lf in self.t.vtepd_leaves():
            self._veth(self.t.mgmt_ns, lf.mgmt_peer_if, f"02:f2:00:00:{lf.index:02x}:01",
                       lf.ns, lf.mgmt_if, f"02:f2:00:00:{lf.index:02x}:02")
            run(["ip", "-n", self.t.mgmt_ns, "addr", "add", f"{lf.mgmt_peer_ip}/31", "dev",
                 lf.mgmt_peer_if])
            run(["ip", "-n", lf.ns, "addr", "add", f"{lf.mgmt_ip}/31", "dev", lf.mgmt_if])

    def _frr_dir(self, node):
        d = self.frr_d(node.name)
        os.makedirs(d, exist_ok=True)
        os.chmod(os.path.dirname(d), 0o755)
        with open(os.path.join(d, "zebra.conf"), "w") as f:
            f.write(self.t.frr_log_lines(node.name, os.path.join(d, "zebra.log")))
        open(os.path.join(d, "vtysh.conf"), "w").close()
        for fn in ("zebra.conf", "vtysh.conf"):
            shutil.chown(os.path.join(d, fn), "frr", "frr")
        shutil.chown(d, "frr", "frr")
        os.chmod(d, 0o750)
        return d

    def _frr_node(self, node, daemons, bfd):
        d = self._frr_dir(node)
        if "bfdd" in daemons:
            with open(os.path.join(d, "bfdd.conf"), "w") as f:
                f.write(self.t.bfdd_conf(node.name, bfd, os.path.join(d, "bfdd.log")))
        with open(os.path.join(d, "bgpd.conf"), "w") as f:
            logf = os.path.join(d, "bgpd.log")
            if node.role == "spine":
                f.write(self.t.spine_bgpd_conf(node, logf))
            else:
                f.write(self.t.leaf_bgpd_conf(node, node.kind == "kernel", logf))
        for dmn in daemons:
            extra = []
            if dmn == "bfdd":
                extra = ["--bfdctl", os.path.join(d, "bfdd.sock")]
            if dmn == "bgpd" and node.role == "leaf" and node.kind == "vtepd":
                extra = ["-M", "bmp"]
            self.procs.frr_start(node.ns, d, dmn, extra)
            if dmn == "bfdd" and self.t.bfd_rt:
                # the same real-time class as vtepd's BFD thread
                pid = Procs.frr_pid(os.path.join(d, "bfdd.pid"))
                if pid:
                    run(["chrt", "-f", "-p", str(self.t.bfd_rt), str(pid)])

    def write_vtepd_conf(self, lf, bfd):
        d = self.d(lf.name)
        os.makedirs(d, exist_ok=True)
        idx = self.t.vtepd_leaves().index(lf)
        path = os.path.join(d, "vtepd.yaml")
        with open(path + ".tmp", "w") as f:
            f.write(self.t.vtepd_yaml(lf, d, bfd, main_lcore=idx % 2))
        os.replace(path + ".tmp", path)
        return path

    def _vtepd_leaf(self, lf, bfd, main_lcore):
        d = self.d(lf.name)
        conf = self.write_vtepd_conf(lf, bfd)
        logf = os.path.join(d, "vtepd.log")
        self.state.add(kind="dpdk", prefix=f"{self.t.prefix}-{lf.name}")
        p, _ = self.procs.spawn(lf.ns, [self.vtepd, "-c", conf, "--stats-json",
                                        os.path.join(d, "stats.json")], logf, f"vtepd {lf.name}")
        end = time.time() + 60
        while time.time() < end:
            if p.poll() is not None:
                raise LabError(f"vtepd on {lf.name} exited ({p.returncode}): "
                               f"{tail(logf, 5)}")
            if "forwarding:" in readf(logf) and os.path.exists(self.cli_sock(lf)):
                break
            time.sleep(0.1)
        else:
            raise LabError(f"vtepd on {lf.name} not forwarding after 60 s: {tail(logf, 5)}")
        if self.t.bfd_rt:
            self._worker_rt(lf, p.pid)
        # the exception path's TAPs carry the leaf's addresses: FRR peers through them
        for lk in lf.links:
            run(["ip", "-n", lf.ns, "addr", "add", f"{lk.leaf_ip}/32", "peer", f"{lk.spine_ip}/32",
                 "dev", lk.tap_if])
            run(["ip", "-n", lf.ns, "link", "set", lk.tap_if, "up"])
        self._frr_node(lf, ["zebra", "bgpd"], bfd)

    def _worker_rt(self, lf, pid):
        """vtepd's workers at the BFD priority: BFD frames reach vtepd's BFD
        thread through a worker, and the kernel leaf's forwarding runs in
        softirq context, which no user thread delays. The workers sleep
        when idle (vtep.poll_sleep_us), so they do not hold their core."""
        tids = []
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                if readf(f"/proc/{pid}/task/{tid}/comm").startswith("rte-worker-"):
                    tids.append(tid)
        except OSError:
            pass
        if not tids:
            raise LabError(f"vtepd on {lf.name}: no worker thread found to raise to SCHED_FIFO")
        for tid in tids:
            run(["chrt", "-f", "-p", str(self.t.bfd_rt), tid])

    def _prometheus(self):
        os.makedirs(self.prom_dir, exist_ok=True)
        targets = [f"{lf.name}={lf.mgmt_ip}:{topomod.METRICS_PORT}" for lf in self.t.vtepd_leaves()]
        # promserver.py starts it inside the mgmt namespace, waits until
        # ready and leaves prometheus.pid; recorded right away
        pidfile = os.path.join(self.prom_dir, "prometheus.pid")
        entry = self.state.add(kind="prometheus", dir=self.prom_dir)
        out = nsx(self.t.mgmt_ns, PY, PROMSERVER, "start", "--dir", self.prom_dir, "--port",
                  str(PROM_PORT), "--interval", str(self.t.monitoring["scrape_interval"]),
                  *targets, timeout=60, check=False)
        try:
            pid = int(readf(pidfile).strip())
        except ValueError:
            raise LabError(f"prometheus did not start: {out.strip()[-300:]} "
                           f"{tail(os.path.join(self.prom_dir, 'prometheus.log'), 5)}")
        from .proc import proc_start_time
        self.state.remove(entry)
        self.state.add(kind="pid", pid=pid, exe=os.path.realpath(shutil.which("prometheus")),
                       start=proc_start_time(pid), what="prometheus", ns=self.t.mgmt_ns)
        self.state.info["prometheus_url"] = f"http://127.0.0.1:{PROM_PORT} in {self.t.mgmt_ns}"
        self.state.save()

    # ------------------------------------------------------- convergence
    def check_converged(self, macs=False):
        """The list of what is not ready yet (empty: converged). macs: every
        leaf also knows every host MAC of its VNIs (after traffic)."""
        missing = []
        for lf in self.t.leaves:
            summ = self.vty_json(lf.name, "bgpd", "show bgp summary json") or {}
            for af in ("ipv4Unicast", "l2VpnEvpn"):
                peers = (summ.get(af) or {}).get("peers") or {}
                for lk in lf.links:
                    if (peers.get(lk.spine_ip) or {}).get("state") != "Established":
                        missing.append(f"{lf.name}: {af} {lk.spine.name} not Established")
        for sp in self.t.spines:
            summ = self.vty_json(sp.name, "bgpd", "show bgp summary json") or {}
            for af in ("ipv4Unicast", "l2VpnEvpn"):
                peers = (summ.get(af) or {}).get("peers") or {}
                for lk in self.t.links:
                    if lk.spine is sp and (peers.get(lk.leaf_ip) or {}).get("state") != "Established":
                        missing.append(f"{sp.name}: {af} {lk.leaf.name} not Established")
            peers = self.vty_json(sp.name, "bfdd", "show bfd peers json") or []
            up = {p.get("peer") for p in peers if p.get("status") == "up"}
            for lk in self.t.links:
                if lk.spine is sp and lk.leaf_ip not in up:
                    missing.append(f"{sp.name}: BFD to {lk.leaf.name} not up")
        for lf in self.t.vtepd_leaves():
            b = self.cli(lf, "show bfd") or {}
            for s in b.get("sessions", []):
                if str(s.get("state")).lower() != "up" or not s.get("ecmp_live"):
                    missing.append(f"{lf.name}: vtepd BFD {s.get('peer')} {s.get('state')}")
            ev = self.cli(lf, "show evpn summary") or {}
            feeds = ev.get("feeds") or []
            up = {p.get("address") for f in feeds for p in f.get("peers", []) if p.get("up")}
            for lk in lf.links:
                if lk.spine_ip not in up:
                    missing.append(f"{lf.name}: BMP feed lacks peer {lk.spine.name} up")
        for lf in self.t.leaves:
            for v in lf.vnis:
                want = {o.vtep_ip for o in self.t.leaves if o is not lf and v in o.vnis}
                have = set(self.flood_list(lf, v))
                if not want <= have:
                    missing.append(f"{lf.name}: VNI {v} flood list lacks {sorted(want - have)}")
            if macs:
                have = {(v, m) for v, m, _, _ in self.macs(lf)}
                for h in self.t.hosts:
                    if h.vni in lf.vnis and (h.vni, h.mac) not in have:
                        missing.append(f"{lf.name}: no MAC {h.mac} ({h.name}) in VNI {h.vni}")
        return missing

    def wait_converged(self, timeout=60):
        end = time.time() + timeout
        missing = []
        while time.time() < end:
            missing = self.check_converged()
            if not missing:
                return
            time.sleep(0.5)
        raise LabError("fabric not converged after %d s: %s" % (timeout, "; ".join(missing[:8])))

    def flood_list(self, lf, vni):
        """Remote VTEPs of lf's VNI: vtepd's EVPN flood list, or the kernel
        leaf's all-zero fdb entries on its VXLAN device."""
        if lf.kind == "vtepd":
            ev = self.cli(lf, "show evpn") or {}
            return list(((ev.get("rib") or {}).get("flood") or {}).get(str(vni), []))
        out = run(["bridge", "-n", lf.ns, "-j", "fdb", "show", "dev", f"{self.t.prefix}vx{vni}"],
                  check=False)
        try:
            ents = json.loads(out or "[]")
        except ValueError:
            return []
        return [e["dst"] for e in ents if e.get("mac") == "00:00:00:00:00:00" and "dst" in e]

    def macs(self, lf):
        """[(vni, mac, 'local'|'remote', where)] of leaf lf."""
        out = []
        if lf.kind == "vtepd":
            m = self.cli(lf, "show macs") or {}
            for e in m.get("macs", []):
                where = e.get("vtep") if e.get("type") == "remote" else e.get("port", "")
                out.append((e.get("vni"), e.get("mac"), e.get("type"), where or ""))
            return out
        for v in lf.vnis:
            j = self.vty_json(lf.name, "zebra", f"show evpn mac vni {v} json") or {}
            for mac, e in (j.get("macs") or {}).items():
                if e.get("type") == "local":
                    out.append((v, mac, "local", e.get("intf", "")))
                else:
                    out.append((v, mac, "remote", e.get("remoteVtep", "")))
        return out

    # --------------------------------------------------------------- status
    def status(self, as_json=False):
        if not self.state.exists():
            print(f"fabric {self.t.prefix}: not up (no {self.state.path})")
            return 1
        rep = {"prefix": self.t.prefix, "workdir": self.workdir, "processes": [], "bgp": [],
               "bfd": [], "vteps": [], "macs": []}
        for e in self.state.entries:
            if e["kind"] == "pid":
                rep["processes"].append({"what": e["what"], "pid": e["pid"],
                                         "alive": same_process(e)})
            elif e["kind"] == "frr":
                pid = Procs.frr_pid(e["pidfile"])
                rep["processes"].append({"what": e["what"], "pid": pid, "alive": pid is not None})
        frr_nodes = self.t.spines + self.t.leaves
        for n in frr_nodes:
            summ = self.vty_json(n.name, "bgpd", "show bgp summary json") or {}
            for af in ("ipv4Unicast", "l2VpnEvpn"):
                for peer, p in ((summ.get(af) or {}).get("peers") or {}).items():
                    rep["bgp"].append({"node": n.name, "af": af, "peer": peer,
                                       "state": p.get("state"), "up": p.get("peerUptime"),
                                       "pfx_rcvd": p.get("pfxRcd", p.get("prefixReceivedCount"))})
        for n in self.t.spines + self.t.kernel_leaves():
            for p in self.vty_json(n.name, "bfdd", "show bfd peers json") or []:
                rep["bfd"].append({"node": n.name, "by": "bfdd", "peer": p.get("peer"),
                                   "status": p.get("status"),
                                   "detect_ms": (p.get("receive-interval") or 0) *
                                   (p.get("detect-multiplier") or 0)})
        for lf in self.t.vtepd_leaves():
            b = self.cli(lf, "show bfd") or {}
            for s in b.get("sessions", []):
                rep["bfd"].append({"node": lf.name, "by": "vtepd", "peer": s.get("peer"),
                                   "status": s.get("state"),
                                   "detect_ms": (s.get("detect_time_us") or 0) / 1000,
                                   "ecmp_live": s.get("ecmp_live")})
        for lf in self.t.leaves:
            for v in lf.vnis:
                rep["vteps"].append({"leaf": lf.name, "kind": lf.kind, "vni": v,
                                     "remote_vteps": sorted(self.flood_list(lf, v))})
            for (v, mac, typ, where) in sorted(self.macs(lf), key=lambda x: (x[0] or 0, x[1] or "")):
                rep["macs"].append({"leaf": lf.name, "vni": v, "mac": mac, "type": typ,
                                    "where": where})
        if self.prom_enabled():
            try:
                r = self.prom_query("up")
                rep["prometheus"] = {x["metric"].get("node"): x["value"][1] for x in r}
            except (LabError, ValueError) as e:
                rep["prometheus"] = {"error": str(e)}
        if as_json:
            print(json.dumps(rep, indent=1))
            return 0
        print(f"fabric {self.t.prefix} (work dir {self.workdir}), load average {loadavg()}")
        dead = [p for p in rep["processes"] if not p["alive"]]
        print(f"processes: {len(rep['processes']) - len(dead)}/{len(rep['processes'])} running"
              + ("".join(f"\n  NOT RUNNING: {p['what']}" for p in dead)))
        print("BGP sessions:")
        for b in rep["bgp"]:
            print(f"  {b['node']:5} {b['af']:12} {b['peer']:15} {b['state'] or '?':12} "
                  f"up {b['up'] or '-':9} received {b['pfx_rcvd']}")
        print("BFD sessions:")
        for b in rep["bfd"]:
            extra = "" if b["by"] == "bfdd" else f" ecmp_live={b['ecmp_live']}"
            print(f"  {b['node']:5} {b['by']:5} {b['peer']:15} {b['status']:6} "
                  f"detect {b['detect_ms']:g} ms{extra}")
        print("VTEPs (flood lists):")
        for v in rep["vteps"]:
            print(f"  {v['leaf']:5} {v['kind']:6} VNI {v['vni']:<6} {' '.join(v['remote_vteps']) or '-'}")
        print("MACs:")
        for m in rep["macs"]:
            print(f"  {m['leaf']:5} VNI {m['vni']!s:6} {m['mac']} {m['type']:6} {m['where']}")
        if "prometheus" in rep:
            print(f"prometheus ({self.state.info.get('prometheus_url')}): targets up "
                  f"{rep['prometheus']}")
        return 0 if not dead else 1

    # ----------------------------------------------------------------- down
    def down(self, keep_logs=False):
        if not self.state.exists():
            self.log(f"fabric {self.t.prefix}: nothing to do (no {self.state.path})")
            # namespaces of this prefix without a state file: report, not touch
            left = [n for n in run(["ip", "netns", "list"], check=False).split()
                    if n.startswith(self.t.prefix + "-")]
            if left:
                self.log(f"note: namespaces named like this fabric exist without a state file: "
                         f"{' '.join(left)}")
            return 0
        done = self.procs.teardown()
        pdata = os.path.join(self.prom_dir, "data")
        shutil.rmtree(pdata, ignore_errors=True)
        self.log(f"fabric {self.t.prefix} down: " + ("; ".join(done) if done else "nothing left"))
        if keep_logs:
            os.unlink(self.state.path)
            self.log(f"logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return 0


def readf(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(path, n):
    return " | ".join(readf(path).strip().splitlines()[-n:])


def loadavg():
    return " ".join(readf("/proc/loadavg").split()[:3])
