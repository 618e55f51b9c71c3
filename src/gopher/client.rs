//! The client machine.

use super::{Body, DataHeader, Error, ErrorKind, Item, Length, Limits, MenuLine, Request};
use crate::wire::{
    ByteMachine, CommandId, CommandIds, Conn, Correlate, LineError, LineReader, Machine, Next,
    Payload,
};
use bytes::Bytes;
use core::time::Duration;

/// How long a server may stay silent while the client waits for it, by
/// default: a search may take a while.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// What the client machine reports for its one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A Gopher+ answer's header line (`+N`, `+-1`, `+-2`, or an error
    /// `--1`, `--2`, `-N`, whose text then comes as [`Event::Data`]).
    Header(DataHeader),
    /// A menu item, its fields sliced from the receive buffer.
    Item(Item),
    /// A piece of a text (unstuffed, line ends as sent) or of a binary, or
    /// of a `+N` answer, as a slice of the receive buffer.
    Data(Bytes),
    /// The answer is complete: the `.` line, the server's close, or the
    /// last of `+N` bytes. The machine is closed after it.
    End,
}

/// What the client reads now.
#[derive(Debug)]
enum State {
    /// No request sent yet.
    Idle,
    /// A Gopher+ request: the header line comes first (if the server
    /// speaks Gopher+), then `then`.
    Header { then: Body },
    /// Menu lines until `.` or the close.
    Menu,
    /// Dot-stuffed text until `.` or the close; `line_start` when the
    /// next byte starts a line.
    Text { line_start: bool },
    /// Bytes until the close.
    Binary,
    /// `left` more bytes of a `+N` answer.
    Counted { left: u64 },
    /// The answer is complete.
    Done,
}

