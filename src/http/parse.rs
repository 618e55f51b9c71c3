//! Heads and trailer sections: framed first (find the blank line, looking
//! at each byte once), then parsed once, whole, with httparse.

use super::error::ErrorKind;
use super::headers::{Headers, Known};
use super::limits::Limits;
use super::request::{Request, Version};
use super::response::Response;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use core::mem::MaybeUninit;

/// How far past `max_target_bytes` an unfinished request line may run
/// before it is refused as too long (room for the method and version).
const REQUEST_LINE_SLACK: usize = 256;

/// How many httparse header slots live on the stack; heads with more
/// field lines (rare, and bounded by `Limits::max_headers`) use the heap.
const STACK_HEADERS: usize = 64;

/// What a block of lines is, for its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    RequestHead,
    ResponseHead,
    Trailers,
}

/// Finds the end of a head or trailer section: the first empty line.
///
/// Remembers where the current line started and how far it scanned, so
/// each byte is looked at once however the input is chunked; checks line
/// endings, the field count and the size bound on the way.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockFramer {
    line_start: usize,
    scanned: usize,
    lines: usize,
}

impl BlockFramer {
    /// Forgets the block in progress; call once a block was consumed.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// Whether no block is in progress: nothing scanned since the last
    /// reset.
    pub(crate) fn is_fresh(&self) -> bool {
        self.scanned == 0 && self.line_start == 0 && self.lines == 0
    }

    /// How many non-empty lines the last complete block had.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// The length of the block at the front of `data`, blank line
    /// included, once it is complete. `data` must be the same buffer as on
    /// the last call, possibly grown at its end.
    pub(crate) fn find(
        &mut self,
        data: &[u8],
        limits: &Limits,
        kind: BlockKind,
    ) -> Result<Option<usize>, ErrorKind> {
        let max = match kind {
            BlockKind::Trailers => limits.max_trailer_bytes,
            _ => limits.max_head_bytes,
        };
        let window = data.len().min(max);
        // A request starts with a method: a byte that cannot begin one (a
        // TLS ClientHello's 0x16 on a plaintext port, binary noise) is
        // refused at once instead of waiting for a line end that may
        // never come. (Empty lines before the request line are allowed.)
        if kind == BlockKind::RequestHead && self.lines == 0 {
            if let Some(&first) = data.get(self.line_start) {
                if !is_tchar(first) && first != b'\r' && first != b'\n' {
                    return Err(ErrorKind::InvalidRequestLine);
                }
            }
        }
        let mut from = self.scanned.max(self.line_start);
        while from < window {
            let Some(i) = memchr::memchr(b'\n', &data[from..window]) else {
                break;
            };
            let nl = from + i;
            // The request line's bound comes first and holds whether its
            // end came in the same read or not: the same error whatever
            // the chunking (a partial line over it is refused below).
            if kind == BlockKind::RequestHead
                && self.lines == 0
                && nl > limits.max_target_bytes.saturating_add(REQUEST_LINE_SLACK)
            {
                return Err(ErrorKind::UriTooLong);
            }
            let line = &data[self.line_start..nl];
            let content = match line.split_last() {
                Some((b'\r', content)) => content,
                _ if limits.allow_bare_lf => line,
                _ => return Err(ErrorKind::BareLf),
            };
            if content.is_empty() {
                let lines = self.lines;
                self.reset();
                self.lines = lines;
                return Ok(Some(nl + 1));
            }
            self.lines += 1;
            let fields = match kind {
                BlockKind::Trailers => self.lines,
                _ => self.lines - 1,
            };
            if fields > limits.max_headers {
                return Err(ErrorKind::TooManyHeaders);
            }
            self.line_start = nl + 1;
            from = nl + 1;
        }
        self.scanned = window;
        let in_request_line = kind == BlockKind::RequestHead && self.lines == 0;
        if in_request_line
            && data.len() > limits.max_target_bytes.saturating_add(REQUEST_LINE_SLACK)
        {
            return Err(ErrorKind::UriTooLong);
        }
        if data.len() >= max {
            return Err(match kind {
                _ if in_request_line => ErrorKind::UriTooLong,
                BlockKind::Trailers => ErrorKind::TrailersTooLarge,
                _ => ErrorKind::HeadTooLarge,
            });
        }
        Ok(None)
    }
}

