#!/usr/bin/env python3
"""term_e2e.py: term.c through a real terminal. Starts term_demo in a detached
tmux session of 100x30, waits for its frame, and compares `tmux capture-pane`
with the canvas's own text screenshot (which term_demo writes); then resizes
the window and checks the redraw, checks colours reached the terminal, and
quits with 'q'. Usage: term_e2e.py TERM_DEMO"""
import os
import subprocess
import sys
import tempfile
import time

DEMO = os.path.abspath(sys.argv[1])
SOCK = "vt-e2e-%d" % os.getpid()
ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
ENV.pop("TMUX", None)


def tmux(*args, check=True):
    r = subprocess.run(["tmux", "-u", "-L", SOCK, *args], env=ENV,
                       capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit("tmux %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def lines(text):
    out = [l.rstrip(" ") for l in text.split("\n")]
    while out and out[-1] == "":
        out.pop()
    return out


def wait_frame(shot, size, timeout=10.0):
    """The canvas screenshot once term_demo has drawn a frame of this size,
    and the pane once it shows the same (tmux may lag the file by a little)."""
    end = time.monotonic() + timeout
    want = got = []
    while time.monotonic() < end:
        try:
            with open(shot, encoding="utf-8") as f:
                want = lines(f.read())
        except FileNotFoundError:
            want = []
        if want and want[-1] == "size " + size:
            got = lines(tmux("capture-pane", "-p", "-t", "e2e"))
            if got == want:
                return want, got
        time.sleep(0.1)
    return want, got


def report(want, got):
    print("pane differs from the canvas screenshot:")
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "<none>"
        g = got[i] if i < len(got) else "<none>"
        mark = "  " if w == g else "!!"
        print("%s want %r\n%s got  %r" % (mark, w, mark, g))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        shot = os.path.join(tmp, "shot.txt")
        conf = os.path.join(tmp, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g status off\nset -g remain-on-exit on\n"
                    "set -g default-terminal tmux-256color\n")
        try:
            tmux("-f", conf, "new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30",
                 "env", "TERM=tmux-256color", "COLORTERM=", "NO_COLOR=", DEMO, shot)
            want, got = wait_frame(shot, "100x30")
            if not want or want != got:
                report(want, got)
                return 1
            # colours and attributes reached the terminal (256 colours here)
            esc = tmux("capture-pane", "-p", "-e", "-t", "e2e")
            if "38;5;" not in esc or "\x1b[1m" not in esc and ";1m" not in esc and "[1;" not in esc:
                print("no 256-colour or bold escapes in the pane:\n" + esc[:400])
                return 1
            # a resize redraws at the new size
            tmux("resize-window", "-t", "e2e", "-x", "120", "-y", "40")
            want, got = wait_frame(shot, "120x40")
            if not want or want != got:
                report(want, got)
                return 1
            # and smaller than the picture: clipped, never a half glyph
            tmux("resize-window", "-t", "e2e", "-x", "41", "-y", "12")
            want, got = wait_frame(shot, "41x12")
            if not want or want != got:
                report(want, got)
                return 1
            tmux("send-keys", "-t", "e2e", "q")
            end = time.monotonic() + 5
            # term_demo writes SHOT.quit after term_end returned (tmux 3.3's
            # pane_dead_status is sometimes never filled in, so not that)
            quit_mark = shot + ".quit"
            while time.monotonic() < end:
                dead = tmux("display-message", "-p", "-t", "e2e", "#{pane_dead}").strip()
                if dead == "1" and os.path.exists(quit_mark):
                    break
                time.sleep(0.1)
            else:
                print("term_demo did not quit cleanly on 'q'")
                return 1
        finally:
            tmux("kill-server", check=False)
    print("ok: the pane matched the canvas at 100x30, 120x40 and 41x12")
    return 0


if __name__ == "__main__":
    sys.exit(main())
