use crate::wire::{CommonError, Fault, ProtocolError};
use core::fmt;

/// What went wrong, one variant per rule.
///
/// Variants for the peer's faults ([`Fault::Remote`]) come with the status
/// a server should answer (see [`Error::reply_hint`]); variants for the
/// caller's faults ([`Fault::Local`]) come from `send_*` calls.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- limits ----
    /// The head (start line and header section) is longer than
    /// [`Limits::max_head_bytes`](super::Limits::max_head_bytes). 431.
    HeadTooLarge,
    /// The request line or its target is longer than
    /// [`Limits::max_target_bytes`](super::Limits::max_target_bytes) allows. 414.
    UriTooLong,
    /// More header fields than [`Limits::max_headers`](super::Limits::max_headers). 431.
    TooManyHeaders,
    /// A chunk extension longer than
    /// [`Limits::max_chunk_ext_bytes`](super::Limits::max_chunk_ext_bytes). 400.
    ChunkExtensionTooLong,
    /// A trailer section longer than
    /// [`Limits::max_trailer_bytes`](super::Limits::max_trailer_bytes). 431.
    TrailersTooLarge,
    /// A body longer than [`Limits::max_body_bytes`](super::Limits::max_body_bytes). 413.
    BodyTooLarge,

    // ---- the head ----
    /// A line ended in a bare LF, without CR (see
    /// [`Limits::allow_bare_lf`](super::Limits::allow_bare_lf)). 400.
    BareLf,
    /// A CR not followed by LF. 400.
    BareCr,
    /// The request line is malformed (method, spaces, target). 400.
    InvalidRequestLine,
    /// The status line is malformed.
    InvalidStatusLine,
    /// An HTTP version other than 1.0 and 1.1. 505.
    UnsupportedVersion,
    /// A header name with a character a token does not allow, or no colon. 400.
    InvalidHeaderName,
    /// Whitespace between a header name and its colon (RFC 9112 §5.1). 400.
    WhitespaceBeforeColon,
    /// A header line folded onto the next line (obs-fold, RFC 9112 §5.2);
    /// refused in requests, and in responses unless
    /// [`Limits::allow_obs_fold_in_responses`](super::Limits::allow_obs_fold_in_responses). 400.
    ObsFold,
    /// NUL or another control character in a header value. 400.
    CtlInHeaderValue,
    /// An HTTP/1.1 request without exactly one `Host` header (RFC 9112 §3.2). 400.
    InvalidHost,

    // ---- framing (request smuggling) ----
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3). 400.
    ContentLengthWithTransferEncoding,
    /// `Content-Length` values that differ. 400.
    ConflictingContentLength,
    /// A `Content-Length` that is not a decimal number (or overflows). 400.
    InvalidContentLength,
    /// A request `Transfer-Encoding` whose final coding is not `chunked`. 501.
    UnsupportedTransferCoding,
    /// `chunked` applied twice or not last, or an empty coding list. 400.
    InvalidTransferEncoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1). 400.
    TransferEncodingInHttp10,
    /// A chunk size that is not hexadecimal digits, has a `0x` prefix or
    /// whitespace around it. 400.
    InvalidChunkSize,
    /// A chunk size too large for 64 bits. 400.
    ChunkSizeOverflow,
    /// A chunk extension with forbidden characters. 400.
    InvalidChunkExtension,
    /// Chunk data not followed by CRLF (h11's CVE-2025-43859). 400.
    MissingCrlfAfterChunk,
    /// A malformed trailer section. 400.
    InvalidTrailers,
    /// The stream ended in the middle of a message. 400.
    IncompleteMessage,
    /// The server sent a response with no request waiting for one.
    UnsolicitedResponse,
    /// `101 Switching Protocols` to a request that did not ask to upgrade.
    UnexpectedSwitchingProtocols,
    /// The peer stayed silent longer than the machine's timeout
    /// ([`Machine::set_timeout`](crate::wire::Machine::set_timeout)). 408
    /// when it was in the middle of a request.
    TimedOut,
    /// Bytes arrived behind a TLS go-ahead, before the handshake (not
    /// raised by HTTP/1.1 itself, which has no in-band upgrade to TLS;
    /// here so that every protocol can name the shared failure).
    PlaintextAfterUpgrade,
    /// The peer's compressed stream is corrupt (not raised by HTTP/1.1
    /// itself, whose content codings are the application's).
    BadCompression,

    // ---- the caller's mistakes (Fault::Local) ----
    /// A method, target, header name, header value or reason phrase that
    /// holds CR, LF, NUL, another control character, or a character its
    /// grammar forbids. Nothing was sent.
    InvalidArgument,
    /// A status code outside 100..=999. Nothing was sent.
    InvalidStatus,
    /// Header fields that frame the body in a way we refuse to send (both
    /// `Content-Length` and `Transfer-Encoding`, a final coding other than
    /// `chunked`, chunked to HTTP/1.0, a framing header on 1xx or 204, ...).
    InvalidFraming,
    /// A call out of sequence: a response with no request to answer, data
    /// with no body in progress, a new request before the last body ended.
    OutOfSequence,
    /// Data for a message that has no body (HEAD responses, 204, 304, a
    /// request without `Content-Length` or `Transfer-Encoding`).
    BodyNotAllowed,
    /// More body than `Content-Length` announced, or less at `send_end`.
    BodyLengthMismatch,
    /// Trailers given for a body that is not chunked.
    TrailersNotAllowed,
    /// The connection is closing (`Connection: close` was sent or
    /// received, or it was handed off); nothing more can be sent.
    ConnectionClosing,
}

