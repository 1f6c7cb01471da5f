"""The fabric test's outputs: report.md (tables) and one timeline figure per
cut (datagrams received per millisecond around the cut, per flow, with the
BFD and BGP events), both from results.json's data."""
import os
import statistics

THESIS_MS = {(100, 3): 320, (10, 3): 110}   # recovery after a link failure in the thesis (ping)


def _mpl():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def timeline(res, data, flows, path, before_ms=200, after_ms=None):
    """packets per ms around res's cut, one row per flow."""
    det = res["setting"]["interval_ms"] * res["setting"]["multiplier"]
    after_ms = after_ms or max(800, int(det * 3))
    plt = _mpl()
    fig, axes = plt.subplots(len(flows), 1, figsize=(10, 1.3 + 1.25 * len(flows)), sharex=True,
                             squeeze=False)
    t_cut = res["t_cut_ns"]
    ev = res["events"]
    marks = [("cut", 0, "k")]
    for key, label, colour in (("leaf_bfd_down", f"BFD down at {res['leaf']}", "tab:red"),
                               ("spine_bfd_down", f"BFD down at {res['spine']}", "tab:orange"),
                               ("spine_bgp_down", f"BGP down at {res['spine']}", "tab:purple"),
                               ("leaf_bgp_down", f"BGP down at {res['leaf']}", "tab:brown")):
        if ev.get(key) is not None:
            marks.append((label, ev[key], colour))
    for kl, v in (ev.get("route_change") or {}).items():
        if v is not None:
            marks.append((f"route change at {kl}", v, "tab:green"))
    nb = before_ms + after_ms
    for ax, f in zip(axes[:, 0], flows):
        src, dst = f["src"], f["dst"]
        rx = data.get(dst.name) or {}
        counts = [0] * nb
        for fid, rns in zip(rx.get("rx_flow", []), rx.get("rx_ns", [])):
            if fid != src.g:
                continue
            b = int((rns - t_cut) // 1_000_000) + before_ms
            if 0 <= b < nb:
                counts[b] += 1
        xs = [i - before_ms for i in range(nb)]
        ax.fill_between(xs, counts, step="post", color="tab:blue", linewidth=0)
        ax.set_ylim(0, max(3, max(counts) + 1))
        ax.set_ylabel("pkt/ms", fontsize=8)
        stat = next((x for x in res["flows"] if x["flow"] == f["name"]), {})
        ax.set_title(f"{f['name']}  ({src.leaf.name} {src.leaf.kind} -> {dst.leaf.name} "
                     f"{dst.leaf.kind}): lost {stat.get('lost', '?')}, outage "
                     f"{stat.get('outage_ms', '?')} ms", fontsize=9, loc="left")
        for label, x, colour in marks:
            if -before_ms <= x <= after_ms:
                ax.axvline(x, color=colour, linestyle="--", linewidth=1, label=label)
    axes[0, 0].legend(fontsize=7, loc="upper right", ncol=2)
    axes[-1, 0].set_xlabel(f"ms after the cut of {res['link']} (tc returned)")
    fig.suptitle(f"BFD {res['setting']['interval_ms']} ms x {res['setting']['multiplier']}: "
                 f"cut {res['rep']} of the {res['leaf_kind']} leaf {res['leaf']}'s uplink to "
                 f"{res['spine']} (load {res['load_before']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _num(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    if len(xs) == 1:
        return f"{xs[0]:g}"
    return f"{statistics.median(xs):g} ({min(xs):g}-{max(xs):g})"


def summary_rows(results):
    """One row per (setting, cut case, flow role + sender kind)."""
    groups = {}
    for c in results["cuts"]:
        if c.get("skipped"):
            continue
        s = c["setting"]
        key0 = (s["interval_ms"], s["multiplier"], c["case"], c["leaf"])
        for f in c["flows"]:
            if "error" in f or not f.get("lost") or f.get("role") == "elsewhere":
                continue
            role = f["role"]
            groups.setdefault(key0 + (role,), []).append((c, f))
    rows = []
    for key, items in sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][2], kv[0][4])):
        i_ms, mult, case, leaf, role = key
        cuts = {c["tag"] for c, f in items}
        out = [f["outage_ms"] for c, f in items]
        win = [f.get("loss_window_ms") for c, f in items]
        rec = sum(1 for c, f in items if f["recovered"])
        ev = [c["events"] for c, f in {c["tag"]: (c, f) for c, f in items}.values()]
        route = []
        for e in ev:
            route += [v for v in (e.get("route_change") or {}).values() if v is not None]
        rows.append({
            "bfd": f"{i_ms} x {mult}", "leaf": f"{leaf} ({case})", "role": role,
            "flows": ", ".join(sorted({f["flow"] for c, f in items})),
            "cuts": f"{len(cuts)}/{sum(1 for c in results['cuts'] if c['setting'] == items[0][0]['setting'] and c['case'] == case)}",
            "outage": _num(out), "window": _num(win), "recovered": f"{rec}/{len(items)}",
            "leaf_bfd": _num([e.get("leaf_bfd_down") for e in ev]),
            "spine_bfd": _num([e.get("spine_bfd_down") for e in ev]),
            "spine_bgp": _num([e.get("spine_bgp_down") for e in ev]),
            "route": _num(route),
            "thesis": THESIS_MS.get((i_ms, mult), "-")})
    return rows