/// A Gopher client for one request (Gopher closes the connection after
/// each answer): sends the selector line, then reads the answer as menu
/// [`Item`]s, unstuffed text or raw bytes, with the Gopher+ header if
/// there is one.
///
/// By default the client half-closes once its request is written (the
/// driver shuts the sending side down: the server reads the end of the
/// request); [`set_half_close(false)`](Self::set_half_close) keeps it open
/// until the answer is complete, as curl does.
///
/// ```
/// use sanswire::gopher::{Body, Client, Event, ItemType, Request};
/// use sanswire::wire::{Machine, Next};
/// let mut client = Client::new();
/// client.get(&Request::new("/docs"), Body::Menu).unwrap();
/// assert_eq!(client.outbox().take_vec(), b"/docs\r\n");
/// assert!(!client.may_send()); // half-closed
/// client.receive(b"0Read me\t/docs/readme\tgopher.example.org\t70\r\n.\r\n");
/// let Ok(Next::Event(Event::Item(item))) = client.poll_event() else { panic!() };
/// assert_eq!((item.kind, &item.selector[..]), (ItemType::Text, &b"/docs/readme"[..]));
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::End)));
/// assert!(client.is_closed());
/// ```
#[derive(Debug)]
pub struct Client {
    conn: Conn<Error>,
    limits: Limits,
    lines: LineReader,
    state: State,
    id: Option<CommandId>,
    ids: CommandIds,
    half_close: bool,
    handed_out: bool,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A client with these limits.
    pub fn with_limits(limits: Limits) -> Self {
        Client {
            conn: Conn::with_timeout(CLIENT_TIMEOUT),
            lines: LineReader::new(limits.max_menu_line),
            limits,
            state: State::Idle,
            id: None,
            ids: CommandIds::default(),
            half_close: true,
            handed_out: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether to shut the sending side down once the request is written
    /// (default `true`).
    pub fn set_half_close(&mut self, on: bool) {
        self.half_close = on;
    }

    /// Sends `request` and reads the answer as `body` says (see
    /// [`ItemType::body`](super::ItemType::body)); with a Gopher+ suffix,
    /// a header line is read first when the server sends one, and
    /// attribute requests (`!`, `$`) are read as text. Refused, with
    /// nothing sent, if any part holds TAB, CR, LF or NUL, or a request
    /// was already sent on this connection.
    pub fn get(&mut self, request: &Request, body: Body) -> Result<CommandId, Error> {
        let body = if request.plus.wants_attributes() {
            Body::Text
        } else {
            body
        };
        let state = if request.plus.is_plus() {
            State::Header { then: body }
        } else {
            self.body_state(body)
        };
        self.send(request, state)
    }

    /// Sends `request` and hands out everything the server sends until it
    /// closes, as [`Event::Data`], with nothing read into it (a Gopher+
    /// header or a `.` line included): what curl prints.
    pub fn get_raw(&mut self, request: &Request) -> Result<CommandId, Error> {
        self.send(request, State::Binary)
    }

    fn send(&mut self, request: &Request, state: State) -> Result<CommandId, Error> {
        self.conn.check()?;
        if !matches!(self.state, State::Idle) {
            return Err(ErrorKind::OutOfSequence("one request per connection").into());
        }
        let line = request.to_line()?;
        self.conn.outbox.write(&line);
        self.state = state;
        if self.half_close {
            self.conn.close_send();
        }
        let id = self.ids.next_id();
        self.id = Some(id);
        Ok(id)
    }

    fn body_state(&self, body: Body) -> State {
        match body {
            Body::Menu => State::Menu,
            Body::Text => State::Text { line_start: true },
            Body::Binary => State::Binary,
        }
    }

    fn end(&mut self) -> Next<Event> {
        self.state = State::Done;
        self.conn.stop();
        Next::Event(Event::End)
    }

    fn line_error(e: LineError) -> Error {
        match e {
            LineError::TooLong { limit } => ErrorKind::LineTooLong { limit }.into(),
        }
    }

    /// The Gopher+ header, if the first line is one; otherwise the answer
    /// of a server that does not speak Gopher+, read as `then`.
    fn header(&mut self, then: Body) -> Result<Next<Event>, Error> {
        let data = self.conn.inbox.data();
        let line_end = memchr::memchr(b'\n', data);
        let Some(end) = line_end else {
            // Decide as soon as the first bytes tell: only `+` and `-`
            // can start a header.
            let undecided = data.is_empty() || matches!(data[0], b'+' | b'-');
            if undecided && !self.conn.inbox.is_eof() {
                if data.len() >= self.limits.max_menu_line {
                    return Err(ErrorKind::LineTooLong {
                        limit: self.limits.max_menu_line,
                    }
                    .into());
                }
                return Ok(Next::NeedInput);
            }
            if DataHeader::parse(data).is_some() {
                // A header and nothing after it at the close.
                let n = data.len();
                return self.take_header(n, then);
            }
            self.state = self.body_state(then);
            return self.step();
        };
        match DataHeader::parse(&data[..end]) {
            Some(_) => self.take_header(end + 1, then),
            None => {
                self.state = self.body_state(then);
                self.step()
            }
        }
    }

    fn take_header(&mut self, len: usize, then: Body) -> Result<Next<Event>, Error> {
        let line = self.conn.inbox.split_to(len);
        let header = DataHeader::parse(&line).ok_or(ErrorKind::UnexpectedData)?;
        self.state = match (header.ok, header.length) {
            (_, Length::Bytes(left)) => State::Counted { left },
            (_, Length::UntilClose) => State::Binary,
            (true, Length::DotTerminated) => self.body_state(then),
            // An error's text is text, whatever was asked for.
            (false, Length::DotTerminated) => self.body_state(Body::Text),
        };
        Ok(Next::Event(Event::Header(header)))
    }

    fn menu_line(&mut self) -> Result<Next<Event>, Error> {
        loop {
            let inbox = &mut self.conn.inbox;
            let line = match self.lines.next_line(inbox).map_err(Self::line_error)? {
                Some(line) => line.bytes,
                // pygopherd leaves the final `.` off menus: the close ends
                // them, and a last line without its ending still counts.
                None if inbox.is_eof() && !inbox.is_empty() => inbox.take_all(),
                None if inbox.is_eof() => return Ok(self.end()),
                None => return Ok(Next::NeedInput),
            };
            match MenuLine::parse(&line) {
                MenuLine::Item(item) => return Ok(Next::Event(Event::Item(item.to_item(&line)))),
                MenuLine::Blank => {}
                MenuLine::End => return Ok(self.end()),
            }
        }
    }

    /// Text, read more leniently than `wire::DotUnstuffer` reads mail:
    /// a bare LF starts a line too (many servers send Unix files as they
    /// are), and only a doubled dot is unstuffed, because gophernicus
    /// stuffs nothing (it sends `.dot` as it is, and no final `.` line):
    /// a line that starts with one dot and more text is kept whole. The
    /// server's close ends a text without its `.` line. Content streams
    /// out in runs up to the next line that starts with a dot, found with
    /// `memmem`, so no line length needs a bound.
    fn text(&mut self, line_start: bool) -> Result<Next<Event>, Error> {
        let inbox = &mut self.conn.inbox;
        let data = inbox.data();
        if data.is_empty() {
            return Ok(if inbox.is_eof() {
                self.end()
            } else {
                Next::NeedInput
            });
        }
        let mut skip = 0;
        if line_start && data[0] == b'.' {
            match data {
                [b'.', b'\n', ..] | [b'.', b'\r', b'\n', ..] => {
                    inbox.advance(if data[1] == b'\n' { 2 } else { 3 });
                    return Ok(self.end());
                }
                [b'.'] | [b'.', b'\r'] if !inbox.is_eof() => return Ok(Next::NeedInput),
                [b'.'] | [b'.', b'\r'] => {
                    inbox.advance(data.len());
                    return Ok(self.end());
                }
                [b'.', b'.', ..] => skip = 1,
                _ => {}
            }
        }
        let data = &data[skip..];
        let (len, next_line_start) = match memchr::memmem::find(data, b"\n.") {
            Some(i) => (i + 1, true),
            None => (data.len(), data.last() == Some(&b'\n')),
        };
        inbox.advance(skip);
        let run = inbox.split_to(len);
        self.state = State::Text {
            line_start: next_line_start,
        };
        Ok(Next::Event(Event::Data(run)))
    }

    fn counted(&mut self, left: u64) -> Result<Next<Event>, Error> {
        if left == 0 {
            return Ok(self.end());
        }
        let inbox = &mut self.conn.inbox;
        if inbox.is_empty() {
            return if inbox.is_eof() {
                Err(ErrorKind::UnexpectedEof.into())
            } else {
                Ok(Next::NeedInput)
            };
        }
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(inbox.len());
        let data = inbox.split_to(n);
        self.state = State::Counted {
            left: left - n as u64,
        };
        Ok(Next::Event(Event::Data(data)))
    }
}

impl Machine for Client {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        let next = match self.state {
            State::Idle if !self.conn.inbox.is_empty() => Err(ErrorKind::UnexpectedData.into()),
            State::Idle | State::Done => Ok(Next::Paused),
            State::Header { then } => self.header(then),
            State::Menu => self.menu_line(),
            State::Text { line_start } => self.text(line_start),
            State::Binary if !self.conn.inbox.is_empty() => {
                Ok(Next::Event(Event::Data(self.conn.inbox.take_all())))
            }
            State::Binary if self.conn.inbox.is_eof() => Ok(self.end()),
            State::Binary => Ok(Next::NeedInput),
            State::Counted { left } => self.counted(left),
        };
        if matches!(next, Ok(Next::Event(_))) {
            self.handed_out = true;
        }
        next
    }
}

impl Correlate for Client {
    fn replying_to(&self) -> Option<CommandId> {
        self.id.filter(|_| self.handed_out)
    }
}

/// The answer as a byte stream (for `io::ByteStream`): data is the
/// stream, headers and menu items are passed as other events. Nothing is
/// written through it: the request goes with [`Client::get`].
impl ByteMachine for Client {
    fn payload(event: Event) -> Payload<Event> {
        match event {
            Event::Data(d) => Payload::Data(d),
            Event::End => Payload::End,
            other => Payload::Other(other),
        }
    }

