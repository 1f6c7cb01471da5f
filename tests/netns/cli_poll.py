#!/usr/bin/python3
"""Timing poller for the namespace labs: one process querying vtepd's CLI
every INTERVAL seconds (a shell loop of socat + jq takes ~80 ms a round on
2 busy cores).

Prints "ready" after its first round (python may take a second to start:
start it, wait for that, then cause the event), then "COND EPOCH" for each
condition when a query first finds it true (the time the answer arrived),
"COND -" if never; exits 0 when all held.
  mac:MAC:VTEP   show macs has MAC, type remote, via VTEP
  nomac:MAC      show macs does not list MAC
  local:MAC      show macs has MAC, type local
  flood:VNI:VTEP show evpn's flood list of VNI has VTEP

usage: cli_poll.py CLI_SOCKET TIMEOUT_S INTERVAL_S COND..."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import cli  # noqa: E402


def query(sock, cmd):
    try:
        return cli(sock, cmd, timeout=2)
    except (OSError, ValueError):
        return None


def holds(c, macs, evpn):
    f = c.split(":", 1)
    if f[0] == "mac":
        mac, vtep = f[1].rsplit(":", 1)
        return macs is not None and any(m.get("mac") == mac and m.get("type") == "remote"
                                        and m.get("vtep") == vtep for m in macs["macs"])
    if f[0] == "local":
        return macs is not None and any(m.get("mac") == f[1] and m.get("type") == "local"
                                        for m in macs["macs"])
    if f[0] == "nomac":
        return macs is not None and all(m.get("mac") != f[1] for m in macs["macs"])
    if f[0] == "flood":
        vni, vtep = f[1].split(":", 1)
        return evpn is not None and vtep in evpn["rib"]["flood"].get(vni, [])
    raise SystemExit("unknown condition " + c)


def main():
    sock, timeout, interval, conds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
    seen = {}
    end = time.time() + timeout
    first = True
    while len(seen) < len(conds) and time.time() < end:
        need = [c for c in conds if c not in seen]
        macs = query(sock, "show macs") if any(not c.startswith("flood") for c in need) else None
        evpn = query(sock, "show evpn") if any(c.startswith("flood") for c in need) else None
        t = time.time()
        for c in need:
            if holds(c, macs, evpn):
                seen[c] = t
        if first:
            print("ready", flush=True)
            first = False
        if len(seen) < len(conds):
            time.sleep(interval)
    for c in conds:
        print(c, "%.6f" % seen[c] if c in seen else "-")
    return 0 if len(seen) == len(conds) else 1


if __name__ == "__main__":
    sys.exit(main())
