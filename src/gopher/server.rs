//! The server machine.

use super::{DataHeader, Error, ErrorKind, Length, Limits, Menu, Request};
use crate::wire::{Conn, DotStuffer, LineError, LineReader, Machine, Next};
use bytes::Bytes;
use core::time::Duration;

/// How long a client may take to send its request line, by default:
/// silent, or trickling it a byte at a time (slowloris).
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server machine reports: the one request of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The request line arrived. Answer it with one of the `send_*`
    /// methods (then [`Server::finish`] for text and binaries).
    Request(Request),
}

/// How far the answer is.
#[derive(Debug)]
enum State {
    /// Reading the request line.
    Reading,
    /// The request was handed out; nothing answered yet.
    Answering { plus: bool },
    /// Text going out, dot-stuffed.
    Text(DotStuffer),
    /// Bytes going out; `left` for a `+N` answer.
    Binary { left: Option<u64> },
    /// The answer is complete.
    Done,
}

/// A Gopher server for one connection: reads the request line (bounded;
/// CRLF or a bare LF), hands it out as [`Event::Request`], and encodes
/// the answer: a [`Menu`], dot-stuffed text with its `.` line, raw
/// binaries, Gopher+ headers, attribute blocks and errors. Once the answer
/// is complete the machine sends no more, and the driver closes.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::gopher::{Server, ServerEvent};
/// use sanswire::wire::{Machine, Next};
/// let mut server = Server::new();
/// server.receive(b"/motd\r\n");
/// let Ok(Next::Event(ServerEvent::Request(req))) = server.poll_event() else { panic!() };
/// assert_eq!(&req.selector[..], b"/motd");
/// server.send_text(Bytes::from_static(b"Hello\n.hidden\n")).unwrap();
/// server.finish().unwrap();
/// assert_eq!(server.outbox().take_vec(), b"Hello\r\n..hidden\r\n.\r\n");
/// assert!(!server.may_send());
/// ```
#[derive(Debug)]
pub struct Server {
    conn: Conn<Error>,
    lines: LineReader,
    state: State,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    /// A server with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(&Limits::default())
    }

    /// A server with these limits.
    pub fn with_limits(limits: &Limits) -> Self {
        let mut conn = Conn::with_timeout(SERVER_TIMEOUT);
        conn.set_message_timeout(Some(SERVER_TIMEOUT));
        Server {
            conn,
            lines: LineReader::new(limits.max_request_line),
            state: State::Reading,
        }
    }

    /// Sends a whole menu, and ends the answer (behind a `+-1` header to
    /// a Gopher+ request).
    pub fn send_menu(&mut self, menu: &Menu) -> Result<(), Error> {
        self.start()?;
        self.plus_header(b"+-1\r\n");
        self.conn.outbox.push(menu.as_bytes().clone());
        self.done();
        Ok(())
    }

    /// Sends a piece of a text file: line ends become CRLF and a `.`
    /// starting a line is doubled, so no line of the file can end the
    /// answer early. [`finish`](Self::finish) writes the `.` line. To a
    /// Gopher+ request, a `+-1` header goes first unless
    /// [`send_header`](Self::send_header) sent one.
    pub fn send_text(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.conn.check()?;
        match &mut self.state {
            State::Answering { .. } => {
                self.plus_header(b"+-1\r\n");
                self.state = State::Text(DotStuffer::new());
            }
            State::Text(_) => {}
            _ => return Err(ErrorKind::OutOfSequence("text after another kind of answer").into()),
        }
        if let State::Text(stuffer) = &mut self.state {
            stuffer.stuff(chunk, &mut self.conn.outbox);
        }
        Ok(())
    }

    /// Sends a piece of a binary as it is (no copy); after a `+N` header,
    /// no more than N bytes in all. To a Gopher+ request, a `+-2` header
    /// goes first unless [`send_header`](Self::send_header) sent one.
    pub fn send_binary(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.conn.check()?;
        match &mut self.state {
            State::Answering { .. } => {
                self.plus_header(b"+-2\r\n");
                self.state = State::Binary { left: None };
            }
            State::Binary { left: Some(left) } => {
                let n = chunk.len() as u64;
                if n > *left {
                    return Err(ErrorKind::LengthMismatch.into());
                }
                *left -= n;
            }
            State::Binary { left: None } => {}
            _ => {
                return Err(ErrorKind::OutOfSequence("binary after another kind of answer").into())
            }
        }
        self.conn.outbox.push(chunk);
        Ok(())
    }

    /// Starts a Gopher+ answer with its header line: after `+-1` send
    /// text, after `+-2` or `+N` a binary, then [`finish`](Self::finish).
    pub fn send_header(&mut self, header: DataHeader) -> Result<(), Error> {
        self.start()?;
        self.conn.outbox.write(&header.to_line());
        self.state = match header.length {
            Length::DotTerminated => State::Text(DotStuffer::new()),
            Length::UntilClose => State::Binary { left: None },
            Length::Bytes(n) => State::Binary { left: Some(n) },
        };
        Ok(())
    }

    /// Answers a Gopher+ `!` or `$` request with attribute blocks (from
    /// [`AttributesBuilder`](super::AttributesBuilder)), behind a `+-1`
    /// header and before the `.` line; ends the answer.
    pub fn send_attributes(&mut self, blocks: &Bytes) -> Result<(), Error> {
        self.start()?;
        self.conn.outbox.write(b"+-1\r\n");
        // Block lines start with `+` or a space, never a dot: no stuffing.
        self.conn.outbox.push(blocks.clone());
        self.conn.outbox.write(b".\r\n");
        self.done();
        Ok(())
    }

    /// Answers with an error and ends the answer: a Gopher+ `--1` error
    /// (code 1, not available) to a Gopher+ request, otherwise a menu of
    /// one type-3 line, as RFC 1436 servers do. `message` may not hold
    /// TAB, CR, LF or NUL.
    pub fn send_error(&mut self, message: impl AsRef<[u8]>) -> Result<(), Error> {
        let message = message.as_ref();
        super::item::check_field(message)?;
        let State::Answering { plus } = self.state else {
            return Err(ErrorKind::OutOfSequence("the answer has started").into());
        };
        self.conn.check()?;
        let out = &mut self.conn.outbox;
        if plus {
            out.write(b"--1\r\n1 ");
            out.write(message);
            out.write(b"\r\n.\r\n");
        } else {
            out.write(b"3");
            out.write(message);
            out.write(b"\t\terror.host\t1\r\n.\r\n");
        }
        self.done();
        Ok(())
    }

    /// Ends the answer: the `.` line after text; nothing after a binary
    /// (the close ends it), which must have been as long as a `+N` header
    /// said. The driver then closes.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.conn.check()?;
        match &mut self.state {
            State::Text(stuffer) => stuffer.finish(&mut self.conn.outbox),
            State::Binary { left: Some(n) } if *n > 0 => {
                return Err(ErrorKind::LengthMismatch.into());
            }
            State::Binary { .. } | State::Answering { .. } => {}
            State::Reading | State::Done => {
                return Err(ErrorKind::OutOfSequence("no answer in progress").into());
            }
        }
        self.done();
        Ok(())
    }

    fn start(&mut self) -> Result<(), Error> {
        self.conn.check()?;
        match self.state {
            State::Answering { .. } => Ok(()),
            _ => Err(ErrorKind::OutOfSequence("the answer has started, or no request").into()),
        }
    }

    /// Every answer to a Gopher+ request starts with a header line.
    fn plus_header(&mut self, header: &'static [u8]) {
        if let State::Answering { plus: true } = self.state {
            self.conn.outbox.write(header);
        }
    }

    fn done(&mut self) {
        self.state = State::Done;
        self.conn.stop();
    }

    /// The last words before failing: a type-3 line, understood by every
    /// client, Gopher+ or not.
    fn refuse(&mut self, why: &[u8], error: Error) -> Error {
        let out = &mut self.conn.outbox;
        out.write(b"3");
        out.write(why);
        out.write(b"\t\terror.host\t1\r\n.\r\n");
        error
    }

    fn request(&mut self) -> Result<Next<Event>, Error> {
        let inbox = &mut self.conn.inbox;
        let line = match self.lines.next_line(inbox) {
            Ok(Some(line)) => line.bytes,
            Ok(None) if !inbox.is_eof() => return Ok(Next::NeedInput),
            // A client that half-closes without ending its line
            // (`printf /sel | nc`) still asked for something.
            Ok(None) if !inbox.is_empty() => inbox.take_all(),
            Ok(None) => return Err(ErrorKind::UnexpectedEof.into()),
            Err(LineError::TooLong { limit }) => {
                let e = ErrorKind::LineTooLong { limit }.into();
                return Err(self.refuse(b"Request too long", e));
            }
        };
        let request = match Request::parse(line) {
            Ok(r) => r,
            Err(e) => return Err(self.refuse(b"Bad request", e)),
        };
        // One request per connection: nothing after it is read.
        self.conn.close_recv();
        self.state = State::Answering {
            plus: request.plus.is_plus(),
        };
        Ok(Next::Event(Event::Request(request)))
    }
}

