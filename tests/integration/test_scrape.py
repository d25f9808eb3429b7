#!/usr/bin/env python3
"""test_scrape: inference-server scraping end to end -- the real vramtop
binary (--once --json) against the NVML simulator, whose GPU processes are
fake servers this test starts on loopback: vLLM (its HTTP front the parent of
the EngineCore worker that holds the GPU, current and v0 metric names),
SGLang, Ollama, llama.cpp and TGI serving real-shaped fixtures, and hostile
servers, all in one run: each hostile one gets `error` set while its row and
every other process stay whole, and the run is not delayed beyond the
timeout. SGLang's /metrics and llama.cpp's /slots are second endpoints, asked
after the first. Prints TAP.
usage: test_scrape.py VRAMTOP FAKE_NVML_DIR FIXTURE_DIR"""
import json, os, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import case, run_cases  # noqa: E402 -- found through the path above

VT, FAKE, FIX = sys.argv[1:4]
HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_server.py")
TIMEOUT_MS = 2000  # generous: the fake servers are Python on a shared, loaded machine


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def stand_in(tmp, module):
    """A package on PYTHONPATH so that `python3 -m MODULE` runs the fake server."""
    parts = module.split(".")
    d = os.path.join(tmp, "pkg")
    for i in range(len(parts) - 1):
        d = os.path.join(d, parts[i])
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "__init__.py"), "a").close()
    with open(os.path.join(d, parts[-1] + ".py"), "w") as f:
        f.write(f"import sys\nsys.path.insert(0, {HERE!r})\nimport fake_server\n"
                "fake_server.main(sys.argv[1:])\n")
    return os.path.join(tmp, "pkg")


class Servers:
    def __init__(self):
        self.tmp = tempfile.mkdtemp()
        self.procs = []

    def start(self, fw, mode, fixture, port, child=False):
        if "=" in fixture:  # PATH=FILE,...: an endpoint each
            fixture = ",".join(f"{p}={f if f.startswith('!') else os.path.join(FIX, f)}"
                               for p, f in (kv.split("=", 1) for kv in fixture.split(",")))
        elif fixture != "-":
            fixture = os.path.join(FIX, fixture)
        args = [mode, fixture, str(port)]
        if child:
            args.append("--child")
        env = dict(os.environ)
        if fw in ("vllm", "sglang"):
            mod = {"vllm": "vllm.entrypoints.openai.api_server",
                   "sglang": "sglang.launch_server"}[fw]
            env["PYTHONPATH"] = stand_in(self.tmp, mod)
            cmd, exe = [sys.executable, "-m", mod] + args, None
        else:
            argv0 = {"ollama": "ollama", "llama.cpp": "llama-server",
                     "tgi": "text-generation-launcher"}[fw]
            cmd, exe = [argv0, SERVER] + args, sys.executable
        p = subprocess.Popen(cmd, executable=exe, env=env, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
        self.procs.append(p)
        return int(p.stdout.readline())

    def close(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, 9)  # a server and its EngineCore child
            except ProcessLookupError:
                p.kill()  # started without a session of its own
            p.wait()


def once(gpu_pids, ports, timeout_ms=TIMEOUT_MS):
    tmp = tempfile.mkdtemp()
    scen = os.path.join(tmp, "scen.json")
    with open(scen, "w") as f:
        json.dump({"time_scale": 0, "gpus": [{"processes": [
            {"pid": f"$P{i}", "used": "8GiB"} for i in range(len(gpu_pids))]}]}, f)
    os.makedirs(os.path.join(tmp, "vramtop"))
    with open(os.path.join(tmp, "vramtop", "config.toml"), "w") as f:
        f.write(f"[scraping]\nallowed_ports = [{', '.join(map(str, ports))}]\n"
                f"timeout_ms = {timeout_ms}\n")
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=scen, XDG_CONFIG_HOME=tmp)
    env.update({f"P{i}": str(p) for i, p in enumerate(gpu_pids)})
    t0 = time.monotonic()
    r = subprocess.run([VT, "--once", "--json"], env=env, capture_output=True, text=True,
                       timeout=30)
    took = time.monotonic() - t0
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    d = json.loads(r.stdout)
    return {p["pid"]: p for g in d["gpus"] for p in g["processes"]}, took


