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

const FILE_CHUNK: usize = 256 * 1024;

type Conn = Driver<tls::Stream<TcpStream>, Server>;

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

fn serve_requests(
    conn: &mut Conn,
    config: &ServerConfig,
) -> Result<(), DriveError<sanswire::http::Error>> {
    while let Some(event) = conn.next_event()? {
        match event {
            Event::Request(request) => handle(conn, config, request)?,
            Event::Closed => break,
            _ => {}
        }
    }
    Ok(())
}

/// Answers one request; its body (if any) is read here.
fn handle(
    conn: &mut Conn,
    config: &ServerConfig,
    request: Request,
) -> Result<(), DriveError<sanswire::http::Error>> {
    let Some(path) = resolve(&config.root, request.target()) else {
        return refuse(conn, &request, 400, "bad path\n");
    };
    match request.method() {
        b"GET" | b"HEAD" => {
            drain_body(conn)?;
            send_path(conn, &path, &request, request.method() == b"HEAD")
        }
        b"PUT" => put(conn, config, &path, &request),
        _ => refuse(conn, &request, 405, "method not allowed\n"),
    }
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

/// Answers `status` without the request's body: a small body is read and
/// dropped so the connection can go on; a large or unbounded one (a 4 GB
/// `Content-Length`, chunked) is not read at all, and the connection
/// closes after the answer.
fn refuse(
    conn: &mut Conn,
    request: &Request,
    status: u16,
    text: &str,
) -> Result<(), DriveError<sanswire::http::Error>> {
    const SMALL: u64 = 64 * 1024;
    let headers = request.headers();
    let length = headers
        .get("content-length")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
    let small = headers.get("transfer-encoding").is_none() && length.unwrap_or(0) <= SMALL;
    if small {
        drain_body(conn)?;
        return reply_text(conn, status, text);
    }
    let response = Response::new(status)
        .with_header("Content-Type", "text/plain; charset=utf-8")
        .with_header("Content-Length", text.len().to_string())
        .with_header("Connection", "close");
    send(
        conn,
        &response,
        Bytes::copy_from_slice(text.as_bytes()),
        false,
    )
}

fn drain_body(conn: &mut Conn) -> Result<(), DriveError<sanswire::http::Error>> {
    while let Some(event) = conn.next_event()? {
        if matches!(event, Event::End) {
            break;
        }
    }
    Ok(())
}

fn send_path(
    conn: &mut Conn,
    path: &Path,
    request: &Request,
    head_only: bool,
) -> Result<(), DriveError<sanswire::http::Error>> {
    if path.is_dir() {
        let target = String::from_utf8_lossy(request.target()).into_owned();
        if !target.ends_with('/') {
            let location = format!("{target}/");
            let response = Response::new(301)
                .with_header("Location", location)
                .with_header("Content-Length", "0");
            return send(conn, &response, Bytes::new(), head_only);
        }
        let index = path.join("index.html");
        if !index.is_file() {
            let page = listing(path, &target);
            let response = Response::new(200)
                .with_header("Content-Type", "text/html; charset=utf-8")
                .with_header("Content-Length", page.len().to_string());
            return send(conn, &response, Bytes::from(page), head_only);
        }
        return send_file(conn, &index, head_only);
    }
    send_file(conn, path, head_only)
}

fn send_file(
    conn: &mut Conn,
    path: &Path,
    head_only: bool,
) -> Result<(), DriveError<sanswire::http::Error>> {
    let Ok(mut file) = File::open(path) else {
        return reply_text(conn, 404, "not found\n");
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let response = Response::new(200)
        .with_header("Content-Type", content_type(path))
        .with_header("Content-Length", len.to_string());
    conn.machine()
        .send_response(&response)
        .map_err(DriveError::Protocol)?;
    if !head_only {
        // One buffer for the whole file: each chunk is handed to the
        // machine as a frozen slice of it, and once written (the flush) the
        // slice is gone, so the next `resize` reuses the same memory instead
        // of mapping and faulting in a fresh 256 KiB per chunk.
        let mut buf = BytesMut::with_capacity(FILE_CHUNK);
        let mut left = len;
        while left > 0 {
            let n = FILE_CHUNK.min(left as usize);
            buf.resize(n, 0);
            file.read_exact(&mut buf)?;
            left -= n as u64;
            conn.machine()
                .send_data(buf.split().freeze())
                .map_err(DriveError::Protocol)?;
            conn.flush()?;
        }
    }
    conn.machine()
        .send_end(None)
        .map_err(DriveError::Protocol)?;
    Ok(conn.flush()?)
}

fn put(
    conn: &mut Conn,
    config: &ServerConfig,
    path: &Path,
    request: &Request,
) -> Result<(), DriveError<sanswire::http::Error>> {
    if config.user.is_none() {
        return refuse(conn, request, 405, "uploads need serve --user\n");
    }
    if !authorized(config, request) {
        drain_body(conn)?;
        let response = Response::new(401)
            .with_header("WWW-Authenticate", "Basic realm=\"sanswire\"")
            .with_header("Content-Length", "0");
        return send(conn, &response, Bytes::new(), false);
    }
    let existed = path.exists();
    let partial = path.with_extension("sanswire-partial");
    let mut file = File::create(&partial)?;
    while let Some(event) = conn.next_event()? {
        match event {
            Event::Data(d) => file.write_all(&d)?,
            Event::End => break,
            _ => {}
        }
    }
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    reply_text(conn, if existed { 200 } else { 201 }, "stored\n")
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

fn reply_text(
    conn: &mut Conn,
    status: u16,
    text: &str,
) -> Result<(), DriveError<sanswire::http::Error>> {
    let response = Response::new(status)
        .with_header("Content-Type", "text/plain; charset=utf-8")
        .with_header("Content-Length", text.len().to_string());
    send(
        conn,
        &response,
        Bytes::copy_from_slice(text.as_bytes()),
        false,
    )
}

fn send(
    conn: &mut Conn,
    response: &Response,
    body: Bytes,
    head_only: bool,
) -> Result<(), DriveError<sanswire::http::Error>> {
    let machine = conn.machine();
    machine
        .send_response(response)
        .map_err(DriveError::Protocol)?;
    if !head_only && !body.is_empty() {
        machine.send_data(body).map_err(DriveError::Protocol)?;
    }
    machine.send_end(None).map_err(DriveError::Protocol)?;
    Ok(conn.flush()?)
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
