//! The server machine.

use super::command::{ArticleRef, Command, ListKind, Range, Selection};
use super::reply::{GroupInfo, Reply};
use super::{Error, ErrorKind, Limits};
use crate::wire::{
    Conn, DotStuffer, DotUnstuffer, LineEnding, LineError, LineReader, Machine, Next, Unstuffed,
};
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

/// ARTICLE, HEAD, BODY or STAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// `ARTICLE`: header and body (`220`).
    Article,
    /// `HEAD`: the header (`221`).
    Head,
    /// `BODY`: the body (`222`).
    Body,
    /// `STAT`: no content (`223`).
    Stat,
}

impl Part {
    /// The success code.
    pub fn code(self) -> u16 {
        match self {
            Part::Article => 220,
            Part::Head => 221,
            Part::Body => 222,
            Part::Stat => 223,
        }
    }
}

/// What the server machine reports: a command for the application to
/// answer (see [`Server`]). The machine has resolved "the current
/// article" to a number and answered `412`/`420` itself where there is
/// none; commands refused for want of authentication (`480`) or TLS
/// (`483`), malformed ones (`500`, `501`), and QUIT (`205`) are answered
/// by the machine and reach the application only as [`Event::Quit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `CAPABILITIES`: answer with [`Server::capabilities`].
    Capabilities,
    /// `MODE READER`: answer `200` or `201` with [`Server::reply`].
    ModeReader,
    /// `GROUP name`: answer with [`Server::group`] or `411`.
    Group(Bytes),
    /// `LISTGROUP`: answer with [`Server::group`] (which starts the
    /// block), [`Server::block_line`] per number, [`Server::end_block`];
    /// or `411`.
    ListGroup {
        /// The group (the selected one when the command named none).
        group: Bytes,
        /// The numbers asked for (all when `None`).
        range: Option<Range>,
    },
    /// `ARTICLE`, `HEAD`, `BODY`, `STAT`: answer with
    /// [`Server::article`] (or [`Server::start_article`], block data,
    /// [`Server::end_block`]), or `423`/`430`.
    Article {
        /// Which command.
        part: Part,
        /// A number of the selected group, or a message-id; never
        /// [`ArticleRef::Current`].
        which: ArticleRef,
    },
    /// `NEXT` (or `LAST` when `backwards`) from `current`: answer with
    /// [`Server::select`] or `421`/`422`.
    Move {
        /// `LAST`.
        backwards: bool,
        /// The current article number.
        current: u64,
    },
    /// `OVER`/`XOVER`: answer with [`Server::start_block`] (`224`),
    /// [`Server::block_line`] per article, [`Server::end_block`]; or
    /// `423`/`430`.
    Over(Selection),
    /// `HDR`, `XHDR`, `XPAT`: answer with a block (`225`, or `221` for
    /// XHDR and XPAT) of `number value` lines.
    Hdr {
        /// The header, or metadata item.
        field: Bytes,
        /// The articles (current resolved to its number).
        selection: Selection,
        /// XPAT's patterns.
        patterns: Option<Bytes>,
        /// Sent as XHDR or XPAT (answer `221`).
        legacy: bool,
    },
    /// `LIST`: answer with a `215` block, or `503`.
    List {
        /// The keyword.
        kind: ListKind,
        /// Its argument.
        argument: Option<Bytes>,
    },
    /// `NEWGROUPS`: answer with a `231` block of active lines.
    NewGroups {
        /// `yyyymmdd` or `yymmdd`.
        date: Bytes,
        /// `hhmmss`.
        time: Bytes,
        /// UTC.
        gmt: bool,
    },
    /// `NEWNEWS`: answer with a `230` block of message-ids.
    NewNews {
        /// The groups.
        wildmat: Bytes,
        /// `yyyymmdd` or `yymmdd`.
        date: Bytes,
        /// `hhmmss`.
        time: Bytes,
        /// UTC.
        gmt: bool,
    },
    /// `DATE`: answer `111 yyyymmddhhmmss`.
    Date,
    /// `HELP`: answer with a `100` block.
    Help,
    /// `POST`: answer `340` to receive the article (then
    /// [`Event::ArticleData`], [`Event::ArticleEnd`], and answer `240` or
    /// `441`), or `440`.
    Post,
    /// `IHAVE <id>`: answer `335` to receive it, or `435`/`436`; after
    /// the article, `235`, `436` or `437`.
    IHave(Bytes),
    /// A piece of the article being received, unstuffed.
    ArticleData(Bytes),
    /// The article's `.` line arrived: answer POST or IHAVE now.
    ArticleEnd,
    /// `STARTTLS`: answer `382` (then run the handshake when
    /// [`Machine::transport`] says so) or `580`.
    StartTls,
    /// `AUTHINFO USER name`: answer `381` (send PASS), `281`, or `481`.
    AuthUser(Bytes),
    /// `AUTHINFO PASS` after USER: answer `281` or `481`.
    AuthPass {
        /// The name given with USER.
        user: Bytes,
        /// The password.
        password: Bytes,
    },
    /// `AUTHINFO SASL`: answer with [`Server::challenge`] or `281`/`481`.
    AuthSasl {
        /// The mechanism.
        mechanism: Bytes,
        /// The initial response, decoded.
        initial_response: Option<Bytes>,
    },
    /// The client's answer to the last challenge, decoded.
    AuthResponse(Bytes),
    /// The client cancelled the SASL exchange (`*`) or sent no base64;
    /// the machine answered `481`. Needs no answer.
    AuthCancelled,
    /// `COMPRESS`: answer `206` to start it, or `403`/`502`.
    Compress(Bytes),
    /// `QUIT`: the machine answered `205` and closes. Needs no answer.
    Quit,
}

