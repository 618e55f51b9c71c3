//! The async driver, written once for every async I/O family (features
//! `tokio`, `futures-io`).
//!
//! tokio and futures-io spell the same four operations differently (a
//! `ReadBuf` or a slice, `poll_shutdown` or `poll_close`). [`AsyncIo`]
//! names them once, for a stream of one family; the family is a marker type
//! (`io::tokio::Tokio`, `io::futures::FuturesIo`) rather than a wrapper
//! around the stream, so a type that implements both families' traits is no
//! problem, and [`Driver::stream`] hands back the caller's own stream.
//!
//! The per-family paths users name (`io::tokio::Driver`,
//! `io::futures::http::Client`, ...) are aliases of the types here with the
//! family filled in. The typed clients are one generic [`Session`]; each
//! protocol's methods on it are declared once, with the blocking ones.

mod bytestream;
mod session;

pub use bytestream::ByteStream;
pub use session::Session;

/// The typed HTTP/1.1 client of any async family.
pub mod http {
    /// An async HTTP/1.1 client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::http::Client`](crate::io::http::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::http::Http, R>;

    pub use crate::io::http::Result;
}

/// The typed SMTP client of any async family.
pub mod smtp {
    /// An async SMTP client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::smtp::Client`](crate::io::smtp::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::smtp::Smtp, R>;

    pub use crate::io::smtp::Result;
}

/// The typed IMAP client, generic over the I/O family.
pub mod imap {
    /// An async IMAP client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::imap::Client`](crate::io::imap::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::imap::Imap, R>;

    pub use crate::io::imap::Result;
}

/// The typed FTP client of any async family: the control-connection
/// methods; transfers with tokio's sockets (`io::tokio::ftp`), as
/// futures-io has no TCP of its own.
pub mod ftp {
    /// An async FTP client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::ftp::Client`](crate::io::ftp::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::ftp::Ftp, R>;

    pub use crate::io::ftp::Result;
}

/// The typed POP3 client of any async family.
pub mod pop3 {
    /// An async POP3 client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::pop3::Client`](crate::io::pop3::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::pop3::Pop3, R>;

    pub use crate::io::pop3::Result;
}

/// The typed Gopher client of any async family.
pub mod gopher {
    /// An async Gopher client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::gopher::Client`](crate::io::gopher::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::gopher::Gopher, R>;

    pub use crate::io::gopher::Result;
}

/// The typed Telnet client of any async family.
pub mod telnet {
    /// An async Telnet client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::telnet::Client`](crate::io::telnet::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::telnet::TelnetClient, R>;

    pub use crate::io::telnet::Result;
}

/// The typed NNTP client of any async family.
pub mod nntp {
    /// An async NNTP client over a stream of the family `R`; see
    /// [`Session`](super::Session) and the blocking
    /// [`io::nntp::Client`](crate::io::nntp::Client) for its methods.
    pub type Client<S, R> = super::Session<S, crate::nntp::Nntp, R>;

    pub use crate::io::nntp::Result;
}

use super::{feed, next_step, Clock, DriveError, Step, MAX_IOVECS, MIN_READ};
use crate::wire::{Instant, Machine, Operation};
use core::fmt;
use core::future::poll_fn;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::boxed::Box;
use std::collections::{vec_deque, VecDeque};
use std::io::{self, IoSlice};

