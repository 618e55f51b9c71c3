//! The typed FTP client: the generic [`Session`] over [`Ftp`], with the
//! control-connection methods declared once for the blocking client and
//! the async ones alike, and, for the blocking client over TCP, transfers
//! as streams ([`DataStream`]) on data connections the session opens as
//! the machine plans them (passive by default, active with
//! [`ftp::Client::set_active`]).
//!
//! Everything FTP lives in [`crate::ftp::Client`] and [`crate::ftp::ops`]:
//! here sockets are opened, and the machine is told.

use super::{session_methods, ByteStream, DriveError, Session, SessionError, Socket};
use crate::ftp::list::{self, Listed};
use crate::ftp::ops::{self, Started, Transfer};
use crate::ftp::{self, DataPlan, DataProtection, Features, Ftp, Reply, Timestamp, TransferType};
use crate::wire::{CommandId, Machine, Raw};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::string::String;
use std::time::{Duration, Instant};
use std::vec::Vec;

#[cfg(feature = "tokio")]
pub mod tokio;

/// What the FTP client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Ftp>>;

/// A blocking FTP client over one control connection.
///
/// ```no_run
/// use sanswire::io::ftp::Client;
/// use std::io::Read;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut ftp = Client::connect("127.0.0.1:21")?;
/// ftp.login("anonymous", "guest@")?;
/// let mut file = Vec::new();
/// let mut data = ftp.retr("pub/README")?;
/// data.read_to_end(&mut file)?;
/// data.finish()?;
/// for entry in ftp.mlsd(None)?.entries() {
///     println!("{entry:?}");
/// }
/// ftp.quit()?;
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, Ftp>;

fn greeting<'a>(_: &'a ftp::Client, greeting: &'a Reply) -> &'a Reply {
    greeting
}

fn owned(s: &str) -> String {
    String::from(s)
}

session_methods! {
    protocol: Ftp;
    new() = ftp::Client::new();
    get
    /// The server's greeting.
    fn greeting -> &Reply = greeting;

    /// `USER` and `PASS` (and nothing more when the server needs no
    /// password).
    fn login(user: &str, pass: &str) -> Reply = call ops::login(user, pass);
    /// `FEAT`.
    fn feat() -> Features = call ops::feat();
    /// `OPTS UTF8 ON`.
    fn utf8_on() -> Reply = call ops::simple(ftp::Client::utf8_on);
    /// `SYST`.
    fn syst() -> Reply = call ops::simple(ftp::Client::syst);
    /// `TYPE A` or `TYPE I`.
    fn set_type(t: TransferType) -> Reply = call ops::simple(move |c| c.set_type(t));
    /// `PWD`: the current directory.
    fn pwd() -> String = call ops::pwd();
    /// `CWD path`.
    fn cwd(path: &str) -> Reply = call { let p = owned(path); ops::simple(move |c| c.cwd(&p)) };
    /// `CDUP`.
    fn cdup() -> Reply = call ops::simple(ftp::Client::cdup);
    /// `MKD path`: the directory made.
    fn mkdir(path: &str) -> String = call ops::mkd(path);
    /// `RMD path`.
    fn rmdir(path: &str) -> Reply = call { let p = owned(path); ops::simple(move |c| c.rmd(&p)) };
    /// `DELE path`.
    fn delete(path: &str) -> Reply = call { let p = owned(path); ops::simple(move |c| c.dele(&p)) };
    /// `RNFR from` and `RNTO to`.
    fn rename(from: &str, to: &str) -> Reply
        = call { let (f, t) = (owned(from), owned(to)); ops::simple(move |c| c.rename(&f, &t)) };
    /// `SIZE path`.
    fn size(path: &str) -> u64 = call ops::size(path);
    /// `MDTM path`.
    fn mdtm(path: &str) -> Timestamp = call ops::mdtm(path);
    /// `MLST path`: the facts line in the reply (see
    /// [`ftp::parse_mlst_reply`]).
    fn mlst(path: Option<&str>) -> Reply
        = call { let p = path.map(owned); ops::simple(move |c| c.mlst(p.as_deref())) };
    /// `SITE command`.
    fn site(command: &str) -> Reply = call { let p = owned(command); ops::simple(move |c| c.site(&p)) };
    /// `NOOP`.
    fn noop() -> Reply = call ops::simple(ftp::Client::noop);
    /// `PBSZ 0` and `PROT P` (after AUTH TLS, or on implicit FTPS): the
    /// data connections go over TLS too, resuming the control session.
    fn protect() -> Reply = call ops::Protect::default();
    /// `QUIT`.
    fn quit() -> Reply = call ops::simple(ftp::Client::quit);
}