impl ErrorKind {
    /// Who is at fault for errors of this kind.
    pub fn fault(self) -> Fault {
        use ErrorKind::*;
        match self {
            InvalidArgument | InvalidStatus | InvalidFraming | OutOfSequence | BodyNotAllowed
            | BodyLengthMismatch | TrailersNotAllowed | ConnectionClosing => Fault::Local,
            _ => Fault::Remote,
        }
    }

    /// The status a server should answer with for this kind, if any.
    pub fn reply_hint(self) -> Option<u16> {
        use ErrorKind::*;
        Some(match self {
            HeadTooLarge | TooManyHeaders | TrailersTooLarge => 431,
            UriTooLong => 414,
            BodyTooLarge => 413,
            UnsupportedVersion => 505,
            UnsupportedTransferCoding => 501,
            TimedOut => 408,
            InvalidStatusLine | UnsolicitedResponse | UnexpectedSwitchingProtocols => return None,
            k if k.fault() == Fault::Local => return None,
            _ => 400,
        })
    }

    fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            HeadTooLarge => "message head too large",
            UriTooLong => "request target too long",
            TooManyHeaders => "too many header fields",
            ChunkExtensionTooLong => "chunk extension too long",
            TrailersTooLarge => "trailer section too large",
            BodyTooLarge => "message body too large",
            BareLf => "line ended in a bare LF",
            BareCr => "bare CR",
            InvalidRequestLine => "malformed request line",
            InvalidStatusLine => "malformed status line",
            UnsupportedVersion => "unsupported HTTP version",
            InvalidHeaderName => "invalid header name",
            WhitespaceBeforeColon => "whitespace between header name and colon",
            ObsFold => "obsolete line folding in a header",
            CtlInHeaderValue => "control character in a header value",
            InvalidHost => "HTTP/1.1 request without exactly one Host header",
            ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
            ConflictingContentLength => "conflicting Content-Length values",
            InvalidContentLength => "invalid Content-Length",
            UnsupportedTransferCoding => "final transfer coding is not chunked",
            InvalidTransferEncoding => "invalid Transfer-Encoding",
            TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
            InvalidChunkSize => "invalid chunk size",
            ChunkSizeOverflow => "chunk size overflows",
            InvalidChunkExtension => "invalid chunk extension",
            MissingCrlfAfterChunk => "chunk data not followed by CRLF",
            InvalidTrailers => "malformed trailer section",
            IncompleteMessage => "connection closed in the middle of a message",
            UnsolicitedResponse => "response with no request outstanding",
            UnexpectedSwitchingProtocols => "101 Switching Protocols without an Upgrade request",
            InvalidArgument => "argument with a forbidden character",
            InvalidStatus => "status code outside 100..=999",
            InvalidFraming => "body framing headers that cannot be sent",
            OutOfSequence => "call out of sequence",
            BodyNotAllowed => "this message has no body",
            BodyLengthMismatch => "body length differs from Content-Length",
            TrailersNotAllowed => "trailers need a chunked body",
            ConnectionClosing => "the connection is closing",
            TimedOut => "the peer stayed silent too long",
            PlaintextAfterUpgrade => "plaintext received behind the TLS go-ahead",
            BadCompression => "corrupt compressed stream from the peer",
        }
    }
}

