//! NNTP commands: the one encoder (client) and the one parser (server).

use super::Error;
use crate::wire::is_safe_argument;
use alloc::vec::Vec;
use bytes::Bytes;

/// Which article a command names (RFC 3977 §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArticleRef {
    /// The current article of the selected group (no argument).
    Current,
    /// An article number in the selected group.
    Number(u64),
    /// A message-id, angle brackets included.
    MessageId(Bytes),
}

/// An article-number range (RFC 3977 §4.2): `n`, `n-` or `n-m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range {
    /// One article.
    One(u64),
    /// This article and every later one.
    From(u64),
    /// From the first to the second, both included.
    Between(u64, u64),
}

impl Range {
    /// Whether `n` lies in the range.
    pub fn contains(&self, n: u64) -> bool {
        match *self {
            Range::One(a) => n == a,
            Range::From(a) => n >= a,
            Range::Between(a, b) => a <= n && n <= b,
        }
    }
}

/// What OVER, HDR, XHDR and XPAT select.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selection {
    /// The current article (no argument).
    Current,
    /// A range of the selected group.
    Range(Range),
    /// One article by message-id.
    MessageId(Bytes),
}

/// The keywords of LIST (RFC 3977 §7.6, RFC 6048, RFC 2980).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `LIST ACTIVE [wildmat]` (also plain `LIST`).
    Active,
    /// `LIST ACTIVE.TIMES [wildmat]`.
    ActiveTimes,
    /// `LIST DISTRIB.PATS`.
    DistribPats,
    /// `LIST HEADERS [MSGID|RANGE]`.
    Headers,
    /// `LIST NEWSGROUPS [wildmat]`.
    Newsgroups,
    /// `LIST OVERVIEW.FMT`.
    OverviewFmt,
    /// `LIST COUNTS [wildmat]` (RFC 6048).
    Counts,
    /// Any other keyword, as sent.
    Other(Bytes),
}

impl ListKind {
    fn keyword(&self) -> &[u8] {
        match self {
            ListKind::Active => b"ACTIVE",
            ListKind::ActiveTimes => b"ACTIVE.TIMES",
            ListKind::DistribPats => b"DISTRIB.PATS",
            ListKind::Headers => b"HEADERS",
            ListKind::Newsgroups => b"NEWSGROUPS",
            ListKind::OverviewFmt => b"OVERVIEW.FMT",
            ListKind::Counts => b"COUNTS",
            ListKind::Other(k) => k,
        }
    }

    fn parse(word: Bytes) -> ListKind {
        const KINDS: [ListKind; 7] = [
            ListKind::Active,
            ListKind::ActiveTimes,
            ListKind::DistribPats,
            ListKind::Headers,
            ListKind::Newsgroups,
            ListKind::OverviewFmt,
            ListKind::Counts,
        ];
        KINDS
            .into_iter()
            .find(|k| k.keyword().eq_ignore_ascii_case(&word))
            .unwrap_or(ListKind::Other(word))
    }
}

