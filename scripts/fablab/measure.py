"""fabric test: the ping matrix, link cuts under constant-rate UDP flows,
and monitoring read back through Prometheus. One PASS:/FAIL: line per
check; exit 0 when all pass, 1 otherwise (77: a prerequisite is missing).

A cut: the flows of every tenant run (one UDP flow each way per tenant,
rate_pps datagrams/s, scripts/fablab/flow.py); the uplink of the leaf under
test that carries most of that leaf's traffic is chosen from the spine
end's counters; every frame on that link is dropped in both directions by
tc (clsact, matchall drop on the spine end's ingress and egress: the
interfaces stay up, only BFD can tell); cut_s later the filters go, and the
fabric must converge again. Measured per cut, from the moment tc returned:
  - per flow: datagrams sent and not received, the outage (the longest run
    of consecutive lost datagrams: send time of its first to that of the
    first one delivered after it) and when the flow recovered;
  - BFD Down: vtepd's state-change log line (CLOCK_REALTIME stamp), bfdd's
    "state-change" debug line (FRR log, microseconds) at the spine and at a
    kernel leaf;
  - BGP: the spine's %ADJCHANGE Down line; the kernel leaves' route or
    nexthop-group change (ip -ts monitor route nexthop).
"""
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

from . import report
from .lab import PROMSERVER, PY, REPO, loadavg, readf
from .proc import LabError, run, nsx, stop_pid

HERE = os.path.dirname(os.path.abspath(__file__))
FLOW = os.path.join(HERE, "flow.py")
CUT_RT = 30         # SCHED_FIFO priority of the tc that cuts (above every BFD)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.results = []

    def check(self, ok, what):
        ok = bool(ok)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        self.results.append({"ok": ok, "what": what})
        print(f"{'PASS' if ok else 'FAIL'}: {what}", flush=True)
        return ok

    def note(self, what):
        print(f"  {what}", flush=True)


# ------------------------------------------------------------------ helpers
def frr_time(s):
    """'2026/12/02 00:26:55.561489' (local time) -> epoch ns."""
    dt = datetime.datetime.strptime(s, "%Y/%m/%d %H:%M:%S.%f")
    return int(dt.timestamp() * 1e9)


FRR_LINE = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) \S+: (?:\[[^\]]*\] )?(.*)$")
VTEPD_BFD = re.compile(r"bfd (\S+): (\w+) -> (\w+) \(diag ([^)]*)\) at (\d+)\.(\d{9})")
MON_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] (.*)$")


class LogCursor:
    """New lines of a log file since the last mark()."""

    def __init__(self, path):
        self.path = path
        self.pos = 0

    def mark(self):
        try:
            self.pos = os.path.getsize(self.path)
        except OSError:
            self.pos = 0

    def new_lines(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.pos)
                return f.read().splitlines()
        except OSError:
            return []


def frr_events(lines, pattern):
    """[(epoch ns, text)] of FRR log lines whose text matches pattern."""
    out = []
    for ln in lines:
        m = FRR_LINE.match(ln)
        if m and re.search(pattern, m.group(2)):
            out.append((frr_time(m.group(1)), m.group(2)))
    return out


def mon_events(lines):
    out = []
    cur = None
    for ln in lines:
        m = MON_LINE.match(ln)
        if m:
            dt = datetime.datetime.strptime(m.group(1)[:26], "%Y-%m-%dT%H:%M:%S.%f")
            cur = [int(dt.timestamp() * 1e9), m.group(2)]
            out.append(cur)
        elif cur is not None:
            cur[1] += " " + ln.strip()
    return [tuple(e) for e in out]


def first_after(events, t0):
    ts = [t for t, _ in events if t >= t0]
    return min(ts) if ts else None


def ms(t, t0):
    return None if t is None or t0 is None else round((t - t0) / 1e6, 1)


def link_rx(lk):
    out = run(["ip", "-n", lk.spine.ns, "-s", "-j", "link", "show", "dev", lk.spine_if])
    return json.loads(out)[0]["stats64"]["rx"]["packets"]


