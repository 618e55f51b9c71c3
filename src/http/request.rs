use super::headers::{Headers, Lossy};
use alloc::boxed::Box;
use bytes::Bytes;
use core::fmt;
use core::ops::Range;

/// The HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Version {
    /// HTTP/1.0: connections close after each exchange unless both sides
    /// say `Connection: keep-alive`; no chunked encoding.
    Http10,
    /// HTTP/1.1, the default.
    #[default]
    Http11,
}

impl Version {
    /// The version as it appears on the wire: `HTTP/1.1`.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Version::Http10 => b"HTTP/1.0",
            Version::Http11 => b"HTTP/1.1",
        }
    }

    pub(crate) fn from_minor(minor: u8) -> Self {
        if minor == 0 {
            Version::Http10
        } else {
            Version::Http11
        }
    }
}

/// A request head: method, target, version and header fields.
///
/// Received requests hold slices of the receive buffer, not copies.
///
/// ```
/// use sanswire::http::{Request, Version};
/// let req = Request::new("POST", "/upload")
///     .with_header("Host", "example.org")
///     .with_header("Content-Length", "5");
/// assert_eq!(req.method(), b"POST");
/// assert_eq!(req.version(), Version::Http11);
/// assert_eq!(req.headers().get("host"), Some(&b"example.org"[..]));
/// ```
#[derive(Clone)]
pub struct Request {
    line: Line,
    version: Version,
    headers: Headers,
}

/// The method and the target: where they lie in the received head (no
/// reference count of their own, so a received request takes one count on
/// the receive buffer, not three), or the caller's bytes. The caller's are
/// behind one pointer so that a received request, which the server moves
/// on every message, fits in 128 bytes (the size up to which a move is
/// inline stores rather than a `memcpy` call).
#[derive(Clone)]
enum Line {
    At {
        method: (u32, u32),
        target: (u32, u32),
    },
    Own(Box<[Bytes; 2]>),
}

impl Line {
    fn method<'a>(&'a self, headers: &'a Headers) -> &'a [u8] {
        match self {
            Line::At { method, .. } => &headers.head()[method.0 as usize..method.1 as usize],
            Line::Own(parts) => &parts[0],
        }
    }

    fn target<'a>(&'a self, headers: &'a Headers) -> &'a [u8] {
        match self {
            Line::At { target, .. } => &headers.head()[target.0 as usize..target.1 as usize],
            Line::Own(parts) => &parts[1],
        }
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        self.method() == other.method()
            && self.target() == other.target()
            && self.version == other.version
            && self.headers == other.headers
    }
}

impl Eq for Request {}

impl Request {
    /// An HTTP/1.1 request with no header fields.
    pub fn new(method: impl Into<Bytes>, target: impl Into<Bytes>) -> Self {
        Request {
            line: Line::Own(Box::new([method.into(), target.into()])),
            version: Version::Http11,
            headers: Headers::new(),
        }
    }

    /// An empty request for the parser to fill in.
    pub(crate) fn received() -> Self {
        Request {
            line: Line::At {
                method: (0, 0),
                target: (0, 0),
            },
            version: Version::Http11,
            headers: Headers::new(),
        }
    }

    /// Sets the request line of a received request: where its method and
    /// target lie in the head the headers point into.
    pub(crate) fn set_line(
        &mut self,
        method: Range<usize>,
        target: Range<usize>,
        version: Version,
    ) {
        self.line = Line::At {
            method: (method.start as u32, method.end as u32),
            target: (target.start as u32, target.end as u32),
        };
        self.version = version;
    }

    /// A `GET` request for `target`. HTTP/1.1 requires a `Host` field
    /// (RFC 9112 §3.2): add one with [`with_header`](Self::with_header);
    /// servers, ours included, refuse requests without it.
    pub fn get(target: impl Into<Bytes>) -> Self {
        Self::new(Bytes::from_static(b"GET"), target)
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

    /// The method, as sent (methods are case-sensitive).
    pub fn method(&self) -> &[u8] {
        self.line.method(&self.headers)
    }

    /// The request target (`/path?query`, an absolute URI, `host:port` for
    /// `CONNECT`, or `*`).
    pub fn target(&self) -> &[u8] {
        self.line.target(&self.headers)
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
        // The caller may replace the received head: let the method and
        // target hold the bytes themselves first.
        if let Line::At { method, target } = self.line {
            let head = self.headers.head();
            let part = |(start, end): (u32, u32)| head.slice(start as usize..end as usize);
            self.line = Line::Own(Box::new([part(method), part(target)]));
        }
        &mut self.headers
    }

    /// The header fields, for the parser to fill in (the request line is
    /// set after them, with [`set_line`](Self::set_line)).
    pub(crate) fn received_headers(&mut self) -> &mut Headers {
        &mut self.headers
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &Lossy(self.method()))
            .field("target", &Lossy(self.target()))
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}