def write(results, outdir):
    info = results["info"]
    L = []
    L.append(f"# Fabric test, {info['started']}")
    L.append("")
    L.append(f"Command: `{info['command']}`  ")
    L.append(f"Machine: {info['cpus']} CPUs ({info['cpu']}), kernel {info['kernel']}, FRR "
             f"{info['frr']}, vtepd {info.get('git', '?')}  ")
    L.append(f"Load average (1, 5, 15 min): {info['load_start']} at the start, "
             f"{info.get('load_end', '?')} at the end  ")
    tp = info["topology"]
    L.append(f"Topology: {tp['spines']} spines; leaves "
             + ", ".join(f"{n} ({k})" for n, k in tp["leaves"]) + "; tenants "
             + ", ".join(f"{n} VNI {v} on {'+'.join(ls)}" for n, v, ls in tp["tenants"]) + "  ")
    L.append(f"Flows: one UDP flow each way per tenant, {info['rate_pps']} datagrams/s; "
             f"a cut lasts {info['cut_s']} s; {info['repeat']} cut(s) per leaf kind and setting.")
    L.append("")
    ping = results.get("ping") or []
    if ping:
        hosts = []
        for p in ping:
            for h in (p["src"], p["dst"]):
                if h not in hosts:
                    hosts.append(h)
        cell = {(p["src"], p["dst"]): p for p in ping}
        L.append("## Ping matrix")
        L.append("")
        L.append("Replies to 3 echo requests (same tenant: 3 expected; other tenants: 0, and no ARP "
                 "entry for the address).")
        L.append("")
        L.append("| from \\ to | " + " | ".join(hosts) + " |")
        L.append("|---" * (len(hosts) + 1) + "|")
        for a in hosts:
            row = []
            for b in hosts:
                p = cell.get((a, b))
                if p is None:
                    row.append("-")
                else:
                    row.append(f"{p['replies']}/3{'' if p['ok'] else ' FAIL'}"
                               + ("" if p["same_tenant"] else " (other tenant)"))
            L.append(f"| {a} | " + " | ".join(row) + " |")
        L.append("")
    rows = summary_rows(results)
    if rows:
        L.append("## Link cuts: summary")
        L.append("")
        L.append("Times in ms after the tc command that cut the link returned; median (min-max) "
                 "over the cuts. Outage: the longest run of consecutive lost datagrams, send time "
                 "of its first to that of the first one delivered after it (flows that crossed "
                 "the cut link only). Loss window: first to last lost datagram (losses spread "
                 "over both paths count in it, not in the outage). Thesis: "
                 "its recovery time after a link failure (ping, BFD on FRR).")
        L.append("")
        L.append("| BFD (ms x mult) | leaf whose uplink was cut | flows | affected in cuts | "
                 "outage ms | loss window ms | recovered | BFD down at the leaf | BFD down at the spine | "
                 "BGP down at the spine | kernel route change | thesis |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            L.append(f"| {r['bfd']} | {r['leaf']} | {r['role']}: {r['flows']} | {r['cuts']} | "
                     f"{r['outage']} | {r['window']} | {r['recovered']} | {r['leaf_bfd']} | {r['spine_bfd']} | "
                     f"{r['spine_bgp']} | {r['route']} | {r['thesis']} |")
        L.append("")
    if results.get("cuts"):
        L.append("## Every cut")
        L.append("")
        L.append("| cut | link | load before | BFD leaf / spine | BGP spine | route change | "
                 "flow: lost, outage ms, loss window ms (recovered) | lost after restore | reconverged s |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for c in results["cuts"]:
            if c.get("skipped"):
                L.append(f"| {c['tag']} | - | {c['load_before']} | skipped: {c['skipped']} |"
                         " | | | | |")
                continue
            e = c["events"]
            fl = "; ".join(f"{f['flow']}: {f.get('lost', '?')}, {f.get('outage_ms', '?')}, "
                           f"{f.get('loss_window_ms', '?')}"
                           f"{'' if f.get('recovered', True) else ' (NOT recovered)'}"
                           for f in c["flows"] if f.get("lost"))
            lr = sum(f.get("lost_after_restore", 0) for f in c["flows"])
            rc = ", ".join(f"{k} {v}" for k, v in (e.get("route_change") or {}).items())
            L.append(f"| {c['tag']} | {c['link']} | {c['load_before']} | {e.get('leaf_bfd_down')} / "
                     f"{e.get('spine_bfd_down')} | {e.get('spine_bgp_down')} | {rc or '-'} | "
                     f"{fl or 'none lost'} | {lr} | {c.get('reconverged_s')} |")
        L.append("")
        L.append("Timelines: " + ", ".join(f"[{c['tag']}](timeline-{c['tag']}.png)"
                                          for c in results["cuts"] if not c.get("skipped")))
        L.append("")
    mon = results.get("monitoring")
    if mon:
        L.append("## Monitoring")
        L.append("")
        if not mon.get("enabled"):
            L.append("Prometheus was not running.")
        else:
            L.append(f"Targets: {mon.get('targets')}  ")
            L.append(f"BFD down transitions per leaf, Prometheus vs vtepd's CLI: "
                     f"{mon.get('bfd_down_transitions')}  ")
            L.append(f"Encapsulated packets per leaf (Prometheus): {mon.get('encap_packets')}  ")
            d = mon.get("dashboard") or {}
            L.append(f"Grafana dashboard: {d.get('series_used')} series names; missing "
                     f"{d.get('missing') or 'none'}; not enabled in the fabric "
                     f"{d.get('not_enabled') or 'none'}")
        L.append("")
    ck = results.get("checks") or []
    L.append(f"## Checks: {sum(1 for c in ck if c['ok'])} passed, "
             f"{sum(1 for c in ck if not c['ok'])} failed")
    L.append("")
    for c in ck:
        if not c["ok"]:
            L.append(f"- FAIL: {c['what']}")
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(L) + "\n")
