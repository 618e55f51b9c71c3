use super::{Mechanism, SaslError};
use alloc::string::String;
use alloc::vec::Vec;
use hmac::{Hmac, Mac};
use md5::Md5;

/// `CRAM-MD5` (RFC 2195): the answer to the server's challenge is the user
/// name, a space and the hex HMAC-MD5 of the challenge keyed with the
/// secret. The secret never travels.
///
/// ```
/// use sanswire::sasl::{CramMd5, Mechanism};
/// let mut m = CramMd5::new("tim", "tanstaaftanstaaf");
/// let answer = m.step(b"<1896.697170952@postoffice.reston.mci.net>").unwrap();
/// assert_eq!(answer, b"tim b913a602c7eda7a495b4e6e7334d3890");
/// ```
#[derive(Clone)]
pub struct CramMd5 {
    user: String,
    secret: String,
    answered: bool,
}

impl core::fmt::Debug for CramMd5 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CramMd5")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl CramMd5 {
    /// Authenticates `user` with the shared `secret`.
    pub fn new(user: impl Into<String>, secret: impl Into<String>) -> Self {
        CramMd5 {
            user: user.into(),
            secret: secret.into(),
            answered: false,
        }
    }
}

/// HMAC-MD5 of `challenge` keyed with `secret` (RFC 2104).
pub(super) fn digest(secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

pub(super) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

impl Mechanism for CramMd5 {
    fn name(&self) -> &'static str {
        "CRAM-MD5"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(None)
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        // An empty challenge cannot protect anything; a second one means the
        // server did not follow RFC 2195.
        if self.answered || challenge.is_empty() {
            return Err(SaslError::UnexpectedChallenge);
        }
        if self.user.bytes().any(|b| b == b' ' || b == 0) {
            return Err(SaslError::BadCredential);
        }
        self.answered = true;
        let mut out = Vec::with_capacity(self.user.len() + 33);
        out.extend_from_slice(self.user.as_bytes());
        out.push(b' ');
        push_hex(&mut out, &digest(self.secret.as_bytes(), challenge));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2195_example() {
        let mut m = CramMd5::new("tim", "tanstaaftanstaaf");
        assert_eq!(m.initial_response().unwrap(), None);
        let challenge = b"<1896.697170952@postoffice.reston.mci.net>";
        assert_eq!(
            m.step(challenge).unwrap(),
            b"tim b913a602c7eda7a495b4e6e7334d3890"
        );
        assert_eq!(m.step(challenge), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn rfc2104_hmac_md5_vector() {
        // RFC 2104 test case 2.
        let d = digest(b"Jefe", b"what do ya want for nothing?");
        let mut hex = Vec::new();
        push_hex(&mut hex, &d);
        assert_eq!(hex, b"750c783e6ab0b503eaa86e310a5db738");
    }
}
