//! The server's side of the grammar: every response, typed, with the one
//! parser (the client's) and the one encoder (the server's).

use super::syntax::{bad, check_atom, write_num, Cursor, Out, PResult, Sink};
use super::types::{encode_flags, encode_mailbox};
use super::{ErrorKind, Flag, Limits, Mailbox, SeqSet, Value};
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;

/// ID parameters (RFC 2971): field and value pairs, or `NIL`.
pub type IdParams = Option<Vec<(Bytes, Option<Bytes>)>>;

/// One response of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// A status response, tagged or untagged (OK, NO, BAD, PREAUTH, BYE).
    Status(Status),
    /// Untagged data (`* ...` other than a status).
    Data(Data),
    /// A continuation request (`+ ...`): the go-ahead for a literal, a
    /// SASL challenge (base64 in `text`), or IDLE's acknowledgement.
    Continue(Continue),
}

/// A status response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The tag of the command it completes; `None` when untagged.
    pub tag: Option<Bytes>,
    /// OK, NO, BAD, PREAUTH or BYE.
    pub kind: StatusKind,
    /// The response code in brackets, if any.
    pub code: Option<Code>,
    /// The human-readable text.
    pub text: Bytes,
}

impl Status {
    /// A status with no code.
    pub fn new(tag: Option<Bytes>, kind: StatusKind, text: &str) -> Self {
        Status {
            tag,
            kind,
            code: None,
            text: Bytes::copy_from_slice(text.as_bytes()),
        }
    }

    /// The same with a code.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// Whether it is OK (or PREAUTH).
    pub fn is_ok(&self) -> bool {
        matches!(self.kind, StatusKind::Ok | StatusKind::PreAuth)
    }
}

/// The kinds of status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// `OK`.
    Ok,
    /// `NO`: the command failed.
    No,
    /// `BAD`: the command was not understood.
    Bad,
    /// `PREAUTH` (greeting only): already authenticated.
    PreAuth,
    /// `BYE`: the server closes.
    Bye,
}

impl StatusKind {
    fn name(self) -> &'static [u8] {
        match self {
            StatusKind::Ok => b"OK",
            StatusKind::No => b"NO",
            StatusKind::Bad => b"BAD",
            StatusKind::PreAuth => b"PREAUTH",
            StatusKind::Bye => b"BYE",
        }
    }
}

/// A continuation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue {
    /// A response code, if the text starts with one.
    pub code: Option<Code>,
    /// The text (a SASL challenge is base64 here).
    pub text: Bytes,
}

/// A response code (`[...]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    /// `ALERT`: show the text to the user.
    Alert,
    /// `PARSE`: a message's headers could not be parsed.
    Parse,
    /// `READ-ONLY`.
    ReadOnly,
    /// `READ-WRITE`.
    ReadWrite,
    /// `TRYCREATE`.
    TryCreate,
    /// `UIDVALIDITY n`.
    UidValidity(u32),
    /// `UIDNEXT n`.
    UidNext(u32),
    /// `UNSEEN n` (IMAP4rev1).
    Unseen(u32),
    /// `PERMANENTFLAGS (...)`.
    PermanentFlags(Vec<Flag>),
    /// `CAPABILITY ...`.
    Capability(Vec<Bytes>),
    /// `BADCHARSET (...)`.
    BadCharset(Vec<Bytes>),
    /// `HIGHESTMODSEQ n` (CONDSTORE).
    HighestModSeq(u64),
    /// `NOMODSEQ`.
    NoModSeq,
    /// `MODIFIED set` (CONDSTORE).
    Modified(SeqSet),
    /// `APPENDUID validity uids` (UIDPLUS).
    AppendUid {
        /// The mailbox's UIDVALIDITY.
        validity: u32,
        /// The new messages' UIDs.
        uids: SeqSet,
    },
    /// `COPYUID validity source dest` (UIDPLUS, MOVE).
    CopyUid {
        /// The destination's UIDVALIDITY.
        validity: u32,
        /// The UIDs copied.
        source: SeqSet,
        /// Their UIDs in the destination.
        dest: SeqSet,
    },
    /// `UIDNOTSTICKY`.
    UidNotSticky,
    /// `CLOSED` (QRESYNC).
    Closed,
    /// `TOOBIG` (RFC 4469/7889): a literal over the server's limit.
    TooBig,
    /// Any other code, kept (RFC 5530's AUTHENTICATIONFAILED,
    /// NONEXISTENT, ..., Gmail's WEBALERT, ...).
    Other {
        /// The atom.
        name: Bytes,
        /// What followed it up to `]`, raw.
        value: Option<Bytes>,
    },
}

/// Untagged data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Data {
    /// `CAPABILITY ...`.
    Capability(Vec<Bytes>),
    /// `LIST (...) "/" name`.
    List(ListItem),
    /// `LSUB (...) "/" name`.
    Lsub(ListItem),
    /// `STATUS name (MESSAGES n ...)`.
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// Item names and values.
        items: Vec<(Bytes, u64)>,
    },
    /// `SEARCH n n ...` (with CONDSTORE's `(MODSEQ n)`).
    Search {
        /// The numbers found.
        ids: Vec<u32>,
        /// The highest mod-sequence of them.
        modseq: Option<u64>,
    },
    /// `ESEARCH ...` (RFC 4731).
    ESearch(ESearch),
    /// `FLAGS (...)`.
    Flags(Vec<Flag>),
    /// `n EXISTS`.
    Exists(u32),
    /// `n RECENT` (IMAP4rev1).
    Recent(u32),
    /// `n EXPUNGE`.
    Expunge(u32),
    /// `n FETCH (...)`.
    Fetch {
        /// The message sequence number.
        seq: u32,
        /// The data items.
        items: Vec<FetchItem>,
    },
    /// `VANISHED [(EARLIER)] uids` (QRESYNC).
    Vanished {
        /// `(EARLIER)`: an answer to a FETCH, not news.
        earlier: bool,
        /// The UIDs expunged.
        uids: SeqSet,
    },
    /// `NAMESPACE personal other shared`.
    Namespace(Namespaces),
    /// `ID (...)` or `ID NIL`.
    Id(IdParams),
    /// `ENABLED ...`.
    Enabled(Vec<Bytes>),
    /// Anything else, kept raw (the whole message, CRLF included).
    Other(Bytes),
}

