//! `fetch http[s]://host[:port]/path`: HTTP/1.1 as curl 7.88 does it: the
//! same request bytes (header order included), the same output for `-i`,
//! `-I`, `-D`, `-L` and the error rules (a status of 400 or more is a
//! failure, exit 22, only with `-f`).

use super::common::{
    connect_to, create_output, credentials, exit, implicit_tls, raw_stdout, read_local, time_left,
    Failure, Show, Sink, Stats,
};
use super::{Args, DataPart, READ_SIZE};
use bytes::Bytes;
use sanswire::http::{Event, Request, Response, Version};
use sanswire::io::http::Client as HttpClient;
use sanswire::io::tls;
use sanswire::io::Socket;
use sanswire::wire::Machine;
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use url::Url;

/// How much of an upload goes into one write.
const UPLOAD_CHUNK: usize = 256 * 1024;
/// curl adds `Expect: 100-continue` to a POST bigger than this.
const EXPECT_100_THRESHOLD: u64 = 1024 * 1024;
/// How long curl waits for the 100 before it sends the body anyway.
const EXPECT_100_TIMEOUT: Duration = Duration::from_secs(1);
/// HTTP statuses `--retry` takes as transient (curl's list).
const TRANSIENT_STATUS: [u16; 6] = [408, 429, 500, 502, 503, 504];

type Conn = HttpClient<tls::Stream<TcpStream>>;

/// Fetches one URL (following redirects with `-L`, retrying with
/// `--retry`), filling `stats` for `-w`.
pub fn fetch(
    args: &Args,
    url: &Url,
    data: &[DataPart],
    cookies: &mut CookieJar,
    stats: &mut Stats,
) -> Result<(), Failure> {
    let show = Show::new(args);
    let plan = Plan::new(args, url, data)?;
    let mut attempt = 0u32;
    loop {
        *stats = Stats {
            url_effective: url.to_string(),
            ..Stats::default()
        };
        // -m bounds each attempt, as with curl.
        let result = transfer(args, &plan, Instant::now(), cookies, stats);
        let transient = match &result {
            Ok(Done::Transient(_)) => true,
            Err(f) => f.0 == exit::OPERATION_TIMEDOUT,
            Ok(Done::Finished) => false,
        };
        if !transient || attempt >= args.retry {
            return match result {
                Ok(Done::Transient(Some(failure))) | Err(failure) => Err(failure),
                Ok(_) => Ok(()),
            };
        }
        let wait = Duration::from_secs(1 << attempt.min(9));
        attempt += 1;
        if show.errors {
            eprintln!(
                "Warning: Problem : {}. Will retry in {} seconds. {} retries left.",
                if result.is_err() {
                    "timeout"
                } else {
                    "HTTP error"
                },
                wait.as_secs(),
                args.retry - attempt + 1
            );
        }
        std::thread::sleep(wait);
    }
}

/// How one attempt ended.
enum Done {
    Finished,
    /// A transient HTTP status: `--retry` may try again; the failure
    /// stands when it does not (`-f`).
    Transient(Option<Failure>),
}

/// What goes out: the method, the first URL, the body and its type.
#[derive(Clone)]
struct Plan {
    url: Url,
    /// The method curl picks (GET, HEAD, POST, PUT).
    method: &'static str,
    /// `-X`, which wins on the request line.
    custom: Option<String>,
    body: Body,
    /// The Content-Type curl adds for the body (unless `-H` sets one).
    content_type: Option<String>,
    /// `--json`: its Content-Type and Accept, as if given with `-H` first.
    json: bool,
}

#[derive(Clone)]
enum Body {
    None,
    Bytes(Bytes),
    /// `-T FILE`: read again for each attempt.
    File(PathBuf, u64),
    /// `-T -`: chunked, read once.
    Stdin,
}

impl Body {
    /// The length, `None` when unknown (chunked).
    fn len(&self) -> Option<u64> {
        match self {
            Body::None => Some(0),
            Body::Bytes(b) => Some(b.len() as u64),
            Body::File(_, n) => Some(*n),
            Body::Stdin => None,
        }
    }
}

impl Plan {
    fn new(args: &Args, url: &Url, data: &[DataPart]) -> Result<Plan, Failure> {
        let mut url = url.clone();
        url.set_fragment(None);
        let mut plan = Plan {
            url,
            method: if args.head { "HEAD" } else { "GET" },
            custom: args.request.clone(),
            body: Body::None,
            content_type: None,
            json: data.iter().any(|p| matches!(p, DataPart::Json(_))),
        };
        if let Some(name) = &args.upload {
            plan.method = "PUT";
            plan.body = upload_body(name, &mut plan.url)?;
        } else if !args.form.is_empty() {
            plan.method = "POST";
            let (body, boundary) = multipart(&args.form)?;
            plan.body = Body::Bytes(body);
            plan.content_type = Some(format!("multipart/form-data; boundary={boundary}"));
        } else if !data.is_empty() {
            let joined = join_data(data)?;
            if args.get {
                let joined = String::from_utf8_lossy(&joined).into_owned();
                let query = match plan.url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{joined}"),
                    _ => joined,
                };
                plan.url.set_query(Some(&query));
            } else {
                plan.method = "POST";
                plan.body = Body::Bytes(Bytes::from(joined));
                if !plan.json {
                    plan.content_type = Some("application/x-www-form-urlencoded".into());
                }
            }
        }
        Ok(plan)
    }
}

