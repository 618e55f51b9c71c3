//! Whole exchanges of the IMAP client, written once and run by any driver
//! (see [`Operation`]): the typed sessions are thin loops around these.
//!
//! Every operation owns the completion of its command (matched by
//! [`CommandId`]) and the untagged data of the kinds it collects while
//! its command is in flight; anything else (an EXISTS during a FETCH, an
//! answer to an earlier command) is passed back to the driver, in order.
//! A NO or BAD is the operation's outcome, `Err(`[`Refusal`]`)`.
//!
//! ```
//! use sanswire::imap::{ops, Client, Data};
//! use sanswire::wire::{Machine, OpStep, Operation};
//! let mut c = Client::new();
//! c.receive(b"* OK hi\r\n");
//! let ev = c.poll_event().unwrap().event().unwrap();
//! assert!(matches!(ops::Greeting.on_event(&mut c, ev), Ok(OpStep::Done(Ok(_)))));
//! let mut search = ops::Search::new(vec![sanswire::imap::SearchKey::All], false);
//! search.start(&mut c).unwrap();
//! assert_eq!(c.outbox().take_vec(), b"A1 SEARCH ALL\r\n");
//! c.receive(b"* SEARCH 2 3\r\n* 4 EXISTS\r\nA1 OK done\r\n");
//! let ev = c.poll_event().unwrap().event().unwrap();
//! assert!(matches!(search.on_event(&mut c, ev), Ok(OpStep::Continue)));
//! let ev = c.poll_event().unwrap().event().unwrap();
//! assert!(matches!(search.on_event(&mut c, ev), Ok(OpStep::Pass(_)))); // EXISTS: not its own
//! let ev = c.poll_event().unwrap().event().unwrap();
//! assert_eq!(search.on_event(&mut c, ev), Ok(OpStep::Done(Ok(vec![2, 3]))));
//! ```

use super::{
    Client, Code, Command, Data, Error, Event, FetchAttr, FetchItem, Flag, ListItem, Mailbox,
    QResync, Refusal, SearchKey, SeqSet, Status, StatusKind, StoreMode,
};
use crate::sasl::Mechanism;
use crate::wire::{CommandId, Correlate, Machine, OpStep, Operation, Protocol, StartTls};
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

/// What an operation whose command can be refused does with an event.
pub type Step<T> = OpStep<Result<T, Refusal>, Event>;

/// The IMAP protocol as the typed sessions see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Imap;

impl Protocol for Imap {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Greeting;
    type Greeting = Status;

    fn greeting(out: Result<Status, Refusal>) -> Result<Status, Refusal> {
        out
    }
}

impl StartTls for Imap {
    type Upgrade = Starttls;
    type Upgraded = Capability;
    type Secured = Vec<Bytes>;

    fn secured(out: Result<Vec<Bytes>, Refusal>) -> Result<Vec<Bytes>, Refusal> {
        out
    }

    fn require_tls(machine: &mut Client) {
        machine.set_require_tls(true);
    }
}

/// Waits for the greeting; a BYE greeting is the refusal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Greeting;

impl Operation<Client> for Greeting {
    type Output = Result<Status, Refusal>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Step<Status>, Error> {
        Ok(match event {
            Event::Greeting(s) if s.kind == StatusKind::Bye => {
                OpStep::Done(Err(Refusal(Box::new(s))))
            }
            Event::Greeting(s) => OpStep::Done(Ok(s)),
            other => OpStep::Pass(other),
        })
    }
}

/// Any command: collects the untagged data `keep` selects while it is in
/// flight, and completes with them and its OK.
pub struct Run {
    command: Option<Command>,
    raw: Option<Vec<u8>>,
    mechanism: Option<Box<dyn Mechanism + Send>>,
    keep: fn(&Data) -> bool,
    id: Option<CommandId>,
    data: Vec<Data>,
    codes: Vec<Code>,
}

