#!/usr/bin/env python3
"""test_tui: the real vramtop in a real terminal (tmux) against the NVML
simulator and traces: sort, select, filter, details, help, theme,
screenshot, kill (open, cancel, and a real child signalled and audited),
resize through all four layouts, a GPU lost mid-run, replay controls.
Checks `tmux capture-pane` for what a user would see. Prints TAP.
usage: test_tui.py VRAMTOP FAKE_NVML_DIR SCENARIO_DIR EXAMPLES_DIR"""
import json, os, re, shutil, signal, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE, SCEN, EXAMPLES = sys.argv[1:5]
SOCK = "vt-e2e-%d" % os.getpid()


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCK] + list(args), capture_output=True, text=True,
                          check=check)


class Screen:
    """vramtop in a detached tmux session of cols x rows."""

    def __init__(self, argv, env=None, cols=160, rows=45, prefix=()):
        self.home = tempfile.mkdtemp()
        e = dict(os.environ, TERM="xterm-256color", XDG_CONFIG_HOME=self.home,
                 XDG_DATA_HOME=os.path.join(self.home, "data"), HOME=self.home)
        e.pop("NO_COLOR", None)
        e.update(env or {})
        cmd = " ".join("'%s'" % a for a in list(prefix) + [VT] + argv) + "; echo EXITED $?; sleep 30"
        envs = []
        for k, v in e.items():
            envs += ["-e", "%s=%s" % (k, v)]
        tmux("new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows), *envs, cmd)

    def text(self):
        return tmux("capture-pane", "-t", "t", "-p").stdout

    def wait(self, pattern, timeout=8.0):
        t0 = time.time()
        while time.time() - t0 < timeout:
            s = self.text()
            if re.search(pattern, s, re.M):
                return s
            time.sleep(0.1)
        raise AssertionError("never saw %r; screen:\n%s" % (pattern, self.text()))

    def keys(self, *k):
        tmux("send-keys", "-t", "t", *k)
        time.sleep(0.3)

    def resize(self, cols, rows):
        tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))
        time.sleep(0.5)

    def close(self):
        tmux("kill-server", check=False)
        shutil.rmtree(self.home, ignore_errors=True)


class Procs:
    def __init__(self, n=3):
        self.p = [subprocess.Popen(["sleep", "120"]) for _ in range(n)]

    def env(self):
        return {"PID%d" % (i + 1): str(p.pid) for i, p in enumerate(self.p)}

    def close(self):
        for p in self.p:
            if p.poll() is None:
                p.kill()
            p.wait()


def sim(scenario, procs, extra=None):
    e = {"VRAMTOP_NVML_LIB": os.path.join(FAKE, "libnvidia-ml.so.1"),
         "VRAMTOP_FAKE_NVML_SCENARIO": os.path.join(SCEN, scenario)}
    e.update(procs.env())
    e.update(extra or {})
    return e


def row_of(screen_text, pid):
    for line in screen_text.splitlines():
        if re.search(r"\b%d\b" % pid, line) and "compute" in line:
            return line
    return None


@case("live: cards, table, sort by PID and by memory, selection follows the process")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("basic_2gpu.json", procs))
    try:
        t = s.wait(r"GPU 0 · NVIDIA H200")
        assert "GPU 1 · NVIDIA H200" in t, t
        assert "USED" in t and "COMMAND" in t, t
        pids = [p.pid for p in procs.p]
        s.wait(r"\b%d\b" % pids[2])
        s.keys("p")  # sort by PID
        t = s.wait(r"PID[▼*]")
        table = t[t.index("PID▼" if "PID▼" in t else "PID*"):]
        order = [int(m.group(1)) for m in re.finditer(r"^\S*\s*\S?\s*(\d+)\s", table, re.M)
                 if int(m.group(1)) in pids]
        assert order == sorted(order), (order, t)
        s.keys("End")
        sel = [l for l in s.text().splitlines() if l.startswith("▶")]
        assert sel and str(max(pids)) in sel[0], s.text()
        s.keys("m")  # by memory: the selected process keeps the marker
        sel = [l for l in s.text().splitlines() if l.startswith("▶")]
        assert sel and str(max(pids)) in sel[0], s.text()
    finally:
        s.close()
        procs.close()


