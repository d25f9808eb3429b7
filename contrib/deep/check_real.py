#!/usr/bin/env python3
"""check_real.py: deep mode on a real GPU with real PyTorch.

Trains a small model on cuda:0 with the reporter on, then, with training
paused, reads the reporter's own socket as vramtop would and prints its
figures beside torch.cuda.memory_stats taken in the same process at the
same moment (they must be equal); provokes a real CUDA out-of-memory error
and prints the "oom" event the reporter sent; measures what one sample
costs; and, given --vramtop PATH, runs `vramtop --once --json` and prints
the process's "deep" object beside NVML's figure.

    python3 contrib/deep/check_real.py [--vramtop build/vramtop]
    build/vramtop wrap -- python3 contrib/deep/check_real.py --wrapped [--vramtop build/vramtop]

Exit status 0 when every check held, 1 otherwise."""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "clients", "python"))

ap = argparse.ArgumentParser()
ap.add_argument("--wrapped", action="store_true", help="started by `vramtop wrap`: do not call report()")
ap.add_argument("--vramtop", help="a vramtop binary to run --once --json against this process")
ap.add_argument("--steps", type=int, default=200)
args = ap.parse_args()

import torch  # noqa: E402  (under wrap, the reporter starts here)
import vramtop  # noqa: E402

ok = True


def check(cond, what):
    global ok
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    ok = ok and cond


if args.wrapped:
    check(vramtop._reporter is not None, "vramtop wrap started the reporter when torch was imported")
else:
    check(vramtop.report(interval=0.5), "vramtop.report() started")
path = vramtop.socket_path()
print("socket", path, "torch", torch.__version__, "device", torch.cuda.get_device_name(0), flush=True)

# a small training loop
dev = torch.device("cuda:0")
model = torch.nn.Sequential(torch.nn.Linear(4096, 8192), torch.nn.ReLU(), torch.nn.Linear(8192, 4096)).to(dev)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
for step in range(args.steps):
    x = torch.randn(512, 4096, device=dev)
    loss = model(x).pow(2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
torch.cuda.synchronize()
keep = torch.empty(256 << 20, dtype=torch.uint8, device=dev)  # 256 MiB held: allocated moves


class Reader:
    """vramtop's view: a client of the reporter's socket."""
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(10)
        self.buf = b""

    def next(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the reporter closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def wait(self, pred, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.next()
            if pred(m):
                return m
        return None


r = Reader()
hello = r.next()
print("hello", json.dumps(hello))
check(hello.get("v") == 1 and hello.get("pid") == os.getpid(), "hello names this process, version 1")

# training is paused (synchronised, nothing allocating): the next fresh sample
# and memory_stats now must agree exactly
t0 = time.time()
sample = r.wait(lambda m: m.get("type") == "sample" and m.get("cuda_device") == 0 and m["ts"] >= t0)
st = torch.cuda.memory_stats(0)
pairs = [("allocated", "allocated_bytes.all.current"), ("reserved", "reserved_bytes.all.current"),
         ("active", "active_bytes.all.current"), ("peak_allocated", "allocated_bytes.all.peak"),
         ("peak_reserved", "reserved_bytes.all.peak"), ("alloc_retries", "num_alloc_retries"),
         ("ooms", "num_ooms"), ("segments", "segment.all.current")]
print(f"{'field':16} {'reporter':>16} {'memory_stats':>16}")
for k, src in pairs:
    a, b = sample.get(k), st.get(src)
    print(f"{k:16} {a!s:>16} {b!s:>16}{'' if a == b else '   <-- differs'}")
    check(a == b, f"sample {k} equals memory_stats[{src!r}]")

if args.vramtop:
    out = subprocess.run([args.vramtop, "--once", "--json"], capture_output=True, text=True, timeout=60)
    print("vramtop --once --json exit", out.returncode, out.stderr.strip())
    if out.returncode == 0:
        doc = json.loads(out.stdout)
        rows = [(g["index"], p) for g in doc["gpus"] for p in g["processes"] if p["pid"] == os.getpid()]
        for gi, p in rows:
            d = p.get("deep")
            print(f"GPU {gi}: NVML used {p['used']}  deep {json.dumps(d)}")
            if d and p["used"] is not None:
                print(f"  slack (reserved-allocated) {d['reserved'] - d['allocated']}  "
                      f"outside PyTorch (used-reserved) {p['used'] - d['reserved']}")
        check(any(p.get("deep") for _, p in rows), "vramtop shows this process's deep figures")

# a real out-of-memory error
free, total = torch.cuda.mem_get_info(0)
try:
    torch.empty(int(total * 2), dtype=torch.uint8, device=dev)
    check(False, "an allocation of twice the GPU's memory failed")
except torch.cuda.OutOfMemoryError as e:
    print("OOM raised:", str(e).splitlines()[0][:160])
ev = r.wait(lambda m: m.get("type") == "oom", timeout=5)
print("oom event", json.dumps(ev))
check(ev is not None and ev.get("cuda_device") == 0, "the reporter sent an oom event for device 0")
if ev is not None and "requested" in ev:
    check(ev["requested"] >= int(total * 2), "the event names the size asked for")
t1 = time.time()
after = r.wait(lambda m: m.get("type") == "sample" and m.get("cuda_device") == 0 and m["ts"] >= t1)
check(after is not None and after["ooms"] == torch.cuda.memory_stats(0)["num_ooms"] >= 1,
      "samples count the OOM (num_ooms)")

# what a sample costs the host, on real torch
n = 200
c0 = time.thread_time()
for _ in range(n):
    vramtop.samples()
per = (time.thread_time() - c0) / n
print(f"one sample of {torch.cuda.device_count()} visible device(s): {per * 1e6:.0f} us CPU "
      f"= {per * 100:.4f} % of a core at 1 Hz")
check(per < 0.001, "a sample costs under 1 ms of CPU (0.1 % of a core at 1 Hz)")

del keep
print("ALL PASS" if ok else "SOME CHECKS FAILED", flush=True)
sys.exit(0 if ok else 1)
