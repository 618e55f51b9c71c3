//! The client machine of the control connection.

use super::command::active_command;
use super::reply::{parse_epsv, parse_pasv, parse_quoted_path, parse_size};
use super::{
    Command, DataPlan, DataProtection, DataTarget, Error, ErrorKind, Features, Limits, Reply,
    Timestamp, TransferType,
};
use crate::wire::{
    CommandId, CommandIds, CommandQueue, Conn, Correlate, Gate, Machine, MultiLine, Next, Part,
};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{SocketAddr, SocketAddrV4};

/// What the client machine reports. Each call ends with one event (a
/// transfer with [`TransferDone`](Event::TransferDone),
/// [`TransferFailed`](Event::TransferFailed) or
/// [`Aborted`](Event::Aborted), after [`Data`](Event::Data) and
/// [`TransferStarted`](Event::TransferStarted)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The server's `220` greeting (a `120` "ready in n minutes" before it
    /// is skipped).
    Greeting(Reply),
    /// Logged in: `230` (or `202`: no password needed).
    LoggedIn(Reply),
    /// The login was refused (`530`, `331` then `530`, an ACCT needed and
    /// none given, ...).
    LoginRefused(Reply),
    /// FEAT's answer: what the server offers (none, for a server that does
    /// not know FEAT).
    Features(Features),
    /// PWD's or MKD's `257`, with the path unquoted.
    Directory {
        /// The path, `""` unescaped.
        path: String,
        /// The reply.
        reply: Reply,
    },
    /// SIZE's `213`.
    Size(u64),
    /// MDTM's `213`.
    Modified(Timestamp),
    /// The reply to any other command, or a refusal of PWD, MKD, SIZE,
    /// MDTM: the caller judges the code. A `421` (the server is closing)
    /// comes as this too, with [`Verb::Closing`], and closes the machine.
    Reply {
        /// Which command it answers.
        command: Verb,
        /// The reply.
        reply: Reply,
    },
    /// A transfer needs a data connection: do what the plan says.
    Data(DataPlan),
    /// The server started the transfer (`125`/`150`): in active mode,
    /// accept its connection now. Data may also have arrived before this.
    TransferStarted(Reply),
    /// The transfer is complete: the data side finished
    /// ([`Client::data_finished`]) and the final reply (`226`/`250`) came,
    /// in whichever order.
    TransferDone(Reply),
    /// The transfer failed (`425`, `426`, `451`, `550`, ...; see
    /// [`TransferError`](super::TransferError)): drop the data connection.
    TransferFailed(Reply),
    /// ABOR was answered (the last reply of the two the server sends).
    Aborted(Reply),
    /// `234`: the server agreed to AUTH TLS; run the handshake now
    /// ([`Machine::transport`] says so), then call
    /// [`Machine::tls_established`].
    TlsGoAhead(Reply),
}

/// The single commands whose replies come back as [`Event::Reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verb {
    /// `CWD`.
    Cwd,
    /// `CDUP`.
    Cdup,
    /// `PWD` (refused).
    Pwd,
    /// `MKD` (refused).
    Mkd,
    /// `RMD`.
    Rmd,
    /// `DELE`.
    Dele,
    /// `RNFR` and `RNTO`: the refusal of either, or RNTO's success.
    Rename,
    /// `SIZE` (refused).
    Size,
    /// `MDTM` (refused).
    Mdtm,
    /// `MLST`: the entry is in the reply's middle line.
    Mlst,
    /// `SITE`.
    Site,
    /// `STAT`.
    Stat,
    /// `SYST`.
    Syst,
    /// `TYPE`.
    Type,
    /// `MODE`.
    Mode,
    /// `STRU`.
    Stru,
    /// `OPTS`.
    Opts,
    /// `HELP`.
    Help,
    /// `NOOP`.
    Noop,
    /// `AUTH TLS`, refused.
    Auth,
    /// `PBSZ`.
    Pbsz,
    /// `PROT`.
    Prot,
    /// `QUIT`; the machine is closed after its reply.
    Quit,
    /// A command sent with [`Client::command`].
    Raw,
    /// A `421`: the server is closing the connection.
    Closing,
}

/// A reply the client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    User,
    Pass,
    Acct,
    Feat,
    Pwd,
    Mkd,
    Size,
    Mdtm,
    Rnfr,
    Single(Verb),
    Epsv,
    Pasv,
    Port {
        extended: bool,
    },
    Rest,
    /// TYPE sent by the machine before a transfer.
    TransferType(TransferType),
    /// TYPE sent by the machine before SIZE: no event of its own.
    QuietType(TransferType),
    Transfer,
    TransferEnd,
    Abor,
    AuthTls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// EPSV, PASV in flight (or, in active mode, the Listen plan queued).
    Planning,
    /// The plan was handed out: waiting for `data_ready`/`data_listening`.
    Waiting,
    /// EPRT/PORT, REST or the command sent, no 1xx yet.
    Commanded,
    /// 1xx received: data flowing, final reply to come.
    Open,
    /// The final positive reply came; the data side has not finished.
    Finished,
}

