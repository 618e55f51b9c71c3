//! The client's side of the grammar: every command, typed, with the one
//! encoder (the client's) and the one parser (the server's).

use super::response::{encode_id, id_params};
use super::syntax::{check_atom, write_num, Cursor, Out, PResult, Sink};
use super::types::{encode_flags, encode_mailbox};
use super::{Date, Error, ErrorKind, Flag, Limits, Mailbox, SeqSet};
use crate::wire::Part;
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;

/// QRESYNC's SELECT/EXAMINE parameter (RFC 7162 §3.2.5): what the
/// client remembers of the mailbox, so the server tells only what changed
/// (VANISHED (EARLIER) and FETCH with MODSEQ during the SELECT).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QResync {
    /// The UIDVALIDITY last seen.
    pub uid_validity: u32,
    /// The HIGHESTMODSEQ last seen.
    pub modseq: u64,
    /// The UIDs the client knows (all of them if `None`).
    pub known_uids: Option<SeqSet>,
    /// Pairs of message numbers and their UIDs, so the server can tell
    /// from where on the client's view is stale: (sequence set, UID set).
    pub seq_match: Option<(SeqSet, SeqSet)>,
}

/// A command (without its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `CAPABILITY`.
    Capability,
    /// `NOOP`.
    Noop,
    /// `LOGOUT`.
    Logout,
    /// `STARTTLS`.
    StartTls,
    /// `AUTHENTICATE mechanism [initial]` (the initial response with
    /// SASL-IR, base64 as sent; `=` for an empty one).
    Authenticate {
        /// The mechanism's name.
        mechanism: Bytes,
        /// The initial response, base64.
        initial: Option<Bytes>,
    },
    /// `LOGIN user pass`.
    Login {
        /// The user name.
        user: Bytes,
        /// The password.
        pass: Bytes,
    },
    /// `ENABLE cap...` (RFC 5161).
    Enable(Vec<Bytes>),
    /// `SELECT mailbox [(CONDSTORE)]`, or with QRESYNC's parameters
    /// (RFC 7162 §3.2.5): `SELECT mailbox (QRESYNC (uidvalidity modseq
    /// [known-uids] [(seqs uids)]))`.
    Select {
        /// The mailbox.
        mailbox: Mailbox,
        /// Ask for CONDSTORE.
        condstore: bool,
        /// QRESYNC's quick resynchronisation (after `ENABLE QRESYNC`).
        qresync: Option<QResync>,
    },
    /// `EXAMINE mailbox [(CONDSTORE)]`, or with QRESYNC's parameters
    /// (RFC 7162 §3.2.5): `EXAMINE mailbox (QRESYNC (uidvalidity modseq
    /// [known-uids] [(seqs uids)]))`.
    Examine {
        /// The mailbox.
        mailbox: Mailbox,
        /// Ask for CONDSTORE.
        condstore: bool,
        /// QRESYNC's quick resynchronisation (after `ENABLE QRESYNC`).
        qresync: Option<QResync>,
    },
    /// `CREATE mailbox`.
    Create(Mailbox),
    /// `DELETE mailbox`.
    Delete(Mailbox),
    /// `RENAME from to`.
    Rename {
        /// The old name.
        from: Mailbox,
        /// The new name.
        to: Mailbox,
    },
    /// `SUBSCRIBE mailbox`.
    Subscribe(Mailbox),
    /// `UNSUBSCRIBE mailbox`.
    Unsubscribe(Mailbox),
    /// `LIST [(selection)] reference pattern [RETURN (options)]`.
    List {
        /// The reference (usually empty).
        reference: Mailbox,
        /// The pattern, `*` and `%` as wildcards.
        pattern: Mailbox,
        /// LIST-EXTENDED selection options (`SUBSCRIBED`, `SPECIAL-USE`).
        selection: Vec<Bytes>,
        /// LIST-EXTENDED return options (`CHILDREN`, `SPECIAL-USE`, and
        /// `STATUS (MESSAGES UNSEEN)` as one item).
        returns: Vec<Bytes>,
    },
    /// `LSUB reference pattern`.
    Lsub {
        /// The reference.
        reference: Mailbox,
        /// The pattern.
        pattern: Mailbox,
    },
    /// `NAMESPACE`.
    Namespace,
    /// `STATUS mailbox (items)`.
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// `MESSAGES`, `UIDNEXT`, `UIDVALIDITY`, `UNSEEN`, `SIZE`, ...
        items: Vec<Bytes>,
    },
    /// `APPEND mailbox [flags] [date] literal...` (several with
    /// MULTIAPPEND).
    Append {
        /// The mailbox.
        mailbox: Mailbox,
        /// The messages.
        messages: Vec<AppendMessage>,
    },
    /// `IDLE` (ended by `DONE`).
    Idle,
    /// `CHECK` (IMAP4rev1).
    Check,
    /// `CLOSE`.
    Close,
    /// `UNSELECT`.
    Unselect,
    /// `EXPUNGE`.
    Expunge,
    /// `UID EXPUNGE set` (UIDPLUS).
    UidExpunge(SeqSet),
    /// `[UID] SEARCH [RETURN (...)] [CHARSET c] keys`.
    Search {
        /// UID SEARCH.
        uid: bool,
        /// ESEARCH return options (`MIN`, `MAX`, `COUNT`, `ALL`); `None`
        /// for a plain SEARCH.
        returns: Option<Vec<Bytes>>,
        /// The charset of the strings.
        charset: Option<Bytes>,
        /// The keys, all of which must match.
        keys: Vec<SearchKey>,
    },
    /// `[UID] FETCH set items [(CHANGEDSINCE n [VANISHED])]`.
    Fetch {
        /// UID FETCH.
        uid: bool,
        /// The messages.
        set: SeqSet,
        /// What to fetch.
        items: Vec<FetchAttr>,
        /// CONDSTORE's CHANGEDSINCE.
        changed_since: Option<u64>,
        /// QRESYNC's VANISHED (with CHANGEDSINCE, UID FETCH only).
        vanished: bool,
    },
    /// `[UID] STORE set [+-]FLAGS[.SILENT] (flags)`.
    Store {
        /// UID STORE.
        uid: bool,
        /// The messages.
        set: SeqSet,
        /// Replace, add or remove.
        mode: StoreMode,
        /// `.SILENT`: no FETCH answers.
        silent: bool,
        /// The flags.
        flags: Vec<Flag>,
        /// CONDSTORE's UNCHANGEDSINCE.
        unchanged_since: Option<u64>,
    },
    /// `[UID] COPY set mailbox`.
    Copy {
        /// UID COPY.
        uid: bool,
        /// The messages.
        set: SeqSet,
        /// The destination.
        mailbox: Mailbox,
    },
    /// `[UID] MOVE set mailbox` (RFC 6851).
    Move {
        /// UID MOVE.
        uid: bool,
        /// The messages.
        set: SeqSet,
        /// The destination.
        mailbox: Mailbox,
    },
    /// `ID (...)` or `ID NIL` (RFC 2971).
    Id(super::IdParams),
    /// `COMPRESS mechanism` (RFC 4978).
    Compress(Bytes),
}

