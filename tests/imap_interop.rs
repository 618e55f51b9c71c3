//! IMAP interop over loopback with peers no one here wrote: Python's
//! `imaplib` and curl against `serve imap`, plus our blocking client.

mod common;

use bytes::Bytes;
use common::*;
use sanswire::imap::{FetchAttr, FetchItem, Flag, SearchKey, SeqSet, StoreMode};
use sanswire::wire::Machine;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIRST: &[u8] = b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Hello\r\nMessage-ID: <1@x>\r\n\r\nHi Bob.\r\nbytes \xff\xfe\x80 end\r\n";
const SECOND: &[u8] = b"From: carol@example.org\r\nSubject: multi\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--b1--\r\n";

fn maildir(name: &str) -> PathBuf {
    let root = scratch(name);
    for d in [
        "new",
        "cur",
        "tmp",
        ".Archive/cur",
        ".Archive/new",
        ".Archive/tmp",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("new").join("1700000001.M1.host"), FIRST).unwrap();
    std::fs::write(root.join("cur").join("1700000002.M2.host:2,S"), SECOND).unwrap();
    root
}

fn serve_maildir(root: &Path) -> (Proc, String) {
    serve(
        "imap",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    )
}

#[test]
fn python_imaplib_against_serve() {
    let root = maildir("imaplib");
    let (_serve, addr) = serve_maildir(&root);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import imaplib, sys
m = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
out = sys.stdout.buffer
def p(x): out.write(repr(x).encode() + b"\n")
p(m.login('alice', 'secret'))
p(m.list())
p(m.select('INBOX'))
p(m.search(None, 'ALL'))
p(m.search(None, 'FROM', 'alice'))
p(m.search(None, 'UNSEEN'))
p(m.fetch('1', '(RFC822)'))
p(m.fetch('2', '(BODYSTRUCTURE)'))
p(m.fetch('2', '(BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[]<0.10>)'))
p(m.store('1', '+FLAGS', '\\Flagged'))
p(m.copy('1', 'Archive'))
raw = b'Subject: bin\r\n\r\n\xff\xfe\x00\x80 raw\r\n'
typ, data = m.append('INBOX', '(\\Seen)', None, raw)
p(typ)
typ, data = m.fetch('3', '(RFC822)')
assert data[0][1] == raw, data
p('append round trip ok')
p(m.store('3', '+FLAGS', '\\Deleted'))
p(m.expunge())
p(m.status('Archive', '(MESSAGES UNSEEN)'))
p(m.uid('FETCH', '1:*', '(FLAGS)'))
p(m.logout())
"#;
    assert_eq!(FIRST.len(), 115);
    let printed = python(script, &[host, port]);
    let text = String::from_utf8_lossy(&printed);
    let expect = [
        "('OK', [b'LOGIN completed'])",
        r#"('OK', [b'(\\HasNoChildren) "." INBOX', b'(\\HasNoChildren) "." Archive'])"#,
        "('OK', [b'2'])",
        "('OK', [b'1 2'])",
        "('OK', [b'1'])",
        "('OK', [b'1'])",
        r#"('OK', [(b'1 (RFC822 {115}', b'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Hello\r\nMessage-ID: <1@x>\r\n\r\nHi Bob.\r\nbytes \xff\xfe\x80 end\r\n'), b' FLAGS (\\Seen))'])"#,
        r#"('OK', [b'2 (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 8 1 NIL)("TEXT" "HTML" NIL NIL NIL "7BIT" 10 1 NIL) "MIXED" ("BOUNDARY" "b1") NIL NIL))'])"#,
        r#"('OK', [(b'2 (BODY[1] {8}', b'part one'), (b' BODY[HEADER.FIELDS (SUBJECT)] {18}', b'Subject: multi\r\n\r\n'), (b' BODY[]<0> {10}', b'From: caro'), b')'])"#,
        r#"('OK', [b'1 (FLAGS (\\Flagged \\Seen))'])"#,
        "'OK'",
        "'append round trip ok'",
        r#"('OK', [b'3 (FLAGS (\\Deleted \\Seen))'])"#,
        "('OK', [b'3'])",
        "('OK', [b'Archive (MESSAGES 1 UNSEEN 0)'])",
        r#"('OK', [b'1 (UID 1 FLAGS (\\Flagged \\Seen))', b'2 (UID 2 FLAGS (\\Seen))'])"#,
        "('BYE', [b'logging out'])",
    ];
    let lines: Vec<&str> = text.lines().collect();
    // COPY's line carries the UIDVALIDITY, which is the time of the first scan.
    assert!(
        lines[10].starts_with("('OK', [b'[COPYUID ")
            && lines[10].ends_with(" 1 1] COPY completed'])"),
        "{}",
        lines[10]
    );
    let mut rest: Vec<&str> = lines.clone();
    rest.remove(10);
    assert_eq!(rest, expect, "imaplib saw:\n{text}");
    // The flags are kept in the file names.
    let names: Vec<String> = std::fs::read_dir(root.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().any(|n| n == "1700000001.M1.host:2,FS"),
        "{names:?}"
    );
    assert_eq!(
        std::fs::read_dir(root.join(".Archive/cur"))
            .unwrap()
            .count(),
        1
    );
}

