//! `fetch` beside curl 7.88 over SMTP: both against the same server, with
//! stdout, the exit code and what the server received compared.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Smtpd {
    _proc: Proc,
    port: u16,
    log: PathBuf,
    root: PathBuf,
}

fn smtpd(name: &str, config: &str) -> Smtpd {
    let peer = scripted_peer("smtpd.py", &format!("fcurl-smtp-{name}"), Some(config));
    std::fs::write(peer.root.join("m.eml"), b"Subject: s\r\n\r\nhi\r\n").unwrap();
    Smtpd {
        _proc: peer.proc,
        port: peer.port,
        log: peer.log,
        root: peer.root,
    }
}

/// (exit code, stdout, stderr, lines received, the -o file)
fn run_one(
    program: &Path,
    s: &Smtpd,
    args: &[&str],
    tag: &str,
) -> (i32, Vec<u8>, String, String, Option<Vec<u8>>) {
    let out_path = s.root.join(format!("out-{tag}"));
    let _ = std::fs::remove_file(&out_path);
    let url = format!("smtp://127.0.0.1:{}/c.example", s.port);
    let msg = s.root.join("m.eml");
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{url}", &url)
                .replace("{msg}", msg.to_str().unwrap())
                .replace("{out}", out_path.to_str().unwrap())
        })
        .collect();
    let out = Command::new(program)
        .args(["-m", "10"])
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let received = std::fs::read_to_string(&s.log).unwrap_or_default();
    let _ = std::fs::remove_file(&s.log);
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        received,
        std::fs::read(&out_path).ok(),
    )
}

/// curl, then fetch: the same exit code, stdout, lines received and -o
/// file. Returns fetch's (exit code, received).
fn same(s: &Smtpd, args: &[&str]) -> (i32, String) {
    let curl = run_one(Path::new("curl"), s, args, "curl");
    let fetch = run_one(&example("fetch"), s, args, "fetch");
    assert_eq!(
        fetch.0, curl.0,
        "exit code for {args:?}\nfetch: {}",
        fetch.2
    );
    assert_eq!(fetch.3, curl.3, "what the server received for {args:?}");
    assert_eq!(
        String::from_utf8_lossy(&fetch.1),
        String::from_utf8_lossy(&curl.1),
        "stdout for {args:?}"
    );
    assert_eq!(fetch.4, curl.4, "the -o file for {args:?}");
    (fetch.0, fetch.3)
}

#[test]
fn custom_commands_and_their_answers() {
    let s = smtpd("commands", "{}");
    same(
        &s,
        &["-X", "VRFY", "--mail-rcpt", "alice@example.org", "{url}"],
    );
    same(&s, &["--mail-rcpt", "alice@example.org", "{url}"]);
    let (code, _) = same(
        &s,
        &["-X", "VRFY", "--mail-rcpt", "nobody@example.org", "{url}"],
    );
    assert_eq!(code, 8);
    same(
        &s,
        &["-X", "EXPN", "--mail-rcpt", "alice@example.org", "{url}"],
    );
    let (code, _) = same(&s, &["-X", "EXPN", "--mail-rcpt", "x", "{url}"]);
    assert_eq!(code, 8);
    same(&s, &["-X", "HELP", "{url}"]);
    same(&s, &["{url}"]);
    same(&s, &["-X", "NOOP", "{url}"]);
    same(
        &s,
        &[
            "-X",
            "VRFY",
            "--mail-rcpt",
            "alice@example.org",
            "-o",
            "{out}",
            "{url}",
        ],
    );
}

