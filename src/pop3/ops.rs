//! Whole exchanges of the POP3 client, written once and run by any driver
//! (see [`Operation`]): the blocking client [`crate::io::pop3::Client`]
//! and any async one are thin loops around these.
//!
//! Every operation completes on the one event that answers its command.
//! A `-ERR` answer ends it with [`Error::Refused`], which is not sticky:
//! the next operation runs normally.
//!
//! ```
//! use sanswire::pop3::{ops, Client};
//! use sanswire::wire::{Machine, Operation};
//! let mut client = Client::new();
//! client.receive(b"+OK ready\r\n+OK 2 320\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! assert!(ops::Greeting.on_event(&mut client, ev).unwrap().is_some());
//! let mut stat = ops::Stat;
//! stat.start(&mut client).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"STAT\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! assert_eq!(stat.on_event(&mut client, ev).unwrap(), Some((2, 320)));
//! ```

use super::{Capabilities, Client, Command, Error, Event, Response};
use crate::sasl::Mechanism;
use crate::wire::{Operation, TlsUnavailable};
use alloc::vec::Vec;
use bytes::Bytes;

/// `-ERR` ends any operation with [`Error::Refused`].
fn refused<T>(event: &Event) -> Result<Option<T>, Error> {
    match event {
        Event::Err(r) => Err(Error::Refused(r.clone())),
        _ => Ok(None),
    }
}

/// Waits for the server's greeting (run once, first).
#[derive(Debug, Default, Clone, Copy)]
pub struct Greeting;

impl Operation<Client> for Greeting {
    type Output = Response;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Greeting(r) => Ok(Some(r)),
            other => refused(&other),
        }
    }
}

/// A command whose answer is one `+OK` line: DELE, RSET, NOOP, QUIT (and
/// USER alone, PASS alone, UTF8).
#[derive(Debug, Clone)]
pub struct Simple(pub Command);

impl Simple {
    /// `DELE msg`.
    pub fn dele(msg: u32) -> Self {
        Simple(Command::Dele(msg))
    }

    /// `RSET`.
    pub fn rset() -> Self {
        Simple(Command::Rset)
    }

    /// `NOOP`.
    pub fn noop() -> Self {
        Simple(Command::Noop)
    }

    /// `QUIT`: after its `+OK` the session is over (in TRANSACTION, the
    /// server has removed the deleted messages).
    pub fn quit() -> Self {
        Simple(Command::Quit)
    }
}

impl Operation<Client> for Simple {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send(self.0.clone())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Ok(r) => Ok(Some(r)),
            other => refused(&other),
        }
    }
}

/// `USER` then `PASS`; PASS is queued only once USER was accepted, so a
/// refused USER leaves nothing in flight.
#[derive(Debug, Clone)]
pub struct Login {
    user: Bytes,
    pass: Option<Bytes>,
}

impl Login {
    /// Logs in as `user` with `pass`.
    pub fn new(user: impl AsRef<[u8]>, pass: impl AsRef<[u8]>) -> Self {
        Login {
            user: Bytes::copy_from_slice(user.as_ref()),
            pass: Some(Bytes::copy_from_slice(pass.as_ref())),
        }
    }
}

impl Operation<Client> for Login {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        // Check PASS's argument before anything is sent.
        if let Some(pass) = &self.pass {
            Command::Pass(pass.clone()).encode()?;
        }
        client.user(&self.user)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Ok(r) => match self.pass.take() {
                Some(pass) => client.pass(pass).map(|()| None),
                None => Ok(Some(r)),
            },
            other => refused(&other),
        }
    }
}

/// `APOP name digest`, the digest made from the greeting's timestamp
/// (refused locally if the greeting had none: see
/// [`Client::apop_timestamp`]).
#[derive(Debug, Clone)]
pub struct Apop {
    user: Bytes,
    secret: Bytes,
}

impl Apop {
    /// Logs in as `user` with the shared `secret`.
    pub fn new(user: impl AsRef<[u8]>, secret: impl AsRef<[u8]>) -> Self {
        Apop {
            user: Bytes::copy_from_slice(user.as_ref()),
            secret: Bytes::copy_from_slice(secret.as_ref()),
        }
    }
}

