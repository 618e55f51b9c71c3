use super::{Error, ErrorKind};
use crate::wire::number::parse_u64;
use crate::wire::swar::{find_control, find_space_or_control};
use crate::wire::MultiLine;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// An enhanced status code (RFC 3463): `class.subject.detail`, as in
/// `2.1.0` or `5.7.8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent).
    pub class: u8,
    /// The subject (1 addressing, 2 mailbox, 3 mail system, ...).
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedCode {
    /// A code from its three parts.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }

    /// Parses `class.subject.detail` at the start of `text`, followed by a
    /// space or the end; returns the code and the text after it. Each
    /// number has at most three digits (RFC 3463 §2).
    ///
    /// ```
    /// use sanswire::smtp::EnhancedCode;
    /// let (code, rest) = EnhancedCode::parse_prefix(b"5.7.8 Bad credentials").unwrap();
    /// assert_eq!(code, EnhancedCode::new(5, 7, 8));
    /// assert_eq!(rest, 6);
    /// assert!(EnhancedCode::parse_prefix(b"2.0 ok").is_none());
    /// ```
    pub fn parse_prefix(text: &[u8]) -> Option<(EnhancedCode, usize)> {
        let mut nums = [0u16; 3];
        let mut at = 0;
        for (i, n) in nums.iter_mut().enumerate() {
            let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 3 {
                return None;
            }
            *n = text[at..at + digits]
                .iter()
                .fold(0, |v, d| v * 10 + u16::from(d - b'0'));
            at += digits;
            let sep = text.get(at).copied();
            match (i, sep) {
                (0 | 1, Some(b'.')) => at += 1,
                (2, None) => {}
                (2, Some(b' ')) => at += 1,
                _ => return None,
            }
        }
        if !matches!(nums[0], 2 | 4 | 5) {
            return None;
        }
        Some((EnhancedCode::new(nums[0] as u8, nums[1], nums[2]), at))
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// An SMTP reply: a three-digit code, maybe an enhanced code, and one or
/// more lines of text, kept as the raw bytes that came off (or go on) the
/// wire. Lines are handed out as slices of those bytes, never copied.
///
/// Servers build replies with [`Reply::new`] or [`Reply::builder`].
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    enhanced: Option<EnhancedCode>,
    raw: Bytes,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply(\"{}\")", self.raw.escape_ascii())
    }
}

impl fmt::Display for Reply {
    /// The first line, as `code text`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = MultiLine::lines(&self.raw).next();
        let text = first.map(|l| l.text).unwrap_or_default();
        write!(f, "{} {}", self.code, text.escape_ascii())
    }
}

impl Reply {
    /// Wraps a reply framed by [`MultiLine`]; the enhanced code is detected
    /// on the first line when it has one whose class matches the reply
    /// code (servers that offer ENHANCEDSTATUSCODES, and many that do not,
    /// send one).
    pub fn from_raw(code: u16, raw: Bytes) -> Reply {
        let enhanced = if matches!(code / 100, 2 | 4 | 5) {
            MultiLine::texts(&raw)
                .next()
                .and_then(EnhancedCode::parse_prefix)
                .map(|(e, _)| e)
                .filter(|e| u16::from(e.class) == code / 100)
        } else {
            None
        };
        Reply {
            code,
            enhanced,
            raw,
        }
    }

    /// A one-line reply: `code [enhanced ]text`.
    ///
    /// ```
    /// use sanswire::smtp::Reply;
    /// let r = Reply::new(550, Some("5.1.1"), "No such user").unwrap();
    /// assert_eq!(r.as_bytes(), b"550 5.1.1 No such user\r\n");
    /// assert!(Reply::new(250, None, "a\r\n250 b").is_err());
    /// ```
    pub fn new(code: u16, enhanced: Option<&str>, text: &str) -> Result<Reply, Error> {
        let mut b = Reply::builder(code);
        if let Some(e) = enhanced {
            let (e, _) = EnhancedCode::parse_prefix(e.as_bytes())
                .filter(|&(_, used)| used == e.len())
                .ok_or(ErrorKind::InvalidArgument("enhanced status code"))?;
            b = b.enhanced(e);
        }
        b.line(text).build()
    }

    /// A builder for multi-line replies.
    ///
    /// ```
    /// use sanswire::smtp::{EnhancedCode, Reply};
    /// let r = Reply::builder(250)
    ///     .enhanced(EnhancedCode::new(2, 0, 0))
    ///     .line("first")
    ///     .line("second")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(r.as_bytes(), b"250-2.0.0 first\r\n250 2.0.0 second\r\n");
    /// ```
    pub fn builder(code: u16) -> ReplyBuilder {
        ReplyBuilder {
            code,
            enhanced: None,
            lines: Vec::new(),
            error: None,
        }
    }

    /// The three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code of the first line, if it has one.
    pub fn enhanced(&self) -> Option<EnhancedCode> {
        self.enhanced
    }

    /// The reply as it is on the wire, line endings included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The raw reply bytes (a cheap clone).
    pub fn raw(&self) -> Bytes {
        self.raw.clone()
    }

