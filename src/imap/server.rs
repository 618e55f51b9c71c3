//! The server machine.

use super::command::command_tag;
use super::{
    Code, Command, Data, Error, ErrorKind, Framed, Framer, Limits, Response, State, Status,
    StatusKind,
};
use crate::wire::{Conn, Instant, Machine, Next};
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

/// What the server machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A command valid in the current state: answer it (untagged data with
    /// [`Server::send`], then [`Server::complete`] with its tag). The
    /// machine reads nothing more until then (IDLE and AUTHENTICATE
    /// excepted, see [`Server::start_idle`], [`Server::challenge`]).
    Command {
        /// Its tag.
        tag: Bytes,
        /// The command; literals are slices of the receive buffer.
        command: Command,
    },
    /// The client's line during AUTHENTICATE (base64, or `*` to cancel).
    AuthResponse(Bytes),
    /// The client ended IDLE with DONE: complete the IDLE command.
    IdleDone,
    /// A synchronising literal within the limits was announced and
    /// [`Server::set_literal_decisions`] is on: answer with
    /// [`Server::accept_literal`] (the machine sends `+`) or
    /// [`Server::refuse_literal`] (a tagged NO; the octets never come).
    Literal {
        /// The tag of the command announcing it.
        tag: Bytes,
        /// The octets announced (an APPEND's message size, say).
        size: u64,
    },
    /// While idling, the interval set with [`Server::set_idle_tick`]
    /// passed: look for news and push it with [`Server::send`].
    IdleTick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Commands.
    Commands,
    /// The application answers a command: nothing is read.
    Answering,
    /// A `+` challenge was sent: the next line is the client's answer.
    Sasl,
    /// `+ idling` was sent: the next line must be DONE.
    Idle,
    /// A literal waits for the application's decision.
    Literal,
}

/// An IMAP server: parses commands (literals included, within its
/// [`Limits`]), keeps the connection state, and encodes the
/// application's responses.
///
/// - A synchronising literal within limits is answered with `+` by the
///   machine; one over them with a tagged `NO [TOOBIG]`, a
///   non-synchronising one with `BAD [TOOBIG]` while its octets are
///   skipped, never buffered.
/// - A command that does not parse is answered `BAD`; one not valid in
///   the state (FETCH before SELECT, ...) is answered `BAD` too. Neither
///   reaches the application.
///
/// ```
/// use sanswire::imap::{Command, Server, ServerEvent, StatusKind};
/// use sanswire::wire::{Machine, Next};
/// let mut s = Server::new("IMAP4rev1 ready");
/// assert_eq!(s.outbox().take_vec(), b"* OK IMAP4rev1 ready\r\n");
/// s.receive(b"a1 LOGIN {5}\r\n");
/// assert_eq!(s.poll_event(), Ok(Next::NeedInput));
/// assert_eq!(s.outbox().take_vec(), b"+ Ready for literal data\r\n");
/// s.receive(b"alice pw\r\n");
/// let Ok(Next::Event(ServerEvent::Command { tag, command })) = s.poll_event() else { panic!() };
/// assert!(matches!(command, Command::Login { .. }));
/// s.complete(&tag, StatusKind::Ok, None, "welcome").unwrap();
/// assert_eq!(s.outbox().take_vec(), b"a1 OK welcome\r\n");
/// ```
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    framer: Framer,
    limits: Limits,
    state: State,
    reading: Reading,
    /// The command being answered: its tag and what it was.
    current: Option<(Bytes, Command)>,
    capabilities: Vec<Bytes>,
    idle_tick: Option<Duration>,
    decide_literals: bool,
    /// When the last tick (or IDLE) began.
    tick_base: Instant,
    tick_due: bool,
}

impl Server {
    /// RFC 9051 §5.4: an autologout timer of at least 30 minutes.
    pub const TIMEOUT: Duration = Duration::from_secs(30 * 60);

