//! The server machine of the control connection.

use super::command::ParseError;
use super::reply::quote_path;
use super::{Command, Error, ErrorKind, Limits, Reply, TransferError, TransferType};
use crate::wire::{Conn, LineError, LineReader, Machine, Next};
use alloc::string::String;
use core::net::{IpAddr, SocketAddr};

/// Where the data connection of the next transfer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataEndpoint {
    /// After PASV or EPSV: accept on the listener the application opened.
    Passive,
    /// After PORT or EPRT: connect to this address (the client's).
    Active(SocketAddr),
}

/// What the server machine asks its application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// USER and PASS came: check them, then [`Server::accept_login`].
    Login {
        /// The user name.
        user: String,
        /// The password (empty when the client sent none).
        pass: String,
    },
    /// PASV (`extended` false) or EPSV: listen on the control connection's
    /// local address, port 0, then [`Server::passive_listening`].
    Passive {
        /// EPSV (answered `229`) rather than PASV (`227`, IPv4 only).
        extended: bool,
    },
    /// A transfer (RETR, STOR, APPE, STOU, LIST, NLST, MLSD): open the
    /// data connection as `data` says, then [`Server::transfer_started`]
    /// (or refuse with [`Server::reply`], e.g. `550`), move the data, and
    /// end with [`Server::transfer_done`].
    Transfer {
        /// The command.
        command: Command,
        /// Where to start (REST), 0 from the beginning.
        offset: u64,
        /// How the data connection is made.
        data: DataEndpoint,
    },
    /// RNFR then RNTO: rename, then answer with [`Server::reply`] (`250`).
    Rename {
        /// RNFR's path.
        from: String,
        /// RNTO's path.
        to: String,
    },
    /// ABOR while a transfer is open: stop it, close the data connection,
    /// and call [`Server::transfer_done`] with
    /// [`TransferError::Aborted`]; the machine sends `426` then `226`.
    Abort,
    /// AUTH TLS: [`Server::accept_tls`] to go ahead (`234`, then the
    /// handshake), or [`Server::reply`] to refuse.
    AuthTls,
    /// Any other command for the application to answer with
    /// [`Server::reply`]: CWD, CDUP, PWD, MKD, RMD, DELE, SIZE, MDTM,
    /// MLST, STAT, SITE, and verbs the machine does not know.
    Command(Command),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Nothing,
    Login,
    Passive { extended: bool },
    TransferStart,
    Transfer { aborting: bool },
    Tls,
    Reply,
}

/// The FTP server machine of the control connection (RFC 959 and the
/// extensions the client speaks).
///
/// It answers what needs no decision itself (NOOP, SYST, TYPE, MODE,
/// STRU, FEAT, OPTS UTF8, REST, PORT/EPRT, QUIT, USER's `331`, `530`
/// before login, `425` for a transfer with no PASV/PORT before it, `503`
/// out of order) and asks the application about the rest with
/// [`Event`]s. One command at a time: later ones wait in the inbox.
///
/// ```
/// use sanswire::ftp::{Server, ServerEvent, Reply};
/// use sanswire::wire::{Machine, Next};
/// let mut s = Server::new("sanswire FTP").unwrap();
/// assert_eq!(s.outbox().take_vec(), b"220 sanswire FTP\r\n");
/// s.receive(b"USER anonymous\r\nPASS guest\r\n");
/// assert!(matches!(s.poll_event(), Ok(Next::Event(ServerEvent::Login { .. }))));
/// s.accept_login(true).unwrap();
/// assert_eq!(s.outbox().take_vec(), b"331 Please specify the password.\r\n230 Login successful.\r\n");
/// ```
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    lines: LineReader,
    limits: Limits,
    awaiting: Awaiting,
    user: Option<String>,
    logged_in: bool,
    data: Option<DataEndpoint>,
    offset: u64,
    rename_from: Option<String>,
    transfer_type: TransferType,
    peer: Option<IpAddr>,
    tls_offered: bool,
    /// PROT P was accepted: data connections go over TLS.
    data_private: bool,
    /// TLS from the first byte (FTPS, port 990).
    implicit_tls: bool,
}

impl Server {
    /// How long a client may stay silent between commands (vsftpd's
    /// idle_session_timeout). Change it with [`Machine::set_timeout`].
    pub const TIMEOUT: core::time::Duration = core::time::Duration::from_secs(300);