    /// The text of each line, without code, separator and (when the reply
    /// has one) enhanced code; slices of the raw bytes.
    pub fn lines(&self) -> impl Iterator<Item = Bytes> + '_ {
        let strip = self.enhanced.is_some();
        MultiLine::lines(&self.raw).map(move |l| {
            if strip {
                if let Some((_, used)) = EnhancedCode::parse_prefix(&l.text) {
                    return l.text.slice(used..);
                }
            }
            l.text
        })
    }

    /// `2xx`: the command succeeded.
    pub fn is_positive(&self) -> bool {
        self.code / 100 == 2
    }

    /// `3xx`: go on (354 for DATA, 334 for AUTH).
    pub fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }

    /// `4xx`: failed, may succeed later.
    pub fn is_transient(&self) -> bool {
        self.code / 100 == 4
    }

    /// `5xx`: failed for good.
    pub fn is_permanent(&self) -> bool {
        self.code / 100 == 5
    }
}

/// Builds a [`Reply`] line by line; see [`Reply::builder`].
#[derive(Debug, Clone)]
pub struct ReplyBuilder {
    code: u16,
    enhanced: Option<EnhancedCode>,
    lines: Vec<String>,
    error: Option<Error>,
}

impl ReplyBuilder {
    /// Puts an enhanced code in front of every line (RFC 2034 §4).
    pub fn enhanced(mut self, code: EnhancedCode) -> Self {
        self.enhanced = Some(code);
        self
    }

    /// Adds a line of text. CR, LF and NUL are refused when building.
    pub fn line(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !crate::wire::is_safe_argument(text.as_bytes()) {
            self.error = Some(ErrorKind::InvalidArgument("reply text holds CR, LF or NUL").into());
        }
        self.lines.push(text);
        self
    }

    /// The reply; fails for a code outside 200..=599, a line with CR, LF
    /// or NUL, or an enhanced code whose class differs from the code's.
    pub fn build(self) -> Result<Reply, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !(200..=599).contains(&self.code) {
            return Err(ErrorKind::InvalidArgument("reply code").into());
        }
        if let Some(e) = self.enhanced {
            if u16::from(e.class) != self.code / 100 || e.class == 3 {
                return Err(ErrorKind::InvalidArgument("enhanced code class").into());
            }
        }
        let mut raw = Vec::new();
        let count = self.lines.len().max(1);
        for i in 0..count {
            let text = self.lines.get(i).map_or("", String::as_str);
            raw.extend_from_slice(itoa3(self.code).as_slice());
            raw.push(if i + 1 == count { b' ' } else { b'-' });
            if let Some(e) = self.enhanced {
                raw.extend_from_slice(alloc::format!("{e}").as_bytes());
                if !text.is_empty() {
                    raw.push(b' ');
                }
            }
            raw.extend_from_slice(text.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
        Ok(Reply {
            code: self.code,
            enhanced: self.enhanced,
            raw: Bytes::from(raw),
        })
    }
}

fn itoa3(n: u16) -> [u8; 3] {
    [
        b'0' + (n / 100 % 10) as u8,
        b'0' + (n / 10 % 10) as u8,
        b'0' + (n % 10) as u8,
    ]
}

/// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1 and the
/// extensions' RFCs).
///
/// The domain, the AUTH mechanisms and the other keyword lines are kept
/// together in one shared, immutable string copied out of the reply (not
/// a slice of the receive buffer, so keeping the capabilities for the
/// session keeps nothing else alive); cloning them costs a reference
/// count, and reading an EHLO reply costs one allocation however many
/// lines it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether the reply came from EHLO (or LHLO); after HELO nothing is
    /// offered.
    pub extended: bool,
    /// `SIZE n` (RFC 1870): the largest message; `Some(0)` means offered
    /// with no fixed limit.
    pub size: Option<u64>,
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `8BITMIME` (RFC 6152).
    pub eight_bit_mime: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `CHUNKING` (RFC 3030): BDAT.
    pub chunking: bool,
    /// `BINARYMIME` (RFC 3030).
    pub binary_mime: bool,
    /// `STARTTLS` (RFC 3207).
    pub starttls: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    pub enhanced_status_codes: bool,
    /// The domain, then the AUTH mechanisms (upper-cased, one space
    /// before each), then the other keyword lines (a `\n` before each).
    text: CapsText,
    domain_end: u32,
    auth_end: u32,
    /// The common AUTH mechanisms, by number, in the order offered.
    mechanisms: Mechanisms,
}

/// How many bytes of capability text are kept in the value itself.
const INLINE_TEXT: usize = 46;

/// The capabilities' text: in the value when it is short, as most
/// servers' is once the common AUTH mechanisms are out of it (Postfix's
/// domain and two unknown keywords take 38 bytes), so that reading an
/// EHLO reply and holding it for the session need no allocation; shared
/// otherwise.
#[derive(Clone, PartialEq, Eq)]
enum CapsText {
    /// Short UTF-8 text.
    Inline { len: u8, buf: [u8; INLINE_TEXT] },
    /// Longer text, or text from a reply that was not ASCII.
    Shared(Arc<str>),
}

impl CapsText {
    /// Keeps `s`, inline when it fits.
    fn new(s: &str) -> CapsText {
        CapsText::inline(s.as_bytes()).unwrap_or_else(|| CapsText::Shared(Arc::from(s)))
    }

