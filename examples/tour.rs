//! A tour of the crate: for every protocol, a server and the matching
//! client talk over loopback, and a short transcript is printed.
//!
//! ```text
//! cargo run --example tour
//! ```

mod common;

use common::ServerConfig;
use sanswire::http::Request;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

type Step = Result<(), Box<dyn std::error::Error>>;
/// One protocol's tour: its name and the function that runs it.
type Tour = (&'static str, fn(&Path) -> Step);

fn main() {
    let root = scratch_root();
    let tours: [Tour; 8] = [
        ("http", tour_http),
        ("smtp", tour_smtp),
        ("pop3", tour_pop3),
        ("gopher", tour_gopher),
        ("nntp", tour_nntp),
        ("imap", tour_imap),
        ("ftp", tour_ftp),
        ("telnet", tour_telnet),
    ];
    let mut failed = false;
    for (name, tour) in tours {
        println!("== {name}");
        if let Err(e) = tour(&root) {
            println!("!! {name} failed: {e}");
            failed = true;
        }
        println!();
    }
    let _ = std::fs::remove_dir_all(&root);
    if failed {
        std::process::exit(1);
    }
}

/// A fresh folder for the servers' files.
fn scratch_root() -> PathBuf {
    let root = std::env::temp_dir().join(format!("sanswire-tour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp folder");
    root.canonicalize().expect("temp folder")
}

fn start(
    protocol: &str,
    root: &Path,
    user: Option<(&str, &str)>,
) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let handler = common::handler(protocol).ok_or("no such server")?;
    let config = ServerConfig {
        root: root.to_path_buf(),
        user: user.map(|(u, p)| (u.to_string(), p.to_string())),
        tls: None,
        implicit_tls: false,
    };
    Ok(common::spawn("127.0.0.1:0", handler, config)?)
}

fn tour_http(root: &Path) -> Step {
    let dir = root.join("www");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("hello.txt"), "Hello from sanswire!\n")?;
    let addr = start("http", &dir, Some(("alice", "secret")))?;
    println!("server: serve http on {addr}");
    let mut client = sanswire::io::http::Client::connect(addr)?;
    let host = addr.to_string();

    let get = Request::get("/hello.txt").with_header("Host", host.clone());
    let (response, body) = client.fetch(&get, None)?;
    println!("> GET /hello.txt");
    println!(
        "< {} {}",
        response.status(),
        String::from_utf8_lossy(response.reason())
    );
    print!("< body: {}", String::from_utf8_lossy(&body));

    use base64::Engine;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:secret")
    );
    let put = Request::new("PUT", "/note.txt")
        .with_header("Host", host.clone())
        .with_header("Authorization", auth);
    let (response, _) = client.fetch(
        &put,
        Some(bytes::Bytes::from_static(b"stored over keep-alive\n")),
    )?;
    println!("> PUT /note.txt (same connection)");
    println!(
        "< {} {}",
        response.status(),
        String::from_utf8_lossy(response.reason())
    );

    let listing = Request::get("/").with_header("Host", host.clone());
    let (response, body) = client.fetch(&listing, None)?;
    let entries = String::from_utf8_lossy(&body).matches("<li>").count();
    println!("> GET / (same connection)");
    println!("< {} listing with {entries} entries", response.status());
    let stored = std::fs::read_to_string(dir.join("note.txt"))?;
    println!("server stored note.txt: {stored:?}");
    Ok(())
}

