//! Transfers for the tokio FTP client (feature `tokio`): the async twin
//! of the blocking session's [`transfer`](crate::io::ftp::Client) and
//! [`DataStream`](crate::io::ftp::DataStream), over tokio's TCP (and,
//! with `tokio-rustls`, TLS data connections that resume the control
//! session under PROT P). The same operations plan, start and finish
//! each transfer: only the sockets are tokio's.

use crate::ftp::list;
use crate::ftp::ops::{self, Started, Transfer};
use crate::ftp::{self, DataPlan, DataProtection, Ftp, Reply};
use crate::io::nonblocking::{ByteStream, Session};
use crate::io::tokio::Tokio;
use crate::wire::{CommandId, Raw};
use ::tokio::net::{TcpListener, TcpStream};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use super::{Listing, Result};

/// What an async data connection is carried on: TLS or plaintext (with
/// `tokio-rustls`), or plain TCP.
#[cfg(feature = "tokio-rustls")]
pub type DataSocket = crate::io::tls::tokio::Stream<TcpStream>;
/// What an async data connection is carried on: plain TCP (without
/// `tokio-rustls`).
#[cfg(not(feature = "tokio-rustls"))]
pub type DataSocket = TcpStream;

#[cfg(feature = "tokio-rustls")]
fn plain_data(tcp: TcpStream) -> DataSocket {
    crate::io::tls::tokio::Stream::plain(tcp)
}

#[cfg(not(feature = "tokio-rustls"))]
fn plain_data(tcp: TcpStream) -> DataSocket {
    tcp
}

fn no_tls() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "PROT P needs a TLS control connection",
    )
}

/// A tokio control connection: its addresses, and (over TLS) the
/// session its data connections resume.
pub trait ControlSocket: ::tokio::io::AsyncRead + ::tokio::io::AsyncWrite + Unpin {
    /// The server's address.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
    /// Ours.
    fn local_addr(&self) -> io::Result<SocketAddr>;
    /// The TLS client stream whose session data connections resume.
    #[cfg(feature = "tokio-rustls")]
    fn tls(&self) -> Option<&crate::io::tls::tokio::Stream<TcpStream>> {
        None
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

#[cfg(feature = "tokio-rustls")]
impl ControlSocket for crate::io::tls::tokio::Stream<TcpStream> {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref()
            .ok_or_else(crate::io::tls::broken)?
            .peer_addr()
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref()
            .ok_or_else(crate::io::tls::broken)?
            .local_addr()
    }

    fn tls(&self) -> Option<&crate::io::tls::tokio::Stream<TcpStream>> {
        Some(self)
    }
}

/// How long the server has to connect in active mode.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);

type Client<S> = Session<S, Ftp, Tokio>;

impl<S: ControlSocket> Session<S, Ftp, Tokio> {
    /// Opens the data connection for `what` as the machine plans it and
    /// starts the transfer, as the blocking client's `transfer`.
    pub async fn transfer(&mut self, what: Transfer) -> Result<AsyncDataStream<'_, S>> {
        let upload = what.is_upload();
        let (id, plan) = self.call(ops::Plan::new(what)).await?;
        let control = self.driver().stream();
        let (peer, local) = (control.peer_addr()?, control.local_addr()?);
        let (started, tcp) = match plan {
            DataPlan::Connect(target) => {
                let tcp = TcpStream::connect(target.resolve(peer.ip())).await?;
                (self.call(ops::Start::connected(id)).await?, Some(tcp))
            }
            DataPlan::Listen => {
                let ip = self.machine().active_address().unwrap_or(local.ip());
                let listener = TcpListener::bind((ip, 0)).await?;
                let at = listener.local_addr()?;
                let started = self.call(ops::Start::listening(id, at)).await?;
                match started {
                    Started::Open(_) => {
                        // A 150 that came early (ahead of its command)
                        // leaves the command queued: it goes before the wait.
                        self.driver().flush().await?;
                        (started, Some(accept(&listener, peer.ip()).await?))
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
        // A silent data peer times out as the control one would.
        let timeout = crate::wire::Machine::conn(self.machine()).timeout();
        let data = match tcp.filter(|_| done.is_none()) {
            Some(t) => {
                let _ = t.set_nodelay(true);
                let socket = match private {
                    true => protect(self.driver().stream(), t).await?,
                    false => plain_data(t),
                };
                let mut machine = ftp::data_machine();
                crate::wire::Machine::set_timeout(&mut machine, timeout);
                Some(ByteStream::new(socket, machine))
            }
            None => None,
        };
        Ok(AsyncDataStream {
            session: self,
            data,
            id,
            upload,
            opened,
            done,
        })
    }

    /// `RETR path`, as a stream.
    pub async fn retr(&mut self, path: &str) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Retr(path.into(), 0)).await
    }

    /// `REST offset` and `RETR path`.
    pub async fn retr_from(&mut self, path: &str, offset: u64) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Retr(path.into(), offset)).await
    }

