"""vramtop deep mode: tell vramtop what the PyTorch caching allocator knows.

    import vramtop
    vramtop.report()          # or run the program under `vramtop wrap -- CMD`

starts a daemon thread that serves line-delimited JSON on a private Unix
socket, $XDG_RUNTIME_DIR/vramtop/<pid>.sock (directory 0700, socket 0600),
for vramtop to read: a hello line, then one sample per CUDA device every
`interval` seconds, and an "oom" event when the process runs out of memory.
The protocol is docs/deep-mode.md in the vramtop repository.

Standard library only. It never raises into the host program (report()
returns False and prints one line to stderr when it cannot start), never
keeps the process alive at exit, never initialises CUDA itself (devices are
sampled only once the program has), and removes its socket at exit and on
SIGTERM (a SIGTERM handler already installed is called after it)."""
import atexit
import errno
import json
import os
import select
import signal
import socket
import stat
import sys
import threading
import time

__all__ = ["report", "stop", "socket_path"]
__version__ = "0.1.0"

PROTOCOL_VERSION = 1
LINE_MAX = 4096      # bytes per line, newline included (docs/deep-mode.md)
MAX_CLIENTS = 8      # readers served at once; more are refused
_SEND_TIMEOUT = 0.0  # never wait on a reader: one that does not keep up is dropped

_lock = threading.Lock()
_reporter = None


def _warn(msg):
    try:
        sys.stderr.write("vramtop: %s\n" % msg)
    except Exception:
        pass


def socket_dir():
    """The directory vramtop reads: $XDG_RUNTIME_DIR/vramtop, or, where
    XDG_RUNTIME_DIR is unset or not absolute, /tmp/vramtop-<uid>."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base.startswith("/"):
        return os.path.join(base, "vramtop")
    return "/tmp/vramtop-%d" % os.getuid()


def socket_path(pid=None):
    return os.path.join(socket_dir(), "%d.sock" % (pid or os.getpid()))


def _private_dir(path):
    """Creates path (0700) if missing; refuses one that is not a directory
    of ours with mode 0700 (a symlink, another owner, group or other bits)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise OSError("%s is not a directory" % path)
    if st.st_uid != os.getuid():
        raise OSError("%s belongs to uid %d, not to us" % (path, st.st_uid))
    if stat.S_IMODE(st.st_mode) != 0o700:
        raise OSError("%s has mode %o, not 700" % (path, stat.S_IMODE(st.st_mode)))


def _torch():
    return sys.modules.get("torch")


_KEYS = (  # protocol key, torch.cuda.memory_stats key
    ("allocated", "allocated_bytes.all.current"),
    ("reserved", "reserved_bytes.all.current"),
    ("active", "active_bytes.all.current"),
    ("peak_allocated", "allocated_bytes.all.peak"),
    ("peak_reserved", "reserved_bytes.all.peak"),
    ("peak_active", "active_bytes.all.peak"),
    ("alloc_retries", "num_alloc_retries"),
    ("ooms", "num_ooms"),
    ("segments", "segment.all.current"),
)


def _stats(cuda, dev):
    """The few figures we send, as {memory_stats key: value}. The nested
    form, where torch has it, skips memory_stats's flattening of some two
    hundred keys: most of the cost of a sample."""
    nested = getattr(cuda, "memory_stats_as_nested_dict", None)
    if nested is None:
        return cuda.memory_stats(dev)
    st = nested(dev)
    out = {}
    for _, key in _KEYS:
        v = st
        for part in key.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if v is not None:
            out[key] = v
    return out


def _int(v):
    try:
        v = int(v)
    except Exception:
        return 0
    return v if v >= 0 else 0


