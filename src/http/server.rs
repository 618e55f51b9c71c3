use super::body::{request_framing, wants_keep_alive, BodyReader, Decoded, Framing, MethodKind};
use super::encode::{check_response, outgoing_framing, write_response_head, BodyWriter};
use super::error::{Error, ErrorKind};
use super::event::Event;
use super::headers::{Headers, Known};
use super::limits::Limits;
use super::parse::{finish_fast, parse_request, request_fast, BlockFramer, BlockKind};
use super::request::{Request, Version};
use super::response::Response;
use crate::wire::{Conn, Machine, Next};
use bytes::Bytes;

/// The most unread request body (announced by `Content-Length`) the server
/// reads and throws away when the application answered without reading
/// it; with more (or a chunked body) it closes the connection instead.
pub const DISCARD_LIMIT: u64 = 64 * 1024;

/// What the server knows about the request it is answering.
#[derive(Debug, Clone, Copy, Default)]
struct Exchange {
    method: MethodKind,
    version: Version,
    /// The client lets the connection persist after this exchange.
    keep_alive: bool,
    /// The request carried `Upgrade`, so a 101 may answer it.
    upgrade: bool,
    /// The request carried `Expect: 100-continue`.
    expect_continue: bool,
    /// A `100 Continue` went out for it.
    continue_sent: bool,
}

impl Exchange {
    fn of(req: &Request) -> Self {
        let headers = req.headers();
        Exchange {
            method: MethodKind::of(req.method()),
            version: req.version(),
            keep_alive: wants_keep_alive(req.version(), headers),
            upgrade: headers.get_known(Known::UPGRADE).is_some(),
            // RFC 9110 §10.1.1: ignored in HTTP/1.0 requests.
            expect_continue: req.version() == Version::Http11
                && headers.has_known_token(Known::EXPECT, "100-continue"),
            continue_sent: false,
        }
    }
}

#[derive(Debug)]
enum Read {
    /// Waiting for the next request head.
    Head,
    /// Handing out the current request's body; `discard` drops its data
    /// because the response already went out.
    Body { reader: BodyReader, discard: bool },
    /// The current request has no body: its End is next (no body reader
    /// to ask, for the usual GET).
    End,
    /// The request's End went out; nothing is read until its response is
    /// complete (pipelined requests stay buffered, in order).
    AwaitResponse,
    /// Nothing more will be read: closing, handed off, or the peer left.
    Stopped,
}

#[derive(Debug)]
enum Write {
    /// No request to answer. `end_ok`: the last response needed no body,
    /// so one `send_end(None)` is still welcome.
    Idle { end_ok: bool },
    /// A request was handed out; its final response has not started.
    AwaitHead,
    /// Sending the response body.
    Body(BodyWriter),
}

