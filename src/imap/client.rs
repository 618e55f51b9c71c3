//! The client machine.

use super::command::Parts;
use super::syntax::{LiteralMode, Out};
use super::{
    Command, Data, Error, ErrorKind, Framed, Framer, Limits, Response, Status, StatusKind,
};
use crate::sasl::Mechanism;
use crate::wire::{
    CommandId, CommandQueue, Conn, Correlate, Gate, Instant, Machine, Next, Outbox, Part,
};
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::time::Duration;

/// A handle that ends an IDLE ([`ops::Idle`](super::ops::Idle), or
/// [`Client::set_idle_waker`]) from elsewhere (another
/// thread, a signal handler, another task): cheap to clone, and
/// [`wake`](Self::wake) is lock-free.
///
/// The machine looks at it each time it is stepped, and sends DONE once
/// it is woken; with the idle tick ([`Client::set_idle_tick`]) a blocking
/// driver's read returns every tick to step it, so it notices within one
/// tick without a second socket or thread of its own.
///
/// ```
/// use sanswire::imap::ops::IdleWaker;
/// let waker = IdleWaker::new();
/// let other = waker.clone();
/// std::thread::spawn(move || other.wake()).join().unwrap();
/// assert!(waker.is_woken());
/// ```
#[derive(Debug, Clone, Default)]
pub struct IdleWaker(alloc::sync::Arc<core::sync::atomic::AtomicBool>);

impl IdleWaker {
    /// How often an idling operation with a waker looks at it by default.
    pub const TICK: Duration = Duration::from_millis(50);

    /// A waker not woken yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the IDLE it was given to end (`DONE`) and return its updates.
    pub fn wake(&self) {
        self.0.store(true, core::sync::atomic::Ordering::Release);
    }

    /// Whether [`wake`](Self::wake) was called.
    pub fn is_woken(&self) -> bool {
        self.0.load(core::sync::atomic::Ordering::Acquire)
    }

    /// Makes it usable again for the next IDLE.
    pub fn reset(&self) {
        self.0.store(false, core::sync::atomic::Ordering::Release);
    }
}

/// What the client machine reports, in the order the server said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The greeting: untagged OK, PREAUTH or BYE.
    Greeting(Status),
    /// Untagged data (EXISTS, FETCH, LIST, ...). While a command is in
    /// flight, [`Correlate::replying_to`] names it (the oldest one sent).
    Data(Data),
    /// An untagged status (`* OK [UIDNEXT 4]`, `* NO`, `* BYE`).
    Status(Status),
    /// A tagged completion; [`Correlate::replying_to`] names its command.
    Done(Status),
    /// The server acknowledged IDLE: updates follow as [`Event::Data`]
    /// until [`Client::done`].
    Idling,
    /// A literal's octets were refused by our limits and skipped: the
    /// message that carried it is lost, the stream is in sync.
    Skipped {
        /// The literal's announced size.
        size: u64,
    },
    /// While idling, the interval set with [`Client::set_idle_tick`]
    /// passed with no news: the caller may look at what it waits for (a
    /// wake-up from another thread) and end IDLE with [`Client::done`].
    IdleTick,
}

/// What a command in flight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Greeting,
    Plain,
    Login,
    Select,
    Close,
    Authenticate,
    Idle,
    StartTls,
    Logout,
    Enable,
    Compress,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    tag: u32,
    kind: Kind,
    /// The kinds of untagged data that answer it ([`answers`]).
    answers: u16,
}

// Kinds of untagged data, as bits: which command a response belongs to
// when several are in flight.
const D_CAPABILITY: u16 = 1;
const D_LIST: u16 = 1 << 1;
const D_STATUS: u16 = 1 << 2;
const D_SEARCH: u16 = 1 << 3;
const D_FETCH: u16 = 1 << 4;
const D_EXPUNGE: u16 = 1 << 5;
const D_MAILBOX: u16 = 1 << 6;
const D_NAMESPACE: u16 = 1 << 7;
const D_ID: u16 = 1 << 8;
const D_ENABLED: u16 = 1 << 9;

/// The untagged data kinds `cmd` is answered with.
fn answers(cmd: &Command) -> u16 {
    match cmd {
        Command::Capability => D_CAPABILITY,
        Command::List { .. } | Command::Lsub { .. } => D_LIST | D_STATUS,
        Command::Status { .. } => D_STATUS,
        Command::Search { .. } => D_SEARCH,
        Command::Fetch { .. } | Command::Store { .. } => D_FETCH,
        Command::Expunge | Command::UidExpunge(_) | Command::Move { .. } => D_EXPUNGE,
        Command::Select { .. } | Command::Examine { .. } => D_MAILBOX | D_FETCH | D_EXPUNGE,
        Command::Namespace => D_NAMESPACE,
        Command::Id(_) => D_ID,
        Command::Enable(_) => D_ENABLED,
        _ => 0,
    }
}

