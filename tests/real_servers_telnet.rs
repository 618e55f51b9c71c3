//! Our Telnet client against the telnetd people run: Debian's
//! inetutils-telnetd, started by `tests/interop/peers.sh` behind socat
//! with a harmless program instead of login (it prints the terminal type
//! and window size telnetd learnt, then answers one line). The blocking
//! session, the tokio session and `fetch telnet://` must each get what
//! the program printed; `curl telnet://` is run on the same server and
//! compared. A missing or dead telnetd fails every test here: nothing
//! passes by skipping.

mod common;

use common::*;
use sanswire::io;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The running servers: what `peers.sh` wrote to its env file.
struct Peers {
    env: HashMap<String, String>,
    /// Kept open for the life of the test process: when it closes, the
    /// script stops the servers.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

impl Peers {
    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("peers.sh wrote no {key}"))
    }

    fn telnet_addr(&self) -> String {
        format!("127.0.0.1:{}", self.get("TELNET_PORT"))
    }
}

/// Starts the harness once for this test binary.
fn peers() -> &'static Peers {
    static PEERS: OnceLock<Peers> = OnceLock::new();
    PEERS.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peers.sh");
        let dir: PathBuf = scratch("real-servers-telnet");
        let mut child = Command::new("bash")
            .arg(&script)
            .arg("run")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("bash runs tests/interop/peers.sh");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the real servers did not start (install them with \
             `tests/interop/peers.sh install`); logs in {}",
            dir.display()
        );
        let env = std::fs::read_to_string(dir.join("env"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Peers {
            env,
            _stdin: Mutex::new(child.stdin.take().unwrap()),
            _child: Mutex::new(child),
        }
    })
}

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

/// Runs `cmd` with `input` on stdin; exit code and stdout.
fn with_stdin(cmd: &mut Command, input: &[u8]) -> (Option<i32>, Vec<u8>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), out.stdout)
}

#[test]
fn blocking_session_against_telnetd() {
    let p = peers();
    let mut tn = io::telnet::Client::connect(p.telnet_addr()).unwrap();
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
    let mut tn = io::tokio::telnet::Client::connect_with(p.telnet_addr(), machine)
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
    let url = format!("telnet://{}", p.telnet_addr());
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