/// What the waiting command's answer must be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Plain,
    ModeReader,
    Group { list: bool },
    Article { part: Part, number: Option<u64> },
    Move,
    Post,
    Received,
    StartTls,
    AuthUser(Bytes),
    Auth,
    Compress,
    Block(u16),
}

#[derive(Debug)]
enum Phase {
    Commands,
    /// A block is being sent.
    Block(DotStuffer),
    /// The article of POST or IHAVE is being received.
    Receiving(DotUnstuffer),
    /// A `383` was sent; the next line is the SASL response.
    SaslResponse,
    /// `382` was sent; the handshake runs now.
    TlsHandshake,
}

/// An NNTP server (RFC 3977 with STARTTLS, AUTHINFO and the RFC 2980
/// commands).
///
/// # Use
/// - **Start** with [`Server::new`] (it queues the `200` or `201`
///   greeting) and set what the session requires:
///   [`require_auth`](Self::require_auth) (`480` until AUTHINFO
///   succeeded), [`require_tls_for_auth`](Self::require_tls_for_auth)
///   (`483` for AUTHINFO in plaintext).
/// - **Events**: one per command, each waiting for one answer (see
///   [`Event`]); until it comes, the machine is [`Next::Paused`].
/// - **Answers**: [`reply`](Self::reply) for any one-line answer, or the
///   typed ones ([`group`](Self::group), [`article`](Self::article),
///   [`select`](Self::select), [`capabilities`](Self::capabilities)); a
///   block is [`start_block`](Self::start_block), then
///   [`block_data`](Self::block_data) or [`block_line`](Self::block_line),
///   then [`end_block`](Self::end_block): dot-stuffed on the way out,
///   payload queued without a copy.
///
/// ```
/// use sanswire::nntp::{GroupInfo, Server, ServerEvent};
/// use sanswire::wire::{Machine, Next};
/// let mut server = Server::new(true);
/// assert_eq!(server.outbox().take_vec(), b"200 sanswire news server ready, posting allowed\r\n");
/// server.receive(b"ARTICLE\r\nGROUP misc.test\r\n");
/// // No group selected: the machine answers ARTICLE itself.
/// assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::Group("misc.test".into()))));
/// assert_eq!(server.outbox().take_vec(), b"412 No newsgroup selected\r\n");
/// server.group(&GroupInfo { count: 2, low: 1, high: 2, name: "misc.test".into() }).unwrap();
/// assert_eq!(server.outbox().take_vec(), b"211 2 1 2 misc.test\r\n");
/// assert_eq!(server.current_article(), Some(1));
/// ```
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    lines: LineReader,
    limits: Limits,
    answering: Option<Answer>,
    phase: Phase,
    posting: bool,
    reader: bool,
    auth_required: bool,
    tls_for_auth: bool,
    user: Option<Bytes>,
    authenticated: bool,
    group: Option<Bytes>,
    article: Option<u64>,
}

impl Server {
    /// How long a client may stay idle (RFC 3977 §3.1: at least three
    /// minutes; INN's default is ten hours, this is 10 minutes).
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

