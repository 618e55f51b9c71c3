//! The client machine.

use super::command::{check_domain_or_literal, Body, Command, MailParams, RcptParams};
use super::{Capabilities, Error, ErrorKind, Limits, Reply};
use crate::sasl::{self, Credentials, Mechanism};
use crate::wire::{
    CommandId, CommandIds, CommandQueue, Conn, Correlate, DotStuffer, Gate, Machine, MultiLine,
    Next, Part, TlsUnavailable,
};
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// What the client machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The server's `220` greeting. The machine has sent EHLO (LHLO in
    /// LMTP mode) already.
    Greeting(Reply),
    /// EHLO (or the HELO fallback, or LHLO) succeeded: the session is
    /// ready for mail. Comes again after STARTTLS, with the capabilities
    /// offered over TLS.
    Ready {
        /// What the server offers (nothing after HELO).
        caps: Capabilities,
    },
    /// The server said go ahead to STARTTLS: run the TLS handshake now
    /// ([`Machine::transport`] says [`Transport::StartTls`](crate::wire::Transport::StartTls)), then call
    /// [`Machine::tls_established`].
    StartTls,
    /// AUTH succeeded (`235`).
    Authenticated(Reply),
    /// AUTH failed; the reply says why (`535` bad credentials, `534`, ...).
    AuthFailed(Reply),
    /// A mail transaction started with [`Client::send_mail`] is over.
    MailSent(Outcome),
    /// The reply to a single command: RSET, NOOP, VRFY, HELP, QUIT, or a
    /// STARTTLS the server refused.
    Reply {
        /// Which command it answers.
        command: Verb,
        /// The reply.
        reply: Reply,
    },
}

/// The single commands whose replies come back as [`Event::Reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `RSET`.
    Rset,
    /// `NOOP`.
    Noop,
    /// `VRFY`.
    Vrfy,
    /// `EXPN`.
    Expn,
    /// `HELP`.
    Help,
    /// `QUIT`; the machine is closed after its reply. Also reported for
    /// a `421` (the server is shutting down) that answers nothing else.
    Quit,
    /// `STARTTLS`, refused by the server.
    StartTls,
}

/// One recipient of a message and its ESMTP parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The address, without angle brackets.
    pub address: String,
    /// `NOTIFY`, `ORCPT`, ...
    pub params: RcptParams,
}

impl<T: Into<String>> From<T> for Recipient {
    fn from(address: T) -> Self {
        Recipient {
            address: address.into(),
            params: RcptParams::default(),
        }
    }
}

/// The envelope of a message: sender, recipients, parameters.
///
/// ```
/// use sanswire::smtp::{Body, Envelope};
/// let mut env = Envelope::new("alice@example.org", ["bob@example.net", "carol@example.net"]);
/// env.params.body = Some(Body::EightBitMime);
/// assert_eq!(env.recipients.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path; empty for the null sender `<>`.
    pub from: String,
    /// The recipients, in order.
    pub recipients: Vec<Recipient>,
    /// `MAIL FROM` parameters. `SIZE` is filled in from the message when
    /// the server offers it and it is left unset.
    pub params: MailParams,
}

impl Envelope {
    /// An envelope with default parameters.
    pub fn new<R: Into<Recipient>>(
        from: impl Into<String>,
        to: impl IntoIterator<Item = R>,
    ) -> Self {
        Envelope {
            from: from.into(),
            recipients: to.into_iter().map(Into::into).collect(),
            params: MailParams::default(),
        }
    }
}

/// A message to send: one or more parts sent one after the other, each
/// queued as it is (no copy).
///
/// ```
/// use bytes::Bytes;
/// use sanswire::smtp::Message;
/// let m = Message::from(vec![Bytes::from_static(b"Subject: x\r\n\r\n"), Bytes::from_static(b"body\r\n")]);
/// assert_eq!(m.len(), 20);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    parts: Vec<Bytes>,
}

impl Message {
    /// The total size in octets (before dot-stuffing).
    pub fn len(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum()
    }

    /// Whether the message has no octets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a part.
    pub fn push(&mut self, part: Bytes) {
        self.parts.push(part);
    }
}

impl From<Bytes> for Message {
    fn from(part: Bytes) -> Self {
        Message {
            parts: alloc::vec![part],
        }
    }
}

impl From<Vec<Bytes>> for Message {
    fn from(parts: Vec<Bytes>) -> Self {
        Message { parts }
    }
}

impl From<&'static [u8]> for Message {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

/// How one recipient fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientResult {
    /// The address.
    pub address: String,
    /// The reply to its RCPT; `None` if RCPT was never sent (the MAIL
    /// command failed first).
    pub reply: Option<Reply>,
    /// The reply to the message for this recipient: the one reply after
    /// the data in SMTP, its own reply in LMTP. `None` if the recipient
    /// was refused or the message was never sent.
    pub delivery: Option<Reply>,
}

impl RecipientResult {
    /// Whether the server took responsibility for the message for this
    /// recipient.
    pub fn is_delivered(&self) -> bool {
        self.delivery.as_ref().is_some_and(Reply::is_positive)
    }
}

