//! The lexical layer both parsers and both encoders share: a cursor over
//! one framed message, and the choice of atom, quoted string or literal
//! for every string that goes out.

use super::{Error, ErrorKind};
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

pub(crate) type PResult<T> = Result<T, Error>;

pub(crate) fn bad<T>() -> PResult<T> {
    Err(ErrorKind::MalformedResponse.into())
}

/// A cursor over one framed message (CRLF included).
pub(crate) struct Cursor<'a> {
    pub(crate) src: &'a Bytes,
    pub(crate) pos: usize,
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_items: usize,
}

/// Bytes an atom may hold (RFC 9051 ATOM-CHAR): no specials, no CTLs.
pub(crate) fn is_atom_char(b: u8) -> bool {
    !matches!(
        b,
        b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
    ) && (0x21..0x7f).contains(&b)
}

/// ASTRING-CHAR: an atom char or `]`.
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a Bytes, max_depth: usize, max_items: usize) -> Self {
        Cursor {
            src,
            pos: 0,
            depth: 0,
            max_depth,
            max_items,
        }
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.src[self.pos..]
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.rest() == b"\r\n" || self.pos >= self.src.len()
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, b: u8) -> PResult<()> {
        if self.eat(b) {
            Ok(())
        } else {
            bad()
        }
    }

    pub(crate) fn sp(&mut self) -> PResult<()> {
        self.expect(b' ')
    }

    /// Case-insensitive keyword, not followed by an atom char.
    pub(crate) fn keyword(&mut self, word: &[u8]) -> bool {
        let rest = self.rest();
        if rest.len() >= word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && !rest.get(word.len()).copied().is_some_and(is_atom_char)
        {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// Case-insensitive prefix, whatever follows.
    pub(crate) fn prefix(&mut self, word: &[u8]) -> bool {
        let rest = self.rest();
        if rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// Bytes while `f` holds, as a slice (possibly empty).
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> Bytes {
        let start = self.pos;
        let rest = self.rest();
        let n = rest.iter().position(|&b| !f(b)).unwrap_or(rest.len());
        self.pos += n;
        self.src.slice(start..start + n)
    }

    pub(crate) fn atom(&mut self) -> PResult<Bytes> {
        let a = self.take_while(is_atom_char);
        if a.is_empty() {
            bad()
        } else {
            Ok(a)
        }
    }

    /// Up to the line's end, as a slice (resp-text).
    pub(crate) fn text(&mut self) -> Bytes {
        let end = self.src.len().saturating_sub(2).max(self.pos);
        let t = self.src.slice(self.pos..end);
        self.pos = end;
        t
    }

    pub(crate) fn number64(&mut self) -> PResult<u64> {
        let rest = self.rest();
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 20 {
            return bad();
        }
        let mut v: u64 = 0;
        for &d in &rest[..n] {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
                .ok_or_else(|| Error::from(ErrorKind::MalformedResponse))?;
        }
        self.pos += n;
        Ok(v)
    }

    pub(crate) fn number(&mut self) -> PResult<u32> {
        u32::try_from(self.number64()?).or_else(|_| bad())
    }

    pub(crate) fn nz_number(&mut self) -> PResult<u32> {
        match self.number()? {
            0 => bad(),
            n => Ok(n),
        }
    }

    /// `"..."` with `\"` and `\\` unescaped (a copy only when escaped).
    pub(crate) fn quoted(&mut self) -> PResult<Bytes> {
        self.expect(b'"')?;
        let start = self.pos;
        let rest = self.rest();
        let mut escaped = false;
        let mut i = 0;
        loop {
            match memchr::memchr3(b'"', b'\\', b'\r', &rest[i..]) {
                Some(j) => match rest[i + j] {
                    b'"' => {
                        i += j;
                        break;
                    }
                    b'\\' if i + j + 1 < rest.len() && rest[i + j + 1] != b'\r' => {
                        escaped = true;
                        i += j + 2;
                    }
                    _ => return bad(),
                },
                None => return bad(),
            }
        }
        self.pos = start + i + 1;
        if !escaped {
            return Ok(self.src.slice(start..start + i));
        }
        let mut out = BytesMut::with_capacity(i);
        let mut k = 0;
        let raw = &rest[..i];
        while k < raw.len() {
            if raw[k] == b'\\' {
                k += 1;
            }
            out.extend_from_slice(&raw[k..k + 1]);
            k += 1;
        }
        Ok(out.freeze())
    }

    /// `{n}CRLF` or `~{n}CRLF` and its octets, as a slice (the framer has
    /// checked that they are all there).
    pub(crate) fn literal(&mut self) -> PResult<Bytes> {
        self.eat(b'~');
        self.expect(b'{')?;
        let n = self.number64()?;
        self.eat(b'+');
        self.expect(b'}')?;
        self.expect(b'\r')?;
        self.expect(b'\n')?;
        let start = self.pos;
        let end = start
            .checked_add(n as usize)
            .filter(|&e| e <= self.src.len());
        let Some(end) = end else { return bad() };
        self.pos = end;
        Ok(self.src.slice(start..end))
    }

    pub(crate) fn string(&mut self) -> PResult<Bytes> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{' | b'~') => self.literal(),
            _ => bad(),
        }
    }

    pub(crate) fn nstring(&mut self) -> PResult<Option<Bytes>> {
        if self.keyword(b"NIL") {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    pub(crate) fn astring(&mut self) -> PResult<Bytes> {
        // `~` is an atom character: only `~{` starts a literal8 (the
        // fuzzer sent `~$c` as a user name).
        let literal8 = self.rest().starts_with(b"~{");
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            Some(b'~') if literal8 => self.string(),
            _ => {
                let a = self.take_while(is_astring_char);
                if a.is_empty() {
                    bad()
                } else {
                    Ok(a)
                }
            }
        }
    }

    pub(crate) fn open(&mut self) -> PResult<()> {
        self.expect(b'(')?;
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(ErrorKind::TooDeep.into());
        }
        Ok(())
    }

    pub(crate) fn close(&mut self) -> PResult<()> {
        self.expect(b')')?;
        self.depth -= 1;
        Ok(())
    }

    /// `(a b c)` with `item` for each element; `()` is empty.
    pub(crate) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.open()?;
        let mut out = Vec::new();
        if self.peek() != Some(b')') {
            loop {
                if out.len() >= self.max_items {
                    return Err(ErrorKind::TooManyItems.into());
                }
                out.push(item(self)?);
                if !self.eat(b' ') {
                    break;
                }
            }
        }
        self.close()?;
        Ok(out)
    }

    /// A flag, `\*`, or keyword.
    pub(crate) fn flag(&mut self) -> PResult<Bytes> {
        let start = self.pos;
        if self.eat(b'\\') {
            if self.eat(b'*') {
                return Ok(self.src.slice(start..self.pos));
            }
            self.atom()?;
            return Ok(self.src.slice(start..self.pos));
        }
        self.atom()
    }

    pub(crate) fn end(&mut self) -> PResult<()> {
        if self.rest() == b"\r\n" {
            self.pos += 2;
            Ok(())
        } else {
            bad()
        }
    }
}

