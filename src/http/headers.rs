use bytes::Bytes;
use core::fmt;
use core::ops::Range;
use thin_vec::ThinVec;

/// Field names the machines look up on every message. Which of them are
/// present is recorded as fields are added, so that looking up an absent
/// one (`Transfer-Encoding` on a GET, `Expect`, `Upgrade`) costs no scan.
const KNOWN: [&[u8]; 7] = [
    b"host",
    b"content-length",
    b"transfer-encoding",
    b"connection",
    b"upgrade",
    b"expect",
    b"trailer",
];

/// The bit of a known field name in [`Headers::present`]; 0 for others.
/// Called for every field received, so it decides on the length and first
/// letter before comparing any text, and compares a word at a time.
/// `const`, so that the machines' own lookups ([`Known`]) cost no name
/// comparison at all.
#[inline]
const fn known_bit(name: &[u8]) -> u8 {
    if name.is_empty() {
        return 0;
    }
    // Each arm compares with its own name, so that the comparison is
    // compiled for that name's length: two or three loads.
    let index = match (name.len(), name[0] | 0x20) {
        (4, b'h') if same_name(name, KNOWN[0]) => 0,
        (14, b'c') if same_name(name, KNOWN[1]) => 1,
        (17, b't') if same_name(name, KNOWN[2]) => 2,
        (10, b'c') if same_name(name, KNOWN[3]) => 3,
        (7, b'u') if same_name(name, KNOWN[4]) => 4,
        (6, b'e') if same_name(name, KNOWN[5]) => 5,
        (7, b't') if same_name(name, KNOWN[6]) => 6,
        _ => return 0,
    };
    1 << index
}

/// Whether `name` is `known` (lower-case letters and `-`, 4 bytes or
/// more, as long as `name`) in any letter case. Words of 8 (or 4) bytes
/// from the front, the last one ending at the end (overlapping the one
/// before); in each, the case bit (0x20) of `name`'s bytes is set where
/// `known` has a letter (a letter is the only byte with 0x40), so only
/// that letter's two cases match there, and only `-` matches a `-`.
#[inline(always)]
const fn same_name(name: &[u8], known: &[u8]) -> bool {
    const LETTER: u64 = 0x4040_4040_4040_4040;
    let n = known.len();
    let (step, last) = if n >= 8 { (8, n - 8) } else { (4, n - 4) };
    let mut at = 0;
    loop {
        let at_word = if at > last { last } else { at };
        let (x, k) = if step == 8 {
            (word::<8>(name, at_word), word::<8>(known, at_word))
        } else {
            (word::<4>(name, at_word), word::<4>(known, at_word))
        };
        if x | ((k & LETTER) >> 1) != k {
            return false;
        }
        if at_word == last {
            return true;
        }
        at += step;
    }
}

/// `N` (4 or 8) bytes of `bytes` from `at`, as a little-endian number.
#[inline(always)]
const fn word<const N: usize>(bytes: &[u8], at: usize) -> u64 {
    let (_, rest) = bytes.split_at(at);
    let Some(chunk) = rest.first_chunk::<N>() else {
        panic!("a word inside the name");
    };
    let mut padded = [0u8; 8];
    let mut i = 0;
    while i < N {
        padded[i] = chunk[i];
        i += 1;
    }
    u64::from_le_bytes(padded)
}

/// A field name the machines look up on every message, with its bit
/// worked out when compiling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    name: &'static str,
    bit: u8,
}

impl Known {
    const fn new(name: &'static str) -> Self {
        Known {
            name,
            bit: known_bit(name.as_bytes()),
        }
    }

    /// `Host`.
    pub(crate) const HOST: Known = Known::new("host");
    /// `Connection`.
    pub(crate) const CONNECTION: Known = Known::new("connection");
    /// `Upgrade`.
    pub(crate) const UPGRADE: Known = Known::new("upgrade");
    /// `Expect`.
    pub(crate) const EXPECT: Known = Known::new("expect");
    /// `Content-Length`.
    pub(crate) const CONTENT_LENGTH: Known = Known::new("content-length");
    /// `Transfer-Encoding`.
    pub(crate) const TRANSFER_ENCODING: Known = Known::new("transfer-encoding");
}

