#!/usr/bin/env python3
"""test_enrich: enrichment end to end -- the real vramtop binary against the
NVML simulator, whose GPU processes are real processes this test starts: a
fake vLLM (the API server as the parent of its VLLM::EngineCore worker, which
holds a .safetensors open), a llama-server, an MPS client and an MPS control
daemon, and a process of a second user (created with useradd) whose
cmdline, maps and fds must never be read; a process in a PID namespace of its
own (unshare), and vramtop itself in one with its own /proc. Prints TAP.
usage: test_enrich.py VRAMTOP FAKE_NVML_DIR"""
import json, os, pwd, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE = sys.argv[1:3]
# are these tests themselves in a PID namespace of their own (a container)?
ISOLATED = os.readlink("/proc/self/ns/pid") != "pid:[4026531836]"
OTHER_USER = "vt-enrich-other"


def scenario(tmp, procs):
    """procs: list of (env name, lists)."""
    path = os.path.join(tmp, "scen.json")
    with open(path, "w") as f:
        json.dump({"time_scale": 0, "gpus": [{"processes": [
            {"pid": "$" + name, "used": "4GiB", "lists": lists} for name, lists in procs]}]}, f)
    return path


def run_once(scen, pids, extra_env=None, prefix=(), json_out=True):
    """vramtop --once [--json] (under the command prefix, e.g. unshare):
    its standard output."""
    env = dict(os.environ)
    env["VRAMTOP_NVML_LIB"] = os.path.join(FAKE, "libnvidia-ml.so.1")
    env["VRAMTOP_FAKE_NVML_SCENARIO"] = scen
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    env.pop("NVIDIA_VISIBLE_DEVICES", None)
    env.update({k: str(v) for k, v in pids.items()})
    if extra_env:
        env.update(extra_env)
    r = subprocess.run([*prefix, VT, "--once"] + (["--json"] if json_out else []), env=env,
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def once_json(scen, pids, extra_env=None, prefix=()):
    d = json.loads(run_once(scen, pids, extra_env, prefix))
    return d, {p["pid"]: p for g in d["gpus"] for p in g["processes"]}


def unshare_pid(mount_proc=False):
    """The command prefix that runs a command in a new PID namespace (a user
    namespace too when not root), or None where this system refuses it."""
    cmd = ["unshare"] + (["--user", "--map-root-user"] if os.getuid() != 0 else [])
    cmd += ["--pid", "--fork"] + (["--mount-proc"] if mount_proc else [])
    ok = subprocess.run(cmd + ["true"], capture_output=True, timeout=10).returncode == 0
    return cmd if ok else None


def wait_cmdline(pid, word):
    for _ in range(200):
        try:
            if word in open(f"/proc/{pid}/cmdline", "rb").read():
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never showed {word!r}")


class FakeVllm:
    """`python3 -m vllm.entrypoints.openai.api_server` (a stand-in package on
    PYTHONPATH) that starts its worker as `VLLM::EngineCore`, handing it the
    weights file open."""
    def __init__(self, tmp, weights):
        pkg = os.path.join(tmp, "pkg", "vllm", "entrypoints", "openai")
        os.makedirs(pkg)
        for d in ("vllm", "vllm/entrypoints", "vllm/entrypoints/openai"):
            open(os.path.join(tmp, "pkg", d, "__init__.py"), "w").close()
        with open(os.path.join(pkg, "api_server.py"), "w") as f:
            f.write(
                "import os, subprocess, sys, time\n"
                "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
                "child = subprocess.Popen(['VLLM::EngineCore', '120'], executable='sleep',\n"
                "                         pass_fds=[fd])\n"
                "os.close(fd)\n"
                "print(child.pid, flush=True)\n"
                "time.sleep(120)\n")
        env = dict(os.environ, PYTHONPATH=os.path.join(tmp, "pkg"))
        self.p = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server",
                                   weights], env=env, stdout=subprocess.PIPE, text=True)
        self.worker = int(self.p.stdout.readline())
        wait_cmdline(self.worker, b"VLLM::EngineCore")

    def close(self):
        try:
            os.kill(self.worker, 9)
        except ProcessLookupError:
            pass
        self.p.kill()
        self.p.wait()


def weights_file(tmp, name, size):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