class Flows:
    """One flow.py per sending host; the flows of topo.flows()."""

    def __init__(self, fab, outdir):
        self.fab = fab
        self.outdir = outdir
        self.procs = []
        self.files = {}

    def start(self, rate, port_base=40000, rt_prio=0):
        os.makedirs(self.outdir, exist_ok=True)
        t = self.fab.t
        for f in t.flows():
            src, dst = f["src"], f["dst"]
            out = os.path.join(self.outdir, f"{src.name}.json")
            logf = os.path.join(self.outdir, f"{src.name}.log")
            argv = [PY, FLOW, "--bind", f"{src.ip}:{port_base + src.g}", "--to",
                    f"{dst.ip}:{port_base + dst.g}", "--rate", str(rate), "--flow", str(src.g),
                    "--max-s", "120", "--out", out]
            if rt_prio:
                # the probe keeps its schedule on a loaded machine
                argv = ["chrt", "-f", str(rt_prio)] + argv
            p, e = self.fab.procs.spawn(src.ns, argv, logf, f"flow {src.name}", program=PY)
            self.procs.append((p, e, logf))
            self.files[src.name] = out
        end = time.time() + 10
        for p, e, logf in self.procs:
            while "ready" not in readf(logf):
                if p.poll() is not None or time.time() > end:
                    raise LabError(f"flow sender did not start: {readf(logf)[-300:]}")
                time.sleep(0.02)

    def stop(self):
        for p, e, _ in self.procs:
            if p.poll() is None:
                p.terminate()
        for p, e, _ in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                stop_pid(e)
            self.fab.state.remove(e)
        self.procs = []

    def load(self):
        data = {}
        for name, path in self.files.items():
            try:
                with open(path) as f:
                    data[name] = json.load(f)
            except (OSError, ValueError):
                data[name] = None
        return data


def flow_stats(tx, rx, flow_id, t_cut, t_restore, t_end):
    """Loss of one flow around a cut (times in ns; see the module doc)."""
    sent = dict(zip(tx["tx_seq"], tx["tx_ns"]))
    got = {}
    for seq, fid, rns in zip(rx["rx_seq"], rx.get("rx_flow", [flow_id] * len(rx["rx_seq"])),
                             rx["rx_ns"]):
        if fid == flow_id:
            got[seq] = rns
    win = sorted((ts, seq) for seq, ts in sent.items() if t_cut - 500e6 <= ts < t_restore)
    lost = [(ts, seq) for ts, seq in win if seq not in got]
    st = {"sent": len(win), "lost": len(lost), "outage_ms": 0.0, "loss_window_ms": 0.0,
          "recovered": True,
          "first_lost_ms": None, "recovered_ms": None}
    if lost:
        # the outage: the longest run of consecutive sent datagrams that were
        # all lost, from the send time of its first to that of the first one
        # delivered after it (a stray loss before the cut does not count)
        st["first_lost_ms"] = ms(lost[0][0], t_cut)
        # the loss window: first lost to last lost datagram, plus one interval
        # (covers losses spread over both paths, which the outage does not)
        gap = (win[-1][0] - win[0][0]) / max(1, len(win) - 1)
        st["loss_window_ms"] = round((lost[-1][0] - lost[0][0] + gap) / 1e6, 1)
        best = None         # (length ns, first lost ts, first delivered ts or None)
        run_start = None
        for ts, seq in win:
            if seq not in got:
                if run_start is None:
                    run_start = ts
            elif run_start is not None:
                if best is None or ts - run_start > best[0]:
                    best = (ts - run_start, run_start, ts)
                run_start = None
        if run_start is not None:
            # still losing when the link came back: not recovered during the cut
            if best is None or t_restore - run_start > best[0]:
                best = (t_restore - run_start, run_start, None)
        length, first_ts, back_ts = best
        st["outage_ms"] = round(length / 1e6, 1)
        st["outage_start_ms"] = ms(first_ts, t_cut)
        if back_ts is None:
            st["recovered"] = False
        else:
            st["recovered_ms"] = ms(back_ts, t_cut)
        st["lost_in_outage"] = sum(1 for ts, seq in lost
                                   if first_ts <= ts < (back_ts or t_restore))
    # after the restore: what the link's return cost
    rwin = [(ts, seq) for seq, ts in sent.items() if t_restore <= ts < t_end]
    st["lost_after_restore"] = sum(1 for ts, seq in rwin if seq not in got)
    st["delivered_last_s"] = sum(1 for ts, seq in rwin if ts >= t_end - 1e9 and seq in got)
    st["sent_last_s"] = sum(1 for ts, seq in rwin if ts >= t_end - 1e9)
    return st


