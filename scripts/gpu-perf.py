#!/usr/bin/env python3
"""gpu-perf: wall time and peak RSS of `vramtop --once --json` beside
nvidia-smi's, in the same run, interleaved, N times each; prints medians.
usage: gpu-perf.py VRAMTOP [N]"""
import os, statistics, subprocess, sys, time

vt = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
cmds = {
    "vramtop --once --json": [vt, "--once", "--json"],
    "vramtop --once": [vt, "--once"],
    "nvidia-smi": ["nvidia-smi"],
    "nvidia-smi --query-compute-apps": ["nvidia-smi", "--query-compute-apps=pid,used_memory",
                                        "--format=csv"],
}
res = {k: ([], []) for k in cmds}


def one(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_maxrss, status


for i in range(n + 2):
    for k, argv in cmds.items():
        wall, rss, status = one(argv)
        if i >= 2:  # two warm-up rounds
            res[k][0].append(wall * 1000)
            res[k][1].append(rss)
        if status:
            print(f"{k}: exit status {status}")
base = statistics.median(res["nvidia-smi --query-compute-apps"][0])
for k, (w, r) in res.items():
    print(f"{k:34s} wall_ms median {statistics.median(w):7.1f} min {min(w):7.1f} "
          f"max {max(w):7.1f}  peak_rss_kb median {statistics.median(r):7.0f}  "
          f"vs query-compute-apps {statistics.median(w) / base:4.2f}x")
