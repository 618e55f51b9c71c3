//! An in-memory client and server pair for the NNTP tests, with a small
//! news spool as the server's application.
#![allow(dead_code)]

use bytes::Bytes;
use sanswire::nntp::{
    ArticleRef, Client, Event, GroupInfo, ListKind, Part, Reply, Selection, Server, ServerEvent,
};
use sanswire::wire::{Machine, Next};

/// Article 1: dot-leading lines and bytes that are not UTF-8.
pub const ONE: &[u8] = b"From: a@example.org\r\nSubject: dots\r\nMessage-ID: <1@example.org>\r\n\r\n.leading dot\r\n..two\r\n.\r\nbytes \xff\xfe\x80\r\n";
pub const TWO: &[u8] =
    b"From: b@example.org\r\nSubject: second\r\nMessage-ID: <2@example.org>\r\n\r\nbody two\r\n";

/// The spool: misc.test with articles 1 and 2; what was posted.
#[derive(Default)]
pub struct Spool {
    pub posted: Vec<u8>,
    pub posts: Vec<Vec<u8>>,
    pub log: Vec<ServerEvent>,
}

fn article(n: u64) -> Option<(&'static [u8], &'static [u8])> {
    match n {
        1 => Some((ONE, b"<1@example.org>")),
        2 => Some((TWO, b"<2@example.org>")),
        _ => None,
    }
}

fn by_id(id: &[u8]) -> Option<u64> {
    (1..=2).find(|&n| article(n).is_some_and(|(_, i)| i == id))
}

fn split(content: &'static [u8]) -> (&'static [u8], &'static [u8]) {
    let at = content.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (&content[..at + 2], &content[at + 4..])
}

impl Spool {
    /// Answers one server event.
    pub fn answer(&mut self, s: &mut Server, e: ServerEvent) {
        self.log.push(e.clone());
        let r = |code, text: &'static str| Reply::new(code, text);
        match e {
            ServerEvent::Capabilities => s
                .capabilities(&[
                    "VERSION 2",
                    "READER",
                    "POST",
                    "OVER",
                    "HDR",
                    "STARTTLS",
                    "AUTHINFO USER SASL",
                    "SASL PLAIN",
                    "LIST ACTIVE NEWSGROUPS",
                ])
                .unwrap(),
            ServerEvent::ModeReader => s.reply(&r(200, "reader")).unwrap(),
            ServerEvent::Group(g) | ServerEvent::ListGroup { group: g, .. }
                if &g[..] != b"misc.test" =>
            {
                s.reply(&r(411, "no such group")).unwrap()
            }
            ServerEvent::Group(g) => s
                .group(&GroupInfo {
                    count: 2,
                    low: 1,
                    high: 2,
                    name: g,
                })
                .unwrap(),
            ServerEvent::ListGroup { group, range } => {
                s.group(&GroupInfo {
                    count: 2,
                    low: 1,
                    high: 2,
                    name: group,
                })
                .unwrap();
                for n in (1..=2).filter(|n| range.is_none_or(|r| r.contains(*n))) {
                    s.block_line(n.to_string().as_bytes()).unwrap();
                }
                s.end_block().unwrap();
            }
            ServerEvent::Article { part, which } => {
                let n = match &which {
                    ArticleRef::Number(n) => Some(*n),
                    ArticleRef::MessageId(id) => by_id(id),
                    ArticleRef::Current => unreachable!(),
                };
                let Some((content, id)) = n.and_then(article) else {
                    return s.reply(&r(430, "no such article")).unwrap();
                };
                let (head, body) = split(content);
                let payload = match part {
                    Part::Article | Part::Stat => content,
                    Part::Head => head,
                    Part::Body => body,
                };
                let number = if matches!(which, ArticleRef::Number(_)) {
                    n.unwrap()
                } else {
                    0
                };
                s.article(number, id, Bytes::from_static(payload)).unwrap();
            }
            ServerEvent::Move { backwards, current } => {
                let next = if backwards {
                    current.checked_sub(1)
                } else {
                    Some(current + 1)
                };
                match next.and_then(|n| article(n).map(|(_, id)| (n, id))) {
                    Some((n, id)) => s.select(n, id).unwrap(),
                    None if backwards => s.reply(&r(422, "no previous article")).unwrap(),
                    None => s.reply(&r(421, "no next article")).unwrap(),
                }
            }
            ServerEvent::Over(sel) => {
                s.start_block(&r(224, "overview follows")).unwrap();
                for n in 1..=2u64 {
                    if matches!(&sel, Selection::Range(r) if r.contains(n)) {
                        let line = format!("{n}\tsubject {n}\tfrom\tdate\t<{n}@example.org>\t\t10\t1\tXref: h misc.test:{n}");
                        s.block_line(line.as_bytes()).unwrap();
                    }
                }
                s.end_block().unwrap();
            }
            ServerEvent::Hdr { legacy, .. } => {
                s.start_block(&r(if legacy { 221 } else { 225 }, "headers follow"))
                    .unwrap();
                s.block_line(b"1 dots").unwrap();
                s.block_line(b"2 second").unwrap();
                s.end_block().unwrap();
            }
            ServerEvent::List { kind, .. } => {
                s.start_block(&r(215, "list follows")).unwrap();
                match kind {
                    ListKind::Newsgroups => s.block_line(b"misc.test\tTesting, \xe9t\xe9").unwrap(),
                    ListKind::OverviewFmt => s.block_line(b"Subject:").unwrap(),
                    _ => s.block_line(b"misc.test 2 1 y").unwrap(),
                }
                s.end_block().unwrap();
            }
            ServerEvent::NewGroups { .. } => {
                s.start_block(&r(231, "new groups")).unwrap();
                s.block_line(b"misc.test 2 1 y").unwrap();
                s.end_block().unwrap();
            }
            ServerEvent::NewNews { .. } => {
                s.start_block(&r(230, "new news")).unwrap();
                s.block_line(b"<1@example.org>").unwrap();
                s.block_line(b"<2@example.org>").unwrap();
                s.end_block().unwrap();
            }
            ServerEvent::Date => s.reply(&r(111, "20240101120000")).unwrap(),
            ServerEvent::Help => {
                s.start_block(&r(100, "help")).unwrap();
                s.block_line(b".dot-leading help line").unwrap();
                s.end_block().unwrap();
            }
            ServerEvent::Post => {
                self.posted.clear();
                s.reply(&r(340, "send it")).unwrap()
            }
            ServerEvent::IHave(id) if &id[..] == b"<1@example.org>" => {
                s.reply(&r(435, "have it")).unwrap()
            }
            ServerEvent::IHave(_) => {
                self.posted.clear();
                s.reply(&r(335, "send it")).unwrap()
            }
            ServerEvent::ArticleData(d) => self.posted.extend_from_slice(&d),
            ServerEvent::ArticleEnd => {
                self.posts.push(std::mem::take(&mut self.posted));
                s.reply(&r(240, "article received")).unwrap()
            }
            ServerEvent::StartTls => s.reply(&r(382, "go ahead")).unwrap(),
            ServerEvent::AuthUser(_) => s.reply(&r(381, "password")).unwrap(),
            ServerEvent::AuthPass { user, password } => {
                let ok = &user[..] == b"alice" && &password[..] == b"secret";
                s.reply(&r(if ok { 281 } else { 481 }, "auth")).unwrap()
            }
            ServerEvent::AuthSasl {
                initial_response: None,
                ..
            } => s.challenge(b"").unwrap(),
            ServerEvent::AuthSasl {
                initial_response: Some(m),
                ..
            }
            | ServerEvent::AuthResponse(m) => {
                let ok = &m[..] == b"\0alice\0secret";
                s.reply(&r(if ok { 281 } else { 481 }, "auth")).unwrap()
            }
            ServerEvent::Compress(_) => s.reply(&r(206, "compression active")).unwrap(),
            ServerEvent::AuthCancelled | ServerEvent::Quit => {}
        }
    }
}