fn tour_pop3(root: &Path) -> Step {
    let maildir = root.join("maildir");
    std::fs::create_dir_all(maildir.join("new"))?;
    std::fs::create_dir_all(maildir.join("cur"))?;
    std::fs::write(
        maildir.join("new").join("1700000000.M1.tour"),
        "Subject: first\r\n\r\nHello from sanswire!\r\n.a line starting with a dot\r\n",
    )?;
    std::fs::write(
        maildir.join("cur").join("1700000001.M2.tour:2,S"),
        "Subject: second\r\n\r\nSecond message.\r\n",
    )?;
    let addr = start("pop3", &maildir, Some(("alice", "secret")))?;
    println!(
        "server: serve pop3 on {addr}, on the maildir serve smtp delivered into, plus 2 messages"
    );
    let mut pop = sanswire::io::pop3::Client::connect(addr)?;
    println!("< +OK {}", String::from_utf8_lossy(&pop.greeting().text));
    let ok = |r: sanswire::pop3::Response| format!("+OK {}", String::from_utf8_lossy(&r.text));
    println!("> USER alice / PASS secret");
    println!("< {}", ok(pop.login("alice", "secret")?));
    let (count, size) = pop.stat()?;
    println!("> STAT\n< {count} messages, {size} octets");
    println!("> LIST\n< {:?}", pop.list()?);
    let uids: Vec<_> = pop
        .uidl()?
        .into_iter()
        .map(|(n, uid)| format!("{n} {}", String::from_utf8_lossy(&uid)))
        .collect();
    println!("> UIDL\n< {uids:?}");
    let message = pop.retr(1)?;
    println!("> RETR 1\n< {:?}", String::from_utf8_lossy(&message));
    println!("> DELE 1\n< {}", ok(pop.dele(1)?));
    // A refusal is the operation's outcome, and the session goes on.
    if let Err(refusal) = pop.run(sanswire::pop3::ops::Simple::dele(99))? {
        println!("> DELE 99\n< {refusal}");
    }
    println!("> QUIT\n< {}", ok(pop.quit()?));
    let left = std::fs::read_dir(maildir.join("new"))?.count();
    println!(
        "server removed message 1 at QUIT: {} file(s) left in new/",
        left
    );
    Ok(())
}

fn tour_smtp(root: &Path) -> Step {
    let maildir = root.join("maildir");
    std::fs::create_dir_all(&maildir)?;
    let addr = start("smtp", &maildir, Some(("alice", "secret")))?;
    println!(
        "server: serve smtp on {addr}, delivering into {}",
        maildir.display()
    );
    let mut client = sanswire::io::smtp::Client::connect(addr, "client.example.org")?;
    let caps = client.capabilities();
    println!(
        "< 220 greeting; EHLO client.example.org: pipelining={} chunking={} auth={:?}",
        caps.pipelining,
        caps.chunking,
        caps.auth().collect::<Vec<_>>()
    );
    let mechanism = client.login("alice", "secret")?;
    println!("> AUTH {mechanism} (alice)");
    println!("< 235 authenticated");
    let message = b"From: alice@example.org\r\nTo: bob@example.net, carol@example.net\r\n\
Subject: hello from the tour\r\n\r\nHi both.\r\n.A line that starts with a dot.\r\n";
    let outcome = client.send_mail(
        "alice@example.org",
        ["bob@example.net", "carol@example.net"],
        &message[..],
    )?;
    println!(
        "> MAIL FROM:<alice@example.org>, 2 x RCPT TO, message ({} bytes)",
        message.len()
    );
    for r in &outcome.recipients {
        let reply = r
            .delivery
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default();
        println!("< {}: {reply}", r.address);
    }
    let bye = client.quit()?;
    println!("> QUIT");
    println!("< {bye}");
    let stored = common::smtp_server::delivered(&maildir);
    let first = stored.first().ok_or("no message was stored")?;
    println!(
        "server stored new/{}:",
        first.file_name().unwrap_or_default().to_string_lossy()
    );
    for line in std::fs::read_to_string(first)?.lines().take(5) {
        println!("  {line}");
    }
    Ok(())
}

fn tour_gopher(root: &Path) -> Step {
    use sanswire::gopher::{Plus, Request};
    use sanswire::io::gopher::Client;
    let hole = root.join("gopher");
    std::fs::create_dir_all(hole.join("docs"))?;
    std::fs::write(
        hole.join("hello.txt"),
        "Hello from sanswire!\n.a line starting with a dot\n",
    )?;
    std::fs::write(hole.join("docs").join("notes.md"), "notes\n")?;
    let addr = start("gopher", &hole, None)?;
    println!("server: serve gopher on {addr}");

    let menu = Client::connect(addr)?.menu(Request::new(""))?;
    println!("> (empty selector): the root menu");
    for item in &menu {
        println!(
            "< {} {}",
            item.kind.to_byte() as char,
            String::from_utf8_lossy(&item.display)
        );
    }
    let text = Client::connect(addr)?.text(Request::new("/hello.txt"))?;
    println!("> /hello.txt (a new connection: one request each)");
    for line in String::from_utf8_lossy(&text).lines() {
        println!("< {line}");
    }
    println!("(the dot-stuffed line came back as it was stored)");
    let found = Client::connect(addr)?.menu(Request::search("/.search", "notes"))?;
    println!("> /.search<TAB>notes (type-7 search)");
    for item in &found {
        println!("< {}", String::from_utf8_lossy(&item.selector));
    }
    let attrs = Client::connect(addr)?
        .attributes(Request::new("/hello.txt").with_plus(Plus::Attributes(None)))?;
    let names: Vec<_> = attrs
        .iter()
        .map(|a| String::from_utf8_lossy(&a.name).into_owned())
        .collect();
    println!("> /hello.txt<TAB>! (Gopher+ attributes)");
    println!("< blocks: {}", names.join(", "));
    Ok(())
}

