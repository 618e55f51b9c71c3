//! SMTP interop over loopback with peers no one here wrote: Python's
//! `smtplib` and `smtpd`, and curl; and our own `fetch` against `serve`.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The messages `serve smtp` stored, oldest first.
fn stored(maildir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// What `serve smtp` puts in front of a message.
fn added(sender: &str, recipients: &[&str]) -> Vec<u8> {
    let mut head = format!("Return-Path: <{sender}>\r\n");
    for r in recipients {
        head.push_str(&format!("Delivered-To: {r}\r\n"));
    }
    head.into_bytes()
}

/// A message with CRLF lines, many starting with dots, about `len` bytes.
fn dotted_message(len: usize) -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: dots\r\n\r\n".to_vec();
    let mut i = 0u64;
    while m.len() < len {
        let line = match i % 5 {
            0 => ".".to_string(),
            1 => "..two dots".to_string(),
            2 => format!(".{}", "x".repeat((i % 900) as usize)),
            3 => String::new(),
            _ => format!("line {i} \u{e9}t\u{e9}"),
        };
        m.extend_from_slice(line.as_bytes());
        m.extend_from_slice(b"\r\n");
        i += 1;
    }
    m
}

fn serve_smtp(name: &str, user: Option<&str>) -> (Proc, String, PathBuf) {
    let maildir = scratch(name);
    let mut args = vec!["--root", maildir.to_str().unwrap()];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    let (proc_, addr) = serve("smtp", &args);
    (proc_, addr, maildir)
}

#[test]
fn python_smtplib_against_serve() {
    let (_serve, addr, maildir) = serve_smtp("smtplib", Some("alice:s3cret"));
    let (host, port) = addr.rsplit_once(':').unwrap();
    let big = dotted_message(5 << 20);
    let big_path = maildir.join("big.eml");
    std::fs::write(&big_path, &big).unwrap();
    let script = r#"
import smtplib, sys
host, port, big = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], 'rb').read()
def session():
    s = smtplib.SMTP(host, port); s.ehlo('py.example'); return s
s = session()
try:
    s.sendmail('a@example.org', ['b@example.org'], b'Subject: x\r\n\r\nno auth\r\n')
except smtplib.SMTPSenderRefused as e:
    print('refused', e.smtp_code)
try:
    s.login('alice', 'wrong')
except smtplib.SMTPAuthenticationError as e:
    print('bad password', e.smtp_code)
s.quit()
s = session()
s.user, s.password = 'alice', 's3cret'
print('plain', s.auth('PLAIN', s.auth_plain)[0])
print(s.sendmail('a@example.org', ['b@example.org', 'c@example.org'], big))
s.quit()
s = session()
s.user, s.password = 'alice', 's3cret'
print('login', s.auth('LOGIN', s.auth_login, initial_response_ok=False)[0])
print(s.sendmail('j\u00f6rg@b\u00fccher.example', ['\u00e5sa@exempel.se'],
                 'Subject: utf8\r\n\r\nHej \u00e5sa\r\n'.encode(), mail_options=['SMTPUTF8']))
s.quit()
"#;
    let out = String::from_utf8(python(script, &[host, port, big_path.to_str().unwrap()])).unwrap();
    assert_eq!(
        out,
        "refused 530\nbad password 535\nplain 235\n{}\nlogin 235\n{}\n"
    );
    let files = stored(&maildir);
    assert_eq!(files.len(), 2, "{files:?}");
    let first = std::fs::read(&files[0]).unwrap();
    let head = added("a@example.org", &["b@example.org", "c@example.org"]);
    assert!(first.starts_with(&head));
    assert!(first[head.len()..] == big[..], "the 5 MB message differs");
    let second = std::fs::read(&files[1]).unwrap();
    let mut expected = added("j\u{f6}rg@b\u{fc}cher.example", &["\u{e5}sa@exempel.se"]);
    expected.extend_from_slice("Subject: utf8\r\n\r\nHej \u{e5}sa\r\n".as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&second),
        String::from_utf8_lossy(&expected)
    );
}

