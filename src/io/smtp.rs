//! A thin typed SMTP client on the blocking [`Driver`].
//!
//! Everything SMTP lives in [`crate::smtp::Client`] and
//! [`crate::smtp::ops`]; this only moves bytes.

#[cfg(feature = "rustls")]
use super::tls;
use super::{DriveError, Driver, Socket};
use crate::sasl::Credentials;
use crate::smtp::{self, ops, Capabilities, Envelope, Message, Outcome, Reply};

use std::net::{TcpStream, ToSocketAddrs};

/// What the blocking SMTP client's calls return.
pub type Result<T> = core::result::Result<T, DriveError<smtp::Error>>;

/// A blocking SMTP client over one connection: connect, optionally log
/// in, send any number of messages, quit.
///
/// ```no_run
/// use sanswire::io::smtp::Client;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut client = Client::connect("127.0.0.1:2525", "client.example.org")?;
/// client.login("alice", "secret")?;
/// let outcome = client.send_mail(
///     "alice@example.org",
///     ["bob@example.net", "carol@example.net"],
///     &b"Subject: hello\r\n\r\nHi both.\r\n"[..],
/// )?;
/// for r in &outcome.recipients {
///     println!("{}: {}", r.address, if r.is_delivered() { "delivered" } else { "refused" });
/// }
/// client.quit()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client<S> {
    driver: Driver<S, smtp::Client>,
    caps: Capabilities,
}

impl Client<TcpStream> {
    /// Connects over TCP and waits until the session is ready (greeting
    /// and EHLO `helo_domain`, or HELO).
    pub fn connect(addr: impl ToSocketAddrs, helo_domain: &str) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        Client::new(stream, machine)
    }
}

impl<S: Socket> Client<S> {
    /// Wraps a connected stream and a fresh machine (configure it first:
    /// limits, LMTP, chunking, all-or-nothing recipients), and waits until
    /// the session is ready.
    pub fn new(stream: S, machine: smtp::Client) -> Result<Self> {
        let mut driver = Driver::new(stream, machine);
        let caps = driver.run(ops::Ready)?;
        Ok(Client { driver, caps })
    }

    /// What the server offers.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The driver underneath, for its stream or machine.
    pub fn driver(&mut self) -> &mut Driver<S, smtp::Client> {
        &mut self.driver
    }

    /// Authenticates with the best mechanism offered; gives its name. A
    /// refusal is [`smtp::Error::AuthFailed`].
    pub fn login(&mut self, user: &str, pass: &str) -> Result<&'static str> {
        let (name, _) = self
            .driver
            .run(ops::Login::new(Credentials::new(user, pass)))?;
        Ok(name)
    }

    /// Sends a message (header, blank line, body) to `recipients`,
    /// pipelined when the server offers it. Refusals are in the
    /// [`Outcome`], per recipient.
    pub fn send_mail<R: Into<smtp::Recipient>>(
        &mut self,
        from: &str,
        recipients: impl IntoIterator<Item = R>,
        message: impl Into<Message>,
    ) -> Result<Outcome> {
        self.send_envelope(Envelope::new(from, recipients), message)
    }

    /// [`send_mail`](Self::send_mail) with a whole envelope (parameters:
    /// SMTPUTF8, BODY, DSN, ...).
    pub fn send_envelope(
        &mut self,
        envelope: Envelope,
        message: impl Into<Message>,
    ) -> Result<Outcome> {
        self.driver.run(ops::SendMail::new(envelope, message))
    }

    /// RSET.
    pub fn rset(&mut self) -> Result<Reply> {
        self.driver.run(ops::Single::rset())
    }

    /// NOOP.
    pub fn noop(&mut self) -> Result<Reply> {
        self.driver.run(ops::Single::noop())
    }

    /// VRFY `what`.
    pub fn vrfy(&mut self, what: &str) -> Result<Reply> {
        self.driver.run(ops::Single::vrfy(what))
    }

    /// QUIT; the connection is done after it.
    pub fn quit(&mut self) -> Result<Reply> {
        self.driver.run(ops::Single::quit())
    }
}

#[cfg(feature = "rustls")]
impl Client<tls::Stream<TcpStream>> {
    /// SMTPS (port 465): connects over TCP, runs the TLS handshake for
    /// `host`, and waits until the session is ready.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        helo_domain: &str,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let stream = tls::Stream::connect(stream, connector, host)?;
        let machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        Client::new(stream, machine)
    }

    /// Connects over TCP (port 25 or 587) and upgrades with STARTTLS
    /// before anything else: a server without STARTTLS is
    /// [`smtp::Error::TlsUnavailable`], with nothing sent after EHLO.
    pub fn connect_starttls(
        addr: impl ToSocketAddrs,
        helo_domain: &str,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        machine.set_require_tls(true);
        let mut client = Client::new(tls::Stream::plain(stream), machine)?;
        client.starttls(connector, host)?;
        Ok(client)
    }
}

#[cfg(feature = "rustls")]
impl<S: Socket> Client<tls::Stream<S>> {
    /// STARTTLS (RFC 3207): the command, the handshake for `host`, and
    /// EHLO again; gives what the server offers over TLS. Not offered or
    /// refused: [`smtp::Error::TlsUnavailable`], and nothing more is sent.
    pub fn starttls(&mut self, connector: &tls::TlsConnector, host: &str) -> Result<&Capabilities> {
        self.driver.run(ops::StartTls)?;
        self.driver.start_tls(connector, host)?;
        self.caps = self.driver.run(ops::Ready)?;
        Ok(&self.caps)
    }
}
