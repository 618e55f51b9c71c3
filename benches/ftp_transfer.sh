#!/usr/bin/env bash
# FTP throughput of `fetch` against curl over loopback, downloads (RETR)
# and uploads (STOR) of one file, from vsftpd (Debian's package, started
# here with a private configuration, anonymous with an upload folder) and
# from `serve ftp`, the two tools alternating in the same run. Not a
# test: it prints throughputs and the fetch/curl ratios, then the read
# sizes each tool used on the data connection, counted with strace (not
# guessed).
#
#   bash benches/ftp_transfer.sh [SIZE_MIB] [ROUNDS]
set -euo pipefail
size_mib=${1:-1024}
rounds=${2:-2}
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need bc bc
need strace strace
need vsftpd vsftpd
cargo build --release --example fetch --example serve -q
fetch=target/release/examples/fetch

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# vsftpd refuses a chroot root its user can write: the root is root's,
# the upload folder ftp's.
mkdir -p "$work/root/up" "$work/empty"
chmod 755 "$work" "$work/root" "$work/empty"
chown ftp "$work/root/up"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/root/big.bin"
chmod 644 "$work/root/big.bin"
vport=$(free_port)
pasv=$((40000 + RANDOM % 20000))
cat > "$work/vsftpd.conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=$vport
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$work/root
write_enable=YES
anon_upload_enable=YES
anon_umask=022
local_enable=NO
seccomp_sandbox=NO
secure_chroot_dir=$work/empty
pasv_min_port=$pasv
pasv_max_port=$((pasv + 20))
xferlog_enable=NO
CONF
vsftpd "$work/vsftpd.conf" > "$work/vsftpd.log" 2>&1 &
pids+=($!)

target/release/examples/serve ftp --root "$work/root" --user bench:bench > "$work/serve.out" &
pids+=($!)
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
serve_addr=$(sed -n 's/^listening on //p' "$work/serve.out")
sleep 0.5

timed() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
mibs() { echo "$size_mib / $1" | bc -l; }

# name, URL base for downloads, URL for uploads, credentials
servers=(
  "vsftpd ftp://127.0.0.1:$vport up/ anonymous:"
  "serve ftp://$serve_addr  bench:bench"
)
for s in "${servers[@]}"; do
  set -- $s
  name=$1 base=$2
  if [ $# -eq 4 ]; then updir=$3 user=$4; else updir="" user=$3; fi
  for dir in download upload; do
    ct=0 ft=0
    for r in $(seq "$rounds"); do
      if [ "$dir" = download ]; then
        c=$(timed curl -s -u "$user" -o /dev/null "$base/big.bin")
        f=$(timed "$fetch" -u "$user" -o /dev/null "$base/big.bin")
      else
        c=$(timed curl -s -u "$user" -T "$work/root/big.bin" "$base/${updir}curl.bin")
        rm -f "$work/root/${updir}curl.bin"
        f=$(timed "$fetch" -u "$user" -T "$work/root/big.bin" "$base/${updir}fetch.bin")
        rm -f "$work/root/${updir}fetch.bin"
      fi
      ct=$(echo "$ct + $c" | bc -l); ft=$(echo "$ft + $f" | bc -l)
      printf '%s %s round %d: curl %.2fs (%.0f MiB/s), fetch %.2fs (%.0f MiB/s)\n' \
        "$name" "$dir" "$r" "$c" "$(mibs "$c")" "$f" "$(mibs "$f")"
    done
    printf '%s %s: fetch/curl throughput ratio %.2fx\n' "$name" "$dir" "$(echo "$ct / $ft" | bc -l)"
  done
done

# Read sizes on the download's data connection: every read/recvfrom
# that returned data, from strace; the mean and the largest.
reads() {
  strace -f -qq -e trace=read,recvfrom -o "$work/trace" "$@" > /dev/null 2>&1 || true
  awk '/= [0-9]+$/ { n = $NF + 0; if (n > 4096) { c++; t += n; if (n > m) m = n } }
       END { if (c) printf "%d reads over 4 KiB, mean %.0f B, largest %d B\n", c, t / c, m }' "$work/trace"
}
printf 'read sizes (download from vsftpd): curl: %s\n' "$(reads curl -s -o /dev/null "ftp://127.0.0.1:$vport/big.bin")"
printf 'read sizes (download from vsftpd): fetch: %s\n' "$(reads "$fetch" -o /dev/null "ftp://127.0.0.1:$vport/big.bin")"
