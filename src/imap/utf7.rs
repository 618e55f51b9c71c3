//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII
//! stands for itself (`&` as `&-`), anything else is UTF-16 in a base64
//! with `,` for `/`, between `&` and `-`.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const MUTF7: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Encodes a UTF-8 mailbox name in modified UTF-7.
///
/// ```
/// use sanswire::imap::{utf7_decode, utf7_encode};
/// assert_eq!(utf7_encode("Entwürfe"), "Entw&APw-rfe");
/// assert_eq!(utf7_encode("A&B"), "A&-B");
/// assert_eq!(utf7_decode(b"~peter/mail/&U,BTFw-/&ZeVnLIqe-").as_deref(), Some("~peter/mail/台北/日本語"));
/// ```
pub fn utf7_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    out.push_str(&MUTF7.encode(bytes));
    out.push('-');
    pending.clear();
}

/// Decodes a modified UTF-7 mailbox name; `None` if it is not valid
/// modified UTF-7 (then the name is probably UTF-8 already).
pub fn utf7_decode(name: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if b == b'&' {
            let end = i + 1 + memchr::memchr(b'-', &name[i + 1..])?;
            let run = &name[i + 1..end];
            if run.is_empty() {
                out.push('&');
            } else {
                let bytes = MUTF7.decode(run).ok()?;
                if bytes.len() % 2 != 0 {
                    return None;
                }
                let units = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                for c in char::decode_utf16(units) {
                    out.push(c.ok()?);
                }
            }
            i = end + 1;
        } else if (0x20..0x7f).contains(&b) {
            out.push(b as char);
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for name in ["INBOX", "Entwürfe", "a&b", "日本語", "😀 smile", "&", ""] {
            assert_eq!(
                utf7_decode(utf7_encode(name).as_bytes()).as_deref(),
                Some(name)
            );
        }
        assert_eq!(utf7_decode(b"&Jjo!"), None);
        assert_eq!(utf7_decode("é".as_bytes()), None);
    }
}