impl Client<TcpStream> {
    /// Connects over TCP and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, ftp::Client::new())
    }
}

/// What a data connection is carried on: TLS or plaintext (with the
/// feature `rustls`), or plain TCP.
#[cfg(feature = "rustls")]
pub type DataSocket = super::tls::Stream<TcpStream>;
/// What a data connection is carried on: plain TCP (without the feature
/// `rustls`).
#[cfg(not(feature = "rustls"))]
pub type DataSocket = TcpStream;

#[cfg(feature = "rustls")]
fn plain_data(tcp: TcpStream) -> DataSocket {
    super::tls::Stream::plain(tcp)
}

#[cfg(not(feature = "rustls"))]
fn plain_data(tcp: TcpStream) -> DataSocket {
    tcp
}

/// A control connection whose addresses the session can read: the data
/// connections go to its peer (passive) or listen on its local address
/// (active); under `PROT P` it also makes them private.
pub trait ControlSocket: Socket {
    /// The server's address.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
    /// Ours.
    fn local_addr(&self) -> io::Result<SocketAddr>;
    /// A TLS client handshake over a data connection that resumes this
    /// control connection's session ([`DataProtection::Private`]).
    /// Plaintext control connections cannot.
    fn protect(&self, tcp: TcpStream) -> io::Result<DataSocket> {
        let _ = tcp;
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "PROT P needs a TLS control connection",
        ))
    }
}

impl ControlSocket for TcpStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::local_addr(self)
    }
}

#[cfg(feature = "rustls")]
impl ControlSocket for super::tls::Stream<TcpStream> {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().ok_or_else(broken)?.peer_addr()
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().ok_or_else(broken)?.local_addr()
    }

    fn protect(&self, tcp: TcpStream) -> io::Result<DataSocket> {
        self.connect_like(tcp)
    }
}

#[cfg(feature = "rustls")]
impl Client<super::tls::Stream<TcpStream>> {
    /// Explicit FTPS (RFC 4217): connects, reads the greeting, `AUTH
    /// TLS`, the handshake for `host`, then `PBSZ 0` and `PROT P`, so the
    /// data connections are private too and resume this session
    /// (vsftpd's `require_ssl_reuse`). Nothing goes in plaintext after
    /// the greeting: a server without AUTH TLS fails the call (curl's
    /// `--ssl-reqd`).
    pub fn connect_explicit_tls(
        addr: impl ToSocketAddrs,
        connector: &super::tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let mut ftp = Self::connect_starttls_with(addr, ftp::Client::new(), connector, host)?;
        ftp.check_protected()?;
        Ok(ftp)
    }

    /// Implicit FTPS (port 990): TLS from the first byte, then `PBSZ 0`
    /// and `PROT P`.
    pub fn connect_implicit_tls(
        addr: impl ToSocketAddrs,
        connector: &super::tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let mut machine = ftp::Client::new();
        machine.set_implicit_tls();
        machine.set_require_tls(true);
        let mut ftp = Self::connect_tls_with(addr, machine, connector, host)?;
        ftp.protect()?;
        ftp.check_protected()?;
        Ok(ftp)
    }

    fn check_protected(&mut self) -> Result<()> {
        if self.machine().data_protection() != DataProtection::Private {
            return Err(DriveError::Protocol(ftp::Error::new(
                ftp::ErrorKind::TlsUnavailable,
            )));
        }
        Ok(())
    }
}

#[cfg(feature = "rustls")]
fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the TLS stream failed")
}

/// How long the server has to connect in active mode.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A listing fetched whole: its bytes, read as entries by the parser for
/// its command.
#[derive(Debug, Clone)]
pub struct Listing {
    data: Vec<u8>,
    mlsd: bool,
}

