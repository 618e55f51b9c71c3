#!/usr/bin/env bash
# Download throughput of `fetch` against curl, over loopback, from nginx and
# from `serve http`, alternating in the same run. Not a test: it prints
# throughputs and the fetch/curl ratio for each server.
#
#   bash benches/transfer.sh [SIZE_MIB] [ROUNDS]
set -euo pipefail
size_mib=${1:-1024}
rounds=${2:-3}
cd "$(dirname "$0")/.."

command -v bc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null; }
command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
cargo build --release --example fetch --example serve -q

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/logs"
chmod 755 "$work" "$work/www"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/www/big.bin"
chmod 644 "$work/www/big.bin"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $work/logs;
  proxy_temp_path $work/logs;
  fastcgi_temp_path $work/logs;
  uwsgi_temp_path $work/logs;
  scgi_temp_path $work/logs;
  server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"

target/release/examples/serve http --root "$work/www" > "$work/serve.out" &
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
serve_addr=$(sed -n 's/^listening on //p' "$work/serve.out")

# Seconds for one download, to /dev/null.
timed() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

for server in "nginx 127.0.0.1:$port" "serve $serve_addr"; do
  set -- $server
  name=$1 addr=$2
  url="http://$addr/big.bin"
  curl_total=0 fetch_total=0
  for r in $(seq "$rounds"); do
    c=$(timed curl -s -o /dev/null "$url")
    f=$(timed target/release/examples/fetch -o /dev/null "$url")
    curl_total=$(echo "$curl_total + $c" | bc -l)
    fetch_total=$(echo "$fetch_total + $f" | bc -l)
    printf '%s round %d: curl %.2fs (%.0f MiB/s), fetch %.2fs (%.0f MiB/s)\n' "$name" "$r" "$c" "$(echo "$size_mib / $c" | bc -l)" "$f" "$(echo "$size_mib / $f" | bc -l)"
  done
  printf '%s: fetch/curl throughput ratio %.2fx\n' "$name" "$(echo "$curl_total / $fetch_total" | bc -l)"
done
