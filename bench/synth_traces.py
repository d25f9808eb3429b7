"""synth_traces: physically plausible synthetic GPU-memory traces (trace format
v1, with start/oom events) with randomised parameters, to evaluate an OOM
predictor on many more shapes than the recorded ones; and the evaluation loop.
  synth_traces.py gen OUTDIR [N_PER_SHAPE] [SEED]   write OUTDIR/<shape>_<k>.jsonl.gz
  synth_traces.py eval OUTDIR CMD...                run CMD TRACE > analysis for every
      trace, grade it with score_oom.py, print pass rates per shape
      (CMD e.g. `python3 bench/proto_envelope.py` or `build-x/vramtop analyze`)
The models follow tools/workloads.py: a PyTorch caching allocator seen through
NVML (reserved bytes: live tensors plus the cache of the largest transient
since the last empty_cache), 615 MiB used by the driver on an idle GPU."""
import sys, os, json, gzip, math, random, subprocess

MB = 1048576
HZ = 5.0                       # samples per second written
IDLE = 615                     # MiB NVML reports used on an idle H200
CAPS = (143771, 81559)         # H200, H100 80 GB (MiB)


class Gpu:
    """One GPU's processes over time; each process is a function t -> MiB
    (None before it starts / after it ends)."""

    def __init__(s, i, cap):
        s.i, s.cap, s.procs = i, cap, []

    def add(s, pid, fn):
        s.procs.append((pid, fn))


def ballast(gb, t_on=0.0):
    return lambda t: gb * 1024.0 if t >= t_on else None


class Torch:
    """A training-like loop: each 0.1 s step allocates a transient of
    U(tlo, thi) MiB and leaks `leak(t)` MiB/s; empty_cache every `every` steps
    releases the cache down to the live bytes. Allocation fails (OOM) when
    live + transient exceeds what the GPU has left."""

    def __init__(s, t0, ctx, leak, tlo, thi, every, room, rng, pauses=()):
        s.t0, s.ctx, s.leak, s.tlo, s.thi, s.every, s.room = t0, ctx, leak, tlo, thi, every, room
        s.rng, s.pauses = rng, pauses
        s.step, s.live, s.cache, s.tmp = 0, 0.0, 0.0, 0.0
        s.t = t0
        s.hist = [ctx]
        s.dhist = [(0.0, 0.0, 0.0, 0.0)]  # (live, cache, transient, peak) MiB: deep mode's figures
        s.phase = random.Random(int(t0 * 1000))  # where in its step a sample lands
        s.oom = None
        s.end = None

    def advance(s, t):
        while s.t + 0.1 <= t and s.oom is None and (s.end is None or s.t < s.end):
            s.t += 0.1
            s.step += 1
            paused = any(a <= s.t - s.t0 < b for a, b in s.pauses)
            rate = 0.0 if paused else s.leak(s.t - s.t0)
            tmp = s.rng.uniform(s.tlo, s.thi)
            need = s.live + rate * 0.1 + tmp
            if need > s.room(s.t):
                s.oom = s.t
                break
            s.live += rate * 0.1
            s.cache = min(max(s.cache, tmp), max(0.0, s.room(s.t) - s.live))
            if s.step % s.every == 0:
                s.cache = 0.0
            s.hist.append(s.ctx + s.live + s.cache)
            s.dhist.append((s.live, s.cache, tmp, max(s.dhist[-1][3], s.live + tmp)))

    def __call__(s, t):
        if t < s.t0:
            return None
        s.advance(t)
        return s.hist[min(len(s.hist) - 1, int((t - s.t0) / 0.1 + 1e-9))]

    def deep(s, t):
        """(allocated, reserved, peak allocated) MiB at t: the live tensors,
        with the step's activations when the sample lands while they are held
        (most of a GPU-bound step); with the cache; the most ever allocated."""
        s.advance(t)
        live, cache, tmp, peak = s.dhist[min(len(s.dhist) - 1, int((t - s.t0) / 0.1 + 1e-9))]
        held = tmp * s.phase.random() if s.phase.random() < 0.8 else 0.0
        return live + min(held, cache), live + cache, peak


DEEP = False  # gen --deep: the leaking loops report deep mode's figures


def fn_owner(fn):
    return getattr(fn, "__self__", fn)


