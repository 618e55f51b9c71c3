//! Whole exchanges of the FTP client, written once and run by any driver
//! (see [`Operation`]). Each owns the events of the call it made (by
//! [`CommandId`]) and passes any other back. A 4xx or 5xx reply is the
//! operation's outcome, `Err(`[`Refusal`]`)`, never the machine's error.
//!
//! A transfer is three operations around the caller's data connection:
//! [`Plan`] (gives the [`DataPlan`]), [`Start`] (after the caller
//! connected or listens: sends the command, waits for `150`), and
//! [`Finish`] (after the data side ended: waits for `226`).

use super::{Client, DataPlan, Error, ErrorKind, Event, Features, Refusal, Reply, Timestamp, Verb};
use crate::wire::{CommandId, Correlate, OpStep, Operation, Protocol, StartTls};
use alloc::boxed::Box;
use alloc::string::String;
use core::net::SocketAddr;

type Step<T> = Result<OpStep<T, Event>, Error>;

/// Waits for the greeting. A refused greeting (`421`, ...) is the
/// machine's [`ErrorKind::Refused`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Ready;

impl Operation<Client> for Ready {
    type Output = Reply;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<Reply> {
        Ok(match event {
            Event::Greeting(r) => OpStep::Done(r),
            other => OpStep::Pass(other),
        })
    }
}

/// A call of the client machine, and how to read the event that ends it.
type Call = Box<dyn FnOnce(&mut Client) -> Result<CommandId, Error> + Send>;

/// One command and its final event, read by `F`.
pub struct Single<T> {
    call: Option<Call>,
    read: fn(Event) -> Option<Result<T, Refusal>>,
    id: Option<CommandId>,
}

impl<T> core::fmt::Debug for Single<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Single")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<T> Single<T> {
    fn new(
        call: impl FnOnce(&mut Client) -> Result<CommandId, Error> + Send + 'static,
        read: fn(Event) -> Option<Result<T, Refusal>>,
    ) -> Self {
        Single {
            call: Some(Box::new(call)),
            read,
            id: None,
        }
    }
}

impl<T> Operation<Client> for Single<T> {
    type Output = Result<T, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        let call = self.call.take().ok_or(Error::sequence("started twice"))?;
        self.id = Some(call(client)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Self::Output> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match (self.read)(event.clone()) {
            Some(out) => OpStep::Done(out),
            None => OpStep::Pass(event),
        })
    }
}

fn reply_of(event: Event) -> Option<Result<Reply, Refusal>> {
    match event {
        Event::Reply { reply, .. } | Event::LoggedIn(reply) => Some(judge(reply)),
        Event::LoginRefused(reply) => Some(Err(Refusal(reply))),
        _ => None,
    }
}

fn judge(reply: Reply) -> Result<Reply, Refusal> {
    if reply.is_negative() {
        Err(Refusal(reply))
    } else {
        Ok(reply)
    }
}

/// `USER`/`PASS`/`ACCT`.
pub fn login(user: &str, pass: &str) -> Single<Reply> {
    let (user, pass) = (String::from(user), String::from(pass));
    Single::new(move |c| c.login(&user, &pass, None), reply_of)
}

/// Any single command of the machine whose event is [`Event::Reply`]
/// (CWD, DELE, RMD, TYPE, NOOP, QUIT, ...), as a closure over the
/// client: `ops::simple(|c| c.cwd("pub"))`.
pub fn simple(
    call: impl FnOnce(&mut Client) -> Result<CommandId, Error> + Send + 'static,
) -> Single<Reply> {
    Single::new(call, reply_of)
}

/// `FEAT`: what the server offers (none from a server without FEAT).
pub fn feat() -> Single<Features> {
    Single::new(Client::feat, |e| match e {
        Event::Features(f) => Some(Ok(f)),
        _ => None,
    })
}

fn path_of(e: Event) -> Option<Result<String, Refusal>> {
    match e {
        Event::Directory { path, .. } => Some(Ok(path)),
        Event::Reply { reply, .. } => Some(Err(Refusal(reply))),
        _ => None,
    }
}

/// `PWD`: the current directory.
pub fn pwd() -> Single<String> {
    Single::new(Client::pwd, path_of)
}

