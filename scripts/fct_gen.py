#!/usr/bin/python3
"""Request/response traffic of the FCT experiment (scripts/fct-experiment).

    fct_gen.py server --bind ADDR [--rpc-port 5001] [--bulk-port 5002]
    fct_gen.py client --server ADDR --bind ADDR --duration S --out FILE
                      [--rpc-rate 20] [--rpc-min 1] [--rpc-max 40]
                      [--bulk-rate 0.4] [--bulk-packets 1200,2000]
                      [--rpc-sport 20000] [--bulk-sport 50000]
                      [--grace 10] [--seed 1]

The client opens TCP connections at Poisson instants (two independent
processes: RPCs at --rpc-rate per second, bulk transfers at --bulk-rate per
second). Each connection sends one request of K full segments (K * MSS
bytes, the MSS read from the connected socket): K uniform in
[--rpc-min, --rpc-max] for an RPC, K drawn from --bulk-packets for a bulk
transfer. The server reads the whole request (its length is in the first 8
bytes), answers 64 bytes and closes after the client. The client waits for
the answer and closes.

Each connection binds its own source port (RPCs from --rpc-sport upward,
bulk transfers from --bulk-sport upward), so that a run never reuses a
5-tuple and every flow seen on the wire can be joined with its record.
With the same --seed, two runs offer the same sequence of flows at the
same instants (relative to the start), which makes runs of different modes
paired samples.

The client writes one JSON line per flow to --out: kind (rpc/bulk), sport,
dport, packets (K), bytes, mss, t_start (CLOCK_REALTIME ns of connect()),
connect_ns, done_ns (answer received, relative to t_start), ok, error. It
stops opening connections after --duration seconds and waits at most
--grace more seconds for the ones in flight (those are recorded with
ok=false). A summary line goes to stderr.

Plain Python 3 (asyncio): no Debian module needed.
"""
import argparse
import asyncio
import json
import random
import socket
import struct
import sys
import time

MAGIC = b"FC"
HDR = struct.Struct("!2sBxI")     # magic, kind (0 rpc, 1 bulk), request length
KIND_RPC, KIND_BULK = 0, 1
ANSWER = 64


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


# ---------------------------------------------------------------- server

async def serve_conn(reader, writer):
    try:
        hdr = await reader.readexactly(HDR.size)
        magic, _kind, length = HDR.unpack(hdr)
        if magic != MAGIC or length < HDR.size or length > (1 << 31):
            return
        left = length - HDR.size
        while left > 0:
            chunk = await reader.read(min(left, 1 << 18))
            if not chunk:
                return
            left -= len(chunk)
        writer.write(b"\0" * ANSWER)
        await writer.drain()
        await reader.read(1)            # the client closes first
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        pass
    finally:
        writer.close()


