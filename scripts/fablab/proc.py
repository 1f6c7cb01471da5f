"""Commands, namespaces and processes for the fabric, with a state file.

Everything the lab creates is written to the state file BEFORE it is
created (a namespace, a DPDK runtime directory) or right after its PID is
known (a process), so that `fabric down` can undo a run that failed or was
killed half way. Processes are stopped by PID only, after checking that the
PID still runs the program that was started (its executable and start time
from /proc), never by name.
"""
import json
import os
import shutil
import signal
import subprocess
import time

FRR_DIR = "/usr/lib/frr"


class LabError(Exception):
    pass


def run(cmd, check=True, timeout=30, input=None):
    """Run cmd (a list); its stdout as text. LabError with stderr on failure."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
    except subprocess.TimeoutExpired:
        raise LabError(f"timed out after {timeout} s: {' '.join(cmd)}")
    except OSError as e:
        raise LabError(f"{cmd[0]}: {e.strerror}")
    if check and p.returncode != 0:
        raise LabError(f"failed ({p.returncode}): {' '.join(cmd)}: {p.stderr.strip()[:500]}")
    return p.stdout


def nsx(ns, *cmd, **kw):
    return run(["ip", "netns", "exec", ns] + list(cmd), **kw)


def proc_start_time(pid):
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        return int(s[s.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def proc_exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def same_process(entry):
    """True when entry's PID still runs the process we started."""
    pid = entry.get("pid")
    if not pid:
        return False
    exe = proc_exe(pid)
    if exe is None:
        return False
    if entry.get("exe") and exe != entry["exe"] and not exe.startswith(entry["exe"]):
        return False
    st = entry.get("start")
    return st is None or proc_start_time(pid) == st


def stop_pid(entry, timeout=5.0, log=None):
    """SIGTERM, wait, SIGKILL; only if the PID is still ours."""
    if not same_process(entry):
        return False
    pid = entry["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    end = time.time() + timeout
    while time.time() < end:
        if not same_process(entry):
            _reap(pid)
            return True
        _reap(pid)
        time.sleep(0.05)
    if log:
        log(f"  {entry.get('what', pid)} (PID {pid}) did not stop on SIGTERM: SIGKILL")
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)
    return True


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


