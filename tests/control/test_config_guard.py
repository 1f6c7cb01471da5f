#!/usr/bin/python3
"""Configuration input is bounded before libyaml builds a document, and
`vtepd --check` refuses what start-up would refuse (issue: a control plane
no client can crash, stall or poison)."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import NULL_NEXTHOP, NULL_PORT_LINES, Checks, eal, vtepd_binary  # noqa: E402

# --check starts no EAL: no file prefix needed
GOOD = "\n" + eal(mem=256, prefix=None) + NULL_PORT_LINES + NULL_NEXTHOP + \
    "vnis: [ { vni: 100, access: [ { port: h0 } ] } ]\n"


def run_check(binary, path):
    t = time.monotonic()
    r = subprocess.run([binary, "-c", path, "--check"], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout + r.stderr, time.monotonic() - t


def main():
    c = Checks()
    vt = vtepd_binary()
    tmp = tempfile.mkdtemp(prefix="vtepd-cfgguard-")

    def f(name, text):
        p = os.path.join(tmp, name)
        with open(p, "w") as fh:
            fh.write(text)
        return p

    rc, out, s = run_check(vt, f("good.yaml", GOOD))
    c.check(f"a good file passes --check ({s * 1000:.0f} ms)", rc == 0 and "OK" in out, out)

    depth = 80000
    p = f("deep.yaml", GOOD + "extra: " + "[" * depth + "]" * depth + "\n")
    rc, out, s = run_check(vt, p)
    c.check(f"{depth}-level flow nesting ({os.path.getsize(p) >> 10} KB) refused in "
            f"{s * 1000:.0f} ms (< 1 s)", rc == 1 and s < 1.0 and "nested deeper than 32" in out,
            out[-300:])
    p = f("deepblock.yaml", "x:\n" + "".join(" " * (i + 1) + "a%d:\n" % i for i in range(1500)))
    rc, out, s = run_check(vt, p)
    c.check(f"1500-level block nesting ({os.path.getsize(p) >> 10} KB) refused in "
            f"{s * 1000:.0f} ms", rc == 1 and s < 1.0 and "nested deeper" in out, out[-300:])
    p = f("seqs.yaml", "x:\n " + "- " * 50000 + "1\n")
    rc, out, s = run_check(vt, p)
    c.check(f"50000 compact '- - -' levels refused in {s * 1000:.0f} ms",
            rc == 1 and s < 1.0 and "nested deeper" in out, out[-300:])

    p = os.path.join(tmp, "big.yaml")
    with open(p, "w") as fh:
        fh.write(GOOD)
        fh.write("#" + "x" * (5 << 20) + "\n")
    rc, out, s = run_check(vt, p)
    c.check(f"a 5 MiB file refused by size in {s * 1000:.0f} ms",
            rc == 1 and "larger than" in out and s < 1.0, out[-300:])

    rc, out, _ = run_check(vt, f("alias.yaml", GOOD.replace(
        "vnis: [ { vni: 100, access: [ { port: h0 } ] } ]",
        "vnis: [ &a { vni: 100, access: [ { port: h0 } ] }, *a ]")))
    c.check("aliases refused with line:column", rc == 1 and "aliases" in out and
            "alias.yaml:9:" in out, out[-300:])
    rc, out, _ = run_check(vt, "/dev/zero")
    c.check("a device file refused", rc == 1 and "not a regular file" in out, out[-300:])
    rc, out, _ = run_check(vt, f("nul.yaml", GOOD + "\0\n"))
    c.check("a NUL byte refused", rc == 1 and "NUL" in out, out[-300:])

    long_path = os.path.join(tmp, "d" * 120 + ".sock")
    rc, out, _ = run_check(vt, f("longsock.yaml", GOOD + 'control: { cli_socket: "%s" }\n' % long_path))
    c.check("--check: a socket path longer than sun_path refused",
            rc == 1 and "control.cli_socket" in out and "at most 107" in out, out[-300:])
    same = os.path.join(tmp, "x.sock")
    rc, out, _ = run_check(vt, f("same.yaml", GOOD +
                                 'control: { cli_socket: "%s", feed_socket: "%s" }\n' % (same, same)))
    c.check("--check: the same path for the CLI and the feed refused",
            rc == 1 and "also control.cli_socket" in out, out[-300:])
    rc, out, _ = run_check(vt, f("nodir.yaml", GOOD +
                                 'control: { cli_socket: "%s/no/such/dir/cli.sock" }\n' % tmp))
    c.check("--check: a socket in a missing directory refused",
            rc == 1 and "does not exist" in out, out[-300:])
    rc, out, _ = run_check(vt, f("onelcore.yaml", GOOD.replace('"-l", "0-1"', '"-l", "0"')))
    c.check("--check: one lcore refused (a worker is needed)",
            rc == 1 and "at least two" in out, out[-300:])
    rc, out, _ = run_check(vt, f("nopcap.yaml", GOOD.replace(
        "net_null1,no-rx=1", "net_pcap1,rx_pcap=%s/missing.pcap" % tmp)))
    c.check("--check: an rx_pcap file that does not exist refused",
            rc == 1 and "rx_pcap" in out, out[-300:])
    rc, out, _ = run_check(vt, f("noiface.yaml", GOOD.replace(
        "net_null1,no-rx=1", "net_af_packet1,iface=nosuchif0")))
    c.check("--check: an af_packet interface that does not exist refused",
            rc == 1 and "nosuchif0" in out, out[-300:])
    rc, out, _ = run_check(vt, f("nouser.yaml", GOOD + 'control: { feed_allowed_users: [ root, no-such-user-x ] }\n'))
    c.check("--check: an unknown feed user refused with line:column",
            rc == 1 and "nouser.yaml:10:" in out and "unknown user" in out, out[-300:])
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