/// Python's `smtpd` (deprecated, still in 3.11): a server that writes
/// the raw DATA content it received (still dot-stuffed, up to the final
/// CRLF.CRLF) and the envelope to a file, one record per message.
const PY_SMTPD: &str = r#"
import warnings; warnings.simplefilter('ignore')
import asyncore, smtpd, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Channel(smtpd.SMTPChannel):
    def collect_incoming_data(self, data):
        if self.smtp_state == self.DATA:
            self.raw = getattr(self, 'raw', b'') + data
        super().collect_incoming_data(data)
    def found_terminator(self):
        if self.smtp_state == self.DATA:
            with open(out, 'ab') as f:
                f.write(repr((self.mailfrom, self.rcpttos, self.mail_options)).encode() + b'\n')
                f.write(str(len(getattr(self, 'raw', b''))).encode() + b'\n')
                f.write(getattr(self, 'raw', b''))
                f.write(b'\n')
            self.raw = b''
        super().found_terminator()
class Server(smtpd.SMTPServer):
    channel_class = Channel
    def process_message(self, *a, **k):
        return None
Server(('127.0.0.1', port), None, decode_data=False)
asyncore.loop()
"#;

#[test]
fn blocking_client_against_python_smtpd() {
    let dir = scratch("smtpd");
    let record = dir.join("received");
    let port = free_port();
    let _server = Proc(
        Command::new("python3")
            .args(["-c", PY_SMTPD, &port.to_string(), record.to_str().unwrap()])
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 smtpd"),
    );
    wait_for_port(port);
    let mut client =
        sanswire::io::smtp::Client::connect(("127.0.0.1", port), "client.example.org").unwrap();
    assert!(!client.capabilities().pipelining);
    // Bare LF and CR become CRLF; every line start gets its dot stuffed.
    let message = b"Subject: t\r\n\r\n.one\n..two\r.three\r\nend".to_vec();
    let outcome = client
        .send_mail("a@example.org", ["b@example.org", "c@example.org"], message)
        .unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
    let big = dotted_message(1 << 20);
    let outcome = client
        .send_mail("", ["postmaster@example.org"], big.clone())
        .unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
    assert_eq!(client.noop().unwrap().code(), 250);
    assert_eq!(client.quit().unwrap().code(), 221);
    drop(client);

    let got = std::fs::read(&record).unwrap();
    let mut expected =
        b"('a@example.org', ['b@example.org', 'c@example.org'], ['SIZE=36'])\n".to_vec();
    let first = b"Subject: t\r\n\r\n..one\r\n...two\r\n..three\r\nend";
    expected.extend_from_slice(format!("{}\n", first.len()).as_bytes());
    expected.extend_from_slice(first);
    expected.extend_from_slice(b"\n");
    let mut stuffed = Vec::new();
    for line in big.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".") {
            stuffed.push(b'.');
        }
        stuffed.extend_from_slice(line);
    }
    stuffed.truncate(stuffed.len() - 2); // the last CRLF opens the terminator
    expected.extend_from_slice(
        format!(
            "('<>', ['postmaster@example.org'], ['SIZE={}'])\n",
            big.len()
        )
        .as_bytes(),
    );
    expected.extend_from_slice(format!("{}\n", stuffed.len()).as_bytes());
    expected.extend_from_slice(&stuffed);
    expected.extend_from_slice(b"\n");
    assert!(
        got == expected,
        "smtpd received something else:\n{}",
        String::from_utf8_lossy(&got[..got.len().min(400)])
    );
}

