use crate::sasl::SaslError;
use crate::wire::{CommonError, Fault, ProtocolError};
use core::fmt;

/// What went wrong, one variant per rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- limits ----
    /// A line (between literals) was longer than
    /// [`Limits::max_line`](super::Limits::max_line).
    LineTooLong,
    /// A literal announced more octets than
    /// [`Limits::max_literal`](super::Limits::max_literal) allows.
    LiteralTooLarge,
    /// A message announced more literals than
    /// [`Limits::max_literals`](super::Limits::max_literals).
    TooManyLiterals,
    /// Parenthesised lists nested deeper than
    /// [`Limits::max_depth`](super::Limits::max_depth).
    TooDeep,
    /// A list with more elements than
    /// [`Limits::max_list_items`](super::Limits::max_list_items).
    TooManyItems,
    /// The client pipelined more unread bytes than the server buffers.
    TooMuchPipelined,

    // ---- the peer's syntax ----
    /// A line ended in a bare LF instead of CRLF.
    BareLf,
    /// A response the grammar does not allow (the line is lost; the
    /// stream stays in sync).
    MalformedResponse,
    /// A command the grammar does not allow.
    MalformedCommand,
    /// A tagged completion whose tag matches no command in flight.
    UnknownTag,
    /// The server sent a continuation request no command waits for.
    UnexpectedContinuation,
    /// The greeting was neither OK, PREAUTH nor BYE.
    BadGreeting,
    /// The server closed the connection with BYE.
    Bye,
    /// The stream ended in the middle of a response or command.
    UnexpectedEof,
    /// The peer stayed silent longer than the machine's timeout.
    TimedOut,
    /// Bytes arrived behind the OK to STARTTLS, before the handshake.
    PlaintextAfterUpgrade,
    /// The peer's compressed stream is corrupt.
    BadCompression,
    /// TLS was required and the server does not offer STARTTLS or refused it.
    TlsUnavailable,

    // ---- the caller's mistakes (Fault::Local) ----
    /// An argument holds CR, LF or NUL where no literal can carry it
    /// (an atom, a flag, a mechanism name), or NUL in a plain literal.
    UnsafeArgument,
    /// An argument the grammar cannot carry: an empty atom, a flag with
    /// a space, a sequence set of 0, ...
    InvalidArgument,
    /// The call does not fit the conversation at this point (a command
    /// after LOGOUT, DONE while not idling, ...).
    OutOfSequence,
    /// The SASL mechanism failed before anything was sent.
    Sasl,
    /// The command needs a capability the server did not announce
    /// (several messages in one APPEND without MULTIAPPEND).
    NotOffered,
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        use ErrorKind::*;
        match self {
            UnsafeArgument | InvalidArgument | OutOfSequence | Sasl | NotOffered => Fault::Local,
            _ => Fault::Remote,
        }
    }

    fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            LineTooLong => "line too long",
            LiteralTooLarge => "literal larger than the limit",
            TooManyLiterals => "too many literals in one message",
            TooDeep => "lists nested too deeply",
            TooManyItems => "list with too many items",
            TooMuchPipelined => "too many pipelined bytes",
            BareLf => "line ended in a bare LF",
            MalformedResponse => "malformed response",
            MalformedCommand => "malformed command",
            UnknownTag => "tagged response for no command in flight",
            UnexpectedContinuation => "continuation request no command waits for",
            BadGreeting => "greeting is not OK, PREAUTH or BYE",
            Bye => "the server said BYE",
            UnexpectedEof => "connection closed unexpectedly",
            TimedOut => "the peer stayed silent too long",
            PlaintextAfterUpgrade => "plaintext received behind the TLS go-ahead",
            BadCompression => "corrupt compressed stream from the peer",
            TlsUnavailable => "TLS is required but the server does not offer or refused STARTTLS",
            UnsafeArgument => "argument holds CR, LF or NUL",
            InvalidArgument => "argument the grammar cannot carry",
            OutOfSequence => "call out of sequence",
            Sasl => "SASL mechanism failed",
            NotOffered => "the server does not offer what the command needs",
        }
    }
}

/// An IMAP error: what rule was broken ([`kind`](Self::kind)) and by whom
/// ([`fault`](ProtocolError::fault)). Errors from `poll_event` are sticky;
/// errors from send methods mean nothing was queued.
///
/// ```
/// use sanswire::imap::{Error, ErrorKind};
/// use sanswire::wire::{CommonError, Fault, ProtocolError};
/// let e = Error::from(CommonError::TimedOut);
/// assert_eq!(e.kind(), ErrorKind::TimedOut);
/// assert_eq!(e.fault(), Fault::Remote);
/// assert_eq!(e.common(), Some(CommonError::TimedOut));
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

impl From<SaslError> for Error {
    fn from(_: SaslError) -> Self {
        Error::new(ErrorKind::Sasl)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IMAP {} error: {}", self.fault(), self.kind.describe())
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        self.kind.fault()
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self.kind {
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::BadCompression => CommonError::BadCompression,
            ErrorKind::BareLf => CommonError::BareLf,
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::UnsafeArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence => CommonError::OutOfSequence("IMAP"),
            _ => return None,
        })
    }
}

/// The shared failures in IMAP's own words.
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        Error::new(match e {
            CommonError::UnsafeArgument => ErrorKind::UnsafeArgument,
            CommonError::OutOfSequence(_) => ErrorKind::OutOfSequence,
            CommonError::LineTooLong { .. } => ErrorKind::LineTooLong,
            CommonError::TooMuchPipelined { .. } => ErrorKind::TooMuchPipelined,
            CommonError::BareLf => ErrorKind::BareLf,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::UnexpectedEof,
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        })
    }
}

/// The server's NO or BAD to a command run as an
/// [`Operation`](crate::wire::Operation): the operation's outcome, not an
/// error of the machine, which goes on.
///
/// ```
/// use sanswire::imap::{Refusal, Status, StatusKind};
/// let r = Refusal(Box::new(Status::new(Some("A1".into()), StatusKind::No, "no such mailbox")));
/// assert_eq!(r.to_string(), "server refused: NO no such mailbox");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub alloc::boxed::Box<super::Status>);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0.kind {
            super::StatusKind::Ok => "OK",
            super::StatusKind::No => "NO",
            super::StatusKind::Bad => "BAD",
            super::StatusKind::PreAuth => "PREAUTH",
            super::StatusKind::Bye => "BYE",
        };
        write!(
            f,
            "server refused: {kind} {}",
            alloc::string::String::from_utf8_lossy(&self.0.text)
        )
    }
}

impl core::error::Error for Refusal {}
