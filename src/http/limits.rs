/// Bounds on what the peer may make a machine hold, and the leniencies it
/// may ask for. Every bound crossed is its own [`ErrorKind`](super::ErrorKind).
///
/// Build with struct update syntax so new fields do not break you:
///
/// ```
/// use sanswire::http::{Limits, Server};
/// let server = Server::with_limits(Limits { max_headers: 32, ..Limits::default() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest head (start line, header fields and the blank line).
    /// Default 64 KiB. Crossing it: `HeadTooLarge` (431), or `UriTooLong`
    /// (414) while the request line is still unfinished.
    pub max_head_bytes: usize,
    /// The most header fields in a head (and in a trailer section).
    /// Default 100. Crossing it: `TooManyHeaders` (431).
    pub max_headers: usize,
    /// The longest request target. Default 8 KiB. Crossing it:
    /// `UriTooLong` (414); a request line with no end 256 bytes past it
    /// fails the same way before it is complete.
    pub max_target_bytes: usize,
    /// The longest chunk extension (what follows the size on a chunk-size
    /// line). Default 4 KiB. Crossing it: `ChunkExtensionTooLong` (400).
    pub max_chunk_ext_bytes: usize,
    /// The longest trailer section. Default 16 KiB. Crossing it:
    /// `TrailersTooLarge` (431).
    pub max_trailer_bytes: usize,
    /// The longest body received. Default `None`: bodies are streamed out
    /// as they arrive and never held whole, so there is no need for a bound
    /// unless the application collects them. Crossing it: `BodyTooLarge`
    /// (413), as soon as a `Content-Length` or chunk size announces it.
    pub max_body_bytes: Option<u64>,
    /// Accept lines (heads, chunk sizes, trailers) that end in a bare LF.
    /// Off by default: RFC 9112 §2.2 lets a recipient accept them, but a
    /// peer that disagrees about line ends is a smuggling risk.
    pub allow_bare_lf: bool,
    /// Accept obsolete line folding (obs-fold) in response headers; the
    /// fold is replaced by spaces (RFC 9112 §5.2). Some old servers and
    /// appliances still fold long `Set-Cookie` and `WWW-Authenticate`
    /// values. Never accepted in requests.
    pub allow_obs_fold_in_responses: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_target_bytes: 8 * 1024,
            max_chunk_ext_bytes: 4 * 1024,
            max_trailer_bytes: 16 * 1024,
            max_body_bytes: None,
            allow_bare_lf: false,
            allow_obs_fold_in_responses: false,
        }
    }
}
