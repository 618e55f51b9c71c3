//! The server machine.

use super::command::{Body, Command, MailParams, RcptParams};
use super::{EnhancedCode, Error, ErrorKind, Limits, Reply};
use crate::sasl;
use crate::wire::{Conn, DotUnstuffer, LineError, LineReader, Machine, Next, Unstuffed};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt::Write as _;

/// A SASL mechanism the server machine can run (it decodes the exchange;
/// the application checks the credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN`.
    Login,
    /// `CRAM-MD5` (RFC 2195).
    CramMd5,
}

impl AuthMechanism {
    /// The registered name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
            AuthMechanism::CramMd5 => "CRAM-MD5",
        }
    }
}

/// What the server offers and enforces. Build with
/// [`ServerConfig::new`] and change the public fields.
///
/// ```
/// use sanswire::smtp::{AuthMechanism, ServerConfig};
/// let mut config = ServerConfig::new("mx.example.org");
/// config.starttls = true;
/// config.auth = vec![AuthMechanism::Plain, AuthMechanism::Login];
/// config.limits.message_size = 10 << 20;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The name in the greeting and the EHLO reply.
    pub hostname: String,
    /// Speak LMTP (RFC 2033): LHLO instead of EHLO/HELO, one reply per
    /// recipient after the message.
    pub lmtp: bool,
    /// Offer PIPELINING (default on). The machine answers a pipelined
    /// batch in order either way.
    pub pipelining: bool,
    /// Offer 8BITMIME (default on).
    pub eight_bit_mime: bool,
    /// Offer SMTPUTF8 (default on).
    pub smtputf8: bool,
    /// Offer DSN (default off): accept RET, ENVID, NOTIFY, ORCPT.
    pub dsn: bool,
    /// Offer CHUNKING, that is BDAT (default on).
    pub chunking: bool,
    /// Offer BINARYMIME (default off; needs `chunking`).
    pub binary_mime: bool,
    /// Offer STARTTLS (default off: the application must be able to run
    /// a handshake).
    pub starttls: bool,
    /// Offer ENHANCEDSTATUSCODES and put enhanced codes in the machine's
    /// own replies (default on).
    pub enhanced_status_codes: bool,
    /// SASL mechanisms to offer (default none).
    pub auth: Vec<AuthMechanism>,
    /// Offer AUTH before TLS too (default off: passwords stay off
    /// plaintext connections).
    pub allow_plaintext_auth: bool,
    /// Refuse MAIL with `530` until the client authenticated (default off).
    pub require_auth: bool,
    /// The bounds enforced.
    pub limits: Limits,
}

impl ServerConfig {
    /// The defaults for a server named `hostname`.
    pub fn new(hostname: impl Into<String>) -> Self {
        ServerConfig {
            hostname: hostname.into(),
            lmtp: false,
            pipelining: true,
            eight_bit_mime: true,
            smtputf8: true,
            dsn: false,
            chunking: true,
            binary_mime: false,
            starttls: false,
            enhanced_status_codes: true,
            auth: Vec::new(),
            allow_plaintext_auth: false,
            require_auth: false,
            limits: Limits::default(),
        }
    }
}

/// Credentials a client presented, decoded by the machine, for the
/// application to check. Answer with [`Server::accept`] or
/// [`Server::reject`].
#[derive(Clone, PartialEq, Eq)]
pub enum AuthRequest {
    /// `PLAIN`.
    Plain {
        /// The identity to act as (empty: the user itself).
        authzid: String,
        /// The user name.
        user: String,
        /// The password.
        pass: String,
    },
    /// `LOGIN`.
    Login {
        /// The user name.
        user: String,
        /// The password.
        pass: String,
    },
    /// `CRAM-MD5`: look the shared secret up by `user`, then call
    /// [`AuthRequest::verify`].
    CramMd5 {
        /// The user name.
        user: String,
        /// The challenge the machine sent (before base64).
        challenge: Vec<u8>,
        /// The digest the client computed.
        digest: [u8; 16],
    },
}

impl core::fmt::Debug for AuthRequest {
    // Passwords stay out of logs.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AuthRequest::Plain { authzid, user, .. } => f
                .debug_struct("Plain")
                .field("authzid", authzid)
                .field("user", user)
                .finish_non_exhaustive(),
            AuthRequest::Login { user, .. } => f
                .debug_struct("Login")
                .field("user", user)
                .finish_non_exhaustive(),
            AuthRequest::CramMd5 { user, .. } => f
                .debug_struct("CramMd5")
                .field("user", user)
                .finish_non_exhaustive(),
        }
    }
}