/// The kind of an untagged data response (0: a general update, such as
/// EXISTS, that belongs to no command).
fn data_kind(d: &Data) -> u16 {
    match d {
        Data::Capability(_) => D_CAPABILITY,
        Data::List(_) | Data::Lsub(_) => D_LIST,
        Data::Status { .. } => D_STATUS,
        Data::Search { .. } | Data::ESearch(_) => D_SEARCH,
        Data::Fetch { .. } => D_FETCH,
        Data::Expunge(_) | Data::Vanished { .. } => D_EXPUNGE,
        Data::Flags(_) => D_MAILBOX,
        Data::Namespace(_) => D_NAMESPACE,
        Data::Id(_) => D_ID,
        Data::Enabled(_) => D_ENABLED,
        _ => 0,
    }
}

/// The session state (RFC 9051 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before LOGIN or AUTHENTICATE.
    NotAuthenticated,
    /// Logged in, no mailbox selected.
    Authenticated,
    /// A mailbox is selected.
    Selected,
    /// LOGOUT sent or BYE received.
    Logout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idle {
    Off,
    /// IDLE sent, `+` not yet received.
    Starting,
    /// Acknowledged at this time.
    On(Instant),
    /// DONE sent by the caller.
    Ending,
    /// DONE sent by the machine to re-issue IDLE.
    Refreshing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Plain,
    Requested,
    Handshake,
    Established,
}

struct Sasl(Box<dyn Mechanism + Send>);

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

/// An IMAP4rev1/IMAP4rev2 client.
///
/// - **Commands** go through [`send`](Self::send) (any [`Command`]) or the
///   shorthands; the machine picks the tags (`A1`, `A2`, ...), chooses an
///   atom, a quoted string or a literal for every string, and gives back
///   the [`CommandId`] its completion will carry. A synchronising literal
///   waits in the queue for the server's `+`; with LITERAL+ (or LITERAL-
///   for small ones) it goes at once.
/// - **Events** come in the server's order: untagged data as
///   [`Event::Data`] and [`Event::Status`], the completion as
///   [`Event::Done`].
/// - **IDLE**: [`idle`](Self::idle), then [`done`](Self::done). The
///   machine asks to be woken ([`Machine::poll_timeout`]) before the
///   server's 30-minute limit and re-issues IDLE itself.
/// - **STARTTLS**: after its OK, [`Machine::transport`] says `StartTls`;
///   bytes behind the OK are an error, and the capabilities are
///   forgotten after the handshake.
///
/// ```
/// use sanswire::imap::{Client, Data, Event};
/// use sanswire::wire::{Machine, Next};
/// let mut c = Client::new();
/// c.receive(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
/// assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
/// c.login("alice", "pass word").unwrap();
/// assert_eq!(c.outbox().take_vec(), b"A1 LOGIN alice \"pass word\"\r\n");
/// c.receive(b"* 3 EXISTS\r\nA1 OK done\r\n");
/// assert_eq!(c.poll_event(), Ok(Next::Event(Event::Data(Data::Exists(3)))));
/// assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(s))) if s.is_ok()));
/// ```
#[derive(Debug)]
pub struct Client {
    conn: Conn<Error>,
    framer: Framer,
    limits: Limits,
    queue: CommandQueue<Pending>,
    next_tag: u32,
    /// The capabilities (an idle connection keeps them): well-known ones
    /// as bits, others joined in one allocation.
    capabilities: Option<Caps>,
    state: State,
    idle: Idle,
    idle_refresh: Duration,
    tls: Tls,
    require_tls: bool,
    utf8: bool,
    sasl: Option<Sasl>,
    replying: Option<CommandId>,
    logout_queued: bool,
    compress_pending: bool,
    done_wanted: bool,
    /// The IDLE in flight was re-issued by the machine: its `+` is not news.
    refreshed: bool,
    /// End IDLE by itself this long after it was acknowledged.
    idle_limit: Option<Duration>,
    /// Report untagged data raw (curl's `-X`).
    raw_untagged: bool,
    /// Tags have at least this many digits (`A001`: curl's form).
    tag_digits: u8,
    /// Ends IDLE (DONE) once woken.
    idle_waker: Option<IdleWaker>,
    /// While idling, an [`Event::IdleTick`] this often, in milliseconds
    /// (0: none; four bytes, not a 16-byte `Option<Duration>`, in every
    /// idle connection).
    idle_tick_ms: u32,
    /// When the last tick (or IDLE's `+`) was.
    tick_base: Instant,
    tick_due: bool,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// How long the server may stay silent while the client waits for an
    /// answer (outside IDLE): 10 minutes.
    pub const TIMEOUT: Duration = Duration::from_secs(600);
    /// How often IDLE is re-issued: under RFC 2177's 29 minutes.
    pub const IDLE_REFRESH: Duration = Duration::from_secs(28 * 60);

