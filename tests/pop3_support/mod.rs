// Shared by the pop3 integration tests: a tiny mailbox application that
// drives `pop3::Server`, and a client/server pair wired in memory.
#![allow(dead_code)]

use bytes::Bytes;
use sanswire::pop3::{
    apop_verify, top_of, Capability, Client, Event, Response, ResponseCode, Server, ServerEvent,
};
use sanswire::sasl::{Mechanism, SaslError};
use sanswire::wire::{Machine, Next};

pub const TIMESTAMP: &str = "<1896.697170952@dbc.mtview.ca.us>";

/// The application behind the server: one user, a few messages.
pub struct Mailbox {
    pub user: &'static [u8],
    pub password: &'static [u8],
    pub messages: Vec<Bytes>,
    pub capabilities: Vec<Capability>,
    /// The deletions the server reported at QUIT.
    pub applied: Option<Vec<u32>>,
    /// Whether an STLS go-ahead should be given.
    pub offer_tls: bool,
    /// Every server event, in order.
    pub seen: Vec<ServerEvent>,
}

impl Mailbox {
    pub fn new(messages: &[&'static [u8]]) -> Mailbox {
        Self::with_messages(messages.iter().map(|m| Bytes::from_static(m)).collect())
    }

    pub fn with_messages(messages: Vec<Bytes>) -> Mailbox {
        Mailbox {
            user: b"mrose",
            password: b"tanstaaf",
            messages,
            capabilities: vec![
                Capability::Top,
                Capability::User,
                Capability::Uidl,
                Capability::Sasl(vec![Bytes::from_static(b"PLAIN")]),
                Capability::RespCodes,
            ],
            applied: None,
            offer_tls: true,
            seen: Vec::new(),
        }
    }

    fn exists(&self, server: &Server, msg: u32) -> bool {
        msg >= 1 && (msg as usize) <= self.messages.len() && !server.is_deleted(msg)
    }

    fn uid(msg: u32) -> Vec<u8> {
        format!("uid-{msg}").into_bytes()
    }

    fn check_plain(&self, response: &[u8]) -> bool {
        let mut parts = response.split(|&b| b == 0);
        let _authz = parts.next();
        parts.next() == Some(self.user) && parts.next() == Some(self.password)
    }

    /// Answers one server event.
    pub fn answer(&mut self, server: &mut Server, event: ServerEvent) {
        self.seen.push(event.clone());
        let no_such = Response::err("no such message");
        match event {
            ServerEvent::User(_) => server.reply(&Response::ok("send PASS")).unwrap(),
            ServerEvent::Pass { user, password } => {
                if &user[..] == self.user && &password[..] == self.password {
                    server.reply(&Response::ok("maildrop locked")).unwrap()
                } else {
                    server
                        .reply(&Response::err("invalid password").with_code(ResponseCode::Auth))
                        .unwrap()
                }
            }
            ServerEvent::Apop { user, digest } => {
                let ts = server.apop_timestamp().unwrap().clone();
                if &user[..] == self.user && apop_verify(&ts, self.password, &digest) {
                    server.reply(&Response::ok("maildrop locked")).unwrap()
                } else {
                    server.reply(&Response::err("permission denied")).unwrap()
                }
            }
            ServerEvent::Auth {
                initial_response: Some(ir),
                ..
            } => {
                let ok = self.check_plain(&ir);
                self.end_auth(server, ok)
            }
            ServerEvent::Auth {
                initial_response: None,
                ..
            } => server.challenge(b"").unwrap(),
            ServerEvent::AuthResponse(resp) => {
                let ok = self.check_plain(&resp);
                self.end_auth(server, ok)
            }
            ServerEvent::AuthCancelled => {}
            ServerEvent::Capa => server.capabilities(&self.capabilities.clone()).unwrap(),
            ServerEvent::Stls => {
                if self.offer_tls {
                    server.reply(&Response::ok("begin TLS")).unwrap()
                } else {
                    server.reply(&Response::err("no TLS")).unwrap()
                }
            }
            ServerEvent::Utf8 => server.reply(&Response::ok("UTF8 enabled")).unwrap(),
            ServerEvent::Stat => {
                let live = self.live(server);
                let size = live.iter().map(|(_, s)| s).sum();
                server.stat(live.len() as u32, size).unwrap()
            }
            ServerEvent::List(None) => server.scan_listing(self.live(server)).unwrap(),
            ServerEvent::List(Some(n)) if self.exists(server, n) => server
                .scan(n, self.messages[n as usize - 1].len() as u64)
                .unwrap(),
            ServerEvent::Uidl(None) => {
                let uids: Vec<(u32, Vec<u8>)> = self
                    .live(server)
                    .into_iter()
                    .map(|(n, _)| (n, Self::uid(n)))
                    .collect();
                server.uid_listing(uids).unwrap()
            }
            ServerEvent::Uidl(Some(n)) if self.exists(server, n) => {
                server.uid(n, &Self::uid(n)).unwrap()
            }
            ServerEvent::Retr(n) if self.exists(server, n) => {
                let m = self.messages[n as usize - 1].clone();
                let ok = Response::ok(format!("{} octets", m.len()));
                server.send_message(&ok, m).unwrap()
            }
            ServerEvent::Top { msg, lines } if self.exists(server, msg) => {
                let m = top_of(&self.messages[msg as usize - 1], lines);
                server
                    .send_message(&Response::ok("top of message follows"), m)
                    .unwrap()
            }
            ServerEvent::Dele(n) if self.exists(server, n) => server
                .reply(&Response::ok(format!("message {n} deleted")))
                .unwrap(),
            ServerEvent::Rset => server.reply(&Response::ok("reset")).unwrap(),
            ServerEvent::Quit { deleted } => {
                self.applied = Some(deleted);
                server.reply(&Response::ok("bye")).unwrap()
            }
            ServerEvent::List(_)
            | ServerEvent::Uidl(_)
            | ServerEvent::Retr(_)
            | ServerEvent::Top { .. }
            | ServerEvent::Dele(_) => server.reply(&no_such).unwrap(),
        }
    }

    fn end_auth(&self, server: &mut Server, ok: bool) {
        if ok {
            server.reply(&Response::ok("authenticated")).unwrap()
        } else {
            server
                .reply(&Response::err("bad credentials").with_code(ResponseCode::Auth))
                .unwrap()
        }
    }

    fn live(&self, server: &Server) -> Vec<(u32, u64)> {
        (1..=self.messages.len() as u32)
            .filter(|&n| !server.is_deleted(n))
            .map(|n| (n, self.messages[n as usize - 1].len() as u64))
            .collect()
    }
}

/// A client and a server wired in memory, with the bytes each way kept.
pub struct Pair {
    pub client: Client,
    pub server: Server,
    pub mailbox: Mailbox,
    /// Everything the client sent.
    pub to_server: Vec<u8>,
    /// Everything the server sent.
    pub to_client: Vec<u8>,
}

impl Pair {
    pub fn new(greeting: &str, mailbox: Mailbox) -> Pair {
        Pair {
            client: Client::new(),
            server: Server::new(Response::ok(greeting.to_string())).unwrap(),
            mailbox,
            to_server: Vec::new(),
            to_client: Vec::new(),
        }
    }

