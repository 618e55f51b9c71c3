//! Helpers for the interop tests: the example binaries, real peers (Python,
//! curl), scratch folders and free ports.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A built example (cargo test builds the examples beside the tests).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let debug = exe.parent().and_then(Path::parent).expect("target dir");
    let path = debug.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run the tests with `cargo test` (it builds examples)",
        path.display()
    );
    path
}

/// A fresh scratch folder, removed when the test process ends is not
/// guaranteed; each test uses its own name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sanswire-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// Starts `serve PROTOCOL ARGS...` and returns it with its address.
pub fn serve(protocol: &str, args: &[&str]) -> (Proc, String) {
    let mut child = Command::new(example("serve"))
        .arg(protocol)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("serve said {line:?}"))
        .to_string();
    (Proc(child), addr)
}

/// A free loopback port (racy in theory, fine on a test machine).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port}");
}

/// Runs a Python 3 script with arguments; returns stdout, panics with
/// stderr on failure.
pub fn python(script: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a command; returns (exit success, stdout, stderr).
pub fn run(cmd: &mut Command) -> (bool, Vec<u8>, String) {
    let out = cmd.output().expect("command runs");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command; returns (exit code, stdout, stderr), for a comparison
/// of `fetch` with curl that includes the exit code.
pub fn output(cmd: &mut Command) -> (Option<i32>, Vec<u8>, String) {
    let out = cmd.output().expect("command runs");
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cmd` with `input` on stdin; exit code and stdout.
pub fn with_stdin(cmd: &mut Command, input: &[u8]) -> (Option<i32>, Vec<u8>) {
    use std::io::Write;
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

/// The SHA-256 of `data` in hex, by `sha256sum` (an independent tool).
pub fn sha256(data: &[u8]) -> String {
    let (_, out) = with_stdin(&mut Command::new("sha256sum"), data);
    String::from_utf8_lossy(&out)[..64].to_string()
}

/// Bytes no text tool would leave alone: every byte value, CR, LF, dots.
pub fn awkward_bytes(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| match i % 7 {
            0 => b'\r',
            1 => b'\n',
            2 => b'.',
            _ => (i * 31 % 256) as u8,
        })
        .collect()
}

/// What the client must hand out for a message the server was given:
/// the content with its line ends normalised to CRLF. Spelled out:
/// - CRLF stays CRLF;
/// - a bare CR (not followed by LF) becomes CRLF;
/// - a bare LF (not preceded by CR) becomes CRLF;
/// - if the content is not empty and does not end with a line end, a
///   final CRLF is added (the `.` line must start a line).
pub fn normalise(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 8);
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'\r' if content.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
            }
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One of the scripted Python servers under `tests/fetch_curl/`, which
/// writes the port it bound to a file and logs what it received.
pub struct ScriptedPeer {
    /// The server process, killed when dropped.
    pub proc: Proc,
    /// Its loopback port.
    pub port: u16,
    /// Where it logs what it received.
    pub log: PathBuf,
    /// Its scratch folder.
    pub root: PathBuf,
}

/// Starts `tests/fetch_curl/SCRIPT PORTFILE LOG ARG` in a scratch folder
/// named `name`, `ARG` being `config` or, without it, the folder itself;
/// waits until the port is written.
pub fn scripted_peer(script: &str, name: &str, config: Option<&str>) -> ScriptedPeer {
    let root = scratch(name);
    let portfile = root.join("port");
    let log = root.join("received.log");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fetch_curl")
        .join(script);
    let arg = config.map_or_else(|| root.clone().into_os_string(), Into::into);
    let child = Command::new("python3")
        .arg(path)
        .arg(&portfile)
        .arg(&log)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 runs tests/fetch_curl/{script}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !portfile.exists() {
        assert!(Instant::now() < deadline, "{script} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let port = std::fs::read_to_string(&portfile).unwrap().parse().unwrap();
    ScriptedPeer {
        proc: Proc(child),
        port,
        log,
        root,
    }
}