    /// A client waiting for the greeting.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A client with its own limits.
    pub fn with_limits(limits: Limits) -> Self {
        let mut queue = CommandQueue::new();
        queue.set_pipelining(true);
        queue.push_with_id(
            Pending {
                tag: 0,
                kind: Kind::Greeting,
                answers: 0,
            },
            CommandId::CONNECTION,
            Gate::Barrier,
            [],
        );
        queue.release(&mut Outbox::new());
        Client {
            conn: Conn::with_timeout(Self::TIMEOUT),
            framer: Framer::new(),
            limits,
            queue,
            next_tag: 0,
            capabilities: None,
            state: State::NotAuthenticated,
            idle: Idle::Off,
            idle_refresh: Self::IDLE_REFRESH,
            tls: Tls::Plain,
            require_tls: false,
            utf8: false,
            sasl: None,
            replying: None,
            logout_queued: false,
            compress_pending: false,
            done_wanted: false,
            refreshed: false,
            idle_limit: None,
            raw_untagged: false,
            tag_digits: 0,
            idle_tick_ms: 0,
            idle_waker: None,
            tick_base: Instant::ZERO,
            tick_due: false,
        }
    }

    // --- getters ---

    /// The capabilities last announced (greeting code, CAPABILITY
    /// response, or the OK of LOGIN/AUTHENTICATE); forgotten after TLS.
    pub fn capabilities(&self) -> Option<Vec<Bytes>> {
        self.capabilities.as_ref().map(Caps::list)
    }

