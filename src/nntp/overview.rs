//! OVER/XOVER lines (RFC 3977 §8.3, §8.4): the entry, its fields, the
//! batches the client hands them out in, and the scans that find their
//! TABs and line ends.

use super::command::parse_u64;
use alloc::vec::Vec;
use bytes::Bytes;
use wide::u8x16;

/// One line of an OVER/XOVER answer, split at its TABs once: the line
/// stays one slice (`B`: [`Bytes`], or `&[u8]` inside an
/// [`OverviewBatch`]) and each field is a range of it, read as `&[u8]`
/// ([`subject`](Self::subject), ...) or, for `Overview<Bytes>`, taken as
/// `Bytes` ([`field_bytes`](Self::field_bytes)) without a copy. The seven
/// fixed fields come in their fixed order; the extra ones of LIST
/// OVERVIEW.FMT (`Xref: ...`) follow in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview<B = Bytes> {
    /// The article number (0 for OVER by message-id).
    pub number: u64,
    /// `:bytes`, if the server gave a number.
    pub bytes: Option<u64>,
    /// `:lines`, if the server gave a number.
    pub lines: Option<u64>,
    line: B,
    /// The line's first eight TABs: the number ends at the first, field
    /// `k` (Subject = 0) runs from `tabs[k] + 1` to `tabs[k + 1]`; a line
    /// without extra fields has its length as the eighth.
    tabs: [u32; 8],
}

/// The fields of an overview line, in order after the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewField {
    /// `Subject`.
    Subject = 0,
    /// `From`.
    From = 1,
    /// `Date`.
    Date = 2,
    /// `Message-ID`.
    MessageId = 3,
    /// `References`.
    References = 4,
    /// `:bytes` as sent.
    Bytes = 5,
    /// `:lines` as sent.
    Lines = 6,
    /// Every field after `:lines`, TAB-separated.
    Extra = 7,
}

impl Overview {
    /// Splits an overview line (without its CRLF) at its TABs. Fewer than
    /// eight fields is a malformed line; numbers that do not parse are
    /// `None`.
    pub fn parse(line: &Bytes) -> Option<Overview> {
        Overview::split(line.clone())
    }

    /// A field as `Bytes` sharing the receive buffer (no copy).
    pub fn field_bytes(&self, which: OverviewField) -> Bytes {
        let (a, b) = self.bounds(which);
        self.line.slice(a..b)
    }
}

impl<B: AsRef<[u8]>> Overview<B> {
    /// Splits `line` (without its CRLF) at its TABs, as
    /// [`Overview::parse`] does.
    pub fn split(line: B) -> Option<Overview<B>> {
        let mut tabs = [0u32; 8];
        let (n, _) = scan_fields(line.as_ref(), &mut tabs);
        Self::from_tabs(line, tabs, n)
    }

    /// Builds the entry from the positions of the line's first `n` TABs
    /// (up to eight), found by the caller's own scan.
    fn from_tabs(line: B, mut tabs: [u32; 8], n: usize) -> Option<Overview<B>> {
        let bytes = line.as_ref();
        let len = u32::try_from(bytes.len()).ok()?;
        // Number, Subject to :bytes end at a TAB; :lines at the next one
        // or at the end of the line.
        match n {
            8 => {}
            7 => tabs[7] = len,
            _ => return None,
        }
        let field = |k: usize| &bytes[tabs[k] as usize + 1..tabs[k + 1] as usize];
        Some(Overview {
            number: parse_u64(&bytes[..tabs[0] as usize])?,
            bytes: parse_u64(field(5)),
            lines: parse_u64(field(6)),
            tabs,
            line,
        })
    }

    fn bounds(&self, which: OverviewField) -> (usize, usize) {
        let len = self.line.as_ref().len();
        match which {
            OverviewField::Extra => ((self.tabs[7] as usize + 1).min(len), len),
            k => (
                self.tabs[k as usize] as usize + 1,
                self.tabs[k as usize + 1] as usize,
            ),
        }
    }

    /// A field, as a slice of the line.
    pub fn field(&self, which: OverviewField) -> &[u8] {
        let (a, b) = self.bounds(which);
        &self.line.as_ref()[a..b]
    }

    /// `Subject`.
    pub fn subject(&self) -> &[u8] {
        self.field(OverviewField::Subject)
    }

    /// `From`.
    pub fn from(&self) -> &[u8] {
        self.field(OverviewField::From)
    }