    /// Keeps `bytes` (UTF-8: `as_str` checks) inline, when they fit.
    fn inline(bytes: &[u8]) -> Option<CapsText> {
        let n = bytes.len();
        (n <= INLINE_TEXT).then(|| {
            let mut buf = [0; INLINE_TEXT];
            buf[..n].copy_from_slice(bytes);
            CapsText::Inline { len: n as u8, buf }
        })
    }

    fn as_str(&self) -> &str {
        match self {
            // Inline text was a `str` when it was kept.
            CapsText::Inline { len, buf } => {
                core::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            CapsText::Shared(s) => s,
        }
    }
}

impl Default for CapsText {
    fn default() -> Self {
        CapsText::Inline {
            len: 0,
            buf: [0; INLINE_TEXT],
        }
    }
}

impl fmt::Debug for CapsText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The keywords with a meaning of their own; all others are kept as text.
#[derive(Clone, Copy)]
enum Keyword {
    Size,
    Pipelining,
    EightBitMime,
    SmtpUtf8,
    Dsn,
    Chunking,
    BinaryMime,
    StartTls,
    EnhancedStatusCodes,
    Auth,
}

/// Recognises a keyword (any case) without copying it: on its length,
/// then its bytes folded to lower case eight at a time (a word has no
/// control bytes or spaces, so setting bit 5 of each byte folds letters
/// and leaves every other byte a non-letter).
#[inline(always)]
fn keyword(word: &[u8]) -> Option<Keyword> {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let eight = |at: usize| {
        word.get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("eight bytes")) | FOLD)
    };
    let lower = |k: &[u8; 8]| u64::from_le_bytes(*k);
    let kw = match word.len() {
        3 if small_at(word, 0) == small_lower(b"dsn") => Keyword::Dsn,
        4 => match small_at(word, 0) {
            x if x == small_lower(b"size") => Keyword::Size,
            x if x == small_lower(b"auth") => Keyword::Auth,
            _ => return None,
        },
        8 => match eight(0)? {
            x if x == lower(b"chunking") => Keyword::Chunking,
            x if x == lower(b"starttls") => Keyword::StartTls,
            x if x == lower(b"smtputf8") => Keyword::SmtpUtf8,
            x if x == lower(b"8bitmime") => Keyword::EightBitMime,
            _ => return None,
        },
        10 => match (eight(0)?, small_at(word, 8)) {
            (x, y) if x == lower(b"pipelini") && y == small_lower(b"ng") => Keyword::Pipelining,
            (x, y) if x == lower(b"binarymi") && y == small_lower(b"me") => Keyword::BinaryMime,
            _ => return None,
        },
        19 if eight(0)? == lower(b"enhanced")
            && eight(8)? == lower(b"statusco")
            && small_at(word, 16) == small_lower(b"des") =>
        {
            Keyword::EnhancedStatusCodes
        }
        _ => return None,
    };
    Some(kw)
}

/// `word[at..]` (at most eight bytes) folded to lower case, little-endian.
fn small_at(word: &[u8], at: usize) -> u64 {
    word[at..]
        .iter()
        .rev()
        .fold(0u64, |acc, &b| acc << 8 | u64::from(b | 0x20))
}

/// A lower-case constant as [`small_at`] gives it.
const fn small_lower(k: &[u8]) -> u64 {
    let mut acc = 0u64;
    let mut i = k.len();
    while i > 0 {
        i -= 1;
        acc = acc << 8 | k[i] as u64;
    }
    acc
}

/// Whether `word` is `upper` (upper-case ASCII) in any case: one
/// branch-free pass the compiler can unroll, not a compare per byte.
fn same_upper(word: &[u8], upper: &[u8]) -> bool {
    word.len() == upper.len()
        && word
            .iter()
            .zip(upper)
            .fold(0, |diff, (&a, &b)| diff | (a.to_ascii_uppercase() ^ b))
            == 0
}

/// Where the capabilities' text is built: a `String` (any reply), or a
/// buffer on the stack for a reply known to be UTF-8 and short, so that
/// reading one costs a single allocation (the shared string itself).
trait Text {
    /// Appends `bytes` (a UTF-8 reply's bytes cut at ASCII, or any bytes
    /// for a `String`, which replaces what is not UTF-8).
    fn push_bytes(&mut self, bytes: &[u8]);
    /// The text so far.
    fn bytes(&self) -> &[u8];
    /// Upper-cases the ASCII letters from `at` on.
    fn upper_from(&mut self, at: usize);
}

impl Text for String {
    fn push_bytes(&mut self, bytes: &[u8]) {
        match core::str::from_utf8(bytes) {
            Ok(s) => self.push_str(s),
            Err(_) => self.push_str(&String::from_utf8_lossy(bytes)),
        }
    }

    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn upper_from(&mut self, at: usize) {
        self[at..].make_ascii_uppercase();
    }
}

/// How long a reply may be for its text to be built on the stack.
const STACK_TEXT: usize = 512;

/// A text buffer on the stack; pieces that would not fit are noted, not
/// written (never, for a reply no longer than the buffer: the text is no
/// longer than the reply).
struct StackText {
    buf: [u8; STACK_TEXT],
    len: usize,
    overflow: bool,
}

