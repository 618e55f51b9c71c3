//! Our Gopher client and `fetch` against Debian's gophernicus, run by
//! `tests/interop/peers.sh` inetd-style behind socat on loopback, serving
//! the small hole the script makes (a text with dots, a GIF of awkward
//! bytes, a mapped directory). A missing or dead server fails the test:
//! nothing passes by skipping.

mod common;
#[path = "common/peers.rs"]
mod peers;

use common::*;
use peers::peers;
use sanswire::gopher::{Body, ItemType, Plus, Request};
use sanswire::io::gopher::Client;
use std::process::Command;

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

/// The tokio session against gophernicus: the same menu, text and GIF as
/// the blocking session reads.
#[tokio::test]
async fn tokio_session_against_gophernicus() {
    let port = peers().port("GOPHER_PORT");
    let addr = ("127.0.0.1", port);
    let session = || async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        sanswire::io::tokio::gopher::Client::new(tcp).await.unwrap()
    };
    let menu = session().await.menu(Request::new("")).await.unwrap();
    let blocking = Client::connect(addr)
        .unwrap()
        .menu(Request::new(""))
        .unwrap();
    assert_eq!(menu, blocking);
    assert!(menu.iter().any(|i| i.selector.as_ref() == b"/hello.txt"));
    let body = session()
        .await
        .text(Request::new("/hello.txt"))
        .await
        .unwrap();
    assert_eq!(body, b"Hello, gopher\r\n.starts with a dot\r\n");
    let gif = session()
        .await
        .binary(Request::new("/pic.gif"))
        .await
        .unwrap();
    assert_eq!(gif, awkward_bytes(3000));
}
