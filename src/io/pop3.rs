//! The typed POP3 client, the everyday subset of Python's `poplib`: the
//! generic [`Session`] over [`Pop3`], with its methods declared once here
//! for the blocking client and the async ones (`io::tokio::pop3::Client`,
//! `io::futures::pop3::Client`) alike.
//!
//! Everything POP3 lives in [`crate::pop3::Client`] and
//! [`crate::pop3::ops`]; each method here runs one operation. A `-ERR`
//! answer is [`DriveError::Refused`](super::DriveError::Refused) holding
//! the [`pop3::Refusal`], after which the session goes on; any other
//! operation runs through [`Session::run`] (refusal as a value) or
//! [`Session::call`].

#[cfg(feature = "rustls")]
use super::tls;
use super::{session_methods, Session, SessionError};
use crate::pop3::{self, ops, Capabilities, Pop3, Response};
use crate::sasl::Mechanism;
use bytes::Bytes;
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the POP3 client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Pop3>>;

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
pub type Client<S> = Session<S, Pop3>;

fn greeting<'a>(_: &'a pop3::Client, greeting: &'a Response) -> &'a Response {
    greeting
}

session_methods! {
    protocol: Pop3;
    new() = pop3::Client::new();
    get
    /// The server's greeting.
    fn greeting -> &Response = greeting;

    /// `USER` and `PASS`.
    fn login(user: &str, pass: &str) -> Response = call ops::Login::new(user, pass);
    /// `APOP`, with the greeting's timestamp.
    fn apop(user: &str, secret: &str) -> Response = call ops::Apop::new(user, secret);
    /// `AUTH` with a SASL mechanism.
    fn auth[M: Mechanism + Send + 'static](mechanism: M) -> Response
        = call ops::Auth::new(mechanism);
    /// `CAPA`.
    fn capa() -> Capabilities = call ops::Capa::new();
    /// `STAT`: (message count, total octets).
    fn stat() -> (u32, u64) = call ops::Stat::new();
    /// `LIST`: (message number, octets) of every message.
    fn list() -> Vec<(u32, u64)> = call ops::List::new();
    /// `LIST msg`: one message's size.
    fn list_one(msg: u32) -> u64 = call ops::Scan::new(msg);
    /// `UIDL`: (message number, unique-id) of every message.
    fn uidl() -> Vec<(u32, Bytes)> = call ops::Uidl::new();
    /// `UIDL msg`: one message's unique-id.
    fn uidl_one(msg: u32) -> Bytes = call ops::Uid::new(msg);
    /// `RETR msg`: the whole message, byte for byte.
    fn retr(msg: u32) -> Vec<u8> = call ops::FetchMessage::retr(msg);
    /// `RETR msg`, streamed: read the content with `read_message` until
    /// `None`.
    fn retr_start(msg: u32) -> Response = call ops::StartMessage::retr(msg);
    /// The next piece of the message (or `-X` block) being received.
    fn read_message() -> Option<Bytes> = run ops::MessageChunk;
    /// `TOP msg lines`: the header and the first `lines` body lines.
    fn top(msg: u32, lines: u32) -> Vec<u8> = call ops::FetchMessage::top(msg, lines);
    /// `DELE msg` (applied by the server at QUIT).
    fn dele(msg: u32) -> Response = call ops::Simple::dele(msg);
    /// `RSET`.
    fn rset() -> Response = call ops::Simple::rset();
    /// `NOOP`.
    fn noop() -> Response = call ops::Simple::noop();
    /// Any command line; if [`ops::Raw::has_block`], read the block with
    /// `read_message`.
    fn raw(op: ops::Raw) -> Response = call op;
    /// `QUIT`: the server applies the deletions, then closes.
    fn quit() -> Response = call ops::Simple::quit();
}

impl Client<TcpStream> {
    /// Connects over TCP and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, pop3::Client::new())
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
        Self::connect_tls_with(addr, pop3::Client::new(), connector, host)
    }

    /// Connects over TCP (port 110) and upgrades with STLS before
    /// anything else: a server without STLS is
    /// [`pop3::ErrorKind::TlsUnavailable`], with nothing sent after CAPA. The
    /// upgrade itself, on a session already open, is
    /// [`starttls`](Session::starttls).
    pub fn connect_stls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_starttls_with(addr, pop3::Client::new(), connector, host)
    }
}