/// The result of a mail transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The reply to MAIL FROM.
    pub mail: Reply,
    /// Each recipient, in envelope order.
    pub recipients: Vec<RecipientResult>,
    /// The reply that settled the transaction: the reply after the data,
    /// or the one that ended it early (MAIL refused, every recipient
    /// refused, DATA or BDAT refused). In LMTP, the last recipient's.
    pub reply: Reply,
}

impl Outcome {
    /// The recipients the message was delivered to.
    pub fn delivered(&self) -> impl Iterator<Item = &str> {
        self.recipients
            .iter()
            .filter(|r| r.is_delivered())
            .map(|r| r.address.as_str())
    }

    /// Whether the message reached every recipient.
    pub fn is_complete(&self) -> bool {
        self.recipients.iter().all(RecipientResult::is_delivered)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hello {
    Ehlo,
    Helo,
    Lhlo,
}

/// A reply the client waits for, in the order the commands went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    Hello(Hello),
    StartTls,
    Auth,
    Mail,
    Rcpt(usize),
    Data,
    DataEnd,
    Bdat {
        last: bool,
    },
    /// RSET sent by the machine to close a failed transaction.
    InternalRset,
    Single(Verb),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Plain,
    Pending,
    Active,
}

struct Txn {
    recipients: Vec<Recipient>,
    mail: Option<Reply>,
    rcpt: Vec<Option<Reply>>,
    /// RCPT lines not yet sent (without PIPELINING).
    rcpt_lines: VecDeque<Vec<u8>>,
    body: Message,
    chunked: bool,
    pipelined: bool,
    /// Pipelined, but the message waits for the RCPT replies (see
    /// [`Client::set_all_recipients_required`]).
    hold_message: bool,
    /// BDAT chunks not yet sent (without PIPELINING).
    chunks: VecDeque<Bytes>,
    deliveries: Vec<Reply>,
    expected_deliveries: usize,
    failure: Option<Reply>,
    needs_rset: bool,
}

impl Txn {
    fn accepted(&self) -> usize {
        self.rcpt
            .iter()
            .filter(|r| r.as_ref().is_some_and(Reply::is_positive))
            .count()
    }

    fn mail_accepted(&self) -> bool {
        self.mail.as_ref().is_some_and(Reply::is_positive)
    }
}

struct AuthState {
    mechanism: Box<dyn Mechanism + Send>,
    /// An initial response too long for the command line, sent in answer
    /// to the server's empty challenge instead (RFC 4954 §4).
    held: Option<Vec<u8>>,
}

/// The SMTP (or LMTP) client machine (RFC 5321, RFC 2033).
///
/// It greets, sends EHLO (falling back to HELO), and then does what its
/// caller asks: [`send_mail`](Self::send_mail), [`auth`](Self::auth) or
/// [`login`](Self::login), [`starttls`](Self::starttls), and the single
/// commands. Every reply is interpreted here; a driver only moves bytes
/// and hands out events.
///
/// One thing at a time: a call is refused with [`ErrorKind::OutOfSequence`]
/// while an earlier one waits for replies ([`is_idle`](Self::is_idle)
/// says when the next call may come). Each call ends with exactly one
/// event. A mail transaction is pipelined (RFC 2920) when the server
/// offers PIPELINING and uses BDAT when it offers CHUNKING.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::smtp::{Client, Envelope, Event};
/// use sanswire::wire::{Machine, Next};
/// let mut c = Client::new("client.example.org").unwrap();
/// c.receive(b"220 mx.example.org ESMTP\r\n");
/// assert!(matches!(c.poll_event().unwrap(), Next::Event(Event::Greeting(_))));
/// assert_eq!(c.outbox().take_vec(), b"EHLO client.example.org\r\n");
/// c.receive(b"250-mx.example.org\r\n250 PIPELINING\r\n");
/// assert!(matches!(c.poll_event().unwrap(), Next::Event(Event::Ready { .. })));
/// c.send_mail(&Envelope::new("a@example.org", ["b@example.net"]), Bytes::from_static(b"Hi\r\n")).unwrap();
/// assert_eq!(
///     c.outbox().take_vec(),
///     b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
/// );
/// c.receive(b"250 ok\r\n250 ok\r\n354 go\r\n");
/// assert_eq!(c.poll_event().unwrap(), Next::NeedInput);
/// assert_eq!(c.outbox().take_vec(), b"Hi\r\n.\r\n");
/// c.receive(b"250 queued\r\n");
/// let Next::Event(Event::MailSent(outcome)) = c.poll_event().unwrap() else { panic!() };
/// assert!(outcome.is_complete());
/// ```
pub struct Client {
    conn: Conn<Error>,
    framer: MultiLine,
    hostname: String,
    lmtp: bool,
    limits: Limits,
    prefer_chunking: bool,
    all_recipients: bool,
    /// The commands sent or to send, with what each answer means.
    queue: CommandQueue<Expect>,
    caps: Option<Capabilities>,
    // Boxed: a transaction is large and an idle session has none.
    txn: Option<Box<Txn>>,
    auth: Option<AuthState>,
    /// The last AUTH exchange was cancelled by this side (`*`).
    auth_cancelled: bool,
    tls: Tls,
    require_tls: bool,
    ids: CommandIds,
    /// The call whose event has not been handed out yet.
    call: Option<CommandId>,
    /// The call the last event handed out belongs to.
    replying: Option<CommandId>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("hostname", &self.hostname)
            .field("lmtp", &self.lmtp)
            .field("queue", &self.queue)
            .field("caps", &self.caps)
            .field("tls", &self.tls)
            .field("require_tls", &self.require_tls)
            .field("closed", &self.conn.is_closed())
            .field("error", &self.conn.error())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// How long the server may stay silent while the client waits for a
    /// reply: RFC 5321 §4.5.3.2's longest wait, 10 minutes for the reply to
    /// the end of DATA. Change it with [`Machine::set_timeout`].
    pub const TIMEOUT: core::time::Duration = core::time::Duration::from_secs(600);

