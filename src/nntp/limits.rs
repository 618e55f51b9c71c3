//! The bounds both machines keep.

/// Every size the machines accept has a bound here; crossing it is an
/// [`Error`](super::Error), never unbounded memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest command line a server reads, CRLF included (RFC 3977
    /// §3.1: 512 octets; generous for AUTHINFO SASL responses).
    pub max_command_line: usize,
    /// The longest status line a client reads, CRLF included.
    pub max_reply_line: usize,
    /// The longest line of a listing (overview lines with long
    /// References headers are normal), CRLF included.
    pub max_listing_line: usize,
    /// The longest line of an article, either way.
    pub max_article_line: usize,
    /// How many CAPABILITIES lines a client keeps.
    pub max_capabilities: usize,
    /// How many unread bytes a server buffers while the application
    /// answers a command.
    pub max_pipelined_input: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_command_line: 4096,
            max_reply_line: 4096,
            max_listing_line: 256 * 1024,
            max_article_line: 1 << 20,
            max_capabilities: 256,
            max_pipelined_input: 64 * 1024,
        }
    }
}
