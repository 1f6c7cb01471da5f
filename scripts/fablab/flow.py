#!/usr/bin/python3
"""A constant-rate UDP probe, run inside a host's namespace: sends one
datagram every 1/RATE s to --to (sequence number = the slot of the send
schedule, send time in the payload) and receives the datagrams of its peer
with the kernel's receive timestamp (SO_TIMESTAMPNS). A slot the sender
could not keep (descheduled for longer than one interval) is skipped, not
sent late, and counted: the loss analysis only counts datagrams that were
sent. On SIGTERM/SIGINT (or after --max-s) it writes --out (JSON):

  {"tx_seq": [...], "tx_ns": [...],                 what it sent
   "rx_seq": [...], "rx_sent_ns": [...], "rx_ns": [...], "rx_flow": [...],
                                                    what it received (flow = sender's id)
   "skipped": N, "rate": R, "bad": N}

Times are CLOCK_REALTIME nanoseconds, the clock of vtepd's and FRR's logs.
"""
import argparse
import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time

MAGIC = 0x46414231          # "FAB1"
HDR = struct.Struct("!IHHIQ")   # magic, flow id, reserved, seq, send_ns
SO_TIMESTAMPNS = 35
TS = struct.Struct("qq")

stop = False


def _stop(signum, frame):
    global stop
    stop = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True, help="IP:PORT to send from and receive on")
    ap.add_argument("--to", required=True, help="IP:PORT of the peer")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--size", type=int, default=64, help="UDP payload bytes (>= 20)")
    ap.add_argument("--flow", type=int, default=0)
    ap.add_argument("--max-s", type=float, default=600)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    bip, bport = a.bind.rsplit(":", 1)
    tip, tport = a.to.rsplit(":", 1)
    dst = (tip, int(tport))
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((bip, int(bport)))
    s.setblocking(False)
    pad = b"\0" * max(0, a.size - HDR.size)
    interval = 1_000_000_000 // a.rate
    tx_seq, tx_ns, rx_seq, rx_sent, rx_ns, rx_flow = [], [], [], [], [], []
    skipped = bad = send_err = 0
    print("ready", flush=True)

    t0 = time.time_ns()
    end = t0 + int(a.max_s * 1e9)
    last = -1
    while not stop:
        now = time.time_ns()
        if now >= end:
            break
        slot = (now - t0) // interval
        if slot > last:
            skipped += slot - last - 1
            try:
                s.sendto(HDR.pack(MAGIC, a.flow, 0, slot & 0xffffffff, now) + pad, dst)
                tx_seq.append(slot)
                tx_ns.append(now)
            except OSError as e:
                # no ARP answer yet, a full buffer: not sent, so not lost
                if e.errno not in (errno.EHOSTUNREACH, errno.ENOBUFS, errno.EAGAIN,
                                   errno.ENETUNREACH, errno.ECONNREFUSED):
                    raise
                send_err += 1
            last = slot
        wait = (t0 + (last + 1) * interval - time.time_ns()) / 1e9
        try:
            r, _, _ = select.select([s], [], [], max(0.0, wait))
        except InterruptedError:
            continue
        if not r:
            continue
        while True:
            try:
                data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(TS.size))
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.ECONNREFUSED:
                    continue
                raise
            if len(data) < HDR.size:
                bad += 1
                continue
            magic, fid, _, seq, sent = HDR.unpack_from(data)
            if magic != MAGIC:
                bad += 1
                continue
            rts = None
            for lvl, typ, cd in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(cd) >= TS.size:
                    sec, nsec = TS.unpack_from(cd)
                    rts = sec * 1_000_000_000 + nsec
            rx_seq.append(seq)
            rx_flow.append(fid)
            rx_sent.append(sent)
            rx_ns.append(rts if rts is not None else time.time_ns())
    # back to the normal class before the costly part: a real-time probe
    # that serialises for seconds would starve the fabric it measures
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except OSError:
        pass
    with open(a.out + ".tmp", "w") as f:
        json.dump({"tx_seq": tx_seq, "tx_ns": tx_ns, "rx_seq": rx_seq, "rx_sent_ns": rx_sent,
                   "rx_ns": rx_ns, "rx_flow": rx_flow, "skipped": skipped, "send_errors": send_err, "bad": bad,
                   "rate": a.rate, "t0": t0}, f)
    os.replace(a.out + ".tmp", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
