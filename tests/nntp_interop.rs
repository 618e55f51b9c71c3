//! NNTP interop over loopback: Python's `nntplib` (a client no one here
//! wrote) against `serve nntp`, our blocking client against `serve nntp`,
//! and `fetch` against both the server and curl's refusal of the scheme.

mod common;

use bytes::Bytes;
use common::*;
use sanswire::io::nntp::Client;
use sanswire::io::DriveError;
use sanswire::nntp::{ArticleRef, Range, Selection};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Article 1: dot-leading lines, bytes that are not UTF-8, CRLF ends.
const FIRST: &[u8] = b"From: a@example.org\r\nSubject: dots \xe9\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nNewsgroups: misc.test\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nbytes \xff\xfe\x80 end\r\nlast line\r\n";
const SECOND: &[u8] = b"From: b@example.org\r\nSubject: second\r\nMessage-ID: <2@example.org>\r\nReferences: <1@example.org>\r\n\r\nbody two\r\n";

/// A spool: misc.test with two articles, an empty comp.lang.rust.
fn spool(name: &str) -> PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("misc.test")).unwrap();
    std::fs::create_dir_all(root.join("comp.lang.rust")).unwrap();
    std::fs::write(root.join("misc.test").join("0001"), FIRST).unwrap();
    std::fs::write(root.join("misc.test").join("0002"), SECOND).unwrap();
    std::fs::write(root.join("misc.test").join(".description"), "Testing").unwrap();
    root
}

fn serve_spool(root: &Path, user: bool) -> (Proc, String) {
    let mut args = vec!["--root", root.to_str().unwrap()];
    if user {
        args.extend(["--user", "alice:secret"]);
    }
    serve("nntp", &args)
}

fn split(content: &[u8]) -> (&[u8], &[u8]) {
    let at = content.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (&content[..at + 2], &content[at + 4..])
}

#[test]
fn python_nntplib_against_serve() {
    let root = spool("nntplib");
    let (_serve, addr) = serve_spool(&root, true);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let out = scratch("nntplib-out");
    let script = r#"
import nntplib, sys, os, warnings, datetime
warnings.simplefilter("ignore")
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = nntplib.NNTP(host, port, user="alice", password="secret")
print(s.getwelcome())
resp, count, first, last, name = s.group("misc.test")
print(count, first, last, name)
resp, overviews = s.over((first, last))
for n, o in overviews:
    print(n, o["message-id"], o[":lines"], o["references"])
def save(name, lines):
    open(os.path.join(out, name), "wb").write(b"".join(l + b"\r\n" for l in lines))
save("article1", s.article(1)[1].lines)
save("head1", s.head(1)[1].lines)
save("body1", s.body(1)[1].lines)
save("byid", s.article("<2@example.org>")[1].lines)
print(s.stat(2)[2])
print(sorted(g.group for g in s.list()[1]))
print(s.descriptions("misc.*")[1])
print(s.newnews("misc.test", datetime.datetime(2000, 1, 1))[1])
print(s.post(b"From: p@example.org\r\nNewsgroups: misc.test\r\nSubject: posted\r\n\r\n.dot first\r\n\xff raw\r\n"))
print(s.group("misc.test")[1])
try:
    s.article(99)
except nntplib.NNTPTemporaryError as e:
    print("refused", e.response[:3])
print(s.quit())
"#;
    let printed = python(script, &[host, port, out.to_str().unwrap()]);
    let printed = String::from_utf8(printed).unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "200 sanswire news server ready, posting allowed");
    assert_eq!(lines[1], "2 1 2 misc.test");
    assert_eq!(lines[2], "1 <1@example.org> 5 ");
    assert_eq!(lines[3], "2 <2@example.org> 1 <1@example.org>");
    assert_eq!(lines[4], "<2@example.org>");
    assert_eq!(lines[5], "['comp.lang.rust', 'misc.test']");
    assert_eq!(lines[6], "{'misc.test': 'Testing'}");
    assert_eq!(lines[7], "['<1@example.org>', '<2@example.org>']");
    assert!(lines[8].starts_with("240"), "{printed}");
    assert_eq!(lines[9], "3");
    assert_eq!(lines[10], "refused 423");
    assert!(lines[11].starts_with("205"));
    // nntplib unstuffs; what it got is the stored article, byte for byte.
    let read = |n: &str| std::fs::read(out.join(n)).unwrap();
    assert_eq!(read("article1"), FIRST);
    let (head, body) = split(FIRST);
    assert_eq!(read("head1"), head);
    assert_eq!(read("body1"), body);
    assert_eq!(read("byid"), SECOND);
    // The posted article arrived unstuffed, non-UTF-8 byte intact.
    let posted = read_third(&root);
    assert!(
        posted.ends_with(b"\r\n\r\n.dot first\r\n\xff raw\r\n"),
        "{posted:?}"
    );
}

