#!/usr/bin/python3
"""vtep-meter end to end: crafted captures with known nanosecond timestamps.

    test_meter.py [VTEP_METER]

scripts/gen_meter_pcaps.py writes the captures and their oracle (computed
from the intents, not from the meter) into a temporary directory. Then:

  offline-pcap     --offline A.pcap B.pcap: every flow, every matched
                   packet, every counter and every per-class percentile
                   exactly as the oracle says (nanoseconds)
  offline-pcapng   the same records as pcapng (if_tsresol 9): identical
                   results
  plots            the three PNGs exist and are PNGs
  live-net_pcap    vtep-meter on net_pcap ports (rx_pcap=A.pcap, B.pcap):
                   the same flows and packets through the mbuf timestamp
                   dynamic field, whose unit is 1 us: every latency and FCT
                   equals the oracle's timestamps truncated to the
                   microsecond, and lies within 1 us of the offline value
  bad-*            truncated capture, unsupported link type, not a capture,
                   missing file (offline); a port without timestamps and a
                   truncated capture behind net_pcap (live): a clear
                   message, exit status 2 (0 for the TSC fallback), no
                   crash, results of what was read written
  usage, signal    bad command lines exit 1; SIGINT and --duration stop a
                   live capture cleanly with results written

Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 when
anything failed. KEEP=1 keeps the temporary directory.
Needs Debian's /usr/bin/python3 (scapy, matplotlib).
"""
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from vtepdtest import Checks, remove_eal_runtime  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GEN = REPO / "scripts" / "gen_meter_pcaps.py"
EAL = ["--no-huge", "--no-pci", "-m", "512", "-l", "0", "--log-level", "lib.eal:error",
       "--no-telemetry"]


def run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, **kw)


