//! `fetch` beside curl 7.88 over POP3: both against the same scripted
//! server (tests/fetch_curl/pop3d.py), with stdout, the exit code and the
//! lines the server received compared.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Pop3d {
    _proc: Proc,
    port: u16,
    log: PathBuf,
}

fn pop3d(name: &str, config: &str) -> Pop3d {
    let peer = scripted_peer("pop3d.py", &format!("fcurl-pop3-{name}"), Some(config));
    Pop3d {
        _proc: peer.proc,
        port: peer.port,
        log: peer.log,
    }
}

/// (exit code, stdout, stderr, lines received)
fn run_one(program: &Path, server: &Pop3d, args: &[&str]) -> (i32, Vec<u8>, String, String) {
    let base = format!("127.0.0.1:{}", server.port);
    let args: Vec<String> = args.iter().map(|a| a.replace("{addr}", &base)).collect();
    let out = Command::new(program)
        .args(["-m", "10"])
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let received = std::fs::read_to_string(&server.log).unwrap_or_default();
    let _ = std::fs::remove_file(&server.log);
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        received,
    )
}

/// curl, then fetch: the same exit code, stdout and lines received.
/// Returns (exit code, received).
fn same(server: &Pop3d, args: &[&str]) -> (i32, String) {
    let curl = run_one(Path::new("curl"), server, args);
    let fetch = run_one(&example("fetch"), server, args);
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
    (fetch.0, fetch.3)
}

#[test]
fn lines_before_the_greeting_are_skipped() {
    let s = pop3d(
        "banner",
        r#"{"banner": ["Welcome, traveller", "* more banner"]}"#,
    );
    let (code, _) = same(&s, &["-u", "u:p", "pop3://{addr}/1"]);
    assert_eq!(code, 0);
}

#[test]
fn list_only_and_quit_after_err() {
    let s = pop3d("list", "{}");
    same(&s, &["-u", "u:p", "-l", "pop3://{addr}/"]);
    let (_, received) = same(&s, &["-u", "u:p", "-l", "pop3://{addr}/1"]);
    assert!(received.contains("LIST 1\n"), "{received}");
    let (code, received) = same(&s, &["-u", "u:p", "pop3://{addr}/9"]);
    assert_eq!(code, 8);
    assert!(received.ends_with("RETR 9\nQUIT\n"), "{received}");
    same(&s, &["-u", "u:p", "pop3://{addr}/2"]);
}

