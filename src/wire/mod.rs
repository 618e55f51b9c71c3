//! The shared sans-IO core: the one interface every machine of the crate
//! implements, and the framing that several protocols share.
//!
//! # The driving loop
//!
//! Every protocol machine (HTTP, SMTP, POP3, ... in both roles) implements
//! [`Machine`] over a shared [`Conn`] core. A driver, whatever its I/O
//! model, repeats these steps (`io::next_step` decides which one, once for
//! every driver):
//!
//! 1. **Tell the time**: if the machine keeps a timer
//!    ([`Conn::timeout`]), [`Machine::set_now`] with the driver's clock.
//! 2. **Transmit**: while [`Machine::outbox`] is not empty, write its chunks
//!    to the peer (vectored writes are welcome: see [`Outbox::chunks`]) and
//!    [`Outbox::advance`] by what was written.
//! 3. **Pull events**: call [`Machine::poll_event`] until it returns
//!    [`Next::NeedInput`] or [`Next::Paused`]. Each call hands out at most one
//!    event, and the machine's state advances only as events are handed out,
//!    so the caller always sees the state that matches the last event.
//! 4. **Close**: once the machine will send nothing more
//!    ([`Machine::may_send`] is false, e.g. after QUIT or `Connection:
//!    close`) and its outbox is empty ([`Conn::wants_shutdown`]), shut the
//!    sending side of the stream down and call [`Conn::shutdown_sent`]; go
//!    on reading while [`Machine::may_recv`]. When [`Machine::is_closed`],
//!    stop.
//! 5. **Receive**: read from the peer straight into the machine's receive
//!    buffer, with no intermediate copy: [`Inbox::spare`] gives writable
//!    space and [`Inbox::commit`] records how much arrived. On end of
//!    stream, call [`Machine::receive_eof`]. Wait no longer than
//!    [`Machine::poll_timeout`]; when it passes, call
//!    [`Machine::handle_timeout`] instead.
//! 6. **Act**: feed the machine typed commands or replies through its own
//!    protocol-specific methods; they queue bytes in the outbox.
//!
//! After every input, drain the outbox: some protocols answer input with
//! no user action (Telnet negotiation, IMAP continuations, greetings).
//!
//! # Errors and last words
//!
//! A machine's error is sticky: once [`Machine::poll_event`] returns an
//! error, every later call returns the same error, the machine sends and
//! reads no more ([`Machine::is_closed`] is true), and it asks for no
//! transport change. Before it fails, a machine queues its own **last
//! words** where the protocol has them: POP3's `-ERR line too long`, SMTP's
//! `500`, an HTTP server's bare `400`/`431`, a `421` or `408` on timeout.
//! Drivers write the outbox before they report the error, so the peer
//! learns why the connection ends. Each error says who broke the protocol
//! ([`Fault`]), what a server would answer
//! ([`ProtocolError::reply_hint`]: an HTTP status, an SMTP reply code, ...,
//! information only: the machine has answered already), and which shared
//! failure it is, if any ([`ProtocolError::common`], [`CommonError`]).
//!
//! # Time
//!
//! Machines read no clock. A driver passes its own as a [`wire::Instant`](Instant)
//! (microseconds since an origin it chose); tests pass a virtual one. The
//! only timer today is the silence one: while a machine waits for input
//! (its last poll said [`Next::NeedInput`]), the peer may stay silent for
//! [`Conn::timeout`] (servers: SMTP 5 minutes, POP3 10, HTTP 60 s; clients:
//! SMTP and POP3 10 minutes; change it with [`Machine::set_timeout`]). A
//! machine that waits for its own application ([`Next::Paused`]) has no
//! deadline.
//!
//! # Operations, correlation and refusals
//!
//! An [`Operation`] is a whole exchange written once here and run by every
//! driver. For each event it says [`OpStep::Done`], [`OpStep::Continue`] or
//! [`OpStep::Pass`]; the driver keeps passed events, in order, for its
//! caller, so an event no operation owns (an HTTP 1xx, a `421` that
//! answers nothing, later IMAP's untagged responses) is never dropped.
//! Client machines number the commands they queue ([`CommandId`], from
//! their send methods) and say which command each event belongs to
//! ([`Correlate`]). A server's refusal is an operation's outcome, in its
//! output, not the machine's sticky error. [`Protocol`] and [`StartTls`]
//! describe a client to the typed sessions of `io`.
//!
//! # Framing shared by the line protocols
//!
//! [`LineReader`] splits CRLF-terminated lines out of an [`Inbox`] with
//! `memchr`, resuming where it stopped, so each byte is looked at once
//! however the input is chunked.

