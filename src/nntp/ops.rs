//! Whole exchanges of the NNTP client, written once and run by any driver
//! (see [`Operation`]); the typed sessions (`io::nntp::Client` and its
//! async twins) are thin loops around these.
//!
//! Every operation owns the answers to the commands it queued (matched by
//! [`CommandId`], see [`Correlate`]) and passes any other event back to
//! the driver. A `4xx`/`5xx` answer is the operation's outcome,
//! `Err(`[`Refusal`]`)`, not an error of the machine.
//!
//! Blocks come two ways: collected ([`Collect`], for a group's overview
//! in a script) or an entry at a time ([`Exchange`] to start the block,
//! then [`NextEntry`] until `None`), so a listing of 100,000 groups needs
//! no more memory than one line.
//!
//! ```
//! use sanswire::nntp::{ops, Client, GroupInfo};
//! use sanswire::wire::{Machine, OpStep, Operation};
//! let mut client = Client::new();
//! client.receive(b"200 ready\r\n211 3 1 3 misc.test\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! assert!(matches!(ops::Greeting.on_event(&mut client, ev), Ok(OpStep::Done(Ok(_)))));
//! let mut group = ops::Exchange::group("misc.test");
//! group.start(&mut client).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"GROUP misc.test\r\n");
//! let ev = client.poll_event().unwrap().event().unwrap();
//! let Ok(OpStep::Done(Ok(info))) = group.on_event(&mut client, ev) else { panic!() };
//! assert_eq!(info, GroupInfo { count: 3, low: 1, high: 3, name: "misc.test".into() });
//! ```

// A take function gives back the event it does not want, moved once, as
// the operations of every protocol do; boxing it would allocate per event.
#![allow(clippy::result_large_err)]

use super::{
    ActiveGroup, ArticleRef, Capabilities, Client, Command, Error, Event, GroupInfo, ListKind,
    Overview, Refusal, Reply, Selection,
};
use crate::sasl::Mechanism;
use crate::wire::{CommandId, Correlate, OpStep, Operation, Protocol, StartTls, TlsUnavailable};
use alloc::vec::Vec;
use bytes::Bytes;

type Step<T> = OpStep<Result<T, Refusal>, Event>;

/// What an operation sends.
#[derive(Debug, Clone)]
enum Sending {
    Command(Command),
    Post(Bytes),
    IHave(Bytes, Bytes),
    Raw(Bytes),
}

impl Sending {
    fn send(&self, client: &mut Client) -> Result<CommandId, Error> {
        match self {
            Sending::Command(cmd) => client.send(cmd.clone()),
            Sending::Post(article) => client.post(article.clone()),
            Sending::IHave(id, article) => client.ihave(id, article.clone()),
            Sending::Raw(line) => client.send_raw(line),
        }
    }
}

/// Waits for the greeting (run first); any code but 200 and 201 is the
/// refusal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Greeting;

impl Operation<Client> for Greeting {
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Reply>, Error> {
        if !client.is_reply_to(Some(CommandId::CONNECTION)) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Greeting { reply, .. } => OpStep::Done(Ok(reply)),
            Event::Refused(reply) => OpStep::Done(Err(Refusal(reply))),
            other => OpStep::Pass(other),
        })
    }
}

/// One command and the one event that answers it, read by `take`: a
/// status line, GROUP's `211`, STAT's `223`, the start of a block (then
/// read the entries with [`NextEntry`]). The `340`/`335` go-ahead of POST
/// and IHAVE is taken on the way.
#[derive(Debug, Clone)]
pub struct Exchange<T> {
    sending: Sending,
    take: fn(Event) -> Result<T, Event>,
    id: Option<CommandId>,
}

fn reply(e: Event) -> Result<Reply, Event> {
    match e {
        Event::Reply(r) => Ok(r),
        other => Err(other),
    }
}

fn block_start(e: Event) -> Result<Reply, Event> {
    match e {
        Event::BlockStart(r) | Event::Reply(r) => Ok(r),
        Event::ArticleStart { reply, .. } => Ok(reply),
        other => Err(other),
    }
}

fn group_info(e: Event) -> Result<GroupInfo, Event> {
    match e {
        Event::Group(info) => Ok(info),
        other => Err(other),
    }
}