/// The server side of an HTTP/1.1 connection.
///
/// # Driving it
///
/// Poll it for [`Event::Request`], then the request's [`Event::Data`]
/// (and [`Event::Trailers`]) and [`Event::End`]. Answer with
/// [`send_response`](Self::send_response), then
/// [`send_data`](Self::send_data) and [`send_end`](Self::send_end).
/// Pipelined requests are handled strictly in order: after a request's
/// End the server returns [`Next::Paused`] until its response is complete,
/// then goes on with the next request already buffered.
///
/// ```
/// use sanswire::http::{Event, Response, Server};
/// use sanswire::wire::{Machine, Next};
/// let mut server = Server::new();
/// server.receive(b"GET /hi HTTP/1.1\r\nHost: example.org\r\n\r\n");
/// let Next::Event(Event::Request(req)) = server.poll_event()? else { panic!() };
/// assert_eq!(req.target(), b"/hi");
/// assert_eq!(server.poll_event()?, Next::Event(Event::End));
/// assert_eq!(server.poll_event()?, Next::Paused);
/// server.send_response(&Response::new(200).with_header("Content-Length", "2"))?;
/// server.send_data("hi".into())?;
/// server.send_end(None)?;
/// assert_eq!(server.outbox().take_vec(), b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// assert_eq!(server.poll_event()?, Next::NeedInput);
/// # Ok::<(), sanswire::http::Error>(())
/// ```
///
/// # Body framing of responses
///
/// Chosen from the response's own fields: `Content-Length` sends exactly
/// that many bytes; `Transfer-Encoding: chunked` chunks. With neither, a
/// response that has a body is chunked (the server adds
/// `Transfer-Encoding: chunked`, the only field it ever adds) when both
/// the request and the response are HTTP/1.1, and otherwise runs until
/// the connection closes. Responses to HEAD, 1xx, 204 and 304 have no
/// body. A response with no body, or `Content-Length: 0`, is complete
/// when sent; a `send_end(None)` after it is accepted and writes nothing.
///
/// # Connection persistence
///
/// The connection closes after the response ([`is_closed`](Machine::is_closed)
/// turns true and nothing more is read) when the request or response says
/// `Connection: close`, when the response runs until close, or for an
/// HTTP/1.0 request unless both it and the response say
/// `Connection: keep-alive`.
///
/// # `Expect: 100-continue` and unread bodies
///
/// For a request with `Expect: 100-continue`, send
/// `Response::new(100)` before polling for the body if you want it; the
/// server does not send it by itself. You may instead answer with a final
/// response without reading the body (417, 401, 413...). When a response
/// is complete and its request's body is not yet all read:
/// - if the request expected 100-continue and no 100 was sent, the client
///   may never send the body, so the connection closes (add
///   `Connection: close` to such responses so the client knows);
/// - if the body is framed by `Content-Length` and at most
///   [`DISCARD_LIMIT`] bytes are left, they are read and dropped: no more
///   Data events, only the request's End, then the next request;
/// - otherwise (chunked, or more left) the connection closes.
///
/// # Upgrade and CONNECT
///
/// Once the request's End is handed out, a `101 Switching Protocols` (for
/// a request with `Upgrade`) or a 2xx to `CONNECT` hands the connection
/// off: [`transport`](Machine::transport) returns
/// [`Transport::HandOff`](crate::wire::Transport::HandOff), polls return [`Next::Paused`], and bytes the
/// client sent after the request stay in [`inbox`](Machine::inbox)
/// (`inbox().take_all()`) for the next protocol. No `send_end` is needed.
#[derive(Debug)]
pub struct Server {
    limits: Limits,
    conn: Conn<Error>,
    framer: BlockFramer,
    read: Read,
    write: Write,
    exchange: Exchange,
    /// Whether the connection persists after the response being sent.
    response_keep_alive: bool,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    /// How long a client may stay silent, between requests or inside one,
    /// before the server closes: nginx's `client_header_timeout`. Change
    /// it with [`Machine::set_timeout`].
    pub const IDLE_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(60);

    /// How long a request head may take to arrive once its first byte is
    /// in, however slowly the client trickles it (slowloris): nginx's
    /// `client_header_timeout`. A `408` ends it. Change it with
    /// [`Machine::set_message_timeout`].
    pub const HEAD_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(60);