fn tour_nntp(root: &Path) -> Step {
    use sanswire::nntp::{ArticleRef, Range, Selection};
    let spool = root.join("news");
    std::fs::create_dir_all(spool.join("comp.lang.rust"))?;
    std::fs::write(
        spool.join("comp.lang.rust").join("0001"),
        "From: ferris@example.org\r\nSubject: sans-IO\r\nMessage-ID: <1@tour>\r\n\r\n.a line starting with a dot\r\n",
    )?;
    let addr = start("nntp", &spool, Some(("alice", "secret")))?;
    println!("server: serve nntp on {addr}, one group with one article");
    let mut news = sanswire::io::nntp::Client::connect(addr)?;
    let line =
        |r: &sanswire::nntp::Reply| format!("{} {}", r.code, String::from_utf8_lossy(&r.text));
    println!("< {}", line(news.greeting()));
    // A refusal is the operation's outcome, and the session goes on.
    if let Err(e) = news.group("comp.lang.rust") {
        println!("> GROUP comp.lang.rust\n< {e}");
    }
    println!(
        "> AUTHINFO USER alice / PASS secret\n< {}",
        line(&news.login("alice", "secret")?)
    );
    let g = news.group("comp.lang.rust")?;
    println!(
        "> GROUP comp.lang.rust\n< {} articles, {}-{}",
        g.count, g.low, g.high
    );
    let article = bytes::Bytes::from_static(
        b"From: alice@example.org\r\nNewsgroups: comp.lang.rust\r\nSubject: hello\r\n\r\n.dotted\r\n",
    );
    println!("> POST\n< {}", line(&news.post(article)?));
    println!("> OVER 1-");
    for o in news.over(Selection::Range(Range::From(1)))? {
        println!(
            "< {}\t{}\t{}",
            o.number,
            String::from_utf8_lossy(o.subject()),
            String::from_utf8_lossy(o.message_id())
        );
    }
    let body = news.body(ArticleRef::Number(1))?;
    println!("> BODY 1\n< {:?}", String::from_utf8_lossy(&body));
    println!("> QUIT\n< {}", line(&news.quit()?));
    Ok(())
}

fn tour_imap(root: &Path) -> Step {
    use sanswire::imap::{FetchAttr, FetchItem, Flag, SearchKey, SeqSet, StoreMode};
    let maildir = root.join("imap-maildir");
    for d in ["new", "cur", ".Archive/cur"] {
        std::fs::create_dir_all(maildir.join(d))?;
    }
    std::fs::write(
        maildir.join("new").join("1700000000.M1.tour"),
        "From: Alice <alice@example.org>\r\nSubject: Grüße\r\n\r\nHello from sanswire!\r\n",
    )?;
    let addr = start("imap", &maildir, Some(("alice", "secret")))?;
    println!("server: serve imap on {addr}, a maildir with INBOX and Archive");
    let mut imap = sanswire::io::imap::Client::connect(addr)?;
    println!("< * OK {}", String::from_utf8_lossy(&imap.greeting().text));
    imap.login("alice", "secret")?;
    println!("> LOGIN alice secret\n< OK");
    let names: Vec<String> = imap
        .list("", "*")?
        .iter()
        .map(|i| i.mailbox.decode())
        .collect();
    println!("> LIST \"\" *\n< {names:?}");
    let inbox = imap.select("INBOX")?;
    println!(
        "> SELECT INBOX\n< {} messages, UIDVALIDITY {:?}",
        inbox.exists, inbox.uid_validity
    );
    let found = imap.search(vec![SearchKey::text("FROM", "alice")])?;
    println!("> SEARCH FROM alice\n< {found:?}");
    let fetched = imap.uid_fetch(
        SeqSet::single(1),
        vec![
            FetchAttr::Envelope,
            FetchAttr::Section {
                peek: true,
                section: "TEXT".into(),
                partial: None,
            },
        ],
    )?;
    for (seq, items) in fetched {
        for item in items {
            match item {
                FetchItem::Envelope(e) => println!(
                    "< {seq}: subject {:?}",
                    String::from_utf8_lossy(e.subject.as_deref().unwrap_or_default())
                ),
                FetchItem::Section { data: Some(d), .. } => {
                    println!("< {seq}: text {:?}", String::from_utf8_lossy(&d))
                }
                _ => {}
            }
        }
    }
    imap.store(
        SeqSet::single(1),
        StoreMode::Add,
        vec![Flag::FLAGGED],
        false,
    )?;
    println!("> STORE 1 +FLAGS (\\Flagged)\n< OK");
    let copied = imap.copy(SeqSet::single(1), "Archive", false)?;
    println!("> COPY 1 Archive\n< {:?}", copied.code);
    // A refusal is the operation's outcome, and the session goes on.
    if let Err(refusal) = imap.run(sanswire::imap::ops::Select::mailbox("Nope"))? {
        println!("> SELECT Nope\n< {refusal}");
    }
    imap.logout()?;
    println!("> LOGOUT\n< OK");
    Ok(())
}

