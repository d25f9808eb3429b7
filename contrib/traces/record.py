#!/usr/bin/env python3
"""record.py: record a real GPU trace (trace format v1, docs/trace-format.md)
while a workload runs, with deep mode's figures where the workload reports them.

    python3 contrib/traces/record.py OUT.jsonl HZ -- CMD...

Samples NVML (pynvml) HZ times a second: every GPU's total/used/free and its
compute processes. Every process that runs vramtop's Python reporter
(clients/python, `vramtop.report()`) is also read from its socket, as vramtop
reads it, and its latest figures go into the trace as the process's "deep"
object. The workload's stdout lines "start PID T", "oom PID T" and "end PID T"
become events (T: the Unix time the workload itself took); the OOM event is the
ground truth ../shared/tools/score_oom.py grades against. REC_GPU names the
NVML index the workload runs on (default 0)."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pynvml as nv

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
import vramtop  # noqa: E402  (only for socket_dir: the recorder reads as vramtop does)

out, hz = sys.argv[1], float(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
GPU = int(os.environ.get("REC_GPU", "0"))
nv.nvmlInit()
handles = [nv.nvmlDeviceGetHandleByIndex(i) for i in range(nv.nvmlDeviceGetCount())]
f = open(out, "w")
lock = threading.Lock()
deep = {}  # pid -> {cuda_device: latest sample}


def write(obj):
    with lock:
        f.write(json.dumps(obj, separators=(",", ":")) + "\n")


def event(**k):
    write(dict(t=round(time.time(), 3), gpu=GPU, **k))


def read_socket(path, pid):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
    except OSError:
        return
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("type") == "sample":
                deep.setdefault(pid, {})[m["cuda_device"]] = m
            elif m.get("type") == "oom":
                event(event="deep_oom", pid=pid, requested=m.get("requested"))
    deep.pop(pid, None)


def discover():
    seen = set()
    d = vramtop.socket_dir()
    while True:
        try:
            names = os.listdir(d)
        except OSError:
            names = []
        for n in names:
            if n.endswith(".sock") and n not in seen:
                seen.add(n)
                threading.Thread(target=read_socket, args=(os.path.join(d, n), int(n[:-5])),
                                 daemon=True).start()
        time.sleep(0.2)


def deep_of(pid):
    per = deep.get(pid)
    if not per:
        return None
    keys = ("allocated", "reserved", "active", "peak_allocated", "alloc_retries", "ooms")
    return {k: sum(int(s.get(k, 0)) for s in list(per.values())) for k in keys}


p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def reader():
    for line in p.stdout:
        sys.stdout.write(line)
        w = line.split()
        if len(w) >= 3 and w[0] in ("start", "oom", "end"):
            event(event=w[0], pid=int(w[1]), at=float(w[2]))


threading.Thread(target=reader, daemon=True).start()
threading.Thread(target=discover, daemon=True).start()
while p.poll() is None:
    t = time.time()
    gpus, procs = [], []
    for i, h in enumerate(handles):
        m = nv.nvmlDeviceGetMemoryInfo(h)
        gpus.append(dict(i=i, total=m.total, used=m.used, free=m.free))
        for q in nv.nvmlDeviceGetComputeRunningProcesses(h):
            row = dict(gpu=i, pid=q.pid, used=q.usedGpuMemory)
            dp = deep_of(q.pid)
            if dp:
                row["deep"] = dp
            procs.append(row)
    write(dict(t=round(t, 3), gpus=gpus, procs=procs))
    time.sleep(max(0.0, 1 / hz - (time.time() - t)))
time.sleep(0.3)
event(event="exit", pid=p.pid, rc=p.returncode)
f.close()