    /// `Date`.
    pub fn date(&self) -> &[u8] {
        self.field(OverviewField::Date)
    }

    /// `Message-ID`.
    pub fn message_id(&self) -> &[u8] {
        self.field(OverviewField::MessageId)
    }

    /// `References`.
    pub fn references(&self) -> &[u8] {
        self.field(OverviewField::References)
    }

    /// The fields after `:lines`, still TAB-separated; see
    /// [`extras`](Self::extras).
    pub fn extra(&self) -> &[u8] {
        self.field(OverviewField::Extra)
    }

    /// The whole line.
    pub fn line(&self) -> &B {
        &self.line
    }

    /// The extra fields, one by one (`Xref: ...`, in the order of LIST
    /// OVERVIEW.FMT).
    pub fn extras(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let extra = self.extra();
        extra
            .split(|&b| b == b'\t')
            .take(if extra.is_empty() { 0 } else { usize::MAX })
    }

    /// The extra field `name` (any case) of LIST OVERVIEW.FMT, its value
    /// without the `Name: ` a `full` field carries.
    pub fn header<'a>(&'a self, format: &OverviewFormat, name: &str) -> Option<&'a [u8]> {
        let at = format
            .extra
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))?;
        let value = self.extras().nth(at)?;
        if !format.extra[at].1 {
            return Some(value);
        }
        let colon = memchr::memchr(b':', value)?;
        Some(value[colon + 1..].trim_ascii_start())
    }
}

/// Overview lines received together, handed out as one event: one slice
/// of the receive buffer for them all, so an entry costs no reference
/// count of its own. [`iter`](Self::iter) splits them into fields as it
/// goes; [`share`](Self::share) makes an entry that outlives the batch.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::nntp::OverviewBatch;
/// let batch = OverviewBatch::new(Bytes::from_static(
///     b"1\tHi\ta@b\td\t<1@b>\t\t10\t1\r\n2\tshort\r\n3\tYo\ta@b\td\t<3@b>\t\t10\t1\r\n"));
/// let subjects: Vec<_> = batch.iter().map(|e| e.map(|o| o.subject().to_vec())).collect();
/// assert_eq!(subjects, [Ok(b"Hi".to_vec()), Err(&b"2\tshort"[..]), Ok(b"Yo".to_vec())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewBatch {
    lines: Bytes,
}

impl OverviewBatch {
    /// A batch of lines, each ending in CRLF (the last one may have no
    /// ending), none dot-stuffed.
    pub fn new(lines: Bytes) -> Self {
        OverviewBatch { lines }
    }

    /// The lines as received, line ends included.
    pub fn as_bytes(&self) -> &Bytes {
        &self.lines
    }

    /// The entries in order: each line split into its fields, or, for a
    /// line that is not an overview line (too few fields, no number), the
    /// line as it came, as `Err`.
    pub fn iter(&self) -> OverviewLines<'_> {
        OverviewLines { rest: &self.lines }
    }

    /// The entries that parse, each as an [`Overview`] of its own (one
    /// reference count apiece, no copy).
    pub fn shared(&self) -> impl Iterator<Item = Overview> + '_ {
        self.iter().filter_map(Result::ok).map(|o| self.share(&o))
    }

    /// An entry of this batch as an [`Overview`] sharing the receive
    /// buffer.
    pub fn share(&self, entry: &Overview<&[u8]>) -> Overview {
        Overview {
            number: entry.number,
            bytes: entry.bytes,
            lines: entry.lines,
            line: self.lines.slice_ref(entry.line),
            tabs: entry.tabs,
        }
    }

    /// A part of this batch (a field of an entry) as `Bytes`, no copy.
    pub fn bytes_of(&self, part: &[u8]) -> Bytes {
        self.lines.slice_ref(part)
    }
}

/// The entries of an [`OverviewBatch`]; see [`OverviewBatch::iter`].
#[derive(Debug, Clone)]
pub struct OverviewLines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for OverviewLines<'a> {
    type Item = Result<Overview<&'a [u8]>, &'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let mut tabs = [0u32; 8];
        // One pass finds the TABs and the line's end together.
        let (n, end) = scan_fields(self.rest, &mut tabs);
        let (line, rest) = match end {
            Some(lf) => {
                let content = if lf > 0 && self.rest[lf - 1] == b'\r' {
                    lf - 1
                } else {
                    lf
                };
                (&self.rest[..content], &self.rest[lf + 1..])
            }
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        Some(Overview::from_tabs(line, tabs, n).ok_or(line))
    }
}