#[derive(Debug)]
struct Transfer {
    line: Vec<u8>,
    rest: Option<u64>,
    active: Option<SocketAddr>,
    stage: Stage,
    data_done: bool,
    final_reply: Option<Reply>,
    aborting: bool,
}

#[derive(Debug, Default)]
struct Login {
    pass: Vec<u8>,
    acct: Option<Vec<u8>>,
}

/// The FTP client machine of the control connection (RFC 959, with FEAT,
/// EPSV/EPRT, MLST/MLSD, SIZE, MDTM, REST STREAM and AUTH TLS).
///
/// It greets, then does one thing at a time: each call is refused with
/// [`ErrorKind::OutOfSequence`] while an earlier one waits for its event.
/// Transfers plan their data connection with the caller (see
/// [`DataPlan`]) and complete only when both the data side and the final
/// reply are done.
///
/// ```
/// use sanswire::ftp::{Client, DataPlan, DataTarget, Event};
/// use sanswire::wire::{Machine, Next};
/// let mut c = Client::new();
/// c.receive(b"220 ready\r\n");
/// assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
/// c.retr("a.txt").unwrap();
/// assert_eq!(c.outbox().take_vec(), b"TYPE I\r\n");
/// c.receive(b"200 Switching to Binary mode.\r\n");
/// assert_eq!(c.poll_event(), Ok(Next::NeedInput));
/// assert_eq!(c.outbox().take_vec(), b"EPSV\r\n");
/// c.receive(b"229 Entering Extended Passive Mode (|||5001|)\r\n");
/// assert_eq!(c.poll_event(), Ok(Next::Event(Event::Data(DataPlan::Connect(DataTarget::Peer { port: 5001 })))));
/// c.data_ready().unwrap(); // connected
/// assert_eq!(c.outbox().take_vec(), b"RETR a.txt\r\n");
/// // The final reply may come before the data is read: it is kept.
/// c.receive(b"150 Opening\r\n226 Done\r\n");
/// assert!(matches!(c.poll_event(), Ok(Next::Event(Event::TransferStarted(_)))));
/// assert_eq!(c.poll_event(), Ok(Next::Paused));
/// c.data_finished().unwrap(); // the data connection reached its end
/// assert!(matches!(c.poll_event(), Ok(Next::Event(Event::TransferDone(_)))));
/// ```
#[derive(Debug)]
pub struct Client {
    conn: Conn<Error>,
    framer: MultiLine,
    queue: CommandQueue<Expect>,
    ids: CommandIds,
    call: Option<CommandId>,
    replying: Option<CommandId>,
    greeted: bool,
    features: Option<Box<Features>>,
    // Boxed: a transfer is rare next to idle time.
    transfer: Option<Box<Transfer>>,
    login: Option<Box<Login>>,
    rename_to: Option<Vec<u8>>,
    pending: Option<Event>,
    /// The representation type the server has, when known.
    server_type: Option<TransferType>,
    /// The type a TYPE sent with `set_type` asked for.
    requested_type: Option<TransferType>,
    /// The type files are moved in (listings always go in TYPE A).
    file_type: TransferType,
    passive: bool,
    active_ip: Option<core::net::IpAddr>,
    use_epsv: bool,
    use_eprt: bool,
    trust_pasv_host: bool,
    require_tls: bool,
    tls_pending: bool,
    /// PROT P was asked for (`Some(true)`) or PROT C, reply pending.
    prot_requested: Option<bool>,
    /// The server agreed to PROT P: data connections go over TLS.
    data_private: bool,
    /// The connection is TLS from its first byte (FTPS, port 990).
    implicit_tls: bool,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// How long the server may stay silent while the client waits for a
    /// reply. Change it with [`Machine::set_timeout`].
    pub const TIMEOUT: core::time::Duration = core::time::Duration::from_secs(600);

    /// A client with the default limits: passive mode, EPSV first.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A client with other limits.
    pub fn with_limits(limits: Limits) -> Self {
        let mut queue = CommandQueue::new();
        // The machine paces its own commands: what it queues may go.
        queue.set_pipelining(true);
        queue.push_with_id(Expect::Greeting, CommandId::CONNECTION, Gate::Pipelined, []);
        queue.release(&mut crate::wire::Outbox::new());
        Client {
            conn: Conn::with_timeout(Self::TIMEOUT),
            framer: MultiLine::rfc959(limits.max_reply_line, limits.max_reply_lines),
            queue,
            ids: CommandIds::default(),
            call: None,
            replying: None,
            greeted: false,
            features: None,
            transfer: None,
            login: None,
            rename_to: None,
            pending: None,
            server_type: None,
            requested_type: None,
            file_type: TransferType::Image,
            passive: true,
            active_ip: None,
            use_epsv: true,
            use_eprt: true,
            trust_pasv_host: false,
            require_tls: false,
            tls_pending: false,
            prot_requested: None,
            data_private: false,
            implicit_tls: false,
        }
    }

    /// Passive (the default: the client connects) or active mode (the
    /// client listens, PORT/EPRT; curl's `--ftp-port`).
    pub fn set_passive(&mut self, passive: bool) {
        self.passive = passive;
    }