/// A LIST or LSUB answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// Name attributes (`\HasNoChildren`, `\Sent`, ...).
    pub attributes: Vec<Bytes>,
    /// The hierarchy delimiter; `None` for a flat namespace.
    pub delimiter: Option<u8>,
    /// The name.
    pub mailbox: Mailbox,
    /// LIST-EXTENDED extended data, kept raw (`CHILDINFO`, `OLDNAME`).
    pub extended: Vec<Value>,
}

/// An ESEARCH answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ESearch {
    /// The tag of the SEARCH it answers.
    pub tag: Option<Bytes>,
    /// The numbers are UIDs.
    pub uid: bool,
    /// `MIN n`.
    pub min: Option<u32>,
    /// `MAX n`.
    pub max: Option<u32>,
    /// `COUNT n`.
    pub count: Option<u32>,
    /// `ALL set`.
    pub all: Option<SeqSet>,
    /// `MODSEQ n`.
    pub modseq: Option<u64>,
}

/// The three namespace kinds; each a list of (prefix, delimiter).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Namespaces {
    /// The user's own.
    pub personal: Vec<(Bytes, Option<u8>)>,
    /// Other users'.
    pub other: Vec<(Bytes, Option<u8>)>,
    /// Shared.
    pub shared: Vec<(Bytes, Option<u8>)>,
}

/// A FETCH data item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchItem {
    /// `FLAGS (...)`.
    Flags(Vec<Flag>),
    /// `UID n`.
    Uid(u32),
    /// `INTERNALDATE "..."`, as sent.
    InternalDate(Bytes),
    /// `RFC822.SIZE n`.
    Rfc822Size(u64),
    /// `ENVELOPE (...)`.
    Envelope(Box<Envelope>),
    /// `BODYSTRUCTURE (...)`.
    BodyStructure(Box<BodyStructure>),
    /// `BODY (...)`: the structure without extension data.
    Body(Box<BodyStructure>),
    /// `BODY[section]<origin> data`: the octets as a slice of the receive
    /// buffer.
    Section {
        /// What is inside the brackets (`HEADER`, `1.2.TEXT`, empty).
        section: Bytes,
        /// The partial fetch's first octet.
        origin: Option<u32>,
        /// The octets, `None` for NIL.
        data: Option<Bytes>,
    },
    /// `BINARY[section]<origin> data` (RFC 3516).
    Binary {
        /// The section part.
        section: Bytes,
        /// The partial fetch's first octet.
        origin: Option<u32>,
        /// The decoded octets.
        data: Option<Bytes>,
    },
    /// `BINARY.SIZE[section] n`.
    BinarySize {
        /// The section part.
        section: Bytes,
        /// The decoded size.
        size: u64,
    },
    /// `RFC822 data` (IMAP4rev1).
    Rfc822(Option<Bytes>),
    /// `RFC822.HEADER data`.
    Rfc822Header(Option<Bytes>),
    /// `RFC822.TEXT data`.
    Rfc822Text(Option<Bytes>),
    /// `MODSEQ (n)` (CONDSTORE).
    ModSeq(u64),
    /// Anything else, kept: Gmail's `X-GM-MSGID`, `X-GM-THRID`,
    /// `X-GM-LABELS`; `EMAILID`, `SAVEDATE`, ...
    Other {
        /// The item's name.
        name: Bytes,
        /// Its value.
        value: Value,
    },
}

/// An ENVELOPE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// Date header.
    pub date: Option<Bytes>,
    /// Subject header (undecoded).
    pub subject: Option<Bytes>,
    /// From.
    pub from: Vec<Address>,
    /// Sender.
    pub sender: Vec<Address>,
    /// Reply-To.
    pub reply_to: Vec<Address>,
    /// To.
    pub to: Vec<Address>,
    /// Cc.
    pub cc: Vec<Address>,
    /// Bcc.
    pub bcc: Vec<Address>,
    /// In-Reply-To.
    pub in_reply_to: Option<Bytes>,
    /// Message-ID.
    pub message_id: Option<Bytes>,
}

/// An address of an ENVELOPE (a group's start has no host, its end no
/// mailbox either).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// The display name.
    pub name: Option<Bytes>,
    /// The source route (obsolete).
    pub adl: Option<Bytes>,
    /// The local part (or group name).
    pub mailbox: Option<Bytes>,
    /// The domain.
    pub host: Option<Bytes>,
}

/// A BODYSTRUCTURE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure {
    /// A single part.
    Single {
        /// `TEXT`, `IMAGE`, ...
        media_type: Bytes,
        /// `PLAIN`, `JPEG`, ...
        subtype: Bytes,
        /// Parameters (`CHARSET`, `NAME`).
        params: Vec<(Bytes, Bytes)>,
        /// Content-ID.
        id: Option<Bytes>,
        /// Content-Description.
        description: Option<Bytes>,
        /// Content-Transfer-Encoding.
        encoding: Bytes,
        /// Size in octets (as encoded).
        size: u32,
        /// Text lines, or the enclosed message.
        kind: SingleKind,
        /// Extension data (MD5, disposition, language, location, ...),
        /// kept as values.
        extension: Vec<Value>,
    },
    /// A multipart.
    Multi {
        /// The parts.
        parts: Vec<BodyStructure>,
        /// `MIXED`, `ALTERNATIVE`, ...
        subtype: Bytes,
        /// Extension data (parameters, disposition, ...), as values.
        extension: Vec<Value>,
    },
}

/// What a single part carries besides its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SingleKind {
    /// Anything but text and message/rfc822.
    Basic,
    /// `TEXT/*`: its size in lines.
    Text {
        /// Lines.
        lines: u32,
    },
    /// `MESSAGE/RFC822` (and `GLOBAL`): the enclosed message.
    Message {
        /// Its envelope.
        envelope: Box<Envelope>,
        /// Its structure.
        body: Box<BodyStructure>,
        /// Its size in lines.
        lines: u32,
    },
}

// ---------------------------------------------------------------- parse