    /// How long one command line may take to arrive once begun, however
    /// slowly the client trickles it (slowloris): 5 minutes, then `400`.
    /// An article streams in as it comes, so its lines are not counted
    /// together. Change it with [`Machine::set_message_timeout`].
    pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

    /// A server that has queued its greeting: `200` when posting is
    /// allowed, else `201`.
    pub fn new(posting: bool) -> Server {
        Self::with_limits(posting, Limits::default())
    }

    /// The same, with limits.
    pub fn with_limits(posting: bool, limits: Limits) -> Server {
        let mut conn = Conn::with_timeout(Self::IDLE_TIMEOUT);
        conn.set_message_timeout(Some(Self::COMMAND_TIMEOUT));
        conn.outbox.write(match posting {
            true => b"200 sanswire news server ready, posting allowed\r\n",
            false => b"201 sanswire news server ready, no posting\r\n",
        });
        Server {
            conn,
            lines: LineReader::new(limits.max_command_line),
            limits,
            answering: None,
            phase: Phase::Commands,
            posting,
            reader: false,
            auth_required: false,
            tls_for_auth: false,
            user: None,
            authenticated: false,
            group: None,
            article: None,
        }
    }

    /// Answers `480` to every command but CAPABILITIES, MODE READER,
    /// AUTHINFO, STARTTLS and QUIT until AUTHINFO succeeds.
    pub fn require_auth(&mut self, on: bool) {
        self.auth_required = on;
    }

    /// Answers `483` to AUTHINFO before STARTTLS.
    pub fn require_tls_for_auth(&mut self, on: bool) {
        self.tls_for_auth = on;
    }

    // --- getters ---

    /// The selected group.
    pub fn current_group(&self) -> Option<&Bytes> {
        self.group.as_ref()
    }

    /// The current article number.
    pub fn current_article(&self) -> Option<u64> {
        self.article
    }

    /// Whether AUTHINFO succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether MODE READER was answered.
    pub fn is_reader(&self) -> bool {
        self.reader
    }

    /// Whether TLS was established by STARTTLS.
    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    // --- answers ---

    /// Answers the waiting command with one line. A success code that
    /// starts a block, or that has a typed answer (`211`, `220`-`223`),
    /// is refused here ([`ErrorKind::OutOfSequence`]).
    pub fn reply(&mut self, reply: &Reply) -> Result<(), Error> {
        let answer = self.waiting()?;
        let typed = match &answer {
            Answer::Group { .. } => reply.code == 211,
            Answer::Article { .. } | Answer::Move => (220..=223).contains(&reply.code),
            Answer::Block(code) => reply.code == *code,
            _ => false,
        };
        if typed {
            return Err(Error::out_of_sequence(
                "this code has its own answer method",
            ));
        }
        if answer == Answer::StartTls && reply.code == 382 && !self.conn.inbox.is_empty() {
            // Pipelined behind STARTTLS: it would be taken as if it came
            // over TLS (CVE-2011-0411).
            let e: Error = ErrorKind::PlaintextAfterUpgrade.into();
            self.conn.fail(e.clone());
            return Err(e);
        }
        let line = reply.to_line()?;
        self.conn.outbox.write(&line);
        self.answering = None;
        self.apply(answer, reply.code);
        Ok(())
    }

    /// What a one-line answer changes.
    fn apply(&mut self, answer: Answer, code: u16) {
        match (answer, code) {
            (Answer::ModeReader, 200 | 201) => {
                self.reader = true;
                self.posting = code == 200;
            }
            (Answer::Post, 340 | 335) => {
                self.phase = Phase::Receiving(DotUnstuffer::new(self.limits.max_article_line));
                self.answering = Some(Answer::Received);
            }
            (Answer::StartTls, 382) => {
                self.phase = Phase::TlsHandshake;
                self.conn.request_tls();
            }
            (Answer::AuthUser(user), 381) => self.user = Some(Bytes::copy_from_slice(&user)),
            (Answer::AuthUser(_) | Answer::Auth, 281 | 283) => {
                self.authenticated = true;
                self.user = None;
            }
            (Answer::Auth, _) => self.user = None,
            (Answer::Compress, 206) => self.start_compression(),
            _ => {}
        }
    }

