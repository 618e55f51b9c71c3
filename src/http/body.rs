//! Body framing (RFC 9112 §6): which framing a message uses, and the
//! reader that cuts its body out of the receive buffer.

use super::error::ErrorKind;
use super::headers::{list_elements, trim_ows, Headers, Known};
use super::limits::Limits;
use super::parse::{parse_trailers, BlockFramer, BlockKind};
use super::request::{Request, Version};
use super::response::Response;
use crate::wire::Inbox;
use bytes::Bytes;

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body at all.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Everything until the connection closes (responses only).
    UntilClose,
}

/// The methods whose responses are framed differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum MethodKind {
    /// Responses to HEAD never have a body.
    Head,
    /// A 2xx to CONNECT turns the connection into a tunnel.
    Connect,
    #[default]
    Other,
}

impl MethodKind {
    pub(crate) fn of(method: &[u8]) -> Self {
        match method {
            b"HEAD" => MethodKind::Head,
            b"CONNECT" => MethodKind::Connect,
            _ => MethodKind::Other,
        }
    }
}

/// The one `Content-Length` of a message, if any: every field and every
/// element of a list must be the same decimal number (RFC 9112 §6.3
/// allows identical repeats such as `5, 5`).
pub(crate) fn content_length(headers: &Headers) -> Result<Option<u64>, ErrorKind> {
    if !headers.has_known(Known::CONTENT_LENGTH) {
        return Ok(None);
    }
    let mut found = None;
    for value in headers.get_all("content-length") {
        for element in value.split(|&b| b == b',') {
            let n = parse_decimal(trim_ows(element)).ok_or(ErrorKind::InvalidContentLength)?;
            match found {
                Some(m) if m != n => return Err(ErrorKind::ConflictingContentLength),
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

/// `1*DIGIT` as a u64; `None` for anything else, signs, spaces and
/// overflow included.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Whether the final transfer coding is `chunked`, or `None` when there is
/// no `Transfer-Encoding`. `chunked` anywhere but last, or an empty list,
/// is refused.
pub(crate) fn final_coding_is_chunked(headers: &Headers) -> Result<Option<bool>, ErrorKind> {
    if !headers.has_known(Known::TRANSFER_ENCODING) {
        return Ok(None);
    }
    let mut present = false;
    let mut last_chunked = None;
    for value in headers.get_all("transfer-encoding") {
        present = true;
        for element in list_elements(value) {
            if last_chunked == Some(true) {
                // chunked was not the final coding, or was applied twice
                return Err(ErrorKind::InvalidTransferEncoding);
            }
            let name = element.split(|&b| b == b';').next().unwrap_or_default();
            last_chunked = Some(trim_ows(name).eq_ignore_ascii_case(b"chunked"));
        }
    }
    match (present, last_chunked) {
        (false, _) => Ok(None),
        (true, None) => Err(ErrorKind::InvalidTransferEncoding),
        (true, Some(chunked)) => Ok(Some(chunked)),
    }
}

/// The framing of a received request (RFC 9112 §6.3).
pub(crate) fn request_framing(req: &Request) -> Result<Framing, ErrorKind> {
    let headers = req.headers();
    if headers.has_no_framing_fields() {
        return Ok(Framing::None);
    }
    let te = final_coding_is_chunked(headers)?;
    let has_cl = headers.get("content-length").is_some();
    if te.is_some() && has_cl {
        return Err(ErrorKind::ContentLengthWithTransferEncoding);
    }
    match te {
        Some(_) if req.version() == Version::Http10 => Err(ErrorKind::TransferEncodingInHttp10),
        Some(true) => Ok(Framing::Chunked),
        Some(false) => Err(ErrorKind::UnsupportedTransferCoding),
        None => Ok(match content_length(headers)? {
            Some(n) => Framing::Length(n),
            None => Framing::None,
        }),
    }
}

/// The framing of a received response to a request made with `method`
/// (RFC 9112 §6.3). Callers handle 1xx and 2xx to CONNECT before.
pub(crate) fn response_framing(resp: &Response, method: MethodKind) -> Result<Framing, ErrorKind> {
    let status = resp.status();
    if method == MethodKind::Head || status == 204 || status == 304 || status < 200 {
        return Ok(Framing::None);
    }
    let headers = resp.headers();
    let te = final_coding_is_chunked(headers)?;
    if te.is_some() && headers.get("content-length").is_some() {
        return Err(ErrorKind::ContentLengthWithTransferEncoding);
    }
    Ok(match te {
        Some(true) if resp.version() == Version::Http11 => Framing::Chunked,
        // An unknown final coding, or a 1.0 response claiming one: the
        // body runs until the connection closes.
        Some(_) => Framing::UntilClose,
        None => match content_length(headers)? {
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        },
    })
}

/// Whether the sender of a message lets the connection persist after it
/// (RFC 9112 §9.3).
pub(crate) fn wants_keep_alive(version: Version, headers: &Headers) -> bool {
    if headers.has_known_token(Known::CONNECTION, "close") {
        return false;
    }
    version == Version::Http11 || headers.has_known_token(Known::CONNECTION, "keep-alive")
}

/// What the body reader has for its machine.
// Moved once, straight into an `Event` of the same size: boxing the
// trailers would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Decoded {
    Data(Bytes),
    Trailers(Headers),
    End,
    NeedInput,
}

#[derive(Debug)]
enum State {
    Length {
        remaining: u64,
    },
    UntilClose,
    /// Before a chunk-size line; `scanned` bytes of it hold no LF.
    ChunkSize {
        scanned: usize,
    },
    ChunkData {
        remaining: u64,
    },
    /// After chunk data: exactly CRLF must follow.
    ChunkDataEnd,
    Trailers(BlockFramer),
    /// Trailers were handed out; End is next.
    TrailersDone,
    Done,
}

/// The most hex digits (leading zeros included) a chunk size may have.
const MAX_SIZE_DIGITS: usize = 64;

/// Cuts one message's body out of the receive buffer as slices of it.
#[derive(Debug)]
pub(crate) struct BodyReader {
    state: State,
    received: u64,
}

impl BodyReader {
    pub(crate) fn new(framing: Framing) -> Self {
        let state = match framing {
            Framing::None | Framing::Length(0) => State::Length { remaining: 0 },
            Framing::Length(n) => State::Length { remaining: n },
            Framing::Chunked => State::ChunkSize { scanned: 0 },
            Framing::UntilClose => State::UntilClose,
        };
        BodyReader { state, received: 0 }
    }

    /// How many body bytes are known to be left, if the length is known.
    pub(crate) fn known_remaining(&self) -> Option<u64> {
        match self.state {
            State::Length { remaining } => Some(remaining),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// Hands out the next piece of the body.
    pub(crate) fn decode(
        &mut self,
        inbox: &mut Inbox,
        limits: &Limits,
    ) -> Result<Decoded, ErrorKind> {
        loop {
            let waiting = if inbox.is_eof() {
                Err(ErrorKind::IncompleteMessage)
            } else {
                Ok(Decoded::NeedInput)
            };
            match &mut self.state {
                State::Length { remaining: 0 } | State::TrailersDone => {
                    self.state = State::Done;
                    return Ok(Decoded::End);
                }
                State::Done => return Ok(Decoded::End),
                State::Length { remaining } => {
                    if inbox.is_empty() {
                        return waiting;
                    }
                    let n = (*remaining).min(inbox.len() as u64);
                    *remaining -= n;
                    return Ok(Decoded::Data(inbox.split_to(n as usize)));
                }
                State::UntilClose => {
                    if inbox.is_empty() {
                        if inbox.is_eof() {
                            self.state = State::Done;
                            return Ok(Decoded::End);
                        }
                        return Ok(Decoded::NeedInput);
                    }
                    self.count(inbox.len() as u64, limits)?;
                    return Ok(Decoded::Data(inbox.take_all()));
                }
                State::ChunkSize { scanned } => {
                    let Some((line_len, size)) = chunk_size_line(inbox.data(), scanned, limits)?
                    else {
                        return waiting;
                    };
                    inbox.advance(line_len);
                    self.count(size, limits)?;
                    self.state = if size == 0 {
                        State::Trailers(BlockFramer::default())
                    } else {
                        State::ChunkData { remaining: size }
                    };
                }
                State::ChunkData { remaining } => {
                    if inbox.is_empty() {
                        return waiting;
                    }
                    let n = (*remaining).min(inbox.len() as u64);
                    *remaining -= n;
                    if *remaining == 0 {
                        self.state = State::ChunkDataEnd;
                    }
                    return Ok(Decoded::Data(inbox.split_to(n as usize)));
                }
                State::ChunkDataEnd => match inbox.data() {
                    [b'\r', b'\n', ..] => {
                        inbox.advance(2);
                        self.state = State::ChunkSize { scanned: 0 };
                    }
                    [b'\n', ..] if limits.allow_bare_lf => {
                        inbox.advance(1);
                        self.state = State::ChunkSize { scanned: 0 };
                    }
                    [] | [b'\r'] => return waiting,
                    _ => return Err(ErrorKind::MissingCrlfAfterChunk),
                },
                State::Trailers(framer) => {
                    let Some(n) = framer.find(inbox.data(), limits, BlockKind::Trailers)? else {
                        return waiting;
                    };
                    let lines = framer.lines();
                    let block = inbox.split_to(n);
                    if lines == 0 {
                        self.state = State::Done;
                        return Ok(Decoded::End);
                    }
                    let trailers = parse_trailers(block, lines)?;
                    self.state = State::TrailersDone;
                    return Ok(Decoded::Trailers(trailers));
                }
            }
        }
    }

    /// Counts announced or received body bytes against the limit.
    fn count(&mut self, n: u64, limits: &Limits) -> Result<(), ErrorKind> {
        self.received = self.received.saturating_add(n);
        match limits.max_body_bytes {
            Some(max) if self.received > max => Err(ErrorKind::BodyTooLarge),
            _ => Ok(()),
        }
    }
}

/// Frames and parses a chunk-size line at the front of `data`:
/// `1*HEXDIG [ BWS ";" chunk-ext ] CRLF`. Returns the line's length and
/// the size once the line is complete. Resumes its LF search at `scanned`.
fn chunk_size_line(
    data: &[u8],
    scanned: &mut usize,
    limits: &Limits,
) -> Result<Option<(usize, u64)>, ErrorKind> {
    // No whitespace, sign or `0x` may come before the size.
    match data.first() {
        None => return Ok(None),
        Some(b) if !b.is_ascii_hexdigit() => return Err(ErrorKind::InvalidChunkSize),
        Some(_) => {}
    }
    let window = data
        .len()
        .min(MAX_SIZE_DIGITS + limits.max_chunk_ext_bytes + 2);
    let from = (*scanned).min(window);
    let Some(i) = memchr::memchr(b'\n', &data[from..window]) else {
        *scanned = window;
        if window < data.len() || data.len() >= MAX_SIZE_DIGITS + limits.max_chunk_ext_bytes + 2 {
            let digits = data.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            return Err(if digits < data.len() {
                ErrorKind::ChunkExtensionTooLong
            } else {
                ErrorKind::InvalidChunkSize
            });
        }
        return Ok(None);
    };
    let nl = from + i;
    *scanned = 0;
    let line = &data[..nl];
    let content = match line.split_last() {
        Some((b'\r', content)) => content,
        _ if limits.allow_bare_lf => line,
        _ => return Err(ErrorKind::BareLf),
    };
    let size = parse_chunk_size(content, limits)?;
    Ok(Some((nl + 1, size)))
}

/// The size on a chunk-size line (without its ending); extensions are
/// checked and ignored.
fn parse_chunk_size(line: &[u8], limits: &Limits) -> Result<u64, ErrorKind> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > MAX_SIZE_DIGITS {
        return Err(ErrorKind::InvalidChunkSize);
    }
    let size = line[..digits].iter().try_fold(0u64, |n, &d| {
        let v = (d as char).to_digit(16).unwrap_or(0) as u64;
        n.checked_mul(16)?.checked_add(v)
    });
    let size = size.ok_or(ErrorKind::ChunkSizeOverflow)?;
    let ext = &line[digits..];
    if ext.is_empty() {
        return Ok(size);
    }
    // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): after the
    // digits only whitespace then ";" may come; "5 " or "5x" is refused.
    let after_ws = ext.iter().position(|&b| b != b' ' && b != b'\t');
    if after_ws.map(|i| ext[i]) != Some(b';') {
        return Err(ErrorKind::InvalidChunkSize);
    }
    if ext.len() > limits.max_chunk_ext_bytes {
        return Err(ErrorKind::ChunkExtensionTooLong);
    }
    if !ext.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f)) {
        return Err(ErrorKind::InvalidChunkExtension);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Decodes `input` fed in pieces of `step` bytes; the data joined,
    /// whether trailers came, and the first error.
    fn decode_all(
        framing: Framing,
        input: &[u8],
        step: usize,
        limits: &Limits,
    ) -> Result<(Vec<u8>, Option<Headers>, usize), ErrorKind> {
        let mut inbox = Inbox::new();
        let mut reader = BodyReader::new(framing);
        let mut body = Vec::new();
        let mut trailers = None;
        let mut pieces = input.chunks(step.max(1));
        loop {
            match reader.decode(&mut inbox, limits)? {
                Decoded::Data(d) => body.extend_from_slice(&d),
                Decoded::Trailers(t) => trailers = Some(t),
                Decoded::End => return Ok((body, trailers, inbox.len())),
                Decoded::NeedInput => match pieces.next() {
                    Some(p) => inbox.extend_from_slice(p),
                    None => inbox.set_eof(),
                },
            }
        }
    }

    fn chunked(input: &[u8]) -> Result<Vec<u8>, ErrorKind> {
        let limits = Limits::default();
        let whole = decode_all(Framing::Chunked, input, input.len(), &limits);
        for step in 1..4 {
            assert_eq!(
                decode_all(Framing::Chunked, input, step, &limits).map(|r| r.0),
                whole.clone().map(|r| r.0),
                "step {step}"
            );
        }
        whole.map(|r| r.0)
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let input = b"5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nNEXT";
        let limits = Limits::default();
        for step in [1, 2, 7, input.len()] {
            let (body, trailers, left) =
                decode_all(Framing::Chunked, input, step, &limits).unwrap();
            assert_eq!(body, b"hello world");
            assert_eq!(trailers.unwrap().get("x-sum"), Some(&b"1"[..]));
            if step == input.len() {
                assert_eq!(left, 4, "what follows the body stays");
            }
        }
    }

    #[test]
    fn chunk_size_rules() {
        assert_eq!(
            chunked(b"0x5\r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkSize)
        );
        assert_eq!(
            chunked(b" 5\r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkSize)
        );
        assert_eq!(
            chunked(b"5 \r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkSize)
        );
        assert_eq!(
            chunked(b"+5\r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkSize)
        );
        assert_eq!(chunked(b"g\r\n"), Err(ErrorKind::InvalidChunkSize));
        assert_eq!(
            chunked(b"10000000000000000\r\n"),
            Err(ErrorKind::ChunkSizeOverflow)
        );
        assert_eq!(
            chunked(b"0000000000000000000005\r\nhello\r\n0\r\n\r\n"),
            Ok(b"hello".to_vec())
        );
        assert_eq!(
            chunked(b"A\r\n0123456789\r\n0\r\n\r\n"),
            Ok(b"0123456789".to_vec())
        );
    }

    #[test]
    fn only_crlf_after_chunk_data() {
        // h11's CVE-2025-43859: any two bytes were accepted here.
        assert_eq!(
            chunked(b"5\r\nhelloXX0\r\n\r\n"),
            Err(ErrorKind::MissingCrlfAfterChunk)
        );
        assert_eq!(
            chunked(b"5\r\nhello\rX0\r\n\r\n"),
            Err(ErrorKind::MissingCrlfAfterChunk)
        );
        assert_eq!(
            chunked(b"5\r\nhello\n0\r\n\r\n"),
            Err(ErrorKind::MissingCrlfAfterChunk)
        );
        let lenient = Limits {
            allow_bare_lf: true,
            ..Limits::default()
        };
        let r = decode_all(Framing::Chunked, b"5\nhello\n0\n\n", 1, &lenient).unwrap();
        assert_eq!(r.0, b"hello");
    }

    #[test]
    fn chunk_size_line_needs_crlf() {
        assert_eq!(chunked(b"5\nhello\r\n0\r\n\r\n"), Err(ErrorKind::BareLf));
    }

    #[test]
    fn chunk_extension_limits_and_characters() {
        let limits = Limits {
            max_chunk_ext_bytes: 8,
            ..Limits::default()
        };
        let long = b"5;aaaaaaaaaaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n";
        assert_eq!(
            decode_all(Framing::Chunked, long, long.len(), &limits).unwrap_err(),
            ErrorKind::ChunkExtensionTooLong
        );
        // never finished: refused once past the window, not buffered forever
        let endless = [b'5', b';']
            .iter()
            .chain([b'a'; 200].iter())
            .copied()
            .collect::<Vec<u8>>();
        assert_eq!(
            decode_all(Framing::Chunked, &endless, 3, &limits).unwrap_err(),
            ErrorKind::ChunkExtensionTooLong
        );
        assert_eq!(
            chunked(b"5;a\x00b\r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkExtension)
        );
        assert_eq!(
            chunked(b"5;a\rb\r\nhello\r\n0\r\n\r\n"),
            Err(ErrorKind::InvalidChunkExtension)
        );
    }

    #[test]
    fn trailer_limit() {
        let limits = Limits {
            max_trailer_bytes: 10,
            ..Limits::default()
        };
        let input = b"0\r\nX-Long-Trailer: 1234567890\r\n\r\n";
        assert_eq!(
            decode_all(Framing::Chunked, input, 1, &limits).unwrap_err(),
            ErrorKind::TrailersTooLarge
        );
    }

    #[test]
    fn body_limit() {
        let limits = Limits {
            max_body_bytes: Some(4),
            ..Limits::default()
        };
        assert_eq!(
            decode_all(Framing::Chunked, b"5\r\nhello\r\n0\r\n\r\n", 1, &limits).unwrap_err(),
            ErrorKind::BodyTooLarge
        );
        assert_eq!(
            decode_all(Framing::UntilClose, b"hello", 2, &limits).unwrap_err(),
            ErrorKind::BodyTooLarge
        );
    }

    #[test]
    fn length_and_until_close() {
        let limits = Limits::default();
        let r = decode_all(Framing::Length(5), b"helloGET", 8, &limits).unwrap();
        assert_eq!((r.0.as_slice(), r.2), (&b"hello"[..], 3));
        assert_eq!(
            decode_all(Framing::Length(5), b"hel", 1, &limits).unwrap_err(),
            ErrorKind::IncompleteMessage
        );
        let r = decode_all(Framing::UntilClose, b"all of it", 2, &limits).unwrap();
        assert_eq!(r.0, b"all of it");
        assert_eq!(
            decode_all(Framing::Chunked, b"5\r\nhel", 1, &limits).unwrap_err(),
            ErrorKind::IncompleteMessage
        );
    }

    fn headers(fields: &[(&'static str, &'static str)]) -> Headers {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.push(*n, *v);
        }
        h
    }

    #[test]
    fn content_length_rules() {
        assert_eq!(
            content_length(&headers(&[("Content-Length", "5")])),
            Ok(Some(5))
        );
        assert_eq!(
            content_length(&headers(&[("Content-Length", "5, 5")])),
            Ok(Some(5))
        );
        assert_eq!(
            content_length(&headers(&[
                ("Content-Length", "5"),
                ("content-length", "5")
            ])),
            Ok(Some(5))
        );
        assert_eq!(
            content_length(&headers(&[
                ("Content-Length", "5"),
                ("Content-Length", "6")
            ])),
            Err(ErrorKind::ConflictingContentLength)
        );
        assert_eq!(
            content_length(&headers(&[("Content-Length", "5, 6")])),
            Err(ErrorKind::ConflictingContentLength)
        );
        for bad in [
            "+5",
            "-1",
            "0x5",
            "5 5",
            "",
            "five",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(
                content_length(&headers(&[("Content-Length", bad)])),
                Err(ErrorKind::InvalidContentLength),
                "{bad}"
            );
        }
    }

    fn request(fields: &[(&'static str, &'static str)]) -> Request {
        let mut r = Request::new("POST", "/");
        for (n, v) in fields {
            r.headers_mut().push(*n, *v);
        }
        r
    }

    #[test]
    fn request_framing_rules() {
        assert_eq!(
            request_framing(&request(&[
                ("Content-Length", "5"),
                ("Transfer-Encoding", "chunked")
            ])),
            Err(ErrorKind::ContentLengthWithTransferEncoding)
        );
        assert_eq!(
            request_framing(&request(&[("Transfer-Encoding", "gzip")])),
            Err(ErrorKind::UnsupportedTransferCoding)
        );
        assert_eq!(
            request_framing(&request(&[("Transfer-Encoding", "chunked, gzip")])),
            Err(ErrorKind::InvalidTransferEncoding)
        );
        assert_eq!(
            request_framing(&request(&[
                ("Transfer-Encoding", "chunked"),
                ("Transfer-Encoding", "chunked")
            ])),
            Err(ErrorKind::InvalidTransferEncoding)
        );
        assert_eq!(
            request_framing(&request(&[("Transfer-Encoding", " , ")])),
            Err(ErrorKind::InvalidTransferEncoding)
        );
        assert_eq!(
            request_framing(&request(&[("Transfer-Encoding", "gzip, Chunked")])),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            request_framing(
                &request(&[("Transfer-Encoding", "chunked")]).with_version(Version::Http10)
            ),
            Err(ErrorKind::TransferEncodingInHttp10)
        );
        assert_eq!(request_framing(&request(&[])), Ok(Framing::None));
        assert_eq!(
            request_framing(&request(&[("Content-Length", "12")])),
            Ok(Framing::Length(12))
        );
    }

    #[test]
    fn response_framing_rules() {
        let r = |status, fields: &[(&'static str, &'static str)]| {
            let mut r = Response::new(status);
            for (n, v) in fields {
                r.headers_mut().push(*n, *v);
            }
            r
        };
        let other = MethodKind::Other;
        assert_eq!(
            response_framing(&r(200, &[("Transfer-Encoding", "gzip")]), other),
            Ok(Framing::UntilClose)
        );
        assert_eq!(
            response_framing(&r(200, &[]), other),
            Ok(Framing::UntilClose)
        );
        assert_eq!(
            response_framing(&r(204, &[("Content-Length", "5")]), other),
            Ok(Framing::None)
        );
        assert_eq!(
            response_framing(&r(304, &[("Content-Length", "5")]), other),
            Ok(Framing::None)
        );
        assert_eq!(
            response_framing(&r(200, &[("Content-Length", "5")]), MethodKind::Head),
            Ok(Framing::None)
        );
        assert_eq!(
            response_framing(
                &r(
                    200,
                    &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")]
                ),
                other
            ),
            Err(ErrorKind::ContentLengthWithTransferEncoding)
        );
    }
}