/// `-T FILE`: a PUT of the file, to the URL with the file's name added
/// when the URL ends in `/` (curl's rule).
fn upload_body(name: &str, url: &mut Url) -> Result<Body, Failure> {
    if name == "-" {
        return Ok(Body::Stdin);
    }
    if url.path().ends_with('/') {
        let file_name = std::path::Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let encoded =
            percent_encoding::utf8_percent_encode(&file_name, percent_encoding::NON_ALPHANUMERIC);
        let path = format!("{}{encoded}", url.path());
        url.set_path(&path);
    }
    let len = std::fs::metadata(name)
        .map_err(|e| {
            Failure(
                exit::READ_ERROR,
                format!("Failed to open/read local data from file/application: {name}: {e}"),
            )
        })?
        .len();
    Ok(Body::File(PathBuf::from(name), len))
}

/// The data options joined as curl joins them: `&` between pieces
/// (`--json` pieces are concatenated).
fn join_data(parts: &[DataPart]) -> Result<Vec<u8>, Failure> {
    let mut out: Vec<u8> = Vec::new();
    let mut last_json = false;
    for (i, part) in parts.iter().enumerate() {
        let is_json = matches!(part, DataPart::Json(_));
        if i > 0 && !(is_json && last_json) {
            out.push(b'&');
        }
        last_json = is_json;
        match part {
            DataPart::Ascii(s) => match s.strip_prefix('@') {
                Some(path) => out.extend(text_file_data(&read_local(path)?)),
                None => out.extend_from_slice(s.as_bytes()),
            },
            DataPart::Binary(s) | DataPart::Json(s) => match s.strip_prefix('@') {
                Some(path) => out.extend(read_local(path)?),
                None => out.extend_from_slice(s.as_bytes()),
            },
            DataPart::Raw(s) => out.extend_from_slice(s.as_bytes()),
            DataPart::UrlEncode(s) => out.extend_from_slice(url_encode_part(s)?.as_bytes()),
        }
    }
    Ok(out)
}

/// `-d @file` as curl reads it: line by line, each line up to its first
/// CR, LF or NUL (curl reads them as C strings).
fn text_file_data(file: &[u8]) -> Vec<u8> {
    file.split(|b| *b == b'\n')
        .flat_map(|line| {
            let end = memchr::memchr2(b'\r', 0, line).unwrap_or(line.len());
            &line[..end]
        })
        .copied()
        .collect()
}

/// `--data-urlencode`: `content`, `=content`, `name=content`, `@file`,
/// `name@file`; the content is URL-encoded (space as `+`).
fn url_encode_part(s: &str) -> Result<String, Failure> {
    let (name, content) = if let Some((name, content)) = s.split_once('=') {
        (name, content.as_bytes().to_vec())
    } else if let Some((name, path)) = s.split_once('@') {
        (name, read_local(path)?)
    } else {
        ("", s.as_bytes().to_vec())
    };
    let encoded = url_encode(&content);
    Ok(if name.is_empty() {
        encoded
    } else {
        format!("{name}={encoded}")
    })
}

/// curl's escaping: everything but `A-Za-z0-9-._~` as `%XX`, space as `+`.
fn url_encode(bytes: &[u8]) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::percent_encode(bytes, KEEP)
        .to_string()
        .replace("%20", "+")
}