/// A stream of the async I/O family `R`: the four poll operations a driver
/// needs, in one spelling for every family.
///
/// Implemented for every tokio stream (`R` = `io::tokio::Tokio`, feature
/// `tokio`) and every futures-io stream (`R` = `io::futures::FuturesIo`,
/// feature `futures-io`); another runtime can join
/// with a marker type of its own and an implementation of this trait.
pub trait AsyncIo<R> {
    /// Reads into `buf`; `Ok(0)` is the end of the stream.
    fn poll_read_slice(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;

    /// Writes from several buffers at once; returns how many bytes went.
    fn poll_write_slices(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Pushes out whatever the stream buffers.
    fn poll_flush_out(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes and shuts the write side down (on TLS: sends
    /// `close_notify`).
    fn poll_shut_down(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// The family's own timer, which a new [`Driver`] uses for the
    /// machine's deadlines: tokio's for tokio streams; none for
    /// futures-io, which has no timer (give one with [`Driver::set_timer`]).
    fn default_timer() -> Option<Box<dyn Timer>>
    where
        Self: Sized,
    {
        None
    }
}

/// What [`Driver::poll_next_event`] gives when ready: an event, `None`
/// when the machine is paused or done, or the failure.
pub type NextEvent<M> = Result<Option<<M as Machine>::Event>, DriveError<<M as Machine>::Error>>;

/// A timer for the async driver, so a silent peer ends in the machine's
/// timeout instead of a hang: sleeps until a deadline, as a poll function
/// that the driver races against its read.
///
/// Re-arming must not allocate per call: keep one sleep future and reset
/// it (tokio's `Sleep::reset`, async-io's `Timer::set_at`).
pub trait Timer: Send {
    /// Ready once `deadline` has passed; arms (or re-arms) the sleep for
    /// `deadline` and registers `cx`'s waker otherwise.
    fn poll_until(&mut self, cx: &mut Context<'_>, deadline: std::time::Instant) -> Poll<()>;
}

/// Runs `work` (a TLS handshake) until it ends or `deadline` passes on
/// `timer`, whichever is first: then it fails with `TimedOut`, so a peer
/// that goes quiet mid-handshake does not hold the connection for ever.
/// Without a timer or a deadline it simply runs `work`.
pub(crate) async fn bounded<T>(
    work: impl core::future::Future<Output = io::Result<T>>,
    mut timer: Option<&mut Box<dyn Timer>>,
    deadline: Option<std::time::Instant>,
) -> io::Result<T> {
    let mut work = core::pin::pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(done) = work.as_mut().poll(cx) {
            return Poll::Ready(done);
        }
        match (timer.as_mut(), deadline) {
            (Some(timer), Some(at)) => {
                ready!(timer.poll_until(cx, at));
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the TLS handshake went silent",
                )))
            }
            _ => Poll::Pending,
        }
    })
    .await
}

/// Drives any [`Machine`] over an async stream of the family `R`; the async
/// twin of the blocking [`io::Driver`](super::Driver), with the same
/// methods. Named with the family filled in as `io::tokio::Driver` and
/// `io::futures::Driver`.
///
/// # Time, close and cancellation
///
/// The machine's deadlines ([`Machine::poll_timeout`]) are raced against
/// each read with the family's timer ([`AsyncIo::default_timer`], or one
/// given with [`set_timer`](Self::set_timer)); a silent peer ends
/// `next_event` with the machine's `TimedOut` error after its last words.
/// When the machine sends no more, the driver shuts the sending side down.
///
/// **`next_event` is cancel-safe**: dropping its future (a `select!` arm
/// that lost) loses no event and no byte. A read commits to the machine
/// only once it completed, a write advances the outbox only by what was
/// written, and the machine's state moves only when an event is handed
/// out. So `select!` between `next_event` and a local channel (IMAP IDLE's
/// "wait for a push or for the user") is legitimate. `flush` is cancel-safe
/// in the same sense: a later call sends what is left. `run` is not: an
/// operation cancelled half-way has sent a command whose answer it did
/// not read.
pub struct Driver<S, M: Machine, R> {
    stream: S,
    machine: M,
    /// Events operations passed back, for the caller, oldest first.
    passed: VecDeque<M::Event>,
    /// How many of them are kept at most.
    max_passed: usize,
    clock: Clock,
    timer: Option<Box<dyn Timer>>,
    family: PhantomData<R>,
    /// How long one `run` may take in all.
    op_timeout: Option<core::time::Duration>,
    /// When everything must be done (`set_time_limit`).
    limit: Option<Instant>,
}

impl<S: fmt::Debug, M: Machine + fmt::Debug, R> fmt::Debug for Driver<S, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("stream", &self.stream)
            .field("machine", &self.machine)
            .field("passed", &self.passed.len())
            .field("timer", &self.timer.is_some())
            .finish()
    }
}

impl<S: AsyncIo<R> + Unpin, M: Machine, R> Driver<S, M, R> {
    /// Wraps a connected stream and a fresh machine.
    pub fn new(stream: S, machine: M) -> Self {
        Driver {
            stream,
            passed: VecDeque::new(),
            max_passed: super::DEFAULT_MAX_PASSED,
            clock: Clock::new(),
            timer: S::default_timer(),
            family: PhantomData,
            op_timeout: None,
            // A deadline set on the machine before (counted from now,
            // the driver's origin) is its time limit.
            limit: machine.conn().hard_deadline(),
            machine,
        }
    }

