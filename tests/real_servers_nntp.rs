//! Our NNTP client against INN (Debian's inn2: innd with nnrpd for
//! readers), started by `tests/interop/peers.sh` on loopback with a
//! private configuration and groups seeded through POST. What INN stored
//! (its spool files) and what it says on a raw connection are the
//! reference: the blocking and tokio sessions and `fetch` must give the
//! same bytes. INN missing or not starting fails every test here.

mod common;
#[path = "common/peers.rs"]
mod peers;

use bytes::Bytes;
use common::*;
use peers::peers;
use sanswire::nntp::{ArticleRef, Range, Selection};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// An article as INN stored it (its spool keeps the wire form:
/// dot-stuffed, with the final dot line), as a reader must get it.
fn spool(group: &str, number: u64) -> Vec<u8> {
    let path = Path::new(peers().get("INN_SEEDED"))
        .with_file_name("inn/spool/articles")
        .join(group.replace('.', "/"))
        .join(number.to_string());
    let wire = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wire = wire.strip_suffix(b".\r\n").expect("wire format");
    let mut out = Vec::new();
    for line in wire.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    out
}

/// greeting included: the reference no parser of ours touched.
fn raw(commands: &str) -> Vec<u8> {
    let mut tcp = TcpStream::connect(peers().addr("NNTP_PORT")).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(format!("{commands}QUIT\r\n").as_bytes())
        .unwrap();
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).unwrap();
    out
}

/// The lines of the block that follows the status line starting with
/// `code`, unstuffed, each with its CRLF.
fn block_after(answer: &[u8], code: &str) -> Vec<Vec<u8>> {
    let mut lines = answer.split_inclusive(|&b| b == b'\n');
    lines
        .by_ref()
        .find(|l| l.starts_with(code.as_bytes()))
        .expect("status line");
    lines
        .take_while(|l| *l != b".\r\n")
        .map(|l| l.strip_prefix(b".").unwrap_or(l).to_vec())
        .collect()
}

