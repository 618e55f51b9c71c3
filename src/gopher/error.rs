use crate::wire::{CommonError, Fault, ProtocolError};
use bytes::Bytes;
use core::fmt;

/// What went wrong, one variant per rule.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- the caller's mistakes (Fault::Local): nothing was sent ----
    /// A selector, search query, Gopher+ string, display string or host
    /// holds TAB, CR, LF or NUL: sent, it would end the request line early
    /// and let the rest speak to the server (the `gopher://` trick that
    /// makes a client talk SMTP or HTTP to another service).
    UnsafeArgument,
    /// An argument that is not valid where it is used (an item type `.`,
    /// an attribute name that is not `A-Z`, ...).
    InvalidArgument(&'static str),
    /// A URL that is not a `gopher://` or `gophers://` URL.
    InvalidUrl(&'static str),
    /// The call does not fit the conversation (a second request on one
    /// connection, text after a binary started, ...).
    OutOfSequence(&'static str),
    /// A Gopher+ `+N` response given more or fewer than N bytes.
    LengthMismatch,

    // ---- the peer's mistakes (Fault::Remote) ----
    /// A line (the request line, a menu line, a text line, a Gopher+
    /// header) longer than its limit in [`Limits`](super::Limits).
    LineTooLong {
        /// The limit crossed, line ending included.
        limit: usize,
    },
    /// A request line that holds CR or NUL.
    InvalidRequest,
    /// The server sent something before the request was sent.
    UnexpectedData,
    /// A menu with more items than
    /// [`Limits::max_menu_items`](super::Limits::max_menu_items), when
    /// collected by an operation.
    TooManyItems {
        /// The limit crossed.
        limit: usize,
    },
    /// The stream ended where more was needed (before the request line,
    /// inside a `+N` body).
    UnexpectedEof,
    /// The peer stayed silent longer than the machine's timeout.
    TimedOut,
    /// Bytes behind a TLS go-ahead (not raised by Gopher, which has no
    /// in-band upgrade; here so every shared failure has a name).
    PlaintextAfterUpgrade,
    /// A corrupt compressed stream (not raised by Gopher).
    BadCompression,
    /// More unread input than the machine buffers.
    TooMuchPipelined {
        /// The limit crossed, in bytes.
        limit: usize,
    },
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        use ErrorKind::*;
        match self {
            UnsafeArgument | InvalidArgument(_) | InvalidUrl(_) | OutOfSequence(_)
            | LengthMismatch => Fault::Local,
            _ => Fault::Remote,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            UnsafeArgument => f.write_str("argument holds TAB, CR, LF or NUL"),
            InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            InvalidUrl(why) => write!(f, "invalid gopher URL: {why}"),
            OutOfSequence(why) => write!(f, "out of sequence: {why}"),
            LengthMismatch => f.write_str("body length differs from the +N header"),
            LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            InvalidRequest => f.write_str("request line holds CR or NUL"),
            UnexpectedData => f.write_str("data received before the request was sent"),
            TooManyItems { limit } => write!(f, "menu of more than {limit} items"),
            UnexpectedEof => f.write_str("connection closed unexpectedly"),
            TimedOut => f.write_str("the peer stayed silent too long"),
            PlaintextAfterUpgrade => f.write_str("plaintext received behind the TLS go-ahead"),
            BadCompression => f.write_str("corrupt compressed stream from the peer"),
            TooMuchPipelined { limit } => write!(f, "more than {limit} bytes of unread input"),
        }
    }
}

/// A Gopher error: which rule was broken ([`kind`](Self::kind)) and by
/// whom ([`fault`](ProtocolError::fault)).
///
/// ```
/// use sanswire::gopher::{Client, ErrorKind, Request};
/// use sanswire::wire::{Fault, ProtocolError};
/// let mut client = Client::new();
/// let smuggled = Request::new("/\r\nMAIL FROM:<eve>");
/// let err = client.get(&smuggled, sanswire::gopher::Body::Text).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::UnsafeArgument);
/// assert_eq!(err.fault(), Fault::Local);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
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
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gopher {} error: {}", self.fault(), self.kind)
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        self.kind.fault()
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self.kind {
            ErrorKind::UnsafeArgument => CommonError::UnsafeArgument,
            ErrorKind::OutOfSequence(why) => CommonError::OutOfSequence(why),
            ErrorKind::LineTooLong { limit } => CommonError::LineTooLong { limit },
            ErrorKind::UnexpectedEof => CommonError::UnexpectedEof,
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::BadCompression => CommonError::BadCompression,
            ErrorKind::TooMuchPipelined { limit } => CommonError::TooMuchPipelined { limit },
            _ => return None,
        })
    }
}

/// The shared failures in Gopher's words.
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        Error::from(match e {
            CommonError::UnsafeArgument => ErrorKind::UnsafeArgument,
            CommonError::OutOfSequence(why) => ErrorKind::OutOfSequence(why),
            CommonError::LineTooLong { limit } => ErrorKind::LineTooLong { limit },
            // Gopher lines may end in a bare LF: never raised here.
            CommonError::BareLf => ErrorKind::InvalidRequest,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::UnexpectedEof,
            CommonError::TooMuchPipelined { limit } => ErrorKind::TooMuchPipelined { limit },
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        })
    }
}

/// A Gopher+ server's error answer (a `--1` or `--2` header, RFC-less
/// Gopher+ §2.3): the outcome of an operation, not an error of the
/// machine.
///
/// ```
/// use sanswire::gopher::Refusal;
/// let r = Refusal::parse(b"1 Item is not available\r\n");
/// assert_eq!(r.code, Some(1));
/// assert_eq!(r.to_string(), "server refused (1): Item is not available");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The Gopher+ error code: 1 not available, 2 try again later, 3 moved.
    pub code: Option<u8>,
    /// The rest of the error text, as sent.
    pub message: Bytes,
}

impl Refusal {
    /// Reads the error body: `CODE text`, lines after the first kept.
    pub fn parse(body: &[u8]) -> Refusal {
        let body = body.trim_ascii_end();
        let (code, message) = match body {
            [d @ b'1'..=b'9', b' ', rest @ ..] => (Some(d - b'0'), rest),
            [d @ b'1'..=b'9'] => (Some(d - b'0'), &[][..]),
            other => (None, other),
        };
        Refusal {
            code,
            message: Bytes::copy_from_slice(message),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("server refused")?;
        if let Some(code) = self.code {
            write!(f, " ({code})")?;
        }
        write!(
            f,
            ": {}",
            alloc::string::String::from_utf8_lossy(&self.message)
        )
    }
}

impl core::error::Error for Refusal {}
