//! SASL (RFC 4422) client mechanisms, shared by SMTP, POP3, IMAP and NNTP.
//!
//! A mechanism is a small state machine of its own: it produces the
//! client's first message (the initial response, where the mechanism has
//! one) and then each next message from the server's challenge. Protocols
//! carry the messages in their own syntax (base64 on `334`/`+` lines); the
//! mechanisms here see raw, decoded bytes.

use alloc::vec::Vec;
use core::fmt;

/// Why a SASL exchange cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslError {
    /// The server sent a challenge the mechanism cannot answer.
    UnexpectedChallenge,
    /// The server's challenge was not valid base64.
    BadBase64,
    /// A credential holds a byte the mechanism cannot carry (NUL in PLAIN).
    BadCredential,
}

impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SaslError::UnexpectedChallenge => "unexpected SASL challenge",
            SaslError::BadBase64 => "SASL challenge is not base64",
            SaslError::BadCredential => "credential cannot be carried by this SASL mechanism",
        })
    }
}

impl core::error::Error for SaslError {}

/// One client-side SASL mechanism.
pub trait Mechanism {
    /// The registered name (`PLAIN`, `LOGIN`, `CRAM-MD5`, `XOAUTH2`).
    fn name(&self) -> &'static str;

    /// The initial response, for mechanisms that send one with the AUTH
    /// command (RFC 4954 §4); `None` where the server speaks first.
    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError>;

    /// The next client message, given the server's (decoded) challenge.
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError>;
}
