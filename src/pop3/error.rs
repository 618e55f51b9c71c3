use super::Response;
use crate::sasl::SaslError;
use crate::wire::{CommonError, Fault, ProtocolError};
use core::fmt;

/// The server's `-ERR` to a command run as an
/// [`Operation`](crate::wire::Operation) (see [`ops`](super::ops)): the
/// operation's outcome, not an error of the machine, which goes on (the
/// refused command is simply done). The typed sessions turn it into
/// [`DriveError::Refused`](crate::io::DriveError::Refused) where a method
/// needs a `+OK` to give its answer.
///
/// ```
/// use sanswire::pop3::{Refusal, Response};
/// let r = Refusal(Response::err("no such message"));
/// assert_eq!(r.to_string(), "server refused: -ERR no such message");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub Response);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        f.write_str("server refused: -ERR")?;
        if let Some(code) = &r.code {
            write!(
                f,
                " [{}]",
                alloc::string::String::from_utf8_lossy(code.as_bytes())
            )?;
        }
        if !r.text.is_empty() {
            write!(f, " {}", alloc::string::String::from_utf8_lossy(&r.text))?;
        }
        Ok(())
    }
}

impl core::error::Error for Refusal {}

/// What went wrong, one variant per rule: the [`kind`](Error::kind) of an
/// [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- the local caller's mistakes: nothing was sent ---
    /// An argument holds CR, LF or NUL (command injection, CVE-2025-15367
    /// in poplib).
    UnsafeArgument,
    /// An argument is not valid for the command: empty, holds a space
    /// where one token is expected, a message number of 0, a unique-id
    /// outside the allowed bytes, a response code holding `]`, and so on.
    InvalidArgument(&'static str),
    /// The command line would be longer than RFC 2449's 255 octets.
    CommandTooLong {
        /// The limit (CRLF included).
        limit: usize,
    },
    /// The call does not fit the conversation at this point (a command
    /// after QUIT, an answer when no command waits for one, ...).
    OutOfSequence(&'static str),
    /// The SASL mechanism failed before anything was sent.
    Sasl(SaslError),

    // --- the peer's mistakes ---
    /// The server sent a line that is neither `+OK`, `-ERR` nor (during
    /// AUTH) a `+ ` challenge.
    MalformedResponse,
    /// A `+OK` line whose arguments do not parse (STAT, LIST n, UIDL n).
    MalformedStatus,
    /// A line of a LIST or UIDL listing that does not parse.
    MalformedListing,
    /// A line was longer than the limit in [`Limits`](super::Limits).
    LineTooLong {
        /// The limit that was crossed (line ending included).
        limit: usize,
    },
    /// A protocol line ended in a bare LF instead of CRLF.
    BareLf,
    /// A listing had more entries than the limit.
    TooManyEntries {
        /// The limit that was crossed.
        limit: usize,
    },
    /// The client pipelined more unread bytes than the server buffers.
    TooMuchPipelined {
        /// The limit that was crossed, in bytes.
        limit: usize,
    },
    /// Bytes arrived behind the `+OK` to STLS, before the TLS handshake:
    /// they would be read as if they came over TLS (CVE-2011-0411).
    PlaintextAfterUpgrade,
    /// TLS was required (see
    /// [`Client::set_require_tls`](super::Client::set_require_tls), or
    /// [`ops::Stls`](super::ops::Stls)) and the server does not list STLS,
    /// or refused it. Nothing more was sent.
    TlsUnavailable(crate::wire::TlsUnavailable),
    /// The peer sent something while nothing was expected from it.
    UnexpectedData,
    /// The connection closed in the middle of a reply or command.
    UnexpectedEof,
    /// The peer stayed silent longer than the machine's timeout
    /// ([`Machine::set_timeout`](crate::wire::Machine::set_timeout)).
    TimedOut,
    /// The peer's compressed stream is corrupt.
    BadCompression,
}

impl ErrorKind {
    /// Who broke the protocol: [`Fault::Local`] for the caller's mistakes
    /// (nothing was sent), [`Fault::Remote`] for the server's.
    pub fn fault(self) -> Fault {
        match self {
            ErrorKind::UnsafeArgument
            | ErrorKind::InvalidArgument(_)
            | ErrorKind::CommandTooLong { .. }
            | ErrorKind::OutOfSequence(_)
            | ErrorKind::Sasl(_) => Fault::Local,
            _ => Fault::Remote,
        }
    }

    /// Which of the failures every protocol shares this is, if it is one.
    pub fn common(self) -> Option<CommonError> {
        Some(match self {
            ErrorKind::UnsafeArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence(why) => CommonError::OutOfSequence(why),
            ErrorKind::LineTooLong { limit } => CommonError::LineTooLong { limit },
            ErrorKind::BareLf => CommonError::BareLf,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::TooMuchPipelined { limit } => CommonError::TooMuchPipelined { limit },
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::BadCompression => CommonError::BadCompression,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnsafeArgument => f.write_str("argument holds CR, LF or NUL"),
            ErrorKind::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            ErrorKind::CommandTooLong { limit } => {
                write!(f, "command line longer than {limit} octets")
            }
            ErrorKind::OutOfSequence(why) => write!(f, "out of sequence: {why}"),
            ErrorKind::Sasl(e) => write!(f, "SASL: {e}"),
            ErrorKind::MalformedResponse => f.write_str("malformed POP3 response line"),
            ErrorKind::MalformedStatus => f.write_str("malformed arguments in a +OK line"),
            ErrorKind::MalformedListing => f.write_str("malformed line in a listing"),
            ErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            ErrorKind::BareLf => f.write_str("line ended in a bare LF"),
            ErrorKind::TooManyEntries { limit } => {
                write!(f, "listing of more than {limit} entries")
            }
            ErrorKind::TooMuchPipelined { limit } => {
                write!(f, "more than {limit} bytes of pipelined commands")
            }
            ErrorKind::PlaintextAfterUpgrade => {
                f.write_str("plaintext received after STLS, before the TLS handshake")
            }
            ErrorKind::TlsUnavailable(e) => e.fmt(f),
            ErrorKind::UnexpectedData => f.write_str("data received while none was expected"),
            ErrorKind::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            ErrorKind::TimedOut => f.write_str("the peer stayed silent too long"),
            ErrorKind::BadCompression => f.write_str("corrupt compressed stream from the peer"),
        }
    }
}

/// A POP3 error: what rule was broken ([`kind`](Self::kind)) and by whom
/// ([`fault`](ProtocolError::fault)). The same shape as every protocol's
/// error in the crate ([`http::Error`](crate::http::Error)).
///
/// Errors from the peer come from
/// [`poll_event`](crate::wire::Machine::poll_event) and are sticky: every
/// later poll returns the same error. A [`Server`](super::Server) has queued
/// its last words (`-ERR ...`) already; the drivers send them before they
/// report the error. Errors of the caller come from the `send` calls, which
/// then wrote nothing.
///
/// ```
/// use sanswire::pop3::{Client, ErrorKind};
/// let mut client = Client::new();
/// let err = client.user("a\r\nDELE 1").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::UnsafeArgument);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// What rule was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        self.kind.fault()
    }

    fn common(&self) -> Option<CommonError> {
        self.kind.common()
    }
}

/// The shared failures, each under the variant of the same name.
impl From<CommonError> for ErrorKind {
    fn from(e: CommonError) -> Self {
        match e {
            CommonError::UnsafeArgument => ErrorKind::UnsafeArgument,
            CommonError::OutOfSequence(why) => ErrorKind::OutOfSequence(why),
            CommonError::LineTooLong { limit } => ErrorKind::LineTooLong { limit },
            CommonError::BareLf => ErrorKind::BareLf,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::UnexpectedEof,
            CommonError::TooMuchPipelined { limit } => ErrorKind::TooMuchPipelined { limit },
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        }
    }
}

impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        ErrorKind::from(e).into()
    }
}

impl From<SaslError> for Error {
    fn from(e: SaslError) -> Self {
        ErrorKind::Sasl(e).into()
    }
}
