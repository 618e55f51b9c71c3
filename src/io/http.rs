//! A thin typed HTTP/1.1 client on the blocking [`Driver`].
//!
//! Everything HTTP lives in [`crate::http::Client`] and [`crate::http::ops`];
//! each method here runs one operation, exactly as the async clients
//! (`io::tokio::http::Client`, `io::futures::http::Client`) do.

use super::{DriveError, Driver, Socket};
use crate::http::{self, ops, Request, Response};
use bytes::Bytes;

use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the blocking HTTP client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<http::Error>>;

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
#[derive(Debug)]
pub struct Client<S> {
    driver: Driver<S, http::Client>,
}

impl Client<TcpStream> {
    /// Connects over TCP.
    pub fn connect(addr: impl ToSocketAddrs) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }
}

impl<S: Socket> Client<S> {
    /// Wraps a connected stream.
    pub fn new(stream: S) -> Self {
        Client {
            driver: Driver::new(stream, http::Client::new()),
        }
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, http::Client> {
        &mut self.driver
    }

    /// Sends a request head; follow with [`send_body`](Self::send_body)
    /// and [`finish`](Self::finish).
    pub fn send_head(&mut self, request: &Request) -> Result<()> {
        self.driver.run(ops::SendHead(request))
    }

    /// Sends a piece of the request body (written at once, not copied).
    pub fn send_body(&mut self, chunk: Bytes) -> Result<()> {
        self.driver.run(ops::SendBody(chunk))
    }

    /// Ends the request body and flushes.
    pub fn finish(&mut self) -> Result<()> {
        self.driver.run(ops::Finish)
    }

    /// Waits for the final response head, skipping informational (1xx)
    /// ones. Read the body with [`read_body`](Self::read_body).
    pub fn response(&mut self) -> Result<Response> {
        self.driver.run(ops::ResponseHead)
    }

    /// The next piece of the response body, `None` once it is complete.
    pub fn read_body(&mut self) -> Result<Option<Bytes>> {
        self.driver.run(ops::BodyChunk)
    }

    /// Sends a whole request and reads the whole response. A body is
    /// framed with `Content-Length` unless the request already says how.
    pub fn fetch(&mut self, request: &Request, body: Option<Bytes>) -> Result<(Response, Vec<u8>)> {
        self.driver.run(ops::Fetch::new(request.clone(), body))
    }
}
