//! Drivers that move bytes between real I/O and any machine of the crate.
//!
//! The drivers know nothing of any protocol: everything they do goes through
//! [`Machine`]. What one driving step must do next is decided here, once
//! ([`next_step`]); each driver only performs the reads and writes. The typed
//! clients in each protocol module are thin layers over them, running the
//! protocol's [`Operation`](crate::wire::Operation)s.
//!
//! | I/O model | driver | typed HTTP client | TLS (feature) |
//! | --- | --- | --- | --- |
//! | blocking `Read + Write` | [`Driver`] | [`http::Client`] | `tls` (`rustls`) |
//! | tokio | `tokio::Driver` (`tokio`) | `tokio::http::Client` | `tls::tokio` (`tokio-rustls`) |
//! | futures-io | `futures::Driver` (`futures-io`) | `futures::http::Client` | `tls::futures` (`futures-rustls`) |
//!
//! The two async rows are one implementation, `nonblocking` (driver, HTTP
//! client) and `tls::nonblocking` (stream), generic over the I/O family.
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
#[cfg(feature = "futures-io")]
pub mod futures;
pub mod http;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub mod nonblocking;
pub mod pop3;
pub mod smtp;
#[cfg(feature = "rustls")]
pub mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use blocking::Driver;
pub use bytestream::ByteStream;

/// Whether a read failed because its timeout ran out.
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

use crate::wire::{Instant, Machine, Next, ProtocolError, Transport};
use core::time::Duration;
use std::fmt;
use std::io::{self, Read, Write};

/// A failure while driving a machine: the stream failed, or the protocol
/// did.
#[derive(Debug)]
pub enum DriveError<E> {
    /// Reading or writing the stream failed.
    Io(io::Error),
    /// The machine reported a protocol error (sticky: it will not go on).
    Protocol(E),
    /// The stream ended where the protocol needed more bytes.
    UnexpectedEof,
    /// The machine paused (waits for the local side) in the middle of an
    /// [`Operation`](crate::wire::Operation), which therefore cannot complete.
    Stalled,
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Io(e) => write!(f, "I/O error: {e}"),
            DriveError::Protocol(e) => write!(f, "protocol error: {e}"),
            DriveError::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            DriveError::Stalled => f.write_str("the machine paused before the operation completed"),
        }
    }
}

impl<E: ProtocolError + 'static> std::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriveError::Io(e) => Some(e),
            DriveError::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<io::Error> for DriveError<E> {
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
        if machine.conn().timeout().is_some() {
            machine.set_now(self.now());
        }
    }
}

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