/// `-F` fields as a multipart/form-data body; returns it and its boundary.
fn multipart(fields: &[String]) -> Result<(Bytes, String), Failure> {
    let boundary = format!("------------------------{:016x}", random_u64());
    let mut body = Vec::new();
    for field in fields {
        let (name, rest) = field.split_once('=').ok_or_else(|| {
            Failure(
                exit::BAD_USAGE,
                format!("Illegally formatted input field: {field}"),
            )
        })?;
        let mut attrs = rest.split(';');
        let value = attrs.next().unwrap_or_default();
        let mut content_type = None;
        let mut file_name = None;
        for attr in attrs {
            if let Some(t) = attr.strip_prefix("type=") {
                content_type = Some(t.to_string());
            } else if let Some(f) = attr.strip_prefix("filename=") {
                file_name = Some(f.trim_matches('"').to_string());
            }
        }
        let content = if let Some(path) = value.strip_prefix('@') {
            let base = std::path::Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            file_name.get_or_insert(base);
            content_type.get_or_insert_with(|| {
                mime_guess::from_path(path)
                    .first_or_octet_stream()
                    .essence_str()
                    .to_string()
            });
            read_local(path)?
        } else if let Some(path) = value.strip_prefix('<') {
            read_local(path)?
        } else {
            value.as_bytes().to_vec()
        };
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = &file_name {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(t) = &content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((Bytes::from(body), boundary))
}

/// A boundary's randomness, from the standard library's hasher seed.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// One request after another as redirects lead (`-L`).
struct Hop {
    url: Url,
    method: &'static str,
    custom: Option<String>,
    body: Body,
    content_type: Option<String>,
    /// Still on the first URL's host: `-u` and `-H Authorization/Cookie`
    /// go only there.
    same_host: bool,
    /// The Referer: `-e URL`, and with `-e ';auto'` the last URL after a
    /// redirect.
    referer: Option<String>,
}

fn transfer(
    args: &Args,
    plan: &Plan,
    started: Instant,
    cookies: &mut CookieJar,
    stats: &mut Stats,
) -> Result<Done, Failure> {
    let show = Show::new(args);
    let resume = resume_offset(args)?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(create_output(path, resume > 0)?),
        None => Box::new(raw_stdout()?),
    };
    let mut sink = Sink::to(out, args, started)?;
    let mut dump = match &args.dump_header {
        Some(p) if p.as_os_str() == "-" => Some(Box::new(raw_stdout()?) as Box<dyn Write>),
        Some(p) => Some(Box::new(create_output(p, false)?) as Box<dyn Write>),
        None => None,
    };
    let mut hop = Hop {
        url: plan.url.clone(),
        method: plan.method,
        custom: plan.custom.clone(),
        body: plan.body.clone(),
        content_type: plan.content_type.clone(),
        same_host: true,
        referer: args
            .referer
            .as_deref()
            .map(|r| r.strip_suffix(";auto").unwrap_or(r).to_string()),
    };
    let mut kept: Option<(url::Origin, Conn)> = None;
    loop {
        stats.url_effective = hop.url.to_string();
        let (request, expect) = build_request(args, plan, &hop, cookies, resume)?;
        let origin = hop.url.origin();
        let reused = kept.take().filter(|(o, _)| *o == origin);
        let (mut conn, response) = match reused {
            Some((_, mut conn)) => {
                show.info("Re-using existing connection #0");
                match exchange(&mut conn, &request, &hop, expect, args, started, &show) {
                    Ok(response) => (conn, response),
                    // A kept connection the server closed meanwhile: curl
                    // tries once more on a fresh one.
                    Err(Failure(exit::GOT_NOTHING, _)) => {
                        show.info("Connection died, retrying a fresh connect");
                        let mut conn = open(args, &hop.url, started, &show)?;
                        let r = exchange(&mut conn, &request, &hop, expect, args, started, &show)?;
                        (conn, r)
                    }
                    Err(other) => return Err(other),
                }
            }
            None => {
                let mut conn = open(args, &hop.url, started, &show)?;
                let r = exchange(&mut conn, &request, &hop, expect, args, started, &show)?;
                (conn, r)
            }
        };
        let keep_alive = keeps_alive(&response);
        let head = head_bytes(&response);
        log_response(&show, &head);
        stats.code = response.status();
        stats.size_header += head.len() as u64;
        stats.content_type = header_str(&response, "content-type");
        cookies.store(&hop.url, &response);
        let next = redirect_target(args, &hop, &response)?;
        let transient = TRANSIENT_STATUS.contains(&response.status());
        let failing = args.fail && response.status() >= 400;
        if !failing {
            if args.include || args.head {
                sink.write(&head)?;
            }
            if let Some(d) = &mut dump {
                d.write_all(&head)
                    .map_err(|e| Failure(exit::WRITE_ERROR, e.to_string()))?;
            }
        }
        if let Some(next_url) = next {
            if args.max_redirs >= 0 && stats.num_redirects as i64 >= args.max_redirs {
                return Err(Failure(
                    exit::TOO_MANY_REDIRECTS,
                    format!("Maximum ({}) redirects followed", args.max_redirs),
                ));
            }
            drain(&mut conn, &show)?;
            left(&show, &hop.url, keep_alive);
            if keep_alive {
                kept = Some((origin, conn));
            }
            show.info(&format!("Issue another request to this URL: '{next_url}'"));
            let auto = args
                .referer
                .as_deref()
                .is_some_and(|r| r.ends_with(";auto"));
            follow(&mut hop, &response, next_url, auto);
            stats.num_redirects += 1;
            continue;
        }
        if failing {
            let failure = Failure(
                exit::HTTP_RETURNED_ERROR,
                format!("The requested URL returned error: {}", response.status()),
            );
            return match transient {
                true => Ok(Done::Transient(Some(failure))),
                false => Err(failure),
            };
        }
        if resume > 0 && response.status() == 200 {
            return Err(Failure(
                exit::RANGE_ERROR,
                "HTTP server doesn't seem to support byte ranges. Cannot resume.".into(),
            ));
        }
        sink.total = header_str(&response, "content-length").and_then(|v| v.parse().ok());
        let mut decoder = Decoder::new(args, &response)?;
        while let Some(chunk) = conn
            .read_body()
            .map_err(|e| closed_early(e, exit::PARTIAL_FILE))?
        {
            show.data_in(chunk.len());
            stats.size_download += chunk.len() as u64;
            decoder.write(&chunk, &mut sink)?;
        }
        decoder.finish(&mut sink)?;
        sink.finish()?;
        left(&show, &hop.url, keep_alive);
        return Ok(if transient {
            Done::Transient(None)
        } else {
            Done::Finished
        });
    }
}

/// `-v`: what becomes of the connection after a response.
fn left(show: &Show, url: &Url, keep_alive: bool) {
    match keep_alive {
        true => show.info(&format!(
            "Connection #0 to host {} left intact",
            url.host_str().unwrap_or_default()
        )),
        false => show.info("Closing connection 0"),
    }
}

/// Sends the request and reads the response head.
fn exchange(
    conn: &mut Conn,
    request: &Request,
    hop: &Hop,
    expect: bool,
    args: &Args,
    started: Instant,
    show: &Show,
) -> Result<Response, Failure> {
    log_request(show, request);
    let early =
        send_request(conn, request, &hop.body, expect, args, started).map_err(|f| match f.0 {
            exit::RECV_ERROR => Failure(exit::GOT_NOTHING, f.1),
            _ => f,
        })?;
    match early {
        Some(r) => Ok(r),
        None => conn
            .response()
            .map_err(|e| closed_early(e, exit::GOT_NOTHING)),
    }
}

/// The connection may carry the next request (HTTP/1.1 without
/// `Connection: close`, or HTTP/1.0 with keep-alive).
fn keeps_alive(response: &Response) -> bool {
    let headers = response.headers();
    match response.version() {
        Version::Http11 => !headers.has_token("connection", "close"),
        Version::Http10 => headers.has_token("connection", "keep-alive"),
    }
}

/// curl's code for a connection closed before the response (52) or in
/// its body (18).
fn closed_early(e: sanswire::io::SessionError<sanswire::http::Http>, code: i32) -> Failure {
    match e {
        sanswire::io::DriveError::Protocol(p)
            if p.kind() == sanswire::http::ErrorKind::IncompleteMessage =>
        {
            let message = match code {
                exit::GOT_NOTHING => "Empty reply from server",
                _ => "transfer closed with outstanding read data remaining",
            };
            Failure(code, message.into())
        }
        // EOF before any response: the machine sees the peer close between
        // messages, and the operation cannot complete.
        sanswire::io::DriveError::UnexpectedEof | sanswire::io::DriveError::Stalled => {
            Failure(code, "Empty reply from server".into())
        }
        other => other.into(),
    }
}

/// `-C OFFSET`, or `-C -`: the output file's size.
fn resume_offset(args: &Args) -> Result<u64, Failure> {
    match args.continue_at.as_deref() {
        None => Ok(0),
        Some("-") => Ok(args
            .output
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())),
        Some(n) => n
            .parse()
            .map_err(|_| Failure(exit::BAD_USAGE, format!("bad -C offset {n:?}"))),
    }
}

