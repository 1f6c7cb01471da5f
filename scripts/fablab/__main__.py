"""Command line of scripts/fabric."""
import argparse
import os
import signal
import sys

from . import lab as labmod
from . import topo as topomod
from .proc import LabError

DEFAULT_CONF = os.path.join(labmod.REPO, "conf", "fabric.yaml")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fabric", description="the thesis fabric in namespaces")
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", default=DEFAULT_CONF, help="topology YAML file")
    common.add_argument("-p", "--prefix", help="name prefix (default: the file's name:)")
    u = sub.add_parser("up", parents=[common], help="create and start the fabric")
    u.add_argument("--vtepd", help="vtepd binary (default build/vtepd)")
    u.add_argument("--no-prometheus", action="store_true")
    u.add_argument("--keep-on-failure", action="store_true",
                   help="leave a failed fabric for inspection (then 'fabric down')")
    d = sub.add_parser("down", parents=[common], help="stop and delete everything")
    d.add_argument("--keep-logs", action="store_true")
    s = sub.add_parser("status", parents=[common], help="sessions, VTEPs, MACs")
    s.add_argument("--json", action="store_true")
    t = sub.add_parser("test", parents=[common], help="ping matrix, link cuts, monitoring")
    t.add_argument("-o", "--output", help="output directory (default fabric-results-DATE)")
    t.add_argument("--short", action="store_true",
                   help="one cut per leaf kind at the first setting")
    t.add_argument("--settings", help="BFD settings, e.g. 100x3,10x3 (default: the file's)")
    t.add_argument("--repeat", type=int, help="cuts per leaf kind and setting")
    t.add_argument("--kinds", default="vtepd,kernel",
                   help="leaf kinds whose uplink is cut, in order (default vtepd,kernel)")
    t.add_argument("--vtepd", help="vtepd binary (default build/vtepd)")
    t.add_argument("--keep-up", action="store_true",
                   help="leave a fabric that the test brought up running")
    t.add_argument("--no-prometheus", action="store_true")
    a = ap.parse_args(argv)

    if os.geteuid() != 0:
        print("fabric: needs root (network namespaces)", file=sys.stderr)
        return 77
    try:
        topo = topomod.load(a.config, a.prefix)
    except topomod.TopoError as e:
        print(f"fabric: {e}", file=sys.stderr)
        return 2
    # SIGTERM/SIGHUP behave like Ctrl-C: the code under way unwinds and cleans up
    def _interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)

    fab = labmod.Fabric(topo, vtepd=getattr(a, "vtepd", None))
    if a.cmd == "down":
        return fab.down(keep_logs=a.keep_logs)
    if a.cmd == "status":
        return fab.status(as_json=a.json)
    if a.cmd == "up":
        try:
            fab.up(prometheus=False if a.no_prometheus else None)
            return 0
        except (LabError, KeyboardInterrupt) as e:
            print(f"fabric up failed: {e}", file=sys.stderr)
            if a.keep_on_failure:
                print(f"left as it is for inspection: logs in {fab.workdir}; "
                      f"'fabric down' removes it", file=sys.stderr)
            else:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                fab.down(keep_logs=True)
            return 1
    if a.cmd == "test":
        from . import measure
        return measure.main(fab, a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