    /// An SMTP client that will introduce itself as `hostname` (a domain
    /// or an address literal such as `[192.0.2.1]`).
    pub fn new(hostname: &str) -> Result<Client, Error> {
        Self::with_limits(hostname, Limits::default())
    }

    /// An LMTP client (RFC 2033): LHLO, and one reply per recipient
    /// after the message.
    pub fn lmtp(hostname: &str) -> Result<Client, Error> {
        let mut c = Self::new(hostname)?;
        c.lmtp = true;
        Ok(c)
    }

    /// An SMTP client with other limits.
    pub fn with_limits(hostname: &str, limits: Limits) -> Result<Client, Error> {
        check_domain_or_literal(hostname)?;
        Ok(Client {
            conn: Conn::with_timeout(Self::TIMEOUT),
            framer: MultiLine::new(limits.reply_line, limits.reply_lines),
            hostname: hostname.into(),
            lmtp: false,
            limits,
            prefer_chunking: true,
            all_recipients: false,
            queue: greeting_queue(),
            caps: None,
            txn: None,
            auth: None,
            auth_cancelled: false,
            tls: Tls::Plain,
            require_tls: false,
            ids: CommandIds::default(),
            call: None,
            replying: None,
        })
    }

    /// Whether to send messages with BDAT when the server offers CHUNKING
    /// (the default) rather than DATA. BINARYMIME always uses BDAT.
    pub fn set_prefer_chunking(&mut self, prefer: bool) {
        self.prefer_chunking = prefer;
    }

    /// Whether a message goes only to all recipients or to none (default
    /// off: it goes to those the server accepted). When on, the message
    /// is sent only once every RCPT was accepted; otherwise the
    /// transaction is reset and [`Outcome::reply`] is the first refusal.
    /// This is curl's behaviour. With PIPELINING, MAIL and the RCPTs still
    /// go out in one flight, and DATA (or BDAT) waits for their replies.
    pub fn set_all_recipients_required(&mut self, required: bool) {
        self.all_recipients = required;
    }

    /// Never go on in plaintext (curl's `--ssl-reqd`): when EHLO's answer
    /// lacks STARTTLS (or only HELO worked), polling fails with
    /// [`ErrorKind::TlsUnavailable`] instead of reporting [`Event::Ready`]; a
    /// refused STARTTLS fails the same way; and AUTH, MAIL and VRFY are
    /// refused ([`ErrorKind::OutOfSequence`], nothing sent) until TLS is active.
    /// Off by default. Set it before the greeting is polled.
    pub fn set_require_tls(&mut self, required: bool) {
        self.require_tls = required;
    }

    /// Whether TLS is required (see [`set_require_tls`](Self::set_require_tls)).
    pub fn requires_tls(&self) -> bool {
        self.require_tls
    }

    /// What the server offered, once [`Event::Ready`] was handed out.
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.caps.as_ref()
    }

