//! SMTP STARTTLS and POP3 STLS against peers no one here wrote: Python's
//! `smtplib.starttls()` and `poplib.stls()`, curl `--ssl-reqd` and curl
//! `smtps://`/`pop3s://`, all against `serve` with a CA made for the test;
//! and `fetch --ssl-reqd` against the same servers.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::{example, python, run, scratch, serve, Proc};
use pki::Pki;
use std::path::PathBuf;
use std::process::Command;

struct Mail {
    _procs: Vec<Proc>,
    root: PathBuf,
    maildir: PathBuf,
    ca: String,
    smtp_port: String,
    pop3_port: String,
    smtps_port: String,
    pop3s_port: String,
}

fn port(addr: &str) -> String {
    addr.rsplit(':').next().unwrap().to_string()
}

/// `serve smtp` and `serve pop3` (user alice:secret) on one maildir, with
/// STARTTLS/STLS and with implicit TLS.
fn mail_servers(name: &str) -> Mail {
    let root = scratch(name);
    let keys = root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (ca, cert, key) = Pki::new().write(&keys);
    let maildir = root.join("mail");
    std::fs::create_dir_all(&maildir).unwrap();
    let tls = [
        "--root".to_string(),
        maildir.to_str().unwrap().to_string(),
        "--tls-cert".to_string(),
        cert.to_str().unwrap().to_string(),
        "--tls-key".to_string(),
        key.to_str().unwrap().to_string(),
    ];
    let start = |proto: &str, extra: &[&str]| {
        let mut args: Vec<&str> = tls.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        serve(proto, &args)
    };
    let (a, smtp) = start("smtp", &[]);
    let (b, smtps) = start("smtp", &["--implicit-tls"]);
    let (c, pop3) = start("pop3", &["--user", "alice:secret"]);
    let (d, pop3s) = start("pop3", &["--user", "alice:secret", "--implicit-tls"]);
    Mail {
        _procs: vec![a, b, c, d],
        root,
        maildir,
        ca: ca.to_str().unwrap().to_string(),
        smtp_port: port(&smtp),
        pop3_port: port(&pop3),
        smtps_port: port(&smtps),
        pop3s_port: port(&pop3s),
    }
}

