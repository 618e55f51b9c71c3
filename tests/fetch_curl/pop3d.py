"""A scripted POP3 server for the fetch-versus-curl tests.

Usage: pop3d.py PORTFILE LOGFILE CONFIG_JSON

Every line received is appended to LOGFILE. CONFIG (all keys optional):
  banner       lines sent before the greeting
  timestamp    APOP timestamp in the greeting (e.g. "<1.2@host>")
  capa         capability lines; null: CAPA is refused
  user, pass   the account (also the CRAM-MD5 and APOP secret)
  token        the OAuth 2 bearer token XOAUTH2/OAUTHBEARER accept
  bad          mechanisms whose challenge is not base64 (clients cancel)
  messages     the maildrop
"""
import base64, hashlib, hmac, json, os, socketserver, sys, threading

PORTFILE, LOGFILE, CONFIG = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
LOCK = threading.Lock()
USER, PASS = CONFIG.get("user", "u"), CONFIG.get("pass", "p")
TOKEN = CONFIG.get("token", "tok")
MESSAGES = CONFIG.get("messages", ["Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\n.dot\r\n"])


def log(line):
    with LOCK, open(LOGFILE, "ab") as f:
        f.write(line + b"\n")


def b64(s):
    return base64.b64encode(s).decode()


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

    def handle(self):
        for b in CONFIG.get("banner", []):
            self.send(b)
        stamp = CONFIG.get("timestamp")
        self.send("+OK POP3 ready" + (" " + stamp if stamp else ""))
        authed = False
        user = None
        while True:
            line = self.readline()
            if line is None:
                return
            words = line.split(" ")
            cmd, args = words[0].upper(), words[1:]
            if cmd == "QUIT":
                self.send("+OK bye")
                return
            elif cmd == "CAPA":
                capa = CONFIG.get("capa", ["USER", "UIDL"])
                if capa is None:
                    self.send("-ERR no CAPA here")
                else:
                    self.send("+OK capabilities")
                    for c in capa:
                        self.send(c)
                    self.send(".")
            elif cmd == "USER":
                user = args[0] if args else ""
                self.send("+OK")
            elif cmd == "PASS":
                authed = user == USER and " ".join(args) == PASS
                self.send("+OK logged in" if authed else "-ERR denied")
            elif cmd == "APOP":
                digest = hashlib.md5((stamp + PASS).encode()).hexdigest()
                authed = args == [USER, digest]
                self.send("+OK logged in" if authed else "-ERR denied")
            elif cmd == "AUTH":
                authed = self.auth(args)
            elif not authed:
                self.send("-ERR log in first")
            elif cmd == "STAT":
                self.send("+OK %d %d" % (len(MESSAGES), sum(len(m) for m in MESSAGES)))
            elif cmd == "LIST" and args:
                n = int(args[0])
                if 1 <= n <= len(MESSAGES):
                    self.send("+OK %d %d" % (n, len(MESSAGES[n - 1])))
                else:
                    self.send("-ERR no such message")
            elif cmd == "LIST":
                self.send("+OK %d messages" % len(MESSAGES))
                for i, m in enumerate(MESSAGES):
                    self.send("%d %d" % (i + 1, len(m)))
                self.send(".")
            elif cmd == "RETR" and args:
                n = int(args[0])
                if not 1 <= n <= len(MESSAGES):
                    self.send("-ERR no such message")
                    continue
                self.send("+OK message follows")
                for l in MESSAGES[n - 1].split("\r\n")[:-1]:
                    self.send("." + l if l.startswith(".") else l)
                self.send(".")
            elif cmd == "NOOP":
                self.send("+OK")
            else:
                self.send("-ERR unknown command")

    def challenge(self, text):
        self.send("+ " + text)
        return self.readline()

    def auth(self, args):
        mech = args[0].upper() if args else ""
        initial = args[1] if len(args) > 1 else None
        if mech not in " ".join(CONFIG.get("capa") or []).upper().split():
            self.send("-ERR unsupported mechanism")
            return False
        if mech in CONFIG.get("bad", []):
            answer = self.challenge("not*base64!")
            self.send("-ERR cancelled" if answer == "*" else "-ERR bad")
            return False
        ok = False
        if mech == "PLAIN":
            if initial is None:
                initial = self.challenge("")
            parts = base64.b64decode(initial).split(b"\0")
            ok = parts[1:] == [USER.encode(), PASS.encode()]
        elif mech == "LOGIN":
            u = base64.b64decode(self.challenge(b64(b"Username:")) or "")
            p = base64.b64decode(self.challenge(b64(b"Password:")) or "")
            ok = (u, p) == (USER.encode(), PASS.encode())
        elif mech == "CRAM-MD5":
            c = b"<17.42@pop3d>"
            r = base64.b64decode(self.challenge(b64(c))).decode()
            want = USER + " " + hmac.new(PASS.encode(), c, hashlib.md5).hexdigest()
            ok = r == want
        elif mech == "XOAUTH2":
            if initial is None:
                initial = self.challenge("")
            ok = base64.b64decode(initial) == ("user=%s\1auth=Bearer %s\1\1" % (USER, TOKEN)).encode()
        elif mech == "OAUTHBEARER":
            if initial is None:
                initial = self.challenge("")
            fields = base64.b64decode(initial).split(b"\1")
            ok = fields[0] == ("n,a=%s," % USER).encode() and ("auth=Bearer " + TOKEN).encode() in fields
        elif mech == "EXTERNAL":
            if initial is None:
                initial = self.challenge("")
            ok = base64.b64decode(initial) in (USER.encode(), b"")
        self.send("+OK welcome" if ok else "-ERR authentication failed")
        return ok


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