    /// Whether the server announced `cap` (ignoring case).
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities
            .as_ref()
            .is_some_and(|c| c.has(cap.as_bytes()))
    }

    /// The session state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether IDLE is acknowledged and running.
    pub fn is_idling(&self) -> bool {
        matches!(self.idle, Idle::On(_))
    }

    /// Whether UTF8=ACCEPT was enabled: mailbox names and strings go as
    /// UTF-8.
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// Whether TLS was established by STARTTLS.
    pub fn is_tls(&self) -> bool {
        self.tls == Tls::Established
    }

    /// How many commands wait for their completion.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    // --- settings ---

    /// Refuse every command but CAPABILITY, STARTTLS, NOOP and LOGOUT
    /// until TLS is established (curl's `--ssl-reqd`).
    pub fn set_require_tls(&mut self, on: bool) {
        self.require_tls = on;
    }

    /// Whether TLS is required.
    pub fn requires_tls(&self) -> bool {
        self.require_tls
    }

    /// How long after IDLE was acknowledged the machine ends and re-issues
    /// it (default [`IDLE_REFRESH`](Self::IDLE_REFRESH)).
    pub fn set_idle_refresh(&mut self, every: Duration) {
        self.idle_refresh = every;
    }

    /// Writes tags with at least `digits` digits, zeros in front (`A001`,
    /// as curl does, with 3); the default, 0, gives `A1`.
    pub fn set_tag_digits(&mut self, digits: u8) {
        self.tag_digits = digits.min(10);
    }

    /// While IDLE runs, reports [`Event::IdleTick`] every `every` (on the
    /// machine's timer) so a driver's loop returns to its caller, who can
    /// end IDLE for a reason of its own (a wake-up from another thread);
    /// `None` (the default): no ticks.
    /// The interval is kept in whole milliseconds (at least 1, at most
    /// 49 days).
    pub fn set_idle_tick(&mut self, every: Option<Duration>) {
        self.idle_tick_ms = every.map_or(0, |d| {
            u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
        });
        self.tick_base = self.conn.now();
    }

    /// While IDLE runs, ends it (`DONE`) as soon as the machine is
    /// stepped after `waker` was woken (from another thread or task);
    /// `None`: no waker.
    pub fn set_idle_waker(&mut self, waker: Option<IdleWaker>) {
        self.idle_waker = waker;
    }

    fn idle_tick(&self) -> Option<Duration> {
        (self.idle_tick_ms > 0).then(|| Duration::from_millis(u64::from(self.idle_tick_ms)))
    }

    /// Reports every untagged data response as [`Data::Other`] with its
    /// bytes as received (literals included), and untagged OK, NO and BAD
    /// the same way (re-encoded): for tools that print what the server
    /// said (curl's `-X`).
    pub fn set_raw_untagged(&mut self, on: bool) {
        self.raw_untagged = on;
    }

    // --- commands ---

    /// Queues a command line the machine does not type (an extension,
    /// curl's `-X`): the tag and CRLF are added. Refused: CR, LF or NUL in
    /// it, an empty line, and AUTHENTICATE, STARTTLS, IDLE and COMPRESS,
    /// which change the session (use their own methods).
    ///
    /// ```
    /// use sanswire::imap::Client;
    /// use sanswire::wire::Machine;
    /// let mut c = Client::new();
    /// c.receive(b"* PREAUTH hi\r\n");
    /// c.poll_event().unwrap();
    /// c.send_raw(b"XLIST \"\" *").unwrap();
    /// assert_eq!(c.outbox().take_vec(), b"A1 XLIST \"\" *\r\n");
    /// assert!(c.send_raw(b"NOOP\r\nA9 DELETE INBOX").is_err());
    /// ```
    pub fn send_raw(&mut self, line: &[u8]) -> Result<CommandId, Error> {
        self.check_can_send(&Command::Noop)?;
        if !crate::wire::is_safe_argument(line) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        let word = line.split(|&b| b == b' ').next().unwrap_or_default();
        let is = |w: &[u8]| word.eq_ignore_ascii_case(w);
        if word.is_empty()
            || is(b"AUTHENTICATE")
            || is(b"STARTTLS")
            || is(b"IDLE")
            || is(b"COMPRESS")
        {
            return Err(ErrorKind::InvalidArgument.into());
        }
        let kind = if is(b"SELECT") || is(b"EXAMINE") {
            Kind::Select
        } else if is(b"LOGOUT") {
            self.logout_queued = true;
            Kind::Logout
        } else if is(b"LOGIN") {
            Kind::Login
        } else {
            Kind::Plain
        };
        let tag = self.next_tag.wrapping_add(1).max(1);
        self.next_tag = tag;
        let mut text = tag_label(tag, self.tag_digits);
        text.push(b' ');
        text.extend_from_slice(line);
        text.extend_from_slice(b"\r\n");
        // A raw line may be answered by anything.
        let answers = u16::MAX;
        Ok(self.enqueue(
            Pending { tag, kind, answers },
            alloc::vec![Part::Text(text)],
            None,
        ))
    }

    fn out(&self) -> Out {
        Out {
            mode: if self.has_capability("LITERAL+") {
                LiteralMode::NonSync
            } else {
                LiteralMode::Sync
            },
            literal_minus: self.has_capability("LITERAL-"),
            utf8: self.utf8,
        }
    }

    fn check_can_send(&self, cmd: &Command) -> Result<(), Error> {
        self.conn.check()?;
        if self.logout_queued || self.state == State::Logout || !self.conn.may_send() {
            return Err(ErrorKind::OutOfSequence.into());
        }
        if self.idle != Idle::Off {
            return Err(ErrorKind::OutOfSequence.into());
        }
        if matches!(self.tls, Tls::Requested | Tls::Handshake) || self.compress_pending {
            return Err(ErrorKind::OutOfSequence.into());
        }
        let harmless = matches!(
            cmd,
            Command::Capability | Command::StartTls | Command::Noop | Command::Logout
        );
        if self.require_tls && self.tls != Tls::Established && !harmless {
            return Err(ErrorKind::OutOfSequence.into());
        }
        Ok(())
    }

    /// Queues any command but AUTHENTICATE (use
    /// [`authenticate`](Self::authenticate)); gives the id its completion
    /// will carry.
    pub fn send(&mut self, cmd: Command) -> Result<CommandId, Error> {
        self.check_can_send(&cmd)?;
        if let Command::Append { messages, .. } = &cmd {
            // RFC 3502: several messages in one APPEND only when offered
            // (ops::AppendAll sends them one by one otherwise).
            if messages.len() > 1 && !self.has_capability("MULTIAPPEND") {
                return Err(ErrorKind::NotOffered.into());
            }
        }
        let kind = match &cmd {
            Command::Authenticate { .. } => return Err(ErrorKind::OutOfSequence.into()),
            Command::Login { .. } => Kind::Login,
            Command::Select { .. } | Command::Examine { .. } => Kind::Select,
            Command::Close | Command::Unselect => Kind::Close,
            Command::Idle => Kind::Idle,
            Command::StartTls => {
                if self.tls != Tls::Plain {
                    return Err(ErrorKind::OutOfSequence.into());
                }
                Kind::StartTls
            }
            Command::Logout => Kind::Logout,
            Command::Enable(_) => Kind::Enable,
            Command::Compress(_) => Kind::Compress,
            _ => Kind::Plain,
        };
        let (tag, parts) = self.encode(&cmd)?;
        match kind {
            Kind::StartTls => self.tls = Tls::Requested,
            Kind::Logout => self.logout_queued = true,
            Kind::Idle => self.idle = Idle::Starting,
            Kind::Compress => self.compress_pending = true,
            _ => {}
        }
        let answers = answers(&cmd);
        Ok(self.enqueue(Pending { tag, kind, answers }, parts, None))
    }

    fn encode(&mut self, cmd: &Command) -> Result<(u32, Vec<Part>), Error> {
        let tag = self.next_tag.wrapping_add(1).max(1);
        let mut parts = Parts::default();
        cmd.encode_to(&self.out(), &tag_label(tag, self.tag_digits), &mut parts)?;
        self.next_tag = tag;
        Ok((tag, parts.finish()))
    }

    fn enqueue(&mut self, p: Pending, parts: Vec<Part>, id: Option<CommandId>) -> CommandId {
        let gate = match p.kind {
            Kind::Authenticate | Kind::Idle | Kind::StartTls | Kind::Compress => Gate::Barrier,
            _ => Gate::Pipelined,
        };
        let id = match id {
            Some(id) => {
                self.queue.push_with_id(p, id, gate, parts);
                id
            }
            None => self.queue.push_parts(p, gate, parts),
        };
        self.release();
        id
    }

    fn release(&mut self) {
        self.queue.hold(self.tls == Tls::Handshake);
        self.queue.release(&mut self.conn.outbox);
    }

    /// `AUTHENTICATE` with a SASL mechanism; its initial response goes on
    /// the command line when the server offers SASL-IR.
    pub fn authenticate(
        &mut self,
        mut mechanism: Box<dyn Mechanism + Send>,
    ) -> Result<CommandId, Error> {
        let name = Bytes::from_static(mechanism.name().as_bytes());
        let probe = Command::Authenticate {
            mechanism: name.clone(),
            initial: None,
        };
        self.check_can_send(&probe)?;
        let initial = if self.has_capability("SASL-IR") {
            mechanism
                .initial_response()?
                .map(|ir| Bytes::from(crate::sasl::encode_response(&ir)))
        } else {
            None
        };
        let cmd = Command::Authenticate {
            mechanism: name,
            initial,
        };
        let (tag, parts) = self.encode(&cmd)?;
        self.sasl = Some(Sasl(mechanism));
        Ok(self.enqueue(
            Pending {
                tag,
                kind: Kind::Authenticate,
                answers: D_CAPABILITY,
            },
            parts,
            None,
        ))
    }

    /// `LOGIN user pass`.
    pub fn login(&mut self, user: &str, pass: &str) -> Result<CommandId, Error> {
        self.send(Command::Login {
            user: Bytes::copy_from_slice(user.as_bytes()),
            pass: Bytes::copy_from_slice(pass.as_bytes()),
        })
    }

    /// `IDLE`: updates arrive as events until [`done`](Self::done).
    pub fn idle(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Idle)
    }

    /// `IDLE` that the machine ends by itself (`DONE`) `limit` after the
    /// server acknowledged it, unless [`done`](Self::done) came first: a
    /// deadline on the core's timer.
    pub fn idle_for(&mut self, limit: Duration) -> Result<CommandId, Error> {
        let id = self.send(Command::Idle)?;
        self.idle_limit = Some(limit);
        Ok(id)
    }

    /// Whether [`done`](Self::done) would end the IDLE in flight (sent,
    /// or acknowledged, and no DONE asked for yet).
    pub fn can_end_idle(&self) -> bool {
        match self.idle {
            Idle::On(_) | Idle::Refreshing => true,
            Idle::Starting => !self.done_wanted,
            Idle::Off | Idle::Ending => false,
        }
    }

    /// Ends IDLE (`DONE`); its completion follows as [`Event::Done`].
    pub fn done(&mut self) -> Result<(), Error> {
        self.conn.check()?;
        match self.idle {
            Idle::On(_) => {
                self.conn.outbox.write(b"DONE\r\n");
                self.idle = Idle::Ending;
                self.conn.set_timeout(Some(Self::TIMEOUT));
                Ok(())
            }
            // Our own DONE is out: do not IDLE again.
            Idle::Refreshing => {
                self.idle = Idle::Ending;
                Ok(())
            }
            // IDLE sent (or re-sent), `+` not here yet: DONE follows it.
            Idle::Starting => {
                self.done_wanted = true;
                Ok(())
            }
            _ => Err(ErrorKind::OutOfSequence.into()),
        }
    }

    /// `LOGOUT`.
    pub fn logout(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Logout)
    }

    // --- reading ---

    fn need_input(&self) -> Result<Next<Event>, Error> {
        if self.conn.inbox.is_eof() {
            if self.state == State::Logout {
                return Ok(Next::Paused);
            }
            Err(ErrorKind::UnexpectedEof.into())
        } else {
            Ok(Next::NeedInput)
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.tls == Tls::Handshake {
                return Ok(Next::Paused);
            }
            if self.idle_waker.as_ref().is_some_and(IdleWaker::is_woken) && self.can_end_idle() {
                self.done()?;
            }
            if core::mem::take(&mut self.tick_due) && self.is_idling() {
                self.replying = self.in_flight();
                return Ok(Next::Event(Event::IdleTick));
            }
            if !self.conn.may_recv() {
                return Ok(Next::Paused);
            }
            let framed = self.framer.next(&mut self.conn.inbox, &self.limits)?;
            let msg = match framed {
                None => return self.need_input(),
                Some(Framed::Literal(lit)) => {
                    if lit.size > self.limits.max_literal {
                        self.framer.skip(&mut self.conn.inbox);
                        self.replying = self.in_flight();
                        return Ok(Next::Event(Event::Skipped { size: lit.size }));
                    }
                    self.framer.accept();
                    continue;
                }
                Some(Framed::Message(m)) => m,
            };
            let response = match Response::parse(&msg, &self.limits) {
                Ok(Response::Data(_)) if self.raw_untagged => Response::Data(Data::Other(msg)),
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::MalformedResponse => {
                    // A line we cannot read is kept raw: the stream is in sync.
                    Response::Data(Data::Other(msg))
                }
                Err(e) => return Err(e),
            };
            if let Some(event) = self.on_response(response)? {
                return Ok(Next::Event(event));
            }
        }
    }

    /// The oldest command sent and not completed.
    fn in_flight(&self) -> Option<CommandId> {
        self.queue.front().map(|q| q.id)
    }

    /// The command untagged data answers: the one ESEARCH names by its
    /// tag, else the oldest written one answered by data of its kind
    /// (the SEARCH result of the second of two pipelined commands is
    /// its own), else the oldest in flight.
    fn owner_of(&self, d: &Data) -> Option<CommandId> {
        let written = || self.queue.iter().filter(|q| q.is_started());
        if let Data::ESearch(e) = d {
            let tag = e.tag.as_deref().and_then(parse_tag);
            if let Some(q) = written().find(|q| tag.is_some() && Some(q.tag.tag) == tag) {
                return Some(q.id);
            }
        }
        let kind = data_kind(d);
        if kind != 0 {
            if let Some(q) = written().find(|q| q.tag.answers & kind != 0) {
                return Some(q.id);
            }
        }
        self.in_flight()
    }

    fn on_response(&mut self, r: Response) -> Result<Option<Event>, Error> {
        let greeting = self
            .queue
            .front()
            .is_some_and(|q| q.tag.kind == Kind::Greeting);
        match r {
            Response::Status(s) if greeting && s.tag.is_none() => self.on_greeting(s).map(Some),
            _ if greeting => Err(ErrorKind::BadGreeting.into()),
            Response::Continue(k) => self.on_continue(k.text),
            Response::Data(d) => {
                if let Data::Capability(caps) = &d {
                    self.capabilities = Some(copy_all(caps));
                }
                if let Data::Enabled(caps) = &d {
                    if caps.iter().any(|c| c.eq_ignore_ascii_case(b"UTF8=ACCEPT")) {
                        self.utf8 = true;
                    }
                }
                self.replying = self.owner_of(&d);
                Ok(Some(Event::Data(d)))
            }
            Response::Status(s)
                if s.tag.is_none() && self.raw_untagged && s.kind != StatusKind::Bye =>
            {
                let mut raw = Vec::new();
                Response::Status(s).encode_to(&mut raw)?;
                self.replying = self.in_flight();
                Ok(Some(Event::Data(Data::Other(Bytes::from(raw)))))
            }
            Response::Status(s) if s.tag.is_none() => {
                self.note_code(&s);
                if s.kind == StatusKind::Bye {
                    self.state = State::Logout;
                    self.conn.close_send();
                }
                self.replying = self.in_flight();
                Ok(Some(Event::Status(s)))
            }
            Response::Status(s) => self.on_tagged(s),
        }
    }

    fn note_code(&mut self, s: &Status) {
        if let Some(super::Code::Capability(caps)) = &s.code {
            self.capabilities = Some(copy_all(caps));
        }
    }

    fn on_greeting(&mut self, s: Status) -> Result<Event, Error> {
        self.note_code(&s);
        match s.kind {
            StatusKind::Ok => {}
            StatusKind::PreAuth => self.state = State::Authenticated,
            StatusKind::Bye => {
                self.state = State::Logout;
                self.conn.close_send();
            }
            _ => return Err(ErrorKind::BadGreeting.into()),
        }
        self.queue.finish();
        self.replying = Some(CommandId::CONNECTION);
        self.release();
        Ok(Event::Greeting(s))
    }

    fn on_continue(&mut self, text: Bytes) -> Result<Option<Event>, Error> {
        let front = self.queue.front().map(|q| (q.tag.kind, q.is_sent(), q.id));
        match front {
            Some((Kind::Authenticate, true, id)) => {
                self.answer_challenge(&text);
                self.replying = Some(id);
                Ok(None)
            }
            Some((Kind::Idle, true, id)) => {
                let refreshing = self.queue.front().is_some_and(|_| self.refreshed);
                self.refreshed = false;
                self.replying = Some(id);
                if core::mem::take(&mut self.done_wanted) {
                    self.conn.outbox.write(b"DONE\r\n");
                    self.idle = Idle::Ending;
                    return Ok((!refreshing).then_some(Event::Idling));
                }
                self.idle = Idle::On(self.conn.now());
                self.tick_base = self.conn.now();
                // Silence is normal while idling; the refresh timer wakes us.
                self.conn
                    .set_timeout(Some(self.idle_refresh + Duration::from_secs(300)));
                self.replying = Some(id);
                Ok((!refreshing).then_some(Event::Idling))
            }
            _ => {
                if self.queue.proceed(&mut self.conn.outbox).is_none() {
                    return Err(ErrorKind::UnexpectedContinuation.into());
                }
                Ok(None)
            }
        }
    }

    fn answer_challenge(&mut self, text: &[u8]) {
        let answer = match (&mut self.sasl, crate::sasl::decode_challenge(text)) {
            (Some(Sasl(m)), Ok(challenge)) => m.step(&challenge).ok(),
            _ => None,
        };
        match answer {
            Some(a) => {
                let mut line = crate::sasl::encode_line(&a);
                line.extend_from_slice(b"\r\n");
                self.conn.outbox.write(&line);
            }
            None => {
                self.sasl = None;
                self.conn.outbox.write(b"*\r\n");
            }
        }
    }

    fn on_tagged(&mut self, s: Status) -> Result<Option<Event>, Error> {
        // Completions come in any order (RFC 9051 §5.5): the tag says
        // which command, among those written, this one ends.
        let tag = s.tag.as_deref().and_then(parse_tag);
        let Some(index) = self
            .queue
            .iter()
            .position(|q| Some(q.tag.tag) == tag && q.is_started() && q.tag.kind != Kind::Greeting)
        else {
            return Err(ErrorKind::UnknownTag.into());
        };
        let Some(entry) = self.queue.iter().nth(index) else {
            return Err(ErrorKind::UnknownTag.into());
        };
        let (kind, id) = (entry.tag.kind, entry.id);
        self.note_code(&s);
        let ok = s.kind == StatusKind::Ok;
        match kind {
            Kind::Login | Kind::Authenticate => {
                self.sasl = None;
                if ok {
                    self.state = State::Authenticated;
                }
            }
            Kind::Select => {
                // A failed SELECT leaves no mailbox selected (RFC 9051 §6.3.2).
                self.state = if ok {
                    State::Selected
                } else {
                    State::Authenticated
                };
            }
            Kind::Close if ok => self.state = State::Authenticated,
            Kind::Idle => {
                if self.idle == Idle::Refreshing && ok {
                    // Our own DONE: IDLE again, under the same id.
                    self.queue.finish_at(index);
                    self.idle = Idle::Starting;
                    self.refreshed = true;
                    let (tag, parts) = self.encode(&Command::Idle)?;
                    self.enqueue(
                        Pending {
                            tag,
                            kind: Kind::Idle,
                            answers: 0,
                        },
                        parts,
                        Some(id),
                    );
                    return Ok(None);
                }
                self.idle = Idle::Off;
                self.idle_limit = None;
                self.conn.set_timeout(Some(Self::TIMEOUT));
            }
            Kind::StartTls => {
                if ok {
                    self.queue.finish_at(index);
                    self.tls = Tls::Handshake;
                    self.conn.request_tls();
                    self.replying = Some(id);
                    return Ok(Some(Event::Done(s)));
                }
                self.tls = Tls::Plain;
                if self.require_tls {
                    return Err(ErrorKind::TlsUnavailable.into());
                }
            }
            Kind::Logout => {
                self.state = State::Logout;
                self.conn.stop();
            }
            Kind::Compress => {
                self.compress_pending = false;
                if ok {
                    self.start_compression();
                }
            }
            Kind::Enable | Kind::Plain | Kind::Close | Kind::Greeting => {}
        }
        self.queue.finish_at(index);
        self.release();
        self.replying = Some(id);
        Ok(Some(Event::Done(s)))
    }

    #[cfg(feature = "deflate")]
    fn start_compression(&mut self) {
        use crate::wire::{Deflate, Format, Inflate};
        self.conn
            .inbox
            .push_decoder(Box::new(Inflate::new(Format::Raw)));
        self.conn
            .outbox
            .push_encoder(Box::new(Deflate::new(Format::Raw, 6)));
    }

    #[cfg(not(feature = "deflate"))]
    fn start_compression(&mut self) {}
}

