//! The server machine.

use super::command::{decode_base64, push_base64};
use super::response::push_number;
use super::{Capability, Command, Error, ErrorKind, Limits, Response, Status};
use crate::wire::{Conn, DotStuffer, LineEnding, LineError, LineReader, Machine, Next, Outbox};
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

/// What the server machine reports: a command for the application to
/// answer. Every event but [`Event::AuthCancelled`] waits for one answer
/// (see [`Server`]); until it comes the machine reads no further command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `USER name`: answer with [`Server::reply`] (`+OK` remembers the
    /// name for PASS).
    User(Bytes),
    /// `PASS` after an accepted USER: check the password, then
    /// [`Server::reply`]: `+OK` enters TRANSACTION (lock the maildrop
    /// first; `-ERR [IN-USE]` if it is locked).
    Pass {
        /// The name given with USER.
        user: Bytes,
        /// The password, as sent.
        password: Bytes,
    },
    /// `APOP name digest`: check it with
    /// [`apop_verify`](super::apop_verify) against
    /// [`Server::apop_timestamp`], then [`Server::reply`].
    Apop {
        /// The mailbox name.
        user: Bytes,
        /// The hex digest, as sent.
        digest: Bytes,
    },
    /// `AUTH mechanism [initial-response]`: answer with
    /// [`Server::challenge`] to go on, or [`Server::reply`] to end.
    Auth {
        /// The mechanism name, as sent.
        mechanism: Bytes,
        /// The initial response, decoded from base64.
        initial_response: Option<Bytes>,
    },
    /// The client's answer to the last challenge, decoded from base64:
    /// answer with [`Server::challenge`] or [`Server::reply`].
    AuthResponse(Bytes),
    /// The client cancelled the exchange with `*`, or sent a line that is
    /// not base64; the machine has answered `-ERR` itself. Needs no answer.
    AuthCancelled,
    /// `CAPA`: answer with [`Server::capabilities`].
    Capa,
    /// `STLS`: answer `+OK` (then run the handshake when
    /// [`Machine::transport`] says so) or `-ERR`.
    Stls,
    /// `UTF8` (RFC 6856): answer with [`Server::reply`].
    Utf8,
    /// `STAT`: answer with [`Server::stat`] (deleted messages left out).
    Stat,
    /// `LIST [msg]`: answer with [`Server::scan`] or
    /// [`Server::scan_listing`] (or `-ERR` for no such message).
    List(Option<u32>),
    /// `UIDL [msg]`: answer with [`Server::uid`] or
    /// [`Server::uid_listing`].
    Uidl(Option<u32>),
    /// `RETR msg`: answer with [`Server::send_message`] (or
    /// [`Server::start_message`], [`Server::message_data`],
    /// [`Server::end_message`]).
    Retr(u32),
    /// `TOP msg lines`: answer like RETR, with [`top_of`] of the message.
    Top {
        /// The message number.
        msg: u32,
        /// How many body lines.
        lines: u32,
    },
    /// `DELE msg`: `+OK` marks it deleted (the machine keeps the marks and
    /// refuses later commands on the message); delete nothing yet.
    Dele(u32),
    /// `RSET`: `+OK` clears the deletion marks.
    Rset,
    /// `QUIT`: in TRANSACTION, remove the `deleted` messages now (the
    /// UPDATE state), then reply; the machine closes after the reply.
    /// In AUTHORIZATION `deleted` is empty.
    Quit {
        /// The messages marked deleted, in increasing order.
        deleted: Vec<u32>,
    },
}

/// The session states of RFC 1939 §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before a successful login.
    Authorization,
    /// After login, until QUIT.
    Transaction,
    /// After QUIT in TRANSACTION: deletions are applied, then the
    /// connection closes.
    Update,
}

/// The command waiting for the application's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    User(Bytes),
    Login,
    Auth,
    Capa,
    Stls,
    Utf8,
    Stat,
    ScanOne,
    ScanAll,
    UidOne,
    UidAll,
    Message,
    Dele(u32),
    Rset,
    Quit,
}

