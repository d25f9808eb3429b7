#!/usr/bin/env python3
"""test_serve: `vramtop serve` against the NVML simulator -- promtool checks
the exposition, a real Prometheus server on loopback scrapes it during a
simulated leak and answers a PromQL query for the predicted OOM and its
culprit, /healthz and /api/v1/snapshot, hostile peers (slowloris, 1,000
idle connections, a 1 MB request line, unknown paths, other methods) and a
100 scrapes/s load loop while the refresh stays on time. Prints TAP.
usage: test_serve.py VRAMTOP FAKE_NVML_DIR SCENARIO_DIR PROMTOOL PROMETHEUS"""
import http.client, json, os, re, resource, shutil, signal, socket, subprocess, sys
import tempfile, time, urllib.parse, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE, SCEN, PROMTOOL, PROMETHEUS = sys.argv[1:6]


class Serve:
    """vramtop serve on an ephemeral loopback port, with real children as
    the scenario's $PID1 and $PID2."""
    def __init__(self, scenario, args=(), time_scale=None, refresh="0.5", config=None,
                 extra_env=None, pid1_uid=None):
        def drop():  # $PID1 as a second real user (root runs the tests)
            os.setgid(pid1_uid)
            os.setuid(pid1_uid)
        self.kids = [subprocess.Popen(["sleep", "300"],
                                      preexec_fn=drop if i == 0 and pid1_uid else None)
                     for i in range(2)]
        env = dict(os.environ)
        env["VRAMTOP_NVML_LIB"] = os.path.join(FAKE, "libnvidia-ml.so.1")
        env["VRAMTOP_FAKE_NVML_SCENARIO"] = os.path.join(SCEN, scenario)
        env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
        if time_scale is not None:
            env["VRAMTOP_FAKE_NVML_TIME_SCALE"] = str(time_scale)
        for i, k in enumerate(self.kids):
            env[f"PID{i + 1}"] = str(k.pid)
        env.update(extra_env or {})
        cmd = [VT] + (list(args) if args else ["serve"]) + ["--listen", "127.0.0.1:0", "-r",
                                                            refresh]
        if config:
            path = os.path.join(env["XDG_CONFIG_HOME"], "c.toml")
            open(path, "w").write(config)
            self.config = path
            cmd += ["-c", path]
        self.errf = tempfile.TemporaryFile("w+")
        self.outf = tempfile.TemporaryFile("w+")
        self.table_out = None
        self.p = subprocess.Popen(cmd, env=env, stdout=self.outf, stderr=self.errf)
        self.refresh = float(refresh)
        self.port = None
        deadline = time.time() + 10
        while time.time() < deadline and self.port is None:
            self.errf.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/metrics", self.errf.read())
            if m:
                self.port = int(m.group(1))
            elif self.p.poll() is not None:
                break
            else:
                time.sleep(0.05)
        assert self.port, f"no port announced: {self.stderr()}"

    def pid(self, i):
        return self.kids[i - 1].pid

    def stderr(self):
        self.errf.seek(0)
        return self.errf.read()

    def get(self, path, method="GET", timeout=5):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path)
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, r.getheader("Content-Type"), body

    def metrics(self):
        st, ctype, body = self.get("/metrics")
        assert st == 200 and ctype.startswith("text/plain; version=0.0.4"), (st, ctype)
        return body

    def close(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                rc = self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                rc = self.p.wait()
                raise AssertionError("serve did not stop on SIGTERM")
            assert rc == 0, f"exit {rc}: {self.stderr()}"
        for k in self.kids:
            k.kill()
            k.wait()
        self.outf.seek(0)
        self.table_out = self.outf.read()


def samples(text):
    """{(name, frozenset(labels)): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-z_:]+)(?:\{(.*)\})? (\S+)$', line)
        assert m, f"unparsable line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def series(smp, fam, **want):
    return [(dict(l), v) for (n, l), v in smp.items()
            if n == fam and all(dict(l).get(k) == str(x) for k, x in want.items())]


def counter(s, name):
    return series(samples(s.metrics()), name)[0][1]


def wait_for(fn, timeout, what):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
        except OSError as e:  # refused or timed out: try again
            last = e
            continue
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


def promtool_check(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True)
    assert r.returncode == 0, f"promtool: {r.stdout}{r.stderr}"


def oom_standing(s):
    smp = samples(s.metrics())
    return smp if series(smp, "vramtop_gpu_oom_culprit_info") else None


@case("leak: /metrics is promtool-clean with every required family, the OOM range and the culprit")
def _():
    s = Serve("leak.json", time_scale=10)
    try:
        promtool_check(s.metrics())  # before any prediction, too
        smp = wait_for(lambda: oom_standing(s), 20, "a predicted OOM")
        text = s.metrics()
        promtool_check(text)
        smp = samples(text)
        for fam in ["vramtop_gpu_memory_total_bytes", "vramtop_gpu_memory_used_bytes",
                    "vramtop_gpu_memory_free_bytes", "vramtop_gpu_memory_reserved_bytes",
                    "vramtop_gpu_state", "vramtop_gpu_memory_phase", "vramtop_gpu_oom_predicted",
                    "vramtop_gpu_oom_eta_low_seconds", "vramtop_gpu_oom_eta_high_seconds",
                    "vramtop_gpu_oom_confidence_ratio", "vramtop_gpu_oom_culprit_info",
                    "vramtop_process_memory_used_bytes", "vramtop_samples_total",
                    "vramtop_sample_errors_total", "vramtop_gpu_sample_errors_total",
                    "vramtop_scrapes_total", "vramtop_http_errors_total", "vramtop_build_info"]:
            assert series(smp, fam), f"{fam} missing"
        g = dict(gpu=0, uuid="GPU-5ca1ab1e-0000-4000-8000-000000000000",
                 name="NVIDIA A100-SXM4-80GB")
        assert series(smp, "vramtop_gpu_memory_total_bytes", **g)[0][1] == 80 * 2**30
        assert series(smp, "vramtop_gpu_memory_reserved_bytes", **g)[0][1] == 512 * 2**20
        phases = series(smp, "vramtop_gpu_memory_phase", **g)
        assert sorted(l["phase"] for l, _ in phases) == ["growing", "shrinking", "stable",
                                                         "volatile"]
        assert [l["phase"] for l, v in phases if v == 1] == ["growing"], phases
        assert series(smp, "vramtop_gpu_oom_predicted", **g)[0][1] == 1
        lo = series(smp, "vramtop_gpu_oom_eta_low_seconds", **g)[0][1]
        hi = series(smp, "vramtop_gpu_oom_eta_high_seconds", **g)[0][1]
        conf = series(smp, "vramtop_gpu_oom_confidence_ratio", **g)[0][1]
        assert 0 < lo <= hi < 60 and 0 < conf <= 1, (lo, hi, conf)
        culprit = series(smp, "vramtop_gpu_oom_culprit_info", **g)
        assert len(culprit) == 1 and culprit[0][0]["pid"] == str(s.pid(1)), culprit
        assert culprit[0][0]["command"] == "sleep" and culprit[0][0]["user"], culprit
        procs = {l["pid"]: v for l, v in series(smp, "vramtop_process_memory_used_bytes", **g)}
        assert set(procs) == {str(s.pid(1)), str(s.pid(2))}, procs
        assert procs[str(s.pid(2))] == 4 * 2**30 and procs[str(s.pid(1))] > 8 * 2**30, procs
        # the process leaves: its series goes, the other stays
        s.kids[1].kill()
        s.kids[1].wait()
        wait_for(lambda: str(s.pid(2)) not in s.metrics(), 5, "the gone process's series to go")
        assert f'pid="{s.pid(1)}"' in s.metrics()
    finally:
        s.close()


@case("/healthz answers ok, /api/v1/snapshot is the --once --json document, HEAD has no body")
def _():
    s = Serve("basic_2gpu.json")
    try:
        wait_for(lambda: s.get("/healthz")[0] == 200, 5, "healthz 200")
        st, ctype, body = s.get("/healthz")
        assert body == "ok\n", body
        st, ctype, body = s.get("/api/v1/snapshot")
        assert st == 200 and ctype == "application/json", (st, ctype)
        doc = json.loads(body)
        env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
                   VRAMTOP_FAKE_NVML_SCENARIO=os.path.join(SCEN, "basic_2gpu.json"),
                   XDG_CONFIG_HOME=tempfile.mkdtemp())
        once = json.loads(subprocess.run([VT, "--once", "--json"], env=env, capture_output=True,
                                         text=True, check=True).stdout)
        assert doc["version"] == once["version"] == 1
        assert [g["uuid"] for g in doc["gpus"]] == [g["uuid"] for g in once["gpus"]]
        assert set(doc["gpus"][0]) == set(once["gpus"][0]), (doc["gpus"][0], once["gpus"][0])
        st, ctype, body = s.get("/metrics", method="HEAD")
        assert st == 200 and body == "", (st, body)
    finally:
        s.close()


@case("[export] prometheus_max_processes bounds the process series; a GPU lost is state=\"lost\"")
def _():
    s = Serve("leak.json", config="[export]\nprometheus_max_processes = 1\n")
    try:
        smp = wait_for(lambda: samples(s.metrics()) if series(samples(s.metrics()),
                       "vramtop_process_memory_used_bytes") else None, 5, "process series")
        procs = series(smp, "vramtop_process_memory_used_bytes")
        assert len(procs) == 1 and procs[0][0]["pid"] == str(s.pid(1)), procs
        assert series(smp, "vramtop_gpu_processes")[0][1] == 2
        # SIGHUP with a new bound: the next scrape has it
        open(s.config, "w").write("[export]\nprometheus_max_processes = 5\n")
        s.p.send_signal(signal.SIGHUP)
        wait_for(lambda: len(series(samples(s.metrics()),
                                    "vramtop_process_memory_used_bytes")) == 2, 5,
                 "both processes after the reload")
    finally:
        s.close()
    s = Serve("gpu_lost.json", time_scale=1)
    try:
        def lost():
            smp = samples(s.metrics())
            st = [l["gpu"] for l, v in series(smp, "vramtop_gpu_state", state="lost") if v == 1]
            return (st, smp) if st else None
        gpus, smp = wait_for(lost, 20, "a lost GPU")
        for gpu in gpus:
            errs = series(smp, "vramtop_gpu_sample_errors_total", gpu=gpu)[0][1]
            assert errs >= 1, errs
            assert not series(smp, "vramtop_gpu_memory_used_bytes", gpu=gpu)
        promtool_check(s.metrics())
    finally:
        s.close()


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
_full = []


def full_exposition():
    """An exposition holding every family: the leak with its OOM predicted."""
    if not _full:
        s = Serve("leak.json", time_scale=10)
        try:
            wait_for(lambda: oom_standing(s), 20, "a predicted OOM")
            _full.append(s.metrics())
        finally:
            s.close()
    return _full[0]


def emitted():
    """The families and the label names of a full exposition."""
    text = full_exposition()
    fams = set(re.findall(r"^# TYPE (\w+) ", text, re.M))
    labels = set(re.findall(r'[{,](\w+)="', text))
    return fams, labels


def check_names(exprs, fams, what):
    for e in exprs:
        names = set(re.findall(r"\bvramtop_\w+", e))
        assert names or re.search(r"\bup\b", e), f"{what}: no vramtop metric in {e!r}"
        unknown = names - fams
        assert not unknown, f"{what}: {sorted(unknown)} not emitted (in {e!r})"


@case("alerts.yml: promtool check rules, promtool test rules, only emitted metrics")
def _():
    rules = os.path.join(ROOT, "contrib", "prometheus", "alerts.yml")
    r = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True)
    assert r.returncode == 0 and "SUCCESS: 5 rules" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([PROMTOOL, "test", "rules", "alerts_test.yml"], capture_output=True,
                       text=True, cwd=os.path.dirname(os.path.abspath(__file__)))
    assert r.returncode == 0 and "SUCCESS" in r.stdout, r.stdout + r.stderr
    text = open(rules).read()
    exprs = re.findall(r"expr: \|\n((?:          .*\n)+)|expr: (.*)\n", text)
    exprs = [a or b for a, b in exprs]
    assert len(exprs) == 5, exprs
    fams, _ = emitted()
    check_names(exprs, fams, "alerts.yml")


@case("grafana dashboard: valid JSON, every expression and legend names only what serve emits")
def _():
    dash = json.load(open(os.path.join(ROOT, "contrib", "grafana", "vramtop.json")))
    fams, labels = emitted()
    labels |= {"instance", "job"}  # added by Prometheus
    exprs, legends = [], []
    for p in dash["panels"]:
        assert p.get("targets"), f"panel {p.get('title')} has no query"
        for t in p["targets"]:
            exprs.append(t["expr"])
            legends.append(t.get("legendFormat", ""))
    for v in dash["templating"]["list"]:
        if v["type"] == "query":
            exprs.append(v["query"]["query"])
    assert len(exprs) >= 8, exprs
    check_names(exprs, fams, "dashboard")
    for e in exprs:
        for used in re.findall(r"(?:by|on)\s*\(([^)]*)\)|(\w+)=~?\"", e):
            for name in re.split(r"[,\s]+", used[0] or used[1]):
                assert not name or name in labels, f"label {name!r} not emitted (in {e!r})"
    for lf in legends:
        for name in re.findall(r"\{\{(\w+)\}\}", lf):
            assert name in labels, f"legend label {name!r} not emitted"


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


@case("a real Prometheus scrapes serve during the leak; PromQL finds the OOM on GPU 0 and its culprit")
def _():
    s = Serve("leak.json", time_scale=10)
    d = tempfile.mkdtemp()
    port = free_port()
    cfg = os.path.join(d, "prometheus.yml")
    open(cfg, "w").write(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: vramtop\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{s.port}']\n")
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={d}/data",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def query(q):
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    doc = json.load(r)
            except OSError:
                return None
            assert doc["status"] == "success", doc
            return doc["data"]["result"]
        q = ("vramtop_gpu_oom_culprit_info * on(instance, gpu) group_left "
             "vramtop_gpu_oom_eta_high_seconds < 600")
        res = wait_for(lambda: query(q), 40, "PromQL to see the predicted OOM")
        assert len(res) == 1, res
        m = res[0]["metric"]
        assert m["gpu"] == "0" and m["pid"] == str(s.pid(1)), m
        assert 0 < float(res[0]["value"][1]) < 600, res
        up = query('up{job="vramtop"}')
        assert up and up[0]["value"][1] == "1", up
    finally:
        prom.terminate()
        prom.wait(10)
        s.close()
        shutil.rmtree(d, ignore_errors=True)


def ticks_during(s, seconds, fn):
    """Runs fn for `seconds`; returns (samples taken, samples expected)."""
    before = counter(s, "vramtop_samples_total")
    t0 = time.time()
    fn()
    while time.time() - t0 < seconds:
        time.sleep(0.05)
    el = time.time() - t0
    after = counter(s, "vramtop_samples_total")
    return after - before, el / s.refresh


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


@case("hostile peers: unknown paths 404, other methods 405, a 1 MB request line refused")
def _():
    s = Serve("basic_2gpu.json")
    try:
        for path in ["/nope", "/metrics/", "/../etc/passwd", "/api/v1/snapshot2"]:
            assert s.get(path)[0] == 404, path
        for method in ["POST", "PUT", "DELETE", "OPTIONS"]:
            st, _, _ = s.get("/metrics", method=method)
            assert st == 405, (method, st)
        assert counter(s, "vramtop_http_errors_total") == 8
        so = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        try:
            so.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed before it was all sent: refused, too
        try:
            answer = so.recv(200)
        except ConnectionResetError:
            answer = b""
        so.close()
        assert answer == b"" or re.match(rb"HTTP/1\.1 (414|431|400)", answer), answer
        assert s.get("/healthz")[0] == 200
    finally:
        s.close()


@case("hostile peers: a slowloris is timed out and 1,000 idle connections do not stop the "
      "refresh or, once they time out, the scrapes")
def _():
    raise_nofile(4096)
    s = Serve("basic_2gpu.json")
    try:
        wait_for(lambda: counter(s, "vramtop_samples_total") > 0, 5, "a sample")
        # slowloris: headers one byte at a time, never finished
        slow = socket.create_connection(("127.0.0.1", s.port))
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: " + b"b" * 4000
        t0 = time.time()
        closed = False
        for i in range(len(req)):
            try:
                slow.sendall(req[i:i + 1])
                if i % 10 == 0:  # a normal scrape goes through meanwhile
                    assert s.get("/healthz")[0] == 200
                time.sleep(0.01)
                if time.time() - t0 > 1.0:  # then it goes quiet
                    slow.settimeout(15)
                    closed = slow.recv(100) == b""
                    break
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        waited = time.time() - t0
        slow.close()
        assert closed and waited < 12, (closed, waited)

        # 1,000 idle connections: the first SERVE_MAX_CONNS are held until they
        # time out, the rest closed on accept; the refresh goes on meanwhile
        before = counter(s, "vramtop_samples_total")
        t0 = time.time()
        idle = []
        for _ in range(1000):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", s.port))
            idle.append(c)
        time.sleep(3)
        for c in idle:
            c.close()
        wait_for(lambda: s.get("/healthz", timeout=2)[0] == 200, 10, "a scrape after the flood")
        got = counter(s, "vramtop_samples_total") - before
        want = (time.time() - t0) / s.refresh
        assert got >= want - 1.5, f"{got} samples in {want:.1f} refreshes"
    finally:
        s.close()


@case("100 scrapes a second for 3 s on loopback: every one answered, the refresh on time")
def _():
    s = Serve("leak.json", time_scale=1)
    try:
        wait_for(lambda: counter(s, "vramtop_samples_total") > 0, 5, "a sample")
        stats = {"ok": 0, "bad": 0}

        def load():
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
            t0 = time.time()
            for i in range(300):
                wait = t0 + i / 100.0 - time.time()
                if wait > 0:
                    time.sleep(wait)
                c.request("GET", "/metrics")
                r = c.getresponse()
                body = r.read()
                stats["ok" if r.status == 200 and b"vramtop_gpu_memory_used_bytes" in body
                      else "bad"] += 1
            c.close()
            stats["rate"] = 300 / (time.time() - t0)
        got, want = ticks_during(s, 3.0, load)
        assert stats["ok"] == 300 and stats["bad"] == 0, stats
        # the pace is the Python client's: on a loaded 2-core VM it falls a little short
        assert stats["rate"] >= 80, stats
        assert got >= want - 1.5, f"{got} samples in {want:.1f} refreshes"
        print(f"# 300 scrapes at {stats['rate']:.0f}/s; {got:.0f} samples in {want:.1f} "
              "refresh intervals")
    finally:
        s.close()


@case("another user's leaking process: its pid and user are exported, never its name")
def _():
    if os.getuid() != 0:
        raise AssertionError("needs root to start a process as another user")
    import pwd
    nobody = pwd.getpwnam("nobody")
    for show, want in ((False, ""), (True, "python3")):
        s = Serve("leak.json", time_scale=10, pid1_uid=nobody.pw_uid,
                  args=["serve", "--show-other-users"] if show else None)
        try:
            smp = wait_for(lambda: oom_standing(s), 20, "a predicted OOM")
            c = series(smp, "vramtop_gpu_oom_culprit_info")
            assert len(c) == 1 and c[0][0]["pid"] == str(s.pid(1)), c
            # root is not widened: the name is NVML's only when asked for
            assert c[0][0]["user"] == "nobody" and c[0][0]["command"] == want, (show, c)
            mine = series(smp, "vramtop_process_memory_used_bytes", pid=s.pid(2))
            assert mine and mine[0][0]["command"] == "sleep", mine
        finally:
            s.close()


@case("--serve beside the plain table: the table on stdout, the metrics on the port")
def _():
    s = Serve("basic_2gpu.json", args=["--serve", "--plain"])
    try:
        wait_for(lambda: counter(s, "vramtop_samples_total") >= 2, 5, "two samples")
        assert series(samples(s.metrics()), "vramtop_gpu_memory_total_bytes")
    finally:
        s.close()
    assert s.table_out and "NVIDIA H200" in s.table_out, s.table_out


@case("bad --listen: exit 2 with the reason; a port in use: exit 1 with the reason")
def _():
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=os.path.join(SCEN, "basic_2gpu.json"),
               XDG_CONFIG_HOME=tempfile.mkdtemp())
    for bad in ["localhost:9400", "127.0.0.1", "127.0.0.1:70000", "[::1:9400", "1.2.3.4:x"]:
        r = subprocess.run([VT, "serve", "--listen", bad], env=env, capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and "--listen wants" in r.stderr, (bad, r.returncode, r.stderr)
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        so.listen()
        port = so.getsockname()[1]
        r = subprocess.run([VT, "serve", "--listen", f"127.0.0.1:{port}"], env=env,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "cannot listen" in r.stderr, (r.returncode, r.stderr)
    r = subprocess.run([VT, "--once", "--serve"], env=env, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "exporter" in r.stderr, r.stderr


class Receiver:
    """A webhook receiver on loopback: records every POST; answers 500 to
    the first `fail` of them, and waits `delay` seconds before answering."""
    def __init__(self, fail=0, delay=0.0):
        import http.server, threading
        self.posts, self.auth, self.fail, self.delay = [], [], fail, delay
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                rec.posts.append((time.time(), self.headers.get("Content-Type"),
                                  json.loads(body)))
                rec.auth.append(self.headers.get("Authorization"))
                time.sleep(rec.delay)
                code = 500 if len(rec.posts) <= rec.fail else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/hook"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def events(self, kind):
        return [p for _, _, p in self.posts if p.get("event") == kind]

    def close(self):
        self.srv.shutdown()


@case("webhook: one POST per OOM warning, with a Slack text and the culprit, retried after a 500")
def _():
    rec = Receiver(fail=1)
    s = Serve("leak.json", time_scale=10, extra_env={"VRAMTOP_WEBHOOK_URL": rec.url,
                                                     "VRAMTOP_WEBHOOK_TOKEN": "s3cret"})
    try:
        wait_for(lambda: len(rec.posts) >= 2, 25, "the warning and its retry")
        assert rec.auth[:2] == ["Bearer s3cret"] * 2, rec.auth
        time.sleep(4)  # the warning still stands: nothing more is sent
        ev = rec.events("oom_warning")
        assert len(ev) == 2 and ev[0] == ev[1], rec.posts  # the 500, then the same again
        t0, t1 = rec.posts[0][0], rec.posts[1][0]
        assert 0.8 <= t1 - t0 <= 3, t1 - t0  # retried after about 1 s
        assert rec.posts[0][1] == "application/json"
        p = ev[0]
        assert p["gpu"] == 0 and p["culprit"]["pid"] == s.pid(1), p
        assert 0 < p["eta_low_s"] <= p["eta_high_s"] <= 300 and 0.3 <= p["confidence"] <= 1, p
        assert "GPU 0" in p["text"] and f"pid {s.pid(1)}" in p["text"], p["text"]
        assert not rec.events("gpu_lost")
    finally:
        s.close()
        rec.close()


@case("webhook: a lost GPU is announced once; a receiver that hangs does not delay the refresh")
def _():
    rec = Receiver(delay=8)
    s = Serve("gpu_lost.json", time_scale=1, extra_env={"VRAMTOP_WEBHOOK_URL": rec.url})
    try:
        wait_for(lambda: rec.posts, 10, "the lost GPU's POST")
        t0 = time.time()
        before = counter(s, "vramtop_samples_total")
        assert time.time() - t0 < 1, "a scrape waited for the webhook"
        time.sleep(3)
        got = counter(s, "vramtop_samples_total") - before
        want = (time.time() - t0) / s.refresh
        assert got >= want - 1.5, f"{got} samples in {want:.1f} refreshes"
        ev = rec.events("gpu_lost")
        assert len(ev) == 1 and ev[0]["gpu"] == 1 and "lost" in ev[0]["text"], rec.posts
    finally:
        s.close()
        rec.close()


@case("webhook: a URL that is not http(s) is refused with a message; the exporter still runs")
def _():
    s = Serve("basic_2gpu.json", extra_env={"VRAMTOP_WEBHOOK_URL": "file:///etc/passwd"})
    try:
        assert "webhooks off" in s.stderr() and "http" in s.stderr(), s.stderr()
        assert s.get("/healthz")[0] in (200, 503)
    finally:
        s.close()


sys.exit(run_cases())
