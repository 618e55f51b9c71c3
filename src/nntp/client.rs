//! The client machine.

use super::command::{ArticleRef, Command, ListKind, Range, Selection};
use super::overview::{batch_len, OverviewBatch};
use super::reply::{words, ActiveGroup, Capabilities, GroupInfo, Reply};
use super::{Error, ErrorKind, Limits};
use crate::sasl::Mechanism;
use crate::wire::{
    CommandId, CommandQueue, Conn, Correlate, DotStuffer, DotUnstuffer, Gate, LineEnding,
    LineError, LineReader, Machine, Next, Outbox, Part, TlsUnavailable, Unstuffed,
};
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// What the client machine reports. Every command completes with one
/// event ([`Event::Reply`], [`Event::Refused`], a typed one), or, when
/// its answer is a block, with [`Event::End`] after the block's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The greeting: `200` (posting allowed) or `201` (not).
    Greeting {
        /// The greeting line.
        reply: Reply,
        /// `200`.
        posting_allowed: bool,
    },
    /// A one-line success answer (`205` to QUIT, `111` to DATE, `240`
    /// to POST, `281` to AUTHINFO, `382` to STARTTLS, ...). After
    /// STARTTLS, check [`Machine::transport`].
    Reply(Reply),
    /// A `4xx` or `5xx` answer to a command (or a greeting refusing the
    /// connection). A `400` also means the server is closing.
    Refused(Reply),
    /// The server's go-ahead for the article of POST (`340`) or IHAVE
    /// (`335`): the machine is sending it; the final answer follows.
    Continue(Reply),
    /// The CAPABILITIES list (also kept: [`Client::capabilities`]).
    Capabilities(Capabilities),
    /// `211` to GROUP; for LISTGROUP, its numbers follow as
    /// [`Event::ArticleNumber`], then [`Event::End`].
    Group(GroupInfo),
    /// `223` to STAT, NEXT or LAST: the article now current.
    Selected {
        /// Its number (0 for STAT by message-id).
        number: u64,
        /// Its message-id.
        message_id: Bytes,
    },
    /// `220`, `221` or `222` to ARTICLE, HEAD or BODY: the content
    /// follows as [`Event::Data`], then [`Event::End`].
    ArticleStart {
        /// Its number (0 when asked by message-id).
        number: u64,
        /// Its message-id.
        message_id: Bytes,
        /// The status line.
        reply: Reply,
    },
    /// The first line of any other block (a listing, HELP, a raw
    /// command's block): its entries follow, then [`Event::End`].
    BlockStart(Reply),
    /// A piece of an article (or of a raw command's block), unstuffed, as
    /// a slice of the receive buffer; line ends as sent.
    Data(Bytes),
    /// OVER/XOVER lines, as many as arrived together (one slice of the
    /// receive buffer for them all): [`OverviewBatch::iter`] splits them
    /// into fields.
    Overviews(OverviewBatch),
    /// One HDR/XHDR/XPAT line: the article (number, or message-id) and
    /// the header's value.
    Header {
        /// The article number as sent (or a message-id, or `0`).
        article: Bytes,
        /// The value (may be empty).
        value: Bytes,
    },
    /// One LIST ACTIVE, LIST COUNTS or NEWGROUPS line.
    Active(ActiveGroup),
    /// One LIST NEWSGROUPS line.
    Newsgroup {
        /// The group's name.
        name: Bytes,
        /// Its description (may be empty, and need not be UTF-8).
        description: Bytes,
    },
    /// One LISTGROUP number.
    ArticleNumber(u64),
    /// One NEWNEWS message-id.
    MessageId(Bytes),
    /// One line of any other listing (HELP, OVERVIEW.FMT, HEADERS,
    /// ACTIVE.TIMES, DISTRIB.PATS), unstuffed; also a line of a typed
    /// listing that does not parse as its entry, as it came.
    Line(Bytes),
    /// A block's terminating `.` line.
    End,
    /// A `400` that answers no command: the server is closing.
    Unsolicited(Reply),
}