/// The next URL, when `-L` follows this response.
fn redirect_target(args: &Args, hop: &Hop, response: &Response) -> Result<Option<Url>, Failure> {
    if !args.location || !matches!(response.status(), 300..=399) || response.status() == 304 {
        return Ok(None);
    }
    let Some(location) = header_str(response, "location") else {
        return Ok(None);
    };
    hop.url.join(&location).map(Some).map_err(|e| {
        Failure(
            exit::URL_MALFORMAT,
            format!("bad Location {location:?}: {e}"),
        )
    })
}

/// curl's rules for the next request: 301, 302 and 303 turn a POST into a
/// GET without a body (303 anything but HEAD); credentials stay with the
/// first host.
fn follow(hop: &mut Hop, response: &Response, next: Url, auto_referer: bool) {
    let status = response.status();
    let to_get = match status {
        301 | 302 => hop.method == "POST",
        303 => hop.method != "HEAD",
        _ => false,
    };
    if to_get {
        hop.method = "GET";
        hop.body = Body::None;
        hop.content_type = None;
        if status == 303 || hop.custom.as_deref() == Some("POST") {
            // curl keeps a -X method on 301/302 but still drops the body.
            if status == 303 {
                hop.custom = None;
            }
        }
    }
    let same = next.host_str() == hop.url.host_str()
        && next.port_or_known_default() == hop.url.port_or_known_default()
        && next.scheme() == hop.url.scheme();
    hop.same_host &= same;
    if auto_referer {
        let mut from = hop.url.clone();
        from.set_fragment(None);
        hop.referer = Some(from.to_string());
    }
    hop.url = next;
}