    /// How long one command line may take to arrive once begun, however
    /// slowly the client trickles it (slowloris): the same 5 minutes,
    /// then `421 Timeout.`. Change it with
    /// [`Machine::set_message_timeout`].
    pub const COMMAND_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(300);

    /// A server that greets with `220 greeting`.
    pub fn new(greeting: &str) -> Result<Server, Error> {
        Self::with_limits(greeting, Limits::default())
    }

    /// A server with other limits.
    pub fn with_limits(greeting: &str, limits: Limits) -> Result<Server, Error> {
        if !crate::wire::is_safe_argument(greeting.as_bytes()) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        let mut conn = Conn::with_timeout(Self::TIMEOUT);
        conn.set_message_timeout(Some(Self::COMMAND_TIMEOUT));
        conn.outbox.write(Reply::new(220, greeting).raw());
        Ok(Server {
            conn,
            lines: LineReader::new(limits.max_command_line),
            limits,
            awaiting: Awaiting::Nothing,
            user: None,
            logged_in: false,
            data: None,
            offset: 0,
            rename_from: None,
            transfer_type: TransferType::Image,
            peer: None,
            tls_offered: false,
            data_private: false,
            implicit_tls: false,
        })
    }

    /// The control connection's peer: PORT and EPRT naming another host
    /// are refused (`500 Illegal PORT command.`, as vsftpd says: the FTP
    /// bounce attack).
    pub fn set_peer(&mut self, peer: IpAddr) {
        self.peer = Some(peer);
    }

    /// Offer AUTH TLS in FEAT (answer [`Event::AuthTls`] then).
    pub fn set_tls_offered(&mut self, offered: bool) {
        self.tls_offered = offered;
    }

    /// The connection is TLS from its first byte (implicit FTPS, port
    /// 990): AUTH TLS is refused, PBSZ and PROT P are accepted.
    pub fn set_implicit_tls(&mut self) {
        self.implicit_tls = true;
    }

    /// Whether the control connection is TLS (AUTH TLS done, or implicit).
    pub fn is_tls(&self) -> bool {
        self.implicit_tls || self.conn.is_tls()
    }

    /// Whether data connections must be TLS (`PROT P` was accepted): the
    /// application runs the server side of a TLS handshake on each one,
    /// after [`transfer_started`](Self::transfer_started), and should
    /// refuse one that does not resume the control connection's session
    /// with [`TransferError::TlsFailed`] (`522`, as vsftpd's
    /// `require_ssl_reuse`).
    pub fn data_protection(&self) -> super::DataProtection {
        if self.data_private {
            super::DataProtection::Private
        } else {
            super::DataProtection::Clear
        }
    }

    /// The representation type the client asked for (TYPE A or I).
    pub fn transfer_type(&self) -> TransferType {
        self.transfer_type
    }