impl Response {
    /// Parses one framed message (CRLF included; see
    /// [`Framer`](super::Framer)).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sanswire::imap::{Data, Limits, Response};
    /// let r = Response::parse(&Bytes::from_static(b"* 23 EXISTS\r\n"), &Limits::default()).unwrap();
    /// assert_eq!(r, Response::Data(Data::Exists(23)));
    /// ```
    pub fn parse(msg: &Bytes, limits: &Limits) -> Result<Response, super::Error> {
        let mut c = Cursor::new(msg, limits.max_depth, limits.max_list_items);
        let search_max = limits.max_search_results;
        if c.eat(b'+') {
            c.eat(b' ');
            let code = resp_code(&mut c)?;
            return Ok(Response::Continue(Continue {
                code,
                text: c.text(),
            }));
        }
        if c.eat(b'*') {
            c.sp()?;
            if let Some(kind) = status_kind(&mut c) {
                return status_rest(&mut c, None, kind).map(Response::Status);
            }
            let start = c.pos;
            match untagged(&mut c, search_max) {
                Ok(data) => return Ok(Response::Data(data)),
                Err(e) if e.kind() == ErrorKind::MalformedResponse => {
                    // An unknown response (or one we cannot read) is kept.
                    let _ = start;
                    return Ok(Response::Data(Data::Other(msg.clone())));
                }
                Err(e) => return Err(e),
            }
        }
        let tag = c.take_while(|b| super::syntax::is_astring_char(b) && b != b'+');
        if tag.is_empty() {
            return bad();
        }
        c.sp()?;
        let kind = status_kind(&mut c).ok_or(ErrorKind::MalformedResponse)?;
        status_rest(&mut c, Some(tag), kind).map(Response::Status)
    }
}

fn status_kind(c: &mut Cursor) -> Option<StatusKind> {
    [
        StatusKind::Ok,
        StatusKind::No,
        StatusKind::Bad,
        StatusKind::PreAuth,
        StatusKind::Bye,
    ]
    .into_iter()
    .find(|k| c.keyword(k.name()))
}

fn status_rest(c: &mut Cursor, tag: Option<Bytes>, kind: StatusKind) -> PResult<Status> {
    // The text is optional: some servers end with `A1 OK` (Exchange).
    c.eat(b' ');
    let code = resp_code(c)?;
    Ok(Status {
        tag,
        kind,
        code,
        text: c.text(),
    })
}

fn resp_code(c: &mut Cursor) -> PResult<Option<Code>> {
    if !c.eat(b'[') {
        return Ok(None);
    }
    let start = c.pos;
    let code = match known_code(c) {
        Ok(Some(code)) if c.peek() == Some(b']') => code,
        Err(e) if e.kind() != ErrorKind::MalformedResponse => return Err(e),
        _ => {
            // Unknown, or known but odd: keep it raw.
            c.pos = start;
            let name = c.take_while(super::syntax::is_atom_char);
            let value = if c.eat(b' ') {
                let rest = c.rest();
                let end = memchr::memchr(b']', rest).ok_or(ErrorKind::MalformedResponse)?;
                let v = c.src.slice(c.pos..c.pos + end);
                c.pos += end;
                Some(v)
            } else {
                None
            };
            Code::Other { name, value }
        }
    };
    c.expect(b']')?;
    c.eat(b' ');
    Ok(Some(code))
}

fn known_code(c: &mut Cursor) -> PResult<Option<Code>> {
    Ok(Some(if c.keyword(b"ALERT") {
        Code::Alert
    } else if c.keyword(b"PARSE") {
        Code::Parse
    } else if c.keyword(b"READ-ONLY") {
        Code::ReadOnly
    } else if c.keyword(b"READ-WRITE") {
        Code::ReadWrite
    } else if c.keyword(b"TRYCREATE") {
        Code::TryCreate
    } else if c.keyword(b"UIDVALIDITY") {
        c.sp()?;
        Code::UidValidity(c.number()?)
    } else if c.keyword(b"UIDNEXT") {
        c.sp()?;
        Code::UidNext(c.number()?)
    } else if c.keyword(b"UNSEEN") {
        c.sp()?;
        Code::Unseen(c.number()?)
    } else if c.keyword(b"PERMANENTFLAGS") {
        c.sp()?;
        Code::PermanentFlags(c.flags()?)
    } else if c.keyword(b"CAPABILITY") {
        Code::Capability(capabilities(c)?)
    } else if c.keyword(b"BADCHARSET") {
        if c.eat(b' ') {
            Code::BadCharset(c.list(|c| c.astring())?)
        } else {
            Code::BadCharset(Vec::new())
        }
    } else if c.keyword(b"HIGHESTMODSEQ") {
        c.sp()?;
        Code::HighestModSeq(c.number64()?)
    } else if c.keyword(b"NOMODSEQ") {
        Code::NoModSeq
    } else if c.keyword(b"MODIFIED") {
        c.sp()?;
        Code::Modified(c.seq_set()?)
    } else if c.keyword(b"APPENDUID") {
        c.sp()?;
        let validity = c.number()?;
        c.sp()?;
        Code::AppendUid {
            validity,
            uids: c.seq_set()?,
        }
    } else if c.keyword(b"COPYUID") {
        c.sp()?;
        let validity = c.number()?;
        c.sp()?;
        let source = c.seq_set()?;
        c.sp()?;
        Code::CopyUid {
            validity,
            source,
            dest: c.seq_set()?,
        }
    } else if c.keyword(b"UIDNOTSTICKY") {
        Code::UidNotSticky
    } else if c.keyword(b"CLOSED") {
        Code::Closed
    } else if c.keyword(b"TOOBIG") {
        Code::TooBig
    } else {
        return Ok(None);
    }))
}

fn capabilities(c: &mut Cursor) -> PResult<Vec<Bytes>> {
    let mut caps = Vec::new();
    while c.eat(b' ') {
        if c.peek() == Some(b']') || c.at_end() {
            break; // a trailing space (seen from some servers)
        }
        if caps.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        caps.push(c.atom()?);
    }
    Ok(caps)
}

