//! The blocking typed session, generic over the protocol, and the macro
//! that gives each protocol its everyday methods in every I/O model.

#[cfg(feature = "rustls")]
use super::tls;
use super::{DriveError, Driver, Socket};
#[cfg(feature = "rustls")]
use crate::wire::StartTls;
use crate::wire::{Machine, Operation, Protocol};
use core::fmt;
use std::net::{TcpStream, ToSocketAddrs};

/// What a session's calls fail with for the protocol `P`: the stream, the
/// machine, or the server's refusal ([`DriveError::Refused`]).
pub type SessionError<P> =
    DriveError<<<P as Protocol>::Machine as Machine>::Error, <P as Protocol>::Refusal>;

/// A typed client session over a blocking stream, for any [`Protocol`]:
/// the opening exchange is run by the constructors, the in-band TLS
/// upgrade by `starttls` (feature `rustls`), and any operation of the
/// protocol's `ops` module by [`run`](Self::run) or [`call`](Self::call).
/// Each protocol adds its everyday methods (`stat`, `send_mail`,
/// `fetch`, ...), declared once for this session and its async twin
/// `io::nonblocking::Session` (features `tokio`, `futures-io`).
///
/// Named per protocol as [`io::pop3::Client`](crate::io::pop3::Client),
/// [`io::smtp::Client`](crate::io::smtp::Client) and
/// [`io::http::Client`](crate::io::http::Client).
///
/// ```no_run
/// use sanswire::io::Session;
/// use sanswire::pop3::{self, ops, Pop3};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut pop = Session::<_, Pop3>::connect_with("127.0.0.1:110", pop3::Client::new())?;
/// pop.call(ops::Login::new("alice", "secret"))?;
/// // A refusal is the operation's outcome: `run` gives it back as a value.
/// if let Err(refusal) = pop.run(ops::Simple::dele(7))? {
///     println!("not deleted: {refusal}");
/// }
/// let (count, _) = pop.stat()?;
/// # Ok(()) }
/// ```
pub struct Session<S, P: Protocol> {
    driver: Driver<S, P::Machine>,
    greeting: P::Greeting,
}

impl<S, P: Protocol> fmt::Debug for Session<S, P>
where
    Driver<S, P::Machine>: fmt::Debug,
    P::Greeting: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("driver", &self.driver)
            .field("greeting", &self.greeting)
            .finish()
    }
}

impl<S: Socket, P: Protocol> Session<S, P> {
    /// Wraps a connected stream (plain, or TLS from `io::tls`) and a fresh
    /// machine (configure it first), and runs the opening exchange.
    pub fn start(stream: S, machine: P::Machine) -> Result<Self, SessionError<P>> {
        let mut driver = Driver::new(stream, machine);
        let out = driver.run(P::Hello::default()).map_err(DriveError::widen)?;
        let greeting = P::greeting(out).map_err(DriveError::Refused)?;
        Ok(Session { driver, greeting })
    }

    /// A session over a driver whose opening exchange is done.
    pub fn from_driver(driver: Driver<S, P::Machine>, greeting: P::Greeting) -> Self {
        Session { driver, greeting }
    }

    /// What the opening exchange gave (POP3: the greeting; SMTP: the
    /// capabilities offered at connect time).
    pub fn hello(&self) -> &P::Greeting {
        &self.greeting
    }

    /// The machine, to read its state.
    pub fn machine(&self) -> &P::Machine {
        self.driver.machine_ref()
    }

    /// The driver underneath, for its stream, its machine and the events
    /// operations passed back ([`Driver::take_passed`]).
    pub fn driver(&mut self) -> &mut Driver<S, P::Machine> {
        &mut self.driver
    }

    /// Gives back the driver.
    pub fn into_driver(self) -> Driver<S, P::Machine> {
        self.driver
    }

    /// Runs any operation over the machine and gives its output as it is:
    /// a refusal stays a value in it (for example `Err(pop3::Refusal)`).
    pub fn run<O: Operation<P::Machine>>(&mut self, op: O) -> Result<O::Output, SessionError<P>> {
        self.driver.run(op).map_err(DriveError::widen)
    }