impl AuthRequest {
    /// The user name presented.
    pub fn user(&self) -> &str {
        match self {
            AuthRequest::Plain { user, .. }
            | AuthRequest::Login { user, .. }
            | AuthRequest::CramMd5 { user, .. } => user,
        }
    }

    /// For CRAM-MD5: whether the digest matches `secret`. For PLAIN and
    /// LOGIN: whether the password equals `secret`.
    pub fn verify(&self, secret: &[u8]) -> bool {
        match self {
            AuthRequest::CramMd5 {
                challenge, digest, ..
            } => sasl::CramMd5Response {
                user: &[],
                digest: *digest,
            }
            .verify(challenge, secret),
            AuthRequest::Plain { pass, .. } | AuthRequest::Login { pass, .. } => {
                // Same time wherever the first difference is.
                let pass = pass.as_bytes();
                pass.len() == secret.len()
                    && pass
                        .iter()
                        .zip(secret)
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
        }
    }
}

/// What the server machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// EHLO, HELO or LHLO; the machine answered already (and dropped any
    /// transaction).
    Hello {
        /// Whether it was EHLO or LHLO (extensions offered).
        extended: bool,
        /// The domain the client gave.
        domain: String,
    },
    /// The machine said `220` to STARTTLS: run the TLS handshake now, then
    /// call [`Machine::tls_established`].
    StartTls,
    /// The client wants to authenticate: check and answer with
    /// [`Server::accept`] (`235`) or [`Server::reject`] (say `535 5.7.8`).
    Auth(AuthRequest),
    /// `MAIL FROM`: answer with accept (`250`) or reject.
    MailFrom {
        /// The reverse-path; empty for `<>`.
        from: String,
        /// Its parameters (already checked against what is offered).
        params: MailParams,
    },
    /// `RCPT TO`: answer with accept (`250`) or reject (say `550 5.1.1`).
    RcptTo {
        /// The forward-path.
        to: String,
        /// Its parameters.
        params: RcptParams,
    },
    /// A run of message content, dot-unstuffed (DATA) or as sent (BDAT),
    /// a slice of the receive buffer. Spool it until
    /// [`Event::MessageEnd`]: [`Event::MessageRejected`] may come instead.
    Data(Bytes),
    /// The message is complete: answer with accept (`250`) or reject; in
    /// LMTP once per accepted recipient, in order (see
    /// [`Server::recipients`]).
    MessageEnd {
        /// The message size in octets (as received, after unstuffing).
        size: u64,
    },
    /// The machine refused the message it was receiving and answered
    /// already: too big (`552`), or it held a bare LF (`550`, see
    /// [`Server`]). Drop what was spooled.
    MessageRejected(Reply),
    /// RSET: the transaction is dropped (answered already).
    Reset,
    /// QUIT: answered with `221`; the machine is closed.
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Auth,
    Mail(String),
    Rcpt(String),
    Message { remaining: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AuthStage {
    Plain,
    LoginUser,
    LoginPass(String),
    CramMd5(Vec<u8>),
}

#[derive(Debug, Clone)]
enum State {
    Command,
    Decide(Decision),
    AuthLine(AuthStage),
    Data {
        unstuffer: DotUnstuffer,
        size: u64,
        refused: Option<Reply>,
        bare_lf: bool,
    },
    Bdat {
        remaining: u64,
        chunk: u64,
        last: bool,
        refused: Option<Reply>,
    },
    TlsPending,
    Closed,
}

#[derive(Debug, Clone, Default)]
struct Txn {
    recipients: Vec<String>,
    size: u64,
    bdat: bool,
}

/// The SMTP (or LMTP) server machine (RFC 5321, RFC 2033).
///
/// It greets on creation, answers EHLO/HELO/LHLO, NOOP, RSET, VRFY
/// (`252`), HELP, QUIT and STARTTLS itself, checks the sequence of
/// commands (`503`), their syntax (`500`/`501`/`555`) and the limits
/// (`452` recipients, `552` size, `500` long lines), and asks the
/// application about what needs a decision (credentials, sender,
/// recipients, the message) with an event, pausing until
/// [`accept`](Self::accept) or [`reject`](Self::reject). Replies always go
/// out in the order of the commands, so a pipelined batch (RFC 2920) is
/// answered correctly, and nothing ever waits for more input while a
/// reply is held back.
///
/// Message content is handed out as [`Event::Data`] runs, sliced from the
/// receive buffer. Only `CRLF.CRLF` ends DATA. A message holding a bare LF
/// is read to its end and refused with `550 5.6.0` (like Postfix with
/// `smtpd_forbid_bare_newline`), because a bare LF followed by `.` is how
/// SMTP smuggling (CVE-2023-51764) hides a second message from servers
/// that split lines differently; the session goes on. The refusal comes
/// as [`Event::MessageRejected`] in place of [`Event::MessageEnd`]: the
/// content events before it are the same however the input was cut
/// (content up to a bare LF, and up to the size limit, is handed out), so
/// spool until the end and drop the spool on a rejection.
///
/// STARTTLS: bytes pipelined behind the STARTTLS command, or arriving
/// before [`Machine::tls_established`], are refused with
/// [`ErrorKind::PlaintextAfterUpgrade`] (CVE-2011-0411).
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    lines: LineReader,
    config: ServerConfig,
    state: State,
    hello: bool,
    authenticated: Option<String>,
    pending_auth_user: Option<String>,
    txn: Option<Txn>,
    /// Skipping the rest of an over-long command line.
    discarding: bool,
    challenges: u64,
    /// Mixed into CRAM-MD5 challenges; CRAM-MD5 is not offered without.
    nonce: Option<u64>,
}

const SYNTAX: EnhancedCode = EnhancedCode::new(5, 5, 2);
const SEQUENCE: EnhancedCode = EnhancedCode::new(5, 5, 1);
const PARAMS: EnhancedCode = EnhancedCode::new(5, 5, 4);
const OK: EnhancedCode = EnhancedCode::new(2, 0, 0);
const TOO_BIG: EnhancedCode = EnhancedCode::new(5, 3, 4);
/// RFC 3463 X.4.2: "bad connection", Postfix's code for a timeout.
const TIMEOUT: EnhancedCode = EnhancedCode::new(4, 4, 2);

impl Server {
    /// How long a client may stay silent before the server ends the
    /// session with a `421`: RFC 5321 §4.5.3.2.7 gives the server at least
    /// 5 minutes. Change it with [`Machine::set_timeout`].
    pub const IDLE_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(300);