@case("filter by name, details panel, help lists the keys, theme cycles")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("basic_2gpu.json", procs))
    try:
        s.wait(r"GPU 0 · NVIDIA H200")
        pid = procs.p[1].pid
        s.keys("/")
        s.keys(str(pid))
        s.keys("Enter")
        t = s.text()
        others = [p.pid for p in procs.p if p.pid != pid]
        assert row_of(t, pid) and not any(row_of(t, o) for o in others), t
        s.keys("Enter")  # details of the (only) row
        t = s.wait(r"PID %d ·" % pid)
        assert "framework" in t and "—" in t, t
        s.keys("Escape")
        s.keys("/")
        s.keys("Escape")  # clears the filter
        assert all(row_of(s.text(), p.pid) for p in procs.p), s.text()
        s.keys("?")
        t = s.wait(r"screenshot")
        assert "quit" in t and "filter" in t and "kill" in t, t
        s.keys("Escape")
        s.keys("t")
        s.wait(r"theme: light")
    finally:
        s.close()
        procs.close()


@case("screenshot: SVG and text under $XDG_DATA_HOME/vramtop, private, and said where")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("basic_2gpu.json", procs))
    try:
        s.wait(r"GPU 0 · NVIDIA H200")
        s.keys("s")
        t = s.wait(r"screenshot saved")
        d = os.path.join(s.home, "data", "vramtop")
        files = sorted(os.listdir(d))
        assert any(f.endswith(".svg") for f in files) and any(f.endswith(".txt") for f in files)
        for f in files:
            assert os.stat(os.path.join(d, f)).st_mode & 0o777 == 0o600, f
        assert os.stat(d).st_mode & 0o777 == 0o700
        txt = open(os.path.join(d, [f for f in files if f.endswith(".txt")][0])).read()
        assert "GPU 0 · NVIDIA H200" in txt, txt[:300]
    finally:
        s.close()
        procs.close()


@case("kill: open and cancel signals nothing; confirm sends SIGTERM to a real child, audited")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("basic_2gpu.json", procs))
    try:
        s.wait(r"GPU 0 · NVIDIA H200")
        victim = procs.p[2]
        s.keys("/")
        s.keys(str(victim.pid))
        s.keys("Enter")
        s.keys("k")
        t = s.wait(r"SIGTERM to PID %d" % victim.pid)
        s.keys("n")
        time.sleep(0.5)
        assert victim.poll() is None, "cancelled, yet signalled"
        s.keys("k")
        s.wait(r"SIGTERM to PID %d" % victim.pid)
        s.keys("y")
        victim.wait(5)
        assert victim.returncode == -signal.SIGTERM, victim.returncode
        log = open(os.path.join(s.home, "data", "vramtop", "audit.log")).read()
        assert "pid=%d " % victim.pid in log and " sent" in log, log
        assert os.stat(os.path.join(s.home, "data", "vramtop", "audit.log")).st_mode & 0o777 == 0o600
    finally:
        s.close()
        procs.close()


@case("in a PID namespace of its own (NVML's PIDs the host's), k signals nothing and says why")
def _():
    un = ["unshare"] + (["--user", "--map-root-user"] if os.getuid() != 0 else [])
    un += ["--pid", "--fork", "--mount-proc"]
    if subprocess.run(un + ["true"], capture_output=True, timeout=10).returncode != 0:
        return "SKIP this system refuses unshare --pid"
    procs = Procs()
    env = sim("basic_2gpu.json", procs)
    env["PID1"] = "1"  # a host PID that, in the new namespace, is vramtop itself
    s = Screen(["-r", "0.5"], env, prefix=un)
    try:
        s.wait(r"GPU 0 · NVIDIA H200")
        s.wait(r"PID namespace")  # the notice
        s.keys("k")
        s.wait(r"signals nothing")
        assert "EXITED" not in s.text(), s.text()  # it did not signal itself
        assert all(p.poll() is None for p in procs.p)
    finally:
        s.close()
        procs.close()


@case("--no-kill: k refuses and says why")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5", "--no-kill"], sim("basic_2gpu.json", procs))
    try:
        s.wait(r"GPU 0 · NVIDIA H200")
        s.keys("k")
        s.wait(r"disabled")
        assert all(p.poll() is None for p in procs.p)
    finally:
        s.close()
        procs.close()


@case("resize through FULL, COMPACT, MINI and too small, live")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("basic_2gpu.json", procs), cols=160, rows=45)
    try:
        s.wait(r"╭ GPU 0 · NVIDIA H200")
        s.resize(100, 25)
        t = s.wait(r"^ ?0 .*H200", 5)
        assert "╭ GPU 0" not in t, t  # cards folded to one line
        s.resize(50, 12)
        t = s.wait(r"\d+ +\S+ +[▬▲▼〜]|stable", 5)
        s.resize(30, 8)
        s.wait(r"too small", 5)
        s.resize(160, 45)
        s.wait(r"╭ GPU 0 · NVIDIA H200", 5)
    finally:
        s.close()
        procs.close()


