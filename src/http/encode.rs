//! Writing heads and bodies: every argument is checked before a byte is
//! written, and body framing goes around the caller's bytes.

use super::body::{content_length, final_coding_is_chunked, Framing};
use super::error::ErrorKind;
use super::headers::Headers;
use super::parse::is_tchar;
use super::request::{Request, Version};
use super::response::{canonical_reason, canonical_status_head_11, Response};
use crate::wire::Outbox;
use bytes::Bytes;

fn is_token(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(|&b| is_tchar(b))
}

/// Field values and reason phrases: HTAB, SP, visible ASCII and obs-text;
/// never CR, LF, NUL, other controls or DEL.
fn is_text(v: &[u8]) -> bool {
    v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// A request target: visible characters only, no spaces or controls.
fn is_target(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(|&b| b > 0x20 && b != 0x7f)
}

fn check_fields(headers: &Headers) -> Result<(), ErrorKind> {
    for (name, value) in headers.iter() {
        if !is_token(name) || !is_text(value) {
            return Err(ErrorKind::InvalidArgument);
        }
    }
    Ok(())
}

/// Checks a request head can be written as given.
pub(crate) fn check_request(req: &Request) -> Result<(), ErrorKind> {
    if !is_token(req.method()) || !is_target(req.target()) {
        return Err(ErrorKind::InvalidArgument);
    }
    check_fields(req.headers())
}

/// Checks a response head can be written as given.
pub(crate) fn check_response(resp: &Response) -> Result<(), ErrorKind> {
    if !(100..=999).contains(&resp.status()) {
        return Err(ErrorKind::InvalidStatus);
    }
    if !is_text(resp.reason()) {
        return Err(ErrorKind::InvalidArgument);
    }
    check_fields(resp.headers())
}

/// The framing the caller's own header fields ask for, `None` when they
/// name none. Anything ambiguous is refused rather than sent.
pub(crate) fn outgoing_framing(headers: &Headers) -> Result<Option<Framing>, ErrorKind> {
    let te = final_coding_is_chunked(headers).map_err(|_| ErrorKind::InvalidFraming)?;
    let cl = content_length(headers).map_err(|_| ErrorKind::InvalidFraming)?;
    match (te, cl) {
        (Some(_), Some(_)) | (Some(false), None) => Err(ErrorKind::InvalidFraming),
        (Some(true), None) => Ok(Some(Framing::Chunked)),
        (None, Some(n)) => Ok(Some(Framing::Length(n))),
        (None, None) => Ok(None),
    }
}

fn write_fields(out: &mut Outbox, headers: &Headers) {
    for (name, value) in headers.iter() {
        out.write(name);
        // An empty value goes without the space: no trailing whitespace
        // (as curl sends `-H 'Name;'`).
        out.write(if value.is_empty() { b":" } else { b": " });
        out.write(value);
        out.write(b"\r\n");
    }
}

/// Writes a checked request head.
pub(crate) fn write_request_head(out: &mut Outbox, req: &Request) {
    out.write(req.method());
    out.write(b" ");
    out.write(req.target());
    out.write(b" ");
    out.write(req.version().as_bytes());
    out.write(b"\r\n");
    write_fields(out, req.headers());
    out.write(b"\r\n");
}

/// Writes a checked response head, plus `Transfer-Encoding: chunked` when
/// the server chose that framing itself.
pub(crate) fn write_response_head(out: &mut Outbox, resp: &Response, add_chunked: bool) {
    let status = resp.status();
    let bare = resp.headers().is_empty() && !add_chunked;
    if resp.reason().is_empty() && resp.version() == Version::Http11 {
        // The usual answer: its status line was built when compiling.
        if let Some(head) = canonical_status_head_11(status) {
            out.write(if bare { head } else { &head[..head.len() - 2] });
            if !bare {
                finish_head(out, resp, add_chunked);
            }
            return;
        }
    }
    let reason = match resp.reason() {
        b"" => canonical_reason(status).unwrap_or("").as_bytes(),
        given => given,
    };
    // The status line (and, for a head with no fields, its end) built on
    // the stack and written once: one outbox write instead of six.
    let mut line = [0u8; 64];
    let version = resp.version().as_bytes();
    let code = [
        b' ',
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
        b' ',
    ];
    let end: &[u8] = if bare { b"\r\n\r\n" } else { b"\r\n" };
    let mut len = 0;
    for part in [version, &code[..], reason, end] {
        match line.get_mut(len..len + part.len()) {
            Some(room) => room.copy_from_slice(part),
            None => {
                return write_response_head_in_parts(out, version, &code, reason, resp, add_chunked)
            }
        }
        len += part.len();
    }
    out.write(&line[..len]);
    if !bare {
        finish_head(out, resp, add_chunked);
    }
}

/// [`write_response_head`] for a reason phrase too long for its buffer.
fn write_response_head_in_parts(
    out: &mut Outbox,
    version: &[u8],
    code: &[u8],
    reason: &[u8],
    resp: &Response,
    add_chunked: bool,
) {
    out.write(version);
    out.write(code);
    out.write(reason);
    out.write(b"\r\n");
    finish_head(out, resp, add_chunked);
}

/// The fields after a status line, and the blank line.
fn finish_head(out: &mut Outbox, resp: &Response, add_chunked: bool) {
    write_fields(out, resp.headers());
    if add_chunked {
        out.write(b"Transfer-Encoding: chunked\r\n");
    }
    out.write(b"\r\n");
}

/// Writes the body of one outgoing message in its framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyWriter {
    Length { remaining: u64 },
    Chunked,
    UntilClose,
}

