//! The async typed session, generic over the protocol: the twin of the
//! blocking [`io::Session`](crate::io::Session), for every async I/O family.

use super::{AsyncIo, Driver};
use crate::io::{DriveError, SessionError};
use crate::wire::{Operation, Protocol};
use core::fmt;

/// A typed client session over an async stream of the I/O family `R`, for
/// any [`Protocol`]: the async twin of the blocking
/// [`io::Session`](crate::io::Session), with the same methods (each
/// protocol's everyday methods are declared once for both). Named per
/// protocol and family as `io::tokio::pop3::Client`,
/// `io::futures::smtp::Client`, and so on.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use sanswire::io::tokio::pop3::Client;
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:110").await?;
/// let mut pop = Client::new(tcp).await?;
/// pop.login("alice", "secret").await?;
/// let (count, _) = pop.stat().await?;
/// if count > 0 {
///     pop.dele(1).await?; // `-ERR` is `DriveError::Refused`; the session goes on
/// }
/// pop.quit().await?;
/// # Ok(()) }
/// ```
pub struct Session<S, P: Protocol, R> {
    driver: Driver<S, P::Machine, R>,
    greeting: P::Greeting,
}

impl<S, P: Protocol, R> fmt::Debug for Session<S, P, R>
where
    Driver<S, P::Machine, R>: fmt::Debug,
    P::Greeting: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("driver", &self.driver)
            .field("greeting", &self.greeting)
            .finish()
    }
}

impl<S: AsyncIo<R> + Unpin, P: Protocol, R> Session<S, P, R> {
    /// Wraps a connected stream (plain, or TLS from `io::tls`) and a fresh
    /// machine, and runs the opening exchange.
    pub async fn start(stream: S, machine: P::Machine) -> Result<Self, SessionError<P>> {
        let mut driver = Driver::new(stream, machine);
        let out = driver
            .run(P::Hello::default())
            .await
            .map_err(DriveError::widen)?;
        let greeting = P::greeting(out).map_err(DriveError::Refused)?;
        Ok(Session { driver, greeting })
    }

    /// A session over a driver whose opening exchange is done.
    pub fn from_driver(driver: Driver<S, P::Machine, R>, greeting: P::Greeting) -> Self {
        Session { driver, greeting }
    }

    /// What the opening exchange gave.
    pub fn hello(&self) -> &P::Greeting {
        &self.greeting
    }

    /// The machine, to read its state.
    pub fn machine(&self) -> &P::Machine {
        self.driver.machine_ref()
    }

    /// The driver underneath, for its stream, its machine and the events
    /// operations passed back.
    pub fn driver(&mut self) -> &mut Driver<S, P::Machine, R> {
        &mut self.driver
    }

    /// Gives back the driver.
    pub fn into_driver(self) -> Driver<S, P::Machine, R> {
        self.driver
    }

    /// Runs any operation and gives its output as it is; see the blocking
    /// [`run`](crate::io::Session::run).
    pub async fn run<O: Operation<P::Machine>>(
        &mut self,
        op: O,
    ) -> Result<O::Output, SessionError<P>> {
        self.driver.run(op).await.map_err(DriveError::widen)
    }

    /// Runs an operation the server may refuse; a refusal becomes
    /// [`DriveError::Refused`]. See the blocking
    /// [`call`](crate::io::Session::call).
    pub async fn call<T, O>(&mut self, op: O) -> Result<T, SessionError<P>>
    where
        O: Operation<P::Machine, Output = Result<T, P::Refusal>>,
    {
        self.run(op).await?.map_err(DriveError::Refused)
    }
}

#[cfg(any(feature = "tokio-rustls", feature = "futures-rustls"))]
impl<S, P, R> Session<crate::io::tls::nonblocking::Stream<S, R>, P, R>
where
    S: AsyncIo<R> + Unpin,
    P: Protocol,
    R: crate::io::tls::nonblocking::AsyncTls<S>,
    crate::io::tls::nonblocking::Stream<S, R>: AsyncIo<R> + Unpin,
{
    /// Implicit TLS over a connected stream; see the blocking
    /// [`start_implicit_tls`](crate::io::Session::start_implicit_tls).
    pub async fn start_implicit_tls(
        stream: S,
        machine: P::Machine,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        let stream = crate::io::tls::nonblocking::Stream::connect(stream, connector, host).await?;
        Self::start(stream, machine).await
    }
}

