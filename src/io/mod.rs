//! Drivers that move bytes between real I/O and any machine of the crate.
//!
//! The drivers know nothing of any protocol: everything they do goes through
//! [`Machine`]. What one driving step must do next is decided here, once
//! ([`next_step`]); each driver only performs the reads and writes. The typed
//! clients are one generic session per I/O model, running the protocol's
//! [`Operation`]s.
//!
//! | I/O model | driver | typed session | typed clients | TLS (feature) |
//! | --- | --- | --- | --- | --- |
//! | blocking `Read + Write` | [`Driver`] | [`Session`] | [`http::Client`], [`smtp::Client`], [`pop3::Client`] | `tls` (`rustls`) |
//! | tokio | `tokio::Driver` (`tokio`) | `nonblocking::Session` | `tokio::{http, smtp, pop3}::Client` | `tls::tokio` (`tokio-rustls`) |
//! | futures-io | `futures::Driver` (`futures-io`) | `nonblocking::Session` | `futures::{http, smtp, pop3}::Client` | `tls::futures` (`futures-rustls`) |
//!
//! The two async rows are one implementation, `nonblocking` (driver,
//! session) and `tls::nonblocking` (stream), generic over the I/O family.
//!
//! # Operations and passed events
//!
//! A driver's `run(op)` starts an [`Operation`], writes what it queued,
//! then feeds it events until it is done. An event the operation does not
//! own ([`OpStep::Pass`]: the answer to a command queued before it, an
//! HTTP `103 Early Hints` before the final response, later an IMAP
//! untagged `EXPUNGE`) is kept by the driver, in order:
//! [`Driver::next_event`] hands passed events out before new ones, and
//! [`Driver::passed`] / [`Driver::take_passed`] show them. Operations take
//! their own answers by [`CommandId`](crate::wire::CommandId), which every
//! client machine's send methods return.
//!
//! # Typed sessions: one per I/O model
//!
//! [`Session<S, P>`](Session) (and its async twin
//! `nonblocking::Session<S, P, R>`) works for any
//! [`Protocol`](crate::wire::Protocol): its constructors run the protocol's
//! opening exchange (`start`, `connect_with`, `connect_tls_with`,
//! `connect_starttls_with`), `Session::starttls` (feature `rustls`) its in-band upgrade, and
//! [`Session::run`] / [`Session::call`] any operation. Each protocol's
//! everyday methods (`pop.stat()`, `mail.send_mail(..)`,
//! `web.fetch(..)`) are declared once, in one table per protocol that
//! expands to the blocking methods and the async ones, so the two cannot
//! drift. A table of methods was chosen over a trait over a generic `Run`:
//! the methods are inherent (no trait to import), rustdoc shows their
//! concrete result types, the async ones stay plain `async fn`s, and a
//! method may reshape an operation's output.
//!
//! # Refusals are outcomes
//!
//! A server's refusal (POP3 `-ERR`, refused SMTP credentials) is not a
//! machine error: the machine is fine and the session goes on. Operations
//! give it back in their output (`Result<T, pop3::Refusal>`), so
//! `driver.run(op)?` succeeds with the refusal as a value. The sessions'
//! methods and [`Session::call`] turn it into [`DriveError::Refused`], so
//! `pop.dele(1)?` stops with a clear error and the next call works. The
//! machines' sticky errors keep what really ends a session.
//!
//! # Changing transport (STARTTLS)
//!
//! When a machine reports [`Transport::StartTls`](crate::wire::Transport),
//! its driver runs the handshake on the same connection and then calls
//! [`Machine::tls_established`]. Each I/O model does that in one generic
//! method over a stream that can carry plaintext or TLS (`tls::Stream`,
//! `tls::tokio::Stream`, `tls::futures::Stream`): `start_tls` (client) and
//! `accept_tls` (server), so a protocol handler keeps one driver type for the
//! whole connection. Before the handshake the driver checks, for every
//! protocol alike, that the machine asked for it and that no plaintext is
//! buffered behind the go-ahead ([`check_upgrade`]); the machines check the
//! same themselves, where the protocol knows it first.

mod blocking;
mod bytestream;
pub mod duplex;
pub mod ftp;
#[cfg(feature = "futures-io")]
pub mod futures;
pub mod gopher;
pub mod http;
pub mod imap;
pub mod nntp;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub mod nonblocking;
pub mod pop3;
mod session;
pub mod smtp;
pub mod telnet;
#[cfg(feature = "rustls")]
pub mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use blocking::Driver;
pub use bytestream::ByteStream;
use session::session_methods;
pub use session::{Session, SessionError};

