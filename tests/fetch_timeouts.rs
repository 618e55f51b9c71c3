//! `fetch -m SECS` and `--connect-timeout SECS` for every scheme (issue
//! 15), beside curl 7.88: against a peer that accepts and says nothing,
//! both end with the same exit code (28, timed out) within the time
//! given. Before, the machines' own silence timeouts (minutes) outlived
//! `-m` for IMAP, NNTP, FTP, Gopher and POP3.

mod common;

use common::*;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A peer that accepts every connection and never says a word.
fn silent_peer() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// (exit code, seconds taken)
fn run(program: &Path, args: &[&str], url: &str) -> (i32, f64) {
    let start = Instant::now();
    let out = Command::new(program)
        .arg("-s")
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        start.elapsed().as_secs_f64(),
    )
}

fn check(args: &[&str], schemes: &[&str], curl_knows: bool) {
    let port = silent_peer();
    for scheme in schemes {
        let url = format!("{scheme}://127.0.0.1:{port}/x");
        let (code, took) = run(&example("fetch"), args, &url);
        assert_eq!(code, 28, "fetch {args:?} {url}");
        assert!(took < 4.0, "fetch {args:?} {url} took {took:.1} s");
        if curl_knows {
            let (curl, _) = run(Path::new("curl"), args, &url);
            assert_eq!(code, curl, "fetch and curl {args:?} {url}");
        }
    }
}

#[test]
fn max_time_ends_every_scheme_against_a_silent_peer() {
    check(
        &["-m", "1"],
        &["http", "imap", "ftp", "gopher", "telnet", "pop3", "smtp"],
        true,
    );
    // curl 7.88 has no NNTP: fetch alone.
    check(&["-m", "1"], &["nntp"], false);
}

/// curl counts waiting for the greeting as connecting: the same
/// `--connect-timeout` bounds it (`-m 10` only as a backstop).
#[test]
fn connect_timeout_bounds_the_greeting() {
    check(
        &["--connect-timeout", "1", "-m", "10"],
        &["imap", "ftp", "pop3", "smtp"],
        true,
    );
    check(&["--connect-timeout", "1", "-m", "10"], &["nntp"], false);
}
