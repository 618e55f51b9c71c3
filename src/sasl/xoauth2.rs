use super::{Mechanism, SaslError};
use alloc::string::String;
use alloc::vec::Vec;

/// `XOAUTH2` (Google, Microsoft): `user=U ^A auth=Bearer T ^A ^A` as the
/// initial response. On failure the server sends a JSON error as a
/// challenge, which is answered with an empty response; the server then
/// sends its failure reply.
///
/// ```
/// use sanswire::sasl::{Mechanism, XOAuth2};
/// let mut m = XOAuth2::new("me@example.org", "ya29.t");
/// assert_eq!(
///     m.initial_response().unwrap().unwrap(),
///     b"user=me@example.org\x01auth=Bearer ya29.t\x01\x01"
/// );
/// assert_eq!(m.step(b"{\"status\":\"401\"}").unwrap(), b"");
/// ```
#[derive(Clone)]
pub struct XOAuth2 {
    user: String,
    token: String,
    answered_error: bool,
}

impl core::fmt::Debug for XOAuth2 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("XOAuth2")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl XOAuth2 {
    /// Authenticates `user` with an OAuth 2 bearer token.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        XOAuth2 {
            user: user.into(),
            token: token.into(),
            answered_error: false,
        }
    }
}

impl Mechanism for XOAuth2 {
    fn name(&self) -> &'static str {
        "XOAUTH2"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        // ^A separates the fields, so it must not hide inside one.
        if (self.user.as_bytes().iter())
            .chain(self.token.as_bytes())
            .any(|&b| b == 1 || b == 0)
        {
            return Err(SaslError::BadCredential);
        }
        let mut m = Vec::with_capacity(self.user.len() + self.token.len() + 22);
        m.extend_from_slice(b"user=");
        m.extend_from_slice(self.user.as_bytes());
        m.extend_from_slice(b"\x01auth=Bearer ");
        m.extend_from_slice(self.token.as_bytes());
        m.extend_from_slice(b"\x01\x01");
        Ok(Some(m))
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if self.answered_error {
            return Err(SaslError::UnexpectedChallenge);
        }
        self.answered_error = true;
        Ok(Vec::new())
    }
}