    /// How long one command line may take to arrive once begun, however
    /// slowly the client trickles it: the same 5 minutes, counted from
    /// the line's first byte. Change it with
    /// [`Machine::set_message_timeout`].
    pub const COMMAND_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(300);

    /// A server machine; the greeting is in the outbox already. Fails if
    /// the hostname holds CR, LF or NUL.
    pub fn new(config: ServerConfig) -> Result<Server, Error> {
        if !crate::wire::is_safe_argument(config.hostname.as_bytes()) || config.hostname.is_empty()
        {
            return Err(ErrorKind::InvalidArgument("server hostname").into());
        }
        let mut server = Server {
            conn: Conn::new(),
            lines: LineReader::new(config.limits.command_line),
            state: State::Command,
            hello: false,
            authenticated: None,
            pending_auth_user: None,
            txn: None,
            discarding: false,
            challenges: 0,
            nonce: None,
            config,
        };
        let greeting = format!(
            "{} {}",
            server.config.hostname,
            if server.config.lmtp { "LMTP" } else { "ESMTP" }
        );
        server.write_plain(220, &greeting);
        server.conn.set_timeout(Some(Self::IDLE_TIMEOUT));
        server.conn.set_message_timeout(Some(Self::COMMAND_TIMEOUT));
        Ok(server)
    }

    /// Sets the value mixed into CRAM-MD5 challenges: a fresh random
    /// number per connection, since a challenge must never repeat and the
    /// machine has no randomness of its own. Until it is set, CRAM-MD5 is
    /// neither listed in the EHLO reply nor accepted, even if configured:
    /// a predictable challenge would let a recorded answer be replayed.
    pub fn set_nonce(&mut self, nonce: u64) {
        self.nonce = Some(nonce);
    }

    /// The configured mechanisms this connection can run.
    fn mechanisms(&self) -> impl Iterator<Item = AuthMechanism> + '_ {
        let cram_ok = self.nonce.is_some();
        self.config
            .auth
            .iter()
            .copied()
            .filter(move |m| *m != AuthMechanism::CramMd5 || cram_ok)
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The recipients accepted so far in the current transaction.
    pub fn recipients(&self) -> &[String] {
        self.txn.as_ref().map_or(&[], |t| &t.recipients)
    }

    /// The user the client authenticated as, if it did.
    pub fn authenticated(&self) -> Option<&str> {
        self.authenticated.as_deref()
    }