/// How many bytes at the start of `window` are whole overview lines the
/// client may hand out as one batch: each ends in CRLF and none starts
/// with a dot (the end of the block, or a stuffed line, which the
/// line-at-a-time path reads). 0 when the first line is not such a line.
/// One pass over the line ends of the block; a window no longer than the
/// line limit holds no line over it.
pub(crate) fn batch_len(window: &[u8]) -> usize {
    if window.first() == Some(&b'.') {
        return 0;
    }
    let mut end = 0;
    for lf in memchr::memchr_iter(b'\n', window) {
        // A bare LF: the line-at-a-time path reports it.
        if lf == 0 || window[lf - 1] != b'\r' {
            break;
        }
        end = lf + 1;
        if window.get(end) == Some(&b'.') {
            break;
        }
    }
    end
}

const TAB: u8x16 = u8x16::new([b'\t'; 16]);
const LF: u8x16 = u8x16::new([b'\n'; 16]);

/// The TABs and LFs of 64 bytes, one bit per byte.
#[inline]
fn masks(chunk: &[u8; 64]) -> (u64, u64) {
    let mut tab = 0;
    let mut lf = 0;
    for (i, part) in chunk.chunks_exact(16).enumerate() {
        let v = u8x16::new(part.try_into().expect("16 bytes"));
        let bits = |m: u8x16| u64::from(m.move_mask() as u16) << (16 * i);
        tab |= bits(v.cmp_eq(TAB));
        lf |= bits(v.cmp_eq(LF));
    }
    (tab, lf)
}

/// Finds, in one pass 64 bytes at a time (SSE2 compares on x86-64, safe
/// code through `wide`), the first TABs of `data` (up to eight, into
/// `tabs`) and the LF that ends its first line: the count of TABs found
/// and the LF's position. Overview lines hold about ten of these in 150
/// to 300 bytes, too dense for a search started per field.
pub(crate) fn scan_fields(data: &[u8], tabs: &mut [u32; 8]) -> (usize, Option<usize>) {
    let mut n = 0;
    let mut at = 0;
    while at < data.len() {
        let (tab, lf) = match data.get(at..at + 64) {
            Some(chunk) => masks(chunk.try_into().expect("64 bytes")),
            None => {
                let mut tail = [0u8; 64];
                tail[..data.len() - at].copy_from_slice(&data[at..]);
                masks(&tail)
            }
        };
        // Only the TABs before the line's LF count.
        let mut tab = if lf != 0 {
            tab & ((lf & lf.wrapping_neg()) - 1)
        } else {
            tab
        };
        while tab != 0 && n < 8 {
            tabs[n] = (at + tab.trailing_zeros() as usize) as u32;
            n += 1;
            tab &= tab - 1;
        }
        if lf != 0 {
            return (n, Some(at + lf.trailing_zeros() as usize));
        }
        at += 64;
    }
    (n, None)
}

/// The fields LIST OVERVIEW.FMT says follow the seven fixed ones (RFC
/// 3977 §8.4): their names and whether the server sends the header name
/// with the value (`Xref:full`).
///
/// ```
/// use bytes::Bytes;
/// use sanswire::nntp::{Overview, OverviewFormat};
/// let fmt = OverviewFormat::parse(["Subject:", "From:", "Date:", "Message-ID:",
///     "References:", ":bytes", ":lines", "Xref:full", "X-Tag:"].map(Bytes::from));
/// let line = Bytes::from_static(b"7\ts\tf\td\t<i@h>\t\t10\t1\tXref: h misc.test:7\tblue");
/// let o = Overview::parse(&line).unwrap();
/// assert_eq!(o.header(&fmt, "xref"), Some(&b"h misc.test:7"[..]));
/// assert_eq!(o.header(&fmt, "X-Tag"), Some(&b"blue"[..]));
/// assert_eq!(o.header(&fmt, "Lines"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverviewFormat {
    /// The extra fields in order: name (without the colon) and `full`.
    pub extra: Vec<(Bytes, bool)>,
}

