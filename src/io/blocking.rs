use crate::wire::{Machine, Next, ProtocolError};
use std::fmt;
use std::io::{self, IoSlice, Read, Write};

/// The least room the driver wants for one read; whatever spare the inbox
/// already has beyond it is offered too (see `Inbox::set_read_size`).
const MIN_READ: usize = 4 * 1024;

/// How many outbox chunks go into one vectored write.
const MAX_IOVECS: usize = 64;

/// A failure while driving a machine: the stream failed, or the protocol
/// did.
#[derive(Debug)]
pub enum DriveError<E> {
    /// Reading or writing the stream failed.
    Io(io::Error),
    /// The machine reported a protocol error (sticky: it will not go on).
    Protocol(E),
    /// The stream ended where the protocol needed more bytes.
    UnexpectedEof,
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Io(e) => write!(f, "I/O error: {e}"),
            DriveError::Protocol(e) => write!(f, "protocol error: {e}"),
            DriveError::UnexpectedEof => f.write_str("connection closed unexpectedly"),
        }
    }
}

impl<E: ProtocolError + 'static> std::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriveError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<io::Error> for DriveError<E> {
    fn from(e: io::Error) -> Self {
        DriveError::Io(e)
    }
}

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
#[derive(Debug)]
pub struct Driver<S, M> {
    stream: S,
    machine: M,
}

impl<S: Read + Write, M: Machine> Driver<S, M> {
    /// Wraps a connected stream and a fresh machine.
    pub fn new(stream: S, machine: M) -> Self {
        Driver { stream, machine }
    }

    /// The machine, to send commands or replies through.
    pub fn machine(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The stream (for timeouts and socket options).
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the stream and the machine (for a protocol hand-off or a
    /// TLS upgrade).
    pub fn into_parts(self) -> (S, M) {
        (self.stream, self.machine)
    }

    /// Writes everything the machine has queued.
    pub fn flush(&mut self) -> io::Result<()> {
        let outbox = self.machine.outbox();
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

    /// Flushes, then returns the machine's next event, reading from the
    /// stream as often as the machine needs. `Ok(None)` means the machine
    /// is paused until the local side acts (see [`Next::Paused`]).
    pub fn next_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        loop {
            self.flush()?;
            match self.machine.poll_event().map_err(DriveError::Protocol)? {
                Next::Event(event) => return Ok(Some(event)),
                Next::Paused => return Ok(None),
                Next::NeedInput if self.machine.inbox().is_eof() => {
                    return Err(DriveError::UnexpectedEof)
                }
                Next::NeedInput => self.fill()?,
            }
        }
    }

    /// Reads once from the stream into the machine's receive buffer.
    fn fill(&mut self) -> io::Result<()> {
        let inbox = self.machine.inbox();
        let n = loop {
            match self.stream.read(inbox.spare(MIN_READ)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
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
}
