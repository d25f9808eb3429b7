#!/usr/bin/env python3
"""test_deep: vramtop's deep-mode reader (src/deep/) -- the real binary
against the NVML simulator and real peer processes on real Unix sockets
(tests/deep/peer.py): the reporter over a stand-in torch, and hostile
peers (another user's socket, a hello with another PID, a 10 MB line,
invalid JSON, a peer that accepts and never writes, a flood), each dropped
with a notice while the loop keeps its pace; stale sockets removed, live
ones and other files kept; a directory of the wrong mode not read; deep
figures through --once --json, the JSON stream, record and replay. Prints TAP.
usage: test_deep.py VRAMTOP FAKE_NVML_DIR SCENARIO_DIR PEER_PY"""
import json, os, pwd, shutil, signal, socket, stat, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE, SCEN, PEER = sys.argv[1:5]
GIB = 1 << 30


class World:
    """A private XDG_RUNTIME_DIR and the peers living in it."""
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="vt-deep-")
        os.chmod(self.base, 0o700)
        self.dir = os.path.join(self.base, "vramtop")
        os.mkdir(self.dir, 0o700)
        self.peers = []

    def env(self):
        e = dict(os.environ)
        e["XDG_RUNTIME_DIR"] = self.base
        return e

    def peer(self, mode, *args, user=None):
        p = subprocess.Popen([sys.executable, PEER, mode] + [str(a) for a in args],
                             env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line.strip() == "ready", f"peer {mode} did not start: {line!r} {p.stderr.read()}"
        self.peers.append(p)
        return p

    def sleeper(self):
        p = subprocess.Popen(["sleep", "120"])
        self.peers.append(p)
        return p

    def run(self, args, pids, timeout=30):
        env = self.env()
        env["VRAMTOP_NVML_LIB"] = os.path.join(FAKE, "libnvidia-ml.so.1")
        env["VRAMTOP_FAKE_NVML_SCENARIO"] = os.path.join(SCEN, "deep_8.json")
        env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
        while len(pids) < 8:
            pids = pids + [self.sleeper().pid]
        for i, pid in enumerate(pids):
            env[f"PID{i + 1}"] = str(pid)
        return subprocess.run([VT] + args, env=env, capture_output=True, text=True, timeout=timeout)

    def close(self):
        for p in self.peers:
            p.kill()
            p.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def deep_of(doc):
    """pid -> deep from a --once --json document."""
    return {p["pid"]: p["deep"] for g in doc["gpus"] for p in g["processes"]}


# the stand-in torch's figures in peer.py "good": device 0 3/4 GiB, device 1 1/2 GiB
GOOD = {"allocated": 4 * GIB, "reserved": 6 * GIB, "active": 4 * GIB,
        "peak_allocated": 4 * GIB, "alloc_retries": 2, "ooms": 0}


@case("a reporting process gains deep figures in --once --json; others null")
def _():
    w = World()
    try:
        good = w.peer("good")
        other = w.sleeper()
        r = w.run(["--once", "--json"], [good.pid, other.pid])
        assert r.returncode == 0, r.stderr
        d = deep_of(json.loads(r.stdout))
        assert d[good.pid] == GOOD, d[good.pid]
        assert d[other.pid] is None
        assert all(isinstance(v, int) for v in d[good.pid].values())
    finally:
        w.close()


@case("hostile peers dropped with a notice each; the loop keeps its pace")
def _():
    w = World()
    try:
        good = w.peer("good")
        hostile = {m: w.peer(m) for m in ("wrongpid", "bigline", "badjson", "silent", "flood")}
        t0 = time.monotonic()
        r = w.run(["--json-stream", "-r", "0.5", "--duration", "4"],
                  [good.pid] + [p.pid for p in hostile.values()])
        took = time.monotonic() - t0
        assert r.returncode == 0, r.stderr
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        samples = [l for l in lines if "gpus" in l]
        assert len(samples) >= 8, f"{len(samples)} samples in 4 s at 0.5 s"
        ts = [s["t"] for s in samples]
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        assert max(gaps) < 1.0, f"the loop stalled: gaps {gaps}"
        assert took < 10, f"took {took:.1f} s"
        err = r.stderr
        why = {"wrongpid": "says it is process", "bigline": "longer than 4096 bytes",
               "badjson": "invalid JSON", "silent": "sent no hello", "flood": "floods"}
        for m, p in hostile.items():
            want = f"process {p.pid} "
            hits = [l for l in err.splitlines() if want in l and why[m] in l]
            assert hits, f"no notice for {m} ({p.pid}): {err}"
        last = samples[-1]["procs"]
        deep = {p["pid"]: p.get("deep") for p in last}
        assert deep[good.pid] == GOOD, deep[good.pid]
        for m, p in hostile.items():
            assert deep[p.pid] is None, (m, deep[p.pid])
    finally:
        w.close()


def other_uid():
    """A second real user (created once with useradd), or None without root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("vtdeep").pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        "vtdeep"], check=True, capture_output=True)
        return pwd.getpwnam("vtdeep").pw_uid


@case("another user's peer (SO_PEERCRED) and another user's socket file are not read")
def _():
    uid = other_uid()
    if uid is None:
        return "SKIP needs root for a second user"
    w = World()
    try:
        p = w.peer("otheruser", uid)  # file ours, listener another user's
        f = w.peer("otheruser", uid)  # file handed to the other user
        os.chown(os.path.join(w.dir, f"{f.pid}.sock"), uid, -1)
        r = w.run(["--once", "--json"], [p.pid, f.pid])
        assert r.returncode == 0, r.stderr
        d = deep_of(json.loads(r.stdout))
        assert d[p.pid] is None and d[f.pid] is None, d
        assert f"process {p.pid}'s socket is served by another user (uid {uid})" in r.stderr, r.stderr
        assert f"{f.pid}.sock belongs to uid {uid}, not to us" in r.stderr, r.stderr
        assert os.path.exists(os.path.join(w.dir, f"{p.pid}.sock"))  # not stale: never removed
    finally:
        w.close()


def dead_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()  # the file stays, nobody listens


@case("stale sockets removed; a live one, a plain file and a symlink kept")
def _():
    w = World()
    try:
        good = w.peer("good")
        stale = w.sleeper()
        dead_socket(os.path.join(w.dir, f"{stale.pid}.sock"))
        dead_socket(os.path.join(w.dir, "999999.sock"))  # a process long gone
        plain = os.path.join(w.dir, "424242.sock")
        open(plain, "w").close()
        target = os.path.join(w.base, "elsewhere.sock")
        dead_socket(target)
        link = os.path.join(w.dir, "434343.sock")
        os.symlink(target, link)
        r = w.run(["--once", "--json"], [good.pid, stale.pid])
        assert r.returncode == 0, r.stderr
        left = sorted(os.listdir(w.dir))
        assert f"{good.pid}.sock" in left, left
        assert f"{stale.pid}.sock" not in left and "999999.sock" not in left, left
        assert "424242.sock" in left and "434343.sock" in left, left
        assert os.path.exists(target), "a symlink's target was touched"
        assert deep_of(json.loads(r.stdout))[good.pid] == GOOD
    finally:
        w.close()


@case("a socket directory of the wrong mode is not read, and nothing in it removed")
def _():
    w = World()
    try:
        good = w.peer("good")
        stale = w.sleeper()
        dead_socket(os.path.join(w.dir, f"{stale.pid}.sock"))
        os.chmod(w.dir, 0o755)
        r = w.run(["--once", "--json"], [good.pid, stale.pid])
        assert r.returncode == 0, r.stderr
        assert deep_of(json.loads(r.stdout))[good.pid] is None
        assert "is not a private directory of ours (mode 755" in r.stderr, r.stderr
        assert f"{stale.pid}.sock" in os.listdir(w.dir)
    finally:
        w.close()


@case("record writes deep into the trace, replay reads it back; an OOM event is a notice")
def _():
    w = World()
    try:
        good = w.peer("good")
        trace = os.path.join(w.base, "t.jsonl")
        r = w.run(["record", trace, "-r", "0.5", "--duration", "2"], [good.pid])
        assert r.returncode == 0, r.stderr
        recs = [json.loads(l) for l in open(trace) if l.strip()]
        deeps = [p["deep"] for s in recs if "procs" in s for p in s["procs"] if p["pid"] == good.pid and "deep" in p]
        assert deeps and deeps[-1] == GOOD, deeps[-1:]
        others = [p for s in recs if "procs" in s for p in s["procs"] if p["pid"] != good.pid]
        assert others and all("deep" not in p for p in others)
        assert "deep" in recs[0]["procs"][0], "the first tick waits for the peer's figures"
        # the reader parses them (the stream writes what it read)
        r = subprocess.run([VT, "replay", trace, "--json-stream", "--speed", "1000"],
                           capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp()))
        assert r.returncode == 0, r.stderr
        back = [json.loads(l) for l in r.stdout.splitlines() if '"procs"' in l]
        got = [p.get("deep") for s in back for p in s["procs"] if p["pid"] == good.pid]
        assert got and all(g == GOOD for g in got), got
    finally:
        w.close()


@case("the reporter's OOM event reaches vramtop as a notice")
def _():
    w = World()
    try:
        os.environ["PEER_OOM_AFTER"] = "1.0"
        try:
            good = w.peer("good")
        finally:
            del os.environ["PEER_OOM_AFTER"]
        r = w.run(["--json-stream", "-r", "0.5", "--duration", "3"], [good.pid])
        assert r.returncode == 0, r.stderr
        want = f"process {good.pid} ran out of memory on CUDA device 0 (asked for {5 * GIB} bytes)"
        assert want in r.stderr, r.stderr
        samples = [json.loads(l) for l in r.stdout.splitlines() if '"gpus"' in l]
        ooms = [p["deep"]["ooms"] for p in samples[-1]["procs"] if p["pid"] == good.pid]
        assert ooms == [1], ooms
    finally:
        w.close()


sys.exit(run_cases())
