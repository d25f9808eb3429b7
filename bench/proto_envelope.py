"""proto_envelope: Python prototype of the "envelope" OOM predictor
(src/analysis/oom_envelope.c is its exact C port). Reads a trace (v1 JSONL,
gzip or plain), resamples it per GPU like `vramtop analyze` and prints the
same analysis JSONL, so tools/score_oom.py can grade it.
usage: proto_envelope.py TRACE.jsonl[.gz] [REFRESH_S]"""
import sys, json, gzip, math, bisect

MB = 1048576.0
CAP = 512            # ring capacity, samples
MIN_SEG = 10         # min_sustained_samples
MIN_RATE = 1.0       # MB/s
Z_SIG = 3.0          # growth over the segment must exceed Z_SIG residual sigmas
ALPHA = 0.3          # each third must rise by >= ALPHA of the trend's rise
BETA = 0.25          # first and last thirds' own slopes >= BETA of the trend
K_EVID = 0.2         # evidence ratio (grown / headroom) that gives confidence 0.3
HORIZON = 3600.0
CULPRIT_MIN_MB = 1.0  # a culprit's own trend rose at least this much
GAMMA = 0.5          # no single interval may carry more than this share of the rise
STABLE_W = 30        # samples looked at to call a trendless series stable
STABLE_MB = 64.0     # ... when it spans less than this
STABLE_FRAC = 0.02   # ... or than this share of its level
ENV = __import__("os").environ
Z_RATE = float(ENV.get("ZR", "1.5"))   # rate range: +- Z_RATE block sigmas ...
U0 = float(ENV.get("U0", "0.05"))     # ... plus this share of the rate
B_FLOOR = 0.3        # the slow end never below this share of the rate
MAX_BLOCKS = 8
HW = float(ENV.get("HW", "0.5"))
BLOCK_MIN = 8        # samples per block at least


def cands(cap, lo):
    out, L = [], lo
    while L < cap:
        out.append(L)
        L = max(L + 1, int(L * 1.25))
    out.append(cap)
    return out


CANDS = cands(CAP, MIN_SEG)


class Prefix:
    """Prefix sums over one tick's window (t relative to the first sample),
    so that a least-squares fit or a mean over any slice costs O(1)."""

    def __init__(s, ts, ys):
        t0 = ts[0]
        s.ts, s.ys = ts, ys
        st = [0.0]; sy = [0.0]; stt = [0.0]; sty = [0.0]; syy = [0.0]
        for t, y in zip(ts, ys):
            x = t - t0
            st.append(st[-1] + x); sy.append(sy[-1] + y); stt.append(stt[-1] + x * x)
            sty.append(sty[-1] + x * y); syy.append(syy[-1] + y * y)
        s.st, s.sy, s.stt, s.sty, s.syy, s.t0 = st, sy, stt, sty, syy, t0
        s.d = [ys[i] - ys[i - 1] for i in range(1, len(ys))]

    def ols(s, i0, i1):
        """slope, mean t (absolute), mean y, residual sigma of [i0, i1)."""
        n = i1 - i0
        mt = (s.st[i1] - s.st[i0]) / n
        my = (s.sy[i1] - s.sy[i0]) / n
        sxx = (s.stt[i1] - s.stt[i0]) - n * mt * mt
        sxy = (s.sty[i1] - s.sty[i0]) - n * mt * my
        syy = (s.syy[i1] - s.syy[i0]) - n * my * my
        b = sxy / sxx if sxx > 1e-12 else 0.0
        ss = max(0.0, syy - b * sxy)
        return b, mt + s.t0, my, math.sqrt(ss / n)

    def mean(s, i0, i1):
        return (s.sy[i1] - s.sy[i0]) / (i1 - i0)


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def seg_test(P, n, L, sign, cont=False):
    """Does the window of the last L samples show sustained monotone change
    in direction sign (+1 growth, -1 decline)? Returns the trend slope or None.
    cont: the window continues an accepted segment; its last third need not
    rise on its own (a leak may pause), only keep making new highs."""
    ts, ys = P.ts, P.ys
    i0 = n - L
    dur = ts[n - 1] - ts[i0]
    if dur <= 0:
        return None
    b, mt, my, sig = P.ols(i0, n)
    b *= sign
    if b <= 0 or b * dur < Z_SIG * sig:
        return None
    k = L // 3
    p = [(i0, i0 + k), (i0 + k, n - k), (n - k, n)]
    m = [P.mean(a, c) * sign for a, c in p]
    e = b * dur / 3.0
    if m[1] - m[0] < ALPHA * e or m[2] - m[1] < ALPHA * e:
        return None
    d = P.d[i0:n - 1]
    jump = max(d) if sign > 0 else -min(d)
    if jump > GAMMA * b * dur:
        return None                     # one step is not a trend
    if sign > 0:
        lo1, lo3 = min(ys[p[0][0]:p[0][1]]), min(ys[p[2][0]:n])
        hi1, hi2, hi3 = max(ys[p[0][0]:p[0][1]]), max(ys[p[1][0]:p[1][1]]), max(ys[p[2][0]:n])
    else:
        lo1, lo3 = -max(ys[p[0][0]:p[0][1]]), -max(ys[p[2][0]:n])
        hi1, hi2, hi3 = -min(ys[p[0][0]:p[0][1]]), -min(ys[p[1][0]:p[1][1]]), -min(ys[p[2][0]:n])
    if lo3 <= lo1 or hi3 <= hi1:
        return None
    if cont and hi3 <= hi2 + 0.05 * e:
        return None                     # no new high lately: the growth stopped
    for a, c in ((p[0],) if cont else (p[0], p[2])):
        if P.ols(a, c)[0] * sign < BETA * b:
            return None
    return b