    /// Moves bytes and answers server events until nothing moves; returns
    /// the client's events.
    pub fn run(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            let c2s = self.client.outbox().take_vec();
            if !c2s.is_empty() {
                moved = true;
                self.to_server.extend_from_slice(&c2s);
                self.server.receive(&c2s);
            }
            while let Next::Event(e) = self.server.poll_event().unwrap() {
                moved = true;
                self.mailbox.answer(&mut self.server, e);
            }
            let s2c = self.server.outbox().take_vec();
            if !s2c.is_empty() {
                moved = true;
                self.to_client.extend_from_slice(&s2c);
                self.client.receive(&s2c);
            }
            while let Next::Event(e) = self.client.poll_event().unwrap() {
                moved = true;
                events.push(e);
            }
            if !moved {
                return events;
            }
        }
    }

    /// Greets and logs in with USER/PASS; returns the client's events.
    pub fn login(&mut self) -> Vec<Event> {
        self.client.user("mrose").unwrap();
        self.client.pass("tanstaaf").unwrap();
        self.run()
    }
}

/// A test-only PLAIN (RFC 4616): `authzid NUL authcid NUL password`.
pub struct TestPlain {
    pub user: &'static str,
    pub password: String,
    /// Whether to send the response as an initial response.
    pub initial: bool,
}

impl Mechanism for TestPlain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(self.initial.then(|| self.message()))
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if !challenge.is_empty() {
            return Err(SaslError::UnexpectedChallenge);
        }
        Ok(self.message())
    }
}

impl TestPlain {
    fn message(&self) -> Vec<u8> {
        let mut m = vec![0];
        m.extend_from_slice(self.user.as_bytes());
        m.push(0);
        m.extend_from_slice(self.password.as_bytes());
        m
    }
}

/// A mechanism with a name that would smuggle a command.
pub struct EvilName;

impl Mechanism for EvilName {
    fn name(&self) -> &'static str {
        "PLAIN\r\nDELE 1"
    }
    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(None)
    }
    fn step(&mut self, _: &[u8]) -> Result<Vec<u8>, SaslError> {
        Ok(Vec::new())
    }
}