fn untagged(c: &mut Cursor, search_max: usize) -> PResult<Data> {
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = c.number()?;
        c.sp()?;
        let data = if c.keyword(b"EXISTS") {
            Data::Exists(n)
        } else if c.keyword(b"RECENT") {
            Data::Recent(n)
        } else if c.keyword(b"EXPUNGE") {
            Data::Expunge(n)
        } else if c.keyword(b"FETCH") {
            c.sp()?;
            Data::Fetch {
                seq: n,
                items: fetch_items(c)?,
            }
        } else {
            return bad();
        };
        c.end()?;
        return Ok(data);
    }
    let data = if c.keyword(b"CAPABILITY") {
        Data::Capability(capabilities(c)?)
    } else if c.keyword(b"LIST") {
        c.sp()?;
        Data::List(list_item(c)?)
    } else if c.keyword(b"LSUB") {
        c.sp()?;
        Data::Lsub(list_item(c)?)
    } else if c.keyword(b"STATUS") {
        c.sp()?;
        let mailbox = c.mailbox()?;
        c.sp()?;
        c.open()?;
        let mut items = Vec::new();
        while c.peek() != Some(b')') {
            if items.len() >= c.max_items {
                return Err(ErrorKind::TooManyItems.into());
            }
            let name = c.atom()?;
            c.sp()?;
            items.push((name, c.number64()?));
            if !c.eat(b' ') {
                break;
            }
        }
        c.close()?;
        // A trailing space (seen from some servers) is let through.
        c.eat(b' ');
        Data::Status { mailbox, items }
    } else if c.keyword(b"SEARCH") || c.keyword(b"SORT") {
        search(c, search_max)?
    } else if c.keyword(b"ESEARCH") {
        Data::ESearch(esearch(c)?)
    } else if c.keyword(b"FLAGS") {
        c.sp()?;
        Data::Flags(c.flags()?)
    } else if c.keyword(b"VANISHED") {
        c.sp()?;
        let earlier = c.prefix(b"(EARLIER) ");
        Data::Vanished {
            earlier,
            uids: c.seq_set()?,
        }
    } else if c.keyword(b"NAMESPACE") {
        c.sp()?;
        let personal = namespace(c)?;
        c.sp()?;
        let other = namespace(c)?;
        c.sp()?;
        let shared = namespace(c)?;
        Data::Namespace(Namespaces {
            personal,
            other,
            shared,
        })
    } else if c.keyword(b"ID") {
        c.sp()?;
        Data::Id(id_params(c)?)
    } else if c.keyword(b"ENABLED") {
        Data::Enabled(capabilities(c)?)
    } else {
        return bad();
    };
    c.end()?;
    Ok(data)
}

pub(crate) fn id_params(c: &mut Cursor) -> PResult<IdParams> {
    if c.keyword(b"NIL") {
        return Ok(None);
    }
    c.open()?;
    let mut v = Vec::new();
    while c.peek() != Some(b')') {
        if v.len() >= 30 {
            return Err(ErrorKind::TooManyItems.into());
        }
        let k = c.string()?;
        c.sp()?;
        v.push((k, c.nstring()?));
        if !c.eat(b' ') {
            break;
        }
    }
    c.close()?;
    Ok(Some(v))
}

fn delimiter(c: &mut Cursor) -> PResult<Option<u8>> {
    if c.keyword(b"NIL") {
        return Ok(None);
    }
    let d = c.quoted()?;
    match d.len() {
        1 => Ok(Some(d[0])),
        _ => bad(),
    }
}

fn list_item(c: &mut Cursor) -> PResult<ListItem> {
    let attributes = c.list(|c| c.flag())?;
    c.sp()?;
    let delimiter = delimiter(c)?;
    c.sp()?;
    let mailbox = c.mailbox()?;
    let mut extended = Vec::new();
    if c.eat(b' ') {
        if let Value::List(v) = c.value()? {
            extended = v;
        }
    }
    Ok(ListItem {
        attributes,
        delimiter,
        mailbox,
        extended,
    })
}

fn namespace(c: &mut Cursor) -> PResult<Vec<(Bytes, Option<u8>)>> {
    if c.keyword(b"NIL") {
        return Ok(Vec::new());
    }
    c.list(|c| {
        c.open()?;
        let prefix = c.string()?;
        c.sp()?;
        let d = delimiter(c)?;
        // Namespace extensions (RFC 2342 §5), skipped.
        while c.eat(b' ') {
            c.value()?;
        }
        c.close()?;
        Ok((prefix, d))
    })
}

fn search(c: &mut Cursor, max: usize) -> PResult<Data> {
    let mut ids = Vec::new();
    let mut modseq = None;
    while c.eat(b' ') {
        if c.peek() == Some(b'(') {
            c.open()?;
            if !c.keyword(b"MODSEQ") {
                return bad();
            }
            c.sp()?;
            modseq = Some(c.number64()?);
            c.close()?;
            break;
        }
        if c.at_end() {
            break; // `* SEARCH ` with a trailing space (Dovecot)
        }
        if ids.len() >= max {
            return Err(ErrorKind::TooManyItems.into());
        }
        ids.push(fast_number(c)?);
    }
    Ok(Data::Search { ids, modseq })
}

/// A number in a long run of them (SEARCH): one pass, no width check
/// beyond overflow.
#[inline]
fn fast_number(c: &mut Cursor) -> PResult<u32> {
    let rest = c.rest();
    let mut v: u64 = 0;
    let mut i = 0;
    while i < rest.len() && rest[i].is_ascii_digit() {
        v = v * 10 + u64::from(rest[i] - b'0');
        if v > u64::from(u32::MAX) {
            return bad();
        }
        i += 1;
    }
    if i == 0 {
        return bad();
    }
    c.pos += i;
    Ok(v as u32)
}

fn esearch(c: &mut Cursor) -> PResult<ESearch> {
    let mut e = ESearch::default();
    if c.prefix(b" (TAG ") {
        e.tag = Some(c.string()?);
        c.expect(b')')?;
    }
    if c.prefix(b" UID") {
        e.uid = true;
    }
    while c.eat(b' ') {
        if c.at_end() {
            break;
        }
        if c.keyword(b"MIN") {
            c.sp()?;
            e.min = Some(c.number()?);
        } else if c.keyword(b"MAX") {
            c.sp()?;
            e.max = Some(c.number()?);
        } else if c.keyword(b"COUNT") {
            c.sp()?;
            e.count = Some(c.number()?);
        } else if c.keyword(b"ALL") {
            c.sp()?;
            e.all = Some(c.seq_set()?);
        } else if c.keyword(b"MODSEQ") {
            c.sp()?;
            e.modseq = Some(c.number64()?);
        } else {
            // An unknown return item: its name and value, skipped.
            c.atom()?;
            c.sp()?;
            c.value()?;
        }
    }
    Ok(e)
}

fn fetch_items(c: &mut Cursor) -> PResult<Vec<FetchItem>> {
    c.open()?;
    let mut items = Vec::with_capacity(4);
    // A trailing space before `)` is accepted (seen from old Exchange).
    while c.peek() != Some(b')') {
        if items.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        items.push(fetch_item(c)?);
        if !c.eat(b' ') {
            break;
        }
    }
    c.close()?;
    Ok(items)
}

