use super::Reply;
use crate::wire::{CommonError, Fault, MultiLineError, ProtocolError};
use core::fmt;

/// What went wrong, one variant per rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- the caller's mistakes (Fault::Local): nothing was sent ----
    /// An argument holds CR, LF or NUL (command injection). Nothing was
    /// sent.
    UnsafeArgument,
    /// An argument is not valid for its command (an empty path, a space in
    /// a user name, a PORT address that is not IPv4, ...).
    InvalidArgument,
    /// The call does not fit the conversation at this point (a command
    /// while a transfer is planned, a data report with no transfer, ...).
    OutOfSequence,

    // ---- the peer's mistakes (Fault::Remote) ----
    /// A reply could not be framed (no three-digit code, too many lines).
    MalformedReply,
    /// A reply whose text should carry a value did not (a 227 without six
    /// numbers, a 229 without a port, a 257 without a quoted path, a 213
    /// without a number).
    MalformedValue,
    /// The server refused the connection (a greeting other than 220).
    Refused,
    /// A reply came while no command waited for one.
    UnexpectedReply,
    /// A command line that could not be parsed (server role).
    MalformedCommand,
    /// A line was longer than its limit.
    LineTooLong,
    /// A control line ended in a bare LF.
    BareLf,
    /// The connection closed in the middle of the conversation.
    UnexpectedEof,
    /// The peer stayed silent longer than the machine's timeout.
    TimedOut,
    /// Bytes arrived behind the `234` to AUTH TLS, before the handshake
    /// (CVE-2011-0411).
    PlaintextAfterUpgrade,
    /// The client sent more unread commands than the server buffers.
    TooMuchPipelined,
    /// The peer's compressed stream is corrupt (FTP has no compression
    /// here; named so every protocol can carry the shared failure).
    BadCompression,
    /// TLS was required and the server does not offer AUTH TLS or refused
    /// it.
    TlsUnavailable,
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        match self {
            ErrorKind::UnsafeArgument | ErrorKind::InvalidArgument | ErrorKind::OutOfSequence => {
                Fault::Local
            }
            _ => Fault::Remote,
        }
    }

    fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            UnsafeArgument => "argument holds CR, LF or NUL",
            InvalidArgument => "invalid argument",
            OutOfSequence => "call out of sequence",
            MalformedReply => "malformed FTP reply",
            MalformedValue => "reply without the value it should carry",
            Refused => "the server refused the connection",
            UnexpectedReply => "reply with no command waiting for one",
            MalformedCommand => "malformed FTP command",
            LineTooLong => "line too long",
            BareLf => "line ended in a bare LF",
            UnexpectedEof => "connection closed unexpectedly",
            TimedOut => "the peer stayed silent too long",
            PlaintextAfterUpgrade => "plaintext received behind the TLS go-ahead",
            TooMuchPipelined => "too many pipelined commands",
            BadCompression => "corrupt compressed stream from the peer",
            TlsUnavailable => "TLS is required but the server does not offer AUTH TLS",
        }
    }
}

/// An FTP error: what rule was broken ([`kind`](Self::kind)), by whom
/// ([`fault`](ProtocolError::fault)), and more where it helps (the
/// refused greeting, the limit crossed, why an argument was refused).
///
/// ```
/// use sanswire::ftp::{Error, ErrorKind};
/// use sanswire::wire::{CommonError, Fault, ProtocolError};
/// let e = Error::from(CommonError::UnsafeArgument);
/// assert_eq!(e.kind(), ErrorKind::UnsafeArgument);
/// assert_eq!(e.fault(), Fault::Local);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    detail: Detail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Detail {
    None,
    Why(&'static str),
    Limit(usize),
    Code(u16),
    Reply(Reply),
    Framing(MultiLineError),
}