def write(path, gpus, t_end, events, rng):
    t0 = 1.8e9 + rng.uniform(0, 1e6)
    rows = []
    n = int(t_end * HZ)
    for k in range(n + 1):
        t = k / HZ
        gs, ps = [], []
        for g in gpus:
            used = IDLE
            for pid, fn in g.procs:
                v = fn(t)
                if v is None:
                    continue
                v = max(0.0, min(v, g.cap - used))
                used += v
                row = dict(gpu=g.i, pid=pid, used=int(v * MB) // 2097152 * 2097152)
                if DEEP and hasattr(fn, "deep") and t >= getattr(fn_owner(fn), "t0", 0.0):
                    a, r, pk = fn.deep(t)
                    row["deep"] = dict(allocated=int(a * MB), reserved=int(r * MB), active=int(a * MB),
                                       peak_allocated=int(pk * MB), alloc_retries=0, ooms=0)
                ps.append(row)
            u = int(used * MB) // 2097152 * 2097152
            gs.append(dict(i=g.i, total=g.cap * MB, used=u, free=g.cap * MB - u))
        rows.append(dict(t=round(t0 + t, 3), gpus=gs, procs=ps))
    for e in events:
        e = dict(e)
        e["t"] = round(t0 + e["t"], 3)
        if "at" in e:
            e["at"] = round(t0 + e["at"], 3)
        rows.append(e)
    rows.sort(key=lambda r: r["t"])
    with gzip.open(path, "wt") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def leakfn(rng, rate):
    """rate MiB/s that drifts +-25 % slowly, like a real loop's."""
    ph, per, amp = rng.uniform(0, 6.3), rng.uniform(40, 200), rng.uniform(0, 0.25)
    return lambda t: rate * (1 + amp * math.sin(ph + 2 * math.pi * t / per))


def torch_leak(rng, g, pid, t0, growth_s, neighbour_gb=None, pauses=(), reserve=0.0):
    """A leaking loop sized so that the OOM comes about growth_s after t0."""
    rate = math.exp(rng.uniform(math.log(20), math.log(1000)))
    thi = rng.uniform(50, min(4000, max(60, rate * growth_s * 0.3)))
    tlo = thi * rng.uniform(0.2, 0.8)
    every = rng.choice((5, 10, 25, 40, 60, 100, 300))
    ctx = rng.uniform(300, 600)
    free_needed = rate * growth_s + thi + ctx + reserve
    nb = g.cap - IDLE - free_needed if neighbour_gb is None else neighbour_gb * 1024
    if nb < 0:
        return None
    if nb > 100:
        g.add(pid + 1, ballast(nb / 1024))
    used0 = IDLE + (nb if nb > 100 else 0)
    w = Torch(t0, ctx, leakfn(rng, rate), tlo, thi, every, lambda t: g.cap - used0 - ctx - reserve, rng, pauses)
    g.add(pid, w)
    return w, dict(rate=rate, thi=thi, every=every)


def finish_oom(rng, path, gpus, w, pid, gi, t0, extra_events=()):
    w.advance(t0 + 2000)
    if w.oom is None:
        return False
    end = w.oom + 3.0
    w.end = w.oom
    fn_live = w

    def gone(t, f=fn_live):
        return None if t > end else f(t)
    if hasattr(w, "deep"):
        gone.deep = w.deep
    g = gpus[gi]
    g.procs = [(p, gone if p == pid else f) for p, f in g.procs]
    ev = [dict(t=t0, event="start", pid=pid, at=t0, gpu=gi),
          dict(t=w.oom, event="oom", pid=pid, at=w.oom, gpu=gi)] + list(extra_events)
    write(path, gpus, end + 1.0, ev, rng)
    return True


def shape_leak(rng, path, kind):
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    t0 = rng.uniform(3, 8)
    growth = rng.uniform(20, 360)
    pauses = ()
    if kind == "leak_pauses":
        pauses, a = [], rng.uniform(10, 30)
        while a < 400:
            d = rng.uniform(3, 12)
            pauses.append((a, a + d))
            a += d + rng.uniform(20, 60)
    spike = rng.uniform(1, 4) if kind == "leak_spiky_neighbour" else 0.0
    if spike:
        g.add(2000, Spiky(rng, t0=0.0, kv_gb=0.0, max_gb=spike))
    r = torch_leak(rng, g, 1000, t0, growth, pauses=pauses, reserve=(spike * 1024 + 400) if spike else 0.0)
    if r is None:
        return None
    w, info = r
    if not finish_oom(rng, path, [g], w, 1000, 0, t0):
        return None
    return info


class Stair:
    def __init__(s, t0, ctx, step_mb, period, room, rng):
        s.t0, s.ctx, s.step, s.period, s.room, s.rng = t0, ctx, step_mb, period, room, rng
        s.oom = None
        s.end = None
        s.n = 0

    def advance(s, t):
        while s.oom is None and s.t0 + s.n * s.period <= t:
            if s.ctx + (s.n + 1) * s.step + 150 > s.room:
                s.oom = s.t0 + s.n * s.period
                break
            s.n += 1

    def __call__(s, t):
        if t < s.t0:
            return None
        s.advance(t)
        n = min(s.n, int((t - s.t0) / s.period) + 1)
        return s.ctx + n * s.step + s.rng.uniform(50, 150)


def shape_staircase(rng, path, kind):
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    t0 = rng.uniform(3, 8)
    step = rng.uniform(500, 4000)
    period = rng.uniform(2, 20)
    growth = rng.uniform(max(30, 4 * period), 360)
    free_needed = step / period * growth + 500
    nb = cap - IDLE - free_needed
    if nb < 0:
        return None
    if nb > 100:
        g.add(1001, ballast(nb / 1024))
    w = Stair(t0, 500, step, period, cap - IDLE - (nb if nb > 100 else 0), rng)
    g.add(1000, w)
    if not finish_oom(rng, path, [g], w, 1000, 0, t0):
        return None
    return dict(rate=step / period, step=step, period=period)


class Spiky:
    """A flat server (KV pool) with prefill spikes of up to max_gb for 0.4 s."""

    def __init__(s, rng, t0, kv_gb, max_gb, p=0.4):
        s.rng, s.t0, s.kv, s.max, s.p = rng, t0, kv_gb * 1024, max_gb * 1024, p
        s.spikes = {}

    def __call__(s, t):
        if t < s.t0:
            return None
        sec = int(t - s.t0)
        if sec not in s.spikes:
            s.spikes[sec] = s.rng.uniform(0.1, 1) * s.max if s.rng.random() < s.p else 0.0
        frac = (t - s.t0) - sec
        return 400 + s.kv + (s.spikes[sec] if frac < 0.4 else 0.0)


def no_oom(rng, path, gpus, t_end, pid=1000, gi=0, t0=0.0):
    write(path, gpus, t_end, [dict(t=t0, event="start", pid=pid, at=t0, gpu=gi)], rng)


def shape_spiky(rng, path, kind):
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    nb = rng.choice((0, rng.uniform(0, 0.7)))
    if nb:
        g.add(1001, ballast(nb * cap / 1024))
    free = cap - IDLE - nb * cap
    kv = rng.uniform(0.2, 0.8) * free / 1024
    mx = min(6.0, (free / 1024 - kv) * 0.8)
    if mx < 0.5:
        return None
    g.add(1000, Spiky(rng, 3.0, kv, mx, p=rng.uniform(0.2, 0.6)))
    no_oom(rng, path, [g], rng.uniform(60, 180), t0=3.0)
    return dict(max_gb=mx, free_gb=free / 1024 - kv)


class Ramp:
    """Grows rate MiB/s (by steps of `chunk` MiB) for dur seconds, then flat;
    with an optional sawtooth transient on top."""

    def __init__(s, t0, ctx, rate, dur, chunk, rng, saw=0.0, every=2.5):
        s.t0, s.ctx, s.rate, s.dur, s.chunk, s.rng, s.saw, s.every = t0, ctx, rate, dur, chunk, rng, saw, every

    def __call__(s, t):
        if t < s.t0:
            return None
        x = min(t - s.t0, s.dur)
        v = s.ctx + math.floor(s.rate * x / s.chunk) * s.chunk
        if s.saw:
            v += s.saw * (((t - s.t0) % s.every) / s.every) * s.rng.uniform(0.5, 1.0)
        return v


def shape_ramp_stops(rng, path, kind):
    """warmup (clean steps) or plateau (a sawtooth leak that stops): rises by a
    share phi of the free memory, then flat. A ramp that stops far short of
    the capacity must not warn."""
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    nb = rng.choice((0, rng.uniform(0, 0.8)))
    if nb:
        g.add(1001, ballast(nb * cap / 1024))
    free = cap - IDLE - nb * cap
    phi = rng.uniform(0.03, 0.15)
    rate = math.exp(rng.uniform(math.log(50), math.log(2000)))
    dur = phi * free / rate
    if dur < 3 or dur > 300:
        return None
    chunk = rate * rng.uniform(0.1, 1.0) if kind == "warmup" else 30.0
    saw = rng.uniform(100, 1000) if kind == "plateau" else 0.0
    g.add(1000, Ramp(3.0, 500, rate, dur, chunk, rng, saw, rng.uniform(1, 5)))
    no_oom(rng, path, [g], 3 + dur + rng.uniform(30, 90), t0=3.0)
    return dict(phi=phi, rate=rate, dur=dur)


def shape_prealloc(rng, path, kind):
    """JAX (one jump to 75 %), or a server loading (weights, then a KV pool)."""
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    nb = rng.choice((0, rng.uniform(0, 0.3)))
    if nb:
        g.add(1001, ballast(nb * cap / 1024))
    free = cap - IDLE - nb * cap
    if kind == "jax":
        lvl = 0.75 * free

        def f(t):
            return None if t < 3 else 300 + (lvl if t >= 3.5 else 0) + rng.uniform(0, 30)
    else:
        w = rng.uniform(2, 30) * 1024
        kv = rng.uniform(0.5, 0.85) * free - w
        gap = rng.uniform(1, 10)

        def f(t):
            if t < 3:
                return None
            v = 400 + (w if t >= 4 else 0) + (kv if t >= 4 + gap else 0)
            return v + (rng.uniform(0, 64) if rng.random() < 0.3 else 0)
    g.add(1000, f)
    no_oom(rng, path, [g], rng.uniform(40, 120), t0=3.0)
    return dict()


def shape_shrink(rng, path, kind):
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    top = rng.uniform(5, 0.9 * (cap - IDLE)) 
    rate = rng.uniform(50, 3000)

    def f(t):
        return None if t < 3 else 400 + max(0.0, top - max(0.0, t - 8) * rate)
    g.add(1000, f)
    no_oom(rng, path, [g], 8 + top / rate + 10, t0=3.0)
    return dict()


def shape_volatile(rng, path, kind):
    cap = rng.choice(CAPS)
    g = Gpu(0, cap)
    mx = rng.uniform(2, 0.5 * cap) 
    st = {}

    def f(t):
        if t < 3:
            return None
        k = int(t * 2)
        if k not in st:
            st[k] = rng.uniform(0, mx)
        return 400 + st[k]
    g.add(1000, f)
    no_oom(rng, path, [g], rng.uniform(40, 120), t0=3.0)
    return dict()


def shape_multi(rng, path, kind):
    """GPU 0: a leak that OOMs; GPU 1: a spiky server; GPU 2: JAX-like flat."""
    cap = 143771
    gs = [Gpu(i, cap) for i in range(3)]
    t0 = rng.uniform(3, 8)
    r = torch_leak(rng, gs[0], 1000, t0, rng.uniform(20, 300))
    if r is None:
        return None
    w, info = r
    gs[1].add(2000, Spiky(rng, 2.0, rng.uniform(40, 100), 6.0))
    gs[2].add(3000, lambda t: 300 + 0.75 * (cap - IDLE) if t > 4 else None)
    if not finish_oom(rng, path, gs, w, 1000, 0, t0):
        return None
    return info


SHAPES = {
    "leak": shape_leak, "leak_pauses": shape_leak, "leak_spiky_neighbour": shape_leak,
    "staircase": shape_staircase, "spiky": shape_spiky, "warmup": shape_ramp_stops,
    "plateau": shape_ramp_stops, "jax": shape_prealloc, "server": shape_prealloc,
    "shrink": shape_shrink, "volatile": shape_volatile, "multi": shape_multi,
}


def gen(outdir, n, seed):
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(seed)
    meta = {}
    for shape, fn in SHAPES.items():
        k = tries = 0
        while k < n and tries < 20 * n:
            tries += 1
            path = os.path.join(outdir, "%s_%03d.jsonl.gz" % (shape, k))
            info = fn(rng, path, shape)
            if info is None:
                continue
            meta[os.path.basename(path)] = info
            k += 1
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=0)