/// A command of RFC 3977, RFC 4642, RFC 4643, RFC 8054 and the RFC 2980
/// commands old servers still need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `CAPABILITIES`.
    Capabilities,
    /// `MODE READER`.
    ModeReader,
    /// `GROUP name`.
    Group(Bytes),
    /// `LISTGROUP [group [range]]`.
    ListGroup {
        /// The group to select first.
        group: Option<Bytes>,
        /// The numbers wanted.
        range: Option<Range>,
    },
    /// `ARTICLE [n|<id>]`.
    Article(ArticleRef),
    /// `HEAD [n|<id>]`.
    Head(ArticleRef),
    /// `BODY [n|<id>]`.
    Body(ArticleRef),
    /// `STAT [n|<id>]`.
    Stat(ArticleRef),
    /// `NEXT`.
    Next,
    /// `LAST`.
    Last,
    /// `OVER [range|<id>]`.
    Over(Selection),
    /// `XOVER [range]` (RFC 2980).
    XOver(Option<Range>),
    /// `HDR field [range|<id>]`.
    Hdr {
        /// The header name, or a metadata item (`:bytes`, `:lines`).
        field: Bytes,
        /// The articles.
        selection: Selection,
    },
    /// `XHDR field [range|<id>]` (RFC 2980).
    XHdr {
        /// The header name.
        field: Bytes,
        /// The articles.
        selection: Selection,
    },
    /// `XPAT field range|<id> pattern...` (RFC 2980).
    XPat {
        /// The header name.
        field: Bytes,
        /// The articles (not [`Selection::Current`]).
        selection: Selection,
        /// The wildmat patterns, space-separated, as sent.
        patterns: Bytes,
    },
    /// `LIST [keyword [argument]]`.
    List {
        /// The keyword.
        kind: ListKind,
        /// A wildmat, or for HEADERS `MSGID`/`RANGE`.
        argument: Option<Bytes>,
    },
    /// `NEWGROUPS date time [GMT]`.
    NewGroups {
        /// `yyyymmdd` (or `yymmdd`).
        date: Bytes,
        /// `hhmmss`.
        time: Bytes,
        /// Whether the time is UTC.
        gmt: bool,
    },
    /// `NEWNEWS wildmat date time [GMT]`.
    NewNews {
        /// The groups.
        wildmat: Bytes,
        /// `yyyymmdd` (or `yymmdd`).
        date: Bytes,
        /// `hhmmss`.
        time: Bytes,
        /// Whether the time is UTC.
        gmt: bool,
    },
    /// `DATE`.
    Date,
    /// `HELP`.
    Help,
    /// `POST` (the article follows the `340`).
    Post,
    /// `IHAVE <id>` (the article follows the `335`).
    IHave(Bytes),
    /// `STARTTLS` (RFC 4642).
    StartTls,
    /// `AUTHINFO USER name` (RFC 4643).
    AuthInfoUser(Bytes),
    /// `AUTHINFO PASS secret`.
    AuthInfoPass(Bytes),
    /// `AUTHINFO SASL mechanism [initial-response]`; the response is
    /// decoded from base64.
    AuthInfoSasl {
        /// The mechanism name.
        mechanism: Bytes,
        /// The initial response, decoded.
        initial_response: Option<Bytes>,
    },
    /// `COMPRESS DEFLATE` (RFC 8054).
    Compress(Bytes),
    /// `QUIT`.
    Quit,
}

/// Why a server could not parse a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not a command this parser knows: `500`.
    Unknown,
    /// A known command with wrong arguments: `501`.
    Syntax,
}

impl ParseError {
    /// The reply a server sends for it.
    pub fn reply_line(self) -> &'static [u8] {
        match self {
            ParseError::Unknown => b"500 Unknown command\r\n",
            ParseError::Syntax => b"501 Syntax error\r\n",
        }
    }
}

