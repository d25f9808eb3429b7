#!/usr/bin/env python3
"""tui_cost: the terminal UI's CPU and memory against nvtop's, in the same
run, both in a 200x50 pseudo-terminal at 2 refreshes a second, against the
NVML simulator with 8 GPUs x 64 real processes (sleep), one of them growing.
usage: tui_cost.py VRAMTOP FAKE_NVML_DIR NVTOP PTY_COST [SECONDS]
(nvtop: ../shared/anchors/nvtop, with LD_LIBRARY_PATH for its ncurses)."""
import json, os, subprocess, sys, tempfile

VT, FAKE, NVTOP, PTY = sys.argv[1:5]
SECS = float(sys.argv[5]) if len(sys.argv) > 5 else 30
procs = [subprocess.Popen(["sleep", "600"]) for _ in range(512)]
try:
    gpus = []
    for g in range(8):
        ps = []
        for i in range(64):
            p = procs[g * 64 + i].pid
            used = "%dMiB" % (256 + 16 * i)
            if g == 0 and i == 0:
                used = {"start": "8GiB", "rate": "128MiB", "max": "130GiB"}
            ps.append({"pid": p, "name": "python3", "used": used, "lists": ["compute"]})
        gpus.append({"name": "NVIDIA H200", "processes": ps})
    scen = {"comment": "tui_cost: 8 x 64 real processes, one growing", "driver_version":
            "550.54.15", "cuda_version": 12040, "gpus": gpus}
    d = tempfile.mkdtemp()
    path = os.path.join(d, "s.json")
    json.dump(scen, open(path, "w"))
    os.environ["VRAMTOP_FAKE_NVML_SCENARIO"] = path
    os.environ["VRAMTOP_NVML_LIB"] = os.path.join(FAKE, "libnvidia-ml.so.1")
    os.environ["XDG_CONFIG_HOME"] = d
    anchor_lib = os.path.join(os.path.dirname(NVTOP), "lib")
    out = {}
    for name, argv, ld in (
            ("vramtop", [VT, "-r", "0.5"], ""),
            ("nvtop", [NVTOP, "-d", "5"], FAKE + ":" + anchor_lib)):
        env = dict(os.environ)
        if ld:
            env["LD_LIBRARY_PATH"] = ld
        r = subprocess.run([sys.executable, PTY, str(SECS), "200", "50", "--"] + argv,
                           capture_output=True, text=True, env=env)
        if r.returncode != 0 or not r.stdout.strip():
            sys.exit("%s: %s" % (name, r.stderr[-600:]))
        out[name] = json.loads(r.stdout)
    out["cpu_ratio"] = round(out["vramtop"]["sched_cpu_s"] / out["nvtop"]["sched_cpu_s"], 3)
    print(json.dumps(out, indent=1))
finally:
    for p in procs:
        p.kill()
        p.wait()
