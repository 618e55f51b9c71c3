//! APOP (RFC 1939 §7): the MD5 digest of the greeting's timestamp and the
//! shared secret, in lower-case hex.

use md5::{Digest, Md5};

/// The APOP digest of `timestamp` (brackets included, as in the greeting)
/// and `secret`, as 32 lower-case hex digits.
///
/// ```
/// // The example of RFC 1939 §7.
/// let d = sanswire::pop3::apop_digest(b"<1896.697170952@dbc.mtview.ca.us>", b"tanstaaf");
/// assert_eq!(&d, b"c4c9334bac560ecc979e58001b3e22fb");
/// ```
pub fn apop_digest(timestamp: &[u8], secret: &[u8]) -> [u8; 32] {
    let mut hasher = Md5::new();
    hasher.update(timestamp);
    hasher.update(secret);
    let digest = hasher.finalize();
    let mut hex = [0u8; 32];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether a client's APOP `digest` matches `timestamp` and `secret`.
/// Hex digits are compared without regard to case, and in time that does
/// not depend on where the first difference is.
///
/// ```
/// use sanswire::pop3::apop_verify;
/// let ts = b"<1896.697170952@dbc.mtview.ca.us>";
/// assert!(apop_verify(ts, b"tanstaaf", b"C4C9334BAC560ECC979E58001B3E22FB"));
/// assert!(!apop_verify(ts, b"wrong", b"c4c9334bac560ecc979e58001b3e22fb"));
/// ```
pub fn apop_verify(timestamp: &[u8], secret: &[u8], digest: &[u8]) -> bool {
    let want = apop_digest(timestamp, secret);
    if digest.len() != want.len() {
        return false;
    }
    let diff = want
        .iter()
        .zip(digest)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b.to_ascii_lowercase()));
    diff == 0
}
