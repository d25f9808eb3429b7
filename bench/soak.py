#!/usr/bin/env python3
"""soak: build/bench/soak against a churning simulator scenario (`make soak`).
usage: soak.py BUILD_DIR [TICKS]   (default 1,000,000)
The scenario: two H200s on a clock running 100x. On GPU 0 a process grows
(the analysis has an OOM to predict) beside 48 processes that come and go
every fraction of a (simulated) second, spread over both GPUs -- 40 on 24 PID
numbers that are not in /proc (PIDs reused by several entries; the model
drops them as gone), 24 real `sleep` processes of ours (resolved through
/proc and the pidfd cache, rows created and retired) -- so the set of rows changes
on nearly every tick. GPU 1 falls off the bus 20 s in and answers again at
25 s (vramtop asks for a new handle every 5 s). The config is reloaded by
SIGHUP every second. Prints soak's lines and the verdict; exit status soak's."""
import json, os, subprocess, sys, tempfile, time

build = sys.argv[1]
ticks = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
REAL = 24
real = [subprocess.Popen(["sleep", "36000"]) for _ in range(REAL)]
d = tempfile.mkdtemp(prefix="vramtop-soak-")
try:
    churn = []
    for k in range(40):
        period = 0.5 + (k % 7) * 0.25
        churn.append({"pid": 3990000 + k % 24, "used": "%dMiB" % (64 + 32 * k),
                      "appear": (k * 0.037) % period, "disappear": (k * 0.037) % period + period / 2,
                      "period": period})
    for k in range(REAL):
        churn.append({"pid": "$PID%d" % (k + 1), "used": "%dMiB" % (512 + 128 * k),
                      "appear": 0.05 * k, "disappear": 0.05 * k + 0.6, "period": 1.5 + 0.1 * k})
    grower = {"pid": 3999999, "used": {"start": "8GiB", "rate": "16MiB", "max": "120GiB"}}
    scen = {"comment": "soak: churn, PID reuse, a GPU lost and back",
            "time_scale": 100,
            "gpus": [{"name": "NVIDIA H200", "processes": [grower] + churn[0::2]},
                     {"name": "NVIDIA H200", "processes": churn[1::2]}],
            "faults": [{"type": "gpu_lost", "gpu": 1, "at": 2000, "back_at": 2500}]}
    path = os.path.join(d, "scenario.json")
    json.dump(scen, open(path, "w"))
    cfg = os.path.join(d, "config.toml")
    open(cfg, "w").write("[general]\nhistory_length = 300\n")
    env = dict(os.environ, VRAMTOP_NVML_LIB=os.path.join(build, "tests/fake_nvml/libnvidia-ml.so.1"),
               VRAMTOP_FAKE_NVML_SCENARIO=path)
    env.update({"PID%d" % (i + 1): str(p.pid) for i, p in enumerate(real)})
    t0 = time.time()
    r = subprocess.run([os.path.join(build, "bench/soak"), str(ticks), cfg, d, str(REAL)], env=env,
                       stdout=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    took = time.time() - t0
    status = r.returncode
    last = dict(zip(*[iter(r.stdout.split("\n")[-2].split())] * 2)) if r.stdout else {}
    if took > 35 and not (int(last.get("gpu1_lost_ticks", 0)) and int(last.get("gpu1_back", 0))):
        print("soak: GPU 1 was never seen lost and back (%s)" % last)
        status = 1
    print("soak: %d ticks in %.1f s (%.1f us a tick), exit %d" %
          (ticks, took, took / ticks * 1e6, status))
    sys.exit(status)
finally:
    for p in real:
        p.kill()
        p.wait()
    subprocess.run(["rm", "-rf", d])