async def server_main(args):
    servers = []
    for port in (args.rpc_port, args.bulk_port):
        s = await asyncio.start_server(serve_conn, args.bind, port, reuse_address=True,
                                       backlog=1024)
        servers.append(s)
    print("fct_gen server: listening on %s ports %d, %d" % (args.bind, args.rpc_port,
                                                           args.bulk_port), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# ---------------------------------------------------------------- client

class Client:
    def __init__(self, args):
        self.a = args
        self.records = []
        self.inflight = set()

    async def one_flow(self, kind, sport, packets):
        a = self.a
        dport = a.rpc_port if kind == KIND_RPC else a.bulk_port
        rec = {"kind": "rpc" if kind == KIND_RPC else "bulk", "sport": sport, "dport": dport,
               "packets": packets, "bytes": 0, "mss": 0, "t_start": now_ns(),
               "connect_ns": None, "done_ns": None, "ok": False, "error": None}
        self.records.append(rec)
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((a.bind, sport))
            sock.setblocking(False)
            t0 = time.monotonic_ns()
            await loop.sock_connect(sock, (a.server, dport))
            rec["connect_ns"] = time.monotonic_ns() - t0
            mss = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
            rec["mss"] = mss
            length = packets * mss
            rec["bytes"] = length
            body = HDR.pack(MAGIC, kind, length) + b"\x5a" * (length - HDR.size)
            await loop.sock_sendall(sock, body)
            got = 0
            while got < ANSWER:
                chunk = await loop.sock_recv(sock, ANSWER - got)
                if not chunk:
                    raise ConnectionError("server closed before answering")
                got += len(chunk)
            rec["done_ns"] = time.monotonic_ns() - t0
            rec["ok"] = True
        except (OSError, ConnectionError) as e:
            rec["error"] = str(e)
        finally:
            sock.close()

    def spawn(self, coro):
        t = asyncio.ensure_future(coro)
        self.inflight.add(t)
        t.add_done_callback(self.inflight.discard)

    async def poisson(self, kind, rate, rng, end, sport0, size_of):
        loop = asyncio.get_running_loop()
        t = loop.time()
        sport = sport0
        while True:
            t += rng.expovariate(rate)
            if t >= end:
                return
            delay = t - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.spawn(self.one_flow(kind, sport, size_of(rng)))
            sport += 1

    async def run(self):
        a = self.a
        loop = asyncio.get_running_loop()
        end = loop.time() + a.duration
        gens = []
        if a.rpc_rate > 0:
            rng = random.Random(a.seed * 2 + 1)
            gens.append(self.poisson(KIND_RPC, a.rpc_rate, rng, end, a.rpc_sport,
                                     lambda r: r.randint(a.rpc_min, a.rpc_max)))
        if a.bulk_rate > 0:
            rng = random.Random(a.seed * 2 + 2)
            sizes = a.bulk_packets
            gens.append(self.poisson(KIND_BULK, a.bulk_rate, rng, end, a.bulk_sport,
                                     lambda r: r.choice(sizes)))
        await asyncio.gather(*gens)
        if self.inflight:
            await asyncio.wait(set(self.inflight), timeout=a.grace)
        for t in list(self.inflight):
            t.cancel()
        if self.inflight:
            await asyncio.wait(set(self.inflight), timeout=1)
        for rec in self.records:
            if not rec["ok"] and rec["error"] is None:
                rec["error"] = "not finished within the grace period"


def parse_sizes(s):
    try:
        v = [int(x) for x in s.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError("expected N[,N...]")
    if not v or min(v) < 1:
        raise argparse.ArgumentTypeError("sizes must be >= 1")
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--bind", required=True)
    c = sub.add_parser("client")
    c.add_argument("--bind", required=True)
    c.add_argument("--server", required=True)
    c.add_argument("--duration", type=float, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--rpc-rate", type=float, default=20.0)
    c.add_argument("--rpc-min", type=int, default=1)
    c.add_argument("--rpc-max", type=int, default=40)
    c.add_argument("--bulk-rate", type=float, default=0.4)
    c.add_argument("--bulk-packets", type=parse_sizes, default=[1200, 2000])
    c.add_argument("--rpc-sport", type=int, default=20000)
    c.add_argument("--bulk-sport", type=int, default=50000)
    c.add_argument("--grace", type=float, default=10.0)
    c.add_argument("--seed", type=int, default=1)
    for q in (s, c):
        q.add_argument("--rpc-port", type=int, default=5001)
        q.add_argument("--bulk-port", type=int, default=5002)
    a = p.parse_args()
    if a.role == "server":
        try:
            asyncio.run(server_main(a))
        except KeyboardInterrupt:
            pass
        return 0
    if not 1 <= a.rpc_min <= a.rpc_max:
        p.error("need 1 <= --rpc-min <= --rpc-max")
    if a.duration <= 0 or a.rpc_rate < 0 or a.bulk_rate < 0:
        p.error("--duration must be > 0, rates >= 0")
    n_rpc = int(a.rpc_rate * a.duration * 3) + 100
    if a.rpc_sport + n_rpc > a.bulk_sport or a.bulk_sport + int(a.bulk_rate * a.duration * 3) + 100 > 65535:
        p.error("source port ranges too small for these rates and duration")
    cl = Client(a)
    t0 = time.monotonic()
    asyncio.run(cl.run())
    with open(a.out, "w") as f:
        for rec in cl.records:
            f.write(json.dumps(rec) + "\n")
    ok = {k: sum(1 for r in cl.records if r["kind"] == k and r["ok"]) for k in ("rpc", "bulk")}
    n = {k: sum(1 for r in cl.records if r["kind"] == k) for k in ("rpc", "bulk")}
    print("fct_gen client: %.1f s, rpc %d/%d ok, bulk %d/%d ok" % (
        time.monotonic() - t0, ok["rpc"], n["rpc"], ok["bulk"], n["bulk"]), file=sys.stderr)
    return 0 if n["rpc"] + n["bulk"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
