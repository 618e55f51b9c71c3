#!/usr/bin/env bash
# The real servers people run, started for the interop tests on loopback:
# nginx (HTTP), Postfix (SMTP, STARTTLS, AUTH through Dovecot),
# Dovecot (POP3 and IMAP, STARTTLS) and inetutils telnetd, each with a private configuration
# under DIR, on high ports, and no system service started.
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
PACKAGES+=(inetutils-telnetd socat)

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
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
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
  TELNET_PORT=$(free_port)
  certs
  seed_mail
  start_nginx
  start_dovecot
  start_postfix
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
