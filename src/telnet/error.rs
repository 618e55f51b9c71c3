use crate::wire::{CommonError, Fault, ProtocolError};
use core::fmt;

/// What went wrong, one variant per rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A subnegotiation longer than
    /// [`Limits::max_subnegotiation`](super::Limits::max_subnegotiation).
    SubnegotiationTooLong,
    /// The peer stayed silent longer than the machine's timeout.
    TimedOut,
    /// Bytes arrived behind a TLS go-ahead (not raised by Telnet itself,
    /// which has no in-band TLS here; named so every protocol shares it).
    PlaintextAfterUpgrade,
    /// The peer's MCCP2 stream is corrupt.
    BadCompression,
    /// The stream ended where more was needed.
    UnexpectedEof,
    // ---- the caller's mistakes (Fault::Local) ----
    /// An argument the encoding cannot carry (a GMCP package name with a
    /// space, an MSSP name holding MSSP_VAR, a NUL in a terminal type,
    /// more terminal types than the limit). Nothing was sent.
    InvalidArgument,
    /// A call out of sequence: a subnegotiation for an option that is not
    /// enabled, compression that was not negotiated, data after close.
    OutOfSequence,
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        match self {
            ErrorKind::InvalidArgument | ErrorKind::OutOfSequence => Fault::Local,
            _ => Fault::Remote,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::SubnegotiationTooLong => "subnegotiation too long",
            ErrorKind::TimedOut => "the peer stayed silent too long",
            ErrorKind::PlaintextAfterUpgrade => "plaintext behind the TLS go-ahead",
            ErrorKind::BadCompression => "corrupt MCCP2 stream",
            ErrorKind::UnexpectedEof => "connection closed unexpectedly",
            ErrorKind::InvalidArgument => "argument the encoding cannot carry",
            ErrorKind::OutOfSequence => "call out of sequence",
        }
    }
}

/// A Telnet machine's error: the rule broken ([`kind`](Self::kind)) and
/// who broke it ([`ProtocolError::fault`]).
///
/// Errors from the peer come from `poll_event` and are sticky; errors of
/// the caller come from `send_*` calls, which then wrote nothing.
///
/// ```
/// use sanswire::telnet::{Client, ErrorKind, Limits};
/// use sanswire::wire::{Machine, ProtocolError, Fault};
/// let mut client = Client::with_limits(Limits { max_subnegotiation: 4, ..Default::default() });
/// client.receive(b"\xff\xfa\xc9Core.Hello {}\xff\xf0");
/// let err = client.poll_event().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::SubnegotiationTooLong);
/// assert_eq!(err.fault(), Fault::Remote);
/// assert!(client.is_closed());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { kind }
    }

    /// The rule that was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Who broke it.
    pub fn fault(&self) -> Fault {
        self.kind.fault()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Telnet {} error: {}", self.fault(), self.kind.describe())
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        Error::fault(self)
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self.kind {
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::BadCompression => CommonError::BadCompression,
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::InvalidArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence => CommonError::OutOfSequence("Telnet"),
            ErrorKind::SubnegotiationTooLong => return None,
        })
    }
}

/// The shared failures in Telnet's own words.
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        Error::new(match e {
            CommonError::UnsafeArgument => ErrorKind::InvalidArgument,
            CommonError::OutOfSequence(_) => ErrorKind::OutOfSequence,
            CommonError::LineTooLong { .. } | CommonError::TooMuchPipelined { .. } => {
                ErrorKind::SubnegotiationTooLong
            }
            CommonError::BareLf => ErrorKind::InvalidArgument,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::UnexpectedEof,
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        })
    }
}
