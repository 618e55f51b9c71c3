//! Our clients against the servers people run: nginx, Postfix and Dovecot
//! (Debian's packages), started by `tests/interop/peers.sh` on loopback
//! with private configurations. Mail sent through Postfix is read back
//! through Dovecot; what each server stored, served or logged is checked,
//! and `fetch` is compared with curl on the same URLs. A server that is
//! missing or does not start fails every test here: nothing passes by
//! skipping.

mod common;
#[path = "common/peers.rs"]
mod peers;

use common::*;
use peers::{peers, Peers};
use sanswire::http::Request;
use sanswire::io::{self, DriveError};
use sanswire::sasl::{CramMd5, Login, Plain};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn curl(args: &[&str]) -> (bool, Vec<u8>, String) {
    run(Command::new("curl").args(args))
}

fn fetch(args: &[&str]) -> (bool, Vec<u8>, String) {
    run(Command::new(example("fetch")).args(args))
}

// ---- nginx --------------------------------------------------------------

#[test]
fn nginx_static_large_and_chunked_files_over_one_connection() {
    let p = peers();
    let www = PathBuf::from(p.get("WWW"));
    let mut client = io::http::Client::connect(p.addr("HTTP_PORT")).unwrap();
    let get = |path: &str| Request::get(path.to_string()).with_header("Host", "localhost");
    let (resp, body) = client.fetch(&get("/index.html"), None).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body, std::fs::read(www.join("index.html")).unwrap());
    let (resp, body) = client.fetch(&get("/large.bin"), None).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body, std::fs::read(www.join("large.bin")).unwrap());
    let (resp, body) = client.fetch(&get("/chunked.txt"), None).unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers().has_token("transfer-encoding", "chunked"),
        "nginx did not chunk: {resp:?}"
    );
    assert_eq!(body, b"before\nchunked body\n");
    let (resp, _) = client.fetch(&get("/missing"), None).unwrap();
    assert_eq!(resp.status(), 404);
    // All four on one connection: nginx logged one connection number
    // with request counts 1 to 4.
    // (The log line is `connection requests-on-it request-line`.)
    // nginx logs a request after answering it: wait for the line.
    let deadline = Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log = std::fs::read_to_string(p.dir.join("nginx/access.log")).unwrap();
        if log.contains("/missing") || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let missing: Vec<&str> = log.lines().filter(|l| l.contains("/missing")).collect();
    assert_eq!(missing.len(), 1, "{log}");
    let connection = missing[0].split(' ').next().unwrap();
    let mine: Vec<&str> = log
        .lines()
        .filter(|l| l.split(' ').next() == Some(connection))
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    assert_eq!(mine, ["1", "2", "3", "4"], "{log}");
}

#[test]
fn nginx_through_the_tokio_session() {
    let p = peers();
    let www = PathBuf::from(p.get("WWW"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(p.addr("HTTP_PORT"))
            .await
            .unwrap();
        let mut client = io::tokio::http::Client::new(tcp);
        let req = Request::get("/large.bin").with_header("Host", "localhost");
        let (resp, body) = client.fetch(&req, None).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(body, std::fs::read(www.join("large.bin")).unwrap());
    });
}

#[test]
fn fetch_prints_what_curl_prints_from_nginx() {
    let p = peers();
    for path in ["/index.html", "/large.bin", "/chunked.txt"] {
        let url = format!("http://127.0.0.1:{}{path}", p.port("HTTP_PORT"));
        let (curl_ok, curl_out, _) = curl(&["-s", &url]);
        let (ok, out, err) = fetch(&[&url]);
        assert!(curl_ok && ok, "{url}: {err}");
        assert!(out == curl_out, "{url}: fetch and curl differ");
    }
}

// ---- Postfix and Dovecot ------------------------------------------------

