#!/usr/bin/env python3
"""test_pipeline_same: `vramtop analyze` and a fast replay through the live
pipeline (the running program's CSV and table sinks) give the same phases,
rates, OOM predictions and survival verdicts on every fixture trace: live and
offline cannot drift. Prints TAP.
usage: test_pipeline_same.py VRAMTOP DIR[:DIR...]"""
import csv, glob, json, os, re, subprocess, sys, tempfile

VT, DIRS = sys.argv[1], sys.argv[2].split(":")
PROC = re.compile(r"^\s+(\d+)\s+\S+\s+\S+\s+(?:N/A|\S+ \S+)\s+(\w+)\s+([+-]\d+\.\d)\s+(\w+)")


def analyze(path):
    r = subprocess.run([VT, "analyze", path], capture_output=True, text=True, check=True)
    gpus, procs = {}, {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        key = (round(o["t"], 3), o["gpu"])
        if "pid" in o:
            procs[key + (o["pid"],)] = (o["phase"], o["rate_mb_s"], o["verdict"])
        else:
            gpus[key] = (o["phase"], o["rate_mb_s"], o["oom"])
    return gpus, procs


def replay(path):
    d = tempfile.mkdtemp()
    c = os.path.join(d, "r.csv")
    env = dict(os.environ, XDG_CONFIG_HOME=d)
    r = subprocess.run([VT, "replay", path, "--speed", "1000000", "--export-csv", c],
                       capture_output=True, text=True, env=env, check=True)
    rows = list(csv.DictReader(open(c)))
    times = []
    for x in rows:
        if not times or times[-1] != x["time"]:
            times.append(x["time"])
    blocks = r.stdout.split("vramtop 0.")[1:]
    assert len(blocks) == len(times), (len(blocks), len(times))
    verdicts = {}
    for t, b in zip(times, blocks):
        gpu = None
        for line in b.splitlines():
            m = re.match(r"^\s*(\d+)\s", line)
            if m and not line.startswith("       "):
                gpu = int(m.group(1))
            m = PROC.match(line)
            if m:
                verdicts[(round(float(t), 3), gpu, int(m.group(1)))] = m.group(4)
    return rows, verdicts


def check(path):
    gpus, procs = analyze(path)
    rows, verdicts = replay(path)
    seen_g = seen_p = 0
    for x in rows:
        key = (round(float(x["time"]), 3), int(x["gpu"]))
        if x["kind"] == "gpu":
            if key not in gpus:
                continue  # a GPU's first tick: analyze prints no line
            phase, rate, oom = gpus[key]
            assert x["phase"] == phase, (key, x, gpus[key])
            assert abs(float(x["rate_mb_s"]) - rate) <= 0.0051, (key, x, gpus[key])
            if oom is None:
                assert x["oom_low_s"] == "", (key, x)
            else:
                assert abs(float(x["oom_low_s"]) - oom["low_s"]) < 0.06, (key, x, oom)
                assert abs(float(x["oom_high_s"]) - oom["high_s"]) < 0.06, (key, x, oom)
            seen_g += 1
        else:
            pk = key + (int(x["pid"]),)
            if pk not in procs:
                continue
            phase, rate, verdict = procs[pk]
            assert x["phase"] == phase, (pk, x, procs[pk])
            assert abs(float(x["rate_mb_s"]) - rate) <= 0.0051, (pk, x, procs[pk])
            assert verdicts.get(pk) == verdict, (pk, verdicts.get(pk), verdict)
            seen_p += 1
    assert seen_g == len(gpus) and seen_p == len(procs), (seen_g, len(gpus), seen_p, len(procs))
    return seen_g


def main():
    traces = sorted(t for d in DIRS for t in glob.glob(os.path.join(d, "*.jsonl.gz")))
    print(f"1..{len(traces)}")
    failed = 0
    for i, t in enumerate(traces, 1):
        try:
            n = check(t)
            print(f"ok {i} - {os.path.basename(t)}: {n} GPU ticks agree")
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"not ok {i} - {os.path.basename(t)}")
            print(f"# {type(e).__name__}: {str(e)[:300]}")
    sys.exit(1 if failed else 0)


main()