/// `[section]` and an optional `<origin>`.
fn section(c: &mut Cursor) -> PResult<(Bytes, Option<u32>)> {
    c.expect(b'[')?;
    let rest = c.rest();
    let end = memchr::memchr(b']', rest).ok_or(ErrorKind::MalformedResponse)?;
    let section = c.src.slice(c.pos..c.pos + end);
    c.pos += end + 1;
    let origin = if c.eat(b'<') {
        let n = c.number()?;
        c.expect(b'>')?;
        Some(n)
    } else {
        None
    };
    Ok((section, origin))
}

fn fetch_item(c: &mut Cursor) -> PResult<FetchItem> {
    let rest = c.rest();
    let name_len = rest
        .iter()
        .position(|&b| !(super::syntax::is_atom_char(b) && b != b'[' && b != b'<'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    let upper = |n: &[u8]| name.eq_ignore_ascii_case(n);
    let start = c.pos;
    c.pos += name_len;
    let item = if upper(b"BODY") && c.peek() == Some(b'[') {
        let (section, origin) = section(c)?;
        c.sp()?;
        FetchItem::Section {
            section,
            origin,
            data: c.nstring()?,
        }
    } else if upper(b"BINARY") && c.peek() == Some(b'[') {
        let (section, origin) = section(c)?;
        c.sp()?;
        FetchItem::Binary {
            section,
            origin,
            data: c.nstring()?,
        }
    } else if upper(b"BINARY.SIZE") && c.peek() == Some(b'[') {
        let (section, _) = section(c)?;
        c.sp()?;
        FetchItem::BinarySize {
            section,
            size: c.number64()?,
        }
    } else {
        c.sp()?;
        if upper(b"FLAGS") {
            FetchItem::Flags(c.flags()?)
        } else if upper(b"UID") {
            FetchItem::Uid(c.nz_number()?)
        } else if upper(b"INTERNALDATE") {
            FetchItem::InternalDate(c.string()?)
        } else if upper(b"RFC822.SIZE") {
            FetchItem::Rfc822Size(c.number64()?)
        } else if upper(b"ENVELOPE") {
            FetchItem::Envelope(Box::new(envelope(c)?))
        } else if upper(b"BODYSTRUCTURE") {
            FetchItem::BodyStructure(Box::new(body(c)?))
        } else if upper(b"BODY") {
            FetchItem::Body(Box::new(body(c)?))
        } else if upper(b"RFC822") {
            FetchItem::Rfc822(c.nstring()?)
        } else if upper(b"RFC822.HEADER") {
            FetchItem::Rfc822Header(c.nstring()?)
        } else if upper(b"RFC822.TEXT") {
            FetchItem::Rfc822Text(c.nstring()?)
        } else if upper(b"MODSEQ") {
            c.open()?;
            let n = c.number64()?;
            c.close()?;
            FetchItem::ModSeq(n)
        } else if name.is_empty() {
            return bad();
        } else {
            // Gmail's X-GM-*, EMAILID, THREADID, SAVEDATE, PREVIEW, ...
            FetchItem::Other {
                name: c.src.slice(start..start + name_len),
                value: c.value()?,
            }
        }
    };
    Ok(item)
}

fn envelope(c: &mut Cursor) -> PResult<Envelope> {
    c.open()?;
    let date = c.nstring()?;
    c.sp()?;
    let subject = c.nstring()?;
    c.sp()?;
    let from = addresses(c)?;
    c.sp()?;
    let sender = addresses(c)?;
    c.sp()?;
    let reply_to = addresses(c)?;
    c.sp()?;
    let to = addresses(c)?;
    c.sp()?;
    let cc = addresses(c)?;
    c.sp()?;
    let bcc = addresses(c)?;
    c.sp()?;
    let in_reply_to = c.nstring()?;
    c.sp()?;
    let message_id = c.nstring()?;
    c.close()?;
    Ok(Envelope {
        date,
        subject,
        from,
        sender,
        reply_to,
        to,
        cc,
        bcc,
        in_reply_to,
        message_id,
    })
}

fn addresses(c: &mut Cursor) -> PResult<Vec<Address>> {
    if c.keyword(b"NIL") {
        return Ok(Vec::new());
    }
    c.open()?;
    let mut v = Vec::new();
    while c.peek() == Some(b'(') {
        if v.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        c.open()?;
        let name = c.nstring()?;
        c.sp()?;
        let adl = c.nstring()?;
        c.sp()?;
        let mailbox = c.nstring()?;
        c.sp()?;
        let host = c.nstring()?;
        c.close()?;
        v.push(Address {
            name,
            adl,
            mailbox,
            host,
        });
        // Spaces between addresses are not in the grammar; some servers
        // (old Cyrus) put them there.
        c.eat(b' ');
    }
    c.close()?;
    Ok(v)
}

fn body(c: &mut Cursor) -> PResult<BodyStructure> {
    c.open()?;
    if c.peek() == Some(b'(') {
        let mut parts = Vec::new();
        while c.peek() == Some(b'(') {
            if parts.len() >= c.max_items {
                return Err(ErrorKind::TooManyItems.into());
            }
            parts.push(body(c)?);
            // Spaces between parts: not in the grammar, sent by some servers.
            c.eat(b' ');
        }
        let subtype = c.string()?;
        let extension = extension(c)?;
        c.close()?;
        return Ok(BodyStructure::Multi {
            parts,
            subtype,
            extension,
        });
    }
    let media_type = c.string()?;
    c.sp()?;
    let subtype = c.string()?;
    c.sp()?;
    let params = body_params(c)?;
    c.sp()?;
    let id = c.nstring()?;
    c.sp()?;
    let description = c.nstring()?;
    c.sp()?;
    // Some servers send NIL for the encoding (Exchange).
    let encoding = c.nstring()?.unwrap_or_else(|| Bytes::from_static(b"7BIT"));
    c.sp()?;
    let size = c.number()?;
    let kind = if media_type.eq_ignore_ascii_case(b"MESSAGE")
        && (subtype.eq_ignore_ascii_case(b"RFC822") || subtype.eq_ignore_ascii_case(b"GLOBAL"))
        && c.peek() == Some(b' ')
    {
        c.sp()?;
        let envelope = Box::new(envelope(c)?);
        c.sp()?;
        let body = Box::new(body(c)?);
        c.sp()?;
        SingleKind::Message {
            envelope,
            body,
            lines: c.number()?,
        }
    } else if media_type.eq_ignore_ascii_case(b"TEXT") && c.peek() == Some(b' ') {
        c.sp()?;
        SingleKind::Text { lines: c.number()? }
    } else {
        SingleKind::Basic
    };
    let extension = extension(c)?;
    c.close()?;
    Ok(BodyStructure::Single {
        media_type,
        subtype,
        params,
        id,
        description,
        encoding,
        size,
        kind,
        extension,
    })
}

fn body_params(c: &mut Cursor) -> PResult<Vec<(Bytes, Bytes)>> {
    if c.keyword(b"NIL") {
        return Ok(Vec::new());
    }
    c.open()?;
    let mut v = Vec::new();
    while c.peek() != Some(b')') {
        if v.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        let k = c.string()?;
        c.sp()?;
        v.push((k, c.string()?));
        if !c.eat(b' ') {
            break;
        }
    }
    c.close()?;
    Ok(v)
}

fn extension(c: &mut Cursor) -> PResult<Vec<Value>> {
    let mut v = Vec::new();
    while c.eat(b' ') {
        if v.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        v.push(c.value()?);
    }
    Ok(v)
}

// ---------------------------------------------------------------- encode

impl Response {
    /// Encodes the response, CRLF included; strings become atoms, quoted
    /// strings or literals as their bytes need.
    pub fn encode(&self) -> Result<Vec<u8>, super::Error> {
        let mut v = Vec::new();
        self.encode_to(&mut v)?;
        Ok(v)
    }

    pub(crate) fn encode_to(&self, sink: &mut dyn Sink) -> PResult<()> {
        let out = Out::server();
        match self {
            Response::Status(s) => encode_status(&out, sink, s)?,
            Response::Continue(k) => {
                sink.text(b"+ ");
                if let Some(code) = &k.code {
                    encode_code(&out, sink, code)?;
                    sink.text(b" ");
                }
                check_text(&k.text)?;
                sink.text(&k.text);
            }
            Response::Data(d) => {
                if let Data::Other(raw) = d {
                    if !raw.ends_with(b"\r\n") || !raw.starts_with(b"* ") {
                        return Err(ErrorKind::InvalidArgument.into());
                    }
                    sink.payload(raw);
                    return Ok(());
                }
                sink.text(b"* ");
                encode_data(&out, sink, d)?;
            }
        }
        sink.text(b"\r\n");
        Ok(())
    }
}

fn check_text(t: &[u8]) -> PResult<()> {
    if crate::wire::is_safe_argument(t) {
        Ok(())
    } else {
        Err(ErrorKind::UnsafeArgument.into())
    }
}

fn encode_status(out: &Out, sink: &mut dyn Sink, s: &Status) -> PResult<()> {
    match &s.tag {
        Some(t) => {
            check_atom(t)?;
            sink.text(t);
        }
        None => sink.text(b"*"),
    }
    sink.text(b" ");
    sink.text(s.kind.name());
    if let Some(code) = &s.code {
        sink.text(b" ");
        encode_code(out, sink, code)?;
    }
    check_text(&s.text)?;
    if !s.text.is_empty() || s.code.is_none() {
        sink.text(b" ");
        // `[` would read as a code.
        if s.text.first() == Some(&b'[') && s.code.is_none() {
            return Err(ErrorKind::InvalidArgument.into());
        }
        sink.text(&s.text);
    }
    Ok(())
}

fn encode_code(out: &Out, sink: &mut dyn Sink, code: &Code) -> PResult<()> {
    sink.text(b"[");
    let num = |sink: &mut dyn Sink, name: &[u8], n: u64| {
        sink.text(name);
        sink.text(b" ");
        write_num(sink, n);
    };
    match code {
        Code::Alert => sink.text(b"ALERT"),
        Code::Parse => sink.text(b"PARSE"),
        Code::ReadOnly => sink.text(b"READ-ONLY"),
        Code::ReadWrite => sink.text(b"READ-WRITE"),
        Code::TryCreate => sink.text(b"TRYCREATE"),
        Code::UidValidity(n) => num(sink, b"UIDVALIDITY", u64::from(*n)),
        Code::UidNext(n) => num(sink, b"UIDNEXT", u64::from(*n)),
        Code::Unseen(n) => num(sink, b"UNSEEN", u64::from(*n)),
        Code::PermanentFlags(f) => {
            sink.text(b"PERMANENTFLAGS ");
            encode_flags(sink, f)?;
        }
        Code::Capability(caps) => {
            sink.text(b"CAPABILITY");
            atoms(sink, caps)?;
        }
        Code::BadCharset(v) => {
            sink.text(b"BADCHARSET");
            if !v.is_empty() {
                sink.text(b" (");
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        sink.text(b" ");
                    }
                    out.astring(sink, s)?;
                }
                sink.text(b")");
            }
        }
        Code::HighestModSeq(n) => num(sink, b"HIGHESTMODSEQ", *n),
        Code::NoModSeq => sink.text(b"NOMODSEQ"),
        Code::Modified(s) => {
            sink.text(b"MODIFIED ");
            s.encode(sink)?;
        }
        Code::AppendUid { validity, uids } => {
            num(sink, b"APPENDUID", u64::from(*validity));
            sink.text(b" ");
            uids.encode(sink)?;
        }
        Code::CopyUid {
            validity,
            source,
            dest,
        } => {
            num(sink, b"COPYUID", u64::from(*validity));
            sink.text(b" ");
            source.encode(sink)?;
            sink.text(b" ");
            dest.encode(sink)?;
        }
        Code::UidNotSticky => sink.text(b"UIDNOTSTICKY"),
        Code::Closed => sink.text(b"CLOSED"),
        Code::TooBig => sink.text(b"TOOBIG"),
        Code::Other { name, value } => {
            check_atom(name)?;
            sink.text(name);
            if let Some(v) = value {
                if memchr::memchr(b']', v).is_some() {
                    return Err(ErrorKind::InvalidArgument.into());
                }
                check_text(v)?;
                sink.text(b" ");
                sink.text(v);
            }
        }
    }
    sink.text(b"]");
    Ok(())
}

