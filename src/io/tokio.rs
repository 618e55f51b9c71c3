//! The async driver over tokio's `AsyncRead + AsyncWrite` (feature
//! `tokio`): the shared [`nonblocking`] driver with the
//! family [`Tokio`] filled in.
//!
//! ```no_run
//! use sanswire::http;
//! use sanswire::io::tokio::Driver;
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let tcp = tokio::net::TcpStream::connect("127.0.0.1:8080").await?;
//! let mut driver = Driver::new(tcp, http::Client::new());
//! driver.machine().send_request(&http::Request::get("/"))?;
//! while let Some(event) = driver.next_event().await? {
//!     if matches!(event, http::Event::End) {
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```

use super::nonblocking::{self, AsyncIo};
use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::boxed::Box;
use std::io::{self, IoSlice};

/// The tokio I/O family: every `tokio::io::AsyncRead + AsyncWrite` stream
/// is an [`AsyncIo<Tokio>`](AsyncIo).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

/// Drives any [`Machine`](crate::wire::Machine) over a tokio stream; see
/// [`nonblocking::Driver`] for its methods.
pub type Driver<S, M> = nonblocking::Driver<S, M, Tokio>;

/// A byte stream over a byte-stream machine (`wire::Raw`, ...) on a tokio
/// stream: `AsyncRead + AsyncWrite`, where `poll_shutdown` half-closes
/// through the machine. See [`nonblocking::ByteStream`].
pub type ByteStream<S, M> = nonblocking::ByteStream<S, M, Tokio>;

/// The typed HTTP/1.1 client over a tokio stream.
pub mod http {
    /// An async HTTP/1.1 client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::http::Client`](crate::io::http::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::http::Client<S, super::Tokio>;

    pub use crate::io::http::Result;
}

/// The typed SMTP client over a tokio stream.
pub mod smtp {
    /// An async SMTP client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::smtp::Client`](crate::io::smtp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::smtp::Client<S, super::Tokio>;

    pub use crate::io::smtp::Result;
}

/// The typed IMAP client over a tokio stream.
pub mod imap {
    /// An async IMAP client; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::imap::Client`](crate::io::imap::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::imap::Client<S, super::Tokio>;

    pub use crate::io::imap::Result;
}

/// The typed FTP client over this runtime: control methods and transfers.
pub mod ftp {
    /// An async FTP client; see the blocking
    /// [`io::ftp::Client`](crate::io::ftp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::ftp::Client<S, super::Tokio>;

    pub use crate::io::ftp::tokio::{AsyncDataStream, ControlSocket, DataSocket};

    pub use crate::io::ftp::Result;
}

/// The typed POP3 client over a tokio stream.
pub mod pop3 {
    /// An async POP3 client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::pop3::Client`](crate::io::pop3::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::pop3::Client<S, super::Tokio>;

    pub use crate::io::pop3::Result;
}

/// The typed Gopher client over a tokio stream.
pub mod gopher {
    /// An async Gopher client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::gopher::Client`](crate::io::gopher::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::gopher::Client<S, super::Tokio>;

    pub use crate::io::gopher::Result;
}

/// The typed Telnet client over a tokio stream.
pub mod telnet {
    /// An async Telnet client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::telnet::Client`](crate::io::telnet::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::telnet::Client<S, super::Tokio>;

    pub use crate::io::telnet::Result;
}

/// The typed NNTP client over a tokio stream.
pub mod nntp {
    /// An async NNTP client over a tokio stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::nntp::Client`](crate::io::nntp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::nntp::Client<S, super::Tokio>;

    pub use crate::io::nntp::Result;
}

impl<S: AsyncRead + AsyncWrite + ?Sized> AsyncIo<Tokio> for S {
    fn poll_read_slice(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(self.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }

    fn poll_write_slices(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, bufs)
    }

    fn poll_flush_out(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }

    fn poll_shut_down(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown(cx)
    }

    fn default_timer() -> Option<Box<dyn nonblocking::Timer>>
    where
        Self: Sized,
    {
        Some(Box::new(Timer::default()))
    }
}

/// tokio's timer for the async driver: one `Sleep`, reset for each
/// deadline. Needs a runtime with time enabled (`enable_time`,
/// `enable_all`, `#[tokio::main]`).
#[derive(Debug, Default)]
pub struct Timer {
    sleep: Option<Pin<Box<::tokio::time::Sleep>>>,
}

impl nonblocking::Timer for Timer {
    fn poll_until(&mut self, cx: &mut Context<'_>, deadline: std::time::Instant) -> Poll<()> {
        let deadline = ::tokio::time::Instant::from_std(deadline);
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(::tokio::time::sleep_until(deadline)));
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        core::future::Future::poll(sleep.as_mut(), cx)
    }
}

impl<S, M> AsyncRead for nonblocking::ByteStream<S, M, Tokio>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: crate::wire::ByteMachine + Unpin,
    M::Error: 'static,
    M::Event: Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(self.get_mut().poll_read_into(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S, M> AsyncWrite for nonblocking::ByteStream<S, M, Tokio>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: crate::wire::ByteMachine + Unpin,
    M::Error: 'static,
    M::Event: Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_from(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_out(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_finish(cx)
    }
}
