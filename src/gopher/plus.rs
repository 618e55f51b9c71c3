//! Gopher+: the data header in front of an answer, and attribute blocks.

use super::item::push_decimal;
use super::{Error, ErrorKind, Item};
use alloc::vec::Vec;
use bytes::Bytes;

/// How long a Gopher+ answer is, from its header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Length {
    /// `+N`: exactly N bytes follow.
    Bytes(u64),
    /// `+-1`: text ended by a `.` line.
    DotTerminated,
    /// `+-2`: bytes until the server closes.
    UntilClose,
}

/// The header line that starts every Gopher+ answer: `+` and a length for
/// data, `-` and a length for an error (whose text follows).
///
/// ```
/// use sanswire::gopher::{DataHeader, Length};
/// assert_eq!(DataHeader::parse(b"+5340"), Some(DataHeader { ok: true, length: Length::Bytes(5340) }));
/// assert_eq!(DataHeader::parse(b"--1"), Some(DataHeader { ok: false, length: Length::DotTerminated }));
/// assert_eq!(DataHeader::parse(b"+INFO: 0x\t/x\th\t70"), None);
/// assert_eq!(DataHeader::new(Length::UntilClose).to_line(), b"+-2\r\n");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataHeader {
    /// `+` (data) or `-` (an error).
    pub ok: bool,
    /// How the answer's body is framed.
    pub length: Length,
}

impl DataHeader {
    /// A data (`+`) header.
    pub fn new(length: Length) -> Self {
        DataHeader { ok: true, length }
    }

    /// An error (`-`) header.
    pub fn error(length: Length) -> Self {
        DataHeader { ok: false, length }
    }

    /// Reads a header line (without its ending, a trailing CR and
    /// whitespace allowed); `None` if the line is not one (an answer from
    /// a server that does not speak Gopher+, or attribute blocks sent
    /// without a header).
    pub fn parse(line: &[u8]) -> Option<DataHeader> {
        let line = line.trim_ascii_end();
        let (&sign, rest) = line.split_first()?;
        let ok = match sign {
            b'+' => true,
            b'-' => false,
            _ => return None,
        };
        let length = match rest {
            b"-1" => Length::DotTerminated,
            b"-2" => Length::UntilClose,
            digits if digits.len() <= 19 => Length::Bytes(crate::wire::number::parse_u64(digits)?),
            _ => return None,
        };
        Some(DataHeader { ok, length })
    }

    /// The header line, CRLF included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = Vec::with_capacity(24);
        line.push(if self.ok { b'+' } else { b'-' });
        match self.length {
            Length::DotTerminated => line.extend_from_slice(b"-1"),
            Length::UntilClose => line.extend_from_slice(b"-2"),
            Length::Bytes(n) => push_decimal(&mut line, n),
        }
        line.extend_from_slice(b"\r\n");
        line
    }
}

/// One attribute block of a Gopher+ `!` or `$` answer: its `+NAME:` line
/// and the lines after it that start with a space.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::gopher::{parse_attributes, ItemType};
/// let answer = Bytes::from_static(b"+INFO: 0About\t/about\thost\t70\t+\r\n\
/// +ADMIN:\r\n Admin: Kim <kim@example.org>\r\n Mod-Date: <20250101000000>\r\n\
/// +VIEWS:\r\n text/plain: <2k>\r\n text/plain De_DE: <3k>\r\n");
/// let blocks: Vec<_> = parse_attributes(&answer).collect();
/// assert_eq!(&blocks[0].name[..], b"INFO");
/// assert_eq!(blocks[0].info().unwrap().kind, ItemType::Text);
/// assert_eq!(blocks[1].lines().next(), Some(&b"Admin: Kim <kim@example.org>"[..]));
/// let views: Vec<_> = blocks[2].views().collect();
/// assert_eq!(views[1].language, Some(&b"De_DE"[..]));
/// assert_eq!(views[1].size, Some(&b"3k"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The name, without `+` and `:` (`INFO`, `ADMIN`, `VIEWS`, `ABSTRACT`).
    pub name: Bytes,
    /// What follows the colon on the same line, leading space removed
    /// (for `+INFO`, the item's menu line).
    pub value: Bytes,
    /// The lines after, each still with its leading space and line end.
    pub body: Bytes,
}

/// One view of a `+VIEWS` block: `mime [language]: <size>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View<'a> {
    /// The MIME type (`text/plain`).
    pub mime: &'a [u8],
    /// The language (`En_US`), if given.
    pub language: Option<&'a [u8]>,
    /// The size between `<` and `>` (`2k`), if given.
    pub size: Option<&'a [u8]>,
}

impl Attribute {
    /// The body's lines, leading space and line end removed.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.body
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty())
            .map(|l| l.strip_prefix(b" ").unwrap_or(l))
    }

    /// For `+INFO`, the item it describes.
    pub fn info(&self) -> Option<Item> {
        Item::parse(&self.value)
    }

    /// For `+VIEWS`, the views offered.
    pub fn views(&self) -> impl Iterator<Item = View<'_>> + '_ {
        self.lines().filter_map(|line| {
            let (head, size) = match memchr::memchr(b':', line) {
                Some(i) => (&line[..i], Some(&line[i + 1..])),
                None => (line, None),
            };
            let size = size.and_then(|s| {
                let s = s.trim_ascii();
                let s = s.strip_prefix(b"<")?;
                Some(s.strip_suffix(b">").unwrap_or(s))
            });
            let head = head.trim_ascii();
            let (mime, language) = match memchr::memchr(b' ', head) {
                Some(i) => (&head[..i], Some(head[i + 1..].trim_ascii())),
                None => (head, None),
            };
            (!mime.is_empty()).then_some(View {
                mime,
                language,
                size,
            })
        })
    }
}

