//! POP3 interop over loopback with peers no one here wrote: Python's
//! `poplib` and curl against `serve pop3`, plus our blocking client.

mod common;

use common::*;
use sanswire::io::DriveError;
use sanswire::pop3::Refusal;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Message 1: dot-leading lines, bytes that are not UTF-8, CRLF ends.
const FIRST: &[u8] = b"From: a@example.org\r\nSubject: dots\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nbytes \xff\xfe\x80 end\r\nlast line\r\n";
/// Message 2 (a maildir file with flags).
const SECOND: &[u8] = b"Subject: second\r\n\r\nbody two\r\n";
/// Message 3 (a plain .eml file in the root).
const THIRD: &[u8] = b"Subject: third\r\n\r\nbody three\r\n";

/// A maildir with the three messages, in this order (by file name).
fn maildir(name: &str) -> (PathBuf, [PathBuf; 3]) {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("new")).unwrap();
    std::fs::create_dir_all(root.join("cur")).unwrap();
    let paths = [
        root.join("new").join("1700000001.M1P1.host"),
        root.join("cur").join("1700000002.M2P2.host:2,S"),
        root.join("1700000003.eml"),
    ];
    for (path, content) in paths.iter().zip([FIRST, SECOND, THIRD]) {
        std::fs::write(path, content).unwrap();
    }
    (root, paths)
}

fn serve_maildir(root: &Path) -> (Proc, String) {
    serve(
        "pop3",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    )
}

#[test]
fn python_poplib_user_pass_against_serve() {
    let (root, paths) = maildir("poplib-user");
    let (_serve, addr) = serve_maildir(&root);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let out = scratch("poplib-user-out");
    let script = r#"
import poplib, sys, os
host, port, out, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
p = poplib.POP3(host, port)
print(p.user("alice").decode())
print(p.pass_("secret").decode())
print(p.stat())
print(p.list()[1])
print(p.uidl()[1])
print(p.uidl(2).decode())
def save(name, lines):
    open(os.path.join(out, name), "wb").write(b"".join(l + b"\r\n" for l in lines))
save("top1", p.top(1, 2)[1])
for n in (1, 2, 3):
    save("retr%d" % n, p.retr(n)[1])
print(p.dele(1).decode())
try:
    p.retr(1)
except poplib.error_proto as e:
    print("retr after dele:", e)
print("before quit:", os.path.exists(first))
print(p.quit().decode())
print("after quit:", os.path.exists(first))
"#;
    let printed = python(
        script,
        &[
            host,
            port,
            out.to_str().unwrap(),
            paths[0].to_str().unwrap(),
        ],
    );
    let printed = String::from_utf8(printed).unwrap();
    let expected = format!(
        "+OK send PASS\n\
         +OK 3 messages\n\
         (3, {total})\n\
         [b'1 {s1}', b'2 {s2}', b'3 {s3}']\n\
         [b'1 1700000001.M1P1.host', b'2 1700000002.M2P2.host', b'3 1700000003']\n\
         +OK 2 1700000002.M2P2.host\n\
         +OK message 1 deleted\n\
         retr after dele: b'-ERR message 1 already deleted'\n\
         before quit: True\n\
         +OK sanswire POP3 server signing off\n\
         after quit: False\n",
        total = FIRST.len() + SECOND.len() + THIRD.len(),
        s1 = FIRST.len(),
        s2 = SECOND.len(),
        s3 = THIRD.len(),
    );
    assert_eq!(printed, expected);
    for (n, content) in [FIRST, SECOND, THIRD].iter().enumerate() {
        let got = std::fs::read(out.join(format!("retr{}", n + 1))).unwrap();
        assert_eq!(&got, content, "RETR {}", n + 1);
    }
    let top = std::fs::read(out.join("top1")).unwrap();
    assert_eq!(
        top,
        b"From: a@example.org\r\nSubject: dots\r\n\r\n.starts with a dot\r\n..two dots\r\n"
    );
    assert!(paths[1].exists() && paths[2].exists());
}

#[test]
fn python_poplib_apop_against_serve() {
    let (root, _) = maildir("poplib-apop");
    let (_serve, addr) = serve_maildir(&root);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import poplib, sys
host, port = sys.argv[1], int(sys.argv[2])
p = poplib.POP3(host, port)
try:
    p.apop("alice", "wrong")
except poplib.error_proto as e:
    print("refused:", e)
p.quit()
p = poplib.POP3(host, port)
print(p.apop("alice", "secret").decode())
print(p.stat())
print(p.quit().decode())
"#;
    let printed = String::from_utf8(python(script, &[host, port])).unwrap();
    let total = FIRST.len() + SECOND.len() + THIRD.len();
    assert_eq!(
        printed,
        format!(
            "refused: b'-ERR [AUTH] invalid user name or password'\n\
             +OK 3 messages\n\
             (3, {total})\n\
             +OK sanswire POP3 server signing off\n"
        )
    );
}

