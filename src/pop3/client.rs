//! The client machine.

use super::apop::apop_digest;
use super::command::{decode_base64, push_base64};
use super::response::{parse_number, parse_u64, Capabilities, Capability};
use super::{Command, Error, ErrorKind, Limits, Response};
use crate::sasl::Mechanism;
use crate::wire::{
    CommandId, CommandQueue, Conn, Correlate, DotUnstuffer, Gate, LineEnding, LineError,
    LineReader, Machine, Next, Outbox, Part, TlsUnavailable, Unstuffed,
};
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// What the client machine reports. Every command completes with exactly
/// one event: a typed one for its `+OK`, or [`Event::Err`]; RETR and TOP
/// complete with [`Event::MessageEnd`] after their content (or with
/// [`Event::Err`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The server's `+OK` greeting (its APOP timestamp, if any, is kept:
    /// see [`Client::apop_timestamp`]).
    Greeting(Response),
    /// `+OK` to USER, PASS, APOP, AUTH, STLS, UTF8, DELE, RSET, NOOP,
    /// QUIT, or a raw command without a block. After STLS, check [`Machine::transport`]; after QUIT,
    /// [`Machine::is_closed`].
    Ok(Response),
    /// `-ERR` to any command (or as the greeting).
    Err(Response),
    /// `+OK` to STAT.
    Stat {
        /// How many messages the maildrop holds.
        count: u32,
        /// Their total size in octets.
        size: u64,
    },
    /// `+OK` to `LIST n`.
    Scan {
        /// The message number.
        msg: u32,
        /// Its size in octets.
        size: u64,
    },
    /// The listing answering `LIST`: (message number, size) pairs.
    List(Vec<(u32, u64)>),
    /// `+OK` to `UIDL n`.
    Uid {
        /// The message number.
        msg: u32,
        /// Its unique-id.
        uid: Bytes,
    },
    /// The listing answering `UIDL`: (message number, unique-id) pairs.
    Uidl(Vec<(u32, Bytes)>),
    /// The listing answering `CAPA` (also kept: see
    /// [`Client::capabilities`]).
    Capabilities(Capabilities),
    /// `+OK` to RETR or TOP: the message's content follows as
    /// [`Event::Data`], then [`Event::MessageEnd`].
    MessageStart {
        /// The message number asked for (0 for a block answering
        /// [`Client::send_raw`]).
        msg: u32,
        /// The status line.
        response: Response,
    },
    /// A piece of the message, unstuffed, exactly as stored (line ends
    /// as the server sent them), as a slice of the receive buffer.
    Data(Bytes),
    /// The message's terminating `.` line arrived.
    MessageEnd {
        /// The message number asked for.
        msg: u32,
    },
}

/// TLS is required and the server does not list STLS.
fn not_offered() -> Error {
    ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered { command: "STLS" }).into()
}

/// What the answer to a command in flight looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    Plain,
    Login,
    Utf8,
    Stat,
    ScanOne,
    ScanAll,
    UidOne,
    UidAll,
    Capa,
    Message(u32),
    Stls,
    Auth,
    Quit,
    /// A command sent with [`Client::send_raw`]; whether a `+OK` is
    /// followed by a dot-terminated block.
    Raw {
        block: bool,
    },
}

impl Expect {
    fn of(cmd: &Command) -> Expect {
        match cmd {
            Command::Pass(_) | Command::Apop { .. } => Expect::Login,
            Command::Auth { .. } => Expect::Auth,
            Command::Utf8 => Expect::Utf8,
            Command::Stat => Expect::Stat,
            Command::List(None) => Expect::ScanAll,
            Command::List(Some(_)) => Expect::ScanOne,
            Command::Uidl(None) => Expect::UidAll,
            Command::Uidl(Some(_)) => Expect::UidOne,
            Command::Capa => Expect::Capa,
            Command::Retr(msg) | Command::Top { msg, .. } => Expect::Message(*msg),
            Command::Stls => Expect::Stls,
            Command::Quit => Expect::Quit,
            Command::User(_) | Command::Dele(_) | Command::Rset | Command::Noop => Expect::Plain,
        }
    }

    /// Commands after which nothing may be sent until their answer came:
    /// the greeting, AUTH (lines sent meanwhile would be read as SASL
    /// responses), STLS (they would travel in plaintext) and QUIT.
    fn is_barrier(self) -> bool {
        matches!(
            self,
            Expect::Greeting | Expect::Auth | Expect::Stls | Expect::Quit | Expect::Raw { .. }
        )
    }
}

