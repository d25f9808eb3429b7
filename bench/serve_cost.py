#!/usr/bin/env python3
"""serve_cost: what `vramtop serve` costs, from the server's own CPU time
(/proc/PID/schedstat, nanoseconds), against the NVML simulator:
  idle       one idle H200, no process, 1 s refresh, no scrapes
  8x64 idle  8 GPUs x 64 real processes (sleep), one growing, 1 s refresh
  scrape     back-to-back scrapes of /metrics at 8x64 on one keep-alive
             connection: the server's CPU per scrape, the refresh's share
             (measured in the 8x64 idle window) taken out
  100/s      100 scrapes a second for SECONDS: all answered, samples on time
usage: serve_cost.py VRAMTOP FAKE_NVML_DIR [SECONDS [MAX_PROCESSES]]
MAX_PROCESSES: [export] prometheus_max_processes (default 20; 64 exports all)."""
import http.client, json, os, re, subprocess, sys, tempfile, time

VT, FAKE = sys.argv[1:3]
SECS = float(sys.argv[3]) if len(sys.argv) > 3 else 20
MAXP = int(sys.argv[4]) if len(sys.argv) > 4 else 20


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
    return total


def start(scenario, d):
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(FAKE, "libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=scenario, XDG_CONFIG_HOME=d)
    errf = open(os.path.join(d, "err"), "w+")
    cfg = os.path.join(d, "c.toml")
    open(cfg, "w").write(f"[export]\nprometheus_max_processes = {MAXP}\n")
    p = subprocess.Popen([VT, "serve", "--listen", "127.0.0.1:0", "-r", "1", "-c", cfg], env=env,
                         stderr=errf, stdout=subprocess.DEVNULL)
    for _ in range(100):
        errf.seek(0)
        m = re.search(r"127\.0\.0\.1:(\d+)/metrics", errf.read())
        if m:
            return p, int(m.group(1))
        time.sleep(0.05)
    raise SystemExit("serve did not start")


def idle(pid, secs):
    c0, t0 = cpu_ns(pid), time.monotonic()
    time.sleep(secs)
    return (cpu_ns(pid) - c0) / ((time.monotonic() - t0) * 1e9)


def samples(conn):
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    return int(re.search(r"^vramtop_samples_total (\d+)", body, re.M).group(1)), len(body)


d = tempfile.mkdtemp()
out = {"max_processes": MAXP}
# 1. idle: the simulator's default, one idle H200
p, port = start("", d)
time.sleep(3)
out["idle_1gpu_cpu_percent"] = round(100 * idle(p.pid, SECS), 4)
p.terminate()
p.wait()

# 2. 8 x 64 real processes
procs = [subprocess.Popen(["sleep", "600"]) for _ in range(512)]
try:
    gpus = []
    for g in range(8):
        ps = []
        for i in range(64):
            used = "%dMiB" % (256 + 16 * i)
            if g == 0 and i == 0:
                used = {"start": "8GiB", "rate": "512MiB", "max": "140GiB"}
            ps.append({"pid": procs[g * 64 + i].pid, "name": "python3", "used": used,
                       "lists": ["compute"]})
        gpus.append({"name": "NVIDIA H200", "processes": ps})
    path = os.path.join(d, "s.json")
    json.dump({"comment": "serve_cost: 8 x 64 real processes, one growing",
               "driver_version": "550.54.15", "cuda_version": 12040, "gpus": gpus},
              open(path, "w"))
    p, port = start(path, d)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    time.sleep(15)  # the growing GPU's OOM prediction stands by now
    n0, size = samples(conn)
    rate_idle = idle(p.pid, SECS)
    out["idle_8x64_cpu_percent"] = round(100 * rate_idle, 3)
    out["exposition_bytes"] = size

    N = 2000
    c0, t0 = cpu_ns(p.pid), time.monotonic()
    for _ in range(N):
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
    el = time.monotonic() - t0
    spent = cpu_ns(p.pid) - c0 - rate_idle * el * 1e9
    out["scrape_cpu_us"] = round(spent / N / 1000, 1)
    out["scrapes_per_s_back_to_back"] = round(N / el)

    # 100 scrapes a second
    s0, _ = samples(conn)
    t0 = time.monotonic()
    ok = 0
    n = int(100 * SECS)
    for i in range(n):
        wait = t0 + i / 100 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        r.read()
        ok += r.status == 200
    el = time.monotonic() - t0
    s1, _ = samples(conn)
    out["load_100_per_s"] = {"scrapes": n, "answered": ok, "rate": round(n / el, 1),
                             "samples": s1 - s0, "refreshes_elapsed": round(el, 1)}
    p.terminate()
    p.wait()
finally:
    if p.poll() is None:  # a failure above must not leave the server running
        p.kill()
        p.wait()
    for q in procs:
        q.kill()
        q.wait()
print(json.dumps(out, indent=1))