mod codec;
mod conn;
mod dot;
mod error;
mod inbox;
mod line;
pub(crate) mod number;
mod op;
mod outbox;
mod queue;
mod raw;
mod reply;
mod sticky;
pub(crate) mod swar;
mod time;

pub use codec::{CodecError, Decode, Decoded, Encode};
#[cfg(feature = "deflate")]
pub use codec::{Deflate, Format, Inflate};
pub use conn::Conn;
pub use dot::{DotStuffer, DotUnstuffer, Unstuffed};
pub use error::CommonError;
pub use inbox::Inbox;
pub use line::{Line, LineEnding, LineError, LineReader};
pub use op::{CommandId, CommandIds, Correlate, Nothing, OpStep, OutputOf, Protocol, StartTls};
pub use outbox::Outbox;
pub use queue::{CommandQueue, Gate, Part, Queued};
pub use raw::{ByteMachine, Payload, Raw, RawEvent};
pub use reply::{MultiLine, MultiLineError, ReplyLine};
pub use sticky::Sticky;
pub use time::Instant;

use core::fmt;

/// What a machine has for its caller after [`Machine::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<E> {
    /// An event; call again for the next one.
    Event(E),
    /// Nothing more until more bytes (or end of stream) arrive.
    NeedInput,
    /// Nothing more until the local side acts (for example an HTTP server
    /// that must answer the current request before it reads the next one,
    /// or a machine that has handed its connection over to another
    /// protocol). Reading more input will not help.
    Paused,
}

impl<E> Next<E> {
    /// The event, if this is one.
    pub fn event(self) -> Option<E> {
        match self {
            Next::Event(e) => Some(e),
            _ => None,
        }
    }
}

/// Who broke the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The peer sent something the protocol (or our limits) forbid.
    Remote,
    /// Our own caller misused the machine: a command out of sequence, an
    /// argument that would smuggle CR, LF or NUL, and so on. Nothing was
    /// sent for the call that failed.
    Local,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Remote => "peer",
            Fault::Local => "local",
        })
    }
}

/// What every protocol's `Error` type tells about itself.
pub trait ProtocolError: core::error::Error {
    /// Who broke the protocol.
    fn fault(&self) -> Fault;

    /// Which of the failures every protocol shares this is, if it is one
    /// (a timeout, a line too long, plaintext after the TLS go-ahead, ...).
    fn common(&self) -> Option<CommonError> {
        None
    }

    /// The reply a server should send before it closes, where the protocol
    /// has numeric replies: an HTTP status (400, 413, 414, 431, 501) or an
    /// SMTP reply code (500, 501, 552, ...). `None` where there is nothing
    /// useful to say.
    fn reply_hint(&self) -> Option<u16> {
        None
    }
}

/// A request to change what carries the bytes, reported by
/// [`Machine::transport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Keep going on the same stream.
    Same,
    /// Start TLS now (STARTTLS, STLS, AUTH TLS): the machine has checked
    /// that no plaintext is buffered behind the go-ahead. Run the handshake
    /// on the same stream, then call [`Machine::tls_established`].
    StartTls,
    /// The machine is done with the stream (HTTP `101 Switching Protocols`,
    /// a tunnel after `CONNECT`). Bytes it had already received but not
    /// consumed are left in its [`Inbox`] for the next protocol.
    HandOff,
}