impl Text for StackText {
    fn push_bytes(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.overflow = true,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn upper_from(&mut self, at: usize) {
        self.buf[at..self.len].make_ascii_uppercase();
    }
}

/// Where `part` (a slice of `whole`) starts in it.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// `AUTH=...`, the pre-RFC form of the AUTH keyword.
fn is_old_auth(word: &[u8]) -> bool {
    word.len() > 5 && word[..5].eq_ignore_ascii_case(b"AUTH=")
}

/// Whether a keyword line's first word is taken in by a typed field.
fn is_known(word: &[u8]) -> bool {
    keyword(word).is_some() || is_old_auth(word)
}

/// Splits at the first run of ASCII whitespace: `(word, rest)`.
fn first_word(text: &[u8]) -> (&[u8], &[u8]) {
    let text = text.trim_ascii_start();
    let end = text
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// The SASL mechanisms servers commonly offer, upper-case: these are
/// recognised on their length and text and kept as a number, with no
/// search of the mechanisms added before and no room in the text.
const MECHANISMS: [&str; 12] = [
    "PLAIN",
    "LOGIN",
    "CRAM-MD5",
    "XOAUTH2",
    "OAUTHBEARER",
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "GSSAPI",
    "NTLM",
    "DIGEST-MD5",
    "EXTERNAL",
    "ANONYMOUS",
];

/// Which entry of [`MECHANISMS`] `name` is (any case). A dispatch on the
/// length first was measured slower than this scan.
fn common_mechanism(name: &[u8]) -> Option<usize> {
    MECHANISMS
        .iter()
        .position(|m| m.len() == name.len() && same_upper(name, m.as_bytes()))
}

/// The order of the AUTH mechanisms offered, as four-bit codes: a
/// [`MECHANISMS`] entry, or [`Mechanisms::IN_TEXT`] for the next one kept
/// in the text. Past sixteen, every mechanism goes to the text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mechanisms {
    /// The codes, the first in the lowest bits.
    order: u64,
    /// How many codes `order` holds.
    len: u8,
    /// Which [`MECHANISMS`] entries were offered (bit i for entry i).
    seen: u16,
}

impl Mechanisms {
    /// The code for a mechanism kept in the text.
    const IN_TEXT: u8 = 15;

    /// Appends `code`; false when full (the mechanism goes to the text).
    fn push(&mut self, code: u8) -> bool {
        if self.len == 16 {
            return false;
        }
        self.order |= u64::from(code) << (4 * self.len);
        self.len += 1;
        true
    }
}

/// Adds each AUTH mechanism in `names`, each once: a common one to
/// `list`, any other to `auth` (upper-cased, a space before each) and a
/// place for it to `list`.
fn add_auth(auth: &mut impl Text, list: &mut Mechanisms, from: usize, names: &[u8]) {
    let mut rest = names;
    loop {
        let (name, after) = first_word(rest);
        if name.is_empty() {
            return;
        }
        rest = after;
        if let Some(i) = common_mechanism(name) {
            if list.seen & (1 << i) == 0 {
                list.seen |= 1 << i;
                if !list.push(i as u8) {
                    auth.push_bytes(b" ");
                    auth.push_bytes(MECHANISMS[i].as_bytes());
                }
            }
            continue;
        }
        let known = auth.bytes()[from..]
            .split(|&b| b == b' ')
            .any(|m| m.eq_ignore_ascii_case(name));
        if !known {
            list.push(Mechanisms::IN_TEXT);
            auth.push_bytes(b" ");
            let at = auth.bytes().len();
            auth.push_bytes(name);
            auth.upper_from(at);
        }
    }
}

impl Capabilities {
    /// Reads an EHLO reply: the first line is the domain (and greeting),
    /// each next line a keyword and its parameters.
    pub fn from_ehlo(reply: &Reply) -> Capabilities {
        let raw = &reply.raw[..];
        if raw.len() <= STACK_TEXT && raw.is_ascii() {
            let mut text = StackText {
                buf: [0; STACK_TEXT],
                len: 0,
                overflow: false,
            };
            let mut caps =
                match Capabilities::read_ehlo_fast(raw, &mut text, usize::MAX, usize::MAX) {
                    Some((caps, len)) if len == raw.len() => caps,
                    _ => {
                        text.len = 0;
                        text.overflow = false;
                        Capabilities::read_ehlo(raw, &mut text)
                    }
                };
            if caps.set_text(&text).is_some() {
                return caps;
            }
        }
        // The text is never longer than the reply, unless bytes that are
        // not UTF-8 are replaced.
        let mut text = String::with_capacity(raw.len());
        let mut caps = Capabilities::read_ehlo(raw, &mut text);
        caps.text = CapsText::new(&text);
        caps
    }