/// What the answer to a command in flight looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    Simple,
    ModeReader,
    Capabilities,
    Group,
    ListGroup,
    Article,
    Stat,
    Over,
    /// HDR (225), XHDR and XPAT (221).
    Hdr(u16),
    List(Entries),
    NewGroups,
    NewNews,
    Help,
    Post,
    StartTls,
    AuthUser,
    AuthPass,
    AuthSasl,
    Compress,
    Quit,
    /// A raw line, and the code after which a block follows.
    Raw(Option<u16>),
}

/// How the lines of a listing are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entries {
    Overview,
    Header,
    Active,
    Counts,
    Newsgroup,
    Number,
    MessageId,
    Text,
}

impl Expect {
    fn of(cmd: &Command) -> Expect {
        match cmd {
            Command::Capabilities => Expect::Capabilities,
            Command::ModeReader => Expect::ModeReader,
            Command::Group(_) => Expect::Group,
            Command::ListGroup { .. } => Expect::ListGroup,
            Command::Article(_) | Command::Head(_) | Command::Body(_) => Expect::Article,
            Command::Stat(_) | Command::Next | Command::Last => Expect::Stat,
            Command::Over(_) | Command::XOver(_) => Expect::Over,
            Command::Hdr { .. } => Expect::Hdr(225),
            Command::XHdr { .. } | Command::XPat { .. } => Expect::Hdr(221),
            Command::List { kind, .. } => Expect::List(match kind {
                ListKind::Active => Entries::Active,
                ListKind::Counts => Entries::Counts,
                ListKind::Newsgroups => Entries::Newsgroup,
                _ => Entries::Text,
            }),
            Command::NewGroups { .. } => Expect::NewGroups,
            Command::NewNews { .. } => Expect::NewNews,
            Command::Help => Expect::Help,
            Command::Post | Command::IHave(_) => Expect::Post,
            Command::StartTls => Expect::StartTls,
            Command::AuthInfoUser(_) => Expect::AuthUser,
            Command::AuthInfoPass(_) => Expect::AuthPass,
            Command::AuthInfoSasl { .. } => Expect::AuthSasl,
            Command::Quit => Expect::Quit,
            Command::Date => Expect::Simple,
            Command::Compress(_) => Expect::Compress,
        }
    }

    /// Whether nothing may follow it until it is answered: what follows
    /// would be read as SASL, travel in plaintext, or meet another mode.
    fn is_barrier(self) -> bool {
        matches!(
            self,
            Expect::Greeting
                | Expect::ModeReader
                | Expect::StartTls
                | Expect::AuthUser
                | Expect::AuthPass
                | Expect::AuthSasl
                | Expect::Post
                | Expect::Compress
                | Expect::Quit
                | Expect::Raw(_)
        )
    }