/// What a tool printed on stdout for `pop3://alice:secret@addr{path}`.
fn printed(tool: &mut Command, addr: &str, path: &str, extra: &[&str]) -> (bool, Vec<u8>) {
    let (ok, out, _) = run(tool
        .args(["-s", "-m", "5"])
        .args(extra)
        .arg(format!("pop3://alice:secret@{addr}{path}")));
    (ok, out)
}

#[test]
fn curl_and_fetch_print_the_same() {
    let (root, paths) = maildir("pop3-curl");
    let (_serve, addr) = serve_maildir(&root);
    let cases: [(&str, &[&str]); 5] = [
        ("/", &[]),
        ("/1", &[]),
        ("/3", &[]),
        ("/", &["-X", "UIDL"]),
        ("/", &["-X", "TOP 1 1"]),
    ];
    for (path, extra) in cases {
        let (curl_ok, curl_out) = printed(&mut Command::new("curl"), &addr, path, extra);
        let (ok, out) = printed(&mut Command::new(example("fetch")), &addr, path, extra);
        assert!(curl_ok && ok, "{path} {extra:?}");
        assert!(
            out == curl_out,
            "fetch and curl differ for {path} {extra:?}"
        );
    }
    // The exact bytes, not only agreement.
    let listing = format!(
        "1 {}\r\n2 {}\r\n3 {}\r\n",
        FIRST.len(),
        SECOND.len(),
        THIRD.len()
    );
    let (_, out) = printed(&mut Command::new(example("fetch")), &addr, "/", &[]);
    assert_eq!(String::from_utf8(out).unwrap(), listing);
    let (_, out) = printed(&mut Command::new(example("fetch")), &addr, "/1", &[]);
    assert!(out == FIRST);
    let (_, out) = printed(
        &mut Command::new(example("fetch")),
        &addr,
        "/",
        &["-X", "UIDL"],
    );
    assert_eq!(
        out,
        b"1 1700000001.M1P1.host\r\n2 1700000002.M2P2.host\r\n3 1700000003\r\n"
    );
    // A single-line answer: curl waits for a block that never comes and
    // gives up (-m) with nothing printed; fetch knows NOOP has no block
    // and prints nothing at once.
    let (curl_ok, curl_out) = printed(
        &mut Command::new("curl"),
        &addr,
        "/",
        &["-m", "1", "-X", "NOOP"],
    );
    let (ok, out) = printed(
        &mut Command::new(example("fetch")),
        &addr,
        "/",
        &["-X", "NOOP"],
    );
    assert!(!curl_ok && curl_out.is_empty());
    assert!(ok && out.is_empty());
    // A -ERR fails both with curl's exit code 8.
    let (ok, out) = printed(&mut Command::new(example("fetch")), &addr, "/9", &[]);
    assert!(!ok && out.is_empty());
    let status = Command::new(example("fetch"))
        .arg(format!("pop3://alice:secret@{addr}/9"))
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(8));
    // -u overrides the URL's credentials; wrong ones fail with 67.
    let (ok, _, _) = run(Command::new(example("fetch"))
        .args(["-u", "alice:secret"])
        .arg(format!("pop3://bob:nope@{addr}/")));
    assert!(ok);
    let status = Command::new(example("fetch"))
        .args(["-u", "alice:nope"])
        .arg(format!("pop3://{addr}/"))
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(67));
    assert!(paths.iter().all(|p| p.exists()));
}

#[test]
fn fetch_verbose_shows_the_conversation() {
    let (root, _) = maildir("pop3-verbose");
    let (_serve, addr) = serve_maildir(&root);
    let (ok, _, err) = run(Command::new(example("fetch"))
        .arg("-v")
        .arg(format!("pop3://alice:secret@{addr}/2")));
    assert!(ok, "{err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("> ") || l.starts_with("< +OK"))
        .collect();
    assert!(lines[0].starts_with("< +OK sanswire POP3 server ready <"));
    assert_eq!(
        lines[1..],
        [
            // As curl traces it: every line as it went, the two steps of
            // AUTH PLAIN, and QUIT out of sight at the end.
            "> CAPA",
            "< +OK Capability list follows",
            "> AUTH PLAIN",
            "> AGFsaWNlAHNlY3JldA==",
            "< +OK 3 messages",
            "> RETR 2",
            &format!("< +OK {} octets", SECOND.len()),
        ]
    );
}

/// SASL PLAIN for the test (the crate's own mechanisms live elsewhere).
struct Plain(&'static [u8]);

impl sanswire::sasl::Mechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }
    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, sanswire::sasl::SaslError> {
        Ok(Some(self.0.to_vec()))
    }
    fn step(&mut self, _: &[u8]) -> Result<Vec<u8>, sanswire::sasl::SaslError> {
        Err(sanswire::sasl::SaslError::UnexpectedChallenge)
    }
}