impl BodyWriter {
    /// The writer for a framing that has a body.
    pub(crate) fn for_framing(framing: Framing) -> Option<Self> {
        match framing {
            Framing::None | Framing::Length(0) => None,
            Framing::Length(n) => Some(BodyWriter::Length { remaining: n }),
            Framing::Chunked => Some(BodyWriter::Chunked),
            Framing::UntilClose => Some(BodyWriter::UntilClose),
        }
    }

    /// Queues `chunk` (never copied) with whatever framing it needs.
    pub(crate) fn send_data(&mut self, out: &mut Outbox, chunk: Bytes) -> Result<(), ErrorKind> {
        match self {
            BodyWriter::Length { remaining } => {
                let n = chunk.len() as u64;
                if n > *remaining {
                    return Err(ErrorKind::BodyLengthMismatch);
                }
                *remaining -= n;
                out.push(chunk);
            }
            // An empty chunk would end the body: skip it.
            BodyWriter::Chunked if chunk.is_empty() => {}
            BodyWriter::Chunked => {
                write_hex(out, chunk.len() as u64);
                out.write(b"\r\n");
                out.push(chunk);
                out.write(b"\r\n");
            }
            BodyWriter::UntilClose => out.push(chunk),
        }
        Ok(())
    }

    /// Checks the body can end here, with these trailers.
    pub(crate) fn check_end(&self, trailers: Option<&Headers>) -> Result<(), ErrorKind> {
        let trailers = trailers.filter(|t| !t.is_empty());
        match (self, trailers) {
            (BodyWriter::Length { remaining }, _) if *remaining > 0 => {
                Err(ErrorKind::BodyLengthMismatch)
            }
            (BodyWriter::Chunked, Some(t)) => check_fields(t),
            (_, Some(_)) => Err(ErrorKind::TrailersNotAllowed),
            (_, None) => Ok(()),
        }
    }

    /// Ends the body (after [`check_end`](Self::check_end)).
    pub(crate) fn write_end(&self, out: &mut Outbox, trailers: Option<&Headers>) {
        if *self == BodyWriter::Chunked {
            out.write(b"0\r\n");
            if let Some(t) = trailers {
                write_fields(out, t);
            }
            out.write(b"\r\n");
        }
    }
}

