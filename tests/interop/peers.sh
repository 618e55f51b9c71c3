#!/usr/bin/env bash
# The real servers people run, started for the interop tests on loopback:
# nginx (HTTP), Postfix (SMTP, STARTTLS, AUTH through Dovecot),
# Dovecot (POP3 and IMAP, STARTTLS), INN (NNTP), vsftpd (FTP, FTPS),
# gophernicus (Gopher) and inetutils telnetd (both behind socat), each
# with a private configuration under DIR, on high ports, and no system
# service started.
#
#   tests/interop/peers.sh install       # Debian's packages (as root)
#   tests/interop/peers.sh run DIR       # install what is missing, start
#                                        # them, write DIR/env; stop them
#                                        # when stdin closes
#
# DIR/env holds shell assignments: the ports, the test user, the CA file
# the servers' certificate is signed by, and the seeded messages. Every
# failure is loud: a server that does not come up fails the run.
set -euo pipefail

PACKAGES=(nginx-light postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl)
PACKAGES+=(vsftpd)
PACKAGES+=(gophernicus socat)
PACKAGES+=(inn2)
PACKAGES+=(inetutils-telnetd)

install() {
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Debian's policy-rc.d: the packages must not start their own services.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || inn_fixup
}

# inn2's configure step fails on a machine whose hostname has no domain
# (innconfval cannot make Message-IDs); the system inn.conf only serves
# that step (ours lives under DIR): give it a domain and configure again.
inn_fixup() {
  [ -f /etc/news/inn.conf ] || return 1
  sed -i 's/^#domain:.*/domain: example.test/' /etc/news/inn.conf
  # Seen once on a fresh machine: the first configure after the fix-up
  # still exits 75 (EX_TEMPFAIL), and the next one succeeds.
  DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null ||
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  local port=$1 name=$2 pid=$3
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "peers.sh: $name did not come up on port $port" >&2
  [ -f "$DIR/$name.log" ] && tail -n 20 "$DIR/$name.log" >&2
  exit 1
}

certs() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sanswire test CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$DIR/san.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" \
    -CAcreateserial -days 2 -extfile "$DIR/san.ext" -out "$DIR/server.pem" 2>/dev/null
  chmod 644 "$DIR/server.key"
}

# A maildir with the messages framing gets wrong: a large one, one that
# is not UTF-8, one whose lines start with dots.
seed_mail() {
  local md="$DIR/mail/$USER_NAME/Maildir"
  mkdir -p "$md"/{cur,new,tmp}
  printf 'From: a@example.test\r\nTo: %s\r\nSubject: small\r\n\r\nhello\r\n' "$USER_ADDR" \
    >"$md/cur/1000000001.M1P1.seed:2,S"
  python3 - "$md/cur/1000000002.M2P1.seed:2,S" <<'EOF'
import sys
lines = [b"From: a@example.test", b"Subject: large", b""]
i = 0
body = bytearray()
while len(body) < 1024 * 1024:
    body += b"line %06d of a large message, long enough to be realistic...\r\n" % i
    i += 1
open(sys.argv[1], "wb").write(b"\r\n".join(lines) + b"\r\n" + bytes(body))
EOF
  printf 'From: a@example.test\r\nSubject: latin-1\r\n\r\ncaf\xe9 \xff\xfe bytes\r\n' \
    >"$md/cur/1000000003.M3P1.seed:2,S"
  printf 'From: a@example.test\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n' \
    >"$md/cur/1000000004.M4P1.seed:2,S"
  chown -R "$MAIL_UID:$MAIL_GID" "$DIR/mail"
}

