//! The async twin of [`io::ByteStream`](crate::io::ByteStream): a byte
//! stream over any [`ByteMachine`], as poll functions that each family
//! turns into its own `AsyncRead + AsyncWrite` (`io::tokio`,
//! `io::futures`).

use super::{AsyncIo, Driver};
use crate::io::{to_io, DriveError};
use crate::wire::{ByteMachine, Payload};
use bytes::{Buf, Bytes};
use core::convert::Infallible;
use core::task::{ready, Context, Poll};
use std::collections::VecDeque;
use std::io;

/// An async byte stream over a [`ByteMachine`] (a [`Raw`] FTP data
/// connection, a Gopher response, a tunnel) for the I/O family `R`: it
/// implements that family's `AsyncRead + AsyncWrite` (tokio's, or
/// futures-io's), so `tokio::io::copy` and friends work on it, with the
/// machine's timeout, half-close and framing still applied.
///
/// [`Raw`]: crate::wire::Raw
#[derive(Debug)]
pub struct ByteStream<S, M: ByteMachine, R> {
    driver: Driver<S, M, R>,
    pending: Bytes,
    other: VecDeque<M::Event>,
    ended: bool,
}

impl<S: AsyncIo<R> + Unpin, M: ByteMachine, R> ByteStream<S, M, R>
where
    M::Error: 'static,
{
    /// Wraps a connected stream and the machine to run over it.
    pub fn new(stream: S, machine: M) -> Self {
        Self::from_driver(Driver::new(stream, machine))
    }

    /// Wraps a driver already under way.
    pub fn from_driver(driver: Driver<S, M, R>) -> Self {
        ByteStream {
            driver,
            pending: Bytes::new(),
            other: VecDeque::new(),
            ended: false,
        }
    }

    /// The driver underneath.
    pub fn driver(&mut self) -> &mut Driver<S, M, R> {
        &mut self.driver
    }

    /// Events that were not payload, oldest first.
    pub fn take_other(&mut self) -> Option<M::Event> {
        self.other.pop_front()
    }

    /// The next piece of the stream without a copy; `None` at the end.
    pub async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        core::future::poll_fn(|cx| self.poll_chunk(cx)).await?;
        Ok((!self.pending.is_empty()).then(|| core::mem::take(&mut self.pending)))
    }

    /// Writes what is queued, then ends the sending side; reading goes on.
    pub async fn finish(&mut self) -> io::Result<()> {
        core::future::poll_fn(|cx| self.poll_finish(cx)).await
    }

    /// Ready once some bytes wait in `pending`, or the stream ended.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.pending.is_empty() && !self.ended {
            let event = ready!(self.driver.poll_next_event(cx)).map_err(to_io)?;
            match event.map(M::payload) {
                Some(Payload::Data(d)) => self.pending = d,
                Some(Payload::Other(e)) => self.other.push_back(e),
                // The end, or a machine that paused or closed.
                Some(Payload::End) | None => self.ended = true,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads into `buf`; `0` at the end of the stream.
    pub fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(self.poll_chunk(cx))?;
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Queues `buf` through the machine once what was queued before is
    /// out (so a slow peer holds the writer back), then starts sending it.
    pub fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.driver.poll_flush(cx))?;
        self.driver
            .machine()
            .write_payload(buf)
            .map_err(|e| to_io(DriveError::<_, Infallible>::Protocol(e)))?;
        // Queued: it goes out now or on the next write or flush.
        if let Poll::Ready(Err(e)) = self.driver.poll_flush(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    /// Writes everything queued.
    pub fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.driver.poll_flush(cx)
    }

    /// Ends the sending side once everything queued is written.
    pub fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.driver.machine().finish_payload();
        self.driver.poll_shutdown(cx)
    }
}