class State:
    """The state file: what this fabric created, in order."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.path = os.path.join(workdir, "state.json")
        self.doc = {"created": [], "info": {}}
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.doc = json.load(f)

    @property
    def entries(self):
        return self.doc["created"]

    @property
    def info(self):
        return self.doc["info"]

    def exists(self):
        return os.path.exists(self.path)

    def save(self):
        os.makedirs(self.workdir, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.doc, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def add(self, **entry):
        self.entries.append(entry)
        self.save()
        return entry

    def remove(self, entry):
        if entry in self.entries:
            self.entries.remove(entry)
            self.save()

    def find(self, kind, **match):
        return [e for e in self.entries if e.get("kind") == kind and
                all(e.get(k) == v for k, v in match.items())]


class Procs:
    """Namespaces and processes of one fabric, all recorded in its State."""

    def __init__(self, state, log=print):
        self.state = state
        self.log = log

    # ---- namespaces ----
    def netns_add(self, ns):
        self.state.add(kind="netns", name=ns)
        if os.path.exists(f"/run/netns/{ns}"):
            raise LabError(f"namespace {ns} exists already (another fabric with this prefix? "
                           f"'fabric down' it or use -p)")
        run(["ip", "netns", "add", ns])
        nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1")
        run(["ip", "-n", ns, "link", "set", "lo", "up"])

    # ---- processes ----
    def spawn(self, ns, argv, logfile, what, env=None, program=None):
        """argv in ns (ip netns exec execs it: the PID is the program's own),
        output to logfile, in its own session; recorded in the state.
        program: what finally runs when argv[0] execs another (chrt)."""
        full = ["ip", "netns", "exec", ns] + list(argv) if ns else list(argv)
        with open(logfile, "ab") as lf:
            p = subprocess.Popen(full, stdout=lf, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        prog = program or argv[0]
        exe = os.path.realpath(shutil.which(prog) or prog)
        # ip netns exec has exec'd the program once /proc shows its exe
        end = time.time() + 5
        while time.time() < end and p.poll() is None and proc_exe(p.pid) != exe:
            time.sleep(0.01)
        e = self.state.add(kind="pid", pid=p.pid, exe=exe, start=proc_start_time(p.pid),
                           what=what, ns=ns)
        return p, e

    def frr_start(self, ns, d, daemon, extra=()):
        """An FRR daemon with every path under d (d/DAEMON.conf must exist);
        returns once its vty socket is there."""
        pidfile = os.path.join(d, f"{daemon}.pid")
        logf = os.path.join(d, f"{daemon}.log")
        open(logf, "a").close()
        shutil.chown(logf, "frr", "frr")
        shutil.chown(os.path.join(d, f"{daemon}.conf"), "frr", "frr")
        self.state.add(kind="frr", pidfile=pidfile, what=f"{daemon} {ns}", ns=ns)
        cmd = [os.path.join(FRR_DIR, daemon), "-d", "-u", "frr", "-g", "frr", "-P", "0"]
        cmd += list(extra)
        cmd += ["-f", os.path.join(d, f"{daemon}.conf"), "-i", pidfile,
                "-z", os.path.join(d, "zserv.api"), "--vty_socket", d]
        out = nsx(ns, *cmd, check=False, timeout=20)
        vty = os.path.join(d, f"{daemon}.vty")
        end = time.time() + 10
        while time.time() < end:
            if os.path.exists(vty) and os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
                return
            time.sleep(0.05)
        raise LabError(f"{daemon} in {ns}: no vty socket after 10 s ({out.strip()[:200]}; "
                       f"see {logf})")

    @staticmethod
    def frr_pid(pidfile):
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        exe = proc_exe(pid)
        if exe is None or not exe.startswith(FRR_DIR + "/"):
            return None
        return pid

    def stop_frr(self, e):
        pid = self.frr_pid(e["pidfile"])
        if pid is None:
            return False
        return stop_pid({"pid": pid, "exe": FRR_DIR + "/", "what": e.get("what")}, log=self.log)

    # ---- teardown ----
    def teardown(self):
        """Undo every entry, processes first (last started first), then
        DPDK runtime directories and namespaces. Returns what was done."""
        done = []
        entries = list(self.state.entries)
        for e in reversed(entries):
            if e["kind"] == "pid":
                if stop_pid(e, log=self.log):
                    done.append(f"stopped {e.get('what')} (PID {e['pid']})")
            elif e["kind"] == "frr":
                if self.stop_frr(e):
                    done.append(f"stopped {e.get('what')}")
        # anything still running inside our namespaces was started by us
        for e in entries:
            if e["kind"] == "netns" and os.path.exists(f"/run/netns/{e['name']}"):
                left = run(["ip", "netns", "pids", e["name"]], check=False).split()
                for pid in left:
                    pid = int(pid)
                    ent = {"pid": pid, "exe": proc_exe(pid), "start": proc_start_time(pid),
                           "what": f"leftover {proc_exe(pid)}"}
                    if stop_pid(ent, log=self.log):
                        done.append(f"stopped leftover PID {pid} ({ent['exe']}) in {e['name']}")
        for e in reversed(entries):
            if e["kind"] == "dpdk":
                p = os.path.join("/var/run/dpdk", e["prefix"])
                if os.path.isdir(p):
                    shutil.rmtree(p, ignore_errors=True)
                    done.append(f"removed {p}")
        for e in reversed(entries):
            if e["kind"] == "netns" and os.path.exists(f"/run/netns/{e['name']}"):
                ns = e["name"]
                # veth pairs go with their namespace; delete links first so
                # that no peer in a namespace not yet deleted keeps a half
                out = run(["ip", "-n", ns, "-o", "link", "show"], check=False)
                for line in out.splitlines():
                    ifn = line.split(": ")[1].split("@")[0] if ": " in line else ""
                    if ifn and ifn != "lo":
                        run(["ip", "-n", ns, "link", "del", ifn], check=False)
                run(["ip", "netns", "del", ns], check=False)
                done.append(f"deleted namespace {ns}")
        return done
