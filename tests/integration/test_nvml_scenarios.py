#!/usr/bin/env python3
"""test_nvml_scenarios: the real vramtop binary against the NVML simulator,
one scenario per failure mode of SPEC §8 that touches NVML, plus the config
failure modes (corrupt at start, SIGHUP reload). Prints TAP.
usage: test_nvml_scenarios.py VRAMTOP FAKE_NVML_DIR FAKE_NVML_OLD_DIR SCENARIO_DIR"""
import json, os, signal, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE, FAKE_OLD, SCEN = sys.argv[1:5]
# run inside a PID namespace of its own (a container without --pid=host),
# vramtop takes NVML's PIDs for the host's and keeps rows /proc cannot show
ISOLATED = os.readlink("/proc/self/ns/pid") != "pid:[4026531836]"


class Procs:
    """Real child processes (sleep) whose PIDs the scenarios name as $PIDn."""
    def __init__(self, n=3):
        self.p = [subprocess.Popen(["sleep", "120"]) for _ in range(n)]

    def env(self):
        return {f"PID{i + 1}": str(p.pid) for i, p in enumerate(self.p)}

    def pid(self, i):
        return self.p[i - 1].pid

    def close(self):
        for p in self.p:
            p.kill()
            p.wait()


def run(scenario, args, procs=None, lib=FAKE, extra_env=None, timeout=20):
    env = dict(os.environ)
    env["VRAMTOP_NVML_LIB"] = os.path.join(lib, "libnvidia-ml.so.1")
    env["VRAMTOP_FAKE_NVML_SCENARIO"] = os.path.join(SCEN, scenario)
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # never the developer's config
    if procs:
        env.update(procs.env())
    if extra_env:
        env.update(extra_env)
    return subprocess.run([VT] + args, env=env, capture_output=True, text=True, timeout=timeout)


def once_json(scenario, procs=None, lib=FAKE):
    r = run(scenario, ["--once", "--json"], procs, lib)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return json.loads(r.stdout), r


def starttime(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])


def expect_init_failure(scenario, word):
    r = run(scenario, ["--once"])
    assert r.returncode == 2, f"exit {r.returncode}"
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 2, f"want one sentence and the hint, got {lines}"
    assert word in lines[0].lower(), lines[0]
    assert "vramtop --demo" in lines[1], lines[1]
    assert r.stdout == "", r.stdout


@case("init fails: driver not loaded -> one sentence, hint, exit 2")
def _():
    expect_init_failure("init_nodriver.json", "driver")


@case("init fails: library/driver version mismatch -> exit 2")
def _():
    expect_init_failure("init_mismatch.json", "version")


@case("init fails: no permission -> exit 2")
def _():
    expect_init_failure("init_noperm.json", "permission")


