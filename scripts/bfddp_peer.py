#!/usr/bin/env python3
"""A scripted stand-in for a BFD data plane, used to capture what FRR's bfdd
sends on its distributed-BFD socket (bfdd --dplaneaddr).

It is written with the standard library only and shares no code with
vtepd's C codec, so the fixtures it records are not shaped by the decoder
they later test.

It connects to bfdd's data-plane socket (unix:PATH, or ipv4:ADDR:PORT), and:
  * appends every byte read from the socket, as read, to --raw FILE;
  * logs every complete message, both directions, as one JSON line to
    --log FILE: {"t": epoch, "dir": "rx"|"tx", "type": N, "id": N,
    "len": N, "hex": "..."} plus decoded fields for the known types;
  * answers DP_REQUEST_SESSION_COUNTERS at once with counters derived
    from the session id (so a test can check bfdd shows them):
    control in bytes = lid*1000+1, in packets = lid*1000+2, ... echo out
    packets = lid*1000+8 (unless --no-counters);
  * executes commands, one a line, read from --cmd FIFO:
      state LID STATE [DIAG [RID [MULT [TX [RX [ERX [FLAGS]]]]]]]
            STATE = admindown|down|init|up or 0-3; sends BFD_STATE_CHANGE
      echo [DP_TIME]       sends ECHO_REQUEST (DP_TIME default: now in us)
      raw HEX              sends bytes as given (hostile-input probes)
      counters off|on      stop/resume answering counters requests; "on"
                           answers the requests held meanwhile
      close                closes the connection (reconnects on "connect")
      connect              connects again
      quit                 exits 0
Each command result is logged as {"cmd": "...", "ok": true|false}.

With --listen it binds ADDR and waits for bfdd to connect instead (for
bfdd's client modes, unixc: and ipv4c:); each accepted connection replaces
the previous one and is logged as {"event": "accepted"}.

Usage:
  bfddp_peer.py --addr unix:/run/x/dplane.sock --raw rx.bin --log log.jsonl
                --cmd cmd.fifo [--connect-timeout 10]
"""
import argparse
import errno
import json
import os
import select
import socket
import struct
import sys
import time

HDR = struct.Struct("!BBHHH")           # version, zero, type, id, length
VERSION = 1
T_ECHO_REQUEST, T_ECHO_REPLY, T_ADD, T_DELETE, T_STATE, T_CREQ, T_CNT = range(7)
NAMES = ["ECHO_REQUEST", "ECHO_REPLY", "DP_ADD_SESSION", "DP_DELETE_SESSION",
         "BFD_STATE_CHANGE", "DP_REQUEST_SESSION_COUNTERS",
         "BFD_SESSION_COUNTERS"]
STATES = {"admindown": 0, "down": 1, "init": 2, "up": 3}


def decode(mtype, body):
    """Fields of the message types this peer understands (for the log)."""
    d = {}
    if mtype in (T_ADD, T_DELETE) and len(body) >= 132:
        flags, = struct.unpack_from("!I", body, 0)
        src, dst = body[4:20], body[20:36]
        lid, mtx, mrx, metx, merx, hold = struct.unpack_from("!6I", body, 36)
        ttl, mult, zero, ifindex = struct.unpack_from("!BBHI", body, 60)
        ifname = body[68:132].split(b"\0", 1)[0].decode("ascii", "replace")
        ipv6 = bool(flags & 0x10)
        fam = socket.AF_INET6 if ipv6 else socket.AF_INET
        n = 16 if ipv6 else 4
        d = {"flags": flags, "src": socket.inet_ntop(fam, src[:n]),
             "dst": socket.inet_ntop(fam, dst[:n]), "lid": lid,
             "min_tx": mtx, "min_rx": mrx, "min_echo_tx": metx,
             "min_echo_rx": merx, "hold_time": hold, "ttl": ttl,
             "detect_mult": mult, "zero": zero, "ifindex": ifindex,
             "ifname": ifname, "src_hex": src.hex(), "dst_hex": dst.hex()}
    elif mtype in (T_ECHO_REQUEST, T_ECHO_REPLY) and len(body) >= 16:
        d = dict(zip(("dp_time", "bfdd_time"), struct.unpack_from("!QQ", body)))
    elif mtype == T_CREQ and len(body) >= 4:
        d = {"lid": struct.unpack_from("!I", body)[0]}
    elif mtype == T_STATE and len(body) >= 27:
        v = struct.unpack_from("!6IBBB", body)
        d = dict(zip(("lid", "rid", "remote_flags", "desired_tx",
                      "required_rx", "required_echo_rx", "state",
                      "diagnostics", "detection_multiplier"), v))
    elif mtype == T_CNT and len(body) >= 72:
        lid, = struct.unpack_from("!I", body)
        d = {"lid": lid, "counters": list(struct.unpack_from("!8Q", body, 8))}
    return d