/// Capabilities real servers announce (Dovecot, Cyrus, Gmail, Exchange,
/// Courier), kept as bits: a selected Dovecot session's 38 capabilities
/// cost no heap.
const KNOWN_CAPS: [&str; 64] = [
    "IMAP4rev1",
    "IMAP4rev2",
    "STARTTLS",
    "LOGINDISABLED",
    "AUTH=PLAIN",
    "AUTH=LOGIN",
    "AUTH=XOAUTH2",
    "AUTH=OAUTHBEARER",
    "AUTH=CRAM-MD5",
    "AUTH=SCRAM-SHA-1",
    "AUTH=SCRAM-SHA-256",
    "SASL-IR",
    "LITERAL+",
    "LITERAL-",
    "IDLE",
    "ID",
    "ENABLE",
    "NAMESPACE",
    "UIDPLUS",
    "MOVE",
    "UNSELECT",
    "CHILDREN",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "ESORT",
    "SEARCHRES",
    "SORT",
    "SORT=DISPLAY",
    "THREAD=REFERENCES",
    "THREAD=REFS",
    "THREAD=ORDEREDSUBJECT",
    "MULTIAPPEND",
    "CATENATE",
    "URL-PARTIAL",
    "BINARY",
    "UTF8=ACCEPT",
    "UTF8=ONLY",
    "COMPRESS=DEFLATE",
    "LOGIN-REFERRALS",
    "I18NLEVEL=1",
    "WITHIN",
    "CONTEXT=SEARCH",
    "SNIPPET=FUZZY",
    "PREVIEW=FUZZY",
    "PREVIEW",
    "STATUS=SIZE",
    "SAVEDATE",
    "NOTIFY",
    "QUOTA",
    "ACL",
    "METADATA",
    "METADATA-SERVER",
    "X-GM-EXT-1",
    "XLIST",
    "APPENDLIMIT",
    "OBJECTID",
    "AUTH=GSSAPI",
    "RIGHTS=TEKX",
    "X-NETSCAPE",
    "CREATE-SPECIAL-USE",
];

