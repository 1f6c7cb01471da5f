#!/usr/bin/python3
"""The Prometheus endpoint (control.metrics_listen) of a running vtepd
(issue 12, Monitoring).

- `vtepd --check` refuses metrics_listen on control.feed_tcp_port;
- GET /metrics: 200, text/plain; version=0.0.4, passes `promtool check
  metrics`; every family has HELP and TYPE, counters end in _total, no
  series twice; the same series and values as `show metrics` on the CLI;
- POST, PUT, DELETE, PATCH, HEAD, OPTIONS on /metrics: 405 with Allow: GET;
  other paths: 404; an oversized request and garbage are refused and the
  endpoint keeps answering; idle and trickling connections beyond the 16
  slots do not lock a scraper out;
- it keeps answering, within a bound, while CLI clients (silent, trickling,
  non-reading) and EVPN feed clients (idle, garbage, one streaming 60,000
  routes) misbehave;
- with the control thread stopped (ptrace), the answer is 503 after 2 s,
  and 200 again once it runs;
- a reload that changes metrics_listen is refused by name;
- under load: a net_pcap infinite_rx source feeding the worker at full
  rate (scripts/bench's encapsulation input), GET /metrics answered every
  time; the latency is printed
  (median, 99th percentile, worst) next to the same figures when idle."""
import ctypes
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import bmp_build as B  # noqa: E402
from promserver import free_port  # noqa: E402
from vtepdtest import ROOT, NULL_PORTS, SLOW, Checks, Vtepd, cli_raw, vtepd_binary, wait_for  # noqa: E402

# bounds checked below (the measured figures are printed with each check)
IDLE_WORST_MS = 250 * SLOW  # one GET while nothing else happens
BUSY_WORST_MS = 500 * SLOW  # one GET while clients misbehave
LOAD_P99_MS = 250 * SLOW    # under full-rate load
LOAD_WORST_MS = 1000 * SLOW
LOAD_MIN_MPPS = 0.05 / SLOW  # the worker keeps forwarding while scraped

CONFIG = NULL_PORTS.replace("vtep: { local_ip: 192.0.2.1 }",
                            "vtep: { local_ip: 192.0.2.1, residence_histogram: true }") + """
vnis:
  - { vni: 100, access: [ { port: h0 } ], flood: [ 203.0.113.9 ] }
  - { vni: 200 }
classifier: { threshold_packets: 20, flows_per_worker: 4096 }
bfd:
  - { peer: 192.0.2.254, port: up0, tx_ms: 100, rx_ms: 100, multiplier: 3 }
control: { cli_socket: "@CLI@", feed_socket: "@FEED@", feed_tcp_port: @FEEDPORT@,
           metrics_listen: "127.0.0.1:@MPORT@" }
"""

LOAD_CONFIG = """
eal: [ "--no-huge", "--no-pci", "-m", "1024", "-l", "0-1", "--file-prefix", "@PREFIX@",
       "--log-level", "pmd.net.pcap:warning" ]
vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: h0, role: access, devargs: "net_pcap0,rx_pcap=@TMP@/encap-in.pcap,infinite_rx=1" }
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }
underlay:
  nexthops: [ { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - vni: 100
    access: [ { port: h0, vlan: untagged } ]
    static_macs:
      - { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 }
      - { mac: "02:00:00:00:aa:01", port: h0 }
    flood: [ 198.51.100.2 ]
control: { cli_socket: "@CLI@", metrics_listen: "127.0.0.1:@MPORT@" }
"""

# families whose values move on their own between two renderings
MOVING = ("vtepd_uptime_seconds", "vtepd_bfd_", "vtepd_port_tx_", "vtepd_control_tx_packets",
          "vtepd_worker_", "vtepd_cli_", "vtepd_metrics_", "vtepd_mbuf_pool_in_use",
          "vtepd_evpn_feed_session_up_seconds")