def samples():
    """One dict per CUDA device the program has used, from
    torch.cuda.memory_stats; [] while torch is not imported or CUDA not
    initialised (asking would initialise it)."""
    torch = _torch()
    if torch is None:
        return []
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not cuda.is_initialized():
        return []
    out = []
    now = time.time()
    for dev in range(cuda.device_count()):
        st = _stats(cuda, dev)
        if not st or (not st.get("reserved_bytes.all.peak") and not st.get("num_ooms")):
            continue  # a device the program never allocated on
        s = {"type": "sample", "ts": round(now, 3), "cuda_device": dev}
        for k, src in _KEYS:
            s[k] = _int(st.get(src, 0))
        out.append(s)
    return out


def _line(obj):
    b = (json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n").encode()
    return b if len(b) <= LINE_MAX else None


class _Reporter:
    def __init__(self, interval):
        self.interval = interval
        self.path = socket_path()
        self.pid = os.getpid()
        self.clients = []
        self.events = []  # oom events from the observer, sent by the thread
        self.ev_lock = threading.Lock()
        self.stop_r, self.stop_w = os.pipe()
        self.srv = None
        self.thread = None
        self.last_ooms = {}

    def open(self):
        _private_dir(os.path.dirname(self.path))
        try:  # a socket left by an earlier process with our PID
            if stat.S_ISSOCK(os.lstat(self.path).st_mode):
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            srv.bind(self.path)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        srv.listen(MAX_CLIENTS)
        srv.setblocking(False)
        self.srv = srv

    def hello(self):
        torch = _torch()
        h = {"v": PROTOCOL_VERSION, "type": "hello", "pid": self.pid, "framework": "pytorch",
             "reporter": "vramtop-python/" + __version__, "interval": self.interval}
        tv = getattr(torch, "__version__", None) if torch else None
        if isinstance(tv, str):
            h["framework_version"] = tv[:64]
        return h

    def send(self, c, data):
        try:
            n = c.send(data)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            n = -1
        if n != len(data):  # gone, or not keeping up: drop it, never wait
            self.drop(c)
            return False
        return True

    def drop(self, c):
        if c in self.clients:
            self.clients.remove(c)
        try:
            c.close()
        except OSError:
            pass

    def accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(self.clients) >= MAX_CLIENTS:
                c.close()
                continue
            c.setblocking(False)
            self.clients.append(c)
            data = _line(self.hello()) or b""
            for s in self.safe_samples():
                data += _line(s) or b""
            self.send(c, data)

    def safe_samples(self):
        try:
            out = samples()
        except Exception:
            return []
        for s in out:  # an OOM the observer did not see (older torch)
            prev = self.last_ooms.get(s["cuda_device"])
            if prev is not None and s["ooms"] > prev and not self.observed:
                self.add_event({"type": "oom", "ts": s["ts"], "cuda_device": s["cuda_device"]})
            self.last_ooms[s["cuda_device"]] = s["ooms"]
        return out

    observed = False

    def add_event(self, ev):
        with self.ev_lock:
            if len(self.events) < 64:
                self.events.append(ev)

    def take_events(self):
        with self.ev_lock:
            ev, self.events = self.events, []
        return ev

    def broadcast(self):
        data = b""
        for s in self.safe_samples():
            data += _line(s) or b""
        for ev in self.take_events():
            data += _line(ev) or b""
        if data:
            for c in list(self.clients):
                self.send(c, data)

    def run(self):
        try:
            next_t = time.monotonic() + self.interval
            while True:
                wait = max(0.0, next_t - time.monotonic())
                r, _, _ = select.select([self.srv, self.stop_r] + self.clients, [], [], wait)
                if self.stop_r in r:
                    break
                if self.srv in r:
                    self.accept()
                for c in r:
                    if c is self.srv or c is self.stop_r:
                        continue
                    try:  # readers send nothing: data or EOF both end it
                        c.recv(1)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        pass
                    self.drop(c)
                if time.monotonic() >= next_t:
                    self.broadcast()
                    next_t += self.interval
                    if next_t < time.monotonic():
                        next_t = time.monotonic() + self.interval
        except Exception as e:
            _warn("deep-mode reporter stopped: %s" % e)
        finally:
            self.cleanup()

    def cleanup(self):
        for c in list(self.clients):
            self.drop(c)
        if self.srv is not None:
            try:
                self.srv.close()
            except OSError:
                pass
            self.srv = None
        self.unlink()

    def unlink(self):
        if os.getpid() != self.pid:
            return  # a forked child: the socket is the parent's
        try:
            if stat.S_ISSOCK(os.lstat(self.path).st_mode):
                os.unlink(self.path)
        except OSError:
            pass

    def stop(self):
        try:
            os.write(self.stop_w, b"x")
        except OSError:
            pass


def _observe_ooms(rep):
    """PyTorch's out-of-memory observer, where the version has one."""
    torch = _torch()
    attach = getattr(getattr(torch, "_C", None), "_cuda_attach_out_of_memory_observer", None)
    if attach is None:
        return

    def observer(device, alloc, device_total, device_free):
        try:
            rep.add_event({"type": "oom", "ts": round(time.time(), 3), "cuda_device": _int(device),
                           "requested": _int(alloc), "device_total": _int(device_total),
                           "device_free": _int(device_free)})
        except Exception:
            pass

    try:
        attach(observer)
        rep.observed = True
    except Exception:
        pass


_prev_term = None
_registered = [False]


def _on_sigterm(signo, frame):
    r = _reporter
    if r is not None:
        r.unlink()
    prev = _prev_term
    if callable(prev):
        prev(signo, frame)
    else:  # SIG_DFL (or unknown): die of the signal as before us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _hook_sigterm():
    global _prev_term
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; atexit still cleans up
    prev = signal.getsignal(signal.SIGTERM)
    if prev is signal.SIG_IGN or prev is None or prev is _on_sigterm:
        return  # ignored: the process outlives SIGTERM, so does its socket
    _prev_term = prev
    signal.signal(signal.SIGTERM, _on_sigterm)


def _at_exit():
    r = _reporter
    if r is not None and r.pid == os.getpid():
        r.stop()
        r.unlink()


def _after_fork_in_child():
    """A forked child (a DataLoader worker) has no reporter thread, only
    copies of its descriptors: close them, so that the child neither keeps
    the parent's socket listening after the parent died nor can stop the
    parent's thread through the shared pipe. The child may call report()."""
    global _reporter
    r, _reporter = _reporter, None
    if r is None:
        return
    for c in list(r.clients):
        try:
            c.close()
        except OSError:
            pass
    for f in (r.stop_r, r.stop_w):
        try:
            os.close(f)
        except OSError:
            pass
    if r.srv is not None:
        try:
            r.srv.close()
        except OSError:
            pass


def report(interval=1.0):
    """Start reporting (idempotent). Returns True when the reporter runs,
    False (with one line on stderr) when it could not start."""
    global _reporter
    try:
        with _lock:
            if _reporter is not None and _reporter.thread.is_alive() and _reporter.pid == os.getpid():
                return True
            interval = float(interval)
            if not (0.05 <= interval <= 3600):
                raise ValueError("interval must be between 0.05 and 3600 s")
            rep = _Reporter(interval)
            rep.open()
            _observe_ooms(rep)
            rep.thread = threading.Thread(target=rep.run, name="vramtop-reporter", daemon=True)
            rep.thread.start()
            _reporter = rep
            if not _registered[0]:
                atexit.register(_at_exit)
                if hasattr(os, "register_at_fork"):
                    os.register_at_fork(after_in_child=_after_fork_in_child)
                _registered[0] = True
            _hook_sigterm()
            return True
    except Exception as e:
        _warn("deep mode not started: %s" % e)
        return False


def stop():
    """Stop reporting and remove the socket."""
    global _reporter
    try:
        with _lock:
            r, _reporter = _reporter, None
        if r is not None:
            r.stop()
            r.thread.join(timeout=2)
            r.unlink()
    except Exception:
        pass
