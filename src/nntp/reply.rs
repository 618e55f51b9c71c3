//! Replies: the status line both roles share, and the typed readings of
//! the replies and listing lines a client gets.

use super::command::parse_u64;
use super::Error;
use crate::wire::is_safe_argument;
use alloc::vec::Vec;
use bytes::Bytes;

/// A status line: three digits and text (RFC 3977 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The code, 100 to 599.
    pub code: u16,
    /// The text after the code and its space, as a slice of the line.
    pub text: Bytes,
}

impl Reply {
    /// A reply to send.
    pub fn new(code: u16, text: impl Into<Bytes>) -> Self {
        Reply {
            code,
            text: text.into(),
        }
    }

    /// Parses a status line (without CRLF); the text may be empty.
    pub fn parse(line: Bytes) -> Option<Reply> {
        let digits = line.get(..3)?;
        if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
            return None;
        }
        let code = digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        let text = match line.get(3) {
            None => Bytes::new(),
            Some(b' ') => line.slice(4..),
            Some(_) => return None,
        };
        Some(Reply { code, text })
    }

    /// 1xx, 2xx or 3xx.
    pub fn is_ok(&self) -> bool {
        self.code < 400
    }

    /// The line, CRLF included; refused if the text holds CR, LF or NUL
    /// or the code is not 100 to 599.
    pub fn to_line(&self) -> Result<Vec<u8>, Error> {
        if !is_safe_argument(&self.text) {
            return Err(super::ErrorKind::UnsafeArgument.into());
        }
        if !(100..600).contains(&self.code) {
            return Err(Error::invalid("reply code"));
        }
        let mut line = Vec::with_capacity(self.text.len() + 6);
        line.extend_from_slice(alloc::format!("{}", self.code).as_bytes());
        if !self.text.is_empty() {
            line.push(b' ');
            line.extend_from_slice(&self.text);
        }
        line.extend_from_slice(b"\r\n");
        Ok(line)
    }

    /// The first words of the text, as numbers and slices: `n <id>` of a
    /// 220-223 reply.
    pub fn article(&self) -> Option<(u64, Bytes)> {
        let mut w = words(&self.text);
        let number = parse_u64(&w.next()?)?;
        let id = w.next()?;
        Some((number, id))
    }
}

/// The words of `text`, split at spaces, as slices.
pub(crate) fn words(text: &Bytes) -> impl Iterator<Item = Bytes> + '_ {
    let mut at = 0;
    core::iter::from_fn(move || {
        while text.get(at) == Some(&b' ') {
            at += 1;
        }
        if at >= text.len() {
            return None;
        }
        let len = memchr::memchr(b' ', &text[at..]).unwrap_or(text.len() - at);
        let word = text.slice(at..at + len);
        at += len;
        Some(word)
    })
}

/// The `211 count low high group` reply to GROUP and LISTGROUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// The estimated number of articles.
    pub count: u64,
    /// The lowest article number (the high + 1 of an empty group may
    /// come with a low of high + 1, or 0).
    pub low: u64,
    /// The highest article number.
    pub high: u64,
    /// The group's name.
    pub name: Bytes,
}

impl GroupInfo {
    /// Reads the text of a 211 reply.
    pub fn parse(text: &Bytes) -> Option<GroupInfo> {
        let mut w = words(text);
        Some(GroupInfo {
            count: parse_u64(&w.next()?)?,
            low: parse_u64(&w.next()?)?,
            high: parse_u64(&w.next()?)?,
            name: w.next()?,
        })
    }
}