/// Waits until INN has filed `message_id` (innd stores what nnrpd hands
/// it; the reader side sees it a moment later).
fn filed(message_id: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = raw(&format!("ARTICLE {message_id}\r\n"));
        if answer
            .split(|&b| b == b'\n')
            .any(|l| l.starts_with(b"220 "))
        {
            return block_after(&answer, "220 ").concat();
        }
        assert!(Instant::now() < deadline, "INN never filed {message_id}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An article to POST: INN's nnrpd wants From, Newsgroups and Subject.
fn article(group: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut a = format!(
        "From: Tester <tester@example.test>\r\nNewsgroups: {group}\r\nSubject: from sanswire\r\nMessage-ID: {id}\r\n\r\n"
    )
    .into_bytes();
    a.extend_from_slice(body);
    a
}

const POSTED_BODY: &[u8] = b".dot-leading line\r\n..two\r\nbytes \xe9\xff not UTF-8\r\n";

#[test]
fn inn_through_the_blocking_session() {
    let p = peers();
    let mut news = sanswire::io::nntp::Client::connect(p.addr("NNTP_PORT")).unwrap();
    assert_eq!(news.greeting().code, 200, "posting allowed for localhost");
    let caps = news.capabilities().unwrap();
    assert!(caps.reader() && caps.has("OVER") && caps.has("HDR") && caps.has("POST"));
    assert!(caps.starttls() && caps.has_argument("COMPRESS", "DEFLATE"));
    assert!(caps.has_argument("LIST", "OVERVIEW.FMT"));
    assert_eq!(news.mode_reader().unwrap().code, 200);
    let group = news.group("local.test").unwrap();
    assert_eq!((group.count, group.low, group.high), (3, 1, 3));
    assert_eq!(&group.name[..], b"local.test");

    // OVER, field by field, against INN's own answer on a raw line.
    let over = news.over(Selection::Range(Range::Between(1, 3))).unwrap();
    let reference = block_after(&raw("GROUP local.test\r\nOVER 1-3\r\n"), "224");
    assert_eq!(over.len(), 3);
    for (o, line) in over.iter().zip(&reference) {
        let line = line.strip_suffix(b"\r\n").unwrap();
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        assert_eq!(o.number.to_string().as_bytes(), fields[0]);
        assert_eq!(
            [
                o.subject(),
                o.from(),
                o.date(),
                o.message_id(),
                o.references()
            ],
            fields[1..6]
        );
        assert_eq!(o.bytes.unwrap().to_string().as_bytes(), fields[6]);
        assert_eq!(o.lines.unwrap().to_string().as_bytes(), fields[7]);
        assert_eq!(o.extras().collect::<Vec<_>>(), fields[8..]);
        assert_eq!(&o.line()[..], line);
    }
    let subjects: Vec<&[u8]> = over.iter().map(|o| o.subject()).collect();
    assert_eq!(subjects, [&b"plain"[..], b"dots", b"latin-1"]);
    // INN's LIST OVERVIEW.FMT names Xref as a full field.
    let format = news.overview_format().unwrap();
    assert_eq!(
        over[1].header(&format, "Xref"),
        Some(&b"news.example.test local.test:2"[..])
    );
    let xover = news.xover(Range::From(2)).unwrap();
    assert_eq!(xover.len(), 2);

    // HDR (from INN's overview), against the raw answer.
    let hdr = news
        .hdr("Subject", Selection::Range(Range::From(1)))
        .unwrap();
    let reference = block_after(&raw("GROUP local.test\r\nHDR Subject 1-\r\n"), "225");
    assert_eq!(hdr.len(), reference.len());
    for ((article, value), line) in hdr.iter().zip(&reference) {
        assert_eq!([&article[..], b" ", &value[..], b"\r\n"].concat(), *line);
    }

    // ARTICLE, HEAD, BODY byte for byte against the spool.
    for n in 1..=3 {
        assert_eq!(
            news.article(ArticleRef::Number(n)).unwrap(),
            spool("local.test", n),
            "article {n}"
        );
    }
    let dots = spool("local.test", 2);
    assert!(dots.ends_with(b"\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n"));
    let by_id = ArticleRef::MessageId("<dots@example.test>".into());
    assert_eq!(news.article(by_id.clone()).unwrap(), dots);
    let head = news.head(by_id.clone()).unwrap();
    assert!(dots.starts_with(&head) && dots[head.len()..].starts_with(b"\r\n"));
    assert_eq!(
        news.body(ArticleRef::Number(3)).unwrap(),
        b"caf\xe9 \xff\xfe bytes\r\n"
    );
    assert_eq!(&news.stat(by_id).unwrap().1[..], b"<dots@example.test>");
    news.group("local.test").unwrap();
    assert_eq!(news.next_article().unwrap().0, 2);
    assert_eq!(news.last_article().unwrap().0, 1);
    assert_eq!(news.listgroup("local.test", None).unwrap(), [1, 2, 3]);

    // Listings.
    let active = news.list(Some("local.*")).unwrap();
    let mut names: Vec<&[u8]> = active.iter().map(|g| &g.name[..]).collect();
    names.sort();
    assert_eq!(names, [&b"local.empty"[..], b"local.test"]);
    let descriptions = news.descriptions(Some("sanswire.*")).unwrap();
    assert_eq!(&descriptions[0].1[..], b"Where the tests post (caf\xe9).");
    assert_eq!(news.date().unwrap().len(), 14);
    let newnews = news.newnews("local.*", "20000101", "000000").unwrap();
    assert_eq!(newnews.len(), 3, "{newnews:?}");

    // POST, then read back what INN filed.
    let id = "<blocking@sanswire.test>";
    let reply = news
        .post(Bytes::from(article("sanswire.post", id, POSTED_BODY)))
        .unwrap();
    assert_eq!(reply.code, 240);
    let stored = filed(id);
    assert!(stored.ends_with(&[b"\r\n\r\n", POSTED_BODY].concat()));
    assert_eq!(
        news.article(ArticleRef::MessageId(id.into())).unwrap(),
        stored
    );

    // COMPRESS DEFLATE, then the same answers deflated.
    assert_eq!(news.compress().unwrap().code, 206);
    assert!(news.machine().is_compressed());
    news.group("local.test").unwrap();
    assert_eq!(news.article(ArticleRef::Number(2)).unwrap(), dots);
    assert_eq!(news.over(Selection::Range(Range::From(1))).unwrap(), over);
    assert_eq!(news.quit().unwrap().code, 205);
}

#[test]
fn inn_starttls_through_the_blocking_session() {
    let p = peers();
    let mut news = sanswire::io::nntp::Client::connect_starttls(
        p.addr("NNTP_PORT"),
        &p.connector(),
        "localhost",
    )
    .unwrap();
    assert!(news.driver().stream().is_tls() && news.machine().is_tls());
    // Capabilities re-read over TLS: STARTTLS is not offered again.
    assert!(!news.capabilities().unwrap().starttls());
    news.group("local.test").unwrap();
    assert_eq!(
        news.article(ArticleRef::Number(3)).unwrap(),
        spool("local.test", 3)
    );
    news.quit().unwrap();
}

#[test]
fn inn_through_the_tokio_session() {
    let p = peers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sanswire::io::tls::nonblocking::Stream;
        let tcp = tokio::net::TcpStream::connect(p.addr("NNTP_PORT"))
            .await
            .unwrap();
        let mut news = sanswire::io::tokio::nntp::Client::new(Stream::plain(tcp))
            .await
            .unwrap();
        assert!(news.capabilities().await.unwrap().reader());
        assert_eq!(news.mode_reader().await.unwrap().code, 200);
        assert_eq!(news.group("local.test").await.unwrap().count, 3);
        let over = news.over(Selection::Range(Range::From(1))).await.unwrap();
        assert_eq!(over[2].message_id(), b"<latin1@example.test>");
        let hdr = news
            .hdr("Message-ID", Selection::Range(Range::Between(1, 2)))
            .await
            .unwrap();
        assert_eq!(&hdr[1].1[..], b"<dots@example.test>");
        assert_eq!(
            news.article(ArticleRef::Number(2)).await.unwrap(),
            spool("local.test", 2)
        );
        let id = "<tokio@sanswire.test>";
        let reply = news
            .post(Bytes::from(article("sanswire.post", id, POSTED_BODY)))
            .await
            .unwrap();
        assert_eq!(reply.code, 240);
        let stored = filed(id);
        assert_eq!(
            news.article(ArticleRef::MessageId(id.into()))
                .await
                .unwrap(),
            stored
        );
        news.quit().await.unwrap();
    });
}