/// One message of an APPEND.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppendMessage {
    /// Its flags.
    pub flags: Vec<Flag>,
    /// Its internal date (`"01-Jan-2024 10:00:00 +0000"`), as sent.
    pub date: Option<Bytes>,
    /// The message, sent as a literal (`~{n}` if it holds NUL).
    pub data: Bytes,
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// A FETCH attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchAttr {
    /// `ALL` macro.
    All,
    /// `FAST` macro.
    Fast,
    /// `FULL` macro.
    Full,
    /// `FLAGS`.
    Flags,
    /// `UID`.
    Uid,
    /// `INTERNALDATE`.
    InternalDate,
    /// `RFC822.SIZE`.
    Rfc822Size,
    /// `RFC822`.
    Rfc822,
    /// `RFC822.HEADER`.
    Rfc822Header,
    /// `RFC822.TEXT`.
    Rfc822Text,
    /// `ENVELOPE`.
    Envelope,
    /// `BODYSTRUCTURE`.
    BodyStructure,
    /// `BODY`.
    Body,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`.
    Section {
        /// PEEK: do not set `\Seen`.
        peek: bool,
        /// What goes in the brackets (`HEADER`, `1.TEXT`,
        /// `HEADER.FIELDS (FROM TO)`).
        section: Bytes,
        /// `<first.count>`.
        partial: Option<(u32, u32)>,
    },
    /// `BINARY[section]<partial>` or `BINARY.PEEK[...]`.
    Binary {
        /// PEEK.
        peek: bool,
        /// The part number.
        section: Bytes,
        /// `<first.count>`.
        partial: Option<(u32, u32)>,
    },
    /// `BINARY.SIZE[section]`.
    BinarySize(Bytes),
    /// `MODSEQ`.
    ModSeq,
    /// Another item, as an atom (`X-GM-LABELS`, `EMAILID`).
    Other(Bytes),
}

/// A SEARCH key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchKey {
    /// `ALL`.
    All,
    /// A flag key without argument: `ANSWERED`, `DELETED`, `DRAFT`,
    /// `FLAGGED`, `NEW`, `OLD`, `RECENT`, `SEEN` and their `UN` forms.
    Flag(Bytes),
    /// `KEYWORD k`.
    Keyword(Bytes),
    /// `UNKEYWORD k`.
    Unkeyword(Bytes),
    /// A header key with a string: `BCC`, `BODY`, `CC`, `FROM`,
    /// `SUBJECT`, `TEXT`, `TO`.
    Text(Bytes, Bytes),
    /// `HEADER name value`.
    Header(Bytes, Bytes),
    /// A date key: `BEFORE`, `ON`, `SINCE`, `SENTBEFORE`, `SENTON`,
    /// `SENTSINCE`.
    Date(Bytes, Date),
    /// `LARGER n`.
    Larger(u64),
    /// `SMALLER n`.
    Smaller(u64),
    /// `UID set`.
    Uid(SeqSet),
    /// A sequence set.
    Seq(SeqSet),
    /// `NOT key`.
    Not(Box<SearchKey>),
    /// `OR a b`.
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `(a b ...)`: all of them.
    And(Vec<SearchKey>),
    /// `MODSEQ n` (CONDSTORE).
    ModSeq(u64),
}

const FLAG_KEYS: [&[u8]; 16] = [
    b"ANSWERED",
    b"DELETED",
    b"DRAFT",
    b"FLAGGED",
    b"NEW",
    b"OLD",
    b"RECENT",
    b"SEEN",
    b"UNANSWERED",
    b"UNDELETED",
    b"UNDRAFT",
    b"UNFLAGGED",
    b"UNSEEN",
    b"ALL",
    b"UNKEYWORD",
    b"KEYWORD",
];
const TEXT_KEYS: [&[u8]; 7] = [b"BCC", b"BODY", b"CC", b"FROM", b"SUBJECT", b"TEXT", b"TO"];
const DATE_KEYS: [&[u8]; 6] = [
    b"BEFORE",
    b"ON",
    b"SINCE",
    b"SENTBEFORE",
    b"SENTON",
    b"SENTSINCE",
];

impl SearchKey {
    /// A flag key by name (`"SEEN"`, `"UNDELETED"`, ...).
    pub fn flag(name: &str) -> Self {
        SearchKey::Flag(Bytes::copy_from_slice(name.to_ascii_uppercase().as_bytes()))
    }

    /// A text key (`"FROM"`, `"SUBJECT"`, ...) and its string.
    pub fn text(key: &str, value: &str) -> Self {
        SearchKey::Text(
            Bytes::copy_from_slice(key.to_ascii_uppercase().as_bytes()),
            Bytes::copy_from_slice(value.as_bytes()),
        )
    }
}

// ------------------------------------------------------------- encode

/// Collects a command's parts for the queue: text, literal payloads as
/// they are, and a continuation gate after each synchronising literal's
/// announcement.
#[derive(Default)]
pub(crate) struct Parts {
    pub(crate) parts: Vec<Part>,
    text: Vec<u8>,
}

impl Parts {
    pub(crate) fn finish(mut self) -> Vec<Part> {
        if !self.text.is_empty() {
            self.parts.push(Part::Text(core::mem::take(&mut self.text)));
        }
        self.parts
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.parts.push(Part::Text(core::mem::take(&mut self.text)));
        }
    }
}

impl Sink for Parts {
    fn text(&mut self, t: &[u8]) {
        self.text.extend_from_slice(t);
    }
    fn payload(&mut self, b: &Bytes) {
        if b.len() < 512 {
            self.text.extend_from_slice(b);
        } else {
            self.flush();
            self.parts.push(Part::Bytes(b.clone()));
        }
    }
    fn literal_gate(&mut self) {
        self.flush();
        self.parts.push(Part::AwaitContinuation);
    }
}

impl Command {
    /// Encodes the command after `tag`, CRLF included, into `sink`.
    pub(crate) fn encode_to(&self, out: &Out, tag: &[u8], sink: &mut dyn Sink) -> PResult<()> {
        sink.text(tag);
        sink.text(b" ");
        self.encode_body(out, sink)?;
        sink.text(b"\r\n");
        Ok(())
    }

    /// Encodes the command with `tag` as one buffer (literals inline, as
    /// with LITERAL+): for tests and tools.
    ///
    /// ```
    /// use sanswire::imap::{Command, Mailbox};
    /// let cmd = Command::Select { mailbox: Mailbox::new("Entwürfe"), condstore: false, qresync: None };
    /// assert_eq!(cmd.encode(b"A1").unwrap(), b"A1 SELECT Entw&APw-rfe\r\n");
    /// let login = Command::Login { user: "a b".into(), pass: "x\r\ny".into() };
    /// assert_eq!(login.encode(b"A2").unwrap(), b"A2 LOGIN \"a b\" {4+}\r\nx\r\ny\r\n");
    /// ```
    pub fn encode(&self, tag: &[u8]) -> Result<Vec<u8>, Error> {
        check_atom(tag)?;
        let out = Out {
            mode: super::syntax::LiteralMode::NonSync,
            literal_minus: false,
            utf8: false,
        };
        let mut v = Vec::new();
        self.encode_to(&out, tag, &mut v)?;
        Ok(v)
    }

    fn encode_body(&self, out: &Out, s: &mut dyn Sink) -> PResult<()> {
        let mb = |s: &mut dyn Sink, m: &Mailbox| encode_mailbox(out, s, m);
        match self {
            Command::Capability => s.text(b"CAPABILITY"),
            Command::Noop => s.text(b"NOOP"),
            Command::Logout => s.text(b"LOGOUT"),
            Command::StartTls => s.text(b"STARTTLS"),
            Command::Namespace => s.text(b"NAMESPACE"),
            Command::Idle => s.text(b"IDLE"),
            Command::Check => s.text(b"CHECK"),
            Command::Close => s.text(b"CLOSE"),
            Command::Unselect => s.text(b"UNSELECT"),
            Command::Expunge => s.text(b"EXPUNGE"),
            Command::Authenticate { mechanism, initial } => {
                check_atom(mechanism)?;
                s.text(b"AUTHENTICATE ");
                s.text(mechanism);
                if let Some(ir) = initial {
                    check_atom(ir)?;
                    s.text(b" ");
                    s.text(ir);
                }
            }
            Command::Login { user, pass } => {
                s.text(b"LOGIN ");
                out.astring(s, user)?;
                s.text(b" ");
                out.astring(s, pass)?;
            }
            Command::Enable(caps) => {
                s.text(b"ENABLE");
                if caps.is_empty() {
                    return Err(ErrorKind::InvalidArgument.into());
                }
                for c in caps {
                    check_atom(c)?;
                    s.text(b" ");
                    s.text(c);
                }
            }
            Command::Select {
                mailbox,
                condstore,
                qresync,
            }
            | Command::Examine {
                mailbox,
                condstore,
                qresync,
            } => {
                s.text(if matches!(self, Command::Select { .. }) {
                    b"SELECT "
                } else {
                    b"EXAMINE "
                });
                mb(s, mailbox)?;
                encode_select_params(s, *condstore, qresync.as_ref())?;
            }
            Command::Create(m) => {
                s.text(b"CREATE ");
                mb(s, m)?;
            }
            Command::Delete(m) => {
                s.text(b"DELETE ");
                mb(s, m)?;
            }
            Command::Rename { from, to } => {
                s.text(b"RENAME ");
                mb(s, from)?;
                s.text(b" ");
                mb(s, to)?;
            }
            Command::Subscribe(m) => {
                s.text(b"SUBSCRIBE ");
                mb(s, m)?;
            }
            Command::Unsubscribe(m) => {
                s.text(b"UNSUBSCRIBE ");
                mb(s, m)?;
            }
            Command::List {
                reference,
                pattern,
                selection,
                returns,
            } => {
                s.text(b"LIST ");
                if !selection.is_empty() {
                    atom_list(s, selection)?;
                    s.text(b" ");
                }
                mb(s, reference)?;
                s.text(b" ");
                list_pattern(out, s, &pattern.0)?;
                if !returns.is_empty() {
                    s.text(b" RETURN (");
                    for (i, r) in returns.iter().enumerate() {
                        check_return_option(r)?;
                        if i > 0 {
                            s.text(b" ");
                        }
                        s.text(r);
                    }
                    s.text(b")");
                }
            }
            Command::Lsub { reference, pattern } => {
                s.text(b"LSUB ");
                mb(s, reference)?;
                s.text(b" ");
                list_pattern(out, s, &pattern.0)?;
            }
            Command::Status { mailbox, items } => {
                s.text(b"STATUS ");
                mb(s, mailbox)?;
                s.text(b" ");
                atom_list(s, items)?;
            }
            Command::Append { mailbox, messages } => {
                s.text(b"APPEND ");
                mb(s, mailbox)?;
                if messages.is_empty() {
                    return Err(ErrorKind::InvalidArgument.into());
                }
                for m in messages {
                    if !m.flags.is_empty() {
                        s.text(b" ");
                        encode_flags(s, &m.flags)?;
                    }
                    if let Some(d) = &m.date {
                        s.text(b" ");
                        out.string(s, d)?;
                    }
                    s.text(b" ");
                    let binary = memchr::memchr(0, &m.data).is_some();
                    out.literal_raw(s, &m.data, binary);
                }
            }
            Command::UidExpunge(set) => {
                s.text(b"UID EXPUNGE ");
                set.encode(s)?;
            }
            Command::Search {
                uid,
                returns,
                charset,
                keys,
            } => {
                s.text(if *uid { b"UID SEARCH" } else { b"SEARCH" });
                if let Some(r) = returns {
                    s.text(b" RETURN ");
                    atom_list(s, r)?;
                }
                if let Some(cs) = charset {
                    s.text(b" CHARSET ");
                    out.astring(s, cs)?;
                }
                if keys.is_empty() {
                    s.text(b" ALL");
                }
                for k in keys {
                    s.text(b" ");
                    encode_key(out, s, k, 0)?;
                }
            }
            Command::Fetch {
                uid,
                set,
                items,
                changed_since,
                vanished,
            } => {
                s.text(if *uid { b"UID FETCH " } else { b"FETCH " });
                set.encode(s)?;
                s.text(b" ");
                match items.as_slice() {
                    [] => return Err(ErrorKind::InvalidArgument.into()),
                    [one @ (FetchAttr::All | FetchAttr::Fast | FetchAttr::Full)] => {
                        encode_attr(s, one)?
                    }
                    _ => {
                        s.text(b"(");
                        for (i, a) in items.iter().enumerate() {
                            if i > 0 {
                                s.text(b" ");
                            }
                            encode_attr(s, a)?;
                        }
                        s.text(b")");
                    }
                }
                if let Some(n) = changed_since {
                    s.text(b" (CHANGEDSINCE ");
                    write_num(s, *n);
                    if *vanished {
                        s.text(b" VANISHED");
                    }
                    s.text(b")");
                }
            }
            Command::Store {
                uid,
                set,
                mode,
                silent,
                flags,
                unchanged_since,
            } => {
                s.text(if *uid { b"UID STORE " } else { b"STORE " });
                set.encode(s)?;
                if let Some(n) = unchanged_since {
                    s.text(b" (UNCHANGEDSINCE ");
                    write_num(s, *n);
                    s.text(b")");
                }
                s.text(match mode {
                    StoreMode::Replace => b" FLAGS",
                    StoreMode::Add => b" +FLAGS",
                    StoreMode::Remove => b" -FLAGS",
                });
                if *silent {
                    s.text(b".SILENT");
                }
                s.text(b" ");
                encode_flags(s, flags)?;
            }
            Command::Copy { uid, set, mailbox } | Command::Move { uid, set, mailbox } => {
                if *uid {
                    s.text(b"UID ");
                }
                s.text(if matches!(self, Command::Copy { .. }) {
                    b"COPY "
                } else {
                    b"MOVE "
                });
                set.encode(s)?;
                s.text(b" ");
                mb(s, mailbox)?;
            }
            Command::Id(params) => {
                s.text(b"ID ");
                encode_id(out, s, params)?;
            }
            Command::Compress(m) => {
                check_atom(m)?;
                s.text(b"COMPRESS ");
                s.text(m);
            }
        }
        Ok(())
    }
}

