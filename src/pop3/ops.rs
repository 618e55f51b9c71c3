//! Whole exchanges of the POP3 client, written once and run by any driver
//! (see [`Operation`]): the typed sessions (`io::pop3::Client` and its
//! async twins) are thin loops around these.
//!
//! Every operation owns the answer to the commands it queued, matched by
//! [`CommandId`] (see [`Correlate`]), and passes any other event back to
//! the driver ([`OpStep::Pass`]), which keeps it for the caller. A `-ERR`
//! answer is the operation's outcome, `Err(`[`Refusal`]`)` in its output,
//! not an error: the machine is fine and the next operation runs normally.
//!
//! ```
//! use sanswire::pop3::{ops, Client, Refusal, Response};
//! use sanswire::wire::{Machine, OpStep, Operation};
//! let mut client = Client::new();
//! client.receive(b"+OK ready\r\n+OK 2 320\r\n-ERR no such message\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! assert!(matches!(ops::Greeting.on_event(&mut client, ev), Ok(OpStep::Done(Ok(_)))));
//! let mut stat = ops::Stat::new();
//! stat.start(&mut client).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"STAT\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! assert_eq!(stat.on_event(&mut client, ev), Ok(OpStep::Done(Ok((2, 320)))));
//! let mut dele = ops::Simple::dele(9);
//! dele.start(&mut client).unwrap();
//! let ev = client.poll_event().unwrap().event().unwrap();
//! let refused = Refusal(Response::err("no such message"));
//! assert_eq!(dele.on_event(&mut client, ev), Ok(OpStep::Done(Err(refused))));
//! ```

use super::{Capabilities, Client, Command, Error, ErrorKind, Event, Refusal, Response};
use crate::sasl::Mechanism;
use crate::wire::{CommandId, Correlate, OpStep, Operation, Protocol, StartTls, TlsUnavailable};
use alloc::vec::Vec;
use bytes::Bytes;

/// What an operation whose command can be refused does with an event.
type Step<T> = OpStep<Result<T, Refusal>, Event>;

/// The answer to the command `id`, taken by `take` (which gives back an
/// event it does not want); `-ERR` is the refusal; another command's
/// event is passed.
fn answer<T>(
    client: &Client,
    id: Option<CommandId>,
    event: Event,
    take: impl FnOnce(Event) -> Result<T, Event>,
) -> Step<T> {
    if !client.is_reply_to(id) {
        return OpStep::Pass(event);
    }
    match event {
        Event::Err(r) => OpStep::Done(Err(Refusal(r))),
        other => match take(other) {
            Ok(out) => OpStep::Done(Ok(out)),
            Err(other) => OpStep::Pass(other),
        },
    }
}

/// `+OK` alone.
fn ok(event: Event) -> Result<Response, Event> {
    match event {
        Event::Ok(r) => Ok(r),
        other => Err(other),
    }
}

/// Waits for the server's greeting (run once, first); a `-ERR` greeting
/// is the refusal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Greeting;

impl Operation<Client> for Greeting {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(
            client,
            Some(CommandId::CONNECTION),
            event,
            |e| match e {
                Event::Greeting(r) => Ok(r),
                other => Err(other),
            },
        ))
    }
}

/// A command whose answer is one `+OK` line: DELE, RSET, NOOP, QUIT (and
/// USER alone, PASS alone, UTF8).
#[derive(Debug, Clone)]
pub struct Simple {
    command: Command,
    id: Option<CommandId>,
}

impl Simple {
    /// Any command answered by one status line.
    pub fn new(command: Command) -> Self {
        Simple { command, id: None }
    }

    /// `DELE msg`.
    pub fn dele(msg: u32) -> Self {
        Self::new(Command::Dele(msg))
    }

    /// `RSET`.
    pub fn rset() -> Self {
        Self::new(Command::Rset)
    }

    /// `NOOP`.
    pub fn noop() -> Self {
        Self::new(Command::Noop)
    }

