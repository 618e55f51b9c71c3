use super::Reply;
use crate::sasl::SaslError;
use crate::wire::{CommonError, Fault, MultiLineError, ProtocolError, TlsUnavailable};
use alloc::boxed::Box;
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

/// What went wrong, one variant per rule: the [`kind`](Error::kind) of an
/// [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
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
    Refused {
        /// The reply code (the whole reply is [`Error::reply`]).
        code: u16,
    },
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

impl ErrorKind {
    /// Who broke the protocol: [`Fault::Local`] for the caller's mistakes
    /// (nothing was written), [`Fault::Remote`] for the server's or the
    /// client's.
    pub fn fault(self) -> Fault {
        match self {
            ErrorKind::InvalidArgument(_)
            | ErrorKind::OutOfSequence(_)
            | ErrorKind::NotOffered(_)
            | ErrorKind::Sasl(_) => Fault::Local,
            _ => Fault::Remote,
        }
    }

    /// The reply a server sends before it closes: `500` for a line too
    /// long, `554` for plaintext after the STARTTLS go-ahead, `421` on a
    /// timeout.
    pub fn reply_hint(self) -> Option<u16> {
        match self {
            ErrorKind::LineTooLong { .. } => Some(500),
            ErrorKind::PlaintextAfterUpgrade => Some(554),
            ErrorKind::TimedOut => Some(421),
            _ => None,
        }
    }

    /// Which of the failures every protocol shares this is, if it is one.
    pub fn common(self) -> Option<CommonError> {
        Some(match self {
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
            ErrorKind::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            ErrorKind::OutOfSequence(what) => write!(f, "not allowed now: {what}"),
            ErrorKind::NotOffered(ext) => write!(f, "the server does not offer {ext}"),
            ErrorKind::Sasl(e) => e.fmt(f),
            ErrorKind::MalformedReply(e) => write!(f, "malformed reply: {e}"),
            ErrorKind::Refused { code } => write!(f, "server refused the session: {code}"),
            ErrorKind::UnexpectedReply(code) => write!(f, "unexpected reply {code}"),
            ErrorKind::PlaintextAfterUpgrade => {
                f.write_str("plaintext received after the STARTTLS go-ahead")
            }
            ErrorKind::TlsUnavailable(e) => e.fmt(f),
            ErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            ErrorKind::UnexpectedEof => f.write_str("connection closed unexpectedly"),
            ErrorKind::BareLf => f.write_str("line ended in a bare LF"),
            ErrorKind::TooMuchPipelined { limit } => {
                write!(f, "more than {limit} bytes of pipelined input")
            }
            ErrorKind::TimedOut => f.write_str("the peer stayed silent too long"),
            ErrorKind::BadCompression => f.write_str("corrupt compressed stream from the peer"),
        }
    }
}

/// An SMTP error: what rule was broken ([`kind`](Self::kind)), by whom
/// ([`fault`](ProtocolError::fault)), the reply a server answers
/// ([`reply_hint`](ProtocolError::reply_hint)) and, for a refused session,
/// the server's [`reply`](Self::reply). The same shape as every protocol's
/// error in the crate ([`http::Error`](crate::http::Error)).
///
/// Errors from the peer come from
/// [`poll_event`](crate::wire::Machine::poll_event) and are sticky: every
/// later poll returns the same error. A [`Server`](super::Server) has queued
/// its last words (`500 ...`, `421 ...`) already; the drivers send them
/// before they report the error. Errors of the caller come from the `send`
/// calls, which then wrote nothing.
///
/// ```
/// use sanswire::smtp::{Client, ErrorKind};
/// let err = Client::new("a\r\nRSET").unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidArgument(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    /// The refusal behind [`ErrorKind::Refused`]; boxed so that the error
    /// stays small on every other path.
    reply: Option<Box<Reply>>,
}

impl Error {
    /// What rule was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The server's reply when it refused the session
    /// ([`ErrorKind::Refused`]): a `554` greeting, a refused EHLO.
    pub fn reply(&self) -> Option<&Reply> {
        self.reply.as_deref()
    }

    /// The session refused with `reply`.
    pub(crate) fn refused(reply: Reply) -> Self {
        Error {
            kind: ErrorKind::Refused { code: reply.code() },
            reply: Some(Box::new(reply)),
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind, reply: None }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reply {
            Some(r) => write!(f, "server refused the session: {r}"),
            None => self.kind.fmt(f),
        }
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
        self.kind.common()
    }
}

/// The shared failures, each under the variant of the same name
/// (an unsafe argument is one kind of [`ErrorKind::InvalidArgument`]).
impl From<CommonError> for ErrorKind {
    fn from(e: CommonError) -> Self {
        match e {
            CommonError::UnsafeArgument => {
                ErrorKind::InvalidArgument("argument holds CR, LF or NUL")
            }
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