    /// The listing that follows a success code, if one does.
    fn block(self, code: u16) -> Option<Block> {
        let lines = |want: u16, entries| (code == want).then_some(Block::Lines(entries));
        match self {
            Expect::Capabilities => (code == 101).then_some(Block::Capabilities),
            Expect::Help => lines(100, Entries::Text),
            Expect::ListGroup => lines(211, Entries::Number),
            Expect::Article => (220..=222).contains(&code).then_some(Block::Data),
            Expect::Over => lines(224, Entries::Overview),
            Expect::Hdr(want) => lines(want, Entries::Header),
            Expect::List(entries) => lines(215, entries),
            Expect::NewGroups => lines(231, Entries::Active),
            Expect::NewNews => lines(230, Entries::MessageId),
            Expect::Raw(Some(want)) => (code == want).then_some(Block::Data),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Block {
    Capabilities,
    Lines(Entries),
    Data,
}

#[derive(Debug)]
enum Reading {
    Status,
    Capabilities(Vec<Bytes>),
    Lines(Entries),
    Data(DotUnstuffer),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Plain,
    Requested,
    Handshake,
    Established,
}

/// A SASL exchange in progress.
struct Sasl(Box<dyn Mechanism + Send>);

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sasl").field(&self.0.name()).finish()
    }
}

/// An NNTP client (RFC 3977 with STARTTLS, AUTHINFO and the RFC 2980
/// commands).
///
/// # Use
/// - **Commands**: [`send`](Self::send) any [`Command`], or the
///   shorthands ([`group`](Self::group), [`over`](Self::over),
///   [`article`](Self::article), [`post`](Self::post), ...). Arguments are
///   checked first: a group or message-id with a space, CR, LF or NUL is
///   an [`Error`] with [`Fault::Local`](crate::wire::Fault), and nothing
///   is queued.
/// - **Events**: [`Machine::poll_event`] hands out [`Event`]s in the order
///   of the commands. The machine knows which commands get a block
///   (LISTGROUP's `211` does, GROUP's does not) and hands a block out an
///   entry at a time, as slices of the receive buffer: a LIST ACTIVE of
///   100,000 groups or the OVER of a whole group is never collected.
/// - **POST and IHAVE** queue the article with the command; it goes,
///   dot-stuffed, once the server said `340` or `335`.
/// - **STARTTLS**: after its `382`, run the handshake when
///   [`Machine::transport`] says so, call [`Machine::tls_established`]
///   and ask for CAPABILITIES again; bytes behind the `382` are an error.
///
/// ```
/// use sanswire::nntp::{Client, Event};
/// use sanswire::wire::{Machine, Next};
/// let mut client = Client::new();
/// client.receive(b"200 news.example.org ready\r\n");
/// assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Greeting { posting_allowed: true, .. }))));
/// client.listgroup(Some("misc.test"), None).unwrap();
/// assert_eq!(client.outbox().take_vec(), b"LISTGROUP misc.test\r\n");
/// client.receive(b"211 2 1 2 misc.test list follows\r\n1\r\n2\r\n.\r\n");
/// assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Group(_)))));
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::ArticleNumber(1))));
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::ArticleNumber(2))));
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::End)));
/// ```
#[derive(Debug)]
pub struct Client {
    conn: Conn<Error>,
    lines: LineReader,
    limits: Limits,
    queue: CommandQueue<Expect>,
    reading: Reading,
    sasl: Option<Sasl>,
    capabilities: Option<Capabilities>,
    posting_allowed: bool,
    tls: Tls,
    require_tls: bool,
    force_pipelining: bool,
    quit_queued: bool,
    authenticated: bool,
    replying: Option<CommandId>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// How long the server may stay silent while the client waits (10
    /// minutes). Change it with [`Machine::set_timeout`].
    pub const TIMEOUT: core::time::Duration = core::time::Duration::from_secs(600);

    /// A client waiting for the greeting, with default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A client waiting for the greeting.
    pub fn with_limits(limits: Limits) -> Self {
        let mut queue = CommandQueue::new();
        queue.push_with_id(Expect::Greeting, CommandId::CONNECTION, Gate::Barrier, []);
        queue.release(&mut Outbox::new());
        Client {
            conn: Conn::with_timeout(Self::TIMEOUT),
            lines: LineReader::new(limits.max_reply_line),
            limits,
            queue,
            reading: Reading::Status,
            sasl: None,
            capabilities: None,
            posting_allowed: false,
            tls: Tls::Plain,
            require_tls: false,
            force_pipelining: false,
            quit_queued: false,
            authenticated: false,
            replying: None,
        }
    }

    // --- getters ---