@case("a GPU lost: its card says so, the other stays live")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], sim("gpu_lost.json", procs))
    try:
        t = s.wait(r"LOST|lost")
        assert re.search(r"GPU 0 · NVIDIA H200", t), t
        s.wait(r"\b%d\b" % procs.p[0].pid)
    finally:
        s.close()
        procs.close()


@case("replay: pause stops the clock, space resumes, q quits with status 0")
def _():
    s = Screen(["replay", os.path.join(EXAMPLES, "leak_oom.jsonl.gz"), "--speed", "4"])
    try:
        s.wait(r"REPLAY")
        s.keys("Space")
        t1 = s.wait(r"PAUSED")
        clock = re.search(r"\d\d:\d\d:\d\d", t1).group(0)
        time.sleep(1.0)
        assert clock in s.text(), "the clock moved while paused"
        s.keys("Space")
        s.keys("+")
        s.wait(r"REPLAY 8×")
        s.keys("q")
        s.wait(r"EXITED 0")
    finally:
        s.close()


@case("replay of a real trace: deep mode's figures in the details (saved by s), the trace's events in words")
def _():
    trace = os.path.join(os.path.dirname(EXAMPLES), "tests", "fixtures", "traces_h100",
                         "leak_spiky.jsonl.gz")
    s = Screen(["replay", trace, "--speed", "4"])
    try:
        s.wait(r"PID 858 started its work", timeout=15)
        s.keys("Space")
        s.wait(r"PAUSED")
        for _ in range(4):  # select the leaker's row
            if re.search(r"▶\S*\s*858\b", s.text()):
                break
            s.keys("Down")
        s.keys("Enter")
        t = s.wait(r"PID 858 ·")
        assert re.search(r"deep allocated [\d.]+ [MG]iB of reserved [\d.]+ [MG]iB", t), t
        assert re.search(r"peak allocated [\d.]+ [MG]iB · allocator retries \d+ · OOMs 0", t), t
        s.keys("s")  # the details can be saved as they stand
        s.wait(r"screenshot saved")
        d = os.path.join(s.home, "data", "vramtop")
        txt = [f for f in os.listdir(d) if f.endswith(".txt")]
        assert len(txt) == 1, txt
        shot = open(os.path.join(d, txt[0])).read()
        assert "PID 858 ·" in shot and "deep allocated" in shot, shot[-800:]
        s.keys("Escape")
        s.keys("Space")
        s.keys("+")  # 8x: the OOM's notice shows for the trace's last 4 s
        s.wait(r"PID 858 ran out of GPU memory on GPU 0", timeout=40)
        assert "trace event:" not in s.text()
    finally:
        s.close()


@case("the terminal goes away (tmux killed): vramtop exits instead of spinning")
def _():
    procs = Procs()
    s = Screen(["-r", "0.5"], env=sim("basic_2gpu.json", procs))
    try:
        s.wait(r"GPU 1")
        shell = tmux("list-panes", "-t", "t", "-F", "#{pane_pid}").stdout.split()[0]
        kids = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        assert kids, "no vramtop under the pane's shell"
        pid = int(kids[0])
        assert os.path.basename(os.readlink("/proc/%d/exe" % pid)) == "vramtop"
        tmux("kill-server", check=False)
        t0 = time.time()
        while os.path.exists("/proc/%d" % pid) and time.time() - t0 < 5:
            stat = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            if stat[0] == "Z":
                break
            time.sleep(0.1)
        alive = os.path.exists("/proc/%d" % pid) and \
            open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] != "Z"
        if alive:
            os.kill(pid, signal.SIGKILL)
        assert not alive, "vramtop still running 5 s after its terminal went away"
    finally:
        s.close()
        procs.close()


@case("the demo shows an OOM warning with its culprit, in bold red, and the culprit row")
def _():
    s = Screen(["--demo", "--speed", "4"])
    try:
        t = s.wait(r"!!! OOM in ~", 20)
        line = [l for l in t.splitlines() if "!!! OOM" in l][0]
        assert re.search(r"PID \d+", line), line
        pid = re.search(r"PID (\d+)", line).group(1)
        rows = [l for l in t.splitlines() if re.search(r"\b%s\b" % pid, l) and "OOM" in l
                and "!!!" not in l]
        assert rows, t
        attrs = tmux("capture-pane", "-t", "t", "-p", "-e").stdout
        esc = [l for l in attrs.splitlines() if "!!! OOM" in l][0]
        assert "\x1b[1m" in esc or ";1m" in esc or "[1;" in esc, repr(esc[:80])
        assert "\x1b[5m" not in esc, "never blinking"
    finally:
        s.close()


sys.exit(run_cases(skip_all=None if shutil.which("tmux") else "no tmux",
                  cleanup=lambda: tmux("kill-server", check=False), max_lines=40))