/// The request head for this hop, in curl's header order; and whether it
/// asks for `100-continue`.
fn build_request(
    args: &Args,
    plan: &Plan,
    hop: &Hop,
    cookies: &CookieJar,
    resume: u64,
) -> Result<(Request, bool), Failure> {
    let url = &hop.url;
    let proxied = proxy_for(args, url)?.is_some() && url.scheme() == "http";
    let mut target = if proxied {
        url.as_str().to_string()
    } else {
        url.path().to_string()
    };
    if let (false, Some(q)) = (proxied, url.query()) {
        target.push('?');
        target.push_str(q);
    }
    let method = hop.custom.clone().unwrap_or_else(|| hop.method.to_string());
    let mut host = url.host_str().unwrap_or_default().to_string();
    if let Some(port) = url.port() {
        host = format!("{host}:{port}");
    }
    let mut headers: Vec<(String, String)> = vec![("Host".into(), host)];
    if let Some(proxy) = proxy_for(args, url)?.filter(|_| proxied) {
        if let Some(auth) = basic(&proxy) {
            headers.push(("Proxy-Authorization".into(), auth));
        }
    }
    if hop.same_host {
        if let Some((user, pass)) = credentials(args, url) {
            use base64::Engine;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            headers.push(("Authorization".into(), format!("Basic {token}")));
        }
    }
    if resume > 0 {
        headers.push(("Range".into(), format!("bytes={resume}-")));
    } else if let Some(r) = &args.range {
        headers.push(("Range".into(), format!("bytes={r}")));
    }
    let agent = args
        .user_agent
        .clone()
        .unwrap_or_else(|| concat!("sanswire-fetch/", env!("CARGO_PKG_VERSION")).into());
    if !agent.is_empty() {
        headers.push(("User-Agent".into(), agent));
    }
    headers.push(("Accept".into(), "*/*".into()));
    if args.compressed {
        headers.push(("Accept-Encoding".into(), "deflate, gzip, br, zstd".into()));
    }
    if let Some(r) = hop.referer.as_ref().filter(|r| !r.is_empty()) {
        headers.push(("Referer".into(), r.clone()));
    }
    if proxied {
        headers.push(("Proxy-Connection".into(), "Keep-Alive".into()));
    }
    if let Some(c) = cookies.header_for(url, args) {
        headers.push(("Cookie".into(), c));
    }
    let mut custom: Vec<String> = Vec::new();
    if plan.json {
        custom.push("Content-Type: application/json".into());
        custom.push("Accept: application/json".into());
    }
    custom.extend(args.headers.iter().cloned());
    for h in &custom {
        let name = h.split([':', ';']).next().unwrap_or_default();
        let private =
            name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie");
        if private && !hop.same_host {
            continue;
        }
        apply_header(&mut headers, h)?;
    }
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let len = hop.body.len();
    let has_body = !matches!(hop.body, Body::None);
    if has_body {
        match len {
            Some(n) => headers.push(("Content-Length".into(), n.to_string())),
            None => headers.push(("Transfer-Encoding".into(), "chunked".into())),
        }
    }
    if let Some(ct) = &hop.content_type {
        if !has(&headers, "content-type") {
            headers.push(("Content-Type".into(), ct.clone()));
        }
    }
    let expect = has_body
        && !has(&headers, "expect")
        && match hop.method {
            "PUT" => len != Some(0),
            _ => len.is_none_or(|n| n > EXPECT_100_THRESHOLD),
        };
    if expect {
        headers.push(("Expect".into(), "100-continue".into()));
    }
    let mut request = Request::new(method, target).with_version(Version::Http11);
    for (name, value) in headers {
        request = request.with_header(name, value);
    }
    Ok((request, expect))
}

/// `Basic ...` for a URL's user and password.
fn basic(url: &Url) -> Option<String> {
    use base64::Engine;
    if url.username().is_empty() {
        return None;
    }
    let user = super::common::percent_decoded(url.username());
    let pass = super::common::percent_decoded(url.password().unwrap_or_default());
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    Some(format!("Basic {token}"))
}

/// `-H 'Name: value'` drops a default header of that name and adds this
/// one after the defaults (Host keeps its place); `-H 'Name:'` only drops
/// it; `-H 'Name;'` sends it empty (curl's rules).
fn apply_header(headers: &mut Vec<(String, String)>, h: &str) -> Result<(), Failure> {
    if let Some(name) = h.strip_suffix(';') {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.to_string(), String::new()));
        return Ok(());
    }
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| Failure(exit::BAD_USAGE, format!("bad header {h:?}")))?;
    let value = value.trim();
    if name.eq_ignore_ascii_case("host") && !value.is_empty() {
        if let Some(slot) = headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            *slot = (name.to_string(), value.to_string());
            return Ok(());
        }
    }
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    if !value.is_empty() {
        headers.push((name.to_string(), value.to_string()));
    }
    Ok(())
}

/// Sends the head and the body; with `Expect: 100-continue`, waits up to a
/// second for the go-ahead first. A final response that comes instead is
/// returned (the body is then not sent).
fn send_request(
    conn: &mut Conn,
    request: &Request,
    body: &Body,
    expect: bool,
    args: &Args,
    started: Instant,
) -> Result<Option<Response>, Failure> {
    conn.send_head(request)?;
    if expect {
        conn.driver().flush()?;
        if let Some(response) = await_continue(conn, args, started)? {
            conn.finish()?;
            return Ok(Some(response));
        }
    }
    match body {
        Body::None => {}
        Body::Bytes(b) => conn.send_body(b.clone())?,
        Body::File(path, _) => {
            let file = File::open(path).map_err(|e| Failure(exit::READ_ERROR, e.to_string()))?;
            send_stream(conn, file)?;
        }
        Body::Stdin => send_stream(conn, std::io::stdin())?,
    }
    conn.finish()?;
    Ok(None)
}

fn send_stream(conn: &mut Conn, mut from: impl Read) -> Result<(), Failure> {
    let mut buf = vec![0u8; UPLOAD_CHUNK];
    loop {
        let n = from
            .read(&mut buf)
            .map_err(|e| Failure(exit::READ_ERROR, e.to_string()))?;
        if n == 0 {
            return Ok(());
        }
        conn.send_body(Bytes::copy_from_slice(&buf[..n]))?;
    }
}

