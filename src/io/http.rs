//! The typed HTTP/1.1 client: the generic [`Session`] over [`Http`], with
//! its methods declared once here for the blocking client and the async
//! ones (`io::tokio::http::Client`, `io::futures::http::Client`) alike.
//!
//! Everything HTTP lives in [`crate::http::Client`] and [`crate::http::ops`];
//! each method here runs one operation. Informational (1xx) responses and
//! trailers the methods do not return are kept by the driver
//! ([`Driver::take_passed`](super::Driver::take_passed)).

use super::{session_methods, Driver, Session, SessionError, Socket};
use crate::http::{self, ops, Http, Request, Response};
use bytes::Bytes;
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the HTTP client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Http>>;

/// A blocking HTTP/1.1 client over one connection, reused for request
/// after request while the server keeps it alive.
///
/// ```no_run
/// use sanswire::http::Request;
/// use sanswire::io::http::Client;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut client = Client::connect("127.0.0.1:8080")?;
/// let (response, body) = client.fetch(&Request::get("/").with_header("Host", "localhost"), None)?;
/// println!("{} {} bytes", response.status(), body.len());
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, Http>;

session_methods! {
    protocol: Http;

    /// Sends a request head; follow with `send_body` and `finish`.
    fn send_head(request: &Request) -> () = run ops::SendHead(request);
    /// Sends a piece of the request body (written at once, not copied).
    fn send_body(chunk: Bytes) -> () = run ops::SendBody(chunk);
    /// Ends the request body and flushes.
    fn finish() -> () = run ops::Finish;
    /// Waits for the final response head; informational (1xx) ones are
    /// kept by the driver. Read the body with `read_body`.
    fn response() -> Response = run ops::ResponseHead;
    /// The next piece of the response body, `None` once it is complete.
    fn read_body() -> Option<Bytes> = run ops::BodyChunk;
    /// Sends a whole request and reads the whole response. A body is
    /// framed with `Content-Length` unless the request already says how.
    fn fetch(request: &Request, body: Option<Bytes>) -> (Response, Vec<u8>)
        = run ops::Fetch::new(request.clone(), body);
}

impl<S: Socket> Client<S> {
    /// Wraps a connected stream; HTTP has no greeting, so nothing is
    /// exchanged yet.
    pub fn new(stream: S) -> Self {
        Session::from_driver(Driver::new(stream, http::Client::new()), ())
    }
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl<S: super::nonblocking::AsyncIo<R> + Unpin, R> super::nonblocking::http::Client<S, R> {
    /// Wraps a connected stream; HTTP has no greeting, so nothing is
    /// exchanged yet.
    pub fn new(stream: S) -> Self {
        Self::from_driver(
            super::nonblocking::Driver::new(stream, http::Client::new()),
            (),
        )
    }
}

impl Client<TcpStream> {
    /// Connects over TCP.
    pub fn connect(addr: impl ToSocketAddrs) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }
}
