use super::{feed, is_timeout, next_step, Clock, DriveError, Socket, Step, MAX_IOVECS, MIN_READ};
use crate::wire::{Instant, Machine, Operation};
use std::collections::{vec_deque, VecDeque};
use std::io::{self, IoSlice};

/// Drives any [`Machine`] over a blocking `Read + Write` stream.
///
/// ```no_run
/// use sanswire::io::Driver;
/// use sanswire::http;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = std::net::TcpStream::connect("127.0.0.1:8080")?;
/// let mut driver = Driver::new(stream, http::Client::new());
/// driver.machine().send_request(&http::Request::get("/"))?;
/// while let Some(event) = driver.next_event()? {
///     println!("{event:?}");
///     if matches!(event, http::Event::End) {
///         break;
///     }
/// }
/// # Ok(()) }
/// ```
///
/// # Time and close
///
/// When the machine has a timeout ([`Machine::set_timeout`]), the driver
/// reads with a socket timeout up to the machine's deadline, and a peer
/// that stays silent past it ends `next_event` with the machine's
/// `TimedOut` error, after the machine's last words went out. When the
/// machine will send no more (QUIT answered, `Connection: close`), the
/// driver shuts the sending side of the stream down once the outbox is
/// written ([`Socket::shutdown_write`]) and keeps reading while the
/// machine does.
#[derive(Debug)]
pub struct Driver<S, M: Machine> {
    stream: S,
    machine: M,
    /// Events operations passed back, for the caller, oldest first.
    passed: VecDeque<M::Event>,
    /// How many of them are kept at most.
    max_passed: usize,
    clock: Clock,
    /// Whether a read timeout is set on the stream now.
    timed: bool,
    /// How long one `run` may take in all.
    op_timeout: Option<core::time::Duration>,
    /// When everything must be done (`set_time_limit`).
    limit: Option<Instant>,
}

impl<S: Socket, M: Machine> Driver<S, M> {
    /// Wraps a connected stream and a fresh machine.
    pub fn new(stream: S, machine: M) -> Self {
        Driver {
            stream,
            passed: VecDeque::new(),
            max_passed: super::DEFAULT_MAX_PASSED,
            clock: Clock::new(),
            timed: false,
            op_timeout: None,
            // A deadline set on the machine before (counted from now,
            // the driver's origin) is its time limit.
            limit: machine.conn().hard_deadline(),
            machine,
        }
    }

    /// How long each [`run`](Self::run) may take in all, however the peer
    /// spaces its bytes (`None`, the default: no limit beyond the
    /// machine's silence timeout). Past it the operation fails with the
    /// machine's `TimedOut` error, after its last words; the connection
    /// is then over.
    pub fn set_operation_timeout(&mut self, limit: Option<core::time::Duration>) {
        self.op_timeout = limit;
    }

    /// Everything from now on must be done within `limit` (curl's `-m`),
    /// on the machine's timer: past it, the call under way fails with the
    /// machine's `TimedOut` error. `None` lifts the limit.
    pub fn set_time_limit(&mut self, limit: Option<core::time::Duration>) {
        self.limit = limit.map(|d| self.clock.now() + d);
        self.machine.conn_mut().set_deadline(self.limit);
    }

    /// The machine, to send commands or replies through.
    pub fn machine(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The machine, to read its state.
    pub fn machine_ref(&self) -> &M {
        &self.machine
    }

    /// The events operations passed back (see
    /// [`OpStep::Pass`](crate::wire::OpStep::Pass)) that
    /// [`next_event`](Self::next_event) has not handed out yet, oldest
    /// first. They stay until taken (usually a few: an HTTP 1xx head, the
    /// answer to a command queued by hand).
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

    /// The stream (for timeouts and socket options).
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the stream and the machine (for a protocol hand-off or a
    /// TLS upgrade); passed events not yet taken are dropped.
    pub fn into_parts(self) -> (S, M) {
        (self.stream, self.machine)
    }

    /// Writes everything the machine has queued.
    pub fn flush(&mut self) -> io::Result<()> {
        let outbox = self.machine.outbox();
        outbox.seal().map_err(io::Error::other)?;
        while !outbox.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let mut count = 0;
            for (slot, chunk) in slices.iter_mut().zip(outbox.chunks()) {
                *slot = IoSlice::new(chunk);
                count += 1;
            }
            let n = self.stream.write_vectored(&slices[..count])?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            outbox.advance(n);
        }
        self.stream.flush()
    }

    /// Writes what the machine queued, then shuts the sending side of the
    /// stream down (on TLS: `close_notify` first), whether or not the
    /// machine is done; reading may go on.
    pub fn shutdown(&mut self) -> io::Result<()> {
        self.flush()?;
        self.stream.shutdown_write()?;
        self.machine.conn_mut().shutdown_sent();
        Ok(())
    }

    /// Flushes, then returns the machine's next event, reading from the
    /// stream as often as the machine needs. `Ok(None)` means the machine
    /// is paused until the local side acts (see [`Next::Paused`]), or the
    /// conversation is over ([`Machine::is_closed`]).
    ///
    /// On a protocol error, what the machine queued as its last words is
    /// written before the error is returned. Events that operations passed
    /// back come first, in order.
    ///
    /// [`Next::Paused`]: crate::wire::Next::Paused
    pub fn next_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        match self.passed.pop_front() {
            Some(event) => Ok(Some(event)),
            None => self.fresh_event(),
        }
    }