@case("a hung nvmlInit: Ctrl-C (SIGINT) stops vramtop at once, live table and --once")
def _():
    # not a shipped scenario: the simulator's own tests init every one of those
    d = tempfile.mkdtemp()
    scen = os.path.join(d, "init_hang.json")
    json.dump({"comment": "nvmlInit hangs for 30 s (a wedged driver): Ctrl-C must stop "
               "vramtop at once, so no signal may be blocked during init.",
               "latency_us": {"nvmlInit": 30000000}, "gpus": [{"name": "NVIDIA H200"}]},
              open(scen, "w"))
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=scen, XDG_CONFIG_HOME=d)
    for args in (["--once"], ["--plain"]):
        p = subprocess.Popen([VT] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(1.0)
            assert p.poll() is None, "init should still hang (the scenario sleeps 30 s)"
            t0 = time.time()
            p.send_signal(signal.SIGINT)
            p.wait(3)
            assert time.time() - t0 < 2, "SIGINT took %.1f s" % (time.time() - t0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


@case("no NVML library at all -> exit 2 with a hint")
def _():
    r = run("basic_2gpu.json", ["--once"], lib="/nonexistent")
    assert r.returncode == 2 and "--demo" in r.stderr, (r.returncode, r.stderr)


def check_basic(d, procs, v2):
    assert d["version"] == 1 and d["driver_version"] == "550.54.15", d["driver_version"]
    g0, g1 = d["gpus"]
    assert [g["state"] for g in d["gpus"]] == ["ok", "ok"]
    assert g0["memory"]["total"] == 143771 * 2**20, g0["memory"]
    assert g0["fan_percent"] is None, "a fan the GPU lacks must be null, not 0"
    assert (g0["memory"]["reserved"] is not None) == v2, g0["memory"]
    rows = {p["pid"]: p for g in d["gpus"] for p in g["processes"]}
    assert len(rows) == 3 and len(g0["processes"]) == 2, rows
    p1, p2, p3 = (rows[procs.pid(i)] for i in (1, 2, 3))
    assert p1["used"] == 20 * 2**30 and p2["used"] == 4 * 2**30 and p3["used"] == 30 * 2**30
    assert p2["type"] == "compute+graphics" and p1["type"] == "compute", (p1, p2)
    for i, p in ((1, p1), (2, p2), (3, p3)):
        assert p["starttime"] == starttime(procs.pid(i)), (p, starttime(procs.pid(i)))
        assert p["name"] == "sleep" and p["user"], p


@case("two GPUs, compute+graphics merged by PID, identity from /proc")
def _():
    procs = Procs()
    try:
        d, _ = once_json("basic_2gpu.json", procs)
        check_basic(d, procs, v2=True)
    finally:
        procs.close()


@case("old driver library: v1 symbols only, same rows, reserved null")
def _():
    procs = Procs()
    try:
        d, _ = once_json("basic_2gpu.json", procs, lib=FAKE_OLD)
        check_basic(d, procs, v2=False)
    finally:
        procs.close()


@case("table output names the processes and the compute+graphics type")
def _():
    procs = Procs()
    try:
        r = run("basic_2gpu.json", ["--once"], procs)
        assert r.returncode == 0, r.stderr
        assert "compute+graphics" in r.stdout and "20.0 GiB" in r.stdout, r.stdout
        assert str(procs.pid(3)) in r.stdout
    finally:
        procs.close()


@case("GPU lost: marked lost with null memory, the other GPU stays live")
def _():
    procs = Procs()
    try:
        d, r = once_json("gpu_lost.json", procs)
        assert [g["state"] for g in d["gpus"]] == ["ok", "lost"], d["gpus"]
        lost = d["gpus"][1]
        assert lost["memory"]["used"] is None and lost["memory"]["total"] is None
        assert lost["error"], lost
        assert d["gpus"][0]["memory"]["used"] > 0
    finally:
        procs.close()


@case("driver UNKNOWN twice: retried, GPU stays ok")
def _():
    procs = Procs()
    try:
        d, _ = once_json("unknown_recovers.json", procs)
        assert [g["state"] for g in d["gpus"]] == ["ok", "ok"], [g["error"] for g in d["gpus"]]
        assert d["gpus"][0]["memory"]["used"] == 12 * 2**30
    finally:
        procs.close()


@case("driver UNKNOWN persistently: GPU errored, others live, recovers later")
def _():
    procs = Procs()
    try:
        r = run("unknown_errors.json", ["--json-stream", "--duration", "2", "-r", "0.5"], procs)
        assert r.returncode == 0, r.stderr
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        assert len(lines) >= 4, r.stdout
        first = lines[0]["gpus"]
        assert first[0].get("state") == "error" and first[1].get("state", "ok") == "ok", first
        assert "used" not in first[0] or first[0]["used"] is None, "an errored GPU has no numbers"
        assert first[1]["used"] == 3 * 2**30
        last = lines[-1]["gpus"]
        assert last[0].get("state", "ok") == "ok" and last[0]["used"] == 12 * 2**30, last
    finally:
        procs.close()


@case("INSUFFICIENT_SIZE: buffers grow, every process listed once")
def _():
    procs = Procs()
    try:
        d, r = once_json("insufficient_size.json", procs)
        rows = {p["pid"]: p for g in d["gpus"] for p in g["processes"]}
        assert len(rows) == 3, rows
        assert rows[procs.pid(1)]["type"] == "compute+graphics"
        assert r.stderr == "", r.stderr
    finally:
        procs.close()


@case("driver 535 _v3 stride: exact values read")
def _():
    procs = Procs()
    try:
        d, _ = once_json("stride535.json", procs)
        used = sorted((p["used"] >> 30 for g in d["gpus"] for p in g["processes"]), reverse=True)
        assert used == [20, 10, 5], used
    finally:
        procs.close()


@case("MPS clients listed once and badged")
def _():
    procs = Procs()
    try:
        d, _ = once_json("mps.json", procs)
        rows = {p["pid"]: p for g in d["gpus"] for p in g["processes"]}
        assert len(rows) == 3, rows
        assert rows[procs.pid(2)]["mps"] and rows[procs.pid(3)]["mps"], rows
        assert not rows[procs.pid(1)]["mps"]
    finally:
        procs.close()


@case("a process that vanished is removed silently")
def _():
    procs = Procs()
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        env = procs.env()
        env["PID3"] = str(dead.pid)
        r = run("basic_2gpu.json", ["--once", "--json"], extra_env=env)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        pids = {p["pid"] for g in json.loads(r.stdout)["gpus"] for p in g["processes"]}
        assert procs.pid(1) in pids, pids
        assert (dead.pid in pids) == ISOLATED, (pids, ISOLATED)
    finally:
        procs.close()


@case("hostile process name is sanitised in table and JSON")
def _():
    # a same-user process whose comm holds an escape sequence and newline
    # comm is the executable's file name: make one with an escape and a newline
    d = tempfile.mkdtemp()
    exe = os.path.join(d, "ev\x1b[31mil\nnm")
    os.symlink("/bin/sleep", exe)
    p = subprocess.Popen([exe, "60"])
    try:
        time.sleep(0.2)
        assert "\x1b" in open(f"/proc/{p.pid}/comm").read(), "the test needs a hostile comm"
        env = {"PID1": str(p.pid), "PID2": str(p.pid), "PID3": str(p.pid)}
        r = run("basic_2gpu.json", ["--once"], extra_env=env)
        assert "\x1b" not in r.stdout and "il\nname" not in r.stdout, repr(r.stdout)
        r = run("basic_2gpu.json", ["--once", "--json"], extra_env=env)
        names = {q["name"] for g in json.loads(r.stdout)["gpus"] for q in g["processes"]}
        assert all(n and "\x1b" not in n and "\n" not in n for n in names), names
    finally:
        p.kill()
        p.wait()


@case("corrupt config at start: defaults, FILE:LINE on stderr, still runs")
def _():
    procs = Procs()
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("[general]\nrefresh_rate = 2.0\nrefresh_rat = 3\n")
        r = run("basic_2gpu.json", ["--once", "--config", f.name], procs)
        assert r.returncode == 0, r.stderr
        assert f"{f.name}:3:" in r.stderr and "defaults" in r.stderr, r.stderr
        assert "refresh_rate" in r.stderr, "a did-you-mean for the typo"
    finally:
        procs.close()


@case("SIGHUP: a bad file keeps the running config, a good one is applied")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    cfg = os.path.join(d, "config.toml")
    open(cfg, "w").write("[general]\nrefresh_rate = 0.5\n")
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=os.path.join(SCEN, "basic_2gpu.json"), **procs.env())
    err = open(os.path.join(d, "err"), "w+")
    vt = subprocess.Popen([VT, "--json-stream", "--config", cfg], env=env,
                          stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        # the first sample means the loop runs and its signals are blocked
        assert json.loads(vt.stdout.readline())["gpus"], "no first sample"
        open(cfg, "w").write("[general]\nrefresh_rate = 99\n")
        vt.send_signal(signal.SIGHUP)
        vt.stdout.readline()  # a tick after the reload was handled
        vt.stdout.readline()
        open(cfg, "w").write("[general]\nrefresh_rate = 2.0\n")
        vt.send_signal(signal.SIGHUP)
        vt.stdout.readline()
        vt.stdout.readline()
        assert vt.poll() is None, "vramtop must keep running across reloads"
        vt.send_signal(signal.SIGTERM)
        assert vt.wait(5) == 0
        err.seek(0)
        text = err.read()
        lines = text.splitlines()
        assert any("keeping the running config" in l and f"{cfg}:2:" in l for l in lines), text
        assert any("reloaded" in l and "general.refresh_rate" in l for l in lines), text
    finally:
        if vt.poll() is None:
            vt.kill()
        procs.close()


@case("--export-csv: header once, GPU and process rows with phase, mode 0600")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    csv_path = os.path.join(d, "log.csv")
    try:
        for _ in range(2):  # a second run appends without a second header
            r = run("basic_2gpu.json", ["--export-csv", csv_path, "--json-stream",
                                        "--duration", "1", "-r", "0.5"], procs)
            assert r.returncode == 0, r.stderr
        assert os.stat(csv_path).st_mode & 0o777 == 0o600, oct(os.stat(csv_path).st_mode)
        import csv
        rows = list(csv.reader(open(csv_path)))
        assert rows[0][:3] == ["time", "kind", "gpu"], rows[0]
        assert sum(1 for r_ in rows if r_[0] == "time") == 1, "header written once"
        head = rows[0]
        body = [dict(zip(head, r_)) for r_ in rows[1:]]
        gpus = [b for b in body if b["kind"] == "gpu"]
        procs_rows = [b for b in body if b["kind"] == "process"]
        assert len(gpus) >= 6 and len(procs_rows) >= 9, (len(gpus), len(procs_rows))
        assert all(b["phase"] in ("stable", "growing", "shrinking", "volatile") for b in gpus)
        assert {b["pid"] for b in procs_rows} == {str(procs.pid(i)) for i in (1, 2, 3)}
        assert all(b["name"] == "sleep" for b in procs_rows)
    finally:
        procs.close()


@case("record FILE: private file, trace lines that replay reads back")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "rec.jsonl")
    try:
        r = run("basic_2gpu.json", ["record", path, "--duration", "1", "-r", "0.5"], procs)
        assert r.returncode == 0 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
        assert os.stat(path).st_mode & 0o777 == 0o600
        lines = [json.loads(l) for l in open(path)]
        assert len(lines) >= 2, lines
        first = lines[0]
        assert [g["i"] for g in first["gpus"]] == [0, 1]
        assert first["gpus"][0]["used"] == 24 * 2**30
        mine = {p["pid"] for p in first["procs"]}
        assert mine == {procs.pid(i) for i in (1, 2, 3)}, mine
        r = run("basic_2gpu.json", ["replay", path, "--speed", "100"], procs)
        assert r.returncode == 0 and "compute+graphics" in r.stdout, r.stderr
    finally:
        procs.close()


@case("SIGHUP: prediction keys apply (prediction restarts), restart-only keys are named and kept")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    cfg = os.path.join(d, "config.toml")
    open(cfg, "w").write("[general]\nrefresh_rate = 0.5\n")
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=os.path.join(SCEN, "basic_2gpu.json"), **procs.env())
    err = open(os.path.join(d, "err"), "w+")
    vt = subprocess.Popen([VT, "--export-csv", os.path.join(d, "x.csv"), "--json-stream",
                           "--config", cfg], env=env, stdout=subprocess.PIPE, stderr=err,
                          text=True)
    try:
        assert json.loads(vt.stdout.readline())["gpus"], "no first sample"
        open(cfg, "w").write("[general]\nrefresh_rate = 0.5\nhistory_length = 50\n"
                             "[display]\nshow_other_users = true\n"
                             "[oom_prediction]\nalgorithm = \"variance\"\n"
                             "min_sustained_samples = 5\n")
        vt.send_signal(signal.SIGHUP)
        vt.stdout.readline()
        vt.stdout.readline()
        vt.send_signal(signal.SIGTERM)
        assert vt.wait(5) == 0
        err.seek(0)
        text = err.read()
        line = [l for l in text.splitlines() if "reloaded" in l]
        assert line, text
        applied, _, kept = line[0].partition("needs a restart")
        assert "oom_prediction.algorithm" in applied and "min_sustained_samples" in applied, text
        assert "prediction restarted" in applied, text
        assert "general.history_length" in kept and "display.show_other_users" in kept, text
        assert "history_length" not in applied and "show_other_users" not in applied, text
    finally:
        if vt.poll() is None:
            vt.kill()
        procs.close()