fn selected(e: Event) -> Result<(u64, Bytes), Event> {
    match e {
        Event::Selected { number, message_id } => Ok((number, message_id)),
        Event::ArticleStart {
            number, message_id, ..
        } => Ok((number, message_id)),
        other => Err(other),
    }
}

impl<T> Exchange<T> {
    fn new(command: Command, take: fn(Event) -> Result<T, Event>) -> Self {
        Exchange {
            sending: Sending::Command(command),
            take,
            id: None,
        }
    }
}

impl Exchange<Reply> {
    /// Any command answered by one line (DATE, MODE READER, QUIT, ...).
    pub fn simple(command: Command) -> Self {
        Self::new(command, reply)
    }

    /// `MODE READER`.
    pub fn mode_reader() -> Self {
        Self::simple(Command::ModeReader)
    }

    /// `DATE`: the `111 yyyymmddhhmmss` line.
    pub fn date() -> Self {
        Self::simple(Command::Date)
    }

    /// `QUIT`.
    pub fn quit() -> Self {
        Self::simple(Command::Quit)
    }

    /// `POST` with `article`: the final `240` (a `440` or `441` is the
    /// refusal).
    pub fn post(article: Bytes) -> Self {
        Exchange {
            sending: Sending::Post(article),
            take: reply,
            id: None,
        }
    }

    /// `IHAVE <id>` with `article`: the final `235`.
    pub fn ihave(message_id: impl AsRef<[u8]>, article: Bytes) -> Self {
        Exchange {
            sending: Sending::IHave(Bytes::copy_from_slice(message_id.as_ref()), article),
            take: reply,
            id: None,
        }
    }

    /// Any command starting a block (OVER, LIST, HEAD, ...): the status
    /// line; read the block with [`NextEntry`].
    pub fn start_block(command: Command) -> Self {
        Self::new(command, block_start)
    }

    /// Any command line, as curl's `-X` sends it: the status line; if a
    /// block follows ([`raw_block_code`](super::raw_block_code)), read it
    /// with [`NextEntry`] ([`Event::Data`] pieces).
    pub fn raw(line: impl AsRef<[u8]>) -> Self {
        Exchange {
            sending: Sending::Raw(Bytes::copy_from_slice(line.as_ref())),
            take: block_start,
            id: None,
        }
    }
}

impl Exchange<GroupInfo> {
    /// `GROUP name`.
    pub fn group(name: impl AsRef<[u8]>) -> Self {
        Self::new(
            Command::Group(Bytes::copy_from_slice(name.as_ref())),
            group_info,
        )
    }
}

impl Exchange<(u64, Bytes)> {
    /// `STAT`, `NEXT` or `LAST` (or ARTICLE/HEAD/BODY, then read the
    /// content with [`NextEntry`]): the article's number and message-id.
    pub fn select(command: Command) -> Self {
        Self::new(command, selected)
    }
}

impl<T> Operation<Client> for Exchange<T> {
    type Output = Result<T, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(self.sending.send(client)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<T>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Refused(r) => OpStep::Done(Err(Refusal(r))),
            Event::Continue(_) => OpStep::Continue,
            other => match (self.take)(other) {
                Ok(out) => OpStep::Done(Ok(out)),
                Err(other) => OpStep::Pass(other),
            },
        })
    }
}

/// The next entry of the block being received (an [`Event::Overviews`],
/// [`Event::Data`], [`Event::Active`], ...), or `None` at its end. Sends
/// nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NextEntry;

impl Operation<Client> for NextEntry {
    type Output = Option<Event>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(
        &mut self,
        _: &mut Client,
        event: Event,
    ) -> Result<OpStep<Option<Event>, Event>, Error> {
        Ok(match event {
            Event::End => OpStep::Done(None),
            e @ (Event::Data(_)
            | Event::Overviews(_)
            | Event::Header { .. }
            | Event::Active(_)
            | Event::Newsgroup { .. }
            | Event::ArticleNumber(_)
            | Event::MessageId(_)
            | Event::Line(_)) => OpStep::Done(Some(e)),
            other => OpStep::Pass(other),
        })
    }
}

/// A command and its whole block, collected: each entry goes through
/// `add`, which gives back an event that is not an entry of its kind.
#[derive(Debug, Clone)]
pub struct Collect<T> {
    start: Exchange<Reply>,
    started: bool,
    add: fn(&mut Vec<T>, Event) -> Result<(), Event>,
    items: Vec<T>,
}