    /// Whether the session is over TLS.
    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    /// Accepts what the last event asked about, with the usual reply:
    /// `235` for AUTH, `250` for MAIL, RCPT and the message.
    pub fn accept(&mut self) -> Result<(), Error> {
        let (code, enh, text) = match &self.state {
            State::Decide(Decision::Auth) => {
                (235, EnhancedCode::new(2, 7, 0), "Authentication successful")
            }
            State::Decide(Decision::Mail(_)) => (250, EnhancedCode::new(2, 1, 0), "Sender OK"),
            State::Decide(Decision::Rcpt(_)) => (250, EnhancedCode::new(2, 1, 5), "Recipient OK"),
            State::Decide(Decision::Message { .. }) => (250, OK, "Message accepted"),
            _ => return Err(ErrorKind::OutOfSequence("nothing to accept").into()),
        };
        let reply = self.build(code, enh, text);
        self.respond(reply)
    }

    /// Refuses what the last event asked about, with `reply` (a `4xx` or
    /// `5xx` reply).
    pub fn reject(&mut self, reply: Reply) -> Result<(), Error> {
        if reply.is_positive() || reply.is_intermediate() {
            return Err(ErrorKind::InvalidArgument("a rejection needs a 4xx or 5xx reply").into());
        }
        self.respond(reply)
    }

    /// Answers what the last event asked about with any reply: positive
    /// accepts, anything else refuses.
    pub fn respond(&mut self, reply: Reply) -> Result<(), Error> {
        let State::Decide(decision) = &mut self.state else {
            return Err(ErrorKind::OutOfSequence("nothing to answer").into());
        };
        let ok = reply.is_positive();
        let mut next = State::Command;
        match decision {
            Decision::Auth => {
                let user = self.pending_auth_user.take();
                if ok {
                    self.authenticated = user;
                }
            }
            Decision::Mail(_) if ok => self.txn = Some(Txn::default()),
            Decision::Rcpt(to) if ok => {
                let to = core::mem::take(to);
                if let Some(t) = self.txn.as_mut() {
                    t.recipients.push(to);
                }
            }
            Decision::Message { remaining } => {
                *remaining -= 1;
                if *remaining > 0 {
                    next = State::Decide(Decision::Message {
                        remaining: *remaining,
                    });
                } else {
                    self.txn = None;
                }
            }
            _ => {}
        }
        self.state = next;
        self.conn.outbox.write(reply.as_bytes());
        Ok(())
    }

    fn build(&self, code: u16, enh: EnhancedCode, text: &str) -> Reply {
        let mut b = Reply::builder(code).line(text);
        if self.config.enhanced_status_codes {
            b = b.enhanced(enh);
        }
        // Our own texts hold no CR/LF and our codes are valid.
        b.build()
            .unwrap_or_else(|_| Reply::from_raw(code, Bytes::from_static(b"451 \r\n")))
    }

    fn write_reply(&mut self, code: u16, enh: EnhancedCode, text: &str) {
        let reply = self.build(code, enh, text);
        self.conn.outbox.write(reply.as_bytes());
    }

    fn write_plain(&mut self, code: u16, text: &str) {
        let mut line = String::new();
        let _ = write!(line, "{code} {text}\r\n");
        self.conn.outbox.write(line.as_bytes());
    }

    fn ehlo_reply(&mut self, domain: &str, extended: bool) {
        let mut lines = Vec::new();
        lines.push(format!("{} greets {}", self.config.hostname, domain));
        if extended {
            let c = &self.config;
            let flags = [
                (c.pipelining, "PIPELINING"),
                (c.eight_bit_mime, "8BITMIME"),
                (c.smtputf8, "SMTPUTF8"),
                (c.dsn, "DSN"),
                (c.chunking, "CHUNKING"),
                (c.binary_mime && c.chunking, "BINARYMIME"),
                (c.starttls && !self.conn.is_tls(), "STARTTLS"),
                (c.enhanced_status_codes, "ENHANCEDSTATUSCODES"),
            ];
            lines.push(format!("SIZE {}", c.limits.message_size));
            lines.extend(flags.iter().filter(|f| f.0).map(|f| String::from(f.1)));
            if self.auth_offered() {
                let names: Vec<&str> = self.mechanisms().map(|m| m.name()).collect();
                lines.push(format!("AUTH {}", names.join(" ")));
            }
        }
        let n = lines.len();
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == n { ' ' } else { '-' };
            self.conn
                .outbox
                .write(format!("250{sep}{l}\r\n").as_bytes());
        }
    }

    fn auth_offered(&self) -> bool {
        self.mechanisms().next().is_some()
            && (self.conn.is_tls() || self.config.allow_plaintext_auth)
    }