/// Writes `n` in lowercase hex, without leading zeros.
fn write_hex(out: &mut Outbox, n: u64) {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.write(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Version;

    /// The status lines built when compiling say what the general path
    /// would: for every code, with and without fields, in both versions.
    #[test]
    fn canonical_status_lines_match_the_general_path() {
        let head = |resp: &Response| {
            let mut out = Outbox::new();
            write_response_head(&mut out, resp, false);
            out.take_vec()
        };
        let mut canonical = 0;
        for status in 100..=999u16 {
            let reason = canonical_reason(status).unwrap_or("");
            canonical += usize::from(canonical_status_head_11(status).is_some());
            for version in [Version::Http11, Version::Http10] {
                let v = core::str::from_utf8(version.as_bytes()).unwrap();
                let bare = Response::new(status).with_version(version);
                assert_eq!(
                    head(&bare),
                    alloc::format!("{v} {status} {reason}\r\n\r\n").as_bytes()
                );
                let with_field = bare.with_header("A", "b");
                assert_eq!(
                    head(&with_field),
                    alloc::format!("{v} {status} {reason}\r\nA: b\r\n\r\n").as_bytes()
                );
            }
        }
        assert_eq!(canonical, 47);
    }

    #[test]
    fn response_heads_with_and_without_fields_and_long_reasons() {
        let head = |resp: &Response, chunked: bool| {
            let mut out = Outbox::new();
            write_response_head(&mut out, resp, chunked);
            out.take_vec()
        };
        assert_eq!(
            head(&Response::new(204), false),
            b"HTTP/1.1 204 No Content\r\n\r\n"
        );
        assert_eq!(
            head(&Response::new(200).with_header("A", "b"), true),
            b"HTTP/1.1 200 OK\r\nA: b\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let long = "x".repeat(100);
        assert_eq!(
            head(&Response::new(599).with_reason(long.clone()), false),
            alloc::format!("HTTP/1.1 599 {long}\r\n\r\n").as_bytes()
        );
        assert_eq!(
            head(
                &Response::new(599)
                    .with_reason(long.clone())
                    .with_header("A", "b"),
                false
            ),
            alloc::format!("HTTP/1.1 599 {long}\r\nA: b\r\n\r\n").as_bytes()
        );
    }

    #[test]
    fn an_empty_value_has_no_trailing_space() {
        let req = Request::get("/")
            .with_header("X-Empty", "")
            .with_header("A", "b");
        let mut out = Outbox::new();
        write_request_head(&mut out, &req);
        assert_eq!(
            out.take_vec(),
            b"GET / HTTP/1.1\r\nX-Empty:\r\nA: b\r\n\r\n"
        );
    }

    #[test]
    fn hex_sizes() {
        for (n, s) in [
            (0u64, "0"),
            (10, "a"),
            (255, "ff"),
            (4096, "1000"),
            (u64::MAX, "ffffffffffffffff"),
        ] {
            let mut out = Outbox::new();
            write_hex(&mut out, n);
            assert_eq!(out.take_vec(), s.as_bytes());
        }
    }

    #[test]
    fn chunked_framing_goes_around_the_callers_bytes() {
        let mut out = Outbox::new();
        let mut w = BodyWriter::Chunked;
        let body = Bytes::from_static(b"hello world!");
        w.send_data(&mut out, body.clone()).unwrap();
        w.send_data(&mut out, Bytes::new()).unwrap();
        let mut trailers = Headers::new();
        trailers.push("X-Sum", "7");
        w.check_end(Some(&trailers)).unwrap();
        w.write_end(&mut out, Some(&trailers));
        let chunks: alloc::vec::Vec<&[u8]> = out.chunks().collect();
        assert_eq!(chunks[1].as_ptr(), body.as_ptr(), "body queued, not copied");
        assert_eq!(
            out.take_vec(),
            b"c\r\nhello world!\r\n0\r\nX-Sum: 7\r\n\r\n"
        );
    }

    #[test]
    fn refuses_what_would_break_the_head() {
        for (m, t) in [
            ("GE T", "/"),
            ("GET", "/a b"),
            ("GET", "/\r\nX: y"),
            ("", "/"),
            ("GET", ""),
            ("G\0", "/"),
        ] {
            assert_eq!(
                check_request(&Request::new(m, t)),
                Err(ErrorKind::InvalidArgument)
            );
        }
        let bad_fields = [
            ("X", "a\r\nb"),
            ("X", "a\nb"),
            ("X", "a\0"),
            ("X:", "a"),
            ("X Y", "a"),
            ("", "a"),
        ];
        for (n, v) in bad_fields {
            assert_eq!(
                check_request(&Request::get("/").with_header(n, v)),
                Err(ErrorKind::InvalidArgument),
                "{n:?} {v:?}"
            );
        }
        assert_eq!(
            check_response(&Response::new(200).with_reason("OK\r\nX: y")),
            Err(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            check_response(&Response::new(99)),
            Err(ErrorKind::InvalidStatus)
        );
        assert_eq!(
            check_response(&Response::new(1000)),
            Err(ErrorKind::InvalidStatus)
        );
    }

    #[test]
    fn heads_as_written() {
        let mut out = Outbox::new();
        let req = Request::new("OPTIONS", "*")
            .with_version(Version::Http10)
            .with_header("X-A", "1");
        write_request_head(&mut out, &req);
        assert_eq!(out.take_vec(), b"OPTIONS * HTTP/1.0\r\nX-A: 1\r\n\r\n");
        write_response_head(&mut out, &Response::new(599), true);
        assert_eq!(
            out.take_vec(),
            b"HTTP/1.1 599 \r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        write_response_head(&mut out, &Response::new(200).with_reason("Fine"), false);
        assert_eq!(out.take_vec(), b"HTTP/1.1 200 Fine\r\n\r\n");
    }
}
