#!/usr/bin/env python3
"""A deep-mode peer for the tests: the real reporter over the stand-in
torch ("good"), or a hostile server on <dir>/<pid>.sock. Prints "ready"
once it listens, then serves until killed.
usage: peer.py MODE [ARG]
modes: good [interval] | otheruser UID | wrongpid | bigline | badjson |
       silent | flood | hello_only"""
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
mode = sys.argv[1]


def sockdir():
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    return os.path.join(base, "vramtop") if base.startswith("/") else "/tmp/vramtop-%d" % os.getuid()


def ready():
    sys.stdout.write("ready\n")
    sys.stdout.flush()


def hello(pid=None):
    return ('{"v":1,"type":"hello","pid":%d,"framework":"pytorch"}\n' % (pid or os.getpid())).encode()


SAMPLE = (b'{"type":"sample","ts":1,"cuda_device":0,"allocated":1,"reserved":2,"active":1,'
          b'"peak_allocated":1,"alloc_retries":0,"ooms":0}\n')

if mode == "good":
    sys.path[:0] = [os.path.join(HERE, "fake_torch"), os.path.join(HERE, "..", "..", "clients", "python")]
    import torch
    import vramtop
    torch.cuda._fake_init(2)
    torch.cuda._fake_alloc(0, 3 << 30, 4 << 30, retries=2)
    torch.cuda._fake_alloc(1, 1 << 30, 2 << 30)
    assert vramtop.report(float(sys.argv[2]) if len(sys.argv) > 2 else 0.2)
    ready()
    if os.environ.get("PEER_OOM_AFTER"):
        time.sleep(float(os.environ["PEER_OOM_AFTER"]))
        torch.cuda._fake_oom(0, 5 << 30)
    time.sleep(120)
    sys.exit(0)

path = os.path.join(sockdir(), "%d.sock" % os.getpid())
os.makedirs(sockdir(), mode=0o700, exist_ok=True)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
if mode == "otheruser":  # bound as root in root's directory, listening as another user
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[2]))
srv.listen(8)
ready()


def serve(c):
    try:
        if mode == "wrongpid":
            c.sendall(hello(os.getppid()) + SAMPLE)
        elif mode == "bigline":
            c.sendall(hello())
            c.sendall(b"x" * (10 << 20) + b"\n")
        elif mode == "badjson":
            c.sendall(hello() + b'{"type":"sample",\n')
        elif mode == "flood":
            c.sendall(hello())
            while True:
                c.sendall(SAMPLE * 256)
        elif mode == "hello_only":
            c.sendall(hello())
        elif mode == "otheruser":
            c.sendall(hello() + SAMPLE)
        time.sleep(120)  # silent, or done: keep the connection open
    except OSError:
        pass


while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