fn fetch(args: &[&str]) -> (bool, Vec<u8>, String) {
    run(Command::new(example("fetch")).args(args))
}

/// curl 7.88 as Debian builds it has no NNTP: for every URL here it
/// says "Protocol not supported" (exit 1), where fetch serves it.
fn curl_refuses(url: &str) {
    let out = Command::new("curl")
        .args(["-s", "-S", url])
        .output()
        .expect("curl is installed");
    let protocols = run(Command::new("curl").arg("--version")).1;
    let has_nntp = String::from_utf8_lossy(&protocols).contains(" nntp");
    if has_nntp {
        panic!("this curl speaks NNTP: compare its output with fetch's here");
    }
    assert_eq!(out.status.code(), Some(1), "{url}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported"));
}

#[test]
fn fetch_against_inn_beside_curl() {
    let p = peers();
    let url = |path: &str| format!("nntp://{}/{path}", p.addr("NNTP_PORT"));

    // The group's overview: number, subject, from, date, message-id.
    let (ok, out, err) = fetch(&[&url("local.test")]);
    assert!(ok, "{err}");
    let mut want = Vec::new();
    for line in block_after(&raw("GROUP local.test\r\nOVER 1-\r\n"), "224") {
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        want.extend_from_slice(&fields[..5].join(&b'\t'));
        want.push(b'\n');
    }
    assert_eq!(out, want);
    curl_refuses(&url("local.test"));

    // One article by number, and by message-id (RFC 5538 news: URL).
    let (ok, out, err) = fetch(&[&url("local.test/2")]);
    assert!(ok, "{err}");
    assert_eq!(out, spool("local.test", 2));
    curl_refuses(&url("local.test/2"));
    let news_url = format!("news://{}/latin1@example.test", p.addr("NNTP_PORT"));
    let (ok, out, err) = fetch(&[&news_url]);
    assert!(ok, "{err}");
    assert_eq!(out, spool("local.test", 3));
    curl_refuses(&news_url);

    // A custom command: the block as INN sent it, unstuffed.
    let (ok, out, err) = fetch(&["-X", "LIST NEWSGROUPS", &url("")]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        block_after(&raw("LIST NEWSGROUPS\r\n"), "215").concat()
    );

    // POST a file; INN files it.
    let file = scratch("real-servers-nntp-post").join("article");
    let id = "<fetch@sanswire.test>";
    std::fs::write(
        &file,
        [
            format!("From: t@example.test\nSubject: from fetch\nMessage-ID: {id}\n\n").as_bytes(),
            b".dot\nlatin \xe9\n",
        ]
        .concat(),
    )
    .unwrap();
    let (ok, _, err) = fetch(&["-T", file.to_str().unwrap(), &url("sanswire.post")]);
    assert!(ok, "{err}");
    assert!(filed(id).ends_with(b"\r\n\r\n.dot\r\nlatin \xe9\r\n"));

    // A group INN does not carry: fetch fails as curl would (78).
    let (ok, _, err) = fetch(&[&url("no.such.group")]);
    assert!(!ok && err.contains("(78)"), "{err}");
}
