"""A scripted HTTP/1.1 server for the fetch-versus-curl tests.

Usage: httpd.py PORTFILE LOGFILE ROOT

Every request is appended to LOGFILE as it arrived (head and body, bytes
exact, a proxy's CONNECT included), followed by a line `----`. Routes:
  /status/N              status N, body "status N\n"
  /redirect/N?to=URL     status N with Location URL
  /echo                  200, the request as received is the body (its
                         User-Agent value as UA)
  /file/NAME             ROOT/NAME with Range support (206/416)
  /enc/NAME              ROOT/NAME as is, Content-Encoding from its suffix
  /cookie?NAME=VALUE&... one Set-Cookie per pair (Path=/)
  /flaky/KEY/N?code=C    status C (503) N times for KEY, then 200
  /slow/SECS             body "slow\n" after SECS seconds
  /type/T                200, Content-Type T (slashes as given)
  /sub/ROUTE             ROUTE
  /no100/ROUTE           ROUTE, without 100 Continue to an Expect
  /empty                 closes without an answer
A CONNECT tunnels to the named host:port.
"""
import os, re, socket, socketserver, sys, threading, time, urllib.parse

PORTFILE, LOGFILE, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
FLAKY = {}
ENCODING = {".gz": "gzip", ".zz": "deflate", ".br": "br", ".zst": "zstd"}


def log(data):
    with LOCK, open(LOGFILE, "ab") as f:
        f.write(data + b"\n----\n")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.buf = b""
        while True:
            head = self.read_until(b"\r\n\r\n")
            if head is None:
                return
            lines = head.split(b"\r\n")
            method, target, _ = lines[0].decode("latin-1").split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if b":" in line:
                    k, v = line.split(b":", 1)
                    headers[k.strip().lower().decode()] = v.strip().decode("latin-1")
            if method == "CONNECT":
                log(head)
                self.tunnel(target)
                return
            silent = target.startswith("/no100/")  # never says 100 Continue
            if headers.get("expect", "").lower() == "100-continue" and not silent:
                self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = self.read_body(headers)
            if body is None:
                return
            log(head + body)
            keep = self.route(method, target, headers, head + body)
            if not keep:
                return

    def read_until(self, end):
        while end not in self.buf:
            data = self.request.recv(65536)
            if not data:
                return None
            self.buf += data
        i = self.buf.index(end) + len(end)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            data = self.request.recv(65536)
            if not data:
                return None
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_body(self, headers):
        if headers.get("transfer-encoding", "").lower() == "chunked":
            raw = b""
            while True:
                size_line = self.read_until(b"\r\n")
                if size_line is None:
                    return None
                raw += size_line
                size = int(size_line.split(b";")[0], 16)
                chunk = self.read_exact(size + 2)
                if chunk is None:
                    return None
                raw += chunk
                if size == 0:
                    return raw
        n = int(headers.get("content-length", "0"))
        return self.read_exact(n)

    def reply(self, status, body, extra=(), head_only=False):
        out = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Whatever"))]
        out += list(extra)
        out.append("Content-Length: %d" % len(body))
        data = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
        self.request.sendall(data if head_only else data + body)

    def route(self, method, target, headers, raw):
        if target.startswith("http://"):
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        url = urllib.parse.urlsplit(target)
        parts = url.path.split("/")[1:]
        while parts[0] in ("sub", "no100"):  # /sub/... is ..., for relative Locations
            parts = parts[1:]
        query = urllib.parse.parse_qsl(url.query)
        head = method == "HEAD"
        date = "Date: Tue, 01 Dec 2026 00:00:00 GMT"
        if parts[0] == "status":
            code = int(parts[1])
            self.reply(code, b"status %d\n" % code, [date, "Content-Type: text/plain"], head)
        elif parts[0] == "redirect":
            to = dict(query).get("to", "/echo")
            self.reply(int(parts[1]), b"moved\n", [date, "Location: " + to], head)
        elif parts[0] == "echo":
            # The agent's name differs between curl and fetch: echoed as UA.
            body = re.sub(rb"(?m)^User-Agent: [^\r\n]*", b"User-Agent: UA", raw, count=1)
            self.reply(200, body, [date, "Content-Type: text/plain"], head)
        elif parts[0] == "file":
            self.file(os.path.join(ROOT, parts[1]), headers, head, date)
        elif parts[0] == "enc":
            name = parts[1]
            data = open(os.path.join(ROOT, name), "rb").read()
            enc = ENCODING[os.path.splitext(name)[1]]
            self.reply(200, data, [date, "Content-Encoding: " + enc], head)
        elif parts[0] == "cookie":
            cookies = ["Set-Cookie: %s=%s; Path=/" % kv for kv in query]
            self.reply(200, b"cookies\n", [date] + cookies, head)
        elif parts[0] == "flaky":
            key, times = parts[1], int(parts[2])
            code = int(dict(query).get("code", "503"))
            with LOCK:
                FLAKY[key] = FLAKY.get(key, 0) + 1
                n = FLAKY[key]
            if n <= times:
                self.reply(code, b"try again\n", [date], head)
            else:
                self.reply(200, b"finally\n", [date], head)
        elif parts[0] == "slow":
            time.sleep(float(parts[1]))
            self.reply(200, b"slow\n", [date], head)
        elif parts[0] == "empty":
            return False
        elif parts[0] == "type":
            t = "/".join(parts[1:])
            self.reply(200, b"typed\n", [date, "Content-Type: " + t], head)
        else:
            self.reply(404, b"no route\n", [date], head)
        return headers.get("connection", "").lower() != "close"

    def file(self, path, headers, head, date):
        try:
            data = open(path, "rb").read()
        except OSError:
            return self.reply(404, b"no file\n", [date], head)
        rng = headers.get("range")
        if not rng:
            return self.reply(200, data, [date, "Accept-Ranges: bytes"], head)
        spec = rng.split("=", 1)[1]
        first, last = spec.split("-", 1)
        if first == "":
            start, end = max(0, len(data) - int(last)), len(data) - 1
        else:
            start = int(first)
            end = int(last) if last else len(data) - 1
        if start >= len(data):
            return self.reply(416, b"", [date, "Content-Range: bytes */%d" % len(data)], head)
        end = min(end, len(data) - 1)
        extra = [date, "Content-Range: bytes %d-%d/%d" % (start, end, len(data))]
        self.reply(206, data[start : end + 1], extra, head)

    def tunnel(self, target):
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if self.buf:
            upstream.sendall(self.buf)

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            try:
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        t = threading.Thread(target=pump, args=(upstream, self.request))
        t.start()
        pump(self.request, upstream)
        t.join()


REASONS = {200: "OK", 206: "Partial Content", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
           400: "Bad Request", 404: "Not Found", 416: "Range Not Satisfiable",
           500: "Internal Server Error", 503: "Service Unavailable"}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