/// Waits until Dovecot holds `count` messages for the test user.
fn wait_for_messages(p: &Peers, count: usize) -> Vec<PathBuf> {
    let maildir = PathBuf::from(p.get("MAILDIR"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .flat_map(|d| std::fs::read_dir(maildir.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        if files.len() >= count || Instant::now() > deadline {
            return files;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One test for the mail path, so that message counts are exact: sent
/// through Postfix (STARTTLS, AUTH, PIPELINING, CHUNKING), delivered by
/// Dovecot's LMTP, read back with POP3 from Dovecot.
#[test]
fn mail_through_postfix_read_back_from_dovecot() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let connector = p.connector();
    let mut smtp = io::smtp::Client::connect_starttls(
        p.addr("SMTP_PORT"),
        "client.example.test",
        &connector,
        "localhost",
    )
    .unwrap();
    let caps = smtp.capabilities().clone();
    assert!(caps.pipelining && caps.chunking, "{caps:?}");
    // The strongest mechanism both sides have (Postfix offers Dovecot's).
    assert_eq!(smtp.login(user, pass).unwrap(), "CRAM-MD5");
    let subject = format!("via postfix {}", std::process::id());
    let mut message =
        format!("From: sender@example.test\r\nSubject: {subject}\r\n\r\n").into_bytes();
    message.extend_from_slice(b".a line with a dot\r\n\xff\xfe not UTF-8\r\n");
    for i in 0..2000 {
        message.extend_from_slice(format!("body line {i}\r\n").as_bytes());
    }
    let before = wait_for_messages(p, 0).len();
    let outcome = smtp
        .send_mail("sender@example.test", [p.get("USER_ADDR")], message.clone())
        .unwrap();
    assert!(outcome.reply.code() == 250, "{outcome:?}");
    smtp.quit().unwrap();
    // Postfix saw BDAT (CHUNKING), not DATA, and AUTH over TLS.
    let deadline = Instant::now() + Duration::from_secs(10);
    let disconnect = loop {
        let log = p.log("postfix");
        if let Some(line) = log
            .lines()
            .rev()
            .find(|l| l.contains("disconnect from") && l.contains("bdat="))
        {
            break line.to_string();
        }
        assert!(Instant::now() < deadline, "no disconnect line: {log}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        disconnect.contains("starttls=1") && disconnect.contains("auth=1"),
        "{disconnect}"
    );
    let files = wait_for_messages(p, before + 1);
    assert_eq!(files.len(), before + 1, "Dovecot did not store the message");

    // POP3 from Dovecot: STLS, then each message byte for byte as stored.
    let mut pop =
        io::pop3::Client::connect_stls(p.addr("POP3_PORT"), &connector, "localhost").unwrap();
    pop.login(user, pass).unwrap();
    let (count, _) = pop.stat().unwrap();
    assert_eq!(count as usize, files.len());
    let mut found = false;
    for n in 1..=count {
        let got = pop.retr(n).unwrap();
        if got.windows(subject.len()).any(|w| w == subject.as_bytes()) {
            assert!(
                got.ends_with(&message[message.len() - 200..]),
                "message {n} altered"
            );
            assert!(got.windows(20).any(|w| w == b".a line with a dot\r\n"));
            found = true;
        }
    }
    assert!(
        found,
        "the message sent through Postfix is not in the maildrop"
    );
    pop.quit().unwrap();
}

/// Serialises the tests that read or change the maildrop (counts, flags,
/// the listing two tools must see alike).
static MAIL: Mutex<()> = Mutex::new(());

#[test]
fn dovecot_pop3_serves_the_seeded_messages_byte_for_byte() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let files = wait_for_messages(p, 4);
    let seeded: Vec<Vec<u8>> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains(".seed"))
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    assert_eq!(seeded.len(), 4);
    // Implicit TLS (pop3s), and each SASL mechanism Dovecot offers.
    for mechanism in ["PLAIN", "LOGIN", "CRAM-MD5"] {
        let mut pop =
            io::pop3::Client::connect_tls(p.addr("POP3S_PORT"), &p.connector(), "localhost")
                .unwrap();
        let result = match mechanism {
            "PLAIN" => pop.auth(Plain::new(user, pass)),
            "LOGIN" => pop.auth(Login::new(user, pass)),
            _ => pop.auth(CramMd5::new(user, pass)),
        };
        assert!(result.is_ok(), "{mechanism}: {result:?}");
        // The seeded messages come first (Dovecot orders by arrival).
        for (n, want) in seeded.iter().enumerate() {
            let got = pop.retr(n as u32 + 1).unwrap();
            assert!(&got == want, "{mechanism}: message {} differs", n + 1);
        }
        pop.quit().unwrap();
    }
    // A wrong password is refused as the operation's outcome.
    let mut pop =
        io::pop3::Client::connect_stls(p.addr("POP3_PORT"), &p.connector(), "localhost").unwrap();
    assert!(matches!(
        pop.login(user, "wrong"),
        Err(DriveError::Refused(_))
    ));
}

#[test]
fn dovecot_pop3_through_the_tokio_session() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut pop = io::tokio::pop3::Client::<tokio::net::TcpStream>::connect_with(
            p.addr("POP3_PORT"),
            sanswire::pop3::Client::new(),
        )
        .await
        .unwrap();
        pop.login(user, pass).await.unwrap();
        let (count, size) = pop.stat().await.unwrap();
        assert!(count >= 4 && size > 1024 * 1024, "{count} {size}");
        let large = pop.retr(2).await.unwrap();
        assert!(large.len() > 1024 * 1024);
        pop.quit().await.unwrap();
    });
}

#[test]
fn fetch_prints_what_curl_prints_from_dovecot() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let base = format!("pop3://{user}:{pass}@127.0.0.1:{}", p.port("POP3_PORT"));
    for path in ["/", "/1", "/2", "/3", "/4"] {
        let url = format!("{base}{path}");
        let (curl_ok, curl_out, curl_err) = curl(&["-s", &url]);
        let (ok, out, err) = fetch(&[&url]);
        assert!(curl_ok, "{url}: curl: {curl_err}");
        assert!(ok, "{url}: {err}");
        assert!(out == curl_out, "{url}: fetch and curl differ");
    }
    let url = format!("pop3s://{user}:{pass}@localhost:{}/4", p.port("POP3S_PORT"));
    let ca = p.get("CA_FILE");
    let (curl_ok, curl_out, curl_err) = curl(&["-s", "--cacert", ca, &url]);
    let (ok, out, err) = fetch(&["--cacert", ca, &url]);
    assert!(curl_ok && ok, "{curl_err} {err}");
    assert_eq!(out, curl_out);
}

