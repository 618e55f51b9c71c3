//! A machine for connections that carry plain bytes: an FTP data
//! connection, a Gopher response, a tunnel after HTTP `CONNECT` or `101`.

use super::{CommonError, Conn, DotUnstuffer, LineError, Machine, Next, Unstuffed};
use bytes::Bytes;

/// What a [`Raw`] machine hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawEvent {
    /// Bytes received, as a slice of the receive buffer (unstuffed, in the
    /// dot-terminated mode).
    Data(Bytes),
    /// The incoming stream is complete: the peer closed it, or (in the
    /// dot-terminated mode) the `.` line came.
    End,
}

/// How the incoming stream of a [`Raw`] machine ends.
#[derive(Debug, Clone)]
enum Ending {
    /// At the peer's end of stream (FTP data, Gopher items other than
    /// text and menus, tunnels).
    Eof,
    /// At a `.` line, with the dots that stuff line starts removed
    /// (RFC 1436 text and menus, as NNTP and POP3 blocks).
    DotLine {
        unstuffer: DotUnstuffer,
        /// Accept the end of stream as the end: gophernicus leaves the
        /// final `.` off text, pygopherd off menus.
        eof_ends: bool,
    },
}

/// A byte stream in both directions, with the shared contract of every
/// machine: zero-copy receive, half-close ([`finish`](Self::finish)), a
/// timeout, last words of none.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::wire::{Machine, Next, Raw, RawEvent};
/// let mut tunnel = Raw::new();
/// tunnel.send(Bytes::from_static(b"hello")).unwrap();
/// tunnel.finish();
/// assert_eq!(tunnel.outbox().take_vec(), b"hello");
/// assert!(!tunnel.may_send() && tunnel.may_recv()); // half-closed
/// tunnel.receive(b"world");
/// tunnel.receive_eof();
/// assert_eq!(tunnel.poll_event(), Ok(Next::Event(RawEvent::Data(Bytes::from_static(b"world")))));
/// assert_eq!(tunnel.poll_event(), Ok(Next::Event(RawEvent::End)));
/// assert!(tunnel.is_closed());
///
/// // A Gopher menu: dot-terminated, dot-stuffed.
/// let mut menu = Raw::dot_terminated(4096);
/// menu.receive(b"iline\t\t\t\r\n..dot\r\n.\r\n");
/// assert_eq!(menu.poll_event(), Ok(Next::Event(RawEvent::Data(Bytes::from_static(b"iline\t\t\t\r\n")))));
/// assert_eq!(menu.poll_event(), Ok(Next::Event(RawEvent::Data(Bytes::from_static(b".dot\r\n")))));
/// assert_eq!(menu.poll_event(), Ok(Next::Event(RawEvent::End)));
/// ```
#[derive(Debug)]
pub struct Raw {
    conn: Conn<CommonError>,
    ending: Ending,
    ended: bool,
}

impl Default for Raw {
    fn default() -> Self {
        Self::new()
    }
}

impl Raw {
    /// A stream whose incoming side ends when the peer closes it.
    pub fn new() -> Self {
        Raw {
            conn: Conn::new(),
            ending: Ending::Eof,
            ended: false,
        }
    }

    /// A stream whose incoming side ends at a `.` line, refusing lines
    /// longer than `max_line` (ending included). The end of stream before
    /// the `.` line is an error ([`CommonError::UnexpectedEof`]) unless
    /// [`allow_eof_as_end`](Self::allow_eof_as_end).
    pub fn dot_terminated(max_line: usize) -> Self {
        Raw {
            conn: Conn::new(),
            ending: Ending::DotLine {
                unstuffer: DotUnstuffer::new(max_line),
                eof_ends: false,
            },
            ended: false,
        }
    }

    /// In the dot-terminated mode, takes the peer's end of stream as the
    /// end too (gophernicus omits the final `.` on text files, pygopherd on
    /// menus). Does nothing in the other mode.
    pub fn allow_eof_as_end(mut self, allow: bool) -> Self {
        if let Ending::DotLine { eof_ends, .. } = &mut self.ending {
            *eof_ends = allow;
        }
        self
    }

    /// Queues `data` for the peer without copying it.
    pub fn send(&mut self, data: Bytes) -> Result<(), CommonError> {
        self.check_sending()?;
        self.conn.outbox.push(data);
        Ok(())
    }

    /// Queues a copy of `data` for the peer.
    pub fn write(&mut self, data: &[u8]) -> Result<(), CommonError> {
        self.check_sending()?;
        self.conn.outbox.write(data);
        Ok(())
    }

    /// Nothing more will be sent: once the outbox is written the driver
    /// shuts the sending side down (for FTP uploads in stream mode and
    /// Gopher responses, that is the end of the data). Reading goes on.
    pub fn finish(&mut self) {
        self.conn.close_send();
    }