impl Command {
    /// The command line, CRLF included, after checking every argument:
    /// CR, LF and NUL are [`ErrorKind::UnsafeArgument`](super::ErrorKind),
    /// spaces in a group or message-id and other grammar breaks
    /// [`ErrorKind::InvalidArgument`](super::ErrorKind).
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut l = Line(Vec::with_capacity(32));
        match self {
            Command::Capabilities => {
                l.word(b"CAPABILITIES");
            }
            Command::ModeReader => {
                l.word(b"MODE READER");
            }
            Command::Group(g) => {
                l.word(b"GROUP").arg(check_group(g)?);
            }
            Command::ListGroup { group, range } => {
                l.word(b"LISTGROUP");
                match (group, range) {
                    (Some(g), r) => {
                        l.arg(check_group(g)?);
                        if let Some(r) = r {
                            l.range(r);
                        }
                    }
                    (None, Some(_)) => return Err(Error::invalid("LISTGROUP range without group")),
                    (None, None) => {}
                }
            }
            Command::Article(a) => {
                l.word(b"ARTICLE").article(a)?;
            }
            Command::Head(a) => {
                l.word(b"HEAD").article(a)?;
            }
            Command::Body(a) => {
                l.word(b"BODY").article(a)?;
            }
            Command::Stat(a) => {
                l.word(b"STAT").article(a)?;
            }
            Command::Next => {
                l.word(b"NEXT");
            }
            Command::Last => {
                l.word(b"LAST");
            }
            Command::Over(s) => {
                l.word(b"OVER").selection(s)?;
            }
            Command::XOver(r) => {
                l.word(b"XOVER");
                if let Some(r) = r {
                    l.range(r);
                }
            }
            Command::Hdr { field, selection } => {
                l.word(b"HDR")
                    .arg(check_field(field)?)
                    .selection(selection)?;
            }
            Command::XHdr { field, selection } => {
                l.word(b"XHDR")
                    .arg(check_field(field)?)
                    .selection(selection)?;
            }
            Command::XPat {
                field,
                selection,
                patterns,
            } => {
                if *selection == Selection::Current {
                    return Err(Error::invalid("XPAT needs a range or message-id"));
                }
                check_text(patterns)?;
                l.word(b"XPAT")
                    .arg(check_field(field)?)
                    .selection(selection)?
                    .arg(patterns);
            }
            Command::List { kind, argument } => {
                l.word(b"LIST").arg(check_token(kind.keyword())?);
                if let Some(a) = argument {
                    l.arg(check_token(a)?);
                }
            }
            Command::NewGroups { date, time, gmt } => {
                l.word(b"NEWGROUPS").date(date, time, *gmt)?;
            }
            Command::NewNews {
                wildmat,
                date,
                time,
                gmt,
            } => {
                l.word(b"NEWNEWS")
                    .arg(check_token(wildmat)?)
                    .date(date, time, *gmt)?;
            }
            Command::Date => {
                l.word(b"DATE");
            }
            Command::Help => {
                l.word(b"HELP");
            }
            Command::Post => {
                l.word(b"POST");
            }
            Command::IHave(id) => {
                l.word(b"IHAVE").arg(check_message_id(id)?);
            }
            Command::StartTls => {
                l.word(b"STARTTLS");
            }
            Command::AuthInfoUser(u) => {
                l.word(b"AUTHINFO USER").arg(check_text(u)?);
            }
            Command::AuthInfoPass(p) => {
                l.word(b"AUTHINFO PASS").arg(check_text(p)?);
            }
            Command::AuthInfoSasl {
                mechanism,
                initial_response,
            } => {
                l.word(b"AUTHINFO SASL").arg(check_token(mechanism)?);
                if let Some(ir) = initial_response {
                    l.arg(&crate::sasl::encode_response(ir));
                }
            }
            Command::Compress(alg) => {
                l.word(b"COMPRESS").arg(check_token(alg)?);
            }
            Command::Quit => {
                l.word(b"QUIT");
            }
        };
        l.0.extend_from_slice(b"\r\n");
        Ok(l.0)
    }

    /// Parses a command line (without its CRLF), as a server reads it:
    /// keywords in any case, arguments as slices of `line`.
    pub fn parse(line: &Bytes) -> Result<Command, ParseError> {
        use ParseError::Syntax;
        let mut args = Args::new(line);
        let verb = args.word().ok_or(ParseError::Unknown)?;
        let is = |w: &[u8]| verb.eq_ignore_ascii_case(w);
        let cmd = if is(b"CAPABILITIES") {
            args.optional(); // a keyword argument is allowed and ignored
            Command::Capabilities
        } else if is(b"MODE") {
            match args.word() {
                Some(w) if w.eq_ignore_ascii_case(b"READER") => Command::ModeReader,
                _ => return Err(Syntax),
            }
        } else if is(b"GROUP") {
            Command::Group(args.word().ok_or(Syntax)?)
        } else if is(b"LISTGROUP") {
            let group = args.optional();
            let range = args.optional().map(|r| parse_range(&r)).transpose()?;
            Command::ListGroup { group, range }
        } else if is(b"ARTICLE") {
            Command::Article(article_ref(args.optional())?)
        } else if is(b"HEAD") {
            Command::Head(article_ref(args.optional())?)
        } else if is(b"BODY") {
            Command::Body(article_ref(args.optional())?)
        } else if is(b"STAT") {
            Command::Stat(article_ref(args.optional())?)
        } else if is(b"NEXT") {
            Command::Next
        } else if is(b"LAST") {
            Command::Last
        } else if is(b"OVER") {
            Command::Over(selection(args.optional())?)
        } else if is(b"XOVER") {
            Command::XOver(args.optional().map(|r| parse_range(&r)).transpose()?)
        } else if is(b"HDR") || is(b"XHDR") {
            let field = args.word().ok_or(Syntax)?;
            let selection = selection(args.optional())?;
            if is(b"HDR") {
                Command::Hdr { field, selection }
            } else {
                Command::XHdr { field, selection }
            }
        } else if is(b"XPAT") {
            let field = args.word().ok_or(Syntax)?;
            let selection = selection(Some(args.word().ok_or(Syntax)?))?;
            let patterns = args.rest().ok_or(Syntax)?;
            return Ok(Command::XPat {
                field,
                selection,
                patterns,
            });
        } else if is(b"LIST") {
            let kind = args.optional().map_or(ListKind::Active, ListKind::parse);
            Command::List {
                kind,
                argument: args.optional(),
            }
        } else if is(b"NEWGROUPS") {
            let (date, time, gmt) = date_args(&mut args)?;
            Command::NewGroups { date, time, gmt }
        } else if is(b"NEWNEWS") {
            let wildmat = args.word().ok_or(Syntax)?;
            let (date, time, gmt) = date_args(&mut args)?;
            Command::NewNews {
                wildmat,
                date,
                time,
                gmt,
            }
        } else if is(b"DATE") {
            Command::Date
        } else if is(b"HELP") {
            Command::Help
        } else if is(b"POST") {
            Command::Post
        } else if is(b"IHAVE") {
            let id = args.word().ok_or(Syntax)?;
            check_message_id(&id).map_err(|_| Syntax)?;
            Command::IHave(id)
        } else if is(b"STARTTLS") {
            Command::StartTls
        } else if is(b"AUTHINFO") {
            return authinfo(&mut args);
        } else if is(b"COMPRESS") {
            Command::Compress(args.word().ok_or(Syntax)?)
        } else if is(b"QUIT") {
            Command::Quit
        } else {
            return Err(ParseError::Unknown);
        };
        if args.rest().is_some() {
            return Err(Syntax);
        }
        Ok(cmd)
    }

    /// The code of the multi-line reply this command may get, if any:
    /// the machine reads a block after exactly this code.
    pub fn block_code(&self) -> Option<u16> {
        Some(match self {
            Command::Capabilities => 101,
            Command::Help => 100,
            Command::ListGroup { .. } => 211,
            Command::Article(_) => 220,
            Command::Head(_) | Command::XHdr { .. } => 221,
            Command::Body(_) => 222,
            Command::Over(_) | Command::XOver(_) => 224,
            Command::Hdr { .. } => 225,
            Command::NewNews { .. } => 230,
            Command::NewGroups { .. } => 231,
            Command::List { .. } => 215,
            Command::XPat { .. } => 221,
            _ => return None,
        })
    }
}

