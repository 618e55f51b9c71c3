//! The typed SMTP client: the generic [`Session`] over [`Smtp`], with its
//! methods declared once here for the blocking client and the async ones
//! (`io::tokio::smtp::Client`, `io::futures::smtp::Client`) alike.
//!
//! Everything SMTP lives in [`crate::smtp::Client`] and
//! [`crate::smtp::ops`]; this only moves bytes.

#[cfg(feature = "rustls")]
use super::tls;
use super::{session_methods, DriveError, Session, SessionError};
use crate::sasl::Credentials;
use crate::smtp::{self, ops, Capabilities, Envelope, Message, Outcome, Reply, Smtp};
use std::net::{TcpStream, ToSocketAddrs};

/// What the SMTP client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Smtp>>;

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
pub type Client<S> = Session<S, Smtp>;

/// The capabilities now in force: those of the last EHLO (after STARTTLS,
/// the ones offered over TLS).
fn capabilities<'a>(machine: &'a smtp::Client, at_connect: &'a Capabilities) -> &'a Capabilities {
    machine.capabilities().unwrap_or(at_connect)
}

session_methods! {
    protocol: Smtp;
    new(machine: smtp::Client) = machine;
    get
    /// What the server offers (after STARTTLS: what it offers over TLS).
    fn capabilities -> &Capabilities = capabilities;

    /// Authenticates with the best mechanism offered; gives its name. A
    /// refusal is [`DriveError::Refused`] holding the [`smtp::Refusal`];
    /// the session goes on.
    fn login(user: &str, pass: &str) -> &'static str
        = call ops::Login::new(Credentials::new(user, pass)); map |(name, _)| name;
    /// Authenticates with this mechanism (chosen by the caller).
    fn auth(mechanism: std::boxed::Box<dyn crate::sasl::Mechanism + Send>) -> Reply
        = call ops::Auth::new(mechanism);
    /// Sends a message (header, blank line, body) to `recipients`,
    /// pipelined when the server offers it. Refusals are in the
    /// [`Outcome`], per recipient.
    fn send_mail[R: Into<smtp::Recipient>](
        from: &str,
        recipients: impl IntoIterator<Item = R>,
        message: impl Into<Message>,
    ) -> Outcome = run ops::SendMail::new(Envelope::new(from, recipients), message);
    /// `send_mail` with a whole envelope (parameters: SMTPUTF8, BODY,
    /// DSN, ...).
    fn send_envelope(envelope: Envelope, message: impl Into<Message>) -> Outcome
        = run ops::SendMail::new(envelope, message);
    /// RSET.
    fn rset() -> Reply = run ops::Single::rset();
    /// NOOP.
    fn noop() -> Reply = run ops::Single::noop();
    /// VRFY `what`.
    fn vrfy(what: &str) -> Reply = run ops::Single::vrfy(what);
    /// HELP, with an optional topic.
    fn help(topic: Option<&str>) -> Reply = run ops::Single::help(topic);
    /// Any of NOOP, RSET, VRFY, HELP or QUIT ([`ops::Single`]).
    fn single(command: ops::Single) -> Reply = run command;
    /// QUIT; the connection is done after it.
    fn quit() -> Reply = run ops::Single::quit();
}

impl Client<TcpStream> {
    /// Connects over TCP and waits until the session is ready (greeting
    /// and EHLO `helo_domain`, or HELO).
    pub fn connect(addr: impl ToSocketAddrs, helo_domain: &str) -> Result<Self> {
        let machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        Self::connect_with(addr, machine)
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
        let machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        Self::connect_tls_with(addr, machine, connector, host)
    }

    /// Connects over TCP (port 25 or 587) and upgrades with STARTTLS
    /// before anything else: a server without STARTTLS is
    /// [`smtp::ErrorKind::TlsUnavailable`], with nothing sent after EHLO.
    pub fn connect_starttls(
        addr: impl ToSocketAddrs,
        helo_domain: &str,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let machine = smtp::Client::new(helo_domain).map_err(DriveError::Protocol)?;
        Self::connect_starttls_with(addr, machine, connector, host)
    }
}