fn atoms(sink: &mut dyn Sink, v: &[Bytes]) -> PResult<()> {
    for a in v {
        check_atom(a)?;
        sink.text(b" ");
        sink.text(a);
    }
    Ok(())
}

fn encode_delimiter(sink: &mut dyn Sink, d: Option<u8>) -> PResult<()> {
    match d {
        None => sink.text(b"NIL"),
        Some(b'"') => sink.text(b"\"\\\"\""),
        Some(b'\\') => sink.text(b"\"\\\\\""),
        Some(d) if (0x20..0x7f).contains(&d) => {
            sink.text(b"\"");
            sink.text(&[d]);
            sink.text(b"\"");
        }
        Some(_) => return Err(ErrorKind::InvalidArgument.into()),
    }
    Ok(())
}

fn encode_list_item(out: &Out, sink: &mut dyn Sink, l: &ListItem) -> PResult<()> {
    sink.text(b"(");
    for (i, a) in l.attributes.iter().enumerate() {
        super::syntax::check_flag(a)?;
        if i > 0 {
            sink.text(b" ");
        }
        sink.text(a);
    }
    sink.text(b") ");
    encode_delimiter(sink, l.delimiter)?;
    sink.text(b" ");
    encode_mailbox(out, sink, &l.mailbox)?;
    if !l.extended.is_empty() {
        sink.text(b" ");
        Value::List(l.extended.clone()).encode(out, sink)?;
    }
    Ok(())
}