    /// [`read_ehlo`](Self::read_ehlo) in one pass over an ASCII reply
    /// whose every line is `code-` or `code ` (the first line's code) and
    /// ends with CRLF, the last one at the end: each line is looked at
    /// once, its keyword found on the way to its end. `None` for anything
    /// else, which the general reader takes.
    ///
    /// The reply may be followed by other bytes: its length is returned
    /// with the capabilities. Lines longer than `max_line` (ending
    /// included) or more than `max_lines` of them are left to the general
    /// way too, which frames with those limits.
    fn read_ehlo_fast(
        raw: &[u8],
        text: &mut impl Text,
        max_line: usize,
        max_lines: usize,
    ) -> Option<(Capabilities, usize)> {
        let mut caps = Capabilities {
            extended: true,
            ..Capabilities::default()
        };
        let code = raw.get(..3)?;
        if !(b'1'..=b'5').contains(&code[0]) || !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let line_head = |sep: u8| u32::from_le_bytes([code[0], code[1], code[2], sep]);
        let (more, final_line) = (line_head(b'-'), line_head(b' '));
        let mut others = [(0u32, 0u32); 16];
        let mut last_auth: &[u8] = &[];
        let mut n_others = 0;
        let mut at = 0;
        let mut first = true;
        let mut count = 0;
        loop {
            count += 1;
            if count > max_lines {
                return None;
            }
            // The code and its separator, as one four-byte number.
            let head = u32::from_le_bytes(raw.get(at..at + 4)?.try_into().expect("four bytes"));
            let last = match head {
                h if h == more => false,
                h if h == final_line => true,
                _ => return None,
            };
            let start = at + 4;
            // The text's first word: up to the first whitespace.
            let mut i = start;
            if !first {
                while matches!(raw.get(i), Some(b' ' | b'\t' | b'\x0c')) {
                    i += 1;
                }
            }
            let word_at = i;
            // Eight bytes at a time to the first space or control: the
            // word's end if that is whitespace (for the first line, the
            // domain's, if it is a space or the line's end).
            i = find_space_or_control(raw, i);
            let stop = raw.get(i).copied();
            let ends_word = match stop {
                Some(b' ' | b'\r' | b'\n') => true,
                Some(b'\t' | b'\x0c') => !first,
                _ => false,
            };
            if !ends_word {
                return None;
            }
            let word_end = i;
            // Then the line's end: right there for a bare keyword.
            let end = match (raw.get(i), raw.get(i + 1)) {
                (Some(b'\r'), Some(b'\n')) => i,
                (Some(b' ' | b'\t' | b'\x0c'), _) => {
                    // The parameters end at the first control byte, which
                    // must be the CRLF; a TAB or FF among them (rare) is
                    // left to the general way.
                    let cr = find_control(raw, i + 1);
                    if raw.get(cr..cr + 2) != Some(b"\r\n") {
                        return None;
                    }
                    cr
                }
                _ => return None,
            };
            if end + 2 - at > max_line {
                return None;
            }
            at = end + 2;
            if first {
                text.push_bytes(&raw[word_at..word_end]);
                caps.domain_end = text.bytes().len() as u32;
                first = false;
            } else {
                let word = &raw[word_at..word_end];
                let (rest, line) = (&raw[word_end..end], &raw[word_at..end]);
                let known = caps.add_word(word, rest, line, text, &mut last_auth);
                if !known {
                    // Kept as text after the AUTH mechanisms.
                    *others.get_mut(n_others)? = (start as u32, end as u32);
                    n_others += 1;
                }
            }
            if last {
                break;
            }
        }
        caps.auth_end = text.bytes().len() as u32;
        for &(from, to) in &others[..n_others] {
            text.push_bytes(b"\n");
            text.push_bytes(&raw[from as usize..to as usize]);
        }
        Some((caps, at))
    }

    /// Frames and reads a positive EHLO reply at the front of `data` in one
    /// pass, when it is whole, ASCII, strict and CRLF-ended, within the
    /// limits a [`MultiLine`] framer has (`max_line`, `max_lines`): the
    /// capabilities and the reply's length. `None` leaves the reply to the
    /// framer and [`from_ehlo`](Self::from_ehlo), which read it the same.
    pub(crate) fn frame_ehlo(
        data: &[u8],
        max_line: usize,
        max_lines: usize,
    ) -> Option<(Capabilities, usize)> {
        if data.first() != Some(&b'2') {
            return None;
        }
        let data = &data[..data.len().min(STACK_TEXT)];
        if !data.is_ascii() {
            return None;
        }
        let mut text = StackText {
            buf: [0; STACK_TEXT],
            len: 0,
            overflow: false,
        };
        let (mut caps, len) = Capabilities::read_ehlo_fast(data, &mut text, max_line, max_lines)?;
        caps.set_text(&text)?;
        Some((caps, len))
    }

    /// Takes the text built on the stack into the shared string.
    fn set_text(&mut self, text: &StackText) -> Option<()> {
        if text.overflow {
            return None;
        }
        // Cut at ASCII bytes only and upper-cased as ASCII, the text of an
        // ASCII reply is ASCII: the check below does not fail, and short
        // text is kept without it (`as_str` checks inline text anyway).
        let bytes = text.bytes();
        self.text = match CapsText::inline(bytes) {
            Some(inline) => inline,
            None => CapsText::new(core::str::from_utf8(bytes).ok()?),
        };
        Some(())
    }

