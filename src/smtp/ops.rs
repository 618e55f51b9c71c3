//! Whole exchanges of the SMTP client, written once and run by any driver
//! (see [`Operation`]): the blocking and async typed clients are thin
//! loops around these, and every reply is interpreted here or in the
//! machine, never in a driver.
//!
//! Each operation owns the event of the call it made (matched by
//! [`CommandId`], see [`Correlate`]) and passes any other back to the
//! driver. Refused credentials are [`ops::Login`](Login)'s outcome
//! (`Err(`[`Refusal`]`)`), not an error: the session goes on.
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
//!     if let Err(refusal) = driver.run(ops::Login::new(Credentials::new("alice", "secret")))? {
//!         println!("going on unauthenticated: {refusal}");
//!     }
//! }
//! let envelope = Envelope::new("alice@example.org", ["bob@example.net"]);
//! let outcome = driver.run(ops::SendMail::new(envelope, &b"Subject: hi\r\n\r\nHello\r\n"[..]))?;
//! assert!(outcome.is_complete());
//! driver.run(ops::Single::quit())?;
//! # Ok(()) }
//! ```

use super::{
    Capabilities, Client, Envelope, Error, ErrorKind, Event, Message, Outcome, Refusal, Reply, Verb,
};
use crate::sasl::{Credentials, Mechanism};
use crate::wire::{
    CommandId, Correlate, OpStep, Operation, Protocol, StartTls as Upgrade, TlsUnavailable,
};
use alloc::boxed::Box;
use alloc::string::String;

/// Waits until the session is ready for mail: the greeting came and EHLO
/// (or the HELO fallback) succeeded. Gives what the server offers. A
/// refused greeting or EHLO is the machine's [`ErrorKind::Refused`]: the
/// session cannot go on. The greeting is the operation's own; the events
/// of calls made before it are passed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ready;

impl Operation<Client> for Ready {
    type Output = Capabilities;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(
        &mut self,
        _: &mut Client,
        event: Event,
    ) -> Result<OpStep<Capabilities, Event>, Error> {
        Ok(match event {
            Event::Ready { caps } => OpStep::Done(caps),
            Event::Greeting(_) => OpStep::Continue,
            other => OpStep::Pass(other),
        })
    }
}

/// `STARTTLS` (RFC 3207) up to the server's go-ahead: then run the
/// driver's `start_tls`, after which the machine sends EHLO again (wait
/// for it with [`Ready`]). Requires TLS: a server that does not offer
/// STARTTLS, or refuses it, is [`ErrorKind::TlsUnavailable`], and nothing more
/// is sent; never a silent plaintext session.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartTls {
    id: Option<CommandId>,
}

impl StartTls {
    /// The `STARTTLS` operation.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Operation<Client> for StartTls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.starttls()?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        match event {
            Event::StartTls => Ok(OpStep::Done(())),
            Event::Reply { reply, .. } => Err(ErrorKind::TlsUnavailable(TlsUnavailable::Refused {
                command: "STARTTLS",
                code: Some(reply.code()),
            })
            .into()),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

/// Authenticates with the best SASL mechanism the server offers for the
/// credentials (see [`crate::sasl::choose`]). Gives the mechanism's name
/// and the `235` reply; a refusal is `Err(`[`Refusal`]`)` in the output
/// (the session goes on: the machine is not in error), no usable
/// mechanism is [`ErrorKind::NotOffered`] (nothing was sent).
#[derive(Debug, Clone)]
pub struct Login {
    creds: Credentials,
    mechanism: &'static str,
    id: Option<CommandId>,
}

impl Login {
    /// Logs in with these credentials.
    pub fn new(creds: Credentials) -> Self {
        Login {
            creds,
            mechanism: "",
            id: None,
        }
    }
}

impl Operation<Client> for Login {
    type Output = Result<(&'static str, Reply), Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.mechanism = client.login(&self.creds)?;
        self.id = client.in_flight();
        Ok(())
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<OpStep<Self::Output, Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Authenticated(reply) => OpStep::Done(Ok((self.mechanism, reply))),
            Event::AuthFailed(reply) => OpStep::Done(Err(Refusal(reply))),
            other => OpStep::Pass(other),
        })
    }
}

