use super::body::{response_framing, wants_keep_alive, BodyReader, Decoded, Framing, MethodKind};
use super::encode::{check_request, outgoing_framing, write_request_head, BodyWriter};
use super::error::{Error, ErrorKind};
use super::event::Event;
use super::headers::{Headers, Known};
use super::limits::Limits;
use super::parse::{parse_response, BlockFramer, BlockKind};
use super::request::{Request, Version};
use crate::wire::{CommandId, CommandIds, Conn, Correlate, Machine, Next};
use alloc::collections::VecDeque;
use bytes::Bytes;

/// What the client remembers of a request in flight, to read its
/// response.
#[derive(Debug, Clone, Copy)]
struct Sent {
    method: MethodKind,
    /// The request lets the connection persist.
    keep_alive: bool,
    /// The request carried `Upgrade`, so a 101 may answer it.
    upgrade: bool,
    /// What [`Client::send_request`] gave for it.
    id: CommandId,
}

#[derive(Debug)]
enum Read {
    /// Waiting for a response head (informational ones included).
    Head,
    /// Handing out a response body.
    Body {
        reader: BodyReader,
        keep_alive: bool,
    },
    /// Nothing more will be read: closed or handed off.
    Stopped,
}

#[derive(Debug)]
enum Write {
    /// No request body in progress. `end_ok`: the last request had no
    /// body, so one `send_end(None)` is still welcome.
    Idle { end_ok: bool },
    /// Sending the last request's body. `abandoned`: its final response
    /// already arrived, so the body is no longer required.
    Body { writer: BodyWriter, abandoned: bool },
}

/// The client side of an HTTP/1.1 connection.
///
/// # Driving it
///
/// Send a request with [`send_request`](Self::send_request) (and its body
/// with [`send_data`](Self::send_data) and [`send_end`](Self::send_end)),
/// then poll for [`Event::Response`], the body's [`Event::Data`] (and
/// [`Event::Trailers`]) and [`Event::End`]. Requests may be pipelined:
/// send several before their responses arrive; the client remembers each
/// method and matches responses in order.
///
/// ```
/// use sanswire::http::{Client, Event, Request};
/// use sanswire::wire::{Machine, Next};
/// let mut client = Client::new();
/// client.send_request(&Request::get("/").with_header("Host", "example.org"))?;
/// assert_eq!(client.outbox().take_vec(), b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
/// client.receive(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// let Next::Event(Event::Response(resp)) = client.poll_event()? else { panic!() };
/// assert_eq!(resp.status(), 200);
/// assert_eq!(client.poll_event()?, Next::Event(Event::Data("hi".into())));
/// assert_eq!(client.poll_event()?, Next::Event(Event::End));
/// # Ok::<(), sanswire::http::Error>(())
/// ```
///
/// # Body framing of requests
///
/// Chosen from the request's own fields: `Content-Length` sends exactly
/// that many bytes, `Transfer-Encoding: chunked` chunks, and with neither
/// the request has no body: it is complete when sent ([`send_data`](Self::send_data)
/// is an error, a `send_end(None)` is accepted and writes nothing).
///
/// # `Expect: 100-continue`
///
/// After sending a head with `Expect: 100-continue`, the caller should
/// wait for an [`Event::Response`] with status 100 (then send the body) or
/// for a final response; `send_data` is allowed at any time, for servers
/// that never answer 100 (waiting about a second is customary). When a
/// final response (417, 401, 413...) arrives while the request body is
/// unfinished, the body is no longer required: `send_end` accepts a short
/// body and writes nothing more for it, and since the server's view of
/// the stream is then unknown, the connection closes after that response.
///
/// # Upgrade and CONNECT
///
/// After a 101 to a request with `Upgrade`, or a 2xx to CONNECT, the
/// client hands the connection off: [`transport`](Machine::transport)
/// returns [`Transport::HandOff`](crate::wire::Transport::HandOff), polls return [`Next::Paused`], and the
/// bytes after the response head stay in [`inbox`](Machine::inbox)
/// (`inbox().take_all()`). While such a request waits for its answer, no
/// other request can be sent.
///
/// # End of stream
///
/// A response with no `Content-Length` and no chunked coding ends when the
/// connection does ([`Machine::receive_eof`]); EOF between responses gives
/// [`Event::Closed`]; EOF anywhere else is [`ErrorKind::IncompleteMessage`].
#[derive(Debug)]
pub struct Client {
    limits: Limits,
    conn: Conn<Error>,
    framer: BlockFramer,
    in_flight: VecDeque<Sent>,
    read: Read,
    write: Write,
    /// A request said `Connection: close`: no more may follow.
    no_more_requests: bool,
    ids: CommandIds,
    /// The request the last event handed out belongs to.
    replying: Option<CommandId>,
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