impl Listing {
    /// The listing as the server sent it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Every line, parsed (MLSD facts, or Unix/DOS for LIST); lines no
    /// parser understands are [`Listed::Raw`].
    pub fn lines(&self) -> impl Iterator<Item = Listed<'_>> {
        let mlsd = self.mlsd;
        list::lines(&self.data).map(move |l| {
            if mlsd {
                list::parse_mlsd_line(l)
            } else {
                list::parse_list_line(l)
            }
        })
    }

    /// The entries only.
    pub fn entries(&self) -> impl Iterator<Item = list::Entry<'_>> {
        self.lines().filter_map(Listed::entry)
    }
}

impl<S: ControlSocket> Session<S, Ftp> {
    /// Opens the data connection for `what` as the machine plans it and
    /// starts the transfer: read from (or write to) the stream, then
    /// [`DataStream::finish`].
    pub fn transfer(&mut self, what: Transfer) -> Result<DataStream<'_, S>> {
        let upload = what.is_upload();
        let (id, plan) = self.call(ops::Plan::new(what))?;
        let control = self.driver().stream();
        let (peer, local) = (control.peer_addr()?, control.local_addr()?);
        let (started, tcp) = match plan {
            DataPlan::Connect(target) => {
                let tcp = TcpStream::connect(target.resolve(peer.ip()))?;
                (self.call(ops::Start::connected(id))?, Some(tcp))
            }
            DataPlan::Listen => {
                let ip = self.machine().active_address().unwrap_or(local.ip());
                let listener = TcpListener::bind((ip, 0))?;
                let started = self.call(ops::Start::listening(id, listener.local_addr()?))?;
                match started {
                    Started::Open(_) => {
                        // A 150 that came early (ahead of its command)
                        // leaves the command queued: it goes before the wait.
                        self.driver().flush()?;
                        (started, Some(accept(&listener, peer.ip())?))
                    }
                    Started::Done(_) => (started, None),
                }
            }
        };
        let (opened, done) = match started {
            Started::Open(r) => (Some(r), None),
            Started::Done(r) => (None, Some(r)),
        };
        let private = self.machine().data_protection() == DataProtection::Private;
        // The data connection waits as long as the control one: a data
        // peer that goes silent ends the transfer in a timeout, not a hang.
        let timeout = self.machine().conn().timeout();
        let data = match tcp.filter(|_| done.is_none()) {
            Some(t) => {
                let _ = t.set_nodelay(true);
                // After the 150, as vsftpd and curl do it: the server
                // accepts TLS once it has said the transfer starts.
                let socket = match private {
                    true => self.driver().stream().protect(t)?,
                    false => plain_data(t),
                };
                let mut machine = ftp::data_machine();
                machine.set_timeout(timeout);
                Some(ByteStream::new(socket, machine))
            }
            None => None,
        };
        Ok(DataStream {
            session: self,
            data,
            id,
            upload,
            opened,
            done,
        })
    }

    /// `STOU`: an upload under a name the server picks; read it with
    /// [`DataStream::stou_name`].
    pub fn stou(&mut self) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Stou)
    }

    /// `RETR path`, as a stream.
    pub fn retr(&mut self, path: &str) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Retr(path.into(), 0))
    }

    /// `REST offset` and `RETR path`: the rest of a file.
    pub fn retr_from(&mut self, path: &str, offset: u64) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Retr(path.into(), offset))
    }

    /// `STOR path`: write the file to the stream, then finish it.
    pub fn stor(&mut self, path: &str) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Stor(path.into(), 0))
    }

    /// `REST offset` and `STOR path`: resume an upload.
    pub fn stor_from(&mut self, path: &str, offset: u64) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Stor(path.into(), offset))
    }

    /// `APPE path`.
    pub fn appe(&mut self, path: &str) -> Result<DataStream<'_, S>> {
        self.transfer(Transfer::Appe(path.into()))
    }

    /// A whole download into memory (RETR, LIST, NLST, MLSD).
    pub fn fetch_all(&mut self, what: Transfer) -> Result<Vec<u8>> {
        let mut stream = self.transfer(what)?;
        let mut out = Vec::new();
        stream.read_to_end(&mut out)?;
        stream.finish()?;
        Ok(out)
    }

    /// `LIST [path]`, parsed.
    pub fn list(&mut self, path: Option<&str>) -> Result<Listing> {
        let data = self.fetch_all(Transfer::List(path.map(String::from)))?;
        Ok(Listing { data, mlsd: false })
    }

    /// `NLST [path]`: the names.
    pub fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let data = self.fetch_all(Transfer::Nlst(path.map(String::from)))?;
        Ok(list::lines(&data)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect())
    }

    /// `MLSD [path]`, parsed.
    pub fn mlsd(&mut self, path: Option<&str>) -> Result<Listing> {
        let data = self.fetch_all(Transfer::Mlsd(path.map(String::from)))?;
        Ok(Listing { data, mlsd: true })
    }
}

