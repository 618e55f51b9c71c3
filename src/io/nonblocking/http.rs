//! A thin typed HTTP/1.1 client on the async [`Driver`]: the async twin of
//! [`io::http::Client`](crate::io::http::Client), for every async I/O
//! family (named `io::tokio::http::Client` and `io::futures::http::Client`).
//!
//! Everything HTTP lives in [`crate::http::Client`] and [`crate::http::ops`];
//! each method here runs one operation, as the blocking client's do.

use super::{AsyncIo, Driver};
use crate::http::{self, ops, Request, Response};
use crate::io::DriveError;
use bytes::Bytes;
use std::vec::Vec;

/// What the async HTTP client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<http::Error>>;

/// An async HTTP/1.1 client over one connection of the I/O family `R`,
/// reused for request after request while the server keeps it alive.
#[derive(Debug)]
pub struct Client<S, R> {
    driver: Driver<S, http::Client, R>,
}

impl<S: AsyncIo<R> + Unpin, R> Client<S, R> {
    /// Wraps a connected stream (plain, or TLS from `io::tls`).
    pub fn new(stream: S) -> Self {
        Client {
            driver: Driver::new(stream, http::Client::new()),
        }
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, http::Client, R> {
        &mut self.driver
    }

    /// Sends a request head; follow with [`send_body`](Self::send_body)
    /// and [`finish`](Self::finish).
    pub async fn send_head(&mut self, request: &Request) -> Result<()> {
        self.driver.run(ops::SendHead(request)).await
    }

    /// Sends a piece of the request body (written at once, not copied).
    pub async fn send_body(&mut self, chunk: Bytes) -> Result<()> {
        self.driver.run(ops::SendBody(chunk)).await
    }

    /// Ends the request body and flushes.
    pub async fn finish(&mut self) -> Result<()> {
        self.driver.run(ops::Finish).await
    }

    /// Waits for the final response head, skipping informational (1xx)
    /// ones. Read the body with [`read_body`](Self::read_body).
    pub async fn response(&mut self) -> Result<Response> {
        self.driver.run(ops::ResponseHead).await
    }

    /// The next piece of the response body, `None` once it is complete.
    pub async fn read_body(&mut self) -> Result<Option<Bytes>> {
        self.driver.run(ops::BodyChunk).await
    }

    /// Sends a whole request and reads the whole response. A body is
    /// framed with `Content-Length` unless the request already says how.
    pub async fn fetch(
        &mut self,
        request: &Request,
        body: Option<Bytes>,
    ) -> Result<(Response, Vec<u8>)> {
        self.driver
            .run(ops::Fetch::new(request.clone(), body))
            .await
    }
}