impl core::fmt::Debug for Run {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Run")
            .field("command", &self.command)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A command's untagged answers and its completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The untagged data collected.
    pub data: Vec<Data>,
    /// Response codes of untagged OKs during the command (SELECT's
    /// UIDVALIDITY, UIDNEXT, PERMANENTFLAGS, ...).
    pub codes: Vec<Code>,
    /// The tagged OK.
    pub done: Status,
}

impl Run {
    /// `command`, collecting the data `keep` selects.
    pub fn new(command: Command, keep: fn(&Data) -> bool) -> Self {
        Run {
            command: Some(command),
            raw: None,
            mechanism: None,
            keep,
            id: None,
            data: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// `command`, collecting nothing.
    pub fn simple(command: Command) -> Self {
        Self::new(command, |_| false)
    }

    fn step(&mut self, client: &Client, event: Event) -> Step<Answer> {
        if !client.is_reply_to(self.id) {
            return OpStep::Pass(event);
        }
        match event {
            Event::Done(s) if s.kind == StatusKind::Ok => OpStep::Done(Ok(Answer {
                data: core::mem::take(&mut self.data),
                codes: core::mem::take(&mut self.codes),
                done: s,
            })),
            Event::Done(s) => OpStep::Done(Err(Refusal(Box::new(s)))),
            Event::Data(d) if (self.keep)(&d) => {
                self.data.push(d);
                OpStep::Continue
            }
            Event::Status(s) if s.kind == StatusKind::Ok && s.code.is_some() => {
                if let Some(code) = s.code.clone() {
                    self.codes.push(code);
                }
                OpStep::Pass(Event::Status(s))
            }
            other => OpStep::Pass(other),
        }
    }
}

impl Operation<Client> for Run {
    type Output = Result<Answer, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(match (self.mechanism.take(), self.raw.take()) {
            (Some(m), _) => client.authenticate(m)?,
            (None, Some(line)) => client.send_raw(&line)?,
            (None, None) => client.send(self.command.take().unwrap_or(Command::Noop))?,
        });
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Answer>, Error> {
        Ok(self.step(client, event))
    }
}

/// Defines a typed operation over [`Run`] that reshapes its answer.
macro_rules! typed_op {
    ($(#[$doc:meta])* $name:ident -> $out:ty, |$a:ident| $map:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(Run);

        impl Operation<Client> for $name {
            type Output = Result<$out, Refusal>;

            fn start(&mut self, client: &mut Client) -> Result<(), Error> {
                self.0.start(client)
            }

            fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<$out>, Error> {
                Ok(match self.0.step(client, event) {
                    OpStep::Done(Ok($a)) => OpStep::Done(Ok($map)),
                    OpStep::Done(Err(r)) => OpStep::Done(Err(r)),
                    OpStep::Continue => OpStep::Continue,
                    OpStep::Pass(e) => OpStep::Pass(e),
                })
            }
        }
    };
}

typed_op!(
    /// A command answered by its completion alone: the tagged OK (its code
    /// holds APPENDUID, COPYUID, ...).
    Simple -> Status, |a| a.done
);

impl Simple {
    /// Any command; untagged data during it is passed on.
    pub fn new(command: Command) -> Self {
        Simple(Run::simple(command))
    }

    /// `LOGIN user pass`.
    pub fn login(user: &str, pass: &str) -> Self {
        Self::new(Command::Login {
            user: Bytes::copy_from_slice(user.as_bytes()),
            pass: Bytes::copy_from_slice(pass.as_bytes()),
        })
    }

    /// `AUTHENTICATE` with a SASL mechanism.
    pub fn authenticate(mechanism: Box<dyn Mechanism + Send>) -> Self {
        let mut run = Run::simple(Command::Noop);
        run.mechanism = Some(mechanism);
        Simple(run)
    }

    /// `NOOP`.
    pub fn noop() -> Self {
        Self::new(Command::Noop)
    }

    /// `LOGOUT`.
    pub fn logout() -> Self {
        Self::new(Command::Logout)
    }

    /// `EXPUNGE`'s OK alone (see [`Expunge`] for the numbers).
    pub fn close() -> Self {
        Self::new(Command::Close)
    }

    /// `[UID] COPY set mailbox`.
    pub fn copy(set: SeqSet, mailbox: &str, uid: bool) -> Self {
        Self::new(Command::Copy {
            uid,
            set,
            mailbox: Mailbox::new(mailbox),
        })
    }

    /// `[UID] MOVE set mailbox`.
    pub fn move_to(set: SeqSet, mailbox: &str, uid: bool) -> Self {
        Self::new(Command::Move {
            uid,
            set,
            mailbox: Mailbox::new(mailbox),
        })
    }

    /// `APPEND mailbox (flags) message`.
    pub fn append(mailbox: &str, flags: Vec<Flag>, message: Bytes) -> Self {
        Self::new(Command::Append {
            mailbox: Mailbox::new(mailbox),
            messages: alloc::vec![super::AppendMessage {
                flags,
                date: None,
                data: message,
            }],
        })
    }
}

/// `APPEND` of several messages: one command with MULTIAPPEND (RFC 3502)
/// when the server offers it, all or nothing; otherwise one APPEND per
/// message, each sent after the previous one's OK, stopping at the first
/// refusal. The output: the OKs (APPENDUID in their codes), one per
/// command.
#[derive(Debug)]
pub struct AppendAll {
    mailbox: Mailbox,
    /// The messages still to send, last first.
    rest: Vec<super::AppendMessage>,
    id: Option<CommandId>,
    done: Vec<Status>,
}

impl AppendAll {
    /// The messages, in order, to `mailbox`.
    pub fn new(mailbox: &str, messages: Vec<super::AppendMessage>) -> Self {
        let mut rest = messages;
        rest.reverse();
        AppendAll {
            mailbox: Mailbox::new(mailbox),
            rest,
            id: None,
            done: Vec::new(),
        }
    }

    fn send_next(&mut self, client: &mut Client) -> Result<(), Error> {
        let messages = if client.has_capability("MULTIAPPEND") {
            let mut all = core::mem::take(&mut self.rest);
            all.reverse();
            all
        } else {
            self.rest.pop().into_iter().collect()
        };
        self.id = Some(client.send(Command::Append {
            mailbox: self.mailbox.clone(),
            messages,
        })?);
        Ok(())
    }
}

impl Operation<Client> for AppendAll {
    type Output = Result<Vec<Status>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        if self.rest.is_empty() {
            return Err(super::ErrorKind::InvalidArgument.into());
        }
        self.send_next(client)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<Status>>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        Ok(match event {
            Event::Done(s) if s.kind == StatusKind::Ok => {
                self.done.push(s);
                if self.rest.is_empty() {
                    return Ok(OpStep::Done(Ok(core::mem::take(&mut self.done))));
                }
                self.send_next(client)?;
                OpStep::Continue
            }
            Event::Done(s) => OpStep::Done(Err(Refusal(Box::new(s)))),
            other => OpStep::Pass(other),
        })
    }
}

typed_op!(
    /// `CAPABILITY`: the capabilities.
    Capability -> Vec<Bytes>, |a| a
        .data
        .into_iter()
        .find_map(|d| match d {
            Data::Capability(c) => Some(c),
            _ => None,
        })
        .unwrap_or_default()
);

impl Default for Capability {
    fn default() -> Self {
        Capability(Run::new(Command::Capability, |d| {
            matches!(d, Data::Capability(_))
        }))
    }
}

impl Capability {
    /// `CAPABILITY`.
    pub fn new() -> Self {
        Self::default()
    }
}

typed_op!(
    /// `LIST reference pattern`: the mailboxes.
    List -> Vec<ListItem>, |a| a
        .data
        .into_iter()
        .filter_map(|d| match d {
            Data::List(l) | Data::Lsub(l) => Some(l),
            _ => None,
        })
        .collect()
);

impl List {
    /// `LIST reference pattern`.
    pub fn new(reference: &str, pattern: &str) -> Self {
        List(Run::new(
            Command::List {
                reference: Mailbox::new(reference),
                pattern: Mailbox::new(pattern),
                selection: Vec::new(),
                returns: Vec::new(),
            },
            |d| matches!(d, Data::List(_) | Data::Lsub(_)),
        ))
    }
}

/// What SELECT and EXAMINE tell about a mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    /// Messages in it.
    pub exists: u32,
    /// Recent messages (IMAP4rev1).
    pub recent: u32,
    /// The flags defined.
    pub flags: Vec<Flag>,
    /// The flags a client can change permanently.
    pub permanent_flags: Vec<Flag>,
    /// UIDVALIDITY.
    pub uid_validity: Option<u32>,
    /// UIDNEXT.
    pub uid_next: Option<u32>,
    /// HIGHESTMODSEQ (CONDSTORE).
    pub highest_modseq: Option<u64>,
    /// Opened read-only.
    pub read_only: bool,
    /// With QRESYNC: the UIDs expunged since the state the client gave
    /// (`VANISHED (EARLIER)`).
    pub vanished: Vec<SeqSet>,
    /// With QRESYNC: the messages changed since then (FETCH with UID,
    /// FLAGS and MODSEQ).
    pub changed: Vec<Fetched>,
}

typed_op!(
    /// `SELECT` or `EXAMINE`: the mailbox's state.
    Select -> Selected, |a| {
        let mut s = Selected::default();
        for d in a.data {
            match d {
                Data::Exists(n) => s.exists = n,
                Data::Recent(n) => s.recent = n,
                Data::Flags(f) => s.flags = f,
                Data::Vanished { uids, .. } => s.vanished.push(uids),
                Data::Fetch { seq, items } => s.changed.push((seq, items)),
                _ => {}
            }
        }
        for c in a.codes.into_iter().chain(a.done.code) {
            match c {
                Code::PermanentFlags(f) => s.permanent_flags = f,
                Code::UidValidity(n) => s.uid_validity = Some(n),
                Code::UidNext(n) => s.uid_next = Some(n),
                Code::HighestModSeq(n) => s.highest_modseq = Some(n),
                Code::ReadOnly => s.read_only = true,
                _ => {}
            }
        }
        s
    }
);

impl Select {
    /// `SELECT mailbox`.
    pub fn mailbox(mailbox: &str) -> Self {
        Self::with(Command::Select {
            mailbox: Mailbox::new(mailbox),
            condstore: false,
            qresync: None,
        })
    }

