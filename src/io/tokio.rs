//! The driver for tokio's `AsyncRead + AsyncWrite` (feature `tokio`).

pub mod http;

use super::{next_step, DriveError, Step, MAX_IOVECS, MIN_READ};
use crate::wire::{Machine, Operation};
use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::io::{self, IoSlice};

/// Drives any [`Machine`] over a tokio stream; the async twin of
/// [`io::Driver`](super::Driver), with the same methods.
#[derive(Debug)]
pub struct Driver<S, M> {
    stream: S,
    machine: M,
}

impl<S: AsyncRead + AsyncWrite + Unpin, M: Machine> Driver<S, M> {
    /// Wraps a connected stream and a fresh machine.
    pub fn new(stream: S, machine: M) -> Self {
        Driver { stream, machine }
    }

    /// The machine, to send commands or replies through.
    pub fn machine(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The stream.
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the stream and the machine.
    pub fn into_parts(self) -> (S, M) {
        (self.stream, self.machine)
    }

    /// Writes everything the machine has queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        let outbox = self.machine.outbox();
        while !outbox.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let count = slices
                .iter_mut()
                .zip(outbox.chunks())
                .map(|(s, c)| *s = IoSlice::new(c))
                .count();
            let n = self.stream.write_vectored(&slices[..count]).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            outbox.advance(n);
        }
        self.stream.flush().await
    }

    /// Flushes, then returns the machine's next event, reading as often as
    /// the machine needs; `Ok(None)` when the machine is paused.
    pub async fn next_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        loop {
            match next_step(&mut self.machine)? {
                Step::Transmit => self.flush().await?,
                Step::Receive => self.fill().await?,
                Step::Event(event) => return Ok(Some(event)),
                Step::Paused => return Ok(None),
            }
        }
    }

    /// Runs a whole [`Operation`] to completion.
    pub async fn run<O: Operation<M>>(
        &mut self,
        mut op: O,
    ) -> Result<O::Output, DriveError<M::Error>> {
        op.start(&mut self.machine).map_err(DriveError::Protocol)?;
        self.flush().await?;
        if let Some(out) = op.sent(&mut self.machine) {
            return Ok(out);
        }
        loop {
            let event = self.next_event().await?.ok_or(DriveError::Stalled)?;
            if let Some(out) = op
                .on_event(&mut self.machine, event)
                .map_err(DriveError::Protocol)?
            {
                return Ok(out);
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        let inbox = self.machine.inbox();
        match self.stream.read(inbox.spare(MIN_READ)).await? {
            0 => self.machine.receive_eof(),
            n => inbox.commit(n),
        }
        Ok(())
    }
}