start_nginx() {
  mkdir -p "$DIR/www" "$DIR/nginx"
  printf 'hello from nginx\n' >"$DIR/www/index.html"
  head -c $((4 * 1024 * 1024)) /dev/urandom >"$DIR/www/large.bin"
  printf 'before\n' >"$DIR/www/before.txt"
  printf 'chunked body\n' >"$DIR/www/chunked.txt"
  cat >"$DIR/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx.log warn;
events { worker_connections 256; }
http {
  log_format conn '\$connection \$connection_requests \$request';
  access_log $DIR/nginx/access.log conn;
  client_body_temp_path $DIR/nginx/body;
  proxy_temp_path $DIR/nginx/proxy;
  fastcgi_temp_path $DIR/nginx/fastcgi;
  uwsgi_temp_path $DIR/nginx/uwsgi;
  scgi_temp_path $DIR/nginx/scgi;
  keepalive_requests 100;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    root $DIR/www;
    # No Content-Length is known when a body is added before the file:
    # nginx answers HTTP/1.1 requests in chunks.
    location = /chunked.txt {
      add_before_body /before.txt;
      addition_types text/plain;
    }
  }
}
EOF
  nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" >>"$DIR/nginx.log" 2>&1 &
  PIDS+=($!)
  wait_port "$HTTP_PORT" nginx "${PIDS[-1]}"
}

start_dovecot() {
  mkdir -p "$DIR/dovecot/run"
  printf '%s:{PLAIN}%s::::::\n' "$USER_NAME" "$USER_PASS" >"$DIR/dovecot/users"
  cat >"$DIR/dovecot/dovecot.conf" <<EOF
base_dir = $DIR/dovecot/run
state_dir = $DIR/dovecot/state
instance_name = sanswire-$$
protocols = imap pop3 lmtp
listen = 127.0.0.1
log_path = $DIR/dovecot.log
ssl = yes
ssl_cert = <$DIR/server.pem
ssl_key = <$DIR/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $MAIL_UID
mail_location = maildir:$DIR/mail/%n/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $DIR/dovecot/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$DIR/mail/%n
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = $POP3S_PORT
    ssl = yes
  }
}
service lmtp {
  unix_listener $DIR/dovecot/run/lmtp-postfix {
    mode = 0666
  }
}
service auth {
  unix_listener $DIR/dovecot/run/auth-postfix {
    mode = 0666
  }
}
protocol lmtp {
  auth_username_format = %n
}
# COMPRESS=DEFLATE (RFC 4978) for the IMAP tests.
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
}
EOF
  mkdir -p "$DIR/dovecot/state"
  dovecot -F -c "$DIR/dovecot/dovecot.conf" >>"$DIR/dovecot.log" 2>&1 &
  PIDS+=($!)
  wait_port "$IMAP_PORT" dovecot "${PIDS[-1]}"
  wait_port "$POP3_PORT" dovecot "${PIDS[-1]}"
}

start_postfix() {
  local pf="$DIR/postfix"
  mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
  chown postfix "$pf/data"
  cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $DIR/postfix.log
maillog_file_prefixes = $DIR
smtpd_banner = \$myhostname ESMTP Postfix
smtpd_tls_cert_file = $DIR/server.pem
smtpd_tls_key_file = $DIR/server.key
smtpd_tls_security_level = may
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DIR/dovecot/run/auth-postfix
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
virtual_mailbox_domains = example.test
virtual_transport = lmtp:unix:$DIR/dovecot/run/lmtp-postfix
alias_maps =
alias_database =
EOF
  cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
EOF
  postfix -c "$pf/etc" check >>"$DIR/postfix.log" 2>&1 || true
  postfix -c "$pf/etc" start-fg >>"$DIR/postfix.log" 2>&1 &
  PIDS+=($!)
  wait_port "$SMTP_PORT" postfix "${PIDS[-1]}"
}

# vsftpd: a local user (no shell: a PAM service of our own checks only
# the password), FTPS with AUTH TLS offered but not forced, data
# connections that must resume the control session (require_ssl_reuse),
# a passive port range, the protocol logged.
start_vsftpd() {
  local v="$DIR/vsftpd"
  mkdir -p "$v/empty" "$v/home/sub"
  chmod 755 "$v/empty"
  id sanswire-ftp >/dev/null 2>&1 ||
    useradd -r -M -d "$v/home" -s /usr/sbin/nologin sanswire-ftp
  # Its output goes to stderr: stdout carries only "ready" to the tests
  # (usermod prints "no changes" there when the home is already this one).
  usermod -d "$v/home" sanswire-ftp >&2
  echo "sanswire-ftp:$FTP_PASS" | chpasswd
  printf 'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\n' \
    >/etc/pam.d/sanswire-vsftpd
  head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$v/home/large.bin"
  printf 'hello from vsftpd\n' >"$v/home/hello.txt"
  printf 'inner\n' >"$v/home/sub/inner.txt"
  chown -R sanswire-ftp "$v/home"
  local pasv=$((40000 + RANDOM % 20000))
  cat >"$v/vsftpd.conf" <<EOF
listen=YES
listen_address=127.0.0.1
listen_port=$FTP_PORT
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=sanswire-vsftpd
seccomp_sandbox=NO
secure_chroot_dir=$v/empty
pasv_enable=YES
pasv_min_port=$pasv
pasv_max_port=$((pasv + 40))
ssl_enable=YES
require_ssl_reuse=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
rsa_cert_file=$DIR/server.pem
rsa_private_key_file=$DIR/server.key
xferlog_enable=YES
vsftpd_log_file=$DIR/vsftpd.log
log_ftp_protocol=YES
debug_ssl=YES
EOF
  vsftpd "$v/vsftpd.conf" >>"$DIR/vsftpd.log" 2>&1 &
  PIDS+=($!)
  wait_port "$FTP_PORT" vsftpd "${PIDS[-1]}"
}

