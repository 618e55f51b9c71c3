//! Whole exchanges of the SMTP client, written once and run by any driver
//! (see [`Operation`]): the blocking and async typed clients are thin
//! loops around these, and every reply is interpreted here or in the
//! machine, never in a driver.
//!
//! ```no_run
//! use sanswire::io::Driver;
//! use sanswire::sasl::Credentials;
//! use sanswire::smtp::{ops, Client, Envelope};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stream = std::net::TcpStream::connect("127.0.0.1:2525")?;
//! let mut driver = Driver::new(stream, Client::new("client.example.org")?);
//! let caps = driver.run(ops::Ready)?;
//! if caps.auth().next().is_some() {
//!     driver.run(ops::Login::new(Credentials::new("alice", "secret")))?;
//! }
//! let envelope = Envelope::new("alice@example.org", ["bob@example.net"]);
//! let outcome = driver.run(ops::SendMail::new(envelope, &b"Subject: hi\r\n\r\nHello\r\n"[..]))?;
//! assert!(outcome.is_complete());
//! driver.run(ops::Single::quit())?;
//! # Ok(()) }
//! ```

use super::{Capabilities, Client, Envelope, Error, Event, Message, Outcome, Reply, Verb};
use crate::sasl::Credentials;
use crate::wire::{Operation, TlsUnavailable};
use alloc::string::String;

/// Waits until the session is ready for mail: the greeting came and EHLO
/// (or the HELO fallback) succeeded. Gives what the server offers. A
/// refused greeting or EHLO is the machine's [`Error::Refused`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Ready;

impl Operation<Client> for Ready {
    type Output = Capabilities;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Capabilities>, Error> {
        Ok(match event {
            Event::Ready { caps } => Some(caps),
            _ => None,
        })
    }
}

/// `STARTTLS` (RFC 3207) up to the server's go-ahead: then run the
/// driver's `start_tls`, after which the machine sends EHLO again (wait
/// for it with [`Ready`]). Requires TLS: a server that does not offer
/// STARTTLS, or refuses it, is [`Error::TlsUnavailable`], and nothing more
/// is sent; never a silent plaintext session.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartTls;

impl Operation<Client> for StartTls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.starttls()
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<()>, Error> {
        match event {
            Event::StartTls => Ok(Some(())),
            Event::Reply {
                command: Verb::StartTls,
                reply,
            } => Err(Error::TlsUnavailable(TlsUnavailable::Refused {
                command: "STARTTLS",
                code: Some(reply.code()),
            })),
            _ => Ok(None),
        }
    }
}

/// Authenticates with the best SASL mechanism the server offers for the
/// credentials (see [`crate::sasl::choose`]). Gives the mechanism's name
/// and the `235` reply; a refusal is [`Error::AuthFailed`] (the session
/// goes on: the machine is not in error), no usable mechanism is
/// [`Error::NotOffered`] (nothing was sent).
#[derive(Debug, Clone)]
pub struct Login {
    creds: Credentials,
    mechanism: &'static str,
}

impl Login {
    /// Logs in with these credentials.
    pub fn new(creds: Credentials) -> Self {
        Login {
            creds,
            mechanism: "",
        }
    }
}

impl Operation<Client> for Login {
    type Output = (&'static str, Reply);

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.mechanism = client.login(&self.creds)?;
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Self::Output>, Error> {
        match event {
            Event::Authenticated(reply) => Ok(Some((self.mechanism, reply))),
            Event::AuthFailed(reply) => Err(Error::AuthFailed(reply)),
            _ => Ok(None),
        }
    }
}

/// A whole mail transaction (see [`Client::send_mail`]): pipelined when
/// the server offers PIPELINING, BDAT when it offers CHUNKING. Gives the
/// [`Outcome`] with a result per recipient; refusals are in the outcome,
/// not errors.
#[derive(Debug, Clone)]
pub struct SendMail {
    envelope: Envelope,
    message: Option<Message>,
}

impl SendMail {
    /// Sends `message` (already formatted: header, blank line, body) to
    /// the envelope's recipients.
    pub fn new(envelope: Envelope, message: impl Into<Message>) -> Self {
        SendMail {
            envelope,
            message: Some(message.into()),
        }
    }
}

impl Operation<Client> for SendMail {
    type Output = Outcome;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        let message = self.message.take().unwrap_or_default();
        client.send_mail(&self.envelope, message)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Outcome>, Error> {
        Ok(match event {
            Event::MailSent(outcome) => Some(outcome),
            _ => None,
        })
    }
}

/// One single command (RSET, NOOP, VRFY, HELP, QUIT) and its reply,
/// whatever its code: the reply is the caller's to judge. A `421` (the
/// server is closing) answers it too, and closes the machine.
#[derive(Debug, Clone)]
pub struct Single {
    verb: Verb,
    argument: Option<String>,
}

impl Single {
    /// `RSET`.
    pub fn rset() -> Self {
        Self::new(Verb::Rset, None)
    }

    /// `NOOP`.
    pub fn noop() -> Self {
        Self::new(Verb::Noop, None)
    }

    /// `VRFY what`.
    pub fn vrfy(what: impl Into<String>) -> Self {
        Self::new(Verb::Vrfy, Some(what.into()))
    }

    /// `HELP [topic]`.
    pub fn help(topic: Option<&str>) -> Self {
        Self::new(Verb::Help, topic.map(String::from))
    }

    /// `QUIT`; the machine is closed after its reply.
    pub fn quit() -> Self {
        Self::new(Verb::Quit, None)
    }

    fn new(verb: Verb, argument: Option<String>) -> Self {
        Single { verb, argument }
    }
}

impl Operation<Client> for Single {
    type Output = Reply;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.verb {
            Verb::Rset => client.rset(),
            Verb::Noop => client.noop(),
            Verb::Vrfy => client.vrfy(self.argument.as_deref().unwrap_or_default()),
            Verb::Help => client.help(self.argument.as_deref()),
            Verb::Quit => client.quit(),
            Verb::StartTls => Err(Error::OutOfSequence("STARTTLS is not a single command")),
        }
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Reply>, Error> {
        Ok(match event {
            Event::Reply { reply, .. } => Some(reply),
            _ => None,
        })
    }
}
