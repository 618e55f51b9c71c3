//! Values both directions share: mailbox names, flags, sequence sets,
//! dates, and the generic value that keeps what is not typed.

use super::syntax::{write_num, Cursor, Out, PResult, Sink};
use super::{utf7_decode, utf7_encode, Error, ErrorKind};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// A mailbox name as on the wire: modified UTF-7, or UTF-8 after
/// `ENABLE UTF8=ACCEPT`. `INBOX` is case-insensitive.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Mailbox(pub Bytes);

impl Mailbox {
    /// The name of a UTF-8 string, encoded in modified UTF-7.
    pub fn new(name: &str) -> Self {
        if name.eq_ignore_ascii_case("INBOX") {
            return Mailbox(Bytes::from_static(b"INBOX"));
        }
        Mailbox(Bytes::from(utf7_encode(name).into_bytes()))
    }

    /// The name as UTF-8 bytes, to send after `ENABLE UTF8=ACCEPT`.
    pub fn utf8(name: &str) -> Self {
        Mailbox(Bytes::copy_from_slice(name.as_bytes()))
    }

    /// The name decoded: modified UTF-7, or else UTF-8, or else lossy.
    pub fn decode(&self) -> String {
        if let Some(s) = utf7_decode(&self.0) {
            return s;
        }
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// Whether this is INBOX (any case).
    pub fn is_inbox(&self) -> bool {
        self.0.eq_ignore_ascii_case(b"INBOX")
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({:?})", self.decode())
    }
}

impl From<&str> for Mailbox {
    fn from(s: &str) -> Self {
        Mailbox::new(s)
    }
}

/// A flag or keyword as on the wire (`\Seen`, `$Forwarded`, `\*`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Flag(pub Bytes);

impl Flag {
    /// `\Seen`.
    pub const SEEN: Flag = Flag(Bytes::from_static(b"\\Seen"));
    /// `\Answered`.
    pub const ANSWERED: Flag = Flag(Bytes::from_static(b"\\Answered"));
    /// `\Flagged`.
    pub const FLAGGED: Flag = Flag(Bytes::from_static(b"\\Flagged"));
    /// `\Deleted`.
    pub const DELETED: Flag = Flag(Bytes::from_static(b"\\Deleted"));
    /// `\Draft`.
    pub const DRAFT: Flag = Flag(Bytes::from_static(b"\\Draft"));
    /// `\Recent` (IMAP4rev1 only).
    pub const RECENT: Flag = Flag(Bytes::from_static(b"\\Recent"));

    /// A flag from text (`"\\Seen"`, `"$Junk"`).
    pub fn new(s: &str) -> Self {
        Flag(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// Whether it is `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flag({})", String::from_utf8_lossy(&self.0))
    }
}

/// A sequence set (`1:4,7,9:*`): ranges of message numbers or UIDs; `0`
/// stands for `*` (the largest in use), since 0 is never a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SeqSet(pub Vec<(u32, u32)>);

impl SeqSet {
    /// `*`'s stand-in.
    pub const STAR: u32 = 0;

    /// One number.
    pub fn single(n: u32) -> Self {
        SeqSet(alloc::vec![(n, n)])
    }

    /// `a:b`.
    pub fn range(a: u32, b: u32) -> Self {
        SeqSet(alloc::vec![(a, b)])
    }

    /// `1:*`.
    pub fn all() -> Self {
        SeqSet(alloc::vec![(1, Self::STAR)])
    }

    /// Parses `1:4,7,9:*`.
    pub fn parse(s: &[u8]) -> Option<Self> {
        let b = Bytes::copy_from_slice(s);
        let mut c = Cursor::new(&b, 1, usize::MAX);
        let set = c.seq_set().ok()?;
        (c.pos == b.len()).then_some(set)
    }

    /// Whether `n` is in the set, with `*` standing for `max`.
    pub fn contains(&self, n: u32, max: u32) -> bool {
        self.0.iter().any(|&(a, b)| {
            let a = if a == 0 { max } else { a };
            let b = if b == 0 { max } else { b };
            (a.min(b)..=a.max(b)).contains(&n)
        })
    }

    /// Every number in the set, ascending, with `*` standing for `max`
    /// (numbers above `max` left out).
    pub fn expand(&self, max: u32) -> Vec<u32> {
        let mut v = Vec::new();
        for &(a, b) in &self.0 {
            let a = if a == 0 { max } else { a };
            let b = if b == 0 { max } else { b };
            let (lo, hi) = (a.min(b), a.max(b).min(max));
            if lo <= hi {
                v.extend(lo..=hi);
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    pub(crate) fn encode(&self, sink: &mut dyn Sink) -> PResult<()> {
        if self.0.is_empty() {
            return Err(ErrorKind::InvalidArgument.into());
        }
        for (i, &(a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                sink.text(b",");
            }
            seq_num(sink, a);
            if a != b {
                sink.text(b":");
                seq_num(sink, b);
            }
        }
        Ok(())
    }
}

fn seq_num(sink: &mut dyn Sink, n: u32) {
    if n == 0 {
        sink.text(b"*");
    } else {
        write_num(sink, u64::from(n));
    }
}

impl fmt::Display for SeqSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = Vec::new();
        let _ = self.encode(&mut v);
        f.write_str(&String::from_utf8_lossy(&v))
    }
}

/// A date (`1-Feb-1994`) for SEARCH and APPEND.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
}

/// Month names as IMAP writes them.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Date {
    /// Parses `d-Mon-yyyy` (a leading space or zero on the day allowed).
    pub fn parse(s: &[u8]) -> Option<Date> {
        let s = core::str::from_utf8(s).ok()?.trim();
        let mut parts = s.split('-');
        let day: u8 = parts.next()?.trim().parse().ok()?;
        let mon = parts.next()?;
        let year = parts.next()?;
        if parts.next().is_some() || year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: u16 = year.parse().ok()?;
        let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u8 + 1;
        (1..=31).contains(&day).then_some(Date { year, month, day })
    }

