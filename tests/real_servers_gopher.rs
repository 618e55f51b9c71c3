//! Our Gopher client and `fetch` against Debian's gophernicus, run by
//! `tests/interop/peers.sh` inetd-style behind socat on loopback, serving
//! the small hole the script makes (a text with dots, a GIF of awkward
//! bytes, a mapped directory). A missing or dead server fails the test:
//! nothing passes by skipping.

mod common;

use common::*;
use sanswire::gopher::{Body, ItemType, Plus, Request};
use sanswire::io::gopher::Client;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
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

    fn port(&self, key: &str) -> u16 {
        self.get(key).parse().unwrap()
    }
}

fn peers() -> &'static Peers {
    static PEERS: OnceLock<Peers> = OnceLock::new();
    PEERS.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peers.sh");
        let dir = scratch("real-servers-gopher");
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

fn curl(url: &str) -> (i32, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", url])
        .output()
        .expect("curl runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

fn fetch(url: &str) -> (i32, Vec<u8>) {
    let out = Command::new(example("fetch"))
        .args(["-m", "10", url])
        .output()
        .expect("fetch runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

#[test]
fn our_client_against_gophernicus() {
    let port = peers().port("GOPHER_PORT");
    let addr = ("127.0.0.1", port);

    let menu = Client::connect(addr)
        .unwrap()
        .menu(Request::new(""))
        .unwrap();
    let find = |name: &str| {
        menu.iter()
            .find(|i| i.selector.as_ref() == name.as_bytes())
            .unwrap_or_else(|| panic!("{name} not in {menu:?}"))
    };
    let text = find("/hello.txt");
    assert_eq!(text.kind, ItemType::Text);
    assert_eq!(
        (text.host.as_ref(), text.port),
        (&b"127.0.0.1"[..], Some(port))
    );
    assert_eq!(find("/pic.gif").kind, ItemType::Gif);
    assert_eq!(find("/docs/").kind, ItemType::Menu);
    assert!(menu.iter().all(|i| i.kind != ItemType::Other(b'.')));

    // gophernicus sends text with CRLF ends, unstuffed and without the
    // final `.` line: what it stored comes back, dots and all.
    let body = Client::connect(addr)
        .unwrap()
        .text(Request::new("/hello.txt"))
        .unwrap();
    assert_eq!(body, b"Hello, gopher\r\n.starts with a dot\r\n");
    // (Its lone `.` line ends the text: a server that does not stuff
    // cannot send one, and every client stops there.)

    let gif = Client::connect(addr)
        .unwrap()
        .binary(Request::new("/pic.gif"))
        .unwrap();
    assert_eq!(gif, awkward_bytes(3000));

    // No Gopher+: the answer comes without a header, read as it is.
    let plus = Request::new("/pic.gif").with_plus(Plus::Item(None));
    let gif = Client::connect(addr)
        .unwrap()
        .fetch(plus, Body::Binary)
        .unwrap();
    assert_eq!(gif, awkward_bytes(3000));

    // The gophermap: an info line and the links, completed with its host.
    let mapped = Client::connect(addr)
        .unwrap()
        .menu(Request::new("/mapped/"))
        .unwrap();
    assert_eq!(mapped[0].kind, ItemType::Info);
    assert_eq!(&mapped[0].display[..], b"Welcome to the mapped directory");
    assert!(mapped
        .iter()
        .any(|i| i.kind == ItemType::Text && &i.selector[..] == b"/hello.txt"));

    // fetch prints what curl prints from it too.
    let url = format!("gopher://127.0.0.1:{}/0/hello.txt", port);
    assert_eq!(fetch(&url), curl(&url));
    let url = format!("gopher://127.0.0.1:{}/1/", port);
    assert_eq!(fetch(&url), curl(&url));
}
