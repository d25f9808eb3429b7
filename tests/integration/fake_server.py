#!/usr/bin/env python3
"""fake_server: an inference server's HTTP front on 127.0.0.1, serving a
fixture on every path, or misbehaving on purpose. Prints one line, the PID
of the GPU process (itself, or with --child its `VLLM::EngineCore` child, as
vLLM runs), once it listens.
usage: fake_server.py MODE FIXTURE PORT [--child]
MODE: ok redirect big hang trickle gzip badutf8 escape hugeline
FIXTURE: a file served on every path, or PATH=FILE[,PATH=FILE...] for a server
with several endpoints (mode ok): other paths get 404, and a FILE of
!redirect or !hang misbehaves on that path only."""
import gzip, http.server, os, socketserver, subprocess, sys, time


def main(argv):
    mode, fixture, port = argv[0], argv[1], int(argv[2])
    routes = None
    if "=" in fixture:
        routes = dict(kv.split("=", 1) for kv in fixture.split(","))
        body = b""
    else:
        body = open(fixture, "rb").read() if fixture != "-" else b""

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def send(self, data, headers=()):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            try:
                self.serve()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def route(self):
            f = routes.get(self.path.split("?")[0])
            if f is None:
                self.send_response(404)
                self.send_header("Content-Length", "9")
                self.end_headers()
                self.wfile.write(b"Not Found")
            elif f == "!redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:1/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif f == "!hang":
                time.sleep(60)
            else:
                self.send(open(f, "rb").read())

        def serve(self):
            if routes is not None:
                self.route()
            elif mode == "ok":
                self.send(body)
            elif mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:1/metrics")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "big":
                self.send(body + b"# " + b"x" * 70000 + b"\n")
            elif mode == "hang":
                time.sleep(60)
            elif mode == "trickle":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for b in body:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(1)
            elif mode == "gzip":
                self.send(gzip.compress(body), [("Content-Encoding", "gzip")])
            elif mode == "badutf8":
                self.send(body.replace(b"meta-llama/", b"meta-\xff\xfe/"))
            elif mode == "escape":
                self.send(body.replace(b"meta-llama/", b"\x1b[2J\x1b]0;pwned\x07/"))
            elif mode == "hugeline":
                self.send(b"vllm:num_requests_running{model_name=\"" + b"a" * (10 << 20) +
                          b"\"} 1\n")

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = S(("127.0.0.1", port), H)
    gpu_pid = os.getpid()
    if "--child" in argv:
        child = subprocess.Popen(["VLLM::EngineCore", "300"], executable="sleep")
        gpu_pid = child.pid
    print(gpu_pid, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
