//! HTTP interop over loopback with peers no one here wrote: Python's
//! `http.client` and `http.server`, and curl.

mod common;

use common::*;
use sanswire::http::Request;
use std::process::{Command, Stdio};

/// Python's http.server on a scratch folder.
fn python_http_server(root: &std::path::Path) -> (Proc, u16) {
    let port = free_port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .arg("--directory")
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m http.server");
    wait_for_port(port);
    (Proc(child), port)
}

#[test]
fn python_http_client_against_serve() {
    let root = scratch("py-client");
    let payload = awkward_bytes(300_000);
    std::fs::write(root.join("data.bin"), &payload).unwrap();
    let (_serve, addr) = serve(
        "http",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    );
    let (host, port) = addr.rsplit_once(':').unwrap();
    // Several requests on one keep-alive connection: GET, HEAD, PUT, 404,
    // then GET of what was stored; Python reports what it saw.
    let script = r#"
import base64, http.client, sys, hashlib
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]))
c.request("GET", "/data.bin"); r = c.getresponse(); body = r.read()
print(r.status, r.getheader("Content-Length"), hashlib.sha256(body).hexdigest())
c.request("HEAD", "/data.bin"); r = c.getresponse(); print(r.status, r.getheader("Content-Length"), len(r.read()))
auth = "Basic " + base64.b64encode(b"alice:secret").decode()
c.request("PUT", "/up.txt", body=b"line one\r\n.dot\r\n", headers={"Authorization": auth}); r = c.getresponse(); r.read(); print(r.status)
c.request("PUT", "/no.txt", body=b"x", headers={"Authorization": "Basic Ym9iOm5v"}); r = c.getresponse(); r.read(); print(r.status)
c.request("GET", "/missing"); r = c.getresponse(); r.read(); print(r.status)
c.request("GET", "/../../etc/passwd"); r = c.getresponse(); r.read(); print(r.status)
c.request("GET", "/up.txt"); r = c.getresponse(); print(r.status, r.read())
"#;
    let out = String::from_utf8(python(script, &[host, port])).unwrap();
    let digest = sha256_hex(&payload);
    let expected = format!(
        "200 300000 {digest}\n200 300000 0\n201\n401\n404\n400\n200 b'line one\\r\\n.dot\\r\\n'\n"
    );
    assert_eq!(out, expected);
    assert_eq!(
        std::fs::read(root.join("up.txt")).unwrap(),
        b"line one\r\n.dot\r\n"
    );
    assert!(!root.join("no.txt").exists());
}

/// SHA-256 by Python, so the test needs no hashing crate.
fn sha256_hex(data: &[u8]) -> String {
    let dir = scratch("sha");
    let path = dir.join("blob");
    std::fs::write(&path, data).unwrap();
    let out = python(
        "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest(), end='')",
        &[path.to_str().unwrap()],
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn blocking_client_against_python_http_server() {
    let root = scratch("py-server");
    let payload = awkward_bytes(1_000_003);
    std::fs::write(root.join("big.bin"), &payload).unwrap();
    std::fs::write(root.join("small.txt"), b"small\n").unwrap();
    let (_server, port) = python_http_server(&root);
    let mut client = sanswire::io::http::Client::connect(("127.0.0.1", port)).unwrap();
    let host = format!("127.0.0.1:{port}");
    let (response, body) = client
        .fetch(
            &Request::get("/big.bin").with_header("Host", host.clone()),
            None,
        )
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body, payload);
    // Python's server answers HTTP/1.0 and closes: a new connection is needed.
    let mut client = sanswire::io::http::Client::connect(("127.0.0.1", port)).unwrap();
    let (response, body) = client
        .fetch(
            &Request::get("/nope").with_header("Host", host.clone()),
            None,
        )
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(!body.is_empty());
}

/// `fetch URL` and `curl URL` print the same bytes.
fn same_as_curl(url: &str) {
    let (curl_ok, curl_out, curl_err) = run(Command::new("curl").args(["-s", url]));
    let (ok, out, err) = run(Command::new(example("fetch")).arg(url));
    assert!(curl_ok, "curl failed: {curl_err}");
    assert!(ok, "fetch failed: {err}");
    assert_eq!(out.len(), curl_out.len(), "{url}");
    assert!(out == curl_out, "fetch and curl differ for {url}");
}

#[test]
fn fetch_prints_what_curl_prints() {
    let root = scratch("fetch-vs-curl");
    std::fs::write(root.join("data.bin"), awkward_bytes(2_500_000)).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(root.join("sub").join("a b.txt"), b"spaced\n").unwrap();
    let (_py, port) = python_http_server(&root);
    let (_serve, addr) = serve("http", &["--root", root.to_str().unwrap()]);
    for base in [format!("http://127.0.0.1:{port}"), format!("http://{addr}")] {
        same_as_curl(&format!("{base}/data.bin"));
        same_as_curl(&format!("{base}/sub/a%20b.txt"));
        same_as_curl(&format!("{base}/sub/"));
    }
}

#[test]
fn fetch_fails_like_curl_f_on_errors() {
    let root = scratch("fetch-errors");
    let (_serve, addr) = serve("http", &["--root", root.to_str().unwrap()]);
    let (ok, out, err) = run(Command::new(example("fetch"))
        .arg("-f")
        .arg(format!("http://{addr}/missing")));
    assert!(!ok);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("404"), "{err}");
    let port = free_port();
    let (ok, _, err) = run(Command::new(example("fetch")).arg(format!("http://127.0.0.1:{port}/")));
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn curl_and_fetch_upload_to_serve() {
    let root = scratch("uploads");
    let (_serve, addr) = serve("http", &["--root", root.to_str().unwrap(), "--user", "u:p"]);
    let src = root.join("src.bin");
    let payload = awkward_bytes(700_000);
    std::fs::write(&src, &payload).unwrap();
    let (ok, _, err) = run(Command::new("curl").args([
        "-s",
        "-f",
        "-u",
        "u:p",
        "-T",
        src.to_str().unwrap(),
        &format!("http://{addr}/by-curl.bin"),
    ]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(Command::new(example("fetch")).args([
        "-u",
        "u:p",
        "-T",
        src.to_str().unwrap(),
        &format!("http://{addr}/by-fetch.bin"),
    ]));
    assert!(ok, "{err}");
    assert!(std::fs::read(root.join("by-curl.bin")).unwrap() == payload);
    assert!(std::fs::read(root.join("by-fetch.bin")).unwrap() == payload);
    // Wrong password: refused, nothing stored.
    let (ok, _, _) = run(Command::new(example("fetch")).args([
        "-f",
        "-u",
        "u:wrong",
        "-T",
        src.to_str().unwrap(),
        &format!("http://{addr}/bad.bin"),
    ]));
    assert!(!ok);
    assert!(!root.join("bad.bin").exists());
}
