//! `fetch` beside curl 7.88 over SMTP: both against the same server, with
//! stdout, the exit code and what the server received compared.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::*;
use std::process::{Command, Stdio};

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