#[derive(Debug)]
enum Reading {
    Status,
    Listing(Listing),
    Message(DotUnstuffer),
}

#[derive(Debug)]
enum Listing {
    Scan(Vec<(u32, u64)>),
    Uid(Vec<(u32, Bytes)>),
    Capa(Vec<Capability>),
}

impl Listing {
    fn len(&self) -> usize {
        match self {
            Listing::Scan(v) => v.len(),
            Listing::Uid(v) => v.len(),
            Listing::Capa(v) => v.len(),
        }
    }
}

/// An AUTH exchange in progress.
struct Sasl {
    mechanism: Box<dyn Mechanism + Send>,
    /// An initial response too long for the AUTH line (RFC 5034 §4): it
    /// answers the server's first, empty challenge instead.
    deferred: Option<Vec<u8>>,
}

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sasl")
            .field("mechanism", &self.mechanism.name())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Plain,
    /// STLS is queued or in flight.
    Requested,
    /// `+OK` to STLS came; the handshake must run now.
    Handshake,
    Established,
}

/// A POP3 client (RFC 1939 with CAPA, PIPELINING, RESP-CODES, STLS, SASL
/// AUTH and UTF8).
///
/// # Use
/// - **Commands**: [`send`](Self::send) any [`Command`] but AUTH, or use the
///   shorthands ([`user`](Self::user), [`retr`](Self::retr), ...);
///   [`auth`](Self::auth) runs a SASL exchange and
///   [`apop`](Self::apop) computes the digest. A refused argument (CR, LF,
///   NUL, ...) is an [`Error`] with [`Fault::Local`](crate::wire::Fault)
///   and nothing is queued.
/// - **Events**: [`Machine::poll_event`] hands out [`Event`]s in the order
///   of the commands; each command completes with one event.
/// - **Pipelining**: commands may be queued at any time, any number of
///   them. They go on the wire one at a time, each after the answer to
///   the last, unless the server listed PIPELINING in its CAPA answer (or
///   [`set_pipelining`](Self::set_pipelining) forced it): then they are all
///   sent at once and answers are matched in order. The greeting, AUTH,
///   STLS and QUIT are never pipelined with anything.
/// - **STLS**: after the `+OK` to STLS, [`Machine::transport`] says
///   [`Transport::StartTls`](crate::wire::Transport::StartTls); run the handshake, call
///   [`Machine::tls_established`], then send CAPA again: the capabilities
///   learnt in plaintext are forgotten. Bytes that arrive behind the `+OK`
///   before the handshake are an error (CVE-2011-0411).
///
/// ```
/// use sanswire::pop3::{Client, Event};
/// use sanswire::wire::{Machine, Next};
/// let mut client = Client::new();
/// client.user("alice").unwrap();
/// client.pass("secret").unwrap();
/// client.stat().unwrap();
/// assert!(client.outbox().is_empty()); // held until the greeting arrives
/// client.receive(b"+OK ready\r\n");
/// assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
/// assert_eq!(client.outbox().take_vec(), b"USER alice\r\n");
/// ```
#[derive(Debug)]
pub struct Client {
    conn: Conn<Error>,
    lines: LineReader,
    limits: Limits,
    /// Commands not yet answered, oldest first, sent or waiting to go.
    queue: CommandQueue<Expect>,
    reading: Reading,
    sasl: Option<Sasl>,
    capabilities: Option<Capabilities>,
    force_pipelining: bool,
    timestamp: Option<Bytes>,
    tls: Tls,
    require_tls: bool,
    quit_queued: bool,
    authenticated: bool,
    utf8: bool,
    /// Lines skipped before the greeting (banners), bounded.
    banner_lines: u8,
    /// The last AUTH exchange was cancelled by this side (`*`).
    sasl_cancelled: bool,
    /// The command the last event handed out belongs to.
    replying: Option<CommandId>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// How long the server may stay silent while the client waits for an
    /// answer (10 minutes, the server's own autologout minimum in RFC 1939
    /// §3). Change it with [`Machine::set_timeout`].
    pub const TIMEOUT: core::time::Duration = core::time::Duration::from_secs(600);

