"""train.py: a stand-in for a fine-tuning run that leaks -- weights, then
activations that come and go, and a few tensors a step that are never freed
(a list that keeps the loss history on the GPU), until it runs out of memory.
Used to record vramtop's bundled demo (contrib/demo/record.sh)."""
import argparse, os, random, sys, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="llama-3-8b")
ap.add_argument("--batch-size", type=int, default=64)
ap.add_argument("--leak-mb", type=float, default=60.0, help="MB kept per step")
ap.add_argument("--weights-gb", type=float, default=16.0)
ap.add_argument("--optim-gb", type=float, default=8.0)
args = ap.parse_args()
G, M = 2**30, 2**20
dev = "cuda"
weights = torch.empty(int(args.weights_gb * G), dtype=torch.uint8, device=dev)
optim = torch.empty(int(args.optim_gb * G), dtype=torch.uint8, device=dev)
history = []
print(f"start {os.getpid()} {time.time():.3f}", flush=True)
step = 0
try:
    while True:
        act = torch.empty(int(random.uniform(2, 4) * G), dtype=torch.uint8, device=dev)
        history.append(torch.empty(int(args.leak_mb * M * random.uniform(0.7, 1.3)),
                                   dtype=torch.uint8, device=dev))
        del act
        step += 1
        if step % 20 == 0:
            torch.cuda.empty_cache()
        time.sleep(0.1)
except torch.OutOfMemoryError:
    print(f"oom {os.getpid()} {time.time():.3f} step {step}", flush=True)
    time.sleep(3)
    sys.exit(1)