fn stored(mail: &Mail) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(mail.maildir.join("new"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

const HEAD: &[u8] = b"Return-Path: <alice@test>\r\nDelivered-To: bob@test\r\n";

#[test]
fn python_smtplib_starttls_and_poplib_stls_against_serve() {
    let mail = mail_servers("mail-tls-python");
    let script = r#"
import poplib, smtplib, ssl, sys
ca, smtp_port, pop_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
msg = b"Subject: py\r\n\r\nline one\r\n.dot line\r\n"
with smtplib.SMTP("localhost", smtp_port) as s:
    s.ehlo("client.test")
    assert s.has_extn("starttls")
    s.starttls(context=ctx)
    s.ehlo("client.test")
    assert not s.has_extn("starttls")
    s.sendmail("alice@test", ["bob@test"], msg)
p = poplib.POP3("localhost", pop_port)
assert "STLS" in p.capa()
p.stls(context=ctx)
assert "STLS" not in p.capa()
p.user("alice"); p.pass_("secret")
resp, lines, octets = p.retr(1)
sys.stdout.buffer.write(b"\r\n".join(lines) + b"\r\n")
print(p.sock.version())
p.quit()
"#;
    let out = python(script, &[&mail.ca, &mail.smtp_port, &mail.pop3_port]);
    let message = b"Subject: py\r\n\r\nline one\r\n.dot line\r\n";
    let expected = [HEAD, &message[..]].concat();
    assert_eq!(stored(&mail), vec![expected.clone()]);
    // poplib gives lines without their CRLF; the message comes back whole.
    assert_eq!(out, [&expected[..], b"TLSv1.3\n"].concat());
}

#[test]
fn curl_ssl_reqd_and_implicit_tls_against_serve() {
    let mail = mail_servers("mail-tls-curl");
    let body = mail.root.join("body.eml");
    std::fs::write(&body, b"Subject: curl\r\n\r\nvia curl\r\n").unwrap();
    let send = |url: String, ssl_reqd: bool| {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--cacert", &mail.ca, "--mail-from", "alice@test"])
            .args([
                "--mail-rcpt",
                "bob@test",
                "-T",
                body.to_str().unwrap(),
                &url,
            ]);
        if ssl_reqd {
            cmd.arg("--ssl-reqd");
        }
        let (ok, _, err) = run(&mut cmd);
        assert!(ok, "curl {url}: {err}");
    };
    send(
        format!("smtp://localhost:{}/client.test", mail.smtp_port),
        true,
    );
    send(
        format!("smtps://localhost:{}/client.test", mail.smtps_port),
        false,
    );
    let expected = [HEAD, &b"Subject: curl\r\n\r\nvia curl\r\n"[..]].concat();
    assert_eq!(stored(&mail), vec![expected.clone(), expected.clone()]);

    let get = |url: String, ssl_reqd: bool| {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--cacert", &mail.ca, "-u", "alice:secret", &url]);
        if ssl_reqd {
            cmd.arg("--ssl-reqd");
        }
        let (ok, out, err) = run(&mut cmd);
        assert!(ok, "curl {url}: {err}");
        out
    };
    let size = expected.len();
    let listing = format!("1 {size}\r\n2 {size}\r\n").into_bytes();
    for (port, ssl_reqd, scheme) in [
        (&mail.pop3_port, true, "pop3"),
        (&mail.pop3s_port, false, "pop3s"),
    ] {
        assert_eq!(
            get(format!("{scheme}://localhost:{port}/"), ssl_reqd),
            listing
        );
        assert_eq!(
            get(format!("{scheme}://localhost:{port}/2"), ssl_reqd),
            expected
        );
    }
}

#[test]
fn fetch_ssl_reqd_and_implicit_tls_against_serve() {
    let mail = mail_servers("mail-tls-fetch");
    let body = mail.root.join("body.eml");
    std::fs::write(&body, b"Subject: fetch\r\n\r\nvia fetch\r\n").unwrap();
    for url in [
        format!("smtp://localhost:{}/client.test", mail.smtp_port),
        format!("smtps://localhost:{}/client.test", mail.smtps_port),
    ] {
        let (ok, _, err) = run(Command::new(example("fetch")).args([
            "--ssl-reqd",
            "--cacert",
            &mail.ca,
            "--mail-from",
            "alice@test",
            "--mail-rcpt",
            "bob@test",
            "-T",
            body.to_str().unwrap(),
            &url,
        ]));
        assert!(ok, "fetch {url}: {err}");
    }
    let expected = [HEAD, &b"Subject: fetch\r\n\r\nvia fetch\r\n"[..]].concat();
    assert_eq!(stored(&mail), vec![expected.clone(), expected.clone()]);
    for url in [
        format!("pop3://alice:secret@localhost:{}/2", mail.pop3_port),
        format!("pop3s://alice:secret@localhost:{}/1", mail.pop3s_port),
    ] {
        let (ok, out, err) =
            run(Command::new(example("fetch")).args(["--ssl-reqd", "--cacert", &mail.ca, &url]));
        assert!(ok, "fetch {url}: {err}");
        assert_eq!(out, expected);
    }
    // -k: encrypted, not authenticated; still works.
    let url = format!("pop3://alice:secret@localhost:{}/1", mail.pop3_port);
    let (ok, out, err) = run(Command::new(example("fetch")).args(["--ssl-reqd", "-k", &url]));
    assert!(ok, "fetch -k: {err}");
    assert_eq!(out, expected);
}

/// Servers without TLS: `--ssl-reqd` fails with curl's exit code 64, as
/// curl itself does, and the message is not sent.
#[test]
fn ssl_reqd_without_starttls_is_exit_64_like_curl() {
    let maildir = scratch("mail-tls-none");
    let (_smtp, smtp) = serve("smtp", &["--root", maildir.to_str().unwrap()]);
    let (_pop, pop) = serve(
        "pop3",
        &[
            "--root",
            maildir.to_str().unwrap(),
            "--user",
            "alice:secret",
        ],
    );
    let body = maildir.join("..").join("mail-tls-none-body.eml");
    std::fs::write(&body, b"Subject: x\r\n\r\nx\r\n").unwrap();
    let smtp_url = format!("smtp://{smtp}/client.test");
    let pop_url = format!("pop3://alice:secret@{pop}/");
    for program in [example("fetch"), PathBuf::from("curl")] {
        let out = Command::new(&program)
            .args(["-s", "--ssl-reqd", "--mail-from", "alice@test"])
            .args(["--mail-rcpt", "bob@test", "-T", body.to_str().unwrap()])
            .arg(&smtp_url)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{program:?} smtp: {out:?}");
        let out = Command::new(&program)
            .args(["-s", "--ssl-reqd", &pop_url])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{program:?} pop3: {out:?}");
    }
    assert!(!maildir.join("new").exists());
}