/// The code after which a raw command line (curl's `-X`) is answered by a
/// block: [`Command::block_code`] of the parsed line, or `None` when it
/// does not parse.
///
/// ```
/// assert_eq!(sanswire::nntp::raw_block_code(b"LIST NEWSGROUPS"), Some(215));
/// assert_eq!(sanswire::nntp::raw_block_code(b"listgroup misc.test"), Some(211));
/// assert_eq!(sanswire::nntp::raw_block_code(b"GROUP misc.test"), None);
/// ```
pub fn raw_block_code(line: &[u8]) -> Option<u16> {
    Command::parse(&Bytes::copy_from_slice(line))
        .ok()?
        .block_code()
}

fn authinfo(args: &mut Args) -> Result<Command, ParseError> {
    use ParseError::Syntax;
    let what = args.word().ok_or(Syntax)?;
    if what.eq_ignore_ascii_case(b"USER") {
        Ok(Command::AuthInfoUser(args.rest().ok_or(Syntax)?))
    } else if what.eq_ignore_ascii_case(b"PASS") {
        Ok(Command::AuthInfoPass(args.rest().ok_or(Syntax)?))
    } else if what.eq_ignore_ascii_case(b"SASL") {
        let mechanism = args.word().ok_or(Syntax)?;
        let initial_response = match args.optional() {
            Some(ir) => Some(Bytes::from(
                crate::sasl::decode_challenge(&ir).map_err(|_| Syntax)?,
            )),
            None => None,
        };
        if args.rest().is_some() {
            return Err(Syntax);
        }
        Ok(Command::AuthInfoSasl {
            mechanism,
            initial_response,
        })
    } else {
        Err(Syntax)
    }
}

fn date_args(args: &mut Args) -> Result<(Bytes, Bytes, bool), ParseError> {
    let date = args.word().ok_or(ParseError::Syntax)?;
    let time = args.word().ok_or(ParseError::Syntax)?;
    check_date(&date, &time).map_err(|_| ParseError::Syntax)?;
    let gmt = match args.optional() {
        Some(w) if w.eq_ignore_ascii_case(b"GMT") => true,
        Some(_) => return Err(ParseError::Syntax),
        None => false,
    };
    Ok((date, time, gmt))
}

fn article_ref(arg: Option<Bytes>) -> Result<ArticleRef, ParseError> {
    match arg {
        None => Ok(ArticleRef::Current),
        Some(a) if a.first() == Some(&b'<') => Ok(ArticleRef::MessageId(a)),
        Some(a) => parse_u64(&a)
            .map(ArticleRef::Number)
            .ok_or(ParseError::Syntax),
    }
}

