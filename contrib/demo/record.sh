#!/bin/bash
# record.sh VRAMTOP OUT.jsonl: records vramtop's bundled demo on a real GPU --
# an inference server holding its memory, a notebook's small tensors, and a
# fine-tuning run that leaks until it runs out of memory -- with `vramtop
# record` itself, so the trace carries the GPU's name and the processes'
# names, users and command lines. Sizes scale with the GPU's memory.
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
python3 train.py --model llama-3-8b --batch-size 64 --weights-gb "$(gb 0.10)" \
  --optim-gb "$(gb 0.05)" --leak-mb 60 > /tmp/train.log 2>&1
sleep 8
kill $srv $nb 2>/dev/null
sleep 4
kill -INT $rec
wait $rec
cat /tmp/train.log /tmp/serve.log