    /// `EXAMINE mailbox`.
    pub fn examine(mailbox: &str) -> Self {
        Self::with(Command::Examine {
            mailbox: Mailbox::new(mailbox),
            condstore: false,
            qresync: None,
        })
    }

    /// `SELECT mailbox (QRESYNC (...))` (after `ENABLE QRESYNC`): what
    /// changed since the state `known` describes comes back in
    /// [`Selected::vanished`] and [`Selected::changed`].
    pub fn qresync(mailbox: &str, known: QResync) -> Self {
        Self::with(Command::Select {
            mailbox: Mailbox::new(mailbox),
            condstore: false,
            qresync: Some(known),
        })
    }

    /// SELECT or EXAMINE as given.
    pub fn with(command: Command) -> Self {
        Select(Run::new(command, |d| {
            matches!(
                d,
                Data::Exists(_)
                    | Data::Recent(_)
                    | Data::Flags(_)
                    | Data::Vanished { .. }
                    | Data::Fetch { .. }
            )
        }))
    }
}

/// One message's FETCH answer.
pub type Fetched = (u32, Vec<FetchItem>);

typed_op!(
    /// `[UID] FETCH`: every message's items, in the server's order.
    Fetch -> Vec<Fetched>, |a| fetched(a)
);

/// The FETCH answers among a command's untagged data.
fn fetched(a: Answer) -> Vec<Fetched> {
    a.data
        .into_iter()
        .filter_map(|d| match d {
            Data::Fetch { seq, items } => Some((seq, items)),
            _ => None,
        })
        .collect()
}

impl Fetch {
    /// `[UID] FETCH set items`.
    pub fn new(set: SeqSet, items: Vec<FetchAttr>, uid: bool) -> Self {
        Self::with(Command::Fetch {
            uid,
            set,
            items,
            changed_since: None,
            vanished: false,
        })
    }

