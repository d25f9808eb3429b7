#!/usr/bin/env python3
"""workloads.py: real PyTorch workloads of the shapes the OOM predictor is
graded on (issue 13), for contrib/traces/record.py.

    python3 contrib/traces/workloads.py NAME

Every process reports to vramtop's deep mode (clients/python) every 0.5 s and
prints "start PID T" when its own work starts and "oom PID T" when PyTorch
raises OutOfMemoryError (T: Unix time). Neighbours print neither: the trace's
OOM is the workload's. Sizes are set from the GPU's free memory, so the shapes
are the same on an H100 and an H200.

  fast_leak    a training-like loop leaking ~1.2 GB/s under the allocator's
               sawtooth into ~36 GB of room: OOM in about 30 s
  two_growers  two processes growing at ~400 and ~150 MB/s into ~40 GB:
               whichever runs out is the culprit
  leak_spiky   a ~350 MB/s leak into ~40 GB beside a server whose prefill
               spikes take 8-20 GB for a second every 2-4 s (failed spikes are rejected
               requests, not OOMs)
  infer_kv     a real transformer decoder (fp16, SDPA) serving requests one
               after another and keeping every session's KV cache, which grows
               by torch.cat at each token, into ~14 GB of room
  train_eval   a real transformer training loop with an evaluation pass of a
               4x batch every 12 s, for 70 s: never runs out
  kv_plateau   infer_kv with at most 24 sessions kept (the oldest evicted):
               grows, then holds, never runs out
  infer_kv_20  infer_kv into ~20 GB of room (a second shape of the same
               physics, for holdout grading)
  train_leak   a real transformer training loop that keeps every step's input
               and output "for logging" (64 MB a step) into ~30 GB: the
               optimizer's state appears at the first step (a start-up ramp),
               then the leak climbs until it runs out"""
import os
import random
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
import vramtop  # noqa: E402

G, M = 2**30, 2**20
name = sys.argv[1]
torch.zeros(1, device="cuda")
vramtop.report(interval=0.5)


def alloc(n):
    return torch.empty(int(n), dtype=torch.uint8, device="cuda")


def say(what):
    print(f"{what} {os.getpid()} {time.time():.3f}", flush=True)


def child(*args):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__)] + list(args))


def ballast_leaving(room_gb):
    """A neighbour holding all free memory but room_gb."""
    free, _ = torch.cuda.mem_get_info()
    gb = max(0.0, free / G - room_gb - 1.0)  # this process's context stays out of it
    p = child("ballast", f"{gb:.2f}")
    while True:  # wait until it holds it
        f, _ = torch.cuda.mem_get_info()
        if f / G <= room_gb + 2.5 or p.poll() is not None:
            return p
        time.sleep(0.2)


def leak_loop(act_gb, leak_mb, sleep_s, cache_every, stop=None):
    kept, step = [], 0
    say("start")
    try:
        while stop is None or time.time() < stop:
            tmp = alloc(random.uniform(*act_gb) * G)  # activations
            kept.append(alloc(random.uniform(*leak_mb) * M))  # the leak
            del tmp
            step += 1
            if step % cache_every == 0:
                torch.cuda.empty_cache()  # the sawtooth NVML sees
            time.sleep(sleep_s)
    except torch.OutOfMemoryError:
        say("oom")
        time.sleep(3)


class Decoder(torch.nn.Module):
    """A GPT-style decoder: pre-norm blocks, multi-head attention with a KV
    cache that grows by one token a step, as Hugging Face's DynamicCache does."""

    def __init__(self, layers=24, d=2048, heads=16, vocab=32000):
        super().__init__()
        self.h, self.d = heads, d
        self.emb = torch.nn.Embedding(vocab, d)
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(torch.nn.ModuleDict(dict(
                n1=torch.nn.LayerNorm(d), qkv=torch.nn.Linear(d, 3 * d), o=torch.nn.Linear(d, d),
                n2=torch.nn.LayerNorm(d), up=torch.nn.Linear(d, 4 * d), down=torch.nn.Linear(4 * d, d))))
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, vocab, bias=False)

    def forward(self, ids, cache):
        x = self.emb(ids)
        b, t, _ = x.shape
        for i, blk in enumerate(self.blocks):
            q, k, v = blk["qkv"](blk["n1"](x)).view(b, t, 3, self.h, -1).permute(2, 0, 3, 1, 4)
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            cache[i] = (k, v)
            a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=cache[i][0].shape[2] == t)
            x = x + blk["o"](a.transpose(1, 2).reshape(b, t, self.d))
            x = x + blk["down"](torch.nn.functional.gelu(blk["up"](blk["n2"](x))))
        return self.head(self.norm(x[:, -1:]))