class Series:
    """One memory series (a GPU's used bytes or one process's), in MB."""

    def __init__(s):
        s.ts, s.ys = [], []
        s.seg = 0      # length of the accepted segment last tick (0: none)
        s.sign = 0

    def push(s, t, y):
        if not (math.isfinite(t) and math.isfinite(y)):
            return
        if s.ts:
            dt = t - s.ts[-1]
            if dt < -1e-9:
                s.ts, s.ys = [], []        # time went backwards: start over
                s.seg = 0
            elif dt <= 1e-9:
                s.ys[-1] = y
                return
        s.ts.append(t)
        s.ys.append(y)
        if s.seg:
            s.seg += 1
        if len(s.ts) > CAP:
            del s.ts[0], s.ys[0]
        s.seg = min(s.seg, len(s.ts))

    def analyze(s, min_rate):
        """phase, rate, and for a trend the segment length L."""
        ts, ys, n = s.ts, s.ys, len(s.ts)
        res = dict(phase="stable", rate=0.0, L=0)
        s.P = None
        if n < 3:
            s.seg = s.sign = 0
            return res
        P = s.P = Prefix(ts, ys)
        for sign in (1, -1):
            best = None
            for L in reversed(CANDS):      # the longest window that passes
                if L > n:
                    continue
                b = seg_test(P, n, L, sign)
                if b is not None:
                    best = (L, b)
                    break
            if s.sign == sign and s.seg >= MIN_SEG and (not best or s.seg > best[0]):
                b = seg_test(P, n, s.seg, sign, cont=True)
                if b is not None:
                    best = (s.seg, b)
            if best and best[1] >= min_rate:
                L, b = best
                res.update(phase="growing" if sign > 0 else "shrinking", rate=sign * b, L=L)
                s.seg, s.sign = L, sign
                return res
        s.seg = s.sign = 0
        # no sustained trend: stable if the recent spread is small
        w = min(n, STABLE_W)
        lo, hi = min(ys[n - w:]), max(ys[n - w:])
        lvl = abs(P.mean(n - w, n))
        b = P.ols(n - w, n)[0]
        res.update(phase="stable" if hi - lo <= max(STABLE_MB, STABLE_FRAC * lvl) else "volatile", rate=b)
        return res

    def oom(s, L, cap_mb, min_rate, lv=None):
        """OOM range for a growing segment of the last L samples against a
        capacity cap_mb (MB). Returns (low, high, conf, rate) or None.
        lv: the GPU's used MB at the same instants, when s is a process:
        the envelope (what must fit) is the GPU's, the rate the process's."""
        ts, ys, n, P = s.ts, s.ys, len(s.ts), s.P
        lv = ys if lv is None else lv
        i0 = n - L
        half = max(MIN_SEG, L // 2)
        quart = max(MIN_SEG, L // 4)
        b_seg = P.ols(i0, n)[0]
        b_h, mt_h, my_h, _ = P.ols(n - half, n)
        b_mid = b_h
        if b_mid < min_rate or b_mid <= 1e-9:
            return None
        # the rate's own fluctuation: slopes of disjoint blocks of the segment
        nb = max(2, min(MAX_BLOCKS, L // BLOCK_MIN))
        rs, taus = [], []
        for j in range(nb):
            a, c = i0 + L * j // nb, i0 + L * (j + 1) // nb
            rs.append(P.ols(a, c)[0])
            taus.append(ts[c - 1] - ts[a])
        mr = sum(rs) / nb
        sd = math.sqrt(sum((r - mr) ** 2 for r in rs) / (nb - 1))
        tau = sum(taus) / nb
        tn = ts[-1]
        # the envelopes brought forward to now along the trend
        proj = [lv[i] + b_mid * (tn - ts[i]) for i in range(n - half, n)]
        peak, trough = max(proj), min(proj)
        h_peak = max(0.0, cap_mb - peak)
        h_trough = max(0.0, cap_mb - (HW * trough + (1 - HW) * peak))
        # over a horizon T the block fluctuations average out as sqrt(tau/T)
        t_mid = h_peak / b_mid
        du = U0 * b_mid
        if tau > 0:
            du += Z_RATE * sd * math.sqrt(tau / max(t_mid, tau))
        b_lo = max(b_mid - du, B_FLOOR * b_mid, min(b_seg, b_mid) * B_FLOOR)
        b_hi = max(b_mid + du, b_seg)
        low = min(HORIZON, h_peak / b_hi)
        high = min(HORIZON, max(low, h_trough / b_lo))
        k = max(2, L // 8)
        grown = median(ys[n - k:]) - median(ys[i0:i0 + k])
        rho = grown / max(h_peak, 1.0)
        conf = max(0.0, min(1.0, 0.3 / K_EVID * rho))
        return low, high, conf, b_mid

    def rise_over(s, L):
        """The trend rise of this series over (at most) its last L samples."""
        m = min(L, len(s.ts))
        if m < 3 or s.P is None:
            return 0.0
        n = len(s.ts)
        return s.P.ols(n - m, n)[0] * (s.ts[-1] - s.ts[n - m])


def load(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        for l in f:
            if l.strip():
                yield json.loads(l)


class Predictor:
    """One GPU: its own series and one per process identity."""

    def __init__(s):
        s.gpu = Series()
        s.procs = {}

    def update(s, t, total, used, free, procs):
        s.gpu.push(t, used / MB)
        seen = set()
        pouts = []
        for pid, st, pu in procs:
            key = (pid, st)
            seen.add(key)
            ps = s.procs.setdefault(key, Series())
            ps.push(t, pu / MB)
            pouts.append((pid, ps.analyze(MIN_RATE), ps))
        for key in list(s.procs):
            if key not in seen:
                del s.procs[key]
        a = s.gpu.analyze(MIN_RATE)
        out = dict(phase=a["phase"], rate_mb_s=round(a["rate"], 2), oom=None)
        cap = (used + free) / MB if used + free <= total else total / MB
        if a["phase"] == "growing" and total > 0:
            r = s.gpu.oom(a["L"], cap, MIN_RATE)
            if r:
                low, high, conf, b = r
                out["rate_mb_s"] = round(b, 2)
                out["oom"] = dict(low_s=round(low, 1), high_s=round(high, 1), confidence=round(conf, 3))
                best, cul = CULPRIT_MIN_MB, 0
                for pid, pa, ps in pouts:
                    g = ps.rise_over(a["L"])
                    if g > best:
                        best, cul = g, pid
                out["culprit_pid"] = cul
        if out["oom"] is None and total > 0:
            # the GPU's series may be too noisy (a spiky neighbour) to show the
            # trend that one process's own series shows: take the process
            # growing most, if the GPU as a whole fills at half its pace
            best, cand = CULPRIT_MIN_MB, None
            for pid, pa, ps in pouts:
                if pa["phase"] == "growing":
                    g = ps.rise_over(pa["L"])
                    if g > best:
                        best, cand = g, (pid, pa, ps)
            if cand:
                pid, pa, ps = cand
                m = len(ps.ts)
                lv = s.gpu.ys[len(s.gpu.ys) - m:]
                L = pa["L"]
                if s.gpu.P is not None and s.gpu.P.ols(len(s.gpu.ys) - L, len(s.gpu.ys))[0] >= 0.5 * pa["rate"]:
                    r = ps.oom(L, cap, MIN_RATE, lv)
                    if r:
                        low, high, conf, b = r
                        out["oom"] = dict(low_s=round(low, 1), high_s=round(high, 1), confidence=round(conf, 3))
                        out["culprit_pid"] = pid
        return out, [(pid, pa) for pid, pa, ps in pouts]


def main():
    path = sys.argv[1]
    refresh = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    preds, last = {}, {}
    for r in load(path):
        if "gpus" not in r:
            continue
        for g in r["gpus"]:
            i = g["i"]
            if i in last and r["t"] - last[i] < refresh - 1e-6:
                continue
            last[i] = r["t"]
            procs = [(p["pid"], p.get("starttime", 0), p.get("used") or 0) for p in r.get("procs", []) if p.get("gpu") == i]
            out, pouts = preds.setdefault(i, Predictor()).update(r["t"], g["total"], g["used"], g["free"], procs)
            line = dict(t=r["t"], gpu=i)
            line.update(out)
            print(json.dumps(line))
            for pid, a in pouts:
                print(json.dumps(dict(t=r["t"], gpu=i, pid=pid, phase=a["phase"], rate_mb_s=round(a["rate"], 2))))


if __name__ == "__main__":
    main()