impl Operation<Client> for Apop {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.apop(&self.user, &self.secret)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Ok(r) => Ok(Some(r)),
            other => refused(&other),
        }
    }
}

/// `AUTH` with any SASL mechanism (RFC 5034); the machine answers the
/// challenges itself.
#[derive(Debug)]
pub struct Auth<M> {
    mechanism: Option<M>,
}

impl<M> Auth<M> {
    /// Authenticates with `mechanism` (a boxed one works too).
    pub fn new(mechanism: M) -> Self {
        Auth {
            mechanism: Some(mechanism),
        }
    }
}

impl<M: Mechanism + Send + 'static> Operation<Client> for Auth<M> {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.mechanism.take() {
            Some(m) => client.auth(m),
            None => Err(Error::OutOfSequence("AUTH operation started twice")),
        }
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Ok(r) => Ok(Some(r)),
            other => refused(&other),
        }
    }
}

/// `CAPA`: the server's capabilities.
#[derive(Debug, Default, Clone, Copy)]
pub struct Capa;

impl Operation<Client> for Capa {
    type Output = Capabilities;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.capa()
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Capabilities>, Error> {
        match event {
            Event::Capabilities(c) => Ok(Some(c)),
            other => refused(&other),
        }
    }
}

/// `STLS` (RFC 2595) up to the server's `+OK`: then run the driver's
/// `start_tls`, and [`Capa`] again (what the server said in plaintext is
/// forgotten). Sends CAPA first if the capabilities are not known yet.
/// Requires TLS: a server that does not list STLS (or refuses CAPA, or
/// STLS) is [`Error::TlsUnavailable`], and nothing more is sent; never a
/// silent plaintext session.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stls {
    sent: bool,
}

impl Stls {
    fn send_if_offered(&mut self, client: &mut Client) -> Result<(), Error> {
        let offered = client.capabilities().is_some_and(Capabilities::stls);
        if !offered {
            return Err(Error::TlsUnavailable(TlsUnavailable::NotOffered {
                command: "STLS",
            }));
        }
        self.sent = true;
        client.stls()
    }
}

impl Operation<Client> for Stls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match client.capabilities() {
            None => client.capa(),
            Some(_) => self.send_if_offered(client),
        }
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Option<()>, Error> {
        let unavailable = Error::TlsUnavailable(match self.sent {
            false => TlsUnavailable::NotOffered { command: "STLS" },
            true => TlsUnavailable::Refused {
                command: "STLS",
                code: None,
            },
        });
        match event {
            Event::Capabilities(_) if !self.sent => self.send_if_offered(client).map(|()| None),
            Event::Ok(_) if self.sent => Ok(Some(())),
            Event::Err(_) => Err(unavailable),
            _ => Ok(None),
        }
    }
}

/// `STAT`: (message count, total size in octets).
#[derive(Debug, Default, Clone, Copy)]
pub struct Stat;

impl Operation<Client> for Stat {
    type Output = (u32, u64);

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.stat()
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<(u32, u64)>, Error> {
        match event {
            Event::Stat { count, size } => Ok(Some((count, size))),
            other => refused(&other),
        }
    }
}

/// `LIST`: (message number, size) of every message.
#[derive(Debug, Default, Clone, Copy)]
pub struct List;

impl Operation<Client> for List {
    type Output = Vec<(u32, u64)>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.list(None)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Self::Output>, Error> {
        match event {
            Event::List(v) => Ok(Some(v)),
            other => refused(&other),
        }
    }
}

/// `LIST msg`: the size of one message.
#[derive(Debug, Clone, Copy)]
pub struct Scan(pub u32);

impl Operation<Client> for Scan {
    type Output = u64;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.list(Some(self.0))
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<u64>, Error> {
        match event {
            Event::Scan { size, .. } => Ok(Some(size)),
            other => refused(&other),
        }
    }
}

/// `UIDL`: (message number, unique-id) of every message.
#[derive(Debug, Default, Clone, Copy)]
pub struct Uidl;

impl Operation<Client> for Uidl {
    type Output = Vec<(u32, Bytes)>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.uidl(None)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Self::Output>, Error> {
        match event {
            Event::Uidl(v) => Ok(Some(v)),
            other => refused(&other),
        }
    }
}

