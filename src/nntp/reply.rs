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