impl Error {
    /// An error of `kind` with nothing more to say.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            detail: Detail::None,
        }
    }

    pub(crate) fn why(kind: ErrorKind, why: &'static str) -> Self {
        Error {
            kind,
            detail: Detail::Why(why),
        }
    }

    pub(crate) fn invalid(why: &'static str) -> Self {
        Self::why(ErrorKind::InvalidArgument, why)
    }

    pub(crate) fn sequence(why: &'static str) -> Self {
        Self::why(ErrorKind::OutOfSequence, why)
    }

    pub(crate) fn refused(reply: Reply) -> Self {
        Error {
            kind: ErrorKind::Refused,
            detail: Detail::Reply(reply),
        }
    }

    pub(crate) fn unexpected(code: u16) -> Self {
        Error {
            kind: ErrorKind::UnexpectedReply,
            detail: Detail::Code(code),
        }
    }

    pub(crate) fn framing(e: MultiLineError) -> Self {
        match e {
            MultiLineError::Line(crate::wire::LineError::TooLong { limit }) => Error {
                kind: ErrorKind::LineTooLong,
                detail: Detail::Limit(limit),
            },
            other => Error {
                kind: ErrorKind::MalformedReply,
                detail: Detail::Framing(other),
            },
        }
    }

    /// What rule was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The server's reply that ended the session, for
    /// [`ErrorKind::Refused`].
    pub fn reply(&self) -> Option<&Reply> {
        match &self.detail {
            Detail::Reply(r) => Some(r),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        match &self.detail {
            Detail::None => Ok(()),
            Detail::Why(why) => write!(f, ": {why}"),
            Detail::Limit(limit) => write!(f, " (limit {limit})"),
            Detail::Code(code) => write!(f, " ({code})"),
            Detail::Reply(r) => write!(f, ": {r}"),
            Detail::Framing(e) => write!(f, ": {e}"),
        }
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        self.kind.fault()
    }

    fn common(&self) -> Option<CommonError> {
        let limit = match self.detail {
            Detail::Limit(l) => l,
            _ => 0,
        };
        Some(match self.kind {
            ErrorKind::UnsafeArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence => CommonError::OutOfSequence(match self.detail {
                Detail::Why(w) => w,
                _ => "",
            }),
            ErrorKind::LineTooLong => CommonError::LineTooLong { limit },
            ErrorKind::BareLf => CommonError::BareLf,
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::TooMuchPipelined => CommonError::TooMuchPipelined { limit },
            ErrorKind::BadCompression => CommonError::BadCompression,
            _ => return None,
        })
    }

    /// The reply a server sends before it closes: 500 for a line too long
    /// or malformed, 421 for a timeout.
    fn reply_hint(&self) -> Option<u16> {
        match self.kind {
            ErrorKind::LineTooLong | ErrorKind::MalformedCommand | ErrorKind::BareLf => Some(500),
            ErrorKind::TimedOut | ErrorKind::TooMuchPipelined => Some(421),
            _ => None,
        }
    }
}

impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        let (kind, detail) = match e {
            CommonError::UnsafeArgument => (ErrorKind::UnsafeArgument, Detail::None),
            CommonError::OutOfSequence(why) => (ErrorKind::OutOfSequence, Detail::Why(why)),
            CommonError::LineTooLong { limit } => (ErrorKind::LineTooLong, Detail::Limit(limit)),
            CommonError::BareLf => (ErrorKind::BareLf, Detail::None),
            CommonError::PlaintextAfterUpgrade => (ErrorKind::PlaintextAfterUpgrade, Detail::None),
            CommonError::UnexpectedEof => (ErrorKind::UnexpectedEof, Detail::None),
            CommonError::TooMuchPipelined { limit } => {
                (ErrorKind::TooMuchPipelined, Detail::Limit(limit))
            }
            CommonError::TimedOut => (ErrorKind::TimedOut, Detail::None),
            CommonError::BadCompression => (ErrorKind::BadCompression, Detail::None),
        };
        Error { kind, detail }
    }
}

/// The server's refusal of a call run as an
/// [`Operation`](crate::wire::Operation): a 4xx or 5xx reply (a login
/// refused, `550 No such file`, a transfer's `426`). The operation's
/// outcome, not an error of the machine: the session goes on.
///
/// ```
/// use sanswire::ftp::{Refusal, Reply, TransferError};
/// let r = Refusal(Reply::new(550, "No such file"));
/// assert_eq!(r.transfer_error(), Some(TransferError::Unavailable));
/// assert_eq!(r.to_string(), "server refused: 550 No such file");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub Reply);

impl Refusal {
    /// The typed transfer failure, where the code is one of those.
    pub fn transfer_error(&self) -> Option<TransferError> {
        TransferError::from_code(self.0.code())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server refused: {}", self.0)
    }
}

impl core::error::Error for Refusal {}

/// Why a transfer failed, from the server's reply code (RFC 959 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferError {
    /// `425`: the server could not open the data connection.
    CannotOpen,
    /// `426`: the data connection closed, the transfer was aborted.
    Aborted,
    /// `451`: a local error in processing on the server.
    LocalError,
    /// `550`: the file is unavailable (not found, no access).
    Unavailable,
    /// `522`: the data connection's TLS handshake failed, or did not
    /// resume the control connection's session (vsftpd's
    /// `require_ssl_reuse`).
    TlsFailed,
    /// Another 4xx or 5xx.
    Other(u16),
}

impl TransferError {
    /// The failure for a negative reply code; `None` for 1xx to 3xx.
    pub fn from_code(code: u16) -> Option<TransferError> {
        Some(match code {
            425 => TransferError::CannotOpen,
            426 => TransferError::Aborted,
            451 => TransferError::LocalError,
            550 => TransferError::Unavailable,
            522 => TransferError::TlsFailed,
            400..=599 => TransferError::Other(code),
            _ => return None,
        })
    }
}
