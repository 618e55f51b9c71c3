//! The real servers of `tests/interop/peers.sh`, started once per test
//! binary and stopped when it exits (the script serves until its stdin
//! closes). A server that is missing or does not start fails the first
//! test that asks for it: nothing passes by skipping.
#![allow(dead_code)]

use super::scratch;
use sanswire::io::tls::TlsConnector;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The running servers: what `peers.sh` wrote to its env file.
pub struct Peers {
    pub env: HashMap<String, String>,
    pub dir: PathBuf,
    /// Kept open for the life of the test process: when it closes, the
    /// script stops the servers.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

impl Peers {
    pub fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("peers.sh wrote no {key}"))
    }

    pub fn port(&self, key: &str) -> u16 {
        self.get(key).parse().unwrap()
    }

    pub fn addr(&self, key: &str) -> String {
        format!("127.0.0.1:{}", self.port(key))
    }

    pub fn connector(&self) -> TlsConnector {
        TlsConnector::with_ca_file(self.get("CA_FILE")).expect("the test CA")
    }

    /// The mail user the script made: (`USER_NAME`, `USER_PASS`).
    pub fn user(&self) -> (&str, &str) {
        (self.get("USER_NAME"), self.get("USER_PASS"))
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }
}

/// Starts the servers on first use, once per test binary. The scratch
/// folder's name is shared by every binary: `scratch` adds the process id.
pub fn peers() -> &'static Peers {
    static PEERS: OnceLock<Peers> = OnceLock::new();
    PEERS.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peers.sh");
        let dir = scratch("real-servers-peers");
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
            dir,
            _stdin: Mutex::new(child.stdin.take().unwrap()),
            _child: Mutex::new(child),
        }
    })
}