fn printed(tool: &mut Command, addr: &str, path: &str, extra: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = tool
        .args(["-s", "-m", "5"])
        .args(extra)
        .arg(format!("imap://alice:secret@{addr}{path}"))
        .output()
        .expect("runs");
    (out.status.code(), out.stdout)
}

#[test]
fn curl_and_fetch_print_the_same() {
    let root = maildir("imap-curl");
    let (_serve, addr) = serve_maildir(&root);
    let cases: &[(&str, &[&str])] = &[
        ("/", &[]),
        ("/INBOX", &[]),
        ("/INBOX/;UID=1", &[]),
        ("/INBOX/;UID=2;SECTION=1", &[]),
        ("/INBOX/;UID=2;SECTION=HEADER", &[]),
        ("/INBOX/;UID=1;PARTIAL=0.10", &[]),
        ("/INBOX;MAILINDEX=2", &[]),
        ("/INBOX?SUBJECT%20multi", &[]),
        ("/INBOX;UIDVALIDITY=1/;UID=1", &[]),
        ("/INBOX/;UID=99", &[]),
        ("/Nope/;UID=1", &[]),
        ("/INBOX", &["-X", "FETCH 1 (FLAGS BODY.PEEK[TEXT])"]),
        ("/", &["-X", "STATUS INBOX (MESSAGES UIDNEXT)"]),
        ("/INBOX", &["-X", "BOGUS"]),
    ];
    for (path, extra) in cases {
        let (curl_code, curl_out) = printed(&mut Command::new("curl"), &addr, path, extra);
        let (code, out) = printed(&mut Command::new(example("fetch")), &addr, path, extra);
        assert_eq!(code, curl_code, "exit codes differ for {path} {extra:?}");
        assert!(
            out == curl_out,
            "fetch and curl differ for {path} {extra:?}:\n{}\n---\n{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&curl_out)
        );
    }
    // The exact bytes, not only agreement.
    let (_, out) = printed(
        &mut Command::new(example("fetch")),
        &addr,
        "/INBOX/;UID=1",
        &[],
    );
    assert_eq!(out, FIRST);
    let (_, out) = printed(&mut Command::new(example("fetch")), &addr, "/", &[]);
    assert_eq!(
        out,
        b"* LIST (\\HasNoChildren) \".\" INBOX\r\n* LIST (\\HasNoChildren) \".\" Archive\r\n"
    );
}

#[test]
fn our_client_against_serve() {
    let root = maildir("imap-ours");
    let (_serve, addr) = serve_maildir(&root);
    let mut imap = sanswire::io::imap::Client::connect(&addr).unwrap();
    imap.login("alice", "secret").unwrap();
    // Everything after this goes deflated both ways, through the core's layers.
    imap.command(sanswire::imap::Command::Compress(Bytes::from_static(
        b"DEFLATE",
    )))
    .unwrap();
    assert!(imap.driver().machine().inbox().has_decoder());
    let list = imap.list("", "*").unwrap();
    assert_eq!(list.len(), 2);
    let inbox = imap.select("INBOX").unwrap();
    assert_eq!(inbox.exists, 2);
    assert!(inbox.uid_validity.is_some());
    assert_eq!(
        imap.search(vec![SearchKey::text("SUBJECT", "multi")])
            .unwrap(),
        vec![2]
    );
    let fetched = imap
        .uid_fetch(
            SeqSet::single(1),
            vec![
                FetchAttr::Section {
                    peek: true,
                    section: Bytes::new(),
                    partial: None,
                },
                FetchAttr::Envelope,
            ],
        )
        .unwrap();
    let items = &fetched[0].1;
    assert!(items
        .iter()
        .any(|i| matches!(i, FetchItem::Section { data: Some(d), .. } if &d[..] == FIRST)));
    assert!(items.iter().any(
        |i| matches!(i, FetchItem::Envelope(e) if e.subject.as_deref() == Some(&b"Hello"[..]))
    ));
    let stored = imap
        .store(
            SeqSet::single(2),
            StoreMode::Add,
            vec![Flag::FLAGGED],
            false,
        )
        .unwrap();
    assert_eq!(stored[0].0, 2);
    let moved = imap.move_to(SeqSet::single(2), "Archive", false).unwrap();
    assert!(moved.code.is_some());
    // The EXPUNGE of the MOVE was passed to the driver, not lost.
    assert!(imap
        .driver()
        .take_passed()
        .any(|e| e == sanswire::imap::Event::Data(sanswire::imap::Data::Expunge(2))));
    let status = imap.status("Archive", &["MESSAGES"]).unwrap();
    assert_eq!(status, vec![(Bytes::from_static(b"MESSAGES"), 1)]);
    // IDLE: a message delivered meanwhile is reported.
    let delivery = root.join("new").join("1800000000.M9.host");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::write(delivery, b"Subject: new\r\n\r\nnew\r\n").unwrap();
    });
    let updates = imap.idle(Some(std::time::Duration::from_secs(10))).unwrap();
    writer.join().unwrap();
    assert!(
        updates.contains(&sanswire::imap::Data::Exists(2)),
        "{updates:?}"
    );
    imap.logout().unwrap();
}