impl Answer {
    /// Commands whose `+OK` has its own typed answer method.
    fn needs_typed_ok(&self) -> bool {
        matches!(
            self,
            Answer::Capa
                | Answer::Stat
                | Answer::ScanOne
                | Answer::ScanAll
                | Answer::UidOne
                | Answer::UidAll
                | Answer::Message
        )
    }
}

#[derive(Debug)]
enum Phase {
    /// Reading commands (or waiting for the answer to one).
    Commands,
    /// A challenge was sent; the next line is the client's SASL response.
    SaslResponse,
    /// A message is being sent.
    Message(DotStuffer),
    /// `+OK` to STLS was sent; the handshake must run now.
    TlsHandshake,
}

/// A POP3 server (RFC 1939 with CAPA, PIPELINING, RESP-CODES, STLS, SASL
/// AUTH and UTF8).
///
/// # Use
/// - **Start** with [`Server::new`] and the greeting; put an APOP
///   timestamp (`<unique@host>`, made by the application: the machine has
///   no clock) in its text to offer APOP.
/// - **Events**: [`Machine::poll_event`] hands out one [`Event`] per
///   command. Commands not valid in the current [`State`], malformed
///   ones, NOOP, and commands on a message marked deleted are answered by
///   the machine itself and never reported.
/// - **Answers**: every event (but [`Event::AuthCancelled`]) takes exactly
///   one answer: [`reply`](Self::reply) for a `-ERR` to anything and for
///   the `+OK` of simple commands, or the typed method for the others
///   ([`stat`](Self::stat), [`scan_listing`](Self::scan_listing),
///   [`send_message`](Self::send_message), ...). Until the answer, the
///   machine is [`Next::Paused`] and pipelined commands wait in the inbox.
/// - **Deletions** are only marked during TRANSACTION; the marks come
///   with [`Event::Quit`], which is when the application applies them.
///
/// ```
/// use sanswire::pop3::{Response, Server, ServerEvent};
/// use sanswire::wire::{Machine, Next};
/// let mut server = Server::new(Response::ok("POP3 ready")).unwrap();
/// assert_eq!(server.outbox().take_vec(), b"+OK POP3 ready\r\n");
/// server.receive(b"STAT\r\nUSER bob\r\n");
/// // STAT is not valid before login: the machine answers it.
/// assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::User("bob".into()))));
/// assert_eq!(server.outbox().take_vec(), b"-ERR command not valid in this state\r\n");
/// server.reply(&Response::ok("send PASS")).unwrap();
/// assert_eq!(server.outbox().take_vec(), b"+OK send PASS\r\n");
/// ```
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    lines: LineReader,
    limits: Limits,
    state: State,
    user: Option<Bytes>,
    answering: Option<Answer>,
    phase: Phase,
    /// Message numbers marked deleted, sorted, without repeats.
    deleted: Vec<u32>,
    timestamp: Option<Bytes>,
    utf8: bool,
}

impl Server {
    /// How long a client may stay silent before the server ends the
    /// session: RFC 1939 §3's autologout timer, which "MUST be of at least
    /// 10 minutes". Change it with [`Machine::set_timeout`].
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