/// The interface every protocol machine of the crate implements, so that one
/// blocking driver and one async driver serve all of them.
///
/// A machine holds a [`Conn`] (buffers, sticky error, transport change,
/// close state, timer) and writes only its own protocol step
/// ([`step`](Self::step)); everything else is provided here, once, so every
/// protocol answers "has it failed?", "is TLS due?", "may it still send?"
/// and "has the peer been silent too long?" by the same rules.
///
/// The methods fall in four groups, as in quinn-proto:
/// - **getters**: [`transport`](Self::transport), [`may_send`](Self::may_send),
///   [`may_recv`](Self::may_recv), [`is_closed`](Self::is_closed),
///   [`poll_timeout`](Self::poll_timeout);
/// - **input**: [`inbox`](Self::inbox) (read into it),
///   [`receive_eof`](Self::receive_eof), [`set_now`](Self::set_now),
///   [`handle_timeout`](Self::handle_timeout),
///   [`tls_established`](Self::tls_established);
/// - **mutators**: each protocol's own send methods (commands, replies);
/// - **output**: [`poll_event`](Self::poll_event) and [`outbox`](Self::outbox).
///
/// See the [module documentation](self) for the driving loop.
pub trait Machine {
    /// What the machine reports to its caller.
    type Event;
    /// The machine's sticky error.
    type Error: ProtocolError + Clone + From<CommonError>;

    /// The shared connection state.
    fn conn(&self) -> &Conn<Self::Error>;

    /// The shared connection state, to change it.
    fn conn_mut(&mut self) -> &mut Conn<Self::Error>;

    /// The protocol's own step, for implementors: hand out the next event
    /// or say why there is none. Callers use [`poll_event`](Self::poll_event),
    /// which wraps it in the rules every machine shares.
    fn step(&mut self) -> Result<Next<Self::Event>, Self::Error>;

    /// Called once the TLS handshake asked for with
    /// [`Conn::request_tls`] completed and no plaintext was waiting
    /// behind the go-ahead: forget what was said in plaintext, greet
    /// again. The default does nothing.
    fn on_tls(&mut self) {}

    /// Called once when the peer has been silent longer than the timeout:
    /// queue the protocol's last words (SMTP `421`, an HTTP `408`) if it has
    /// any. The connection then fails with [`CommonError::TimedOut`].
    fn on_timeout(&mut self) {}

    // --- provided ---

    /// The receive buffer: read from the peer straight into it.
    fn inbox(&mut self) -> &mut Inbox {
        &mut self.conn_mut().inbox
    }

    /// The bytes waiting to be sent to the peer.
    fn outbox(&mut self) -> &mut Outbox {
        &mut self.conn_mut().outbox
    }

    /// The peer closed its sending side.
    fn receive_eof(&mut self) {
        self.inbox().set_eof();
    }

    /// Hands out the next event, or says why there is none.
    ///
    /// After an error every later call returns the same error, and the
    /// machine sends and reads no more; what it queued before failing (its
    /// last words: a `-ERR line too long`, a `500`, an HTTP `400`) is still
    /// in the outbox, and drivers send it before they report the error.
    fn poll_event(&mut self) -> Result<Next<Self::Event>, Self::Error> {
        self.conn().check()?;
        if self.conn().tls_pending() {
            // Between the TLS go-ahead and the handshake nothing may be
            // read: what arrives here was put behind the go-ahead by an
            // attacker (CVE-2011-0411). One rule for every machine.
            if self.conn().inbox.is_drained() {
                return Ok(Next::Paused);
            }
            let e: Self::Error = CommonError::PlaintextAfterUpgrade.into();
            self.conn_mut().fail(e.clone());
            return Err(e);
        }
        let mut result = self.step();
        // With a decoding layer, received bytes are decoded a block at a
        // time, when the machine has used up what was decoded before.
        while matches!(result, Ok(Next::NeedInput)) && self.conn_mut().inbox.decode_more() {
            result = self.step();
        }
        if matches!(result, Ok(Next::NeedInput)) && self.conn().inbox.decode_error().is_some() {
            result = Err(CommonError::BadCompression.into());
        }
        // Inspect in place: the event is moved once, out of `step`.
        match &result {
            Ok(next) => {
                let waiting = matches!(next, Next::NeedInput);
                self.conn_mut().note_waiting(waiting);
            }
            Err(e) => self.conn_mut().fail(e.clone()),
        }
        result
    }