    /// A client waiting for the server's greeting, with default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A client waiting for the server's greeting.
    pub fn with_limits(limits: Limits) -> Self {
        let mut queue = CommandQueue::new();
        // The greeting is the answer to the connection itself: already "sent".
        queue.push_with_id(Expect::Greeting, CommandId::CONNECTION, Gate::Barrier, []);
        queue.release(&mut Outbox::new());
        Client {
            conn: Conn::with_timeout(Self::TIMEOUT),
            lines: LineReader::new(limits.max_response_line),
            limits,
            queue,
            reading: Reading::Status,
            sasl: None,
            capabilities: None,
            force_pipelining: false,
            timestamp: None,
            tls: Tls::Plain,
            require_tls: false,
            quit_queued: false,
            authenticated: false,
            utf8: false,
            banner_lines: 0,
            sasl_cancelled: false,
            replying: None,
        }
    }

    /// How many lines that are not a status line may come before the
    /// greeting: some servers print a banner first, and curl skips it.
    pub const MAX_BANNER_LINES: u8 = 32;

    // --- getters ---

    /// Whether the last AUTH exchange ended because this side cancelled it
    /// (`*`: a challenge the mechanism could not answer, such as one that
    /// is not base64), rather than because the server refused the
    /// credentials. A client may then try another mechanism, as curl does.
    pub fn auth_cancelled(&self) -> bool {
        self.sasl_cancelled
    }

