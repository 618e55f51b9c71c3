//! The typed Gopher client: the generic [`Session`] over [`Gopher`], with
//! its methods declared once here for the blocking client and the async
//! ones (`io::tokio::gopher::Client`, `io::futures::gopher::Client`) alike.
//!
//! Gopher answers one request per connection, so a session is one
//! connection and one call. Everything Gopher lives in
//! [`crate::gopher::Client`] and [`crate::gopher::ops`]; a Gopher+ error
//! answer is [`DriveError::Refused`](super::DriveError::Refused) holding
//! the [`gopher::Refusal`]. To stream a large answer instead of
//! collecting it, put a [`gopher::Client`] with its request queued under
//! an [`io::ByteStream`](super::ByteStream).

#[cfg(feature = "rustls")]
use super::tls;
use super::{session_methods, Session, SessionError};
use crate::gopher::{self, ops, Attribute, Body, Gopher, Item, Request};
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the Gopher client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Gopher>>;

/// A blocking Gopher client over one connection, for one request.
///
/// ```no_run
/// use sanswire::gopher::Request;
/// use sanswire::io::gopher::Client;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let items = Client::connect("gopher.floodgap.com:70")?.menu(Request::new(""))?;
/// for item in items {
///     println!("{}", String::from_utf8_lossy(&item.display));
/// }
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, Gopher>;

session_methods! {
    protocol: Gopher;
    new() = gopher::Client::new();

    /// A menu, or a type-7 search's answer, as items.
    fn menu(request: Request) -> Vec<Item> = call ops::FetchMenu::new(request);
    /// A text file, unstuffed (the `.` line removed).
    fn text(request: Request) -> Vec<u8> = call ops::Fetch::new(request, Body::Text);
    /// Everything until the server closes, as it came (curl's output).
    fn binary(request: Request) -> Vec<u8> = call ops::Fetch::new(request, Body::Binary);
    /// The answer, read as `body` says.
    fn fetch(request: Request, body: Body) -> Vec<u8> = call ops::Fetch::new(request, body);
    /// Gopher+ attribute blocks (a `!` or `$` request).
    fn attributes(request: Request) -> Vec<Attribute> = call ops::FetchAttributes::new(request);
}

impl Client<TcpStream> {
    /// Connects over TCP.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, gopher::Client::new())
    }
}

#[cfg(feature = "rustls")]
impl Client<tls::Stream<TcpStream>> {
    /// `gophers://`: connects over TCP and runs the TLS handshake for
    /// `host` first.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_tls_with(addr, gopher::Client::new(), connector, host)
    }
}
