//! A thin typed POP3 client on the async [`Driver`]: the async twin of
//! [`io::pop3::Client`](crate::io::pop3::Client), for every async I/O
//! family (named `io::tokio::pop3::Client` and `io::futures::pop3::Client`).
//! The everyday commands have a method; any other [`ops`] operation goes
//! through [`run`](Client::run).

use super::{AsyncIo, Driver};
use crate::io::DriveError;
use crate::pop3::{self, ops, Capabilities, Response};
use crate::wire::Operation;
use std::vec::Vec;

/// What the async POP3 client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<pop3::Error>>;

/// An async POP3 client over one connection of the I/O family `R`.
#[derive(Debug)]
pub struct Client<S, R> {
    driver: Driver<S, pop3::Client, R>,
    greeting: Response,
}

impl<S: AsyncIo<R> + Unpin, R> Client<S, R> {
    /// Wraps a connected stream (plain, or TLS from `io::tls`) and reads
    /// the greeting.
    pub async fn new(stream: S) -> Result<Self> {
        let mut driver = Driver::new(stream, pop3::Client::new());
        let greeting = driver.run(ops::Greeting).await?;
        Ok(Client { driver, greeting })
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &Response {
        &self.greeting
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, pop3::Client, R> {
        &mut self.driver
    }

    /// Runs any operation of [`pop3::ops`] (`Stat`, `Uidl`, `Simple::dele(n)`, ...).
    pub async fn run<O: Operation<pop3::Client>>(&mut self, op: O) -> Result<O::Output> {
        self.driver.run(op).await
    }

    /// `USER` and `PASS`.
    pub async fn login(&mut self, user: &str, pass: &str) -> Result<Response> {
        self.driver.run(ops::Login::new(user, pass)).await
    }

    /// `CAPA`.
    pub async fn capa(&mut self) -> Result<Capabilities> {
        self.driver.run(ops::Capa).await
    }

    /// `LIST`: (message number, octets) of every message.
    pub async fn list(&mut self) -> Result<Vec<(u32, u64)>> {
        self.driver.run(ops::List).await
    }

    /// `RETR msg`: the whole message, byte for byte.
    pub async fn retr(&mut self, msg: u32) -> Result<Vec<u8>> {
        self.driver.run(ops::FetchMessage::retr(msg)).await
    }

    /// `QUIT`: the server applies the deletions, then closes.
    pub async fn quit(&mut self) -> Result<Response> {
        self.driver.run(ops::Simple::quit()).await
    }
}

#[cfg(any(feature = "tokio-rustls", feature = "futures-rustls"))]
impl<S, R> Client<crate::io::tls::nonblocking::Stream<S, R>, R>
where
    S: AsyncIo<R> + Unpin,
    R: crate::io::tls::nonblocking::AsyncTls<S>,
    crate::io::tls::nonblocking::Stream<S, R>: AsyncIo<R> + Unpin,
{
    /// STLS, the handshake for `host`, and CAPA again; see the blocking
    /// [`stls`](crate::io::pop3::Client::stls).
    pub async fn stls(
        &mut self,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Capabilities> {
        self.driver.run(ops::Stls::default()).await?;
        self.driver.start_tls(connector, host).await?;
        self.driver.run(ops::Capa).await
    }
}