#[cfg(any(feature = "tokio-rustls", feature = "futures-rustls"))]
impl<S, P, R> Session<crate::io::tls::nonblocking::Stream<S, R>, P, R>
where
    S: AsyncIo<R> + Unpin,
    P: crate::wire::StartTls,
    R: crate::io::tls::nonblocking::AsyncTls<S>,
    crate::io::tls::nonblocking::Stream<S, R>: AsyncIo<R> + Unpin,
{
    /// The in-band upgrade before anything else; see the blocking
    /// [`start_with_starttls`](crate::io::Session::start_with_starttls).
    pub async fn start_with_starttls(
        stream: S,
        mut machine: P::Machine,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        P::require_tls(&mut machine);
        let stream = crate::io::tls::nonblocking::Stream::plain(stream);
        let mut session = Self::start(stream, machine).await?;
        session.starttls(connector, host).await?;
        Ok(session)
    }

    /// The in-band upgrade; see the blocking
    /// [`starttls`](crate::io::Session::starttls).
    pub async fn starttls(
        &mut self,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<P::Secured, SessionError<P>> {
        self.run(P::Upgrade::default()).await?;
        self.driver
            .start_tls(connector, host)
            .await
            .map_err(DriveError::widen)?;
        let out = self.run(P::Upgraded::default()).await?;
        P::secured(out).map_err(DriveError::Refused)
    }
}

/// Connecting over TCP with tokio, as the blocking session's
/// [`connect_with`](crate::io::Session::connect_with) does (futures-io has
/// no TCP of its own: connect with your runtime, then
/// [`start`](Session::start)).
#[cfg(feature = "tokio")]
impl<P: Protocol> Session<::tokio::net::TcpStream, P, crate::io::tokio::Tokio> {
    /// Connects to `addr` (Nagle off: commands are small and answered),
    /// then runs the opening exchange.
    ///
    /// ```no_run
    /// use sanswire::io::tokio::pop3::Client;
    /// use tokio::net::TcpStream;
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let machine = sanswire::pop3::Client::new();
    /// let mut pop = Client::<TcpStream>::connect_with("127.0.0.1:110", machine).await?;
    /// let _ = pop.stat().await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with(
        addr: impl ::tokio::net::ToSocketAddrs,
        machine: P::Machine,
    ) -> Result<Self, SessionError<P>> {
        let tcp = ::tokio::net::TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        Self::start(tcp, machine).await
    }

    /// [`connect_with`](Self::connect_with), giving up on the connection
    /// after `limit` (`TimedOut`).
    pub async fn connect_timeout_with(
        addr: impl ::tokio::net::ToSocketAddrs,
        limit: core::time::Duration,
        machine: P::Machine,
    ) -> Result<Self, SessionError<P>> {
        let connect = ::tokio::net::TcpStream::connect(addr);
        let tcp = ::tokio::time::timeout(limit, connect)
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        tcp.set_nodelay(true)?;
        Self::start(tcp, machine).await
    }
}

#[cfg(feature = "tokio-rustls")]
impl<P: Protocol>
    Session<
        crate::io::tls::nonblocking::Stream<::tokio::net::TcpStream, crate::io::tokio::Tokio>,
        P,
        crate::io::tokio::Tokio,
    >
{
    /// Connects to `addr` over TCP and runs TLS from the first byte
    /// (pop3s, smtps, https, ...), then the opening exchange.
    pub async fn connect_tls_with(
        addr: impl ::tokio::net::ToSocketAddrs,
        machine: P::Machine,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        let tcp = ::tokio::net::TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        Self::start_implicit_tls(tcp, machine, connector, host).await
    }
}

#[cfg(feature = "tokio-rustls")]
impl<P: crate::wire::StartTls>
    Session<
        crate::io::tls::nonblocking::Stream<::tokio::net::TcpStream, crate::io::tokio::Tokio>,
        P,
        crate::io::tokio::Tokio,
    >
{
    /// Connects to `addr` over TCP and upgrades in-band (STARTTLS, STLS)
    /// before anything else.
    pub async fn connect_starttls_with(
        addr: impl ::tokio::net::ToSocketAddrs,
        machine: P::Machine,
        connector: &crate::io::tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        let tcp = ::tokio::net::TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        Self::start_with_starttls(tcp, machine, connector, host).await
    }
}