def http(port, method="GET", path="/metrics", body=b"", headers=None, timeout=5.0):
    """One request on a fresh connection: (status, headers dict, body, ms)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t = time.monotonic()
    h = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
    h.update(headers or {})
    if body:
        h["Content-Length"] = str(len(body))
    req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    try:
        s.sendall(req.encode() + b"\r\n" + body)
    except OSError:
        pass
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    ms = (time.monotonic() - t) * 1000
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, data, ms
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, rest, ms


def parse(text):
    """{family: {"help", "type"}}, {series: value}, duplicate series."""
    fams, series, dups = {}, {}, []
    for ln in text.splitlines():
        if ln.startswith("# HELP "):
            fams.setdefault(ln.split()[2], {})["help"] = True
        elif ln.startswith("# TYPE "):
            fams.setdefault(ln.split()[2], {})["type"] = ln.split()[3]
        elif ln and not ln.startswith("#"):
            key, _, val = ln.rpartition(" ")
            if key in series:
                dups.append(key)
            series[key] = float(val)
    return fams, series, dups


def family_of(key, fams):
    name = key.split("{")[0]
    if name in fams:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and name[:-len(suf)] in fams:
            return name[:-len(suf)]
    return None


def series_value(text, key):
    return parse(text)[1].get(key)


def latencies(port, n, gap_s):
    ms, codes = [], []
    for _ in range(n):
        st, _, _, t = http(port)
        codes.append(st)
        ms.append(t)
        time.sleep(gap_s)
    return ms, codes


def pct(ms, q):
    s = sorted(ms)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def fmt(ms):
    return (f"median {statistics.median(ms):.1f} ms, p99 {pct(ms, 0.99):.1f} ms, "
            f"worst {max(ms):.1f} ms over {len(ms)}")


# ---- ptrace: stop one thread (the control thread), not the process ---------
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_DETACH = 0x4206, 0x4207, 17
WALL = 0x40000000


def stop_thread(tid):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0 or \
            libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
        raise OSError(ctypes.get_errno(), "ptrace")
    os.waitpid(tid, WALL)
    return libc


def resume_thread(libc, tid):
    libc.ptrace(PTRACE_DETACH, tid, None, None)


def check_endpoint(c, v, port, promtool):
    st, h, body, ms = http(port)
    text = body.decode()
    c.check(f"GET /metrics: 200 in {ms:.1f} ms (< {IDLE_WORST_MS} ms), {len(body)} bytes",
            st == 200 and ms < IDLE_WORST_MS, (st, ms))
    c.check("Content-Type text/plain; version=0.0.4",
            h.get("content-type", "").startswith("text/plain; version=0.0.4"), h)
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                       timeout=60)
    out = (r.stdout + r.stderr).decode().strip()
    print(f"promtool check metrics: exit {r.returncode}, output: {out or '(none)'}")
    c.check("promtool check metrics: exit 0, no complaint", r.returncode == 0 and out == "",
            out)
    # promtool must be able to fail: a counter without _total is reported
    bad = body + b"# HELP vtepd_bogus_count x\n# TYPE vtepd_bogus_count counter\nvtepd_bogus_count 1\n"
    r = subprocess.run([promtool, "check", "metrics"], input=bad, capture_output=True,
                       timeout=60)
    c.check("promtool does complain about a counter without _total (the check can fail)",
            b"_total" in r.stdout + r.stderr, r.stdout + r.stderr)

    fams, series, dups = parse(text)
    c.check(f"{len(fams)} families, {len(series)} series: each with HELP and TYPE",
            all(f.get("help") and f.get("type") for f in fams.values()),
            [k for k, f in fams.items() if not (f.get("help") and f.get("type"))])
    c.check("every family is vtepd_*, every counter ends in _total",
            all(k.startswith("vtepd_") for k in fams) and
            all(k.endswith("_total") for k, f in fams.items() if f["type"] == "counter"),
            [k for k, f in fams.items() if f["type"] == "counter" and not k.endswith("_total")])
    c.check("no series twice, none outside its family", not dups and
            all(family_of(k, fams) for k in series), dups)
    want = ['vtepd_port_rx_packets_total{port="h0"}', 'vtepd_vni_macs{vni="200"}',
            'vtepd_drops_total{reason="vxlan_unknown_vni",path="underlay"}',
            'vtepd_vni_flood_vteps{vni="100"}',
            'vtepd_bfd_session_state{peer="192.0.2.254",port="up0",nexthop="s1",state="down"}',
            'vtepd_ecmp_member_buckets{group="default",nexthop="s1"}',
            'vtepd_evpn_rib_paths{type="2"}', 'vtepd_config_generation',
            'vtepd_cli_clients_total{result="accepted"}',
            'vtepd_metrics_http_requests_total{code="200"}']
    c.check("series for ports, VNIs, drops by reason and path, flood lists, BFD state, ECMP, "
            "RIB, process, CLI and HTTP", all(w in series for w in want),
            [w for w in want if w not in series])
    c.check("BFD session (no peer): state down = 1, up = 0, ECMP buckets 0",
            series.get(want[4]) == 1 and series.get(want[4].replace('"down"', '"up"')) == 0 and
            series.get(want[5]) == 0, {k: series.get(k) for k in want[4:6]})
    c.check("build info carries version, git and DPDK labels",
            any(k.startswith("vtepd_build_info{version=") and "dpdk=" in k and "git=" in k
                for k in series))

    # the same text from the CLI
    cli_text = cli_raw(v.cli_sock, "show metrics").decode()
    _, h2, body2, _ = http(port)
    f1, s1, _ = parse(text)
    f2, s2, _ = parse(cli_text)
    c.check("show metrics: the same families and series as GET /metrics",
            f1 == f2 and set(s1) == set(s2), set(s1) ^ set(s2))
    diff = [k for k in s1 if not k.startswith(MOVING) and s1[k] != s2[k]]
    c.check(f"... and the same values (but for {len(MOVING)} families that move on their own)",
            not diff, [(k, s1[k], s2[k]) for k in diff[:5]])
    c.check("the CLI and HTTP texts have the same layout (line for line, values aside)",
            [ln.rpartition(" ")[0] for ln in cli_text.splitlines()] ==
            [ln.rpartition(" ")[0] for ln in body2.decode().splitlines()])


def check_dashboard(c, text):
    import json
    import re
    path = os.path.join(ROOT, "conf", "grafana-vtepd.json")
    with open(path) as f:
        dash = json.load(f)
    import tempfile
    fd, tmp = tempfile.mkstemp(prefix="grafana-vtepd-", suffix=".json")
    os.close(fd)
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts",
                                                         "gen_grafana_dashboard.py"), tmp],
                       capture_output=True, text=True, timeout=60)
    with open(tmp) as f:
        fresh = json.load(f)
    os.unlink(tmp)
    c.check("conf/grafana-vtepd.json is what scripts/gen_grafana_dashboard.py writes",
            r.returncode == 0 and fresh == dash, r.stderr)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    used = set(re.findall(r"vtepd_[a-z0-9_]+", " ".join(exprs)))
    used = {re.sub(r"_(bucket|sum|count)$", "", n) if n.startswith("vtepd_packet_residence")
            else n for n in used}
    fams = parse(text)[0]
    missing = sorted(n for n in used if n not in fams)
    c.check(f"dashboard: {len(exprs)} queries over {len(used)} names, each served (with the "
            f"classifier and the residence histogram on)", not missing, missing)
    c.check("classifier and residence families served",
            {"vtepd_classifier_live_flows", "vtepd_classifier_packets_total",
             "vtepd_packet_residence_seconds"} <= set(fams), sorted(fams)[:5])
    ids = [p["id"] for p in dash["panels"]]
    types = {p["type"] for p in dash["panels"]}
    var = {t["name"]: t for t in dash["templating"]["list"]}
    c.check(f"dashboard import-ready: {len(ids)} panels with unique ids, data source as a "
            f"variable, panel types {sorted(types)}",
            len(ids) == len(set(ids)) and var.get("datasource", {}).get("type") == "datasource"
            and all(p.get("datasource", {}).get("uid") == "${datasource}"
                    for p in dash["panels"] if p["type"] != "row"), var.keys())
    titles = " | ".join(p["title"] for p in dash["panels"])
    c.check("panels: throughput per port, drops by reason, MACs per VNI, BFD state and "
            "transitions, ECMP buckets, EVPN routes, classifier, latency",
            all(t in titles for t in ("Packets received per port", "Drops by reason",
                                      "MACs per VNI", "BFD session state", "BFD transitions",
                                      "ECMP buckets", "EVPN RIB paths", "Live flows per worker",
                                      "Residence time quantiles")), titles)


def check_refusals(c, v, port):
    for m in ("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
        st, h, body, _ = http(port, m, body=b"x=1" if m in ("POST", "PUT", "PATCH") else b"")
        c.check(f"{m} /metrics: 405, Allow: GET", st == 405 and h.get("allow") == "GET",
                (st, h))
    for p in ("/", "/metrics/", "/metricsx", "/foo", "/api/v1/query", "/%2e%2e/etc/passwd"):
        st, _, _, _ = http(port, path=p)
        c.check(f"GET {p}: 404", st == 404, st)
    st, _, _, _ = http(port, "POST", "/foo", body=b"a")
    c.check("POST /foo: 404", st == 404, st)
    st, _, body, _ = http(port, path="/metrics?name[]=x")
    c.check("GET /metrics?query: 200 (the query string is ignored)", st == 200, st)
    st, _, _, _ = http(port, headers={"X-Big": "a" * 20000})
    c.check(f"a 20 KB header: refused ({st})", 400 <= st < 500, st)
    st, _, _, _ = http(port, path="/metrics" + "a" * 40000)
    c.check(f"a 40 KB request line: refused ({st})", 400 <= st < 500, st)
    st, _, _, _ = http(port, "POST", body=b"z" * (1 << 20), timeout=15)
    c.check(f"POST with a 1 MiB body: {st}", st == 405 or st == 0, st)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(bytes(range(256)) * 8 + b"\r\n\r\n")
    s.settimeout(5)
    try:
        got = s.recv(100)
    except OSError:
        got = b""
    s.close()
    c.check(f"binary garbage: answered with an error or closed ({got[:12]!r})",
            got == b"" or got.startswith(b"HTTP/1.1 4"), got[:60])
    st, _, _, ms = http(port)
    c.check(f"after all that: GET /metrics 200 in {ms:.1f} ms", st == 200, st)

    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    time.sleep(0.2)
    st, _, body, ms = http(port)
    c.check(f"40 idle connections (16 slots): GET 200 in {ms:.1f} ms", st == 200 and
            ms < IDLE_WORST_MS, (st, ms))
    ev = series_value(body.decode(), 'vtepd_metrics_http_connections_total{result="evicted"}')
    c.check(f"idle connections evicted to make room ({ev:.0f})", ev and ev >= 24, ev)
    for s in idle:
        s.close()
    trickle = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        trickle.append(s)
    st, _, _, ms = http(port)
    c.check(f"20 connections with half a request: GET 200 in {ms:.1f} ms", st == 200, st)
    for s in trickle:
        s.close()


def stream_blob(n=60000):
    """BMP: Initiation "flood" and n type-2 routes from one peer."""
    peer = dict(peer="198.51.100.40", bgp_id="198.51.100.40")
    return B.initiation("flood") + b"".join(
        B.route_monitoring(B.update(B.type2(B.rd0(65000, 9), "02:01:00:00:%02x:%02x" % (
            (i >> 8) & 255, i & 255), label=200), nexthop="198.51.100.41"), **peer)
        for i in range(n))


def misbehave(v, blob, stop, errors):
    """CLI and feed clients that misbehave, until stop is set."""
    socks = []
    try:
        for _ in range(3):                       # silent CLI clients
            s = socket.socket(socket.AF_UNIX)
            s.connect(v.cli_sock)
            socks.append(s)
        for _ in range(3):                       # CLI clients that never read
            s = socket.socket(socket.AF_UNIX)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            s.connect(v.cli_sock)
            s.sendall(b"show stats\n")
            socks.append(s)
        for _ in range(20):                      # idle feed connections
            s = socket.socket(socket.AF_UNIX)
            s.connect(v.feed_sock)
            socks.append(s)
        g = socket.socket(socket.AF_UNIX)        # a feed that sends garbage
        g.connect(v.feed_sock)
        try:
            g.sendall(b"\x03\xff\xff\xff\xff" + os.urandom(4096))
        except OSError:
            pass
        socks.append(g)
        trickle = socket.socket(socket.AF_UNIX)  # a CLI client, one byte at a time
        trickle.connect(v.cli_sock)
        socks.append(trickle)
        # a feed streaming as fast as it can
        fl = socket.socket(socket.AF_UNIX)
        fl.connect(v.feed_sock)
        socks.append(fl)
        th = threading.Thread(target=lambda: fl.sendall(blob), daemon=True)
        th.start()
        while not stop.is_set():
            try:
                trickle.send(b"s")
            except OSError:
                pass
            time.sleep(0.05)
        th.join(30)
    except OSError as e:
        errors.append(repr(e))
    finally:
        for s in socks:
            s.close()


def check_under_misbehaviour(c, v, port):
    stop, errors = threading.Event(), []
    blob = stream_blob()        # built first: the GIL must not skew the timings
    th = threading.Thread(target=misbehave, args=(v, blob, stop, errors))
    th.start()
    t0 = time.monotonic()
    ms, codes, seen_feed, labelled = [], [], 0.0, set()
    while time.monotonic() - t0 < 4.0:
        st, _, body, t = http(port)
        codes.append(st)
        ms.append(t)
        if st == 200:
            t = body.decode()
            seen_feed = max(seen_feed, series_value(t, 'vtepd_evpn_rib_updates_total{op="add"}')
                            or 0)
            for ln in t.splitlines():
                if ln.startswith(('vtepd_evpn_feed_messages_total{feed="flood",session="',
                                  'vtepd_evpn_peer_routes_total{feed="flood",session="')) and \
                        ('peer=' not in ln or 'peer="198.51.100.40"' in ln):
                    labelled.add(ln.split("{")[0])
        time.sleep(0.02)
    stop.set()
    th.join(60)
    c.check(f"CLI and feed clients misbehaving: every GET answered 200 ({fmt(ms)}; "
            f"bound {BUSY_WORST_MS} ms)", all(x == 200 for x in codes) and
            max(ms) < BUSY_WORST_MS, (set(codes), max(ms)))
    c.check(f"... while the streaming feed was applied ({seen_feed:.0f} RIB adds seen)",
            seen_feed > 0 and not errors, errors)
    _, _, body, _ = http(port)
    t = body.decode()
    c.check("the feed series show it: 22 connections accepted, the garbage feed's framing "
            "error counted, none refused",
            series_value(t, 'vtepd_evpn_feed_framing_errors_total') >= 1 and
            series_value(t, 'vtepd_evpn_feed_connections_accepted_total') >= 22 and
            series_value(t, 'vtepd_evpn_feed_connections_refused_total{reason="full"}') == 0,
            [ln for ln in t.splitlines() if ln.startswith("vtepd_evpn_feed_")][:20])
    c.check("while it streamed: per-session series labelled feed=\"flood\", session, and "
            "peer=\"198.51.100.40\"", labelled == {"vtepd_evpn_feed_messages_total",
                                                  "vtepd_evpn_peer_routes_total"}, labelled)
    return t


def check_503(c, v, port):
    tid = v.proc.pid           # the control thread is the main thread
    libc = stop_thread(tid)
    try:
        st, h, body, ms = http(port, timeout=10)
    finally:
        resume_thread(libc, tid)
    c.check(f"control thread stopped: 503 after {ms:.0f} ms (2 s timeout), Retry-After",
            st == 503 and 1900 <= ms <= 3000 and "retry-after" in h, (st, ms, h))
    st2, _, body2, ms2 = http(port)
    c.check(f"control thread running again: 200 in {ms2:.1f} ms", st2 == 200, st2)
    n503 = series_value(body2.decode(), 'vtepd_metrics_http_requests_total{code="503"}')
    c.check("the 503 is counted", n503 == 1, n503)


def check_reload(c, v, port, feed_port):
    text = open(v.conf).read()
    other = free_port()
    with open(v.conf, "w") as f:
        f.write(text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{other}"))
    r = v.cli("reload")
    c.check("reload changing metrics_listen: refused by name",
            "error" in r and "control.metrics_listen" in r["error"] and "restart" in r["error"],
            r)
    st, _, _, _ = http(port)
    c.check("... the endpoint still answers on the running address", st == 200, st)
    with open(v.conf, "w") as f:
        f.write(text)
    r = v.cli("reload")
    c.check("reload of the unchanged file: applied", r.get("ok"), r)
    _, _, body, _ = http(port)
    t = body.decode()
    c.check("reloads counted (applied 1, refused 1), last one successful, generation 2",
            series_value(t, 'vtepd_config_reloads_total{result="applied"}') == 1 and
            series_value(t, 'vtepd_config_reloads_total{result="refused"}') == 1 and
            series_value(t, "vtepd_config_last_reload_successful") == 1 and
            series_value(t, "vtepd_config_generation") == 2,
            [ln for ln in t.splitlines() if ln.startswith("vtepd_config")])


def check_config(c, vt, tmp):
    fp = free_port()
    p = os.path.join(tmp, "clash.yaml")
    text = (NULL_PORTS.replace("@PREFIX@", "clash") +
            f"control: {{ feed_tcp_port: {fp}, metrics_listen: \"127.0.0.1:{fp}\" }}\n")
    with open(p, "w") as f:
        f.write(text)
    line = text.splitlines().index(text.splitlines()[-1]) + 1
    col = text.splitlines()[-1].index('"127.0.0.1') + 1
    r = subprocess.run([vt, "-c", p, "--check"], capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    c.check(f"--check: metrics_listen on feed_tcp_port refused with FILE:{line}:{col}",
            r.returncode != 0 and f"{p}:{line}:{col}:" in out and "control.metrics_listen" in out and
            "feed_tcp_port" in out, out)
    with open(p, "w") as f:
        f.write(NULL_PORTS.replace("@PREFIX@", "clash") +
                f"control: {{ feed_tcp_port: {fp}, metrics_listen: \"127.0.0.1:{fp + 1}\" }}\n")
    r = subprocess.run([vt, "-c", p, "--check"], capture_output=True, text=True, timeout=60)
    c.check("--check: another port passes", r.returncode == 0, r.stdout + r.stderr)


def check_port_in_use(c, vt):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    text = CONFIG.replace("@MPORT@", str(port)).replace("@FEEDPORT@", str(free_port()))
    with Vtepd(vt, text, name="mbusy") as v:
        v.start(wait_socket=False)
        try:
            rc = v.proc.wait(60)
        except subprocess.TimeoutExpired:
            rc = None
        log = v.log_text()
    busy.close()
    shutil.rmtree(v.tmp, ignore_errors=True)
    c.check("metrics_listen address in use: vtepd refuses to start, says why",
            rc == 1 and f"127.0.0.1:{port}" in log and "in use" in log, (rc, log[-500:]))


def check_load(c, vt):
    tmp = None
    mport = free_port()
    with Vtepd(vt, LOAD_CONFIG.replace("@MPORT@", str(mport)), name="mload") as v:
        tmp = v.tmp
        # scripts/bench's frames: 1,024 UDP flows of 60-byte frames from
        # 02:00:00:00:aa:01 to the static remote MAC 02:00:00:00:aa:02
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        import bench
        bench.write_pcap(os.path.join(v.tmp, "encap-in.pcap"),
                         (bench.inner(i) for i in range(1024)))
        v.start()
        idle_ms, _ = latencies(mport, 5, 0.01)     # warm-up
        _, _, b0, _ = http(mport)
        ms, codes = latencies(mport, 200, 0.01)
        _, _, b1, _ = http(mport)
        # rates over vtepd's own clock between the two renderings
        dt = (series_value(b1.decode(), "vtepd_uptime_seconds") -
              series_value(b0.decode(), "vtepd_uptime_seconds"))
        p0 = series_value(b0.decode(), 'vtepd_worker_packets_total{worker="0"}') or 0
        p1 = series_value(b1.decode(), 'vtepd_worker_packets_total{worker="0"}') or 0
        e0 = series_value(b0.decode(), 'vtepd_vni_encap_packets_total{vni="100"}') or 0
        e1 = series_value(b1.decode(), 'vtepd_vni_encap_packets_total{vni="100"}') or 0
        mpps = (p1 - p0) / dt / 1e6
        busy0 = series_value(b0.decode(), 'vtepd_worker_busy_seconds_total{worker="0"}') or 0
        busy1 = series_value(b1.decode(), 'vtepd_worker_busy_seconds_total{worker="0"}') or 0
        c.check(f"under load: the worker forwarded {mpps:.2f} Mpps while scraped "
                f"({(e1 - e0) / dt / 1e6:.2f} Mpps encapsulated, busy "
                f"{100 * (busy1 - busy0) / dt:.0f}% of the time)",
                mpps > LOAD_MIN_MPPS and e1 > e0, (p0, p1, e0, e1))
        c.check(f"under load: 200 GET /metrics all answered 200 ({fmt(ms)})",
                all(x == 200 for x in codes), set(codes))
        c.check(f"under load: p99 {pct(ms, 0.99):.1f} ms < {LOAD_P99_MS} ms, worst "
                f"{max(ms):.1f} ms < {LOAD_WORST_MS} ms",
                pct(ms, 0.99) < LOAD_P99_MS and max(ms) < LOAD_WORST_MS, ms)
        cli_ms = []
        for _ in range(20):
            t = time.monotonic()
            cli_raw(v.cli_sock, "show metrics")
            cli_ms.append((time.monotonic() - t) * 1000)
        print(f"under load: show metrics on the CLI: {fmt(cli_ms)}")
        rc = v.stop()
        c.check("under load: SIGTERM, exit 0, no mbuf leak",
                rc == 0 and v.stats_json()["mempool"]["in_use"] == 0, rc)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    c = Checks()
    vt = vtepd_binary()
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool not found (Debian package prometheus; scripts/install-deps)")
        return 77
    feed_port, mport = free_port(), free_port()
    text = CONFIG.replace("@MPORT@", str(mport)).replace("@FEEDPORT@", str(feed_port))
    with Vtepd(vt, text, name="metrics") as v:
        check_config(c, vt, v.tmp)
        v.start()
        wait_for(lambda: http(mport)[0] == 200, 5)
        ms, codes = latencies(mport, 50, 0.005)
        idle = fmt(ms)
        c.check(f"idle: 50 GET /metrics answered 200 ({idle})", all(x == 200 for x in codes),
                set(codes))
        check_endpoint(c, v, mport, promtool)
        check_dashboard(c, http(mport)[2].decode())
        check_refusals(c, v, mport)
        check_under_misbehaviour(c, v, mport)
        check_503(c, v, mport)
        check_reload(c, v, mport, feed_port)
        # the endpoint's thread runs on the control thread's CPUs, not a worker's
        cpus = {}
        for tid in os.listdir(f"/proc/{v.proc.pid}/task"):
            with open(f"/proc/{v.proc.pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{v.proc.pid}/task/{tid}/status") as f:
                cpu = [ln.split()[1] for ln in f if ln.startswith("Cpus_allowed_list")][0]
            cpus[comm] = cpu
        c.check(f"the HTTP thread runs where the control thread does, not on the worker "
                f"({cpus})", cpus.get("vtepd-metrics") is not None and
                cpus.get("vtepd-metrics") == cpus.get("vtepd") and
                cpus.get("vtepd-metrics") != cpus.get("rte-worker-1"), cpus)
        rc = v.stop()
        c.check("SIGTERM: exit 0", rc == 0, rc)
        try:
            socket.create_connection(("127.0.0.1", mport), timeout=1).close()
            closed = False
        except OSError:
            closed = True
        c.check("the metrics port is closed after exit", closed)
        c.check("no mbuf leak", v.stats_json()["mempool"]["in_use"] == 0)
        if c.failed:
            print(v.log_text()[-3000:])
        shutil.rmtree(v.tmp, ignore_errors=True)
    check_port_in_use(c, vt)
    check_load(c, vt)
    print(f"idle latency: {idle}")
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
