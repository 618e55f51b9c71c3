//! Server-side helpers: decode what a client sent, check a CRAM-MD5 digest.

use super::cram_md5::digest;
use super::SaslError;

/// The first prompt of `LOGIN` (before base64).
pub const LOGIN_USER_CHALLENGE: &[u8] = b"Username:";
/// The second prompt of `LOGIN` (before base64).
pub const LOGIN_PASS_CHALLENGE: &[u8] = b"Password:";

/// A decoded `PLAIN` response (RFC 4616), borrowing the message.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PlainResponse<'a> {
    /// The identity to act as; empty means the same as `user`.
    pub authzid: &'a [u8],
    /// The authentication identity.
    pub user: &'a [u8],
    /// The password.
    pub pass: &'a [u8],
}

impl core::fmt::Debug for PlainResponse<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlainResponse")
            .field("authzid", &self.authzid)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Splits a decoded `PLAIN` message into its three fields. The user name
/// must not be empty; exactly two NULs separate the fields.
///
/// ```
/// let r = sanswire::sasl::decode_plain(b"\0tim\0pw").unwrap();
/// assert_eq!((r.authzid, r.user, r.pass), (&b""[..], &b"tim"[..], &b"pw"[..]));
/// assert!(sanswire::sasl::decode_plain(b"tim\0pw").is_err());
/// ```
pub fn decode_plain(message: &[u8]) -> Result<PlainResponse<'_>, SaslError> {
    let mut parts = message.splitn(3, |&b| b == 0);
    let (Some(authzid), Some(user), Some(pass)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SaslError::MalformedResponse);
    };
    if user.is_empty() || pass.contains(&0) {
        return Err(SaslError::MalformedResponse);
    }
    Ok(PlainResponse {
        authzid,
        user,
        pass,
    })
}

/// A decoded `CRAM-MD5` response: `user SP 32 lowercase hex digits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CramMd5Response<'a> {
    /// The user name, to look the shared secret up with.
    pub user: &'a [u8],
    /// The digest the client computed.
    pub digest: [u8; 16],
}

impl<'a> CramMd5Response<'a> {
    /// Parses the client's (decoded) answer. Upper-case hex is accepted
    /// too. The user name is whatever precedes the last space.
    pub fn parse(message: &'a [u8]) -> Result<Self, SaslError> {
        let space = message
            .iter()
            .rposition(|&b| b == b' ')
            .ok_or(SaslError::MalformedResponse)?;
        let (user, hex) = (&message[..space], &message[space + 1..]);
        if user.is_empty() || hex.len() != 32 {
            return Err(SaslError::MalformedResponse);
        }
        let mut digest = [0u8; 16];
        for (d, pair) in digest.iter_mut().zip(hex.chunks(2)) {
            *d = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
        }
        Ok(CramMd5Response { user, digest })
    }

    /// Whether the digest is the HMAC-MD5 of `challenge` (exactly as it
    /// was sent, before base64) keyed with `secret`. The comparison takes
    /// the same time wherever the digests differ.
    ///
    /// ```
    /// use sanswire::sasl::CramMd5Response;
    /// let challenge = b"<1896.697170952@postoffice.reston.mci.net>";
    /// let r = CramMd5Response::parse(b"tim b913a602c7eda7a495b4e6e7334d3890").unwrap();
    /// assert_eq!(r.user, b"tim");
    /// assert!(r.verify(challenge, b"tanstaaftanstaaf"));
    /// assert!(!r.verify(challenge, b"wrong"));
    /// ```
    pub fn verify(&self, challenge: &[u8], secret: &[u8]) -> bool {
        let expected = digest(secret, challenge);
        expected
            .iter()
            .zip(self.digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

fn hex_val(c: u8) -> Result<u8, SaslError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(SaslError::MalformedResponse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields() {
        let r = decode_plain(b"Ursel\0Kurt\0xipj3plmq").unwrap();
        assert_eq!(r.authzid, b"Ursel");
        assert_eq!(r.user, b"Kurt");
        assert_eq!(r.pass, b"xipj3plmq");
        assert!(decode_plain(b"\0\0pw").is_err());
        assert!(decode_plain(b"\0u\0p\0q").is_err());
        assert!(decode_plain(b"").is_err());
    }

    #[test]
    fn cram_md5_parse_errors() {
        assert!(CramMd5Response::parse(b"tim").is_err());
        assert!(CramMd5Response::parse(b" b913a602c7eda7a495b4e6e7334d3890").is_err());
        assert!(CramMd5Response::parse(b"tim b913a602c7eda7a495b4e6e7334d389").is_err());
        assert!(CramMd5Response::parse(b"tim b913a602c7eda7a495b4e6e7334d389g").is_err());
        let r = CramMd5Response::parse(b"tim B913A602C7EDA7A495B4E6E7334D3890").unwrap();
        assert!(r.verify(
            b"<1896.697170952@postoffice.reston.mci.net>",
            b"tanstaaftanstaaf"
        ));
    }
}
