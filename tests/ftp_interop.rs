//! FTP interop over loopback with peers no one here wrote: Python's
//! `ftplib` against `serve ftp`; our client, `fetch` and curl against
//! pyftpdlib (an independent server, from PyPI) and against `serve ftp`.
//! Files are compared by SHA-256.

mod common;

use common::*;
use sanswire::ftp::list::EntryKind;
use sanswire::io::ftp::Client;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn file_sha(path: &Path) -> String {
    sha256(&std::fs::read(path).unwrap())
}

/// A root with a binary file, a text file with LF ends, a subfolder, and
/// a symlink that leads out of the root.
fn ftp_root(name: &str) -> std::path::PathBuf {
    let root = scratch(name);
    std::fs::write(root.join("bin.dat"), awkward_bytes(700_001)).unwrap();
    std::fs::write(root.join("text.txt"), b"one\ntwo\nthree\n").unwrap();
    std::fs::create_dir_all(root.join("sub dir")).unwrap();
    std::fs::write(root.join("sub dir").join("inner.txt"), b"inner\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", root.join("escape")).unwrap();
    root
}

fn serve_ftp(root: &Path, user: bool) -> (Proc, String) {
    let mut args = vec!["--root", root.to_str().unwrap()];
    if user {
        args.extend(["--user", "alice:secret"]);
    }
    serve("ftp", &args)
}