    /// How long each [`run`](Self::run) may take in all, as the blocking
    /// [`Driver::set_operation_timeout`](crate::io::Driver::set_operation_timeout).
    pub fn set_operation_timeout(&mut self, limit: Option<core::time::Duration>) {
        self.op_timeout = limit;
    }

    /// Everything from now on must be done within `limit`, as the
    /// blocking [`Driver::set_time_limit`](crate::io::Driver::set_time_limit).
    pub fn set_time_limit(&mut self, limit: Option<core::time::Duration>) {
        self.limit = limit.map(|d| self.clock.now() + d);
        self.machine.conn_mut().set_deadline(self.limit);
    }

    /// Uses `timer` for the machine's deadlines (futures-io streams have
    /// none of their own; without one, a deadline is not enforced).
    pub fn set_timer(&mut self, timer: impl Timer + 'static) {
        self.timer = Some(Box::new(timer));
    }

    /// The machine, to send commands or replies through.
    pub fn machine(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The machine, to read its state.
    pub fn machine_ref(&self) -> &M {
        &self.machine
    }

    /// The events operations passed back that
    /// [`next_event`](Self::next_event) has not handed out yet, oldest
    /// first; see the blocking [`Driver::passed`](crate::io::Driver::passed).
    pub fn passed(&self) -> &VecDeque<M::Event> {
        &self.passed
    }

    /// Takes the passed events out, oldest first.
    pub fn take_passed(&mut self) -> vec_deque::Drain<'_, M::Event> {
        self.passed.drain(..)
    }

    /// How many passed events are kept until the caller takes them
    /// ([`DEFAULT_MAX_PASSED`](super::DEFAULT_MAX_PASSED) unless set): one
    /// more fails the running operation with
    /// [`TooManyPassed`](super::TooManyPassed), so a peer that floods the
    /// session with unsolicited data cannot fill memory.
    pub fn set_max_passed(&mut self, limit: usize) {
        self.max_passed = limit;
    }

    /// The stream.
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The stream, the timer and the deadline for a TLS handshake about to
    /// run on it ([`bounded`]): the machine's silence limit
    /// ([`Conn::timeout`](crate::wire::Conn::timeout)) from now, or the
    /// time limit if that ends sooner, as the blocking driver bounds it.
    pub(crate) fn handshake_parts(
        &mut self,
    ) -> (
        &mut S,
        Option<&mut Box<dyn Timer>>,
        Option<std::time::Instant>,
    ) {
        let deadline = super::handshake_deadline(&self.machine, self.clock.now(), self.limit)
            .map(|at| self.clock.to_std(at));
        (&mut self.stream, self.timer.as_mut(), deadline)
    }

    /// Gives back the stream and the machine; passed events not yet taken
    /// are dropped.
    pub fn into_parts(self) -> (S, M) {
        (self.stream, self.machine)
    }

    /// Writes everything the machine has queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Writes what the machine has queued, as far as the stream takes it
    /// now; ready once all of it is written and flushed. The poll form of
    /// [`flush`](Self::flush), for hand-written futures and adapters.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let stream = &mut self.stream;
        let outbox = self.machine.outbox();
        outbox.seal().map_err(io::Error::other)?;
        while !outbox.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let count = slices
                .iter_mut()
                .zip(outbox.chunks())
                .map(|(slot, chunk)| *slot = IoSlice::new(chunk))
                .count();
            let n = ready!(Pin::new(&mut *stream).poll_write_slices(cx, &slices[..count]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            outbox.advance(n);
        }
        Pin::new(&mut *stream).poll_flush_out(cx)
    }

