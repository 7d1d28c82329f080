#!/usr/bin/env python3
"""hdl_http_proxy.py - an on-path observer of Handle-over-HTTP for hdl_admin_http.sh.

  proxy PORTFILE UPSTREAM SAVEDIR [DELAY_OP SECONDS]
      Listen on 127.0.0.1 (port 0, written to PORTFILE), forward every POST to
      http://UPSTREAM, keep each request body in SAVEDIR/NNN-opOPCODE.bin and its answer in
      SAVEDIR/NNN-opOPCODE.ans; hold requests of opcode DELAY_OP for SECONDS first (a slow
      path: the challenge expires). What a passive eavesdropper on plain HTTP sees.
  post URL FILE
      POST FILE as application/x-hdl-message to URL (http://HOST:PORT/PATH) and print
      "HTTP <status> op <opcode> rc <response code> units <n>" of the answer (a replay).
"""
import http.client
import http.server
import os
import struct
import sys
import threading
import time
import urllib.parse

CT = "application/x-hdl-message"


def header(unit):
    """(opcode, rc, flags) of a unit: the message header follows the 20-byte envelope."""
    if len(unit) < 32:
        return (-1, -1, 0)
    return struct.unpack(">III", unit[20:32])


def units(body):
    """The units of an answer body: envelope MessageLength (bytes 16..20) frames each."""
    out = []
    while len(body) >= 20:
        n = 20 + struct.unpack(">I", body[16:20])[0]
        out.append(body[:n])
        body = body[n:]
    return out


def forward(upstream, path, body):
    conn = http.client.HTTPConnection(upstream, timeout=30)
    conn.request("POST", path, body=body, headers={"Content-Type": CT, "Accept": CT})
    r = conn.getresponse()
    data = r.read()
    ct = r.getheader("Content-Type") or ""
    conn.close()
    return r.status, ct, data


def proxy(portfile, upstream, savedir, delay_op=None, delay=0.0):
    lock = threading.Lock()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("proxy: " + (fmt % args) + "\n")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            op = header(body)[0]
            with lock:
                count[0] += 1
                name = os.path.join(savedir, "%03d-op%d" % (count[0], op))
            with open(name + ".bin", "wb") as f:
                f.write(body)
            if delay_op is not None and op == delay_op:
                time.sleep(delay)
            status, ct, data = forward(upstream, self.path, body)
            with open(name + ".ans", "wb") as f:
                f.write(data)
            self.send_response(status)
            if ct:
                self.send_header("Content-Type", ct)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    srv.serve_forever()


def post(url, path):
    u = urllib.parse.urlsplit(url)
    with open(path, "rb") as f:
        body = f.read()
    status, ct, data = forward(u.netloc, u.path or "/", body)
    us = units(data) if ct.startswith(CT) else []
    op, rc, _ = header(us[0]) if us else (-1, -1, 0)
    print("HTTP %d op %d rc %d units %d" % (status, op, rc, len(us)))


def main(argv):
    if len(argv) >= 4 and argv[1] == "proxy":
        delay_op = int(argv[5]) if len(argv) > 5 else None
        delay = float(argv[6]) if len(argv) > 6 else 0.0
        proxy(argv[2], argv[3], argv[4], delay_op, delay)
    elif len(argv) == 4 and argv[1] == "post":
        post(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