    /// RFC 8054: the `206` went out plain; everything after it, both
    /// ways, is deflated (what the client sent behind COMPRESS included).
    fn start_compression(&mut self) {
        super::deflate_both_ways(&mut self.conn);
    }

    /// Whether COMPRESS DEFLATE is active.
    pub fn is_compressed(&self) -> bool {
        self.conn.outbox.has_encoder()
    }

    /// Answers GROUP (`211`, selecting the group: the current article is
    /// its first) or starts LISTGROUP's block with the same line.
    pub fn group(&mut self, info: &GroupInfo) -> Result<(), Error> {
        let Answer::Group { list } = self.waiting()? else {
            return Err(Error::out_of_sequence("no GROUP or LISTGROUP waits"));
        };
        let line = alloc::format!("{} {} {} ", info.count, info.low, info.high);
        let mut text = Vec::from(line.as_bytes());
        text.extend_from_slice(super::command::check_group(&info.name)?);
        let reply = Reply::new(211, text);
        self.conn.outbox.write(&reply.to_line()?);
        self.group = Some(Bytes::copy_from_slice(&info.name));
        self.article = (info.count > 0).then_some(info.low);
        if list {
            self.phase = Phase::Block(DotStuffer::new());
        }
        self.answering = None;
        Ok(())
    }

    /// Answers ARTICLE, HEAD, BODY or STAT with `number` and
    /// `message_id` and, but for STAT, the content (dot-stuffed, line
    /// ends normalised, long runs queued without a copy). An article
    /// asked for by number becomes the current one.
    pub fn article(&mut self, number: u64, message_id: &[u8], content: Bytes) -> Result<(), Error> {
        let has_block = self.start_article(number, message_id)?;
        if has_block {
            self.block_data(content)?;
            self.end_block()?;
        }
        Ok(())
    }

    /// Starts the answer to ARTICLE, HEAD or BODY (follow with
    /// [`block_data`](Self::block_data) and [`end_block`](Self::end_block));
    /// answers STAT whole. Returns whether a block follows.
    pub fn start_article(&mut self, number: u64, message_id: &[u8]) -> Result<bool, Error> {
        let Answer::Article {
            part,
            number: asked,
        } = self.waiting()?
        else {
            return Err(Error::out_of_sequence(
                "no ARTICLE, HEAD, BODY or STAT waits",
            ));
        };
        self.status_with_article(part.code(), number, message_id)?;
        if asked.is_some() {
            self.article = Some(number);
        }
        self.answering = None;
        if part == Part::Stat {
            return Ok(false);
        }
        self.phase = Phase::Block(DotStuffer::new());
        Ok(true)
    }

    /// Answers NEXT or LAST: `223 number message-id`; the article
    /// becomes the current one.
    pub fn select(&mut self, number: u64, message_id: &[u8]) -> Result<(), Error> {
        if self.waiting()? != Answer::Move {
            return Err(Error::out_of_sequence("no NEXT or LAST waits"));
        }
        self.status_with_article(223, number, message_id)?;
        self.article = Some(number);
        self.answering = None;
        Ok(())
    }

    fn status_with_article(&mut self, code: u16, number: u64, id: &[u8]) -> Result<(), Error> {
        let mut text = Vec::from(alloc::format!("{number} ").as_bytes());
        text.extend_from_slice(super::command::check_message_id(id)?);
        self.conn.outbox.write(&Reply::new(code, text).to_line()?);
        Ok(())
    }

    /// Answers CAPABILITIES with these lines (`VERSION 2` first, as RFC
    /// 3977 §5.2 wants).
    pub fn capabilities<L: AsRef<[u8]>>(&mut self, lines: &[L]) -> Result<(), Error> {
        if self.waiting()? != Answer::Block(101) {
            return Err(Error::out_of_sequence("no CAPABILITIES waits"));
        }
        self.start_block(&Reply::new(101, "Capability list:"))?;
        for line in lines {
            self.block_line(line.as_ref())?;
        }
        self.end_block()
    }

    /// Starts the block answering the waiting command with its status
    /// line (`215` to LIST, `224` to OVER, ...; any code for a command
    /// the machine does not know the block of).
    pub fn start_block(&mut self, reply: &Reply) -> Result<(), Error> {
        match self.waiting()? {
            Answer::Block(code) if code == reply.code => {}
            _ => {
                return Err(Error::out_of_sequence(
                    "this command's answer is no such block",
                ))
            }
        }
        self.conn.outbox.write(&reply.to_line()?);
        self.answering = None;
        self.phase = Phase::Block(DotStuffer::new());
        Ok(())
    }

