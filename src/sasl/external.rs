use super::{Mechanism, SaslError};
use alloc::string::String;
use alloc::vec::Vec;

/// `EXTERNAL` (RFC 4422 Appendix A): the credentials are outside SASL (a
/// TLS client certificate); the initial response is the authorization
/// identity, empty for "the one my credentials give".
///
/// ```
/// use sanswire::sasl::{External, Mechanism};
/// assert_eq!(External::new("me").initial_response().unwrap().unwrap(), b"me");
/// assert_eq!(External::new("").initial_response().unwrap().unwrap(), b"");
/// ```
#[derive(Debug, Clone)]
pub struct External {
    authzid: String,
}

impl External {
    /// Asks for the identity `authzid` (empty: the one the external
    /// credentials establish).
    pub fn new(authzid: impl Into<String>) -> Self {
        External {
            authzid: authzid.into(),
        }
    }
}

impl Mechanism for External {
    fn name(&self) -> &'static str {
        "EXTERNAL"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        if self.authzid.as_bytes().contains(&0) {
            return Err(SaslError::BadCredential);
        }
        Ok(Some(self.authzid.as_bytes().to_vec()))
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        Err(SaslError::UnexpectedChallenge)
    }
}