    /// How long one command line may take to arrive once begun, however
    /// slowly the client trickles it: the same 10 minutes, counted from
    /// the line's first byte. Change it with
    /// [`Machine::set_message_timeout`].
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);

    /// A server that has queued `greeting`, with default limits. A
    /// `-ERR` greeting (busy, shutting down) closes the session at once.
    pub fn new(greeting: Response) -> Result<Server, Error> {
        Self::with_limits(greeting, Limits::default())
    }

    /// A server that has queued `greeting`.
    pub fn with_limits(greeting: Response, limits: Limits) -> Result<Server, Error> {
        let mut conn = Conn::new();
        greeting.write_to(&mut conn.outbox)?;
        if greeting.status == Status::Err {
            conn.stop();
        }
        conn.set_timeout(Some(Self::IDLE_TIMEOUT));
        conn.set_message_timeout(Some(Self::COMMAND_TIMEOUT));
        Ok(Server {
            conn,
            lines: LineReader::new(limits.max_command_line),
            limits,
            state: State::Authorization,
            user: None,
            answering: None,
            phase: Phase::Commands,
            deleted: Vec::new(),
            timestamp: greeting.apop_timestamp(),
            utf8: false,
        })
    }

    // --- getters ---

    /// The session state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The user name of the accepted USER command, if any.
    pub fn user(&self) -> Option<&Bytes> {
        self.user.as_ref()
    }

    /// The APOP timestamp of the greeting, brackets included.
    pub fn apop_timestamp(&self) -> Option<&Bytes> {
        self.timestamp.as_ref()
    }

    /// The messages marked deleted, in increasing order.
    pub fn deleted(&self) -> &[u32] {
        &self.deleted
    }

    /// Whether message `msg` is marked deleted.
    pub fn is_deleted(&self, msg: u32) -> bool {
        self.deleted.binary_search(&msg).is_ok()
    }

    /// Whether the client enabled UTF8 (RFC 6856).
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// Whether TLS was established after STLS.
    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    // --- answers ---

    /// Answers the waiting command with one status line: `-ERR` to any
    /// command, `+OK` to those without a typed answer (USER, PASS, APOP,
    /// AUTH, STLS, UTF8, DELE, RSET, QUIT).
    pub fn reply(&mut self, response: &Response) -> Result<(), Error> {
        let answer = self.waiting_answer()?;
        if response.is_ok() && answer.needs_typed_ok() {
            return Err(
                ErrorKind::OutOfSequence("this command's +OK has its own answer method").into(),
            );
        }
        if response.is_ok() && answer == Answer::Stls && !self.conn.inbox.is_empty() {
            // The client pipelined behind STLS: those bytes would be taken
            // as if they came over TLS (CVE-2011-0411). Refuse the upgrade.
            self.conn.fail(ErrorKind::PlaintextAfterUpgrade.into());
            return Err(ErrorKind::PlaintextAfterUpgrade.into());
        }
        response.write_to(&mut self.conn.outbox)?;
        self.answering = None;
        self.phase = Phase::Commands;
        self.apply(answer, response.is_ok());
        Ok(())
    }

    /// Sends a challenge in an AUTH exchange (raw bytes; the machine
    /// encodes them in base64).
    pub fn challenge(&mut self, challenge: &[u8]) -> Result<(), Error> {
        if self.waiting_answer()? != Answer::Auth {
            return Err(ErrorKind::OutOfSequence("no AUTH exchange in progress").into());
        }
        let mut line = Vec::with_capacity(challenge.len() * 4 / 3 + 8);
        line.extend_from_slice(b"+ ");
        if !challenge.is_empty() {
            push_base64(&mut line, challenge);
        }
        line.extend_from_slice(b"\r\n");
        self.conn.outbox.write(&line);
        self.phase = Phase::SaslResponse;
        Ok(())
    }

    /// Answers STAT: `+OK count size`.
    pub fn stat(&mut self, count: u32, size: u64) -> Result<(), Error> {
        self.expect_answer(Answer::Stat)?;
        let mut line = Vec::from(&b"+OK "[..]);
        push_number(&mut line, u64::from(count));
        line.push(b' ');
        push_number(&mut line, size);
        line.extend_from_slice(b"\r\n");
        self.finish_with(&line);
        Ok(())
    }

    /// Answers `LIST msg`: `+OK msg size`.
    pub fn scan(&mut self, msg: u32, size: u64) -> Result<(), Error> {
        self.expect_answer(Answer::ScanOne)?;
        let mut line = Vec::from(&b"+OK "[..]);
        push_scan(&mut line, msg, size)?;
        self.finish_with(&line);
        Ok(())
    }

    /// Answers `LIST` with the (message number, size) of every message not
    /// marked deleted.
    pub fn scan_listing(
        &mut self,
        entries: impl IntoIterator<Item = (u32, u64)>,
    ) -> Result<(), Error> {
        self.expect_answer(Answer::ScanAll)?;
        let mut block = Vec::from(&b"+OK scan listing follows\r\n"[..]);
        for (msg, size) in entries {
            push_scan(&mut block, msg, size)?;
        }
        block.extend_from_slice(b".\r\n");
        self.finish_with(&block);
        Ok(())
    }

    /// Answers `UIDL msg`: `+OK msg uid`. A unique-id is 1 to 70 bytes
    /// from 0x21 to 0x7E (RFC 1939 §7).
    pub fn uid(&mut self, msg: u32, uid: &[u8]) -> Result<(), Error> {
        self.expect_answer(Answer::UidOne)?;
        let mut line = Vec::from(&b"+OK "[..]);
        push_uid(&mut line, msg, uid)?;
        self.finish_with(&line);
        Ok(())
    }

    /// Answers `UIDL` with the (message number, unique-id) of every
    /// message not marked deleted.
    pub fn uid_listing<U: AsRef<[u8]>>(
        &mut self,
        entries: impl IntoIterator<Item = (u32, U)>,
    ) -> Result<(), Error> {
        self.expect_answer(Answer::UidAll)?;
        let mut block = Vec::from(&b"+OK unique-id listing follows\r\n"[..]);
        for (msg, uid) in entries {
            push_uid(&mut block, msg, uid.as_ref())?;
        }
        block.extend_from_slice(b".\r\n");
        self.finish_with(&block);
        Ok(())
    }

    /// Answers CAPA with these capabilities.
    pub fn capabilities(&mut self, capabilities: &[Capability]) -> Result<(), Error> {
        self.expect_answer(Answer::Capa)?;
        let mut block = Outbox::new();
        block.write(b"+OK Capability list follows\r\n");
        for cap in capabilities {
            cap.write_to(&mut block)?;
        }
        block.write(b".\r\n");
        self.finish_with(&block.take_vec());
        Ok(())
    }

    /// Starts the answer to RETR or TOP with a `+OK` line; follow with
    /// [`message_data`](Self::message_data) and
    /// [`end_message`](Self::end_message).
    pub fn start_message(&mut self, response: &Response) -> Result<(), Error> {
        self.expect_answer(Answer::Message)?;
        if !response.is_ok() {
            return Err(ErrorKind::OutOfSequence("use reply() for -ERR").into());
        }
        response.write_to(&mut self.conn.outbox)?;
        self.phase = Phase::Message(DotStuffer::new());
        Ok(())
    }

    /// Queues a piece of the message: dot-stuffed, line ends normalised to
    /// CRLF, long runs queued as slices of `chunk` without a copy.
    pub fn message_data(&mut self, chunk: Bytes) -> Result<(), Error> {
        match &mut self.phase {
            Phase::Message(stuffer) => {
                stuffer.stuff(chunk, &mut self.conn.outbox);
                Ok(())
            }
            _ => Err(ErrorKind::OutOfSequence("no message started").into()),
        }
    }

    /// Ends the message: completes its last line and sends the `.` line.
    pub fn end_message(&mut self) -> Result<(), Error> {
        match &mut self.phase {
            Phase::Message(stuffer) => {
                stuffer.finish(&mut self.conn.outbox);
                self.phase = Phase::Commands;
                self.answering = None;
                Ok(())
            }
            _ => Err(ErrorKind::OutOfSequence("no message started").into()),
        }
    }

    /// Answers RETR or TOP with a whole message: `+OK` line, content,
    /// `.` line.
    pub fn send_message(&mut self, response: &Response, message: Bytes) -> Result<(), Error> {
        self.start_message(response)?;
        self.message_data(message)?;
        self.end_message()
    }

    fn waiting_answer(&self) -> Result<Answer, Error> {
        self.conn.check()?;
        match (&self.answering, &self.phase) {
            (Some(answer), Phase::Commands) => Ok(answer.clone()),
            (Some(_), Phase::SaslResponse) => {
                Err(ErrorKind::OutOfSequence("waiting for the client's SASL response").into())
            }
            (Some(_), _) => Err(ErrorKind::OutOfSequence("a message is being sent").into()),
            (None, _) => Err(ErrorKind::OutOfSequence("no command waits for an answer").into()),
        }
    }

    fn expect_answer(&self, want: Answer) -> Result<(), Error> {
        if self.waiting_answer()? == want {
            Ok(())
        } else {
            Err(ErrorKind::OutOfSequence("this answer does not fit the command").into())
        }
    }

    fn finish_with(&mut self, bytes: &[u8]) {
        self.conn.outbox.write(bytes);
        self.answering = None;
    }

    /// What an answer changes in the session.
    fn apply(&mut self, answer: Answer, ok: bool) {
        match answer {
            // Copied: a slice would keep the whole receive block alive for
            // the session.
            Answer::User(name) => self.user = ok.then(|| Bytes::copy_from_slice(&name)),
            Answer::Login | Answer::Auth if ok => self.state = State::Transaction,
            // RFC 1939 §7: after a failed PASS the client starts over
            // with USER.
            Answer::Login => self.user = None,
            Answer::Stls if ok => {
                self.phase = Phase::TlsHandshake;
                self.conn.request_tls();
                self.user = None;
            }
            Answer::Utf8 if ok => self.utf8 = true,
            Answer::Dele(msg) if ok => {
                if let Err(at) = self.deleted.binary_search(&msg) {
                    self.deleted.insert(at, msg);
                }
            }
            Answer::Rset if ok => self.deleted.clear(),
            Answer::Quit => {
                if self.state == State::Transaction {
                    self.state = State::Update;
                }
                self.deleted.clear();
                self.conn.stop();
            }
            _ => {}
        }
    }

    // --- reading ---

    fn next_line(&mut self, limit: usize) -> Result<Option<Bytes>, Error> {
        self.lines.set_max_len(limit);
        match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) if line.ending == LineEnding::Lf => {
                self.conn.outbox.write(b"-ERR lines must end with CRLF\r\n");
                Err(ErrorKind::BareLf.into())
            }
            Ok(Some(line)) => Ok(Some(line.bytes)),
            Ok(None) if self.conn.inbox.is_eof() => Err(ErrorKind::UnexpectedEof.into()),
            Ok(None) => Ok(None),
            Err(LineError::TooLong { limit }) => {
                self.conn.outbox.write(b"-ERR line too long\r\n");
                Err((ErrorKind::LineTooLong { limit }).into())
            }
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        if self.conn.is_closed() {
            return Ok(Next::Paused);
        }
        match self.phase {
            // Plaintext here is refused by the core (`Machine::poll_event`).
            Phase::TlsHandshake => return Ok(Next::Paused),
            Phase::SaslResponse => return self.read_sasl_response(),
            Phase::Commands | Phase::Message(_) => {}
        }
        if self.answering.is_some() {
            if self.conn.inbox.len() > self.limits.max_pipelined_input {
                return Err((ErrorKind::TooMuchPipelined {
                    limit: self.limits.max_pipelined_input,
                })
                .into());
            }
            return Ok(Next::Paused);
        }
        loop {
            let Some(line) = self.next_line(self.limits.max_command_line)? else {
                return Ok(Next::NeedInput);
            };
            match Command::parse(&line) {
                Err(e) => {
                    self.conn.outbox.write(b"-ERR ");
                    self.conn.outbox.write(e.as_str().as_bytes());
                    self.conn.outbox.write(b"\r\n");
                }
                Ok(cmd) => {
                    if let Some(event) = self.dispatch(cmd) {
                        return Ok(Next::Event(event));
                    }
                }
            }
        }
    }

    fn read_sasl_response(&mut self) -> Result<Next<Event>, Error> {
        let Some(line) = self.next_line(self.limits.max_sasl_line)? else {
            return Ok(Next::NeedInput);
        };
        self.phase = Phase::Commands;
        let decoded = if &line[..] == b"*" {
            None
        } else if line.is_empty() {
            Some(Bytes::new())
        } else {
            decode_base64(&line).ok()
        };
        match decoded {
            Some(response) => Ok(Next::Event(Event::AuthResponse(response))),
            None => {
                self.conn.outbox.write(b"-ERR authentication cancelled\r\n");
                self.answering = None;
                Ok(Next::Event(Event::AuthCancelled))
            }
        }
    }

    fn allowed(&self, cmd: &Command) -> bool {
        match self.state {
            State::Authorization => matches!(
                cmd,
                Command::User(_)
                    | Command::Pass(_)
                    | Command::Apop { .. }
                    | Command::Auth { .. }
                    | Command::Capa
                    | Command::Stls
                    | Command::Utf8
                    | Command::Quit
            ),
            State::Transaction => matches!(
                cmd,
                Command::Capa
                    | Command::Stat
                    | Command::List(_)
                    | Command::Uidl(_)
                    | Command::Retr(_)
                    | Command::Top { .. }
                    | Command::Dele(_)
                    | Command::Rset
                    | Command::Noop
                    | Command::Quit
            ),
            State::Update => false,
        }
    }

    /// Hands a command to the application, or answers it here.
    fn dispatch(&mut self, cmd: Command) -> Option<Event> {
        if !self.allowed(&cmd) {
            self.conn
                .outbox
                .write(b"-ERR command not valid in this state\r\n");
            return None;
        }
        if let Some(msg) = message_argument(&cmd) {
            if self.is_deleted(msg) {
                self.conn.outbox.write(b"-ERR message ");
                let mut n = Vec::new();
                push_number(&mut n, u64::from(msg));
                self.conn.outbox.write(&n);
                self.conn.outbox.write(b" already deleted\r\n");
                return None;
            }
        }
        let (answer, event) = match cmd {
            Command::Noop => {
                self.conn.outbox.write(b"+OK\r\n");
                return None;
            }
            Command::User(name) => (Answer::User(name.clone()), Event::User(name)),
            Command::Pass(password) => {
                let Some(user) = self.user.clone() else {
                    self.conn.outbox.write(b"-ERR USER first\r\n");
                    return None;
                };
                (Answer::Login, Event::Pass { user, password })
            }
            Command::Apop { user, digest } => {
                if self.timestamp.is_none() {
                    self.conn.outbox.write(b"-ERR APOP not available\r\n");
                    return None;
                }
                (Answer::Login, Event::Apop { user, digest })
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => (
                Answer::Auth,
                Event::Auth {
                    mechanism,
                    initial_response,
                },
            ),
            Command::Capa => (Answer::Capa, Event::Capa),
            Command::Stls => {
                if self.conn.is_tls() {
                    self.conn.outbox.write(b"-ERR TLS already active\r\n");
                    return None;
                }
                (Answer::Stls, Event::Stls)
            }
            Command::Utf8 => (Answer::Utf8, Event::Utf8),
            Command::Stat => (Answer::Stat, Event::Stat),
            Command::List(None) => (Answer::ScanAll, Event::List(None)),
            Command::List(msg) => (Answer::ScanOne, Event::List(msg)),
            Command::Uidl(None) => (Answer::UidAll, Event::Uidl(None)),
            Command::Uidl(msg) => (Answer::UidOne, Event::Uidl(msg)),
            Command::Retr(msg) => (Answer::Message, Event::Retr(msg)),
            Command::Top { msg, lines } => (Answer::Message, Event::Top { msg, lines }),
            Command::Dele(msg) => (Answer::Dele(msg), Event::Dele(msg)),
            Command::Rset => (Answer::Rset, Event::Rset),
            Command::Quit => {
                let deleted = if self.state == State::Transaction {
                    self.deleted.clone()
                } else {
                    Vec::new()
                };
                (Answer::Quit, Event::Quit { deleted })
            }
        };
        self.answering = Some(answer);
        Some(event)
    }
}

