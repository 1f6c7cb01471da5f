#!/usr/bin/python3
"""A real Prometheus server (Debian package prometheus) scrapes vtepd's
metrics endpoint on loopback, and the series come back through its HTTP
API (/api/v1/query) (issue 12, Monitoring).

- the helper (tests/lib/promserver.py) starts prometheus with every path
  under a temporary directory, listening on 127.0.0.1 only;
- the target is up, vtepd_config_generation reads 1, then 2 after a
  reload (the series is live, not a leftover); a counter (BFD packets
  sent) grows; build info carries its labels;
- the same through the command-line wrapper (scripts/prometheus-local);
- stopped by PID: the process is gone, its port closed, its data removed."""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from promserver import Prometheus, free_port  # noqa: E402
from vtepdtest import ROOT, NULL_PORTS, Checks, Vtepd, vtepd_binary, wait_for  # noqa: E402

CONFIG = NULL_PORTS + """
vnis:
  - { vni: 100, access: [ { port: h0 } ] }
bfd:
  - { peer: 192.0.2.254, port: up0, tx_ms: 100, rx_ms: 100, multiplier: 3 }
control: { cli_socket: "@CLI@", metrics_listen: "127.0.0.1:@MPORT@" }
"""


def listeners(pid):
    """Local addresses pid listens on (TCP)."""
    r = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True)
    return [ln.split()[3] for ln in r.stdout.splitlines() if f"pid={pid}," in ln]


def wait_value(p, expr, want, timeout=20):
    return wait_for(lambda: (lambda v: v if v == want else None)(p.value(expr)), timeout, 0.2)


def main():
    c = Checks()
    if not shutil.which("prometheus"):
        print("prometheus not found (Debian package prometheus; scripts/install-deps)")
        return 77
    mport = free_port()
    with Vtepd(vtepd_binary(), CONFIG.replace("@MPORT@", str(mport)), name="mprom") as v:
        v.start()
        target = f"127.0.0.1:{mport}"
        p = Prometheus({"leaf1": target}, interval="1s")
        t0 = time.monotonic()
        p.start()
        pid, tmp = p.pid, p.tmp
        try:
            h = p.wait_up(["leaf1"], 30)
            c.check(f"prometheus (pid {pid}) scrapes vtepd: target up after "
                    f"{time.monotonic() - t0:.1f} s", h.get("leaf1") == "up", h)
            addrs = listeners(pid)
            c.check(f"prometheus listens on 127.0.0.1 only ({addrs})",
                    addrs and all(a.startswith("127.0.0.1:") for a in addrs), addrs)
            c.check("every prometheus path is under its temporary directory",
                    all(x.startswith(tmp) for x in (p.conf, p.data, p.log_path, p.pid_path)))
            g = wait_value(p, 'vtepd_config_generation{node="leaf1"}', 1.0)
            c.check("/api/v1/query vtepd_config_generation{node=\"leaf1\"}: 1", g == 1.0, g)
            r = p.query('vtepd_build_info{node="leaf1"}')
            c.check("vtepd_build_info: 1 with version, git and dpdk labels",
                    len(r) == 1 and r[0]["value"][1] == "1" and
                    {"version", "git", "dpdk", "instance", "job"} <= set(r[0]["metric"]), r)
            up = p.value('up{node="leaf1"}')
            n = p.value('scrape_samples_scraped{node="leaf1"}')
            c.check(f"up = 1, {n:.0f} samples per scrape", up == 1 and n and n > 100, (up, n))
            # the series is live: a reload moves it
            r = v.cli("reload")
            g = wait_value(p, 'vtepd_config_generation{node="leaf1"}', 2.0)
            c.check("after a reload Prometheus reads generation 2", r.get("ok") and g == 2.0,
                    (r, g))
            expr = ('vtepd_bfd_session_packets_total{node="leaf1",peer="192.0.2.254",'
                    'direction="tx"}')
            a = p.value(expr)
            time.sleep(2.5)
            b = p.value(expr)
            c.check(f"a counter grows between scrapes (BFD packets sent {a:.0f} -> {b:.0f})",
                    a is not None and b is not None and b > a, (a, b))
            st = p.value('vtepd_bfd_session_state{node="leaf1",state="down"}')
            c.check("BFD state series through Prometheus: down = 1", st == 1.0, st)
            # every query of the Grafana dashboard runs on this Prometheus
            with open(os.path.join(ROOT, "conf", "grafana-vtepd.json")) as f:
                dash = json.load(f)
            bad, empty, n = [], [], 0
            for panel in dash["panels"]:
                for t in panel.get("targets", []):
                    e = (t["expr"].replace("$instance", ".*")
                         .replace("$__rate_interval", "10s"))
                    n += 1
                    try:
                        if not p.query(e):
                            empty.append(panel["title"])
                    except Exception as ex:  # noqa: BLE001 - any API error is a failure
                        bad.append((panel["title"], str(ex)[:200]))
            c.check(f"all {n} dashboard queries accepted by Prometheus ({len(set(empty))} panels "
                    f"without data yet: {sorted(set(empty))})", n > 40 and not bad, bad)
        finally:
            p.stop()
        gone = wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 10)
        c.check(f"stopped by PID {pid}: process gone, temporary directory removed",
                gone and not os.path.exists(tmp), (gone, os.path.exists(tmp)))

        # the command-line wrapper, as scripts and labs use it
        d = os.path.join(v.tmp, "prom")
        tool = os.path.join(ROOT, "scripts", "prometheus-local")
        r = subprocess.run([tool, "start", "--dir", d, f"leaf1={target}"], capture_output=True,
                           text=True, timeout=60)
        c.check(f"prometheus-local start: {r.stdout.strip()}", r.returncode == 0 and
                r.stdout.startswith("http://127.0.0.1:"), r.stdout + r.stderr)
        pid2 = int(open(os.path.join(d, "prometheus.pid")).read()) if r.returncode == 0 else 0
        r = subprocess.run([tool, "wait", "--dir", d, "--timeout", "30"], capture_output=True,
                           text=True, timeout=60)
        c.check("prometheus-local wait: leaf1 up", r.returncode == 0 and
                json.loads(r.stdout or "{}").get("leaf1") == "up", r.stdout + r.stderr)
        val = None
        for _ in range(50):
            r = subprocess.run([tool, "query", "--dir", d, 'vtepd_config_generation'],
                               capture_output=True, text=True, timeout=30)
            res = json.loads(r.stdout) if r.returncode == 0 else []
            if res:
                val = res[0]["value"][1]
                break
            time.sleep(0.2)
        c.check(f"prometheus-local query vtepd_config_generation: {val}", val == "2", r.stderr)
        r = subprocess.run([tool, "stop", "--dir", d], capture_output=True, text=True,
                           timeout=60)
        gone = wait_for(lambda: not os.path.exists(f"/proc/{pid2}"), 10)
        c.check(f"prometheus-local stop: pid {pid2} gone, data removed",
                r.returncode == 0 and pid2 and gone and
                not os.path.exists(os.path.join(d, "data")), r.stderr)
        rc = v.stop()
    c.check("vtepd: SIGTERM, exit 0", rc == 0, rc)
    shutil.rmtree(v.tmp, ignore_errors=True)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
