//! Telnet interop over loopback with peers no one here wrote: Python
//! 3.11's `telnetlib` and curl against `serve telnet`; our `fetch`
//! against the same server (checked against curl's output). Debian's
//! telnetd is in `tests/real_servers_telnet.rs`, on the real-servers
//! harness.

mod common;

use common::*;
use std::process::Command;

fn greeting(window: &str, terminal: &str) -> String {
    format!(
        "Welcome to the sanswire telnet echo. Window: {window}. Terminal: {terminal}.\r\n\
         Type a line; quit ends.\r\n"
    )
}

#[test]
fn python_telnetlib_against_serve() {
    let (_serve, addr) = serve("telnet", &[]);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import sys, warnings
warnings.simplefilter("ignore")
import telnetlib
t = telnetlib.Telnet(sys.argv[1], int(sys.argv[2]), timeout=10)
sys.stdout.buffer.write(t.read_until(b"ends.\r\n", 10))
t.write(b"caf\xc3\xa9 \xff and more\r\n")
sys.stdout.buffer.write(t.read_until(b"more\r\n", 10))
t.write(b"quit\r\n")
sys.stdout.buffer.write(t.read_all())
"#;
    let out = python(script, &[host, port]);
    // telnetlib refuses every option: nothing learnt. Its 0xFF, doubled
    // on the wire, comes back as one byte.
    let mut want = greeting("unknown", "unknown").into_bytes();
    want.extend_from_slice(b"caf\xc3\xa9 \xff and more\r\nBye.\r\n");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(out, want);
}

#[test]
fn curl_against_serve_and_fetch_prints_the_same() {
    let (_serve, addr) = serve("telnet", &[]);
    let url = format!("telnet://{addr}");
    let input = b"hello\nsecond line\nquit\n";
    let (code, curl) = with_stdin(
        Command::new("curl").args(["-s", "-t", "TTYPE=vt100", "-t", "WS=90x30", &url]),
        input,
    );
    assert_eq!(code, Some(0));
    let mut want = greeting("90x30", "vt100").into_bytes();
    want.extend_from_slice(b"hello\r\nsecond line\r\nBye.\r\n");
    assert_eq!(
        String::from_utf8_lossy(&curl),
        String::from_utf8_lossy(&want)
    );
    let (code, ours) = with_stdin(
        Command::new(example("fetch")).args(["-t", "TTYPE=vt100", "-t", "NAWS=90x30", &url]),
        input,
    );
    assert_eq!(code, Some(0));
    assert_eq!(ours, curl);
}

#[test]
fn fetch_gives_up_after_max_time_like_curl() {
    let (_serve, addr) = serve("telnet", &[]);
    let url = format!("telnet://{addr}");
    let (curl, _) = with_stdin(Command::new("curl").args(["-s", "-m", "2", &url]), b"");
    let (ours, out) = with_stdin(Command::new(example("fetch")).args(["-m", "2", &url]), b"");
    assert_eq!(curl, Some(28));
    assert_eq!(ours, Some(28));
    // The greeting came after the server's negotiation wait.
    assert!(
        out.starts_with(b"Welcome"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}