/// Whether a read failed because its timeout ran out.
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

use crate::wire::{Instant, Machine, Next, OpStep, Operation, ProtocolError, Transport};
use core::time::Duration;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};

/// A failure while driving a machine: the stream failed, the protocol
/// did, or (from a typed session's everyday methods) the server refused.
///
/// `R` is the protocol's refusal ([`Protocol::Refusal`](crate::wire::Protocol)):
/// a driver's own `run` never fails with one (its operations give
/// refusals back in their output, so `R` stays
/// [`Infallible`](core::convert::Infallible)); a session's methods such as
/// `pop.dele(1)?` turn the refusal into [`DriveError::Refused`], so `?`
/// fails with a clear error on `-ERR` while the session stays usable.
///
/// Why both: in an operation's output the refusal stays a value for code
/// that expects one (a login that may be refused, curl's `-X`), and the
/// machine's sticky error type keeps only what ends the session; the typed
/// methods, which need the `+OK` to give their answer, report it here so
/// `?` reads naturally.
#[derive(Debug)]
pub enum DriveError<E, R = core::convert::Infallible> {
    /// Reading or writing the stream failed.
    Io(io::Error),
    /// The machine reported a protocol error (sticky: it will not go on).
    Protocol(E),
    /// The stream ended where the protocol needed more bytes.
    UnexpectedEof,
    /// The machine paused (waits for the local side) in the middle of an
    /// [`Operation`], which therefore cannot complete.
    Stalled,
    /// The server refused the command (POP3 `-ERR`, SMTP `535`). Not
    /// sticky: the machine is fine and the session goes on.
    Refused(R),
}

impl<E> DriveError<E> {
    /// The same error, typed for a session whose methods may also report a
    /// refusal `R`.
    pub fn widen<R>(self) -> DriveError<E, R> {
        match self {
            DriveError::Io(e) => DriveError::Io(e),
            DriveError::Protocol(e) => DriveError::Protocol(e),
            DriveError::UnexpectedEof => DriveError::UnexpectedEof,
            DriveError::Stalled => DriveError::Stalled,
            DriveError::Refused(never) => match never {},
        }
    }
}

impl<E: fmt::Display, R: fmt::Display> fmt::Display for DriveError<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Io(e) => write!(f, "I/O error: {e}"),
            DriveError::Protocol(e) => write!(f, "protocol error: {e}"),
            DriveError::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            DriveError::Stalled => f.write_str("the machine paused before the operation completed"),
            DriveError::Refused(r) => r.fmt(f),
        }
    }
}

impl<E: ProtocolError + 'static, R: fmt::Debug + fmt::Display> std::error::Error
    for DriveError<E, R>
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriveError::Io(e) => Some(e),
            DriveError::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl<E, R> From<io::Error> for DriveError<E, R> {
    fn from(e: io::Error) -> Self {
        DriveError::Io(e)
    }
}

/// What a driver must do next for its machine.
#[derive(Debug)]
pub enum Step<E, Err> {
    /// Write the outbox to the stream.
    Transmit,
    /// Read from the stream into the inbox (or report end of stream). If
    /// nothing arrives by `deadline`, call
    /// [`Machine::handle_timeout`] instead.
    Receive {
        /// The machine's [`poll_timeout`](Machine::poll_timeout).
        deadline: Option<Instant>,
    },
    /// Hand this event to the caller.
    Event(E),
    /// The machine waits for the local side: return to the caller.
    Paused,
    /// The machine sends nothing more and its last bytes are out: shut the
    /// sending side of the stream down (a TCP FIN, a TLS `close_notify`),
    /// then call [`Conn::shutdown_sent`](crate::wire::Conn::shutdown_sent)
    /// and go on (the machine may still read: a half-close).
    Shutdown,
    /// The conversation is over both ways: return to the caller.
    Closed,
    /// The machine failed (or the stream ended too early). Send what it
    /// queued first, its last words (a `-ERR`, a `421`, an HTTP `400`),
    /// then report this.
    Fail(DriveError<Err>),
}