fn selection(arg: Option<Bytes>) -> Result<Selection, ParseError> {
    match arg {
        None => Ok(Selection::Current),
        Some(a) if a.first() == Some(&b'<') => Ok(Selection::MessageId(a)),
        Some(a) => parse_range(&a).map(Selection::Range),
    }
}

fn parse_range(text: &[u8]) -> Result<Range, ParseError> {
    let bad = ParseError::Syntax;
    match memchr::memchr(b'-', text) {
        None => parse_u64(text).map(Range::One).ok_or(bad),
        Some(dash) => {
            let low = parse_u64(&text[..dash]).ok_or(bad)?;
            match &text[dash + 1..] {
                [] => Ok(Range::From(low)),
                high => Ok(Range::Between(low, parse_u64(high).ok_or(bad)?)),
            }
        }
    }
}

pub(crate) use crate::wire::number::parse_u64;

/// A command line under construction.
struct Line(Vec<u8>);

impl Line {
    fn word(&mut self, w: &[u8]) -> &mut Self {
        self.0.extend_from_slice(w);
        self
    }

    fn arg(&mut self, a: &[u8]) -> &mut Self {
        self.0.push(b' ');
        self.0.extend_from_slice(a);
        self
    }

    fn number(&mut self, n: u64) -> &mut Self {
        self.0.extend_from_slice(alloc::format!("{n}").as_bytes());
        self
    }

    fn range(&mut self, r: &Range) -> &mut Self {
        self.0.push(b' ');
        match *r {
            Range::One(a) => self.number(a),
            Range::From(a) => self.number(a).word(b"-"),
            Range::Between(a, b) => self.number(a).word(b"-").number(b),
        }
    }

    fn article(&mut self, a: &ArticleRef) -> Result<&mut Self, Error> {
        Ok(match a {
            ArticleRef::Current => self,
            ArticleRef::Number(n) => self.word(b" ").number(*n),
            ArticleRef::MessageId(id) => self.arg(check_message_id(id)?),
        })
    }

    fn selection(&mut self, s: &Selection) -> Result<&mut Self, Error> {
        Ok(match s {
            Selection::Current => self,
            Selection::Range(r) => self.range(r),
            Selection::MessageId(id) => self.arg(check_message_id(id)?),
        })
    }

    fn date(&mut self, date: &[u8], time: &[u8], gmt: bool) -> Result<&mut Self, Error> {
        check_date(date, time)?;
        self.arg(date).arg(time);
        if gmt {
            self.word(b" GMT");
        }
        Ok(self)
    }
}

/// The words of a command line, as slices of it.
struct Args {
    line: Bytes,
    at: usize,
}

impl Args {
    fn new(line: &Bytes) -> Self {
        Args {
            line: line.clone(),
            at: 0,
        }
    }