/// pyftpdlib on a free port, with alice:secret allowed to write.
fn pyftpdlib(root: &Path) -> (Proc, String) {
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "pyftpdlib",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-w",
        ])
        .args(["-d", root.to_str().unwrap(), "-u", "alice", "-P", "secret"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m pyftpdlib (install it with .ci/install-peers)");
    let proc = Proc(child);
    wait_for_port(port);
    (proc, format!("127.0.0.1:{port}"))
}

#[test]
fn python_ftplib_against_serve() {
    let root = ftp_root("ftplib");
    let (_serve, addr) = serve_ftp(&root, true);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import ftplib, sys, io, hashlib
host, port = sys.argv[1], int(sys.argv[2])
sha = lambda b: hashlib.sha256(b).hexdigest()
for passive in (True, False):
    f = ftplib.FTP()
    f.connect(host, port)
    f.set_pasv(passive)
    print(f.login("alice", "secret"))
    b = io.BytesIO(); f.retrbinary("RETR bin.dat", b.write); print("retr", sha(b.getvalue()))
    b = io.BytesIO(); f.retrbinary("RETR bin.dat", b.write, rest=12345); print("rest", sha(b.getvalue()))
    lines = []; f.retrlines("RETR text.txt", lines.append); print("ascii", lines)
    print("mlsd", sorted((n, fa["type"], fa.get("size")) for n, fa in f.mlsd()))
    print("nlst", sorted(f.nlst()))
    listing = []; f.retrlines("LIST", listing.append); print("list", len(listing))
    data = bytes(range(256)) * 1000
    name = "up-%s.bin" % passive
    f.storbinary("STOR " + name, io.BytesIO(data)); print("stor", f.size(name), sha(data))
    f.storlines("STOR lines-%s.txt" % passive, io.BytesIO(b"a\nb\n"))
    print("cwd", f.cwd("sub dir"), f.pwd())
    try:
        f.retrbinary("RETR ../escape", print)
    except ftplib.error_perm as e:
        print("escape", str(e)[:3])
    print("quit", f.quit())
"#;
    let out = String::from_utf8(python(script, &[host, port])).unwrap();
    let bin = file_sha(&root.join("bin.dat"));
    let rest = sha256(&std::fs::read(root.join("bin.dat")).unwrap()[12345..]);
    let up = sha256(
        &(0..256u32)
            .map(|b| b as u8)
            .collect::<Vec<_>>()
            .repeat(1000),
    );
    for mode in out.split("230 Login successful.").skip(1) {
        assert!(mode.contains(&format!("retr {bin}")), "{out}");
        assert!(mode.contains(&format!("rest {rest}")), "{out}");
        assert!(mode.contains("ascii ['one', 'two', 'three']"), "{out}");
        assert!(mode.contains("('bin.dat', 'file', '700001')"), "{out}");
        assert!(mode.contains("('sub dir', 'dir', None)"), "{out}");
        for name in ["'bin.dat'", "'escape'", "'sub dir'", "'text.txt'"] {
            assert!(mode.contains(name), "{out}");
        }
        assert!(mode.contains(&format!("stor 256000 {up}")), "{out}");
        assert!(mode.contains("/sub dir"), "{out}");
        assert!(mode.contains("escape 550"), "{out}");
        assert!(mode.contains("quit 221"), "{out}");
    }
    assert_eq!(out.matches("230 Login successful.").count(), 2, "{out}");
    for passive in ["True", "False"] {
        assert_eq!(file_sha(&root.join(format!("up-{passive}.bin"))), up);
        // TYPE A: CRLF on the wire, LF on disk.
        assert_eq!(
            std::fs::read(root.join(format!("lines-{passive}.txt"))).unwrap(),
            b"a\nb\n"
        );
    }
}

#[test]
fn anonymous_is_read_only_on_serve() {
    let root = ftp_root("ftp-anon");
    let (_serve, addr) = serve_ftp(&root, false);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import ftplib, sys, io
f = ftplib.FTP(); f.connect(sys.argv[1], int(sys.argv[2]))
print(f.login())
try:
    f.storbinary("STOR x", io.BytesIO(b"x"))
except ftplib.error_perm as e:
    print("stor", str(e)[:3])
for cmd in ("MKD d", "DELE text.txt", "RMD sub dir"):
    try:
        f.sendcmd(cmd)
    except ftplib.error_perm as e:
        print(cmd.split()[0], str(e)[:3])
print(f.cwd("/../../.."), f.pwd())
"#;
    let out = String::from_utf8(python(script, &[host, port])).unwrap();
    assert!(out.contains("230"), "{out}");
    assert!(out.contains("stor 550") && out.contains("MKD 550"), "{out}");
    assert!(out.contains("DELE 550") && out.contains("RMD 550"), "{out}");
    assert!(out.trim_end().ends_with('/'), "{out}");
    assert!(!root.join("x").exists() && root.join("text.txt").exists());
}

/// Our blocking client through everything both servers offer.
fn client_against(addr: &str, root: &Path, server: &str) {
    for passive in [true, false] {
        let tcp = std::net::TcpStream::connect(addr).unwrap();
        let mut machine = sanswire::ftp::Client::new();
        if !passive {
            machine.set_active(None);
        }
        let mut ftp = Client::start(tcp, machine).unwrap();
        ftp.login("alice", "secret").unwrap();
        let feat = ftp.feat().unwrap();
        assert!(
            feat.size && feat.mdtm && feat.mlst.is_some(),
            "{server}: {feat:?}"
        );
        assert_eq!(ftp.pwd().unwrap(), "/");
        let mut data = Vec::new();
        let mut stream = ftp.retr("bin.dat").unwrap();
        stream.read_to_end(&mut data).unwrap();
        stream.finish().unwrap();
        assert_eq!(sha256(&data), file_sha(&root.join("bin.dat")), "{server}");
        let mut tail = Vec::new();
        let mut stream = ftp.retr_from("bin.dat", 700_000).unwrap();
        stream.read_to_end(&mut tail).unwrap();
        stream.finish().unwrap();
        assert_eq!(tail, &data[700_000..]);
        assert_eq!(ftp.size("bin.dat").unwrap(), 700_001);
        assert!(ftp.mdtm("bin.dat").unwrap().year >= 2024);
        let upload = awkward_bytes(333_333);
        let name = format!("up-{passive}.bin");
        let mut stream = ftp.stor(&name).unwrap();
        stream.write_all(&upload).unwrap();
        let reply = stream.finish().unwrap();
        assert_eq!(reply.code(), 226, "{server}");
        assert_eq!(file_sha(&root.join(&name)), sha256(&upload), "{server}");
        let mut stream = ftp.appe(&name).unwrap();
        stream.write_all(b"appended").unwrap();
        stream.finish().unwrap();
        assert_eq!(std::fs::metadata(root.join(&name)).unwrap().len(), 333_341);
        let listing = ftp.list(None).unwrap();
        let names: Vec<Vec<u8>> = listing.entries().map(|e| e.name.to_vec()).collect();
        assert!(
            names.contains(&b"sub dir".to_vec()),
            "{server}: {listing:?}"
        );
        let bin = listing.entries().find(|e| e.name == b"bin.dat").unwrap();
        assert_eq!(bin.size, Some(700_001));
        let mlsd = ftp.mlsd(None).unwrap();
        let sub = mlsd.entries().find(|e| e.name == b"sub dir").unwrap();
        assert_eq!(sub.kind, Some(EntryKind::Dir), "{server}");
        let nlst = ftp.nlst(None).unwrap();
        assert!(
            nlst.iter().any(|n| n.ends_with("text.txt")),
            "{server}: {nlst:?}"
        );
        let made = ftp.mkdir(&format!("new-{passive}")).unwrap();
        assert!(
            made.ends_with(&format!("new-{passive}")),
            "{server}: {made}"
        );
        ftp.cwd(&format!("new-{passive}")).unwrap();
        ftp.cdup().unwrap();
        ftp.rename(&name, &format!("moved-{passive}.bin")).unwrap();
        ftp.delete(&format!("moved-{passive}.bin")).unwrap();
        ftp.rmdir(&format!("new-{passive}")).unwrap();
        let refused = ftp.size("no-such-file").unwrap_err();
        assert_eq!(sanswire::io::ftp::refusal(&refused).unwrap().0.code(), 550);
        // The session goes on after a refusal.
        ftp.noop().unwrap();
        ftp.quit().unwrap();
    }
}

#[test]
fn our_client_against_pyftpdlib_and_serve() {
    let root = ftp_root("ftp-client-py");
    let (_py, addr) = pyftpdlib(&root);
    client_against(&addr, &root, "pyftpdlib");
    let root = ftp_root("ftp-client-serve");
    let (_serve, addr) = serve_ftp(&root, true);
    client_against(&addr, &root, "serve ftp");
}

/// `fetch ARGS` and `curl ARGS` print the same bytes and exit alike.
fn same_as_curl(args: &[&str]) {
    let (fetch_ok, fetch_out, fetch_err) = run(Command::new(example("fetch")).args(args));
    let (curl_ok, curl_out, curl_err) = run(Command::new("curl").arg("-s").args(args));
    assert_eq!(
        fetch_ok, curl_ok,
        "{args:?}: fetch {fetch_err} / curl {curl_err}"
    );
    assert_eq!(
        String::from_utf8_lossy(&fetch_out),
        String::from_utf8_lossy(&curl_out),
        "{args:?}"
    );
}

fn exit_code(cmd: &mut Command) -> i32 {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

fn fetch_and_curl_against(addr: &str, root: &Path, server: &str) {
    let base = format!("ftp://alice:secret@{addr}");
    for url in [
        format!("{base}/bin.dat"),
        format!("{base}/text.txt"),
        format!("{base}/sub%20dir/inner.txt"),
    ] {
        same_as_curl(&[&url]);
        same_as_curl(&["-P", "-", &url]);
        same_as_curl(&["-C", "5", &url]);
    }
    let dir = format!("{base}/sub%20dir/");
    same_as_curl(&["-l", &dir]);
    // LIST output: the same lines (the time of day may tick between the two).
    let (_, fetch_list, _) = run(Command::new(example("fetch")).arg(&dir));
    let (_, curl_list, _) = run(Command::new("curl").args(["-s", &dir]));
    assert_eq!(
        fetch_list.iter().filter(|&&b| b == b'\n').count(),
        curl_list.iter().filter(|&&b| b == b'\n').count(),
        "{server}"
    );
    assert!(
        !fetch_list.contains(&b'\r'),
        "{server}: TYPE A line ends converted"
    );
    for missing in [
        format!("{base}/no-such.txt"),
        format!("{base}/no-dir/x.txt"),
    ] {
        let ours = exit_code(Command::new(example("fetch")).arg(&missing));
        let curl = exit_code(Command::new("curl").args(["-s", &missing]));
        assert_eq!(ours, curl, "{server}: {missing}");
    }
    let bad = format!("ftp://alice:wrong@{addr}/bin.dat");
    assert_eq!(
        exit_code(Command::new(example("fetch")).arg(&bad)),
        exit_code(Command::new("curl").args(["-s", &bad]))
    );
    // Uploads: fetch's, then curl's, to the same folder, compared by hash.
    let source = scratch(&format!("ftp-upload-src-{server}")).join("upload.bin");
    std::fs::write(&source, awkward_bytes(250_000)).unwrap();
    for (tool, name) in [("fetch", "up-fetch.bin"), ("curl", "up-curl.bin")] {
        let url = format!("{base}/sub%20dir/{name}");
        let src = source.to_str().unwrap();
        let ok = match tool {
            "fetch" => run(Command::new(example("fetch")).args(["-T", src, &url])).0,
            _ => run(Command::new("curl").args(["-s", "-T", src, &url])).0,
        };
        assert!(ok, "{server}: {tool} upload");
        assert_eq!(
            file_sha(&root.join("sub dir").join(name)),
            file_sha(&source),
            "{server}: {tool}"
        );
    }
    // `-T FILE ftp://host/dir/` stores under the file's name.
    let (ok, _, err) = run(Command::new(example("fetch")).args([
        "-T",
        source.to_str().unwrap(),
        &format!("{base}/"),
    ]));
    assert!(ok, "{err}");
    assert_eq!(file_sha(&root.join("upload.bin")), file_sha(&source));
    // `-C - -T FILE`: the server's part is kept, the rest appended.
    let partial = root.join("sub dir").join("resumed.bin");
    std::fs::write(&partial, &std::fs::read(&source).unwrap()[..100_000]).unwrap();
    let (ok, _, err) = run(Command::new(example("fetch")).args([
        "-C",
        "-",
        "-T",
        source.to_str().unwrap(),
        &format!("{base}/sub%20dir/resumed.bin"),
    ]));
    assert!(ok, "{server}: {err}");
    assert_eq!(file_sha(&partial), file_sha(&source), "{server}");
    // `-o FILE`, then `-C -` resumes into it.
    let out = scratch(&format!("ftp-out-{server}")).join("part.bin");
    std::fs::write(&out, &std::fs::read(root.join("bin.dat")).unwrap()[..1000]).unwrap();
    let (ok, _, err) = run(Command::new(example("fetch")).args([
        "-C",
        "-",
        "-o",
        out.to_str().unwrap(),
        &format!("{base}/bin.dat"),
    ]));
    assert!(ok, "{err}");
    assert_eq!(file_sha(&out), file_sha(&root.join("bin.dat")));
}

#[test]
fn fetch_matches_curl_against_pyftpdlib_and_serve() {
    let root = ftp_root("ftp-curl-py");
    let (_py, addr) = pyftpdlib(&root);
    fetch_and_curl_against(&addr, &root, "pyftpdlib");
    let root = ftp_root("ftp-curl-serve");
    let (_serve, addr) = serve_ftp(&root, true);
    fetch_and_curl_against(&addr, &root, "serve");
}

/// The async session (tokio) has the control-connection methods, from
/// the same table as the blocking one.
#[test]
fn tokio_session_control_commands_against_pyftpdlib() {
    let root = ftp_root("ftp-tokio");
    let (_py, addr) = pyftpdlib(&root);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut ftp = sanswire::io::tokio::ftp::Client::new(tcp).await.unwrap();
        assert_eq!(ftp.greeting().code(), 220);
        ftp.login("alice", "secret").await.unwrap();
        assert!(ftp.feat().await.unwrap().mlst.is_some());
        ftp.cwd("sub dir").await.unwrap();
        assert_eq!(ftp.pwd().await.unwrap(), "/sub dir");
        assert_eq!(ftp.size("inner.txt").await.unwrap(), 6);
        let refused = ftp.size("missing").await.unwrap_err();
        assert_eq!(sanswire::io::ftp::refusal(&refused).unwrap().0.code(), 550);
        assert_eq!(ftp.quit().await.unwrap().code(), 221);
    });
}