    /// The user logged in, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref().filter(|_| self.logged_in)
    }

    fn write(&mut self, reply: &Reply) {
        self.conn.outbox.write(reply.raw());
    }

    fn answer(&mut self, code: u16, text: &str) {
        self.write(&Reply::new(code, text));
    }

    fn expect(&mut self, what: Awaiting) -> Result<(), Error> {
        self.conn.check()?;
        if self.awaiting != what {
            return Err(Error::sequence("no such decision is pending"));
        }
        self.awaiting = Awaiting::Nothing;
        Ok(())
    }

    /// Answers the pending [`Event::Login`]: `230` or `530`.
    pub fn accept_login(&mut self, ok: bool) -> Result<(), Error> {
        self.expect(Awaiting::Login)?;
        if ok {
            self.logged_in = true;
            self.answer(230, "Login successful.");
        } else {
            self.user = None;
            self.answer(530, "Login incorrect.");
        }
        Ok(())
    }

    /// Answers the pending [`Event::Passive`] with the address the
    /// application listens on: `227 Entering Passive Mode (h,h,h,h,p,p).`
    /// or `229 Entering Extended Passive Mode (|||port|)`.
    pub fn passive_listening(&mut self, addr: SocketAddr) -> Result<(), Error> {
        let Awaiting::Passive { extended } = self.awaiting else {
            return Err(Error::sequence("no PASV or EPSV is pending"));
        };
        let text = match (extended, addr) {
            (true, _) => alloc::format!("Entering Extended Passive Mode (|||{}|)", addr.port()),
            (false, SocketAddr::V4(a)) => {
                let [h1, h2, h3, h4] = a.ip().octets();
                let (p1, p2) = (a.port() >> 8, a.port() & 0xff);
                alloc::format!("Entering Passive Mode ({h1},{h2},{h3},{h4},{p1},{p2}).")
            }
            (false, SocketAddr::V6(_)) => {
                return Err(Error::invalid("PASV has no IPv6 form: use EPSV"))
            }
        };
        self.awaiting = Awaiting::Nothing;
        self.data = Some(DataEndpoint::Passive);
        self.answer(if extended { 229 } else { 227 }, &text);
        Ok(())
    }

    /// The data connection of the pending [`Event::Transfer`] is open:
    /// `150`. Data may flow now.
    pub fn transfer_started(&mut self) -> Result<(), Error> {
        self.expect(Awaiting::TransferStart)?;
        self.awaiting = Awaiting::Transfer { aborting: false };
        let text = match self.transfer_type {
            TransferType::Ascii => "Opening ASCII mode data connection.",
            TransferType::Image => "Opening BINARY mode data connection.",
        };
        self.answer(150, text);
        Ok(())
    }

    /// Like [`transfer_started`](Self::transfer_started), for STOU: the
    /// name the application picked goes in the `150` as RFC 1123
    /// §4.1.2.9 defines it (`150 FILE: name`, as vsftpd sends it).
    pub fn stou_started(&mut self, name: &str) -> Result<(), Error> {
        if !crate::wire::is_safe_argument(name.as_bytes()) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        self.expect(Awaiting::TransferStart)?;
        self.awaiting = Awaiting::Transfer { aborting: false };
        self.answer(150, &alloc::format!("FILE: {name}"));
        Ok(())
    }

    /// The transfer is over and its data connection closed: `226` on
    /// success, or the failure's code (`425`, `426`, `451`, `550`). After
    /// an [`Event::Abort`], `426` then ABOR's `226`.
    pub fn transfer_done(&mut self, result: Result<(), TransferError>) -> Result<(), Error> {
        self.conn.check()?;
        let aborting = match self.awaiting {
            Awaiting::Transfer { aborting } => aborting,
            // Failing before the 150: the data connection never opened.
            Awaiting::TransferStart if result.is_err() => false,
            _ => return Err(Error::sequence("no transfer is open")),
        };
        self.awaiting = Awaiting::Nothing;
        match (aborting, result) {
            (true, _) => {
                self.answer(426, "Failure writing network stream.");
                self.answer(226, "ABOR successful.");
            }
            (false, Ok(())) => self.answer(226, "Transfer complete."),
            (false, Err(e)) => {
                let (code, text) = match e {
                    TransferError::CannotOpen => (425, "Failed to establish connection."),
                    TransferError::Aborted => (426, "Connection closed; transfer aborted."),
                    TransferError::LocalError => (451, "Local error in processing."),
                    TransferError::Unavailable => (550, "Failed to open file."),
                    TransferError::TlsFailed => {
                        (522, "SSL connection failed: session reuse required.")
                    }
                    TransferError::Other(code) => (code, "Transfer failed."),
                };
                self.answer(code, text);
            }
        }
        Ok(())
    }

    /// Answers the pending [`Event::AuthTls`] with `234`: the driver runs
    /// the TLS handshake next.
    pub fn accept_tls(&mut self) -> Result<(), Error> {
        self.expect(Awaiting::Tls)?;
        if !self.conn.inbox.is_empty() {
            return Err(ErrorKind::PlaintextAfterUpgrade.into());
        }
        self.answer(234, "Proceed with negotiation.");
        self.conn.request_tls();
        Ok(())
    }

    /// Answers the pending [`Event::Command`] or [`Event::Rename`] (or
    /// refuses an [`Event::Transfer`], [`Event::Passive`] or
    /// [`Event::AuthTls`]) with any reply.
    pub fn reply(&mut self, reply: &Reply) -> Result<(), Error> {
        self.conn.check()?;
        match self.awaiting {
            Awaiting::Reply
            | Awaiting::TransferStart
            | Awaiting::Passive { .. }
            | Awaiting::Tls => {}
            _ => return Err(Error::sequence("no command waits for a reply")),
        }
        if self.awaiting == Awaiting::TransferStart {
            self.data = None;
        }
        self.awaiting = Awaiting::Nothing;
        self.write(reply);
        Ok(())
    }

    /// Answers PWD or MKD: `257 "path" text`, the path quoted with `""`.
    pub fn reply_path(&mut self, path: &str, text: &str) -> Result<(), Error> {
        let line = alloc::format!("{} {text}", quote_path(path));
        self.reply(&Reply::new(257, &line))
    }

    fn features(&self) -> Reply {
        let mut lines = alloc::vec![
            "EPRT",
            "EPSV",
            "MDTM",
            "MLST type*;size*;modify*;perm*;",
            "PASV",
            "REST STREAM",
            "SIZE",
            "TVFS",
            "UTF8"
        ];
        if self.tls_offered {
            lines.splice(0..0, ["AUTH TLS", "PBSZ", "PROT"]);
        }
        Reply::multi(211, "Features:", lines, "End")
    }

    fn next_line(&mut self) -> Result<Option<bytes::Bytes>, Error> {
        match self.lines.next_line(&mut self.conn.inbox) {
            Ok(Some(line)) => Ok(Some(line.bytes)),
            Ok(None) if self.conn.inbox.is_eof() => {
                self.conn.stop();
                Ok(None)
            }
            Ok(None) => Ok(None),
            Err(LineError::TooLong { limit }) => {
                self.answer(500, "Command line too long.");
                Err(crate::wire::CommonError::LineTooLong { limit }.into())
            }
        }
    }

    /// While a transfer is open, only ABOR (and the Telnet interrupt
    /// bytes ftplib and others put before it) is read; other commands
    /// wait.
    fn poll_during_transfer(&mut self) -> Result<Next<Event>, Error> {
        let data = self.conn.inbox.data();
        let start = data.iter().take_while(|&&b| b >= 0xf0).count();
        let rest = &data[start..];
        let is_abor = rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"ABOR");
        if !is_abor {
            return Ok(Next::Paused);
        }
        let Some(_line) = self.next_line()? else {
            return Ok(Next::NeedInput);
        };
        self.awaiting = Awaiting::Transfer { aborting: true };
        Ok(Next::Event(Event::Abort))
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        if self.conn.is_closed() || self.conn.tls_pending() {
            return Ok(Next::Paused);
        }
        match self.awaiting {
            Awaiting::Nothing => {}
            Awaiting::Transfer { aborting: false } => return self.poll_during_transfer(),
            _ => {
                if self.conn.inbox.len() > self.limits.max_pipelined_input {
                    self.answer(421, "Too many commands.");
                    return Err(crate::wire::CommonError::TooMuchPipelined {
                        limit: self.limits.max_pipelined_input,
                    }
                    .into());
                }
                return Ok(Next::Paused);
            }
        }
        loop {
            let Some(line) = self.next_line()? else {
                if !self.conn.may_recv() {
                    return Ok(Next::Paused);
                }
                return Ok(Next::NeedInput);
            };
            // Telnet IP and Synch before ABOR (RFC 959 §4.1.3).
            let start = line.iter().take_while(|&&b| b >= 0xf0).count();
            let line = &line[start..];
            match Command::parse(line) {
                Err(ParseError::BadVerb) => self.answer(500, "Unknown command."),
                Err(ParseError::BadArgument) => self.answer(501, "Syntax error in arguments."),
                Ok(cmd) => {
                    if let Some(event) = self.dispatch(cmd) {
                        return Ok(Next::Event(event));
                    }
                    if !self.conn.may_send() {
                        return Ok(Next::Paused);
                    }
                }
            }
        }
    }

    fn ask(&mut self, what: Awaiting, event: Event) -> Option<Event> {
        self.awaiting = what;
        Some(event)
    }

    fn dispatch(&mut self, cmd: Command) -> Option<Event> {
        use Command::*;
        // Commands that any session may send, logged in or not.
        match &cmd {
            Noop => {
                self.answer(200, "NOOP ok.");
                return None;
            }
            Quit => {
                self.answer(221, "Goodbye.");
                self.conn.stop();
                return None;
            }
            Feat => {
                let r = self.features();
                self.write(&r);
                return None;
            }
            Syst => {
                self.answer(215, "UNIX Type: L8");
                return None;
            }
            Opts(o) => {
                if o.eq_ignore_ascii_case("UTF8 ON") || o.eq_ignore_ascii_case("UTF8") {
                    self.answer(200, "Always in UTF8 mode.");
                } else {
                    self.answer(501, "Option not understood.");
                }
                return None;
            }
            Help(_) => {
                self.answer(214, "Help OK.");
                return None;
            }
            User(u) => {
                self.user = Some(u.clone());
                self.logged_in = false;
                self.answer(331, "Please specify the password.");
                return None;
            }
            Pass(p) => {
                let Some(user) = self.user.clone() else {
                    self.answer(503, "Login with USER first.");
                    return None;
                };
                if self.logged_in {
                    self.answer(230, "Already logged in.");
                    return None;
                }
                let pass = p.clone();
                return self.ask(Awaiting::Login, Event::Login { user, pass });
            }
            Auth(m) => {
                if self.tls_offered
                    && (m.eq_ignore_ascii_case("TLS") || m.eq_ignore_ascii_case("SSL"))
                    && !self.is_tls()
                {
                    return self.ask(Awaiting::Tls, Event::AuthTls);
                }
                self.answer(504, "Unknown AUTH type.");
                return None;
            }
            Pbsz(_) => {
                if self.is_tls() {
                    self.answer(200, "PBSZ set to 0.");
                } else {
                    self.answer(503, "PBSZ needs a secure connection.");
                }
                return None;
            }
            Prot(p) => {
                match p {
                    b'C' => {
                        self.data_private = false;
                        self.answer(200, "PROT now Clear.");
                    }
                    b'P' if self.is_tls() => {
                        self.data_private = true;
                        self.answer(200, "PROT now Private.");
                    }
                    b'P' => self.answer(503, "PROT needs a secure connection."),
                    _ => self.answer(536, "PROT level not supported."),
                }
                return None;
            }
            _ => {}
        }
        if !self.logged_in {
            self.answer(530, "Please login with USER and PASS.");
            return None;
        }
        if !matches!(cmd, Rnto(_)) && !matches!(cmd, Rest(_)) {
            // RNFR must be followed by RNTO.
            if !matches!(cmd, Rnfr(_)) {
                self.rename_from = None;
            }
        }
        match cmd {
            Type(t) => {
                self.transfer_type = t;
                let text = match t {
                    TransferType::Ascii => "Switching to ASCII mode.",
                    TransferType::Image => "Switching to Binary mode.",
                };
                self.answer(200, text);
                None
            }
            Mode(m) => {
                match m {
                    b'S' => self.answer(200, "Mode set to S."),
                    _ => self.answer(504, "Bad MODE command."),
                }
                None
            }
            Stru(s) => {
                match s {
                    b'F' => self.answer(200, "Structure set to F."),
                    _ => self.answer(504, "Bad STRU command."),
                }
                None
            }
            Rest(n) => {
                self.offset = n;
                self.answer(350, &alloc::format!("Restart position accepted ({n})."));
                None
            }
            Pasv => self.ask(
                Awaiting::Passive { extended: false },
                Event::Passive { extended: false },
            ),
            Epsv => self.ask(
                Awaiting::Passive { extended: true },
                Event::Passive { extended: true },
            ),
            Port(a) => {
                self.active(
                    SocketAddr::V4(a),
                    "PORT command successful. Consider using PASV.",
                );
                None
            }
            Eprt(a) => {
                self.active(a, "EPRT command successful. Consider using EPSV.");
                None
            }
            Rnfr(from) => {
                self.rename_from = Some(from);
                self.answer(350, "Ready for RNTO.");
                None
            }
            Rnto(to) => match self.rename_from.take() {
                Some(from) => self.ask(Awaiting::Reply, Event::Rename { from, to }),
                None => {
                    self.answer(503, "RNFR required first.");
                    None
                }
            },
            Abor => {
                self.answer(225, "No transfer to ABOR.");
                None
            }
            cmd if cmd.is_transfer() => {
                let offset = core::mem::take(&mut self.offset);
                match self.data.take() {
                    Some(data) => self.ask(
                        Awaiting::TransferStart,
                        Event::Transfer {
                            command: cmd,
                            offset,
                            data,
                        },
                    ),
                    None => {
                        self.answer(425, "Use PORT or PASV first.");
                        None
                    }
                }
            }
            cmd => self.ask(Awaiting::Reply, Event::Command(cmd)),
        }
    }

    fn active(&mut self, addr: SocketAddr, ok: &str) {
        if self.peer.is_some_and(|p| p != addr.ip()) || addr.port() < 1024 {
            self.answer(500, "Illegal PORT command.");
            return;
        }
        self.data = Some(DataEndpoint::Active(addr));
        self.answer(200, ok);
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
        self.lines.reset();
    }

    fn on_timeout(&mut self) {
        self.answer(421, "Timeout.");
    }
}