    fn skip_blanks(&mut self) {
        while matches!(self.line.get(self.at), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn word(&mut self) -> Option<Bytes> {
        self.skip_blanks();
        let start = self.at;
        let rest = &self.line[start..];
        let len = memchr::memchr2(b' ', b'\t', rest).unwrap_or(rest.len());
        self.at += len;
        (len > 0).then(|| self.line.slice(start..start + len))
    }

    fn optional(&mut self) -> Option<Bytes> {
        self.word()
    }

    /// The rest of the line, blanks around it removed; `None` if empty.
    fn rest(&mut self) -> Option<Bytes> {
        self.skip_blanks();
        let mut end = self.line.len();
        while end > self.at && matches!(self.line[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        let rest = (end > self.at).then(|| self.line.slice(self.at..end));
        self.at = self.line.len();
        rest
    }
}

/// Any argument: no CR, LF or NUL.
fn check_text(a: &[u8]) -> Result<&[u8], Error> {
    if !is_safe_argument(a) {
        return Err(super::ErrorKind::UnsafeArgument.into());
    }
    if a.is_empty() {
        return Err(Error::invalid("empty argument"));
    }
    Ok(a)
}

/// One word: no CR, LF, NUL, space, TAB or other control character.
fn check_token(a: &[u8]) -> Result<&[u8], Error> {
    check_text(a)?;
    if a.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(Error::invalid("space or control character in a word"));
    }
    Ok(a)
}

/// A newsgroup name (RFC 3977 §4.1 wildmat-exact: printable, UTF-8 allowed).
pub(crate) fn check_group(g: &[u8]) -> Result<&[u8], Error> {
    check_token(g)
}

/// A header name, or a metadata item starting with `:`.
fn check_field(f: &[u8]) -> Result<&[u8], Error> {
    check_token(f)?;
    if f.iter().skip(1).any(|&b| b == b':' || b >= 0x7f) {
        return Err(Error::invalid("header name"));
    }
    Ok(f)
}

/// A message-id (RFC 3977 §3.6): `<`, 1 to 248 printable US-ASCII
/// octets, `>`.
pub(crate) fn check_message_id(id: &[u8]) -> Result<&[u8], Error> {
    check_token(id)?;
    let ok = id.len() >= 3
        && id.len() <= 250
        && id[0] == b'<'
        && id[id.len() - 1] == b'>'
        && id.iter().all(|&b| (0x21..0x7f).contains(&b));
    if !ok {
        return Err(Error::invalid("message-id"));
    }
    Ok(id)
}

fn check_date(date: &[u8], time: &[u8]) -> Result<(), Error> {
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if !(matches!(date.len(), 6 | 8) && digits(date) && time.len() == 6 && digits(time)) {
        return Err(Error::invalid("date yyyymmdd and time hhmmss"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nntp::ErrorKind;

    fn roundtrip(cmd: Command) {
        let line = cmd.encode().unwrap();
        let text = Bytes::copy_from_slice(&line[..line.len() - 2]);
        assert_eq!(Command::parse(&text), Ok(cmd));
    }

    #[test]
    fn encode_then_parse_gives_the_command_back() {
        let id = || Bytes::from_static(b"<a.b@c>");
        roundtrip(Command::Group("misc.test".into()));
        roundtrip(Command::ListGroup {
            group: Some("misc.test".into()),
            range: Some(Range::From(3)),
        });
        roundtrip(Command::Article(ArticleRef::Number(12)));
        roundtrip(Command::Head(ArticleRef::MessageId(id())));
        roundtrip(Command::Stat(ArticleRef::Current));
        roundtrip(Command::Over(Selection::Range(Range::Between(1, 9))));
        roundtrip(Command::XOver(None));
        roundtrip(Command::Hdr {
            field: ":bytes".into(),
            selection: Selection::MessageId(id()),
        });
        roundtrip(Command::XPat {
            field: "Subject".into(),
            selection: Selection::Range(Range::From(1)),
            patterns: "*rust* *nntp*".into(),
        });
        roundtrip(Command::List {
            kind: ListKind::Newsgroups,
            argument: Some("comp.*".into()),
        });
        roundtrip(Command::NewNews {
            wildmat: "*".into(),
            date: "20240101".into(),
            time: "000000".into(),
            gmt: true,
        });
        roundtrip(Command::AuthInfoSasl {
            mechanism: "PLAIN".into(),
            initial_response: Some(Bytes::from_static(b"\0u\0p")),
        });
        roundtrip(Command::IHave(id()));
    }

    #[test]
    fn arguments_are_checked_before_anything_is_sent() {
        let kind = |c: Command| c.encode().unwrap_err().kind();
        assert_eq!(
            kind(Command::Group("a\r\nQUIT".into())),
            ErrorKind::UnsafeArgument
        );
        assert_eq!(
            kind(Command::Group("a b".into())),
            ErrorKind::InvalidArgument
        );
        assert_eq!(kind(Command::Group("".into())), ErrorKind::InvalidArgument);
        assert_eq!(
            kind(Command::Article(ArticleRef::MessageId("<a b>".into()))),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            kind(Command::Article(ArticleRef::MessageId("a@b".into()))),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            kind(Command::IHave("<a\0b>".into())),
            ErrorKind::UnsafeArgument
        );
    }

    #[test]
    fn parse_refuses_what_it_does_not_know() {
        let p = |s: &'static str| Command::parse(&Bytes::from_static(s.as_bytes()));
        assert_eq!(p("FROB"), Err(ParseError::Unknown));
        assert_eq!(p("GROUP"), Err(ParseError::Syntax));
        assert_eq!(p("ARTICLE x"), Err(ParseError::Syntax));
        assert_eq!(p("NEXT now"), Err(ParseError::Syntax));
        assert_eq!(
            p("list"),
            Ok(Command::List {
                kind: ListKind::Active,
                argument: None
            })
        );
        assert_eq!(p("mode reader"), Ok(Command::ModeReader));
    }
}
