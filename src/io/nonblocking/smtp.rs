//! A thin typed SMTP client on the async [`Driver`]: the async twin of
//! [`io::smtp::Client`](crate::io::smtp::Client), for every async I/O
//! family (named `io::tokio::smtp::Client` and `io::futures::smtp::Client`).
//! Each method runs one [`ops`] operation; everything SMTP is in the core.

use super::{AsyncIo, Driver};
use crate::io::DriveError;
use crate::sasl::Credentials;
use crate::smtp::{self, ops, Capabilities, Envelope, Message, Outcome, Reply};

/// What the async SMTP client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<smtp::Error>>;

/// An async SMTP client over one connection of the I/O family `R`.
#[derive(Debug)]
pub struct Client<S, R> {
    driver: Driver<S, smtp::Client, R>,
    caps: Capabilities,
}

impl<S: AsyncIo<R> + Unpin, R> Client<S, R> {
    /// Wraps a connected stream (plain, or TLS from `io::tls`) and a fresh
    /// machine, and waits until the session is ready (greeting, EHLO).
    pub async fn new(stream: S, machine: smtp::Client) -> Result<Self> {
        let mut driver = Driver::new(stream, machine);
        let caps = driver.run(ops::Ready).await?;
        Ok(Client { driver, caps })
    }

    /// What the server offers.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, smtp::Client, R> {
        &mut self.driver
    }

    /// Authenticates with the best mechanism offered; gives its name.
    pub async fn login(&mut self, user: &str, pass: &str) -> Result<&'static str> {
        let op = ops::Login::new(Credentials::new(user, pass));
        Ok(self.driver.run(op).await?.0)
    }

    /// Sends a message (header, blank line, body) with this envelope.
    pub async fn send_envelope(
        &mut self,
        envelope: Envelope,
        message: impl Into<Message>,
    ) -> Result<Outcome> {
        self.driver.run(ops::SendMail::new(envelope, message)).await
    }

    /// NOOP, RSET, VRFY, HELP or QUIT ([`ops::Single`]).
    pub async fn single(&mut self, command: ops::Single) -> Result<Reply> {
        self.driver.run(command).await
    }
}

#[cfg(any(feature = "tokio-rustls", feature = "futures-rustls"))]
impl<S, R> Client<crate::io::tls::nonblocking::Stream<S, R>, R>
where
    S: AsyncIo<R> + Unpin,
    R: crate::io::tls::nonblocking::AsyncTls<S>,
    crate::io::tls::nonblocking::Stream<S, R>: AsyncIo<R> + Unpin,
{
    /// STARTTLS, the handshake for `host`, and EHLO again; see the
    /// blocking [`starttls`](crate::io::smtp::Client::starttls).
    pub async fn starttls(
        &mut self,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<&Capabilities> {
        self.driver.run(ops::StartTls).await?;
        self.driver.start_tls(connector, host).await?;
        self.caps = self.driver.run(ops::Ready).await?;
        Ok(&self.caps)
    }
}
