#!/usr/bin/env python3
"""A test image server in the LXC layout, on 127.0.0.1 only.

Serves ROOT; accepts the '//' that LXC-style URL building produces; logs
every request path to LOG; and fails on request: FAULTS is a file of lines
'SUBSTRING MODE' (MODE: 404, reset = half the body then a connection reset,
slow = 1 KiB a second), read at each request.
    image-server.py ROOT PORTFILE LOG FAULTS [CERT KEY]
With CERT and KEY it speaks HTTPS.
"""
import http.server, os, socket, ssl, struct, sys, time

root, portfile, log, faults = sys.argv[1:5]


def fault_for(path):
    try:
        with open(faults) as f:
            for line in f:
                words = line.split()
                if len(words) == 2 and words[0] in path:
                    return words[1]
    except FileNotFoundError:
        pass
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = "/" + "/".join(p for p in self.path.split("?")[0].split("/") if p)
        with open(log, "a") as f:
            f.write(path + "\n")
        mode = fault_for(path)
        file = os.path.join(root, path.lstrip("/"))
        if mode == "404" or not os.path.isfile(file):
            self.send_error(404)
            return
        data = open(file, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "reset":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if mode == "slow":
            for i in range(0, len(data), 1024):
                self.wfile.write(data[i : i + 1024])
                time.sleep(1)
            return
        self.wfile.write(data)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 6:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