@case("vLLM: its EngineCore worker -> framework vllm, the weights it holds with their size")
def _():
    tmp = tempfile.mkdtemp()
    w = weights_file(tmp, "model-00001-of-00001.safetensors", 3 * 2**20 + 7)
    v = FakeVllm(tmp, w)
    try:
        d, rows = once_json(scenario(tmp, [("W", ["compute"])]), {"W": v.worker})
        p = rows[v.worker]
        assert p["framework"] == "vllm", p
        assert p["model_files"] == [{"path": w, "bytes": 3 * 2**20 + 7}], p["model_files"]
        assert p["container"] is None, p  # this machine's cgroup names no container
        assert p["mps"] is False, p
        # a vLLM without an HTTP server: the scrape says so, nothing else
        sc = p["scrape"]
        assert sc["error"] == "no listening socket of its own on a loopback address", sc
        assert sc["port"] is None and sc["kv_cache_usage"] is None, sc
        # the table (--once without --json) badges the row with the framework
        text = run_once(scenario(tmp, [("W", ["compute"])]), {"W": v.worker}, json_out=False)
        row = [l for l in text.splitlines() if l.split() and l.split()[0] == str(v.worker)]
        assert row and row[0].rstrip().endswith("[vllm] " + p["name"]), text
        env = d["environment"]
        assert env["in_container"] == (os.path.exists("/.dockerenv") or
                                       os.path.exists("/run/.containerenv")), env
        assert env["nvidia_visible_devices"] is None and env["cdi_devices"] == [], env
        assert env["pid_namespace_isolated"] is ISOLATED, env
    finally:
        v.close()


@case("llama-server and an MPS client beside an MPS control daemon; NVIDIA_VISIBLE_DEVICES")
def _():
    tmp = tempfile.mkdtemp()
    # the daemon's comm is the name it was run by: a link named like it
    daemon_bin = os.path.join(tmp, "nvidia-cuda-mps-control")
    os.symlink(shutil.which("sleep"), daemon_bin)
    server_bin = os.path.join(tmp, "llama-server")
    os.symlink(shutil.which("sleep"), server_bin)
    daemon = subprocess.Popen([daemon_bin, "120"])
    server = subprocess.Popen([server_bin, "120"])
    client = subprocess.Popen(["sleep", "120"])
    try:
        wait_cmdline(daemon.pid, b"nvidia-cuda-mps-control")
        wait_cmdline(server.pid, b"llama-server")
        d, rows = once_json(scenario(tmp, [("S", ["compute"]), ("C", ["mps"])]),
                            {"S": server.pid, "C": client.pid},
                            {"NVIDIA_VISIBLE_DEVICES": "GPU-0a1b,\x1b[31mGPU-2"})
        assert rows[server.pid]["framework"] == "llama.cpp", rows[server.pid]
        assert rows[server.pid]["mps"] is False
        assert rows[client.pid]["mps"] is True and rows[client.pid]["framework"] is None
        env = d["environment"]
        assert env["mps_daemon"] == daemon.pid, env
        assert env["nvidia_visible_devices"] == "GPU-0a1b,GPU-2", env  # sanitised
    finally:
        for p in (daemon, server, client):
            p.kill()
            p.wait()


@case("a process in a PID namespace of its own, seen from the host: ns_pid is its PID there")
def _():
    prefix = unshare_pid()
    if prefix is None:
        return "SKIP unshare --pid refused here"
    tmp = tempfile.mkdtemp()
    outer = subprocess.Popen(prefix + ["sleep", "120"])
    inner = None  # the sleep: PID 1 of the new namespace
    try:
        for _ in range(200):
            try:
                with open(f"/proc/{outer.pid}/task/{outer.pid}/children") as f:
                    kids = f.read().split()
                if kids and b"sleep" in open(f"/proc/{kids[0]}/cmdline", "rb").read():
                    inner = int(kids[0])
                    break
            except OSError:
                pass
            time.sleep(0.02)
        assert inner, "the namespace's first process never started"
        with open(f"/proc/{inner}/status") as f:
            nspid = [ln for ln in f if ln.startswith("NSpid:")][0].split()[1:]
        assert nspid == [str(inner), "1"], nspid
        d, rows = once_json(scenario(tmp, [("I", ["compute"]), ("O", ["compute"])]),
                            {"I": inner, "O": outer.pid})
        assert rows[inner]["ns_pid"] == 1, rows[inner]
        assert rows[outer.pid]["ns_pid"] is None, rows[outer.pid]  # our namespace
        assert d["environment"]["pid_namespace_isolated"] is ISOLATED, d["environment"]
    finally:
        if inner:  # the namespace's init: its end ends everything in there
            os.kill(inner, 9)
        outer.kill()
        outer.wait()