impl<T> Collect<T> {
    fn new(command: Command, add: fn(&mut Vec<T>, Event) -> Result<(), Event>) -> Self {
        Collect {
            start: Exchange::start_block(command),
            started: false,
            add,
            items: Vec::new(),
        }
    }
}

impl Collect<Overview> {
    /// `OVER`: the overview of the selected articles.
    pub fn over(selection: Selection) -> Self {
        Self::over_command(Command::Over(selection))
    }

    /// `OVER` or `XOVER`, as given.
    pub fn over_command(command: Command) -> Self {
        Self::new(command, |v, e| match e {
            Event::Overviews(batch) => {
                v.extend(batch.shared());
                Ok(())
            }
            other => Err(other),
        })
    }
}

impl Collect<u8> {
    /// `ARTICLE`, `HEAD` or `BODY`: the content, byte for byte.
    pub fn content(command: Command) -> Self {
        Self::new(command, |v, e| match e {
            Event::Data(d) => {
                v.extend_from_slice(&d);
                Ok(())
            }
            other => Err(other),
        })
    }

    /// `ARTICLE`.
    pub fn article(which: ArticleRef) -> Self {
        Self::content(Command::Article(which))
    }
}

impl Collect<ActiveGroup> {
    /// `LIST ACTIVE [wildmat]`, `LIST COUNTS`, or NEWGROUPS.
    pub fn active(command: Command) -> Self {
        Self::new(command, |v, e| match e {
            Event::Active(a) => {
                v.push(a);
                Ok(())
            }
            other => Err(other),
        })
    }
}

impl Collect<(Bytes, Bytes)> {
    /// `LIST NEWSGROUPS [wildmat]`: (name, description); or HDR/XHDR/XPAT:
    /// (article, value).
    pub fn pairs(command: Command) -> Self {
        Self::new(command, |v, e| match e {
            Event::Newsgroup { name, description } => {
                v.push((name, description));
                Ok(())
            }
            Event::Header { article, value } => {
                v.push((article, value));
                Ok(())
            }
            other => Err(other),
        })
    }

    /// `LIST NEWSGROUPS [wildmat]`.
    pub fn newsgroups(wildmat: Option<&str>) -> Self {
        Self::pairs(Command::List {
            kind: ListKind::Newsgroups,
            argument: wildmat.map(|w| Bytes::copy_from_slice(w.as_bytes())),
        })
    }
}

impl Collect<Bytes> {
    /// NEWNEWS (message-ids), HELP or LIST OVERVIEW.FMT / HEADERS / ...
    /// (lines).
    pub fn lines(command: Command) -> Self {
        Self::new(command, |v, e| match e {
            Event::MessageId(l) | Event::Line(l) => {
                v.push(l);
                Ok(())
            }
            other => Err(other),
        })
    }
}

impl Collect<u64> {
    /// `LISTGROUP`: the article numbers.
    pub fn numbers(command: Command) -> Self {
        let mut c = Self::new(command, |v, e| match e {
            Event::ArticleNumber(n) => {
                v.push(n);
                Ok(())
            }
            other => Err(other),
        });
        c.start.take = |e| match e {
            Event::Group(info) => Ok(Reply::new(211, info.name)),
            Event::BlockStart(r) => Ok(r),
            other => Err(other),
        };
        c
    }
}

impl<T> Operation<Client> for Collect<T> {
    type Output = Result<Vec<T>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.start.start(client)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<T>>, Error> {
        if !self.started {
            return Ok(match self.start.on_event(client, event)? {
                OpStep::Done(Ok(_)) => {
                    self.started = true;
                    OpStep::Continue
                }
                OpStep::Done(Err(r)) => OpStep::Done(Err(r)),
                OpStep::Continue => OpStep::Continue,
                OpStep::Pass(e) => OpStep::Pass(e),
            });
        }
        if !client.is_reply_to(self.start.id) {
            return Ok(OpStep::Pass(event));
        }
        if event == Event::End {
            return Ok(OpStep::Done(Ok(core::mem::take(&mut self.items))));
        }
        Ok(match (self.add)(&mut self.items, event) {
            Ok(()) => OpStep::Continue,
            Err(other) => OpStep::Pass(other),
        })
    }
}

/// `CAPABILITIES`.
#[derive(Debug, Default, Clone, Copy)]
pub struct GetCapabilities {
    id: Option<CommandId>,
}