/// An HTTP error: what rule was broken ([`kind`](Self::kind)), by whom
/// ([`fault`](ProtocolError::fault)), and what a server should answer
/// ([`reply_hint`](ProtocolError::reply_hint)).
///
/// # Errors from the peer ([`Fault::Remote`])
///
/// They come from `poll_event` and are sticky: every later poll returns
/// the same error, the machine reads nothing more, and the connection
/// must be closed ([`Machine::is_closed`](crate::wire::Machine::is_closed)
/// turns true). A [`Server`](super::Server) that was not in the middle of
/// a response has queued its last words already: a bare response with the
/// hint as its status (400, 408, 413, 414, 431, 501 or 505) and
/// `Connection: close`. The drivers send it before they report the error.
///
/// ```
/// use sanswire::http::{ErrorKind, Server};
/// use sanswire::wire::{Machine, ProtocolError};
/// let mut server = Server::new();
/// server.receive(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n");
/// let err = server.poll_event().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::ConflictingContentLength);
/// assert_eq!(err.reply_hint(), Some(400));
/// assert_eq!(server.outbox().take_vec(),
///     b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
/// assert!(server.is_closed());
/// ```
///
/// # Errors of the caller ([`Fault::Local`])
///
/// They come from `send_*` calls, which then wrote nothing and changed
/// nothing: the machine goes on as if the call had not been made.
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

    /// Who broke it (the same as [`ProtocolError::fault`]).
    pub fn fault(&self) -> Fault {
        self.kind.fault()
    }

    /// The status a server should answer before it closes (the same as
    /// [`ProtocolError::reply_hint`]).
    pub fn reply_hint(&self) -> Option<u16> {
        self.kind.reply_hint()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} error: {}", self.fault(), self.kind.describe())
    }
}

impl core::error::Error for Error {}

impl ProtocolError for Error {
    fn fault(&self) -> Fault {
        Error::fault(self)
    }

    fn reply_hint(&self) -> Option<u16> {
        Error::reply_hint(self)
    }

    fn common(&self) -> Option<CommonError> {
        Some(match self.kind {
            ErrorKind::TimedOut => CommonError::TimedOut,
            ErrorKind::PlaintextAfterUpgrade => CommonError::PlaintextAfterUpgrade,
            ErrorKind::BadCompression => CommonError::BadCompression,
            ErrorKind::BareLf => CommonError::BareLf,
            ErrorKind::IncompleteMessage => CommonError::UnexpectedEof,
            ErrorKind::OutOfSequence => CommonError::OutOfSequence("HTTP"),
            _ => return None,
        })
    }
}

/// The shared failures in HTTP's own words.
impl From<CommonError> for Error {
    fn from(e: CommonError) -> Self {
        Error::new(match e {
            CommonError::UnsafeArgument => ErrorKind::InvalidArgument,
            CommonError::OutOfSequence(_) => ErrorKind::OutOfSequence,
            CommonError::LineTooLong { .. } | CommonError::TooMuchPipelined { .. } => {
                ErrorKind::HeadTooLarge
            }
            CommonError::BareLf => ErrorKind::BareLf,
            CommonError::PlaintextAfterUpgrade => ErrorKind::PlaintextAfterUpgrade,
            CommonError::UnexpectedEof => ErrorKind::IncompleteMessage,
            CommonError::TimedOut => ErrorKind::TimedOut,
            CommonError::BadCompression => ErrorKind::BadCompression,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_the_rule() {
        use ErrorKind::*;
        let cases = [
            (HeadTooLarge, Some(431)),
            (TooManyHeaders, Some(431)),
            (TrailersTooLarge, Some(431)),
            (UriTooLong, Some(414)),
            (BodyTooLarge, Some(413)),
            (ChunkExtensionTooLong, Some(400)),
            (UnsupportedTransferCoding, Some(501)),
            (UnsupportedVersion, Some(505)),
            (ContentLengthWithTransferEncoding, Some(400)),
            (MissingCrlfAfterChunk, Some(400)),
            (InvalidStatusLine, None),
            (InvalidArgument, None),
        ];
        for (kind, hint) in cases {
            assert_eq!(Error::new(kind).reply_hint(), hint, "{kind:?}");
        }
        assert_eq!(Error::new(BareLf).fault(), Fault::Remote);
        assert_eq!(Error::new(OutOfSequence).fault(), Fault::Local);
        assert_eq!(
            alloc::format!("{}", Error::new(ConflictingContentLength)),
            "HTTP peer error: conflicting Content-Length values"
        );
    }
}