fn read_third(root: &Path) -> Vec<u8> {
    let mut files: Vec<_> = std::fs::read_dir(root.join("misc.test"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    std::fs::read(&files[2]).unwrap()
}

#[test]
fn python_nntplib_needs_login_first() {
    let root = spool("nntplib-480");
    let (_serve, addr) = serve_spool(&root, true);
    let (host, port) = addr.rsplit_once(':').unwrap();
    let script = r#"
import nntplib, sys, warnings
warnings.simplefilter("ignore")
s = nntplib.NNTP(sys.argv[1], int(sys.argv[2]))
try:
    s.group("misc.test")
except nntplib.NNTPError as e:
    print(e.response)
try:
    s.login("alice", "wrong")
except nntplib.NNTPError as e:
    print(e.response[:3])
"#;
    let printed = String::from_utf8(python(script, &[host, port])).unwrap();
    assert_eq!(printed, "480 Authentication required\n481\n");
}

#[test]
fn our_client_against_serve() {
    let root = spool("nntp-ours");
    let (_serve, addr) = serve_spool(&root, true);
    let mut news = Client::connect(&addr).unwrap();
    assert_eq!(news.greeting().code, 200);
    let refused = news.group("misc.test").unwrap_err();
    assert!(matches!(refused, DriveError::Refused(r) if r.0.code == 480));
    let caps = news.capabilities().unwrap();
    assert!(caps.has_sasl("PLAIN"));
    news.auth(sanswire::sasl::Plain::new("alice", "secret"))
        .unwrap();
    let info = news.group("misc.test").unwrap();
    assert_eq!((info.count, info.low, info.high), (2, 1, 2));
    let over = news.over(Selection::Range(Range::Between(1, 2))).unwrap();
    assert_eq!(over[0].subject(), b"dots \xe9");
    assert_eq!(over[1].references(), b"<1@example.org>");
    assert_eq!(over[0].bytes, Some(FIRST.len() as u64));
    let format = news.overview_format().unwrap();
    assert!(
        format.extra.is_empty(),
        "serve nntp sends the seven fixed fields"
    );
    assert_eq!(news.article(ArticleRef::Number(1)).unwrap(), FIRST);
    assert_eq!(
        news.body(ArticleRef::MessageId("<2@example.org>".into()))
            .unwrap(),
        b"body two\r\n"
    );
    assert_eq!(news.next_article().unwrap().0, 2);
    assert_eq!(news.listgroup("misc.test", None).unwrap(), [1, 2]);
    let groups = news.list(None).unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(news.descriptions(None).unwrap()[1].1, "Testing");
    assert_eq!(news.newnews("*", "20000101", "000000").unwrap().len(), 2);
    assert_eq!(
        news.hdr("Subject", Selection::Range(Range::From(1)))
            .unwrap()[1]
            .1,
        "second"
    );
    let article = Bytes::from_static(b"Newsgroups: misc.test\r\nSubject: ours\r\n\r\n.x\r\n");
    assert_eq!(news.post(article).unwrap().code, 240);
    assert_eq!(news.group("misc.test").unwrap().count, 3);
    assert!(read_third(&root).ends_with(b"\r\n\r\n.x\r\n"));
    assert_eq!(news.date().unwrap().len(), 14);
    // COMPRESS DEFLATE (RFC 8054), then the same commands deflated.
    assert!(news
        .capabilities()
        .unwrap()
        .has_argument("COMPRESS", "DEFLATE"));
    assert_eq!(news.compress().unwrap().code, 206);
    assert!(news.machine().is_compressed());
    assert_eq!(news.article(ArticleRef::Number(1)).unwrap(), FIRST);
    assert_eq!(
        news.over(Selection::Range(Range::From(1))).unwrap().len(),
        3
    );
    assert_eq!(news.quit().unwrap().code, 205);
}

#[test]
fn fetch_against_serve_and_curl() {
    let root = spool("nntp-fetch");
    let (_serve, addr) = serve_spool(&root, false);
    let url = |path: &str| format!("nntp://{addr}/{path}");
    let (ok, out, err) = run(Command::new(example("fetch")).arg(url("misc.test")));
    assert!(ok, "{err}");
    assert_eq!(
        out,
        b"1\tdots \xe9\ta@example.org\tMon, 1 Jan 2024 00:00:00 +0000\t<1@example.org>\n2\tsecond\tb@example.org\t\t<2@example.org>\n"
    );
    let (ok, out, _) = run(Command::new(example("fetch")).arg(url("misc.test/1")));
    assert!(ok);
    assert_eq!(out, FIRST);
    let (ok, out, _) =
        run(Command::new(example("fetch")).arg(format!("news://{addr}/2@example.org")));
    assert!(ok);
    assert_eq!(out, SECOND);
    let (ok, out, _) = run(Command::new(example("fetch"))
        .args(["-X", "LIST NEWSGROUPS"])
        .arg(url("")));
    assert!(ok);
    assert_eq!(
        out,
        b"comp.lang.rust\tNo description\r\nmisc.test\tTesting\r\n"
    );
    let post = scratch("nntp-fetch-post").join("article");
    std::fs::write(&post, "Subject: from fetch\n\n.dot\n").unwrap();
    let (ok, _, err) = run(Command::new(example("fetch"))
        .arg("-T")
        .arg(&post)
        .arg(url("misc.test")));
    assert!(ok, "{err}");
    assert!(read_third(&root)
        .ends_with(b"Newsgroups: misc.test\r\nSubject: from fetch\r\n\r\n.dot\r\n"));
    let (ok, _, err) = run(Command::new(example("fetch")).arg(url("no.such")));
    assert!(!ok && err.contains("(78)"), "{err}");
    // curl 7.88 has no NNTP: it refuses the scheme, where fetch serves it.
    let curl = Command::new("curl")
        .arg("-s")
        .arg(url("misc.test"))
        .status()
        .expect("curl is installed");
    assert_eq!(curl.code(), Some(1), "curl: unsupported protocol");
}