// ---- the way out ----

/// Where encoders write: protocol text is copied, payload kept as it is.
pub(crate) trait Sink {
    fn text(&mut self, t: &[u8]);
    /// A literal's octets (after its `{n}` and CRLF were written).
    fn payload(&mut self, b: &Bytes);
    /// Called after `{n}CRLF` of a synchronising literal.
    fn literal_gate(&mut self) {}
}

/// A sink that keeps nothing: encoding into it checks every value
/// (refusing what would smuggle CR or LF) without copying a byte.
pub(crate) struct Check;

impl Sink for Check {
    fn text(&mut self, _: &[u8]) {}
    fn payload(&mut self, _: &Bytes) {}
}

impl Sink for Vec<u8> {
    fn text(&mut self, t: &[u8]) {
        self.extend_from_slice(t);
    }
    fn payload(&mut self, b: &Bytes) {
        self.extend_from_slice(b);
    }
}

impl Sink for crate::wire::Outbox {
    fn text(&mut self, t: &[u8]) {
        self.write(t);
    }
    fn payload(&mut self, b: &Bytes) {
        if b.len() < 512 {
            self.write(b);
        } else {
            self.push(b.clone());
        }
    }
}

/// How literals go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiteralMode {
    /// `{n}` and wait for `+` (a client without LITERAL+).
    Sync,
    /// `{n+}` (LITERAL+, or LITERAL- up to 4096 octets).
    NonSync,
    /// `{n}` with no wait: a server's responses.
    Server,
}

