#!/usr/bin/env python3
"""test_limits: what the default predictor achieves on the real traces of
tests/fixtures/traces_limits/ (see its README), so a change that makes it
worse there is noticed. Prints TAP.
usage: test_limits.py VRAMTOP REPO_ROOT"""
import json, os, subprocess, sys

vt, root = sys.argv[1], sys.argv[2]
grader = os.path.join(root, "..", "shared", "tools", "score_oom.py")
if not os.path.exists(grader):
    grader = os.path.join(root, "tests", "tools", "score_oom.py")
d = os.path.join(root, "tests", "fixtures", "traces_limits")


def score(name, where=d):
    trace = os.path.join(where, name)
    ana = subprocess.run([vt, "analyze", trace], capture_output=True, text=True, check=True).stdout
    r = subprocess.run([sys.executable, grader, trace, "/dev/stdin"], input=ana,
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


checks = [
    ("train_leak: warned within 2 s of the start-up ramp's end, right range and culprit",
     "train_leak.jsonl.gz",
     lambda r: r["lead_s"] >= 30.0 and r["coverage"] >= 0.9 and r["culprit"] >= 0.95
     and r["false_alarm_s"] == 0),
    ("leak_25: 7 s of growth, no warning asked, none given",
     "leak_25.jsonl.gz", lambda r: r["lead_ok"] and r["false_alarm_s"] == 0),
]


def demo_full_line():
    """The demo's trainer sits at the full line for ~2.5 s while the
    allocator serves it from cache: the range is not "now" there."""
    trace = os.path.join(root, "examples", "demo.jsonl.gz")
    import gzip
    oom = [json.loads(l) for l in gzip.open(trace, "rt") if '"oom"' in l][0]["t"]
    ana = subprocess.run([vt, "analyze", trace], capture_output=True, text=True, check=True).stdout
    at_line = [a for a in map(json.loads, ana.splitlines())
               if "pid" not in a and a.get("oom") and 0 < oom - a["t"] <= 3.0]
    return {"lines": len(at_line), "high_s": [a["oom"]["high_s"] for a in at_line]}


checks.append(("demo: at the full line before the OOM, the range's end is not now",
               None, lambda r: r["lines"] >= 2 and all(h >= 2.0 for h in r["high_s"])))
print(f"1..{len(checks)}")
bad = 0
for i, (what, name, ok) in enumerate(checks, 1):
    r = demo_full_line() if name is None else score(name)
    if ok(r):
        print(f"ok {i} - {what}")
    else:
        bad += 1
        print(f"not ok {i} - {what}\n# {json.dumps(r)}")
sys.exit(1 if bad else 0)
