#!/usr/bin/env python3
"""oom_table.py: the table of docs/oom-prediction.md, regenerated (make
oom-table). Every trace of examples/, tests/fixtures/traces/ and
tests/fixtures/traces_limits/ (and ../shared/traces/ where it exists) is
analysed at the default 1 s refresh by today's predictor ("envelope") and the
reference ("variance"), graded by score_oom.py, and written between the
oom-table markers of the document.
usage: oom_table.py VRAMTOP [DOC]"""
import glob
import gzip
import importlib.util
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("score", os.path.join(ROOT, "tests", "integration",
                                                                    "test_envelope_score.py"))
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)

DIRS = [("examples", "examples"), ("tests/fixtures/traces", "fixtures"),
        ("tests/fixtures/traces_limits", "fixtures"), ("tests/fixtures/traces_h100", "fixtures"),
        ("../shared/traces", "shared")]
BEGIN, END = "<!-- oom-table:begin -->", "<!-- oom-table:end -->"


def strip_deep(trace, out):
    """A copy of trace without deep mode's figures (what NVML alone shows)."""
    with gzip.open(trace, "rt") as f, open(out, "w") as g:
        for line in f:
            d = json.loads(line)
            for p in d.get("procs", []):
                p.pop("deep", None)
            g.write(json.dumps(d) + "\n")


def has_deep(trace):
    with gzip.open(trace, "rt") as f:
        return any('"deep"' in line for line in f)


def fmt(r, key, nd=1):
    v = r.get(key)
    return "" if v is None else ("%.*f" % (nd, v) if isinstance(v, float) else str(v))


def row(name, where, r, ref, nodeep=None):
    if "growth_s" in r:
        bad = score.verdict(r)
        cells = [fmt(r, "growth_s"), "%s / %s" % (fmt(r, "lead_s"), fmt(r, "lead_needed")),
                 fmt(r, "coverage", 3), fmt(r, "culprit", 3), fmt(r, "false_alarm_s")]
        refc = "lead %s, coverage %s" % (fmt(ref, "lead_s"), fmt(ref, "coverage", 3))
    else:
        bad = score.verdict(r)
        cells = ["no OOM", "", "", "", fmt(r, "false_alarm_s")]
        refc = "false alarm %s s" % fmt(ref, "false_alarm_s")
    verdict = "pass" if not bad else "**miss**: " + "; ".join(bad)
    if nodeep is not None:
        nb = score.verdict(nodeep)
        verdict += "; without deep figures: " + ("pass" if not nb else "; ".join(nb))
    if name in score.KNOWN:
        verdict += " (" + score.KNOWN[name] + ")"
    return "| %s | %s | %s | %s | %s |" % (name.replace(".jsonl.gz", ""), where, " | ".join(cells),
                                          verdict, refc)


def main():
    exe = sys.argv[1]
    doc = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "oom-prediction.md")
    grader = score.grader()
    lines = ["| trace | from | growth s | lead / needed s | coverage | culprit | false alarm s | "
             "today (envelope) | reference (variance) |",
             "|---|---|---|---|---|---|---|---|---|"]
    seen = set()
    for d, where in DIRS:
        for tr in sorted(glob.glob(os.path.join(ROOT, d, "*.jsonl.gz"))):
            if os.path.basename(tr) in seen:
                continue  # ../shared/traces' copies in examples/
            seen.add(os.path.basename(tr))
            r, err = score.grade(exe, grader, tr)
            ref, err2 = score.grade(exe, grader, tr, ["--algorithm", "variance"])
            if err or err2:
                sys.exit("%s: %s" % (tr, err or err2))
            nodeep = None
            if has_deep(tr):
                with tempfile.TemporaryDirectory() as d:
                    plain = os.path.join(d, os.path.basename(tr)[:-3])
                    strip_deep(tr, plain)
                    nodeep, err = score.grade(exe, grader, plain)
                    if err:
                        sys.exit("%s: %s" % (plain, err))
            lines.append(row(os.path.basename(tr), where, r, ref, nodeep))
    text = open(doc).read()
    a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
    open(doc, "w").write(text[:a] + "\n" + "\n".join(lines) + "\n" + text[b:])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