    /// The machine's next event, leaving passed ones where they are.
    fn fresh_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        loop {
            self.clock.tick(&mut self.machine);
            match next_step(&mut self.machine) {
                Step::Transmit => self.flush()?,
                Step::Receive { deadline } => self.fill(deadline)?,
                Step::Event(event) => return Ok(Some(event)),
                Step::Paused | Step::Closed => return Ok(None),
                Step::Shutdown => self.shutdown()?,
                Step::Fail(e) => {
                    // Best effort: the error matters more than a failed write.
                    let _ = self.flush();
                    return Err(e);
                }
            }
        }
    }

    /// Runs a whole [`Operation`]: starts it, then feeds it new events
    /// until it completes. Events it passes back are kept, in order, for
    /// [`next_event`](Self::next_event) and [`passed`](Self::passed); the
    /// operation never sees events passed before it started.
    pub fn run<O: Operation<M>>(&mut self, op: O) -> Result<O::Output, DriveError<M::Error>> {
        let op_deadline = self.op_timeout.map(|d| self.clock.now() + d);
        let at = super::earliest(self.limit, op_deadline);
        self.machine.conn_mut().set_deadline(at);
        let out = self.run_timed(op);
        self.machine.conn_mut().set_deadline(self.limit);
        out
    }

    /// [`run`](Self::run) within the deadline it set.
    fn run_timed<O: Operation<M>>(&mut self, mut op: O) -> Result<O::Output, DriveError<M::Error>> {
        op.start(&mut self.machine).map_err(DriveError::Protocol)?;
        self.flush()?;
        if let Some(out) = op.sent(&mut self.machine) {
            return Ok(out);
        }
        loop {
            let event = self.fresh_event()?.ok_or(DriveError::Stalled)?;
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
    fn fill(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        self.arm(deadline)?;
        let inbox = self.machine.inbox();
        let n = loop {
            match self.stream.read(inbox.spare(MIN_READ)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if deadline.is_some() && is_timeout(&e) => {
                    self.machine.handle_timeout(self.clock.now());
                    return Ok(());
                }
                other => break other?,
            }
        };
        if n == 0 {
            self.machine.receive_eof();
        } else {
            inbox.commit(n);
        }
        Ok(())
    }

    /// Bounds a TLS handshake about to run on the stream: its read
    /// timeout becomes the machine's silence limit
    /// ([`Conn::timeout`](crate::wire::Conn::timeout)), or what is left of
    /// the time limit when that ends sooner, so a peer that goes quiet
    /// mid-handshake ends it with an error instead of holding the
    /// connection for ever. The next read sets the timeout from the
    /// machine again.
    pub(crate) fn arm_handshake(&mut self) -> io::Result<()> {
        let deadline = super::handshake_deadline(&self.machine, self.clock.now(), self.limit);
        self.arm(deadline)
    }

    /// Sets the stream's read timeout to what is left until `deadline`
    /// (and clears it when there is none), touching the socket only when
    /// something changes.
    fn arm(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        match deadline {
            Some(at) => {
                let left = at.saturating_since(self.clock.now());
                // A zero timeout means "none" to the OS: wait at least 1 ms.
                let left = left.max(core::time::Duration::from_millis(1));
                self.stream.set_read_timeout(Some(left))?;
                self.timed = true;
            }
            None if self.timed => {
                self.stream.set_read_timeout(None)?;
                self.timed = false;
            }
            None => {}
        }
        Ok(())
    }
}
