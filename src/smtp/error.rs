use super::Reply;
use crate::sasl::SaslError;
use crate::wire::{CommonError, Fault, MultiLineError, ProtocolError, TlsUnavailable};
use core::fmt;

/// The server's refusal of a call run as an
/// [`Operation`](crate::wire::Operation): credentials refused by AUTH
/// (`535`, `534`, ...; see [`ops::Login`](super::ops::Login)). The
/// operation's outcome, not an error of the machine, which goes on: the
/// session can try again or send mail unauthenticated. The typed
/// sessions turn it into
/// [`DriveError::Refused`](crate::io::DriveError::Refused).
///
/// Replies that are the caller's to judge stay plain [`Reply`]s (RSET,
/// NOOP, VRFY, HELP, QUIT), and refused recipients are in the
/// [`Outcome`](super::Outcome) of a mail transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub Reply);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server refused: {}", self.0)
    }
}

impl core::error::Error for Refusal {}

/// What went wrong in an SMTP machine. Sticky: once a machine returned an
/// error from `poll_event`, it returns the same error forever.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Local: an argument would carry CR, LF or NUL, or breaks the syntax
    /// of its field (a `<` in an address, a bad domain, ...). Nothing was
    /// written.
    InvalidArgument(&'static str),
    /// Local: the call is not allowed now (a command while another is in
    /// flight, MAIL before EHLO, `accept` with no pending decision, ...).
    OutOfSequence(&'static str),
    /// Local: the request needs an extension the server did not offer.
    NotOffered(&'static str),
    /// Local: a SASL mechanism refused the credentials.
    Sasl(SaslError),
    /// Remote: a reply could not be framed.
    MalformedReply(MultiLineError),
    /// Remote: the server refused the session (greeting or EHLO/HELO not
    /// positive); the reply says why.
    Refused(Reply),
    /// Remote: a reply came with no command waiting for one.
    UnexpectedReply(u16),
    /// Remote: bytes arrived between the go-ahead for STARTTLS and the end
    /// of the TLS handshake (CVE-2011-0411: they would be taken as if they
    /// came over TLS).
    PlaintextAfterUpgrade,
    /// Remote: TLS was required (see
    /// [`Client::set_require_tls`](super::Client::set_require_tls), or
    /// [`ops::StartTls`](super::ops::StartTls)) and the server does not
    /// offer STARTTLS, or refused it. Nothing more was sent.
    TlsUnavailable(TlsUnavailable),
    /// Remote: a line was longer than its limit where skipping it is not
    /// safe (message text).
    LineTooLong {
        /// The limit crossed.
        limit: usize,
    },
    /// Remote: the stream ended inside a reply, a command or a message.
    UnexpectedEof,
    /// Remote: a protocol line ended in a bare LF instead of CRLF.
    BareLf,
    /// Remote: the peer pipelined more unread bytes than the machine
    /// buffers.
    TooMuchPipelined {
        /// The limit crossed, in bytes.
        limit: usize,
    },
    /// Remote: the peer stayed silent longer than the machine's timeout
    /// ([`Machine::set_timeout`](crate::wire::Machine::set_timeout)).
    TimedOut,
    /// Remote: the peer's compressed stream is corrupt.
    BadCompression,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Error::OutOfSequence(what) => write!(f, "not allowed now: {what}"),
            Error::NotOffered(ext) => write!(f, "the server does not offer {ext}"),
            Error::Sasl(e) => e.fmt(f),
            Error::MalformedReply(e) => write!(f, "malformed reply: {e}"),
            Error::Refused(r) => write!(f, "server refused the session: {r}"),
            Error::UnexpectedReply(code) => write!(f, "unexpected reply {code}"),
            Error::PlaintextAfterUpgrade => {
                f.write_str("plaintext received after the STARTTLS go-ahead")
            }
            Error::TlsUnavailable(e) => e.fmt(f),
            Error::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            Error::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            Error::BareLf => f.write_str("line ended in a bare LF"),
            Error::TooMuchPipelined { limit } => {
                write!(f, "more than {limit} bytes of pipelined input")
            }
            Error::TimedOut => f.write_str("the peer stayed silent too long"),
            Error::BadCompression => f.write_str("corrupt compressed stream from the peer"),
        }
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        match self {
            Error::InvalidArgument(_)
            | Error::OutOfSequence(_)
            | Error::NotOffered(_)
            | Error::Sasl(_) => Fault::Local,
            _ => Fault::Remote,
        }
    }

    fn reply_hint(&self) -> Option<u16> {
        match self {
            Error::LineTooLong { .. } => Some(500),
            Error::PlaintextAfterUpgrade => Some(554),
            Error::TimedOut => Some(421),
            _ => None,
        }
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self {
            Error::OutOfSequence(why) => CommonError::OutOfSequence(why),
            Error::LineTooLong { limit } => CommonError::LineTooLong { limit: *limit },
            Error::BareLf => CommonError::BareLf,
            Error::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            Error::UnexpectedEof => CommonError::UnexpectedEof,
            Error::TooMuchPipelined { limit } => CommonError::TooMuchPipelined { limit: *limit },
            Error::TimedOut => CommonError::TimedOut,
            Error::BadCompression => CommonError::BadCompression,
            _ => return None,
        })
    }
}

/// The shared failures, each under the variant of the same name
/// (an unsafe argument is one kind of [`Error::InvalidArgument`]).
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        match e {
            CommonError::UnsafeArgument => Error::InvalidArgument("argument holds CR, LF or NUL"),
            CommonError::OutOfSequence(why) => Error::OutOfSequence(why),
            CommonError::LineTooLong { limit } => Error::LineTooLong { limit },
            CommonError::BareLf => Error::BareLf,
            CommonError::PlaintextAfterUpgrade => Error::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => Error::UnexpectedEof,
            CommonError::TooMuchPipelined { limit } => Error::TooMuchPipelined { limit },
            CommonError::TimedOut => Error::TimedOut,
            CommonError::BadCompression => Error::BadCompression,
        }
    }
}
