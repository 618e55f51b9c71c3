//! `Read + Write` over any machine whose payload is a byte stream.

use super::{to_io, DriveError, Driver, Socket};
use crate::wire::{ByteMachine, Payload};
use bytes::{Buf, Bytes};
use std::collections::VecDeque;
use std::io::{self, Read, Write};

/// A blocking `Read + Write` over a [`ByteMachine`] (a [`Raw`] FTP data
/// connection, a Gopher response, a tunnel): reads hand out the machine's
/// data events, writes go through the machine (so its timeout, half-close
/// and escaping apply), and [`finish`](Self::finish) half-closes.
///
/// ```no_run
/// use sanswire::io::ByteStream;
/// use sanswire::wire::Raw;
/// use std::io::{Read, Write};
/// # fn main() -> std::io::Result<()> {
/// let tcp = std::net::TcpStream::connect("127.0.0.1:70")?;
/// let mut gopher = ByteStream::new(tcp, Raw::dot_terminated(1 << 20).allow_eof_as_end(true));
/// gopher.write_all(b"/\r\n")?;
/// let mut menu = String::new();
/// gopher.read_to_string(&mut menu)?;
/// # Ok(()) }
/// ```
///
/// [`Raw`]: crate::wire::Raw
#[derive(Debug)]
pub struct ByteStream<S, M: ByteMachine> {
    driver: Driver<S, M>,
    /// Received bytes not yet read by the caller.
    pending: Bytes,
    /// Events that are not payload, in order.
    other: VecDeque<M::Event>,
    ended: bool,
}

impl<S: Socket, M: ByteMachine> ByteStream<S, M>
where
    M::Error: 'static,
{
    /// Wraps a connected stream and the machine to run over it.
    pub fn new(stream: S, machine: M) -> Self {
        Self::from_driver(Driver::new(stream, machine))
    }

    /// Wraps a driver already under way (a tunnel after `CONNECT`: move
    /// the bytes the HTTP machine left in its inbox into the new machine
    /// first).
    pub fn from_driver(driver: Driver<S, M>) -> Self {
        ByteStream {
            driver,
            pending: Bytes::new(),
            other: VecDeque::new(),
            ended: false,
        }
    }

    /// The driver underneath.
    pub fn driver(&mut self) -> &mut Driver<S, M> {
        &mut self.driver
    }

    /// Events that were not payload, oldest first.
    pub fn take_other(&mut self) -> Option<M::Event> {
        self.other.pop_front()
    }

    /// The next piece of the stream without a copy: a slice of the
    /// machine's receive buffer; `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if !self.pending.is_empty() {
            return Ok(Some(core::mem::take(&mut self.pending)));
        }
        while !self.ended {
            match self.driver.next_event().map_err(to_io)? {
                Some(event) => match M::payload(event) {
                    Payload::Data(d) if d.is_empty() => {}
                    Payload::Data(d) => return Ok(Some(d)),
                    Payload::End => self.ended = true,
                    Payload::Other(e) => self.other.push_back(e),
                },
                // Paused or closed: nothing more will come.
                None => self.ended = true,
            }
        }
        Ok(None)
    }

    /// Writes what is queued, then ends the sending side (a FIN, or TLS
    /// `close_notify` and a FIN): the peer reads the end of the data.
    /// Reading goes on.
    pub fn finish(&mut self) -> io::Result<()> {
        self.driver.machine().finish_payload();
        self.driver.shutdown()
    }
}

impl<S: Socket, M: ByteMachine> Read for ByteStream<S, M>
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

impl<S: Socket, M: ByteMachine> Write for ByteStream<S, M>
where
    M::Error: 'static,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.driver
            .machine()
            .write_payload(buf)
            .map_err(|e| to_io(DriveError::<_, core::convert::Infallible>::Protocol(e)))?;
        self.driver.flush()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.driver.flush()
    }
}
