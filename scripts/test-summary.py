#!/usr/bin/env python3
"""test-summary: count individual test cases from meson's testlog.json.
A TAP test contributes each "ok"/"not ok" line; any other test counts as one
case. A TAP test that failed without a "not ok" line (a crash) counts one
failure more. TAP's TODO directive: "not ok ... # TODO why" is a known failure
(counted apart, not a failure); "ok ... # TODO" passed while listed as known
and counts as a failure, so the list is cleaned up once the fix lands. Prints the failures, then "N passed, N failed"; exit 1 on any."""
import json, re, sys

path = sys.argv[1] if len(sys.argv) > 1 else "build/meson-logs/testlog.json"
passed = failed = todo = 0
bad = []
for line in open(path):
    d = json.loads(line)
    out = d.get("stdout") or ""
    ok = d["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
    cases = re.findall(r"^(not ok|ok)\b(.*)$", out, re.M)
    if d.get("protocol") == "tap" or cases:
        is_todo = [re.search(r"#\s*TODO\b", rest, re.I) is not None for _, rest in cases]
        p = sum(1 for (k, _), t in zip(cases, is_todo) if k == "ok" and not t)
        f = sum(1 for (k, _), t in zip(cases, is_todo) if k == "not ok" and not t)
        todo += sum(1 for (k, _), t in zip(cases, is_todo) if k == "not ok" and t)
        bad += [f"{d['name']}: not ok{rest}" for (k, rest), t in zip(cases, is_todo)
                if k == "not ok" and not t]
        unexpected = [f"{d['name']}: ok{rest} (listed as known to fail: now passes)"
                      for (k, rest), t in zip(cases, is_todo) if k == "ok" and t]
        bad += unexpected
        f += len(unexpected)
        if not ok and f == 0:
            f = 1
            bad.append(f"{d['name']}: {d['result']} (exit {d.get('returncode')})")
        passed += p
        failed += f
    elif ok:
        passed += 1
    else:
        failed += 1
        bad.append(f"{d['name']}: {d['result']} (exit {d.get('returncode')})")
for b in bad:
    print("FAILED", b)
print(f"{passed} passed, {failed} failed" + (f", {todo} known failures (TAP TODO)" if todo else ""))
sys.exit(1 if failed or passed == 0 else 0)
