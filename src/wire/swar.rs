//! Finding line ends eight bytes at a time in plain integer arithmetic
//! (SWAR): for the short lines of replies, one pass over a whole reply
//! costs less than a vector search started at every line.

/// Every byte of a word set to `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `word` that equals `b`, and no other bit.
///
/// For a byte `x` of `v = word ^ splat(b)`, `(x & 0x7f) + 0x7f` sets the
/// high bit exactly when the low seven bits are not all zero, and it never
/// carries into the next byte; or-ing `x` in adds its own high bit. The
/// high bit stays clear only for `x == 0`, that is `byte == b`.
#[inline]
pub(crate) fn equal_bytes(word: u64, b: u8) -> u64 {
    let v = word ^ splat(b);
    !(((v & splat(0x7f)) + splat(0x7f)) | v) & splat(0x80)
}

/// Where the first byte at or below `0x20` (space and the controls) is in
/// `data` from `from` on, or `data.len()`; `data` must be ASCII there (for
/// a byte of `0x80` or more the answer is unspecified, but in bounds).
#[inline]
pub(crate) fn find_space_or_control(data: &[u8], from: usize) -> usize {
    find_below(data, from, 0x21)
}

/// Where the first control byte (below `0x20`) is in `data` from `from`
/// on, or `data.len()`; `data` must be ASCII there, as for
/// [`find_space_or_control`]. For the rest of a short line, this is one
/// pass that finds its end and any stray control before it, where two
/// `memchr` calls cost more to set up than the line takes to read.
#[inline]
pub(crate) fn find_control(data: &[u8], from: usize) -> usize {
    find_below(data, from, 0x20)
}

/// Where the first byte below `limit` (at most `0x80`) is, from `from`.
///
/// For an ASCII byte `x`, `x + (0x80 - limit)` has its high bit set
/// exactly when `x >= limit`, and cannot carry out of the byte.
#[inline]
fn find_below(data: &[u8], from: usize, limit: u8) -> usize {
    let add = splat(0x80 - limit);
    let mut at = from;
    while let Some(w) = data.get(at..at + 8) {
        let word = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let low = !(word.wrapping_add(add)) & splat(0x80);
        if low != 0 {
            return at + (low.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < data.len() && data[at] >= limit {
        at += 1;
    }
    at.min(data.len())
}

/// The positions of the LFs in `data`, in order.
#[derive(Debug, Clone)]
pub(crate) struct LineEnds<'a> {
    data: &'a [u8],
    /// Where the word in `mask` starts.
    base: usize,
    /// High bits of the LFs not handed out yet in the current word.
    mask: u64,
}

impl<'a> LineEnds<'a> {
    /// The LFs of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        let mut ends = LineEnds {
            data,
            base: 0,
            mask: 0,
        };
        ends.mask = ends.word_mask(0);
        ends
    }

    /// The LF bits of the word at `at` (zero-padded past the end).
    #[inline]
    fn word_mask(&self, at: usize) -> u64 {
        let word = match self.data.get(at..at + 8) {
            Some(w) => u64::from_le_bytes(w.try_into().expect("eight bytes")),
            None => {
                let mut w = [0u8; 8];
                let rest = self.data.get(at..).unwrap_or_default();
                w[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(w)
            }
        };
        equal_bytes(word, b'\n')
    }
}

impl Iterator for LineEnds<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 8;
            if self.base >= self.data.len() {
                return None;
            }
            self.mask = self.word_mask(self.base);
        }
        let at = self.base + (self.mask.trailing_zeros() / 8) as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn finds_the_first_space_or_control() {
        let text = b"PIPELINING\r\nAUTH PLAIN\tx~~~~~~ ~~~~~~~~~~\x1f\x20!\x7f\x00";
        for from in 0..text.len() {
            for to in from..=text.len() {
                let part = &text[..to];
                let plain = (from..to).find(|&i| part[i] <= 0x20).unwrap_or(to);
                assert_eq!(find_space_or_control(part, from), plain, "{from}..{to}");
                let control = (from..to).find(|&i| part[i] < 0x20).unwrap_or(to);
                assert_eq!(find_control(part, from), control, "{from}..{to}");
            }
        }
    }

    #[test]
    fn finds_every_lf_and_nothing_else() {
        let mut data = Vec::new();
        for i in 0..300u32 {
            data.push(match i % 7 {
                0 => b'\n',
                1 => 0x8a,
                2 => 0x0b,
                3 => 0x09,
                4 => 0xff,
                5 => 0,
                _ => (i % 251) as u8,
            });
        }
        for from in 0..20 {
            for to in (from..data.len()).step_by(13) {
                let part = &data[from..to];
                let plain: Vec<usize> = (0..part.len()).filter(|&i| part[i] == b'\n').collect();
                assert_eq!(LineEnds::new(part).collect::<Vec<_>>(), plain);
            }
        }
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'\n', b, 0, b'\n', 0x8a, b'\r', b]);
            let want = (0..8).fold(0, |m, i| {
                let byte = word.to_le_bytes()[i];
                m | if byte == b'\n' { 0x80 << (8 * i) } else { 0 }
            });
            assert_eq!(equal_bytes(word, b'\n'), want, "byte {b}");
        }
    }
}
