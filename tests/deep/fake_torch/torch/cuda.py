"""torch.cuda, simulated: per-device caching-allocator statistics."""
import threading

_lock = threading.Lock()
_initialized = False
_stats = {}  # device -> dict in torch.cuda.memory_stats's keys
_ndev = 2
calls = 0  # memory_stats calls (a test checks nothing is asked before init)


def _blank():
    return {"allocated_bytes.all.current": 0, "allocated_bytes.all.peak": 0,
            "reserved_bytes.all.current": 0, "reserved_bytes.all.peak": 0,
            "active_bytes.all.current": 0, "active_bytes.all.peak": 0,
            "num_alloc_retries": 0, "num_ooms": 0, "segment.all.current": 0}


def is_initialized():
    return _initialized


def device_count():
    return _ndev


def memory_stats(device=None):
    global calls
    with _lock:
        calls += 1
        if not _initialized:
            return {}
        return dict(_stats.get(device or 0, _blank()))


def memory_stats_as_nested_dict(device=None):
    """As torch has it: "a.b.c" keys as nested dicts."""
    out = {}
    for k, v in memory_stats(device).items():
        d = out
        parts = k.split(".")
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return out


def _fake_init(ndev=2):
    global _initialized, _ndev
    with _lock:
        _initialized = True
        _ndev = ndev


def _fake_alloc(device, allocated, reserved, active=None, retries=None):
    """Sets a device's current figures; peaks follow."""
    with _lock:
        s = _stats.setdefault(device, _blank())
        s["allocated_bytes.all.current"] = allocated
        s["reserved_bytes.all.current"] = reserved
        s["active_bytes.all.current"] = allocated if active is None else active
        for k in ("allocated", "reserved", "active"):
            cur = s[k + "_bytes.all.current"]
            s[k + "_bytes.all.peak"] = max(s[k + "_bytes.all.peak"], cur)
        if retries is not None:
            s["num_alloc_retries"] = retries
        s["segment.all.current"] = 1 if reserved else 0


def _fake_oom(device, requested):
    """An out-of-memory as the caching allocator reports one."""
    from . import _C
    with _lock:
        s = _stats.setdefault(device, _blank())
        s["num_ooms"] += 1
    for fn in list(_C._observers):  # (device, size asked for, device total, device free)
        fn(device, requested, 80 << 30, 0)
