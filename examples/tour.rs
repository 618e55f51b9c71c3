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
    let tours: [Tour; 4] = [
        ("http", tour_http),
        ("smtp", tour_smtp),
        ("pop3", tour_pop3),
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
