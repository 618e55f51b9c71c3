use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::ops::Range;

/// How many received fields are kept inline before spilling to the heap.
/// Typical requests carry 6 to 15; 24 covers nearly all without a heap
/// allocation.
const INLINE: usize = 24;

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
/// letter before comparing any text. `const`, so that the machines' own
/// lookups ([`Known`]) cost no name comparison at all.
#[inline]
const fn known_bit(name: &[u8]) -> u8 {
    if name.is_empty() {
        return 0;
    }
    let index = match (name.len(), name[0] | 0x20) {
        (4, b'h') => 0,
        (14, b'c') => 1,
        (17, b't') => 2,
        (10, b'c') => 3,
        (7, b'u') => 4,
        (6, b'e') => 5,
        (7, b't') => 6,
        _ => return 0,
    };
    let known = KNOWN[index];
    let mut i = 0;
    while i < name.len() {
        if name[i].to_ascii_lowercase() != known[i] {
            return 0;
        }
        i += 1;
    }
    1 << index
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

/// Where one received field lies in the frozen head.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    name: (u32, u32),
    value: (u32, u32),
}

/// A [`Span`] in half the room, for heads shorter than 64 KiB (nearly
/// all): the inline table stays small, and so do the events that carry
/// it, which are moved several times on their way out of the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct NarrowSpan {
    name: (u16, u16),
    value: (u16, u16),
}

impl NarrowSpan {
    fn new(span: &Span) -> Option<Self> {
        let narrow = |(a, b): (u32, u32)| Some((u16::try_from(a).ok()?, u16::try_from(b).ok()?));
        Some(NarrowSpan {
            name: narrow(span.name)?,
            value: narrow(span.value)?,
        })
    }

    fn widen(&self) -> Span {
        Span {
            name: (self.name.0.into(), self.name.1.into()),
            value: (self.value.0.into(), self.value.1.into()),
        }
    }
}

impl Span {
    /// Whether the field is called `name` (any case); lengths are compared
    /// first so most fields are passed over without touching their bytes.
    fn is_named(&self, head: &[u8], name: &[u8]) -> bool {
        (self.name.1 - self.name.0) as usize == name.len()
            && self.name(head).eq_ignore_ascii_case(name)
    }

    fn name<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        &head[self.name.0 as usize..self.name.1 as usize]
    }

    fn value<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        &head[self.value.0 as usize..self.value.1 as usize]
    }
}