/// Where `part` starts in `whole` (`part` must be a slice of it).
fn offset(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Runs `parse` with httparse header slots for `field_lines` fields:
/// uninitialised (httparse writes only those it fills, so a typical head
/// does not pay for zeroing them all), on the stack unless the head has
/// more field lines than [`STACK_HEADERS`].
fn with_slots<'b, R>(
    field_lines: usize,
    parse: impl for<'h> FnOnce(&'h mut [MaybeUninit<httparse::Header<'b>>]) -> R,
) -> R {
    if field_lines < STACK_HEADERS {
        parse(&mut [const { MaybeUninit::uninit() }; STACK_HEADERS])
    } else {
        parse(&mut vec![MaybeUninit::uninit(); field_lines + 1])
    }
}

/// Notes httparse's fields in headers over `head`, after unfolding
/// obs-fold (RFC 9112 §5.2) where a value has one: its line breaks become
/// spaces, in a copy of the head of the same length, so every field is
/// one line. Only responses and trailers get there with a fold, when
/// `allow_obs_fold_in_responses` let it through.
fn collect_fields(head: &Bytes, fields: &[httparse::Header<'_>]) -> Headers {
    let mut headers = Headers::new();
    let value_range = |f: &httparse::Header<'_>| {
        let at = offset(head, f.value);
        at..at + f.value.len()
    };
    let folded = fields
        .iter()
        .any(|f| memchr::memchr2(b'\r', b'\n', f.value).is_some());
    let lines = field_line_range(head, fields);
    for f in fields {
        headers.note_field(f.name.as_bytes(), offset(head, f.value), f.value);
    }
    headers.set_received_count(fields.len());
    if folded {
        let mut copy: Vec<u8> = head.to_vec();
        for f in fields {
            for b in &mut copy[value_range(f)] {
                if *b == b'\r' || *b == b'\n' {
                    *b = b' ';
                }
            }
        }
        headers.set_received(Bytes::from(copy), lines);
    } else {
        headers.set_received(head.clone(), lines);
    }
    headers
}

/// Where the field lines are in `data`: from the first field's name to
/// the LF that ends the last one (empty without fields).
fn field_line_range(data: &[u8], fields: &[httparse::Header<'_>]) -> core::ops::Range<usize> {
    let (Some(first), Some(last)) = (fields.first(), fields.last()) else {
        return 0..0;
    };
    let value_end = offset(data, last.value) + last.value.len();
    let lf = memchr::memchr(b'\n', &data[value_end..]).map_or(data.len(), |i| value_end + i + 1);
    offset(data, first.name.as_bytes())..lf
}

/// Where a parsed request line's parts are, before the head is cut off
/// as [`Bytes`]. The fields go straight into the request's [`Headers`],
/// so the few hundred bytes of a head are written once, in place.
pub(crate) struct RequestLine {
    method: core::ops::Range<usize>,
    target: core::ops::Range<usize>,
    minor: u8,
    /// Every line of the head was seen to end in CRLF (false: not known).
    crlf: bool,
    /// Where the field lines are.
    lines: core::ops::Range<usize>,
}

/// Whether the rest of a field line, after its value, is optional
/// whitespace and a CR (httparse takes a CR only right before a LF).
#[inline]
fn ends_in_cr(rest: &[u8]) -> bool {
    rest.iter().find(|&&b| b != b' ' && b != b'\t') == Some(&b'\r')
}

/// The checks that need the fields, then the request line, over `head`
/// (the bytes the positions point into); the fields are in `req` already.
fn finish_into(
    req: &mut Request,
    line: RequestLine,
    head: Bytes,
    limits: &Limits,
    values_checked: bool,
) -> Result<(), ErrorKind> {
    if line.target.len() > limits.max_target_bytes {
        return Err(ErrorKind::UriTooLong);
    }
    let version = Version::from_minor(line.minor);
    let headers = req.received_headers();
    headers.set_received(head, line.lines);
    if !values_checked {
        check_values(headers)?;
    }
    check_host(headers, version)?;
    req.set_line(line.method, line.target, version);
    Ok(())
}

/// Runs httparse over the front of `data` with `field_lines` slots,
/// recording the fields in `headers`.
fn parse_request_into(
    data: &[u8],
    field_lines: usize,
    headers: &mut Headers,
) -> Result<httparse::Status<(usize, RequestLine)>, httparse::Error> {
    with_slots(field_lines, |slots| {
        let mut req = httparse::Request::new(&mut []);
        let n = match req.parse_with_uninit_headers(data, slots)? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => return Ok(httparse::Status::Partial),
        };
        let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
            return Ok(httparse::Status::Partial);
        };
        let method_at = offset(data, method.as_bytes());
        let target_at = offset(data, target.as_bytes());
        let mut crlf = true;
        for f in req.headers.iter() {
            let at = offset(data, f.value);
            let end = at + f.value.len();
            // httparse's value stops at the line end or at whitespace
            // before it: a CR right after it is the usual case.
            crlf &= data.get(end) == Some(&b'\r') || ends_in_cr(&data[end..]);
            headers.note_field(f.name.as_bytes(), at, f.value);
        }
        headers.set_received_count(req.headers.len());
        // The request line's end, and the blank line's (seen from the
        // first field's start and the head's end).
        crlf &= match req.headers.first() {
            Some(f) => data[..offset(data, f.name.as_bytes())].ends_with(b"\r\n"),
            None => false,
        } && data[..n].ends_with(b"\r\n\r\n");
        Ok(httparse::Status::Complete((
            n,
            RequestLine {
                method: method_at..method_at + method.len(),
                target: target_at..target_at + target.len(),
                minor,
                crlf,
                lines: field_line_range(data, req.headers),
            },
        )))
    })
}

