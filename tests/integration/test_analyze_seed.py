#!/usr/bin/env python3
"""test_analyze_seed: `vramtop analyze --algorithm variance` reproduces the
reference (seed_oom.py) line by line on every example trace: same ticks,
same phase, same rounded rate, same OOM range and confidence.
usage: test_analyze_seed.py BINARY EXPECTED_DIR TRACE_DIR[:TRACE_DIR...]
Exit 77 (skip) when BINARY has no analyze subcommand yet."""
import json
import os
import subprocess
import sys


def gpu_lines(text):
    out = []
    for line in text.splitlines():
        if line.strip():
            o = json.loads(line)
            if "gpu" in o and "pid" not in o and "start" not in o:
                out.append(o)
    return out


def same(exp, got):
    """Returns a description of the first difference, or None."""
    if abs(exp["t"] - got["t"]) > 5e-4:
        return "t %r vs %r" % (exp["t"], got["t"])
    for k in ("gpu", "phase"):
        if exp[k] != got[k]:
            return "%s %r vs %r" % (k, exp[k], got[k])
    if exp["rate_mb_s"] != got["rate_mb_s"]:  # both rounded to 2 decimals
        return "rate %r vs %r" % (exp["rate_mb_s"], got["rate_mb_s"])
    eo, go = exp["oom"], got["oom"]
    if (eo is None) != (go is None):
        return "oom %r vs %r" % (eo, go)
    if eo is not None:
        for k in ("low_s", "high_s", "confidence"):
            if eo[k] != go[k]:
                return "oom.%s %r vs %r" % (k, eo[k], go[k])
    return None


def main():
    binary, expdir, exdirs = sys.argv[1], sys.argv[2], sys.argv[3].split(":")
    probe = subprocess.run([binary, "analyze", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "analyze" not in probe.stdout:
        print("1..0 # SKIP %s has no analyze subcommand yet" % binary)
        return 77
    cases = sorted(f for f in os.listdir(expdir) if f.endswith(".jsonl"))
    if not cases:
        print("no expected files in %s" % expdir)
        return 1
    failed = 0
    ooms = 0
    print("1..%d" % len(cases))
    for n, name in enumerate(cases, 1):
        stem = name[: -len(".jsonl")]
        trace, _, refresh = stem.partition("@")
        paths = [os.path.join(d, trace + ".jsonl.gz") for d in exdirs]
        found = [p for p in paths if os.path.exists(p)]
        if not found:
            failed += 1
            print("not ok %d - %s: no trace %s.jsonl.gz in %s" % (n, name, trace, exdirs))
            continue
        cmd = [binary, "analyze", found[0], "--algorithm", "variance"]
        if refresh:
            cmd += ["--refresh-rate", refresh]
        run = subprocess.run(cmd, capture_output=True, text=True)
        with open(os.path.join(expdir, name)) as f:
            exp = gpu_lines(f.read())
        got = gpu_lines(run.stdout) if run.returncode == 0 else []
        why = None
        if run.returncode != 0:
            why = "exit %d: %s" % (run.returncode, run.stderr.strip()[:200])
        elif len(exp) != len(got):
            why = "%d lines expected, %d printed" % (len(exp), len(got))
        else:
            for i, (e, g) in enumerate(zip(exp, got)):
                d = same(e, g)
                if d:
                    why = "line %d: %s" % (i + 1, d)
                    break
        ooms += sum(1 for e in exp if e["oom"])
        if why:
            failed += 1
            print("not ok %d - %s: %s" % (n, name, why))
        else:
            print("ok %d - %s (%d lines)" % (n, name, len(exp)))
    print("# %d expected lines carry an OOM range" % ooms)
    return 1 if failed or ooms == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
