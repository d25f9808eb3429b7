#!/usr/bin/env python3
"""tui_latency: how soon a key press reaches the screen, and what a paused
replay costs, in a real pseudo-terminal of 200x50.
usage: tui_latency.py VRAMTOP TRACE [PRESSES] [PAUSE_SECONDS]
Runs `VRAMTOP replay TRACE`, lets it play 3 s, pauses it (space), then reads
the process's CPU time (utime + stime, /proc/PID/stat) and the bytes it
writes over PAUSE_SECONDS. Still paused (so no tick draws), it presses `t`
PRESSES times -- each press changes the theme, so the whole screen is drawn
again -- each timed from the write to the first byte of the redraw and to
the end of it (the output going quiet for 20 ms, minus those 20 ms). Prints
one JSON object; exits 1 if a press got no redraw within a second."""
import fcntl, json, os, pty, select, signal, struct, sys, termios, time

VT, TRACE = sys.argv[1:3]
PRESSES = int(sys.argv[3]) if len(sys.argv) > 3 else 40
PAUSE_S = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def drain(fd, quiet_s):
    """Reads until nothing came for quiet_s; returns the bytes read."""
    n = 0
    while True:
        r, _, _ = select.select([fd], [], [], quiet_s)
        if not r:
            return n
        try:
            n += len(os.read(fd, 65536))
        except OSError:
            return n


def read_for(fd, secs):
    """Reads whatever comes for secs seconds."""
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([fd], [], [], left)
        if r:
            os.read(fd, 65536)


pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(VT, [VT, "replay", TRACE, "--speed", "1"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
os.kill(pid, signal.SIGWINCH)
read_for(fd, 3.0)  # three seconds of replay
os.write(fd, b" ")  # pause
drain(fd, 0.5)
c0, t0 = cpu_s(pid), time.monotonic()
written = drain(fd, PAUSE_S)  # returns early only if something is drawn
waited = time.monotonic() - t0
if waited < PAUSE_S:
    written += drain(fd, PAUSE_S - waited)
paused_cpu = cpu_s(pid) - c0
first, whole = [], []
for i in range(PRESSES):
    drain(fd, 0.05)
    os.write(fd, b"t")
    t0 = time.monotonic()
    r, _, _ = select.select([fd], [], [], 1.0)
    if not r:
        print(json.dumps({"error": "press %d: no redraw within 1 s" % i}))
        os.kill(pid, signal.SIGKILL)
        sys.exit(1)
    first.append((time.monotonic() - t0) * 1e3)
    drain(fd, 0.02)
    whole.append((time.monotonic() - t0 - 0.02) * 1e3)
os.write(fd, b"q")
drain(fd, 0.5)
os.waitpid(pid, 0)


def stats(v):
    v = sorted(v)
    return {"median": round(v[len(v) // 2], 2), "p95": round(v[int(len(v) * 0.95) - 1], 2),
            "max": round(v[-1], 2)}


print(json.dumps({
    "presses": len(first),
    "key_to_first_byte_ms": stats(first), "key_to_frame_drawn_ms": stats(whole),
    "paused_s": PAUSE_S, "paused_cpu_s": round(paused_cpu, 3), "paused_bytes_written": written,
}))