    /// The capabilities of the last CAPA answer (forgotten after STLS).
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.capabilities.as_ref()
    }

    /// The APOP timestamp of the greeting, brackets included.
    pub fn apop_timestamp(&self) -> Option<&Bytes> {
        self.timestamp.as_ref()
    }

    /// Whether PASS, APOP or AUTH succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether the server accepted UTF8 (RFC 6856).
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// Whether TLS was established after STLS.
    pub fn is_tls(&self) -> bool {
        self.tls == Tls::Established
    }

    /// How many commands (the greeting included) still wait for their
    /// answer, sent or not.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Whether commands go on the wire without waiting for earlier
    /// answers.
    pub fn pipelining(&self) -> bool {
        self.force_pipelining || self.capabilities.as_ref().is_some_and(|c| c.pipelining())
    }

    // --- mutators ---

    /// Sends commands without waiting for answers even if the server did
    /// not list PIPELINING (or stops forcing it).
    pub fn set_pipelining(&mut self, on: bool) {
        self.force_pipelining = on;
        self.release();
    }

    /// Never go on in plaintext (curl's `--ssl-reqd`): a CAPA answer
    /// without STLS (or a refused CAPA) fails polling with
    /// [`ErrorKind::TlsUnavailable`] instead of reporting
    /// [`Event::Capabilities`]; a refused STLS fails the same way; and
    /// every command but CAPA, STLS, NOOP and QUIT is refused
    /// ([`ErrorKind::OutOfSequence`], nothing queued) until TLS is
    /// established. Off by default.
    pub fn set_require_tls(&mut self, required: bool) {
        self.require_tls = required;
    }

    /// Whether TLS is required (see [`set_require_tls`](Self::set_require_tls)).
    pub fn requires_tls(&self) -> bool {
        self.require_tls
    }

    /// Whether TLS is required and not yet established.
    fn tls_missing(&self) -> bool {
        self.require_tls && self.tls != Tls::Established
    }

    /// Refuses a command that must not go out in plaintext.
    fn check_secure(&self, cmd: Option<&Command>) -> Result<(), Error> {
        let harmless = matches!(
            cmd,
            Some(Command::Capa | Command::Stls | Command::Noop | Command::Quit)
        );
        if self.tls_missing() && !harmless {
            return Err(ErrorKind::OutOfSequence("TLS is required: STLS first").into());
        }
        Ok(())
    }

    /// Queues any command but AUTH (use [`auth`](Self::auth)); gives the
    /// id its answer will carry ([`Correlate::replying_to`]). Every other
    /// send method gives its command's id the same way.
    pub fn send(&mut self, cmd: Command) -> Result<CommandId, Error> {
        self.check_can_send()?;
        self.check_secure(Some(&cmd))?;
        match cmd {
            Command::Auth { .. } => {
                return Err(ErrorKind::OutOfSequence("use Client::auth for AUTH").into())
            }
            Command::Stls if self.tls != Tls::Plain => {
                return Err(ErrorKind::OutOfSequence("TLS already active").into())
            }
            _ => {}
        }
        let line = cmd.encode()?;
        match cmd {
            Command::Stls => self.tls = Tls::Requested,
            Command::Quit => self.quit_queued = true,
            _ => {}
        }
        Ok(self.enqueue(Expect::of(&cmd), line))
    }

    /// Queues a command line the machine does not know (curl's `-X`, an
    /// extension), CRLF added. With `block`, a `+OK` is followed by a
    /// dot-terminated block, reported like a message:
    /// [`Event::MessageStart`] and [`Event::MessageEnd`] with `msg: 0`
    /// around unstuffed [`Event::Data`]; without, the answer is
    /// [`Event::Ok`]. [`raw_expects_block`] says which a known command
    /// needs.
    ///
    /// The line is never pipelined. Refused: CR, LF or NUL in it, an
    /// empty line, a line over 255 octets, and AUTH, STLS and QUIT, which
    /// change the session (use [`auth`](Self::auth), [`stls`](Self::stls),
    /// [`quit`](Self::quit)).
    ///
    /// ```
    /// use sanswire::pop3::{Client, Event};
    /// use sanswire::wire::{Machine, Next};
    /// let mut client = Client::new();
    /// client.receive(b"+OK ready\r\n");
    /// client.poll_event().unwrap();
    /// client.send_raw(b"XTND XMIT", true).unwrap();
    /// assert_eq!(client.outbox().take_vec(), b"XTND XMIT\r\n");
    /// assert!(client.send_raw(b"NOOP\r\nDELE 1", false).is_err());
    /// ```
    pub fn send_raw(&mut self, line: &[u8], block: bool) -> Result<CommandId, Error> {
        self.check_can_send()?;
        self.check_secure(None)?;
        if !crate::wire::is_safe_argument(line) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        if line.is_empty() || line[0] == b' ' {
            return Err(ErrorKind::InvalidArgument("raw command line").into());
        }
        if line.len() + 2 > super::MAX_COMMAND_LINE {
            return Err((ErrorKind::CommandTooLong {
                limit: super::MAX_COMMAND_LINE,
            })
            .into());
        }
        let keyword = line.split(|&b| b == b' ').next().unwrap_or_default();
        if [&b"AUTH"[..], b"STLS", b"QUIT"]
            .iter()
            .any(|k| keyword.eq_ignore_ascii_case(k))
        {
            return Err(
                ErrorKind::OutOfSequence("AUTH, STLS and QUIT have their own methods").into(),
            );
        }
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(b"\r\n");
        Ok(self.enqueue(Expect::Raw { block }, bytes))
    }

    /// Queues `USER name`.
    pub fn user(&mut self, name: impl AsRef<[u8]>) -> Result<CommandId, Error> {
        self.send(Command::User(Bytes::copy_from_slice(name.as_ref())))
    }

    /// Queues `PASS secret`.
    pub fn pass(&mut self, secret: impl AsRef<[u8]>) -> Result<CommandId, Error> {
        self.send(Command::Pass(Bytes::copy_from_slice(secret.as_ref())))
    }

    /// Queues `APOP name digest`, the digest made from the greeting's
    /// timestamp and `secret`. Refused before the greeting arrived, or if
    /// it held no timestamp.
    pub fn apop(
        &mut self,
        name: impl AsRef<[u8]>,
        secret: impl AsRef<[u8]>,
    ) -> Result<CommandId, Error> {
        let Some(ts) = &self.timestamp else {
            return Err(ErrorKind::OutOfSequence("no APOP timestamp in the greeting").into());
        };
        let digest = apop_digest(ts, secret.as_ref());
        self.send(Command::Apop {
            user: Bytes::copy_from_slice(name.as_ref()),
            digest: Bytes::copy_from_slice(&digest),
        })
    }

    /// Queues `AUTH` with `mechanism` and runs the exchange: the machine
    /// answers the server's `+ ` challenges itself and reports only the
    /// final [`Event::Ok`] or [`Event::Err`]. If the mechanism fails on a
    /// challenge, the exchange is cancelled with `*` (the server then
    /// answers `-ERR`). An initial response that would make the AUTH line
    /// longer than 255 octets is sent after the server's first, empty
    /// challenge instead (RFC 5034 §4).
    pub fn auth<M: Mechanism + Send + 'static>(
        &mut self,
        mut mechanism: M,
    ) -> Result<CommandId, Error> {
        self.check_can_send()?;
        self.check_secure(None)?;
        if self.sasl.is_some() {
            return Err(ErrorKind::OutOfSequence("an AUTH exchange is already queued").into());
        }
        self.sasl_cancelled = false;
        let name = Bytes::from_static(mechanism.name().as_bytes());
        let initial = mechanism.initial_response()?;
        let with_initial = Command::Auth {
            mechanism: name.clone(),
            initial_response: initial.clone().map(Bytes::from),
        };
        let (line, deferred) = match with_initial.encode() {
            Ok(line) => (line, None),
            Err(e) if matches!(e.kind(), ErrorKind::CommandTooLong { .. }) && initial.is_some() => {
                let bare = Command::Auth {
                    mechanism: name,
                    initial_response: None,
                };
                (bare.encode()?, initial)
            }
            Err(e) => return Err(e),
        };
        self.sasl = Some(Sasl {
            mechanism: Box::new(mechanism),
            deferred,
        });
        Ok(self.enqueue(Expect::Auth, line))
    }

    /// Queues `CAPA`.
    pub fn capa(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Capa)
    }

    /// Queues `STLS`. No other command is accepted until TLS is
    /// established or the server refused.
    pub fn stls(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Stls)
    }

    /// Queues `UTF8`.
    pub fn utf8(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Utf8)
    }

    /// Queues `STAT`.
    pub fn stat(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Stat)
    }

    /// Queues `LIST` or `LIST msg`.
    pub fn list(&mut self, msg: Option<u32>) -> Result<CommandId, Error> {
        self.send(Command::List(msg))
    }

    /// Queues `UIDL` or `UIDL msg`.
    pub fn uidl(&mut self, msg: Option<u32>) -> Result<CommandId, Error> {
        self.send(Command::Uidl(msg))
    }

    /// Queues `RETR msg`.
    pub fn retr(&mut self, msg: u32) -> Result<CommandId, Error> {
        self.send(Command::Retr(msg))
    }

    /// Queues `TOP msg lines`.
    pub fn top(&mut self, msg: u32, lines: u32) -> Result<CommandId, Error> {
        self.send(Command::Top { msg, lines })
    }

    /// Queues `DELE msg`.
    pub fn dele(&mut self, msg: u32) -> Result<CommandId, Error> {
        self.send(Command::Dele(msg))
    }

    /// Queues `RSET`.
    pub fn rset(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Rset)
    }

    /// Queues `NOOP`.
    pub fn noop(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Noop)
    }

    /// Queues `QUIT`; no command is accepted after it.
    pub fn quit(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Quit)
    }

    fn check_can_send(&self) -> Result<(), Error> {
        self.conn.check()?;
        if self.quit_queued || self.conn.is_closed() {
            return Err(ErrorKind::OutOfSequence("QUIT was sent").into());
        }
        if matches!(self.tls, Tls::Requested | Tls::Handshake) {
            return Err(ErrorKind::OutOfSequence("wait for STLS and the TLS handshake").into());
        }
        Ok(())
    }

    fn enqueue(&mut self, expect: Expect, line: Vec<u8>) -> CommandId {
        let gate = if expect.is_barrier() {
            Gate::Barrier
        } else {
            Gate::Pipelined
        };
        let id = self.queue.push_parts(expect, gate, [Part::Text(line)]);
        self.release();
        id
    }

    /// Writes the queued commands that may go on the wire now: none
    /// during the TLS handshake, several at once only with PIPELINING.
    fn release(&mut self) {
        self.queue.set_pipelining(self.pipelining());
        self.queue.hold(self.tls == Tls::Handshake);
        self.queue.release(&mut self.conn.outbox);
    }

    /// The front command got its complete answer.
    fn finish(&mut self) {
        self.queue.finish();
        self.reading = Reading::Status;
        self.release();
    }

    fn need_input(&self) -> Result<Next<Event>, Error> {
        if self.conn.inbox.is_eof() {
            Err(ErrorKind::UnexpectedEof.into())
        } else {
            Ok(Next::NeedInput)
        }
    }

    /// The next protocol line, with the limit in force for it.
    fn next_line(&mut self, limit: usize) -> Result<Option<Bytes>, Error> {
        self.lines.set_max_len(limit);
        match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) if line.ending == LineEnding::Lf => Err(ErrorKind::BareLf.into()),
            Ok(Some(line)) => Ok(Some(line.bytes)),
            Ok(None) => Ok(None),
            Err(LineError::TooLong { limit }) => Err((ErrorKind::LineTooLong { limit }).into()),
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.tls == Tls::Handshake {
                // Plaintext here is refused by the core (`Machine::poll_event`).
                return Ok(Next::Paused);
            }
            let Some(front) = self.queue.front() else {
                if self.conn.is_closed() || self.conn.inbox.is_empty() {
                    return Ok(Next::Paused);
                }
                // Nothing was asked: taking these bytes as the answer to
                // the next command would put every later answer out of
                // step.
                return Err(ErrorKind::UnexpectedData.into());
            };
            let (expect, id) = (front.tag, front.id);
            let step = match &mut self.reading {
                Reading::Status => self.read_status(expect)?,
                Reading::Listing(_) => self.read_listing()?,
                Reading::Message(_) => self.read_message(expect)?,
            };
            match step {
                Step::Event(e) => {
                    self.replying = Some(id);
                    return Ok(Next::Event(e));
                }
                Step::Again => continue,
                Step::NeedInput => return self.need_input(),
            }
        }
    }

    fn read_status(&mut self, expect: Expect) -> Result<Step, Error> {
        let limit = if expect == Expect::Auth {
            self.limits.max_response_line.max(self.limits.max_sasl_line)
        } else {
            self.limits.max_response_line
        };
        let Some(line) = self.next_line(limit)? else {
            return Ok(Step::NeedInput);
        };
        if expect == Expect::Auth && is_challenge(&line) {
            self.answer_challenge(&line);
            return Ok(Step::Again);
        }
        let Some(response) = Response::parse(line) else {
            if expect == Expect::Greeting && self.banner_lines < Self::MAX_BANNER_LINES {
                // A banner before the greeting (curl skips such lines too).
                self.banner_lines += 1;
                return Ok(Step::Again);
            }
            return Err(ErrorKind::MalformedResponse.into());
        };
        if !response.is_ok() && self.tls_missing() {
            // Never silently downgrade: without CAPA there is no STLS.
            match expect {
                Expect::Capa => return Err(not_offered()),
                Expect::Stls => {
                    return Err(ErrorKind::TlsUnavailable(TlsUnavailable::Refused {
                        command: "STLS",
                        code: None,
                    })
                    .into())
                }
                _ => {}
            }
        }
        if !response.is_ok() {
            self.on_refusal(expect);
            self.finish();
            return Ok(Step::Event(Event::Err(response)));
        }
        self.on_ok(expect, response)
    }

    fn on_refusal(&mut self, expect: Expect) {
        match expect {
            Expect::Auth => self.sasl = None,
            Expect::Stls => self.tls = Tls::Plain,
            // A server may refuse QUIT in UPDATE ("-ERR some deleted
            // messages not removed") and still closes.
            Expect::Quit => self.conn.stop(),
            _ => {}
        }
    }

    fn on_ok(&mut self, expect: Expect, response: Response) -> Result<Step, Error> {
        let event = match expect {
            Expect::Greeting => {
                // Copied: kept for the session, a slice would keep the
                // whole receive block alive.
                self.timestamp = response
                    .apop_timestamp()
                    .map(|t| Bytes::copy_from_slice(&t));
                Event::Greeting(response)
            }
            Expect::Plain | Expect::Raw { block: false } => Event::Ok(response),
            Expect::Login | Expect::Auth => {
                self.sasl = None;
                self.authenticated = true;
                Event::Ok(response)
            }
            Expect::Utf8 => {
                self.utf8 = true;
                Event::Ok(response)
            }
            Expect::Stat => {
                let (count, size) =
                    two_numbers(&response.text).ok_or(ErrorKind::MalformedStatus)?;
                let count = u32::try_from(count).map_err(|_| ErrorKind::MalformedStatus)?;
                Event::Stat { count, size }
            }
            Expect::ScanOne => {
                let (msg, size) = scan_line(&response.text).ok_or(ErrorKind::MalformedStatus)?;
                Event::Scan { msg, size }
            }
            Expect::UidOne => {
                let (msg, uid) = uid_line(&response.text).ok_or(ErrorKind::MalformedStatus)?;
                Event::Uid { msg, uid }
            }
            Expect::ScanAll | Expect::UidAll | Expect::Capa => {
                self.reading = Reading::Listing(match expect {
                    Expect::ScanAll => Listing::Scan(Vec::new()),
                    Expect::UidAll => Listing::Uid(Vec::new()),
                    _ => Listing::Capa(Vec::new()),
                });
                return Ok(Step::Again);
            }
            Expect::Message(_) | Expect::Raw { block: true } => {
                let msg = message_number(expect);
                self.reading = Reading::Message(DotUnstuffer::new(self.limits.max_message_line));
                return Ok(Step::Event(Event::MessageStart { msg, response }));
            }
            Expect::Stls => {
                self.tls = Tls::Handshake;
                self.conn.request_tls();
                if !self.conn.inbox.is_empty() {
                    return Err(ErrorKind::PlaintextAfterUpgrade.into());
                }
                Event::Ok(response)
            }
            Expect::Quit => {
                self.conn.stop();
                Event::Ok(response)
            }
        };
        self.finish();
        Ok(Step::Event(event))
    }

    fn read_listing(&mut self) -> Result<Step, Error> {
        let Some(line) = self.next_line(self.limits.max_response_line)? else {
            return Ok(Step::NeedInput);
        };
        let Reading::Listing(listing) = &mut self.reading else {
            return Ok(Step::Again);
        };
        if &line[..] == b"." {
            let event = match core::mem::replace(listing, Listing::Scan(Vec::new())) {
                Listing::Scan(v) => Event::List(v),
                Listing::Uid(v) => Event::Uidl(v),
                Listing::Capa(v) => {
                    let caps = Capabilities(v);
                    if self.tls_missing() && !caps.stls() {
                        return Err(not_offered());
                    }
                    self.capabilities = Some(caps.clone());
                    Event::Capabilities(caps)
                }
            };
            self.finish();
            return Ok(Step::Event(event));
        }
        if listing.len() >= self.limits.max_listing_entries {
            return Err((ErrorKind::TooManyEntries {
                limit: self.limits.max_listing_entries,
            })
            .into());
        }
        // Undo dot-stuffing: no scan or uid line starts with a dot, but a
        // capability line could.
        let line = if line.first() == Some(&b'.') {
            line.slice(1..)
        } else {
            line
        };
        match listing {
            Listing::Scan(v) => v.push(scan_line(&line).ok_or(ErrorKind::MalformedListing)?),
            Listing::Uid(v) => v.push(uid_line(&line).ok_or(ErrorKind::MalformedListing)?),
            Listing::Capa(v) => v.push(Capability::parse(line)),
        }
        Ok(Step::Again)
    }

    fn read_message(&mut self, expect: Expect) -> Result<Step, Error> {
        let Reading::Message(unstuffer) = &mut self.reading else {
            return Ok(Step::Again);
        };
        match unstuffer.next(&mut self.conn.inbox) {
            Ok(Some(Unstuffed::Data(data))) => Ok(Step::Event(Event::Data(data))),
            Ok(Some(Unstuffed::End)) => {
                // The unstuffer consumed the inbox behind the line reader,
                // which notices by itself.
                self.finish();
                Ok(Step::Event(Event::MessageEnd {
                    msg: message_number(expect),
                }))
            }
            Ok(None) => Ok(Step::NeedInput),
            Err(LineError::TooLong { limit }) => Err((ErrorKind::LineTooLong { limit }).into()),
        }
    }

    /// Answers a `+ ` challenge of an AUTH exchange, or cancels it with
    /// `*` when the challenge is not base64 or the mechanism gives up.
    fn answer_challenge(&mut self, line: &[u8]) {
        let payload = line.get(2..).unwrap_or_default();
        let answer = match (self.sasl.as_mut(), decode_base64(payload)) {
            (Some(sasl), Ok(challenge)) => match sasl.deferred.take() {
                Some(initial) if challenge.is_empty() => Some(initial),
                _ => sasl.mechanism.step(&challenge).ok(),
            },
            _ => None,
        };
        match answer {
            Some(answer) => {
                let mut out = Vec::with_capacity(answer.len() * 4 / 3 + 6);
                // RFC 5034 §4: `=` stands for an empty *initial* response
                // only; an empty continuation is an empty line.
                if !answer.is_empty() {
                    push_base64(&mut out, &answer);
                }
                out.extend_from_slice(b"\r\n");
                self.conn.outbox.write(&out);
            }
            None => {
                self.sasl = None;
                self.sasl_cancelled = true;
                self.conn.outbox.write(b"*\r\n");
            }
        }
    }
}

