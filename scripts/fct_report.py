#!/usr/bin/python3
"""Results of scripts/fct-experiment: table, figures, numbers.

    fct_report.py DIR

Reads every DIR/runs/NAME/ (run.json, flows.jsonl from scripts/fct_gen.py,
meter/flows.csv from vtep-meter, tc.json, vtepd-stats.json) and writes:

  DIR/results.md      the table (one row per run) and the target check
  DIR/results.json    every number of the table, per run
  DIR/fig4a_speedup_vs_threshold.png
  DIR/fig4b_speedup_vs_load.png
  DIR/fig5_pdfs.png   jitter and FCT probability densities, ECMP against
                      the classifier at the reference threshold

Flows: the generator's records joined with the meter's flows by source
port (each connection binds its own). Short = the RPCs (1-40 data
segments), long = the bulk transfers. FCT = last packet at tap B minus
first packet at tap A (the captures hold SYNs and data segments only),
for every flow that the generator saw answered and that started after the
discarded seconds, losses or not (a lost segment's retransmission is a
packet of the flow too). Percentiles are nearest-rank, like vtep-meter's.

Several seeds (scripts/fct-experiment --seeds): each classifier run is
compared with the ECMP run of the same load and seed (the same flows), and
results.md adds a table over the seeds: the median of the per-seed
speedups with their minimum and maximum. The figures plot those medians.
With --fabric-qos prio, tc.json has the counters of the two bands of each
WAN queue, and results.md lists them with vtepd's short-class count.

Needs matplotlib (Debian python3-matplotlib): run with /usr/bin/python3.
Exits 1 with a message when a run's files cannot be read.
"""
import csv
import json
import math
import os
import sys

SHORT_KIND, LONG_KIND = "rpc", "bulk"


def fail(msg):
    print("fct_report: %s" % msg, file=sys.stderr)
    sys.exit(1)


