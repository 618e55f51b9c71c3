/// Every size an FTP machine bounds. Crossing one is a typed
/// [`Error`](super::Error), never unbounded memory.
///
/// ```
/// let limits = sanswire::ftp::Limits { max_reply_lines: 100, ..Default::default() };
/// assert_eq!(limits.max_command_line, 4096);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Client: the longest reply line, CRLF included. Default 8192 (STAT
    /// listings and long paths in 257 replies run past RFC 959's lengths).
    pub max_reply_line: usize,
    /// Client: the most lines in one reply (FEAT, STAT, HELP). Default
    /// 10,000.
    pub max_reply_lines: usize,
    /// Server: the longest command line, CRLF included. Default 4096
    /// (paths are long; vsftpd allows 4096 too).
    pub max_command_line: usize,
    /// Server: how many bytes of commands may wait unread while the
    /// application answers an earlier one. Default 64 KiB.
    pub max_pipelined_input: usize,
    /// Listing parsers: the longest listing line kept. Default 64 KiB.
    pub max_listing_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_reply_line: 8192,
            max_reply_lines: 10_000,
            max_command_line: 4096,
            max_pipelined_input: 64 * 1024,
            max_listing_line: 64 * 1024,
        }
    }
}