    /// Whether the stream under the machine must change before it can go
    /// on; [`Transport::Same`] once the machine has failed. Drivers check
    /// it before a TLS handshake (`check_upgrade`) and after a paused poll.
    fn transport(&self) -> Transport {
        self.conn().transport()
    }

    /// The TLS handshake asked for by [`Transport::StartTls`] completed; the
    /// machine goes on over the encrypted stream. If plaintext was waiting
    /// behind the go-ahead, the machine fails with
    /// [`CommonError::PlaintextAfterUpgrade`] instead.
    fn tls_established(&mut self) {
        if self.conn_mut().finish_tls() {
            self.on_tls();
        }
    }

    /// Whether the machine may still queue bytes for the peer. Once false
    /// and the outbox is empty, the driver shuts its sending side down.
    fn may_send(&self) -> bool {
        self.conn().may_send()
    }

    /// Whether the machine still reads from the peer.
    fn may_recv(&self) -> bool {
        self.conn().may_recv()
    }

    /// Whether the conversation is over: nothing more will be sent or
    /// received on this connection (also after an error), and the driver
    /// may close it once the outbox is empty.
    fn is_closed(&self) -> bool {
        self.conn().is_closed()
    }

    /// How long the peer may stay silent while the machine waits for it;
    /// `None` for no limit. See [`Conn::set_timeout`].
    fn set_timeout(&mut self, limit: Option<core::time::Duration>) {
        self.conn_mut().set_timeout(limit);
    }

    /// How long one message (a command line, a request head) may take to
    /// arrive once begun; `None` for no limit. See
    /// [`Conn::set_message_timeout`]: the defence against a peer that
    /// sends one byte at a time.
    fn set_message_timeout(&mut self, limit: Option<core::time::Duration>) {
        self.conn_mut().set_message_timeout(limit);
    }

    /// The driver's clock: call before polling and after reading, so the
    /// machine can tell when a wait began.
    fn set_now(&mut self, now: Instant) {
        self.conn_mut().set_now(now);
    }

    /// When the driver should call [`handle_timeout`](Self::handle_timeout)
    /// if nothing arrives before; `None` for no deadline. The value may
    /// change after any input or event, so read it again before each wait.
    fn poll_timeout(&self) -> Option<Instant> {
        self.conn().deadline()
    }

    /// Tells the machine the time is `now`; if its deadline has passed, it
    /// queues its last words and fails with [`CommonError::TimedOut`].
    /// Spurious or early calls do nothing more than set the clock.
    fn handle_timeout(&mut self, now: Instant) {
        self.set_now(now);
        if self.conn().timed_out(now) {
            self.on_timeout();
            self.conn_mut().fail(CommonError::TimedOut.into());
        }
    }

    /// Copies `data` into the receive buffer; a convenience for tests,
    /// fuzzers and callers whose bytes arrive in their own buffers.
    fn receive(&mut self, data: &[u8]) {
        self.inbox().extend_from_slice(data);
    }
}