SGLANG_NO_METRICS = "/get_model_info=sglang_model_info.json"
SGLANG = SGLANG_NO_METRICS + ",/metrics=sglang_metrics.txt"
LLAMACPP_NEW = "/metrics=llamacpp_metrics_noratio.txt,/slots=llamacpp_slots.json"
LLAMACPP_NO_METRICS = "/slots=llamacpp_slots.json"  # llama-server without --metrics
GOOD = [("vllm", "vllm_metrics.txt", True), ("vllm", "vllm_v0_metrics.txt", True),
        ("sglang", SGLANG_NO_METRICS, False), ("sglang", SGLANG, False),
        ("ollama", "ollama_ps.json", False), ("llama.cpp", "llamacpp_metrics.txt", False),
        ("llama.cpp", LLAMACPP_NEW, False), ("llama.cpp", LLAMACPP_NO_METRICS, False),
        ("tgi", "tgi_metrics.txt", False)]
_good = {}


def scraped(fw, fixture, child=False):
    """Every well-behaved server in one run (Python servers start slowly on
    a loaded machine); the result for one of them."""
    if not _good:
        s = Servers()
        try:
            started = [(f, fx, s.start(f, "ok", fx, port, ch), port)
                       for f, fx, ch, port in ((f, fx, ch, free_port()) for f, fx, ch in GOOD)]
            rows, _ = once([pid for _, _, pid, _ in started], [p for *_, p in started])
            for f, fx, pid, port in started:
                _good[(f, fx)] = (rows[pid], pid, port)
        finally:
            s.close()
    r, pid, port = _good[(fw, fixture)]
    assert r["framework"] == fw, r
    sc = r["scrape"]
    assert sc is not None and sc["error"] is None, sc
    assert sc["framework"] == fw and sc["port"] == port, sc
    return sc, pid


@case("vLLM (current names): KV cache, running, waiting, model; the socket is its parent's")
def _():
    sc, pid = scraped("vllm", "vllm_metrics.txt", child=True)
    assert sc["kv_cache_usage"] == 0.8312, sc
    assert sc["requests_running"] == 12 and sc["requests_waiting"] == 3, sc
    assert sc["model"] == "meta-llama/Llama-3.1-70B-Instruct", sc
    assert sc["socket_owner"] != pid and sc["socket_owner"] > 0, sc  # the HTTP front


@case("vLLM v0: falls back to vllm:gpu_cache_usage_perc")
def _():
    sc, _ = scraped("vllm", "vllm_v0_metrics.txt", child=True)
    assert sc["kv_cache_usage"] == 0.4231 and sc["requests_running"] == 2, sc
    assert sc["model"] == "mistralai/Mistral-7B-Instruct-v0.3", sc


@case("SGLang without --enable-metrics (/metrics 404): /get_model_info's model_path alone")
def _():
    sc, pid = scraped("sglang", SGLANG_NO_METRICS)
    assert sc["model"] == "Qwen/Qwen2.5-7B-Instruct" and sc["kv_cache_usage"] is None, sc
    assert sc["requests_running"] is None and sc["requests_waiting"] is None, sc
    assert sc["socket_owner"] == pid, sc


@case("SGLang with --enable-metrics: model_path, then token usage, running, queued")
def _():
    sc, pid = scraped("sglang", SGLANG)
    assert sc["model"] == "Qwen/Qwen2.5-7B-Instruct", sc  # /get_model_info's
    assert sc["kv_cache_usage"] == 0.6182, sc
    assert sc["requests_running"] == 14 and sc["requests_waiting"] == 5, sc
    assert sc["socket_owner"] == pid, sc


@case("llama.cpp without the KV-cache ratio in /metrics: /slots gives it")
def _():
    sc, _ = scraped("llama.cpp", LLAMACPP_NEW)
    # slots of 8192: idle and unused, 1500 + 37 held, 6000 + 212 busy, 3000 + 0 busy
    assert abs(sc["kv_cache_usage"] - (1537 + 6212 + 3000) / (4 * 8192)) < 0.001, sc
    assert sc["requests_running"] == 2 and sc["requests_waiting"] == 3, sc  # /metrics'


@case("llama.cpp without --metrics (/metrics 404): /slots alone, its busy slots as running")
def _():
    sc, _ = scraped("llama.cpp", LLAMACPP_NO_METRICS)
    assert abs(sc["kv_cache_usage"] - (1537 + 6212 + 3000) / (4 * 8192)) < 0.001, sc
    assert sc["requests_running"] == 2 and sc["requests_waiting"] is None, sc


@case("Ollama /api/ps: the loaded model")
def _():
    sc, _ = scraped("ollama", "ollama_ps.json")
    assert sc["model"] == "llama3.1:8b", sc


@case("llama.cpp /metrics: KV-cache ratio, processing, deferred")
def _():
    sc, _ = scraped("llama.cpp", "llamacpp_metrics.txt")
    assert sc["kv_cache_usage"] == 0.25, sc
    assert sc["requests_running"] == 2 and sc["requests_waiting"] == 1, sc