    fn on_command(&mut self, line: &[u8]) -> Result<Option<Event>, Error> {
        let cmd = match Command::parse(line) {
            Ok(cmd) => cmd,
            Err(e) => {
                self.write_reply(e.code, e.enhanced, e.message);
                return Ok(None);
            }
        };
        match cmd {
            Command::Ehlo(_) | Command::Helo(_) if self.config.lmtp => {
                self.write_reply(500, SYNTAX, "This is LMTP: use LHLO");
                Ok(None)
            }
            Command::Lhlo(_) if !self.config.lmtp => {
                self.write_reply(500, SYNTAX, "Command unrecognized");
                Ok(None)
            }
            Command::Ehlo(domain) | Command::Lhlo(domain) => Ok(Some(self.on_hello(domain, true))),
            Command::Helo(domain) => Ok(Some(self.on_hello(domain, false))),
            Command::StartTls => self.on_starttls(),
            Command::Auth {
                mechanism,
                initial_response,
            } => Ok(self.on_auth(&mechanism, initial_response)),
            Command::MailFrom { from, params } => Ok(self.on_mail(from, params)),
            Command::RcptTo { to, params } => Ok(self.on_rcpt(to, params)),
            Command::Data => {
                self.on_data();
                Ok(None)
            }
            Command::Bdat { size, last } => {
                self.on_bdat(size, last);
                Ok(None)
            }
            Command::Rset => {
                self.txn = None;
                self.write_reply(250, OK, "Reset");
                Ok(Some(Event::Reset))
            }
            Command::Noop => {
                self.write_reply(250, OK, "OK");
                Ok(None)
            }
            // Lists are not disclosed (RFC 5321 §7.3 lets a server refuse).
            Command::Expn(_) => {
                self.write_reply(502, EnhancedCode::new(5, 5, 1), "EXPN not available");
                Ok(None)
            }
            Command::Vrfy(_) => {
                self.write_reply(
                    252,
                    EnhancedCode::new(2, 5, 2),
                    "Cannot VRFY user, but will accept message and attempt delivery",
                );
                Ok(None)
            }
            Command::Help(_) => {
                self.write_reply(214, OK, "See RFC 5321");
                Ok(None)
            }
            Command::Quit => {
                self.write_reply(221, OK, "Bye");
                self.state = State::Closed;
                self.conn.stop();
                Ok(Some(Event::Quit))
            }
        }
    }

    fn on_hello(&mut self, domain: String, extended: bool) -> Event {
        self.txn = None;
        self.hello = true;
        self.ehlo_reply(&domain, extended);
        Event::Hello { extended, domain }
    }

    fn on_starttls(&mut self) -> Result<Option<Event>, Error> {
        if !self.config.starttls || self.conn.is_tls() {
            self.write_reply(502, SEQUENCE, "STARTTLS not available");
            return Ok(None);
        }
        if !self.conn.inbox.is_empty() {
            return Err(ErrorKind::PlaintextAfterUpgrade.into());
        }
        self.write_reply(220, OK, "Ready to start TLS");
        self.state = State::TlsPending;
        self.conn.request_tls();
        Ok(Some(Event::StartTls))
    }

    fn on_auth(&mut self, mechanism: &str, ir: Option<Vec<u8>>) -> Option<Event> {
        if !self.hello || self.authenticated.is_some() || self.txn.is_some() {
            self.write_reply(503, SEQUENCE, "AUTH not allowed now");
            return None;
        }
        let mech = self
            .mechanisms()
            .find(|m| m.name().eq_ignore_ascii_case(mechanism));
        let Some(mech) = mech.filter(|_| self.auth_offered()) else {
            self.write_reply(504, PARAMS, "Unrecognized authentication type");
            return None;
        };
        match (mech, ir) {
            (AuthMechanism::Plain, Some(ir)) => self.auth_line(AuthStage::Plain, &ir),
            (AuthMechanism::Plain, None) => {
                self.challenge(b"", AuthStage::Plain);
                None
            }
            (AuthMechanism::Login, Some(user)) => self.auth_line(AuthStage::LoginUser, &user),
            (AuthMechanism::Login, None) => {
                self.challenge(sasl::LOGIN_USER_CHALLENGE, AuthStage::LoginUser);
                None
            }
            (AuthMechanism::CramMd5, Some(_)) => {
                self.write_reply(501, SYNTAX, "CRAM-MD5 takes no initial response");
                None
            }
            (AuthMechanism::CramMd5, None) => {
                let challenge = format!(
                    "<{}.{}@{}>",
                    self.challenges,
                    self.nonce.unwrap_or_default(),
                    self.config.hostname
                );
                self.challenges += 1;
                let challenge = challenge.into_bytes();
                self.challenge(&challenge.clone(), AuthStage::CramMd5(challenge));
                None
            }
        }
    }

    fn challenge(&mut self, text: &[u8], stage: AuthStage) {
        self.conn.outbox.write(b"334 ");
        self.conn.outbox.write(&sasl::encode_line(text));
        self.conn.outbox.write(b"\r\n");
        self.state = State::AuthLine(stage);
        self.lines.set_max_len(self.config.limits.auth_line);
    }