    /// [`from_ehlo`](Self::from_ehlo) with the text written to `text`.
    fn read_ehlo(raw: &[u8], text: &mut impl Text) -> Capabilities {
        let mut caps = Capabilities {
            extended: true,
            ..Capabilities::default()
        };
        let mut lines = MultiLine::texts(raw);
        if let Some(first) = lines.next() {
            let domain = first.split(|&b| b == b' ').next().unwrap_or(&[]);
            text.push_bytes(domain);
        }
        caps.domain_end = text.bytes().len() as u32;
        // Lines kept as text go after the AUTH mechanisms, so they are
        // noted (as positions in the reply) and added at the end.
        let mut others = [(0u32, 0u32); 16];
        let mut n_others = 0;
        let mut more_others = false;
        let mut last_auth: &[u8] = &[];
        for line in lines {
            if !caps.add_line(line, text, &mut last_auth) {
                if n_others < others.len() {
                    let at = offset_in(raw, line);
                    others[n_others] = (at as u32, (at + line.len()) as u32);
                    n_others += 1;
                } else {
                    more_others = true;
                }
            }
        }
        caps.auth_end = text.bytes().len() as u32;
        if more_others {
            // Many unknown keywords: a second pass finds them all.
            for line in MultiLine::texts(raw).skip(1) {
                let (word, _) = first_word(line);
                if !word.is_empty() && !is_known(word) {
                    text.push_bytes(b"\n");
                    text.push_bytes(line);
                }
            }
        } else {
            for &(from, to) in &others[..n_others] {
                text.push_bytes(b"\n");
                text.push_bytes(&raw[from as usize..to as usize]);
            }
        }
        caps
    }

    /// Capabilities after HELO: the domain only.
    pub(crate) fn helo(reply: &Reply) -> Capabilities {
        let ehlo = Capabilities::from_ehlo(reply);
        let domain = ehlo.domain();
        Capabilities {
            text: CapsText::new(domain),
            domain_end: domain.len() as u32,
            auth_end: domain.len() as u32,
            ..Capabilities::default()
        }
    }

    /// Takes in one keyword line; false when it is none of the known ones
    /// (it is kept as text, in a second pass).
    fn add_line<'a>(
        &mut self,
        line: &'a [u8],
        text: &mut impl Text,
        last_auth: &mut &'a [u8],
    ) -> bool {
        let line = line.trim_ascii_start();
        let (word, rest) = first_word(line);
        self.add_word(word, rest, line, text, last_auth)
    }