#[test]
fn login_chosen_as_curl_chooses() {
    for (name, config) in [
        ("cram", r#"{"capa": ["USER", "SASL PLAIN LOGIN CRAM-MD5"]}"#),
        ("plain", r#"{"capa": ["USER", "SASL LOGIN PLAIN"]}"#),
        ("login", r#"{"capa": ["USER", "SASL LOGIN"]}"#),
        ("apop", r#"{"capa": ["USER"], "timestamp": "<1.2@pop3d>"}"#),
        ("user", r#"{"capa": ["USER"]}"#),
        ("nocapa", r#"{"capa": null}"#),
    ] {
        let s = pop3d(name, config);
        let (code, _) = same(&s, &["-u", "u:p", "pop3://{addr}/1"]);
        assert_eq!(code, 0, "{name}");
        // A refused login: 67, and no QUIT.
        let (code, received) = same(&s, &["-u", "u:wrong", "pop3://{addr}/1"]);
        assert_eq!(code, 67, "{name}");
        assert!(!received.contains("QUIT"), "{name}: {received}");
    }
}

#[test]
fn auth_in_url_and_login_options() {
    let s = pop3d(
        "pick",
        r#"{"capa": ["USER", "SASL PLAIN LOGIN CRAM-MD5"], "timestamp": "<3.4@pop3d>"}"#,
    );
    same(&s, &["-u", "u:p", "pop3://u;AUTH=LOGIN@{addr}/1"]);
    same(&s, &["-u", "u;AUTH=PLAIN:p", "pop3://{addr}/1"]);
    same(&s, &["pop3://u;AUTH=PLAIN:p@{addr}/1"]);
    same(
        &s,
        &[
            "-u",
            "u:p",
            "--login-options",
            "AUTH=LOGIN",
            "pop3://{addr}/1",
        ],
    );
    same(
        &s,
        &["-u", "u:p", "--login-options", "AUTH=*", "pop3://{addr}/1"],
    );
    same(
        &s,
        &[
            "-u",
            "u:p",
            "--login-options",
            "AUTH=+APOP",
            "pop3://{addr}/1",
        ],
    );
    let (code, _) = same(
        &s,
        &[
            "-u",
            "u:p",
            "--login-options",
            "AUTH=XOAUTH2",
            "pop3://{addr}/1",
        ],
    );
    assert_eq!(code, 67);
    let s = pop3d("pick-apop", r#"{"capa": ["USER"]}"#);
    let (code, _) = same(
        &s,
        &[
            "-u",
            "u:p",
            "--login-options",
            "AUTH=+APOP",
            "pop3://{addr}/1",
        ],
    );
    assert_eq!(code, 67);
}

#[test]
fn sasl_ir_sends_the_initial_response_at_once() {
    let s = pop3d("ir", r#"{"capa": ["SASL PLAIN"]}"#);
    let (_, received) = same(&s, &["-u", "u:p", "--sasl-ir", "pop3://{addr}/1"]);
    assert!(received.contains("AUTH PLAIN AHUAcA==\n"), "{received}");
    // Without it, PLAIN takes two steps.
    let (_, received) = same(&s, &["-u", "u:p", "pop3://{addr}/1"]);
    assert!(received.contains("AUTH PLAIN\nAHUAcA==\n"), "{received}");
}

#[test]
fn oauth2_bearer() {
    for config in [
        r#"{"capa": ["SASL PLAIN XOAUTH2"]}"#,
        r#"{"capa": ["SASL XOAUTH2 OAUTHBEARER"]}"#,
        r#"{"capa": ["SASL XOAUTH2 OAUTHBEARER"], "token": "other"}"#,
        r#"{"capa": ["USER", "SASL PLAIN"]}"#,
    ] {
        let s = pop3d("bearer", config);
        same(
            &s,
            &["-u", "u:", "--oauth2-bearer", "tok", "pop3://{addr}/1"],
        );
        same(
            &s,
            &[
                "-u",
                "u:",
                "--oauth2-bearer",
                "tok",
                "--sasl-ir",
                "pop3://{addr}/1",
            ],
        );
    }
}

#[test]
fn fallback_after_a_cancelled_mechanism() {
    let s = pop3d(
        "cancel",
        r#"{"capa": ["SASL CRAM-MD5 PLAIN LOGIN"], "bad": ["CRAM-MD5"]}"#,
    );
    let (code, received) = same(&s, &["-u", "u:p", "pop3://{addr}/1"]);
    assert_eq!(code, 0);
    assert!(
        received.starts_with("CAPA\nAUTH CRAM-MD5\n*\nAUTH PLAIN\n"),
        "{received}"
    );
    // Nothing left after the cancel: 67.
    let s = pop3d(
        "cancel-all",
        r#"{"capa": ["SASL CRAM-MD5"], "bad": ["CRAM-MD5"]}"#,
    );
    let (code, _) = same(&s, &["-u", "u:p", "pop3://{addr}/1"]);
    assert_eq!(code, 67);
}

/// The `> `, `< ` and `{ [` lines of a `-v` trace (curl's keep their CR).
fn trace_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("> ") || l.starts_with("< ") || l.starts_with("{ ["))
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

#[test]
fn verbose_in_curls_format() {
    let s = pop3d("verbose", r#"{"capa": ["USER", "SASL PLAIN LOGIN"]}"#);
    for args in [
        ["-sv", "-u", "u:p", "pop3://{addr}/1"].as_slice(),
        &["-sv", "-u", "u:p", "pop3://{addr}/"],
        &[
            "-sv",
            "-u",
            "u:p",
            "--login-options",
            "AUTH=LOGIN",
            "pop3://{addr}/2",
        ],
        &["-sv", "-u", "u:p", "pop3://{addr}/9"],
    ] {
        let curl = run_one(Path::new("curl"), &s, args);
        let fetch = run_one(&example("fetch"), &s, args);
        assert_eq!(trace_lines(&fetch.2), trace_lines(&curl.2), "{args:?}");
    }
}