#[test]
fn blocking_client_against_serve() {
    use sanswire::io::pop3::Client;
    let (root, paths) = maildir("pop3-client");
    let (_serve, addr) = serve_maildir(&root);

    let mut pop = Client::connect(&addr).unwrap();
    assert!(pop.driver().machine().apop_timestamp().is_some());
    // A refused login is an error, and the session goes on.
    match pop.login("alice", "nope") {
        Err(DriveError::Refused(Refusal(r))) => {
            assert_eq!(&r.text[..], b"invalid user name or password")
        }
        other => panic!("{other:?}"),
    }
    let caps = pop.capa().unwrap();
    assert!(caps.has_sasl("PLAIN") && caps.pipelining());
    pop.login("alice", "secret").unwrap();
    let total = (FIRST.len() + SECOND.len() + THIRD.len()) as u64;
    assert_eq!(pop.stat().unwrap(), (3, total));
    assert_eq!(
        pop.list().unwrap(),
        [
            (1, FIRST.len() as u64),
            (2, SECOND.len() as u64),
            (3, THIRD.len() as u64)
        ]
    );
    assert_eq!(pop.list_one(3).unwrap(), THIRD.len() as u64);
    let uids = pop.uidl().unwrap();
    assert_eq!(&uids[1].1[..], b"1700000002.M2P2.host");
    assert_eq!(&pop.uidl_one(3).unwrap()[..], b"1700000003");
    assert_eq!(pop.top(2, 0).unwrap(), b"Subject: second\r\n\r\n");
    pop.retr_start(1).unwrap();
    let mut streamed = Vec::new();
    while let Some(piece) = pop.read_message().unwrap() {
        streamed.extend_from_slice(&piece);
    }
    assert!(streamed == FIRST);
    assert!(pop.retr(2).unwrap() == SECOND);
    pop.dele(2).unwrap();
    assert!(matches!(pop.retr(2), Err(DriveError::Refused(_))));
    pop.rset().unwrap();
    pop.noop().unwrap();
    pop.dele(3).unwrap();
    assert!(paths[2].exists());
    pop.quit().unwrap();
    assert!(!paths[2].exists() && paths[1].exists());

    // APOP and AUTH PLAIN on fresh connections.
    let mut pop = Client::connect(&addr).unwrap();
    pop.apop("alice", "secret").unwrap();
    assert_eq!(pop.stat().unwrap().0, 2);
    pop.quit().unwrap();
    let mut pop = Client::connect(&addr).unwrap();
    pop.auth(Plain(b"\0alice\0secret")).unwrap();
    let op = sanswire::pop3::ops::Raw::new("UIDL");
    assert!(op.has_block());
    assert!(pop.raw(op).unwrap().is_ok());
    let mut block = Vec::new();
    while let Some(piece) = pop.read_message().unwrap() {
        block.extend_from_slice(&piece);
    }
    assert_eq!(
        block,
        b"1 1700000001.M1P1.host\r\n2 1700000002.M2P2.host\r\n"
    );
    pop.quit().unwrap();
}

/// RFC 1939 §8: the maildrop is locked for the session. A second session
/// is refused with `[IN-USE]` while the first holds it; deletions happen
/// only at a whole QUIT, so a connection lost before QUIT removes nothing.
#[test]
fn the_maildrop_is_locked_and_only_quit_deletes() {
    let (root, paths) = maildir("pop3-lock");
    let (_serve, addr) = serve_maildir(&root);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import poplib, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
first = poplib.POP3(host, port)
first.user("alice"); first.pass_("secret")
second = poplib.POP3(host, port)
second.user("alice")
try:
    second.pass_("secret")
    print("second: in")
except poplib.error_proto as e:
    print("second:", e.args[0].decode())
second.quit()
# The first marks message 1 deleted, then loses its connection.
first.dele(1)
first.sock.shutdown(socket.SHUT_RDWR)
first.sock.close()
import time; time.sleep(0.3)
third = poplib.POP3(host, port)
third.user("alice"); third.pass_("secret")
print("third:", third.stat())
third.dele(2)
print(third.quit().decode())
fourth = poplib.POP3(host, port)
fourth.user("alice"); fourth.pass_("secret")
print("fourth:", fourth.stat())
fourth.quit()
"#;
    let out = String::from_utf8(python(script, &[host, port])).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "second: -ERR [IN-USE] maildrop already locked by another session"
    );
    assert!(lines[1].starts_with("third: (3, "), "{out}");
    assert!(paths[0].exists(), "a DELE without QUIT removed a message");
    assert!(lines[3].starts_with("fourth: (2, "), "{out}");
    assert!(!paths[1].exists(), "the DELE before QUIT was not applied");
}