/// A LIST pattern may hold `*` and `%`, which an atom may not: list-char.
/// ` (CONDSTORE QRESYNC (uidvalidity modseq [known-uids] [(seqs uids)]))`.
fn encode_select_params(
    s: &mut dyn Sink,
    condstore: bool,
    qresync: Option<&QResync>,
) -> PResult<()> {
    if !condstore && qresync.is_none() {
        return Ok(());
    }
    s.text(b" (");
    if condstore {
        s.text(b"CONDSTORE");
    }
    if let Some(q) = qresync {
        if condstore {
            s.text(b" ");
        }
        s.text(b"QRESYNC (");
        write_num(s, u64::from(q.uid_validity));
        s.text(b" ");
        write_num(s, q.modseq);
        if let Some(known) = &q.known_uids {
            s.text(b" ");
            known.encode(s)?;
        }
        if let Some((seqs, uids)) = &q.seq_match {
            s.text(b" (");
            seqs.encode(s)?;
            s.text(b" ");
            uids.encode(s)?;
            s.text(b")");
        }
        s.text(b")");
    }
    s.text(b")");
    Ok(())
}

/// SELECT's parameters: CONDSTORE, QRESYNC's, and others (kept out:
/// RFC 4466 lets extensions add their own, we know none of them).
fn select_params(c: &mut Cursor) -> PResult<(bool, Option<QResync>)> {
    let mut condstore = false;
    let mut qresync = None;
    c.open()?;
    loop {
        if c.keyword(b"CONDSTORE") {
            condstore = true;
        } else if c.keyword(b"QRESYNC") {
            c.sp()?;
            qresync = Some(qresync_param(c)?);
        } else {
            c.value()?;
        }
        if !c.eat(b' ') {
            break;
        }
    }
    c.close()?;
    Ok((condstore, qresync))
}