def pct(sorted_vals, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    n = len(sorted_vals)
    if n == 0:
        return None
    k = max(1, math.ceil(p / 100.0 * n))
    return sorted_vals[k - 1]


def summary(vals):
    v = sorted(vals)
    if not v:
        return {"n": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    return {"n": len(v), "mean": sum(v) / len(v), "p50": pct(v, 50), "p90": pct(v, 90),
            "p99": pct(v, 99), "max": v[-1]}


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (path, e))


def load_run(rdir):
    run = read_json(os.path.join(rdir, "run.json"))
    gen = {}
    try:
        with open(os.path.join(rdir, "flows.jsonl")) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    gen[(r["sport"], r["dport"])] = r
    except (OSError, ValueError, KeyError) as e:
        fail("%s/flows.jsonl: %s" % (rdir, e))
    meter = {}
    mpath = os.path.join(rdir, "meter", "flows.csv")
    try:
        with open(mpath, newline="") as f:
            for row in csv.DictReader(f):
                if row["proto"] != "tcp":
                    continue
                meter[(int(row["sport"]), int(row["dport"]))] = row
    except (OSError, KeyError, ValueError) as e:
        fail("%s: %s" % (mpath, e))
    tc = read_json(os.path.join(rdir, "tc.json"))
    vstats = {}
    vpath = os.path.join(rdir, "vtepd-stats.json")
    if os.path.exists(vpath):
        vstats = read_json(vpath)
    return run, gen, meter, tc, vstats


def analyse(rdir):
    run, gen, meter, tc, vstats = load_run(rdir)
    flows = {"short": [], "long": []}
    missing = {"short": 0, "long": 0}
    failed = {"short": 0, "long": 0}
    skipped = 0
    for key, g in gen.items():
        cls = "short" if g["kind"] == SHORT_KIND else "long"
        m = meter.get(key)
        if not g["ok"]:
            failed[cls] += 1
            continue
        if m is None or m["first_a_ns"] == "" or m["last_b_ns"] == "":
            missing[cls] += 1
            continue
        if m["skipped"] == "1":
            skipped += 1
            continue
        fct = int(m["last_b_ns"]) - int(m["first_a_ns"])
        flows[cls].append({
            "sport": key[0], "k": g["packets"], "fct_ns": fct, "app_ns": g["done_ns"],
            "packets": int(m["packets"]), "lost": int(m["lost"]),
            "jitter_ns": float(m["jitter_ns"]) if m["jitter_ns"] else None,
            "dscp": m["dscp_b_set"]})
    res = {"name": run["name"], "mode": run["mode"], "threshold": run["threshold"],
           "load_pct": run["load_pct"], "seed": run.get("seed", 1),
           "fabric_qos": run.get("fabric_qos", "fifo"), "class_groups": run.get("class_groups", "split"),
           "run": run, "skipped_flows": skipped,
           "missing": missing, "failed": failed}
    for cls in ("short", "long"):
        fl = flows[cls]
        res[cls] = summary([f["fct_ns"] / 1e6 for f in fl])
        res[cls + "_app"] = summary([f["app_ns"] / 1e6 for f in fl if f["app_ns"] is not None])
        res[cls + "_jitter"] = summary([f["jitter_ns"] / 1e3 for f in fl if f["jitter_ns"] is not None])
        res[cls + "_lost_pkts"] = sum(f["lost"] for f in fl)
        res[cls + "_flows_with_loss"] = sum(1 for f in fl if f["lost"] > 0)
    res["flows"] = flows
    # queues: forward bottlenecks s1b/s2b, reverse s1a/s2a
    dur = run["traffic_end"] - run["traffic_start"] + 1.3
    cap_bytes = run["rate_mbit"] * 1e6 / 8 * dur
    q = {}
    for d in tc:
        q[d.get("role", d["dev"])] = {"drops": d.get("drops", 0), "bytes": d.get("bytes", 0),
                       "packets": d.get("packets", 0), "overlimits": d.get("overlimits", 0),
                       "use_pct": 100.0 * d.get("bytes", 0) / cap_bytes,
                       "bands": {b["band"]: {"packets": b.get("packets", 0), "bytes": b.get("bytes", 0),
                                             "drops": b.get("drops", 0)}
                                 for b in d.get("bands", [])}}
    res["queues"] = q
    # what the forward queues' high bands took in (sent + dropped): with
    # strict priority, every packet of the short class and nothing else
    res["high_band_fwd"] = sum(q.get(d, {}).get("bands", {}).get("high", {}).get(k, 0)
                               for d in ("fwd1", "fwd2") for k in ("packets", "drops"))
    drops = vstats.get("drops", {})
    res["vtepd_drops"] = {k: v for k, v in drops.items() if v}
    ports = vstats.get("ports", {})
    vni = vstats.get("vnis", {}).get("100", {})
    res["vtepd"] = {"up1_tx_packets": ports.get("up1", {}).get("tx_packets"),
                    "up2_tx_packets": ports.get("up2", {}).get("tx_packets"),
                    "classified_short_packets": vni.get("classified_short_packets"),
                    "classified_long_packets": vni.get("classified_long_packets")}
    # what the classifier did, seen on the wire at tap B (outer DSCP)
    ds, dl = str(run["dscp_short"]), str(run["dscp_long"])
    t = run["threshold"]
    if run["mode"] == "classifier":
        # without a retransmission: that is one more packet for the classifier
        fit = [f for f in flows["short"] if f["k"] + 2 <= t and f["packets"] == f["k"] + 1]
        # every RPC: the captured packets (SYN, data segments, retransmissions)
        # plus the uncaptured handshake ACK are what the classifier counted
        # up to the last data segment: long DSCP seen iff that exceeds T
        def predicted(f):
            long_ = f["packets"] + 1 > t
            got = f["dscp"].split("|")
            return (dl in got) == long_ and ds in got
        res["wire_check"] = {
            "rpc_flows": len(flows["short"]),
            "rpc_as_predicted": sum(1 for f in flows["short"] if predicted(f)),
            "short_fit_flows": len(fit),
            "short_fit_all_short_dscp": sum(1 for f in fit if f["dscp"] == ds),
            "long_flows": len(flows["long"]),
            "long_with_long_dscp": sum(1 for f in flows["long"] if dl in f["dscp"].split("|")),
        }
    else:
        allf = flows["short"] + flows["long"]
        res["wire_check"] = {"flows": len(allf),
                             "dscp0": sum(1 for f in allf if f["dscp"] == "0")}
    return res


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def add_speedups(results):
    ecmp = {(r["load_pct"], r["seed"]): r for r in results if r["mode"] == "ecmp"}
    for r in results:
        e = ecmp.get((r["load_pct"], r["seed"]))
        r["speedup"] = {}
        r["long_ratio"] = {}
        r["speedup_fit"] = None
        if e is None or r["mode"] == "ecmp":
            continue
        for p in ("p50", "p90", "p99", "mean"):
            r["speedup"][p] = ratio(e["short"][p], r["short"][p])
            r["long_ratio"][p] = ratio(r["long"][p], e["long"][p])
        # the RPCs that the classifier keeps on the short tunnel end to end
        # (K data segments + SYN + handshake ACK <= threshold), same flows in ECMP
        t = r["threshold"]
        mine = sorted(f["fct_ns"] for f in r["flows"]["short"] if f["k"] + 2 <= t)
        theirs = sorted(f["fct_ns"] for f in e["flows"]["short"] if f["k"] + 2 <= t)
        r["speedup_fit"] = {"n": len(mine), "p50": ratio(pct(theirs, 50), pct(mine, 50))}


def median(vals):
    """Median (mean of the two middle values for an even count); None when empty."""
    v = sorted(x for x in vals if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def over_seeds(results):
    """Classifier runs grouped by (load, threshold): per-seed ratios, their median, min, max."""
    groups = {}
    for r in results:
        if r["mode"] != "classifier" or not r["speedup"]:
            continue
        groups.setdefault((r["load_pct"], r["threshold"]), []).append(r)
    out = []
    for (load, t), rs in sorted(groups.items()):
        rs.sort(key=lambda x: x["seed"])
        row = {"load_pct": load, "threshold": t, "seeds": [x["seed"] for x in rs]}
        for key, get in (("short_p50", lambda x: x["speedup"].get("p50")),
                         ("short_p90", lambda x: x["speedup"].get("p90")),
                         ("short_p99", lambda x: x["speedup"].get("p99")),
                         ("fit_p50", lambda x: (x["speedup_fit"] or {}).get("p50")),
                         ("long_p50", lambda x: x["long_ratio"].get("p50"))):
            vals = [get(x) for x in rs]
            ok = [v for v in vals if v is not None]
            row[key] = {"per_seed": vals, "median": median(ok),
                        "min": min(ok) if ok else None, "max": max(ok) if ok else None}
        row["target_met_seeds"] = sum(1 for x in rs if target_ok(x))
        out.append(row)
    return out


def target_ok(r):
    sp = r["speedup"].get("p50")
    lr = r["long_ratio"].get("p50")
    return sp is not None and lr is not None and sp >= 1.5 and lr <= 1.10


def fmt(v, nd=1):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return "%.0f" % v
    return ("%." + str(nd) + "f") % v


def fmtx(v):
    return "-" if v is None else "%.2fx" % v


def fmt_range(d):
    if d["median"] is None:
        return "-"
    return "%s (%s-%s)" % (fmtx(d["median"]), fmtx(d["min"]), fmtx(d["max"]))


def seeds_table(agg):
    lines = ["| load | T | seeds | short speedup p50, median (min-max) | p90 | p99 "
             "| speedup, RPCs <= T | long vs ECMP p50 | per-seed short p50 | per-seed long p50 "
             "| seeds meeting the target |",
             "|" + " --- |" * 11]
    for a in agg:
        lines.append("| %d %% | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d of %d |" % (
            a["load_pct"], a["threshold"], ",".join(str(s) for s in a["seeds"]),
            fmt_range(a["short_p50"]), fmt_range(a["short_p90"]), fmt_range(a["short_p99"]),
            fmt_range(a["fit_p50"]), fmt_range(a["long_p50"]),
            " / ".join(fmtx(v) for v in a["short_p50"]["per_seed"]),
            " / ".join(fmtx(v) for v in a["long_p50"]["per_seed"]),
            a["target_met_seeds"], len(a["seeds"])))
    return lines


def band_lines(results):
    """The strict-priority queues' band counters (runs with --fabric-qos prio)."""
    out = []
    for r in results:
        q = r["queues"]
        if not any(q.get(d, {}).get("bands") for d in q):
            continue
        parts = []
        for d in ("fwd1", "fwd2", "rev1", "rev2"):
            b = q.get(d, {}).get("bands", {})
            parts.append("%s high %d pkts (%d dropped), low %d pkts (%d dropped)" % (
                d, b.get("high", {}).get("packets", 0), b.get("high", {}).get("drops", 0),
                b.get("low", {}).get("packets", 0), b.get("low", {}).get("drops", 0)))
        hi = r["high_band_fwd"]
        out.append("- %s: %s; forward high band sent + dropped %d, vtepd's short-class packets %s" % (
            r["name"], "; ".join(parts), hi, r["vtepd"]["classified_short_packets"]))
    return out


def table(results, exp):
    lines = []
    lines.append("| run | T | load | short n | short FCT p50 / p90 / p99 (ms) | short speedup p50 / p90 / p99 "
                 "| speedup, RPCs <= T | long n | long FCT p50 / p90 / p99 (ms) | long vs ECMP p50 "
                 "| queue drops fwd t1 / t2, rev t1 / t2 | lost segments short / long "
                 "| tunnel use fwd t1 / t2 | load avg 1 min, mean (max) during the run |")
    lines.append("|" + " --- |" * 14)
    for r in results:
        s, l = r["short"], r["long"]
        q = r["queues"]
        sp = r["speedup"]
        fit = r["speedup_fit"]
        la = r["run"].get("loadavg_1min_during", {})
        lines.append("| %s | %s | %d %% | %d | %s / %s / %s | %s | %s | %d | %s / %s / %s | %s | %s | %s | %s | %s |" % (
            r["name"], "ECMP" if r["mode"] == "ecmp" else r["threshold"], r["load_pct"],
            s["n"], fmt(s["p50"]), fmt(s["p90"]), fmt(s["p99"]),
            "-" if not sp else "%s / %s / %s" % (fmtx(sp["p50"]), fmtx(sp["p90"]), fmtx(sp["p99"])),
            "-" if not fit else "%s (n=%d)" % (fmtx(fit["p50"]), fit["n"]),
            l["n"], fmt(l["p50"]), fmt(l["p90"]), fmt(l["p99"]),
            fmtx(r["long_ratio"].get("p50")) if r["long_ratio"] else "-",
            " / ".join(str(q.get(d, {}).get("drops", "-")) for d in ("fwd1", "fwd2", "rev1", "rev2")),
            "%d / %d" % (r["short_lost_pkts"], r["long_lost_pkts"]),
            " / ".join("%.0f %%" % q[d]["use_pct"] if d in q else "-" for d in ("fwd1", "fwd2")),
            "%.1f (%.1f)" % (la.get("mean", 0), la.get("max", 0))))
    return lines


def target_check(results, ref_t, agg):
    out = []
    at40 = [r for r in results if r["load_pct"] == 40 and r["mode"] == "classifier"]
    if not at40:
        return ["No classifier run at 40 % load: target not evaluated."]
    if len({r["seed"] for r in results}) > 1:
        for a in agg:
            if a["load_pct"] != 40:
                continue
            sp, lr = a["short_p50"]["median"], a["long_p50"]["median"]
            ok = sp is not None and lr is not None and sp >= 1.5 and lr <= 1.10
            out.append("- threshold %d over seeds %s: short-flow median speedup, median over seeds %s "
                       "(target >= 1.50x), long-flow median %s of ECMP (target <= 1.10x): %s; "
                       "met in %d of %d seeds" % (
                           a["threshold"], ",".join(str(s) for s in a["seeds"]), fmt_range(a["short_p50"]),
                           fmt_range(a["long_p50"]), "**met**" if ok else "**not met**",
                           a["target_met_seeds"], len(a["seeds"])))
        return out
    for r in sorted(at40, key=lambda x: x["threshold"]):
        sp = r["speedup"].get("p50")
        lr = r["long_ratio"].get("p50")
        ok = sp is not None and lr is not None and sp >= 1.5 and lr <= 1.10
        out.append("- threshold %d: short-flow median speedup %s (target >= 1.50x), long-flow median "
                   "%s of ECMP (target <= 1.10x): %s" % (r["threshold"], fmtx(sp), fmtx(lr),
                                                          "**met**" if ok else "**not met**"))
    return out


def write_md(out, results, exp, agg):
    ref_t = exp.get("ref_threshold", 20)
    md = ["# FCT experiment results", "",
          "Command: `%s`" % exp.get("command", "?"),
          "",
          "Started %s on %d CPUs, kernel %s, vtepd %s. Tunnels 2 x %s Mbit/s, tbf queue %s frames; "
          "runs of %s s, first %s s discarded; RPCs %s/s (1-40 data segments), bulk transfers %s/s "
          "of %d and %d packets (the paper's 60,000 and 100,000 divided by %s); background %s UDP flows "
          "per direction (leaf) or per tunnel and direction (WAN) of 1472-byte messages at Poisson instants." % (
              exp.get("started"), exp.get("ncpu", 0), exp.get("kernel"), exp.get("git"),
              exp.get("rate_mbit"), exp.get("queue_pkts"), exp.get("duration_s"), exp.get("skip_s"),
              exp.get("rpc_rate"), exp.get("bulk_rate"), 60000 // int(exp.get("bulk_scale", 50)),
              100000 // int(exp.get("bulk_scale", 50)), exp.get("bulk_scale"), exp.get("bg_flows")),
          "",
          "Background enters %s." % ("inside the WAN (each tunnel's routers exchange it; it never "
                                     "crosses vtepd)" if exp.get("bg_at") == "wan" else
                                     "at the client and the server and crosses vtepd (ECMP, or the "
                                     "classifier's long tunnel)"),
          "",
          "Short = RPCs, long = bulk transfers. FCT = last data segment at tap B (leaf B's uplinks) "
          "minus the SYN at tap A (what the WAN routers receive from vtepd). Tunnel 1 is the short "
          "tunnel, tunnel 2 the long one. Speedup = ECMP FCT / "
          "classifier FCT at the same load (> 1: the classifier is faster); \"long vs ECMP\" = "
          "classifier / ECMP (> 1: slower). \"RPCs <= T\": only the RPCs whose every packet is "
          "short (data segments + SYN + handshake ACK <= T), the same flows in both runs.",
          "",
          "Fabric queues: %s. Classes: %s. Seeds: %s." % (
              "strict priority on the outer DSCP (DSCP %s in the high band, the rest in the low "
              "band, each a drop-tail queue of %s frames) under the tbf shaper" % (
                  results[0]["run"].get("dscp_short", 46), exp.get("queue_pkts"))
              if exp.get("fabric_qos") == "prio" else "one drop-tail queue (tbf)",
              "both over both tunnels by the flow hash, apart only by DSCP"
              if exp.get("class_groups") == "ecmp" else "short on tunnel 1, long on tunnel 2",
              ",".join(str(s) for s in exp.get("seeds", [exp.get("seed", 1)]))),
          "", ]
    md += table(results, exp)
    if len({r["seed"] for r in results}) > 1:
        md += ["", "## Over seeds", "",
               "Each classifier run against the ECMP run of its load and seed; the median of "
               "the per-seed ratios, (min-max) over the seeds.", ""] + seeds_table(agg)
    md += ["", "## Target at 40 % load", ""] + target_check(results, ref_t, agg)
    md += ["", "## Checks on the wire (outer DSCP at tap B)", ""]
    for r in results:
        w = r["wire_check"]
        v = r["vtepd"]
        md.append("- %s: vtepd sent %s packets on tunnel 1, %s on tunnel 2; classified short %s, long %s" % (
            r["name"], v["up1_tx_packets"], v["up2_tx_packets"], v["classified_short_packets"],
            v["classified_long_packets"]))
        if r["mode"] == "classifier":
            md.append("- %s: RPCs <= T (no retransmission) with only DSCP %s: %d of %d; RPCs whose DSCPs "
                      "match their packet count: %d of %d; bulk transfers that reached DSCP %s: %d of %d" % (
                          r["name"], r["run"]["dscp_short"], w["short_fit_all_short_dscp"], w["short_fit_flows"],
                          w["rpc_as_predicted"], w["rpc_flows"],
                          r["run"]["dscp_long"], w["long_with_long_dscp"], w["long_flows"]))
        else:
            md.append("- %s: flows with DSCP 0 only: %d of %d" % (r["name"], w["dscp0"], w["flows"]))
    bl = band_lines(results)
    if bl:
        md += ["", "## Strict-priority bands (tc counters of the WAN queues)", ""] + bl
    md += ["", "## Per run", ""]
    for r in results:
        md.append("- %s: flows skipped (first seconds) %d; not answered (short/long) %d/%d; answered but "
                  "not seen at both taps %d/%d; flows with a lost segment %d/%d; app-level median "
                  "short %s ms, long %s ms; tcpdump drops %s; vtepd drops %s; load average %s -> %s" % (
                      r["name"], r["skipped_flows"], r["failed"]["short"], r["failed"]["long"],
                      r["missing"]["short"], r["missing"]["long"], r["short_flows_with_loss"],
                      r["long_flows_with_loss"], fmt(r["short_app"]["p50"]), fmt(r["long_app"]["p50"]),
                      json.dumps(r["run"]["tcpdump_dropped"]), json.dumps(r["vtepd_drops"]) or "{}",
                      r["run"]["loadavg_start"], r["run"]["loadavg_end"]))
    md += ["", "Figures: fig4a_speedup_vs_threshold.png, fig4b_speedup_vs_load.png, fig5_pdfs.png. "
           "Raw per-run outputs: runs/NAME/ (meter/flows.csv and meter/summary.json from vtep-meter, "
           "flows.jsonl from the generator, tc.json, vtepd-stats.json, run.json).", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md))


def plots(out, results, exp, agg):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cls = [r for r in results if r["mode"] == "classifier"]
    loads = sorted({r["load_pct"] for r in results})
    thresholds = sorted({r["threshold"] for r in cls})
    # one point per (load, threshold): the median over seeds (the run itself with one seed)
    pts = {(a["load_pct"], a["threshold"]): a for a in agg}

    def val(load, t, key):
        a = pts.get((load, t))
        v = a[key]["median"] if a else None
        return float("nan") if v is None else v
    seed0 = min((r["seed"] for r in results), default=1)
    ref_t = exp.get("ref_threshold", 20)
    if ref_t not in thresholds and thresholds:
        ref_t = thresholds[len(thresholds) // 2]

    # Fig. 4a: speedup against threshold, one line per load
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for load in loads:
        xs = [t for t in thresholds if (load, t) in pts]
        axes[0].plot(xs, [val(load, t, "short_p50") for t in xs], "o-", label="%d %% load" % load)
        axes[1].plot(xs, [val(load, t, "fit_p50") for t in xs], "o-", label="%d %% load" % load)
    axes[0].set_title("all RPCs (1-40 data segments)")
    axes[1].set_title("RPCs whose every packet is short (<= T)")
    for ax in axes:
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xlabel("classifier threshold T (packets)")
        ax.set_ylabel("short-flow median FCT speedup vs ECMP")
        ax.set_xticks(thresholds or [1])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    nseeds = len({r["seed"] for r in results})
    sub = "" if nseeds == 1 else " (median over %d seeds)" % nseeds
    fig.suptitle("Fig. 4a: speedup against threshold" + sub)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4a_speedup_vs_threshold.png"), dpi=110)
    plt.close(fig)

    # Fig. 4b: speedup against load, one line per threshold; long-flow ratio
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for t in thresholds:
        xs = [load for load in loads if (load, t) in pts]
        axes[0].plot(xs, [val(load, t, "short_p50") for load in xs], "o-", label="T = %d" % t)
        axes[1].plot(xs, [val(load, t, "long_p50") for load in xs], "o-", label="T = %d" % t)
    axes[0].set_ylabel("short-flow median FCT speedup vs ECMP")
    axes[0].axhline(1.5, color="tab:green", ls="--", lw=0.8, label="target 1.5x at 40 %")
    axes[1].set_ylabel("long-flow median FCT, classifier / ECMP")
    axes[1].axhline(1.1, color="tab:red", ls="--", lw=0.8, label="limit 1.1x")
    for ax in axes:
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xlabel("background load (% of both tunnels)")
        ax.set_xticks(loads)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Fig. 4b: speedup against load" + sub)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4b_speedup_vs_load.png"), dpi=110)
    plt.close(fig)

    # Fig. 5: PDFs of per-flow jitter and FCT (short flows), ECMP vs classifier at ref_t
    fig, axes = plt.subplots(2, max(1, len(loads)), figsize=(max(6.5, 3.6 * len(loads)), 6.4),
                             squeeze=False)
    for j, load in enumerate(loads):
        pair = [("ECMP", "tab:red", next((r for r in results if r["mode"] == "ecmp" and r["load_pct"] == load
                                          and r["seed"] == seed0), None)),
                ("classifier T=%d" % ref_t, "tab:blue",
                 next((r for r in cls if r["threshold"] == ref_t and r["load_pct"] == load
                       and r["seed"] == seed0), None))]
        for i, (what, unit) in enumerate((("jitter_ns", 1e3), ("fct_ns", 1e6))):
            ax = axes[i][j]
            vals_all = []
            for label, colour, r in pair:
                if r is None:
                    continue
                v = [f[what] / unit for f in r["flows"]["short"] if f[what] is not None and f[what] > 0]
                vals_all.append((label, colour, v))
            lo = min((min(v) for _, _, v in vals_all if v), default=1e-3)
            hi = max((max(v) for _, _, v in vals_all if v), default=1.0)
            if hi <= lo:
                hi = lo * 10
            nb = 40
            edges = [lo * (hi / lo) ** (k / nb) for k in range(nb + 1)]
            for label, colour, v in vals_all:
                if not v:
                    continue
                mean = sum(v) / len(v)
                sd = math.sqrt(sum((x - mean) ** 2 for x in v) / len(v))
                # probability per logarithmic bin: the density of log(x)
                ax.hist(v, bins=edges, weights=[1.0 / len(v)] * len(v), histtype="step",
                        color=colour, lw=1.4, label="%s (mean %.3g, sd %.3g)" % (label, mean, sd))
            ax.set_xscale("log")
            ax.set_xlabel("jitter (us)" if what == "jitter_ns" else "FCT (ms)")
            ax.set_ylabel("fraction of flows per bin")
            ax.set_title("%s, %d %% load" % ("jitter" if what == "jitter_ns" else "FCT", load), fontsize=9)
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
    fig.suptitle("Fig. 5: short-flow jitter and FCT PDFs (log bins),\nECMP vs classifier (T = %d), seed %d"
                 % (ref_t, seed0),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig5_pdfs.png"), dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        fail("usage: fct_report.py DIR")
    out = sys.argv[1]
    exp = read_json(os.path.join(out, "experiment.json"))
    rdirs = sorted(d for d in os.listdir(os.path.join(out, "runs"))
                   if os.path.isdir(os.path.join(out, "runs", d)))
    if not rdirs:
        fail("no runs in %s/runs" % out)
    results = [analyse(os.path.join(out, "runs", d)) for d in rdirs]
    order = {"ecmp": -1}
    results.sort(key=lambda r: (r["load_pct"], r["seed"], order.get(r["mode"], 0),
                                r["threshold"] if r["threshold"] is not None else -1))
    add_speedups(results)
    agg = over_seeds(results)
    write_md(out, results, exp, agg)
    slim = [{k: v for k, v in r.items() if k != "flows"} for r in results]
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"experiment": exp, "runs": slim, "over_seeds": agg}, f, indent=1)
    plots(out, results, exp, agg)
    print("fct_report: %d runs -> %s/results.md" % (len(results), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
