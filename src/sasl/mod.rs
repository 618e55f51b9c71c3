//! SASL (RFC 4422) mechanisms, shared by SMTP, POP3, IMAP and NNTP.
//!
//! A client mechanism is a small state machine of its own: it produces the
//! client's first message (the initial response, where the mechanism has
//! one) and then each next message from the server's challenge. Protocols
//! carry the messages in their own syntax (base64 on `334`/`+` lines, see
//! [`encode_response`] and [`decode_challenge`]); the mechanisms here see
//! raw, decoded bytes.
//!
//! | mechanism | client | server helper |
//! | --- | --- | --- |
//! | `PLAIN` (RFC 4616) | [`Plain`] | [`decode_plain`] |
//! | `LOGIN` (draft-murchison-sasl-login) | [`Login`] | [`LOGIN_USER_CHALLENGE`], [`LOGIN_PASS_CHALLENGE`] |
//! | `CRAM-MD5` (RFC 2195) | [`CramMd5`] | [`CramMd5Response`] |
//! | `XOAUTH2` (Google, Microsoft) | [`XOAuth2`] | — |
//! | `OAUTHBEARER` (RFC 7628) | [`OAuthBearer`] | — |
//! | `EXTERNAL` (RFC 4422) | [`External`] | — |
//!
//! To pick a mechanism from what a server offers, see [`Credentials`],
//! [`choose`] and [`mechanism_for`]; [`choose_like_curl`] ranks them as
//! curl does.
//!
//! ```
//! use sanswire::sasl::{self, Credentials};
//! let creds = Credentials::new("tim", "tanstaaftanstaaf");
//! let offered = ["LOGIN", "PLAIN", "CRAM-MD5"];
//! assert_eq!(sasl::choose(offered, &creds), Some("CRAM-MD5"));
//! let mut mech = sasl::mechanism_for("cram-md5", &creds).unwrap();
//! assert_eq!(mech.name(), "CRAM-MD5");
//! assert_eq!(mech.initial_response().unwrap(), None);
//! ```

mod cram_md5;
mod curl_choice;
mod deferred;
mod external;
mod login;
mod oauthbearer;
mod plain;
mod server;
mod xoauth2;

pub use cram_md5::CramMd5;
pub use curl_choice::{choose_like_curl, CURL_ORDER};
pub use deferred::DeferredInitialResponse;
pub use external::External;
pub use login::Login;
pub use oauthbearer::OAuthBearer;
pub use plain::Plain;
pub use server::{
    decode_plain, CramMd5Response, PlainResponse, LOGIN_PASS_CHALLENGE, LOGIN_USER_CHALLENGE,
};
pub use xoauth2::XOAuth2;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;
use core::fmt;

/// Why a SASL exchange cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslError {
    /// The server sent a challenge the mechanism cannot answer.
    UnexpectedChallenge,
    /// The server's challenge was not valid base64.
    BadBase64,
    /// A credential holds a byte the mechanism cannot carry (NUL in PLAIN).
    BadCredential,
    /// A client's response (seen by a server) does not have the
    /// mechanism's syntax.
    MalformedResponse,
}

impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SaslError::UnexpectedChallenge => "unexpected SASL challenge",
            SaslError::BadBase64 => "SASL challenge is not base64",
            SaslError::BadCredential => "credential cannot be carried by this SASL mechanism",
            SaslError::MalformedResponse => "malformed SASL response",
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

/// A boxed mechanism is one too, so a mechanism picked at run time
/// ([`mechanism_for`]) goes where a concrete one does.
impl<M: Mechanism + ?Sized> Mechanism for Box<M> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        (**self).initial_response()
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        (**self).step(challenge)
    }
}

/// Encodes a client message for a text line: base64, or `=` for an empty
/// message (RFC 4954 §4: an empty initial response is sent as `=`).
///
/// Use it for initial responses on the command line. In answer to a
/// challenge, an empty response is an empty line instead: there, call
/// [`encode_line`].
///
/// ```
/// assert_eq!(sanswire::sasl::encode_response(b"\0tim\0pw"), b"AHRpbQBwdw==");
/// assert_eq!(sanswire::sasl::encode_response(b""), b"=");
/// ```
pub fn encode_response(message: &[u8]) -> Vec<u8> {
    if message.is_empty() {
        return b"=".to_vec();
    }
    encode_line(message)
}

/// Encodes a message as plain base64 (empty in, empty out): the form of a
/// response to a challenge and of a server's challenge.
pub fn encode_line(message: &[u8]) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .encode(message)
        .into_bytes()
}

/// Decodes a base64 challenge (or response) from a text line. Surrounding
/// spaces are ignored; `=` alone stands for an empty message.
///
/// ```
/// assert_eq!(sanswire::sasl::decode_challenge(b"VXNlcm5hbWU6").unwrap(), b"Username:");
/// assert!(sanswire::sasl::decode_challenge(b"not base64!").is_err());
/// ```
pub fn decode_challenge(line: &[u8]) -> Result<Vec<u8>, SaslError> {
    let line = line.trim_ascii();
    if line == b"=" {
        return Ok(Vec::new());
    }
    base64::engine::general_purpose::STANDARD
        .decode(line)
        .map_err(|_| SaslError::BadBase64)
}

/// What a user authenticates with: a password, an OAuth 2 bearer token,
/// or both.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// The user name (authentication identity).
    pub user: String,
    /// The password or shared secret; empty when only a token is known.
    pub pass: String,
    /// An OAuth 2 bearer token, for `XOAUTH2`.
    pub token: Option<String>,
}

impl fmt::Debug for Credentials {
    // Secrets stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("pass", &"<hidden>")
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl Credentials {
    /// A user name and password.
    pub fn new(user: impl Into<String>, pass: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            pass: pass.into(),
            token: None,
        }
    }