/// `(uidvalidity modseq [known-uids] [(seqs uids)])`.
fn qresync_param(c: &mut Cursor) -> PResult<QResync> {
    c.open()?;
    let uid_validity = c.nz_number()?;
    c.sp()?;
    let modseq = c.number64()?;
    let mut q = QResync {
        uid_validity,
        modseq,
        known_uids: None,
        seq_match: None,
    };
    if c.eat(b' ') && c.peek() != Some(b'(') {
        q.known_uids = Some(c.seq_set()?);
        if !c.eat(b' ') {
            c.close()?;
            return Ok(q);
        }
    }
    if c.peek() == Some(b'(') {
        c.open()?;
        let seqs = c.seq_set()?;
        c.sp()?;
        let uids = c.seq_set()?;
        c.close()?;
        q.seq_match = Some((seqs, uids));
    }
    c.close()?;
    Ok(q)
}

fn list_pattern(out: &Out, s: &mut dyn Sink, p: &Bytes) -> PResult<()> {
    if !p.is_empty()
        && p.iter()
            .all(|&b| super::syntax::is_astring_char(b) || b == b'*' || b == b'%')
    {
        s.text(p);
        Ok(())
    } else {
        out.string(s, p)
    }
}

/// A LIST return option: an atom, or an atom and its parenthesised
/// arguments (`STATUS (MESSAGES UNSEEN)`, RFC 5819), kept as one slice.
fn return_option(c: &mut Cursor) -> PResult<Bytes> {
    let start = c.pos;
    c.atom()?;
    if c.rest().starts_with(b" (") {
        c.pos += 1;
        c.list(|c| c.atom())?;
    }
    Ok(c.src.slice(start..c.pos))
}