/// The fast path for a request head that is already whole in `data` (the
/// usual case: a request arrives in one read): httparse runs once over the
/// buffer, with no framing pass before it, and the fields go straight into
/// `req`. `None` when the head is not complete, breaks a rule or a limit:
/// the caller then frames it with [`BlockFramer`], which finds the same
/// head (or names the error) the slow way. Returns the head's length and
/// where its request line's parts are.
pub(crate) fn request_fast(
    data: &[u8],
    limits: &Limits,
    req: &mut Request,
) -> Option<(usize, RequestLine)> {
    // Empty lines before the request line are the framer's business.
    if !data.first().is_some_and(|&b| is_tchar(b)) {
        return None;
    }
    let window = &data[..data.len().min(limits.max_head_bytes)];
    let (n, line) = match parse_request_into(window, STACK_HEADERS - 1, req.received_headers()) {
        Ok(httparse::Status::Complete(done)) => done,
        _ => return None,
    };
    let fields = req.headers().len();
    if fields > limits.max_headers {
        return None;
    }
    // What httparse lets through that we refuse: bare LFs. The field loop
    // saw a CR at the end of every line, nearly always. Otherwise count:
    // httparse takes a CR only right before a LF, and a head that starts
    // with a token has one line per field plus the request line and the
    // blank line (it refuses obs-fold in requests), so the head has no
    // bare LF exactly when it has that many CRs.
    // (Control characters in values need no pass here: httparse's value
    // grammar is HTAB, SP to `~` and obs-text, the same as ours.)
    if !limits.allow_bare_lf && !line.crlf {
        let crs = memchr::memchr_iter(b'\r', &data[..n]).count();
        if crs != fields + 2 {
            return None;
        }
    }
    Some((n, line))
}

