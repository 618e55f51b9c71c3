/// Every size a Telnet machine bounds. Crossing one is a typed
/// [`Error`](super::Error), never unbounded memory.
///
/// ```
/// let limits = sanswire::telnet::Limits { max_subnegotiation: 1024, ..Default::default() };
/// assert_eq!(limits.max_terminal_types, 16);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest subnegotiation payload accepted (between `IAC SB
    /// option` and `IAC SE`, escapes counted as received). The payload
    /// waits in the receive buffer until it is complete, so this bounds
    /// the buffer. Default 64 KiB: GMCP room and inventory messages of
    /// real MUDs run to a few KiB, MSSP listings to about one.
    pub max_subnegotiation: usize,
    /// The most terminal types a client offers in its TTYPE cycle.
    /// Default 16.
    pub max_terminal_types: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_subnegotiation: 64 * 1024,
            max_terminal_types: 16,
        }
    }
}