    /// A user name and OAuth 2 bearer token.
    pub fn oauth2(user: impl Into<String>, token: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            pass: String::new(),
            token: Some(token.into()),
        }
    }
}

/// Mechanisms we know, best first, for a password.
const PASSWORD_PREFERENCE: [&str; 3] = ["CRAM-MD5", "PLAIN", "LOGIN"];

/// Picks the best mechanism a server offers for these credentials:
/// `XOAUTH2` when a token is given, otherwise CRAM-MD5, then PLAIN, then
/// LOGIN (CRAM-MD5 first because it does not reveal the password to an
/// eavesdropper; over TLS they are all fine). Names compare without case.
///
/// ```
/// use sanswire::sasl::{choose, Credentials};
/// let token = Credentials::oauth2("me@example.org", "ya29.x");
/// assert_eq!(choose(["PLAIN", "XOAUTH2"], &token), Some("XOAUTH2"));
/// assert_eq!(choose(["PLAIN"], &token), None);
/// assert_eq!(choose(["LOGIN", "PLAIN"], &Credentials::new("u", "p")), Some("PLAIN"));
/// ```
pub fn choose<'a, I>(offered: I, creds: &Credentials) -> Option<&'static str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<usize> = None;
    let mut oauth = false;
    for name in offered {
        if creds.token.is_some() && name.eq_ignore_ascii_case("XOAUTH2") {
            oauth = true;
        }
        if let Some(rank) = PASSWORD_PREFERENCE
            .iter()
            .position(|m| m.eq_ignore_ascii_case(name))
        {
            best = Some(best.map_or(rank, |b| b.min(rank)));
        }
    }
    if oauth {
        return Some("XOAUTH2");
    }
    if creds.token.is_some() && creds.pass.is_empty() {
        return None;
    }
    best.map(|i| PASSWORD_PREFERENCE[i])
}

/// Builds the named mechanism from credentials; `None` for a name we do
/// not implement (or `XOAUTH2` without a token). Names compare without
/// case.
pub fn mechanism_for(name: &str, creds: &Credentials) -> Option<Box<dyn Mechanism + Send>> {
    let user = creds.user.clone();
    let pass = creds.pass.clone();
    if name.eq_ignore_ascii_case("PLAIN") {
        Some(Box::new(Plain::new(user, pass)))
    } else if name.eq_ignore_ascii_case("LOGIN") {
        Some(Box::new(Login::new(user, pass)))
    } else if name.eq_ignore_ascii_case("CRAM-MD5") {
        Some(Box::new(CramMd5::new(user, pass)))
    } else if name.eq_ignore_ascii_case("XOAUTH2") {
        let token = creds.token.clone()?;
        Some(Box::new(XOAuth2::new(user, token)))
    } else {
        None
    }
}

/// [`choose`] then [`mechanism_for`]: the best mechanism, ready to run.
pub fn best_mechanism<'a, I>(offered: I, creds: &Credentials) -> Option<Box<dyn Mechanism + Send>>
where
    I: IntoIterator<Item = &'a str>,
{
    mechanism_for(choose(offered, creds)?, creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_helpers() {
        assert_eq!(encode_response(b""), b"=");
        assert_eq!(encode_line(b""), b"");
        assert_eq!(decode_challenge(b"=").unwrap(), b"");
        assert_eq!(decode_challenge(b"").unwrap(), b"");
        assert_eq!(decode_challenge(b" UGFzc3dvcmQ6 ").unwrap(), b"Password:");
        assert_eq!(decode_challenge(b"UGFzc3dvcmQ"), Err(SaslError::BadBase64));
    }

    #[test]
    fn preference_order() {
        let pw = Credentials::new("u", "p");
        assert_eq!(choose(["LOGIN"], &pw), Some("LOGIN"));
        assert_eq!(choose(["login", "plain"], &pw), Some("PLAIN"));
        assert_eq!(
            choose(["PLAIN", "cram-md5", "XOAUTH2"], &pw),
            Some("CRAM-MD5")
        );
        assert_eq!(choose(["GSSAPI"], &pw), None);
        let both = Credentials {
            token: Some("t".into()),
            ..pw.clone()
        };
        assert_eq!(choose(["PLAIN", "XOAUTH2"], &both), Some("XOAUTH2"));
        assert_eq!(choose(["PLAIN"], &both), Some("PLAIN"));
        assert!(mechanism_for("XOAUTH2", &pw).is_none());
        assert!(mechanism_for("SCRAM-SHA-1", &pw).is_none());
        assert_eq!(mechanism_for("login", &pw).unwrap().name(), "LOGIN");
        assert_eq!(best_mechanism(["PLAIN"], &pw).unwrap().name(), "PLAIN");
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let s = alloc::format!("{:?}", Credentials::new("u", "secret"));
        assert!(!s.contains("secret"));
    }
}

/// Any mechanism, made to wait for the server's first (empty) challenge
/// instead of sending an initial response with the AUTH command: what curl
/// does unless given `--sasl-ir`, and what servers that refuse initial
/// responses need.
///
/// ```
/// use sanswire::sasl::{Mechanism, Plain, WithoutInitialResponse};
/// let mut m = WithoutInitialResponse(Plain::new("tim", "tanstaaf"));
/// assert_eq!(m.initial_response().unwrap(), None);
/// assert_eq!(m.step(b"").unwrap(), b"\0tim\0tanstaaf");
/// ```
#[derive(Debug, Clone)]
pub struct WithoutInitialResponse<M>(pub M);

impl<M: Mechanism> Mechanism for WithoutInitialResponse<M> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        Ok(None)
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        self.0.step(challenge)
    }
}