    /// A client with the given limits.
    pub fn with_limits(l: Limits) -> Self {
        Client {
            limits: l,
            conn: Conn::new(),
            framer: BlockFramer::default(),
            in_flight: VecDeque::new(),
            read: Read::Head,
            write: Write::Idle { end_ok: false },
            no_more_requests: false,
            ids: CommandIds::default(),
            replying: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many requests are waiting for their (final) response.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Sends a request head. May be called again before responses arrive
    /// (pipelining), once the previous request's body is complete.
    ///
    /// Errors (nothing is written): [`ErrorKind::InvalidArgument`] for a
    /// method, target, name or value that cannot be written,
    /// [`ErrorKind::InvalidFraming`] for ambiguous framing fields,
    /// [`ErrorKind::OutOfSequence`] while a body or an Upgrade/CONNECT is
    /// unfinished, [`ErrorKind::ConnectionClosing`] after
    /// `Connection: close` or once the connection is closed.
    ///
    /// Gives the request's id: every event of its response (1xx heads,
    /// the final head, its body, `End`) reports it through
    /// [`Correlate::replying_to`].
    pub fn send_request(&mut self, req: &Request) -> Result<CommandId, Error> {
        self.send_request_inner(req).map_err(Error::new)
    }

    fn send_request_inner(&mut self, req: &Request) -> Result<CommandId, ErrorKind> {
        if self.conn.is_closed() || self.conn.is_handed_off() || self.no_more_requests {
            return Err(ErrorKind::ConnectionClosing);
        }
        if matches!(self.write, Write::Body { .. }) {
            return Err(ErrorKind::OutOfSequence);
        }
        if self
            .in_flight
            .back()
            .is_some_and(|s| s.upgrade || s.method == MethodKind::Connect)
        {
            return Err(ErrorKind::OutOfSequence);
        }
        check_request(req)?;
        let framing = outgoing_framing(req.headers())?;
        if framing == Some(Framing::Chunked) && req.version() == Version::Http10 {
            return Err(ErrorKind::InvalidFraming);
        }
        write_request_head(&mut self.conn.outbox, req);
        let sent = Sent {
            method: MethodKind::of(req.method()),
            keep_alive: wants_keep_alive(req.version(), req.headers()),
            upgrade: req.headers().get_known(Known::UPGRADE).is_some(),
            id: self.ids.next_id(),
        };
        self.no_more_requests = !sent.keep_alive;
        self.in_flight.push_back(sent);
        self.write = match framing.and_then(BodyWriter::for_framing) {
            Some(writer) => Write::Body {
                writer,
                abandoned: false,
            },
            None => Write::Idle { end_ok: true },
        };
        Ok(sent.id)
    }

    /// Sends a piece of the current request's body; chunked framing goes
    /// around `chunk`, which is queued, not copied.
    pub fn send_data(&mut self, chunk: Bytes) -> Result<(), Error> {
        match &mut self.write {
            _ if self.conn.is_handed_off() => Err(ErrorKind::ConnectionClosing.into()),
            Write::Body { writer, .. } => writer
                .send_data(&mut self.conn.outbox, chunk)
                .map_err(Error::new),
            Write::Idle { end_ok: true } => Err(ErrorKind::BodyNotAllowed.into()),
            Write::Idle { .. } => Err(ErrorKind::OutOfSequence.into()),
        }
    }

    /// Ends the current request's body: the last chunk and `trailers` when
    /// chunked; a `Content-Length` body must be complete (unless its final
    /// response already arrived).
    pub fn send_end(&mut self, trailers: Option<&Headers>) -> Result<(), Error> {
        let no_trailers = trailers.is_none_or(|t| t.is_empty());
        match &mut self.write {
            Write::Body { writer, abandoned } => {
                match writer.check_end(trailers) {
                    Ok(()) => writer.write_end(&mut self.conn.outbox, trailers),
                    // The server answered already; the connection closes
                    // after its response, so a short body does no harm.
                    Err(ErrorKind::BodyLengthMismatch) if *abandoned => {}
                    Err(e) => return Err(e.into()),
                }
                self.write = Write::Idle { end_ok: false };
                Ok(())
            }
            Write::Idle { end_ok: true } if no_trailers => {
                self.write = Write::Idle { end_ok: false };
                Ok(())
            }
            Write::Idle { end_ok: true } => Err(ErrorKind::TrailersNotAllowed.into()),
            Write::Idle { .. } => Err(ErrorKind::OutOfSequence.into()),
        }
    }

    fn poll_inner(&mut self) -> Result<Next<Event>, ErrorKind> {
        let front = self.in_flight.front().map(|s| s.id);
        let next = self.poll_response()?;
        if let Next::Event(event) = &next {
            self.replying = match event {
                Event::Closed => None,
                _ => front,
            };
        }
        Ok(next)
    }

    fn poll_response(&mut self) -> Result<Next<Event>, ErrorKind> {
        loop {
            match &mut self.read {
                Read::Stopped => return Ok(Next::Paused),
                Read::Head => match self.read_head()? {
                    Some(next) => return Ok(next),
                    None => continue,
                },
                Read::Body { reader, keep_alive } => {
                    return Ok(match reader.decode(&mut self.conn.inbox, &self.limits)? {
                        Decoded::NeedInput => Next::NeedInput,
                        Decoded::Data(d) => Next::Event(Event::Data(d)),
                        Decoded::Trailers(t) => Next::Event(Event::Trailers(t)),
                        Decoded::End => {
                            let keep_alive = *keep_alive;
                            self.in_flight.pop_front();
                            if keep_alive {
                                self.read = Read::Head;
                            } else {
                                self.close();
                            }
                            Next::Event(Event::End)
                        }
                    })
                }
            }
        }
    }

    /// Frames and parses the next response head; `None` when an empty line
    /// before it was skipped.
    fn read_head(&mut self) -> Result<Option<Next<Event>>, ErrorKind> {
        if self.conn.inbox.is_empty() {
            if self.conn.inbox.is_eof() {
                self.close();
                return Ok(Some(Next::Event(Event::Closed)));
            }
            return Ok(Some(Next::NeedInput));
        }
        let found = self.framer.find(
            self.conn.inbox.data(),
            &self.limits,
            BlockKind::ResponseHead,
        )?;
        let Some(n) = found else {
            if self.conn.inbox.is_eof() {
                return Err(ErrorKind::IncompleteMessage);
            }
            return Ok(Some(Next::NeedInput));
        };
        let lines = self.framer.lines();
        self.framer.reset();
        let head = self.conn.inbox.split_to(n);
        if lines == 0 {
            // A stray CRLF some servers send after a body.
            return Ok(None);
        }
        let Some(&sent) = self.in_flight.front() else {
            return Err(ErrorKind::UnsolicitedResponse);
        };
        let resp = parse_response(head, lines - 1, &self.limits)?;
        let status = resp.status();
        if status == 101 {
            if !sent.upgrade {
                return Err(ErrorKind::UnexpectedSwitchingProtocols);
            }
            self.hand_off();
        } else if status < 200 {
            // Informational: the final response is still to come.
        } else if sent.method == MethodKind::Connect && status < 300 {
            self.hand_off();
        } else {
            let framing = response_framing(&resp, sent.method)?;
            if let (Framing::Length(n), Some(max)) = (framing, self.limits.max_body_bytes) {
                if n > max {
                    return Err(ErrorKind::BodyTooLarge);
                }
            }
            let mut keep_alive = sent.keep_alive
                && framing != Framing::UntilClose
                && wants_keep_alive(resp.version(), resp.headers());
            if let (1, Write::Body { abandoned, .. }) = (self.in_flight.len(), &mut self.write) {
                // The answer came before the whole request body: the body
                // is no longer required, and the server's view of the
                // stream is unknown, so the connection ends here.
                *abandoned = true;
                keep_alive = false;
            }
            self.read = Read::Body {
                reader: BodyReader::new(framing),
                keep_alive,
            };
        }
        Ok(Some(Next::Event(Event::Response(resp))))
    }

    fn hand_off(&mut self) {
        self.conn.hand_off();
        self.read = Read::Stopped;
        self.in_flight.clear();
    }

    fn close(&mut self) {
        self.conn.stop();
        self.read = Read::Stopped;
    }
}

impl Correlate for Client {
    fn replying_to(&self) -> Option<CommandId> {
        self.replying
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
        // By value through `map_err`, as the server's step: there a local
        // inspected and then returned cost two copies of the event.
        self.poll_inner().map_err(|kind| {
            self.read = Read::Stopped;
            Error::new(kind)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_until_error(input: &[u8]) -> Result<alloc::vec::Vec<Event>, ErrorKind> {
        let mut client = Client::new();
        client
            .send_request(&Request::get("/").with_header("Host", "a"))
            .unwrap();
        client.receive(input);
        let mut events = alloc::vec::Vec::new();
        loop {
            match client.poll_event() {
                Ok(Next::Event(e)) => events.push(e),
                Ok(_) => return Ok(events),
                Err(e) => return Err(e.kind()),
            }
        }
    }

    #[test]
    fn response_framing_is_checked() {
        assert_eq!(
            events_until_error(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
            ),
            Err(ErrorKind::ContentLengthWithTransferEncoding)
        );
        assert_eq!(
            events_until_error(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n"
            ),
            Err(ErrorKind::ConflictingContentLength)
        );
        // An unknown final coding in a response: the body runs until close.
        let events =
            events_until_error(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz").unwrap();
        assert_eq!(events[1], Event::Data(Bytes::from_static(b"zzz")));
        assert_eq!(events.len(), 2, "End comes with EOF");
    }

    #[test]
    fn bare_lf_and_obs_fold_leniencies() {
        let input = b"HTTP/1.1 200 OK\nContent-Length: 0\n\n";
        assert_eq!(events_until_error(input), Err(ErrorKind::BareLf));
        let mut client = Client::with_limits(Limits {
            allow_bare_lf: true,
            allow_obs_fold_in_responses: true,
            ..Limits::default()
        });
        client
            .send_request(&Request::get("/").with_header("Host", "a"))
            .unwrap();
        client
            .receive(b"HTTP/1.1 200 OK\nWWW-Authenticate: Basic\n realm=x\nContent-Length: 0\n\n");
        let Next::Event(Event::Response(resp)) = client.poll_event().unwrap() else {
            panic!()
        };
        assert_eq!(
            resp.headers().get("www-authenticate"),
            Some(&b"Basic  realm=x"[..])
        );
        assert_eq!(client.poll_event().unwrap(), Next::Event(Event::End));
    }

    #[test]
    fn http10_response_closes_unless_keep_alive() {
        let mut client = Client::new();
        let req = Request::get("/").with_header("Host", "a");
        client.send_request(&req).unwrap();
        client.receive(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        while let Next::Event(_) = client.poll_event().unwrap() {}
        assert!(client.is_closed());
        let mut client = Client::new();
        client.send_request(&req).unwrap();
        client.receive(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        while let Next::Event(_) = client.poll_event().unwrap() {}
        assert!(!client.is_closed());
        client.send_request(&req).unwrap();
    }
}
