#!/usr/bin/env python3
"""test_reporter: the Python deep-mode reporter (clients/python/vramtop)
against a stand-in torch (tests/deep/fake_torch), in real child processes
on real Unix sockets: the socket's place and modes, the protocol's lines
and their figures equal to memory_stats, nothing asked before CUDA is
initialised, threads, exit, SIGTERM (alone and chained), a directory of the
wrong mode refused, the OOM observer, its cost, and `vramtop wrap`.
Prints TAP. usage: test_reporter.py VRAMTOP"""
import json, os, shutil, signal, socket, stat, subprocess, sys, tempfile, textwrap, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "clients", "python"))
FAKE = os.path.join(HERE, "fake_torch")
GIB = 1 << 30


PRELUDE = textwrap.dedent(f"""
    import os, sys, time, signal, threading
    sys.path[:0] = [{FAKE!r}, {CLIENT!r}]
    def ready(x="ready"):
        sys.stdout.write(str(x) + "\\n"); sys.stdout.flush()
""")


class Child:
    """A Python child running PRELUDE + body with its own XDG_RUNTIME_DIR."""
    def __init__(self, body, base=None):
        self.base = base or tempfile.mkdtemp(prefix="vt-rep-")
        os.chmod(self.base, 0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=self.base)
        env.pop("PYTHONPATH", None)
        self.p = subprocess.Popen([sys.executable, "-c", PRELUDE + textwrap.dedent(body)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def line(self):
        return self.p.stdout.readline().strip()

    def sock(self):
        return os.path.join(self.base, "vramtop", f"{self.p.pid}.sock")

    def finish(self, timeout=10):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, out, err

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def read_lines(path, n, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    buf = b""
    end = time.monotonic() + timeout
    while buf.count(b"\n") < n and time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    s.close()
    return [json.loads(l) for l in buf.split(b"\n")[:n] if l]


@case("socket at $XDG_RUNTIME_DIR/vramtop/<pid>.sock, dir 0700, socket 0600")
def _():
    c = Child("""
        import torch, vramtop
        torch.cuda._fake_init(1)
        assert vramtop.report(0.2)
        ready(); time.sleep(60)
    """)
    try:
        assert c.line() == "ready", c.p.stderr.read()
        d = os.lstat(os.path.dirname(c.sock()))
        assert stat.S_ISDIR(d.st_mode) and stat.S_IMODE(d.st_mode) == 0o700, oct(d.st_mode)
        s = os.lstat(c.sock())
        assert stat.S_ISSOCK(s.st_mode) and stat.S_IMODE(s.st_mode) == 0o600, oct(s.st_mode)
    finally:
        c.close()


@case("hello then one sample per used device; figures equal memory_stats")
def _():
    c = Child("""
        import json, torch, vramtop
        torch.cuda._fake_init(3)
        torch.cuda._fake_alloc(0, 3 * 2**30, 4 * 2**30, active=3 * 2**30 + 5, retries=7)
        torch.cuda._fake_alloc(2, 2**30, 2 * 2**30)
        torch.cuda._fake_alloc(0, 2 * 2**30, 4 * 2**30, active=2 * 2**30, retries=7)
        assert vramtop.report(0.2)
        ready(json.dumps({d: torch.cuda.memory_stats(d) for d in (0, 2)}))
        time.sleep(60)
    """)
    try:
        stats = {int(k): v for k, v in json.loads(c.line()).items()}
        lines = read_lines(c.sock(), 3)
        h = lines[0]
        assert h["v"] == 1 and h["type"] == "hello" and h["pid"] == c.p.pid, h
        assert h["framework"] == "pytorch" and h["framework_version"] == "0.0-fake", h
        got = {l["cuda_device"]: l for l in lines[1:]}
        assert sorted(got) == [0, 2], f"device 1 was never used: {sorted(got)}"
        keys = {"allocated": "allocated_bytes.all.current", "reserved": "reserved_bytes.all.current",
                "active": "active_bytes.all.current", "peak_allocated": "allocated_bytes.all.peak",
                "peak_reserved": "reserved_bytes.all.peak", "alloc_retries": "num_alloc_retries",
                "ooms": "num_ooms", "segments": "segment.all.current"}
        for dev, l in got.items():
            assert l["type"] == "sample", l
            for k, src in keys.items():
                assert l[k] == stats[dev][src], (dev, k, l[k], stats[dev][src])
        assert got[0]["peak_allocated"] == 3 * GIB and got[0]["allocated"] == 2 * GIB
        assert all(len(json.dumps(l)) < 4096 for l in lines)
    finally:
        c.close()


@case("before CUDA is initialised nothing is asked of torch, nothing sampled")
def _():
    c = Child("""
        import torch, vramtop
        assert vramtop.report(0.05)
        ready(); time.sleep(0.5)
        ready(torch.cuda.calls); time.sleep(60)
    """)
    try:
        assert c.line() == "ready"
        lines = read_lines(c.sock(), 2, timeout=0.6)
        assert [l["type"] for l in lines] == ["hello"], lines
        assert c.line() == "0", "memory_stats was called before CUDA was initialised"
    finally:
        c.close()


@case("report() from a worker thread, twice: one daemon reporter thread")
def _():
    c = Child("""
        import vramtop
        out = []
        t = threading.Thread(target=lambda: out.extend([vramtop.report(), vramtop.report()]))
        t.start(); t.join()
        rep = [th for th in threading.enumerate() if th.name == "vramtop-reporter"]
        ready(f"{out} {len(rep)} {rep[0].daemon}"); time.sleep(60)
    """)
    try:
        assert c.line() == "[True, True] 1 True"
        assert os.path.exists(c.sock())
    finally:
        c.close()


@case("exit: never blocked by the reporter (a reader connected), socket removed")
def _():
    c = Child("""
        import vramtop
        assert vramtop.report(3600)
        ready(); sys.stdin = None
        time.sleep(0.5)
    """)
    try:
        assert c.line() == "ready"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(c.sock())
        t0 = time.monotonic()
        rc, _, err = c.finish()
        took = time.monotonic() - t0
        s.close()
        assert rc == 0, err
        assert took < 2.0, f"exit took {took:.2f} s"
        assert not os.path.exists(c.sock())
    finally:
        c.close()


@case("fork: a child exiting (atexit and all) leaves the parent's reporter serving")
def _():
    c = Child("""
        import vramtop
        assert vramtop.report(0.1)
        pid = os.fork()
        if pid == 0:
            sys.exit(0)  # runs atexit in the child
        os.waitpid(pid, 0)
        ready(); time.sleep(60)
    """)
    try:
        assert c.line() == "ready", c.p.stderr.read()
        time.sleep(0.3)
        assert os.path.exists(c.sock()), "the child removed the parent's socket"
        lines = read_lines(c.sock(), 1)
        assert lines and lines[0]["pid"] == c.p.pid, lines
    finally:
        c.close()


@case("SIGTERM: socket removed, the process dies of SIGTERM as before")
def _():
    c = Child("""
        import vramtop
        assert vramtop.report(0.2)
        ready(); time.sleep(60)
    """)
    try:
        assert c.line() == "ready"
        c.p.send_signal(signal.SIGTERM)
        rc, _, err = c.finish()
        assert rc == -signal.SIGTERM, (rc, err)
        assert not os.path.exists(c.sock())
    finally:
        c.close()


@case("SIGTERM: the program's own handler still runs (chained), socket removed")
def _():
    c = Child("""
        def mine(signo, frame):
            ready("handled"); sys.exit(3)
        signal.signal(signal.SIGTERM, mine)
        import vramtop
        assert vramtop.report(0.2)
        ready(); time.sleep(60)
    """)
    try:
        assert c.line() == "ready"
        c.p.send_signal(signal.SIGTERM)
        rc, out, err = c.finish()
        assert out.strip() == "handled" and rc == 3, (rc, out, err)
        assert not os.path.exists(c.sock())
    finally:
        c.close()


def other_uid():
    """A second real user (created once with useradd), or None without root."""
    import pwd
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("vtdeep").pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        "vtdeep"], check=True, capture_output=True)
        return pwd.getpwnam("vtdeep").pw_uid


@case("a socket directory of the wrong mode, a symlink, or another user's is refused; no raise")
def _():
    uid = other_uid()
    for how in ("mode", "symlink", "owner") if uid is not None else ("mode", "symlink"):
        base = tempfile.mkdtemp(prefix="vt-rep-")
        if how == "mode":
            os.mkdir(os.path.join(base, "vramtop"), 0o755)
            os.chmod(os.path.join(base, "vramtop"), 0o755)
        elif how == "owner":
            os.mkdir(os.path.join(base, "vramtop"), 0o700)
            os.chown(os.path.join(base, "vramtop"), uid, -1)
        else:
            os.mkdir(os.path.join(base, "real"), 0o700)
            os.symlink(os.path.join(base, "real"), os.path.join(base, "vramtop"))
        c = Child("""
            import vramtop
            ready(vramtop.report())
        """, base=base)
        try:
            rc, out, err = c.finish()
            assert rc == 0 and out.strip() == "False", (how, rc, out, err)
            want = {"mode": "has mode 755, not 700", "symlink": "is not a directory",
                    "owner": f"belongs to uid {uid}, not to us"}[how]
            assert "vramtop: deep mode not started" in err and want in err, (how, err)
            assert not os.listdir(os.path.join(base, "real" if how == "symlink" else "vramtop"))
        finally:
            c.close()


@case("an OOM reaches readers as an event, through PyTorch's observer")
def _():
    env = dict(os.environ, XDG_RUNTIME_DIR=tempfile.mkdtemp())
    os.chmod(env["XDG_RUNTIME_DIR"], 0o700)
    body = PRELUDE + textwrap.dedent("""
        import torch, vramtop
        torch.cuda._fake_init(1)
        torch.cuda._fake_alloc(0, 2**30, 2**30)
        assert vramtop.report(0.1)
        ready(); sys.stdin.readline()
        torch.cuda._fake_oom(0, 5 * 2**30)
        time.sleep(60)
    """)
    p = subprocess.Popen([sys.executable, "-c", body], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(os.path.join(env["XDG_RUNTIME_DIR"], "vramtop", f"{p.pid}.sock"))
        s.settimeout(5)
        p.stdin.write("go\n")
        p.stdin.flush()
        buf, ev = b"", None
        end = time.monotonic() + 5
        while ev is None and time.monotonic() < end:
            buf += s.recv(65536)
            for l in buf.split(b"\n"):
                if b'"oom"' in l:
                    ev = json.loads(l)
        assert ev and ev["cuda_device"] == 0 and ev["requested"] == 5 * GIB, ev
        s.close()
    finally:
        p.kill()
        p.wait()


@case("cost: under 0.1 % of a core at 1 Hz (measured at 20 Hz, a reader connected)")
def _():
    c = Child("""
        import torch, vramtop
        torch.cuda._fake_init(8)
        for d in range(8):
            torch.cuda._fake_alloc(d, 2**30, 2**31)
        assert vramtop.report(0.05)
        ready(); time.sleep(60)
    """)
    try:
        assert c.line() == "ready"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(c.sock())
        def cpu():
            f = open(f"/proc/{c.p.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        time.sleep(0.3)
        a, t0 = cpu(), time.monotonic()
        n = 0
        s.settimeout(0.1)
        while time.monotonic() - t0 < 5:
            try:
                n += s.recv(65536).count(b"\n")
            except socket.timeout:
                pass
        used, wall = cpu() - a, time.monotonic() - t0
        s.close()
        ticks = wall / 0.05
        per_tick = used / ticks
        assert n >= ticks * 8 * 0.8, f"only {n} lines"
        # 0.1 % of a core at 1 Hz is 1 ms per tick
        assert per_tick < 0.001, f"{per_tick * 1e3:.3f} ms per tick"
        return f"{per_tick * 1e6:.0f} us CPU per tick of 8 devices = {per_tick * 100:.3f} % of a core at 1 Hz"
    finally:
        c.close()


WRAPPED = """
import os, sys, time
sys.path.insert(0, {fake!r})
import vramtop
before = vramtop._reporter is not None
import torch
torch.cuda._fake_init(1)
after = vramtop._reporter is not None and os.path.exists(vramtop.socket_path())
print(before, after, os.environ.get("VRAMTOP_INTERVAL"))
"""


@case("vramtop wrap: the reporter starts once torch is imported; exit status passed on")
def _():
    base = tempfile.mkdtemp(prefix="vt-rep-")
    os.chmod(base, 0o700)
    script = os.path.join(base, "train.py")
    open(script, "w").write(WRAPPED.format(fake=FAKE))
    env = dict(os.environ, XDG_RUNTIME_DIR=base)
    env.pop("PYTHONPATH", None)
    try:
        r = subprocess.run([VT, "wrap", "-i", "0.5", "--", sys.executable, script], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["False", "True", "0.5"], r.stdout
        assert os.listdir(os.path.join(base, "vramtop")) == [], "socket left behind"
        r = subprocess.run([VT, "wrap", "--", "sh", "-c", "exit 7"], env=env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 7 and r.stderr == "", (r.returncode, r.stderr)
        r = subprocess.run([VT, "wrap", "--", "/nonexistent/cmd"], env=env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 127 and "cannot run /nonexistent/cmd" in r.stderr, r
        r = subprocess.run([VT, "wrap"], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and "no command" in r.stderr, r
    finally:
        shutil.rmtree(base, ignore_errors=True)


@case("vramtop wrap: the program's own sitecustomize still runs")
def _():
    base = tempfile.mkdtemp(prefix="vt-rep-")
    os.chmod(base, 0o700)
    site = os.path.join(base, "site")
    os.mkdir(site)
    open(os.path.join(site, "sitecustomize.py"), "w").write("import os\nos.environ['MINE'] = 'yes'\n")
    env = dict(os.environ, XDG_RUNTIME_DIR=base, PYTHONPATH=site)
    try:
        r = subprocess.run([VT, "wrap", "--", sys.executable, "-c",
                            "import os, sys; print(os.environ.get('MINE'), sys.path[1] if False else '')"],
                           env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and r.stdout.split() == ["yes"], (r.stdout, r.stderr)
    finally:
        shutil.rmtree(base, ignore_errors=True)


sys.exit(run_cases())