/// `MKD path`: the directory made, as the server names it.
pub fn mkd(path: &str) -> Single<String> {
    let path = String::from(path);
    Single::new(move |c| c.mkd(&path), path_of)
}

/// `SIZE path`.
pub fn size(path: &str) -> Single<u64> {
    let path = String::from(path);
    Single::new(
        move |c| c.size(&path),
        |e| match e {
            Event::Size(n) => Some(Ok(n)),
            Event::Reply { reply, .. } => Some(Err(Refusal(reply))),
            _ => None,
        },
    )
}

/// `MDTM path`.
pub fn mdtm(path: &str) -> Single<Timestamp> {
    let path = String::from(path);
    Single::new(
        move |c| c.mdtm(&path),
        |e| match e {
            Event::Modified(t) => Some(Ok(t)),
            Event::Reply { reply, .. } => Some(Err(Refusal(reply))),
            _ => None,
        },
    )
}

/// What a transfer moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// `RETR` from an offset (0: the whole file).
    Retr(String, u64),
    /// `STOR` at an offset (0: a new file).
    Stor(String, u64),
    /// `APPE`.
    Appe(String),
    /// `LIST [path]`.
    List(Option<String>),
    /// `NLST [path]`.
    Nlst(Option<String>),
    /// `MLSD [path]`.
    Mlsd(Option<String>),
    /// `STOU`: an upload under a name the server picks (read it from the
    /// `150` with [`stou_name`]).
    Stou,
}

/// The name a server gave a STOU upload, from its `150 FILE: name` (RFC
/// 1123 §4.1.2.9; vsftpd, pyftpdlib); `None` if the reply has none.
///
/// ```
/// use sanswire::ftp::{ops::stou_name, Reply};
/// assert_eq!(stou_name(&Reply::new(150, "FILE: up.1")), Some("up.1"));
/// assert_eq!(stou_name(&Reply::new(150, "Ok to send data.")), None);
/// ```
pub fn stou_name(reply: &Reply) -> Option<&str> {
    let text = core::str::from_utf8(reply.text()).ok()?;
    let at = text.find("FILE: ")?;
    let name = text[at + 6..].trim_end();
    (!name.is_empty()).then_some(name)
}

impl Transfer {
    fn call(&self, c: &mut Client) -> Result<CommandId, Error> {
        match self {
            Transfer::Retr(p, o) => c.retr_from(p, *o),
            Transfer::Stor(p, o) => c.stor_from(p, *o),
            Transfer::Appe(p) => c.appe(p),
            Transfer::List(p) => c.list(p.as_deref()),
            Transfer::Nlst(p) => c.nlst(p.as_deref()),
            Transfer::Mlsd(p) => c.mlsd(p.as_deref()),
            Transfer::Stou => c.stou(),
        }
    }

    /// Whether the data goes to the server.
    pub fn is_upload(&self) -> bool {
        matches!(
            self,
            Transfer::Stor(..) | Transfer::Appe(_) | Transfer::Stou
        )
    }
}

/// Starts a transfer: gives the data plan (connect to, or listen), or
/// the refusal of EPSV/PASV/PORT.
#[derive(Debug)]
pub struct Plan {
    what: Transfer,
    id: Option<CommandId>,
}

impl Plan {
    /// Plans `what`.
    pub fn new(what: Transfer) -> Self {
        Plan { what, id: None }
    }
}

impl Operation<Client> for Plan {
    type Output = Result<(CommandId, DataPlan), Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(self.what.call(client)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Self::Output> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        let id = self.id.unwrap_or(CommandId::CONNECTION);
        Ok(match event {
            Event::Data(plan) => OpStep::Done(Ok((id, plan))),
            Event::TransferFailed(r) => OpStep::Done(Err(Refusal(r))),
            other => OpStep::Pass(other),
        })
    }
}

/// How a transfer started: the server's `150` (or, for a transfer the
/// server finished without one, its final reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// `125`/`150`: move the data now.
    Open(Reply),
    /// The final reply already (no data connection was used: some servers
    /// answer an empty listing so).
    Done(Reply),
}

/// After the caller connected (passive) or listens on `listening`
/// (active): sends the command, and waits for the server to start.
#[derive(Debug)]
pub struct Start {
    id: CommandId,
    listening: Option<SocketAddr>,
}

impl Start {
    /// Passive mode: the data connection is open.
    pub fn connected(id: CommandId) -> Self {
        Start {
            id,
            listening: None,
        }
    }