fn tour_ftp(root: &Path) -> Step {
    use sanswire::ftp::list::Listed;
    use std::io::{Read, Write};
    let files = root.join("ftp");
    std::fs::create_dir_all(files.join("pub"))?;
    std::fs::write(files.join("pub").join("hello.txt"), "Hello over FTP!\n")?;
    let addr = start("ftp", &files, Some(("alice", "secret")))?;
    println!("server: serve ftp on {addr}, a folder with pub/hello.txt");
    let mut ftp = sanswire::io::ftp::Client::connect(addr)?;
    println!("< {}", ftp.greeting());
    println!(
        "> USER alice / PASS secret\n< {}",
        ftp.login("alice", "secret")?
    );
    let feat = ftp.feat()?;
    println!(
        "> FEAT\n< EPSV {} MLST {:?} SIZE {}",
        feat.epsv, feat.mlst, feat.size
    );
    println!("> CWD pub\n< {}", ftp.cwd("pub")?);
    println!("> PWD\n< {:?}", ftp.pwd()?);
    // Passive by default: EPSV, then the data connection to the control
    // connection's peer; the transfer ends when both the data and 226 are in.
    let mut data = ftp.retr("hello.txt")?;
    let mut text = String::new();
    data.read_to_string(&mut text)?;
    println!(
        "> EPSV / RETR hello.txt\n< {text:?} then {}",
        data.finish()?
    );
    let mut up = ftp.stor("upload.txt")?;
    up.write_all(b"uploaded by the tour\n")?;
    println!("> EPSV / STOR upload.txt\n< {}", up.finish()?);
    for line in ftp.mlsd(None)?.lines() {
        match line {
            Listed::Entry(e) => println!(
                "  MLSD entry {:?} {:?} {:?} bytes",
                String::from_utf8_lossy(e.name),
                e.kind,
                e.size
            ),
            Listed::Raw(raw) => println!("  MLSD raw {:?}", String::from_utf8_lossy(raw)),
        }
    }
    println!("> SIZE upload.txt\n< {}", ftp.size("upload.txt")?);
    // A refusal is a value; the session goes on.
    if let Err(e) = ftp.size("missing.txt") {
        println!("> SIZE missing.txt\n< {e}");
    }
    println!("> QUIT\n< {}", ftp.quit()?);
    Ok(())
}

fn tour_telnet(root: &Path) -> Step {
    use sanswire::telnet::{Client, Event};
    use std::io::{Read, Write};
    let addr = start("telnet", root, None)?;
    println!("server: serve telnet on {addr} (line echo; asks for ECHO, SGA, NAWS, TTYPE)");
    let mut client = Client::new();
    client.set_terminal_types(&["XTERM-256COLOR"])?;
    client.set_window_size(100, 40)?;
    let tcp = std::net::TcpStream::connect(addr)?;
    let mut telnet = sanswire::io::ByteStream::new(tcp, client);
    println!("> hello, telnet / quit");
    telnet.write_all(b"hello, telnet\r\nquit\r\n")?;
    let mut screen = String::new();
    telnet.read_to_string(&mut screen)?;
    while let Some(event) = telnet.take_other() {
        if let Event::Enabled { option, side } = event {
            println!("  negotiated: option {option} on the {side:?} side");
        }
    }
    for line in screen.lines() {
        println!("< {line}");
    }
    Ok(())
}