/// What [`return_option`] accepts: `ATOM` or `ATOM (ATOM ...)`.
fn check_return_option(r: &[u8]) -> PResult<()> {
    let Some(open) = memchr::memchr(b' ', r) else {
        return check_atom(r);
    };
    check_atom(&r[..open])?;
    let args = r[open + 1..]
        .strip_prefix(b"(")
        .and_then(|a| a.strip_suffix(b")"))
        .ok_or(ErrorKind::InvalidArgument)?;
    for a in args.split(|&b| b == b' ').filter(|a| !a.is_empty()) {
        check_atom(a)?;
    }
    Ok(())
}

fn atom_list(s: &mut dyn Sink, v: &[Bytes]) -> PResult<()> {
    s.text(b"(");
    for (i, a) in v.iter().enumerate() {
        check_atom(a)?;
        if i > 0 {
            s.text(b" ");
        }
        s.text(a);
    }
    s.text(b")");
    Ok(())
}

fn encode_section_spec(s: &mut dyn Sink, section: &Bytes) -> PResult<()> {
    if memchr::memchr(b']', section).is_some() || !crate::wire::is_safe_argument(section) {
        return Err(ErrorKind::InvalidArgument.into());
    }
    s.text(b"[");
    s.text(section);
    s.text(b"]");
    Ok(())
}

fn encode_partial(s: &mut dyn Sink, p: Option<(u32, u32)>) {
    if let Some((a, b)) = p {
        s.text(b"<");
        write_num(s, u64::from(a));
        s.text(b".");
        write_num(s, u64::from(b));
        s.text(b">");
    }
}

fn encode_attr(s: &mut dyn Sink, a: &FetchAttr) -> PResult<()> {
    match a {
        FetchAttr::All => s.text(b"ALL"),
        FetchAttr::Fast => s.text(b"FAST"),
        FetchAttr::Full => s.text(b"FULL"),
        FetchAttr::Flags => s.text(b"FLAGS"),
        FetchAttr::Uid => s.text(b"UID"),
        FetchAttr::InternalDate => s.text(b"INTERNALDATE"),
        FetchAttr::Rfc822Size => s.text(b"RFC822.SIZE"),
        FetchAttr::Rfc822 => s.text(b"RFC822"),
        FetchAttr::Rfc822Header => s.text(b"RFC822.HEADER"),
        FetchAttr::Rfc822Text => s.text(b"RFC822.TEXT"),
        FetchAttr::Envelope => s.text(b"ENVELOPE"),
        FetchAttr::BodyStructure => s.text(b"BODYSTRUCTURE"),
        FetchAttr::Body => s.text(b"BODY"),
        FetchAttr::ModSeq => s.text(b"MODSEQ"),
        FetchAttr::Section {
            peek,
            section,
            partial,
        } => {
            s.text(if *peek { b"BODY.PEEK" } else { b"BODY" });
            encode_section_spec(s, section)?;
            encode_partial(s, *partial);
        }
        FetchAttr::Binary {
            peek,
            section,
            partial,
        } => {
            s.text(if *peek { b"BINARY.PEEK" } else { b"BINARY" });
            encode_section_spec(s, section)?;
            encode_partial(s, *partial);
        }
        FetchAttr::BinarySize(section) => {
            s.text(b"BINARY.SIZE");
            encode_section_spec(s, section)?;
        }
        FetchAttr::Other(name) => {
            check_atom(name)?;
            s.text(name);
        }
    }
    Ok(())
}