@case("record: appends to a trace, refuses another file (unless --force), a symlink, keeps it 0600")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "rec.jsonl")
    args = ["--duration", "0.5", "-r", "0.5"]
    try:
        r = run("basic_2gpu.json", ["record", path] + args, procs)
        assert r.returncode == 0, r.stderr
        n1 = len(open(path).readlines())
        os.chmod(path, 0o644)
        r = run("basic_2gpu.json", ["record", path] + args, procs)
        assert r.returncode == 0, r.stderr
        assert len(open(path).readlines()) > n1, "a trace is appended to"
        assert os.stat(path).st_mode & 0o777 == 0o600, oct(os.stat(path).st_mode)
        other = os.path.join(d, "notes.txt")
        open(other, "w").write("my notes\n")
        r = run("basic_2gpu.json", ["record", other] + args, procs)
        assert r.returncode != 0 and "not a vramtop trace" in r.stderr, r.stderr
        assert open(other).read() == "my notes\n", "refused means untouched"
        r = run("basic_2gpu.json", ["record", other, "--force"] + args, procs)
        assert r.returncode == 0 and open(other).read().startswith('{"t":'), r.stderr
        target = os.path.join(d, "target")
        open(target, "w").write("keep\n")
        link = os.path.join(d, "link.jsonl")
        os.symlink(target, link)
        r = run("basic_2gpu.json", ["record", link, "--force"] + args, procs)
        assert r.returncode != 0 and "symbolic link" in r.stderr, r.stderr
        assert open(target).read() == "keep\n"
    finally:
        procs.close()