impl OverviewFormat {
    /// Reads the lines of LIST OVERVIEW.FMT (the first seven name the
    /// fixed fields, in RFC 3977's or RFC 2980's spelling).
    pub fn parse(lines: impl IntoIterator<Item = Bytes>) -> OverviewFormat {
        let extra = lines
            .into_iter()
            .skip(7)
            .map(|line| {
                let line = line.slice_ref(line.trim_ascii());
                let full = line.len() >= 5 && line[line.len() - 5..].eq_ignore_ascii_case(b":full");
                let name = if full {
                    &line[..line.len() - 5]
                } else {
                    &line[..]
                };
                let name = name.strip_suffix(b":").unwrap_or(name);
                (line.slice_ref(name), full)
            })
            .collect();
        OverviewFormat { extra }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_fields() {
        let line = Bytes::from_static(
            b"3\tRe: hi\tA <a@b>\tMon, 1 Jan 2024\t<3@b>\t<1@b> <2@b>\t120\t4\tXref: h misc.test:3",
        );
        let o = Overview::parse(&line).unwrap();
        assert_eq!(o.number, 3);
        assert_eq!(o.subject(), b"Re: hi");
        assert_eq!(o.references(), b"<1@b> <2@b>");
        assert_eq!(&o.field_bytes(OverviewField::Date)[..], b"Mon, 1 Jan 2024");
        assert_eq!((o.bytes, o.lines), (Some(120), Some(4)));
        assert_eq!(
            o.extras().collect::<Vec<_>>(),
            [&b"Xref: h misc.test:3"[..]]
        );
        let short = Bytes::from_static(b"3\ts\tf\td\t<i>\t\t1\t1");
        let o = Overview::parse(&short).unwrap();
        assert_eq!(o.lines, Some(1));
        assert!(o.extra().is_empty() && o.extras().next().is_none());
        let two = Bytes::from_static(b"3\ts\tf\td\t<i>\t\t1\t1\tX: a\tY: b");
        assert_eq!(Overview::parse(&two).unwrap().extras().count(), 2);
        assert!(Overview::parse(&Bytes::from_static(b"3\ts\tf")).is_none());
        // A trailing TAB: an empty extra field.
        let o = Overview::split(&b"3\ts\tf\td\t<i>\t\t1\t1\t"[..]).unwrap();
        assert_eq!((o.extra(), o.extras().count()), (&b""[..], 0));
    }

    #[test]
    fn the_scan_finds_what_a_byte_loop_finds() {
        let mut tabs = [0; 8];
        let base = b"a\tbb\tccc\t\t\td\te\tf\tg\th\tij\tk\tl\r\nrest\t";
        for start in 0..base.len() {
            for len in 0..80 {
                let mut data = base[start..].repeat(3);
                data.truncate(len);
                let lf = data.iter().position(|&b| b == b'\n');
                let until = lf.unwrap_or(data.len());
                let want: Vec<u32> = (0..until)
                    .filter(|&i| data[i] == b'\t')
                    .map(|i| i as u32)
                    .take(8)
                    .collect();
                let (n, found) = scan_fields(&data, &mut tabs);
                assert_eq!((&tabs[..n], found), (&want[..], lf), "{start} {len}");
            }
        }
    }

    #[test]
    fn batches_stop_before_dots_bare_lfs_and_partial_lines() {
        assert_eq!(batch_len(b"1\ta\r\n2\tb\r\n.\r\n"), 10);
        assert_eq!(batch_len(b"1\ta\r\n..2\r\n"), 5);
        assert_eq!(batch_len(b".\r\n"), 0);
        assert_eq!(batch_len(b"1\ta\r\n2\tb"), 5);
        assert_eq!(batch_len(b"1\ta"), 0);
        assert_eq!(batch_len(b"1\ta\r\n2\tb\n3\r\n"), 5);
        assert_eq!(batch_len(b"\n1\r\n"), 0);
        assert_eq!(batch_len(b"1\r\r\n"), 4);
    }

    #[test]
    fn a_batch_hands_out_every_line() {
        let batch = OverviewBatch::new(Bytes::from_static(
            b"1\ts\tf\td\t<1@b>\t\t10\t1\r\n\r\n2\ts2\tf\td\t<2@b>\t\t10\t1\tXref: x\r\n",
        ));
        let got: Vec<_> = batch.iter().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], Err(&b""[..]));
        let shared: Vec<Overview> = batch.shared().collect();
        assert_eq!(shared[1].extra(), b"Xref: x");
        assert_eq!(&shared[1].field_bytes(OverviewField::Subject)[..], b"s2");
        let single = OverviewBatch::new(Bytes::from_static(b"3\ts\tf\td\t<3@b>\t\t1\t1"));
        assert_eq!(single.iter().next().unwrap().unwrap().number, 3);
    }
}