/// The attribute blocks of a Gopher+ `!` or `$` answer held in memory
/// (without its data header, unstuffed), as slices of it. Lines may end
/// in CRLF or LF; lines before the first block, and a final `.` line, are
/// skipped.
pub fn parse_attributes(answer: &Bytes) -> impl Iterator<Item = Attribute> + '_ {
    let mut rest: &[u8] = answer;
    core::iter::from_fn(move || {
        // Find the next `+NAME:` line.
        loop {
            if rest.is_empty() {
                return None;
            }
            if rest[0] == b'+' {
                break;
            }
            rest = match memchr::memchr(b'\n', rest) {
                Some(i) => &rest[i + 1..],
                None => &[],
            };
        }
        let line_end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = rest[..line_end].trim_ascii_end();
        let (name, value) = match memchr::memchr(b':', line) {
            Some(i) => (
                &line[1..i],
                line[i + 1..].strip_prefix(b" ").unwrap_or(&line[i + 1..]),
            ),
            None => (&line[1..], &[][..]),
        };
        // The body runs until the next line that starts with `+` or `.`.
        let mut end = line_end;
        while end < rest.len() && rest[end] != b'+' && rest[end] != b'.' {
            end = memchr::memchr(b'\n', &rest[end..]).map_or(rest.len(), |i| end + i + 1);
        }
        let slice = |s: &[u8]| {
            if s.is_empty() {
                Bytes::new()
            } else {
                answer.slice_ref(s)
            }
        };
        let block = Attribute {
            name: slice(name),
            value: slice(value),
            body: slice(&rest[line_end..end]),
        };
        rest = &rest[end..];
        Some(block)
    })
}

/// Builds the attribute blocks of a `!` or `$` answer, refusing names that
/// are not `A-Z` and lines that hold CR, LF or NUL.
///
/// ```
/// use sanswire::gopher::{AttributesBuilder, Item, ItemType};
/// let mut a = AttributesBuilder::new();
/// a.info(&Item::new(ItemType::Text, "About", "/about", "h", 70).with_plus()).unwrap();
/// a.block("ADMIN", "").unwrap().line("Admin: Kim <kim@example.org>").unwrap();
/// assert!(a.block("BAD NAME", "").is_err());
/// assert!(a.line("two\r\nlines").is_err());
/// assert_eq!(a.finish().as_ref(), b"+INFO: 0About\t/about\th\t70\t+\r\n+ADMIN:\r\n Admin: Kim <kim@example.org>\r\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct AttributesBuilder {
    buf: Vec<u8>,
}

impl AttributesBuilder {
    /// No blocks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a block `+NAME: value` (`+NAME:` when `value` is empty).
    pub fn block(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<&mut Self, Error> {
        let value = value.as_ref();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') {
            return Err(ErrorKind::InvalidArgument("attribute name not A-Z").into());
        }
        check_line(value)?;
        self.buf.push(b'+');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b':');
        if !value.is_empty() {
            self.buf.push(b' ');
            self.buf.extend_from_slice(value);
        }
        self.buf.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// A `+INFO` block for `item`: its menu line.
    pub fn info(&mut self, item: &Item) -> Result<&mut Self, Error> {
        let mut line = Vec::new();
        item.write_line(&mut line)?;
        line.truncate(line.len() - 2);
        // The menu line holds TABs, which a block line may.
        self.buf.extend_from_slice(b"+INFO: ");
        self.buf.extend_from_slice(&line);
        self.buf.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// A line of the current block (sent after a space).
    pub fn line(&mut self, text: impl AsRef<[u8]>) -> Result<&mut Self, Error> {
        let text = text.as_ref();
        check_line(text)?;
        self.buf.push(b' ');
        self.buf.extend_from_slice(text);
        self.buf.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// The blocks, ready for
    /// [`Server::send_attributes`](super::Server::send_attributes).
    pub fn finish(self) -> Bytes {
        Bytes::from(self.buf)
    }
}

/// A block line may hold TABs (an `+INFO` menu line), not CR, LF or NUL.
fn check_line(text: &[u8]) -> Result<(), Error> {
    if memchr::memchr3(b'\r', b'\n', 0, text).is_some() {
        return Err(ErrorKind::UnsafeArgument.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        for (line, want) in [
            (&b"+-1"[..], Some(DataHeader::new(Length::DotTerminated))),
            (b"+-2\r", Some(DataHeader::new(Length::UntilClose))),
            (b"+0", Some(DataHeader::new(Length::Bytes(0)))),
            (b"-2", Some(DataHeader::error(Length::Bytes(2)))),
            (b"+", None),
            (b"+-3", None),
            (b"+99999999999999999999", None),
            (b"iWelcome", None),
        ] {
            assert_eq!(DataHeader::parse(line), want, "{line:?}");
        }
        let h = DataHeader::error(Length::Bytes(1234));
        let line = h.to_line();
        assert_eq!(DataHeader::parse(&line), Some(h));
    }

    #[test]
    fn blocks_with_lf_and_a_terminator() {
        let a = Bytes::from_static(b"+INFO: 1Dir\t/d\th\t70\t+\n+ABSTRACT:\n A dir\n.\n");
        let blocks: Vec<_> = parse_attributes(&a).collect();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].lines().collect::<Vec<_>>(), [&b"A dir"[..]]);
    }
}
