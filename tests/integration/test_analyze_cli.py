#!/usr/bin/env python3
"""test_analyze_cli: `vramtop analyze` as a user meets it -- options, errors
and exit codes, the JSONL schema of every line kind, PELT segments that tile
each series, survival verdicts on a real leak, a malformed line skipped.
usage: test_analyze_cli.py BINARY TRACE_DIR   (TRACE_DIR holds leak_oom,
warmup; tests/fixtures/traces holds staircase). TAP; the plan is "1..0 #
SKIP" when BINARY has no analyze subcommand yet."""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

GPU_KEYS = {"t", "gpu", "phase", "rate_mb_s", "oom", "culprit_pid"}
PROC_KEYS = {"t", "gpu", "pid", "phase", "rate_mb_s", "verdict"}
SEG_KEYS = {"gpu", "pid", "start", "end", "mean_mb", "slope_mb_s", "label"}
PHASES = {"stable", "growing", "shrinking", "volatile"}
LABELS = {"steady", "load", "warm-up", "leak", "release", "spike"}
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def run(binary, *args):
    return subprocess.run([binary, "analyze", *args], capture_output=True, text=True)


def main():
    binary, tdir = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    probe = run(binary, "--help")
    if probe.returncode != 0 or "usage: vramtop analyze" not in probe.stdout:
        print("1..0 # SKIP %s has no analyze subcommand yet" % binary)
        return 0  # TAP: the plan says skip
    leak = os.path.join(tdir, "leak_oom.jsonl.gz")
    warm = os.path.join(tdir, "warmup.jsonl.gz")
    stair = os.path.join(root, "tests/fixtures/traces/staircase.jsonl.gz")

    check("--help exits 0 and lists the options", "--refresh-rate" in probe.stdout
          and "--algorithm" in probe.stdout and "--segments" in probe.stdout)
    for args, code in [((), 2), ((leak, warm), 2), ((leak, "--refresh-rate", "0"), 2),
                       ((leak, "--refresh-rate", "-1"), 2), ((leak, "--refresh-rate", "abc"), 2),
                       ((leak, "--refresh-rate", "nan"), 2), ((leak, "--algorithm", "nope"), 2),
                       ((leak, "--penalty", "loud"), 2), ((leak, "--min-segment", "0"), 2),
                       ((leak, "--bogus"), 2),
                       (("/nonexistent/trace.jsonl", "--algorithm", "variance"), 1)]:
        r = run(binary, *args)
        check("exit %d for %s" % (code, " ".join(args) or "no arguments"),
              r.returncode == code and r.stderr.strip() != "" and r.stdout == "",
              "got %d: %s" % (r.returncode, r.stderr.strip()[:120]))

    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            r = subprocess.run([binary, "analyze", leak, "--algorithm", "variance"],
                               stdout=full, stderr=subprocess.PIPE, text=True)
        check("a failing stdout is an error (exit 1)", r.returncode == 1 and
              "writing the output failed" in r.stderr, r.stderr[:200])

    r = run(binary, leak)
    check("the default algorithm is envelope", (r.returncode == 0 and '"culprit_pid"' in r.stdout)
          or (r.returncode == 2 and "'envelope'" in r.stderr), r.stderr[:200])

    r = run(binary, leak, "--algorithm", "variance", "--segments")
    check("leak_oom runs", r.returncode == 0, r.stderr[:200])
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    gpus = [o for o in lines if "phase" in o and "pid" not in o]
    procs = [o for o in lines if "verdict" in o]
    segs = [o for o in lines if "label" in o]
    check("every line is one of the three kinds", len(gpus) + len(procs) + len(segs) == len(lines))
    check("GPU lines: exact keys", gpus and all(set(o) == GPU_KEYS for o in gpus))
    check("process lines: exact keys", procs and all(set(o) == PROC_KEYS for o in procs))
    check("segment lines: exact keys", segs and all(set(o) == SEG_KEYS for o in segs))
    check("phases are the four names", all(o["phase"] in PHASES for o in gpus + procs))
    check("verdicts are ok/tight/oom", all(o["verdict"] in ("ok", "tight", "oom") for o in procs))
    check("t printed with 3 decimals",
          all(re.search(r'"t":\d+\.\d{3},', l) for l in r.stdout.splitlines() if '"t"' in l))
    ts = [o["t"] for o in gpus]
    check("GPU ticks at the 1 s refresh", ts == sorted(ts) and
          all(0.999 <= b - a < 1.2 for a, b in zip(ts, ts[1:])))
    check("oom objects well formed", all(o["oom"] is None or (
        0 <= o["oom"]["low_s"] <= o["oom"]["high_s"] <= 3600 and 0 <= o["oom"]["confidence"] <= 1)
        for o in gpus))
    v511 = [o["verdict"] for o in procs if o["pid"] == 511]
    v483 = [o["verdict"] for o in procs if o["pid"] == 483]
    check("the leaking process goes ok -> tight -> oom",
          v511 and v511[0] == "ok" and "tight" in v511 and v511[-1] == "oom"
          and v511.index("tight") < v511.index("oom"), str(sorted(set(v511))))
    check("its 113 GB neighbour is ok while the GPU still fits", v483 and v483[0] == "ok")
    for key in [(0, None), (0, 483), (0, 511)]:
        s = [o for o in segs if (o["gpu"], o["pid"]) == key]
        ok = s and all(o["start"] <= o["end"] for o in s) and \
            all(a["end"] < b["start"] for a, b in zip(s, s[1:])) and \
            all(o["label"] in LABELS for o in s)
        check("segments tile series gpu=%s pid=%s" % key, ok, json.dumps(s)[:200])
    check("the leaker's last segment is a leak",
          [o["label"] for o in segs if o["pid"] == 511][-1:] == ["leak"])

    r = run(binary, warm, "--algorithm", "variance", "--segments", "--penalty", "inference_server")
    wl = [o["label"] for o in map(json.loads, r.stdout.splitlines()) if o.get("pid") == 683 and "label" in o]
    check("warmup: warm-up then steady", wl == ["warm-up", "steady"], str(wl))

    r2 = run(binary, warm, "--algorithm", "variance", "--refresh-rate", "2")
    g2 = [json.loads(l)["t"] for l in r2.stdout.splitlines() if '"culprit_pid"' in l]
    check("--refresh-rate 2 halves the ticks", r2.returncode == 0 and
          all(1.999 <= b - a < 2.2 for a, b in zip(g2, g2[1:])) and len(g2) > 20)

    if os.path.exists(stair):
        r = run(binary, stair, "--algorithm", "variance")
        gs = {json.loads(l)["gpu"] for l in r.stdout.splitlines()}
        check("two GPUs, both analysed", r.returncode == 0 and gs == {0, 1}, str(gs))

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        with gzip.open(warm, "rt") as src:
            for i, line in enumerate(src):
                f.write(line)
                if i == 100:
                    f.write('{"t": "broken", "gpus": [\n')
        tmp = f.name
    r = run(binary, tmp, "--algorithm", "variance")
    os.unlink(tmp)
    ref = run(binary, warm, "--algorithm", "variance")
    check("a malformed line is reported and skipped", r.returncode == 0 and
          "line skipped" in r.stderr and r.stdout == ref.stdout, r.stderr[:200])

    # processes listed interleaved across GPUs land on their own GPU's lines
    sample = ('{"t": %d, "gpus": [{"i": 4, "total": 100, "used": 10, "free": 90}, '
              '{"i": 2, "total": 100, "used": 20, "free": 80}], "procs": ['
              '{"gpu": 2, "pid": 1, "used": 5}, {"gpu": 4, "pid": 2, "used": 6}, '
              '{"gpu": 2, "pid": 3, "used": 7}]}\n')
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for t in range(1, 4):
            f.write(sample % t)
        tmp = f.name
    r = run(binary, tmp)
    os.unlink(tmp)
    pairs = sorted({(o["gpu"], o["pid"]) for o in map(json.loads, r.stdout.splitlines())
                    if "pid" in o})
    check("interleaved processes stay on their GPU", r.returncode == 0 and
          pairs == [(2, 1), (2, 3), (4, 2)], str(pairs))

    # a trace recorded at the refresh rate keeps every sample despite its
    # timer's jitter (the live run saw them all), as many ticks as the same
    # trace without jitter; at twice the interval, every other sample
    one = ('{"t": %.3f, "gpus": [{"i": 0, "total": 1000, "used": 10, "free": 990}], '
           '"procs": []}\n')
    counts = []
    for jitter in (0.0, 0.001):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            t = 1000.0
            for i in range(40):
                f.write(one % t)
                t += 1.0 - jitter if i % 3 == 0 else 1.0 + jitter
            tmp = f.name
        for rate in ("1", "2"):
            r = run(binary, tmp, "--refresh-rate", rate)
            counts.append(sum('"culprit_pid"' in l for l in r.stdout.splitlines()))
        os.unlink(tmp)
    check("1 ms of jitter in a 1 s trace loses no tick at 1 s or 2 s",
          counts[:2] == counts[2:] and counts[0] == 39 and counts[1] == 19, str(counts))

    # one absurd time does not hide the rest; two runs in one file are two
    # segments, both analysed, and the break is reported
    leak_lines = gzip.open(leak, "rt").readlines()
    ref = run(binary, leak)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(leak_lines[:50])
        f.write('{"t": 1e308, "gpus": [{"i": 0, "total": 100, "used": 10, "free": 90}]}\n')
        f.writelines(leak_lines[50:])
        tmp = f.name
    r = run(binary, tmp)
    check("an absurd time is one reported line, the rest plays",
          r.returncode == 0 and r.stdout == ref.stdout and "out of range" in r.stderr,
          r.stderr[:200])
    with open(tmp, "w") as f:
        f.writelines(leak_lines + leak_lines)
    r = run(binary, tmp)
    os.unlink(tmp)
    n_ref = len(ref.stdout.splitlines())
    check("two runs concatenated: two segments, both analysed, reported",
          r.returncode == 0 and len(r.stdout.splitlines()) >= 2 * n_ref and
          "new segment" in r.stderr and r.stdout.startswith(ref.stdout), r.stderr[:200])
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("garbage\n")
        tmp = f.name
    r = run(binary, tmp)
    os.unlink(tmp)
    check("no usable sample: exit 1 with the reason (as replay)",
          r.returncode == 1 and "no samples" in r.stderr, r.stderr[:200])

    print("1..%d" % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s%s" % ("ok" if ok else "not ok", i, name,
                                "" if ok or not detail else " # " + detail))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
