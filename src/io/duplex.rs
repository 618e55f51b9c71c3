//! Both directions at once over a blocking stream: a [`ByteMachine`]
//! (Telnet, a tunnel) split into a reading half and a writing half that
//! can live on two threads, so keystrokes go out while the reader waits
//! for the peer.
//!
//! The machine sits behind a mutex that neither half holds while it
//! waits on the socket: the reader reads into a buffer of its own, then
//! takes the lock to hand the bytes to the machine, poll it, and write
//! what it queued (Telnet's negotiation answers) at once. The price is
//! one copy of received bytes into the machine's buffer. No timeout
//! applies here: the machine's timer is not run.

use super::{to_io, DriveError, Socket, MAX_IOVECS};
use crate::wire::{ByteMachine, Next, Payload};
use bytes::{Buf, Bytes};
use std::boxed::Box;
use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// The size of the reading half's buffer.
const READ_BUF: usize = 16 * 1024;

#[derive(Debug)]
struct Shared<W, M> {
    machine: M,
    writer: W,
    shut: bool,
}

type Handle<W, M> = Arc<Mutex<Shared<W, M>>>;

/// Splits `machine` over a stream's two handles (for a `TcpStream`:
/// the stream and its `try_clone`).
///
/// ```no_run
/// use sanswire::io::duplex;
/// use sanswire::telnet::Client;
/// use std::io::{Read, Write};
/// # fn main() -> std::io::Result<()> {
/// let tcp = std::net::TcpStream::connect("127.0.0.1:23")?;
/// let (mut rx, mut tx) = duplex::split(tcp.try_clone()?, tcp, Client::new());
/// std::thread::spawn(move || tx.write_all(b"who\r\n"));
/// let mut screen = String::new();
/// rx.read_to_string(&mut screen)?;
/// # Ok(()) }
/// ```
pub fn split<R: Read, W: Socket, M: ByteMachine>(
    reader: R,
    writer: W,
    machine: M,
) -> (ReadHalf<R, W, M>, WriteHalf<W, M>) {
    let shared = Arc::new(Mutex::new(Shared {
        machine,
        writer,
        shut: false,
    }));
    let read = ReadHalf {
        reader,
        shared: Arc::clone(&shared),
        buf: std::vec![0; READ_BUF].into_boxed_slice(),
        pending: Bytes::new(),
        other: VecDeque::new(),
        ended: false,
    };
    (read, WriteHalf { shared })
}

fn lock<W, M>(shared: &Handle<W, M>) -> io::Result<MutexGuard<'_, Shared<W, M>>> {
    shared
        .lock()
        .map_err(|_| io::Error::other("the other half panicked"))
}

/// What one poll of the machine gave.
enum Polled<E> {
    Event(E),
    NeedInput,
    Done,
}

impl<W: Socket, M: ByteMachine> Shared<W, M>
where
    M::Error: 'static,
{
    /// Writes everything the machine queued; shuts the sending side down
    /// once the machine sends no more.
    fn flush(&mut self) -> io::Result<()> {
        let outbox = self.machine.outbox();
        outbox.seal().map_err(io::Error::other)?;
        while !outbox.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let mut count = 0;
            for (slot, chunk) in slices.iter_mut().zip(outbox.chunks()) {
                *slot = IoSlice::new(chunk);
                count += 1;
            }
            let n = self.writer.write_vectored(&slices[..count])?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            outbox.advance(n);
        }
        self.writer.flush()?;
        if self.machine.conn().wants_shutdown() && !self.shut {
            self.shut = true;
            self.writer.shutdown_write()?;
            self.machine.conn_mut().shutdown_sent();
        }
        Ok(())
    }

    /// Polls once, writing what the poll queued before returning.
    fn poll(&mut self) -> io::Result<Polled<M::Event>> {
        let next = self.machine.poll_event();
        // Answers queued by the poll go out now, before anyone waits.
        let flushed = self.flush();
        let next =
            next.map_err(|e| to_io(DriveError::<_, core::convert::Infallible>::Protocol(e)))?;
        flushed?;
        Ok(match next {
            Next::Event(e) => Polled::Event(e),
            Next::NeedInput if self.machine.may_recv() => Polled::NeedInput,
            _ => Polled::Done,
        })
    }
}