@case("record on a full disk: exit 1, the reason, no half line")
def _():
    procs = Procs()
    try:
        r = run("basic_2gpu.json", ["record", "/dev/full", "--duration", "2", "-r", "0.5"], procs)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "record:" in r.stderr and "No space left" in r.stderr, r.stderr
    finally:
        procs.close()


@case("GPU lost and back: marked lost, retried, shown again with its processes; GPU 0 never stops")
def _():
    procs = Procs()
    try:
        r = run("gpu_lost_back.json", ["--json-stream", "--duration", "9", "-r", "0.5"], procs)
        assert r.returncode == 0, r.stderr
        samples = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        states = [s["gpus"][1]["state"] for s in samples]
        assert all(s["gpus"][0]["state"] == "ok" for s in samples), "GPU 0 must stay live"
        assert states[0] == "ok" and "lost" in states, states
        back = len(states) - states[::-1].index("lost")  # first sample after the last lost one
        assert back < len(states) and all(x == "ok" for x in states[back:]), states
        last = samples[-1]["gpus"][1]
        assert last["total"] and last["used"] == 4 << 30, last
        assert all("used" not in s["gpus"][1] for s in samples if s["gpus"][1]["state"] == "lost")
        pids = [p["pid"] for p in samples[-1]["procs"] if p["gpu"] == 1]
        assert procs.pid(2) in pids, samples[-1]["procs"]
    finally:
        procs.close()