    /// `QUIT`: after its `+OK` the session is over (in TRANSACTION, the
    /// server has removed the deleted messages).
    pub fn quit() -> Self {
        Self::new(Command::Quit)
    }
}

impl Operation<Client> for Simple {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.send(self.command.clone())?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(client, self.id, event, ok))
    }
}

/// `USER` then `PASS`; PASS is queued only once USER was accepted, so a
/// refused USER leaves nothing in flight.
#[derive(Debug, Clone)]
pub struct Login {
    user: Bytes,
    pass: Option<Bytes>,
    id: Option<CommandId>,
}

impl Login {
    /// Logs in as `user` with `pass`.
    pub fn new(user: impl AsRef<[u8]>, pass: impl AsRef<[u8]>) -> Self {
        Login {
            user: Bytes::copy_from_slice(user.as_ref()),
            pass: Some(Bytes::copy_from_slice(pass.as_ref())),
            id: None,
        }
    }
}

impl Operation<Client> for Login {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        // Check PASS's argument before anything is sent.
        if let Some(pass) = &self.pass {
            Command::Pass(pass.clone()).encode()?;
        }
        self.id = Some(client.user(&self.user)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        match answer(client, self.id, event, ok) {
            OpStep::Done(Ok(_)) if self.pass.is_some() => {
                let pass = self.pass.take().unwrap_or_default();
                self.id = Some(client.pass(pass)?);
                Ok(OpStep::Continue)
            }
            step => Ok(step),
        }
    }
}

/// `APOP name digest`, the digest made from the greeting's timestamp
/// (refused locally if the greeting had none: see
/// [`Client::apop_timestamp`]).
#[derive(Debug, Clone)]
pub struct Apop {
    user: Bytes,
    secret: Bytes,
    id: Option<CommandId>,
}

impl Apop {
    /// Logs in as `user` with the shared `secret`.
    pub fn new(user: impl AsRef<[u8]>, secret: impl AsRef<[u8]>) -> Self {
        Apop {
            user: Bytes::copy_from_slice(user.as_ref()),
            secret: Bytes::copy_from_slice(secret.as_ref()),
            id: None,
        }
    }
}

impl Operation<Client> for Apop {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.apop(&self.user, &self.secret)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(client, self.id, event, ok))
    }
}

/// `AUTH` with any SASL mechanism (RFC 5034); the machine answers the
/// challenges itself.
#[derive(Debug)]
pub struct Auth<M> {
    mechanism: Option<M>,
    id: Option<CommandId>,
}

impl<M> Auth<M> {
    /// Authenticates with `mechanism` (a boxed one works too).
    pub fn new(mechanism: M) -> Self {
        Auth {
            mechanism: Some(mechanism),
            id: None,
        }
    }
}

impl<M: Mechanism + Send + 'static> Operation<Client> for Auth<M> {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.mechanism.take() {
            Some(m) => self.id = Some(client.auth(m)?),
            None => return Err(ErrorKind::OutOfSequence("AUTH operation started twice").into()),
        }
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(client, self.id, event, ok))
    }
}

/// Declares an operation for a command without arguments or with one
/// number, whose answer one event carries.
macro_rules! one_command {
    ($(#[$doc:meta])* $name:ident $(($arg:ident: $argty:ty))?, $out:ty,
     |$client:ident| $send:expr, $pat:pat => $value:expr) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name {
            $($arg: $argty,)?
            id: Option<CommandId>,
        }

        impl $name {
            #[doc = concat!("The `", stringify!($name), "` operation.")]
            pub fn new($($arg: $argty)?) -> Self {
                $name { $($arg,)? id: None }
            }
        }

        impl Operation<Client> for $name {
            type Output = Result<$out, Refusal>;

            fn start(&mut self, $client: &mut Client) -> Result<(), Error> {
                $(let $arg = self.$arg;)?
                self.id = Some($send?);
                Ok(())
            }

            fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<$out>, Error> {
                Ok(answer(client, self.id, event, |e| match e {
                    $pat => Ok($value),
                    other => Err(other),
                }))
            }
        }
    };
}