/// One received field line, without its LF: its name and its value
/// without the optional whitespace around it. The parsers let through
/// only lines of the form `name:` OWS value OWS, CR optional where bare
/// LFs are allowed (obs-fold is unfolded before), so a line is a field.
#[inline]
fn split_field(line: &[u8]) -> (&[u8], &[u8]) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    let value = line.get(colon + 1..).unwrap_or_default();
    (&line[..colon], trim_ows(value))
}

/// The fields of a block of field lines, in order.
fn field_lines(mut block: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    core::iter::from_fn(move || {
        if block.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', block).unwrap_or(block.len());
        let line = &block[..end];
        block = block.get(end + 1..).unwrap_or_default();
        Some(split_field(line))
    })
}

/// The header fields of a message, in order, names in the case they came
/// in.
///
/// Received fields are not copied, and not even indexed: the headers keep
/// the received head as one shared [`Bytes`] and where its field lines
/// are, and a lookup reads the lines again. The fields the machines ask
/// for on every message (`Host`, `Content-Length`, `Connection`, ...) are
/// found without reading: where each first occurs is noted while the head
/// is parsed. So the headers, and the events that carry them, stay small
/// whatever the number of fields. Fields [`push`](Self::push)ed by the
/// caller follow the received ones.
///
/// ```
/// use sanswire::http::Headers;
/// let mut h = Headers::new();
/// h.push("Content-Type", "text/plain");
/// h.push("Connection", "keep-alive, Upgrade");
/// assert_eq!(h.get("content-type"), Some(&b"text/plain"[..]));
/// assert!(h.has_token("connection", "upgrade"));
/// assert_eq!(h.len(), 2);
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    /// The received head (or trailer section) the field lines are in;
    /// empty for built headers.
    head: Bytes,
    /// Where the field lines are in `head`: from the first one's start to
    /// the end of the last one's LF.
    lines: (u32, u32),
    /// How many fields were received.
    received: u32,
    /// Fields pushed by the caller: a vector whose length and capacity
    /// live in its allocation, one pointer here, so that a received head
    /// (which has none) stays small to move.
    owned: ThinVec<(Bytes, Bytes)>,
    /// Which [`KNOWN`] names occur (one bit each).
    present: u8,
    /// Which of them occur more than once.
    repeated: u8,
    /// Which of them were received with their first value's place in
    /// `first_value`: looking them up costs no scan and no parse.
    indexed: u8,
    /// Per [`KNOWN`] name, its first value in `head`: the start in the low
    /// 16 bits, the length in the high 16 (a place that does not fit is
    /// not indexed, and found by a scan).
    first_value: [u32; KNOWN.len()],
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes a received field, `name` being its text and `at` where its
    /// line starts in the head (attached later, with
    /// [`set_received`](Self::set_received)). Fields are noted in order.
    #[inline]
    pub(crate) fn note_field(&mut self, name: &[u8], value_at: usize, value: &[u8]) {
        let bit = known_bit(name);
        if bit != 0 {
            self.note_known_field(bit, value_at, value);
        }
    }

    /// Says how many fields were noted: once, after the last, rather
    /// than a count kept field by field.
    pub(crate) fn set_received_count(&mut self, fields: usize) {
        self.received = fields as u32;
    }

    /// [`note_field`](Self::note_field) for a [`KNOWN`] name (a few of a
    /// head's fields): the first one's value is indexed.
    #[inline(never)]
    fn note_known_field(&mut self, bit: u8, value_at: usize, value: &[u8]) {
        if self.present & bit == 0 {
            // As `split_field` reads it: without whitespace around it,
            // which httparse, the only source of received fields, has
            // already cut off both ends.
            debug_assert_eq!(trim_ows(value), value);
            if let (Ok(start), Ok(len)) = (u16::try_from(value_at), u16::try_from(value.len())) {
                self.indexed |= bit;
                self.first_value[bit.trailing_zeros() as usize] =
                    u32::from(start) | u32::from(len) << 16;
            }
        }
        self.note_known(bit);
    }

    /// Attaches the received head whose field lines, noted with
    /// [`note_field`](Self::note_field), lie in `lines`.
    pub(crate) fn set_received(&mut self, head: Bytes, lines: Range<usize>) {
        self.head = head;
        self.lines = (lines.start as u32, lines.end as u32);
    }

    /// The received head the fields are in.
    pub(crate) fn head(&self) -> &Bytes {
        &self.head
    }

    /// The values of the received fields, in order.
    pub(crate) fn received_values(&self) -> impl Iterator<Item = &[u8]> + '_ {
        field_lines(self.received_lines()).map(|(_, v)| v)
    }

    /// Appends a field, for sending. Names and values are checked when the
    /// message is sent.
    pub fn push(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        let name = name.into();
        self.note_known(known_bit(&name));
        self.owned.push((name, value.into()));
    }

    #[inline]
    fn note_known(&mut self, bit: u8) {
        self.repeated |= self.present & bit;
        self.present |= bit;
    }

    /// For a known name: `Some` of its only field's value when it occurs
    /// exactly once and was received (found without a scan), `Some(None)`
    /// when it does not occur; `None` when a scan is needed.
    #[inline]
    fn known_single(&self, bit: u8) -> Option<Option<&[u8]>> {
        if bit == 0 {
            return None;
        }
        if self.present & bit == 0 {
            return Some(None);
        }
        if self.repeated & bit != 0 || self.indexed & bit == 0 {
            return None;
        }
        let place = self.first_value[bit.trailing_zeros() as usize];
        let start = (place & 0xffff) as usize;
        let len = (place >> 16) as usize;
        Some(self.head.get(start..start + len))
    }

    /// Whether a field has the [`Known`] name: no lookup at all.
    #[inline]
    pub(crate) fn has_known(&self, k: Known) -> bool {
        self.present & k.bit != 0
    }

    /// [`get`](Self::get) for a [`Known`] name.
    #[inline]
    pub(crate) fn get_known(&self, k: Known) -> Option<&[u8]> {
        match self.known_single(k.bit) {
            Some(found) => found,
            None => self.get_by_scan(k.name.as_bytes()),
        }
    }

    /// [`count_up_to_two`](Self::count_up_to_two) for a [`Known`] name.
    #[inline]
    pub(crate) fn count_known_up_to_two(&self, k: Known) -> usize {
        match (self.present & k.bit != 0, self.repeated & k.bit != 0) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        }
    }

    /// [`has_token`](Self::has_token) for a [`Known`] name.
    #[inline]
    pub(crate) fn has_known_token(&self, k: Known, token: &str) -> bool {
        match self.known_single(k.bit) {
            Some(found) => found.is_some_and(|v| has_element(v, token.as_bytes())),
            None => self.has_token_by_scan(k.name, token.as_bytes()),
        }
    }

    /// The value of the first field called `name` (any case).
    #[inline]
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        if let Some(found) = self.known_single(known_bit(name.as_bytes())) {
            return found;
        }
        self.get_by_scan(name.as_bytes())
    }

    /// [`get`](Self::get) for a name that is not known, or repeated.
    fn get_by_scan(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.len() == name.len() && n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether none of the framing fields (`Content-Length`,
    /// `Transfer-Encoding`) occurs: then a request has no body, with no
    /// lookup at all.
    pub(crate) fn has_no_framing_fields(&self) -> bool {
        let framing = known_bit(b"content-length") | known_bit(b"transfer-encoding");
        self.present & framing == 0
    }

    /// Whether `name` is a known name that no field has.
    fn surely_absent(&self, name: &[u8]) -> bool {
        let bit = known_bit(name);
        bit != 0 && self.present & bit == 0
    }

    /// The values of every field called `name` (any case), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let name = name.as_bytes();
        let absent = self.surely_absent(name);
        self.iter()
            .take(if absent { 0 } else { usize::MAX })
            .filter(move |(n, _)| n.len() == name.len() && n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every field as `(name as received, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        field_lines(self.received_lines()).chain(self.owned.iter().map(|(n, v)| (&n[..], &v[..])))
    }

    /// The received field lines.
    fn received_lines(&self) -> &[u8] {
        &self.head[self.lines.0 as usize..self.lines.1 as usize]
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.received as usize + self.owned.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any field called `name` holds `token` in its comma-separated
    /// list, comparing without regard to case (`Connection: keep-alive`,
    /// `Connection: Upgrade`, `Transfer-Encoding: chunked`).
    ///
    /// ```
    /// use sanswire::http::Headers;
    /// let mut h = Headers::new();
    /// h.push("Connection", "Keep-Alive ,  upgrade");
    /// assert!(h.has_token("CONNECTION", "keep-alive"));
    /// assert!(h.has_token("connection", "Upgrade"));
    /// assert!(!h.has_token("connection", "close"));
    /// ```
    // Inlined, so that a known name given as a literal is recognised when
    // compiling, not on every call.
    #[inline]
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        let token = token.as_bytes();
        if let Some(found) = self.known_single(known_bit(name.as_bytes())) {
            return found.is_some_and(|v| has_element(v, token));
        }
        self.has_token_by_scan(name, token)
    }

    /// [`has_token`](Self::has_token) for a name that is not known, or
    /// repeated.
    fn has_token_by_scan(&self, name: &str, token: &[u8]) -> bool {
        self.get_all(name).any(|value| has_element(value, token))
    }
}

/// Whether the comma-separated list `value` has the element `token` (any
/// case).
fn has_element(value: &[u8], token: &[u8]) -> bool {
    // The whole value is the element, most of the time.
    if value.len() == token.len() {
        return value.eq_ignore_ascii_case(token);
    }
    // A list that holds the token is at least as long as the token.
    if value.len() < token.len() {
        return false;
    }
    // One element with whitespace around it (`keep-alive` asked whether it
    // is `close`, on every request), without walking a list.
    if !value.contains(&b',') {
        return trim_ows(value).eq_ignore_ascii_case(token);
    }
    list_elements(value).any(|t| t.eq_ignore_ascii_case(token))
}

impl Headers {}

/// The non-empty elements of a comma-separated list, without the optional
/// whitespace around them (RFC 9110 §5.6.1).
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(value);
    core::iter::from_fn(move || loop {
        let v = rest?;
        // Values are short: a plain loop beats a call to memchr.
        let (element, after) = match v.iter().position(|&b| b == b',') {
            Some(i) => (&v[..i], Some(&v[i + 1..])),
            None => (v, None),
        };
        rest = after;
        let element = trim_ows(element);
        if !element.is_empty() {
            return Some(element);
        }
    })
}

