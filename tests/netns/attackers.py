#!/usr/bin/python3
"""Hostile clients of vtepd's control sockets, all at once, for a given
time (the control-plane stress lab):
  silent    connects to the CLI and says nothing (reconnects when cut)
  trickle   sends one byte a second (reconnects when cut)
  noread    asks for "show stats" and never reads the answer
  feed      streams BMP Route Monitoring (20,000 MAC routes, announced and
            withdrawn in turn) as fast as the socket takes it
Prints one JSON line of what each did.

usage: attackers.py CLI_SOCKET FEED_SOCKET SECONDS"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import bmp_build as B  # noqa: E402

cli_path, feed_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + seconds
res = {"silent_connects": 0, "trickle_connects": 0, "trickle_bytes": 0, "noread_connects": 0,
       "feed_bytes": 0, "feed_routes": 0, "feed_errors": 0}
lock = threading.Lock()


def bump(k, n=1):
    with lock:
        res[k] += n


def silent():
    while time.monotonic() < end:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(cli_path)
            bump("silent_connects")
            s.settimeout(max(0.1, end - time.monotonic()))
            s.recv(1)               # returns when vtepd cuts us
        except OSError:
            pass
        s.close()


def trickle():
    while time.monotonic() < end:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(cli_path)
            bump("trickle_connects")
            while time.monotonic() < end:
                s.send(b"s")
                bump("trickle_bytes")
                time.sleep(1.0)
        except OSError:
            pass
        s.close()


def noread():
    while time.monotonic() < end:
        s = socket.socket(socket.AF_UNIX)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        try:
            s.connect(cli_path)
            s.sendall(b"show stats\n")
            bump("noread_connects")
            time.sleep(min(3.0, max(0.0, end - time.monotonic())))
        except OSError:
            pass
        s.close()


def feed():
    peer = dict(peer="198.51.100.60", bgp_id="198.51.100.60")
    macs = ["02:02:%02x:%02x:%02x:%02x" % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255,
                                          i & 255) for i in range(20000)]
    reach = b"".join(B.route_monitoring(B.update(B.type2(B.rd0(65000, 5), m, label=100),
                                                 nexthop="198.51.100.61"), **peer) for m in macs)
    unreach = b"".join(B.route_monitoring(B.update(withdrawn=B.type2(B.rd0(65000, 5), m,
                                                                     label=100)), **peer)
                       for m in macs)
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(feed_path)
        s.sendall(B.initiation("stress-feed"))
        while time.monotonic() < end:
            for blob in (reach, unreach):
                s.sendall(blob)
                bump("feed_bytes", len(blob))
                bump("feed_routes", len(macs))
    except OSError:
        bump("feed_errors")
    s.close()


threads = [threading.Thread(target=f) for f in (silent, trickle, noread, feed)]
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
res["seconds"] = round(time.monotonic() - t0, 2)
print(json.dumps(res))