/// Decides a driver's next step: transmit first, then events, then close
/// or read (transmitting again if polling queued bytes).
/// Every driver (blocking, tokio, futures-io) loops on this, so the
/// driving rules are written once:
///
/// ```text
/// loop {
///     set_now(clock)                       (when the machine has a timeout)
///     match next_step(machine) {
///         Transmit             => write the outbox
///         Receive { deadline } => read into the inbox; at the deadline, handle_timeout(now)
///         Event(e)             => return Some(e)
///         Paused | Closed      => return None
///         Shutdown             => shut the sending side down; shutdown_sent()
///         Fail(e)              => write the outbox (last words), return Err(e)
///     }
/// }
/// ```
pub fn next_step<M: Machine>(machine: &mut M) -> Step<M::Event, M::Error> {
    if !machine.outbox().is_empty() {
        return Step::Transmit;
    }
    let next = match machine.poll_event() {
        Ok(next) => next,
        Err(e) => return Step::Fail(DriveError::Protocol(e)),
    };
    match next {
        Next::Event(event) => Step::Event(event),
        // Polling itself may queue bytes that need no event: a SASL answer
        // to a challenge, a server's own reply to NOOP or its `-ERR` to a bad
        // command. They must go out before the driver waits, or both peers
        // wait for each other.
        _ if !machine.outbox().is_empty() => Step::Transmit,
        _ if machine.conn().wants_shutdown() => Step::Shutdown,
        Next::Paused if machine.is_closed() => Step::Closed,
        Next::Paused => Step::Paused,
        Next::NeedInput if !machine.may_recv() => Step::Closed,
        Next::NeedInput if machine.inbox().is_eof() => Step::Fail(DriveError::UnexpectedEof),
        Next::NeedInput => Step::Receive {
            deadline: machine.poll_timeout(),
        },
    }
}

/// The blocking streams a [`Driver`] runs over: `Read + Write`, plus a read
/// timeout (so a silent peer cannot hang the driver past the machine's
/// deadline) and a half-close (so "done writing, still reading" reaches the
/// peer).
///
/// Implemented for `TcpStream`, `UnixStream` (Unix), `tls::Stream` (feature
/// `rustls`), and `&mut` / `Box` of any of them. A stream of your own
/// implements it in one line, `impl Socket for MyStream {}`, if it can
/// neither time out nor half-close; then a silent peer blocks a read for as
/// long as the stream does.
pub trait Socket: Read + Write {
    /// Bounds the next reads: `None` waits forever. A read that times out
    /// fails with `WouldBlock` or `TimedOut`.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
    }

    /// Shuts the sending side down; reading goes on.
    fn shutdown_write(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Socket for std::net::TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        match self.shutdown(std::net::Shutdown::Write) {
            // The peer left first: nothing to shut down.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

#[cfg(unix)]
impl Socket for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        match self.shutdown(std::net::Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

impl<T: Socket + ?Sized> Socket for &mut T {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        (**self).shutdown_write()
    }
}

impl<T: Socket + ?Sized> Socket for std::boxed::Box<T> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        (**self).shutdown_write()
    }
}

/// A driver's clock: `std`'s monotonic time, read as a [`wire::Instant`](Instant)
/// since the driver started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin: std::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            origin: std::time::Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> Instant {
        let micros = self.origin.elapsed().as_micros();
        Instant::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// The `std` instant of a machine deadline.
    #[cfg(any(feature = "tokio", feature = "futures-io"))]
    pub(crate) fn to_std(self, at: Instant) -> std::time::Instant {
        self.origin + at.since_origin()
    }

    /// Tells `machine` the time, if it keeps a timer at all.
    pub(crate) fn tick<M: Machine>(&self, machine: &mut M) {
        let conn = machine.conn();
        if conn.timeout().is_some()
            || conn.message_timeout().is_some()
            || conn.hard_deadline().is_some()
        {
            machine.set_now(self.now());
        }
    }
}

/// The earlier of two optional deadlines.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When a TLS handshake that starts `now` must be done, in every driver:
/// within the machine's silence limit
/// ([`Conn::timeout`](crate::wire::Conn::timeout)), or by the driver's
/// time limit if that comes first.
pub(crate) fn handshake_deadline<M: Machine>(
    machine: &M,
    now: Instant,
    limit: Option<Instant>,
) -> Option<Instant> {
    let silence = machine.conn().timeout().map(|quiet| now + quiet);
    earliest(limit, silence)
}

