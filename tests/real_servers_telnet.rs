//! Our Telnet client against the telnetd people run: Debian's
//! inetutils-telnetd, started by `tests/interop/peers.sh` behind socat
//! with a harmless program instead of login (it prints the terminal type
//! and window size telnetd learnt, then answers one line). The blocking
//! session, the tokio session and `fetch telnet://` must each get what
//! the program printed; `curl telnet://` is run on the same server and
//! compared. A missing or dead telnetd fails every test here: nothing
//! passes by skipping.

mod common;
#[path = "common/peers.rs"]
mod peers;

use common::*;
use peers::peers;
use sanswire::io;
use std::process::Command;

/// What the program printed, without the pty's echo of our line.
fn printed(screen: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(screen)
        .split("\r\n")
        .filter(|l| {
            ["hello from", "size:", "you said:"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
        .collect()
}

/// What the program prints for our `-t TTYPE=vt100 -t NAWS=90x30`.
fn expected() -> Vec<String> {
    [
        "hello from telnetd, TERM=vt100",
        "size: 30 90",
        "you said: ping",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn blocking_session_against_telnetd() {
    let p = peers();
    let mut tn = io::telnet::Client::connect(p.addr("TELNET_PORT")).unwrap();
    tn.set_terminal_types(&["vt100"]).unwrap();
    tn.set_window_size(90, 30).unwrap();
    let mut screen = Vec::new();
    while !String::from_utf8_lossy(&screen).contains("size: ") {
        let data = tn.read().unwrap().expect("telnetd's greeting");
        screen.extend_from_slice(&data);
    }
    tn.write(b"ping\r\n").unwrap();
    while let Some(data) = tn.read().unwrap() {
        screen.extend_from_slice(&data);
    }
    assert_eq!(
        printed(&screen),
        expected(),
        "{:?}",
        String::from_utf8_lossy(&screen)
    );
}

#[tokio::test]
async fn tokio_session_against_telnetd() {
    let p = peers();
    let machine = sanswire::telnet::Client::new();
    let mut tn = io::tokio::telnet::Client::connect_with(p.addr("TELNET_PORT"), machine)
        .await
        .unwrap();
    tn.set_terminal_types(&["vt100"]).await.unwrap();
    tn.set_window_size(90, 30).await.unwrap();
    let mut screen = Vec::new();
    while !String::from_utf8_lossy(&screen).contains("size: ") {
        let data = tn.read().await.unwrap().expect("telnetd's greeting");
        screen.extend_from_slice(&data);
    }
    tn.write(b"ping\r\n").await.unwrap();
    while let Some(data) = tn.read().await.unwrap() {
        screen.extend_from_slice(&data);
    }
    assert_eq!(
        printed(&screen),
        expected(),
        "{:?}",
        String::from_utf8_lossy(&screen)
    );
}

#[test]
fn fetch_and_curl_against_telnetd() {
    let p = peers();
    let url = format!("telnet://{}", p.addr("TELNET_PORT"));
    let (code, ours) = with_stdin(
        Command::new(example("fetch")).args([
            "-m",
            "10",
            "-t",
            "TTYPE=vt100",
            "-t",
            "NAWS=90x30",
            &url,
        ]),
        b"ping\n",
    );
    let text = String::from_utf8_lossy(&ours);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(printed(&ours), expected(), "{text:?}");
    let (code, curl) = with_stdin(
        Command::new("curl").args([
            "-s",
            "-m",
            "10",
            "-t",
            "TTYPE=vt100",
            "-t",
            "WS=90x30",
            &url,
        ]),
        b"ping\n",
    );
    let curl_text = String::from_utf8_lossy(&curl);
    assert_eq!(code, Some(0), "{curl_text}");
    // curl 7.88's window size reaches this telnetd only some of the time
    // (the program sees 0 0 otherwise); everything else it printed must
    // be the same as ours.
    let mut theirs = printed(&curl);
    assert!(
        theirs
            .get(1)
            .is_some_and(|l| l == "size: 30 90" || l == "size: 0 0"),
        "{curl_text:?}"
    );
    theirs[1] = "size: 30 90".to_string();
    assert_eq!(theirs, printed(&ours), "{curl_text:?}");
}