/// Waits for `100 Continue` (`None`: send the body) or a final response.
fn await_continue(
    conn: &mut Conn,
    args: &Args,
    started: Instant,
) -> Result<Option<Response>, Failure> {
    let wait = time_left(args, started).map_or(EXPECT_100_TIMEOUT, |t| t.min(EXPECT_100_TIMEOUT));
    conn.driver().stream().set_read_timeout(Some(wait))?;
    let event = conn.driver().next_event();
    conn.driver()
        .stream()
        .set_read_timeout(time_left(args, started))?;
    match event {
        Ok(Some(Event::Response(r))) if r.is_informational() => Ok(None),
        Ok(Some(Event::Response(r))) => Ok(Some(r)),
        Ok(_) => Err(Failure(exit::GOT_NOTHING, "Empty reply from server".into())),
        Err(sanswire::io::DriveError::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads and drops a body (a redirect's).
fn drain(conn: &mut Conn, show: &Show) -> Result<(), Failure> {
    while let Some(chunk) = conn.read_body()? {
        show.data_in(chunk.len());
    }
    Ok(())
}

/// A response head as bytes, as it came (for `-i`, `-I`, `-D`).
fn head_bytes(response: &Response) -> Vec<u8> {
    let version = match response.version() {
        Version::Http10 => "HTTP/1.0",
        Version::Http11 => "HTTP/1.1",
    };
    let mut out = format!("{version} {} ", response.status()).into_bytes();
    out.extend_from_slice(response.reason());
    out.extend_from_slice(b"\r\n");
    for (name, value) in response.headers().iter() {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn header_str(response: &Response, name: &str) -> Option<String> {
    let v = response.headers().get(name)?;
    Some(String::from_utf8_lossy(v).trim().to_string())
}

fn log_request(show: &Show, request: &Request) {
    if !show.verbose {
        return;
    }
    show.sent(&format!(
        "{} {} HTTP/1.1",
        String::from_utf8_lossy(request.method()),
        String::from_utf8_lossy(request.target())
    ));
    for (name, value) in request.headers().iter() {
        show.sent(&format!(
            "{}: {}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        ));
    }
    eprintln!("> ");
}

fn log_response(show: &Show, head: &[u8]) {
    if !show.verbose {
        return;
    }
    for line in String::from_utf8_lossy(head).split_inclusive('\n') {
        eprint!("< {line}");
    }
}

/// The proxy for this URL: `-x`, else `http_proxy` / `https_proxy` /
/// `all_proxy`, unless `--noproxy` / `no_proxy` lists the host.
fn proxy_for(args: &Args, url: &Url) -> Result<Option<Url>, Failure> {
    let host = url.host_str().unwrap_or_default();
    let no_proxy = args
        .noproxy
        .clone()
        .or_else(|| std::env::var("no_proxy").ok())
        .or_else(|| std::env::var("NO_PROXY").ok())
        .unwrap_or_default();
    let skipped = no_proxy.split(',').map(str::trim).any(|n| {
        let n = n.trim_start_matches('.');
        n == "*" || (!n.is_empty() && (host == n || host.ends_with(&format!(".{n}"))))
    });
    if skipped {
        return Ok(None);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let raw = args.proxy.clone().or_else(|| match url.scheme() {
        // curl reads only the lower-case http_proxy (a CGI program's
        // HTTP_PROXY comes from a request header).
        "http" => env("http_proxy"),
        _ => env("https_proxy").or_else(|| env("HTTPS_PROXY")),
    });
    let raw = raw.or_else(|| env("all_proxy").or_else(|| env("ALL_PROXY")));
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let with_scheme = if raw.contains("://") {
        raw
    } else {
        format!("http://{raw}")
    };
    let mut proxy = Url::parse(&with_scheme)
        .map_err(|e| Failure(exit::COULDNT_RESOLVE_PROXY, format!("bad proxy: {e}")))?;
    if proxy.scheme() != "http" {
        return Err(Failure(
            exit::UNSUPPORTED_PROTOCOL,
            format!("proxy scheme {} not supported", proxy.scheme()),
        ));
    }
    if proxy.port().is_none() {
        let _ = proxy.set_port(Some(1080));
    }
    Ok(Some(proxy))
}

/// Connects (through the proxy if there is one; a CONNECT tunnel for
/// https) and, for https, runs the TLS handshake.
fn open(args: &Args, url: &Url, started: Instant, show: &Show) -> Result<Conn, Failure> {
    let https = url.scheme() == "https";
    let host = url
        .host_str()
        .ok_or_else(|| Failure(exit::URL_MALFORMAT, "URL has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let tcp = match proxy_for(args, url)? {
        Some(proxy) => {
            let phost = proxy.host_str().unwrap_or_default().to_string();
            let tcp = connect_to(&phost, proxy.port().unwrap_or(1080), args, started)?;
            if https {
                tunnel(tcp, &proxy, &host, port, args, show)?
            } else {
                tcp
            }
        }
        None => connect_to(&host, port, args, started)?,
    };
    let stream = if https {
        implicit_tls(args, url, tcp, &[b"http/1.1"])?
    } else {
        tls::Stream::plain(tcp)
    };
    let mut conn = HttpClient::new(stream);
    conn.driver().machine().inbox().set_read_size(READ_SIZE);
    Ok(conn)
}

/// `CONNECT host:port` through the proxy; the machine hands the connection
/// off on a 2xx, and TLS runs over it.
fn tunnel(
    tcp: TcpStream,
    proxy: &Url,
    host: &str,
    port: u16,
    args: &Args,
    show: &Show,
) -> Result<TcpStream, Failure> {
    let authority = format!("{host}:{port}");
    let mut request = Request::new("CONNECT", authority.clone())
        .with_version(Version::Http11)
        .with_header("Host", authority.clone());
    if let Some(auth) = basic(proxy) {
        request = request.with_header("Proxy-Authorization", auth);
    }
    let agent = args
        .user_agent
        .clone()
        .unwrap_or_else(|| concat!("sanswire-fetch/", env!("CARGO_PKG_VERSION")).into());
    request = request
        .with_header("User-Agent", agent)
        .with_header("Proxy-Connection", "Keep-Alive");
    show.info(&format!("Establish HTTP proxy tunnel to {authority}"));
    log_request(show, &request);
    let mut client = HttpClient::new(tcp);
    client.send_head(&request)?;
    client.finish()?;
    let response = client.response()?;
    log_response(show, &head_bytes(&response));
    if !(200..300).contains(&response.status()) {
        return Err(Failure(
            exit::RECV_ERROR,
            format!("CONNECT tunnel failed, response {}", response.status()),
        ));
    }
    let (tcp, mut machine) = client.into_driver().into_parts();
    if !machine.inbox().take_all().is_empty() {
        return Err(Failure(
            exit::RECV_ERROR,
            "Proxy CONNECT followed by data".into(),
        ));
    }
    show.info("CONNECT phase completed");
    Ok(tcp)
}

/// `--compressed`: decodes gzip, deflate (zlib) and br as the body
/// arrives, zstd at its end.
enum Decoder {
    Identity,
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    /// zstd: ruzstd decodes from a reader, so the body is kept whole.
    Zstd(Vec<u8>),
}

impl Decoder {
    fn new(args: &Args, response: &Response) -> Result<Decoder, Failure> {
        if !args.compressed {
            return Ok(Decoder::Identity);
        }
        let coding = header_str(response, "content-encoding").unwrap_or_default();
        Ok(match coding.to_ascii_lowercase().as_str() {
            "" | "identity" => Decoder::Identity,
            "gzip" | "x-gzip" => Decoder::Gzip(flate2::write::GzDecoder::new(Vec::new())),
            "deflate" => Decoder::Deflate(flate2::write::ZlibDecoder::new(Vec::new())),
            "br" => Decoder::Brotli(Box::new(brotli::DecompressorWriter::new(Vec::new(), 4096))),
            "zstd" => Decoder::Zstd(Vec::new()),
            other => {
                return Err(Failure(
                    exit::BAD_CONTENT_ENCODING,
                    format!("Unrecognized content encoding type: {other}"),
                ))
            }
        })
    }

    fn write(&mut self, data: &[u8], sink: &mut Sink) -> Result<(), Failure> {
        let bad = |e: std::io::Error| {
            Failure(
                exit::BAD_CONTENT_ENCODING,
                format!("Error while processing content unencoding: {e}"),
            )
        };
        let out = match self {
            Decoder::Identity => return sink.write(data),
            Decoder::Zstd(body) => {
                body.extend_from_slice(data);
                return Ok(());
            }
            Decoder::Gzip(d) => {
                d.write_all(data).map_err(bad)?;
                d.get_mut()
            }
            Decoder::Deflate(d) => {
                d.write_all(data).map_err(bad)?;
                d.get_mut()
            }
            Decoder::Brotli(d) => {
                d.write_all(data).map_err(bad)?;
                d.get_mut()
            }
        };
        let decoded = std::mem::take(out);
        sink.write(&decoded)
    }

    fn finish(self, sink: &mut Sink) -> Result<(), Failure> {
        let bad = |e: std::io::Error| {
            Failure(
                exit::BAD_CONTENT_ENCODING,
                format!("Error while processing content unencoding: {e}"),
            )
        };
        let rest = match self {
            Decoder::Identity => return Ok(()),
            Decoder::Gzip(d) => d.finish().map_err(bad)?,
            Decoder::Deflate(d) => d.finish().map_err(bad)?,
            Decoder::Zstd(body) => {
                let mut out = Vec::new();
                ruzstd::decoding::StreamingDecoder::new(&body[..])
                    .map_err(|e| Failure(exit::BAD_CONTENT_ENCODING, format!("zstd: {e}")))?
                    .read_to_end(&mut out)
                    .map_err(bad)?;
                out
            }
            Decoder::Brotli(d) => d.into_inner().map_err(|_| {
                Failure(exit::BAD_CONTENT_ENCODING, "truncated brotli stream".into())
            })?,
        };
        sink.write(&rest)
    }
}

/// One cookie, as the Netscape cookie file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cookie {
    domain: String,
    /// Sent to subdomains too (a `Domain` attribute).
    subdomains: bool,
    path: String,
    secure: bool,
    http_only: bool,
    /// Unix time; 0 for a session cookie.
    expires: i64,
    name: String,
    value: String,
}

/// curl's cookie engine: on with `-c` or a `-b FILE`; `-b NAME=VALUE`
/// strings are sent as they are, to every host.
#[derive(Debug, Default)]
pub struct CookieJar {
    on: bool,
    cookies: Vec<Cookie>,
    /// `-b` strings, joined with `; `.
    fixed: Option<String>,
}

impl CookieJar {
    /// Reads the `-b` files and strings.
    pub fn load(args: &Args) -> CookieJar {
        let mut jar = CookieJar {
            on: args.cookie_jar.is_some(),
            ..CookieJar::default()
        };
        let mut fixed = Vec::new();
        for b in &args.cookie {
            if b.contains('=') {
                fixed.push(b.clone());
                continue;
            }
            jar.on = true;
            // A missing file is not an error for curl: the engine starts empty.
            if let Ok(text) = std::fs::read_to_string(b) {
                jar.cookies
                    .extend(text.lines().filter_map(parse_cookie_line));
            }
        }
        if !fixed.is_empty() {
            jar.fixed = Some(fixed.join("; "));
        }
        jar
    }

    /// The Cookie header for a request to `url`.
    fn header_for(&self, url: &Url, _args: &Args) -> Option<String> {
        let host = url.host_str().unwrap_or_default();
        let path = url.path();
        let now = unix_now();
        let mut pairs: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = c.domain.eq_ignore_ascii_case(host)
                    || (c.subdomains && host.ends_with(&format!(".{}", c.domain)));
                let path_ok = path.starts_with(&c.path)
                    && (c.path.ends_with('/')
                        || path.len() == c.path.len()
                        || path.as_bytes()[c.path.len()] == b'/');
                domain_ok
                    && path_ok
                    && (!c.secure || url.scheme() == "https")
                    && (c.expires == 0 || c.expires > now)
            })
            .collect();
        // Longer paths first, as RFC 6265 and curl order them.
        pairs.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let mut parts: Vec<String> = pairs
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        if let Some(f) = &self.fixed {
            parts.push(f.clone());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Keeps the response's Set-Cookie values (with the engine on).
    fn store(&mut self, url: &Url, response: &Response) {
        if !self.on {
            return;
        }
        for value in response.headers().get_all("set-cookie") {
            let text = String::from_utf8_lossy(value);
            let Ok(parsed) = cookie::Cookie::parse(text.to_string()) else {
                continue;
            };
            let host = url.host_str().unwrap_or_default().to_string();
            let (domain, subdomains) = match parsed.domain() {
                Some(d) if !d.is_empty() => (d.trim_start_matches('.').to_string(), true),
                _ => (host, false),
            };
            let path = parsed
                .path()
                .map(str::to_string)
                .unwrap_or_else(|| default_path(url.path()));
            let expires = match (parsed.max_age(), parsed.expires_datetime()) {
                (Some(age), _) => unix_now() + age.whole_seconds(),
                (None, Some(at)) => at.unix_timestamp(),
                _ => 0,
            };
            let cookie = Cookie {
                domain,
                subdomains,
                path,
                secure: parsed.secure().unwrap_or(false),
                http_only: parsed.http_only().unwrap_or(false),
                expires,
                name: parsed.name().to_string(),
                value: parsed.value().to_string(),
            };
            self.cookies.retain(|c| {
                !(c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path)
            });
            self.cookies.push(cookie);
        }
    }

    /// `-c FILE` (`-` for stdout): every cookie in curl's Netscape format,
    /// newest first as curl lists them.
    pub fn save(&self, args: &Args) -> Result<(), Failure> {
        let Some(path) = &args.cookie_jar else {
            return Ok(());
        };
        let mut text = String::from(
            "# Netscape HTTP Cookie File\n\
             # https://curl.se/docs/http-cookies.html\n\
             # This file was generated by libcurl! Edit at your own risk.\n\n",
        );
        for c in self.cookies.iter().rev() {
            let bool_word = |b: bool| if b { "TRUE" } else { "FALSE" };
            let domain = match (c.http_only, c.subdomains) {
                (true, true) => format!("#HttpOnly_.{}", c.domain),
                (true, false) => format!("#HttpOnly_{}", c.domain),
                (false, true) => format!(".{}", c.domain),
                (false, false) => c.domain.clone(),
            };
            text.push_str(&format!(
                "{domain}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                bool_word(c.subdomains),
                c.path,
                bool_word(c.secure),
                c.expires,
                c.name,
                c.value
            ));
        }
        let result = if path.as_os_str() == "-" {
            std::io::stdout().lock().write_all(text.as_bytes())
        } else {
            std::fs::write(path, text)
        };
        result.map_err(|e| {
            Failure(
                exit::WRITE_ERROR,
                format!("WARNING: failed to save cookies in {}: {e}", path.display()),
            )
        })
    }
}

/// A line of a Netscape cookie file (comments and blank lines give `None`).
fn parse_cookie_line(line: &str) -> Option<Cookie> {
    let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
        Some(rest) => (rest, true),
        None if line.starts_with('#') => return None,
        None => (line, false),
    };
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 7 {
        return None;
    }
    Some(Cookie {
        domain: f[0].trim_start_matches('.').to_string(),
        subdomains: f[1].eq_ignore_ascii_case("TRUE"),
        path: f[2].to_string(),
        secure: f[3].eq_ignore_ascii_case("TRUE"),
        http_only,
        expires: f[4].parse().unwrap_or(0),
        name: f[5].to_string(),
        value: f[6].to_string(),
    })
}

/// RFC 6265's default path: the request path up to its last `/`.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => path[..i].to_string(),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
