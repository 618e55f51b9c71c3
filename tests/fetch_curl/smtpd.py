"""A scripted SMTP server for the fetch-versus-curl tests.

Usage: smtpd.py PORTFILE LOGFILE CONFIG_JSON

Every line received (message content included) is appended to LOGFILE.
CONFIG (all keys optional):
  ehlo        the EHLO keywords after the first line (default PIPELINING-free
              "SIZE 1000000", "AUTH PLAIN LOGIN", "HELP")
  user, pass  the account
  known       addresses VRFY and EXPN know (others: 550)
  strict      refuse addresses without @ (553) and unknown parameters (555)
  refuse_rcpt recipients refused with 550
  bad         mechanisms whose challenge is not base64 (clients cancel)
"""
import base64, json, os, socketserver, sys, threading

PORTFILE, LOGFILE, CONFIG = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
LOCK = threading.Lock()
USER, PASS = CONFIG.get("user", "u"), CONFIG.get("pass", "p")
EHLO = CONFIG.get("ehlo", ["SIZE 1000000", "AUTH PLAIN LOGIN", "HELP"])
KNOWN = CONFIG.get("known", ["alice@example.org"])
STRICT = CONFIG.get("strict", False)
REFUSE = CONFIG.get("refuse_rcpt", [])
PARAMS = {"SIZE", "AUTH", "BODY"}


def log(line):
    with LOCK, open(LOGFILE, "ab") as f:
        f.write(line + b"\n")


class Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write(line.encode("latin-1") + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        log(line)
        return line.decode("latin-1")

    def path_ok(self, rest):
        # rest: "<addr> PARAMS..."
        if not rest.startswith("<") or ">" not in rest:
            return "501 5.5.4 bad path"
        addr, params = rest[1:].split(">", 1)
        if STRICT and addr and "@" not in addr:
            return "553 5.1.3 address without domain"
        for p in params.split():
            if STRICT and p.split("=")[0].upper() not in PARAMS:
                return "555 5.5.4 unknown parameter " + p
        return None

    def handle(self):
        self.send("220 smtpd ready")
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(" ")[0].upper()
            arg = line[len(verb) + 1:]
            if verb == "EHLO":
                lines = ["smtpd greets " + arg] + EHLO
                for l in lines[:-1]:
                    self.send("250-" + l)
                self.send("250 " + lines[-1])
            elif verb == "HELO":
                self.send("250 smtpd")
            elif verb == "AUTH":
                self.auth(arg.split(" "))
            elif verb == "MAIL":
                err = self.path_ok(arg[5:].strip())
                self.send(err or "250 2.1.0 sender ok")
            elif verb == "RCPT":
                rest = arg[3:].strip()
                err = self.path_ok(rest)
                if not err and rest[1:].split(">")[0] in REFUSE:
                    err = "550 5.1.1 no such user"
                self.send(err or "250 2.1.5 recipient ok")
            elif verb == "DATA":
                self.send("354 go ahead")
                while True:
                    l = self.readline()
                    if l is None or l == ".":
                        break
                self.send("250 2.0.0 queued")
            elif verb == "VRFY":
                if arg in KNOWN:
                    self.send("250 Alice <%s>" % arg)
                else:
                    self.send("550 5.1.1 unknown " + arg)
            elif verb == "EXPN":
                if arg in KNOWN:
                    self.send("250-Alice <alice@example.org>")
                    self.send("250 Bob <bob@example.org>")
                else:
                    self.send("550 5.1.1 no such list")
            elif verb == "HELP":
                self.send("214-Commands: EHLO MAIL RCPT DATA")
                self.send("214 End of HELP")
            elif verb == "NOOP":
                self.send("250 2.0.0 ok")
            elif verb == "RSET":
                self.send("250 2.0.0 reset")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 unknown command")

    def auth(self, args):
        mech = args[0].upper()
        initial = args[1] if len(args) > 1 else None
        ok = False
        if mech in CONFIG.get("bad", []):
            self.send("334 not*base64!")
            answer = self.readline()
            self.send("501 5.7.0 cancelled" if answer == "*" else "535 5.7.8 bad")
            return
        if mech == "PLAIN":
            if initial is None:
                self.send("334 ")
                initial = self.readline()
            ok = base64.b64decode(initial).split(b"\0")[1:] == [USER.encode(), PASS.encode()]
        elif mech == "CRAM-MD5":
            self.send("334 PDEuMkBzbXRwZD4=")
            self.readline()
        elif mech == "LOGIN":
            self.send("334 VXNlcm5hbWU6")
            u = base64.b64decode(self.readline())
            self.send("334 UGFzc3dvcmQ6")
            p = base64.b64decode(self.readline())
            ok = (u, p) == (USER.encode(), PASS.encode())
        self.send("235 2.7.0 ok" if ok else "535 5.7.8 denied")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