#[test]
fn addresses_brackets_dsn_and_the_servers_verdict() {
    let s = smtpd("addresses", "{}");
    same(
        &s,
        &[
            "--mail-from",
            "<a@b.example>",
            "--mail-rcpt",
            "<d@e.example>",
            "-T",
            "{msg}",
            "{url}",
        ],
    );
    same(
        &s,
        &[
            "--mail-from",
            "a",
            "--mail-rcpt",
            "d",
            "-T",
            "{msg}",
            "{url}",
        ],
    );
    let strict = smtpd("strict", r#"{"strict": true}"#);
    let (code, _) = same(
        &strict,
        &[
            "--mail-from",
            "a",
            "--mail-rcpt",
            "d@e.example",
            "-T",
            "{msg}",
            "{url}",
        ],
    );
    assert_eq!(code, 55);
    // DSN parameters go to the server, which decides; curl sends them
    // inside the path (`<d@e.example> NOTIFY=NEVER>`), fetch as
    // parameters: the verdict and the exit code are the same.
    let dsn = [
        "--mail-from",
        "<a@b.example> RET=HDRS",
        "--mail-rcpt",
        "<d@e.example> NOTIFY=NEVER",
        "-T",
        "{msg}",
        "{url}",
    ];
    let curl = run_one(Path::new("curl"), &strict, &dsn, "curl");
    let fetch = run_one(&example("fetch"), &strict, &dsn, "fetch");
    assert_eq!((fetch.0, curl.0), (55, 55));
    assert!(
        fetch
            .3
            .contains("MAIL FROM:<a@b.example> SIZE=18 RET=HDRS\n"),
        "{}",
        fetch.3
    );
    let fetch = run_one(&example("fetch"), &s, &dsn, "fetch");
    assert_eq!(fetch.0, 0);
    assert!(
        fetch.3.contains("RCPT TO:<d@e.example> NOTIFY=NEVER\n"),
        "{}",
        fetch.3
    );
}

#[test]
fn login_as_curl_does_it() {
    let s = smtpd("login", "{}");
    let send = [
        "--mail-from",
        "a@b.example",
        "--mail-rcpt",
        "d@e.example",
        "-T",
        "{msg}",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v: Vec<&str> = extra.to_vec();
        v.extend(send);
        v.push("{url}");
        v
    };
    // AUTH PLAIN in two steps, or one with --sasl-ir.
    let (_, received) = same(&s, &with(&["-u", "u:p"]));
    assert!(received.contains("AUTH PLAIN\nAHUAcA==\n"), "{received}");
    let (_, received) = same(&s, &with(&["-u", "u:p", "--sasl-ir"]));
    assert!(received.contains("AUTH PLAIN AHUAcA==\n"), "{received}");
    same(&s, &with(&["-u", "u:p", "--login-options", "AUTH=LOGIN"]));
    let (code, _) = same(&s, &with(&["-u", "u:wrong"]));
    assert_eq!(code, 67);
    same(&s, &with(&["--mail-auth", "x@y.example"]));
    // No AUTH offered: -u is not used, and the mail goes.
    let no_auth = smtpd("no-auth", r#"{"ehlo": ["SIZE 1000"]}"#);
    let (code, _) = same(&no_auth, &with(&["-u", "u:p"]));
    assert_eq!(code, 0);
    same(&no_auth, &with(&["--mail-auth", "x@y.example"]));
}

#[test]
fn fallback_after_a_cancelled_mechanism() {
    let s = smtpd(
        "cancel",
        r#"{"ehlo": ["AUTH CRAM-MD5 PLAIN LOGIN"], "bad": ["CRAM-MD5"]}"#,
    );
    let args = [
        "-u",
        "u:p",
        "--mail-from",
        "a@b.example",
        "--mail-rcpt",
        "d@e.example",
        "-T",
        "{msg}",
        "{url}",
    ];
    let (code, received) = same(&s, &args);
    assert_eq!(code, 0);
    assert!(
        received.contains("AUTH CRAM-MD5\n*\nAUTH PLAIN\n"),
        "{received}"
    );
}

#[test]
fn recipients_allowed_to_fail() {
    let s = smtpd("allowfails", r#"{"refuse_rcpt": ["bad@e.example"]}"#);
    let base = [
        "--mail-from",
        "a@b.example",
        "--mail-rcpt",
        "d@e.example",
        "--mail-rcpt",
        "bad@e.example",
        "-T",
        "{msg}",
    ];
    let mut args = base.to_vec();
    args.push("{url}");
    // After a refused recipient curl says QUIT; the machine says RSET
    // first (the one difference, checked here).
    let curl = run_one(Path::new("curl"), &s, &args, "curl");
    let fetch = run_one(&example("fetch"), &s, &args, "fetch");
    assert_eq!((fetch.0, curl.0), (55, 55));
    assert_eq!(fetch.3.replace("RSET\n", ""), curl.3);
    let mut args = base.to_vec();
    args.extend(["--mail-rcpt-allowfails", "{url}"]);
    let (code, _) = same(&s, &args);
    assert_eq!(code, 0);
    // Every recipient refused: 55 even so (and RSET before QUIT, as above).
    let all_bad = [
        "--mail-from",
        "a@b.example",
        "--mail-rcpt",
        "bad@e.example",
        "--mail-rcpt-allowfails",
        "-T",
        "{msg}",
        "{url}",
    ];
    let curl = run_one(Path::new("curl"), &s, &all_bad, "curl");
    let fetch = run_one(&example("fetch"), &s, &all_bad, "fetch");
    assert_eq!((fetch.0, curl.0), (55, 55));
    assert_eq!(fetch.3.replace("RSET\n", ""), curl.3);
}

#[test]
fn crlf_and_ssl_without_starttls() {
    let s = smtpd("crlf", "{}");
    same(
        &s,
        &[
            "--crlf",
            "--mail-from",
            "a@b.example",
            "--mail-rcpt",
            "d@e.example",
            "-T",
            "{msg}",
            "{url}",
        ],
    );
    // --ssl: no STARTTLS offered, so on in plaintext.
    same(
        &s,
        &[
            "--ssl",
            "--mail-from",
            "a@b.example",
            "--mail-rcpt",
            "d@e.example",
            "-T",
            "{msg}",
            "{url}",
        ],
    );
}

#[test]
fn verbose_goes_on_after_starttls() {
    let pki = pki::Pki::new();
    let dir = scratch("smtp-v-pki");
    let (ca, cert, key) = pki.write(&dir);
    let maildir = scratch("smtp-v");
    let (_serve, addr) = serve(
        "smtp",
        &[
            "--root",
            maildir.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let port = addr.rsplit(':').next().unwrap();
    let url = format!("smtp://localhost:{port}/client.example");
    let mut child = Command::new(example("fetch"))
        .args(["-v", "--ssl-reqd", "--cacert", ca.to_str().unwrap()])
        .args([
            "--mail-from",
            "a@example.org",
            "--mail-rcpt",
            "b@example.org",
            "-T",
            "-",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"Subject: s\r\n\r\nx\r\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{trace}");
    let after = trace
        .split("> STARTTLS\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no STARTTLS in\n{trace}"));
    for line in [
        "> EHLO client.example\n",
        "< 250",
        "> MAIL FROM:<a@example.org>",
        "> QUIT\n",
        "< 221",
    ] {
        assert!(
            after.contains(line),
            "{line:?} not traced after STARTTLS:\n{trace}"
        );
    }
}