    /// Writes everything the machine has queued, then shuts the write side
    /// of the stream down (on TLS: sends `close_notify`, so the peer can
    /// tell a complete transfer from a cut connection).
    pub async fn shutdown(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_shutdown(cx)).await
    }

    /// The poll form of [`shutdown`](Self::shutdown).
    pub fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        ready!(Pin::new(&mut self.stream).poll_shut_down(cx))?;
        self.machine.conn_mut().shutdown_sent();
        Poll::Ready(Ok(()))
    }

    /// Flushes, then returns the machine's next event, reading as often as
    /// the machine needs; `Ok(None)` when the machine is paused or the
    /// conversation is over. On a protocol error, the machine's last words
    /// are written before the error is returned. Events that operations
    /// passed back come first, in order. Cancel-safe (see the type's
    /// documentation).
    pub async fn next_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        poll_fn(|cx| self.poll_next_event(cx)).await
    }

    /// The poll form of [`next_event`](Self::next_event). Everything the
    /// driver does is a poll of the stream or the timer between steps of
    /// the machine, so a `Pending` here leaves nothing half-done: this is
    /// why `next_event` is cancel-safe.
    pub fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<NextEvent<M>> {
        match self.passed.pop_front() {
            Some(event) => Poll::Ready(Ok(Some(event))),
            None => self.poll_fresh_event(cx),
        }
    }

    /// The machine's next event, leaving passed ones where they are.
    fn poll_fresh_event(&mut self, cx: &mut Context<'_>) -> Poll<NextEvent<M>> {
        loop {
            self.clock.tick(&mut self.machine);
            match next_step(&mut self.machine) {
                Step::Transmit => ready!(self.poll_flush(cx))?,
                Step::Receive { deadline } => ready!(self.poll_fill(cx, deadline))?,
                Step::Event(event) => return Poll::Ready(Ok(Some(event))),
                Step::Paused | Step::Closed => return Poll::Ready(Ok(None)),
                Step::Shutdown => ready!(self.poll_shutdown(cx))?,
                Step::Fail(e) => {
                    // The last words first; the error is sticky, so if the
                    // stream is not ready the next poll comes back here.
                    return match self.poll_flush(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(_) => Poll::Ready(Err(e)),
                    };
                }
            }
        }
    }

    /// Runs a whole [`Operation`] to completion; events it passes back are
    /// kept for [`next_event`](Self::next_event), as in the blocking
    /// [`Driver::run`](crate::io::Driver::run).
    pub async fn run<O: Operation<M>>(&mut self, op: O) -> Result<O::Output, DriveError<M::Error>> {
        let op_deadline = self.op_timeout.map(|d| self.clock.now() + d);
        let at = super::earliest(self.limit, op_deadline);
        self.machine.conn_mut().set_deadline(at);
        let out = self.run_timed(op).await;
        self.machine.conn_mut().set_deadline(self.limit);
        out
    }

    /// [`run`](Self::run) within the deadline it set.
    async fn run_timed<O: Operation<M>>(
        &mut self,
        mut op: O,
    ) -> Result<O::Output, DriveError<M::Error>> {
        op.start(&mut self.machine).map_err(DriveError::Protocol)?;
        self.flush().await?;
        if let Some(out) = op.sent(&mut self.machine) {
            return Ok(out);
        }
        loop {
            let event = poll_fn(|cx| self.poll_fresh_event(cx))
                .await?
                .ok_or(DriveError::Stalled)?;
            if let Some(out) = feed(
                &mut op,
                &mut self.machine,
                &mut self.passed,
                self.max_passed,
                event,
            )? {
                return Ok(out);
            }
        }
    }

    /// Reads once from the stream into the machine's receive buffer, or
    /// until `deadline`, when the machine is told the time instead.
    fn poll_fill(
        &mut self,
        cx: &mut Context<'_>,
        deadline: Option<Instant>,
    ) -> Poll<io::Result<()>> {
        let clock = self.clock;
        let inbox = self.machine.inbox();
        if inbox.holds_no_block() {
            // An idle connection waits with no receive block of its own:
            // a task parked on a keep-alive connection holds its state and
            // little else. The first read lands on the stack and is copied
            // in once, with room for a whole request head or command.
            let mut first = [0u8; MIN_READ];
            if let Poll::Ready(r) = Pin::new(&mut self.stream).poll_read_slice(cx, &mut first) {
                match r? {
                    0 => self.machine.receive_eof(),
                    n => self.machine.inbox().extend_from_slice(&first[..n]),
                }
                return Poll::Ready(Ok(()));
            }
        } else {
            let space = inbox.spare(MIN_READ);
            if let Poll::Ready(r) = Pin::new(&mut self.stream).poll_read_slice(cx, space) {
                match r? {
                    0 => self.machine.receive_eof(),
                    n => self.machine.inbox().commit(n),
                }
                return Poll::Ready(Ok(()));
            }
        }
        match (self.timer.as_mut(), deadline) {
            (Some(timer), Some(at)) => {
                ready!(timer.poll_until(cx, clock.to_std(at)));
                self.machine.handle_timeout(clock.now());
                Poll::Ready(Ok(()))
            }
            _ => Poll::Pending,
        }
    }
}
