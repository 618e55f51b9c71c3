use super::headers::{Headers, Lossy};
use super::request::Version;
use bytes::Bytes;
use core::fmt;

/// A response head: version, status, reason phrase and header fields.
///
/// ```
/// use sanswire::http::Response;
/// let resp = Response::new(404).with_header("Content-Length", "0");
/// assert_eq!(resp.status(), 404);
/// assert_eq!(resp.reason(), b""); // "Not Found" is filled in when sent
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    reason: Bytes,
    version: Version,
    headers: Headers,
}

impl Response {
    /// An HTTP/1.1 response with no header fields and no reason phrase;
    /// the canonical phrase ([`canonical_reason`]) is sent if none is set.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            reason: Bytes::new(),
            version: Version::Http11,
            headers: Headers::new(),
        }
    }

    pub(crate) fn from_parts(
        status: u16,
        reason: Bytes,
        version: Version,
        headers: Headers,
    ) -> Self {
        Response {
            status,
            reason,
            version,
            headers,
        }
    }

    /// Sets the reason phrase.
    pub fn with_reason(mut self, reason: impl Into<Bytes>) -> Self {
        self.reason = reason.into();
        self
    }

    /// Adds a header field.
    pub fn with_header(mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        self.headers.push(name, value);
        self
    }

    /// Sets the version.
    pub fn with_version(mut self, v: Version) -> Self {
        self.version = v;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (empty if the peer sent none, or if none was set).
    pub fn reason(&self) -> &[u8] {
        &self.reason
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, to add to them.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// Whether the status is informational (1xx).
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("reason", &Lossy(&self.reason))
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

/// The status codes with a reason phrase in RFC 9110: one table for
/// [`canonical_reason`] and for the whole HTTP/1.1 status lines, which are
/// built when compiling so that answering with one is a single copy.
macro_rules! statuses {
    ($($code:literal => $reason:literal,)*) => {
        /// The reason phrase RFC 9110 gives a status code, if it has one.
        ///
        /// ```
        /// assert_eq!(sanswire::http::canonical_reason(404), Some("Not Found"));
        /// assert_eq!(sanswire::http::canonical_reason(299), None);
        /// ```
        pub fn canonical_reason(status: u16) -> Option<&'static str> {
            Some(match status {
                $($code => $reason,)*
                _ => return None,
            })
        }

        /// `HTTP/1.1 <status> <canonical reason>` and the blank line after
        /// it (a head with no fields); without the last CRLF for one with
        /// fields.
        pub(crate) fn canonical_status_head_11(status: u16) -> Option<&'static [u8]> {
            Some(match status {
                $($code => concat!("HTTP/1.1 ", $code, " ", $reason, "\r\n\r\n").as_bytes(),)*
                _ => return None,
            })
        }
    };
}

statuses! {
    100 => "Continue",
    101 => "Switching Protocols",
    103 => "Early Hints",
    200 => "OK",
    201 => "Created",
    202 => "Accepted",
    203 => "Non-Authoritative Information",
    204 => "No Content",
    205 => "Reset Content",
    206 => "Partial Content",
    300 => "Multiple Choices",
    301 => "Moved Permanently",
    302 => "Found",
    303 => "See Other",
    304 => "Not Modified",
    307 => "Temporary Redirect",
    308 => "Permanent Redirect",
    400 => "Bad Request",
    401 => "Unauthorized",
    402 => "Payment Required",
    403 => "Forbidden",
    404 => "Not Found",
    405 => "Method Not Allowed",
    406 => "Not Acceptable",
    407 => "Proxy Authentication Required",
    408 => "Request Timeout",
    409 => "Conflict",
    410 => "Gone",
    411 => "Length Required",
    412 => "Precondition Failed",
    413 => "Content Too Large",
    414 => "URI Too Long",
    415 => "Unsupported Media Type",
    416 => "Range Not Satisfiable",
    417 => "Expectation Failed",
    421 => "Misdirected Request",
    422 => "Unprocessable Content",
    426 => "Upgrade Required",
    428 => "Precondition Required",
    429 => "Too Many Requests",
    431 => "Request Header Fields Too Large",
    500 => "Internal Server Error",
    501 => "Not Implemented",
    502 => "Bad Gateway",
    503 => "Service Unavailable",
    504 => "Gateway Timeout",
    505 => "HTTP Version Not Supported",
}