@case("TGI /metrics: batch size and queue")
def _():
    sc, _ = scraped("tgi", "tgi_metrics.txt")
    assert sc["requests_running"] == 8 and sc["requests_waiting"] == 4, sc


@case("hostile servers, all in one run: error each, rows whole, a good one unharmed, no delay")
def _():
    s = Servers()
    try:
        allowed, expect, pids, fws = [], {}, [], {}

        def add(mode, want, child=True, allow=True, fixture="vllm_metrics.txt", fw="vllm"):
            port = free_port()
            if allow:
                allowed.append(port)
            pid = s.start(fw, mode, fixture, port, child)
            expect[pid] = want
            fws[pid] = fw
            pids.append(pid)
            return pid, port

        good, good_port = add("ok", None)
        add("redirect", "redirect refused (HTTP 302)")
        add("big", "response larger than 64 KiB")
        add("hang", f"no answer within {TIMEOUT_MS} ms")
        add("trickle", f"no answer within {TIMEOUT_MS} ms")
        add("gzip", "compressed response refused")
        add("badutf8", "invalid UTF-8")
        add("escape", "control character")
        add("hugeline", "response larger than 64 KiB")
        # second endpoints misbehaving: the whole scrape fails, as for a first
        add("ok", "/slots: redirect refused (HTTP 302)", child=False, fw="llama.cpp",
            fixture="/metrics=llamacpp_metrics_noratio.txt,/slots=!redirect")
        add("ok", f"/metrics: no answer within {TIMEOUT_MS} ms", child=False, fw="sglang",
            fixture="/get_model_info=sglang_model_info.json,/metrics=!hang")
        add("ok", "neither /metrics nor /slots served", child=False, fw="llama.cpp",
            fixture="/props=llamacpp_slots.json")
        _, bad_port = add("ok", None, allow=False)
        expect[pids[-1]] = f"listens on port {bad_port}, not in allowed_ports"
        # a vLLM-looking process whose port is served by someone else
        link = os.path.join(s.tmp, "vllm")
        os.symlink("/bin/sleep" if os.path.exists("/bin/sleep") else "/usr/bin/sleep", link)
        impostor = subprocess.Popen([link, "300"])
        s.procs.append(impostor)
        expect[impostor.pid] = "no listening socket of its own"
        pids.append(impostor.pid)
        plain = subprocess.Popen(["sleep", "300"])  # a GPU process that is no server
        s.procs.append(plain)
        pids.append(plain.pid)
        time.sleep(0.2)

        rows, took = once(pids, allowed)
        # one round within the timeout: the hanging and trickling ones cost
        # the timeout once, together, not each
        assert took < TIMEOUT_MS / 1000 + 2.0, took
        g = rows[good]["scrape"]
        assert g["error"] is None and g["kv_cache_usage"] == 0.8312 and g["port"] == good_port, g
        for pid, want in expect.items():
            r = rows[pid]
            assert r["used"] == 8 * 2**30 and r["framework"] == fws.get(pid, "vllm"), r
            if want is None:
                continue
            sc = r["scrape"]
            assert sc and sc["error"] and want in sc["error"], (want, sc, r, took)
            assert sc["kv_cache_usage"] is None and sc["model"] is None, sc
            assert sc["requests_running"] is None, sc
        assert rows[plain.pid]["scrape"] is None and rows[plain.pid]["used"] == 8 * 2**30
        assert all("\x1b" not in json.dumps(r) for r in rows.values())
    finally:
        s.close()


@case("scraping off: no request, scrape null")
def _():
    s = Servers()
    try:
        port = free_port()
        pid = s.start("vllm", "ok", "vllm_metrics.txt", port, True)
        tmp = tempfile.mkdtemp()
        os.makedirs(os.path.join(tmp, "vramtop"))
        with open(os.path.join(tmp, "vramtop", "config.toml"), "w") as f:
            f.write(f"[scraping]\nenable = false\nallowed_ports = [{port}]\n")
        scen = os.path.join(tmp, "scen.json")
        with open(scen, "w") as f:
            json.dump({"time_scale": 0, "gpus": [{"processes": [{"pid": "$P0"}]}]}, f)
        env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
                   VRAMTOP_FAKE_NVML_SCENARIO=scen, XDG_CONFIG_HOME=tmp, P0=str(pid))
        r = subprocess.run([VT, "--once", "--json"], env=env, capture_output=True, text=True,
                           timeout=30)
        d = json.loads(r.stdout)
        p = d["gpus"][0]["processes"][0]
        assert p["framework"] == "vllm" and p["scrape"] is None, p
    finally:
        s.close()


sys.exit(run_cases())