/// The reading half: `Read` over the machine's data; everything else the
/// machine reports is kept for [`take_other`](Self::take_other).
#[derive(Debug)]
pub struct ReadHalf<R, W, M: ByteMachine> {
    reader: R,
    shared: Handle<W, M>,
    buf: Box<[u8]>,
    pending: Bytes,
    other: VecDeque<M::Event>,
    ended: bool,
}

impl<R: Read, W: Socket, M: ByteMachine> ReadHalf<R, W, M>
where
    M::Error: 'static,
{
    /// Events that were not data (option changes, commands), oldest first.
    pub fn take_other(&mut self) -> Option<M::Event> {
        self.other.pop_front()
    }

    /// The next piece of data, a slice of the machine's receive buffer;
    /// `None` once the peer closed.
    pub fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if !self.pending.is_empty() {
            return Ok(Some(core::mem::take(&mut self.pending)));
        }
        while !self.ended {
            let polled = lock(&self.shared)?.poll()?;
            match polled {
                Polled::Event(event) => match M::payload(event) {
                    Payload::Data(d) if d.is_empty() => {}
                    Payload::Data(d) => return Ok(Some(d)),
                    Payload::End => self.ended = true,
                    Payload::Other(e) => self.other.push_back(e),
                },
                Polled::NeedInput => self.fill()?,
                Polled::Done => self.ended = true,
            }
        }
        Ok(None)
    }

    /// One read from the peer, without the lock, handed to the machine.
    fn fill(&mut self) -> io::Result<()> {
        let n = loop {
            match self.reader.read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        let mut shared = lock(&self.shared)?;
        match n {
            0 => shared.machine.receive_eof(),
            n => shared.machine.receive(&self.buf[..n]),
        }
        Ok(())
    }

    /// Runs `f` on the machine, then writes what it queued.
    pub fn with_machine<T>(&self, f: impl FnOnce(&mut M) -> T) -> io::Result<T> {
        with_machine(&self.shared, f)
    }
}

impl<R: Read, W: Socket, M: ByteMachine> Read for ReadHalf<R, W, M>
where
    M::Error: 'static,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pending.is_empty() {
            match self.next_chunk()? {
                Some(chunk) => self.pending = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.advance(n);
        Ok(n)
    }
}

/// The writing half: `Write` through the machine (escaped and framed by
/// it), from any thread.
#[derive(Debug)]
pub struct WriteHalf<W, M> {
    shared: Handle<W, M>,
}

fn with_machine<W: Socket, M: ByteMachine, T>(
    shared: &Handle<W, M>,
    f: impl FnOnce(&mut M) -> T,
) -> io::Result<T>
where
    M::Error: 'static,
{
    let mut shared = lock(shared)?;
    let out = f(&mut shared.machine);
    shared.flush()?;
    Ok(out)
}

impl<W: Socket, M: ByteMachine> WriteHalf<W, M>
where
    M::Error: 'static,
{
    /// Runs `f` on the machine (a typed send: a Telnet command, a window
    /// size), then writes what it queued.
    pub fn with_machine<T>(&self, f: impl FnOnce(&mut M) -> T) -> io::Result<T> {
        with_machine(&self.shared, f)
    }

    /// Ends the sending side once what is queued is written; the reading
    /// half goes on until the peer closes.
    pub fn finish(&mut self) -> io::Result<()> {
        with_machine(&self.shared, |m| m.finish_payload())
    }
}

impl<W: Socket, M: ByteMachine> Write for WriteHalf<W, M>
where
    M::Error: 'static,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        with_machine(&self.shared, |m| m.write_payload(buf))?
            .map_err(|e| to_io(DriveError::<_, core::convert::Infallible>::Protocol(e)))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.shared)?.flush()
    }
}