    pub(crate) fn encode(&self, sink: &mut dyn Sink) {
        write_num(sink, u64::from(self.day));
        sink.text(b"-");
        sink.text(MONTHS[usize::from(self.month.clamp(1, 12) - 1)].as_bytes());
        sink.text(b"-");
        // Always four digits (date-year): year 997 is `0997`.
        let y = self.year.min(9999);
        sink.text(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
        ]);
    }
}

/// A value kept as the grammar's generic shapes, for what is not typed
/// (an unknown FETCH item, Gmail's `X-GM-LABELS`, body extension data).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `NIL`.
    Nil,
    /// A number.
    Number(u64),
    /// An atom (flags and `\`-names included).
    Atom(Bytes),
    /// A quoted string or a literal.
    String(Bytes),
    /// A parenthesised list.
    List(Vec<Value>),
}

impl Value {
    pub(crate) fn encode(&self, out: &Out, sink: &mut dyn Sink) -> PResult<()> {
        match self {
            Value::Nil => sink.text(b"NIL"),
            Value::Number(n) => write_num(sink, *n),
            Value::Atom(a) => sink.text(a),
            Value::String(s) => out.string(sink, s)?,
            Value::List(items) => {
                sink.text(b"(");
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        sink.text(b" ");
                    }
                    v.encode(out, sink)?;
                }
                sink.text(b")");
            }
        }
        Ok(())
    }

    /// The string or atom, if it is one.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Atom(b) | Value::String(b) => Some(b),
            _ => None,
        }
    }
}

impl Cursor<'_> {
    pub(crate) fn seq_num(&mut self) -> PResult<u32> {
        if self.eat(b'*') {
            Ok(0)
        } else {
            self.nz_number()
        }
    }

    pub(crate) fn seq_set(&mut self) -> PResult<SeqSet> {
        let mut v = Vec::new();
        loop {
            if v.len() >= self.max_items {
                return Err(ErrorKind::TooManyItems.into());
            }
            let a = self.seq_num()?;
            let b = if self.eat(b':') { self.seq_num()? } else { a };
            v.push((a, b));
            if !self.eat(b',') {
                break;
            }
        }
        Ok(SeqSet(v))
    }

    pub(crate) fn value(&mut self) -> PResult<Value> {
        match self.peek() {
            Some(b'(') => Ok(Value::List(self.list(|c| c.value())?)),
            Some(b'"' | b'{' | b'~') => Ok(Value::String(self.string()?)),
            Some(b) if b.is_ascii_digit() => {
                let start = self.pos;
                match self.number64() {
                    Ok(n) if !self.peek().is_some_and(super::syntax::is_atom_char) => {
                        Ok(Value::Number(n))
                    }
                    _ => {
                        self.pos = start;
                        Ok(Value::Atom(self.flag()?))
                    }
                }
            }
            _ => {
                if self.keyword(b"NIL") {
                    return Ok(Value::Nil);
                }
                // Atoms may hold `[...]` here (BODY[HEADER] in an unknown
                // position): take astring chars.
                let start = self.pos;
                self.eat(b'\\');
                let a = self.take_while(|b| super::syntax::is_astring_char(b) || b == b'*');
                if a.is_empty() && self.pos == start {
                    return Err(Error::from(ErrorKind::MalformedResponse));
                }
                Ok(Value::Atom(self.src.slice(start..self.pos)))
            }
        }
    }

    pub(crate) fn date(&mut self) -> PResult<Date> {
        let raw = if self.peek() == Some(b'"') {
            self.quoted()?
        } else {
            self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        Date::parse(&raw).ok_or_else(|| ErrorKind::MalformedResponse.into())
    }

    pub(crate) fn mailbox(&mut self) -> PResult<Mailbox> {
        let raw = self.astring()?;
        if raw.eq_ignore_ascii_case(b"INBOX") {
            return Ok(Mailbox(Bytes::from_static(b"INBOX")));
        }
        Ok(Mailbox(raw))
    }

    pub(crate) fn flags(&mut self) -> PResult<Vec<Flag>> {
        self.list(|c| c.flag().map(Flag))
    }
}

pub(crate) fn encode_flags(sink: &mut dyn Sink, flags: &[Flag]) -> PResult<()> {
    sink.text(b"(");
    for (i, f) in flags.iter().enumerate() {
        super::syntax::check_flag(&f.0)?;
        if i > 0 {
            sink.text(b" ");
        }
        sink.text(&f.0);
    }
    sink.text(b")");
    Ok(())
}

pub(crate) fn encode_mailbox(out: &Out, sink: &mut dyn Sink, m: &Mailbox) -> PResult<()> {
    // After ENABLE UTF8=ACCEPT names go as UTF-8 (RFC 6855 §3), not in
    // modified UTF-7.
    if out.utf8 && memchr::memchr(b'&', &m.0).is_some() {
        if let Some(name) = utf7_decode(&m.0) {
            return out.astring(sink, &Bytes::from(name.into_bytes()));
        }
    }
    out.astring(sink, &m.0)
}