/// A whole exchange over a machine (a request and its response, a mail
/// transaction, a login), written once in the sans-IO core and run by any
/// driver: the blocking one and the async ones each have a `run` that only
/// moves bytes, so a typed client's logic is never written twice.
///
/// The driver calls [`start`](Self::start) once, transmits, then hands
/// every event to [`on_event`](Self::on_event) until it returns
/// [`OpStep::Done`]. An event the operation does not own comes back as
/// [`OpStep::Pass`], and the driver keeps it for its caller, in order
/// (`Driver::next_event` hands passed events out first): nothing the peer
/// said is dropped on the floor.
///
/// # Owning an event
///
/// An operation owns the answers to the commands it queued: client
/// machines number their commands ([`CommandId`], returned by their send
/// methods) and say which command each event belongs to
/// ([`Correlate::replying_to`]). Anything else (the answer to a command
/// queued before the operation started, an unsolicited notice, an HTTP
/// 1xx while waiting for the final response) is passed.
///
/// # Outcomes and errors
///
/// A refusal by the server (a POP3 `-ERR`, an SMTP `535`) is the
/// operation's outcome, part of its [`Output`](Self::Output) (for example
/// `Result<Response, Refusal>`), never the machine's error: the machine
/// is fine and the session goes on. `Err` is kept for what stops the
/// machine, or for a local misuse.
pub trait Operation<M: Machine> {
    /// What the operation gives back when it is complete.
    type Output;

    /// Queues what the operation sends first.
    fn start(&mut self, machine: &mut M) -> Result<(), M::Error>;

    /// Takes the next event: done, continuing, or not its own (passed).
    fn on_event(
        &mut self,
        machine: &mut M,
        event: M::Event,
    ) -> Result<OpStep<Self::Output, M::Event>, M::Error>;

    /// Called once what [`start`](Self::start) queued has been written:
    /// an operation that waits for no answer (sending a piece of a request
    /// body, a pipelined command) completes here with `Some`. The default
    /// waits for events.
    fn sent(&mut self, machine: &mut M) -> Option<Self::Output> {
        let _ = machine;
        None
    }
}

/// The error a client machine reports when its caller required TLS and the
/// server does not offer the in-band upgrade (SMTP `STARTTLS`, POP3 `STLS`,
/// IMAP `STARTTLS`, NNTP `STARTTLS`, FTP `AUTH TLS`), or refused it.
///
/// Never silently downgrade: a client that was told to require TLS checks
/// the server's capabilities in its core and returns this (wrapped in its
/// own `Error`) instead of going on in plaintext. Drivers have nothing to
/// decide here; they only run the handshake once the machine reports
/// [`Transport::StartTls`].
///
/// ```
/// use sanswire::wire::{Fault, ProtocolError, TlsUnavailable};
/// let e = TlsUnavailable::NotOffered { command: "STLS" };
/// assert_eq!(e.fault(), Fault::Remote);
/// assert_eq!(e.to_string(), "TLS is required but the server does not offer STLS");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsUnavailable {
    /// The server's capabilities do not list the upgrade command.
    NotOffered {
        /// The command that was missing (`STARTTLS`, `STLS`, `AUTH TLS`).
        command: &'static str,
    },
    /// The server answered the upgrade command with a refusal.
    Refused {
        /// The command that was refused.
        command: &'static str,
        /// The server's reply code, where the protocol has one.
        code: Option<u16>,
    },
}

impl fmt::Display for TlsUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsUnavailable::NotOffered { command } => {
                write!(f, "TLS is required but the server does not offer {command}")
            }
            TlsUnavailable::Refused {
                command,
                code: Some(code),
            } => write!(
                f,
                "TLS is required but the server refused {command} ({code})"
            ),
            TlsUnavailable::Refused {
                command,
                code: None,
            } => write!(f, "TLS is required but the server refused {command}"),
        }
    }
}

impl core::error::Error for TlsUnavailable {}

impl ProtocolError for TlsUnavailable {
    fn fault(&self) -> Fault {
        Fault::Remote
    }
}

/// Checks that a caller's argument cannot smuggle a line break or NUL into
/// a command: the rule every protocol's encoder applies before it writes.
///
/// ```
/// assert!(sanswire::wire::is_safe_argument(b"alice@example.org"));
/// assert!(!sanswire::wire::is_safe_argument(b"x\r\nRCPT TO:<eve>"));
/// ```
pub fn is_safe_argument(arg: &[u8]) -> bool {
    memchr::memchr3(b'\r', b'\n', 0, arg).is_none()
}