def serve(room_gb, max_sessions):
    nb = ballast_leaving(room_gb)
    with torch.device("cuda"):
        model = Decoder().half().eval()
    torch.cuda.empty_cache()
    sessions = []
    say("start")
    try:
        with torch.no_grad():
            while True:
                prompt = torch.randint(0, 32000, (1, random.randint(256, 768)), device="cuda")
                cache = [None] * len(model.blocks)
                tok = model(prompt, cache).argmax(-1)
                for _ in range(random.randint(32, 96)):
                    tok = model(tok, cache).argmax(-1)
                torch.cuda.synchronize()
                sessions.append(cache)  # a chat server keeps the session for its next turn
                if max_sessions and len(sessions) > max_sessions:
                    sessions.pop(0)
                if max_sessions and time.time() - t0 > 110:
                    break
    except torch.OutOfMemoryError:
        say("oom")
        time.sleep(3)
    nb.kill()


t0 = time.time()
if name == "ballast":
    keep = alloc(float(sys.argv[2]) * G)
    time.sleep(1e6)
elif name == "fast_leak":
    nb = ballast_leaving(36)
    leak_loop((0.5, 2.0), (80, 140), 0.08, 15)
    nb.kill()
elif name == "two_growers":
    nb = ballast_leaving(40)
    a, b = child("grower", "fast"), child("grower", "slow")
    while a.poll() is None and b.poll() is None:
        time.sleep(0.1)
    time.sleep(3)
    for p in (a, b, nb):
        p.kill()
elif name == "grower":
    if sys.argv[2] == "fast":
        leak_loop((0.3, 1.0), (30, 50), 0.08, 20)
    else:
        kept = []
        say("start")
        try:
            while True:  # a cache that fills: small steady allocations, never freed
                kept.append(alloc(random.uniform(10, 20) * M))
                time.sleep(0.1)
        except torch.OutOfMemoryError:
            say("oom")
            time.sleep(3)
elif name == "leak_spiky":
    nb = ballast_leaving(40)
    sp = child("spiky")
    time.sleep(3)
    leak_loop((0.2, 0.8), (25, 45), 0.1, 20)
    sp.kill()
    nb.kill()
elif name == "spiky":
    base = alloc(2 * G)
    while True:
        try:
            x = alloc(random.uniform(8, 20) * G)
            time.sleep(random.uniform(1.0, 1.5))
            del x
        except torch.OutOfMemoryError:
            pass  # a rejected request
        torch.cuda.empty_cache()
        time.sleep(random.uniform(2, 4))
elif name == "infer_kv":
    serve(14, 0)
elif name == "kv_plateau":
    serve(30, 24)
elif name == "infer_kv_20":
    serve(20, 0)
elif name == "train_leak":
    nb = ballast_leaving(30)
    layer = torch.nn.TransformerEncoderLayer(d_model=1024, nhead=16, dim_feedforward=4096, batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=12).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    logged = []
    say("start")
    try:
        while time.time() - t0 < 220:
            x = torch.randn(16, 512, 1024, device="cuda")
            out = model(x)
            loss = out.pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            logged.append((x, out.detach()))  # the leak: kept "for logging"
            torch.cuda.synchronize()
            time.sleep(0.1)
    except torch.OutOfMemoryError:
        say("oom")
        time.sleep(3)
    nb.kill()
elif name == "train_eval":
    nb = ballast_leaving(40)
    layer = torch.nn.TransformerEncoderLayer(d_model=1024, nhead=16, dim_feedforward=4096, batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=12).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    say("start")
    last_eval = time.time()
    while time.time() - t0 < 70:
        x = torch.randn(16, 512, 1024, device="cuda")
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        time.sleep(0.1)
        if time.time() - last_eval > 12:
            with torch.no_grad():
                for _ in range(5):
                    model(torch.randn(64, 512, 1024, device="cuda")).sum().item()
            torch.cuda.empty_cache()
            last_eval = time.time()
    say("end")
    nb.kill()
else:
    sys.exit("unknown workload " + name)