    /// Active mode, listening on `ip` (curl's `--ftp-port ADDR`), or on
    /// the control connection's local address when `None`: a hint for
    /// the driver, which binds the listener ([`DataPlan::Listen`]).
    pub fn set_active(&mut self, ip: Option<core::net::IpAddr>) {
        self.passive = false;
        self.active_ip = ip;
    }

    /// The address to listen on in active mode, if the caller named one.
    pub fn active_address(&self) -> Option<core::net::IpAddr> {
        self.active_ip
    }

    /// The type files are moved in (default [`TransferType::Image`]; TYPE
    /// A asks the server to convert line ends, and the caller converts
    /// on its side with [`AsciiDecoder`](super::AsciiDecoder) and
    /// [`AsciiEncoder`](super::AsciiEncoder)). Listings always go in
    /// TYPE A. The machine sends TYPE before a transfer when the server's
    /// type differs, as libcurl does.
    pub fn set_file_type(&mut self, t: TransferType) {
        self.file_type = t;
    }

    /// Whether the client is in passive mode.
    pub fn is_passive(&self) -> bool {
        self.passive
    }

    /// Whether to try EPSV before PASV (default on; turned off by itself
    /// once the server refuses EPSV).
    pub fn set_epsv(&mut self, on: bool) {
        self.use_epsv = on;
    }

    /// Whether to try EPRT before PORT in active mode (default on; off by
    /// itself once refused).
    pub fn set_eprt(&mut self, on: bool) {
        self.use_eprt = on;
    }

    /// Whether to connect to the host a PASV reply names (default off:
    /// the control connection's peer is used, see [`DataTarget::Peer`]).
    pub fn set_trust_pasv_host(&mut self, trust: bool) {
        self.trust_pasv_host = trust;
    }

    /// Never go on in plaintext (curl's `--ssl-reqd`): login and
    /// transfers are refused until AUTH TLS succeeded, and a refused AUTH
    /// TLS fails the machine with [`ErrorKind::TlsUnavailable`].
    pub fn set_require_tls(&mut self, required: bool) {
        self.require_tls = required;
    }

    /// How the next data connection must be made (RFC 4217): in the
    /// clear, or, once the server agreed to `PROT P`, with a TLS client
    /// handshake that resumes the control connection's session, which
    /// vsftpd (`require_ssl_reuse`, its default) and others demand. The
    /// handshake comes after the data connection is open (passive: after
    /// the connect; active: after the accept), before any data.
    pub fn data_protection(&self) -> DataProtection {
        if self.data_private {
            DataProtection::Private
        } else {
            DataProtection::Clear
        }
    }

    /// The connection is TLS from its first byte (implicit FTPS, port
    /// 990): AUTH TLS is not sent, PBSZ and PROT P may follow at once.
    pub fn set_implicit_tls(&mut self) {
        self.implicit_tls = true;
    }

    /// Whether the control connection is TLS (AUTH TLS done, or implicit).
    pub fn is_tls(&self) -> bool {
        self.implicit_tls || self.conn.is_tls()
    }

    /// What FEAT said, once [`Event::Features`] was handed out.
    pub fn features(&self) -> Option<&Features> {
        self.features.as_deref()
    }

    /// Whether the greeting came and no call waits for its event.
    pub fn is_idle(&self) -> bool {
        self.greeted
            && self.queue.is_empty()
            && self.transfer.is_none()
            && self.pending.is_none()
            && !self.tls_pending
            && !self.conn.is_closed()
    }

    /// Whether a transfer is under way (planned, open, or finishing).
    pub fn in_transfer(&self) -> bool {
        self.transfer.is_some()
    }

    fn ensure_idle(&self) -> Result<(), Error> {
        self.conn.check()?;
        if !self.is_idle() {
            return Err(Error::sequence("the client is not idle"));
        }
        Ok(())
    }

    fn ensure_secure(&self) -> Result<(), Error> {
        if self.require_tls && !self.is_tls() {
            return Err(Error::sequence("TLS is required: AUTH TLS first"));
        }
        Ok(())
    }

    fn new_call(&mut self) -> CommandId {
        let id = self.ids.next_id();
        self.call = Some(id);
        id
    }

    /// The call waiting for its event, if any.
    pub fn in_flight(&self) -> Option<CommandId> {
        self.call
    }

    fn send(&mut self, line: Vec<u8>, expect: Expect) {
        self.queue
            .push_parts(expect, Gate::Pipelined, [Part::Text(line)]);
        self.queue.release(&mut self.conn.outbox);
    }

    fn send_cmd(&mut self, cmd: &Command, expect: Expect) -> Result<(), Error> {
        let line = cmd.to_line()?;
        self.send(line, expect);
        Ok(())
    }

    fn expect_more(&mut self, expect: Expect) {
        self.queue.push_parts(expect, Gate::Pipelined, []);
        self.queue.release(&mut self.conn.outbox);
    }

    // ---- login and single commands ----