/// Finishes a request found by [`request_fast`], `head` being its bytes.
pub(crate) fn finish_fast(
    req: &mut Request,
    line: RequestLine,
    head: Bytes,
    limits: &Limits,
) -> Result<(), ErrorKind> {
    finish_into(req, line, head, limits, true)
}

/// Parses a complete request head (from [`BlockFramer`]) with `field_lines`
/// lines after the request line.
pub(crate) fn parse_request(
    head: Bytes,
    field_lines: usize,
    limits: &Limits,
) -> Result<Request, ErrorKind> {
    if head.len() > u32::MAX as usize {
        return Err(ErrorKind::HeadTooLarge);
    }
    let mut req = Request::received();
    let line = match parse_request_into(&head, field_lines, req.received_headers()) {
        Ok(httparse::Status::Complete((_, line))) => line,
        Ok(httparse::Status::Partial) => return Err(ErrorKind::InvalidRequestLine),
        Err(e) => return Err(diagnose(&head, true, false, e)),
    };
    finish_into(&mut req, line, head, limits, false)?;
    Ok(req)
}

/// Parses a complete response head with `field_lines` lines after the
/// status line.
pub(crate) fn parse_response(
    head: Bytes,
    field_lines: usize,
    limits: &Limits,
) -> Result<Response, ErrorKind> {
    if head.len() > u32::MAX as usize {
        return Err(ErrorKind::HeadTooLarge);
    }
    let mut config = httparse::ParserConfig::default();
    config.allow_obsolete_multiline_headers_in_responses(limits.allow_obs_fold_in_responses);
    let (minor, status, headers) = with_slots(field_lines, |slots| {
        let mut resp = httparse::Response::new(&mut []);
        match config.parse_response_with_uninit_headers(&mut resp, &head, slots) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err(ErrorKind::InvalidStatusLine),
            Err(e) => {
                let obs_fold_ok = limits.allow_obs_fold_in_responses;
                return Err(diagnose(&head, false, obs_fold_ok, e));
            }
        }
        let (Some(minor), Some(status)) = (resp.version, resp.code) else {
            return Err(ErrorKind::InvalidStatusLine);
        };
        Ok((minor, status, collect_fields(&head, resp.headers)))
    })?;
    check_values(&headers)?;
    Ok(Response::from_parts(
        status,
        reason_phrase(&head),
        Version::from_minor(minor),
        headers,
    ))
}

/// Parses a complete trailer section (field lines and the blank line).
pub(crate) fn parse_trailers(block: Bytes, field_lines: usize) -> Result<Headers, ErrorKind> {
    if block.len() > u32::MAX as usize {
        return Err(ErrorKind::TrailersTooLarge);
    }
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut heap;
    let slots: &mut [httparse::Header<'_>] = if field_lines < STACK_HEADERS {
        &mut stack
    } else {
        heap = vec![httparse::EMPTY_HEADER; field_lines + 1];
        &mut heap
    };
    let fields = match httparse::parse_headers(&block, slots) {
        Ok(httparse::Status::Complete((_, fields))) => fields,
        Ok(httparse::Status::Partial) => return Err(ErrorKind::InvalidTrailers),
        Err(_) => {
            return Err(diagnose_fields(block.split(|&b| b == b'\n'), false)
                .unwrap_or(ErrorKind::InvalidTrailers))
        }
    };
    let headers = collect_fields(&block, fields);
    check_values(&headers)?;
    Ok(headers)
}

/// The reason phrase: whatever follows `HTTP/1.x NNN ` on the status line
/// (httparse only hands it out when it is UTF-8; obs-text is allowed).
fn reason_phrase(head: &Bytes) -> Bytes {
    const REASON_AT: usize = b"HTTP/1.1 200 ".len();
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let line_end = if line_end > 0 && head[line_end - 1] == b'\r' {
        line_end - 1
    } else {
        line_end
    };
    if line_end > REASON_AT {
        head.slice(REASON_AT..line_end)
    } else {
        Bytes::new()
    }
}