/// A client and a server talking in memory.
pub struct Pair {
    pub client: Client,
    pub server: Server,
    pub spool: Spool,
    /// Every byte the client sent.
    pub sent: Vec<u8>,
    /// Every byte the server sent.
    pub answered: Vec<u8>,
}

impl Pair {
    /// Connected, the greeting read.
    pub fn new() -> Pair {
        let mut p = Pair {
            client: Client::new(),
            server: Server::new(true),
            spool: Spool::default(),
            sent: Vec::new(),
            answered: Vec::new(),
        };
        let events = p.run();
        assert!(
            matches!(
                events[..],
                [Event::Greeting {
                    posting_allowed: true,
                    ..
                }]
            ),
            "{events:?}"
        );
        p.answered.clear();
        p
    }

    /// Moves bytes both ways and answers the server's events until
    /// nothing moves; gives the client's events.
    pub fn run(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let up = self.client.outbox().take_vec();
            self.sent.extend_from_slice(&up);
            self.server.receive(&up);
            while let Next::Event(e) = self.server.poll_event().unwrap() {
                self.spool.answer(&mut self.server, e);
            }
            let down = self.server.outbox().take_vec();
            self.answered.extend_from_slice(&down);
            self.client.receive(&down);
            while let Next::Event(e) = self.client.poll_event().unwrap() {
                events.push(e);
            }
            if up.is_empty() && down.is_empty() && self.client.outbox().is_empty() {
                return events;
            }
        }
    }

    /// The bytes sent and answered since the last call.
    pub fn wire(&mut self) -> (String, Vec<u8>) {
        let sent = String::from_utf8(std::mem::take(&mut self.sent)).unwrap();
        (sent, std::mem::take(&mut self.answered))
    }
}

/// The content of the `Data` events.
pub fn data(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(&d[..]),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}