    /// `USER`, then `PASS` if asked for (`331`), then `ACCT` if asked for
    /// (`332`) and given. Ends with [`Event::LoggedIn`] or
    /// [`Event::LoginRefused`]. Anonymous login is `login("anonymous",
    /// "guest@", None)`.
    pub fn login(
        &mut self,
        user: &str,
        pass: &str,
        acct: Option<&str>,
    ) -> Result<CommandId, Error> {
        self.ensure_idle()?;
        self.ensure_secure()?;
        let user_line = Command::User(user.into()).to_line()?;
        if user.contains(' ') {
            return Err(Error::invalid("a user name with a space"));
        }
        let pass = Command::Pass(pass.into()).to_line()?;
        let acct = acct
            .map(|a| Command::Acct(a.into()).to_line())
            .transpose()?;
        self.login = Some(Box::new(Login { pass, acct }));
        self.send(user_line, Expect::User);
        Ok(self.new_call())
    }

    fn single(&mut self, cmd: Command, expect: Expect) -> Result<CommandId, Error> {
        self.ensure_idle()?;
        if let Command::Type(t) = cmd {
            // Known once the server agrees (see `handle`).
            self.server_type = None;
            self.requested_type = Some(t);
        }
        self.send_cmd(&cmd, expect)?;
        Ok(self.new_call())
    }