# ------------------------------------------------------------ the pieces
def ping_matrix(fab, checks):
    t = fab.t
    print("== ping matrix (every host pair: same tenant reaches, other tenants do not)", flush=True)
    for h in t.hosts:
        for p in h.tenant["hosts"]:
            if p is h:
                continue
            ok = False
            for _ in range(10):
                r = subprocess.run(["ip", "netns", "exec", h.ns, "ping", "-c", "1", "-W", "1", p.ip],
                                   capture_output=True)
                if r.returncode == 0:
                    ok = True
                    break
            if not ok:
                checks.note(f"warm-up: {h.name} -> {p.name} not answered in 10 tries")
    pairs = [(a, b) for a in t.hosts for b in t.hosts if a is not b]
    res = {}
    for i in range(0, len(pairs), 16):
        batch = []
        for a, b in pairs[i:i + 16]:
            batch.append((a, b, subprocess.Popen(
                ["ip", "netns", "exec", a.ns, "ping", "-c", "3", "-i", "0.2", "-W", "1", "-q", b.ip],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        for a, b, p in batch:
            out, _ = p.communicate(timeout=30)
            m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
            res[(a.name, b.name)] = int(m.group(2)) if m else -1
    matrix = []
    for a, b in pairs:
        got = res[(a.name, b.name)]
        same = a.tenant is b.tenant
        if same:
            ok = checks.check(got == 3, f"ping {a.name} ({a.tenant['name']}, {a.leaf.name}) -> "
                                        f"{b.name} ({b.tenant['name']}, {b.leaf.name}): {got}/3 replies")
        else:
            neigh = run(["ip", "-n", a.ns, "-j", "neigh", "show", b.ip], check=False)
            try:
                states = [s for e in json.loads(neigh or "[]") for s in e.get("state", [])]
            except ValueError:
                states = []
            resolved = any(s in ("REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT") for s in states)
            ok = checks.check(got == 0 and not resolved,
                              f"isolation {a.name} ({a.tenant['name']}) -> {b.name} "
                              f"({b.tenant['name']}): {got}/3 replies, ARP "
                              f"{'/'.join(states) or 'no entry'}")
        matrix.append({"src": a.name, "dst": b.name, "same_tenant": same, "replies": got, "ok": ok})
    return matrix


def apply_bfd(fab, setting, checks):
    """Every BFD session of the fabric to interval_ms x multiplier: vtepd by
    a reload of its file, bfdd by its profile."""
    i, m = setting["interval_ms"], setting["multiplier"]
    t = fab.t
    for lf in t.vtepd_leaves():
        fab.write_vtepd_conf(lf, setting)
        r = fab.cli(lf, "reload", timeout=15) or {}
        if not r.get("ok"):
            raise LabError(f"vtepd {lf.name}: reload refused: {r}")
    for n in t.spines + t.kernel_leaves():
        fab.vty(n.name, "bfdd", "configure", "bfd", "profile fabric", f"detect-multiplier {m}",
                f"receive-interval {i}", f"transmit-interval {i}")
    want_us = i * m * 1000
    end = time.time() + 60
    missing = []
    while time.time() < end:
        missing = []
        for n in t.spines + t.kernel_leaves():
            for p in fab.vty_json(n.name, "bfdd", "show bfd peers json") or []:
                if (p.get("status") != "up" or p.get("receive-interval") != i or
                        p.get("remote-receive-interval") != i or p.get("detect-multiplier") != m):
                    missing.append(f"{n.name}/{p.get('peer')}")
        for lf in t.vtepd_leaves():
            for s in (fab.cli(lf, "show bfd") or {}).get("sessions", []):
                if str(s.get("state")).lower() != "up" or s.get("detect_time_us") != want_us:
                    missing.append(f"{lf.name}/{s.get('peer')}")
        if not missing:
            break
        time.sleep(0.3)
    checks.check(not missing, f"BFD {i} ms x {m} on every session (vtepd reload, bfdd profile)"
                 + (f": not yet {missing[:6]}" if missing else ""))
    if not missing:
        for lf in t.vtepd_leaves():
            fab.cli(lf, "clear bfd counters")


def host_rx(h):
    out = run(["ip", "-n", h.ns, "-s", "-j", "link", "show", "dev", h.host_if])
    return json.loads(out)[0]["stats64"]["rx"]["packets"]


def flows_delivering(fab, rate, timeout=15.0):
    """Wait until every flow's receiver gets at least half the rate (each
    host receives one flow); the flows that do not, on timeout."""
    hosts = [f["dst"] for f in fab.t.flows()]
    end = time.time() + timeout
    bad = []
    while time.time() < end:
        a = {h.name: host_rx(h) for h in hosts}
        time.sleep(0.5)
        b = {h.name: host_rx(h) for h in hosts}
        bad = [f["name"] for f in fab.t.flows()
               if b[f["dst"].name] - a[f["dst"].name] < 0.5 * rate * 0.5]
        if not bad:
            return []
    return bad


def pick_link(fab, leaf):
    """The uplink of leaf that carries most of its traffic (spine end rx)."""
    a = {lk.k: link_rx(lk) for lk in leaf.links}
    time.sleep(0.5)
    b = {lk.k: link_rx(lk) for lk in leaf.links}
    best = max(leaf.links, key=lambda lk: b[lk.k] - a[lk.k])
    return best, {lk.name: b[lk.k] - a[lk.k] for lk in leaf.links}


def tc_prepare(lk, prefix):
    """A blackhole in the spine's namespace (a veth pair left down: mirred
    drops what it cannot send; this kernel has no matchall, gact or netem)
    and a clsact qdisc on the spine end of the link."""
    bh = f"{prefix}bh0"
    if run(["ip", "-n", lk.spine.ns, "link", "show", bh], check=False) == "":
        run(["ip", "-n", lk.spine.ns, "link", "add", bh, "type", "veth", "peer", "name",
             f"{prefix}bh1"])
    run(["tc", "-n", lk.spine.ns, "qdisc", "add", "dev", lk.spine_if, "clsact"])
    return bh


def tc_cut(lk, bh):
    """Every frame of the link, both ways, into the blackhole. tc -batch is
    started first and waits on its input; the two filter lines are written
    at once and its input closed: both go in within the returned window
    (start-up cost of tc is outside it)."""
    # tc and this process at SCHED_FIFO for the moment of the cut, so that
    # neither waits for a CPU on a loaded machine between the two stamps
    p = subprocess.Popen(["chrt", "-f", str(CUT_RT), "tc", "-n", lk.spine.ns, "-batch", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.2)     # tc has started and switched namespace; it blocks reading
    batch = "".join(f"filter add dev {lk.spine_if} {d} prio 1 protocol all u32 match u32 0 0 "
                    f"action mirred egress redirect dev {bh}\n" for d in ("ingress", "egress"))
    old = os.sched_getscheduler(0), os.sched_getparam(0)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(CUT_RT))
    except OSError:
        old = None
    try:
        t0 = time.time_ns()
        p.stdin.write(batch.encode())
        p.stdin.close()
        rc = p.wait(20)
        t1 = time.time_ns()
    finally:
        if old:
            os.sched_setscheduler(0, old[0], old[1])
    if rc != 0:
        raise LabError(f"tc cut of {lk.name} failed: {p.stderr.read().decode()[:300]}")
    return t0, t1


def tc_restore(lk):
    run(["tc", "-n", lk.spine.ns, "qdisc", "del", "dev", lk.spine_if, "clsact"], check=False)
    return time.time_ns()


class Cutter:
    """The cut experiment; holds the log cursors and route monitors."""

    def __init__(self, fab, outdir):
        self.fab = fab
        self.outdir = outdir
        self.mon = {}
        self.cursors = {}
        t = fab.t
        for lf in t.vtepd_leaves():
            self.cursors[("vtepd", lf.name)] = LogCursor(os.path.join(fab.d(lf.name), "vtepd.log"))
        for n in t.spines + t.kernel_leaves():
            for dmn in ("bfdd", "bgpd"):
                self.cursors[(dmn, n.name)] = LogCursor(os.path.join(fab.frr_d(n.name), f"{dmn}.log"))
        for lf in t.kernel_leaves():
            path = os.path.join(outdir, f"monitor-{lf.name}.txt")
            p, e = fab.procs.spawn(lf.ns, ["ip", "-ts", "monitor", "route", "nexthop"], path,
                                   f"ip monitor {lf.name}")
            self.mon[lf.name] = (p, e, path)
            self.cursors[("mon", lf.name)] = LogCursor(path)
        self.cut_link = None

    def close(self):
        if self.cut_link is not None:
            tc_restore(self.cut_link)
            self.cut_link = None
        for p, e, _ in self.mon.values():
            stop_pid(e)
            self.fab.state.remove(e)
        self.mon = {}

    def reconverged(self, lk, flows_dir_unused=None):
        return self.fab.check_converged()

    def one(self, case, leaf, setting, rep, rate, cut_s, checks):
        fab = self.fab
        t = fab.t
        tag = f"{setting['interval_ms']}x{setting['multiplier']}-{case}-{rep}"
        cdir = os.path.join(self.outdir, "raw", tag)
        flows = Flows(fab, cdir)
        res = {"tag": tag, "case": case, "leaf": leaf.name, "leaf_kind": leaf.kind,
               "setting": setting, "rep": rep, "load_before": loadavg()}
        try:
            # other UDP ports at each repetition: other ECMP hashes, other paths
            flows.start(rate, port_base=40000 + 100 * (rep - 1),
                        rt_prio=max(1, t.bfd_rt - 5) if t.bfd_rt else 0)
            t_flows = time.time()
            res["not_delivering_before"] = flows_delivering(fab, rate)
            res["wait_before_s"] = round(time.time() - t_flows, 1)
            if res["not_delivering_before"]:
                res["skipped"] = (f"flows {res['not_delivering_before']} not delivering "
                                  f"{res['wait_before_s']} s after they started, before the cut")
                checks.check(False, f"cut {tag}: {res['skipped']}: cut skipped")
                return res
            lk, split = pick_link(fab, leaf)
            res.update(link=lk.name, spine=lk.spine.name, split=split)
            bh = tc_prepare(lk, t.prefix)
            self.cut_link = lk
            for c in self.cursors.values():
                c.mark()
            time.sleep(0.3)
            t0, t_cut = tc_cut(lk, bh)
            res["tc_ms"] = round((t_cut - t0) / 1e6, 2)
            time.sleep(cut_s)
            t_restore = tc_restore(lk)
            self.cut_link = None
            # converged again: sessions, BFD, flood lists, and every flow delivering
            end = time.time() + 40
            missing = ["?"]
            while time.time() < end:
                missing = fab.check_converged(macs=True)
                if not missing:
                    break
                time.sleep(0.5)
            res["reconverged_s"] = round((time.time_ns() - t_restore) / 1e9, 1)
            res["not_reconverged"] = missing
            time.sleep(1.5)
            t_end = time.time_ns()
        finally:
            flows.stop()
        data = flows.load()
        res["load_after"] = loadavg()
        res["t_cut_ns"], res["t_restore_ns"], res["t_end_ns"] = t_cut, t_restore, t_end
        # ---- flows ----
        res["flows"] = []
        by_name = {h.name: h for h in t.hosts}
        for f in t.flows():
            src, dst = f["src"], f["dst"]
            tx, rx = data.get(src.name), data.get(dst.name)
            ent = {"flow": f["name"], "tenant": f["tenant"], "src": src.name, "dst": dst.name,
                   "src_leaf": src.leaf.name, "dst_leaf": dst.leaf.name,
                   "src_kind": src.leaf.kind, "dst_kind": dst.leaf.kind}
            if tx is None or rx is None:
                ent["error"] = "no flow data"
            else:
                ent.update(flow_stats(tx, rx, src.g, t_cut, t_restore, t_end))
                ent["skipped"] = tx.get("skipped", 0)
                if src.leaf is leaf:
                    ent["role"] = "from the cut leaf"
                elif dst.leaf is leaf:
                    ent["role"] = f"to the cut leaf (sender {src.leaf.kind})"
                else:
                    ent["role"] = "elsewhere"
            res["flows"].append(ent)
        del by_name
        # ---- events ----
        ev = {}
        lines = {k: c.new_lines() for k, c in self.cursors.items()}
        if leaf.kind == "vtepd":
            downs = []
            for ln in lines[("vtepd", leaf.name)]:
                m = VTEPD_BFD.search(ln)
                if m and m.group(1) == lk.spine_ip and m.group(3).lower() == "down":
                    downs.append(int(m.group(5)) * 1_000_000_000 + int(m.group(6)))
            ev["leaf_bfd_down"] = ms(first_after([(d, "") for d in downs], t0), t_cut)
        else:
            e = frr_events(lines[("bfdd", leaf.name)],
                           rf"state-change: \[mhop:no peer:{re.escape(lk.spine_ip)} .*up -> down")
            ev["leaf_bfd_down"] = ms(first_after(e, t0), t_cut)
            e = frr_events(lines[("bgpd", leaf.name)],
                           rf"%ADJCHANGE: neighbor {re.escape(lk.spine_ip)}\(.*Down")
            ev["leaf_bgp_down"] = ms(first_after(e, t0), t_cut)
        e = frr_events(lines[("bfdd", lk.spine.name)],
                       rf"state-change: \[mhop:no peer:{re.escape(lk.leaf_ip)} .*up -> down")
        ev["spine_bfd_down"] = ms(first_after(e, t0), t_cut)
        e = frr_events(lines[("bgpd", lk.spine.name)],
                       rf"%ADJCHANGE: neighbor {re.escape(lk.leaf_ip)}\(.*Down")
        ev["spine_bgp_down"] = ms(first_after(e, t0), t_cut)
        ev["route_change"] = {}
        for kl in t.kernel_leaves():
            evs = mon_events(lines[("mon", kl.name)])
            if kl is leaf:
                # the cut leaf: its routes to the other VTEPs lose the spine
                pat = [o.vtep_block if o.kind == "vtepd" else o.vtep_ip + "/32"
                       for o in t.leaves if o is not kl]
                pat = [p.replace("/32", "") if p.endswith("/32") else p for p in pat]
                rel = [(ts, tx) for ts, tx in evs if any(re.match(rf"^(Deleted )?{re.escape(p)}\b", tx)
                                                         for p in pat) or re.match(r"^(Deleted )?id \d+", tx)]
            else:
                p = leaf.vtep_block if leaf.kind == "vtepd" else leaf.vtep_ip
                rel = [(ts, tx) for ts, tx in evs if re.match(rf"^(Deleted )?{re.escape(p)}\b", tx)]
            ev["route_change"][kl.name] = ms(first_after(rel, t0), t_cut)
        # BFD sessions that went down although their link was not cut
        other = []
        for (kind, node), c in self.cursors.items():
            if kind == "vtepd":
                for ln in lines[(kind, node)]:
                    m = VTEPD_BFD.search(ln)
                    if m and m.group(3).lower() == "down" and m.group(2).lower() == "up" and not (
                            node == leaf.name and m.group(1) == lk.spine_ip):
                        other.append((node, m.group(1), ms(int(m.group(5)) * 10**9 + int(m.group(6)),
                                                           t_cut)))
            elif kind == "bfdd":
                for ts, txt in frr_events(lines[(kind, node)], r"state-change: .* up -> down"):
                    m = re.search(r"peer:(\S+)", txt)
                    peer = m.group(1) if m else "?"
                    if (node == lk.spine.name and peer == lk.leaf_ip) or \
                            (node == leaf.name and peer == lk.spine_ip):
                        continue
                    other.append((node, peer, ms(ts, t_cut)))
        ev["other_bfd_downs"] = other
        res["events"] = ev
        # ---- restore side: when the link was back in use ----
        report.timeline(res, data, t.flows(), os.path.join(self.outdir, f"timeline-{tag}.png"))
        self._print(res, checks, setting)
        return res

    def _print(self, res, checks, setting):
        ev = res["events"]
        det = setting["interval_ms"] * setting["multiplier"]
        print(f"-- cut {res['tag']}: link {res['link']} (split {res['split']}), tc {res['tc_ms']} ms,"
              f" load {res['load_before']} -> {res['load_after']}", flush=True)
        if ev.get("other_bfd_downs"):
            print(f"   BFD downs on links that were not cut: {ev['other_bfd_downs']}", flush=True)
        print(f"   BFD down: {res['leaf']} {ev.get('leaf_bfd_down')} ms, {res['spine']} "
              f"{ev.get('spine_bfd_down')} ms; BGP down at {res['spine']} "
              f"{ev.get('spine_bgp_down')} ms" +
              (f", at {res['leaf']} {ev.get('leaf_bgp_down')} ms" if "leaf_bgp_down" in ev else "") +
              f"; kernel routes {ev.get('route_change')}", flush=True)
        for f in res["flows"]:
            if "error" in f:
                checks.check(False, f"cut {res['tag']}: flow {f['flow']}: {f['error']}")
                continue
            print(f"   {f['flow']:14} {f['src_leaf']}->{f['dst_leaf']} lost {f['lost']:4} "
                  f"outage {f['outage_ms']:7} ms window {f['loss_window_ms']:7} ms recovered {f['recovered']} "
                  f"(after cut {f['recovered_ms']} ms) after-restore lost {f['lost_after_restore']} "
                  f"skipped {f['skipped']}", flush=True)
        # checks: what the fabric must do
        checks.check(not res["not_reconverged"], f"cut {res['tag']}: fabric converged again "
                     f"{res['reconverged_s']} s after the restore"
                     + (f" (missing {res['not_reconverged'][:4]})" if res["not_reconverged"] else ""))
        checks.check(ev.get("leaf_bfd_down") is not None and ev.get("spine_bfd_down") is not None,
                     f"cut {res['tag']}: BFD Down seen at {res['leaf']} ({ev.get('leaf_bfd_down')} ms)"
                     f" and {res['spine']} ({ev.get('spine_bfd_down')} ms)")
        sender = [f for f in res["flows"] if f.get("role") == "from the cut leaf" and f.get("lost")]
        checks.check(sender, f"cut {res['tag']}: a flow from {res['leaf']} crossed the cut link "
                     f"(lost datagrams)")
        bound = det + 1000
        for f in sender:
            checks.check(f["recovered"] and f["outage_ms"] <= bound,
                         f"cut {res['tag']}: {f['flow']} from the cut leaf recovered, outage "
                         f"{f['outage_ms']} ms (<= detection {det} ms + 1000 ms)")
        for f in res["flows"]:
            if "error" in f:
                continue
            if f.get("role", "").startswith("to the cut leaf") and f.get("lost"):
                if f["src_kind"] == "kernel":
                    checks.check(f["recovered"] and f["outage_ms"] <= bound,
                                 f"cut {res['tag']}: {f['flow']} toward the cut leaf from a kernel "
                                 f"leaf recovered by BGP, outage {f['outage_ms']} ms")
                else:
                    checks.note(f"{f['flow']} toward the cut leaf from vtepd leaf {f['src_leaf']}: "
                                f"{'recovered' if f['recovered'] else 'NOT recovered before the restore'}"
                                f" ({f['outage_ms']} ms): vtepd does not follow underlay routes")
            checks.check(f["delivered_last_s"] >= 0.9 * f["sent_last_s"] and f["sent_last_s"] > 0,
                         f"cut {res['tag']}: {f['flow']} delivers again after the restore "
                         f"({f['delivered_last_s']}/{f['sent_last_s']} in the last second)")


def monitoring(fab, checks, cuts):
    t = fab.t
    out = {"enabled": fab.prom_enabled()}
    if not fab.prom_enabled():
        checks.note("Prometheus not running (not installed, or --no-prometheus): monitoring skipped")
        return out
    print("== monitoring (Prometheus in the mgmt namespace)", flush=True)
    prom = fab.prom_dir
    h = nsx(t.mgmt_ns, PY, PROMSERVER, "wait", "--dir", prom, "--timeout", "30", check=False, timeout=60)
    try:
        health = json.loads(h)
    except ValueError:
        health = {}
    out["targets"] = health
    for lf in t.vtepd_leaves():
        checks.check(health.get(lf.name) == "up", f"Prometheus scrapes vtepd on {lf.name} "
                     f"({lf.mgmt_ip}:9417): {health.get(lf.name)}")
    # one series per leaf, read back and compared with vtepd's own counters
    time.sleep(2.5)
    r = fab.prom_query('sum by (node) (vtepd_bfd_session_transitions_total{to="down"})')
    prom_down = {x["metric"].get("node"): float(x["value"][1]) for x in r}
    out["bfd_down_transitions"] = {}
    for lf in t.vtepd_leaves():
        cli = sum(s.get("down_transitions", 0) for s in (fab.cli(lf, "show bfd") or {}).get("sessions", []))
        out["bfd_down_transitions"][lf.name] = {"prometheus": prom_down.get(lf.name), "cli": cli}
        checks.check(prom_down.get(lf.name) == cli,
                     f"Prometheus vtepd_bfd_session_transitions_total{{node=\"{lf.name}\",to=\"down\"}}"
                     f" = {prom_down.get(lf.name)}, vtepd's CLI says {cli}")
    r = fab.prom_query("sum by (node) (vtepd_vni_encap_packets_total)")
    enc = {x["metric"].get("node"): float(x["value"][1]) for x in r}
    out["encap_packets"] = enc
    for lf in t.vtepd_leaves():
        checks.check((enc.get(lf.name) or 0) > 0, f"Prometheus: {lf.name} encapsulated "
                     f"{enc.get(lf.name)} packets (vtepd_vni_encap_packets_total)")
    # the Grafana dashboard's series exist in what Prometheus scraped
    names = set(x["metric"]["__name__"] for x in
                fab.prom_query('count by (__name__) ({__name__=~"vtepd_.+"})'))
    dash = os.path.join(REPO, "conf", "grafana-vtepd.json")
    used = set()
    with open(dash) as f:
        doc = json.load(f)

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("expr", "query", "definition") and isinstance(v, str):
                    used.update(re.findall(r"\bvtepd_[a-z0-9_]+", v))
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(doc)
    base = {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}
    optional = re.compile(r"^vtepd_(classifier_|packet_residence_)")
    missing = sorted(n for n in used if n not in names and re.sub(r"_(bucket|sum|count)$", "", n)
                     not in base and not optional.match(n))
    absent_opt = sorted(n for n in used if n not in names and optional.match(n))
    out["dashboard"] = {"series_used": len(used), "missing": missing, "not_enabled": absent_opt}
    checks.check(not missing, f"Grafana dashboard: {len(used)} series names, all scraped from the "
                 f"fabric except {len(absent_opt)} of features it leaves off (classifier, residence"
                 f" histogram)" + (f"; MISSING {missing}" if missing else ""))
    return out


def parse_settings(s):
    out = []
    for part in s.split(","):
        m = re.match(r"^\s*(\d+)x(\d+)\s*$", part)
        if not m:
            raise LabError(f"--settings: '{part}' is not INTERVALxMULTIPLIER (e.g. 100x3)")
        out.append({"interval_ms": int(m.group(1)), "multiplier": int(m.group(2))})
    return out


def main(fab, a):
    t = fab.t
    settings = parse_settings(a.settings) if a.settings else t.test["settings"]
    repeat = a.repeat or t.test["repeat"]
    if a.short:
        settings, repeat = settings[:1], 1
    outdir = a.output or time.strftime("fabric-results-%Y%m%d-%H%M%S")
    os.makedirs(outdir, exist_ok=True)
    outdir = os.path.abspath(outdir)
    checks = Checks()
    cmdline = "scripts/fabric " + " ".join(sys.argv[1:])
    info = {"command": cmdline, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "cpus": os.cpu_count(), "cpu": cpu_model(), "load_start": loadavg(),
            "kernel": os.uname().release, "frr": frr_version(), "settings": settings,
            "repeat": repeat, "rate_pps": t.test["rate_pps"], "cut_s": t.test["cut_s"],
            "topology": {"spines": len(t.spines), "leaves": [(lf.name, lf.kind) for lf in t.leaves],
                         "tenants": [(tn["name"], tn["vni"], [h.leaf.name for h in tn["hosts"]])
                                     for tn in t.tenants]}}
    print(f"fabric test: output in {outdir}; load average {info['load_start']} "
          f"({info['cpus']} CPUs)", flush=True)
    brought_up = False
    cutter = None
    results = {"info": info, "cuts": []}
    try:
        if not (fab.state.exists() and fab.state.entries):
            fab.up(bfd=settings[0], prometheus=False if a.no_prometheus else None)
            brought_up = True
        info["vtepd"] = fab.state.info.get("vtepd")
        info["git"] = git_describe()
        results["ping"] = ping_matrix(fab, checks)
        cutter = Cutter(fab, outdir)
        cases = []
        kinds = [k.strip() for k in (getattr(a, "kinds", None) or "vtepd,kernel").split(",") if k.strip()]
        bad = [k for k in kinds if k not in ("vtepd", "kernel")]
        if bad:
            raise LabError(f"--kinds: {bad} (vtepd, kernel)")
        for kind in kinds:
            senders = [f["src"].leaf for f in t.flows() if f["src"].leaf.kind == kind]
            if senders:
                cases.append((kind, senders[0]))
            else:
                checks.note(f"no flow is sent from a {kind} leaf: no {kind} cut")
        for setting in settings:
            print(f"== BFD {setting['interval_ms']} ms x {setting['multiplier']}: "
                  f"{repeat} cut(s) per leaf kind", flush=True)
            apply_bfd(fab, setting, checks)
            for rep in range(1, repeat + 1):
                for kind, leaf in cases:
                    res = cutter.one(kind, leaf, setting, rep, t.test["rate_pps"], t.test["cut_s"],
                                     checks)
                    results["cuts"].append(res)
        results["monitoring"] = monitoring(fab, checks, results["cuts"])
    except LabError as e:
        checks.check(False, f"aborted: {e}")
    except KeyboardInterrupt as e:
        checks.check(False, f"interrupted ({e})")
    finally:
        if cutter:
            cutter.close()
        copy_logs(fab, os.path.join(outdir, "logs"))
        info["load_end"] = loadavg()
        info["checks"] = {"passed": checks.passed, "failed": checks.failed}
        results["checks"] = checks.results
        with open(os.path.join(outdir, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        try:
            report.write(results, outdir)
        except Exception as e:      # the report must not hide the checks
            print(f"report: {e}", flush=True)
            checks.failed += 1
        if brought_up and not a.keep_up:
            fab.down(keep_logs=checks.failed > 0)
        elif not brought_up:
            print("the fabric was up before the test: left up", flush=True)
    print(f"{checks.passed} passed, {checks.failed} failed; results in {outdir}", flush=True)
    return 0 if checks.failed == 0 else 1


def copy_logs(fab, dest):
    """vtepd's and FRR's logs of this run, for the record."""
    os.makedirs(dest, exist_ok=True)
    for path in glob.glob(os.path.join(fab.workdir, "*", "vtepd.log")) + \
            glob.glob(os.path.join(fab.workdir, "frr", "*", "*.log")):
        node = os.path.basename(os.path.dirname(path))
        try:
            shutil.copy(path, os.path.join(dest, f"{node}-{os.path.basename(path)}"))
        except OSError:
            pass


def cpu_model():
    for ln in readf("/proc/cpuinfo").splitlines():
        if ln.startswith("model name"):
            return ln.split(":", 1)[1].strip()
    return "?"


def frr_version():
    out = run(["/usr/lib/frr/zebra", "--version"], check=False)
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else "?"


def git_describe():
    repo = os.path.dirname(os.path.dirname(HERE))
    return run(["git", "-C", repo, "describe", "--always", "--dirty"], check=False).strip()
