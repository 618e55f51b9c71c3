//! TLS against peers no one here wrote: curl and Python's `ssl` +
//! `http.client` against `serve http --implicit-tls`, and `fetch` against
//! the same server, with a CA made for the test.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::{awkward_bytes, example, python, run, scratch, serve};
use pki::Pki;
use std::process::Command;

/// `serve http --implicit-tls` on a scratch folder with two files; returns
/// the server, its port, the folder and the CA file.
fn https_server(name: &str) -> (common::Proc, String, std::path::PathBuf, std::path::PathBuf) {
    let root = scratch(name);
    let keys = root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (ca, cert, key) = Pki::new().write(&keys);
    std::fs::write(root.join("data.bin"), awkward_bytes(300_000)).unwrap();
    std::fs::write(root.join("hello.txt"), b"hello over TLS\n").unwrap();
    let (proc, addr) = serve(
        "http",
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
    let port = addr.rsplit(':').next().unwrap().to_string();
    (proc, port, root, ca)
}

#[test]
fn curl_https_against_serve_implicit_tls() {
    let (_serve, port, root, ca) = https_server("tls-curl");
    let url = format!("https://localhost:{port}/data.bin");
    let (ok, out, err) =
        run(Command::new("curl").args(["-sS", "--cacert", ca.to_str().unwrap(), &url]));
    assert!(ok, "curl failed: {err}");
    assert!(out == std::fs::read(root.join("data.bin")).unwrap());

    // Two requests on one connection (keep-alive over TLS), by IP address.
    let url = format!("https://127.0.0.1:{port}/hello.txt");
    let (ok, out, err) =
        run(Command::new("curl").args(["-sS", "--cacert", ca.to_str().unwrap(), &url, &url]));
    assert!(ok, "curl failed: {err}");
    assert_eq!(out, b"hello over TLS\nhello over TLS\n");

    // Without the CA, curl refuses the certificate (exit 60).
    let out = Command::new("curl")
        .args(["-sS", &format!("https://localhost:{port}/hello.txt")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(60), "{out:?}");
}

#[test]
fn fetch_https_with_cacert_insecure_and_default_roots() {
    let (_serve, port, root, ca) = https_server("tls-fetch");
    let url = format!("https://localhost:{port}/data.bin");
    let (ok, out, err) =
        run(Command::new(example("fetch")).args(["--cacert", ca.to_str().unwrap(), &url]));
    assert!(ok, "fetch failed: {err}");
    assert!(out == std::fs::read(root.join("data.bin")).unwrap());

    let hello = format!("https://localhost:{port}/hello.txt");
    // Mozilla's roots do not know the test CA: exit 60, as curl.
    let out = Command::new(example("fetch")).arg(&hello).output().unwrap();
    assert_eq!(out.status.code(), Some(60), "{out:?}");
    // -k is the explicit opt-out; --ssl-reqd is accepted.
    let (ok, out, err) = run(Command::new(example("fetch")).args(["-k", "--ssl-reqd", &hello]));
    assert!(ok, "fetch -k failed: {err}");
    assert_eq!(out, b"hello over TLS\n");
}

#[test]
fn python_ssl_http_client_against_serve_implicit_tls() {
    let (_serve, port, root, ca) = https_server("tls-python");
    let script = r#"
import hashlib, http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
conn = http.client.HTTPSConnection("localhost", int(sys.argv[2]), context=ctx)
for path in ("/data.bin", "/hello.txt"):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    print(r.status, len(body), hashlib.sha256(body).hexdigest())
print(conn.sock.version())
"#;
    let out = String::from_utf8(python(script, &[ca.to_str().unwrap(), &port])).unwrap();
    let expect_line = |name: &str| {
        let data = std::fs::read(root.join(name)).unwrap();
        let hex = python(
            "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
            &[root.join(name).to_str().unwrap()],
        );
        format!(
            "200 {} {}",
            data.len(),
            String::from_utf8(hex).unwrap().trim()
        )
    };
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], expect_line("data.bin"));
    assert_eq!(lines[1], expect_line("hello.txt"));
    assert_eq!(lines[2], "TLSv1.3");
}