/// Whether `b` may appear in a field value: HTAB, SP, visible ASCII,
/// obs-text; never NUL, CR, LF, other controls or DEL.
fn is_value_byte(b: u8) -> bool {
    (b == b'\t') | ((b >= 0x20) & (b != 0x7f))
}

/// Whether `b` is a `tchar` (RFC 9110 §5.6.2): the characters of methods
/// and field names.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Refuses control characters in values, whatever httparse's SIMD paths
/// let through.
fn check_values(headers: &Headers) -> Result<(), ErrorKind> {
    for value in headers.received_values() {
        // No early exit, so the compiler can check many bytes at once.
        let bad = value.iter().fold(false, |bad, &b| bad | !is_value_byte(b));
        if bad {
            return Err(ErrorKind::CtlInHeaderValue);
        }
    }
    Ok(())
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one `Host`; none is
/// allowed in HTTP/1.0, but never two.
fn check_host(headers: &Headers, version: Version) -> Result<(), ErrorKind> {
    let hosts = headers.count_known_up_to_two(Known::HOST);
    if hosts > 1 || (hosts == 0 && version == Version::Http11) {
        return Err(ErrorKind::InvalidHost);
    }
    Ok(())
}

/// Names the rule a head that httparse refused broke. Only runs on the
/// error path, so it may look at the head again.
fn diagnose(head: &[u8], is_request: bool, obs_fold_ok: bool, err: httparse::Error) -> ErrorKind {
    let mut lines = head.split(|&b| b == b'\n');
    let start = lines.next().unwrap_or_default();
    let start = start.strip_suffix(b"\r").unwrap_or(start);
    if start.contains(&b'\r') {
        return ErrorKind::BareCr;
    }
    if let Some(kind) = diagnose_fields(lines, obs_fold_ok) {
        return kind;
    }
    let version = start.rsplit(|&b| b == b' ').next().unwrap_or_default();
    let version = if is_request {
        version
    } else {
        start.split(|&b| b == b' ').next().unwrap_or_default()
    };
    if err == httparse::Error::Version && looks_like_http_version(version) {
        return ErrorKind::UnsupportedVersion;
    }
    if is_request {
        ErrorKind::InvalidRequestLine
    } else {
        ErrorKind::InvalidStatusLine
    }
}

/// `HTTP/` followed by `digit.digit`: a version, though maybe not ours.
fn looks_like_http_version(v: &[u8]) -> bool {
    matches!(v, [b'H', b'T', b'T', b'P', b'/', a, b'.', b] if a.is_ascii_digit() && b.is_ascii_digit())
}

/// Finds the first field line that breaks a rule.
fn diagnose_fields<'a>(
    lines: impl Iterator<Item = &'a [u8]>,
    obs_fold_ok: bool,
) -> Option<ErrorKind> {
    for line in lines {
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        if content.is_empty() {
            break;
        }
        if content.contains(&b'\r') {
            return Some(ErrorKind::BareCr);
        }
        if content[0] == b' ' || content[0] == b'\t' {
            if obs_fold_ok {
                continue;
            }
            return Some(ErrorKind::ObsFold);
        }
        let Some(colon) = memchr::memchr(b':', content) else {
            return Some(ErrorKind::InvalidHeaderName);
        };
        let (name, value) = (&content[..colon], &content[colon + 1..]);
        if matches!(name.last(), Some(b' ' | b'\t')) {
            return Some(ErrorKind::WhitespaceBeforeColon);
        }
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Some(ErrorKind::InvalidHeaderName);
        }
        if !value.iter().all(|&b| is_value_byte(b)) {
            return Some(ErrorKind::CtlInHeaderValue);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_all(
        input: &[u8],
        kind: BlockKind,
        limits: &Limits,
    ) -> Result<Option<usize>, ErrorKind> {
        let mut framer = BlockFramer::default();
        let mut result = Ok(None);
        for end in 1..=input.len() {
            result = framer.find(&input[..end], limits, kind);
            if !matches!(result, Ok(None)) {
                return result;
            }
        }
        result
    }

    fn fast(text: &[u8], limits: &Limits) -> Option<(usize, bool)> {
        let mut r = Request::received();
        request_fast(text, limits, &mut r).map(|(n, line)| (n, line.crlf))
    }

    #[test]
    fn the_fast_path_sees_crlf_lines_without_counting() {
        let limits = Limits::default();
        let head = b"GET / HTTP/1.1\r\nHost: a\r\nX:  b  \r\n\r\n";
        assert_eq!(fast(head, &limits), Some((head.len(), true)));
        // A bare LF anywhere, and the fast path lets the framer decide.
        for bad in [
            &b"GET / HTTP/1.1\nHost: a\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n\n",
        ] {
            assert_eq!(fast(bad, &limits), None, "{bad:?}");
        }
        let lenient = Limits {
            allow_bare_lf: true,
            ..Limits::default()
        };
        assert_eq!(
            fast(b"GET / HTTP/1.1\nHost: a\n\n", &lenient).map(|f| f.1),
            Some(false)
        );
        // No fields: the count decides.
        let http10 = b"GET / HTTP/1.0\r\n\r\n";
        assert_eq!(fast(http10, &limits), Some((http10.len(), false)));
    }

    /// Found by the http_server fuzz target: a request line over the
    /// bound was refused as too long when it came in pieces, but as
    /// malformed, or for its bare LF, when its end came in the same read.
    #[test]
    fn an_overlong_request_line_is_414_whatever_the_chunking() {
        let limits = Limits::default();
        let mut line = b"GET /".to_vec();
        line.resize(limits.max_target_bytes + REQUEST_LINE_SLACK + 100, b'\xaf');
        // With CRLF or a bare LF: the length is judged first.
        for end in [&b" HTTP/1.1\r\n"[..], b" HTTP/1.1\n"] {
            let mut line = line.clone();
            line.extend_from_slice(end);
            let whole = BlockFramer::default().find(&line, &limits, BlockKind::RequestHead);
            assert_eq!(whole, Err(ErrorKind::UriTooLong));
            let pieces = frame_all(&line, BlockKind::RequestHead, &limits);
            assert_eq!(pieces, Err(ErrorKind::UriTooLong));
        }
    }

    #[test]
    fn a_received_request_keeps_its_line_when_its_headers_are_replaced() {
        let mut r = req(b"PUT /x HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        *r.headers_mut() = Headers::new();
        assert_eq!((r.method(), r.target()), (&b"PUT"[..], &b"/x"[..]));
        assert!(r.headers().is_empty());
    }

    fn req(text: &[u8]) -> Result<Request, ErrorKind> {
        req_with(text, &Limits::default())
    }

    fn req_with(text: &[u8], limits: &Limits) -> Result<Request, ErrorKind> {
        let n = frame_all(text, BlockKind::RequestHead, limits)?.expect("complete head");
        let mut framer = BlockFramer::default();
        framer.find(text, limits, BlockKind::RequestHead)?;
        parse_request(
            Bytes::copy_from_slice(&text[..n]),
            framer.lines() - 1,
            limits,
        )
    }

    fn resp_with(text: &[u8], limits: &Limits) -> Result<Response, ErrorKind> {
        let mut framer = BlockFramer::default();
        let n = framer
            .find(text, limits, BlockKind::ResponseHead)?
            .expect("complete head");
        parse_response(
            Bytes::copy_from_slice(&text[..n]),
            framer.lines() - 1,
            limits,
        )
    }

    #[test]
    fn frames_byte_by_byte_the_same_as_whole() {
        let text = b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\nBODY";
        let limits = Limits::default();
        assert_eq!(
            frame_all(text, BlockKind::RequestHead, &limits),
            Ok(Some(33))
        );
        let mut framer = BlockFramer::default();
        assert_eq!(
            framer.find(text, &limits, BlockKind::RequestHead),
            Ok(Some(33))
        );
        assert_eq!(framer.lines(), 3);
    }

    #[test]
    fn parses_a_request_into_slices() {
        let r = req(b"PUT /x?y HTTP/1.0\r\nHost: h\r\nA:  b c \r\n\r\n").unwrap();
        assert_eq!(r.method(), b"PUT");
        assert_eq!(r.target(), b"/x?y");
        assert_eq!(r.version(), Version::Http10);
        let fields: Vec<_> = r.headers().iter().collect();
        assert_eq!(fields, [(&b"Host"[..], &b"h"[..]), (b"A", b"b c")]);
    }

    #[test]
    fn bare_lf_refused_unless_allowed() {
        assert_eq!(
            req(b"GET / HTTP/1.1\nHost: a\r\n\r\n").unwrap_err(),
            ErrorKind::BareLf
        );
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\n\n").unwrap_err(),
            ErrorKind::BareLf
        );
        let lenient = Limits {
            allow_bare_lf: true,
            ..Limits::default()
        };
        let r = req_with(b"GET / HTTP/1.1\nHost: a\n\n", &lenient).unwrap();
        assert_eq!(r.headers().get("host"), Some(&b"a"[..]));
    }

    #[test]
    fn bare_cr_refused() {
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n").unwrap_err(),
            ErrorKind::BareCr
        );
        assert_eq!(
            req(b"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n").unwrap_err(),
            ErrorKind::BareCr
        );
    }

    #[test]
    fn ctl_in_value_refused() {
        for ctl in [0u8, 1, 0x0b, 0x1f, 0x7f] {
            let mut text = b"GET / HTTP/1.1\r\nHost: a\r\nX: a".to_vec();
            text.push(ctl);
            text.extend_from_slice(b"b\r\n\r\n");
            assert_eq!(
                req(&text).unwrap_err(),
                ErrorKind::CtlInHeaderValue,
                "{ctl}"
            );
        }
        // HTAB and obs-text are fine.
        let r = req(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\xffc\r\n\r\n").unwrap();
        assert_eq!(r.headers().get("x"), Some(&b"a\tb\xffc"[..]));
    }

    #[test]
    fn whitespace_before_colon_refused() {
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n").unwrap_err(),
            ErrorKind::WhitespaceBeforeColon
        );
        assert_eq!(
            resp_with(b"HTTP/1.1 200 OK\r\nX\t: 5\r\n\r\n", &Limits::default()).unwrap_err(),
            ErrorKind::WhitespaceBeforeColon
        );
    }

    #[test]
    fn invalid_header_name_refused() {
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\r\nX(y): 5\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidHeaderName
        );
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidHeaderName
        );
    }

    #[test]
    fn obs_fold_refused_in_requests_and_by_default_in_responses() {
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n").unwrap_err(),
            ErrorKind::ObsFold
        );
        let text = b"HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\nY: c\r\n\r\n";
        assert_eq!(
            resp_with(text, &Limits::default()).unwrap_err(),
            ErrorKind::ObsFold
        );
        let lenient = Limits {
            allow_obs_fold_in_responses: true,
            ..Limits::default()
        };
        let r = resp_with(text, &lenient).unwrap();
        assert_eq!(r.headers().get("x"), Some(&b"a  \tb"[..]));
        assert_eq!(r.headers().get("y"), Some(&b"c"[..]));
    }

    #[test]
    fn host_rules() {
        assert_eq!(
            req(b"GET / HTTP/1.1\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidHost
        );
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidHost
        );
        assert!(req(b"GET / HTTP/1.0\r\n\r\n").is_ok());
    }

    #[test]
    fn versions() {
        assert_eq!(
            req(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n").unwrap_err(),
            ErrorKind::UnsupportedVersion
        );
        assert_eq!(
            req(b"GET / FTP/1.1\r\nHost: a\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidRequestLine
        );
        assert_eq!(
            req(b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap_err(),
            ErrorKind::InvalidRequestLine
        );
    }

    #[test]
    fn head_limits() {
        let small = Limits {
            max_head_bytes: 64,
            max_headers: 2,
            max_target_bytes: 10,
            ..Limits::default()
        };
        // too many fields, seen before the head is complete
        let text = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
        assert_eq!(
            frame_all(text, BlockKind::RequestHead, &small),
            Err(ErrorKind::TooManyHeaders)
        );
        // head too large once past the request line
        let mut big = b"GET / HTTP/1.1\r\nA: ".to_vec();
        big.resize(100, b'x');
        assert_eq!(
            frame_all(&big, BlockKind::RequestHead, &small),
            Err(ErrorKind::HeadTooLarge)
        );
        // an unfinished request line runs past the target limit and slack
        let mut long_line = b"GET /".to_vec();
        long_line.resize(400, b'a');
        let wide = Limits {
            max_target_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            frame_all(&long_line, BlockKind::RequestHead, &wide),
            Err(ErrorKind::UriTooLong)
        );
        // a complete request line whose target is too long
        assert_eq!(
            req_with(b"GET /0123456789a HTTP/1.1\r\nHost: a\r\n\r\n", &wide).unwrap_err(),
            ErrorKind::UriTooLong
        );
        // trailers have their own bound
        let tiny_trailers = Limits {
            max_trailer_bytes: 8,
            ..Limits::default()
        };
        assert_eq!(
            frame_all(
                b"X-Checksum: 1234\r\n\r\n",
                BlockKind::Trailers,
                &tiny_trailers
            ),
            Err(ErrorKind::TrailersTooLarge)
        );
    }

    #[test]
    fn responses_with_and_without_reason() {
        let limits = Limits::default();
        let r = resp_with(b"HTTP/1.1 204\r\n\r\n", &limits).unwrap();
        assert_eq!((r.status(), r.reason()), (204, &b""[..]));
        let r = resp_with(b"HTTP/1.0 200 Fine \xe9t\xe9\r\nA: b\r\n\r\n", &limits).unwrap();
        assert_eq!(r.reason(), b"Fine \xe9t\xe9");
        assert_eq!(r.version(), Version::Http10);
        assert_eq!(
            resp_with(b"HTTP/1.1 2000 OK\r\n\r\n", &limits).unwrap_err(),
            ErrorKind::InvalidStatusLine
        );
    }

    #[test]
    fn trailers_parse() {
        let t = parse_trailers(Bytes::from_static(b"A: 1\r\nb: 2\r\n\r\n"), 2).unwrap();
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            [(&b"A"[..], &b"1"[..]), (b"b", b"2")]
        );
        assert_eq!(
            parse_trailers(Bytes::from_static(b"A : 1\r\n\r\n"), 1).unwrap_err(),
            ErrorKind::WhitespaceBeforeColon
        );
    }

    #[test]
    fn the_fast_path_leaves_bare_lf_and_ctl_to_the_framer() {
        let limits = Limits::default();
        let good = b"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\r\n";
        let mut req = Request::received();
        assert_eq!(
            request_fast(good, &limits, &mut req).map(|(n, _)| n),
            Some(good.len())
        );
        let bad: [&[u8]; 4] = [
            b"GET / HTTP/1.1\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n",
        ];
        for head in bad {
            let mut req = Request::received();
            assert!(request_fast(head, &limits, &mut req).is_none(), "{head:?}");
        }
    }

    #[test]
    fn many_fields_use_the_heap_path() {
        let mut text = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
        for i in 0..80 {
            text.extend_from_slice(alloc::format!("X-{i}: {i}\r\n").as_bytes());
        }
        text.extend_from_slice(b"\r\n");
        let r = req(&text).unwrap();
        assert_eq!(r.headers().len(), 81);
        assert_eq!(r.headers().get("x-79"), Some(&b"79"[..]));
    }
}
