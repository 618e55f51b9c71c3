//! Gopher interop over loopback with peers no one here wrote: curl against
//! `serve gopher` (its output compared with `fetch`, byte for byte, exit
//! codes included). Our client against Debian's gophernicus is in
//! `tests/real_servers_gopher.rs`, on the real servers' harness.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::*;
use sanswire::gopher::Request;
use sanswire::io::gopher::Client;
use std::path::PathBuf;
use std::process::Command;

/// A text with a dot-leading line, a lone dot and bare LFs.
const TEXT: &[u8] = b"Hello, gopher\n.starts with a dot\n.\nlast\n";

/// A small gopher hole: a text, a GIF of awkward bytes, a directory with
/// a gophermap and one without.
fn hole(name: &str) -> PathBuf {
    let root = scratch(name);
    std::fs::write(root.join("hello.txt"), TEXT).unwrap();
    std::fs::write(root.join("pic.gif"), awkward_bytes(3000)).unwrap();
    std::fs::create_dir_all(root.join("mapped")).unwrap();
    std::fs::write(
        root.join("mapped").join("gophermap"),
        "Welcome to the mapped directory\n0The text\t/hello.txt\n1Up\t/\n# a comment\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("docs").join("notes.md"), "notes\n").unwrap();
    root
}

fn curl(url: &str, extra: &[&str]) -> (i32, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10"])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl is installed (.ci/install-peers)");
    (out.status.code().unwrap_or(-1), out.stdout)
}

fn fetch(url: &str, extra: &[&str]) -> (i32, Vec<u8>) {
    let out = Command::new(example("fetch"))
        .args(["-m", "10"])
        .args(extra)
        .arg(url)
        .output()
        .expect("fetch runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

#[test]
fn curl_and_fetch_print_the_same_bytes_from_serve_gopher() {
    let root = hole("gopher-curl");
    let (_server, addr) = serve("gopher", &["--root", root.to_str().unwrap()]);
    let paths = [
        "/",
        "/1",
        "/0/hello.txt",
        "/g/pic.gif",
        "/1/mapped",
        "/1/docs",
        "/7/.search%09NOTES",
        "/0/missing",
        "/0/hello.txt%09%09+",
        "/9/pic.gif%09%09+",
        "/1/docs%09%09$",
        "/0/hello.txt%09%09!",
        "/0/../etc/passwd",
    ];
    for path in paths {
        let url = format!("gopher://{addr}{path}");
        let ours = fetch(&url, &[]);
        assert_eq!(ours, curl(&url, &[]), "{url}");
        assert_eq!(ours.0, 0, "{url}");
    }
    // What the peer saw, byte for byte where it matters.
    let text = fetch(&format!("gopher://{addr}/0/hello.txt"), &[]).1;
    assert_eq!(
        text,
        b"Hello, gopher\r\n..starts with a dot\r\n..\r\nlast\r\n.\r\n"
    );
    assert_eq!(
        fetch(&format!("gopher://{addr}/g/pic.gif"), &[]).1,
        awkward_bytes(3000)
    );
    let counted = fetch(&format!("gopher://{addr}/9/pic.gif%09%09+"), &[]).1;
    assert!(counted.starts_with(b"+3000\r\n"));
    let mapped = String::from_utf8(fetch(&format!("gopher://{addr}/1/mapped"), &[]).1).unwrap();
    assert!(
        mapped.starts_with("iWelcome to the mapped directory\t"),
        "{mapped}"
    );
    assert!(
        mapped.contains("0The text\t/hello.txt\t127.0.0.1\t"),
        "{mapped}"
    );
    assert!(!mapped.contains("comment"));
    let search =
        String::from_utf8(fetch(&format!("gopher://{addr}/7/.search%09NOTES"), &[]).1).unwrap();
    assert!(
        search.starts_with("0/docs/notes.md\t/docs/notes.md\t"),
        "{search}"
    );
    let escape = fetch(&format!("gopher://{addr}/0/../etc/passwd"), &[]).1;
    assert!(escape.starts_with(b"3Not found"));
}

#[test]
fn fetch_fails_as_curl_does_and_refuses_smuggling() {
    // Nothing listens: curl's 7.
    let port = free_port();
    let url = format!("gopher://127.0.0.1:{port}/");
    assert_eq!(fetch(&url, &[]).0, 7);
    assert_eq!(curl(&url, &[]).0, 7);
    // A selector that decodes to CRLF would make curl send a second line to
    // whatever listens there; fetch refuses before it connects.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    for url in [
        format!("gopher://127.0.0.1:{port}/_HELO%20x%0D%0AMAIL%20FROM:<a>"),
        format!("gopher://127.0.0.1:{port}/0a%0Ab"),
        format!("gopher://127.0.0.1:{port}/0a%00"),
    ] {
        assert_eq!(fetch(&url, &[]).0, 3, "{url}");
    }
    assert!(listener.accept().is_err(), "fetch connected");
}

#[test]
fn fetch_menu_renders_type_display_and_url() {
    let root = hole("gopher-menu");
    let (_server, addr) = serve("gopher", &["--root", root.to_str().unwrap()]);
    let (code, out) = fetch(&format!("gopher://{addr}/"), &["--menu"]);
    assert_eq!(code, 0);
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "i sanswire gopher server");
    assert_eq!(
        lines[1],
        format!("7 Search file names  gopher://{addr}/7/.search")
    );
    assert!(lines.contains(&format!("0 hello.txt  gopher://{addr}/0/hello.txt").as_str()));
    assert!(lines.contains(&format!("1 docs  gopher://{addr}/1/docs").as_str()));
    assert!(lines.contains(&format!("g pic.gif  gopher://{addr}/g/pic.gif").as_str()));
}

#[test]
fn gophers_over_rustls_with_fetch_and_curl() {
    let root = hole("gopher-tls");
    let pki = pki::Pki::new();
    let (ca, cert, key) = pki.write(&scratch("gopher-tls-pki"));
    let (_server, addr) = serve(
        "gopher",
        &[
            "--root",
            root.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--implicit-tls",
        ],
    );
    let port = addr.rsplit(':').next().unwrap();
    let url = format!("gophers://localhost:{port}/0/hello.txt");
    let ca = ca.to_str().unwrap();
    let ours = fetch(&url, &["--cacert", ca]);
    assert_eq!(ours.0, 0);
    assert_eq!(
        ours.1,
        b"Hello, gopher\r\n..starts with a dot\r\n..\r\nlast\r\n.\r\n"
    );
    assert_eq!(ours, curl(&url, &["--cacert", ca]));
    // Not trusted: curl's 60.
    assert_eq!(fetch(&url, &[]).0, 60);
    // The typed session over TLS.
    let connector = pki.connector();
    let mut client = Client::connect_tls(
        ("127.0.0.1", port.parse::<u16>().unwrap()),
        &connector,
        "localhost",
    )
    .unwrap();
    assert_eq!(
        client.text(Request::new("/hello.txt")).unwrap(),
        b"Hello, gopher\r\n.starts with a dot\r\n.\r\nlast\r\n"
    );
}
