#!/bin/bash
# record.sh VRAMTOP OUT.jsonl: records vramtop's bundled demo on a real GPU --
# an inference server holding its memory, a notebook's small tensors, and a
# fine-tuning run that leaks until it runs out of memory -- with `vramtop
# record` itself, so the trace carries the GPU's name and the processes'
# names, users and command lines.
set -u
VT=$1 OUT=$2
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
"$VT" record "$OUT" --force --duration 170 &
rec=$!
sleep 3
python3 serve.py meta-llama/Llama-3.1-70B-Instruct --gpu-memory-gb 60 > /tmp/serve.log 2>&1 &
srv=$!
python3 -c "import torch,time; x=torch.empty(3*2**30,dtype=torch.uint8,device='cuda'); time.sleep(1e6)" > /dev/null 2>&1 &
nb=$!
sleep 15
python3 train.py --model llama-3-8b --batch-size 64 --leak-mb 60 > /tmp/train.log 2>&1
sleep 8
kill $srv $nb 2>/dev/null
wait $rec
cat /tmp/train.log /tmp/serve.log