# gophernicus, inetd-style behind socat (one process per connection), as
# its own unprivileged user when we are root (it refuses to run as root),
# serving a small hole: a text with a dot-leading line, a lone dot and
# bare LFs; a GIF of awkward bytes; a directory with a gophermap and one
# without.
start_gophernicus() {
  local root="$DIR/gopher"
  mkdir -p "$root/mapped" "$root/docs"
  printf 'Hello, gopher\n.starts with a dot\n.\nlast\n' >"$root/hello.txt"
  # tests/common's awkward_bytes(3000): CR, LF, a dot, then any byte.
  python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes(b"\r\n."[i % 7] if i % 7 < 3 else i * 31 % 256 for i in range(3000)))' \
    "$root/pic.gif"
  printf 'Welcome to the mapped directory\n0The text\t/hello.txt\n1Up\t/\n# a comment\n' \
    >"$root/mapped/gophermap"
  printf 'notes\n' >"$root/docs/notes.md"
  chmod -R a+rX "$root"
  local command="/usr/sbin/gophernicus -h 127.0.0.1 -p $GOPHER_PORT -r $root -nv -nf -nh"
  if [ "$(id -u)" = 0 ]; then
    command="setpriv --reuid=_gophernicus --regid=_gophernicus --clear-groups $command"
  fi
  socat "TCP-LISTEN:$GOPHER_PORT,bind=127.0.0.1,reuseaddr,fork" "EXEC:$command" \
    >>"$DIR/gophernicus.log" 2>&1 &
  PIDS+=($!)
  wait_port "$GOPHER_PORT" gophernicus "${PIDS[-1]}"
}