def evaluate(outdir, cmd):
    here = os.path.dirname(os.path.abspath(__file__))
    score = os.path.join(here, "..", "..", "shared", "tools", "score_oom.py")
    if not os.path.exists(score):
        score = os.path.join(here, "..", "tests", "tools", "score_oom.py")
    meta = json.load(open(os.path.join(outdir, "meta.json")))
    per = {}
    fails = []
    for name in sorted(meta):
        path = os.path.join(outdir, name)
        shape = name.rsplit("_", 1)[0]
        ana = subprocess.run(cmd + [path], capture_output=True, text=True).stdout
        tmp = os.path.join(outdir, ".ana.jsonl")
        with open(tmp, "w") as f:
            f.write(ana)
        res = json.loads(subprocess.run([sys.executable, score, path, tmp], capture_output=True, text=True).stdout)
        if "lead_ok" in res:
            ok = res["lead_ok"] and res["coverage"] >= 0.9 and res["culprit"] >= 0.95 and res["false_alarm_s"] == 0
        else:
            ok = res["false_alarm_s"] == 0
        d = per.setdefault(shape, [0, 0])
        d[0] += ok
        d[1] += 1
        if not ok:
            fails.append((name, res, meta[name]))
    for name, res, info in fails:
        print("FAIL", name, json.dumps({k: v for k, v in res.items() if k not in ("trace",)}), json.dumps(info))
    tot = [0, 0]
    for shape, (a, b) in per.items():
        print("%-22s %3d/%3d  %5.1f %%" % (shape, a, b, 100.0 * a / b))
        tot[0] += a
        tot[1] += b
    print("%-22s %3d/%3d  %5.1f %%" % ("all", tot[0], tot[1], 100.0 * tot[0] / tot[1]))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        if "--deep" in sys.argv:
            sys.argv.remove("--deep")
            DEEP = True
        gen(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20, int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    else:
        evaluate(sys.argv[2], sys.argv[3:])
