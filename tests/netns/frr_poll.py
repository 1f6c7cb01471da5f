#!/usr/bin/python3
"""Timing poller on one FRR daemon's vty socket (the protocol vtysh speaks:
a command ending in NUL, the answer ending in three NULs and a status
byte), so that each round costs a socket write and read instead of a
vtysh process (~30 ms on 2 busy cores).

usage: frr_poll.py VTY_SOCKET TIMEOUT_S INTERVAL_S MAC COND...
Polls `show evpn mac vni 100 mac MAC json` every INTERVAL_S seconds.
Prints "ready" after its first round (start it, wait for that, then cause
the event), then for each condition "COND T0 T1" when a round first found
it true (T0: when that round's command was sent, T1: when its answer was
read; the change happened before T1 and after the previous round's T0,
printed as the third number), or "COND -" if it never held; exits 0 when
all held.
  absent        the MAC is not in the table
  local         type local
  remote:VTEP   type remote via VTEP
  seq:N         local or remote MAC-mobility sequence >= N
Conditions can be joined with "+" (all must hold), e.g. local+seq:1."""
import json
import socket
import sys
import time


def ask(s, cmd):
    s.sendall(cmd.encode() + b"\0")
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("vty socket closed")
        buf += chunk
        if len(buf) >= 4 and buf[-4:-1] == b"\0\0\0":
            return buf[:-4].decode(errors="replace")


def one(cond, d):
    if cond == "absent":
        return not d
    if not d:
        return False
    if cond == "local":
        return d.get("type") == "local"
    if cond.startswith("remote:"):
        return d.get("type") == "remote" and d.get("remoteVtep") == cond[7:]
    if cond.startswith("seq:"):
        n = int(cond[4:])
        return max(int(d.get("localSequence", 0)), int(d.get("remoteSequence", 0))) >= n
    raise SystemExit("unknown condition " + cond)


def holds(cond, d):
    return all(one(c, d) for c in cond.split("+"))


def entry(text, mac):
    """The MAC's object from zebra's JSON (keyed by MAC in 8.4), or {}."""
    try:
        j = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    if not isinstance(j, dict):
        return {}
    if mac in j and isinstance(j[mac], dict):
        return j[mac]
    if "type" in j:
        return j
    return {}


def main():
    path, timeout, interval, mac = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    conds = sys.argv[5:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(3)
    cmd = "show evpn mac vni 100 mac %s json" % mac
    seen = {}
    end = time.time() + timeout
    first = True
    prev = time.time()
    while len(seen) < len(conds) and time.time() < end:
        t0 = time.time()
        d = entry(ask(s, cmd), mac)
        t1 = time.time()
        for c in conds:
            if c not in seen and holds(c, d):
                seen[c] = (t0, t1, prev)
        prev = t0
        if first:
            print("ready", json.dumps(d, sort_keys=True), flush=True)
            first = False
        if len(seen) < len(conds):
            time.sleep(interval)
    for c in conds:
        print(c, "%.6f %.6f %.6f" % seen[c] if c in seen else "-")
    return 0 if len(seen) == len(conds) else 1


if __name__ == "__main__":
    sys.exit(main())
