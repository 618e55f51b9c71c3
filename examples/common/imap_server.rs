//! `serve imap`: a maildir as an IMAP message store.
//!
//! `ROOT` is INBOX (its `new/` and `cur/`, and `*.eml` files directly in
//! it); each maildir++ subfolder `ROOT/.NAME` (with `cur/` or `new/`) is
//! the mailbox `NAME`, `.` separating levels. UIDs are kept in a
//! `.sanswire-uids` file per folder; flags live in the file names
//! (`:2,DFRST`, maildir's letters for \Draft, \Flagged, \Answered, \Seen
//! and \Deleted). Messages are served with CRLF line ends. Login with
//! LOGIN or AUTHENTICATE PLAIN (SASL-IR too); STARTTLS with a
//! certificate; COMPRESS=DEFLATE; IDLE reports new messages (a scan every
//! second).

use super::{Link, ServerConfig};
use bytes::Bytes;
use sanswire::imap::{
    Address, BodyStructure, Code, Command, Data, Date, Envelope, FetchAttr, FetchItem, Flag,
    ListItem, Mailbox, SearchKey, SeqSet, Server, ServerEvent as Event, SingleKind, StatusKind,
    StoreMode, Value, MONTHS,
};
use sanswire::io::{tls, DriveError, Driver};
use std::collections::BTreeSet;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type AsyncConn = super::AsyncConn<Server>;
type Outcome = Result<(), DriveError<sanswire::imap::Error>>;

const UIDS_FILE: &str = ".sanswire-uids";