    /// One decoded client message of an AUTH exchange.
    fn auth_line(&mut self, stage: AuthStage, message: &[u8]) -> Option<Event> {
        self.state = State::Command;
        self.lines.set_max_len(self.config.limits.command_line);
        let utf8 = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
        let request = match stage {
            AuthStage::Plain => sasl::decode_plain(message).ok().and_then(|r| {
                Some(AuthRequest::Plain {
                    authzid: utf8(r.authzid)?,
                    user: utf8(r.user)?,
                    pass: utf8(r.pass)?,
                })
            }),
            AuthStage::LoginUser => {
                let user = utf8(message)?;
                self.challenge(sasl::LOGIN_PASS_CHALLENGE, AuthStage::LoginPass(user));
                return None;
            }
            AuthStage::LoginPass(user) => {
                utf8(message).map(|pass| AuthRequest::Login { user, pass })
            }
            AuthStage::CramMd5(challenge) => {
                sasl::CramMd5Response::parse(message).ok().and_then(|r| {
                    Some(AuthRequest::CramMd5 {
                        user: utf8(r.user)?,
                        challenge,
                        digest: r.digest,
                    })
                })
            }
        };
        let Some(request) = request else {
            self.write_reply(501, SYNTAX, "Malformed authentication response");
            return None;
        };
        self.pending_auth_user = Some(request.user().into());
        self.state = State::Decide(Decision::Auth);
        Some(Event::Auth(request))
    }

    fn on_auth_response(&mut self, stage: AuthStage, line: &[u8]) -> Option<Event> {
        if line == b"*" {
            self.state = State::Command;
            self.lines.set_max_len(self.config.limits.command_line);
            self.write_reply(501, EnhancedCode::new(5, 7, 0), "Authentication cancelled");
            return None;
        }
        match sasl::decode_challenge(line) {
            Ok(message) => self.auth_line(stage, &message),
            Err(_) => {
                self.state = State::Command;
                self.lines.set_max_len(self.config.limits.command_line);
                self.write_reply(501, SYNTAX, "Response is not base64");
                None
            }
        }
    }

    fn on_mail(&mut self, from: String, params: MailParams) -> Option<Event> {
        if !self.hello {
            self.write_reply(503, SEQUENCE, "Send EHLO first");
        } else if self.txn.is_some() {
            self.write_reply(503, SEQUENCE, "Nested MAIL command");
        } else if self.config.require_auth && self.authenticated.is_none() {
            self.write_reply(530, EnhancedCode::new(5, 7, 0), "Authentication required");
        } else if params
            .size
            .is_some_and(|n| n > self.config.limits.message_size)
        {
            self.write_reply(552, TOO_BIG, "Message size exceeds fixed limit");
        } else if !self.mail_params_offered(&params) {
            self.write_reply(555, PARAMS, "Parameter not recognized or not implemented");
        } else {
            self.state = State::Decide(Decision::Mail(from.clone()));
            return Some(Event::MailFrom { from, params });
        }
        None
    }

    fn mail_params_offered(&self, p: &MailParams) -> bool {
        let c = &self.config;
        let body_ok = match p.body {
            None | Some(Body::SevenBit) => true,
            Some(Body::EightBitMime) => c.eight_bit_mime,
            Some(Body::BinaryMime) => c.binary_mime && c.chunking,
        };
        body_ok
            && (!p.smtputf8 || c.smtputf8)
            && (c.dsn || (p.ret.is_none() && p.envid.is_none()))
            && p.other.is_empty()
    }

    fn on_rcpt(&mut self, to: String, params: RcptParams) -> Option<Event> {
        let Some(txn) = &self.txn else {
            self.write_reply(503, SEQUENCE, "Need MAIL before RCPT");
            return None;
        };
        if txn.bdat {
            self.write_reply(503, SEQUENCE, "RCPT after BDAT");
        } else if txn.recipients.len() >= self.config.limits.recipients {
            self.write_reply(452, EnhancedCode::new(4, 5, 3), "Too many recipients");
        } else if !params.other.is_empty()
            || (!self.config.dsn && (params.notify.is_some() || params.orcpt.is_some()))
        {
            self.write_reply(555, PARAMS, "Parameter not recognized or not implemented");
        } else {
            self.state = State::Decide(Decision::Rcpt(to.clone()));
            return Some(Event::RcptTo { to, params });
        }
        None
    }

