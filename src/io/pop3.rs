//! A thin typed POP3 client on the blocking [`Driver`], the everyday
//! subset of Python's `poplib`.
//!
//! Everything POP3 lives in [`crate::pop3::Client`] and
//! [`crate::pop3::ops`]; each method here runs one operation. A `-ERR`
//! answer is [`DriveError::Protocol`] holding
//! [`pop3::Error::Refused`], after which the
//! session goes on.

#[cfg(feature = "rustls")]
use super::tls;
use super::{DriveError, Driver, Socket};
use crate::pop3::{self, ops, Capabilities, Response};
use crate::sasl::Mechanism;
use bytes::Bytes;

use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the blocking POP3 client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<pop3::Error>>;

/// A blocking POP3 client over one connection.
///
/// ```no_run
/// use sanswire::io::pop3::Client;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut pop = Client::connect("127.0.0.1:110")?;
/// pop.login("alice", "secret")?;
/// let (count, size) = pop.stat()?;
/// println!("{count} messages, {size} octets");
/// if count > 0 {
///     let message = pop.retr(1)?;
///     pop.dele(1)?;
///     println!("{} octets", message.len());
/// }
/// pop.quit()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client<S> {
    driver: Driver<S, pop3::Client>,
    greeting: Response,
}

impl Client<TcpStream> {
    /// Connects over TCP and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Client::new(stream)
    }
}

impl<S: Socket> Client<S> {
    /// Wraps a connected stream and reads the greeting.
    pub fn new(stream: S) -> Result<Self> {
        let mut driver = Driver::new(stream, pop3::Client::new());
        let greeting = driver.run(ops::Greeting)?;
        Ok(Client { driver, greeting })
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &Response {
        &self.greeting
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, pop3::Client> {
        &mut self.driver
    }

    /// `USER` and `PASS`.
    pub fn login(&mut self, user: &str, pass: &str) -> Result<Response> {
        self.driver.run(ops::Login::new(user, pass))
    }

    /// `APOP`, with the greeting's timestamp.
    pub fn apop(&mut self, user: &str, secret: &str) -> Result<Response> {
        self.driver.run(ops::Apop::new(user, secret))
    }

    /// `AUTH` with a SASL mechanism.
    pub fn auth<M: Mechanism + Send + 'static>(&mut self, mechanism: M) -> Result<Response> {
        self.driver.run(ops::Auth::new(mechanism))
    }

    /// `CAPA`.
    pub fn capa(&mut self) -> Result<Capabilities> {
        self.driver.run(ops::Capa)
    }

    /// `STAT`: (message count, total octets).
    pub fn stat(&mut self) -> Result<(u32, u64)> {
        self.driver.run(ops::Stat)
    }

    /// `LIST`: (message number, octets) of every message.
    pub fn list(&mut self) -> Result<Vec<(u32, u64)>> {
        self.driver.run(ops::List)
    }

    /// `LIST msg`: one message's size.
    pub fn list_one(&mut self, msg: u32) -> Result<u64> {
        self.driver.run(ops::Scan(msg))
    }

    /// `UIDL`: (message number, unique-id) of every message.
    pub fn uidl(&mut self) -> Result<Vec<(u32, Bytes)>> {
        self.driver.run(ops::Uidl)
    }

    /// `UIDL msg`: one message's unique-id.
    pub fn uidl_one(&mut self, msg: u32) -> Result<Bytes> {
        self.driver.run(ops::Uid(msg))
    }

    /// `RETR msg`: the whole message, byte for byte.
    pub fn retr(&mut self, msg: u32) -> Result<Vec<u8>> {
        self.driver.run(ops::FetchMessage::retr(msg))
    }

    /// `RETR msg`, streamed: read the content with
    /// [`read_message`](Self::read_message) until `None`.
    pub fn retr_start(&mut self, msg: u32) -> Result<Response> {
        self.driver.run(ops::StartMessage::retr(msg))
    }

    /// The next piece of the message (or `-X` block) being received.
    pub fn read_message(&mut self) -> Result<Option<Bytes>> {
        self.driver.run(ops::MessageChunk)
    }

    /// `TOP msg lines`: the header and the first `lines` body lines.
    pub fn top(&mut self, msg: u32, lines: u32) -> Result<Vec<u8>> {
        self.driver.run(ops::FetchMessage::top(msg, lines))
    }

    /// `DELE msg` (applied by the server at QUIT).
    pub fn dele(&mut self, msg: u32) -> Result<Response> {
        self.driver.run(ops::Simple::dele(msg))
    }

    /// `RSET`.
    pub fn rset(&mut self) -> Result<Response> {
        self.driver.run(ops::Simple::rset())
    }

    /// `NOOP`.
    pub fn noop(&mut self) -> Result<Response> {
        self.driver.run(ops::Simple::noop())
    }

    /// Any command line; if [`ops::Raw::has_block`], read the block with
    /// [`read_message`](Self::read_message).
    pub fn raw(&mut self, op: ops::Raw) -> Result<Response> {
        self.driver.run(op)
    }

    /// `QUIT`: the server applies the deletions, then closes.
    pub fn quit(&mut self) -> Result<Response> {
        self.driver.run(ops::Simple::quit())
    }
}

#[cfg(feature = "rustls")]
impl Client<tls::Stream<TcpStream>> {
    /// POP3S (port 995): connects over TCP, runs the TLS handshake for
    /// `host`, and reads the greeting.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Client::new(tls::Stream::connect(stream, connector, host)?)
    }

    /// Connects over TCP (port 110) and upgrades with STLS before
    /// anything else: a server without STLS is
    /// [`pop3::Error::TlsUnavailable`], with nothing sent after CAPA.
    pub fn connect_stls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut client = Client::new(tls::Stream::plain(stream))?;
        client.driver.machine().set_require_tls(true);
        client.stls(connector, host)?;
        Ok(client)
    }
}

#[cfg(feature = "rustls")]
impl<S: Socket> Client<tls::Stream<S>> {
    /// STLS (RFC 2595): CAPA if not known yet, the command, the handshake
    /// for `host`, and CAPA again; gives what the server offers over TLS.
    /// Not offered or refused: [`pop3::Error::TlsUnavailable`], and
    /// nothing more is sent.
    pub fn stls(&mut self, connector: &tls::TlsConnector, host: &str) -> Result<Capabilities> {
        self.driver.run(ops::Stls::default())?;
        self.driver.start_tls(connector, host)?;
        self.driver.run(ops::Capa)
    }
}
