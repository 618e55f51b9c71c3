/// Every bound the SMTP machines enforce, with RFC-based defaults.
///
/// The same type serves both roles; each field says which role uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Server: the longest command line, CRLF included (RFC 5321
    /// §4.5.3.1.4: 512). A longer line is skipped and answered with `500`.
    pub command_line: usize,
    /// Server: the longest line of message text in DATA, CRLF included
    /// (RFC 5321 §4.5.3.1.6: 1000). A longer line ends the session with
    /// `500` (the stream cannot be resynchronised safely mid-message).
    pub text_line: usize,
    /// Server: the largest message accepted, in octets (advertised with
    /// `SIZE`); bigger ones are read to their end and refused with `552`.
    pub message_size: u64,
    /// Server: the most recipients per transaction (RFC 5321 §4.5.3.1.8:
    /// at least 100); more are refused with `452`.
    pub recipients: usize,
    /// Server: the longest line of an AUTH exchange, CRLF included
    /// (RFC 4954 §4: 12288).
    pub auth_line: usize,
    /// Client: the longest reply line accepted, CRLF included. RFC 5321
    /// says 512; real servers send longer texts, so the default is 2048.
    pub reply_line: usize,
    /// Client: the most lines in one reply (an EHLO reply is the longest).
    pub reply_lines: usize,
    /// Client: the largest BDAT chunk sent at once.
    pub bdat_chunk: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            command_line: 512,
            text_line: 1000,
            message_size: 25 * 1024 * 1024,
            recipients: 100,
            auth_line: 12288,
            reply_line: 2048,
            reply_lines: 128,
            bdat_chunk: 1024 * 1024,
        }
    }
}