fn encode_key(out: &Out, s: &mut dyn Sink, k: &SearchKey, depth: usize) -> PResult<()> {
    if depth > 32 {
        return Err(ErrorKind::TooDeep.into());
    }
    match k {
        SearchKey::All => s.text(b"ALL"),
        SearchKey::Flag(name) => {
            if !FLAG_KEYS[..13].iter().any(|f| name.eq_ignore_ascii_case(f)) {
                return Err(ErrorKind::InvalidArgument.into());
            }
            s.text(name);
        }
        SearchKey::Keyword(kw) | SearchKey::Unkeyword(kw) => {
            check_atom(kw)?;
            s.text(if matches!(k, SearchKey::Keyword(_)) {
                b"KEYWORD "
            } else {
                b"UNKEYWORD "
            });
            s.text(kw);
        }
        SearchKey::Text(key, value) => {
            if !TEXT_KEYS.iter().any(|t| key.eq_ignore_ascii_case(t)) {
                return Err(ErrorKind::InvalidArgument.into());
            }
            s.text(key);
            s.text(b" ");
            out.astring(s, value)?;
        }
        SearchKey::Header(name, value) => {
            s.text(b"HEADER ");
            out.astring(s, name)?;
            s.text(b" ");
            out.astring(s, value)?;
        }
        SearchKey::Date(key, date) => {
            if !DATE_KEYS.iter().any(|t| key.eq_ignore_ascii_case(t)) {
                return Err(ErrorKind::InvalidArgument.into());
            }
            s.text(key);
            s.text(b" ");
            date.encode(s);
        }
        SearchKey::Larger(n) => {
            s.text(b"LARGER ");
            write_num(s, *n);
        }
        SearchKey::Smaller(n) => {
            s.text(b"SMALLER ");
            write_num(s, *n);
        }
        SearchKey::ModSeq(n) => {
            s.text(b"MODSEQ ");
            write_num(s, *n);
        }
        SearchKey::Uid(set) => {
            s.text(b"UID ");
            set.encode(s)?;
        }
        SearchKey::Seq(set) => set.encode(s)?,
        SearchKey::Not(k) => {
            s.text(b"NOT ");
            encode_key(out, s, k, depth + 1)?;
        }
        SearchKey::Or(a, b) => {
            s.text(b"OR ");
            encode_key(out, s, a, depth + 1)?;
            s.text(b" ");
            encode_key(out, s, b, depth + 1)?;
        }
        SearchKey::And(keys) => {
            if keys.is_empty() {
                return Err(ErrorKind::InvalidArgument.into());
            }
            s.text(b"(");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    s.text(b" ");
                }
                encode_key(out, s, k, depth + 1)?;
            }
            s.text(b")");
        }
    }
    Ok(())
}

// -------------------------------------------------------------- parse

fn malformed<T>() -> PResult<T> {
    Err(ErrorKind::MalformedCommand.into())
}

/// Parser errors in the command's own terms.
fn cmd<T>(r: PResult<T>) -> PResult<T> {
    r.map_err(|e| match e.kind() {
        ErrorKind::MalformedResponse => ErrorKind::MalformedCommand.into(),
        _ => e,
    })
}

/// The tag at the start of a command line (for answering one that does
/// not parse).
pub fn command_tag(line: &[u8]) -> Option<&[u8]> {
    let n = line
        .iter()
        .position(|&b| !(super::syntax::is_astring_char(b) && b != b'+'))
        .unwrap_or(line.len());
    (n > 0 && line.get(n) == Some(&b' ')).then(|| &line[..n])
}

impl Command {
    /// Parses one framed command message (see
    /// [`Framer`](super::Framer)): its tag and the command.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sanswire::imap::{Command, Limits};
    /// let (tag, cmd) = Command::parse(&Bytes::from_static(b"a1 LOGIN {5}\r\nalice pw\r\n"), &Limits::default()).unwrap();
    /// assert_eq!(&tag[..], b"a1");
    /// assert_eq!(cmd, Command::Login { user: "alice".into(), pass: "pw".into() });
    /// ```
    pub fn parse(msg: &Bytes, limits: &Limits) -> Result<(Bytes, Command), Error> {
        let mut c = Cursor::new(msg, limits.max_depth, limits.max_list_items);
        let tag = c.take_while(|b| super::syntax::is_astring_char(b) && b != b'+');
        if tag.is_empty() {
            return malformed();
        }
        cmd(c.sp())?;
        let command = cmd(parse_command(&mut c))?;
        cmd(c.end())?;
        Ok((tag, command))
    }
}