@case("vramtop in a PID namespace with its own /proc (a container): says so, keeps the rows, resolves none")
def _():
    prefix = unshare_pid(mount_proc=True)
    if prefix is None:
        return "SKIP unshare --pid --mount-proc refused here"
    tmp = tempfile.mkdtemp()
    host = subprocess.Popen(["sleep", "120"])  # a host PID the namespace cannot see
    try:
        scen = scenario(tmp, [("H", ["compute"]), ("ONE", ["compute"])])
        # host PID 1 is, in the new namespace, vramtop itself: never taken for it
        d, rows = once_json(scen, {"H": host.pid, "ONE": 1}, prefix=prefix)
        assert d["environment"]["pid_namespace_isolated"] is True, d["environment"]
        for pid in (host.pid, 1):
            row = rows[pid]
            assert row["used"] == 4 * 2**30 and row["user"] is None and row["name"] is None, row
            assert row["framework"] is None and row["model_files"] == [], row
        text = run_once(scen, {"H": host.pid}, prefix=prefix, json_out=False)
        assert "runs in a PID namespace of its own" in text, text
        assert str(host.pid) in text, text
        # the control: outside it, no such note
        text = run_once(scen, {"H": host.pid}, json_out=False)
        assert ("PID namespace" in text) == ISOLATED, text
    finally:
        host.kill()
        host.wait()


def other_user():
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam(OTHER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        OTHER_USER], check=True, capture_output=True)
        return pwd.getpwnam(OTHER_USER)


@case("a second user's vLLM holding weights: name and VRAM only, nothing read (root too)")
def _():
    u = other_user()
    if u is None:
        return "SKIP not root: cannot create a second user"
    tmp = tempfile.mkdtemp()
    os.chmod(tmp, 0o755)
    w = weights_file(tmp, "theirs.safetensors", 12345)
    os.chmod(w, 0o644)
    # `vllm serve` (a link to sleep by that name) holding the weights open
    prog = os.path.join(tmp, "vllm")
    os.symlink(shutil.which("sleep"), prog)
    fd = os.open(w, os.O_RDONLY)

    def drop():
        os.setgroups([])
        os.setgid(u.pw_gid)
        os.setuid(u.pw_uid)
    theirs = subprocess.Popen([prog, "120"], pass_fds=[fd], preexec_fn=drop)
    ours = subprocess.Popen([prog, "120"], pass_fds=[fd])  # the control: read in full
    os.close(fd)
    try:
        for p in (theirs, ours):
            wait_cmdline(p.pid, b"vllm")
        assert os.readlink(f"/proc/{theirs.pid}/fd/{fd}") == w  # really held open
        _, rows = once_json(scenario(tmp, [("O", ["compute"]), ("M", ["compute"])]),
                            {"O": theirs.pid, "M": ours.pid})
        r, m = rows[theirs.pid], rows[ours.pid]
        assert m["framework"] == "vllm" and m["model_files"] == [{"path": w, "bytes": 12345}], m
        assert r["user"] == OTHER_USER, r
        assert r["framework"] is None and r["model_files"] == [] and r["container"] is None, r
        assert r["scrape"] is None and r["name"] is None, r
    finally:
        for p in (theirs, ours):
            p.kill()
            p.wait()


@case("a trace's framework and container badge the replayed table, the container id cut to 12")
def _():
    tmp = tempfile.mkdtemp()
    tr = os.path.join(tmp, "t.jsonl")
    with open(tr, "w") as f:
        f.write(json.dumps({"t": 1000.0, "gpus": [{"i": 0, "total": 80 << 30, "used": 4 << 30,
                                                    "free": 76 << 30}],
                            "procs": [{"gpu": 0, "pid": 42, "used": 4 << 30, "name": "python3",
                                       "framework": "pytorch",
                                       "container": "docker:3f2a1b9c8d7e6f5a4b3c2d1e"},
                                      {"gpu": 0, "pid": 43, "used": 0, "name": "x",
                                       "container": "kubepods:"}]}) + "\n")
    r = subprocess.run([VT, "replay", tr, "--speed", "1000"], capture_output=True, text=True,
                       timeout=20, env=dict(os.environ, XDG_CONFIG_HOME=tmp))
    assert r.returncode == 0, r.stderr
    rows = {l.split()[0]: l.rstrip() for l in r.stdout.splitlines() if l.split()}
    assert rows["42"].endswith(" [pytorch] [docker:3f2a1b9c8d7e] python3"), rows["42"]
    assert rows["43"].endswith(" [kubepods] x"), rows["43"]
    shutil.rmtree(tmp, ignore_errors=True)


sys.exit(run_cases())