    /// Any FETCH command.
    pub fn with(command: Command) -> Self {
        Fetch(Run::new(command, |d| matches!(d, Data::Fetch { .. })))
    }
}

typed_op!(
    /// `[UID] STORE`: the FETCH answers (none with `.SILENT`).
    Store -> Vec<Fetched>, |a| fetched(a)
);

impl Store {
    /// `[UID] STORE set [+-]FLAGS (flags)`.
    pub fn new(set: SeqSet, mode: StoreMode, flags: Vec<Flag>, uid: bool) -> Self {
        Store(Run::new(
            Command::Store {
                uid,
                set,
                mode,
                silent: false,
                flags,
                unchanged_since: None,
            },
            |d| matches!(d, Data::Fetch { .. }),
        ))
    }
}

typed_op!(
    /// `[UID] SEARCH`: the numbers found (from SEARCH or ESEARCH ALL).
    Search -> Vec<u32>, |a| {
        let mut v = Vec::new();
        for d in a.data {
            match d {
                Data::Search { ids, .. } => v.extend(ids),
                Data::ESearch(e) => {
                    if let Some(all) = e.all {
                        v.extend(all.expand(u32::MAX));
                    }
                }
                _ => {}
            }
        }
        v
    }
);

impl Search {
    /// `[UID] SEARCH keys`.
    pub fn new(keys: Vec<SearchKey>, uid: bool) -> Self {
        Search(Run::new(
            Command::Search {
                uid,
                returns: None,
                charset: None,
                keys,
            },
            |d| matches!(d, Data::Search { .. } | Data::ESearch(_)),
        ))
    }
}

typed_op!(
    /// `EXPUNGE`: the sequence numbers expunged, in order.
    Expunge -> Vec<u32>, |a| a
        .data
        .into_iter()
        .filter_map(|d| match d {
            Data::Expunge(n) => Some(n),
            _ => None,
        })
        .collect()
);

impl Expunge {
    /// `EXPUNGE`.
    pub fn new() -> Self {
        Self::with(Command::Expunge)
    }

