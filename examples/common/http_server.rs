//! `serve http`: files under a root folder, GET/HEAD with keep-alive, a
//! listing for folders, and PUT with Basic auth when a user is configured.

use super::ServerConfig;
use base64::Engine;
use bytes::{Bytes, BytesMut};
use sanswire::http::{Event, Request, Response, Server};
use sanswire::io::{tls, DriveError, Driver};
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

const FILE_CHUNK: usize = 256 * 1024;

/// Serves one connection until it closes (over TLS from the first byte
/// when the configuration says so).
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open(stream) else {
        return; // a failed TLS handshake: nothing to answer
    };
    let mut conn = Driver::new(stream, Server::new());
    // On a peer's error the machine has answered for itself (400, 408,
    // 431, ...) and the driver sent it before returning the error.
    let _ = serve_requests(&mut conn, config);
    let _ = conn.stream().close_notify();
}

/// Maps a request target to a path under `root`, refusing anything that
/// would leave it.
pub fn resolve(root: &Path, target: &[u8]) -> Option<PathBuf> {
    let path = target.split(|&b| b == b'?').next()?;
    if path.first() != Some(&b'/') {
        return None;
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode(path).collect();
    let decoded = String::from_utf8(decoded).ok()?;
    let mut out = root.to_path_buf();
    for part in Path::new(&decoded).components() {
        match part {
            Component::Normal(p) if !p.to_string_lossy().contains('\0') => out.push(p),
            Component::RootDir | Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type Fallible = Result<(), DriveError<sanswire::http::Error>>;

/// What to do with one request, decided from its head alone; the blocking
/// and the tokio loops below carry it out, so the two differ only in how
/// they move bytes.
enum Plan {
    /// Read and drop the body (small), then answer.
    Answer {
        drain: bool,
        response: Response,
        body: Body,
    },
    /// Answer without reading a body too large to read for nothing; the
    /// connection closes after the answer.
    Refuse { response: Response, body: Bytes },
    /// Store the body at `path` (through a temporary name, fsynced), then
    /// answer 201 or 200.
    Store { path: PathBuf, existed: bool },
}

/// A response body.
enum Body {
    Empty,
    Bytes(Bytes),
    /// A file of `len` bytes, read in chunks as it is sent.
    File(File, u64),
}

fn plan(config: &ServerConfig, request: &Request) -> Plan {
    let Some(path) = resolve(&config.root, request.target()) else {
        return refuse(request, 400, "bad path\n");
    };
    let head_only = request.method() == b"HEAD";
    match request.method() {
        b"GET" | b"HEAD" => {
            let (response, body) = path_answer(&path, request);
            let body = if head_only { Body::Empty } else { body };
            Plan::Answer {
                drain: true,
                response,
                body,
            }
        }
        b"PUT" if config.user.is_none() => refuse(request, 405, "uploads need serve --user\n"),
        b"PUT" if !authorized(config, request) => {
            let response = Response::new(401)
                .with_header("WWW-Authenticate", "Basic realm=\"sanswire\"")
                .with_header("Content-Length", "0");
            Plan::Answer {
                drain: true,
                response,
                body: Body::Empty,
            }
        }
        b"PUT" => Plan::Store {
            existed: path.exists(),
            path,
        },
        _ => refuse(request, 405, "method not allowed\n"),
    }
}

/// Answers `status` without the request's body: a small body is read and
/// dropped so the connection can go on; a large or unbounded one (a 4 GB
/// `Content-Length`, chunked) is not read at all, and the connection
/// closes after the answer.
fn refuse(request: &Request, status: u16, text: &str) -> Plan {
    const SMALL: u64 = 64 * 1024;
    let headers = request.headers();
    let length = headers
        .get("content-length")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
    let small = headers.get("transfer-encoding").is_none() && length.unwrap_or(0) <= SMALL;
    let (response, body) = text_answer(status, text);
    if small {
        Plan::Answer {
            drain: true,
            response,
            body: Body::Bytes(body),
        }
    } else {
        Plan::Refuse {
            response: response.with_header("Connection", "close"),
            body,
        }
    }
}

fn text_answer(status: u16, text: &str) -> (Response, Bytes) {
    let response = Response::new(status)
        .with_header("Content-Type", "text/plain; charset=utf-8")
        .with_header("Content-Length", text.len().to_string());
    (response, Bytes::copy_from_slice(text.as_bytes()))
}

/// A file, a folder's index or listing, a redirect to the folder's `/`
/// form, or 404.
fn path_answer(path: &Path, request: &Request) -> (Response, Body) {
    let file = if path.is_dir() {
        let target = String::from_utf8_lossy(request.target()).into_owned();
        if !target.ends_with('/') {
            let response = Response::new(301)
                .with_header("Location", format!("{target}/"))
                .with_header("Content-Length", "0");
            return (response, Body::Empty);
        }
        let index = path.join("index.html");
        if !index.is_file() {
            let page = listing(path, &target);
            let response = Response::new(200)
                .with_header("Content-Type", "text/html; charset=utf-8")
                .with_header("Content-Length", page.len().to_string());
            return (response, Body::Bytes(Bytes::from(page)));
        }
        index
    } else {
        path.to_path_buf()
    };
    let Ok(f) = File::open(&file) else {
        let (response, body) = text_answer(404, "not found\n");
        return (response, Body::Bytes(body));
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let response = Response::new(200)
        .with_header("Content-Type", content_type(&file))
        .with_header("Content-Length", len.to_string());
    (response, Body::File(f, len))
}

/// Reads the next chunk of a file body into `buf` (one buffer for the
/// whole file: each chunk goes to the machine as a frozen slice of it,
/// and once written the slice is gone, so the next `resize` reuses the
/// same memory instead of faulting in a fresh 256 KiB per chunk).
fn next_chunk(file: &mut File, left: &mut u64, buf: &mut BytesMut) -> std::io::Result<Bytes> {
    let n = FILE_CHUNK.min(*left as usize);
    buf.resize(n, 0);
    file.read_exact(buf)?;
    *left -= n as u64;
    Ok(buf.split().freeze())
}

/// The temporary name a stored file is written under.
fn partial_of(path: &Path) -> PathBuf {
    path.with_extension("sanswire-partial")
}

/// Moves a stored file into place and says how it went.
fn stored(file: File, path: &Path, existed: bool) -> std::io::Result<(Response, Bytes)> {
    super::fsync(&file)?;
    std::fs::rename(partial_of(path), path)?;
    super::sync_dir(path)?;
    Ok(text_answer(if existed { 200 } else { 201 }, "stored\n"))
}

// ---- the blocking loop ----------------------------------------------------

fn serve_requests(conn: &mut Conn, config: &ServerConfig) -> Fallible {
    while let Some(event) = conn.next_event()? {
        match event {
            Event::Request(request) => carry_out(conn, plan(config, &request))?,
            Event::Closed => break,
            _ => {}
        }
    }
    Ok(())
}

fn carry_out(conn: &mut Conn, plan: Plan) -> Fallible {
    match plan {
        Plan::Answer {
            drain,
            response,
            body,
        } => {
            if drain {
                while !matches!(conn.next_event()?, Some(Event::End) | None) {}
            }
            send(conn, &response, body)
        }
        Plan::Refuse { response, body } => send(conn, &response, Body::Bytes(body)),
        Plan::Store { path, existed } => {
            let mut file = File::create(partial_of(&path))?;
            loop {
                match conn.next_event()? {
                    Some(Event::Data(d)) => file.write_all(&d)?,
                    Some(Event::End) | None => break,
                    _ => {}
                }
            }
            let (response, body) = stored(file, &path, existed)?;
            send(conn, &response, Body::Bytes(body))
        }
    }
}

fn send(conn: &mut Conn, response: &Response, body: Body) -> Fallible {
    let p = DriveError::Protocol;
    conn.machine().send_response(response).map_err(p)?;
    match body {
        Body::Empty => {}
        Body::Bytes(b) => conn.machine().send_data(b).map_err(p)?,
        Body::File(mut file, mut left) => {
            let mut buf = BytesMut::with_capacity(FILE_CHUNK);
            while left > 0 {
                let chunk = next_chunk(&mut file, &mut left, &mut buf)?;
                conn.machine().send_data(chunk).map_err(p)?;
                conn.flush()?;
            }
        }
    }
    conn.machine().send_end(None).map_err(p)?;
    Ok(conn.flush()?)
}

// ---- the tokio loop: one task per connection ------------------------------

/// Serves one connection as a tokio task, over TLS from the first byte
/// when the configuration says so (what `serve http` runs): thousands of
/// connections cost memory, not threads.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let mut conn = AsyncConn::new(stream, Server::new());
    let _ = serve_requests_async(&mut conn, &config).await;
    super::finish(&mut conn).await;
}

type AsyncConn = super::AsyncConn<Server>;

async fn serve_requests_async(conn: &mut AsyncConn, config: &ServerConfig) -> Fallible {
    while let Some(event) = conn.next_event().await? {
        match event {
            Event::Request(request) => carry_out_async(conn, plan(config, &request)).await?,
            Event::Closed => break,
            _ => {}
        }
    }
    Ok(())
}

async fn carry_out_async(conn: &mut AsyncConn, plan: Plan) -> Fallible {
    match plan {
        Plan::Answer {
            drain,
            response,
            body,
        } => {
            if drain {
                while !matches!(conn.next_event().await?, Some(Event::End) | None) {}
            }
            send_async(conn, &response, body).await
        }
        Plan::Refuse { response, body } => send_async(conn, &response, Body::Bytes(body)).await,
        Plan::Store { path, existed } => {
            let mut file = File::create(partial_of(&path))?;
            loop {
                match conn.next_event().await? {
                    Some(Event::Data(d)) => file.write_all(&d)?,
                    Some(Event::End) | None => break,
                    _ => {}
                }
            }
            let (response, body) = stored(file, &path, existed)?;
            send_async(conn, &response, Body::Bytes(body)).await
        }
    }
}

async fn send_async(conn: &mut AsyncConn, response: &Response, body: Body) -> Fallible {
    let p = DriveError::Protocol;
    conn.machine().send_response(response).map_err(p)?;
    match body {
        Body::Empty => {}
        Body::Bytes(b) => conn.machine().send_data(b).map_err(p)?,
        Body::File(mut file, mut left) => {
            let mut buf = BytesMut::with_capacity(FILE_CHUNK);
            while left > 0 {
                let chunk = next_chunk(&mut file, &mut left, &mut buf)?;
                conn.machine().send_data(chunk).map_err(p)?;
                conn.flush().await?;
            }
        }
    }
    conn.machine().send_end(None).map_err(p)?;
    Ok(conn.flush().await?)
}

fn authorized(config: &ServerConfig, request: &Request) -> bool {
    let Some(value) = request.headers().get("authorization") else {
        return false;
    };
    let Some(encoded) = value.strip_prefix(b"Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    let decoded = String::from_utf8_lossy(&decoded);
    matches!(decoded.split_once(':'), Some((u, p)) if config.check(u, p))
}

fn listing(dir: &Path, target: &str) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| {
                    let mut name = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        name.push('/');
                    }
                    name
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let title = html_escape(target);
    let mut page = format!("<!DOCTYPE html>\n<html><head><title>Index of {title}</title></head><body>\n<h1>Index of {title}</h1>\n<ul>\n");
    for name in names {
        let href = percent_encoding::utf8_percent_encode(&name, HREF).to_string();
        page.push_str(&format!(
            "<li><a href=\"{href}\">{}</a></li>\n",
            html_escape(&name)
        ));
    }
    page.push_str("</ul>\n</body></html>\n");
    page
}

const HREF: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?');

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" | "md" | "rs" => "text/plain; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}