/// Accepts the server's data connection (active mode), from the control
/// connection's peer only: anyone else could otherwise inject or steal
/// the data.
fn accept(listener: &TcpListener, peer: IpAddr) -> io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + ACCEPT_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((tcp, from)) if from.ip() == peer => {
                tcp.set_nonblocking(false)?;
                return Ok(tcp);
            }
            Ok(_) => {} // someone else: dropped
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A transfer's data connection: `Read` for downloads and listings,
/// `Write` for uploads. [`finish`](Self::finish) ends it and gives the
/// server's final reply; dropping it unfinished leaves the session
/// waiting for it (calls then fail as out of sequence).
#[derive(Debug)]
pub struct DataStream<'a, S: ControlSocket> {
    session: &'a mut Session<S, Ftp>,
    data: Option<ByteStream<DataSocket, Raw>>,
    id: CommandId,
    upload: bool,
    opened: Option<Reply>,
    done: Option<Reply>,
}

impl<S: ControlSocket> DataStream<'_, S> {
    /// The server's `150` (or `125`) that started the transfer.
    pub fn started(&self) -> Option<&Reply> {
        self.opened.as_ref()
    }

    /// The name a STOU upload is stored under, from the `150`.
    pub fn stou_name(&self) -> Option<&str> {
        self.opened.as_ref().and_then(ops::stou_name)
    }

    /// Whether the data connection resumed the control connection's TLS
    /// session (`false` in plaintext).
    #[cfg(feature = "rustls")]
    pub fn is_resumed(&mut self) -> bool {
        self.data
            .as_mut()
            .is_some_and(|d| d.driver().stream().is_resumed())
    }

    /// The next piece of a download, as a slice of the receive buffer
    /// (no copy); `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<bytes::Bytes>> {
        match &mut self.data {
            Some(d) => d.next_chunk(),
            None => Ok(None),
        }
    }

    /// The data side is done: an upload is written and its connection
    /// closed (the server reads the end of the file), a download's
    /// connection is closed; then waits for the final reply (`226`).
    pub fn finish(mut self) -> Result<Reply> {
        if let Some(mut data) = self.data.take() {
            if self.upload {
                data.finish()?;
                // The server closes its side once it has the file (over
                // TLS, reading also takes in its session tickets). How it
                // closes is not the verdict: the final reply is.
                while let Ok(Some(_)) = data.next_chunk() {}
            }
        }
        if let Some(reply) = self.done.take() {
            return Ok(reply);
        }
        self.session.call(ops::Finish::new(self.id))
    }

    /// Closes the data connection and sends ABOR; gives ABOR's reply.
    pub fn abort(mut self) -> Result<Reply> {
        drop(self.data.take());
        if let Some(reply) = self.done.take() {
            return Ok(reply);
        }
        self.session.run(ops::Abort::new(self.id))
    }
}

impl<S: ControlSocket> Read for DataStream<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.data {
            Some(d) => d.read(buf),
            None => Ok(0),
        }
    }
}

impl<S: ControlSocket> Write for DataStream<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.data {
            Some(d) => d.write(buf),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.data {
            Some(d) => d.flush(),
            None => Ok(()),
        }
    }
}

/// The refusal inside a session error, if that is what it is.
pub fn refusal(e: &SessionError<Ftp>) -> Option<&ftp::Refusal> {
    match e {
        DriveError::Refused(r) => Some(r),
        _ => None,
    }
}