enum Step {
    Event(Event),
    Again,
    NeedInput,
}

/// The message number reported around a block: 0 for a raw command.
fn message_number(expect: Expect) -> u32 {
    match expect {
        Expect::Message(msg) => msg,
        _ => 0,
    }
}

/// Whether a `+OK` to this command line is followed by a dot-terminated
/// block: as [`Command::expects_block`] for the commands of RFC 1939 and
/// its extensions, and `true` for any other (as curl assumes for `-X`).
///
/// ```
/// use sanswire::pop3::raw_expects_block;
/// assert!(raw_expects_block(b"uidl"));
/// assert!(!raw_expects_block(b"UIDL 3"));
/// assert!(!raw_expects_block(b"NOOP"));
/// assert!(raw_expects_block(b"XTND XLIST Subject"));
/// ```
pub fn raw_expects_block(line: &[u8]) -> bool {
    match Command::parse(&Bytes::copy_from_slice(line)) {
        Ok(cmd) => cmd.expects_block(),
        Err(_) => true,
    }
}

/// A challenge is `+` alone or `+ ` and base64; `+OK` is a status.
fn is_challenge(line: &[u8]) -> bool {
    line == b"+" || line.starts_with(b"+ ")
}

/// `a b [anything]`: two numbers separated by a space, as in STAT and scan
/// listings (RFC 1939 allows more information after them).
fn two_numbers(text: &[u8]) -> Option<(u64, u64)> {
    let mut words = text.splitn(3, |&b| b == b' ');
    let a = parse_u64(words.next()?)?;
    let b = parse_u64(words.next()?)?;
    Some((a, b))
}