#[test]
fn fetch_and_curl_send_through_postfix_alike() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let dir = scratch("real-servers-upload");
    let before = wait_for_messages(p, 0).len();
    for (who, tool) in [("curl", "curl"), ("fetch", "fetch")] {
        let mail = dir.join(format!("{who}.eml"));
        let mut f = std::fs::File::create(&mail).unwrap();
        write!(f, "Subject: sent by {who}\r\n\r\n.dot line\r\nbody\r\n").unwrap();
        drop(f);
        let url = format!(
            "smtp://127.0.0.1:{}/client.example.test",
            p.port("SMTP_PORT")
        );
        let userpass = format!("{user}:{pass}");
        let args = [
            "-s",
            "--ssl-reqd",
            "--cacert",
            p.get("CA_FILE"),
            "-u",
            &userpass,
            "--mail-from",
            "sender@example.test",
            "--mail-rcpt",
            p.get("USER_ADDR"),
            "-T",
            mail.to_str().unwrap(),
            &url,
        ];
        let (ok, _, err) = if tool == "curl" {
            curl(&args)
        } else {
            fetch(&args[1..])
        };
        assert!(ok, "{who}: {err}");
    }
    let files = wait_for_messages(p, before + 2);
    assert_eq!(files.len(), before + 2);
    let stored: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    // Postfix adds the header fields a message lacks (Message-Id, Date,
    // From) at the end of the header, and Dovecot's LMTP stores lines
    // with LF ends: the body follows unchanged otherwise.
    let has = |m: &[u8], s: &[u8]| m.windows(s.len()).any(|w| w == s);
    for who in ["curl", "fetch"] {
        let subject = format!("Subject: sent by {who}\n");
        let stored_one: Vec<&Vec<u8>> = stored
            .iter()
            .filter(|m| has(m, subject.as_bytes()))
            .collect();
        assert_eq!(stored_one.len(), 1, "{who}'s message is not stored once");
        assert!(
            stored_one[0].ends_with(b"\n\n.dot line\nbody\n"),
            "{who}'s body is altered: {:?}",
            String::from_utf8_lossy(stored_one[0])
        );
    }
}

// ---- IMAP with Dovecot ------------------------------------------------------

/// The seeded messages in Dovecot's order (arrival, that is file name).
fn seeded(p: &Peers) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = wait_for_messages(p, 4)
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(".seed"))
        .collect();
    files.sort_by_key(|f| f.file_name().map(|n| n.to_owned()));
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn body_of(items: &[sanswire::imap::FetchItem]) -> Option<&[u8]> {
    items.iter().find_map(|i| match i {
        sanswire::imap::FetchItem::Section { data, .. } => data.as_deref(),
        _ => None,
    })
}