    /// `FEAT`: ends with [`Event::Features`].
    pub fn feat(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Feat, Expect::Feat)
    }

    /// `OPTS UTF8 ON` (RFC 2640).
    pub fn utf8_on(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Opts("UTF8 ON".into()), Expect::Single(Verb::Opts))
    }

    /// `SYST`.
    pub fn syst(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Syst, Expect::Single(Verb::Syst))
    }

    /// `TYPE A` or `TYPE I`.
    pub fn set_type(&mut self, t: TransferType) -> Result<CommandId, Error> {
        self.single(Command::Type(t), Expect::Single(Verb::Type))
    }

    /// `MODE S`: the only mode there is in practice.
    pub fn mode_stream(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Mode(b'S'), Expect::Single(Verb::Mode))
    }

    /// `STRU F`.
    pub fn stru_file(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Stru(b'F'), Expect::Single(Verb::Stru))
    }

    /// `CWD path`.
    pub fn cwd(&mut self, path: &str) -> Result<CommandId, Error> {
        self.single(Command::Cwd(path.into()), Expect::Single(Verb::Cwd))
    }

    /// `CDUP`.
    pub fn cdup(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Cdup, Expect::Single(Verb::Cdup))
    }

    /// `PWD`: ends with [`Event::Directory`] (or a refusal).
    pub fn pwd(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Pwd, Expect::Pwd)
    }

    /// `MKD path`: ends with [`Event::Directory`] (or a refusal).
    pub fn mkd(&mut self, path: &str) -> Result<CommandId, Error> {
        self.single(Command::Mkd(path.into()), Expect::Mkd)
    }

    /// `RMD path`.
    pub fn rmd(&mut self, path: &str) -> Result<CommandId, Error> {
        self.single(Command::Rmd(path.into()), Expect::Single(Verb::Rmd))
    }

    /// `DELE path`.
    pub fn dele(&mut self, path: &str) -> Result<CommandId, Error> {
        self.single(Command::Dele(path.into()), Expect::Single(Verb::Dele))
    }

    /// `RNFR from`, then `RNTO to` once the server says `350`; ends with
    /// [`Event::Reply`] for [`Verb::Rename`] (RNTO's reply, or the
    /// refusal of RNFR).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<CommandId, Error> {
        self.ensure_idle()?;
        let to = Command::Rnto(to.into()).to_line()?;
        let from = Command::Rnfr(from.into()).to_line()?;
        self.rename_to = Some(to);
        self.send(from, Expect::Rnfr);
        Ok(self.new_call())
    }

    /// `SIZE path`: ends with [`Event::Size`] (or a refusal). TYPE I
    /// goes first when the server may be in TYPE A, where sizes are not
    /// the file's (pyftpdlib and vsftpd refuse SIZE there; curl does the
    /// same).
    pub fn size(&mut self, path: &str) -> Result<CommandId, Error> {
        self.ensure_idle()?;
        let line = Command::Size(path.into()).to_line()?;
        if self.server_type != Some(TransferType::Image) {
            let t = TransferType::Image;
            self.send_cmd(&Command::Type(t), Expect::QuietType(t))?;
        }
        self.send(line, Expect::Size);
        Ok(self.new_call())
    }

    /// `MDTM path`: ends with [`Event::Modified`] (or a refusal).
    pub fn mdtm(&mut self, path: &str) -> Result<CommandId, Error> {
        self.single(Command::Mdtm(path.into()), Expect::Mdtm)
    }

    /// `MLST [path]`: the facts come in the reply (read them with
    /// [`parse_mlst_reply`](super::parse_mlst_reply)).
    pub fn mlst(&mut self, path: Option<&str>) -> Result<CommandId, Error> {
        self.single(
            Command::Mlst(path.map(String::from)),
            Expect::Single(Verb::Mlst),
        )
    }

    /// `SITE command`.
    pub fn site(&mut self, command: &str) -> Result<CommandId, Error> {
        self.single(Command::Site(command.into()), Expect::Single(Verb::Site))
    }

    /// `STAT [path]`.
    pub fn stat(&mut self, path: Option<&str>) -> Result<CommandId, Error> {
        self.single(
            Command::Stat(path.map(String::from)),
            Expect::Single(Verb::Stat),
        )
    }

    /// `HELP [topic]`.
    pub fn help(&mut self, topic: Option<&str>) -> Result<CommandId, Error> {
        self.single(
            Command::Help(topic.map(String::from)),
            Expect::Single(Verb::Help),
        )
    }

    /// `NOOP`.
    pub fn noop(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Noop, Expect::Single(Verb::Noop))
    }

    /// `QUIT`; after its reply the machine is closed.
    pub fn quit(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Quit, Expect::Single(Verb::Quit))
    }

    /// `PBSZ 0` (RFC 4217 §9, after AUTH TLS).
    pub fn pbsz(&mut self) -> Result<CommandId, Error> {
        self.single(Command::Pbsz(0), Expect::Single(Verb::Pbsz))
    }

    /// `PROT P` (private) or `PROT C` (clear).
    pub fn prot(&mut self, private: bool) -> Result<CommandId, Error> {
        let level = if private { b'P' } else { b'C' };
        if private && !self.is_tls() {
            return Err(Error::sequence(
                "PROT P needs TLS on the control connection",
            ));
        }
        let id = self.single(Command::Prot(level), Expect::Single(Verb::Prot))?;
        self.prot_requested = Some(private);
        Ok(id)
    }

    /// `AUTH TLS` (RFC 4217): ends with [`Event::TlsGoAhead`] (then run
    /// the handshake), or the refusal as [`Event::Reply`] for
    /// [`Verb::Auth`] (with [`set_require_tls`](Self::set_require_tls):
    /// the error [`ErrorKind::TlsUnavailable`]).
    pub fn auth_tls(&mut self) -> Result<CommandId, Error> {
        if self.is_tls() {
            return Err(Error::sequence("TLS is already active"));
        }
        self.single(Command::Auth("TLS".into()), Expect::AuthTls)
    }

    /// Any command that opens no data connection, for its reply
    /// ([`Event::Reply`] with [`Verb::Raw`]).
    pub fn command(&mut self, cmd: Command) -> Result<CommandId, Error> {
        if cmd.is_transfer()
            || matches!(
                cmd,
                Command::Pasv
                    | Command::Epsv
                    | Command::Port(_)
                    | Command::Eprt(_)
                    | Command::Rest(_)
                    | Command::Auth(_)
                    | Command::Abor
            )
        {
            return Err(Error::invalid("use the transfer and TLS calls"));
        }
        self.single(cmd, Expect::Single(Verb::Raw))
    }

    // ---- transfers ----

    /// `RETR path`: download.
    pub fn retr(&mut self, path: &str) -> Result<CommandId, Error> {
        self.transfer(Command::Retr(path.into()), None)
    }

    /// `REST offset` then `RETR path`: resume a download from `offset`.
    pub fn retr_from(&mut self, path: &str, offset: u64) -> Result<CommandId, Error> {
        self.transfer(Command::Retr(path.into()), Some(offset).filter(|&o| o > 0))
    }

    /// `STOR path`: upload (write the data, then finish and close the
    /// data connection, then call [`data_finished`](Self::data_finished)).
    pub fn stor(&mut self, path: &str) -> Result<CommandId, Error> {
        self.transfer(Command::Stor(path.into()), None)
    }

    /// `REST offset` then `STOR path`: resume an upload at `offset`.
    pub fn stor_from(&mut self, path: &str, offset: u64) -> Result<CommandId, Error> {
        self.transfer(Command::Stor(path.into()), Some(offset).filter(|&o| o > 0))
    }

    /// `APPE path`: append.
    pub fn appe(&mut self, path: &str) -> Result<CommandId, Error> {
        self.transfer(Command::Appe(path.into()), None)
    }

    /// `STOU`: store under a name the server picks (in its 1xx or final
    /// reply).
    pub fn stou(&mut self) -> Result<CommandId, Error> {
        self.transfer(Command::Stou, None)
    }

    /// `LIST [path]`: the server's listing (parse it with
    /// [`list::parse_list_line`](super::list::parse_list_line)).
    pub fn list(&mut self, path: Option<&str>) -> Result<CommandId, Error> {
        self.transfer(Command::List(path.map(String::from)), None)
    }

    /// `NLST [path]`: names, one a line.
    pub fn nlst(&mut self, path: Option<&str>) -> Result<CommandId, Error> {
        self.transfer(Command::Nlst(path.map(String::from)), None)
    }

    /// `MLSD [path]`: machine-readable listing (RFC 3659).
    pub fn mlsd(&mut self, path: Option<&str>) -> Result<CommandId, Error> {
        self.transfer(Command::Mlsd(path.map(String::from)), None)
    }

    fn transfer(&mut self, cmd: Command, rest: Option<u64>) -> Result<CommandId, Error> {
        self.ensure_idle()?;
        self.ensure_secure()?;
        let line = cmd.to_line()?;
        let listing = matches!(cmd, Command::List(_) | Command::Nlst(_) | Command::Mlsd(_));
        let wanted = if listing {
            TransferType::Ascii
        } else {
            self.file_type
        };
        self.transfer = Some(Box::new(Transfer {
            line,
            rest,
            active: None,
            stage: Stage::Planning,
            data_done: false,
            final_reply: None,
            aborting: false,
        }));
        if self.server_type == Some(wanted) {
            self.start_plan()?;
        } else {
            self.send_cmd(&Command::Type(wanted), Expect::TransferType(wanted))?;
        }
        Ok(self.new_call())
    }

    /// The data connection's plan: EPSV (or PASV) in passive mode, the
    /// Listen plan in active mode.
    fn start_plan(&mut self) -> Result<(), Error> {
        if !self.passive {
            self.pending = Some(Event::Data(DataPlan::Listen));
            Ok(())
        } else if self.use_epsv {
            self.send_cmd(&Command::Epsv, Expect::Epsv)
        } else {
            self.send_cmd(&Command::Pasv, Expect::Pasv)
        }
    }

    fn waiting_transfer(&mut self, active: bool) -> Result<&mut Transfer, Error> {
        self.conn.check()?;
        let passive = self.passive;
        match self.transfer.as_deref_mut() {
            Some(t) if t.stage == Stage::Waiting && passive != active => Ok(t),
            _ => Err(Error::sequence("no data connection is being planned")),
        }
    }

    /// Passive mode: the data connection is open (after
    /// [`DataPlan::Connect`]); sends REST (if resuming) and the transfer
    /// command.
    pub fn data_ready(&mut self) -> Result<(), Error> {
        self.waiting_transfer(false)?.stage = Stage::Commanded;
        self.send_transfer_command();
        Ok(())
    }

    /// Active mode: the caller listens on `addr` (after
    /// [`DataPlan::Listen`]); sends EPRT (or PORT), then REST and the
    /// transfer command.
    pub fn data_listening(&mut self, addr: SocketAddr) -> Result<(), Error> {
        let t = self.waiting_transfer(true)?;
        t.stage = Stage::Commanded;
        t.active = Some(addr);
        let extended = self.use_eprt || !addr.is_ipv4();
        self.send_cmd(&active_command(addr, extended), Expect::Port { extended })
    }

    fn send_transfer_command(&mut self) {
        let Some(t) = self.transfer.as_deref_mut() else {
            return;
        };
        match t.rest.take() {
            Some(offset) => {
                let line = alloc::format!("REST {offset}\r\n").into_bytes();
                self.send(line, Expect::Rest);
            }
            None => {
                let line = core::mem::take(&mut t.line);
                self.send(line, Expect::Transfer);
            }
        }
    }

    /// The data side of the transfer is done: the download reached its
    /// end of stream, or the upload was all written and the connection
    /// closed. The transfer completes once the final reply is in too.
    pub fn data_finished(&mut self) -> Result<(), Error> {
        self.conn.check()?;
        let Some(t) = self.transfer.as_deref_mut() else {
            return Err(Error::sequence("no transfer is under way"));
        };
        if matches!(t.stage, Stage::Planning | Stage::Waiting) {
            return Err(Error::sequence("the transfer command was not sent"));
        }
        t.data_done = true;
        if let Some(reply) = t.final_reply.take() {
            self.transfer = None;
            self.pending = Some(Event::TransferDone(reply));
        }
        Ok(())
    }

    /// `ABOR` (RFC 959 §4.1.3) for a transfer the server started: close
    /// the data connection; ends with [`Event::Aborted`] once both replies
    /// (the transfer's `426` or `226`, then ABOR's `226`/`225`) came.
    pub fn abort(&mut self) -> Result<(), Error> {
        self.conn.check()?;
        match self.transfer.as_deref_mut() {
            Some(t) if t.stage == Stage::Open && !t.aborting => t.aborting = true,
            Some(t) if t.stage == Stage::Finished => {
                // The final reply is in: nothing to abort on the wire.
                let reply = t.final_reply.take();
                self.transfer = None;
                self.pending = reply.map(Event::Aborted);
                return Ok(());
            }
            _ => return Err(Error::sequence("no started transfer to abort")),
        }
        self.send_cmd(&Command::Abor, Expect::Abor)
    }

    // ---- replies ----

    fn handle(&mut self, expect: Expect, reply: Reply) -> Result<Option<Event>, Error> {
        let code = reply.code();
        Ok(match expect {
            Expect::Greeting => match code {
                120 => {
                    // "Ready in n minutes": the 220 follows.
                    self.queue.push_with_id(
                        Expect::Greeting,
                        CommandId::CONNECTION,
                        Gate::Pipelined,
                        [],
                    );
                    self.queue.release(&mut self.conn.outbox);
                    None
                }
                220 => {
                    self.greeted = true;
                    Some(Event::Greeting(reply))
                }
                _ => return Err(Error::refused(reply)),
            },
            Expect::User | Expect::Pass | Expect::Acct => self.on_login(expect, reply),
            Expect::Feat => {
                let f = Features::from_reply(&reply);
                self.features = Some(Box::new(f.clone()));
                Some(Event::Features(f))
            }
            Expect::Pwd | Expect::Mkd => {
                let verb = if expect == Expect::Pwd {
                    Verb::Pwd
                } else {
                    Verb::Mkd
                };
                match (code, parse_quoted_path(reply.text())) {
                    (257, Some(path)) => Some(Event::Directory { path, reply }),
                    _ => Some(Event::Reply {
                        command: verb,
                        reply,
                    }),
                }
            }
            Expect::Size => match (code, parse_size(reply.text())) {
                (213, Some(n)) => Some(Event::Size(n)),
                (213, None) => return Err(Error::new(ErrorKind::MalformedValue)),
                _ => Some(Event::Reply {
                    command: Verb::Size,
                    reply,
                }),
            },
            Expect::Mdtm => match (code, Timestamp::parse(reply.text())) {
                (213, Some(t)) => Some(Event::Modified(t)),
                (213, None) => return Err(Error::new(ErrorKind::MalformedValue)),
                _ => Some(Event::Reply {
                    command: Verb::Mdtm,
                    reply,
                }),
            },
            Expect::Rnfr => match (code, self.rename_to.take()) {
                (350, Some(to)) => {
                    self.send(to, Expect::Single(Verb::Rename));
                    None
                }
                _ => Some(Event::Reply {
                    command: Verb::Rename,
                    reply,
                }),
            },
            Expect::Single(verb) => {
                if verb == Verb::Quit {
                    self.conn.stop();
                }
                if verb == Verb::Type && reply.is_complete() {
                    self.server_type = self.requested_type.take();
                }
                if verb == Verb::Prot {
                    let asked = self.prot_requested.take();
                    if reply.is_complete() {
                        self.data_private = asked == Some(true);
                    }
                }
                Some(Event::Reply {
                    command: verb,
                    reply,
                })
            }
            Expect::AuthTls => self.on_auth_tls(reply)?,
            Expect::Epsv => self.on_epsv(reply)?,
            Expect::Pasv => self.on_pasv(reply)?,
            Expect::Port { extended } => self.on_port(extended, reply)?,
            Expect::QuietType(t) => {
                if reply.is_complete() {
                    self.server_type = Some(t);
                }
                None
            }
            Expect::TransferType(t) => {
                if reply.is_complete() {
                    self.server_type = Some(t);
                    self.start_plan()?;
                    None
                } else {
                    self.fail_transfer(reply)
                }
            }
            Expect::Rest => {
                if code == 350 {
                    self.send_transfer_command();
                    None
                } else {
                    self.fail_transfer(reply)
                }
            }
            Expect::Transfer => self.on_transfer_start(reply),
            Expect::TransferEnd => self.on_transfer_end(reply),
            Expect::Abor => {
                self.transfer = None;
                Some(Event::Aborted(reply))
            }
        })
    }

    fn on_login(&mut self, expect: Expect, reply: Reply) -> Option<Event> {
        let code = reply.code();
        let next = match (expect, code) {
            (_, 230 | 202) | (Expect::Acct, 200..=299) => {
                self.login = None;
                return Some(Event::LoggedIn(reply));
            }
            (Expect::User, 331) => self
                .login
                .as_mut()
                .map(|l| (core::mem::take(&mut l.pass), Expect::Pass)),
            (Expect::User | Expect::Pass, 332) => self
                .login
                .as_mut()
                .and_then(|l| l.acct.take())
                .map(|a| (a, Expect::Acct)),
            _ => None,
        };
        match next {
            Some((line, expect)) => {
                self.send(line, expect);
                None
            }
            None => {
                self.login = None;
                Some(Event::LoginRefused(reply))
            }
        }
    }

    fn on_auth_tls(&mut self, reply: Reply) -> Result<Option<Event>, Error> {
        if reply.code() != 234 {
            if self.require_tls {
                return Err(Error::new(ErrorKind::TlsUnavailable));
            }
            return Ok(Some(Event::Reply {
                command: Verb::Auth,
                reply,
            }));
        }
        if !self.conn.inbox.is_empty() {
            return Err(Error::new(ErrorKind::PlaintextAfterUpgrade));
        }
        self.tls_pending = true;
        self.conn.request_tls();
        Ok(Some(Event::TlsGoAhead(reply)))
    }

    fn plan(&mut self, target: DataTarget) -> Option<Event> {
        if let Some(t) = self.transfer.as_deref_mut() {
            t.stage = Stage::Waiting;
        }
        Some(Event::Data(DataPlan::Connect(target)))
    }

    fn on_epsv(&mut self, reply: Reply) -> Result<Option<Event>, Error> {
        if reply.code() == 229 {
            let port = parse_epsv(reply.text()).ok_or(Error::new(ErrorKind::MalformedValue))?;
            return Ok(self.plan(DataTarget::Peer { port }));
        }
        // curl and ftplib fall back to PASV on any refusal of EPSV, and
        // stop trying EPSV on this connection.
        self.use_epsv = false;
        self.send_cmd(&Command::Pasv, Expect::Pasv)?;
        Ok(None)
    }

    fn on_pasv(&mut self, reply: Reply) -> Result<Option<Event>, Error> {
        if reply.code() != 227 {
            return Ok(self.fail_transfer(reply));
        }
        let addr: SocketAddrV4 =
            parse_pasv(reply.text()).ok_or(Error::new(ErrorKind::MalformedValue))?;
        let target = if self.trust_pasv_host {
            DataTarget::Addr(SocketAddr::V4(addr))
        } else {
            DataTarget::Peer { port: addr.port() }
        };
        Ok(self.plan(target))
    }

    fn on_port(&mut self, extended: bool, reply: Reply) -> Result<Option<Event>, Error> {
        if reply.is_complete() {
            self.send_transfer_command();
            return Ok(None);
        }
        let addr = self.transfer.as_ref().and_then(|t| t.active);
        match addr {
            Some(SocketAddr::V4(v4)) if extended => {
                self.use_eprt = false;
                self.send_cmd(&Command::Port(v4), Expect::Port { extended: false })?;
                Ok(None)
            }
            _ => Ok(self.fail_transfer(reply)),
        }
    }

    fn fail_transfer(&mut self, reply: Reply) -> Option<Event> {
        self.transfer = None;
        Some(Event::TransferFailed(reply))
    }

    fn on_transfer_start(&mut self, reply: Reply) -> Option<Event> {
        match reply.code() {
            110 => {
                // A restart marker (MODE B); the 1xx that starts the
                // transfer follows.
                self.expect_more(Expect::Transfer);
                None
            }
            100..=199 => {
                if let Some(t) = self.transfer.as_deref_mut() {
                    t.stage = Stage::Open;
                }
                self.expect_more(Expect::TransferEnd);
                Some(Event::TransferStarted(reply))
            }
            // A final reply with no 1xx before it (an empty listing on
            // some servers).
            200..=299 => self.on_transfer_end(reply),
            _ => self.fail_transfer(reply),
        }
    }

    fn on_transfer_end(&mut self, reply: Reply) -> Option<Event> {
        let t = self.transfer.as_deref_mut()?;
        if t.aborting {
            // The transfer's own last reply; ABOR's comes next.
            t.stage = Stage::Finished;
            return None;
        }
        if !reply.is_complete() {
            return self.fail_transfer(reply);
        }
        if t.data_done {
            self.transfer = None;
            return Some(Event::TransferDone(reply));
        }
        t.stage = Stage::Finished;
        t.final_reply = Some(reply);
        None
    }

    /// A `421` (RFC 959: the service is closing the control connection):
    /// whatever was in flight ends with it.
    fn on_closing(&mut self, reply: Reply) -> Event {
        self.queue.clear();
        self.transfer = None;
        self.login = None;
        self.rename_to = None;
        self.conn.stop();
        Event::Reply {
            command: Verb::Closing,
            reply,
        }
    }

    fn poll_reply(&mut self) -> Result<Next<Event>, Error> {
        if self.tls_pending && self.pending.is_none() {
            return Ok(Next::Paused);
        }
        loop {
            // An event a call or a reply made without a reply of its own
            // (the Listen plan, a transfer completed by `data_finished`).
            if let Some(event) = self.pending.take() {
                if let Event::Data(DataPlan::Listen) = event {
                    if let Some(t) = self.transfer.as_deref_mut() {
                        t.stage = Stage::Waiting;
                    }
                }
                return Ok(Next::Event(event));
            }
            let framed = self
                .framer
                .next(&mut self.conn.inbox)
                .map_err(Error::framing)?;
            let Some((code, raw)) = framed else {
                if self.queue.is_empty() {
                    if self.conn.inbox.is_eof() {
                        self.conn.stop();
                        return Ok(Next::Paused);
                    }
                    return Ok(Next::Paused);
                }
                if self.conn.inbox.is_eof() {
                    return Err(Error::new(ErrorKind::UnexpectedEof));
                }
                return Ok(Next::NeedInput);
            };
            let reply = Reply::from_raw(code, raw);
            if code == 421 {
                if !self.greeted {
                    return Err(Error::refused(reply));
                }
                return Ok(Next::Event(self.on_closing(reply)));
            }
            let Some(expect) = self.queue.finish().map(|q| q.tag) else {
                return Err(Error::unexpected(code));
            };
            if let Some(event) = self.handle(expect, reply)? {
                return Ok(Next::Event(event));
            }
        }
    }

    fn is_final(&self, event: &Event) -> bool {
        !matches!(event, Event::Data(_) | Event::TransferStarted(_))
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
        let next = self.poll_reply()?;
        if let Next::Event(event) = &next {
            self.replying = match event {
                Event::Greeting(_) => Some(CommandId::CONNECTION),
                e if self.is_final(e) => self.call.take(),
                _ => self.call,
            };
        }
        Ok(next)
    }

    /// The control connection goes on over TLS (FTP greets only once).
    fn on_tls(&mut self) {
        self.tls_pending = false;
    }
}
