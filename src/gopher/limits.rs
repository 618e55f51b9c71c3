/// Every size a Gopher machine bounds. Crossing one is a typed
/// [`Error`](super::Error), never unbounded memory.
///
/// ```
/// let limits = sanswire::gopher::Limits { max_request_line: 1024, ..Default::default() };
/// assert_eq!(limits.max_menu_line, 16 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Server: the longest request line (selector, query, Gopher+ string),
    /// line ending included. Default 4096: RFC 1436 caps selectors at 255
    /// characters, but search queries and gophernicus' selectors run
    /// longer.
    pub max_request_line: usize,
    /// Client: the longest menu line or Gopher+ header line, ending
    /// included. Default 16 KiB.
    pub max_menu_line: usize,
    /// Client operations that collect a menu: the most items kept.
    /// Default 1,000,000.
    pub max_menu_items: usize,
    /// Client operations that collect a whole response (text, binary,
    /// attributes) into memory: the most bytes kept. Default 64 MiB.
    pub max_collected: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_line: 4096,
            max_menu_line: 16 * 1024,
            max_menu_items: 1_000_000,
            max_collected: 64 << 20,
        }
    }
}
