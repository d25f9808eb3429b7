#!/usr/bin/env python3
"""compare.py: runs nvml_probe against the simulator and checks it prints what the real driver printed.

Usage: compare.py PROBE LIBRARY SCENARIO RECORD. Prints TAP, one test per line
of RECORD (the probe's output on real hardware). Timings, pids, and the
values of machine-specific lines (the probe's own path, pid 1's name) are
left out of the comparison; their return codes are still compared.
"""
import os
import re
import subprocess
import sys

MACHINE_SPECIFIC = ("process_name(self)", "process_name(1)")


def normalise(line):
    line = re.sub(r" \(\d+ us\)$", "", line)
    line = re.sub(r"process_name\(\d+\)", "process_name(PID)", line)
    if line.startswith(MACHINE_SPECIFIC):
        line = re.sub(r'(= rc \d+).*', r"\1", line)
    # A record's first word holds the pid in its low 32 bits.
    line = re.sub(r"(\+0 = 0x[0-9a-f]{8})[0-9a-f]{8}$", r"\1PIDPIDPI", line)
    return line


def main():
    probe, library, scenario, record = sys.argv[1:5]
    holder = subprocess.Popen(["sleep", "60"])
    try:
        env = dict(os.environ, VRAMTOP_FAKE_NVML_SCENARIO=scenario,
                   PROBE_PID=str(holder.pid))
        env.pop("VRAMTOP_FAKE_NVML_TIME_SCALE", None)
        out = subprocess.run([probe, library, str(holder.pid)], env=env,
                             capture_output=True, text=True, timeout=60).stdout
    finally:
        holder.kill()
        holder.wait()
    got = [normalise(l) for l in out.splitlines()]
    with open(record) as f:
        want = [normalise(l) for l in f.read().splitlines()]
    print("1..%d" % (len(want) + 1))
    failed = 0
    for i, line in enumerate(want, 1):
        have = got[i - 1] if i - 1 < len(got) else "<missing>"
        if have == line:
            print("ok %d - %s" % (i, line))
        else:
            failed += 1
            print("not ok %d - %s" % (i, line))
            print("# simulator: %s" % have)
    ok = len(got) == len(want)
    print("%s %d - same number of lines (%d, %d)" % ("ok" if ok else "not ok",
                                                     len(want) + 1, len(got), len(want)))
    return 1 if failed or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