    /// Runs an operation that the server may refuse; a refusal becomes
    /// [`DriveError::Refused`], so `?` stops on it. The session stays
    /// usable after a refusal.
    pub fn call<T, O>(&mut self, op: O) -> Result<T, SessionError<P>>
    where
        O: Operation<P::Machine, Output = Result<T, P::Refusal>>,
    {
        self.run(op)?.map_err(DriveError::Refused)
    }
}

impl<P: Protocol> Session<TcpStream, P> {
    /// Connects over TCP (no delay) and runs the opening exchange.
    pub fn connect_with(
        addr: impl ToSocketAddrs,
        machine: P::Machine,
    ) -> Result<Self, SessionError<P>> {
        Self::start(tcp(addr)?, machine)
    }
}

impl<P: Protocol> Session<TcpStream, P> {
    /// Connects over TCP, giving up on each address after `limit` (a
    /// connect timeout), and runs the opening exchange. The machine's own
    /// timeouts ([`Machine::set_timeout`], and the driver's
    /// [`set_operation_timeout`](Driver::set_operation_timeout)) bound
    /// the rest.
    ///
    /// [`Machine::set_timeout`]: crate::wire::Machine::set_timeout
    pub fn connect_timeout_with(
        addr: impl ToSocketAddrs,
        limit: core::time::Duration,
        machine: P::Machine,
    ) -> Result<Self, SessionError<P>> {
        Self::start(tcp_within(addr, limit)?, machine)
    }
}

#[cfg(feature = "rustls")]
impl<S: Socket, P: Protocol> Session<tls::Stream<S>, P> {
    /// Implicit TLS over a connected stream: runs the TLS handshake for
    /// `host`, then the opening exchange.
    pub fn start_implicit_tls(
        stream: S,
        machine: P::Machine,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        Self::start(tls::Stream::connect(stream, connector, host)?, machine)
    }
}

#[cfg(feature = "rustls")]
impl<S: Socket, P: StartTls> Session<tls::Stream<S>, P> {
    /// The in-band upgrade before anything else, over a connected
    /// plaintext stream, with the machine told to require TLS: a server
    /// without the upgrade (or refusing it) fails with the machine's TLS
    /// error, and nothing more is sent.
    pub fn start_with_starttls(
        stream: S,
        mut machine: P::Machine,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        P::require_tls(&mut machine);
        let mut session = Self::start(tls::Stream::plain(stream), machine)?;
        session.starttls(connector, host)?;
        Ok(session)
    }
}

#[cfg(feature = "rustls")]
impl<P: Protocol> Session<tls::Stream<TcpStream>, P> {
    /// Implicit TLS (POP3S, SMTPS, HTTPS): connects over TCP, runs the TLS
    /// handshake for `host`, then the opening exchange.
    pub fn connect_tls_with(
        addr: impl ToSocketAddrs,
        machine: P::Machine,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        Self::start_implicit_tls(tcp(addr)?, machine, connector, host)
    }
}

#[cfg(feature = "rustls")]
impl<P: StartTls> Session<tls::Stream<TcpStream>, P> {
    /// Connects over TCP and upgrades in-band before anything else (see
    /// [`start_with_starttls`](Self::start_with_starttls)).
    pub fn connect_starttls_with(
        addr: impl ToSocketAddrs,
        machine: P::Machine,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self, SessionError<P>> {
        Self::start_with_starttls(tcp(addr)?, machine, connector, host)
    }
}

#[cfg(feature = "rustls")]
impl<S: Socket, P: StartTls> Session<tls::Stream<S>, P> {
    /// The in-band upgrade (SMTP `STARTTLS`, POP3 `STLS`): the command,
    /// the handshake for `host`, and what the protocol runs after it (the
    /// capabilities again); gives what the server offers over TLS. Not
    /// offered or refused: the machine's TLS error, and nothing more is
    /// sent.
    pub fn starttls(
        &mut self,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<P::Secured, SessionError<P>> {
        self.run(P::Upgrade::default())?;
        self.driver
            .start_tls(connector, host)
            .map_err(DriveError::widen)?;
        let out = self.run(P::Upgraded::default())?;
        P::secured(out).map_err(DriveError::Refused)
    }
}

/// A TCP connection with Nagle off: the protocols here send small
/// commands and wait for their answers.
fn tcp(addr: impl ToSocketAddrs) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// [`tcp`] with a connect timeout for each address.
fn tcp_within(addr: impl ToSocketAddrs, limit: core::time::Duration) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, limit) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::ErrorKind::InvalidInput.into()))
}

