use super::{Fault, ProtocolError};
use core::fmt;

/// The failures every protocol shares, named once.
///
/// Each protocol's `Error` converts from this (`From<CommonError>`), so
/// the shared core ([`Conn`](super::Conn), the drivers) can raise them,
/// and tells which one it is through [`ProtocolError::common`], so generic
/// code can ask "was it a timeout?" of any protocol's error.
///
/// ```
/// use sanswire::wire::{CommonError, Fault, ProtocolError};
/// assert_eq!(CommonError::TimedOut.fault(), Fault::Remote);
/// assert_eq!(CommonError::UnsafeArgument.fault(), Fault::Local);
/// assert_eq!(
///     CommonError::PlaintextAfterUpgrade.to_string(),
///     "plaintext received behind the TLS go-ahead, before the handshake"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommonError {
    /// Local: an argument holds CR, LF or NUL (command injection).
    UnsafeArgument,
    /// Local: the call does not fit the conversation at this point.
    OutOfSequence(&'static str),
    /// Remote: a line was longer than its limit.
    LineTooLong {
        /// The limit crossed, line ending included.
        limit: usize,
    },
    /// Remote: a protocol line ended in a bare LF instead of CRLF.
    BareLf,
    /// Remote: bytes arrived between the go-ahead for TLS and the end of
    /// the handshake; they would be taken as if they came over TLS
    /// (CVE-2011-0411).
    PlaintextAfterUpgrade,
    /// Remote: the stream ended where the protocol needed more.
    UnexpectedEof,
    /// Remote: the peer pipelined more unread bytes than the machine
    /// buffers.
    TooMuchPipelined {
        /// The limit crossed, in bytes.
        limit: usize,
    },
    /// Remote: the peer stayed silent longer than the machine's timeout
    /// while it waited (see [`Machine::set_timeout`](super::Machine::set_timeout)).
    TimedOut,
    /// Remote: the peer's compressed stream (COMPRESS, MCCP2) is corrupt.
    BadCompression,
}

impl fmt::Display for CommonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommonError::UnsafeArgument => f.write_str("argument holds CR, LF or NUL"),
            CommonError::OutOfSequence(why) => write!(f, "out of sequence: {why}"),
            CommonError::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            CommonError::BareLf => f.write_str("line ended in a bare LF"),
            CommonError::PlaintextAfterUpgrade => {
                f.write_str("plaintext received behind the TLS go-ahead, before the handshake")
            }
            CommonError::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            CommonError::TooMuchPipelined { limit } => {
                write!(f, "more than {limit} bytes of pipelined input")
            }
            CommonError::TimedOut => f.write_str("the peer stayed silent too long"),
            CommonError::BadCompression => f.write_str("corrupt compressed stream from the peer"),
        }
    }
}

impl core::error::Error for CommonError {}

impl ProtocolError for CommonError {
    fn fault(&self) -> Fault {
        match self {
            CommonError::UnsafeArgument | CommonError::OutOfSequence(_) => Fault::Local,
            _ => Fault::Remote,
        }
    }

    fn common(&self) -> Option<CommonError> {
        Some(*self)
    }
}
