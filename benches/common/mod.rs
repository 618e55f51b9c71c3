//! What the benches share: the baseline every framing is measured against.

use std::hint::black_box;

/// Visits every line end with memchr, as a line scanner must: the baseline.
/// (`memchr_iter(..).count()` would be a bulk count that never hands out a
/// position, which is not what any framing can do.)
pub fn line_ends(data: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', data).fold(0, |acc, at| acc ^ black_box(at))
}