/// `UIDL msg`: the unique-id of one message.
#[derive(Debug, Clone, Copy)]
pub struct Uid(pub u32);

impl Operation<Client> for Uid {
    type Output = Bytes;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.uidl(Some(self.0))
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Bytes>, Error> {
        match event {
            Event::Uid { uid, .. } => Ok(Some(uid)),
            other => refused(&other),
        }
    }
}

/// Starts `RETR msg` or `TOP msg lines` and completes on the `+OK`; read
/// the content with [`MessageChunk`] until it gives `None`.
#[derive(Debug, Clone, Copy)]
pub struct StartMessage {
    msg: u32,
    top: Option<u32>,
}

impl StartMessage {
    /// `RETR msg`.
    pub fn retr(msg: u32) -> Self {
        StartMessage { msg, top: None }
    }

    /// `TOP msg lines`.
    pub fn top(msg: u32, lines: u32) -> Self {
        StartMessage {
            msg,
            top: Some(lines),
        }
    }
}

impl Operation<Client> for StartMessage {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.top {
            None => client.retr(self.msg),
            Some(lines) => client.top(self.msg, lines),
        }
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::MessageStart { response, .. } => Ok(Some(response)),
            other => refused(&other),
        }
    }
}

/// The next piece of the message (or raw block) being received,
/// unstuffed, as a slice of the receive buffer: `Some(piece)`, or `None`
/// once its terminating `.` line arrived. Sends nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct MessageChunk;

impl Operation<Client> for MessageChunk {
    type Output = Option<Bytes>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Option<Bytes>>, Error> {
        match event {
            Event::Data(d) => Ok(Some(Some(d))),
            Event::MessageEnd { .. } => Ok(Some(None)),
            other => refused(&other),
        }
    }
}

/// `RETR` or `TOP` collected whole: the content, unstuffed, byte for byte.
#[derive(Debug, Clone)]
pub struct FetchMessage {
    start: StartMessage,
    content: Vec<u8>,
}

impl FetchMessage {
    /// The whole of message `msg`.
    pub fn retr(msg: u32) -> Self {
        FetchMessage {
            start: StartMessage::retr(msg),
            content: Vec::new(),
        }
    }

    /// The header and first `lines` body lines of message `msg`.
    pub fn top(msg: u32, lines: u32) -> Self {
        FetchMessage {
            start: StartMessage::top(msg, lines),
            content: Vec::new(),
        }
    }
}

impl Operation<Client> for FetchMessage {
    type Output = Vec<u8>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.start.start(client)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Vec<u8>>, Error> {
        match event {
            Event::MessageStart { .. } => Ok(None),
            Event::Data(d) => {
                self.content.extend_from_slice(&d);
                Ok(None)
            }
            Event::MessageEnd { .. } => Ok(Some(core::mem::take(&mut self.content))),
            other => refused(&other),
        }
    }
}

/// Any command line, as curl's `-X` sends it: completes on the status
/// line. If the answer has a block ([`Raw::has_block`]), read it with
/// [`MessageChunk`] until `None`.
#[derive(Debug, Clone)]
pub struct Raw {
    line: Bytes,
    block: bool,
}

impl Raw {
    /// `line` (without CRLF); whether a block follows `+OK` is decided by
    /// [`raw_expects_block`](super::raw_expects_block).
    pub fn new(line: impl AsRef<[u8]>) -> Self {
        let line = Bytes::copy_from_slice(line.as_ref());
        let block = super::raw_expects_block(&line);
        Raw { line, block }
    }

    /// `line`, with a block after `+OK` as the caller says.
    pub fn with_block(line: impl AsRef<[u8]>, block: bool) -> Self {
        Raw {
            line: Bytes::copy_from_slice(line.as_ref()),
            block,
        }
    }

    /// Whether a `+OK` is followed by a dot-terminated block.
    pub fn has_block(&self) -> bool {
        self.block
    }
}

impl Operation<Client> for Raw {
    type Output = Response;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send_raw(&self.line, self.block)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        match event {
            Event::Ok(r) | Event::MessageStart { response: r, .. } => Ok(Some(r)),
            other => refused(&other),
        }
    }
}