/// A server's capabilities: well-known ones as bits, the rest joined by
/// spaces in one allocation.
#[derive(Debug, Clone)]
struct Caps {
    known: u64,
    other: Bytes,
}

impl Caps {
    fn bit(cap: &[u8]) -> Option<u64> {
        KNOWN_CAPS
            .iter()
            .position(|k| k.as_bytes().eq_ignore_ascii_case(cap))
            .map(|i| 1u64 << i)
    }

    fn has(&self, cap: &[u8]) -> bool {
        match Self::bit(cap) {
            Some(bit) => self.known & bit != 0,
            None => self
                .other
                .split(|&b| b == b' ')
                .any(|x| x.eq_ignore_ascii_case(cap)),
        }
    }

    fn list(&self) -> Vec<Bytes> {
        let known = KNOWN_CAPS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.known & (1u64 << i) != 0)
            .map(|(_, k)| Bytes::from_static(k.as_bytes()));
        let other = self
            .other
            .split(|&b| b == b' ')
            .filter(|c| !c.is_empty())
            .map(|c| self.other.slice_ref(c));
        known.chain(other).collect()
    }
}

fn copy_all(v: &[Bytes]) -> Caps {
    // Unknown ones copied into one allocation: kept for the session,
    // slices would pin the receive block.
    let mut known = 0;
    let mut other = Vec::new();
    for c in v {
        match Caps::bit(c) {
            Some(bit) => known |= bit,
            None => {
                other.extend_from_slice(c);
                other.push(b' ');
            }
        }
    }
    Caps {
        known,
        other: Bytes::from(other),
    }
}

