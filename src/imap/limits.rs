/// Every size an IMAP machine bounds. Crossing one is a typed
/// [`Error`](super::Error) (or, for a literal a server refuses, a tagged
/// `NO [TOOBIG]`), never unbounded memory.
///
/// ```
/// let limits = sanswire::imap::Limits { max_literal: 1 << 20, ..Default::default() };
/// assert_eq!(limits.max_depth, 16);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest line between literals, CRLF included. Default 4 MiB
    /// for a client (a SEARCH of a large mailbox is one line: Gmail sends
    /// hundreds of thousands of UIDs), 64 KiB for a server
    /// ([`Limits::server`]; Dovecot refuses command lines over 64 KiB).
    /// RFC 9051 §4 sets no limit.
    pub max_line: usize,
    /// The largest literal accepted, checked when it is announced, before
    /// anything is reserved for it (CPython gh-119511). Default 64 MiB for
    /// a client (message bodies), see [`Limits::server`] for a server.
    pub max_literal: u64,
    /// The most literals in one message. Default 1024.
    pub max_literals: usize,
    /// The deepest nesting of parenthesised lists (BODYSTRUCTURE, SEARCH
    /// keys). Default 16.
    pub max_depth: usize,
    /// The most elements of one list (flags, SEARCH results are counted
    /// separately). Default 100,000.
    pub max_list_items: usize,
    /// The most numbers in one SEARCH or ESEARCH result. Default 10,000,000.
    pub max_search_results: usize,
    /// Server: how many bytes of pipelined commands may wait unread.
    /// Default 1 MiB.
    pub max_pipelined_input: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 4 << 20,
            max_literal: 64 << 20,
            max_literals: 1024,
            max_depth: 16,
            max_list_items: 100_000,
            max_search_results: 10_000_000,
            max_pipelined_input: 1 << 20,
        }
    }
}

impl Limits {
    /// A server's defaults: lines up to 64 KiB, literals (APPEND
    /// messages, LOGIN strings) up to 32 MiB.
    pub fn server() -> Self {
        Limits {
            max_line: 64 * 1024,
            max_literal: 32 << 20,
            ..Limits::default()
        }
    }
}