    /// [`add_line`](Self::add_line) for a line already split: its first
    /// `word`, the `rest` after it, and `line`, from the word to the end.
    /// `last_auth` is the mechanism list of the reply's last AUTH line.
    #[inline(always)]
    fn add_word<'a>(
        &mut self,
        word: &[u8],
        rest: &'a [u8],
        line: &'a [u8],
        text: &mut impl Text,
        last_auth: &mut &'a [u8],
    ) -> bool {
        if word.is_empty() {
            return true;
        }
        let from = self.domain_end as usize;
        match keyword(word) {
            Some(Keyword::Size) => {
                let (n, _) = first_word(rest);
                // A `+` before the digits, which a `str` parse let in, is
                // no number in RFC 1870's grammar.
                self.size = Some(parse_u64(n).unwrap_or(0));
            }
            Some(Keyword::Pipelining) => self.pipelining = true,
            Some(Keyword::EightBitMime) => self.eight_bit_mime = true,
            Some(Keyword::SmtpUtf8) => self.smtputf8 = true,
            Some(Keyword::Dsn) => self.dsn = true,
            Some(Keyword::Chunking) => self.chunking = true,
            Some(Keyword::BinaryMime) => self.binary_mime = true,
            Some(Keyword::StartTls) => self.starttls = true,
            Some(Keyword::EnhancedStatusCodes) => self.enhanced_status_codes = true,
            Some(Keyword::Auth) => self.add_auth_line(rest, from, text, last_auth),
            // `AUTH=LOGIN PLAIN`: the pre-RFC form that old Microsoft
            // Exchange and Outlook-era servers still send next to `AUTH`.
            None if is_old_auth(word) => self.add_auth_line(&line[5..], from, text, last_auth),
            None => return false,
        }
        true
    }

    /// The mechanisms of an AUTH line. A list the same as the last AUTH
    /// line's adds nothing, so it is not read again: Postfix with
    /// `broken_sasl_auth_clients = yes` sends `AUTH=` with the same list
    /// right after `AUTH`.
    #[inline(always)]
    fn add_auth_line<'a>(
        &mut self,
        list: &'a [u8],
        from: usize,
        text: &mut impl Text,
        last_auth: &mut &'a [u8],
    ) {
        let list = list.trim_ascii();
        if list != *last_auth {
            add_auth(text, &mut self.mechanisms, from, list);
            *last_auth = list;
        }
    }

    fn text(&self) -> &str {
        self.text.as_str()
    }

    /// The domain the server named on the first line.
    pub fn domain(&self) -> &str {
        &self.text()[..self.domain_end as usize]
    }

    /// The `AUTH` mechanisms offered (RFC 4954), upper-cased, each once,
    /// in the order offered.
    pub fn auth(&self) -> impl Iterator<Item = &str> + '_ {
        // The text is read only when a mechanism is kept there: the
        // common ones need none of it.
        let mut in_text = None;
        let Mechanisms { mut order, len, .. } = self.mechanisms;
        let mut left = len;
        core::iter::from_fn(move || {
            if left > 0 {
                left -= 1;
                let code = usize::from(order as u8 & 0x0f);
                order >>= 4;
                if let Some(m) = MECHANISMS.get(code) {
                    return Some(*m);
                }
            }
            if self.auth_end == self.domain_end {
                return None;
            }
            in_text
                .get_or_insert_with(|| {
                    let text = &self.text()[self.domain_end as usize..self.auth_end as usize];
                    text.split(' ').filter(|m| !m.is_empty())
                })
                .next()
        })
    }

    /// Every other keyword line, as sent.
    pub fn other(&self) -> impl Iterator<Item = &str> + '_ {
        let other = &self.text()[self.auth_end as usize..];
        other.split('\n').filter(|l| !l.is_empty())
    }

    /// Whether the server offers the SASL mechanism `name` (any case).
    pub fn offers_auth(&self, name: &str) -> bool {
        self.auth().any(|m| m.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(wire: &'static [u8]) -> Reply {
        let mut inbox = crate::wire::Inbox::new();
        inbox.extend_from_slice(wire);
        let (code, raw) = MultiLine::new(512, 100).next(&mut inbox).unwrap().unwrap();
        Reply::from_raw(code, raw)
    }

    /// The one-pass reader against the general one, on replies with every
    /// byte of a few changed to each of the bytes that matter to it.
    #[test]
    fn one_pass_ehlo_reading_matches_the_general_one() {
        let base: &[u8] = b"250-mx.example.org hi\r\n250-PIPELINING\r\n250-SIZE 1000\r\n\
250-AUTH PLAIN login\r\n250-AUTH=LOGIN XOAUTH2\r\n250-X-FOO a b\r\n250 8BITMIME\r\n";
        let stack = || StackText {
            buf: [0; STACK_TEXT],
            len: 0,
            overflow: false,
        };
        let mut taken = 0;
        let mut check = |raw: &[u8]| {
            let mut general_text = String::new();
            let general = Capabilities::read_ehlo(raw, &mut general_text);
            let mut fast_text = stack();
            let fast = Capabilities::read_ehlo_fast(raw, &mut fast_text, usize::MAX, usize::MAX);
            if let Some((fast, _)) = fast.filter(|&(_, len)| len == raw.len()) {
                taken += 1;
                assert!(!fast_text.overflow);
                assert_eq!(fast, general, "{}", raw.escape_ascii());
                assert_eq!(fast_text.bytes(), general_text.as_bytes());
            }
        };
        check(base);
        for at in 0..base.len() {
            for b in [
                b' ', b'\t', b'\r', b'\n', b'-', b'=', b'2', b'a', b'A', 0x0c,
            ] {
                let mut raw = base.to_vec();
                raw[at] = b;
                check(&raw);
                raw.insert(at, b);
                check(&raw);
            }
        }
        let mut many = alloc::vec::Vec::new();
        many.extend_from_slice(b"250-mx\r\n");
        for i in 0..20 {
            many.extend_from_slice(alloc::format!("250-X{i}\r\n").as_bytes());
        }
        many.extend_from_slice(b"250 DSN\r\n");
        check(&many);
        check(b"250 mx\r\n");
        check(b"");
        // Most of those replies are ones it takes.
        assert!(taken > base.len() * 5, "{taken}");
        let mut text = stack();
        let fast = Capabilities::read_ehlo_fast(base, &mut text, usize::MAX, usize::MAX);
        assert_eq!(fast.map(|(_, len)| len), Some(base.len()));
    }

    #[test]
    fn enhanced_codes_detected_and_stripped() {
        let r = reply(b"250-2.1.0 Sender ok\r\n250 2.1.0 really\r\n");
        assert_eq!(r.enhanced(), Some(EnhancedCode::new(2, 1, 0)));
        let lines: Vec<Bytes> = r.lines().collect();
        assert_eq!(lines, [&b"Sender ok"[..], b"really"]);
        // Class mismatch: not an enhanced code.
        let r = reply(b"550 2.1.0 odd\r\n");
        assert_eq!(r.enhanced(), None);
        assert_eq!(r.lines().next().unwrap(), &b"2.1.0 odd"[..]);
        assert_eq!(reply(b"354 Go ahead\r\n").enhanced(), None);
        assert_eq!(
            EnhancedCode::parse_prefix(b"5.1.1000 x"),
            None,
            "at most three digits"
        );
        assert_eq!(
            EnhancedCode::parse_prefix(b"4.4.2"),
            Some((EnhancedCode::new(4, 4, 2), 5))
        );
    }

    #[test]
    fn capabilities_are_typed() {
        let r = reply(
            b"250-mx.example.org Hello\r\n250-SIZE 35882577\r\n250-PIPELINING\r\n\
250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250-CHUNKING\r\n250-BINARYMIME\r\n\
250-STARTTLS\r\n250-AUTH PLAIN login\r\n250-AUTH=LOGIN CRAM-MD5\r\n\
250-ENHANCEDSTATUSCODES\r\n250 X-FOO bar\r\n",
        );
        let caps = Capabilities::from_ehlo(&r);
        assert_eq!(caps.domain(), "mx.example.org");
        assert_eq!(caps.size, Some(35882577));
        assert!(caps.pipelining && caps.eight_bit_mime && caps.smtputf8 && caps.dsn);
        assert!(caps.chunking && caps.binary_mime && caps.starttls);
        assert!(caps.enhanced_status_codes);
        assert_eq!(
            caps.auth().collect::<Vec<_>>(),
            ["PLAIN", "LOGIN", "CRAM-MD5"]
        );
        assert_eq!(caps.other().collect::<Vec<_>>(), ["X-FOO bar"]);
        assert!(caps.offers_auth("cram-md5"));
        let bare = Capabilities::from_ehlo(&reply(b"250-x\r\n250 SIZE\r\n"));
        assert_eq!(bare.size, Some(0));
    }

    #[test]
    fn keywords_match_in_any_case_and_nothing_else() {
        assert!(same_upper(b"8bitMime", b"8BITMIME"));
        assert!(!same_upper(b"\x18BITMIME", b"8BITMIME"));
        assert!(!same_upper(b"SIZ", b"SIZE"));
        assert!(matches!(keyword(b"StartTLS"), Some(Keyword::StartTls)));
        assert!(matches!(keyword(b"smtputf8"), Some(Keyword::SmtpUtf8)));
        assert!(keyword(b"STARTTLZ").is_none());
    }

    #[test]
    fn builder_validates() {
        assert!(Reply::builder(250).line("a\nb").build().is_err());
        assert!(Reply::builder(199).line("a").build().is_err());
        assert!(Reply::builder(250)
            .enhanced(EnhancedCode::new(5, 0, 0))
            .build()
            .is_err());
        assert_eq!(Reply::builder(221).build().unwrap().as_bytes(), b"221 \r\n");
        assert_eq!(
            Reply::new(250, Some("2.0.0"), "").unwrap().as_bytes(),
            b"250 2.0.0\r\n"
        );
        assert!(Reply::new(250, Some("2.0"), "x").is_err());
    }

    #[test]
    fn keywords_are_recognised_in_any_case_and_only_whole() {
        let all = [
            "DSN",
            "SIZE",
            "AUTH",
            "CHUNKING",
            "STARTTLS",
            "SMTPUTF8",
            "8BITMIME",
            "PIPELINING",
            "BINARYMIME",
            "ENHANCEDSTATUSCODES",
        ];
        for k in all {
            let lower = k.to_ascii_lowercase();
            let mixed: String = k
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }
                })
                .collect();
            for w in [k, lower.as_str(), mixed.as_str()] {
                assert!(keyword(w.as_bytes()).is_some(), "{w}");
            }
            // One byte changed, or one too many or too few: not the keyword.
            for i in 0..k.len() {
                let mut b = k.as_bytes().to_vec();
                b[i] ^= 0x01;
                assert!(keyword(&b).is_none(), "{:?}", b);
            }
            assert!(keyword(&k.as_bytes()[1..]).is_none());
            assert!(keyword(alloc::format!("{k}S").as_bytes()).is_none());
        }
        // Bytes that fold to a keyword's letters only when they are letters.
        assert!(keyword(b"\x04SN").is_none());
        assert!(keyword(b"DS\x0e").is_none());
    }

    #[test]
    fn every_common_mechanism_is_found_in_any_case() {
        for (i, m) in MECHANISMS.iter().enumerate() {
            assert_eq!(common_mechanism(m.as_bytes()), Some(i));
            assert_eq!(common_mechanism(m.to_ascii_lowercase().as_bytes()), Some(i));
        }
        assert_eq!(common_mechanism(b"PLAINS"), None);
    }

    #[test]
    fn a_repeated_auth_list_adds_nothing_and_a_new_one_adds_its_own() {
        let caps = Capabilities::from_ehlo(&reply(
            b"250-mx\r\n250-AUTH PLAIN LOGIN X-A\r\n250-AUTH=PLAIN LOGIN X-A \r\n\
250-AUTH=LOGIN X-B\r\n250 AUTH PLAIN LOGIN X-A\r\n",
        ));
        let auth: Vec<&str> = caps.auth().collect();
        assert_eq!(auth, ["PLAIN", "LOGIN", "X-A", "X-B"]);
    }

    #[test]
    fn auth_mechanisms_are_upper_cased_and_kept_once_in_order() {
        let caps = Capabilities::from_ehlo(&reply(
            b"250-mx\r\n250-AUTH plain x-custom Login\r\n250-AUTH=LOGIN PLAIN X-CUSTOM cram-md5\r\n250 AUTH xoauth2 X-custom\r\n",
        ));
        assert_eq!(
            caps.auth().collect::<Vec<_>>(),
            ["PLAIN", "X-CUSTOM", "LOGIN", "CRAM-MD5", "XOAUTH2"]
        );
        assert!(caps.offers_auth("cram-md5"));
        assert_eq!(caps.domain(), "mx");
    }

    #[test]
    fn more_than_sixteen_mechanisms_keep_their_order() {
        let mut names: Vec<String> = MECHANISMS.iter().map(|m| String::from(*m)).collect();
        for i in 0..8 {
            names.insert(2 * i, alloc::format!("X-{i}"));
        }
        names.extend(MECHANISMS.iter().map(|m| m.to_ascii_lowercase()));
        let wire = alloc::format!("250-mx\r\n250 AUTH {}\r\n", names.join(" "));
        let wire: &'static [u8] = alloc::boxed::Box::leak(wire.into_bytes().into_boxed_slice());
        let caps = Capabilities::from_ehlo(&reply(wire));
        let want: Vec<String> = names[..20].iter().map(|n| n.to_ascii_uppercase()).collect();
        assert_eq!(caps.auth().collect::<Vec<_>>(), want);
        // The whole text, without the common mechanisms, fits inline.
        let short = Capabilities::from_ehlo(&reply(
            b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
              250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n\
              250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
        ));
        assert!(matches!(short.text, CapsText::Inline { .. }), "{short:?}");
    }
}
