//! The NNTP error, in the shape every protocol of the crate shares.

use crate::sasl::SaslError;
use crate::wire::{CommonError, Fault, ProtocolError, TlsUnavailable};
use core::fmt;

/// What went wrong, one variant per rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- the peer's faults ----
    /// A line longer than its limit ([`Limits`](super::Limits)).
    LineTooLong,
    /// A protocol line ended in a bare LF.
    BareLf,
    /// A reply line that is not three digits and text.
    MalformedReply,
    /// A `211` answering GROUP whose numbers do not parse.
    MalformedStatus,
    /// More capability lines than the limit.
    TooManyEntries,
    /// Bytes arrived while no command was waiting for an answer.
    UnexpectedData,
    /// The client pipelined more unread bytes than the server buffers.
    TooMuchPipelined,
    /// Bytes arrived behind the TLS go-ahead, before the handshake.
    PlaintextAfterUpgrade,
    /// The stream ended where the protocol needed more.
    UnexpectedEof,
    /// The peer stayed silent longer than the timeout.
    TimedOut,
    /// The peer's COMPRESS stream is corrupt.
    BadCompression,
    /// TLS was required and the server does not offer STARTTLS, or
    /// refused it (see [`Error::tls`]).
    TlsUnavailable,

    // ---- the caller's faults (Fault::Local) ----
    /// An argument holding CR, LF or NUL. Nothing was sent.
    UnsafeArgument,
    /// An argument its grammar forbids: a space in a group name or a
    /// message-id, a message-id without angle brackets, a date that is
    /// not digits, ... Nothing was sent.
    InvalidArgument,
    /// A call that does not fit the conversation at this point.
    OutOfSequence,
    /// The SASL mechanism failed before anything was sent.
    Sasl,
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        use ErrorKind::*;
        match self {
            UnsafeArgument | InvalidArgument | OutOfSequence | Sasl => Fault::Local,
            _ => Fault::Remote,
        }
    }

    /// The reply code a server sends before it closes, if any.
    pub fn reply_hint(self) -> Option<u16> {
        use ErrorKind::*;
        match self {
            LineTooLong | BareLf => Some(500),
            TimedOut | TooMuchPipelined | UnexpectedEof | BadCompression => Some(400),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            LineTooLong => "line too long",
            BareLf => "line ended in a bare LF",
            MalformedReply => "malformed reply line",
            MalformedStatus => "reply fields do not parse",
            TooManyEntries => "too many capability lines",
            UnexpectedData => "data with no command outstanding",
            TooMuchPipelined => "too much pipelined input",
            PlaintextAfterUpgrade => "plaintext received behind the TLS go-ahead",
            UnexpectedEof => "connection closed unexpectedly",
            TimedOut => "the peer stayed silent too long",
            BadCompression => "corrupt compressed stream from the peer",
            TlsUnavailable => "TLS is required but not available",
            UnsafeArgument => "argument holds CR, LF or NUL",
            InvalidArgument => "argument its grammar forbids",
            OutOfSequence => "call out of sequence",
            Sasl => "SASL mechanism failed",
        }
    }
}

/// An NNTP error: what rule was broken ([`kind`](Self::kind)), by whom
/// ([`fault`](ProtocolError::fault)), and what a server answers
/// ([`reply_hint`](ProtocolError::reply_hint)).
///
/// Errors of the peer come from `poll_event` and are sticky; errors of the
/// caller come from the send methods, which then queued nothing.
///
/// ```
/// use sanswire::nntp::{Client, ErrorKind};
/// use sanswire::wire::{Fault, ProtocolError};
/// let mut client = Client::new();
/// let err = client.group("comp.lang rust").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidArgument);
/// assert_eq!(err.fault(), Fault::Local);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    why: &'static str,
    tls: Option<TlsUnavailable>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, why: &'static str) -> Self {
        Error {
            kind,
            why,
            tls: None,
        }
    }

    pub(crate) fn tls_unavailable(tls: TlsUnavailable) -> Self {
        Error {
            kind: ErrorKind::TlsUnavailable,
            why: "",
            tls: Some(tls),
        }
    }

    pub(crate) fn out_of_sequence(why: &'static str) -> Self {
        Self::new(ErrorKind::OutOfSequence, why)
    }

    pub(crate) fn invalid(why: &'static str) -> Self {
        Self::new(ErrorKind::InvalidArgument, why)
    }

    /// The rule that was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// For [`ErrorKind::TlsUnavailable`]: not offered, or refused.
    pub fn tls(&self) -> Option<TlsUnavailable> {
        self.tls
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind, "")
    }
}

impl From<SaslError> for Error {
    fn from(_: SaslError) -> Self {
        Error::new(ErrorKind::Sasl, "")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(tls) = &self.tls {
            return write!(f, "NNTP {} error: {tls}", self.fault());
        }
        write!(f, "NNTP {} error: {}", self.fault(), self.kind.describe())?;
        if !self.why.is_empty() {
            write!(f, " ({})", self.why)?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        self.kind.fault()
    }

    fn reply_hint(&self) -> Option<u16> {
        self.kind.reply_hint()
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self.kind {
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::BadCompression => CommonError::BadCompression,
            ErrorKind::BareLf => CommonError::BareLf,
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::UnsafeArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence => CommonError::OutOfSequence(self.why),
            _ => return None,
        })
    }
}

/// The shared failures in NNTP's words.
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        let kind = match e {
            CommonError::UnsafeArgument => ErrorKind::UnsafeArgument,
            CommonError::OutOfSequence(why) => return Error::out_of_sequence(why),
            CommonError::LineTooLong { .. } => ErrorKind::LineTooLong,
            CommonError::TooMuchPipelined { .. } => ErrorKind::TooMuchPipelined,
            CommonError::BareLf => ErrorKind::BareLf,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::UnexpectedEof,
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        };
        kind.into()
    }
}

/// The server's refusal of a command: its 4xx or 5xx reply, an
/// operation's outcome (not an error of the machine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub super::Reply);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.0.code,
            alloc::string::String::from_utf8_lossy(&self.0.text)
        )
    }
}

impl core::error::Error for Refusal {}
