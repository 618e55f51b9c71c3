//! The typed Telnet client: the generic [`Session`] over
//! [`TelnetClient`], with its methods declared once here for the
//! blocking client and the async ones (`io::tokio::telnet::Client`,
//! `io::futures::telnet::Client`) alike.
//!
//! Everything Telnet lives in [`crate::telnet::Client`] and
//! [`crate::telnet::ops`]: the machine answers the peer's negotiation by
//! itself, and the driver writes those answers before it waits again.
//! Events a call does not take (commands, option changes the peer
//! started, subnegotiations) are kept in order by the driver: take them
//! with [`next_event`](Session::next_event) or
//! `driver().take_passed()`.
//!
//! One call at a time: for keystrokes that go out while a read waits
//! (an interactive terminal), split a [`crate::telnet::Client`] into
//! halves with [`io::duplex`](super::duplex), or read it like a socket
//! through [`io::ByteStream`](super::ByteStream).

use super::{session_methods, Session, SessionError};
use crate::telnet::{self, ops, Command, Event, Side, TelnetClient};
use bytes::Bytes;
use std::net::{TcpStream, ToSocketAddrs};

/// What the Telnet client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<TelnetClient>>;

/// A blocking Telnet client over one connection.
///
/// ```no_run
/// use sanswire::io::telnet::Client;
/// use sanswire::telnet::{option, Side};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut tn = Client::connect("127.0.0.1:23")?;
/// tn.set_window_size(80, 24)?;
/// tn.set_terminal_types(&["xterm-256color", "xterm"])?;
/// let _echo = tn.enable(option::ECHO, Side::Remote)?;
/// tn.write(b"who\r\n")?;
/// while let Some(data) = tn.read()? {
///     print!("{}", String::from_utf8_lossy(&data));
/// }
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, TelnetClient>;

session_methods! {
    protocol: TelnetClient;
    new() = telnet::Client::new();

    /// Asks for `option` on `side` and waits for the answer: whether it
    /// is enabled.
    fn enable(option: u8, side: Side) -> bool = run ops::Negotiate::enable(option, side);
    /// Asks for `option` on `side` to stop and waits for the answer:
    /// whether it is still enabled.
    fn disable(option: u8, side: Side) -> bool = run ops::Negotiate::disable(option, side);
    /// The peer's next piece of data (`None`: it closed).
    fn read() -> Option<Bytes> = run ops::Read;
    /// The peer's next event of any kind, newly read (see
    /// [`next_event`](Session::next_event) for those kept first).
    fn event() -> Event = run ops::NextEvent;
    /// Writes data, `0xFF` escaped, bare CRs as CR NUL outside BINARY
    /// (end lines with CR LF).
    fn write(data: &[u8]) -> () = run ops::Send::data(data);
    /// Writes a command (`IAC AYT`, `IAC IP`, ...).
    fn send_command(command: Command) -> () = run ops::Send::command(command);
    /// Our window size (NAWS): sent now if NAWS is enabled, and whenever
    /// it gets enabled.
    fn set_window_size(width: u16, height: u16) -> () = run ops::Send::window_size(width, height);
    /// Our terminal types for the TTYPE cycle, most specific first.
    fn set_terminal_types(types: &[&str]) -> () = run ops::Send::terminal_types(types);
    /// Closes our side, then waits for the peer to close its own.
    fn close() -> () = run ops::Close;
}

impl<S: super::Socket> Client<S> {
    /// The next event: those earlier calls did not take first, in order,
    /// then new ones; `None` once the conversation is over.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        self.driver().next_event().map_err(super::DriveError::widen)
    }
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl<S: super::nonblocking::AsyncIo<R> + Unpin, R> super::nonblocking::Session<S, TelnetClient, R> {
    /// The next event: those earlier calls did not take first, in order,
    /// then new ones; `None` once the conversation is over.
    pub async fn next_event(&mut self) -> Result<Option<Event>> {
        self.driver()
            .next_event()
            .await
            .map_err(super::DriveError::widen)
    }
}

impl Client<TcpStream> {
    /// Connects over TCP.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, telnet::Client::new())
    }
}