#[test]
fn curl_and_fetch_against_serve() {
    let (_serve, addr, maildir) = serve_smtp("curl-fetch", Some("u:p"));
    let message = dotted_message(300_000);
    let src = scratch("curl-fetch-src").join("msg.eml");
    std::fs::write(&src, &message).unwrap();
    let url = format!("smtp://{addr}/client.example");
    let args = [
        "-u",
        "u:p",
        "--mail-from",
        "a@example.org",
        "--mail-rcpt",
        "b@example.org",
        "--mail-rcpt",
        "c@example.org",
        "-T",
        src.to_str().unwrap(),
        &url,
    ];
    let (ok, _, err) = run(Command::new("curl").arg("-sS").args(args));
    assert!(ok, "curl: {err}");
    let (ok, out, err) = run(Command::new(example("fetch")).args(args));
    assert!(ok, "fetch: {err}");
    assert!(out.is_empty());
    let files = stored(&maildir);
    assert_eq!(files.len(), 2);
    let mut expected = added("a@example.org", &["b@example.org", "c@example.org"]);
    expected.extend_from_slice(&message);
    for f in &files {
        assert!(
            std::fs::read(f).unwrap() == expected,
            "{} differs",
            f.display()
        );
    }
    // Stdin, and the conversation on stderr with -v.
    let mut child = Command::new(example("fetch"))
        .args(["-v", "-u", "u:p", "--mail-from", "a@example.org"])
        .args(["--mail-rcpt", "b@example.org", "-T", "-", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"Subject: s\r\n\r\nx\r\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let trace = String::from_utf8_lossy(&out.stderr);
    for line in [
        "> EHLO client.example\n",
        // As curl without --sasl-ir: AUTH PLAIN, then the response.
        "> AUTH PLAIN\n< 334\n> AHUAcA==\n",
        "< 235 2.7.0 Authentication successful\n",
        "> MAIL FROM:<a@example.org> SIZE=17\n",
        "< 250 2.1.5 Recipient OK\n> BDAT 17 LAST\n} [17 bytes data]\n",
        "< 250 2.0.0 Message accepted\n> QUIT\n< 221 2.0.0 Bye\n",
    ] {
        assert!(trace.contains(line), "{line:?} not in\n{trace}");
    }
    assert_eq!(stored(&maildir).len(), 3);
    // Refusals: one line, curl's exit codes, nothing stored.
    for (user, code, text) in [
        ("u:wrong", 67, "Login denied: 535"),
        ("", 55, "MAIL failed: 530"),
    ] {
        let mut cmd = Command::new(example("fetch"));
        if !user.is_empty() {
            cmd.args(["-u", user]);
        }
        let out = cmd
            .args([
                "--mail-from",
                "a@example.org",
                "--mail-rcpt",
                "b@example.org",
            ])
            .args(["-T", src.to_str().unwrap(), &url])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(text), "{err}");
    }
    assert_eq!(stored(&maildir).len(), 3);
}

/// A scripted server that refuses recipients named `bad...` and records
/// the commands it saw.
const PY_REFUSER: &str = r#"
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()
record = open(sys.argv[2], 'w')
while True:
    c, _ = s.accept(); f = c.makefile('rb')
    c.sendall(b'220 refuser\r\n')
    while True:
        l = f.readline()
        if not l: break
        record.write(l.decode().strip() + '\n'); record.flush(); u = l.upper()
        if u.startswith(b'EHLO'): c.sendall(b'250-refuser\r\n250 PIPELINING\r\n')
        elif u.startswith(b'RCPT') and b'<bad' in l: c.sendall(b'550 5.1.1 no such user\r\n')
        elif u.startswith(b'DATA'): c.sendall(b'354 go\r\n')
        elif u.startswith(b'QUIT'): c.sendall(b'221 bye\r\n'); break
        else: c.sendall(b'250 ok\r\n')
    c.close()
"#;

#[test]
fn fetch_sends_nothing_when_a_recipient_is_refused() {
    let dir = scratch("refuser");
    let record = dir.join("seen");
    let port = free_port();
    let server = Proc(
        Command::new("python3")
            .args([
                "-c",
                PY_REFUSER,
                &port.to_string(),
                record.to_str().unwrap(),
            ])
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    let src = dir.join("m.eml");
    std::fs::write(&src, b"Subject: x\r\n\r\nx\r\n").unwrap();
    let (ok, _, err) = run(Command::new(example("fetch")).args([
        "--mail-from",
        "a@example.org",
        "--mail-rcpt",
        "ok@example.org",
        "--mail-rcpt",
        "bad@example.org",
        "-T",
        src.to_str().unwrap(),
        &format!("smtp://127.0.0.1:{port}/h.example"),
    ]));
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "fetch: (55) RCPT failed: 550 5.1.1 no such user"
    );
    // The server saw the pipelined MAIL and RCPTs, then RSET: no DATA.
    let seen = std::fs::read_to_string(&record).unwrap();
    assert_eq!(
        seen,
        "EHLO h.example\nMAIL FROM:<a@example.org>\nRCPT TO:<ok@example.org>\n\
         RCPT TO:<bad@example.org>\nRSET\nQUIT\n"
    );
    drop(server);
}