def rank(values, p):
    """Nearest-rank percentile (numpy inverted_cdf), exact integer rank."""
    v = sorted(values)
    if not v:
        return None
    if p <= 0:
        return v[0]
    pm = round(p * 1000)
    k = max(1, min(len(v), -(-pm * len(v) // 100000)))
    return v[k - 1]


def jitter(lats):
    j = 0.0
    for k in range(1, len(lats)):
        j += (abs(lats[k] - lats[k - 1]) - j) / 16.0
    return j


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def flow_name(row, exp):
    for name, f in exp["flows"].items():
        k = f["key"]
        if (row["proto"], row["src"], int(row["sport"]), row["dst"], int(row["dport"])) == \
                (k["proto"], k["src"], k["sport"], k["dst"], k["dport"]):
            return name
    return None


def truncate_us(ns):
    return ns // 1000 * 1000


def expected_flows(exp, us):
    """Per flow values the meter must report; us=True: through net_pcap."""
    t = truncate_us if us else (lambda x: x)
    out = {}
    for name, f in exp["flows"].items():
        pairs = [(t(a), t(b)) for a, b in f["pairs"]]
        lats = [b - a for a, b in pairs]
        out[name] = {
            "packets": f["packets"], "bytes": f["bytes"], "matched": f["matched"],
            "lost": f["lost"], "dup_b": f["dup_b"], "unexpected_b": f["unexpected_b"],
            "b_packets": f["b_packets"], "completed": 1 if f["completed"] else 0,
            "class": f["class"], "first_a_ns": t(f["first_a"]), "last_b_ns": max(b for _, b in pairs),
            "fct_ns": max(b for _, b in pairs) - t(f["first_a"]),
            "lat_min_ns": min(lats), "lat_max_ns": max(lats), "jitter_ns": jitter(lats),
            "dscp_b_first": f["dscp_first"], "dscp_b_last": f["dscp_last"],
            "dscp_b_set": "|".join(str(d) for d in f["dscp_set"]),
        }
    return out


def check_flows(rows, exp, us):
    want = expected_flows(exp, us)
    problems = []
    seen = set()
    for row in rows:
        name = flow_name(row, exp)
        if name is None:
            problems.append("unexpected flow %s" % row)
            continue
        seen.add(name)
        for k, v in want[name].items():
            got = row[k]
            if k == "jitter_ns":
                ok = got != "" and abs(float(got) - v) < 0.0015
            elif isinstance(v, int):
                ok = got != "" and int(got) == v
            else:
                ok = got == v
            if not ok:
                problems.append("%s %s: got %s, want %s" % (name, k, got, v))
    for name in want:
        if name not in seen:
            problems.append("flow %s missing" % name)
    return problems


def check_packets(rows, exp, us):
    t = truncate_us if us else (lambda x: x)
    want = sorted((t(p["ts_a"]), t(p["ts_b"]), t(p["ts_b"]) - t(p["ts_a"])) for p in exp["packets"])
    got = sorted((int(r["ts_a_ns"]), int(r["ts_b_ns"]), int(r["latency_ns"])) for r in rows)
    if got == want:
        return []
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    return ["%d packets, want %d" % (len(got), len(want))] + \
        ["missing %s" % (m,) for m in missing[:5]] + ["extra %s" % (e,) for e in extra[:5]]


def check_summary(summ, exp, us):
    t = truncate_us if us else (lambda x: x)
    problems = []
    c = summ["counters"]
    e = exp["counters"]
    for k, got in (("matched", c["matched"]), ("lost", c["lost"]), ("dup_b", c["dup_b"]),
                   ("unexpected_b", c["unexpected_b"]), ("flows", c["flows"]),
                   ("a_not_ip", c["A"]["not_ip"]), ("b_not_ip", c["B"]["not_ip"]),
                   ("a_malformed", c["A"]["malformed"]), ("dup_sig_a", c["dup_sig_a"])):
        if got != e[k]:
            problems.append("counter %s: got %s, want %s" % (k, got, e[k]))
    if c["A"]["frames"] != exp["a_frames"] or c["B"]["frames"] != exp["b_frames"]:
        problems.append("frames A %s B %s, want %s %s" % (c["A"]["frames"], c["B"]["frames"],
                                                          exp["a_frames"], exp["b_frames"]))
    wf = expected_flows(exp, us)
    for cls in ("short", "long", "all"):
        names = [n for n, f in wf.items() if cls == "all" or f["class"] == cls]
        fct = [wf[n]["fct_ns"] for n in names if wf[n]["completed"]]
        lat = [t(b) - t(a) for n in names for a, b in exp["flows"][n]["pairs"]]
        jit = [wf[n]["jitter_ns"] for n in names if wf[n]["matched"] >= 2]
        s = summ["classes"][cls]
        if s["flows"] != len(names) or s["completed"] != len(fct):
            problems.append("%s: flows %s completed %s, want %d %d" %
                            (cls, s["flows"], s["completed"], len(names), len(fct)))
        for what, vals, tol in (("fct_ns", fct, 0), ("latency_ns", lat, 0), ("jitter_ns", jit, 0.0015)):
            got = s[what]
            want = {"count": len(vals)}
            if vals:
                want.update({"min": min(vals), "max": max(vals), "p50": rank(vals, 50),
                             "p90": rank(vals, 90), "p99": rank(vals, 99),
                             "p99_9": rank(vals, 99.9), "mean": sum(vals) / len(vals)})
            for k, v in want.items():
                g = got.get(k)
                slack = 0.0015 if k == "mean" else tol
                if g is None or abs(g - v) > slack:
                    problems.append("%s %s %s: got %s, want %s" % (cls, what, k, g, v))
    return problems


def png_ok(path):
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


class Meter:
    def __init__(self, binary, tmp):
        self.binary, self.tmp, self.n = binary, tmp, 0

    def offline(self, a, b, out, *extra):
        return run([self.binary, "--offline", a, b, "-o", out] + list(extra))

    def live_cmd(self, ports, out, *extra):
        self.n += 1
        cmd = [self.binary]
        for p in ports:
            cmd += ["--port", p]
        cmd += ["-o", out] + list(extra)
        cmd += ["--"] + EAL + ["--file-prefix", self.prefix()]
        return cmd

    def prefix(self):
        return "meter-test-%d-%d" % (os.getpid(), self.n)

    def live(self, ports, out, *extra):
        r = run(self.live_cmd(ports, out, *extra))
        remove_eal_runtime(self.prefix())
        return r


def check_oracle(ck, what, out, flows, summ, exp, us):
    """Flows, every matched packet's latency, the counters and per-class
    percentiles against the oracle: exact, or at 1 us (through net_pcap)."""
    how = "equal the oracle at 1 us" if us else "exact"
    ck.record("%s: flows %s (FCT, latency min/max, jitter, loss, DSCP, class)" % (what, how),
              check_flows(flows, exp, us=us))
    ck.record("%s: every matched packet's latency %s" % (what, how),
              check_packets(read_csv(out / "packets.csv"), exp, us=us))
    ck.record("%s: counters and per-class percentiles %s" % (what, how),
              check_summary(summ, exp, us=us))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "VTEP_METER", str(REPO / "build" / "vtep-meter"))
    ck = Checks()
    if not os.access(binary, os.X_OK):
        ck.record("vtep-meter binary %s" % binary, ["not found (build it: ninja -C build)"])
        return ck.summary()
    tmp = Path(tempfile.mkdtemp(prefix="meter-test-"))
    try:
        r = run(["/usr/bin/python3", str(GEN), str(tmp / "fx")])
        ck.record("fixtures generated", [] if r.returncode == 0 else [r.stderr])
        if r.returncode != 0:
            return 1
        fx = tmp / "fx"
        exp = json.loads((fx / "expected.json").read_text())
        mt = Meter(binary, tmp)

        # ---- offline, nanosecond pcap -----------------------------------------
        out = tmp / "offline"
        r = mt.offline(str(fx / "A.pcap"), str(fx / "B.pcap"), str(out), "--per-packet")
        ck.record("offline-pcap: exit 0", [] if r.returncode == 0 else
                  ["exit %d: %s" % (r.returncode, r.stderr)])
        flows = read_csv(out / "flows.csv")
        summ = json.loads((out / "summary.json").read_text())
        check_oracle(ck, "offline-pcap", out, flows, summ, exp, us=False)
        ck.record("offline-pcap: the file's resolution is reported (1 ns)",
                  [p["resolution_ns"] for p in summ["ports"]] == [1, 1])
        for png in ("fct_cdf.png", "latency_hist.png", "jitter_pdf.png"):
            ck.record("plots: %s" % png, png_ok(out / png))

        # ---- offline, pcapng ---------------------------------------------------
        out2 = tmp / "offline-ng"
        r = mt.offline(str(fx / "A.pcapng"), str(fx / "B.pcapng"), str(out2), "--per-packet",
                       "--no-plot")
        ck.record("offline-pcapng: exit 0", r.returncode == 0)
        ck.record("offline-pcapng: flows.csv identical to the pcap run",
                  (out2 / "flows.csv").read_text() == (out / "flows.csv").read_text())
        ck.record("offline-pcapng: packets.csv identical to the pcap run",
                  (out2 / "packets.csv").read_text() == (out / "packets.csv").read_text())
        s2 = json.loads((out2 / "summary.json").read_text())
        ck.record("offline-pcapng: summary identical", s2["classes"] == summ["classes"] and
                  s2["counters"] == summ["counters"])

        # ---- live on net_pcap ports ---------------------------------------------
        out3 = tmp / "live"
        r = mt.live(["A=net_pcap_a0,rx_pcap=%s" % (fx / "A.pcap"),
                     "B=net_pcap_b0,rx_pcap=%s" % (fx / "B.pcap")],
                    str(out3), "--per-packet", "--idle-exit", "1000", "--no-plot")
        ck.record("live-net_pcap: exit 0", [] if r.returncode == 0 else
                  ["exit %d: %s %s" % (r.returncode, r.stdout, r.stderr)])
        if r.returncode == 0:
            ls = json.loads((out3 / "summary.json").read_text())
            ck.record("live-net_pcap: each port says it uses the pcap-us dynfield clock, 1000 ns",
                      [(p["clock"], p["resolution_ns"]) for p in ls["ports"]] ==
                      [("pcap-us", 1000)] * 2 and r.stdout.count("mbuf timestamp dynfield") == 2)
            lflows = read_csv(out3 / "flows.csv")
            check_oracle(ck, "live-net_pcap", out3, lflows, ls, exp, us=True)
            off = {flow_name(x, exp): x for x in flows}
            diffs = []
            for x in lflows:
                o = off[flow_name(x, exp)]
                for k in ("fct_ns", "lat_min_ns", "lat_max_ns"):
                    if x[k] == "" or o[k] == "" or abs(int(x[k]) - int(o[k])) >= 1000:
                        diffs.append("%s %s live %s offline %s" % (flow_name(x, exp), k, x[k], o[k]))
            ck.record("live-net_pcap: within 1 us of the offline nanosecond values", diffs)

        # ---- bad input -----------------------------------------------------------
        out4 = tmp / "bad-trunc"
        r = mt.offline(str(fx / "A.pcap"), str(fx / "B-truncated.pcap"), str(out4), "--no-plot")
        s4 = json.loads((out4 / "summary.json").read_text()) if (out4 / "summary.json").exists() else {}
        ck.record("bad-truncated (offline): exit 2, message names the file and the break",
                  r.returncode == 2 and "B-truncated.pcap: damaged after record %d" %
                  exp["truncated_b_records"] in r.stderr and "truncated" in r.stderr)
        ck.record("bad-truncated (offline): partial results written",
                  (out4 / "flows.csv").exists() and s4.get("complete") is False and
                  s4["counters"]["B"]["frames"] == exp["truncated_b_records"] and
                  s4["counters"]["matched"] > 0 and len(s4["errors"]) == 1)

        out5 = tmp / "bad-linktype"
        r = mt.offline(str(fx / "A-linktype.pcap"), str(fx / "B.pcap"), str(out5), "--no-plot")
        s5 = json.loads((out5 / "summary.json").read_text()) if (out5 / "summary.json").exists() else {}
        ck.record("bad-linktype (offline): exit 2 and a clear message",
                  r.returncode == 2 and "link type IEEE802_11 (105) not supported" in r.stderr)
        ck.record("bad-linktype (offline): the other tap analysed, results written",
                  s5.get("counters", {}).get("B", {}).get("frames") == exp["b_frames"] and
                  s5["counters"]["A"]["frames"] == 0 and
                  s5["counters"]["unexpected_b"] == exp["b_frames"] - 1)

        out6 = tmp / "bad-garbage"
        r = mt.offline(str(fx / "garbage.pcap"), str(fx / "B.pcap"), str(out6), "--no-plot")
        ck.record("bad-not-a-capture (offline): exit 2, message, results written",
                  r.returncode == 2 and "garbage.pcap: cannot read capture" in r.stderr and
                  (out6 / "summary.json").exists())
        out6b = tmp / "bad-missing"
        r = mt.offline(str(fx / "A.pcap"), str(fx / "nope.pcap"), str(out6b), "--no-plot")
        ck.record("bad-missing-file (offline): exit 2, message, results written",
                  r.returncode == 2 and "nope.pcap: cannot read capture" in r.stderr and
                  (out6b / "flows.csv").exists())

        out7 = tmp / "bad-no-ts"
        r = mt.live(["A=net_pcap_a0,rx_pcap=%s" % (fx / "A.pcap"), "B=net_null_b0,no-rx=1"],
                    str(out7), "--idle-exit", "700", "--no-plot")
        s7 = json.loads((out7 / "summary.json").read_text()) if (out7 / "summary.json").exists() else {}
        ck.record("bad-port-without-timestamps (live): message, TSC fallback, exit 0",
                  [] if r.returncode == 0 and "no RX timestamp support" in r.stdout and
                  "falling back to the TSC" in r.stdout and "different clocks" in r.stderr else
                  ["exit %d stdout %s stderr %s" % (r.returncode, r.stdout, r.stderr)])
        ck.record("bad-port-without-timestamps (live): results written, A packets lost",
                  s7.get("ports", [{}, {}])[1].get("clock") == "tsc" and
                  s7["counters"]["lost"] == exp["a_frames"] - 2 and (out7 / "flows.csv").exists())

        out8 = tmp / "bad-trunc-live"
        r = mt.live(["A=net_pcap_a0,rx_pcap=%s" % (fx / "A.pcap"),
                     "B=net_pcap_b0,rx_pcap=%s" % (fx / "B-truncated.pcap")],
                    str(out8), "--idle-exit", "700", "--no-plot")
        s8 = json.loads((out8 / "summary.json").read_text()) if (out8 / "summary.json").exists() else {}
        ck.record("bad-truncated (live net_pcap): exit 2, receive errors reported, partial results",
                  [] if r.returncode == 2 and "receive errors" in r.stderr and
                  s8.get("counters", {}).get("B", {}).get("frames") == exp["truncated_b_records"] and
                  s8["complete"] is False else
                  ["exit %d stderr %s" % (r.returncode, r.stderr)])

        # ---- usage -----------------------------------------------------------------
        r = run([binary, "--port", "A=net_null0"])
        ck.record("usage: a tap B is required (exit 1)", r.returncode == 1 and "--port B=" in r.stderr)
        r = run([binary, "--offline", str(fx / "A.pcap"), str(fx / "B.pcap"), "--threshold", "x"])
        ck.record("usage: bad value (exit 1)", r.returncode == 1 and "bad value 'x'" in r.stderr)
        r = run([binary, "--port", "C=net_null0"])
        ck.record("usage: bad tap name (exit 1)", r.returncode == 1 and "A=DEVARGS" in r.stderr)

        r = mt.live(["A=net_null_x0,no-rx=1", "B=net_null_x0,no-rx=1"], str(tmp / "dup"), "--no-plot")
        ck.record("usage: the same device twice (exit 1)",
                  r.returncode == 1 and "same device as an earlier --port" in r.stderr)

        # ---- stopping ---------------------------------------------------------------
        out9 = tmp / "sigint"
        cmd = mt.live_cmd(["A=net_null_a0,no-rx=1", "B=net_null_b0,no-rx=1"], str(out9), "--no-plot")
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.0)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        try:
            so, se = p.communicate(timeout=30)
            waited = time.time() - t0
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
            waited = 99
        remove_eal_runtime(mt.prefix())
        s9 = json.loads((out9 / "summary.json").read_text()) if (out9 / "summary.json").exists() else {}
        ck.record("signal: SIGINT stops the capture, exit 0, results written, progress lines",
                  [] if p.returncode == 0 and waited < 10 and s9.get("interrupted") is True and
                  se.count("matched 0") >= 2 else
                  ["exit %s waited %.1f s stderr %s" % (p.returncode, waited, se)])
        out10 = tmp / "duration"
        t0 = time.time()
        r = mt.live(["A=net_null_a0,no-rx=1", "B=net_null_b0,no-rx=1"], str(out10), "--no-plot",
                    "--duration", "1.5")
        took = time.time() - t0
        ck.record("duration: --duration 1.5 stops by itself",
                  r.returncode == 0 and (out10 / "summary.json").exists() and took < 30)
    except Exception:       # a broken output is a failure, not a crash of the test
        ck.record("the checks ran to the end", [traceback.format_exc()])
    finally:
        if os.environ.get("KEEP") or ck.failed:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return ck.summary()


if __name__ == "__main__":
    sys.exit(main())
