use super::{Mechanism, SaslError};
use alloc::string::String;
use alloc::vec::Vec;

/// `LOGIN` (draft-murchison-sasl-login): the server asks for the user
/// name, then the password. The prompts' text is not checked (servers
/// send `Username:`, `User Name`, ...); only their order counts.
///
/// ```
/// use sanswire::sasl::{Login, Mechanism};
/// let mut m = Login::new("tim", "pw");
/// assert_eq!(m.initial_response().unwrap(), None);
/// assert_eq!(m.step(b"Username:").unwrap(), b"tim");
/// assert_eq!(m.step(b"Password:").unwrap(), b"pw");
/// assert!(m.step(b"?").is_err());
/// ```
#[derive(Clone)]
pub struct Login {
    user: String,
    pass: String,
    steps: u8,
}

impl core::fmt::Debug for Login {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Login {
    /// Authenticates `user` with `pass`.
    pub fn new(user: impl Into<String>, pass: impl Into<String>) -> Self {
        Login {
            user: user.into(),
            pass: pass.into(),
            steps: 0,
        }
    }
}

impl Mechanism for Login {
    fn name(&self) -> &'static str {
        "LOGIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(None)
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        self.steps = self.steps.saturating_add(1);
        match self.steps {
            1 => Ok(self.user.as_bytes().to_vec()),
            2 => Ok(self.pass.as_bytes().to_vec()),
            _ => Err(SaslError::UnexpectedChallenge),
        }
    }
}