/// `A<n>`, with at least `digits` digits (zeros in front).
fn tag_label(n: u32, digits: u8) -> Vec<u8> {
    let mut label = alloc::vec![b'A'];
    let width = n.checked_ilog10().unwrap_or(0) as usize + 1;
    label.resize(1 + usize::from(digits).saturating_sub(width), b'0');
    super::syntax::write_num(&mut label, u64::from(n));
    label
}

fn parse_tag(t: &[u8]) -> Option<u32> {
    let digits = t.strip_prefix(b"A")?;
    if digits.len() > 10 {
        return None;
    }
    u32::try_from(crate::wire::number::parse_u64(digits)?).ok()
}

impl Correlate for Client {
    fn replying_to(&self) -> Option<CommandId> {
        self.replying
    }
}

impl Machine for Client {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        self.poll_inner()
    }

    fn on_tls(&mut self) {
        self.tls = Tls::Established;
        // RFC 9051 §6.2.1: what the server said in plaintext is forgotten.
        self.capabilities = None;
        self.release();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let silence = self.conn.deadline();
        match self.idle {
            Idle::On(since) => {
                let mut wake = since + self.idle_refresh;
                if let Some(limit) = self.idle_limit {
                    wake = wake.min(since + limit);
                }
                if let Some(tick) = self.idle_tick() {
                    wake = wake.min(self.tick_base + tick);
                }
                Some(silence.map_or(wake, |s| s.min(wake)))
            }
            _ => silence,
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.set_now(now);
        if let Idle::On(since) = self.idle {
            if self.idle_tick().is_some_and(|t| now >= self.tick_base + t) {
                self.tick_base = now;
                self.tick_due = true;
            }
            let limit = self.idle_limit.is_some_and(|l| now >= since + l);
            if limit && self.conn.check().is_ok() {
                let _ = self.done();
                self.conn.note_waiting(false);
                return;
            }
            if now >= since + self.idle_refresh && self.conn.check().is_ok() {
                // Before the server's inactivity limit: DONE, then IDLE
                // again once it completes.
                self.conn.outbox.write(b"DONE\r\n");
                self.idle = Idle::Refreshing;
                self.conn.set_timeout(Some(Self::TIMEOUT));
                self.conn.note_waiting(false);
                return;
            }
        }
        if self.conn.timed_out(now) {
            self.on_timeout();
            self.conn.fail(ErrorKind::TimedOut.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(tag_label(1, 0), b"A1");
        assert_eq!(tag_label(1, 3), b"A001");
        assert_eq!(tag_label(1234, 3), b"A1234");
        assert_eq!(tag_label(u32::MAX, 0), b"A4294967295");
        assert_eq!(parse_tag(b"A001"), Some(1));
        assert_eq!(parse_tag(b"A42"), Some(42));
        assert_eq!(parse_tag(b"B42"), None);
        assert_eq!(parse_tag(b"A99999999999"), None);
    }
}
