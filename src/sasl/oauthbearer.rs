use super::{Mechanism, SaslError};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// `OAUTHBEARER` (RFC 7628): a GS2 header naming the user, then the
/// host, port and `auth=Bearer TOKEN`, each field ended by ^A. On failure
/// the server sends a JSON error as a challenge, answered with a lone ^A
/// (RFC 7628 §3.2.3); the server then sends its failure reply.
///
/// ```
/// use sanswire::sasl::{Mechanism, OAuthBearer};
/// let mut m = OAuthBearer::new("me@example.org", "ya29.t", "imap.example.org", 993);
/// assert_eq!(
///     m.initial_response().unwrap().unwrap(),
///     b"n,a=me@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer ya29.t\x01\x01"
/// );
/// assert_eq!(m.step(b"{\"status\":\"invalid_token\"}").unwrap(), b"\x01");
/// ```
#[derive(Clone)]
pub struct OAuthBearer {
    user: String,
    token: String,
    host: String,
    port: u16,
    answered_error: bool,
}

impl core::fmt::Debug for OAuthBearer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OAuthBearer")
            .field("user", &self.user)
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl OAuthBearer {
    /// Authenticates `user` with an OAuth 2 bearer token, at the server
    /// named `host` on `port` (as the client reached it).
    pub fn new(
        user: impl Into<String>,
        token: impl Into<String>,
        host: impl Into<String>,
        port: u16,
    ) -> Self {
        OAuthBearer {
            user: user.into(),
            token: token.into(),
            host: host.into(),
            port,
            answered_error: false,
        }
    }
}

impl Mechanism for OAuthBearer {
    fn name(&self) -> &'static str {
        "OAUTHBEARER"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        // ^A ends the fields and `,` the GS2 header: neither may hide in
        // one (RFC 5801 would escape `,` in the name as =2C; refuse instead).
        let unsafe_byte = |b: &u8| *b == 1 || *b == 0;
        if self
            .user
            .as_bytes()
            .iter()
            .any(|b| unsafe_byte(b) || *b == b',')
            || self.token.as_bytes().iter().any(unsafe_byte)
            || self.host.as_bytes().iter().any(unsafe_byte)
        {
            return Err(SaslError::BadCredential);
        }
        let m = format!(
            "n,a={},\x01host={}\x01port={}\x01auth=Bearer {}\x01\x01",
            self.user, self.host, self.port, self.token
        );
        Ok(Some(m.into_bytes()))
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if self.answered_error {
            return Err(SaslError::UnexpectedChallenge);
        }
        self.answered_error = true;
        Ok(alloc::vec![1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_in_fields_are_refused() {
        for (user, token, host) in [("a,b", "t", "h"), ("a", "t\x01", "h"), ("a", "t", "h\0")] {
            let mut m = OAuthBearer::new(user, token, host, 1);
            assert_eq!(m.initial_response(), Err(SaslError::BadCredential));
        }
    }

    #[test]
    fn only_one_error_challenge_is_answered() {
        let mut m = OAuthBearer::new("u", "t", "h", 1);
        assert_eq!(m.step(b"{}").unwrap(), b"\x01");
        assert_eq!(m.step(b"{}"), Err(SaslError::UnexpectedChallenge));
    }
}