fn encode_data(out: &Out, sink: &mut dyn Sink, d: &Data) -> PResult<()> {
    let num = |sink: &mut dyn Sink, n: u32, name: &[u8]| {
        write_num(sink, u64::from(n));
        sink.text(b" ");
        sink.text(name);
    };
    match d {
        Data::Capability(caps) => {
            sink.text(b"CAPABILITY");
            atoms(sink, caps)?;
        }
        Data::List(l) => {
            sink.text(b"LIST ");
            encode_list_item(out, sink, l)?;
        }
        Data::Lsub(l) => {
            sink.text(b"LSUB ");
            encode_list_item(out, sink, l)?;
        }
        Data::Status { mailbox, items } => {
            sink.text(b"STATUS ");
            encode_mailbox(out, sink, mailbox)?;
            sink.text(b" (");
            for (i, (k, v)) in items.iter().enumerate() {
                check_atom(k)?;
                if i > 0 {
                    sink.text(b" ");
                }
                sink.text(k);
                sink.text(b" ");
                write_num(sink, *v);
            }
            sink.text(b")");
        }
        Data::Search { ids, modseq } => {
            sink.text(b"SEARCH");
            for id in ids {
                sink.text(b" ");
                write_num(sink, u64::from(*id));
            }
            if let Some(m) = modseq {
                sink.text(b" (MODSEQ ");
                write_num(sink, *m);
                sink.text(b")");
            }
        }
        Data::ESearch(e) => {
            sink.text(b"ESEARCH");
            if let Some(t) = &e.tag {
                sink.text(b" (TAG ");
                out.string(sink, t)?;
                sink.text(b")");
            }
            if e.uid {
                sink.text(b" UID");
            }
            let mut opt = |name: &[u8], v: Option<u64>| {
                if let Some(v) = v {
                    sink.text(b" ");
                    sink.text(name);
                    sink.text(b" ");
                    write_num(sink, v);
                }
            };
            opt(b"MIN", e.min.map(u64::from));
            opt(b"MAX", e.max.map(u64::from));
            opt(b"COUNT", e.count.map(u64::from));
            if let Some(all) = &e.all {
                sink.text(b" ALL ");
                all.encode(sink)?;
            }
            if let Some(m) = e.modseq {
                sink.text(b" MODSEQ ");
                write_num(sink, m);
            }
        }
        Data::Flags(f) => {
            sink.text(b"FLAGS ");
            encode_flags(sink, f)?;
        }
        Data::Exists(n) => num(sink, *n, b"EXISTS"),
        Data::Recent(n) => num(sink, *n, b"RECENT"),
        Data::Expunge(n) => num(sink, *n, b"EXPUNGE"),
        Data::Fetch { seq, items } => {
            num(sink, *seq, b"FETCH (");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sink.text(b" ");
                }
                encode_fetch_item(out, sink, item)?;
            }
            sink.text(b")");
        }
        Data::Vanished { earlier, uids } => {
            sink.text(if *earlier {
                b"VANISHED (EARLIER) "
            } else {
                b"VANISHED "
            });
            uids.encode(sink)?;
        }
        Data::Namespace(n) => {
            sink.text(b"NAMESPACE");
            for kind in [&n.personal, &n.other, &n.shared] {
                sink.text(b" ");
                if kind.is_empty() {
                    sink.text(b"NIL");
                    continue;
                }
                sink.text(b"(");
                for (prefix, d) in kind {
                    sink.text(b"(");
                    out.string(sink, prefix)?;
                    sink.text(b" ");
                    encode_delimiter(sink, *d)?;
                    sink.text(b")");
                }
                sink.text(b")");
            }
        }
        Data::Id(params) => {
            sink.text(b"ID ");
            encode_id(out, sink, params)?;
        }
        Data::Enabled(caps) => {
            sink.text(b"ENABLED");
            atoms(sink, caps)?;
        }
        Data::Other(_) => unreachable!("written raw by the caller"),
    }
    Ok(())
}

pub(crate) fn encode_id(out: &Out, sink: &mut dyn Sink, params: &IdParams) -> PResult<()> {
    match params {
        None => sink.text(b"NIL"),
        Some(v) => {
            sink.text(b"(");
            for (i, (k, val)) in v.iter().enumerate() {
                if i > 0 {
                    sink.text(b" ");
                }
                out.string(sink, k)?;
                sink.text(b" ");
                out.nstring(sink, val)?;
            }
            sink.text(b")");
        }
    }
    Ok(())
}

fn encode_section(
    sink: &mut dyn Sink,
    name: &[u8],
    section: &Bytes,
    origin: Option<u32>,
) -> PResult<()> {
    if memchr::memchr(b']', section).is_some() || !crate::wire::is_safe_argument(section) {
        return Err(ErrorKind::InvalidArgument.into());
    }
    sink.text(name);
    sink.text(b"[");
    sink.text(section);
    sink.text(b"]");
    if let Some(o) = origin {
        sink.text(b"<");
        write_num(sink, u64::from(o));
        sink.text(b">");
    }
    Ok(())
}