    /// `EXPUNGE` or `UID EXPUNGE set`.
    pub fn with(command: Command) -> Self {
        Expunge(Run::new(command, |d| matches!(d, Data::Expunge(_))))
    }
}

impl Default for Expunge {
    fn default() -> Self {
        Self::new()
    }
}

typed_op!(
    /// `STATUS mailbox (items)`: the items' values.
    StatusOf -> Vec<(Bytes, u64)>, |a| a
        .data
        .into_iter()
        .find_map(|d| match d {
            Data::Status { items, .. } => Some(items),
            _ => None,
        })
        .unwrap_or_default()
);

impl StatusOf {
    /// `STATUS mailbox (items)`.
    pub fn new(mailbox: &str, items: &[&str]) -> Self {
        StatusOf(Run::new(
            Command::Status {
                mailbox: Mailbox::new(mailbox),
                items: items
                    .iter()
                    .map(|i| Bytes::copy_from_slice(i.as_bytes()))
                    .collect(),
            },
            |d| matches!(d, Data::Status { .. }),
        ))
    }
}

typed_op!(
    /// A raw command's whole answer: every untagged data item.
    Collect -> Answer, |a| a
);

impl Collect {
    /// `command`, keeping all its untagged data.
    pub fn new(command: Command) -> Self {
        Collect(Run::new(command, |_| true))
    }