impl Machine for Server {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        match self.state {
            State::Reading => self.request(),
            _ => Ok(Next::Paused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gopher::{ItemType, MenuBuilder, Plus};

    fn request(server: &mut Server, line: &[u8]) -> Request {
        server.receive(line);
        match server.poll_event() {
            Ok(Next::Event(Event::Request(r))) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn menus_and_errors() {
        let mut s = Server::new();
        request(&mut s, b"\n");
        let mut m = MenuBuilder::new("h", 70);
        m.link(ItemType::Menu, "Dir", "/d").unwrap();
        s.send_menu(&m.finish()).unwrap();
        assert_eq!(s.outbox().take_vec(), b"1Dir\t/d\th\t70\r\n.\r\n");
        assert!(s.is_closed());
        assert!(s.send_menu(&MenuBuilder::new("h", 70).finish()).is_err());

        let mut s = Server::new();
        assert_eq!(request(&mut s, b"/x\t+\r\n").plus, Plus::Item(None));
        s.send_error("Not found").unwrap();
        assert_eq!(s.outbox().take_vec(), b"--1\r\n1 Not found\r\n.\r\n");
        let mut s = Server::new();
        request(&mut s, b"/x\r\n");
        assert!(s.send_error("a\r\nb").is_err());
        s.send_error("Not found").unwrap();
        assert_eq!(
            s.outbox().take_vec(),
            b"3Not found\t\terror.host\t1\r\n.\r\n"
        );
    }

    #[test]
    fn counted_binaries() {
        let mut s = Server::new();
        request(&mut s, b"/b\t+\r\n");
        s.send_header(DataHeader::new(Length::Bytes(3))).unwrap();
        assert!(s.send_binary(Bytes::from_static(b"abcd")).is_err());
        s.send_binary(Bytes::from_static(b"ab")).unwrap();
        assert_eq!(s.finish().unwrap_err().kind(), ErrorKind::LengthMismatch);
        s.send_binary(Bytes::from_static(b"c")).unwrap();
        s.finish().unwrap();
        assert_eq!(s.outbox().take_vec(), b"+3\r\nabc");
    }

    #[test]
    fn bounded_request_line_with_last_words() {
        let mut s = Server::with_limits(&Limits {
            max_request_line: 8,
            ..Limits::default()
        });
        s.receive(b"/0123456789");
        assert_eq!(
            s.poll_event().unwrap_err().kind(),
            ErrorKind::LineTooLong { limit: 8 }
        );
        assert!(s.outbox().take_vec().starts_with(b"3Request too long"));
        let mut s = Server::new();
        s.receive(b"/a\rb\r\n");
        assert_eq!(
            s.poll_event().unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        let mut s = Server::new();
        s.receive_eof();
        assert_eq!(s.poll_event().unwrap_err().kind(), ErrorKind::UnexpectedEof);
        let mut s = Server::new();
        s.receive(b"/unterminated");
        s.receive_eof();
        assert_eq!(&request(&mut s, b"").selector[..], b"/unterminated");
    }
}