fn message_argument(cmd: &Command) -> Option<u32> {
    match cmd {
        Command::Retr(msg) | Command::Dele(msg) | Command::Top { msg, .. } => Some(*msg),
        Command::List(msg) | Command::Uidl(msg) => *msg,
        _ => None,
    }
}

fn push_scan(out: &mut Vec<u8>, msg: u32, size: u64) -> Result<(), Error> {
    if msg == 0 {
        return Err(ErrorKind::InvalidArgument("message numbers start at 1").into());
    }
    push_number(out, u64::from(msg));
    out.push(b' ');
    push_number(out, size);
    out.extend_from_slice(b"\r\n");
    Ok(())
}

fn push_uid(out: &mut Vec<u8>, msg: u32, uid: &[u8]) -> Result<(), Error> {
    if !crate::wire::is_safe_argument(uid) {
        return Err(ErrorKind::UnsafeArgument.into());
    }
    if msg == 0
        || uid.is_empty()
        || uid.len() > 70
        || !uid.iter().all(|b| (0x21..=0x7e).contains(b))
    {
        return Err(ErrorKind::InvalidArgument("unique-id: 1 to 70 bytes 0x21..0x7E").into());
    }
    push_number(out, u64::from(msg));
    out.push(b' ');
    out.extend_from_slice(uid);
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// The part of `message` that TOP sends: the header, the blank line after
/// it, and the first `lines` lines of the body (RFC 1939 §7), as a slice
/// of `message` (no copy). Lines may end in CRLF or a bare LF; a message
/// without a blank line is all header.
///
/// ```
/// use bytes::Bytes;
/// let msg = Bytes::from_static(b"Subject: x\r\n\r\none\r\ntwo\r\nthree\r\n");
/// assert_eq!(&sanswire::pop3::top_of(&msg, 2)[..], b"Subject: x\r\n\r\none\r\ntwo\r\n");
/// assert_eq!(&sanswire::pop3::top_of(&msg, 0)[..], b"Subject: x\r\n\r\n");
/// ```
pub fn top_of(message: &Bytes, lines: u32) -> Bytes {
    let data = &message[..];
    let mut at = 0;
    // Find the blank line that ends the header.
    let body = loop {
        let line_start = at;
        let Some(nl) = memchr::memchr(b'\n', &data[at..]) else {
            return message.clone();
        };
        at += nl + 1;
        let line = &data[line_start..at];
        if line == b"\n" || line == b"\r\n" {
            break at;
        }
    };
    let mut end = body;
    for _ in 0..lines {
        match memchr::memchr(b'\n', &data[end..]) {
            Some(nl) => end += nl + 1,
            None => {
                end = data.len();
                break;
            }
        }
    }
    message.slice(..end)
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
        self.poll_inner()
    }

    fn on_tls(&mut self) {
        self.phase = Phase::Commands;
        self.lines.reset();
    }

    /// RFC 1939 §3 lets the server close an idle session without a word;
    /// like Dovecot, this one says why first.
    fn on_timeout(&mut self) {
        self.conn
            .outbox
            .write(b"-ERR Disconnected for inactivity.\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_handles_missing_body_and_bare_lf() {
        let m = Bytes::from_static(b"A: b\nC: d\n\nl1\nl2");
        assert_eq!(&top_of(&m, 1)[..], b"A: b\nC: d\n\nl1\n");
        assert_eq!(&top_of(&m, 5)[..], &m[..]);
        let no_body = Bytes::from_static(b"A: b\r\n");
        assert_eq!(top_of(&no_body, 3), no_body);
    }

    #[test]
    fn uid_must_be_printable() {
        let mut v = Vec::new();
        assert!(push_uid(&mut v, 1, b"abc").is_ok());
        assert!(push_uid(&mut v, 1, b"a b").is_err());
        assert!(push_uid(&mut v, 1, &[b'x'; 71]).is_err());
        assert_eq!(
            push_uid(&mut v, 1, b"a\r\n"),
            Err(ErrorKind::UnsafeArgument.into())
        );
        assert_eq!(v, b"1 abc\r\n");
    }
}