    /// A command line the machine does not type (see
    /// [`Client::send_raw`]), keeping all its untagged data.
    pub fn raw(line: &str) -> Self {
        let mut run = Run::new(Command::Noop, |_| true);
        run.raw = Some(line.as_bytes().to_vec());
        Collect(run)
    }
}

/// `STARTTLS` up to its OK; not offered or refused is
/// [`ErrorKind::TlsUnavailable`](super::ErrorKind::TlsUnavailable).
#[derive(Debug, Default)]
pub struct Starttls {
    id: Option<CommandId>,
}

impl Operation<Client> for Starttls {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        if client.capabilities().is_some() && !client.has_capability("STARTTLS") {
            return Err(super::ErrorKind::TlsUnavailable.into());
        }
        self.id = Some(client.send(Command::StartTls)?);
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        match event {
            // Bytes behind the OK came before the handshake: forged, or a
            // man in the middle's (the machine would refuse them next).
            Event::Done(s) if s.kind == StatusKind::Ok && !client.inbox().is_drained() => {
                Err(super::ErrorKind::PlaintextAfterUpgrade.into())
            }
            Event::Done(s) if s.kind == StatusKind::Ok => Ok(OpStep::Done(())),
            Event::Done(_) => Err(super::ErrorKind::TlsUnavailable.into()),
            other => Ok(OpStep::Pass(other)),
        }
    }
}

pub use super::client::IdleWaker;

/// `IDLE` until the server sends an update (if `wake_on_update`), the
/// limit passes (on the machine's timer), the caller's [`IdleWaker`] is
/// woken, or none of these: the updates.
#[derive(Debug)]
pub struct Idle {
    limit: Option<Duration>,
    wake_on_update: bool,
    waker: Option<(IdleWaker, Option<Duration>)>,
    id: Option<CommandId>,
    updates: Vec<Data>,
}

impl Idle {
    /// IDLE for at most `limit`, ending at the first update if
    /// `wake_on_update`.
    pub fn new(limit: Option<Duration>, wake_on_update: bool) -> Self {
        Idle {
            limit,
            wake_on_update,
            waker: None,
            id: None,
            updates: Vec::new(),
        }
    }

    /// The same, ending too when `waker` is woken: the machine looks at
    /// it each time it is stepped, and every [`IdleWaker::TICK`] (so a
    /// blocking read returns to look).
    pub fn with_waker(limit: Option<Duration>, wake_on_update: bool, waker: IdleWaker) -> Self {
        Self::with_waker_every(limit, wake_on_update, waker, Some(IdleWaker::TICK))
    }

    /// The same, with a tick of `tick` (`None`: none, for a driver that
    /// steps the machine when woken, as the async session's
    /// `idle_until` does).
    pub fn with_waker_every(
        limit: Option<Duration>,
        wake_on_update: bool,
        waker: IdleWaker,
        tick: Option<Duration>,
    ) -> Self {
        let mut idle = Self::new(limit, wake_on_update);
        idle.waker = Some((waker, tick));
        idle
    }
}

impl Operation<Client> for Idle {
    type Output = Result<Vec<Data>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(match self.limit {
            Some(l) => client.idle_for(l)?,
            None => client.idle()?,
        });
        client.set_idle_tick(self.waker.as_ref().and_then(|(_, tick)| *tick));
        client.set_idle_waker(self.waker.as_ref().map(|(w, _)| w.clone()));
        Ok(())
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<Data>>, Error> {
        if !client.is_reply_to(self.id) {
            return Ok(OpStep::Pass(event));
        }
        let step = match event {
            Event::Idling | Event::IdleTick => OpStep::Continue,
            Event::Data(d) => {
                self.updates.push(d);
                if self.wake_on_update && client.is_idling() {
                    client.done()?;
                }
                OpStep::Continue
            }
            Event::Done(s) if s.kind == StatusKind::Ok => {
                OpStep::Done(Ok(core::mem::take(&mut self.updates)))
            }
            Event::Done(s) => OpStep::Done(Err(Refusal(Box::new(s)))),
            other => OpStep::Pass(other),
        };
        if let OpStep::Done(_) = &step {
            client.set_idle_tick(None);
            client.set_idle_waker(None);
        }
        Ok(step)
    }
}