    /// Why the transaction cannot take message content now, if it cannot.
    fn message_refusal(&self) -> Option<Reply> {
        match &self.txn {
            None => Some(self.build(503, SEQUENCE, "Need MAIL and RCPT first")),
            Some(t) if t.recipients.is_empty() => {
                Some(self.build(554, SEQUENCE, "No valid recipients"))
            }
            Some(_) => None,
        }
    }

    fn on_data(&mut self) {
        if self.txn.as_ref().is_some_and(|t| t.bdat) {
            self.write_reply(503, SEQUENCE, "DATA after BDAT");
            return;
        }
        if let Some(refusal) = self.message_refusal() {
            self.conn.outbox.write(refusal.as_bytes());
            return;
        }
        self.write_plain(354, "End data with <CR><LF>.<CR><LF>");
        self.state = State::Data {
            unstuffer: DotUnstuffer::new(self.config.limits.text_line),
            size: 0,
            refused: None,
            bare_lf: false,
        };
    }

    fn on_bdat(&mut self, size: u64, last: bool) {
        // The chunk's octets follow whatever we answer: read them anyway so
        // the next command is found where it starts.
        let refused = if !self.config.chunking {
            Some(self.build(502, SEQUENCE, "BDAT not available"))
        } else if let Some(r) = self.message_refusal() {
            Some(r)
        } else {
            let t = self.txn.as_mut().expect("checked by message_refusal");
            t.bdat = true;
            t.size = t.size.saturating_add(size);
            if t.size > self.config.limits.message_size {
                Some(self.build(552, TOO_BIG, "Message size exceeds fixed limit"))
            } else {
                None
            }
        };
        if refused.is_some() && self.txn.as_ref().is_some_and(|t| t.bdat) {
            // RFC 3030 §2: a failed BDAT ends the transaction.
            self.txn = None;
        }
        self.state = State::Bdat {
            remaining: size,
            chunk: size,
            last,
            refused,
        };
    }

    fn poll_data(&mut self) -> Result<Next<Event>, Error> {
        let State::Data {
            unstuffer,
            size,
            refused,
            bare_lf,
        } = &mut self.state
        else {
            return Ok(Next::NeedInput);
        };
        loop {
            let piece = unstuffer.next(&mut self.conn.inbox).map_err(|e| {
                let LineError::TooLong { limit } = e;
                (ErrorKind::LineTooLong { limit }).into()
            });
            let piece = match piece {
                Ok(p) => p,
                Err(e) => {
                    let reply = build(&self.config, 500, SYNTAX, "Line too long");
                    self.conn.outbox.write(reply.as_bytes());
                    return Err(e);
                }
            };
            match piece {
                None => return Ok(Next::NeedInput),
                Some(Unstuffed::Data(mut bytes)) => {
                    if refused.is_some() {
                        continue;
                    }
                    // Checked at the end, not here, so that what is handed
                    // out does not depend on how the input was cut.
                    *bare_lf |= unstuffer.bare_line_ends() > 0;
                    let limit = self.config.limits.message_size;
                    let room = limit.saturating_sub(*size);
                    if bytes.len() as u64 > room {
                        // Hand out exactly up to the limit, whatever the
                        // cuts, then read on to the end without keeping.
                        bytes.truncate(room as usize);
                        *size = limit;
                        *refused = Some(build(
                            &self.config,
                            552,
                            TOO_BIG,
                            "Message size exceeds fixed limit",
                        ));
                        if bytes.is_empty() {
                            continue;
                        }
                        return Ok(Next::Event(Event::Data(bytes)));
                    }
                    *size += bytes.len() as u64;
                    return Ok(Next::Event(Event::Data(bytes)));
                }
                Some(Unstuffed::End) => {
                    let size = *size;
                    if refused.is_none() && *bare_lf {
                        *refused = Some(build(
                            &self.config,
                            550,
                            EnhancedCode::new(5, 6, 0),
                            "Bare <LF> received; lines must end with <CR><LF>",
                        ));
                    }
                    if let Some(reply) = refused.take() {
                        self.state = State::Command;
                        self.txn = None;
                        self.conn.outbox.write(reply.as_bytes());
                        return Ok(Next::Event(Event::MessageRejected(reply)));
                    }
                    return Ok(Next::Event(self.message_end(size)));
                }
            }
        }
    }

    fn message_end(&mut self, size: u64) -> Event {
        let remaining = if self.config.lmtp {
            self.recipients().len().max(1)
        } else {
            1
        };
        self.state = State::Decide(Decision::Message { remaining });
        Event::MessageEnd { size }
    }

