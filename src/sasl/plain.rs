use super::{Mechanism, SaslError};
use alloc::string::String;
use alloc::vec::Vec;

/// `PLAIN` (RFC 4616): `authzid NUL user NUL pass`, sent as the initial
/// response. Use it only over TLS: the password travels as is.
///
/// ```
/// use sanswire::sasl::{Mechanism, Plain};
/// let mut m = Plain::new("tim", "tanstaaf");
/// assert_eq!(m.initial_response().unwrap().unwrap(), b"\0tim\0tanstaaf");
/// ```
#[derive(Clone)]
pub struct Plain {
    authzid: String,
    user: String,
    pass: String,
    sent: bool,
}

impl core::fmt::Debug for Plain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Plain")
            .field("authzid", &self.authzid)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Plain {
    /// Authenticates as `user`, acting as `user`.
    pub fn new(user: impl Into<String>, pass: impl Into<String>) -> Self {
        Self::with_authzid("", user, pass)
    }

    /// Authenticates as `user`, asking to act as `authzid` (empty: as
    /// `user`).
    pub fn with_authzid(
        authzid: impl Into<String>,
        user: impl Into<String>,
        pass: impl Into<String>,
    ) -> Self {
        Plain {
            authzid: authzid.into(),
            user: user.into(),
            pass: pass.into(),
            sent: false,
        }
    }

    fn message(&self) -> Result<Vec<u8>, SaslError> {
        let parts = [&self.authzid, &self.user, &self.pass];
        if parts.iter().any(|p| p.as_bytes().contains(&0)) {
            return Err(SaslError::BadCredential);
        }
        let mut m = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        m.extend_from_slice(self.authzid.as_bytes());
        m.push(0);
        m.extend_from_slice(self.user.as_bytes());
        m.push(0);
        m.extend_from_slice(self.pass.as_bytes());
        Ok(m)
    }
}

impl Mechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        let m = self.message()?;
        self.sent = true;
        Ok(Some(m))
    }

    /// Answers the empty challenge of a protocol (or server) that takes no
    /// initial response; anything else is unexpected.
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if self.sent || !challenge.is_empty() {
            return Err(SaslError::UnexpectedChallenge);
        }
        self.sent = true;
        self.message()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4616_examples() {
        // RFC 4616 §4: "\0tim\0tanstaaftanstaaf" and with authzid "Ursel".
        let mut m = Plain::new("tim", "tanstaaftanstaaf");
        assert_eq!(
            m.initial_response().unwrap().unwrap(),
            b"\0tim\0tanstaaftanstaaf"
        );
        assert_eq!(m.step(b""), Err(SaslError::UnexpectedChallenge));
        let mut m = Plain::with_authzid("Ursel", "Kurt", "xipj3plmq");
        assert_eq!(
            m.initial_response().unwrap().unwrap(),
            b"Ursel\0Kurt\0xipj3plmq"
        );
    }

    #[test]
    fn empty_challenge_without_initial_response() {
        let mut m = Plain::new("a", "b");
        assert_eq!(m.step(b"").unwrap(), b"\0a\0b");
        assert!(m.step(b"").is_err());
        assert!(Plain::new("a", "b").step(b"x").is_err());
    }

    #[test]
    fn nul_is_refused() {
        let mut m = Plain::new("a\0b", "c");
        assert_eq!(m.initial_response(), Err(SaslError::BadCredential));
    }
}