/// Declares a protocol's everyday session methods once, for the blocking
/// [`Session`] and the async
/// `io::nonblocking::Session` alike.
///
/// Each entry names the method, its arguments, what it gives, and the
/// operation it runs: `call` (a refusal becomes
/// [`DriveError::Refused`]) or `run` (the output as it is), optionally
/// followed by `; map f` to reshape the output. The blocking expansion
/// returns the result; the async one is an `async fn` that awaits the
/// same operation. Constructors taking a stream (`new`) and accessors over
/// the machine and the greeting can be declared in the same table, so
/// nothing is written twice.
macro_rules! session_methods {
    (
        protocol: $proto:ty;
        $(new($($carg:ident: $cty:ty),*) = $machine:expr;)?
        $(get $(#[$gdoc:meta])* fn $gname:ident -> $gout:ty = $getter:path;)*
        $(
            $(#[$doc:meta])*
            fn $name:ident $([$($gen:tt)*])? ($($arg:ident: $argty:ty),* $(,)?) -> $out:ty
                = $how:ident $op:expr $(; map $map:expr)?;
        )*
    ) => {
        impl<S: $crate::io::Socket> $crate::io::Session<S, $proto> {
            $(
                /// Wraps a connected stream (plain, or TLS from `io::tls`) and
                /// runs the opening exchange.
                pub fn new(
                    stream: S,
                    $($carg: $cty),*
                ) -> core::result::Result<Self, $crate::io::SessionError<$proto>> {
                    Self::start(stream, $machine)
                }
            )?
            $(
                $(#[$gdoc])*
                pub fn $gname(&self) -> $gout {
                    $getter(self.machine(), self.hello())
                }
            )*
            $(
                $(#[$doc])*
                pub fn $name $(<$($gen)*>)? (
                    &mut self,
                    $($arg: $argty),*
                ) -> core::result::Result<$out, $crate::io::SessionError<$proto>> {
                    let out = self.$how($op)?;
                    Ok(session_methods!(@map out $($map)?))
                }
            )*
        }

        #[cfg(any(feature = "tokio", feature = "futures-io"))]
        impl<S: $crate::io::nonblocking::AsyncIo<Family> + Unpin, Family>
            $crate::io::nonblocking::Session<S, $proto, Family>
        {
            $(
                /// Wraps a connected stream (plain, or TLS from `io::tls`) and
                /// runs the opening exchange.
                pub async fn new(
                    stream: S,
                    $($carg: $cty),*
                ) -> core::result::Result<Self, $crate::io::SessionError<$proto>> {
                    Self::start(stream, $machine).await
                }
            )?
            $(
                $(#[$gdoc])*
                pub fn $gname(&self) -> $gout {
                    $getter(self.machine(), self.hello())
                }
            )*
            $(
                $(#[$doc])*
                pub async fn $name $(<$($gen)*>)? (
                    &mut self,
                    $($arg: $argty),*
                ) -> core::result::Result<$out, $crate::io::SessionError<$proto>> {
                    let out = self.$how($op).await?;
                    Ok(session_methods!(@map out $($map)?))
                }
            )*
        }
    };
    (@map $out:ident) => {
        $out
    };
    (@map $out:ident $map:expr) => {
        ($map)($out)
    };
}

pub(crate) use session_methods;