    /// How long one command may take to arrive once begun, its literals
    /// included, however slowly the client trickles it (slowloris): 10
    /// minutes, then `* BYE autologout`. Change it with
    /// [`Machine::set_message_timeout`].
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10 * 60);

    /// A server that greets with `* OK text`.
    pub fn new(text: &str) -> Self {
        Self::with_greeting(Status::new(None, StatusKind::Ok, text), Limits::server())
    }

    /// A server that greets with `greeting` (OK, PREAUTH or BYE).
    pub fn with_greeting(greeting: Status, limits: Limits) -> Self {
        let mut conn = Conn::with_timeout(Self::TIMEOUT);
        conn.set_message_timeout(Some(Self::COMMAND_TIMEOUT));
        let mut server = Server {
            conn,
            framer: Framer::new(),
            limits,
            state: match greeting.kind {
                StatusKind::PreAuth => State::Authenticated,
                StatusKind::Bye => State::Logout,
                _ => State::NotAuthenticated,
            },
            reading: Reading::Commands,
            current: None,
            capabilities: Vec::new(),
            idle_tick: None,
            decide_literals: false,
            tick_base: Instant::ZERO,
            tick_due: false,
        };
        let mut greeting = greeting;
        greeting.tag = None;
        let _ = server.send(&Response::Status(greeting));
        if server.state == State::Logout {
            server.conn.stop();
        }
        server
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The command being answered, if any.
    pub fn current(&self) -> Option<&(Bytes, Command)> {
        self.current.as_ref()
    }

    /// Notes the capabilities the application offers (so the machine
    /// knows about LITERAL+ and what it may accept); informational.
    pub fn set_capabilities(&mut self, caps: Vec<Bytes>) {
        self.capabilities = caps;
    }

    /// Queues any response (untagged data, a status, a continuation).
    pub fn send(&mut self, r: &Response) -> Result<(), Error> {
        self.conn.check()?;
        if !self.conn.may_send() {
            return Err(ErrorKind::OutOfSequence.into());
        }
        // Checked whole first (nothing copied): a refused value leaves
        // nothing half-written.
        r.encode_to(&mut super::syntax::Check)?;
        r.encode_to(&mut self.conn.outbox)
    }

    /// Queues untagged data.
    pub fn data(&mut self, d: Data) -> Result<(), Error> {
        self.send(&Response::Data(d))
    }

    /// Completes the command `tag` with OK, NO or BAD (and an optional
    /// code); the machine moves the state on (LOGIN OK: authenticated;
    /// SELECT OK: selected; LOGOUT: closes after `* BYE`; STARTTLS OK:
    /// the TLS handshake is due) and reads the next command.
    pub fn complete(
        &mut self,
        tag: &[u8],
        kind: StatusKind,
        code: Option<Code>,
        text: &str,
    ) -> Result<(), Error> {
        let status = Status {
            tag: Some(Bytes::copy_from_slice(tag)),
            kind,
            code,
            text: Bytes::copy_from_slice(text.as_bytes()),
        };
        let current = self.current.take();
        let is_current = current.as_ref().is_some_and(|(t, _)| &t[..] == tag);
        let command = if is_current {
            current.map(|(_, c)| c)
        } else {
            self.current = current;
            None
        };
        if let Some(Command::Logout) = &command {
            self.send(&Response::Status(Status::new(
                None,
                StatusKind::Bye,
                "logging out",
            )))?;
        }
        if let Err(e) = self.send(&Response::Status(status)) {
            if is_current {
                self.current = command.map(|c| (Bytes::copy_from_slice(tag), c));
            }
            return Err(e);
        }
        if let Some(command) = command {
            self.after(&command, kind == StatusKind::Ok);
            self.reading = Reading::Commands;
        }
        Ok(())
    }

    fn after(&mut self, command: &Command, ok: bool) {
        match command {
            Command::Login { .. } | Command::Authenticate { .. } if ok => {
                self.state = State::Authenticated
            }
            Command::Select { .. } | Command::Examine { .. } => {
                self.state = if ok {
                    State::Selected
                } else {
                    State::Authenticated
                }
            }
            Command::Close | Command::Unselect if ok => self.state = State::Authenticated,
            Command::Logout => {
                self.state = State::Logout;
                self.conn.stop();
            }
            Command::StartTls if ok => self.conn.request_tls(),
            Command::Compress(_) if ok => self.start_compression(),
            _ => {}
        }
    }

    #[cfg(feature = "deflate")]
    fn start_compression(&mut self) {
        use crate::wire::{Deflate, Format, Inflate};
        self.conn
            .inbox
            .push_decoder(alloc::boxed::Box::new(Inflate::new(Format::Raw)));
        self.conn
            .outbox
            .push_encoder(alloc::boxed::Box::new(Deflate::new(Format::Raw, 6)));
    }

    #[cfg(not(feature = "deflate"))]
    fn start_compression(&mut self) {}

    /// Answers the current IDLE with `+ idling`: updates may be pushed
    /// with [`send`](Self::send) until [`Event::IdleDone`].
    pub fn start_idle(&mut self) -> Result<(), Error> {
        if !matches!(self.current, Some((_, Command::Idle))) {
            return Err(ErrorKind::OutOfSequence.into());
        }
        self.conn.outbox.write(b"+ idling\r\n");
        self.reading = Reading::Idle;
        self.tick_base = self.conn.now();
        Ok(())
    }

    /// Lets the application decide on each synchronising literal within
    /// the limits ([`Event::Literal`]), for example an APPEND too large
    /// for the user's quota; off by default (the machine sends `+` itself).
    pub fn set_literal_decisions(&mut self, on: bool) {
        self.decide_literals = on;
    }

    /// Sends `+` for the literal of [`Event::Literal`]: its octets follow.
    pub fn accept_literal(&mut self) -> Result<(), Error> {
        if self.reading != Reading::Literal {
            return Err(ErrorKind::OutOfSequence.into());
        }
        self.framer.accept();
        self.conn.outbox.write(b"+ Ready for literal data\r\n");
        self.reading = Reading::Commands;
        Ok(())
    }

    /// Refuses the literal of [`Event::Literal`] with a tagged NO (and a
    /// code, such as `[TOOBIG]` or `[OVERQUOTA]`): the command is dropped,
    /// and the client sends no octets.
    pub fn refuse_literal(&mut self, code: Option<Code>, text: &str) -> Result<(), Error> {
        if self.reading != Reading::Literal {
            return Err(ErrorKind::OutOfSequence.into());
        }
        let first = self.framer.refuse(&mut self.conn.inbox);
        let tag = command_tag(&first).map(Bytes::copy_from_slice);
        self.reading = Reading::Commands;
        self.answer_untagged(tag.as_deref(), StatusKind::No, code, text);
        Ok(())
    }

    /// While idling, wake the application every `every` with
    /// [`Event::IdleTick`] (on the machine's timer), so it can look for
    /// news to push. Off (`None`) by default.
    pub fn set_idle_tick(&mut self, every: Option<Duration>) {
        self.idle_tick = every;
    }

    /// Sends a SASL challenge (base64-encoded here) during the current
    /// AUTHENTICATE; the answer comes as [`Event::AuthResponse`].
    pub fn challenge(&mut self, challenge: &[u8]) -> Result<(), Error> {
        if !matches!(self.current, Some((_, Command::Authenticate { .. }))) {
            return Err(ErrorKind::OutOfSequence.into());
        }
        let mut line = b"+ ".to_vec();
        line.extend_from_slice(&crate::sasl::encode_line(challenge));
        line.extend_from_slice(b"\r\n");
        self.conn.outbox.write(&line);
        self.reading = Reading::Sasl;
        Ok(())
    }

    fn allowed(&self, command: &Command) -> bool {
        use Command::*;
        let any = matches!(command, Capability | Noop | Logout | Id(_));
        match self.state {
            State::Logout => false,
            State::NotAuthenticated => {
                any || matches!(
                    command,
                    StartTls | Authenticate { .. } | Login { .. } | Compress(_)
                )
            }
            State::Authenticated => {
                any || !matches!(
                    command,
                    StartTls
                        | Authenticate { .. }
                        | Login { .. }
                        | Check
                        | Close
                        | Unselect
                        | Expunge
                        | UidExpunge(_)
                        | Search { .. }
                        | Fetch { .. }
                        | Store { .. }
                        | Copy { .. }
                        | Move { .. }
                )
            }
            State::Selected => !matches!(command, StartTls | Authenticate { .. } | Login { .. }),
        }
    }

    fn answer_untagged(
        &mut self,
        tag: Option<&[u8]>,
        kind: StatusKind,
        code: Option<Code>,
        text: &str,
    ) {
        let status = Status {
            tag: tag.map(Bytes::copy_from_slice),
            kind,
            code,
            text: Bytes::copy_from_slice(text.as_bytes()),
        };
        let mut v = Vec::new();
        if Response::Status(status.clone()).encode_to(&mut v).is_err() {
            let fallback = Status::new(None, kind, text);
            let _ = Response::Status(fallback).encode_to(&mut v);
        }
        self.conn.outbox.write(&v);
    }

    fn read(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.conn.tls_pending() || !self.conn.may_recv() {
                return Ok(Next::Paused);
            }
            if self.reading == Reading::Idle && core::mem::take(&mut self.tick_due) {
                return Ok(Next::Event(Event::IdleTick));
            }
            if self.reading == Reading::Literal {
                return Ok(Next::Paused);
            }
            if self.reading == Reading::Answering {
                if self.conn.inbox.len() > self.limits.max_pipelined_input {
                    return Err(ErrorKind::TooMuchPipelined.into());
                }
                return Ok(Next::Paused);
            }
            let framed = match self.framer.next(&mut self.conn.inbox, &self.limits) {
                Ok(f) => f,
                Err(e) => {
                    self.conn.outbox.write(match e.kind() {
                        ErrorKind::LineTooLong => b"* BYE line too long\r\n",
                        ErrorKind::BareLf => b"* BYE lines end in CRLF\r\n",
                        _ => b"* BYE protocol error\r\n",
                    });
                    return Err(e);
                }
            };
            let msg = match framed {
                None => {
                    if self.conn.inbox.is_eof() {
                        // A client may close without LOGOUT.
                        self.conn.stop();
                        return Ok(Next::Paused);
                    }
                    return Ok(Next::NeedInput);
                }
                Some(Framed::Literal(lit)) => {
                    if self.reading != Reading::Commands {
                        return Err(ErrorKind::MalformedCommand.into());
                    }
                    if lit.size > self.limits.max_literal {
                        let first = self.framer.refuse(&mut self.conn.inbox);
                        let tag = command_tag(&first);
                        let kind = if lit.sync {
                            StatusKind::No
                        } else {
                            StatusKind::Bad
                        };
                        self.answer_untagged(tag, kind, Some(Code::TooBig), "literal too big");
                        continue;
                    }
                    if lit.sync && self.decide_literals {
                        let pending = self.framer.pending(&self.conn.inbox);
                        if let Some(tag) = command_tag(pending).map(Bytes::copy_from_slice) {
                            self.reading = Reading::Literal;
                            return Ok(Next::Event(Event::Literal {
                                tag,
                                size: lit.size,
                            }));
                        }
                    }
                    self.framer.accept();
                    if lit.sync {
                        self.conn.outbox.write(b"+ Ready for literal data\r\n");
                    }
                    continue;
                }
                Some(Framed::Message(m)) => m,
            };
            let body = &msg[..msg.len() - 2];
            match self.reading {
                Reading::Idle => {
                    if body.eq_ignore_ascii_case(b"DONE") {
                        self.reading = Reading::Answering;
                        return Ok(Next::Event(Event::IdleDone));
                    }
                    self.conn.outbox.write(b"* BAD expected DONE\r\n");
                    continue;
                }
                Reading::Sasl => {
                    self.reading = Reading::Answering;
                    return Ok(Next::Event(Event::AuthResponse(msg.slice(..msg.len() - 2))));
                }
                _ => {}
            }
            match Command::parse(&msg, &self.limits) {
                Ok((tag, command)) => {
                    if !self.allowed(&command) {
                        self.answer_untagged(
                            Some(&tag),
                            StatusKind::Bad,
                            None,
                            "command not valid in this state",
                        );
                        continue;
                    }
                    self.reading = Reading::Answering;
                    self.current = Some((tag.clone(), command.clone()));
                    return Ok(Next::Event(Event::Command { tag, command }));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::MalformedCommand | ErrorKind::TooDeep | ErrorKind::TooManyItems
                    ) =>
                {
                    let tag = command_tag(body);
                    self.answer_untagged(tag, StatusKind::Bad, None, "syntax error");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Machine for Server {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        self.read()
    }

    fn on_timeout(&mut self) {
        self.conn.outbox.write(b"* BYE autologout\r\n");
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let silence = self.conn.deadline();
        match (self.reading, self.idle_tick) {
            (Reading::Idle, Some(every)) => {
                let tick = self.tick_base + every;
                Some(silence.map_or(tick, |s| s.min(tick)))
            }
            _ => silence,
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.set_now(now);
        if let (Reading::Idle, Some(every)) = (self.reading, self.idle_tick) {
            if now >= self.tick_base + every {
                self.tick_base = now;
                self.tick_due = true;
                return;
            }
        }
        if self.conn.timed_out(now) {
            self.on_timeout();
            self.conn.fail(ErrorKind::TimedOut.into());
        }
    }
}
