#!/bin/bash
# record_all.sh OUTDIR NAME...: records each workload of workloads.py with
# record.py at 10 Hz into OUTDIR/NAME.jsonl.gz (on a machine with an NVIDIA
# GPU, PyTorch and pynvml). Each workload is stopped after 240 s at most.
set -u
out=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for w in "$@"; do
	echo "== $w $(date +%T)"
	timeout -k 5 240 python3 "$here/record.py" "$out/$w.jsonl" 10 -- python3 "$here/workloads.py" "$w" \
		> "$out/$w.log" 2>&1
	echo "rc=$? $(grep -c '"procs"' "$out/$w.jsonl") samples; events: $(grep -o '"event":"[a-z_]*"' "$out/$w.jsonl" | sort | uniq -c | tr '\n' ' ')"
	tail -3 "$out/$w.log"
	gzip -f "$out/$w.jsonl"
	pkill -f "$here/workloads.py" 2>/dev/null
	sleep 2
done
