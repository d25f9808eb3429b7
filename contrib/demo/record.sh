#!/bin/bash
# record.sh VRAMTOP OUT.jsonl: records vramtop's bundled demo on a real GPU --
# an inference server holding its memory, a notebook's small tensors, and a
# fine-tuning run that leaks until it runs out of memory -- with `vramtop
# record` itself, so the trace carries the GPU's name and the processes'
# names, users and command lines. Sizes scale with the GPU's memory.
# The trainer prints when it started and when PyTorch raised its
# OutOfMemoryError; those two moments go into the trace as "start" and "oom"
# events (the ground truth score_oom.py grades the predictor against). The
# bundled examples/demo.jsonl.gz was recorded before that: its two events were
# added afterwards from the trace itself -- the start at the trainer's first
# sample, the OOM 2.5 s before its last one (it sleeps 3 s after the error and
# left between two 1 s samples), so that time is known to +-0.5 s.
set -u
VT=$1 OUT=$2
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
T=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)
gb() { python3 -c "print(round($T / 1024 * $1, 1))"; }
"$VT" record "$OUT" --force --duration 300 &
rec=$!
sleep 3
python3 serve.py meta-llama/Llama-3.1-70B-Instruct --gpu-memory-gb "$(gb 0.40)" > /tmp/serve.log 2>&1 &
srv=$!
sleep 2
python3 notebook.py "$(gb 0.03)" > /dev/null 2>&1 &
nb=$!
sleep 13
"$VT" wrap -- python3 train.py --model llama-3-8b --batch-size 64 --weights-gb "$(gb 0.10)" \
  --optim-gb "$(gb 0.05)" --leak-mb 60 > /tmp/train.log 2>&1
sleep 8
kill $srv $nb 2>/dev/null
sleep 4
kill -INT $rec
wait $rec
cat /tmp/train.log /tmp/serve.log
# merge the trainer's start and OOM into the trace, in time order
python3 - "$OUT" /tmp/train.log <<'PY'
import json, sys
out, log = sys.argv[1], sys.argv[2]
events = []
for line in open(log):
    w = line.split()
    if len(w) >= 3 and w[0] in ("start", "oom"):
        pid, t = int(w[1]), float(w[2])
        events.append((t, json.dumps({"t": t, "event": w[0], "pid": pid, "gpu": 0, "at": t})))
lines = [(json.loads(l)["t"], l.rstrip("\n")) for l in open(out) if l.strip()]
merged = sorted(lines + events, key=lambda x: x[0])
with open(out, "w") as f:
    f.write("".join(l + "\n" for _, l in merged))
print("events:", [e for _, e in events])
PY