/// One line of an OVER/XOVER answer (RFC 3977 §8.3), split at its TABs
/// once: the line stays one slice of the receive buffer and each field is
/// a range of it, read as `&[u8]` ([`subject`](Self::subject), ...) or
/// taken as `Bytes` ([`field_bytes`](Self::field_bytes)) without a copy.
/// The seven fixed fields come in their fixed order; the extra ones of
/// LIST OVERVIEW.FMT (`Xref: ...`) follow in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// The article number (0 for OVER by message-id).
    pub number: u64,
    /// `:bytes`, if the server gave a number.
    pub bytes: Option<u64>,
    /// `:lines`, if the server gave a number.
    pub lines: Option<u64>,
    line: Bytes,
    /// Where each of the eight fields after the number starts and ends.
    bounds: [(u32, u32); 8],
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
    /// Splits an overview line at its TABs. Fewer than eight fields is a
    /// malformed line; numbers that do not parse are `None`.
    pub fn parse(line: &Bytes) -> Option<Overview> {
        let mut tabs = [0u32; 8];
        let (n, _) = scan_fields(line, &mut tabs);
        Self::from_tabs(line.clone(), &tabs[..n])
    }

    /// Builds the entry from the positions of the line's first TABs (up
    /// to eight), found by the caller's own scan.
    pub(crate) fn from_tabs(line: Bytes, tabs: &[u32]) -> Option<Overview> {
        let len = u32::try_from(line.len()).ok()?;
        // Number, Subject to :bytes end at a TAB; :lines at the next one
        // or at the end of the line.
        let (&number_end, rest) = tabs.split_first()?;
        if rest.len() < 6 {
            return None;
        }
        let mut bounds = [(len, len); 8];
        let mut start = number_end + 1;
        for (bound, &end) in bounds.iter_mut().zip(&rest[..6]) {
            *bound = (start, end);
            start = end + 1;
        }
        match rest.get(6) {
            Some(&end) => {
                bounds[6] = (start, end);
                bounds[7] = (end + 1, len);
            }
            None => bounds[6] = (start, len),
        }
        let field = |(a, b): (u32, u32)| &line[a as usize..b as usize];
        Some(Overview {
            number: parse_u64(&line[..number_end as usize])?,
            bytes: parse_u64(field(bounds[5])),
            lines: parse_u64(field(bounds[6])),
            bounds,
            line,
        })
    }

    /// A field, as a slice of the line.
    pub fn field(&self, which: OverviewField) -> &[u8] {
        let (a, b) = self.bounds[which as usize];
        &self.line[a as usize..b as usize]
    }

    /// A field as `Bytes` sharing the receive buffer (no copy).
    pub fn field_bytes(&self, which: OverviewField) -> Bytes {
        let (a, b) = self.bounds[which as usize];
        self.line.slice(a as usize..b as usize)
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
    pub fn line(&self) -> &Bytes {
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

impl Overview {
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

/// Finds, in one pass eight bytes at a time, the first TABs of `data`
/// (up to eight, into `tabs`) and the LF that ends its first line: the
/// count of TABs found and the LF's position. Overview lines hold about
/// nine of these in 150 to 300 bytes, too short and too dense for a
/// vector search started per field (see `wire::swar`).
pub(crate) fn scan_fields(data: &[u8], tabs: &mut [u32; 8]) -> (usize, Option<usize>) {
    use crate::wire::swar::equal_bytes;
    // Room past the eighth TAB, so a word's TABs are written without a
    // test each; only the first eight are handed back.
    let mut found = [0u32; 8 + 8];
    let mut n = 0;
    let mut at = 0;
    while let Some(w) = data.get(at..at + 8) {
        let word = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let lf = equal_bytes(word, b'\n');
        let mut tab = equal_bytes(word, b'\t');
        if lf != 0 {
            // The line ends in this word: only the TABs before its LF.
            tab &= (lf - 1) & !lf;
        }
        // Most words hold no TAB or one: the common case branches once.
        while tab != 0 {
            found[n.min(15)] = (at + (tab.trailing_zeros() / 8) as usize) as u32;
            n += 1;
            tab &= tab - 1;
        }
        if lf != 0 {
            let end = at + (lf.trailing_zeros() / 8) as usize;
            return finish(tabs, &found, n, Some(end));
        }
        at += 8;
    }
    for (i, &b) in data.iter().enumerate().skip(at) {
        match b {
            b'\n' => return finish(tabs, &found, n, Some(i)),
            b'\t' => {
                found[n.min(15)] = i as u32;
                n += 1;
            }
            _ => {}
        }
    }
    finish(tabs, &found, n, None)
}

/// Copies the first eight TAB positions out.
fn finish(
    tabs: &mut [u32; 8],
    found: &[u32; 16],
    n: usize,
    end: Option<usize>,
) -> (usize, Option<usize>) {
    let n = n.min(8);
    tabs[..n].copy_from_slice(&found[..n]);
    (n, end)
}

/// One line of LIST ACTIVE, NEWGROUPS or LIST COUNTS: `group high low
/// [count] status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveGroup {
    /// The group's name.
    pub name: Bytes,
    /// The highest article number.
    pub high: u64,
    /// The lowest article number.
    pub low: u64,
    /// The article count (LIST COUNTS only).
    pub count: Option<u64>,
    /// `y`, `n`, `m`, `x`, `j`, `=other.group`.
    pub status: Bytes,
}

impl ActiveGroup {
    /// Reads an active line; `counts` for LIST COUNTS (five fields).
    pub fn parse(line: &Bytes, counts: bool) -> Option<ActiveGroup> {
        let mut w = words(line);
        let name = w.next()?;
        let high = parse_u64(&w.next()?)?;
        let low = parse_u64(&w.next()?)?;
        let count = match counts {
            true => Some(parse_u64(&w.next()?)?),
            false => None,
        };
        let status = w.next()?;
        Some(ActiveGroup {
            name,
            high,
            low,
            count,
            status,
        })
    }
}

/// The CAPABILITIES answer (RFC 3977 §5.2): one line per capability, the
/// label first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities(pub Vec<Bytes>);

impl Capabilities {
    /// The line whose label is `label` (any case).
    pub fn get(&self, label: &str) -> Option<&Bytes> {
        self.0.iter().find(|line| {
            let end = memchr::memchr(b' ', line).unwrap_or(line.len());
            line[..end].eq_ignore_ascii_case(label.as_bytes())
        })
    }

    /// Whether the capability `label` is listed.
    pub fn has(&self, label: &str) -> bool {
        self.get(label).is_some()
    }

    /// Whether `label` lists `argument` (`LIST ACTIVE`, `SASL PLAIN`).
    pub fn has_argument(&self, label: &str, argument: &str) -> bool {
        self.get(label).is_some_and(|line| {
            words(line)
                .skip(1)
                .any(|w| w.eq_ignore_ascii_case(argument.as_bytes()))
        })
    }

    /// Whether STARTTLS is offered.
    pub fn starttls(&self) -> bool {
        self.has("STARTTLS")
    }

    /// Whether the server is in reader mode (READER listed).
    pub fn reader(&self) -> bool {
        self.has("READER")
    }

    /// Whether MODE READER is needed to read (MODE-READER listed).
    pub fn mode_reader(&self) -> bool {
        self.has("MODE-READER")
    }

    /// Whether `AUTHINFO SASL mechanism` is offered.
    pub fn has_sasl(&self, mechanism: &str) -> bool {
        self.has_argument("SASL", mechanism)
    }

    /// Every line, label first.
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines() {
        let r = Reply::parse(Bytes::from_static(b"211 3 1 3 misc.test")).unwrap();
        assert_eq!(r.code, 211);
        let g = GroupInfo::parse(&r.text).unwrap();
        assert_eq!(
            (g.count, g.low, g.high, &g.name[..]),
            (3, 1, 3, &b"misc.test"[..])
        );
        assert_eq!(Reply::parse(Bytes::from_static(b"205")).unwrap().text, "");
        assert!(Reply::parse(Bytes::from_static(b"2x1 a")).is_none());
        assert!(Reply::parse(Bytes::from_static(b"2111")).is_none());
        assert!(Reply::parse(Bytes::from_static(b"611 a")).is_none());
        let a = Reply::parse(Bytes::from_static(b"220 7 <x@y> article")).unwrap();
        assert_eq!(a.article(), Some((7, Bytes::from_static(b"<x@y>"))));
    }

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
        let mut tabs = [0; 8];
        for len in 0..40 {
            let mut data = b"a\tbb\tccc\t\t\td\te\tf\tg\th\tij\tk\tl\r\nrest\t".to_vec();
            data.truncate(len);
            let lf = data.iter().position(|&b| b == b'\n');
            let until = lf.unwrap_or(data.len());
            let want: Vec<u32> = (0..until)
                .filter(|&i| data[i] == b'\t')
                .map(|i| i as u32)
                .take(8)
                .collect();
            let (n, found) = scan_fields(&data, &mut tabs);
            assert_eq!((&tabs[..n], found), (&want[..], lf), "{len}");
        }
        let two = Bytes::from_static(b"3\ts\tf\td\t<i>\t\t1\t1\tX: a\tY: b");
        assert_eq!(Overview::parse(&two).unwrap().extras().count(), 2);
        assert!(Overview::parse(&Bytes::from_static(b"3\ts\tf")).is_none());
    }

    #[test]
    fn active_lines_and_capabilities() {
        let a =
            ActiveGroup::parse(&Bytes::from_static(b"misc.test 0000003 0000001 y"), false).unwrap();
        assert_eq!((a.high, a.low, &a.status[..]), (3, 1, &b"y"[..]));
        let c = ActiveGroup::parse(&Bytes::from_static(b"misc.test 3 1 3 y"), true).unwrap();
        assert_eq!(c.count, Some(3));
        let caps = Capabilities(alloc::vec![
            Bytes::from_static(b"VERSION 2"),
            Bytes::from_static(b"LIST ACTIVE NEWSGROUPS"),
            Bytes::from_static(b"SASL PLAIN"),
        ]);
        assert!(caps.has_argument("list", "newsgroups"));
        assert!(caps.has_sasl("PLAIN") && !caps.starttls());
    }
}
