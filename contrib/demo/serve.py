"""serve.py: a stand-in for an inference server -- weights, then a KV-cache
pool that fills over a few seconds and stays. Used to record the demo."""
import argparse, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--gpu-memory-gb", type=float, default=40)
args = ap.parse_args()
G = 2**30
w = torch.empty(int(args.gpu_memory_gb * 0.4 * G), dtype=torch.uint8, device="cuda")
kv = []
for _ in range(12):
    kv.append(torch.empty(int(args.gpu_memory_gb * 0.05 * G), dtype=torch.uint8, device="cuda"))
    time.sleep(0.5)
print(f"ready {time.time():.3f}", flush=True)
time.sleep(1e6)