one_command!(
    /// `CAPA`: the server's capabilities.
    Capa, Capabilities, |c| c.capa(), Event::Capabilities(caps) => caps
);
one_command!(
    /// `STAT`: (message count, total size in octets).
    Stat, (u32, u64), |c| c.stat(), Event::Stat { count, size } => (count, size)
);
one_command!(
    /// `LIST`: (message number, size) of every message.
    List, Vec<(u32, u64)>, |c| c.list(None), Event::List(v) => v
);
one_command!(
    /// `LIST msg`: the size of one message.
    Scan(msg: u32), u64, |c| c.list(Some(msg)), Event::Scan { size, .. } => size
);
one_command!(
    /// `UIDL`: (message number, unique-id) of every message.
    Uidl, Vec<(u32, Bytes)>, |c| c.uidl(None), Event::Uidl(v) => v
);
one_command!(
    /// `UIDL msg`: the unique-id of one message.
    Uid(msg: u32), Bytes, |c| c.uidl(Some(msg)), Event::Uid { uid, .. } => uid
);

/// `STLS` (RFC 2595) up to the server's `+OK`: then run the driver's
/// `start_tls`, and [`Capa`] again (what the server said in plaintext is
/// forgotten). Sends CAPA first if the capabilities are not known yet.
/// Requires TLS: a server that does not list STLS (or refuses CAPA, or
/// STLS) is the error [`ErrorKind::TlsUnavailable`], not a refusal to go on
/// from, and nothing more is sent; never a silent plaintext session.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stls {
    sent: bool,
    id: Option<CommandId>,
}

impl Stls {
    fn send_if_offered(&mut self, client: &mut Client) -> Result<(), Error> {
        let offered = client.capabilities().is_some_and(Capabilities::stls);
        if !offered {
            return Err(
                ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered { command: "STLS" }).into(),
            );
        }
        self.sent = true;
        self.id = Some(client.stls()?);
        Ok(())
    }
}

impl Operation<Client> for Stls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match client.capabilities() {
            None => self.id = Some(client.capa()?),
            Some(_) => self.send_if_offered(client)?,
        }
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        let unavailable = ErrorKind::TlsUnavailable(match self.sent {
            false => TlsUnavailable::NotOffered { command: "STLS" },
            true => TlsUnavailable::Refused {
                command: "STLS",
                code: None,
            },
        })
        .into();
        match event {
            Event::Capabilities(_) if !self.sent => {
                self.send_if_offered(client)?;
                Ok(OpStep::Continue)
            }
            Event::Ok(_) if self.sent => Ok(OpStep::Done(())),
            Event::Err(_) => Err(unavailable),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

/// Starts `RETR msg` or `TOP msg lines` and completes on the `+OK`; read
/// the content with [`MessageChunk`] until it gives `None`.
#[derive(Debug, Clone, Copy)]
pub struct StartMessage {
    msg: u32,
    top: Option<u32>,
    id: Option<CommandId>,
}

impl StartMessage {
    /// `RETR msg`.
    pub fn retr(msg: u32) -> Self {
        StartMessage {
            msg,
            top: None,
            id: None,
        }
    }

    /// `TOP msg lines`.
    pub fn top(msg: u32, lines: u32) -> Self {
        StartMessage {
            msg,
            top: Some(lines),
            id: None,
        }
    }
}

impl Operation<Client> for StartMessage {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(match self.top {
            None => client.retr(self.msg)?,
            Some(lines) => client.top(self.msg, lines)?,
        });
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(client, self.id, event, |e| match e {
            Event::MessageStart { response, .. } => Ok(response),
            other => Err(other),
        }))
    }
}

/// The next piece of the message (or raw block) being received,
/// unstuffed, as a slice of the receive buffer: `Some(piece)`, or `None`
/// once its terminating `.` line arrived. Sends nothing; any other event
/// is passed.
#[derive(Debug, Default, Clone, Copy)]
pub struct MessageChunk;