    /// Queues a piece of the block: dot-stuffed, line ends normalised to
    /// CRLF, long runs as slices of `chunk`.
    pub fn block_data(&mut self, chunk: Bytes) -> Result<(), Error> {
        match &mut self.phase {
            Phase::Block(stuffer) => {
                stuffer.stuff(chunk, &mut self.conn.outbox);
                Ok(())
            }
            _ => Err(Error::out_of_sequence("no block started")),
        }
    }

    /// Queues one line of a listing (CRLF added, a leading dot stuffed);
    /// a line holding CR, LF or NUL is refused.
    pub fn block_line(&mut self, line: &[u8]) -> Result<(), Error> {
        if !crate::wire::is_safe_argument(line) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        let Phase::Block(_) = self.phase else {
            return Err(Error::out_of_sequence("no block started"));
        };
        if line.first() == Some(&b'.') {
            self.conn.outbox.write(b".");
        }
        self.conn.outbox.write(line);
        self.conn.outbox.write(b"\r\n");
        Ok(())
    }

    /// Ends the block: completes its last line and sends the `.` line.
    pub fn end_block(&mut self) -> Result<(), Error> {
        match &mut self.phase {
            Phase::Block(stuffer) => {
                stuffer.finish(&mut self.conn.outbox);
                self.phase = Phase::Commands;
                Ok(())
            }
            _ => Err(Error::out_of_sequence("no block started")),
        }
    }

    /// Sends a `383` challenge in an AUTHINFO SASL exchange (raw bytes;
    /// the machine encodes them).
    pub fn challenge(&mut self, challenge: &[u8]) -> Result<(), Error> {
        if self.waiting()? != Answer::Auth {
            return Err(Error::out_of_sequence("no AUTHINFO SASL exchange"));
        }
        let mut line = Vec::from(&b"383 "[..]);
        line.extend_from_slice(&crate::sasl::encode_response(challenge));
        line.extend_from_slice(b"\r\n");
        self.conn.outbox.write(&line);
        self.phase = Phase::SaslResponse;
        Ok(())
    }

    fn waiting(&self) -> Result<Answer, Error> {
        self.conn.check()?;
        match (&self.answering, &self.phase) {
            (Some(a), Phase::Commands) => Ok(a.clone()),
            (Some(_), Phase::Receiving(_)) => {
                Err(Error::out_of_sequence("the article is still arriving"))
            }
            (Some(_), _) => Err(Error::out_of_sequence("waiting for the client")),
            (None, Phase::Block(_)) => Err(Error::out_of_sequence("a block is being sent")),
            (None, _) => Err(Error::out_of_sequence("no command waits for an answer")),
        }
    }

    // --- reading ---