# INN (innd with nnrpd for readers) in DIR/inn: its own inn.conf (INNCONF),
# spool, history and overview, on 127.0.0.1:$NNTP_PORT, run as the news
# user; readers from localhost may read and post, STARTTLS with the test
# CA's certificate. Groups seeded through
# POST, so the articles are in the spool and the overview as INN makes
# them (one with dot-leading lines, one with bytes that are not UTF-8).
start_inn() {
  local d="$DIR/inn"
  mkdir -p "$d"/{etc,db,run,log,tmp,http,filter} \
    "$d"/spool/{articles,overview,incoming,outgoing,archive}
  cat >"$d/etc/inn.conf" <<EOF
mta: "/bin/true"
organization: "sanswire interop"
ovmethod: tradindexed
hismethod: hisv6
pathhost: news.example.test
pathnews: /usr/lib/news
domain: example.test
fromhost: example.test
server: 127.0.0.1
bindaddress: 127.0.0.1
port: $NNTP_PORT
nnrpdpostport: $NNTP_PORT
enableoverview: true
storeonxref: true
wireformat: true
noreader: false
readerswhenstopped: false
doinnwatch: false
pgpverify: false
docancels: none
addinjectionpostinghost: false
maxconnections: 50
nnrpdloadlimit: 0
artcutoff: 0
pathbin: /usr/lib/news/bin
pathcontrol: /usr/lib/news/bin/control
pathfilter: $d/filter
pathetc: $d/etc
pathdb: $d/db
pathrun: $d/run
pathlog: $d/log
pathhttp: $d/http
pathtmp: $d/tmp
pathspool: $d/spool
patharticles: $d/spool/articles
pathoverview: $d/spool/overview
pathincoming: $d/spool/incoming
pathoutgoing: $d/spool/outgoing
patharchive: $d/spool/archive
tlscafile: $DIR/ca.pem
tlscertfile: $d/etc/server.pem
tlskeyfile: $d/etc/server.key
EOF
  # nnrpd wants its key private to the news user.
  cp "$DIR/server.pem" "$DIR/server.key" "$d/etc/"
  chmod 600 "$d/etc/server.key"
  cat >"$d/etc/storage.conf" <<EOF
method tradspool {
    newsgroups: *
    class: 0
}
EOF
  printf 'ME:*,!junk,!control*::\n' >"$d/etc/newsfeeds"
  : >"$d/etc/incoming.conf"
  cat >"$d/etc/readers.conf" <<EOF
auth "localhost" {
    hosts: "127.0.0.1, localhost"
    default: "<localhost>"
}
access "localhost" {
    users: "<localhost>"
    newsgroups: "*"
    access: RPN
}
EOF
  printf '*:A:never:never:never\n' >"$d/etc/expire.ctl"
  for f in moderators distrib.pats distributions subscriptions localgroups \
    control.ctl control.ctl.local nocem.ctl; do
    : >"$d/etc/$f"
  done
  cat >"$d/db/active" <<EOF
control 0000000000 0000000001 n
control.cancel 0000000000 0000000001 n
junk 0000000000 0000000001 n
local.test 0000000000 0000000001 y
local.empty 0000000000 0000000001 y
sanswire.post 0000000000 0000000001 y
EOF
  printf 'local.test\tArticles the framing gets wrong.\nsanswire.post\tWhere the tests post (caf\xe9).\n' \
    >"$d/db/newsgroups"
  : >"$d/db/active.times"
  : >"$d/db/history"
  chown -R news:news "$d"
  local as_news=(setpriv --reuid=news --regid=news --init-groups env INNCONF="$d/etc/inn.conf")
  "${as_news[@]}" /usr/lib/news/bin/makedbz -i -o >>"$DIR/inn.log" 2>&1
  "${as_news[@]}" /usr/lib/news/bin/innd -f >>"$DIR/inn.log" 2>&1 &
  PIDS+=($!)
  wait_port "$NNTP_PORT" inn "${PIDS[-1]}"
  python3 - "$NNTP_PORT" "$DIR/inn-seeded" >>"$DIR/inn.log" 2>&1 <<'PY' || { tail -n 20 "$DIR/inn.log" >&2; exit 1; }
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
articles = [
    b"From: Ann <ann@example.test>\r\nNewsgroups: local.test\r\nSubject: plain\r\n"
    b"Message-ID: <plain@example.test>\r\n\r\nhello from INN\r\n",
    b"From: Ann <ann@example.test>\r\nNewsgroups: local.test\r\nSubject: dots\r\n"
    b"Message-ID: <dots@example.test>\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n",
    b"From: Ann <ann@example.test>\r\nNewsgroups: local.test\r\nSubject: latin-1\r\n"
    b"Message-ID: <latin1@example.test>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"\r\ncaf\xe9 \xff\xfe bytes\r\n",
]
s = socket.create_connection(("127.0.0.1", port), 5)
f = s.makefile("rwb")
def reply():
    line = f.readline()
    if line[:1] not in (b"2", b"3"):
        sys.exit("INN refused: %r" % line)
    return line
reply()
for a in articles:
    f.write(b"POST\r\n"); f.flush(); reply()
    for line in a.split(b"\r\n")[:-1]:
        f.write((b"." if line.startswith(b".") else b"") + line + b"\r\n")
    f.write(b".\r\n"); f.flush(); reply()
# innd files each article and its overview after nnrpd hands it over.
for _ in range(100):
    f.write(b"GROUP local.test\r\n"); f.flush()
    if reply().split()[1] == b"3":
        break
    time.sleep(0.1)
else:
    sys.exit("INN did not file the seeded articles")
f.write(b"QUIT\r\n"); f.flush(); f.readline()
open(out, "wb").write(b"\0".join(articles))
PY
}

