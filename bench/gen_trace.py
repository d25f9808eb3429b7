#!/usr/bin/env python3
"""gen_trace.py: write a synthetic trace (format v1 + vramtop extensions) for
benchmarking the reader and `vramtop analyze`.

usage: gen_trace.py OUT.jsonl[.gz] [--gpus 8] [--procs 16] [--seconds 86400]
                    [--hz 1] [--v1] [--seed 1]

Each GPU carries PROCS processes: most steady with jitter, one per GPU leaking
slowly, one with a sawtooth. --v1 writes only the v1 fields (i/total/used/free,
gpu/pid/used), otherwise names, uuids, metrics, starttime, user, type too.
Deterministic for a given seed. Prints lines and bytes written."""
import argparse
import gzip
import random
import sys

GIB = 1 << 30
TOTAL = 150754820096  # an H200 as NVML reports it


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--gpus", type=int, default=8)
    ap.add_argument("--procs", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=86400)
    ap.add_argument("--hz", type=float, default=1.0)
    ap.add_argument("--v1", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    t0 = 1795900000.0
    procs = []  # (gpu, pid, base, kind, name, start)
    pid = 4000
    for g in range(a.gpus):
        for j in range(a.procs):
            pid += rnd.randint(1, 40)
            kind = "leak" if j == 0 else "saw" if j == 1 else "steady"
            base = rnd.randint(1, 6) * GIB + rnd.randint(0, GIB)
            name = rnd.choice(["python3", "vllm", "ollama", "llama-server", "torchrun"])
            procs.append((g, pid, base, kind, name, 1000000 + pid * 7))
    op = gzip.open if a.out.endswith(".gz") else open
    n = int(a.seconds * a.hz)
    nbytes = 0
    with op(a.out, "wt", encoding="utf-8") as f:
        if not a.v1:
            line = '{"t": %.3f, "event": "start", "pid": %d, "cmd": "gen_trace"}\n' % (t0, procs[0][1])
            f.write(line)
            nbytes += len(line)
        for k in range(n):
            t = t0 + k / a.hz
            used = [0] * a.gpus
            ps = []
            for g, p, base, kind, name, st in procs:
                if kind == "leak":
                    u = base + int(k * 20000 / a.hz)
                elif kind == "saw":
                    u = base + (k % 60) * 50 * (1 << 20)
                else:
                    u = base + rnd.randint(-4, 4) * (1 << 21)
                used[g] += u
                if a.v1:
                    ps.append('{"gpu": %d, "pid": %d, "used": %d}' % (g, p, u))
                else:
                    ps.append('{"gpu": %d, "pid": %d, "used": %d, "name": "%s", "starttime": %d, '
                              '"user": "alice", "type": "compute"}' % (g, p, u, name, st))
            gs = []
            for g in range(a.gpus):
                u = min(used[g] + 600 * (1 << 20), TOTAL)
                if a.v1:
                    gs.append('{"i": %d, "total": %d, "used": %d, "free": %d}' % (g, TOTAL, u, TOTAL - u))
                else:
                    gs.append('{"i": %d, "name": "NVIDIA H200", "uuid": "GPU-%08x-1111-2222-3333-%012x", '
                              '"state": "ok", "total": %d, "used": %d, "free": %d, "util_gpu": %d, '
                              '"temp_c": %d, "power_mw": %d}'
                              % (g, g, g, TOTAL, u, TOTAL - u, rnd.randint(0, 100),
                                 rnd.randint(30, 80), rnd.randint(100000, 700000)))
            line = '{"t": %.3f, "gpus": [%s], "procs": [%s]}\n' % (t, ", ".join(gs), ", ".join(ps))
            f.write(line)
            nbytes += len(line)
    print("%s: %d lines, %.1f MB uncompressed" % (a.out, n, nbytes / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
