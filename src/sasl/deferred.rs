use super::{Mechanism, SaslError};
use alloc::vec::Vec;

/// A mechanism whose initial response waits for the server's first
/// (empty) challenge, as curl sends it without `--sasl-ir`: `AUTH PLAIN`,
/// then the response on its own line after `+ ` / `334 `. Unlike
/// [`WithoutInitialResponse`](super::WithoutInitialResponse), this works
/// for every mechanism that has an initial response (XOAUTH2 and
/// OAUTHBEARER, whose later steps answer errors, included); mechanisms
/// where the server speaks first (LOGIN, CRAM-MD5) are unchanged.
///
/// ```
/// use sanswire::sasl::{DeferredInitialResponse, Mechanism, XOAuth2};
/// let mut m = DeferredInitialResponse::new(XOAuth2::new("u", "t"));
/// assert_eq!(m.initial_response().unwrap(), None);
/// assert_eq!(m.step(b"").unwrap(), b"user=u\x01auth=Bearer t\x01\x01");
/// assert_eq!(m.step(b"{\"status\":\"401\"}").unwrap(), b""); // the error answer
/// ```
#[derive(Debug, Clone)]
pub struct DeferredInitialResponse<M> {
    inner: M,
    /// The first challenge has not come yet.
    pending: bool,
}

impl<M: Mechanism> DeferredInitialResponse<M> {
    /// Wraps `inner`.
    pub fn new(inner: M) -> Self {
        DeferredInitialResponse {
            inner,
            pending: true,
        }
    }
}

impl<M: Mechanism> Mechanism for DeferredInitialResponse<M> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(None)
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if core::mem::take(&mut self.pending) && challenge.is_empty() {
            if let Some(initial) = self.inner.initial_response()? {
                return Ok(initial);
            }
        }
        self.inner.step(challenge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::{Login, Plain};

    #[test]
    fn plain_once_then_unexpected() {
        let mut m = DeferredInitialResponse::new(Plain::new("u", "p"));
        assert_eq!(m.step(b"").unwrap(), b"\0u\0p");
        assert_eq!(m.step(b""), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn server_first_mechanisms_are_unchanged() {
        let mut m = DeferredInitialResponse::new(Login::new("u", "p"));
        assert_eq!(m.step(b"Username:").unwrap(), b"u");
        assert_eq!(m.step(b"Password:").unwrap(), b"p");
    }
}