/// The encoder's state: the literal mode and whether 8-bit text may be
/// quoted (UTF8=ACCEPT).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) mode: LiteralMode,
    pub(crate) literal_minus: bool,
    pub(crate) utf8: bool,
}

impl Out {
    pub(crate) fn server() -> Self {
        Out {
            mode: LiteralMode::Server,
            literal_minus: false,
            utf8: false,
        }
    }
}

pub(crate) fn write_num(sink: &mut dyn Sink, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    sink.text(&buf[i..]);
}

/// Whether `s` can go out as a quoted string.
fn quotable(s: &[u8], utf8: bool) -> bool {
    s.len() <= 1024
        && s.iter()
            .all(|&b| !matches!(b, b'\r' | b'\n' | 0) && (b < 0x80 || utf8))
}

impl Out {
    /// A literal (octets counted, so CR and LF in them cannot end the
    /// command). NUL refused: only literal8 may carry it.
    pub(crate) fn literal(&self, sink: &mut dyn Sink, s: &Bytes) -> PResult<()> {
        if memchr::memchr(0, s).is_some() {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        self.literal_raw(sink, s, false);
        Ok(())
    }

    pub(crate) fn literal_raw(&self, sink: &mut dyn Sink, s: &Bytes, binary: bool) {
        if binary {
            sink.text(b"~");
        }
        sink.text(b"{");
        write_num(sink, s.len() as u64);
        let nonsync = match self.mode {
            LiteralMode::NonSync => true,
            LiteralMode::Sync => self.literal_minus && s.len() <= 4096,
            LiteralMode::Server => false,
        };
        if nonsync {
            sink.text(b"+}\r\n");
        } else {
            sink.text(b"}\r\n");
            if self.mode == LiteralMode::Sync {
                sink.literal_gate();
            }
        }
        sink.payload(s);
    }

    /// A string: quoted or literal, whichever the value needs.
    pub(crate) fn string(&self, sink: &mut dyn Sink, s: &Bytes) -> PResult<()> {
        if quotable(s, self.utf8) {
            sink.text(b"\"");
            let mut from = 0;
            for (i, &b) in s.iter().enumerate() {
                if b == b'"' || b == b'\\' {
                    sink.text(&s[from..i]);
                    sink.text(b"\\");
                    from = i;
                }
            }
            sink.text(&s[from..]);
            sink.text(b"\"");
            Ok(())
        } else {
            self.literal(sink, s)
        }
    }

    /// An astring: an atom when it can be one.
    pub(crate) fn astring(&self, sink: &mut dyn Sink, s: &Bytes) -> PResult<()> {
        if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) && !s.eq_ignore_ascii_case(b"NIL")
        {
            sink.text(s);
            Ok(())
        } else {
            self.string(sink, s)
        }
    }

    pub(crate) fn nstring(&self, sink: &mut dyn Sink, s: &Option<Bytes>) -> PResult<()> {
        match s {
            Some(s) => self.string(sink, s),
            None => {
                sink.text(b"NIL");
                Ok(())
            }
        }
    }
}

/// An atom (or flag) the caller gave: refused unless it is one.
pub(crate) fn check_atom(s: &[u8]) -> PResult<()> {
    if s.is_empty() {
        return Err(ErrorKind::InvalidArgument.into());
    }
    if !crate::wire::is_safe_argument(s) {
        return Err(ErrorKind::UnsafeArgument.into());
    }
    if !s.iter().all(|&b| is_atom_char(b)) {
        return Err(ErrorKind::InvalidArgument.into());
    }
    Ok(())
}

pub(crate) fn check_flag(s: &[u8]) -> PResult<()> {
    match s.strip_prefix(b"\\") {
        Some(b"*") => Ok(()),
        Some(rest) => check_atom(rest),
        None => check_atom(s),
    }
}