/// Message data always goes out as a literal: its bytes are whatever the
/// message holds.
fn encode_data_nstring(
    out: &Out,
    sink: &mut dyn Sink,
    d: &Option<Bytes>,
    binary: bool,
) -> PResult<()> {
    match d {
        None => {
            sink.text(b"NIL");
            Ok(())
        }
        Some(b) if binary => {
            out.literal_raw(sink, b, memchr::memchr(0, b).is_some());
            Ok(())
        }
        Some(b) => {
            // NUL in a message (seen in the wild) is sent as is: refusing
            // would make the message unreadable.
            out.literal_raw(sink, b, false);
            Ok(())
        }
    }
}

fn encode_fetch_item(out: &Out, sink: &mut dyn Sink, item: &FetchItem) -> PResult<()> {
    match item {
        FetchItem::Flags(f) => {
            sink.text(b"FLAGS ");
            encode_flags(sink, f)?;
        }
        FetchItem::Uid(n) => {
            sink.text(b"UID ");
            write_num(sink, u64::from(*n));
        }
        FetchItem::InternalDate(d) => {
            sink.text(b"INTERNALDATE ");
            out.string(sink, d)?;
        }
        FetchItem::Rfc822Size(n) => {
            sink.text(b"RFC822.SIZE ");
            write_num(sink, *n);
        }
        FetchItem::Envelope(e) => {
            sink.text(b"ENVELOPE ");
            encode_envelope(out, sink, e)?;
        }
        FetchItem::BodyStructure(b) => {
            sink.text(b"BODYSTRUCTURE ");
            encode_body(out, sink, b)?;
        }
        FetchItem::Body(b) => {
            sink.text(b"BODY ");
            encode_body(out, sink, b)?;
        }
        FetchItem::Section {
            section,
            origin,
            data,
        } => {
            encode_section(sink, b"BODY", section, *origin)?;
            sink.text(b" ");
            encode_data_nstring(out, sink, data, false)?;
        }
        FetchItem::Binary {
            section,
            origin,
            data,
        } => {
            encode_section(sink, b"BINARY", section, *origin)?;
            sink.text(b" ");
            encode_data_nstring(out, sink, data, true)?;
        }
        FetchItem::BinarySize { section, size } => {
            encode_section(sink, b"BINARY.SIZE", section, None)?;
            sink.text(b" ");
            write_num(sink, *size);
        }
        FetchItem::Rfc822(d) => {
            sink.text(b"RFC822 ");
            encode_data_nstring(out, sink, d, false)?;
        }
        FetchItem::Rfc822Header(d) => {
            sink.text(b"RFC822.HEADER ");
            encode_data_nstring(out, sink, d, false)?;
        }
        FetchItem::Rfc822Text(d) => {
            sink.text(b"RFC822.TEXT ");
            encode_data_nstring(out, sink, d, false)?;
        }
        FetchItem::ModSeq(n) => {
            sink.text(b"MODSEQ (");
            write_num(sink, *n);
            sink.text(b")");
        }
        FetchItem::Other { name, value } => {
            check_atom(name)?;
            sink.text(name);
            sink.text(b" ");
            value.encode(out, sink)?;
        }
    }
    Ok(())
}

fn encode_addresses(out: &Out, sink: &mut dyn Sink, v: &[Address]) -> PResult<()> {
    if v.is_empty() {
        sink.text(b"NIL");
        return Ok(());
    }
    sink.text(b"(");
    for a in v {
        sink.text(b"(");
        out.nstring(sink, &a.name)?;
        sink.text(b" ");
        out.nstring(sink, &a.adl)?;
        sink.text(b" ");
        out.nstring(sink, &a.mailbox)?;
        sink.text(b" ");
        out.nstring(sink, &a.host)?;
        sink.text(b")");
    }
    sink.text(b")");
    Ok(())
}

pub(crate) fn encode_envelope(out: &Out, sink: &mut dyn Sink, e: &Envelope) -> PResult<()> {
    sink.text(b"(");
    out.nstring(sink, &e.date)?;
    sink.text(b" ");
    out.nstring(sink, &e.subject)?;
    for list in [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc] {
        sink.text(b" ");
        encode_addresses(out, sink, list)?;
    }
    sink.text(b" ");
    out.nstring(sink, &e.in_reply_to)?;
    sink.text(b" ");
    out.nstring(sink, &e.message_id)?;
    sink.text(b")");
    Ok(())
}

pub(crate) fn encode_body(out: &Out, sink: &mut dyn Sink, b: &BodyStructure) -> PResult<()> {
    sink.text(b"(");
    match b {
        BodyStructure::Multi {
            parts,
            subtype,
            extension,
        } => {
            if parts.is_empty() {
                return Err(ErrorKind::InvalidArgument.into());
            }
            for p in parts {
                encode_body(out, sink, p)?;
            }
            sink.text(b" ");
            out.string(sink, subtype)?;
            for v in extension {
                sink.text(b" ");
                v.encode(out, sink)?;
            }
        }
        BodyStructure::Single {
            media_type,
            subtype,
            params,
            id,
            description,
            encoding,
            size,
            kind,
            extension,
        } => {
            out.string(sink, media_type)?;
            sink.text(b" ");
            out.string(sink, subtype)?;
            sink.text(b" ");
            if params.is_empty() {
                sink.text(b"NIL");
            } else {
                sink.text(b"(");
                for (i, (k, v)) in params.iter().enumerate() {
                    if i > 0 {
                        sink.text(b" ");
                    }
                    out.string(sink, k)?;
                    sink.text(b" ");
                    out.string(sink, v)?;
                }
                sink.text(b")");
            }
            sink.text(b" ");
            out.nstring(sink, id)?;
            sink.text(b" ");
            out.nstring(sink, description)?;
            sink.text(b" ");
            out.string(sink, encoding)?;
            sink.text(b" ");
            write_num(sink, u64::from(*size));
            match kind {
                SingleKind::Basic => {}
                SingleKind::Text { lines } => {
                    sink.text(b" ");
                    write_num(sink, u64::from(*lines));
                }
                SingleKind::Message {
                    envelope,
                    body,
                    lines,
                } => {
                    sink.text(b" ");
                    encode_envelope(out, sink, envelope)?;
                    sink.text(b" ");
                    encode_body(out, sink, body)?;
                    sink.text(b" ");
                    write_num(sink, u64::from(*lines));
                }
            }
            for v in extension {
                sink.text(b" ");
                v.encode(out, sink)?;
            }
        }
    }
    sink.text(b")");
    Ok(())
}