class Peer:
    def __init__(self, a):
        self.a = a
        self.sock = None
        self.buf = b""
        self.raw = open(a.raw, "ab", buffering=0)
        self.log = open(a.log, "a", buffering=1)
        fd = os.open(a.cmd, os.O_RDWR | os.O_NONBLOCK)   # RDWR: never EOF
        self.cmd = os.fdopen(fd, "rb", buffering=0)
        self.cmdbuf = b""
        self.hold_counters = a.no_counters
        self.held = []

    def note(self, **kw):
        kw.setdefault("t", time.time())
        self.log.write(json.dumps(kw, sort_keys=True) + "\n")

    def sockaddr(self):
        kind, _, where = self.a.addr.partition(":")
        if kind == "unix":
            return socket.AF_UNIX, where
        if kind == "ipv4":
            host, _, port = where.rpartition(":")
            return socket.AF_INET, (host, int(port))
        raise SystemExit("bad --addr " + self.a.addr)

    def listen(self):
        fam, where = self.sockaddr()
        ls = socket.socket(fam, socket.SOCK_STREAM)
        if fam == socket.AF_INET:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(where)
        if fam == socket.AF_UNIX:
            os.chmod(where, 0o777)      # bfdd runs as frr
        ls.listen(4)
        self.lsock = ls
        self.note(event="listening")

    def accept(self):
        s, _ = self.lsock.accept()
        if self.sock is not None:
            self.sock.close()
        self.sock = s
        self.buf = b""
        self.note(event="accepted")

    def connect(self):
        fam, where = self.sockaddr()
        deadline = time.time() + self.a.connect_timeout
        while True:
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.connect(where)
                break
            except OSError as e:
                s.close()
                if time.time() > deadline:
                    self.note(event="connect_failed", error=str(e))
                    return False
                time.sleep(0.05)
        self.sock = s
        self.buf = b""
        self.note(event="connected")
        return True

    def send(self, mtype, body, mid=0, version=VERSION, length=None):
        if length is None:
            length = HDR.size + len(body)
        msg = HDR.pack(version, 0, mtype, mid, length) + body
        self.sock.sendall(msg)
        self.note(dir="tx", type=mtype, id=mid, len=length, hex=msg.hex(),
                  name=NAMES[mtype] if mtype < len(NAMES) else "?",
                  **decode(mtype, body))

    def on_message(self, msg):
        ver, _, mtype, mid, length = HDR.unpack_from(msg)
        body = msg[HDR.size:]
        self.note(dir="rx", version=ver, type=mtype, id=mid, len=length,
                  hex=msg.hex(), name=NAMES[mtype] if mtype < len(NAMES) else "?",
                  **decode(mtype, body))
        if mtype == T_CREQ and len(body) >= 4:
            lid, = struct.unpack_from("!I", body)
            if self.hold_counters:
                self.held.append((lid, mid))
            else:
                self.answer_counters(lid, mid)

    def answer_counters(self, lid, mid):
        vals = [lid * 1000 + i for i in range(1, 9)]
        # lid, 4 bytes of padding (natural alignment of the uint64s)
        self.send(T_CNT, struct.pack("!I4x8Q", lid, *vals), mid=mid)

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except OSError as e:
            self.note(event="recv_error", error=str(e))
            data = b""
        if not data:
            self.note(event="closed_by_bfdd")
            self.sock.close()
            self.sock = None
            return
        self.raw.write(data)
        self.buf += data
        while len(self.buf) >= HDR.size:
            length = HDR.unpack_from(self.buf)[4]
            if length < HDR.size:
                self.note(event="bad_length", length=length)
                self.buf = b""
                return
            if len(self.buf) < length:
                break
            msg, self.buf = self.buf[:length], self.buf[length:]
            self.on_message(msg)

    def command(self, line):
        w = line.split()
        ok = True
        try:
            if not w:
                return True
            if w[0] == "quit":
                self.note(cmd=line, ok=True)
                return False
            if w[0] == "connect":
                ok = self.sock is None and self.connect()
            elif self.sock is None:
                ok = False
            elif w[0] == "close":
                self.sock.close()
                self.sock = None
            elif w[0] == "state":
                lid = int(w[1])
                st = STATES[w[2]] if w[2] in STATES else int(w[2])
                rest = [int(x) for x in w[3:]]
                diag, rid, mult, tx, rx, erx, flags = (
                    rest + [0, 0, 3, 300000, 300000, 0, 0][len(rest):])
                body = struct.pack("!6IBBBx", lid, rid, flags, tx, rx, erx,
                                   st, diag, mult)
                self.send(T_STATE, body)
            elif w[0] == "echo":
                t = int(w[1]) if len(w) > 1 else int(time.time() * 1e6)
                self.send(T_ECHO_REQUEST, struct.pack("!QQ", t, 0))
            elif w[0] == "counters":
                self.hold_counters = w[1] == "off"
                while not self.hold_counters and self.held:
                    self.answer_counters(*self.held.pop(0))
            elif w[0] == "raw":
                msg = bytes.fromhex(w[1])
                self.sock.sendall(msg)
                self.note(dir="tx", raw=True, hex=msg.hex())
            else:
                ok = False
        except (OSError, ValueError, KeyError, IndexError) as e:
            self.note(cmd=line, ok=False, error=str(e))
            return True
        self.note(cmd=line, ok=bool(ok))
        return True

    def run(self):
        self.lsock = None
        if self.a.listen:
            self.listen()
        elif not self.connect():
            return 1
        while True:
            fds = [self.cmd] + ([self.sock] if self.sock else [])
            fds += [self.lsock] if self.lsock else []
            r, _, _ = select.select(fds, [], [], 1.0)
            if self.lsock is not None and self.lsock in r:
                self.accept()
            if self.sock in r:
                self.on_readable()
            if self.cmd in r:
                try:
                    chunk = self.cmd.read(4096) or b""
                except OSError as e:
                    if e.errno != errno.EAGAIN:
                        raise
                    chunk = b""
                self.cmdbuf += chunk
                while b"\n" in self.cmdbuf:
                    line, self.cmdbuf = self.cmdbuf.split(b"\n", 1)
                    if not self.command(line.decode().strip()):
                        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr", required=True)
    p.add_argument("--raw", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cmd", required=True)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--no-counters", action="store_true")
    p.add_argument("--listen", action="store_true")
    sys.exit(Peer(p.parse_args()).run())


if __name__ == "__main__":
    main()
