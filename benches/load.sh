#!/usr/bin/env bash
# Load on the server roles, beside nginx, on loopback (a script, not a
# timed test). Prints its figures; nothing is asserted on timings.
#
#   benches/load.sh [SECONDS]        # default 60
#
# 1. `serve http` and nginx serve the same 4 KiB file to wrk with 1,000
#    keep-alive connections for SECONDS each: requests per second, socket
#    errors, non-2xx answers and peak RSS of each server.
# 2. 10,000 idle keep-alive connections (one request each, then held open)
#    against each: RSS per connection; then the same against `serve http`
#    over TLS (implicit, a fresh process).
# 3. `serve smtp`: 50 concurrent smtplib senders, 100 messages each; every
#    message must be in the maildir exactly once, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
# Room for 10,000 connections on each side.
ulimit -n "$(ulimit -Hn)"

for tool in wrk nginx python3 openssl; do
  command -v "$tool" >/dev/null || {
    echo "load.sh needs $tool (apt-get install wrk nginx-light)" >&2
    exit 1
  }
done

cargo build -q --release --example serve
WORK=$(mktemp -d)
chmod 755 "$WORK"   # nginx's worker runs as nobody
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/www" "$WORK/nginx" "$WORK/mail"
head -c 4096 /dev/urandom >"$WORK/www/file.bin"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(port)
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log crit;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
EOF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NGINX_MASTER=$!
target/release/examples/serve http --root "$WORK/www" >"$WORK/serve.out" &
SERVE_PID=$!
sleep 1
SERVE_ADDR=$(sed -n 's/^listening on //p' "$WORK/serve.out")
# nginx's worker does the serving; its RSS is the one to compare.
NGINX_WORKER=$(pgrep -P "$NGINX_MASTER" | head -n 1)

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

echo "== wrk: 1,000 keep-alive connections, ${SECS}s each, 2 threads"
for who in nginx serve; do
  if [ "$who" = nginx ]; then url="http://127.0.0.1:$NGINX_PORT/file.bin"; pid=$NGINX_WORKER
  else url="http://$SERVE_ADDR/file.bin"; pid=$SERVE_PID; fi
  out=$(wrk -t2 -c1000 -d"${SECS}s" --latency "$url")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  errors=$(echo "$out" | sed -n 's/.*Socket errors: //p')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  printf '%-6s %12s req/s  socket errors: %s  non-2xx: %s  peak RSS %s KiB\n' \
    "$who" "$rps" "${errors:-none}" "${non2xx:-0}" "$(hwm_kb "$pid")"
done

echo "== 10,000 idle keep-alive connections"
# idle HOST PORT [tls]: opens the connections (TLS handshakes done, with
# "tls"), one request each, prints how many were answered, holds them
# until stdin closes.
idle() {
  python3 - "$@" <<'EOF'
import socket, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
tls = len(sys.argv) > 3
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["http/1.1"])
conns = []
for i in range(10000):
    s = socket.create_connection((host, port))
    if tls:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(b"GET /file.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    conns.append(s)
got = 0
for s in conns:
    s.settimeout(10)
    data = s.recv(65536)
    got += data.startswith(b"HTTP/1.1 200")
print(got, flush=True)
sys.stdin.readline()
EOF
}
# measure_idle WHO HOST PORT PID [tls]: RSS of PID before and with the
# 10,000 idle connections held.
measure_idle() {
  local who=$1 host=$2 p=$3 pid=$4 before after holder per
  shift 4
  before=$(rss_kb "$pid")
  rm -f "$WORK/hold" "$WORK/answered"
  mkfifo "$WORK/hold"
  idle "$host" "$p" "$@" <"$WORK/hold" >"$WORK/answered" &
  holder=$!
  exec 4>"$WORK/hold"
  for _ in $(seq 1 1200); do
    [ -s "$WORK/answered" ] && break
    sleep 0.1
  done
  sleep 1
  after=$(rss_kb "$pid")
  exec 4>&-
  wait "$holder" 2>/dev/null || true
  per=$(( (after - before) * 1024 / 10000 ))
  printf '%-9s answered %s of 10000; RSS %s -> %s KiB: %s bytes per idle connection\n' \
    "$who" "$(cat "$WORK/answered")" "$before" "$after" "$per"
}
measure_idle nginx 127.0.0.1 "$NGINX_PORT" "$NGINX_WORKER"
measure_idle serve "${SERVE_ADDR%:*}" "${SERVE_ADDR##*:}" "$SERVE_PID"

echo "== the same over TLS: serve http --implicit-tls (ECDSA P-256)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
target/release/examples/serve http --root "$WORK/www" --implicit-tls \
  --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" >"$WORK/https.out" &
HTTPS_PID=$!
sleep 1
HTTPS_ADDR=$(sed -n 's/^listening on //p' "$WORK/https.out")
measure_idle serve-tls "${HTTPS_ADDR%:*}" "${HTTPS_ADDR##*:}" "$HTTPS_PID" tls
kill "$HTTPS_PID"

echo "== serve smtp: 50 smtplib senders x 100 messages"
target/release/examples/serve smtp --root "$WORK/mail" >"$WORK/smtp.out" &
sleep 1
SMTP_ADDR=$(sed -n 's/^listening on //p' "$WORK/smtp.out")
python3 - "$SMTP_ADDR" "$WORK/mail" <<'EOF'
import smtplib, sys, os, threading, hashlib
host, port = sys.argv[1].rsplit(":", 1)
root = sys.argv[2]
sent = {}
lock = threading.Lock()
def sender(k):
    s = smtplib.SMTP(host, int(port))
    for i in range(100):
        body = ("Subject: load %d.%d\r\n\r\n" % (k, i)).encode() + os.urandom(256).hex().encode() + b"\r\n.dot\r\n"
        s.sendmail("a@example.org", ["b@example.net"], body)
        with lock:
            sent[hashlib.sha256(body).hexdigest()] = body
    s.quit()
threads = [threading.Thread(target=sender, args=(k,)) for k in range(50)]
for t in threads: t.start()
for t in threads: t.join()
stored = {}
for d in ("new", "cur"):
    p = os.path.join(root, d)
    for name in os.listdir(p) if os.path.isdir(p) else []:
        data = open(os.path.join(p, name), "rb").read()
        # serve smtp adds Return-Path and Delivered-To in front.
        while data.startswith((b"Return-Path:", b"Delivered-To:")):
            data = data.split(b"\r\n", 1)[1]
        h = hashlib.sha256(data).hexdigest()
        stored[h] = stored.get(h, 0) + 1
missing = [h for h in sent if h not in stored]
dups = [h for h, n in stored.items() if n > 1]
extra = [h for h in stored if h not in sent]
print("sent %d, stored %d, missing %d, duplicated %d, altered or extra %d"
      % (len(sent), sum(stored.values()), len(missing), len(dups), len(extra)))
sys.exit(1 if missing or dups or extra else 0)
EOF