    /// `STOR path`: write, then finish.
    pub async fn stor(&mut self, path: &str) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Stor(path.into(), 0)).await
    }

    /// `REST offset` and `STOR path`: resume an upload.
    pub async fn stor_from(&mut self, path: &str, offset: u64) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Stor(path.into(), offset)).await
    }

    /// `APPE path`.
    pub async fn appe(&mut self, path: &str) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Appe(path.into())).await
    }

    /// `STOU`: the name is in [`AsyncDataStream::stou_name`].
    pub async fn stou(&mut self) -> Result<AsyncDataStream<'_, S>> {
        self.transfer(Transfer::Stou).await
    }

    /// A whole download into memory (RETR, LIST, NLST, MLSD).
    pub async fn fetch_all(&mut self, what: Transfer) -> Result<Vec<u8>> {
        let mut stream = self.transfer(what).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next_chunk().await? {
            out.extend_from_slice(&chunk);
        }
        stream.finish().await?;
        Ok(out)
    }

    /// `LIST [path]`, parsed.
    pub async fn list(&mut self, path: Option<&str>) -> Result<Listing> {
        let data = self
            .fetch_all(Transfer::List(path.map(String::from)))
            .await?;
        Ok(Listing { data, mlsd: false })
    }

    /// `NLST [path]`: the names.
    pub async fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let data = self
            .fetch_all(Transfer::Nlst(path.map(String::from)))
            .await?;
        Ok(list::lines(&data)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect())
    }

    /// `MLSD [path]`, parsed.
    pub async fn mlsd(&mut self, path: Option<&str>) -> Result<Listing> {
        let data = self
            .fetch_all(Transfer::Mlsd(path.map(String::from)))
            .await?;
        Ok(Listing { data, mlsd: true })
    }
}

#[cfg(feature = "tokio-rustls")]
async fn protect<S: ControlSocket>(control: &S, tcp: TcpStream) -> io::Result<DataSocket> {
    control.tls().ok_or_else(no_tls)?.connect_like(tcp).await
}

#[cfg(not(feature = "tokio-rustls"))]
async fn protect<S: ControlSocket>(_: &S, _: TcpStream) -> io::Result<DataSocket> {
    Err(no_tls())
}

#[cfg(feature = "tokio-rustls")]
impl Client<crate::io::tls::tokio::Stream<TcpStream>> {
    /// Explicit FTPS: AUTH TLS after the greeting, then PBSZ 0 and PROT
    /// P, as the blocking client's `connect_explicit_tls`.
    pub async fn connect_explicit_tls(
        addr: impl ::tokio::net::ToSocketAddrs,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let machine = ftp::Client::new();
        let ftp = Self::connect_starttls_with(addr, machine, connector, host).await?;
        check_protected(ftp)
    }

    /// Implicit FTPS (port 990), then PBSZ 0 and PROT P.
    pub async fn connect_implicit_tls(
        addr: impl ::tokio::net::ToSocketAddrs,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        let mut machine = ftp::Client::new();
        machine.set_implicit_tls();
        machine.set_require_tls(true);
        let mut ftp = Self::connect_tls_with(addr, machine, connector, host).await?;
        ftp.protect().await?;
        check_protected(ftp)
    }
}

#[cfg(feature = "tokio-rustls")]
fn check_protected<S: ControlSocket>(ftp: Client<S>) -> Result<Client<S>> {
    if ftp.machine().data_protection() != DataProtection::Private {
        return Err(crate::io::DriveError::Protocol(ftp::Error::new(
            ftp::ErrorKind::TlsUnavailable,
        )));
    }
    Ok(ftp)
}

/// Accepts the server's data connection from the control connection's
/// peer only (active mode).
async fn accept(listener: &TcpListener, peer: IpAddr) -> io::Result<TcpStream> {
    let wait = async {
        loop {
            let (tcp, from) = listener.accept().await?;
            if from.ip() == peer {
                return Ok::<_, io::Error>(tcp);
            }
        }
    };
    ::tokio::time::timeout(ACCEPT_TIMEOUT, wait)
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

/// An async transfer's data connection; see the blocking
/// [`DataStream`](crate::io::ftp::DataStream).
#[derive(Debug)]
pub struct AsyncDataStream<'a, S> {
    session: &'a mut Client<S>,
    data: Option<ByteStream<DataSocket, Raw, Tokio>>,
    id: CommandId,
    upload: bool,
    opened: Option<Reply>,
    done: Option<Reply>,
}

impl<S: ControlSocket> AsyncDataStream<'_, S> {
    /// The server's `150` that started the transfer.
    pub fn started(&self) -> Option<&Reply> {
        self.opened.as_ref()
    }

    /// The name a STOU upload is stored under, from the `150`.
    pub fn stou_name(&self) -> Option<&str> {
        self.opened.as_ref().and_then(ops::stou_name)
    }

    /// Whether the data connection resumed the control connection's TLS
    /// session.
    #[cfg(feature = "tokio-rustls")]
    pub fn is_resumed(&mut self) -> bool {
        self.data
            .as_mut()
            .is_some_and(|d| d.driver().stream().is_resumed())
    }

    /// The next piece of a download (no copy); `None` at the end.
    pub async fn next_chunk(&mut self) -> io::Result<Option<bytes::Bytes>> {
        match &mut self.data {
            Some(d) => d.next_chunk().await,
            None => Ok(None),
        }
    }

    /// Writes all of `buf` to an upload.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        let data = self.data.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        while !buf.is_empty() {
            let n = core::future::poll_fn(|cx| data.poll_write_from(cx, buf)).await?;
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Ends the data side (an upload is flushed and closed, its
    /// connection read to the end) and waits for the final reply.
    pub async fn finish(mut self) -> Result<Reply> {
        if let Some(mut data) = self.data.take() {
            if self.upload {
                data.finish().await?;
                // How the server closes is not the verdict: the reply is.
                while let Ok(Some(_)) = data.next_chunk().await {}
            }
        }
        if let Some(reply) = self.done.take() {
            return Ok(reply);
        }
        self.session.call(ops::Finish::new(self.id)).await
    }

    /// Closes the data connection and sends ABOR; gives ABOR's reply.
    pub async fn abort(mut self) -> Result<Reply> {
        drop(self.data.take());
        if let Some(reply) = self.done.take() {
            return Ok(reply);
        }
        self.session.run(ops::Abort::new(self.id)).await
    }
}