    fn next_line(&mut self, limit: usize) -> Result<Option<Bytes>, Error> {
        self.lines.set_max_len(limit);
        match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) if line.ending == LineEnding::Lf => {
                self.conn.outbox.write(b"500 Lines must end with CRLF\r\n");
                Err(ErrorKind::BareLf.into())
            }
            Ok(Some(line)) => Ok(Some(line.bytes)),
            Ok(None) if self.conn.inbox.is_eof() => Err(ErrorKind::UnexpectedEof.into()),
            Ok(None) => Ok(None),
            Err(LineError::TooLong { .. }) => {
                self.conn.outbox.write(b"500 Line too long\r\n");
                Err(ErrorKind::LineTooLong.into())
            }
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        if self.conn.is_closed() {
            return Ok(Next::Paused);
        }
        match &mut self.phase {
            Phase::TlsHandshake => return Ok(Next::Paused),
            Phase::SaslResponse => return self.read_sasl_response(),
            Phase::Receiving(unstuffer) => {
                return match unstuffer.next(&mut self.conn.inbox) {
                    Ok(Some(Unstuffed::Data(d))) => Ok(Next::Event(Event::ArticleData(d))),
                    Ok(Some(Unstuffed::End)) => {
                        self.phase = Phase::Commands;
                        Ok(Next::Event(Event::ArticleEnd))
                    }
                    Ok(None) if self.conn.inbox.is_eof() => Err(ErrorKind::UnexpectedEof.into()),
                    Ok(None) => Ok(Next::NeedInput),
                    Err(LineError::TooLong { .. }) => {
                        self.conn.outbox.write(b"441 Line too long\r\n");
                        Err(ErrorKind::LineTooLong.into())
                    }
                }
            }
            Phase::Commands | Phase::Block(_) => {}
        }
        if self.answering.is_some() || matches!(self.phase, Phase::Block(_)) {
            if self.conn.inbox.len() > self.limits.max_pipelined_input {
                self.conn.outbox.write(b"400 Too much pipelined input\r\n");
                return Err(ErrorKind::TooMuchPipelined.into());
            }
            return Ok(Next::Paused);
        }
        loop {
            let Some(line) = self.next_line(self.limits.max_command_line)? else {
                return Ok(Next::NeedInput);
            };
            match Command::parse(&line) {
                Err(e) => self.conn.outbox.write(e.reply_line()),
                Ok(cmd) => {
                    if let Some(event) = self.dispatch(cmd) {
                        return Ok(Next::Event(event));
                    }
                }
            }
        }
    }

    fn read_sasl_response(&mut self) -> Result<Next<Event>, Error> {
        let Some(line) = self.next_line(self.limits.max_command_line)? else {
            return Ok(Next::NeedInput);
        };
        self.phase = Phase::Commands;
        let decoded = match &line[..] {
            b"*" => None,
            _ => crate::sasl::decode_challenge(&line).ok(),
        };
        match decoded {
            Some(response) => Ok(Next::Event(Event::AuthResponse(Bytes::from(response)))),
            None => {
                self.conn.outbox.write(b"481 Authentication cancelled\r\n");
                self.answering = None;
                Ok(Next::Event(Event::AuthCancelled))
            }
        }
    }

    /// The machine's own answer to a command it refuses, if it does.
    fn refusal(&self, cmd: &Command) -> Option<&'static [u8]> {
        let auth_cmd = matches!(
            cmd,
            Command::AuthInfoUser(_) | Command::AuthInfoPass(_) | Command::AuthInfoSasl { .. }
        );
        let free = auth_cmd
            || matches!(
                cmd,
                Command::Capabilities | Command::ModeReader | Command::StartTls | Command::Quit
            );
        if auth_cmd && self.authenticated {
            return Some(b"502 Already authenticated\r\n");
        }
        if auth_cmd && self.tls_for_auth && !self.conn.is_tls() {
            return Some(b"483 Encryption required\r\n");
        }
        if self.auth_required && !self.authenticated && !free {
            return Some(b"480 Authentication required\r\n");
        }
        if matches!(cmd, Command::AuthInfoPass(_)) && self.user.is_none() {
            return Some(b"482 AUTHINFO USER first\r\n");
        }
        if *cmd == Command::StartTls && (self.conn.is_tls() || self.authenticated) {
            return Some(b"502 STARTTLS not allowed now\r\n");
        }
        if let Command::Compress(alg) = cmd {
            if self.conn.outbox.has_encoder() {
                return Some(b"502 Compression already active\r\n");
            }
            if !cfg!(feature = "deflate") || !alg.eq_ignore_ascii_case(b"DEFLATE") {
                return Some(b"503 Compression algorithm not supported\r\n");
            }
        }
        if *cmd == Command::Post && !self.posting {
            return Some(b"440 Posting not permitted\r\n");
        }
        None
    }

    /// The group a command works in, or the `412` it gets without one.
    fn in_group(&mut self) -> Option<Bytes> {
        if self.group.is_none() {
            self.conn.outbox.write(b"412 No newsgroup selected\r\n");
        }
        self.group.clone()
    }

    /// The current article, or the `412`/`420` answer without one.
    fn current(&mut self) -> Option<u64> {
        self.in_group()?;
        if self.article.is_none() {
            self.conn
                .outbox
                .write(b"420 Current article number is invalid\r\n");
        }
        self.article
    }

    /// A selection with "current" resolved, or `None` once answered.
    fn resolve(&mut self, s: Selection) -> Option<Selection> {
        match s {
            Selection::Current => Some(Selection::Range(Range::One(self.current()?))),
            Selection::Range(r) => {
                self.in_group()?;
                Some(Selection::Range(r))
            }
            id => Some(id),
        }
    }

    /// Hands a command to the application, or answers it here.
    fn dispatch(&mut self, cmd: Command) -> Option<Event> {
        if let Some(line) = self.refusal(&cmd) {
            self.conn.outbox.write(line);
            return None;
        }
        let (answer, event) = match cmd {
            Command::Capabilities => (Answer::Block(101), Event::Capabilities),
            Command::ModeReader => (Answer::ModeReader, Event::ModeReader),
            Command::Group(g) => (Answer::Group { list: false }, Event::Group(g)),
            Command::ListGroup { group, range } => {
                let group = match group {
                    Some(g) => g,
                    None => self.in_group()?,
                };
                (
                    Answer::Group { list: true },
                    Event::ListGroup { group, range },
                )
            }
            Command::Article(w) => return self.article_event(Part::Article, w),
            Command::Head(w) => return self.article_event(Part::Head, w),
            Command::Body(w) => return self.article_event(Part::Body, w),
            Command::Stat(w) => return self.article_event(Part::Stat, w),
            Command::Next | Command::Last => {
                let current = self.current()?;
                let backwards = cmd == Command::Last;
                (Answer::Move, Event::Move { backwards, current })
            }
            Command::Over(s) => (Answer::Block(224), Event::Over(self.resolve(s)?)),
            Command::XOver(r) => {
                let s = r.map_or(Selection::Current, Selection::Range);
                (Answer::Block(224), Event::Over(self.resolve(s)?))
            }
            Command::Hdr { field, selection } => self.hdr(field, selection, None, false)?,
            Command::XHdr { field, selection } => self.hdr(field, selection, None, true)?,
            Command::XPat {
                field,
                selection,
                patterns,
            } => self.hdr(field, selection, Some(patterns), true)?,
            Command::List { kind, argument } => {
                (Answer::Block(215), Event::List { kind, argument })
            }
            Command::NewGroups { date, time, gmt } => {
                (Answer::Block(231), Event::NewGroups { date, time, gmt })
            }
            Command::NewNews {
                wildmat,
                date,
                time,
                gmt,
            } => (
                Answer::Block(230),
                Event::NewNews {
                    wildmat,
                    date,
                    time,
                    gmt,
                },
            ),
            Command::Date => (Answer::Plain, Event::Date),
            Command::Help => (Answer::Block(100), Event::Help),
            Command::Post => (Answer::Post, Event::Post),
            Command::IHave(id) => (Answer::Post, Event::IHave(id)),
            Command::StartTls => (Answer::StartTls, Event::StartTls),
            Command::AuthInfoUser(u) => (Answer::AuthUser(u.clone()), Event::AuthUser(u)),
            Command::AuthInfoPass(password) => {
                let user = self.user.clone().unwrap_or_default();
                (Answer::Auth, Event::AuthPass { user, password })
            }
            Command::AuthInfoSasl {
                mechanism,
                initial_response,
            } => (
                Answer::Auth,
                Event::AuthSasl {
                    mechanism,
                    initial_response,
                },
            ),
            Command::Compress(alg) => (Answer::Compress, Event::Compress(alg)),
            Command::Quit => {
                self.conn.outbox.write(b"205 Bye\r\n");
                self.conn.stop();
                return Some(Event::Quit);
            }
        };
        self.answering = Some(answer);
        Some(event)
    }

    fn article_event(&mut self, part: Part, which: ArticleRef) -> Option<Event> {
        let which = match which {
            ArticleRef::Current => ArticleRef::Number(self.current()?),
            ArticleRef::Number(n) => {
                self.in_group()?;
                ArticleRef::Number(n)
            }
            id => id,
        };
        let number = match which {
            ArticleRef::Number(n) => Some(n),
            _ => None,
        };
        self.answering = Some(Answer::Article { part, number });
        Some(Event::Article { part, which })
    }

    fn hdr(
        &mut self,
        field: Bytes,
        selection: Selection,
        patterns: Option<Bytes>,
        legacy: bool,
    ) -> Option<(Answer, Event)> {
        let selection = self.resolve(selection)?;
        let code = if legacy { 221 } else { 225 };
        Some((
            Answer::Block(code),
            Event::Hdr {
                field,
                selection,
                patterns,
                legacy,
            },
        ))
    }
}

impl Machine for Server {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        self.poll_inner()
    }

    fn on_tls(&mut self) {
        self.phase = Phase::Commands;
    }

    fn on_timeout(&mut self) {
        self.conn.outbox.write(b"400 Idle timeout, closing\r\n");
    }
}