    fn poll_bdat(&mut self) -> Result<Next<Event>, Error> {
        let State::Bdat {
            remaining,
            chunk,
            last,
            refused,
        } = &mut self.state
        else {
            return Ok(Next::NeedInput);
        };
        if *remaining > 0 {
            let take = (*remaining).min(self.conn.inbox.len() as u64) as usize;
            if take == 0 {
                return Ok(Next::NeedInput);
            }
            let bytes = self.conn.inbox.split_to(take);
            *remaining -= take as u64;
            if refused.is_none() {
                return Ok(Next::Event(Event::Data(bytes)));
            }
            if *remaining > 0 {
                return Ok(Next::NeedInput);
            }
        }
        // The whole chunk is in.
        let (chunk, last, refused) = (*chunk, *last, refused.take());
        self.state = State::Command;
        if let Some(reply) = refused {
            self.conn.outbox.write(reply.as_bytes());
            if reply.code() == 552 {
                return Ok(Next::Event(Event::MessageRejected(reply)));
            }
            return Ok(Next::NeedInput);
        }
        if last {
            let size = self.txn.as_ref().map_or(0, |t| t.size);
            return Ok(Next::Event(self.message_end(size)));
        }
        let text = format!("{chunk} octets received");
        self.write_reply(250, OK, &text);
        Ok(Next::NeedInput)
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        loop {
            match &self.state {
                State::Closed | State::Decide(_) => return Ok(Next::Paused),
                // Plaintext here is refused by the core (`Machine::poll_event`).
                State::TlsPending => return Ok(Next::Paused),
                State::Data { .. } => match self.poll_data()? {
                    Next::NeedInput if !matches!(self.state, State::Data { .. }) => continue,
                    next => return Ok(next),
                },
                State::Bdat { .. } => match self.poll_bdat()? {
                    // The chunk ended without an event: read on.
                    Next::NeedInput if !matches!(self.state, State::Bdat { .. }) => continue,
                    next => return Ok(next),
                },
                State::Command | State::AuthLine(_) => {
                    if let Some(next) = self.poll_command()? {
                        return Ok(next);
                    }
                }
            }
        }
    }

    /// One command line (or AUTH response line), if a whole one is in:
    /// `None` to look again (the state may have changed). Kept out of
    /// [`poll_inner`](Self::poll_inner), which every piece of message
    /// content passes through, so that one stays small.
    #[inline(never)]
    fn poll_command(&mut self) -> Result<Option<Next<Event>>, Error> {
        if self.discarding && !self.skip_long_line() {
            return Ok(Some(Next::NeedInput));
        }
        let line = match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(Some(Next::NeedInput)),
            Err(LineError::TooLong { limit }) => {
                if matches!(self.state, State::AuthLine(_)) {
                    self.write_reply(500, SYNTAX, "Line too long");
                    return Err((ErrorKind::LineTooLong { limit }).into());
                }
                self.discarding = true;
                return Ok(None);
            }
        };
        // Bare LF ends a command line too: Postfix and Exim accept it from
        // old clients, and commands cannot smuggle anything past the reply
        // that follows.
        let event = match core::mem::replace(&mut self.state, State::Command) {
            State::AuthLine(stage) => self.on_auth_response(stage, &line.bytes),
            _ => self.on_command(&line.bytes)?,
        };
        Ok(event.map(Next::Event))
    }

    /// Drops the rest of an over-long command line; true once its end was
    /// found (and answered with `500`).
    fn skip_long_line(&mut self) -> bool {
        match memchr::memchr(b'\n', self.conn.inbox.data()) {
            Some(i) => {
                self.conn.inbox.advance(i + 1);
                self.discarding = false;
                self.write_reply(500, SYNTAX, "Line too long");
                true
            }
            None => {
                let n = self.conn.inbox.len();
                self.conn.inbox.advance(n);
                false
            }
        }
    }
}

fn build(config: &ServerConfig, code: u16, enh: EnhancedCode, text: &str) -> Reply {
    let mut b = Reply::builder(code).line(text);
    if config.enhanced_status_codes {
        b = b.enhanced(enh);
    }
    b.build()
        .unwrap_or_else(|_| Reply::from_raw(code, Bytes::from_static(b"451 \r\n")))
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

    /// Goes on over TLS with a fresh session (RFC 3207 §4.2: the client
    /// must say EHLO again; what it said before is forgotten).
    fn on_tls(&mut self) {
        self.state = State::Command;
        self.hello = false;
        self.txn = None;
        self.authenticated = None;
        self.lines.reset();
    }

    /// Postfix's words for a client that went quiet (RFC 5321 §4.5.3.2.7
    /// gives the server 5 minutes), then the session ends.
    fn on_timeout(&mut self) {
        let text = format!("{} Error: timeout exceeded", self.config.hostname);
        self.write_reply(421, TIMEOUT, &text);
        self.state = State::Closed;
    }
}
