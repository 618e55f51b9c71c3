//! Drivers that move bytes between real I/O and any machine of the crate.
//!
//! The drivers know nothing of any protocol: everything they do goes through
//! [`Machine`]. What one driving step must do next is decided here, once
//! ([`next_step`]); each driver only performs the reads and writes. The typed
//! clients in each protocol module are thin layers over them, running the
//! protocol's [`Operation`](crate::wire::Operation)s.

mod blocking;
#[cfg(feature = "futures-io")]
pub mod futures;
pub mod http;
pub mod smtp;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use blocking::Driver;

use crate::wire::{Machine, Next, ProtocolError};
use std::fmt;
use std::io;

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
pub enum Step<E> {
    /// Write the outbox to the stream.
    Transmit,
    /// Read from the stream into the inbox (or report end of stream).
    Receive,
    /// Hand this event to the caller.
    Event(E),
    /// The machine waits for the local side: return to the caller.
    Paused,
}

/// Decides a driver's next step: transmit first, then events, then read.
/// Every driver (blocking, tokio, futures-io) loops on this, so the
/// driving rules are written once.
pub fn next_step<M: Machine>(machine: &mut M) -> Result<Step<M::Event>, DriveError<M::Error>> {
    if !machine.outbox().is_empty() {
        return Ok(Step::Transmit);
    }
    match machine.poll_event().map_err(DriveError::Protocol)? {
        Next::Event(event) => Ok(Step::Event(event)),
        // Polling may have queued answers that need no event (an SMTP
        // server's reply to NOOP or to a MAIL sent too early): send them
        // before waiting, or both sides wait forever.
        _ if !machine.outbox().is_empty() => Ok(Step::Transmit),
        Next::Paused => Ok(Step::Paused),
        Next::NeedInput if machine.inbox().is_eof() => Err(DriveError::UnexpectedEof),
        Next::NeedInput => Ok(Step::Receive),
    }
}

/// The least room a driver wants for one read; whatever spare the inbox
/// already has beyond it is offered too (see `Inbox::set_read_size`).
pub(crate) const MIN_READ: usize = 4 * 1024;

/// How many outbox chunks go into one vectored write.
pub(crate) const MAX_IOVECS: usize = 64;