/// The header fields of a message, in order, names in the case they came
/// in.
///
/// Received fields are not copied: the headers keep the received head as
/// one shared [`Bytes`] and the positions of each name and value in it
/// (inline for up to 24 fields). Fields [`push`](Self::push)ed by the
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
    /// The received head the spans point into (empty for built headers).
    head: Bytes,
    inline: [NarrowSpan; INLINE],
    inline_len: usize,
    /// Spans past the inline ones.
    spill: Vec<Span>,
    /// Fields pushed by the caller.
    owned: Vec<(Bytes, Bytes)>,
    /// Which [`KNOWN`] names occur (one bit each).
    present: u8,
    /// Which of them occur more than once.
    repeated: u8,
    /// Which of them were received first in an inline span, whose index
    /// is in `first`: looking them up costs no scan.
    indexed: u8,
    first: [u8; KNOWN.len()],
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fields that will point into `head` (see [`push_span`](Self::push_span)).
    pub(crate) fn from_head(head: Bytes) -> Self {
        Headers {
            head,
            ..Self::default()
        }
    }

    /// Records a received field by its position in the head.
    pub(crate) fn push_span(&mut self, name: Range<usize>, value: Range<usize>) {
        let bit = known_bit(&self.head[name.clone()]);
        self.push_span_known(bit, name, value);
    }

    /// Records a received field by its position in a head not attached
    /// yet (see [`set_head`](Self::set_head)); `name` is its text.
    #[inline]
    pub(crate) fn push_field(&mut self, name: &[u8], at: Range<usize>, value: Range<usize>) {
        self.push_span_known(known_bit(name), at, value);
    }

    #[inline]
    fn push_span_known(&mut self, bit: u8, name: Range<usize>, value: Range<usize>) {
        let span = Span {
            name: (name.start as u32, name.end as u32),
            value: (value.start as u32, value.end as u32),
        };
        // Fields stay in order: once one spilled, all later ones do too.
        let narrow =
            NarrowSpan::new(&span).filter(|_| self.spill.is_empty() && self.inline_len < INLINE);
        if bit != 0 && self.present & bit == 0 && narrow.is_some() {
            self.indexed |= bit;
            self.first[bit.trailing_zeros() as usize] = self.inline_len as u8;
        }
        self.note_known(bit);
        if let Some(narrow) = narrow {
            self.inline[self.inline_len] = narrow;
            self.inline_len += 1;
        } else {
            self.spill.push(span);
        }
    }

    /// The received head the fields point into.
    pub(crate) fn head(&self) -> &Bytes {
        &self.head
    }

    /// Replaces the received head by one of the same length (after
    /// unfolding obs-fold in place), or attaches it to fields recorded
    /// with [`push_field`](Self::push_field).
    pub(crate) fn set_head(&mut self, head: Bytes) {
        self.head = head;
    }

    /// The value ranges of the received fields, in order.
    pub(crate) fn value_ranges(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.spans().map(|s| s.value.0 as usize..s.value.1 as usize)
    }

    fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.inline[..self.inline_len]
            .iter()
            .map(NarrowSpan::widen)
            .chain(self.spill.iter().copied())
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
        let span = self.inline[self.first[bit.trailing_zeros() as usize] as usize].widen();
        Some(Some(span.value(&self.head)))
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
        let head = &self.head[..];
        let received = self.spans().find(|s| s.is_named(head, name));
        match received {
            Some(s) => Some(s.value(head)),
            None => self
                .owned
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| &v[..]),
        }
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
        let head = &self.head[..];
        let received = self
            .spans()
            .take(if absent { 0 } else { usize::MAX })
            .filter(move |s| s.is_named(head, name))
            .map(move |s| s.value(head));
        let owned = self
            .owned
            .iter()
            .take(if absent { 0 } else { usize::MAX })
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..]);
        received.chain(owned)
    }

    /// Every field as `(name as received, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let head = &self.head[..];
        self.spans()
            .map(move |s| (s.name(head), s.value(head)))
            .chain(self.owned.iter().map(|(n, v)| (&n[..], &v[..])))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.inline_len + self.spill.len() + self.owned.len()
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

    #[test]
    fn spans_point_into_the_head_and_spill_past_inline() {
        let mut text = Vec::new();
        for i in 0..30u8 {
            text.extend_from_slice(&[b'a' + (i % 26), b':', b'0' + (i % 10)]);
        }
        let head = Bytes::from(text);
        let mut h = Headers::from_head(head);
        for i in 0..30 {
            h.push_span(i * 3..i * 3 + 1, i * 3 + 2..i * 3 + 3);
        }
        h.push("X-Own", "v");
        assert_eq!(h.len(), 31);
        let all: Vec<_> = h.iter().collect();
        assert_eq!(all[0], (&b"a"[..], &b"0"[..]));
        assert_eq!(all[29], (&b"d"[..], &b"9"[..]));
        assert_eq!(all[30], (&b"X-Own"[..], &b"v"[..]));
        assert_eq!(h.get_all("A").collect::<Vec<_>>(), [&b"0"[..], b"6"]);
    }

    #[test]
    fn list_elements_trim_and_skip_empty() {
        let v: Vec<_> = list_elements(b" a ,, b\t,c").collect();
        assert_eq!(v, [&b"a"[..], b"b", b"c"]);
    }
}