impl Operation<Client> for GetCapabilities {
    type Output = Result<Capabilities, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.send(Command::Capabilities)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Capabilities>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Capabilities(c) => OpStep::Done(Ok(c)),
            Event::Refused(r) => OpStep::Done(Err(Refusal(r))),
            other => OpStep::Pass(other),
        })
    }
}

/// `AUTHINFO USER` then, after `381`, `AUTHINFO PASS` (RFC 4643 §2.3).
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
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        if let Some(pass) = &self.pass {
            Command::AuthInfoPass(pass.clone()).encode()?;
        }
        self.id = Some(client.send(Command::AuthInfoUser(self.user.clone()))?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Reply>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        match event {
            Event::Reply(r) if r.code == 381 => {
                let Some(pass) = self.pass.take() else {
                    return Ok(OpStep::Done(Err(Refusal(r))));
                };
                self.id = Some(client.send(Command::AuthInfoPass(pass))?);
                Ok(OpStep::Continue)
            }
            Event::Reply(r) => Ok(OpStep::Done(Ok(r))),
            Event::Refused(r) => Ok(OpStep::Done(Err(Refusal(r)))),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

/// `AUTHINFO SASL` with any mechanism; the machine answers the
/// challenges.
#[derive(Debug)]
pub struct Auth<M> {
    mechanism: Option<M>,
    id: Option<CommandId>,
}

impl<M> Auth<M> {
    /// Authenticates with `mechanism`.
    pub fn new(mechanism: M) -> Self {
        Auth {
            mechanism: Some(mechanism),
            id: None,
        }
    }
}

impl<M: Mechanism + Send + 'static> Operation<Client> for Auth<M> {
    type Output = Result<Reply, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        let m = self
            .mechanism
            .take()
            .ok_or(Error::out_of_sequence("AUTHINFO SASL started twice"))?;
        self.id = Some(client.auth(m)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Reply>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Reply(r) => OpStep::Done(Ok(r)),
            Event::Refused(r) => OpStep::Done(Err(Refusal(r))),
            other => OpStep::Pass(other),
        })
    }
}

/// `STARTTLS` (RFC 4642) up to the server's `382`, asking for the
/// capabilities first if they are not known; a server that does not
/// list STARTTLS or refuses it is [`ErrorKind::TlsUnavailable`](super::ErrorKind),
/// never a silent plaintext session.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartTlsOp {
    sent: bool,
    id: Option<CommandId>,
}

impl StartTlsOp {
    fn send_if_offered(&mut self, client: &mut Client) -> Result<(), Error> {
        if !client.capabilities().is_some_and(Capabilities::starttls) {
            return Err(Error::tls_unavailable(TlsUnavailable::NotOffered {
                command: "STARTTLS",
            }));
        }
        self.sent = true;
        self.id = Some(client.send(Command::StartTls)?);
        Ok(())
    }
}

impl Operation<Client> for StartTlsOp {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match client.capabilities() {
            None => self.id = Some(client.send(Command::Capabilities)?),
            Some(_) => self.send_if_offered(client)?,
        }
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        match event {
            Event::Capabilities(_) if !self.sent => {
                self.send_if_offered(client)?;
                Ok(OpStep::Continue)
            }
            Event::Reply(_) if self.sent => Ok(OpStep::Done(())),
            Event::Refused(r) => Err(Error::tls_unavailable(match self.sent {
                false => TlsUnavailable::NotOffered {
                    command: "STARTTLS",
                },
                true => TlsUnavailable::Refused {
                    command: "STARTTLS",
                    code: Some(r.code),
                },
            })),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

/// NNTP as the typed sessions see it: the greeting first, STARTTLS then
/// CAPABILITIES for the upgrade, a `4xx`/`5xx` as the refusal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nntp;

impl Protocol for Nntp {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Greeting;
    type Greeting = Reply;

    fn greeting(out: Result<Reply, Refusal>) -> Result<Reply, Refusal> {
        out
    }
}

impl StartTls for Nntp {
    type Upgrade = StartTlsOp;
    type Upgraded = GetCapabilities;
    type Secured = Capabilities;

    fn secured(out: Result<Capabilities, Refusal>) -> Result<Capabilities, Refusal> {
        out
    }

    fn require_tls(machine: &mut Client) {
        machine.set_require_tls(true);
    }
}