fn parse_command(c: &mut Cursor) -> PResult<Command> {
    let uid = c.keyword(b"UID") && {
        c.sp()?;
        true
    };
    let name = c.atom()?;
    let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
    if uid {
        c.sp()?;
        return if is(b"FETCH") {
            fetch(c, true)
        } else if is(b"SEARCH") {
            search(c, true)
        } else if is(b"STORE") {
            store(c, true)
        } else if is(b"COPY") || is(b"MOVE") {
            let set = c.seq_set()?;
            c.sp()?;
            let mailbox = c.mailbox()?;
            Ok(if is(b"COPY") {
                Command::Copy { uid, set, mailbox }
            } else {
                Command::Move { uid, set, mailbox }
            })
        } else if is(b"EXPUNGE") {
            Ok(Command::UidExpunge(c.seq_set()?))
        } else {
            malformed()
        };
    }
    let simple = [
        (&b"CAPABILITY"[..], Command::Capability),
        (b"NOOP", Command::Noop),
        (b"LOGOUT", Command::Logout),
        (b"STARTTLS", Command::StartTls),
        (b"NAMESPACE", Command::Namespace),
        (b"IDLE", Command::Idle),
        (b"CHECK", Command::Check),
        (b"CLOSE", Command::Close),
        (b"UNSELECT", Command::Unselect),
        (b"EXPUNGE", Command::Expunge),
    ];
    if let Some((_, command)) = simple.iter().find(|(n, _)| is(n)) {
        return Ok(command.clone());
    }
    c.sp()?;
    Ok(if is(b"AUTHENTICATE") {
        let mechanism = c.atom()?;
        let initial = if c.eat(b' ') {
            Some(c.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
        } else {
            None
        };
        Command::Authenticate { mechanism, initial }
    } else if is(b"LOGIN") {
        let user = c.astring()?;
        c.sp()?;
        Command::Login {
            user,
            pass: c.astring()?,
        }
    } else if is(b"ENABLE") {
        let mut caps = alloc::vec![c.atom()?];
        while c.eat(b' ') {
            caps.push(c.atom()?);
        }
        Command::Enable(caps)
    } else if is(b"SELECT") || is(b"EXAMINE") {
        let mailbox = c.mailbox()?;
        let (condstore, qresync) = if c.eat(b' ') {
            select_params(c)?
        } else {
            (false, None)
        };
        if is(b"SELECT") {
            Command::Select {
                mailbox,
                condstore,
                qresync,
            }
        } else {
            Command::Examine {
                mailbox,
                condstore,
                qresync,
            }
        }
    } else if is(b"CREATE") {
        Command::Create(c.mailbox()?)
    } else if is(b"DELETE") {
        Command::Delete(c.mailbox()?)
    } else if is(b"RENAME") {
        let from = c.mailbox()?;
        c.sp()?;
        Command::Rename {
            from,
            to: c.mailbox()?,
        }
    } else if is(b"SUBSCRIBE") {
        Command::Subscribe(c.mailbox()?)
    } else if is(b"UNSUBSCRIBE") {
        Command::Unsubscribe(c.mailbox()?)
    } else if is(b"LIST") || is(b"LSUB") {
        let selection = if c.peek() == Some(b'(') {
            let s = c.list(|c| c.atom())?;
            c.sp()?;
            s
        } else {
            Vec::new()
        };
        let reference = c.mailbox()?;
        c.sp()?;
        let pattern = Mailbox(list_mailbox(c)?);
        let returns = if c.prefix(b" RETURN ") {
            c.list(return_option)?
        } else {
            Vec::new()
        };
        if is(b"LSUB") {
            Command::Lsub { reference, pattern }
        } else {
            Command::List {
                reference,
                pattern,
                selection,
                returns,
            }
        }
    } else if is(b"STATUS") {
        let mailbox = c.mailbox()?;
        c.sp()?;
        Command::Status {
            mailbox,
            items: c.list(|c| c.atom())?,
        }
    } else if is(b"APPEND") {
        let mailbox = c.mailbox()?;
        let mut messages = Vec::new();
        while c.eat(b' ') {
            let mut m = AppendMessage::default();
            if c.peek() == Some(b'(') {
                m.flags = c.flags()?;
                c.sp()?;
            }
            if c.peek() == Some(b'"') {
                m.date = Some(c.quoted()?);
                c.sp()?;
            }
            m.data = c.literal()?;
            messages.push(m);
        }
        if messages.is_empty() {
            return malformed();
        }
        Command::Append { mailbox, messages }
    } else if is(b"SEARCH") {
        c.pos -= 1; // search() expects the space
        return search(c, false);
    } else if is(b"FETCH") {
        return fetch(c, false);
    } else if is(b"STORE") {
        return store(c, false);
    } else if is(b"COPY") || is(b"MOVE") {
        let set = c.seq_set()?;
        c.sp()?;
        let mailbox = c.mailbox()?;
        if is(b"COPY") {
            Command::Copy {
                uid: false,
                set,
                mailbox,
            }
        } else {
            Command::Move {
                uid: false,
                set,
                mailbox,
            }
        }
    } else if is(b"ID") {
        Command::Id(id_params(c)?)
    } else if is(b"COMPRESS") {
        Command::Compress(c.atom()?)
    } else {
        return malformed();
    })
}

/// list-mailbox: list-chars (wildcards included) or a string.
fn list_mailbox(c: &mut Cursor) -> PResult<Bytes> {
    match c.peek() {
        Some(b'"' | b'{' | b'~') => c.string(),
        _ => {
            let a = c.take_while(|b| super::syntax::is_astring_char(b) || b == b'*' || b == b'%');
            if a.is_empty() {
                malformed()
            } else {
                Ok(a)
            }
        }
    }
}

fn fetch(c: &mut Cursor, uid: bool) -> PResult<Command> {
    if !uid {
        // `FETCH` was followed by the space already eaten.
    }
    let set = c.seq_set()?;
    c.sp()?;
    let items = if c.peek() == Some(b'(') {
        c.list(fetch_attr)?
    } else {
        alloc::vec![fetch_attr(c)?]
    };
    let mut changed_since = None;
    let mut vanished = false;
    if c.eat(b' ') {
        c.open()?;
        loop {
            if c.keyword(b"CHANGEDSINCE") {
                c.sp()?;
                changed_since = Some(c.number64()?);
            } else if c.keyword(b"VANISHED") {
                vanished = true;
            } else {
                return malformed();
            }
            if !c.eat(b' ') {
                break;
            }
        }
        c.close()?;
    }
    Ok(Command::Fetch {
        uid,
        set,
        items,
        changed_since,
        vanished,
    })
}

fn section_spec(c: &mut Cursor) -> PResult<(Bytes, Option<(u32, u32)>)> {
    c.expect(b'[')?;
    let rest = c.rest();
    let end = memchr::memchr(b']', rest).ok_or(ErrorKind::MalformedCommand)?;
    let section = c.src.slice(c.pos..c.pos + end);
    c.pos += end + 1;
    let partial = if c.eat(b'<') {
        let a = c.number()?;
        c.expect(b'.')?;
        let b = c.nz_number()?;
        c.expect(b'>')?;
        Some((a, b))
    } else {
        None
    };
    Ok((section, partial))
}

fn fetch_attr(c: &mut Cursor) -> PResult<FetchAttr> {
    let rest = c.rest();
    let n = rest
        .iter()
        .position(|&b| !(super::syntax::is_atom_char(b) && b != b'['))
        .unwrap_or(rest.len());
    let name = c.src.slice(c.pos..c.pos + n);
    c.pos += n;
    let is = |x: &[u8]| name.eq_ignore_ascii_case(x);
    let bracket = c.peek() == Some(b'[');
    Ok(match () {
        _ if bracket && (is(b"BODY") || is(b"BODY.PEEK")) => {
            let (section, partial) = section_spec(c)?;
            FetchAttr::Section {
                peek: is(b"BODY.PEEK"),
                section,
                partial,
            }
        }
        _ if bracket && (is(b"BINARY") || is(b"BINARY.PEEK")) => {
            let (section, partial) = section_spec(c)?;
            FetchAttr::Binary {
                peek: is(b"BINARY.PEEK"),
                section,
                partial,
            }
        }
        _ if bracket && is(b"BINARY.SIZE") => FetchAttr::BinarySize(section_spec(c)?.0),
        _ if bracket => return malformed(),
        _ if is(b"ALL") => FetchAttr::All,
        _ if is(b"FAST") => FetchAttr::Fast,
        _ if is(b"FULL") => FetchAttr::Full,
        _ if is(b"FLAGS") => FetchAttr::Flags,
        _ if is(b"UID") => FetchAttr::Uid,
        _ if is(b"INTERNALDATE") => FetchAttr::InternalDate,
        _ if is(b"RFC822.SIZE") => FetchAttr::Rfc822Size,
        _ if is(b"RFC822") => FetchAttr::Rfc822,
        _ if is(b"RFC822.HEADER") => FetchAttr::Rfc822Header,
        _ if is(b"RFC822.TEXT") => FetchAttr::Rfc822Text,
        _ if is(b"ENVELOPE") => FetchAttr::Envelope,
        _ if is(b"BODYSTRUCTURE") => FetchAttr::BodyStructure,
        _ if is(b"BODY") => FetchAttr::Body,
        _ if is(b"MODSEQ") => FetchAttr::ModSeq,
        _ if name.is_empty() => return malformed(),
        _ => FetchAttr::Other(name),
    })
}

fn store(c: &mut Cursor, uid: bool) -> PResult<Command> {
    let set = c.seq_set()?;
    c.sp()?;
    let mut unchanged_since = None;
    if c.prefix(b"(UNCHANGEDSINCE ") {
        unchanged_since = Some(c.number64()?);
        c.expect(b')')?;
        c.sp()?;
    }
    let mode = if c.eat(b'+') {
        StoreMode::Add
    } else if c.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    if !c.prefix(b"FLAGS") {
        return malformed();
    }
    let silent = c.prefix(b".SILENT");
    c.sp()?;
    let flags = if c.peek() == Some(b'(') {
        c.flags()?
    } else {
        let mut v = alloc::vec![Flag(c.flag()?)];
        while c.eat(b' ') {
            v.push(Flag(c.flag()?));
        }
        v
    };
    Ok(Command::Store {
        uid,
        set,
        mode,
        silent,
        flags,
        unchanged_since,
    })
}

fn search(c: &mut Cursor, uid: bool) -> PResult<Command> {
    if uid {
        c.pos -= 1;
    }
    let mut returns = None;
    let mut charset = None;
    if c.prefix(b" RETURN ") {
        returns = Some(c.list(|c| c.atom())?);
    }
    if c.prefix(b" CHARSET ") {
        charset = Some(c.astring()?);
    }
    let mut keys = Vec::new();
    while c.eat(b' ') {
        if keys.len() >= c.max_items {
            return Err(ErrorKind::TooManyItems.into());
        }
        keys.push(search_key(c)?);
    }
    if keys.is_empty() {
        return malformed();
    }
    Ok(Command::Search {
        uid,
        returns,
        charset,
        keys,
    })
}

fn search_key(c: &mut Cursor) -> PResult<SearchKey> {
    if c.peek() == Some(b'(') {
        c.open()?;
        let mut keys = alloc::vec![search_key(c)?];
        while c.eat(b' ') {
            if keys.len() >= c.max_items {
                return Err(ErrorKind::TooManyItems.into());
            }
            keys.push(search_key(c)?);
        }
        c.close()?;
        return Ok(SearchKey::And(keys));
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit() || b == b'*') {
        return Ok(SearchKey::Seq(c.seq_set()?));
    }
    let name = c.atom()?;
    let is = |x: &[u8]| name.eq_ignore_ascii_case(x);
    if is(b"ALL") {
        return Ok(SearchKey::All);
    }
    if FLAG_KEYS[..13].iter().any(|f| is(f)) {
        return Ok(SearchKey::Flag(name));
    }
    c.sp()?;
    if is(b"KEYWORD") || is(b"UNKEYWORD") {
        let kw = c.flag()?;
        return Ok(if is(b"KEYWORD") {
            SearchKey::Keyword(kw)
        } else {
            SearchKey::Unkeyword(kw)
        });
    }
    if TEXT_KEYS.iter().any(|t| is(t)) {
        return Ok(SearchKey::Text(name, c.astring()?));
    }
    if DATE_KEYS.iter().any(|t| is(t)) {
        return Ok(SearchKey::Date(name, c.date()?));
    }
    Ok(if is(b"HEADER") {
        let h = c.astring()?;
        c.sp()?;
        SearchKey::Header(h, c.astring()?)
    } else if is(b"LARGER") {
        SearchKey::Larger(c.number64()?)
    } else if is(b"SMALLER") {
        SearchKey::Smaller(c.number64()?)
    } else if is(b"MODSEQ") {
        SearchKey::ModSeq(c.number64()?)
    } else if is(b"UID") {
        SearchKey::Uid(c.seq_set()?)
    } else if is(b"NOT") {
        c.depth += 1;
        if c.depth > c.max_depth {
            return Err(ErrorKind::TooDeep.into());
        }
        let k = search_key(c)?;
        c.depth -= 1;
        SearchKey::Not(Box::new(k))
    } else if is(b"OR") {
        c.depth += 1;
        if c.depth > c.max_depth {
            return Err(ErrorKind::TooDeep.into());
        }
        let a = search_key(c)?;
        c.sp()?;
        let b = search_key(c)?;
        c.depth -= 1;
        SearchKey::Or(Box::new(a), Box::new(b))
    } else {
        return malformed();
    })
}