    fn check_sending(&self) -> Result<(), CommonError> {
        self.conn.check()?;
        if !self.conn.may_send() {
            return Err(CommonError::OutOfSequence("the sending side is finished"));
        }
        Ok(())
    }

    fn end(&mut self) -> Next<RawEvent> {
        self.ended = true;
        self.conn.close_recv();
        Next::Event(RawEvent::End)
    }
}

impl Machine for Raw {
    type Event = RawEvent;
    type Error = CommonError;

    fn conn(&self) -> &Conn<CommonError> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<CommonError> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<RawEvent>, CommonError> {
        if self.ended {
            return Ok(Next::Paused);
        }
        let inbox = &mut self.conn.inbox;
        match &mut self.ending {
            Ending::Eof if !inbox.is_empty() => Ok(Next::Event(RawEvent::Data(inbox.take_all()))),
            Ending::Eof if inbox.is_eof() => Ok(self.end()),
            Ending::Eof => Ok(Next::NeedInput),
            Ending::DotLine {
                unstuffer,
                eof_ends,
            } => match unstuffer.next(inbox) {
                Ok(Some(Unstuffed::Data(d))) => Ok(Next::Event(RawEvent::Data(d))),
                Ok(Some(Unstuffed::End)) => Ok(self.end()),
                Ok(None) if !inbox.is_eof() => Ok(Next::NeedInput),
                // What is left is a last line without its ending.
                Ok(None) if *eof_ends && !inbox.is_empty() => {
                    Ok(Next::Event(RawEvent::Data(inbox.take_all())))
                }
                Ok(None) if *eof_ends => Ok(self.end()),
                Ok(None) => Err(CommonError::UnexpectedEof),
                Err(LineError::TooLong { limit }) => Err(CommonError::LineTooLong { limit }),
            },
        }
    }
}

/// What an event of a [`ByteMachine`] means for a byte-stream reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload<E> {
    /// Bytes of the stream.
    Data(Bytes),
    /// The incoming stream is complete.
    End,
    /// Anything else the machine reports (a Telnet option change, ...),
    /// kept for the caller in order.
    Other(E),
}

/// A machine whose payload is a byte stream in both directions ([`Raw`];
/// Telnet, HTTP tunnels and FTP data to come): enough for the byte-stream
/// adapters (`io::ByteStream`) to offer `Read + Write` over any of them,
/// with the protocol's own framing and escaping still in the machine.
pub trait ByteMachine: Machine {
    /// What `event` means for a reader of the stream.
    fn payload(event: Self::Event) -> Payload<Self::Event>;

    /// Queues `data` (escaped, framed, as the protocol wants).
    fn write_payload(&mut self, data: &[u8]) -> Result<(), Self::Error>;

    /// Nothing more will be written: the machine ends its sending side.
    fn finish_payload(&mut self);
}

impl ByteMachine for Raw {
    fn payload(event: RawEvent) -> Payload<RawEvent> {
        match event {
            RawEvent::Data(d) => Payload::Data(d),
            RawEvent::End => Payload::End,
        }
    }

    fn write_payload(&mut self, data: &[u8]) -> Result<(), CommonError> {
        self.write(data)
    }

    fn finish_payload(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn drain(m: &mut Raw) -> Result<Vec<u8>, CommonError> {
        let mut out = Vec::new();
        loop {
            match m.poll_event()? {
                Next::Event(RawEvent::Data(d)) => out.extend_from_slice(&d),
                Next::Event(RawEvent::End) => return Ok(out),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn dot_mode_refuses_a_missing_terminator_unless_told() {
        let mut strict = Raw::dot_terminated(100);
        strict.receive(b"text\r\nlast");
        strict.receive_eof();
        assert_eq!(drain(&mut strict), Err(CommonError::UnexpectedEof));
        let mut lenient = Raw::dot_terminated(100).allow_eof_as_end(true);
        lenient.receive(b"text\r\nlast");
        lenient.receive_eof();
        assert_eq!(drain(&mut lenient).unwrap(), b"text\r\nlast");
    }

    #[test]
    fn dot_mode_bounds_lines_and_stops_at_the_dot() {
        let mut m = Raw::dot_terminated(8);
        m.receive(b"0123456789\r\n");
        assert_eq!(drain(&mut m), Err(CommonError::LineTooLong { limit: 8 }));
        let mut m = Raw::dot_terminated(100);
        m.receive(b"a\r\n.\r\nafter");
        assert_eq!(drain(&mut m).unwrap(), b"a\r\n");
        assert_eq!(m.inbox().data(), b"after");
        assert!(!m.may_recv());
    }

    #[test]
    fn nothing_is_sent_after_finish() {
        let mut m = Raw::new();
        m.finish();
        assert!(m.send(Bytes::from_static(b"x")).is_err());
        assert!(m.conn().wants_shutdown());
    }
}