/// `value` without leading and trailing spaces and tabs.
pub(crate) fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| (Lossy(n), Lossy(v))))
            .finish()
    }
}

/// Shows bytes as text, escaping what is not printable ASCII.
pub(crate) struct Lossy<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            if b == b'"' || b == b'\\' {
                write!(f, "\\{}", b as char)?;
            } else if (0x20..0x7f).contains(&b) {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// [`known_bit`] by its definition: the name, in any letter case.
    fn known_bit_plainly(name: &[u8]) -> u8 {
        KNOWN
            .iter()
            .position(|k| k.eq_ignore_ascii_case(name))
            .map_or(0, |i| 1 << i)
    }

    /// The word-wise comparison against the plain one: every case of
    /// every known name, and every byte value at every position of each.
    #[test]
    fn known_names_are_found_in_any_case_and_nothing_else() {
        for known in KNOWN {
            let letters: Vec<usize> = (0..known.len())
                .filter(|&i| known[i].is_ascii_alphabetic())
                .collect();
            // All case variants (2^16 for `transfer-encoding`'s letters).
            for cases in 0u32..1 << letters.len() {
                let mut name = known.to_vec();
                for (bit, &i) in letters.iter().enumerate() {
                    if cases >> bit & 1 == 1 {
                        name[i] = name[i].to_ascii_uppercase();
                    }
                }
                assert_eq!(known_bit(&name), known_bit_plainly(&name), "{name:?}");
                assert_ne!(known_bit(&name), 0);
            }
            for at in 0..known.len() {
                for b in 0..=255u8 {
                    let mut name = known.to_vec();
                    name[at] = b;
                    assert_eq!(known_bit(&name), known_bit_plainly(&name), "{name:?}");
                }
            }
        }
        for other in [
            &b"hots"[..],
            b"content-lengtH",
            b"x",
            b"",
            b"connectio",
            b"upgrades",
        ] {
            assert_eq!(known_bit(other), known_bit_plainly(other), "{other:?}");
        }
    }

    #[test]
    fn received_fields_are_read_from_their_lines() {
        let mut text = b"GET / HTTP/1.1\r\n".to_vec();
        let start = text.len();
        let mut at = Vec::new();
        for i in 0..40u8 {
            at.push(text.len());
            let name = [b'a' + (i % 26)];
            text.extend_from_slice(&name);
            text.extend_from_slice(b":  ");
            text.push(b'0' + (i % 10));
            text.extend_from_slice(if i % 2 == 0 { b" \r\n" } else { b"\n" });
        }
        let end = text.len();
        text.extend_from_slice(b"\r\n");
        let mut h = Headers::new();
        for (i, &line) in at.iter().enumerate() {
            h.note_field(
                &[b'a' + (i as u8 % 26)],
                line + 2,
                &text[line + 2..line + 5],
            );
        }
        h.set_received_count(at.len());
        h.set_received(Bytes::from(text), start..end);
        h.push("X-Own", "v");
        assert_eq!(h.len(), 41);
        let all: Vec<_> = h.iter().collect();
        assert_eq!(all.len(), 41);
        assert_eq!(all[0], (&b"a"[..], &b"0"[..]));
        assert_eq!(all[39], (&b"n"[..], &b"9"[..]));
        assert_eq!(all[40], (&b"X-Own"[..], &b"v"[..]));
        assert_eq!(h.get_all("A").collect::<Vec<_>>(), [&b"0"[..], b"6"]);
        assert_eq!(h.get("X-OWN"), Some(&b"v"[..]));
        assert_eq!(h.get("zz"), None);
    }

    #[test]
    fn known_fields_are_found_at_their_value() {
        let text = b"Host: a.example\r\nConnection:close\r\nConnection: x\r\n";
        let mut h = Headers::new();
        h.note_field(b"Host", 6, b"a.example");
        h.note_field(b"Connection", 28, b"close");
        h.note_field(b"Connection", 47, b"x");
        h.set_received_count(3);
        h.set_received(Bytes::from_static(text), 0..text.len());
        assert_eq!(h.get_known(Known::HOST), Some(&b"a.example"[..]));
        assert_eq!(h.count_known_up_to_two(Known::CONNECTION), 2);
        assert!(h.has_known_token(Known::CONNECTION, "close"));
        assert!(h.has_known_token(Known::CONNECTION, "x"));
        assert!(!h.has_known(Known::UPGRADE));
    }

    #[test]
    fn list_elements_trim_and_skip_empty() {
        let v: Vec<_> = list_elements(b" a ,, b\t,c").collect();
        assert_eq!(v, [&b"a"[..], b"b", b"c"]);
    }
}