    /// A server with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A server with the given limits.
    pub fn with_limits(l: Limits) -> Self {
        let mut conn = Conn::new();
        conn.set_timeout(Some(Self::IDLE_TIMEOUT));
        conn.set_message_timeout(Some(Self::HEAD_TIMEOUT));
        Server {
            limits: l,
            conn,
            framer: BlockFramer::default(),
            read: Read::Head,
            write: Write::Idle { end_ok: false },
            exchange: Exchange::default(),
            response_keep_alive: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sends a response head for the current request: any number of 1xx
    /// first (`100 Continue`, `103 Early Hints`), then one final response,
    /// or a 101 that hands the connection off.
    ///
    /// After a [`Fault::Remote`](crate::wire::Fault::Remote) error, one
    /// final response may still be sent (see [`Error`]); the connection
    /// closes after it. Errors: [`ErrorKind::OutOfSequence`] with no
    /// request to answer, [`ErrorKind::InvalidArgument`] /
    /// [`ErrorKind::InvalidStatus`] for what cannot be written,
    /// [`ErrorKind::InvalidFraming`] for framing fields that cannot be
    /// sent; nothing is written then.
    pub fn send_response(&mut self, resp: &Response) -> Result<(), Error> {
        self.send_response_inner(resp).map_err(Error::new)
    }

    /// Sends a piece of the response body; chunked framing goes around
    /// `chunk`, which is queued, not copied.
    pub fn send_data(&mut self, chunk: Bytes) -> Result<(), Error> {
        match &mut self.write {
            Write::Body(w) => w
                .send_data(&mut self.conn.outbox, chunk)
                .map_err(Error::new),
            Write::Idle { end_ok: true } => Err(ErrorKind::BodyNotAllowed.into()),
            _ => Err(ErrorKind::OutOfSequence.into()),
        }
    }

    /// Ends the response body: the last chunk and `trailers` when chunked;
    /// a `Content-Length` body must be complete. The response is then
    /// complete and the next request can be read.
    pub fn send_end(&mut self, trailers: Option<&Headers>) -> Result<(), Error> {
        let no_trailers = trailers.is_none_or(|t| t.is_empty());
        match &mut self.write {
            Write::Body(w) => {
                w.check_end(trailers)?;
                w.write_end(&mut self.conn.outbox, trailers);
                let until_close = *w == BodyWriter::UntilClose;
                self.response_complete(false);
                if until_close {
                    self.close();
                }
                Ok(())
            }
            Write::Idle { end_ok: true } if no_trailers => {
                self.write = Write::Idle { end_ok: false };
                Ok(())
            }
            Write::Idle { end_ok: true } => Err(ErrorKind::TrailersNotAllowed.into()),
            _ if self.conn.is_handed_off() && no_trailers => Ok(()),
            _ => Err(ErrorKind::OutOfSequence.into()),
        }
    }

    fn send_response_inner(&mut self, resp: &Response) -> Result<(), ErrorKind> {
        if self.conn.is_closed() || self.conn.is_handed_off() {
            return Err(ErrorKind::ConnectionClosing);
        }
        match self.write {
            Write::AwaitHead => {}
            _ => return Err(ErrorKind::OutOfSequence),
        }
        check_response(resp)?;
        let status = resp.status();
        let ex = self.exchange;
        if status < 200 {
            return self.send_informational(resp);
        }
        if ex.method == MethodKind::Connect && status < 300 {
            return self.send_switch(resp);
        }
        let bodiless = ex.method == MethodKind::Head || status == 204 || status == 304;
        let framing = outgoing_framing(resp.headers())?;
        if status == 204 && framing.is_some() {
            return Err(ErrorKind::InvalidFraming);
        }
        let both_11 = ex.version == Version::Http11 && resp.version() == Version::Http11;
        let (writer, add_chunked) = match framing {
            _ if bodiless => (None, false),
            Some(Framing::Chunked) if !both_11 => return Err(ErrorKind::InvalidFraming),
            Some(f) => (BodyWriter::for_framing(f), false),
            None if both_11 => (Some(BodyWriter::Chunked), true),
            None => (Some(BodyWriter::UntilClose), false),
        };
        let mut keep_alive = ex.keep_alive
            && writer != Some(BodyWriter::UntilClose)
            && wants_keep_alive(resp.version(), resp.headers());
        if ex.version == Version::Http10 {
            // An HTTP/1.0 client only persists when told so.
            keep_alive &= resp
                .headers()
                .has_known_token(Known::CONNECTION, "keep-alive");
        }
        write_response_head(&mut self.conn.outbox, resp, add_chunked);
        self.response_keep_alive = keep_alive;
        match writer {
            Some(w) => self.write = Write::Body(w),
            None => self.response_complete(true),
        }
        Ok(())
    }

    fn send_informational(&mut self, resp: &Response) -> Result<(), ErrorKind> {
        let ex = self.exchange;
        // No 1xx to HTTP/1.0 clients (RFC 9110 §15.2).
        if ex.version == Version::Http10 {
            return Err(ErrorKind::InvalidStatus);
        }
        if outgoing_framing(resp.headers())?.is_some() {
            return Err(ErrorKind::InvalidFraming);
        }
        if resp.status() == 101 {
            if !ex.upgrade {
                return Err(ErrorKind::InvalidStatus);
            }
            return self.send_switch(resp);
        }
        write_response_head(&mut self.conn.outbox, resp, false);
        if resp.status() == 100 {
            self.exchange.continue_sent = true;
        }
        Ok(())
    }

    /// 101 to an Upgrade, 2xx to CONNECT: the last head on this connection.
    fn send_switch(&mut self, resp: &Response) -> Result<(), ErrorKind> {
        if !matches!(self.read, Read::AwaitResponse) {
            // The request's body must be read first.
            return Err(ErrorKind::OutOfSequence);
        }
        if outgoing_framing(resp.headers())?.is_some() {
            return Err(ErrorKind::InvalidFraming);
        }
        write_response_head(&mut self.conn.outbox, resp, false);
        self.read = Read::Stopped;
        self.write = Write::Idle { end_ok: false };
        self.conn.hand_off();
        Ok(())
    }

    /// The response to the current request is complete.
    fn response_complete(&mut self, end_ok: bool) {
        self.write = Write::Idle { end_ok };
        if !self.response_keep_alive || self.conn.has_failed() {
            self.close();
            return;
        }
        let ex = self.exchange;
        match &mut self.read {
            Read::AwaitResponse => self.read = Read::Head,
            // Its End is still to be handed out; then the next head.
            Read::End => {}
            Read::Body { reader, discard } => {
                let small = reader.known_remaining().is_some_and(|n| n <= DISCARD_LIMIT);
                if (ex.expect_continue && !ex.continue_sent) || !small {
                    self.close();
                } else {
                    *discard = true;
                }
            }
            Read::Head | Read::Stopped => {}
        }
    }

    fn close(&mut self) {
        self.conn.stop();
        self.read = Read::Stopped;
    }

    /// The machine's own answer to a request it cannot serve (a peer
    /// error with a status hint, a timeout in the middle of a request),
    /// written only when no response is under way: a bare status with
    /// `Connection: close`, after which the connection closes.
    fn last_words(&mut self, status: Option<u16>) {
        let Some(status) = status else { return };
        if !matches!(self.write, Write::Idle { .. } | Write::AwaitHead) || !self.conn.may_send() {
            return;
        }
        let reply = Response::new(status)
            .with_header("Connection", "close")
            .with_header("Content-Length", "0");
        write_response_head(&mut self.conn.outbox, &reply, false);
        self.write = Write::Idle { end_ok: false };
    }

    // Every layer returns the very type `step` does, so the event (a
    // request head is a few hundred bytes) is written once, in place,
    // rather than copied from one result type into the next.
    fn poll_inner(&mut self) -> Result<Next<Event>, Error> {
        loop {
            match &mut self.read {
                Read::AwaitResponse | Read::Stopped => return Ok(Next::Paused),
                Read::Head => return self.read_head(),
                Read::End => return Ok(Next::Event(self.request_end())),
                Read::Body { reader, discard } => {
                    match reader.decode(&mut self.conn.inbox, &self.limits)? {
                        Decoded::NeedInput => return Ok(Next::NeedInput),
                        Decoded::Data(_) | Decoded::Trailers(_) if *discard => continue,
                        Decoded::Data(d) => return Ok(Next::Event(Event::Data(d))),
                        Decoded::Trailers(t) => return Ok(Next::Event(Event::Trailers(t))),
                        Decoded::End => return Ok(Next::Event(self.request_end())),
                    }
                }
            }
        }
    }

    /// The current request's End: what is read next depends on whether
    /// its response went out already.
    fn request_end(&mut self) -> Event {
        self.read = if matches!(self.write, Write::Idle { .. }) {
            Read::Head
        } else {
            Read::AwaitResponse
        };
        Event::End
    }

    /// Nothing more is read after an error; its last words are queued.
    #[cold]
    #[inline(never)]
    fn on_error(&mut self, reply_hint: Option<u16>) {
        self.read = Read::Stopped;
        self.last_words(reply_hint);
    }

    /// Frames and parses the next request head.
    fn read_head(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.conn.inbox.is_empty() {
                if self.conn.inbox.is_eof() {
                    self.close();
                    return Ok(Next::Event(Event::Closed));
                }
                return Ok(Next::NeedInput);
            }
            if self.framer.is_fresh() {
                // Built in place: the request is moved only into its event.
                let mut req = Request::received();
                let data = self.conn.inbox.data();
                if let Some((n, line)) = request_fast(data, &self.limits, &mut req) {
                    let head = self.conn.inbox.split_to(n);
                    finish_fast(&mut req, line, head, &self.limits)?;
                    self.start_request(&req)?;
                    return Ok(Next::Event(Event::Request(req)));
                }
            }
            let found =
                self.framer
                    .find(self.conn.inbox.data(), &self.limits, BlockKind::RequestHead)?;
            let Some(n) = found else {
                if self.conn.inbox.is_eof() {
                    return Err(ErrorKind::IncompleteMessage.into());
                }
                return Ok(Next::NeedInput);
            };
            let lines = self.framer.lines();
            self.framer.reset();
            let head = self.conn.inbox.split_to(n);
            if lines == 0 {
                // RFC 9112 §2.2: empty lines before a request line are ignored.
                continue;
            }
            let req = parse_request(head, lines - 1, &self.limits)?;
            self.start_request(&req)?;
            return Ok(Next::Event(Event::Request(req)));
        }
    }

    /// A request head was read: check its framing, hand it out.
    fn start_request(&mut self, req: &Request) -> Result<(), Error> {
        let framing = request_framing(req)?;
        if let (Framing::Length(n), Some(max)) = (framing, self.limits.max_body_bytes) {
            if n > max {
                return Err(ErrorKind::BodyTooLarge.into());
            }
        }
        self.exchange = Exchange::of(req);
        self.read = match framing {
            Framing::None | Framing::Length(0) => Read::End,
            _ => Read::Body {
                reader: BodyReader::new(framing),
                discard: false,
            },
        };
        self.write = Write::AwaitHead;
        Ok(())
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
        // By value through `map_err`: a local inspected and then returned
        // costs two copies of the event (176 bytes when measured), 74
        // instructions a request, and so does `inspect_err` (measured with
        // callgrind), which clippy would have here.
        #[allow(clippy::manual_inspect)]
        self.poll_inner().map_err(|e| {
            self.on_error(e.kind().reply_hint());
            e
        })
    }

    /// An idle keep-alive connection closes silently; one in the middle
    /// of a request head or body gets a `408`.
    fn on_timeout(&mut self) {
        let mid_request =
            !self.conn.inbox.is_empty() || matches!(self.read, Read::Body { .. } | Read::End);
        if mid_request {
            self.last_words(Some(408));
        }
        self.read = Read::Stopped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known fields are looked up from where their value was noted, with
    /// no scan: that place must hold the value without the whitespace
    /// around it, whether the head came in whole (the fast path) or a
    /// byte at a time (framed first).
    #[test]
    fn known_values_are_found_without_the_whitespace_around_them() {
        let head = b"GET / HTTP/1.1\r\nHost: \t a.example \t\r\nConnection:  close  \r\n\r\n";
        for piece in [head.len(), 1] {
            let mut server = Server::new();
            let mut request = None;
            for chunk in head.chunks(piece) {
                server.receive(chunk);
                if let Ok(Next::Event(Event::Request(r))) = server.poll_event() {
                    request = Some(r);
                }
            }
            let r = request.expect("a request");
            assert_eq!(r.headers().get("host"), Some(&b"a.example"[..]), "{piece}");
            assert_eq!(
                r.headers().get("Connection"),
                Some(&b"close"[..]),
                "{piece}"
            );
            assert!(!server.exchange.keep_alive, "{piece}");
        }
    }

    fn first_error(input: &[u8], limits: Limits) -> Error {
        let mut server = Server::with_limits(limits);
        server.receive(input);
        loop {
            match server.poll_event() {
                Ok(Next::Event(_)) => {}
                Ok(other) => panic!("no error, stopped at {other:?}"),
                Err(e) => return e,
            }
        }
    }

    #[test]
    fn smuggling_rules_give_their_own_errors_and_hints() {
        let cases: [(&[u8], ErrorKind, u16); 8] = [
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
                ErrorKind::UnsupportedTransferCoding,
                501,
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                ErrorKind::TransferEncodingInHttp10,
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                ErrorKind::ConflictingContentLength,
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\n",
                ErrorKind::InvalidContentLength,
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX",
                ErrorKind::MissingCrlfAfterChunk,
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n",
                ErrorKind::InvalidChunkSize,
                400,
            ),
            (
                b"GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n",
                ErrorKind::CtlInHeaderValue,
                400,
            ),
            (
                b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n",
                ErrorKind::ObsFold,
                400,
            ),
        ];
        for (input, kind, hint) in cases {
            let e = first_error(input, Limits::default());
            assert_eq!((e.kind(), e.reply_hint()), (kind, Some(hint)));
        }
    }

    #[test]
    fn body_limit_refuses_an_announced_length_at_once() {
        let limits = Limits {
            max_body_bytes: Some(10),
            ..Limits::default()
        };
        let e = first_error(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
            limits,
        );
        assert_eq!(
            (e.kind(), e.reply_hint()),
            (ErrorKind::BodyTooLarge, Some(413))
        );
    }

    #[test]
    fn header_limits_through_the_machine() {
        let limits = Limits {
            max_headers: 3,
            ..Limits::default()
        };
        let e = first_error(
            b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n",
            limits,
        );
        assert_eq!(
            (e.kind(), e.reply_hint()),
            (ErrorKind::TooManyHeaders, Some(431))
        );
        let limits = Limits {
            max_head_bytes: 40,
            ..Limits::default()
        };
        let e = first_error(
            b"GET / HTTP/1.1\r\nHost: a\r\nCookie: aaaaaaaaaaaaaaaaaaa",
            limits,
        );
        assert_eq!(
            (e.kind(), e.reply_hint()),
            (ErrorKind::HeadTooLarge, Some(431))
        );
    }

    #[test]
    fn no_request_no_response() {
        let mut server = Server::new();
        assert_eq!(
            server
                .send_response(&Response::new(200))
                .unwrap_err()
                .kind(),
            ErrorKind::OutOfSequence
        );
        assert_eq!(
            server
                .send_data(Bytes::from_static(b"x"))
                .unwrap_err()
                .kind(),
            ErrorKind::OutOfSequence
        );
        assert!(server.outbox().is_empty());
    }

    #[test]
    fn chunked_refused_to_http10_clients() {
        let mut server = Server::new();
        server.receive(b"GET / HTTP/1.0\r\n\r\n");
        while let Next::Event(_) = server.poll_event().unwrap() {}
        let chunked = Response::new(200).with_header("Transfer-Encoding", "chunked");
        assert_eq!(
            server.send_response(&chunked).unwrap_err().kind(),
            ErrorKind::InvalidFraming
        );
        assert_eq!(
            server
                .send_response(&Response::new(100))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidStatus
        );
    }
}