/// Dovecot's IMAP through the blocking session: STARTTLS, LOGIN, LIST,
/// SELECT (with CONDSTORE's HIGHESTMODSEQ), every seeded message with
/// BODY.PEEK[] byte for byte, SEARCH (Dovecot answers ESEARCH when asked),
/// and IDLE woken by a message delivered through Postfix meanwhile.
#[test]
fn dovecot_imap_through_the_blocking_session() {
    use sanswire::imap::{FetchAttr, SearchKey, SeqSet};
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let want = seeded(p);
    let mut imap =
        io::imap::Client::connect_starttls(p.addr("IMAP_PORT"), &p.connector(), "localhost")
            .unwrap();
    imap.login(user, pass).unwrap();
    let caps = imap.capability().unwrap();
    let has = |c: &str| caps.iter().any(|x| x.eq_ignore_ascii_case(c.as_bytes()));
    assert!(
        has("IDLE") && has("CONDSTORE") && has("ESEARCH"),
        "{caps:?}"
    );
    let boxes = imap.list("", "*").unwrap();
    assert!(!boxes.is_empty());
    let selected = imap.select("INBOX").unwrap();
    assert!(selected.exists as usize >= want.len());
    for (n, message) in want.iter().enumerate() {
        let section = FetchAttr::Section {
            peek: true,
            section: bytes::Bytes::new(),
            partial: None,
        };
        let got = imap
            .fetch(SeqSet::single(n as u32 + 1), vec![section])
            .unwrap();
        assert_eq!(got.len(), 1);
        assert!(
            body_of(&got[0].1) == Some(&message[..]),
            "message {} differs",
            n + 1
        );
    }
    let all = imap.search(vec![SearchKey::All]).unwrap();
    assert_eq!(all.len() as u32, selected.exists);
    // IDLE: a message sent through Postfix wakes it with EXISTS.
    let addr = p.addr("SMTP_PORT");
    let to = p.get("USER_ADDR").to_string();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        let mut smtp = io::smtp::Client::connect(addr, "client.example.test").unwrap();
        smtp.send_mail(
            "idle@example.test",
            [to.as_str()],
            &b"Subject: wake up\r\n\r\nhi\r\n"[..],
        )
        .unwrap();
        smtp.quit().unwrap();
    });
    let updates = imap.idle(Some(Duration::from_secs(20))).unwrap();
    sender.join().unwrap();
    assert!(
        updates
            .iter()
            .any(|d| matches!(d, sanswire::imap::Data::Exists(n) if *n > selected.exists)),
        "{updates:?}"
    );
    imap.logout().unwrap();
}

/// The same server over IMAPS through the tokio session.
#[test]
fn dovecot_imaps_through_the_tokio_session() {
    use sanswire::imap::{FetchAttr, SeqSet};
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let want = seeded(p);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut imap = io::tokio::imap::Client::<_>::connect_tls_with(
            p.addr("IMAPS_PORT"),
            sanswire::imap::Client::new(),
            &p.connector(),
            "localhost",
        )
        .await
        .unwrap();
        imap.login(user, pass).await.unwrap();
        imap.examine("INBOX").await.unwrap();
        let section = FetchAttr::Section {
            peek: true,
            section: bytes::Bytes::new(),
            partial: None,
        };
        let got = imap.fetch(SeqSet::single(2), vec![section]).await.unwrap();
        assert!(
            body_of(&got[0].1) == Some(&want[1][..]),
            "the 1 MiB message differs"
        );
        imap.logout().await.unwrap();
    });
}

#[test]
fn fetch_prints_what_curl_prints_from_dovecot_imap() {
    let p = peers();
    let _serial = MAIL.lock().unwrap_or_else(|e| e.into_inner());
    let (user, pass) = p.user();
    let base = format!("imap://{user}:{pass}@127.0.0.1:{}", p.port("IMAP_PORT"));
    for path in [
        "/",
        "/INBOX/;UID=1",
        "/INBOX/;UID=3",
        "/INBOX/;UID=4",
        "/INBOX?ALL",
    ] {
        let url = format!("{base}{path}");
        let (curl_ok, curl_out, curl_err) = curl(&["-s", &url]);
        let (ok, out, err) = fetch(&[&url]);
        assert!(curl_ok, "{url}: curl: {curl_err}");
        assert!(ok, "{url}: {err}");
        assert!(
            out == curl_out,
            "{url}: fetch and curl differ:\n{}\n---\n{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&curl_out)
        );
    }
}