    fn write_payload(&mut self, _: &[u8]) -> Result<(), Error> {
        Err(ErrorKind::OutOfSequence("a Gopher client sends only its request").into())
    }

    fn finish_payload(&mut self) {
        self.conn.close_send();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gopher::{ItemType, Plus};
    use alloc::vec::Vec;

    fn events(client: &mut Client) -> Result<Vec<Event>, Error> {
        let mut out = Vec::new();
        loop {
            match client.poll_event()? {
                Next::Event(Event::End) => return Ok(out),
                Next::Event(e) => out.push(e),
                other => panic!("{other:?} after {out:?}"),
            }
        }
    }

    fn data(events: &[Event]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in events {
            if let Event::Data(d) = e {
                out.extend_from_slice(d);
            }
        }
        out
    }

    #[test]
    fn text_is_unstuffed_and_may_lack_its_dot() {
        let mut c = Client::new();
        c.get(&Request::new("/t"), Body::Text).unwrap();
        c.receive(b"..dot\r\nline\r\n.\r\n");
        assert_eq!(data(&events(&mut c).unwrap()), b".dot\r\nline\r\n");
        let mut c = Client::new();
        c.get(&Request::new("/t"), Body::Text).unwrap();
        c.receive(b"no dot\nat all");
        c.receive_eof();
        assert_eq!(data(&events(&mut c).unwrap()), b"no dot\nat all");
    }

    #[test]
    fn gophernicus_text_keeps_its_unstuffed_dots() {
        let mut c = Client::new();
        c.get(&Request::new("/t"), Body::Text).unwrap();
        c.receive(b"Hello\r\n.dot\r\n..two\n.\n");
        assert_eq!(data(&events(&mut c).unwrap()), b"Hello\r\n.dot\r\n.two\n");
    }

    #[test]
    fn binary_until_close() {
        let mut c = Client::new();
        c.get(&Request::new("/b"), Body::Binary).unwrap();
        c.receive(b"GIF89a.\r\n");
        assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Data(_)))));
        assert_eq!(c.poll_event(), Ok(Next::NeedInput));
        c.receive_eof();
        assert_eq!(c.poll_event(), Ok(Next::Event(Event::End)));
    }

    #[test]
    fn plus_headers() {
        let plus = Request::new("/x").with_plus(Plus::Item(None));
        let mut c = Client::new();
        c.get(&plus, Body::Text).unwrap();
        c.receive(b"+5\r\nhello and more");
        let ev = events(&mut c).unwrap();
        assert_eq!(ev[0], Event::Header(DataHeader::new(Length::Bytes(5))));
        assert_eq!(data(&ev), b"hello");
        // A server that does not speak Gopher+ answers without a header.
        let mut c = Client::new();
        c.get(&plus, Body::Menu).unwrap();
        c.receive(b"iHello\t\t\t\r\n.\r\n");
        let ev = events(&mut c).unwrap();
        assert!(matches!(&ev[..], [Event::Item(i)] if i.kind == ItemType::Info));
        // An error.
        let mut c = Client::new();
        c.get(&plus, Body::Binary).unwrap();
        c.receive(b"--1\r\n1 Not here\r\n.\r\n");
        let ev = events(&mut c).unwrap();
        assert_eq!(
            ev[0],
            Event::Header(DataHeader::error(Length::DotTerminated))
        );
        assert_eq!(data(&ev), b"1 Not here\r\n");
        // +N cut short.
        let mut c = Client::new();
        c.get(&plus, Body::Binary).unwrap();
        c.receive(b"+10\r\nabc");
        c.receive_eof();
        assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Header(_)))));
        assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Data(_)))));
        assert_eq!(c.poll_event().unwrap_err().kind(), ErrorKind::UnexpectedEof);
    }

    #[test]
    fn one_request_and_nothing_before_it() {
        let mut c = Client::new();
        c.receive(b"hello?");
        assert_eq!(
            c.poll_event().unwrap_err().kind(),
            ErrorKind::UnexpectedData
        );
        let mut c = Client::new();
        c.get(&Request::new(""), Body::Menu).unwrap();
        assert!(c.get(&Request::new(""), Body::Menu).is_err());
        let mut c = Client::new();
        assert_eq!(
            c.get(&Request::search("/s", "a\tb"), Body::Menu)
                .unwrap_err()
                .kind(),
            ErrorKind::UnsafeArgument
        );
        assert!(c.outbox().is_empty());
        assert!(c.may_send());
    }

    #[test]
    fn long_menu_lines_are_refused() {
        let mut c = Client::with_limits(Limits {
            max_menu_line: 16,
            ..Limits::default()
        });
        c.get(&Request::new(""), Body::Menu).unwrap();
        c.receive(b"0aaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(
            c.poll_event().unwrap_err().kind(),
            ErrorKind::LineTooLong { limit: 16 }
        );
    }
}