/// Authenticates with the given SASL mechanism (for a caller that picks
/// it, such as curl's `;AUTH=` rules: see [`crate::sasl::choose_like_curl`]).
/// Gives the `235` reply; a refusal is `Err(`[`Refusal`]`)` in the output.
pub struct Auth {
    mechanism: Option<Box<dyn Mechanism + Send>>,
    id: Option<CommandId>,
}

impl core::fmt::Debug for Auth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Auth")
            .field("mechanism", &self.mechanism.as_ref().map(|m| m.name()))
            .field("id", &self.id)
            .finish()
    }
}

impl Auth {
    /// Authenticates with `mechanism`.
    pub fn new(mechanism: Box<dyn Mechanism + Send>) -> Self {
        Auth {
            mechanism: Some(mechanism),
            id: None,
        }
    }
}

impl Operation<Client> for Auth {
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        let mechanism = self
            .mechanism
            .take()
            .ok_or(ErrorKind::OutOfSequence("AUTH operation started twice"))?;
        self.id = Some(client.auth(mechanism)?);
        Ok(())
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<OpStep<Self::Output, Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Authenticated(reply) => OpStep::Done(Ok(reply)),
            Event::AuthFailed(reply) => OpStep::Done(Err(Refusal(reply))),
            other => OpStep::Pass(other),
        })
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
    id: Option<CommandId>,
}

impl SendMail {
    /// Sends `message` (already formatted: header, blank line, body) to
    /// the envelope's recipients.
    pub fn new(envelope: Envelope, message: impl Into<Message>) -> Self {
        SendMail {
            envelope,
            message: Some(message.into()),
            id: None,
        }
    }
}

impl Operation<Client> for SendMail {
    type Output = Outcome;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        let message = self.message.take().unwrap_or_default();
        self.id = Some(client.send_mail(&self.envelope, message)?);
        Ok(())
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<OpStep<Outcome, Event>, Error> {
        Ok(match event {
            Event::MailSent(outcome) if client.is_reply_to(self.id) => OpStep::Done(outcome),
            other => OpStep::Pass(other),
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
    id: Option<CommandId>,
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

    /// `EXPN list`.
    pub fn expn(list: impl Into<String>) -> Self {
        Self::new(Verb::Expn, Some(list.into()))
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
        Single {
            verb,
            argument,
            id: None,
        }
    }
}

impl Operation<Client> for Single {
    type Output = Reply;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(match self.verb {
            Verb::Rset => client.rset(),
            Verb::Noop => client.noop(),
            Verb::Vrfy => client.vrfy(self.argument.as_deref().unwrap_or_default()),
            Verb::Expn => client.expn(self.argument.as_deref().unwrap_or_default()),
            Verb::Help => client.help(self.argument.as_deref()),
            Verb::Quit => client.quit(),
            Verb::StartTls => {
                Err(ErrorKind::OutOfSequence("STARTTLS is not a single command").into())
            }
        }?);
        Ok(())
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<OpStep<Reply, Event>, Error> {
        Ok(match event {
            Event::Reply { reply, .. } if client.is_reply_to(self.id) => OpStep::Done(reply),
            other => OpStep::Pass(other),
        })
    }
}

/// SMTP as the typed sessions see it (see [`Protocol`]): [`Ready`] first
/// (greeting and EHLO), [`StartTls`] then [`Ready`] again for the upgrade,
/// refused credentials as the refusal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Smtp;

impl Protocol for Smtp {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Ready;
    type Greeting = Capabilities;

    fn greeting(out: Capabilities) -> Result<Capabilities, Refusal> {
        Ok(out)
    }
}

impl Upgrade for Smtp {
    type Upgrade = StartTls;
    type Upgraded = Ready;
    type Secured = Capabilities;

    fn secured(out: Capabilities) -> Result<Capabilities, Refusal> {
        Ok(out)
    }

    fn require_tls(machine: &mut Client) {
        machine.set_require_tls(true);
    }
}