    /// Whether the session is over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls == Tls::Active
    }

    /// Whether the machine waits for nothing, so a new call may come: the
    /// session is ready and every earlier call has had its event.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
            && self.caps.is_some()
            && self.txn.is_none()
            && self.tls != Tls::Pending
            && !self.conn.is_closed()
            && !self.conn.has_failed()
    }

    /// Refuses what must not go out in plaintext when TLS is required.
    fn ensure_secure(&self) -> Result<(), Error> {
        if self.require_tls && self.tls != Tls::Active {
            return Err(ErrorKind::OutOfSequence("TLS is required: STARTTLS first").into());
        }
        Ok(())
    }

    fn ensure_idle(&self) -> Result<&Capabilities, Error> {
        if !self.is_idle() {
            return Err(ErrorKind::OutOfSequence("the client is not idle").into());
        }
        self.caps
            .as_ref()
            .ok_or(ErrorKind::OutOfSequence("the session is not ready").into())
    }

    /// Starts a mail transaction: MAIL FROM, one RCPT TO per recipient and
    /// the message (DATA with dot-stuffing, or BDAT without). With
    /// PIPELINING they go out in one flight; without, one at a time as
    /// replies come. Ends with [`Event::MailSent`].
    ///
    /// The message ([`Bytes`], or a [`Message`] of several parts, for
    /// example a header block and a body kept apart) is queued as it is
    /// (no copy); in DATA its bare CR and
    /// LF become CRLF, and a line starting with `.` gets another `.`.
    ///
    /// Refused (nothing sent) when the client is not idle, an argument is
    /// invalid, there are no recipients, or a parameter needs an extension
    /// the server did not offer ([`ErrorKind::NotOffered`]).
    ///
    /// Gives the call's id, which its [`Event::MailSent`] reports through
    /// [`Correlate::replying_to`]; every call below does the same.
    pub fn send_mail(
        &mut self,
        envelope: &Envelope,
        message: impl Into<Message>,
    ) -> Result<CommandId, Error> {
        let message = message.into();
        self.ensure_secure()?;
        let caps = self.ensure_idle()?;
        if envelope.recipients.is_empty() {
            return Err(ErrorKind::InvalidArgument("no recipients").into());
        }
        let mut params = envelope.params.clone();
        check_offered(caps, &params, envelope)?;
        if params.size.is_none() && caps.size.is_some() {
            params.size = Some(message.len());
        }
        let chunked =
            params.body == Some(Body::BinaryMime) || (self.prefer_chunking && caps.chunking);
        let pipelined = caps.pipelining;
        let mail = Command::MailFrom {
            from: envelope.from.clone(),
            params,
        }
        .to_bytes()?;
        let rcpt_lines = envelope
            .recipients
            .iter()
            .map(|r| {
                Command::RcptTo {
                    to: r.address.clone(),
                    params: r.params.clone(),
                }
                .to_bytes()
            })
            .collect::<Result<VecDeque<_>, _>>()?;
        // Everything is valid: from here on, write.
        let n = rcpt_lines.len();
        let mut txn = Box::new(Txn {
            recipients: envelope.recipients.clone(),
            mail: None,
            rcpt: alloc::vec![None; n],
            rcpt_lines,
            chunks: if chunked {
                split_chunks(&message, self.limits.bdat_chunk)
            } else {
                VecDeque::new()
            },
            body: message,
            chunked,
            pipelined,
            hold_message: pipelined && self.all_recipients,
            deliveries: Vec::new(),
            expected_deliveries: 0,
            failure: None,
            needs_rset: false,
        });
        self.send(mail, Expect::Mail);
        if pipelined {
            for i in 0..n {
                let line = txn.rcpt_lines.pop_front().unwrap_or_default();
                self.send(line, Expect::Rcpt(i));
            }
            if txn.hold_message {
                // The message goes once the RCPT replies are in.
            } else if chunked {
                while !txn.chunks.is_empty() {
                    self.send_next_chunk(&mut txn);
                }
            } else {
                self.send_static(b"DATA\r\n", Expect::Data);
            }
        }
        self.txn = Some(txn);
        Ok(self.new_call())
    }

    /// Authenticates with a SASL mechanism (RFC 4954). The initial
    /// response goes on the AUTH line when the mechanism has one (unless
    /// the line would be too long). Ends with [`Event::Authenticated`] or
    /// [`Event::AuthFailed`].
    pub fn auth(&mut self, mut mechanism: Box<dyn Mechanism + Send>) -> Result<CommandId, Error> {
        self.ensure_secure()?;
        self.ensure_idle()?;
        self.auth_cancelled = false;
        let initial = mechanism.initial_response().map_err(ErrorKind::Sasl)?;
        let mut line = Command::Auth {
            mechanism: mechanism.name().into(),
            initial_response: initial.clone(),
        }
        .to_bytes()?;
        let mut held = None;
        if line.len() > self.limits.command_line {
            held = initial;
            line = Command::Auth {
                mechanism: mechanism.name().into(),
                initial_response: None,
            }
            .to_bytes()?;
        }
        self.send(line, Expect::Auth);
        self.auth = Some(AuthState { mechanism, held });
        Ok(self.new_call())
    }

    /// Whether the last AUTH exchange failed because this side cancelled
    /// it (`*`: a challenge the mechanism could not answer, such as one
    /// that is not base64) rather than because the server refused the
    /// credentials; a client may then try another mechanism, as curl does.
    pub fn auth_cancelled(&self) -> bool {
        self.auth_cancelled
    }

    /// Authenticates with the best mechanism the server offers for these
    /// credentials (see [`sasl::choose`]); returns its name (the call's id
    /// is then [`in_flight`](Self::in_flight)).
    pub fn login(&mut self, creds: &Credentials) -> Result<&'static str, Error> {
        self.ensure_secure()?;
        let caps = self.ensure_idle()?;
        let name = sasl::choose(caps.auth(), creds)
            .ok_or(ErrorKind::NotOffered("a usable AUTH mechanism"))?;
        let mechanism = sasl::mechanism_for(name, creds)
            .ok_or(ErrorKind::NotOffered("a usable AUTH mechanism"))?;
        self.auth(mechanism)?;
        Ok(name)
    }

    /// Asks for TLS (RFC 3207). Ends with [`Event::StartTls`] (then run
    /// the handshake and call [`Machine::tls_established`]; the machine
    /// forgets the capabilities and sends EHLO again) or with
    /// [`Event::Reply`] if the server refuses (with
    /// [`set_require_tls`](Self::set_require_tls): the error
    /// [`ErrorKind::TlsUnavailable`]). Not offered by the server:
    /// [`ErrorKind::TlsUnavailable`], nothing sent.
    pub fn starttls(&mut self) -> Result<CommandId, Error> {
        let caps = self.ensure_idle()?;
        if self.tls != Tls::Plain {
            return Err(ErrorKind::OutOfSequence("TLS is already active").into());
        }
        if !caps.starttls {
            return Err(ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered {
                command: "STARTTLS",
            })
            .into());
        }
        self.send_static(b"STARTTLS\r\n", Expect::StartTls);
        Ok(self.new_call())
    }

    /// Sends RSET.
    pub fn rset(&mut self) -> Result<CommandId, Error> {
        self.single(&Command::Rset, Verb::Rset)
    }

    /// Sends NOOP.
    pub fn noop(&mut self) -> Result<CommandId, Error> {
        self.single(&Command::Noop, Verb::Noop)
    }

    /// Sends VRFY.
    pub fn vrfy(&mut self, what: &str) -> Result<CommandId, Error> {
        self.single(&Command::Vrfy(what.into()), Verb::Vrfy)
    }

    /// Sends `EXPN list`: the members of a mailing list, if the server
    /// tells (most refuse, 502 or 252).
    pub fn expn(&mut self, list: &str) -> Result<CommandId, Error> {
        self.single(&Command::Expn(list.into()), Verb::Expn)
    }

    /// Sends HELP, with an optional topic.
    pub fn help(&mut self, topic: Option<&str>) -> Result<CommandId, Error> {
        self.single(&Command::Help(topic.map(String::from)), Verb::Help)
    }

    /// Sends QUIT; after its reply the machine is closed.
    pub fn quit(&mut self) -> Result<CommandId, Error> {
        self.single(&Command::Quit, Verb::Quit)
    }

    fn single(&mut self, cmd: &Command, verb: Verb) -> Result<CommandId, Error> {
        if matches!(verb, Verb::Vrfy | Verb::Expn) {
            self.ensure_secure()?;
        }
        self.ensure_idle()?;
        let line = cmd.to_bytes()?;
        self.send(line, Expect::Single(verb));
        Ok(self.new_call())
    }

    /// Numbers the call just queued.
    fn new_call(&mut self) -> CommandId {
        let id = self.ids.next_id();
        self.call = Some(id);
        id
    }

    /// The call waiting for its event, if any: what the last send method
    /// gave.
    pub fn in_flight(&self) -> Option<CommandId> {
        self.call
    }

    /// Queues a command line and sends it at once: the machine itself
    /// paces what it sends (one RCPT per reply without PIPELINING).
    fn send(&mut self, line: Vec<u8>, expect: Expect) {
        self.send_parts(expect, [Part::Text(line)]);
    }

    /// [`send`](Self::send) for a fixed line: no allocation for its bytes.
    fn send_static(&mut self, line: &'static [u8], expect: Expect) {
        self.send_parts(expect, [Part::Bytes(Bytes::from_static(line))]);
    }

    fn send_parts(&mut self, expect: Expect, parts: impl IntoIterator<Item = Part>) {
        self.queue.push_parts(expect, Gate::Pipelined, parts);
        self.queue.release(&mut self.conn.outbox);
    }

    /// One more reply to wait for, with nothing to send (LMTP's reply per
    /// recipient after the message).
    fn expect_more(&mut self, expect: Expect) {
        self.send_parts(expect, []);
    }

    fn send_hello(&mut self, kind: Hello) {
        let cmd = match kind {
            Hello::Ehlo => Command::Ehlo(self.hostname.clone()),
            Hello::Helo => Command::Helo(self.hostname.clone()),
            Hello::Lhlo => Command::Lhlo(self.hostname.clone()),
        };
        // The hostname was checked in `new`.
        if let Ok(line) = cmd.to_bytes() {
            self.send(line, Expect::Hello(kind));
        }
    }

    fn first_hello(&self) -> Hello {
        if self.lmtp {
            Hello::Lhlo
        } else {
            Hello::Ehlo
        }
    }

    fn send_next_chunk(&mut self, txn: &mut Txn) {
        let Some(chunk) = txn.chunks.pop_front() else {
            return;
        };
        let last = txn.chunks.is_empty();
        let line = Command::Bdat {
            size: chunk.len() as u64,
            last,
        }
        .to_bytes()
        .unwrap_or_default();
        // BDAT carries the octets as they are, queued as the caller's
        // bytes: no dot-stuffing, no copy.
        self.send_parts(
            Expect::Bdat { last },
            [Part::Text(line), Part::Bytes(chunk)],
        );
    }

    /// After the last RCPT reply without PIPELINING: on to the message,
    /// or close the transaction if nobody was accepted.
    fn start_message(&mut self, mut txn: Box<Txn>) -> Option<Event> {
        let refused = |r: &Option<Reply>| !r.as_ref().is_some_and(Reply::is_positive);
        let first_refusal = txn.rcpt.iter().find(|r| refused(r)).cloned().flatten();
        if !txn.mail_accepted() || txn.accepted() == 0 {
            let last = txn.rcpt.last().cloned().flatten();
            if txn.failure.is_none() {
                txn.failure = last.or_else(|| txn.mail.clone());
            }
            txn.needs_rset = true;
            return self.finish(txn);
        }
        if self.all_recipients && first_refusal.is_some() {
            txn.failure = first_refusal;
            txn.needs_rset = true;
            return self.finish(txn);
        }
        if txn.chunked {
            self.send_next_chunk(&mut txn);
            while txn.pipelined && !txn.chunks.is_empty() {
                self.send_next_chunk(&mut txn);
            }
        } else {
            self.send_static(b"DATA\r\n", Expect::Data);
        }
        self.txn = Some(txn);
        None
    }

    fn expect_deliveries(&mut self, txn: &mut Txn) -> usize {
        let n = if self.lmtp { txn.accepted().max(1) } else { 1 };
        txn.expected_deliveries = n;
        n
    }

    /// Ends a transaction: an RSET first where the server may still hold
    /// it open, then the event.
    fn finish(&mut self, txn: Box<Txn>) -> Option<Event> {
        if txn.needs_rset && txn.mail_accepted() {
            self.send_static(b"RSET\r\n", Expect::InternalRset);
            self.txn = Some(txn);
            return None;
        }
        Some(Event::MailSent(outcome(txn, self.lmtp)))
    }

    fn handle(&mut self, expect: Expect, reply: Reply) -> Result<Option<Event>, Error> {
        match expect {
            Expect::Greeting => {
                if !reply.is_positive() {
                    return Err(Error::refused(reply));
                }
                self.send_hello(self.first_hello());
                Ok(Some(Event::Greeting(reply)))
            }
            Expect::Hello(kind) => self.on_hello(kind, reply),
            Expect::StartTls => {
                if reply.code() != 220 && self.require_tls {
                    return Err(ErrorKind::TlsUnavailable(TlsUnavailable::Refused {
                        command: "STARTTLS",
                        code: Some(reply.code()),
                    })
                    .into());
                }
                if reply.code() != 220 {
                    return Ok(Some(Event::Reply {
                        command: Verb::StartTls,
                        reply,
                    }));
                }
                if !self.conn.inbox.is_empty() {
                    return Err(ErrorKind::PlaintextAfterUpgrade.into());
                }
                self.tls = Tls::Pending;
                self.conn.request_tls();
                Ok(Some(Event::StartTls))
            }
            Expect::Auth => Ok(self.on_auth(reply)),
            Expect::Single(verb) => {
                if verb == Verb::Quit {
                    self.conn.stop();
                }
                Ok(Some(Event::Reply {
                    command: verb,
                    reply,
                }))
            }
            Expect::InternalRset => {
                let txn = self
                    .txn
                    .take()
                    .ok_or(ErrorKind::UnexpectedReply(reply.code()))?;
                Ok(Some(Event::MailSent(outcome(txn, self.lmtp))))
            }
            _ => {
                let txn = self
                    .txn
                    .take()
                    .ok_or(ErrorKind::UnexpectedReply(reply.code()))?;
                Ok(self.on_transaction(expect, reply, txn))
            }
        }
    }

    /// A positive reply to the greeting command offered `caps`.
    fn ready(&mut self, caps: Capabilities) -> Result<Event, Error> {
        // Never silently downgrade: a session that must be encrypted ends
        // here, before anything else is sent.
        if self.require_tls && self.tls != Tls::Active && !caps.starttls {
            return Err(ErrorKind::TlsUnavailable(TlsUnavailable::NotOffered {
                command: "STARTTLS",
            })
            .into());
        }
        self.caps = Some(caps.clone());
        Ok(Event::Ready { caps })
    }

    fn on_hello(&mut self, kind: Hello, reply: Reply) -> Result<Option<Event>, Error> {
        if reply.is_positive() {
            let caps = match kind {
                Hello::Helo => Capabilities::helo(&reply),
                _ => Capabilities::from_ehlo(&reply),
            };
            return self.ready(caps).map(Some);
        }
        // RFC 5321 §4.1.4: a server that does not know EHLO says 500 or
        // 502; try the old greeting.
        if kind == Hello::Ehlo && matches!(reply.code(), 500 | 502) {
            self.send_hello(Hello::Helo);
            return Ok(None);
        }
        Err(Error::refused(reply))
    }

    fn on_auth(&mut self, reply: Reply) -> Option<Event> {
        if reply.code() != 334 {
            self.auth = None;
            return Some(if reply.is_positive() {
                Event::Authenticated(reply)
            } else {
                Event::AuthFailed(reply)
            });
        }
        let state = self.auth.as_mut()?;
        let text = MultiLine::lines(&reply.raw())
            .next()
            .map(|l| l.text)
            .unwrap_or_default();
        let answer = match state.held.take() {
            Some(ir) if text.trim_ascii().is_empty() => Ok(ir),
            _ => sasl::decode_challenge(&text).and_then(|c| state.mechanism.step(&c)),
        };
        match answer {
            Ok(message) => {
                let mut line = sasl::encode_line(&message);
                line.extend_from_slice(b"\r\n");
                self.send(line, Expect::Auth);
            }
            // RFC 4954 §4: `*` cancels; the server answers 501, which
            // ends the exchange as a failure.
            Err(_) => {
                self.auth_cancelled = true;
                self.send_static(b"*\r\n", Expect::Auth);
            }
        }
        None
    }

    fn on_transaction(&mut self, expect: Expect, reply: Reply, mut txn: Box<Txn>) -> Option<Event> {
        match expect {
            Expect::Mail => {
                let ok = reply.is_positive();
                txn.mail = Some(reply.clone());
                if !ok {
                    txn.failure = Some(reply);
                    if !txn.pipelined {
                        return self.finish(txn);
                    }
                } else if !txn.pipelined {
                    let line = txn.rcpt_lines.pop_front().unwrap_or_default();
                    self.send(line, Expect::Rcpt(0));
                }
            }
            Expect::Rcpt(i) => {
                if let Some(slot) = txn.rcpt.get_mut(i) {
                    *slot = Some(reply);
                }
                if !txn.pipelined {
                    if let Some(line) = txn.rcpt_lines.pop_front() {
                        self.send(line, Expect::Rcpt(i + 1));
                    } else {
                        return self.start_message(txn);
                    }
                } else if txn.hold_message && i + 1 == txn.rcpt.len() {
                    return self.start_message(txn);
                }
            }
            Expect::Data => {
                if reply.code() != 354 {
                    txn.failure.get_or_insert(reply);
                    txn.needs_rset = true;
                    return self.finish(txn);
                }
                if txn.accepted() == 0 || !txn.mail_accepted() {
                    // RFC 2920 §3.1: DATA went ahead though nobody was
                    // accepted; send an empty message to end it.
                    self.send_static(b".\r\n", Expect::DataEnd);
                    txn.expected_deliveries = 1;
                } else {
                    let mut stuffer = DotStuffer::new();
                    for part in &txn.body.parts {
                        stuffer.stuff(part.clone(), &mut self.conn.outbox);
                    }
                    stuffer.finish(&mut self.conn.outbox);
                    for _ in 0..self.expect_deliveries(&mut txn) {
                        self.expect_more(Expect::DataEnd);
                    }
                }
            }
            Expect::DataEnd => {
                txn.deliveries.push(reply);
                if txn.deliveries.len() >= txn.expected_deliveries {
                    return self.finish(txn);
                }
            }
            Expect::Bdat { last } => return self.on_bdat(last, reply, txn),
            _ => {}
        }
        self.txn = Some(txn);
        None
    }

    fn on_bdat(&mut self, last: bool, reply: Reply, mut txn: Box<Txn>) -> Option<Event> {
        let settled = txn.failure.is_some() || !txn.mail_accepted() || txn.accepted() == 0;
        if last && !settled {
            // The first reply after the last chunk; in LMTP one more comes
            // for each further accepted recipient.
            txn.deliveries.push(reply);
            let more = self.expect_deliveries(&mut txn) - 1;
            if more == 0 {
                return self.finish(txn);
            }
            for _ in 0..more {
                self.expect_more(Expect::DataEnd);
            }
            self.txn = Some(txn);
            return None;
        }
        if !reply.is_positive() && txn.failure.is_none() {
            txn.failure = Some(reply);
            txn.needs_rset = true;
        }
        if last || (!txn.pipelined && txn.failure.is_some()) {
            return self.finish(txn);
        }
        if !txn.pipelined {
            self.send_next_chunk(&mut txn);
        }
        self.txn = Some(txn);
        None
    }

    /// `421`: the server is closing the connection (RFC 5321 §3.8); no
    /// other reply will come. What was in flight ends with this reply.
    fn on_shutdown(&mut self, expect: Expect, reply: Reply) -> Option<Event> {
        if matches!(expect, Expect::Greeting | Expect::Hello(_)) {
            return None; // Refused, by `handle`.
        }
        self.queue.clear();
        self.conn.stop();
        self.auth = None;
        if let Some(mut txn) = self.txn.take() {
            txn.failure.get_or_insert(reply);
            return Some(Event::MailSent(outcome(txn, self.lmtp)));
        }
        Some(match expect {
            Expect::Auth => Event::AuthFailed(reply),
            Expect::StartTls => Event::Reply {
                command: Verb::StartTls,
                reply,
            },
            Expect::Single(verb) => Event::Reply {
                command: verb,
                reply,
            },
            _ => Event::Reply {
                command: Verb::Quit,
                reply,
            },
        })
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        let next = self.poll_reply()?;
        if let Next::Event(event) = &next {
            self.replying = match event {
                // What the machine sends by itself.
                Event::Greeting(_) | Event::Ready { .. } => Some(CommandId::CONNECTION),
                _ => self.call.take(),
            };
        }
        Ok(next)
    }

    fn poll_reply(&mut self) -> Result<Next<Event>, Error> {
        if self.tls == Tls::Pending {
            // Plaintext here is refused by the core (`Machine::poll_event`).
            return Ok(Next::Paused);
        }
        loop {
            let front = self.queue.front().map(|q| &q.tag);
            if let Some(Expect::Hello(Hello::Ehlo | Hello::Lhlo)) = front {
                // The EHLO reply framed and read in one pass, when it is a
                // plain one (otherwise the framer and the general reader
                // take it, and find the same).
                if self.framer.is_fresh() {
                    let (max_line, max_lines) = self.framer.limits();
                    let data = self.conn.inbox.data();
                    if let Some((caps, len)) = Capabilities::frame_ehlo(data, max_line, max_lines) {
                        self.conn.inbox.advance(len);
                        self.queue.finish();
                        return self.ready(caps).map(Next::Event);
                    }
                }
            }
            let framed = self
                .framer
                .next(&mut self.conn.inbox)
                .map_err(ErrorKind::MalformedReply)?;
            let Some((code, raw)) = framed else {
                if self.queue.is_empty() {
                    return Ok(Next::Paused);
                }
                if self.conn.inbox.is_eof() {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
                return Ok(Next::NeedInput);
            };
            let Some(expect) = self.queue.finish().map(|q| q.tag) else {
                if code == 421 {
                    // The server is closing (RFC 5321 §3.8) while nothing
                    // waits for a reply: an event that answers no call
                    // (`Correlate::replying_to` is `None`).
                    self.auth = None;
                    self.conn.stop();
                    return Ok(Next::Event(Event::Reply {
                        command: Verb::Quit,
                        reply: Reply::from_raw(code, raw),
                    }));
                }
                return Err(ErrorKind::UnexpectedReply(code).into());
            };
            let reply = Reply::from_raw(code, raw);
            if code == 421 {
                if let Some(event) = self.on_shutdown(expect, reply.clone()) {
                    return Ok(Next::Event(event));
                }
            }
            if let Some(event) = self.handle(expect, reply)? {
                return Ok(Next::Event(event));
            }
        }
    }
}

