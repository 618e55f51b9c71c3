//! The async driver over `futures_io::AsyncRead + AsyncWrite` (feature
//! `futures-io`): smol, async-std and every runtime built on those traits.
//! It is the shared [`nonblocking`] driver with the
//! family [`FuturesIo`] filled in.

use super::nonblocking::{self, AsyncIo};
use core::pin::Pin;
use core::task::{Context, Poll};
use futures_io::{AsyncRead, AsyncWrite};
use std::io::{self, IoSlice};

/// The futures-io I/O family: every `futures_io::AsyncRead + AsyncWrite`
/// stream is an [`AsyncIo<FuturesIo>`](AsyncIo).
#[derive(Debug, Clone, Copy, Default)]
pub struct FuturesIo;

/// Drives any [`Machine`](crate::wire::Machine) over a futures-io stream;
/// see [`nonblocking::Driver`] for its methods.
pub type Driver<S, M> = nonblocking::Driver<S, M, FuturesIo>;

/// A byte stream over a byte-stream machine (`wire::Raw`, ...) on a
/// futures-io stream: `AsyncRead + AsyncWrite`, where `poll_close`
/// half-closes through the machine. See [`nonblocking::ByteStream`].
///
/// Whether the peer sees a FIN then is the stream's own `poll_close`:
/// smol's `TcpStream` shuts its write side down, async-io's
/// `Async<TcpStream>` only flushes (call `shutdown(Write)` on it).
pub type ByteStream<S, M> = nonblocking::ByteStream<S, M, FuturesIo>;

/// The typed HTTP/1.1 client over a futures-io stream.
pub mod http {
    /// An async HTTP/1.1 client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::http::Client`](crate::io::http::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::http::Client<S, super::FuturesIo>;

    pub use crate::io::http::Result;
}

/// The typed SMTP client over a futures-io stream.
pub mod smtp {
    /// An async SMTP client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::smtp::Client`](crate::io::smtp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::smtp::Client<S, super::FuturesIo>;

    pub use crate::io::smtp::Result;
}

/// The typed IMAP client over a futures-io stream.
pub mod imap {
    /// An async IMAP client; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::imap::Client`](crate::io::imap::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::imap::Client<S, super::FuturesIo>;

    pub use crate::io::imap::Result;
}

/// The typed FTP client (control-connection methods) over this runtime.
pub mod ftp {
    /// An async FTP client; see the blocking
    /// [`io::ftp::Client`](crate::io::ftp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::ftp::Client<S, super::FuturesIo>;

    pub use crate::io::ftp::Result;
}

/// The typed POP3 client over a futures-io stream.
pub mod pop3 {
    /// An async POP3 client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::pop3::Client`](crate::io::pop3::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::pop3::Client<S, super::FuturesIo>;

    pub use crate::io::pop3::Result;
}

/// The typed Gopher client over a futures-io stream.
pub mod gopher {
    /// An async Gopher client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::gopher::Client`](crate::io::gopher::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::gopher::Client<S, super::FuturesIo>;

    pub use crate::io::gopher::Result;
}

/// The typed Telnet client over a futures-io stream.
pub mod telnet {
    /// An async Telnet client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::telnet::Client`](crate::io::telnet::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::telnet::Client<S, super::FuturesIo>;

    pub use crate::io::telnet::Result;
}

/// The typed NNTP client over a futures-io stream.
pub mod nntp {
    /// An async NNTP client over a futures-io stream; see
    /// [`nonblocking::Session`](crate::io::nonblocking::Session) and the
    /// blocking [`io::nntp::Client`](crate::io::nntp::Client) for its methods.
    pub type Client<S> = crate::io::nonblocking::nntp::Client<S, super::FuturesIo>;

    pub use crate::io::nntp::Result;
}

impl<S: AsyncRead + AsyncWrite + ?Sized> AsyncIo<FuturesIo> for S {
    fn poll_read_slice(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read(cx, buf)
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
        self.poll_close(cx)
    }
}

impl<S, M> AsyncRead for nonblocking::ByteStream<S, M, FuturesIo>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: crate::wire::ByteMachine + Unpin,
    M::Error: 'static,
    M::Event: Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_into(cx, buf)
    }
}

impl<S, M> AsyncWrite for nonblocking::ByteStream<S, M, FuturesIo>
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

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_finish(cx)
    }
}