@case("CSV: a lost GPU's phase and rate are empty, never stable,0.000")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    csv_path = os.path.join(d, "log.csv")
    try:
        r = run("gpu_lost.json", ["--export-csv", csv_path, "--json-stream", "--duration", "1",
                                   "-r", "0.5"], procs)
        assert r.returncode == 0, r.stderr
        import csv
        rows = list(csv.DictReader(open(csv_path)))
        lost = [x for x in rows if x["kind"] == "gpu" and x["gpu"] == "1"]
        ok = [x for x in rows if x["kind"] == "gpu" and x["gpu"] == "0"]
        assert lost and all(x["state"] == "lost" for x in lost), lost
        assert all(x["phase"] == "" and x["rate_mb_s"] == "" for x in lost), lost
        assert all(x["phase"] == "stable" for x in ok), ok
    finally:
        procs.close()


@case("options: meaningless combinations and out-of-range values are refused with a reason")
def _():
    for args, word in ((["--json"], "--once"), (["--once", "--json-stream"], "--once"),
                       (["replay", "x", "--speed", "1e-30"], "--speed"),
                       (["replay", "x", "--speed", "nan"], "--speed"),
                       (["--speed", "2"], "replay"), (["--force"], "record"),
                       (["--duration", "1e300"], "--duration")):
        r = run("basic_2gpu.json", args)
        assert r.returncode == 2 and word in r.stderr, (args, r.returncode, r.stderr)


@case("impossible values: util 240 % is null in --once --json and record, and analyze reads the trace")
def _():
    procs = Procs()
    d = tempfile.mkdtemp()
    scen = json.load(open(os.path.join(SCEN, "basic_2gpu.json")))
    scen["gpus"][0]["utilization_gpu"] = 240
    bad = os.path.join(d, "util240.json")
    json.dump(scen, open(bad, "w"))
    path = os.path.join(d, "rec.jsonl")
    try:
        doc, _ = once_json(bad, procs)
        g0 = doc["gpus"][0]
        assert g0["utilization"].get("gpu_percent") is None, g0
        assert g0["utilization"]["memory_percent"] == 30, g0
        r = run(bad, ["record", path, "--duration", "1", "-r", "0.5"], procs)
        assert r.returncode == 0, r.stderr
        assert '"util_gpu":240' not in open(path).read()
        r = subprocess.run([VT, "analyze", path], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.count('"gpu":0,"phase"') >= 1, r.stderr
        assert "skipped" not in r.stderr, r.stderr
    finally:
        procs.close()


@case("--json-stream never stalls the loop: a reader that stops is given up on, exit 1, said")
def _():
    leak = os.path.join(os.path.dirname(SCEN), "..", "..", "examples", "leak_oom.jsonl.gz")
    d = tempfile.mkdtemp()
    big = os.path.join(d, "x3.jsonl")
    import gzip
    lines = gzip.open(leak, "rt").readlines()
    open(big, "w").writelines(lines * 3)
    r, w = os.pipe()  # nobody reads r: the pipe fills after ~64 KiB
    vt = subprocess.Popen([VT, "replay", big, "--speed", "1000000", "--json-stream"],
                          stdout=w, stderr=subprocess.PIPE, text=True)
    os.close(w)
    t0 = time.time()
    try:
        rc = vt.wait(8)
        err = vt.stderr.read()
        assert rc == 1 and "took nothing" in err, (rc, err)
        assert time.time() - t0 < 6, time.time() - t0
    finally:
        if vt.poll() is None:
            vt.kill()
        os.close(r)


sys.exit(run_cases())