    /// The last CAPABILITIES answer (forgotten after MODE READER,
    /// authentication and STARTTLS, which may change it).
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.capabilities.as_ref()
    }

    /// Whether the greeting (or MODE READER) said posting is allowed.
    pub fn posting_allowed(&self) -> bool {
        self.posting_allowed
    }

    /// Whether AUTHINFO succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether TLS was established by STARTTLS.
    pub fn is_tls(&self) -> bool {
        self.tls == Tls::Established
    }

    /// How many commands (the greeting included) wait for their answer.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    // --- settings ---

    /// Sends commands without waiting for earlier answers (RFC 3977 §3.5
    /// allows it; barriers still go alone). Off by default.
    pub fn set_pipelining(&mut self, on: bool) {
        self.force_pipelining = on;
        self.release();
    }

    /// Never go on in plaintext: a CAPABILITIES answer without STARTTLS,
    /// or a refused STARTTLS, fails polling with
    /// [`ErrorKind::TlsUnavailable`]; every command but CAPABILITIES,
    /// STARTTLS and QUIT is refused until TLS is established.
    pub fn set_require_tls(&mut self, required: bool) {
        self.require_tls = required;
    }

    fn tls_missing(&self) -> bool {
        self.require_tls && self.tls != Tls::Established
    }

    // --- commands ---

    /// Queues any command (AUTHINFO SASL: use [`auth`](Self::auth); POST
    /// and IHAVE: [`post`](Self::post), [`ihave`](Self::ihave)); returns
    /// its id. Nothing is queued if an argument is refused.
    pub fn send(&mut self, cmd: Command) -> Result<CommandId, Error> {
        if matches!(
            cmd,
            Command::AuthInfoSasl { .. } | Command::Post | Command::IHave(_)
        ) {
            return Err(Error::out_of_sequence("use auth(), post() or ihave()"));
        }
        self.check_can_send(&cmd)?;
        let line = cmd.encode()?;
        Ok(self.enqueue(Expect::of(&cmd), alloc::vec![Part::Text(line)]))
    }

    /// Queues any command line (curl's `-X`): a block is read after the
    /// code [`raw_block_code`](super::raw_block_code) gives for it.
    pub fn send_raw(&mut self, line: &[u8]) -> Result<CommandId, Error> {
        self.conn.check()?;
        if self.quit_queued {
            return Err(Error::out_of_sequence("QUIT was sent"));
        }
        if !crate::wire::is_safe_argument(line) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        let block = super::raw_block_code(line);
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(b"\r\n");
        Ok(self.enqueue(Expect::Raw(block), alloc::vec![Part::Text(bytes)]))
    }

    /// `CAPABILITIES`.
    pub fn capabilities_cmd(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Capabilities)
    }

    /// `MODE READER` (before AUTHINFO: RFC 4643 §2.2).
    pub fn mode_reader(&mut self) -> Result<CommandId, Error> {
        self.send(Command::ModeReader)
    }

    /// `GROUP name`.
    pub fn group(&mut self, name: impl AsRef<[u8]>) -> Result<CommandId, Error> {
        self.send(Command::Group(Bytes::copy_from_slice(name.as_ref())))
    }

    /// `LISTGROUP [group [range]]`.
    pub fn listgroup(
        &mut self,
        group: Option<&str>,
        range: Option<Range>,
    ) -> Result<CommandId, Error> {
        let group = group.map(|g| Bytes::copy_from_slice(g.as_bytes()));
        self.send(Command::ListGroup { group, range })
    }

    /// `ARTICLE`.
    pub fn article(&mut self, which: ArticleRef) -> Result<CommandId, Error> {
        self.send(Command::Article(which))
    }

    /// `HEAD`.
    pub fn head(&mut self, which: ArticleRef) -> Result<CommandId, Error> {
        self.send(Command::Head(which))
    }

    /// `BODY`.
    pub fn body(&mut self, which: ArticleRef) -> Result<CommandId, Error> {
        self.send(Command::Body(which))
    }

    /// `STAT`.
    pub fn stat(&mut self, which: ArticleRef) -> Result<CommandId, Error> {
        self.send(Command::Stat(which))
    }

    /// `OVER` (or, for servers of RFC 2980, `XOVER`: send
    /// [`Command::XOver`]).
    pub fn over(&mut self, selection: Selection) -> Result<CommandId, Error> {
        self.send(Command::Over(selection))
    }

    /// `LIST keyword [argument]`.
    pub fn list(&mut self, kind: ListKind, argument: Option<&str>) -> Result<CommandId, Error> {
        let argument = argument.map(|a| Bytes::copy_from_slice(a.as_bytes()));
        self.send(Command::List { kind, argument })
    }

    /// `QUIT`; nothing is accepted after it.
    pub fn quit(&mut self) -> Result<CommandId, Error> {
        self.send(Command::Quit)
    }

    /// `POST` with `article` (a whole article, header and body, any line
    /// ends): it is sent dot-stuffed, as slices of `article`, once the
    /// server answered `340`.
    pub fn post(&mut self, article: Bytes) -> Result<CommandId, Error> {
        self.transfer(Command::Post, article)
    }

    /// `IHAVE <id>` with `article`, sent after `335`.
    pub fn ihave(&mut self, message_id: &[u8], article: Bytes) -> Result<CommandId, Error> {
        self.transfer(Command::IHave(Bytes::copy_from_slice(message_id)), article)
    }

    fn transfer(&mut self, cmd: Command, article: Bytes) -> Result<CommandId, Error> {
        self.check_can_send(&cmd)?;
        let line = cmd.encode()?;
        let mut stuffed = Outbox::new();
        let mut stuffer = DotStuffer::new();
        stuffer.stuff(article, &mut stuffed);
        stuffer.finish(&mut stuffed);
        let mut parts = alloc::vec![Part::Text(line), Part::AwaitContinuation];
        while let Some(chunk) = stuffed.pop_chunk() {
            parts.push(Part::Bytes(chunk));
        }
        Ok(self.enqueue(Expect::Post, parts))
    }

    /// `AUTHINFO SASL` with `mechanism` (RFC 4643 §2.4); the machine
    /// answers the server's `383` challenges itself and reports the final
    /// `281` or refusal.
    pub fn auth<M: Mechanism + Send + 'static>(
        &mut self,
        mut mechanism: M,
    ) -> Result<CommandId, Error> {
        let probe = Command::AuthInfoSasl {
            mechanism: Bytes::from_static(mechanism.name().as_bytes()),
            initial_response: None,
        };
        self.check_can_send(&probe)?;
        if self.sasl.is_some() {
            return Err(Error::out_of_sequence("a SASL exchange is queued"));
        }
        let cmd = Command::AuthInfoSasl {
            mechanism: Bytes::from_static(mechanism.name().as_bytes()),
            initial_response: mechanism.initial_response()?.map(Bytes::from),
        };
        let line = cmd.encode()?;
        self.sasl = Some(Sasl(Box::new(mechanism)));
        Ok(self.enqueue(Expect::AuthSasl, alloc::vec![Part::Text(line)]))
    }

    fn check_can_send(&self, cmd: &Command) -> Result<(), Error> {
        self.conn.check()?;
        if self.quit_queued || !self.conn.may_send() {
            return Err(Error::out_of_sequence("QUIT was sent or the server closes"));
        }
        if matches!(self.tls, Tls::Requested | Tls::Handshake) {
            return Err(Error::out_of_sequence(
                "wait for STARTTLS and the handshake",
            ));
        }
        let before_tls = matches!(
            cmd,
            Command::Capabilities | Command::StartTls | Command::Quit
        );
        if self.tls_missing() && !before_tls {
            return Err(Error::out_of_sequence("TLS is required first"));
        }
        let auth = matches!(
            cmd,
            Command::AuthInfoUser(_) | Command::AuthInfoPass(_) | Command::AuthInfoSasl { .. }
        );
        if self.authenticated && (auth || *cmd == Command::ModeReader) {
            // RFC 4643 §2.2: MODE READER comes before AUTHINFO, and
            // authentication happens once.
            return Err(Error::out_of_sequence("already authenticated"));
        }
        if *cmd == Command::StartTls && self.tls == Tls::Established {
            return Err(Error::out_of_sequence("TLS is already active"));
        }
        if let Command::Compress(alg) = cmd {
            if !cfg!(feature = "deflate") || !alg.eq_ignore_ascii_case(b"DEFLATE") {
                return Err(Error::out_of_sequence(
                    "COMPRESS DEFLATE needs feature deflate",
                ));
            }
            if self.conn.outbox.has_encoder() {
                return Err(Error::out_of_sequence("compression is already active"));
            }
        }
        Ok(())
    }

    fn enqueue(&mut self, expect: Expect, parts: Vec<Part>) -> CommandId {
        let gate = if expect.is_barrier() {
            Gate::Barrier
        } else {
            Gate::Pipelined
        };
        match expect {
            Expect::Quit => self.quit_queued = true,
            Expect::StartTls => self.tls = Tls::Requested,
            _ => {}
        }
        let id = self.queue.push_parts(expect, gate, parts);
        self.release();
        id
    }

    fn release(&mut self) {
        self.queue.set_pipelining(self.force_pipelining);
        self.queue.hold(self.tls == Tls::Handshake);
        self.queue.release(&mut self.conn.outbox);
    }

    fn finish(&mut self) {
        self.queue.finish();
        self.reading = Reading::Status;
        self.release();
    }

    // --- reading ---

    fn next_line(&mut self, limit: usize) -> Result<Option<Bytes>, Error> {
        self.lines.set_max_len(limit);
        match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) if line.ending == LineEnding::Lf => Err(ErrorKind::BareLf.into()),
            Ok(Some(line)) => Ok(Some(line.bytes)),
            Ok(None) => Ok(None),
            Err(LineError::TooLong { .. }) => Err(ErrorKind::LineTooLong.into()),
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.tls == Tls::Handshake {
                return Ok(Next::Paused);
            }
            let Some(front) = self.queue.front() else {
                return self.read_unsolicited();
            };
            let (expect, id) = (front.tag, front.id);
            let step = match &self.reading {
                Reading::Status => self.read_status(expect)?,
                Reading::Capabilities(_) => self.read_capabilities()?,
                Reading::Lines(entries) => self.read_entry(*entries)?,
                Reading::Data(_) => self.read_data()?,
            };
            match step {
                Some(Some(event)) => {
                    self.replying = Some(id);
                    return Ok(Next::Event(event));
                }
                Some(None) => continue,
                None if self.conn.inbox.is_eof() => return Err(ErrorKind::UnexpectedEof.into()),
                None => return Ok(Next::NeedInput),
            }
        }
    }

    /// A line with no command waiting: only a `400` (RFC 3977 §3.2.1:
    /// the server may say it is closing at any time) is allowed.
    fn read_unsolicited(&mut self) -> Result<Next<Event>, Error> {
        if self.conn.inbox.is_empty() || !self.conn.may_recv() {
            return Ok(Next::Paused);
        }
        let Some(line) = self.next_line(self.limits.max_reply_line)? else {
            return Ok(Next::NeedInput);
        };
        match Reply::parse(line) {
            Some(reply) if reply.code == 400 => {
                self.conn.close_send();
                self.replying = None;
                Ok(Next::Event(Event::Unsolicited(reply)))
            }
            _ => Err(ErrorKind::UnexpectedData.into()),
        }
    }

    /// `None`: need input; `Some(None)`: go on; `Some(Some(e))`: an event.
    fn read_status(&mut self, expect: Expect) -> Result<Option<Option<Event>>, Error> {
        let Some(line) = self.next_line(self.limits.max_reply_line)? else {
            return Ok(None);
        };
        let reply = Reply::parse(line).ok_or(ErrorKind::MalformedReply)?;
        if expect == Expect::AuthSasl && reply.code == 383 {
            self.answer_challenge(&reply.text);
            return Ok(Some(None));
        }
        if !reply.is_ok() {
            return self.on_refusal(expect, reply).map(|e| Some(Some(e)));
        }
        if let Some(block) = expect.block(reply.code) {
            return self.start_block(expect, block, reply).map(Some);
        }
        self.on_success(expect, reply).map(Some)
    }

    fn on_refusal(&mut self, expect: Expect, reply: Reply) -> Result<Event, Error> {
        match expect {
            Expect::StartTls if self.require_tls => {
                return Err(Error::tls_unavailable(TlsUnavailable::Refused {
                    command: "STARTTLS",
                    code: Some(reply.code),
                }))
            }
            Expect::StartTls => self.tls = Tls::Plain,
            Expect::AuthSasl => self.sasl = None,
            Expect::Greeting | Expect::Quit => self.conn.stop(),
            _ => {}
        }
        if reply.code == 400 {
            // Service discontinued: the server closes after it.
            self.conn.close_send();
        }
        self.finish();
        Ok(Event::Refused(reply))
    }

    fn start_block(
        &mut self,
        expect: Expect,
        block: Block,
        reply: Reply,
    ) -> Result<Option<Event>, Error> {
        self.reading = match block {
            Block::Capabilities => Reading::Capabilities(Vec::new()),
            Block::Lines(entries) => Reading::Lines(entries),
            Block::Data => Reading::Data(DotUnstuffer::new(self.limits.max_article_line)),
        };
        Ok(Some(match (expect, block) {
            (_, Block::Capabilities) => return Ok(None),
            // RFC 2980 servers answer LISTGROUP with "211 list follows".
            (Expect::ListGroup, _) => match GroupInfo::parse(&reply.text) {
                Some(info) => Event::Group(info),
                None => Event::BlockStart(reply),
            },
            (Expect::Article, _) => {
                // The content follows whatever the status says; a server
                // that leaves the number or id out still delivers it.
                let (number, message_id) = reply.article().unwrap_or_default();
                Event::ArticleStart {
                    number,
                    message_id,
                    reply,
                }
            }
            _ => Event::BlockStart(reply),
        }))
    }

    fn on_success(&mut self, expect: Expect, reply: Reply) -> Result<Option<Event>, Error> {
        let event = match expect {
            Expect::Greeting => {
                self.posting_allowed = reply.code == 200;
                Event::Greeting {
                    posting_allowed: self.posting_allowed,
                    reply,
                }
            }
            Expect::ModeReader => {
                // RFC 3977 §5.3: the capabilities may change.
                self.capabilities = None;
                self.posting_allowed = reply.code == 200;
                Event::Reply(reply)
            }
            Expect::Group if reply.code == 211 => {
                Event::Group(GroupInfo::parse(&reply.text).ok_or(ErrorKind::MalformedStatus)?)
            }
            Expect::Stat if reply.code == 223 => {
                let (number, message_id) = reply.article().unwrap_or_default();
                Event::Selected { number, message_id }
            }
            Expect::Post if matches!(reply.code, 340 | 335) => {
                self.queue.proceed(&mut self.conn.outbox);
                return Ok(Some(Event::Continue(reply)));
            }
            Expect::StartTls if reply.code == 382 => {
                self.tls = Tls::Handshake;
                self.conn.request_tls();
                if !self.conn.inbox.is_empty() {
                    return Err(ErrorKind::PlaintextAfterUpgrade.into());
                }
                Event::Reply(reply)
            }
            Expect::AuthUser | Expect::AuthPass | Expect::AuthSasl
                if matches!(reply.code, 281 | 283) =>
            {
                self.sasl = None;
                self.authenticated = true;
                // RFC 4643 §2.1: the capabilities change after login.
                self.capabilities = None;
                Event::Reply(reply)
            }
            Expect::Quit => {
                self.conn.stop();
                Event::Reply(reply)
            }
            Expect::Compress if reply.code == 206 => {
                self.start_compression();
                Event::Reply(reply)
            }
            _ => Event::Reply(reply),
        };
        self.finish();
        Ok(Some(event))
    }

    /// RFC 8054: both directions are deflated from the byte after the
    /// `206` on (what arrived behind it is decoded too); the layers sit in
    /// the buffers, inside TLS.
    fn start_compression(&mut self) {
        super::deflate_both_ways(&mut self.conn);
    }

    /// Whether COMPRESS DEFLATE is active.
    pub fn is_compressed(&self) -> bool {
        self.conn.outbox.has_encoder()
    }

    /// The listing line, dot-unstuffed, or `None` at the `.` line (the
    /// block is then finished).
    fn block_line(&mut self) -> Result<Option<Option<Bytes>>, Error> {
        let Some(line) = self.next_line(self.limits.max_listing_line)? else {
            return Ok(None);
        };
        if &line[..] == b"." {
            return Ok(Some(None));
        }
        Ok(Some(Some(if line.first() == Some(&b'.') {
            line.slice(1..)
        } else {
            line
        })))
    }

    fn read_capabilities(&mut self) -> Result<Option<Option<Event>>, Error> {
        let Some(line) = self.block_line()? else {
            return Ok(None);
        };
        let Reading::Capabilities(list) = &mut self.reading else {
            return Ok(Some(None));
        };
        match line {
            Some(line) => {
                if list.len() >= self.limits.max_capabilities {
                    return Err(ErrorKind::TooManyEntries.into());
                }
                // Copied: kept for the session, a slice would pin the
                // receive block.
                list.push(Bytes::copy_from_slice(&line));
                Ok(Some(None))
            }
            None => {
                let caps = Capabilities(core::mem::take(list));
                if self.tls_missing() && !caps.starttls() {
                    return Err(Error::tls_unavailable(TlsUnavailable::NotOffered {
                        command: "STARTTLS",
                    }));
                }
                self.capabilities = Some(caps.clone());
                self.finish();
                Ok(Some(Some(Event::Capabilities(caps))))
            }
        }
    }

    /// The whole overview lines that arrived, as one batch, found with
    /// bulk scans over the block (no look at each line end); `None`
    /// leaves the next line to [`block_line`](Self::block_line): not
    /// complete yet, dot-leading, ending in a bare LF, or longer than a
    /// batch.
    fn overview_batch(&mut self) -> Option<Event> {
        let data = self.conn.inbox.data();
        let window = &data[..data.len().min(self.limits.max_listing_line).min(BATCH)];
        let n = batch_len(window);
        if n == 0 {
            return None;
        }
        Some(Event::Overviews(OverviewBatch::new(
            self.conn.inbox.split_to(n),
        )))
    }

    fn read_entry(&mut self, entries: Entries) -> Result<Option<Option<Event>>, Error> {
        if entries == Entries::Overview {
            if let Some(event) = self.overview_batch() {
                return Ok(Some(Some(event)));
            }
        }
        let Some(line) = self.block_line()? else {
            return Ok(None);
        };
        let Some(line) = line else {
            self.finish();
            return Ok(Some(Some(Event::End)));
        };
        // A line that does not parse as its listing's entry is handed out
        // as it came ([`Event::Line`]): a server's odd line is no reason
        // to drop the connection.
        let text = |line: &Bytes| Event::Line(line.clone());
        let event = match entries {
            // A stuffed line, or one longer than a batch: a batch of one.
            Entries::Overview => Event::Overviews(OverviewBatch::new(line)),
            Entries::Header => {
                let (article, value) = split_first_word(&line);
                Event::Header { article, value }
            }
            Entries::Active => {
                ActiveGroup::parse(&line, false).map_or_else(|| text(&line), Event::Active)
            }
            Entries::Counts => {
                ActiveGroup::parse(&line, true).map_or_else(|| text(&line), Event::Active)
            }
            Entries::Newsgroup => {
                let (name, description) = split_first_word(&line);
                Event::Newsgroup { name, description }
            }
            Entries::Number => super::command::parse_u64(line.trim_ascii())
                .map_or_else(|| text(&line), Event::ArticleNumber),
            Entries::MessageId => words(&line)
                .next()
                .map_or_else(|| text(&line), Event::MessageId),
            Entries::Text => Event::Line(line),
        };
        Ok(Some(Some(event)))
    }

    fn read_data(&mut self) -> Result<Option<Option<Event>>, Error> {
        let Reading::Data(unstuffer) = &mut self.reading else {
            return Ok(Some(None));
        };
        match unstuffer.next(&mut self.conn.inbox) {
            Ok(Some(Unstuffed::Data(data))) => Ok(Some(Some(Event::Data(data)))),
            Ok(Some(Unstuffed::End)) => {
                self.finish();
                Ok(Some(Some(Event::End)))
            }
            Ok(None) => Ok(None),
            Err(LineError::TooLong { .. }) => Err(ErrorKind::LineTooLong.into()),
        }
    }

    /// Answers a `383` challenge; `*` cancels when the challenge is not
    /// base64 or the mechanism gives up (the server then answers 481).
    fn answer_challenge(&mut self, text: &[u8]) {
        let answer = match (self.sasl.as_mut(), crate::sasl::decode_challenge(text)) {
            (Some(Sasl(m)), Ok(challenge)) => m.step(&challenge).ok(),
            _ => None,
        };
        match answer {
            Some(answer) => {
                let mut line = crate::sasl::encode_response(&answer);
                line.extend_from_slice(b"\r\n");
                self.conn.outbox.write(&line);
            }
            None => self.conn.outbox.write(b"*\r\n"),
        }
    }
}

/// The most bytes of overview lines handed out as one batch: what the
/// caller reads while it is still in cache.
const BATCH: usize = 16 * 1024;

/// `word rest`: split at the first space or TAB; the rest without the
/// blanks before it.
fn split_first_word(line: &Bytes) -> (Bytes, Bytes) {
    match memchr::memchr2(b' ', b'\t', line) {
        None => (line.clone(), Bytes::new()),
        Some(i) => {
            let mut j = i;
            while matches!(line.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            (line.slice(..i), line.slice(j..))
        }
    }
}

impl Correlate for Client {
    fn replying_to(&self) -> Option<CommandId> {
        self.replying
    }
}

impl Machine for Client {
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
        self.tls = Tls::Established;
        // RFC 4642 §2.2: what the server said in plaintext is forgotten.
        self.capabilities = None;
        self.release();
    }
}