    /// Active mode: the caller listens on `addr`.
    pub fn listening(id: CommandId, addr: SocketAddr) -> Self {
        Start {
            id,
            listening: Some(addr),
        }
    }
}

impl Operation<Client> for Start {
    type Output = Result<Started, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.listening {
            Some(addr) => client.data_listening(addr),
            None => client.data_ready(),
        }
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Self::Output> {
        if !client.is_reply_to(Some(self.id)) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::TransferStarted(r) => OpStep::Done(Ok(Started::Open(r))),
            Event::TransferDone(r) => OpStep::Done(Ok(Started::Done(r))),
            Event::TransferFailed(r) => OpStep::Done(Err(Refusal(r))),
            other => OpStep::Pass(other),
        })
    }
}

/// The data side ended: waits for the final reply (which may be in
/// already).
#[derive(Debug)]
pub struct Finish {
    id: CommandId,
}

impl Finish {
    /// For the transfer `id` (from [`Plan`]).
    pub fn new(id: CommandId) -> Self {
        Finish { id }
    }
}

impl Operation<Client> for Finish {
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.data_finished()
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Self::Output> {
        if !client.is_reply_to(Some(self.id)) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::TransferDone(r) => OpStep::Done(Ok(r)),
            Event::TransferFailed(r) => OpStep::Done(Err(Refusal(r))),
            other => OpStep::Pass(other),
        })
    }
}

/// ABOR for a started transfer: gives ABOR's reply.
#[derive(Debug)]
pub struct Abort {
    id: CommandId,
}

impl Abort {
    /// For the transfer `id`.
    pub fn new(id: CommandId) -> Self {
        Abort { id }
    }
}

impl Operation<Client> for Abort {
    type Output = Reply;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.abort()
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Reply> {
        if !client.is_reply_to(Some(self.id)) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Aborted(r) | Event::TransferDone(r) | Event::TransferFailed(r) => {
                OpStep::Done(r)
            }
            other => OpStep::Pass(other),
        })
    }
}

/// FTP as the typed sessions see it (see [`Protocol`]): the greeting
/// first; 4xx and 5xx replies as the refusal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ftp;

impl Protocol for Ftp {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Ready;
    type Greeting = Reply;

    fn greeting(out: Reply) -> Result<Reply, Refusal> {
        Ok(out)
    }
}

/// `AUTH TLS`, up to the server's `234` (then the driver runs the
/// handshake). A refusal is the machine's
/// [`ErrorKind::TlsUnavailable`]: TLS was asked for, so nothing more is
/// sent in plaintext.
#[derive(Debug, Default)]
pub struct AuthTls {
    id: Option<CommandId>,
}

impl Operation<Client> for AuthTls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.auth_tls()?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<()> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        match event {
            Event::TlsGoAhead(_) => Ok(OpStep::Done(())),
            Event::Reply {
                command: Verb::Auth,
                ..
            } => Err(Error::new(ErrorKind::TlsUnavailable)),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

/// `PBSZ 0` then `PROT P` (RFC 4217 §9): data connections go over TLS
/// from then on (see [`Client::data_protection`]). Gives PROT's reply,
/// or the refusal of either.
#[derive(Debug, Default)]
pub struct Protect {
    id: Option<CommandId>,
    pbsz_done: bool,
}

impl Operation<Client> for Protect {
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.pbsz()?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Step<Self::Output> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        let Event::Reply { reply, .. } = event else {
            return Ok(OpStep::Pass(event));
        };
        if reply.is_negative() || self.pbsz_done {
            return Ok(OpStep::Done(judge(reply)));
        }
        self.pbsz_done = true;
        self.id = Some(client.prot(true)?);
        Ok(OpStep::Continue)
    }
}

/// FTP's in-band upgrade: `AUTH TLS`, the handshake, then `PBSZ 0` and
/// `PROT P`, so the data connections are private too (as curl's
/// `--ssl-reqd`).
impl StartTls for Ftp {
    type Upgrade = AuthTls;
    type Upgraded = Protect;
    type Secured = Reply;

    fn secured(out: Result<Reply, Refusal>) -> Result<Reply, Refusal> {
        out
    }

    fn require_tls(machine: &mut Client) {
        machine.set_require_tls(true);
    }
}