impl Operation<Client> for MessageChunk {
    type Output = Option<Bytes>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(
        &mut self,
        _: &mut Client,
        event: Event,
    ) -> Result<OpStep<Option<Bytes>, Event>, Error> {
        Ok(match event {
            Event::Data(d) => OpStep::Done(Some(d)),
            Event::MessageEnd { .. } => OpStep::Done(None),
            other => OpStep::Pass(other),
        })
    }
}

/// `RETR` or `TOP` collected whole: the content, unstuffed, byte for byte.
#[derive(Debug, Clone)]
pub struct FetchMessage {
    start: StartMessage,
    content: Vec<u8>,
}

impl FetchMessage {
    /// The whole of message `msg`.
    pub fn retr(msg: u32) -> Self {
        FetchMessage {
            start: StartMessage::retr(msg),
            content: Vec::new(),
        }
    }

    /// The header and first `lines` body lines of message `msg`.
    pub fn top(msg: u32, lines: u32) -> Self {
        FetchMessage {
            start: StartMessage::top(msg, lines),
            content: Vec::new(),
        }
    }
}

impl Operation<Client> for FetchMessage {
    type Output = Result<Vec<u8>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.start.start(client)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<u8>>, Error> {
        let content = &mut self.content;
        let mut more = false;
        let step = answer(client, self.start.id, event, |e| match e {
            Event::MessageStart { .. } => {
                more = true;
                Ok(Vec::new())
            }
            Event::Data(d) => {
                content.extend_from_slice(&d);
                more = true;
                Ok(Vec::new())
            }
            Event::MessageEnd { .. } => Ok(core::mem::take(content)),
            other => Err(other),
        });
        Ok(if more { OpStep::Continue } else { step })
    }
}

/// Any command line, as curl's `-X` sends it: completes on the status
/// line. If the answer has a block ([`Raw::has_block`]), read it with
/// [`MessageChunk`] until `None`.
#[derive(Debug, Clone)]
pub struct Raw {
    line: Bytes,
    block: bool,
    id: Option<CommandId>,
}

impl Raw {
    /// `line` (without CRLF); whether a block follows `+OK` is decided by
    /// [`raw_expects_block`](super::raw_expects_block).
    pub fn new(line: impl AsRef<[u8]>) -> Self {
        let line = Bytes::copy_from_slice(line.as_ref());
        let block = super::raw_expects_block(&line);
        Raw {
            line,
            block,
            id: None,
        }
    }

    /// `line`, with a block after `+OK` as the caller says.
    pub fn with_block(line: impl AsRef<[u8]>, block: bool) -> Self {
        Raw {
            line: Bytes::copy_from_slice(line.as_ref()),
            block,
            id: None,
        }
    }

    /// Whether a `+OK` is followed by a dot-terminated block.
    pub fn has_block(&self) -> bool {
        self.block
    }
}

impl Operation<Client> for Raw {
    type Output = Result<Response, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.send_raw(&self.line, self.block)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Response>, Error> {
        Ok(answer(client, self.id, event, |e| match e {
            Event::Ok(r) | Event::MessageStart { response: r, .. } => Ok(r),
            other => Err(other),
        }))
    }
}

/// POP3 as the typed sessions see it (see [`Protocol`]): the greeting
/// first, [`Stls`] then [`Capa`] for the upgrade, `-ERR` as the refusal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pop3;

impl Protocol for Pop3 {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Greeting;
    type Greeting = Response;

    fn greeting(out: Result<Response, Refusal>) -> Result<Response, Refusal> {
        out
    }
}

impl StartTls for Pop3 {
    type Upgrade = Stls;
    type Upgraded = Capa;
    type Secured = Capabilities;

    fn secured(out: Result<Capabilities, Refusal>) -> Result<Capabilities, Refusal> {
        out
    }

    fn require_tls(machine: &mut Client) {
        machine.set_require_tls(true);
    }
}
