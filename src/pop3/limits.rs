/// The longest command line RFC 2449 §4 allows, CRLF included.
pub const MAX_COMMAND_LINE: usize = 255;

/// Every size a POP3 machine bounds. Crossing one is a typed
/// [`Error`](super::Error), never unbounded memory.
///
/// ```
/// let limits = sanswire::pop3::Limits { max_listing_entries: 10_000, ..Default::default() };
/// assert_eq!(limits.max_command_line, 255);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Server: the longest command line accepted, CRLF included.
    /// Default 255 (RFC 2449 §4).
    pub max_command_line: usize,
    /// Client: the longest status line or listing line accepted, CRLF
    /// included. Default 4096: RFC 2449 says 512, but greetings and
    /// IMPLEMENTATION lines of real servers run longer.
    pub max_response_line: usize,
    /// Both roles: the longest SASL line (a `+ ` challenge or a client
    /// response), CRLF included. Default 12288: RFC 5034 does not subject
    /// the exchange to the 255-octet limit, and Kerberos tickets are large.
    pub max_sasl_line: usize,
    /// Client: the longest line of a message (RETR, TOP), CRLF included.
    /// The content is streamed out as it arrives, so this bounds nothing
    /// in memory; it stops a peer that never ends a line. Default 1 MiB:
    /// RFC 5322 says 998, real mail (unwrapped base64, HTML) is longer.
    pub max_message_line: usize,
    /// Client: the most entries in a LIST, UIDL or CAPA listing, which are
    /// collected before they are handed out. Default 1,000,000.
    pub max_listing_entries: usize,
    /// Server: how many bytes of pipelined commands may wait unread while
    /// the application answers an earlier one. Default 64 KiB (about 250
    /// full-length commands; a `RETR 1` .. `RETR 5000` burst is 50 KiB).
    pub max_pipelined_input: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_command_line: MAX_COMMAND_LINE,
            max_response_line: 4096,
            max_sasl_line: 12288,
            max_message_line: 1 << 20,
            max_listing_entries: 1_000_000,
            max_pipelined_input: 64 * 1024,
        }
    }
}
