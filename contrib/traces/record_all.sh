#!/bin/bash
# record_all.sh OUTDIR NAME...: records each workload of workloads.py with
# record.py at 10 Hz into OUTDIR/NAME.jsonl.gz (on a machine with an NVIDIA
# GPU, PyTorch and pynvml); the workloads' output goes to OUTDIR/logs.txt.
# Each workload is stopped after 240 s at most.
set -u
out=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for w in "$@"; do
	echo "== $w $(date +%T)" | tee -a "$out/logs.txt"
	timeout -k 5 240 python3 "$here/record.py" "/tmp/$w.jsonl" 10 -- python3 "$here/workloads.py" "$w" \
		>> "$out/logs.txt" 2>&1
	echo "rc=$? $(grep -c '"procs"' "/tmp/$w.jsonl") samples; events: $(grep -o '"event":"[a-z_]*"' "/tmp/$w.jsonl" | sort | uniq -c | tr '\n' ' ')" | tee -a "$out/logs.txt"
	gzip -c "/tmp/$w.jsonl" > "$out/$w.jsonl.gz"
	pkill -f "$here/workloads.py" 2>/dev/null
	sleep 2
done