# inetutils telnetd, one per connection from socat (as inetd would run
# it), with a harmless program instead of login: it prints the terminal
# type and window size telnetd learnt (TTYPE, NAWS), answers one line,
# and exits.
start_telnetd() {
  mkdir -p "$DIR/telnetd"
  cat >"$DIR/telnetd/hello.sh" <<'EOF'
#!/bin/sh
echo "hello from telnetd, TERM=$TERM"
# telnetd asks for NAWS after it has started the program: wait for it.
sleep 1
echo "size: $(stty size)"
read line
echo "you said: $line"
# telnetd may drop output still in the pty when its child exits.
sleep 1
EOF
  chmod 755 "$DIR/telnetd/hello.sh"
  socat "TCP-LISTEN:$TELNET_PORT,reuseaddr,fork,bind=127.0.0.1" \
    "EXEC:/usr/sbin/telnetd -h -E $DIR/telnetd/hello.sh" >>"$DIR/telnetd.log" 2>&1 &
  PIDS+=($!)
  wait_port "$TELNET_PORT" telnetd "${PIDS[-1]}"
}

stop_all() {
  [ -n "${DIR:-}" ] && [ -d "$DIR/postfix/etc" ] && postfix -c "$DIR/postfix/etc" stop >/dev/null 2>&1 || true
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  # innd, told to stop with SIGTERM while it serves in the foreground,
  # can sit there: after a grace period, whatever is left is killed.
  for _ in $(seq 50); do
    alive=0
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

run() {
  # A fresh machine: install what is missing first (root and Debian's
  # mirrors needed; without them, this fails loudly).
  install >&2
  DIR=$1
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  PIDS=()
  trap stop_all EXIT
  id sanswire-mail >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin sanswire-mail
  MAIL_UID=$(id -u sanswire-mail)
  MAIL_GID=$(id -g sanswire-mail)
  USER_NAME=tester
  USER_PASS=s3cret-pass
  USER_ADDR=tester@example.test
  HTTP_PORT=$(free_port); SMTP_PORT=$(free_port)
  IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
  POP3_PORT=$(free_port); POP3S_PORT=$(free_port)
  FTP_PORT=$(free_port); FTP_PASS=ftp-s3cret
  GOPHER_PORT=$(free_port)
  NNTP_PORT=$(free_port)
  TELNET_PORT=$(free_port)
  certs
  seed_mail
  start_nginx
  start_dovecot
  start_postfix
  start_vsftpd
  start_gophernicus
  start_inn
  start_telnetd
  cat >"$DIR/env" <<EOF
HTTP_PORT=$HTTP_PORT
SMTP_PORT=$SMTP_PORT
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
POP3_PORT=$POP3_PORT
POP3S_PORT=$POP3S_PORT
TELNET_PORT=$TELNET_PORT
USER_NAME=$USER_NAME
USER_PASS=$USER_PASS
USER_ADDR=$USER_ADDR
CA_FILE=$DIR/ca.pem
WWW=$DIR/www
MAILDIR=$DIR/mail/$USER_NAME/Maildir
NGINX_VERSION=$(nginx -v 2>&1 | sed 's|.*/||')
POSTFIX_VERSION=$(postconf -h mail_version)
DOVECOT_VERSION=$(dovecot --version | cut -d' ' -f1)
FTP_PORT=$FTP_PORT
FTP_USER=sanswire-ftp
FTP_PASS=$FTP_PASS
FTP_HOME=$DIR/vsftpd/home
VSFTPD_VERSION=$(dpkg-query -W -f='${Version}' vsftpd)
GOPHER_PORT=$GOPHER_PORT
GOPHER_ROOT=$DIR/gopher
GOPHERNICUS_VERSION=$(dpkg-query -W -f='${Version}' gophernicus)
NNTP_PORT=$NNTP_PORT
INN_SEEDED=$DIR/inn-seeded
INN_VERSION=$(dpkg-query -W -f='${Version}' inn2 | cut -d- -f1)
TELNETD_VERSION=$(dpkg-query -W -f='${Version}' inetutils-telnetd)
EOF
  echo ready
  # Serve until the test process closes our stdin.
  cat >/dev/null || true
}

case "${1:-}" in
  install) install ;;
  run) run "${2:?run DIR}" ;;
  *) echo "usage: $0 install | run DIR" >&2; exit 2 ;;
esac