fn scan_line(text: &[u8]) -> Option<(u32, u64)> {
    let (msg, size) = two_numbers(text)?;
    Some((u32::try_from(msg).ok()?, size))
}

/// `msg uid`; the uid is kept as a slice of the line.
fn uid_line(text: &Bytes) -> Option<(u32, Bytes)> {
    let space = memchr::memchr(b' ', text)?;
    let msg = parse_number(&text[..space])?;
    let uid = text.slice(space + 1..);
    if uid.is_empty() || uid.contains(&b' ') {
        return None;
    }
    Some((msg, uid))
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
        // RFC 2595 §4: what the server said in plaintext is forgotten.
        self.capabilities = None;
        self.lines.reset();
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_lines() {
        assert_eq!(scan_line(b"1 120"), Some((1, 120)));
        assert_eq!(scan_line(b"1 120 extra info"), Some((1, 120)));
        assert_eq!(scan_line(b"1"), None);
        assert_eq!(scan_line(b"x 1"), None);
        let (n, uid) = uid_line(&Bytes::from_static(b"2 QhdPYR:00WBw1Ph7x7")).unwrap();
        assert_eq!((n, &uid[..]), (2, &b"QhdPYR:00WBw1Ph7x7"[..]));
        assert_eq!(uid_line(&Bytes::from_static(b"2 ")), None);
        assert!(is_challenge(b"+"));
        assert!(is_challenge(b"+ YQ=="));
        assert!(!is_challenge(b"+OK"));
    }

    fn next_event(client: &mut Client) -> Result<Next<Event>, Error> {
        client.poll_event()
    }

    #[test]
    fn banner_lines_before_the_greeting_are_skipped() {
        let mut client = Client::new();
        client.receive(b"Welcome to the mail host\r\n* be nice\r\n+OK ready\r\n");
        assert!(matches!(
            next_event(&mut client),
            Ok(Next::Event(Event::Greeting(_)))
        ));
        // After the greeting, a line that is no status is an error again.
        client.noop().unwrap();
        client.receive(b"hello\r\n");
        assert!(next_event(&mut client).is_err());
    }

    #[test]
    fn banner_is_bounded() {
        let mut client = Client::new();
        for _ in 0..=Client::MAX_BANNER_LINES {
            client.receive(b"banner\r\n");
        }
        assert_eq!(
            next_event(&mut client).unwrap_err().kind(),
            ErrorKind::MalformedResponse
        );
    }

    #[test]
    fn a_cancelled_auth_is_told_from_a_refused_one() {
        let mut client = Client::new();
        client.receive(b"+OK ready\r\n");
        let _ = next_event(&mut client);
        client.auth(crate::sasl::CramMd5::new("u", "p")).unwrap();
        client.outbox().take_vec();
        client.receive(b"+ not*base64!\r\n-ERR cancelled\r\n");
        assert!(matches!(
            next_event(&mut client),
            Ok(Next::Event(Event::Err(_)))
        ));
        assert_eq!(client.outbox().take_vec(), b"*\r\n");
        assert!(client.auth_cancelled());
        client.auth(crate::sasl::Plain::new("u", "p")).unwrap();
        assert!(!client.auth_cancelled());
        client.receive(b"-ERR denied\r\n");
        assert!(matches!(
            next_event(&mut client),
            Ok(Next::Event(Event::Err(_)))
        ));
        assert!(!client.auth_cancelled());
    }
}