#[test]
fn idle_woken_from_another_thread_blocking_and_tokio() {
    use sanswire::imap::ops::IdleWaker;
    use std::time::{Duration, Instant};
    let root = maildir("imap-idle-wake");
    let (_serve, addr) = serve_maildir(&root);
    let mut imap = sanswire::io::imap::Client::connect(&addr).unwrap();
    imap.login("alice", "secret").unwrap();
    imap.select("INBOX").unwrap();
    // No mail comes and the limit is far: only the waker ends IDLE.
    let waker = IdleWaker::new();
    let other = waker.clone();
    let started = Instant::now();
    let wake = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.wake();
    });
    let updates = imap
        .idle_with_waker(Some(Duration::from_secs(60)), waker.clone())
        .unwrap();
    wake.join().unwrap();
    let took = started.elapsed();
    assert!(updates.is_empty(), "{updates:?}");
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    // DONE went out and was completed: the session goes on.
    assert!(!imap.driver().machine().is_idling());
    assert_eq!(imap.search(vec![SearchKey::All]).unwrap(), vec![1, 2]);
    // Woken before IDLE began: DONE follows the `+` at once.
    waker.reset();
    waker.wake();
    assert!(imap
        .idle_with_waker(None, waker.clone())
        .unwrap()
        .is_empty());
    imap.logout().unwrap();

    // The async session, woken by another task.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut imap = sanswire::io::tokio::imap::Client::new(tcp).await.unwrap();
        imap.login("alice", "secret").await.unwrap();
        imap.select("INBOX").await.unwrap();
        let waker = IdleWaker::new();
        let other = waker.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            other.wake();
        });
        let started = Instant::now();
        let updates = imap.idle_with_waker(None, waker).await.unwrap();
        task.await.unwrap();
        assert!(updates.is_empty(), "{updates:?}");
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(imap.search(vec![SearchKey::All]).await.unwrap(), vec![1, 2]);
        // Woken by a future (no tick): DONE goes as soon as it completes;
        // the limit, far off, did not end it.
        let started = Instant::now();
        let limit = Duration::from_secs(60);
        let updates = imap
            .idle_until(Some(limit), tokio::time::sleep(Duration::from_millis(300)))
            .await
            .unwrap();
        assert!(updates.is_empty(), "{updates:?}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < limit,
            "{took:?}"
        );
        assert!(!imap.machine().is_idling());
        imap.logout().await.unwrap();
    });
}

/// The `> ` and `< ` lines of a `-v` trace (curl's keep their CR).
fn trace_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("> ") || l.starts_with("< ") || l.starts_with("{ ["))
        .map(|l| l.trim_end_matches('\r').to_string())
        // Each maildir has its own UIDVALIDITY.
        .map(|l| match l.find("[UIDVALIDITY ") {
            Some(i) => format!("{}[UIDVALIDITY _]", &l[..i]),
            None => l,
        })
        .collect()
}

#[test]
fn verbose_in_curls_format() {
    let cases: &[(&str, &[&str])] = &[
        ("/", &[]),
        ("/INBOX/;UID=1", &[]),
        ("/INBOX/;UID=2;SECTION=1;PARTIAL=0.4", &[]),
        ("/INBOX;MAILINDEX=2", &[]),
        ("/INBOX?SUBJECT%20multi", &[]),
        ("/INBOX", &["-X", "FETCH 1 (FLAGS BODY.PEEK[TEXT])"]),
        ("/Nope/;UID=1", &[]),
        ("/INBOX/;UID=99", &[]),
        ("/INBOX;UIDVALIDITY=1/;UID=1", &[]),
        ("/INBOX", &["-X", "BOGUS"]),
    ];
    for (path, extra) in cases {
        // Each against a fresh maildir: a FETCH marks the message seen.
        let run = |tool: &mut Command| {
            let root = maildir("imap-verbose");
            let (_serve, addr) = serve_maildir(&root);
            tool.args(["-sv", "-m", "5"])
                .args(*extra)
                .arg(format!("imap://alice:secret@{addr}{path}"))
                .output()
                .expect("runs")
        };
        let curl = run(&mut Command::new("curl"));
        let ours = run(&mut Command::new(example("fetch")));
        let lines = trace_lines(&ours.stderr);
        assert!(lines.iter().any(|l| l.starts_with("> A001 ")), "{lines:?}");
        assert_eq!(lines, trace_lines(&curl.stderr), "{path} {extra:?}");
    }
}