/// A new client's queue: the greeting, the answer to the connection
/// itself. The machine paces its own commands, so the queue lets each go
/// as soon as it is queued.
fn greeting_queue() -> CommandQueue<Expect> {
    let mut queue = CommandQueue::new();
    queue.set_pipelining(true);
    queue.push_with_id(Expect::Greeting, CommandId::CONNECTION, Gate::Pipelined, []);
    queue.release(&mut crate::wire::Outbox::new());
    queue
}

fn check_offered(caps: &Capabilities, p: &MailParams, env: &Envelope) -> Result<(), Error> {
    let need = |offered: bool, name: &'static str| -> Result<(), Error> {
        if offered {
            Ok(())
        } else {
            Err(ErrorKind::NotOffered(name).into())
        }
    };
    if p.size.is_some() {
        need(caps.size.is_some(), "SIZE")?;
    }
    match p.body {
        Some(Body::EightBitMime) => need(caps.eight_bit_mime, "8BITMIME")?,
        Some(Body::BinaryMime) => need(caps.binary_mime && caps.chunking, "BINARYMIME")?,
        _ => {}
    }
    if p.smtputf8 {
        need(caps.smtputf8, "SMTPUTF8")?;
    }
    let dsn_rcpt = env
        .recipients
        .iter()
        .any(|r| r.params.notify.is_some() || r.params.orcpt.is_some());
    if p.ret.is_some() || p.envid.is_some() || dsn_rcpt {
        need(caps.dsn, "DSN")?;
    }
    Ok(())
}