/// Serves one connection until it closes.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open(stream) else {
        return;
    };
    let mut server = Server::new("sanswire IMAP4rev1 server ready");
    server.set_idle_tick(Some(Duration::from_secs(1)));
    let mut session = Session {
        conn: Driver::new(stream, server),
        config,
        selected: None,
        pending_auth: None,
    };
    let _ = session.serve();
    let _ = session.conn.stream().close_notify();
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve imap` runs): plaintext, STARTTLS or IMAPS.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let mut server = Server::new("sanswire IMAP4rev1 server ready");
    server.set_idle_tick(Some(Duration::from_secs(1)));
    let mut session = Session {
        conn: AsyncConn::new(stream, server),
        config: &config,
        selected: None,
        pending_auth: None,
    };
    while let Ok(Some(event)) = super::next_event(&mut session.conn, &config).await {
        if session.event(event).is_err() {
            break;
        }
    }
    super::finish(&mut session.conn).await;
}

// ------------------------------------------------------------ the store

/// One message of a folder.
#[derive(Debug, Clone)]
struct Msg {
    uid: u32,
    path: PathBuf,
    /// The file name up to `:2,`.
    base: String,
    flags: BTreeSet<String>,
    size: u64,
    date: SystemTime,
}

/// A folder as selected.
#[derive(Debug)]
struct Folder {
    name: String,
    dir: PathBuf,
    validity: u32,
    next_uid: u32,
    msgs: Vec<Msg>,
    read_only: bool,
}

const FLAG_LETTERS: [(char, &str); 5] = [
    ('D', "\\Draft"),
    ('F', "\\Flagged"),
    ('R', "\\Answered"),
    ('S', "\\Seen"),
    ('T', "\\Deleted"),
];

fn flags_of(name: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    if let Some((_, letters)) = name.split_once(":2,") {
        for (l, f) in FLAG_LETTERS {
            if letters.contains(l) {
                set.insert(f.to_string());
            }
        }
    }
    set
}

fn letters_of(flags: &BTreeSet<String>) -> String {
    FLAG_LETTERS
        .iter()
        .filter(|(_, f)| flags.iter().any(|x| x.eq_ignore_ascii_case(f)))
        .map(|(l, _)| *l)
        .collect()
}

fn base_of(name: &str) -> String {
    name.split(":2,").next().unwrap_or(name).to_string()
}

/// The directory of a mailbox name, if the name is acceptable.
fn folder_dir(root: &Path, name: &str) -> Option<PathBuf> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Some(root.to_path_buf());
    }
    if name.is_empty() || name.contains('/') || name.starts_with('.') || name.contains("..") {
        return None;
    }
    Some(root.join(format!(".{name}")))
}

/// Every mailbox name: INBOX and the maildir++ subfolders.
fn mailbox_names(root: &Path) -> Vec<String> {
    let mut names = vec!["INBOX".to_string()];
    if let Ok(entries) = fs::read_dir(root) {
        let mut subs: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().into_string().ok()?;
                let name = n.strip_prefix('.')?;
                let p = e.path();
                (!name.is_empty() && (p.join("cur").is_dir() || p.join("new").is_dir()))
                    .then(|| name.to_string())
            })
            .collect();
        subs.sort();
        names.extend(subs);
    }
    names
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn load_folder(name: &str, dir: &Path, inbox: bool) -> std::io::Result<Folder> {
    let uids_path = dir.join(UIDS_FILE);
    let mut validity = 0u32;
    let mut next_uid = 1u32;
    let mut known: Vec<(u32, String)> = Vec::new();
    if let Ok(text) = fs::read_to_string(&uids_path) {
        let mut lines = text.lines();
        if let Some(first) = lines.next() {
            let mut it = first.split_whitespace();
            validity = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            next_uid = it.next().and_then(|v| v.parse().ok()).unwrap_or(1);
        }
        for line in lines {
            if let Some((u, b)) = line.split_once(' ') {
                if let Ok(u) = u.parse() {
                    known.push((u, b.to_string()));
                }
            }
        }
    }
    if validity == 0 {
        validity = (now_secs() as u32).max(1);
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(entries) = fs::read_dir(dir.join(sub)) {
            for e in entries.flatten() {
                if let Ok(n) = e.file_name().into_string() {
                    if !n.starts_with('.') && e.path().is_file() {
                        files.push((e.path(), n));
                    }
                }
            }
        }
    }
    if inbox {
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                if let Ok(n) = e.file_name().into_string() {
                    if n.ends_with(".eml") && e.path().is_file() {
                        files.push((e.path(), n));
                    }
                }
            }
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut msgs = Vec::new();
    let mut changed = false;
    for (path, n) in files {
        let base = base_of(&n);
        let uid = match known.iter().find(|(_, b)| *b == base) {
            Some((u, _)) => *u,
            None => {
                let u = next_uid;
                next_uid += 1;
                known.push((u, base.clone()));
                changed = true;
                u
            }
        };
        let meta = fs::metadata(&path)?;
        let content = fs::read(&path)?;
        msgs.push(Msg {
            uid,
            flags: flags_of(&n),
            base,
            size: crlf(&content).len() as u64,
            date: meta.modified().unwrap_or(UNIX_EPOCH),
            path,
        });
    }
    msgs.sort_by_key(|m| m.uid);
    let live: BTreeSet<&str> = msgs.iter().map(|m| m.base.as_str()).collect();
    let before = known.len();
    known.retain(|(_, b)| live.contains(b.as_str()));
    if changed || before != known.len() || !uids_path.exists() {
        let mut text = format!("{validity} {next_uid}\n");
        for (u, b) in &known {
            text.push_str(&format!("{u} {b}\n"));
        }
        let _ = fs::write(&uids_path, text);
    }
    Ok(Folder {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        validity,
        next_uid,
        msgs,
        read_only: false,
    })
}

/// Reserves the next UID of a folder (for APPEND, COPY) and records the
/// message under it.
fn add_to_folder(
    dir: &Path,
    inbox: bool,
    content: &[u8],
    flags: &BTreeSet<String>,
) -> std::io::Result<(u32, u32)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let base = format!("{}.{}_{n}.sanswire", now_secs(), std::process::id());
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    let tmp = dir.join("tmp").join(&base);
    // On disk before the APPEND is answered.
    super::write_synced(&tmp, content)?;
    let name = format!("{base}:2,{}", letters_of(flags));
    let cur = dir.join("cur").join(name);
    fs::rename(&tmp, &cur)?;
    super::sync_dir(&cur)?;
    let folder = load_folder("", dir, inbox)?;
    let uid = folder
        .msgs
        .iter()
        .find(|m| m.base == base)
        .map(|m| m.uid)
        .unwrap_or(0);
    Ok((folder.validity, uid))
}

/// Line ends as CRLF.
fn crlf(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 32);
    let mut prev = 0u8;
    for &b in content {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

// ------------------------------------------------------------- MIME

/// A MIME part: its header, body and content type.
struct Part {
    header: Bytes,
    body: Bytes,
    media: (String, String),
    params: Vec<(String, String)>,
    children: Vec<Part>,
    message: Option<Box<Part>>,
}

fn split_header(raw: &Bytes) -> (Bytes, Bytes) {
    if raw.starts_with(b"\r\n") {
        return (Bytes::new(), raw.slice(2..));
    }
    match memchr::memmem::find(raw, b"\r\n\r\n") {
        Some(i) => (raw.slice(..i + 2), raw.slice(i + 4..)),
        None => (raw.clone(), Bytes::new()),
    }
}

/// The unfolded value of the first field `name`.
fn header_field(header: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(header);
    let mut value: Option<String> = None;
    for line in text.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_string());
            }
        }
    }
    value
}

fn parse_content_type(v: &str) -> ((String, String), Vec<(String, String)>) {
    let mut pieces = v.split(';');
    let t = pieces.next().unwrap_or("").trim();
    let (a, b) = t.split_once('/').unwrap_or(("text", "plain"));
    let params = pieces
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect();
    (
        (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase()),
        params,
    )
}

fn parse_part(raw: Bytes, default: (&str, &str), depth: usize) -> Part {
    let (header, body) = split_header(&raw);
    let (media, params) = match header_field(&header, "Content-Type") {
        Some(ct) => parse_content_type(&ct),
        None => ((default.0.to_string(), default.1.to_string()), Vec::new()),
    };
    let mut part = Part {
        header,
        body: body.clone(),
        media,
        params,
        children: Vec::new(),
        message: None,
    };
    if depth > 8 {
        return part;
    }
    if part.media.0 == "MULTIPART" {
        let boundary = part
            .params
            .iter()
            .find(|(k, _)| k == "BOUNDARY")
            .map(|(_, v)| v.clone());
        if let Some(b) = boundary {
            let child_default = if part.media.1 == "DIGEST" {
                ("message", "rfc822")
            } else {
                ("text", "plain")
            };
            for piece in split_multipart(&body, &b) {
                part.children
                    .push(parse_part(piece, child_default, depth + 1));
            }
        }
    } else if part.media == ("MESSAGE".into(), "RFC822".into()) {
        part.message = Some(Box::new(parse_part(body, ("text", "plain"), depth + 1)));
    }
    part
}

fn split_multipart(body: &Bytes, boundary: &str) -> Vec<Bytes> {
    let delim = format!("--{boundary}");
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(j) = memchr::memmem::find(&body[i..], delim.as_bytes()) {
        let at = i + j;
        let line_start = at == 0 || (at >= 2 && &body[at - 2..at] == b"\r\n");
        if line_start {
            starts.push(at);
        }
        i = at + delim.len();
    }
    let mut parts = Vec::new();
    for w in starts.windows(2) {
        let from = w[0] + delim.len();
        if body[from..].starts_with(b"--") {
            break;
        }
        let from = from + memchr::memchr(b'\n', &body[from..w[1]]).map_or(0, |k| k + 1);
        let to = w[1].saturating_sub(2).max(from);
        parts.push(body.slice(from..to));
    }
    parts
}

fn nstr(s: Option<String>) -> Option<Bytes> {
    s.map(|s| Bytes::from(s.into_bytes()))
}

fn lines(b: &[u8]) -> u32 {
    let ends = memchr::memchr_iter(b'\n', b).count();
    (ends + usize::from(!b.is_empty() && !b.ends_with(b"\n"))) as u32
}

fn structure(p: &Part, ext: bool) -> BodyStructure {
    let b = |s: &str| Bytes::copy_from_slice(s.as_bytes());
    if !p.children.is_empty() {
        let mut extension = Vec::new();
        if ext {
            extension.push(params_value(&p.params));
            extension.push(Value::Nil);
            extension.push(Value::Nil);
        }
        return BodyStructure::Multi {
            parts: p.children.iter().map(|c| structure(c, ext)).collect(),
            subtype: b(&p.media.1),
            extension,
        };
    }
    let kind = match (&p.message, p.media.0.as_str()) {
        (Some(inner), _) => SingleKind::Message {
            envelope: Box::new(envelope(&inner.header)),
            body: Box::new(structure(inner, ext)),
            lines: lines(&p.body),
        },
        (None, "TEXT") => SingleKind::Text {
            lines: lines(&p.body),
        },
        _ => SingleKind::Basic,
    };
    BodyStructure::Single {
        media_type: b(&p.media.0),
        subtype: b(&p.media.1),
        params: p.params.iter().map(|(k, v)| (b(k), b(v))).collect(),
        id: nstr(header_field(&p.header, "Content-ID")),
        description: nstr(header_field(&p.header, "Content-Description")),
        encoding: b(&header_field(&p.header, "Content-Transfer-Encoding")
            .unwrap_or_else(|| "7BIT".into())
            .to_ascii_uppercase()),
        size: p.body.len() as u32,
        kind,
        extension: if ext { vec![Value::Nil] } else { Vec::new() },
    }
}

fn params_value(params: &[(String, String)]) -> Value {
    if params.is_empty() {
        return Value::Nil;
    }
    Value::List(
        params
            .iter()
            .flat_map(|(k, v)| {
                [
                    Value::String(Bytes::copy_from_slice(k.as_bytes())),
                    Value::String(Bytes::copy_from_slice(v.as_bytes())),
                ]
            })
            .collect(),
    )
}

fn addresses(v: Option<String>) -> Vec<Address> {
    let Some(v) = v else { return Vec::new() };
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0, false, 0);
    let chars: Vec<char> = v.chars().collect();
    let mut pieces = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => depth += 1,
            '>' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                pieces.push(chars[start..i].iter().collect::<String>());
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(chars[start..].iter().collect::<String>());
    for piece in pieces {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let (name, addr) = match (piece.find('<'), piece.rfind('>')) {
            (Some(a), Some(b)) if a < b => {
                let name = piece[..a].trim().trim_matches('"').trim();
                (
                    (!name.is_empty()).then(|| name.to_string()),
                    piece[a + 1..b].trim().to_string(),
                )
            }
            _ => (None, piece.to_string()),
        };
        let (mailbox, host) = match addr.rsplit_once('@') {
            Some((m, h)) => (m.to_string(), Some(h.to_string())),
            None => (addr, None),
        };
        out.push(Address {
            name: nstr(name),
            adl: None,
            mailbox: nstr(Some(mailbox)),
            host: nstr(host),
        });
    }
    out
}

fn envelope(header: &[u8]) -> Envelope {
    let f = |n: &str| header_field(header, n);
    let from = addresses(f("From"));
    let sender = match addresses(f("Sender")) {
        s if s.is_empty() => from.clone(),
        s => s,
    };
    let reply_to = match addresses(f("Reply-To")) {
        s if s.is_empty() => from.clone(),
        s => s,
    };
    Envelope {
        date: nstr(f("Date")),
        subject: nstr(f("Subject")),
        from,
        sender,
        reply_to,
        to: addresses(f("To")),
        cc: addresses(f("Cc")),
        bcc: addresses(f("Bcc")),
        in_reply_to: nstr(f("In-Reply-To")),
        message_id: nstr(f("Message-ID")),
    }
}

/// The octets of `BODY[spec]`.
fn section(content: &Bytes, spec: &[u8]) -> Option<Bytes> {
    let spec = String::from_utf8_lossy(spec).to_ascii_uppercase();
    let mut part = parse_part(content.clone(), ("text", "plain"), 0);
    let mut rest = spec.as_str();
    let mut whole = true;
    loop {
        let (num, tail) = match rest.find('.') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let Ok(n) = num.parse::<usize>() else { break };
        whole = false;
        let inner = match part.message.take() {
            Some(m) if !m.children.is_empty() => *m,
            Some(m) if n == 1 => {
                part = *m;
                rest = tail;
                continue;
            }
            Some(m) => *m,
            None => part,
        };
        part = if inner.children.is_empty() && n == 1 {
            inner
        } else {
            inner.children.into_iter().nth(n.checked_sub(1)?)?
        };
        rest = tail;
    }
    // A message/rfc822 part's HEADER and TEXT are those of the message in it.
    let target = |p: &Part| -> (Bytes, Bytes) {
        match &p.message {
            Some(m) => (m.header.clone(), m.body.clone()),
            None => (p.header.clone(), p.body.clone()),
        }
    };
    Some(match rest {
        "" if whole => content.clone(),
        "" => part.body.clone(),
        "HEADER" => with_blank(target(&part).0),
        "TEXT" => target(&part).1,
        "MIME" => with_blank(part.header.clone()),
        r if r.starts_with("HEADER.FIELDS") => {
            let not = r.starts_with("HEADER.FIELDS.NOT");
            let list = r[r.find('(')? + 1..r.rfind(')')?].to_string();
            let names: Vec<&str> = list.split_whitespace().collect();
            with_blank(Bytes::from(filter_fields(&target(&part).0, &names, not)))
        }
        _ => return None,
    })
}

fn with_blank(header: Bytes) -> Bytes {
    let mut v = header.to_vec();
    v.extend_from_slice(b"\r\n");
    Bytes::from(v)
}

fn filter_fields(header: &[u8], names: &[&str], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            let listed = names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name.trim_ascii()));
            keep = listed != not;
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out
}

// ------------------------------------------------------------- dates

fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date_of(t: SystemTime) -> Date {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    Date {
        year: y as u16,
        month: m as u8,
        day: d as u8,
    }
}

fn internal_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{d:02}-{}-{y:04} {:02}:{:02}:{:02} +0000",
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

// ------------------------------------------------------------ session

struct Session<'a, C> {
    conn: C,
    config: &'a ServerConfig,
    selected: Option<Folder>,
    pending_auth: Option<Bytes>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

impl Session<'_, Conn> {
    fn serve(&mut self) -> Outcome {
        while let Some(event) = self.conn.next_event()? {
            self.event(event)?;
        }
        Ok(())
    }
}

impl<C: Link<Server>> Session<'_, C> {
    /// Answers one event, whatever the driver.
    fn event(&mut self, event: Event) -> Outcome {
        {
            match event {
                Event::Command { tag, command } => self.command(tag, command)?,
                Event::AuthResponse(line) => {
                    let tag = self.pending_auth.take().unwrap_or_default();
                    if &line[..] == b"*" {
                        self.done(&tag, StatusKind::Bad, None, "AUTHENTICATE cancelled")?;
                    } else {
                        self.auth_plain(&tag, &line)?;
                    }
                }
                Event::IdleTick => self.report_news()?,
                Event::Literal { .. } => self
                    .server()
                    .accept_literal()
                    .map_err(DriveError::Protocol)?,
                Event::IdleDone => {
                    let tag = self
                        .server()
                        .current()
                        .map(|(t, _)| t.clone())
                        .unwrap_or_default();
                    self.done(&tag, StatusKind::Ok, None, "IDLE terminated")?;
                }
            }
        }
        Ok(())
    }

    fn server(&mut self) -> &mut Server {
        self.conn.server()
    }

    fn data(&mut self, d: Data) -> Outcome {
        self.server().data(d).map_err(DriveError::Protocol)
    }

    fn done(&mut self, tag: &[u8], kind: StatusKind, code: Option<Code>, text: &str) -> Outcome {
        self.server()
            .complete(tag, kind, code, text)
            .map_err(DriveError::Protocol)
    }

    fn ok(&mut self, tag: &[u8], text: &str) -> Outcome {
        self.done(tag, StatusKind::Ok, None, text)
    }

    fn no(&mut self, tag: &[u8], text: &str) -> Outcome {
        self.done(tag, StatusKind::No, None, text)
    }

    fn starttls_offered(&mut self) -> bool {
        self.config.tls.is_some() && !self.config.implicit_tls && !self.conn.is_tls()
    }

    fn capabilities(&mut self) -> Vec<Bytes> {
        let mut caps: Vec<Bytes> = [
            "IMAP4rev1",
            "LITERAL+",
            "SASL-IR",
            "IDLE",
            "UIDPLUS",
            "MOVE",
            "NAMESPACE",
            "ID",
            "ENABLE",
            "UNSELECT",
            "CHILDREN",
            "AUTH=PLAIN",
            "COMPRESS=DEFLATE",
        ]
        .iter()
        .map(|s| b(s))
        .collect();
        if self.starttls_offered() {
            caps.push(b("STARTTLS"));
        }
        caps
    }

    fn command(&mut self, tag: Bytes, command: Command) -> Outcome {
        match command {
            Command::Capability => {
                let caps = self.capabilities();
                self.data(Data::Capability(caps))?;
                self.ok(&tag, "CAPABILITY completed")
            }
            Command::Noop | Command::Check => {
                self.report_news()?;
                self.ok(&tag, "NOOP completed")
            }
            Command::Logout => self.ok(&tag, "LOGOUT completed"),
            Command::StartTls => {
                let Some(acceptor) = self.config.tls.clone().filter(|_| self.starttls_offered())
                else {
                    return self.done(&tag, StatusKind::Bad, None, "STARTTLS not available");
                };
                self.ok(&tag, "Begin TLS negotiation now")?;
                self.conn.accept_tls(&acceptor)
            }
            Command::Login { user, pass } => {
                if self.config.check(&lossy(&user), &lossy(&pass)) {
                    self.ok(&tag, "LOGIN completed")
                } else {
                    self.done(
                        &tag,
                        StatusKind::No,
                        Some(Code::Other {
                            name: b("AUTHENTICATIONFAILED"),
                            value: None,
                        }),
                        "invalid credentials",
                    )
                }
            }
            Command::Authenticate { mechanism, initial } => {
                if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
                    return self.no(&tag, "unsupported mechanism");
                }
                match initial {
                    Some(ir) => self.auth_plain(&tag, &ir),
                    None => {
                        self.pending_auth = Some(tag);
                        self.server().challenge(b"").map_err(DriveError::Protocol)
                    }
                }
            }
            Command::Enable(_) => {
                self.data(Data::Enabled(Vec::new()))?;
                self.ok(&tag, "ENABLE completed")
            }
            Command::Id(_) => {
                self.data(Data::Id(Some(vec![(b("name"), Some(b("sanswire")))])))?;
                self.ok(&tag, "ID completed")
            }
            Command::Namespace => {
                self.data(Data::Namespace(sanswire::imap::Namespaces {
                    personal: vec![(b(""), Some(b'.'))],
                    ..Default::default()
                }))?;
                self.ok(&tag, "NAMESPACE completed")
            }
            Command::List {
                reference, pattern, ..
            } => self.list(&tag, &reference, &pattern, false),
            Command::Lsub { reference, pattern } => self.list(&tag, &reference, &pattern, true),
            Command::Status { mailbox, items } => self.status(&tag, &mailbox, &items),
            Command::Select { mailbox, .. } => self.select(&tag, &mailbox, false),
            Command::Examine { mailbox, .. } => self.select(&tag, &mailbox, true),
            Command::Create(m) => {
                let name = m.decode();
                match folder_dir(&self.config.root, &name) {
                    Some(dir) if !dir.exists() => {
                        for sub in ["cur", "new", "tmp"] {
                            let _ = fs::create_dir_all(dir.join(sub));
                        }
                        self.ok(&tag, "CREATE completed")
                    }
                    _ => self.no(&tag, "cannot create that mailbox"),
                }
            }
            Command::Delete(m) => {
                let name = m.decode();
                match folder_dir(&self.config.root, &name) {
                    Some(dir) if !m.is_inbox() && dir.is_dir() => {
                        let _ = fs::remove_dir_all(dir);
                        self.ok(&tag, "DELETE completed")
                    }
                    _ => self.no(&tag, "cannot delete that mailbox"),
                }
            }
            Command::Rename { from, to } => {
                let root = self.config.root.clone();
                match (
                    folder_dir(&root, &from.decode()),
                    folder_dir(&root, &to.decode()),
                ) {
                    (Some(a), Some(z)) if !from.is_inbox() && a.is_dir() && !z.exists() => {
                        let _ = fs::rename(a, z);
                        self.ok(&tag, "RENAME completed")
                    }
                    _ => self.no(&tag, "cannot rename that mailbox"),
                }
            }
            Command::Subscribe(_) | Command::Unsubscribe(_) => self.ok(&tag, "done"),
            Command::Append { mailbox, messages } => self.append(&tag, &mailbox, messages),
            Command::Idle => self.server().start_idle().map_err(DriveError::Protocol),
            Command::Close | Command::Unselect => {
                let expunge = matches!(command, Command::Close);
                if expunge {
                    self.expunge(None, true)?;
                }
                self.selected = None;
                self.ok(&tag, "CLOSE completed")
            }
            Command::Expunge => {
                self.expunge(None, false)?;
                self.ok(&tag, "EXPUNGE completed")
            }
            Command::UidExpunge(set) => {
                self.expunge(Some(set), false)?;
                self.ok(&tag, "UID EXPUNGE completed")
            }
            Command::Search { uid, keys, .. } => self.search(&tag, uid, &keys),
            Command::Fetch {
                uid, set, items, ..
            } => self.fetch(&tag, uid, &set, &items),
            Command::Store {
                uid,
                set,
                mode,
                silent,
                flags,
                ..
            } => self.store(&tag, uid, &set, mode, silent, &flags),
            Command::Copy { uid, set, mailbox } => self.copy(&tag, uid, &set, &mailbox, false),
            Command::Move { uid, set, mailbox } => self.copy(&tag, uid, &set, &mailbox, true),
            // The machine switches both directions to deflate after the OK.
            Command::Compress(m) if m.eq_ignore_ascii_case(b"DEFLATE") => {
                self.ok(&tag, "DEFLATE active")
            }
            Command::Compress(_) => self.no(&tag, "only DEFLATE"),
            _ => self.done(&tag, StatusKind::Bad, None, "not supported"),
        }
    }

    fn auth_plain(&mut self, tag: &[u8], b64: &[u8]) -> Outcome {
        let ok = sanswire::sasl::decode_challenge(b64)
            .ok()
            .and_then(|m| {
                let r = sanswire::sasl::decode_plain(&m).ok()?;
                Some(self.config.check(&lossy(r.user), &lossy(r.pass)))
            })
            .unwrap_or(false);
        if ok {
            self.ok(tag, "AUTHENTICATE completed")
        } else {
            self.done(tag, StatusKind::No, None, "invalid credentials")
        }
    }

    fn list(&mut self, tag: &[u8], reference: &Mailbox, pattern: &Mailbox, lsub: bool) -> Outcome {
        let pattern = format!("{}{}", reference.decode(), pattern.decode());
        if pattern.is_empty() {
            self.data(Data::List(ListItem {
                attributes: vec![b("\\Noselect")],
                delimiter: Some(b'.'),
                mailbox: Mailbox(Bytes::new()),
                extended: Vec::new(),
            }))?;
            return self.ok(tag, "LIST completed");
        }
        let names = mailbox_names(&self.config.root);
        for name in &names {
            if !wildcard(&pattern, name) {
                continue;
            }
            let children = names.iter().any(|n| n.starts_with(&format!("{name}.")));
            let attr = if children {
                "\\HasChildren"
            } else {
                "\\HasNoChildren"
            };
            let item = ListItem {
                attributes: vec![b(attr)],
                delimiter: Some(b'.'),
                mailbox: Mailbox::new(name),
                extended: Vec::new(),
            };
            self.data(if lsub {
                Data::Lsub(item)
            } else {
                Data::List(item)
            })?;
        }
        self.ok(tag, "LIST completed")
    }

    fn open(&self, mailbox: &Mailbox) -> Option<Folder> {
        let name = mailbox.decode();
        let dir = folder_dir(&self.config.root, &name)?;
        if !mailbox.is_inbox() && !dir.is_dir() {
            return None;
        }
        load_folder(&name, &dir, mailbox.is_inbox()).ok()
    }

    fn status(&mut self, tag: &[u8], mailbox: &Mailbox, items: &[Bytes]) -> Outcome {
        let Some(folder) = self.open(mailbox) else {
            return self.no(tag, "no such mailbox");
        };
        let mut out = Vec::new();
        for item in items {
            let v = match &item.to_ascii_uppercase()[..] {
                b"MESSAGES" => folder.msgs.len() as u64,
                b"RECENT" => 0,
                b"UIDNEXT" => u64::from(folder.next_uid),
                b"UIDVALIDITY" => u64::from(folder.validity),
                b"UNSEEN" => folder
                    .msgs
                    .iter()
                    .filter(|m| !m.flags.contains("\\Seen"))
                    .count() as u64,
                b"SIZE" => folder.msgs.iter().map(|m| m.size).sum(),
                _ => return self.done(tag, StatusKind::Bad, None, "unknown STATUS item"),
            };
            out.push((Bytes::copy_from_slice(&item.to_ascii_uppercase()), v));
        }
        self.data(Data::Status {
            mailbox: mailbox.clone(),
            items: out,
        })?;
        self.ok(tag, "STATUS completed")
    }

    fn select(&mut self, tag: &[u8], mailbox: &Mailbox, read_only: bool) -> Outcome {
        self.selected = None;
        let Some(mut folder) = self.open(mailbox) else {
            return self.no(tag, "no such mailbox");
        };
        folder.read_only = read_only;
        let flags: Vec<Flag> = FLAG_LETTERS.iter().map(|(_, f)| Flag::new(f)).collect();
        self.data(Data::Flags(flags.clone()))?;
        self.data(Data::Exists(folder.msgs.len() as u32))?;
        self.data(Data::Recent(0))?;
        let untagged = |code: Code| {
            sanswire::imap::Response::Status(sanswire::imap::Status {
                tag: None,
                kind: StatusKind::Ok,
                code: Some(code),
                text: b("ok"),
            })
        };
        let codes = [
            Code::PermanentFlags(flags),
            Code::UidValidity(folder.validity),
            Code::UidNext(folder.next_uid),
        ];
        for code in codes {
            self.server()
                .send(&untagged(code))
                .map_err(DriveError::Protocol)?;
        }
        let code = if read_only {
            Code::ReadOnly
        } else {
            Code::ReadWrite
        };
        self.selected = Some(folder);
        self.done(tag, StatusKind::Ok, Some(code), "SELECT completed")
    }

    /// Rescans the selected folder and reports what is new.
    fn report_news(&mut self) -> Outcome {
        let Some(folder) = &self.selected else {
            return Ok(());
        };
        let Ok(mut fresh) = load_folder(&folder.name, &folder.dir, folder.name == "INBOX") else {
            return Ok(());
        };
        fresh.read_only = folder.read_only;
        let old_uids: Vec<u32> = folder.msgs.iter().map(|m| m.uid).collect();
        let grown = fresh.msgs.iter().any(|m| !old_uids.contains(&m.uid));
        // Messages gone by other means are reported as expunged, highest first.
        let mut gone: Vec<u32> = Vec::new();
        for (i, uid) in old_uids.iter().enumerate() {
            if !fresh.msgs.iter().any(|m| m.uid == *uid) {
                gone.push(i as u32 + 1);
            }
        }
        let count = fresh.msgs.len() as u32;
        self.selected = Some(fresh);
        for seq in gone.iter().rev() {
            self.data(Data::Expunge(*seq))?;
        }
        if grown || !gone.is_empty() {
            self.data(Data::Exists(count))?;
        }
        Ok(())
    }

    fn resolve(&self, set: &SeqSet, uid: bool) -> Vec<usize> {
        let Some(folder) = &self.selected else {
            return Vec::new();
        };
        let max_uid = folder.msgs.last().map_or(0, |m| m.uid);
        let n = folder.msgs.len() as u32;
        folder
            .msgs
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                if uid {
                    set.contains(m.uid, max_uid)
                } else {
                    set.contains(*i as u32 + 1, n)
                }
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn fetch(&mut self, tag: &[u8], uid: bool, set: &SeqSet, attrs: &[FetchAttr]) -> Outcome {
        if self.selected.is_none() {
            return self.done(tag, StatusKind::Bad, None, "no mailbox selected");
        }
        let mut attrs: Vec<FetchAttr> = attrs
            .iter()
            .flat_map(|a| match a {
                FetchAttr::All => vec![
                    FetchAttr::Flags,
                    FetchAttr::InternalDate,
                    FetchAttr::Rfc822Size,
                    FetchAttr::Envelope,
                ],
                FetchAttr::Fast => vec![
                    FetchAttr::Flags,
                    FetchAttr::InternalDate,
                    FetchAttr::Rfc822Size,
                ],
                FetchAttr::Full => vec![
                    FetchAttr::Flags,
                    FetchAttr::InternalDate,
                    FetchAttr::Rfc822Size,
                    FetchAttr::Envelope,
                    FetchAttr::Body,
                ],
                other => vec![other.clone()],
            })
            .collect();
        if uid && !attrs.contains(&FetchAttr::Uid) {
            attrs.insert(0, FetchAttr::Uid);
        }
        for i in self.resolve(set, uid) {
            let items = self.fetch_one(i, &attrs);
            self.data(Data::Fetch {
                seq: i as u32 + 1,
                items,
            })?;
        }
        self.ok(tag, "FETCH completed")
    }

    fn fetch_one(&mut self, i: usize, attrs: &[FetchAttr]) -> Vec<FetchItem> {
        let folder = self.selected.as_mut().expect("selected");
        let mut msg = folder.msgs[i].clone();
        let content = Bytes::from(crlf(&fs::read(&msg.path).unwrap_or_default()));
        let mut items = Vec::new();
        let mut seen_now = false;
        let flags_item = |m: &Msg| FetchItem::Flags(m.flags.iter().map(|f| Flag::new(f)).collect());
        for a in attrs {
            let marks_seen = matches!(
                a,
                FetchAttr::Rfc822
                    | FetchAttr::Rfc822Text
                    | FetchAttr::Section { peek: false, .. }
                    | FetchAttr::Binary { peek: false, .. }
            );
            if marks_seen && !folder.read_only && !msg.flags.contains("\\Seen") {
                msg.flags.insert("\\Seen".into());
                seen_now = true;
            }
            items.push(match a {
                FetchAttr::Flags => flags_item(&msg),
                FetchAttr::Uid => FetchItem::Uid(msg.uid),
                FetchAttr::InternalDate => FetchItem::InternalDate(b(&internal_date(msg.date))),
                FetchAttr::Rfc822Size => FetchItem::Rfc822Size(msg.size),
                FetchAttr::Envelope => {
                    let (h, _) = split_header(&content);
                    FetchItem::Envelope(Box::new(envelope(&h)))
                }
                FetchAttr::BodyStructure => FetchItem::BodyStructure(Box::new(structure(
                    &parse_part(content.clone(), ("text", "plain"), 0),
                    true,
                ))),
                FetchAttr::Body => FetchItem::Body(Box::new(structure(
                    &parse_part(content.clone(), ("text", "plain"), 0),
                    false,
                ))),
                FetchAttr::Rfc822 => FetchItem::Rfc822(Some(content.clone())),
                FetchAttr::Rfc822Header => FetchItem::Rfc822Header(section(&content, b"HEADER")),
                FetchAttr::Rfc822Text => FetchItem::Rfc822Text(section(&content, b"TEXT")),
                FetchAttr::Section {
                    section: s,
                    partial,
                    ..
                }
                | FetchAttr::Binary {
                    section: s,
                    partial,
                    ..
                } => {
                    let mut data = section(&content, s);
                    let mut origin = None;
                    if let (Some((first, count)), Some(d)) = (partial, &data) {
                        let from = (*first as usize).min(d.len());
                        let to = from.saturating_add(*count as usize).min(d.len());
                        data = Some(d.slice(from..to));
                        origin = Some(*first);
                    }
                    if matches!(a, FetchAttr::Binary { .. }) {
                        FetchItem::Binary {
                            section: s.clone(),
                            origin,
                            data,
                        }
                    } else {
                        FetchItem::Section {
                            section: s.clone(),
                            origin,
                            data,
                        }
                    }
                }
                FetchAttr::BinarySize(s) => FetchItem::BinarySize {
                    section: s.clone(),
                    size: section(&content, s).map_or(0, |d| d.len() as u64),
                },
                _ => continue,
            });
        }
        if seen_now {
            if !attrs.contains(&FetchAttr::Flags) {
                items.push(flags_item(&msg));
            }
            set_flags(&mut folder.msgs[i], msg.flags);
        }
        items
    }

    fn store(
        &mut self,
        tag: &[u8],
        uid: bool,
        set: &SeqSet,
        mode: StoreMode,
        silent: bool,
        flags: &[Flag],
    ) -> Outcome {
        if self.selected.as_ref().is_none_or(|f| f.read_only) {
            return self.no(tag, "mailbox is read-only");
        }
        for i in self.resolve(set, uid) {
            let folder = self.selected.as_mut().expect("selected");
            let msg = &mut folder.msgs[i];
            let mut new = msg.flags.clone();
            let given: BTreeSet<String> =
                flags.iter().map(|f| canonical_flag(&lossy(&f.0))).collect();
            match mode {
                StoreMode::Replace => new = given,
                StoreMode::Add => new.extend(given),
                StoreMode::Remove => new.retain(|f| !given.contains(f)),
            }
            set_flags(msg, new);
            if !silent {
                let mut items = vec![FetchItem::Flags(
                    msg.flags.iter().map(|f| Flag::new(f)).collect(),
                )];
                if uid {
                    items.push(FetchItem::Uid(msg.uid));
                }
                self.data(Data::Fetch {
                    seq: i as u32 + 1,
                    items,
                })?;
            }
        }
        self.ok(tag, "STORE completed")
    }

    fn expunge(&mut self, only: Option<SeqSet>, silent: bool) -> Outcome {
        let Some(folder) = self.selected.as_mut() else {
            return Ok(());
        };
        if folder.read_only {
            return Ok(());
        }
        let max_uid = folder.msgs.last().map_or(0, |m| m.uid);
        let mut expunged = Vec::new();
        let mut i = 0;
        while i < folder.msgs.len() {
            let m = &folder.msgs[i];
            let chosen = only.as_ref().is_none_or(|s| s.contains(m.uid, max_uid));
            if chosen && m.flags.contains("\\Deleted") {
                let _ = fs::remove_file(&m.path);
                folder.msgs.remove(i);
                expunged.push(i as u32 + 1);
            } else {
                i += 1;
            }
        }
        if !silent {
            for seq in expunged {
                self.data(Data::Expunge(seq))?;
            }
        }
        Ok(())
    }

    fn copy(
        &mut self,
        tag: &[u8],
        uid: bool,
        set: &SeqSet,
        mailbox: &Mailbox,
        remove: bool,
    ) -> Outcome {
        let name = mailbox.decode();
        let Some(dir) =
            folder_dir(&self.config.root, &name).filter(|d| mailbox.is_inbox() || d.is_dir())
        else {
            return self.done(
                tag,
                StatusKind::No,
                Some(Code::TryCreate),
                "no such mailbox",
            );
        };
        let chosen = self.resolve(set, uid);
        let (mut source, mut dest, mut validity) = (Vec::new(), Vec::new(), 0);
        for &i in &chosen {
            let folder = self.selected.as_ref().expect("selected");
            let m = &folder.msgs[i];
            let content = fs::read(&m.path).unwrap_or_default();
            match add_to_folder(&dir, mailbox.is_inbox(), &content, &m.flags) {
                Ok((v, u)) => {
                    validity = v;
                    source.push((m.uid, m.uid));
                    dest.push((u, u));
                }
                Err(_) => return self.no(tag, "copy failed"),
            }
        }
        if remove {
            let folder = self.selected.as_mut().expect("selected");
            for &i in chosen.iter().rev() {
                let _ = fs::remove_file(&folder.msgs[i].path);
                folder.msgs.remove(i);
                self.conn
                    .server()
                    .data(Data::Expunge(i as u32 + 1))
                    .map_err(DriveError::Protocol)?;
            }
        }
        if !remove {
            self.report_news()?;
        }
        let code = (!source.is_empty()).then(|| Code::CopyUid {
            validity,
            source: SeqSet(source),
            dest: SeqSet(dest),
        });
        self.done(
            tag,
            StatusKind::Ok,
            code,
            if remove {
                "MOVE completed"
            } else {
                "COPY completed"
            },
        )
    }

    fn append(
        &mut self,
        tag: &[u8],
        mailbox: &Mailbox,
        messages: Vec<sanswire::imap::AppendMessage>,
    ) -> Outcome {
        let name = mailbox.decode();
        let Some(dir) =
            folder_dir(&self.config.root, &name).filter(|d| mailbox.is_inbox() || d.is_dir())
        else {
            return self.done(
                tag,
                StatusKind::No,
                Some(Code::TryCreate),
                "no such mailbox",
            );
        };
        let mut uids = Vec::new();
        let mut validity = 0;
        for m in messages {
            let flags = m
                .flags
                .iter()
                .map(|f| canonical_flag(&lossy(&f.0)))
                .collect();
            match add_to_folder(&dir, mailbox.is_inbox(), &m.data, &flags) {
                Ok((v, u)) => {
                    validity = v;
                    uids.push((u, u));
                }
                Err(_) => return self.no(tag, "cannot store the message"),
            }
        }
        let code = Code::AppendUid {
            validity,
            uids: SeqSet(uids),
        };
        self.report_news()?;
        self.done(tag, StatusKind::Ok, Some(code), "APPEND completed")
    }

    fn search(&mut self, tag: &[u8], uid: bool, keys: &[SearchKey]) -> Outcome {
        let Some(folder) = self.selected.as_ref() else {
            return self.done(tag, StatusKind::Bad, None, "no mailbox selected");
        };
        let n = folder.msgs.len() as u32;
        let max_uid = folder.msgs.last().map_or(0, |m| m.uid);
        let mut ids = Vec::new();
        for (i, m) in folder.msgs.iter().enumerate() {
            let content = Bytes::from(crlf(&fs::read(&m.path).unwrap_or_default()));
            let ctx = Ctx {
                seq: i as u32 + 1,
                n,
                max_uid,
                msg: m,
                content: &content,
            };
            if keys.iter().all(|k| ctx.matches(k)) {
                ids.push(if uid { m.uid } else { i as u32 + 1 });
            }
        }
        self.data(Data::Search { ids, modseq: None })?;
        self.ok(tag, "SEARCH completed")
    }
}

fn canonical_flag(f: &str) -> String {
    FLAG_LETTERS
        .iter()
        .map(|(_, x)| *x)
        .chain(["\\Recent"])
        .find(|x| x.eq_ignore_ascii_case(f))
        .map_or_else(|| f.to_string(), str::to_string)
}

/// Renames the file so its name carries the flags (maildir's letters).
fn set_flags(msg: &mut Msg, flags: BTreeSet<String>) {
    let dir = msg
        .path
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let in_sub = msg
        .path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "cur" || n == "new");
    let root = if in_sub {
        dir
    } else {
        msg.path.parent().map(Path::to_path_buf)
    };
    if let Some(root) = root {
        let _ = fs::create_dir_all(root.join("cur"));
        let target = root
            .join("cur")
            .join(format!("{}:2,{}", msg.base, letters_of(&flags)));
        if target != msg.path && fs::rename(&msg.path, &target).is_ok() {
            msg.path = target;
        }
    }
    msg.flags = flags;
}

struct Ctx<'a> {
    seq: u32,
    n: u32,
    max_uid: u32,
    msg: &'a Msg,
    content: &'a Bytes,
}

impl Ctx<'_> {
    fn has(&self, f: &str) -> bool {
        self.msg.flags.iter().any(|x| x.eq_ignore_ascii_case(f))
    }

    fn header(&self) -> Bytes {
        split_header(self.content).0
    }

    fn matches(&self, k: &SearchKey) -> bool {
        let contains = |hay: &[u8], needle: &[u8]| {
            needle.is_empty()
                || hay
                    .to_ascii_lowercase()
                    .windows(needle.len())
                    .any(|w| w == needle.to_ascii_lowercase())
        };
        match k {
            SearchKey::All => true,
            SearchKey::Flag(name) => {
                let name = lossy(name).to_ascii_uppercase();
                let (neg, base) = match name.strip_prefix("UN") {
                    Some(b) => (true, b.to_string()),
                    None => (false, name.clone()),
                };
                let r = match base.as_str() {
                    "ANSWERED" => self.has("\\Answered"),
                    "DELETED" => self.has("\\Deleted"),
                    "DRAFT" => self.has("\\Draft"),
                    "FLAGGED" => self.has("\\Flagged"),
                    "SEEN" => self.has("\\Seen"),
                    "NEW" | "RECENT" => false,
                    "OLD" => true,
                    _ => false,
                };
                r != neg
            }
            SearchKey::Keyword(kw) => self.has(&lossy(kw)),
            SearchKey::Unkeyword(kw) => !self.has(&lossy(kw)),
            SearchKey::Text(key, value) => {
                let key = lossy(key).to_ascii_uppercase();
                match key.as_str() {
                    "BODY" => contains(&split_header(self.content).1, value),
                    "TEXT" => contains(self.content, value),
                    other => {
                        let name = match other {
                            "FROM" => "From",
                            "TO" => "To",
                            "CC" => "Cc",
                            "BCC" => "Bcc",
                            _ => "Subject",
                        };
                        header_field(&self.header(), name)
                            .is_some_and(|v| contains(v.as_bytes(), value))
                    }
                }
            }
            SearchKey::Header(name, value) => header_field(&self.header(), &lossy(name))
                .is_some_and(|v| contains(v.as_bytes(), value)),
            SearchKey::Date(key, date) => {
                let d = date_of(self.msg.date);
                match lossy(key).to_ascii_uppercase().as_str() {
                    "BEFORE" | "SENTBEFORE" => d < *date,
                    "ON" | "SENTON" => d == *date,
                    _ => d >= *date,
                }
            }
            SearchKey::Larger(n) => self.msg.size > *n,
            SearchKey::Smaller(n) => self.msg.size < *n,
            SearchKey::Uid(set) => set.contains(self.msg.uid, self.max_uid),
            SearchKey::Seq(set) => set.contains(self.seq, self.n),
            SearchKey::Not(k) => !self.matches(k),
            SearchKey::Or(a, b) => self.matches(a) || self.matches(b),
            SearchKey::And(keys) => keys.iter().all(|k| self.matches(k)),
            _ => false,
        }
    }
}

/// `*` matches anything, `%` anything but the delimiter.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((b'%', rest)) => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != b'.')
                .any(|i| go(rest, &n[i..])),
            Some((c, rest)) => {
                n.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(rest, &n[1..])
            }
        }
    }
    if name.eq_ignore_ascii_case("INBOX") && pattern.eq_ignore_ascii_case("INBOX") {
        return true;
    }
    go(pattern.as_bytes(), name.as_bytes())
}