/// Hands one event to an operation, as every driver's `run` does: `Some`
/// once the operation is complete; an event it passes goes to the back of
/// `passed`, which the driver hands to its caller later, in order.
pub(crate) fn feed<M: Machine, O: Operation<M>>(
    op: &mut O,
    machine: &mut M,
    passed: &mut VecDeque<M::Event>,
    max_passed: usize,
    event: M::Event,
) -> Result<Option<O::Output>, DriveError<M::Error>> {
    match op.on_event(machine, event).map_err(DriveError::Protocol)? {
        OpStep::Done(out) => Ok(Some(out)),
        OpStep::Continue => Ok(None),
        OpStep::Pass(_) if passed.len() >= max_passed => Err(DriveError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            TooManyPassed { limit: max_passed },
        ))),
        OpStep::Pass(event) => {
            passed.push_back(event);
            Ok(None)
        }
    }
}

/// How many events operations may pass back before the caller takes them
/// (see [`Driver::set_max_passed`]): a peer that floods a session with
/// unsolicited data (IMAP `* EXISTS` lines, NNTP notices) while an
/// operation runs fills memory no further than this.
pub const DEFAULT_MAX_PASSED: usize = 4096;

/// More events were passed back by operations than the driver keeps (see
/// [`Driver::set_max_passed`]); carried inside [`DriveError::Io`] (kind
/// `InvalidData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyPassed {
    /// The limit that was crossed.
    pub limit: usize,
}

impl fmt::Display for TooManyPassed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "more than {} events passed back by operations and not taken",
            self.limit
        )
    }
}

impl std::error::Error for TooManyPassed {}

/// Why a driver refused to change the transport under a machine; carried
/// inside [`DriveError::Io`] (kind `InvalidData`), so it can be told apart
/// with `io::Error::get_ref` and `downcast_ref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeRefused {
    /// The machine did not ask for TLS ([`Machine::transport`] is not
    /// `StartTls`): the go-ahead has not come, or was refused.
    NotRequested,
    /// Bytes received in plaintext wait unread behind the go-ahead; they
    /// would be taken as if they had come over TLS (CVE-2011-0411).
    PlaintextBuffered,
}

impl fmt::Display for UpgradeRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpgradeRefused::NotRequested => "the protocol did not ask for TLS",
            UpgradeRefused::PlaintextBuffered => {
                "plaintext was received behind the STARTTLS go-ahead"
            }
        })
    }
}

impl std::error::Error for UpgradeRefused {}

/// Checks, before a TLS handshake on a connection that carried plaintext,
/// that the machine asked for it and that nothing it received is left
/// unread. Every driver's `start_tls`/`accept_tls` calls this after writing
/// the outbox (the server's go-ahead must reach the client first).
pub fn check_upgrade<M: Machine>(machine: &mut M) -> Result<(), DriveError<M::Error>> {
    let refused = |why: UpgradeRefused| {
        Err(DriveError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            why,
        )))
    };
    if machine.transport() != Transport::StartTls {
        return refused(UpgradeRefused::NotRequested);
    }
    if !machine.inbox().is_drained() {
        return refused(UpgradeRefused::PlaintextBuffered);
    }
    Ok(())
}

/// The least room a driver wants for one read; whatever spare the inbox
/// already has beyond it is offered too (see `Inbox::set_read_size`).
pub(crate) const MIN_READ: usize = 4 * 1024;

/// How many outbox chunks go into one vectored write.
pub(crate) const MAX_IOVECS: usize = 64;

/// A driving failure as the `io::Error` a `Read`/`Write` user expects: the
/// stream's own error, `TimedOut`, `UnexpectedEof`, or `InvalidData` with
/// the protocol's words.
pub(crate) fn to_io<E: ProtocolError + 'static, R: fmt::Display>(e: DriveError<E, R>) -> io::Error {
    use crate::wire::CommonError;
    match e {
        DriveError::Io(e) => e,
        DriveError::UnexpectedEof => io::ErrorKind::UnexpectedEof.into(),
        DriveError::Protocol(p) => {
            let kind = match p.common() {
                Some(CommonError::TimedOut) => io::ErrorKind::TimedOut,
                Some(CommonError::UnexpectedEof) => io::ErrorKind::UnexpectedEof,
                _ => io::ErrorKind::InvalidData,
            };
            io::Error::new(kind, std::string::ToString::to_string(&p))
        }
        other => io::Error::other(std::string::ToString::to_string(&other)),
    }
}