fn split_chunks(message: &Message, max: usize) -> VecDeque<Bytes> {
    let max = max.max(1);
    let mut chunks: VecDeque<Bytes> = message
        .parts
        .iter()
        .flat_map(|part| {
            (0..part.len())
                .step_by(max)
                .map(move |at| part.slice(at..(at + max).min(part.len())))
        })
        .collect();
    if chunks.is_empty() {
        // An empty message is one empty last chunk.
        chunks.push_back(Bytes::new());
    }
    chunks
}

fn outcome(txn: Box<Txn>, lmtp: bool) -> Outcome {
    let txn = *txn;
    let mail = txn
        .mail
        .clone()
        .unwrap_or_else(|| Reply::from_raw(0, Bytes::new()));
    let mut deliveries = txn.deliveries.iter();
    let settled = txn.failure.is_none();
    let single = txn.deliveries.first().cloned();
    let recipients = txn
        .recipients
        .into_iter()
        .zip(txn.rcpt)
        .map(|(r, reply)| {
            let accepted = reply.as_ref().is_some_and(Reply::is_positive);
            let delivery = match (accepted && settled, lmtp) {
                (false, _) => None,
                (true, true) => deliveries.next().cloned(),
                (true, false) => single.clone(),
            };
            RecipientResult {
                address: r.address,
                reply,
                delivery,
            }
        })
        .collect();
    let reply = txn
        .failure
        .or_else(|| txn.deliveries.last().cloned())
        .unwrap_or_else(|| mail.clone());
    Outcome {
        mail,
        recipients,
        reply,
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

    /// Goes on over TLS: forgets what the server offered in plaintext and
    /// sends EHLO again (RFC 3207 §4.2).
    fn on_tls(&mut self) {
        self.tls = Tls::Active;
        self.caps = None;
        self.send_hello(self.first_hello());
    }
}
