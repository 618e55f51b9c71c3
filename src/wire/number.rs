//! Decimal numbers as the text protocols write them: counts, sizes,
//! article and message numbers. One parser for all of them.

/// A decimal number: ASCII digits only (no sign, no spaces), at most 20
/// of them, and no more than `u64::MAX`.
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only_and_within_u64() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"10240000"), Some(10_240_000));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"000000000000000000001"), None);
        for bad in [&b""[..], b"+1", b"-1", b"1 ", b" 1", b"1x", b"\xff"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }
}
