//! `serve nntp`: a folder as a news spool.
//!
//! Each subdirectory of ROOT is a group (its name is the group's name),
//! each file in it an article, numbered from 1 in the order of the file
//! names (files starting with `.` are not articles; `.description` holds
//! the group's LIST NEWSGROUPS text). The overview is computed from the
//! articles' headers. POST stores the article in every group of its
//! `Newsgroups:` header that exists, under a name that sorts last (a
//! `Message-ID` is added when it has none); IHAVE does the same. With
//! `--user`, reading needs AUTHINFO USER/PASS or SASL PLAIN (`480`
//! before); with a certificate, STARTTLS is offered; with implicit TLS
//! (NNTPS), the connection is TLS from the first byte.

use super::{Link, ServerConfig};
use bytes::Bytes;
use sanswire::io::{tls, DriveError, Driver};
use sanswire::nntp::{
    ArticleRef, GroupInfo, ListKind, Part, Reply, Selection, Server, ServerEvent as Event,
};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type AsyncConn = super::AsyncConn<Server>;
type Outcome = Result<(), DriveError<sanswire::nntp::Error>>;

/// One article of a group.
#[derive(Debug, Clone)]
pub struct Article {
    /// Its number in the group.
    pub number: u64,
    /// Where it is stored.
    pub path: PathBuf,
}

/// Serves one connection until it closes.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open(stream) else {
        return;
    };
    let mut session = Session {
        conn: Driver::new(stream, new_server(config)),
        config,
        posting: Vec::new(),
        ihave: None,
    };
    let _ = session.serve();
    let _ = session.conn.stream().close_notify();
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve nntp` runs): plaintext, STARTTLS or NNTPS, COMPRESS on any.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let mut session = Session {
        conn: AsyncConn::new(stream, new_server(&config)),
        config: &config,
        posting: Vec::new(),
        ihave: None,
    };
    while let Ok(Some(event)) = super::next_event(&mut session.conn, &config).await {
        if session.answer(event).is_err() {
            break;
        }
    }
    super::finish(&mut session.conn).await;
}

fn new_server(config: &ServerConfig) -> Server {
    let mut server = Server::new(true);
    server.require_auth(config.user.is_some());
    server
}

struct Session<'a, C> {
    conn: C,
    config: &'a ServerConfig,
    /// The article of POST or IHAVE being received.
    posting: Vec<u8>,
    /// IHAVE's message-id, while its article arrives.
    ihave: Option<Bytes>,
}

fn reply(code: u16, text: impl Into<String>) -> Reply {
    Reply::new(code, text.into())
}

impl Session<'_, Conn> {
    fn serve(&mut self) -> Outcome {
        while let Some(event) = self.conn.next_event()? {
            self.answer(event)?;
        }
        Ok(())
    }
}

impl<C: Link<Server>> Session<'_, C> {
    fn server(&mut self) -> &mut Server {
        self.conn.server()
    }

    fn reply(&mut self, code: u16, text: &str) -> Outcome {
        self.server()
            .reply(&reply(code, text))
            .map_err(DriveError::Protocol)
    }

    fn root(&self) -> &Path {
        &self.config.root
    }

    fn answer(&mut self, event: Event) -> Outcome {
        let p = DriveError::Protocol;
        match event {
            Event::Capabilities => {
                let caps = self.capabilities();
                self.server().capabilities(&caps).map_err(p)
            }
            Event::ModeReader => self.reply(200, "Reader mode, posting allowed"),
            Event::Group(name) => match group_info(self.root(), &name) {
                Some(info) => self.server().group(&info).map_err(p),
                None => self.reply(411, "No such newsgroup"),
            },
            Event::ListGroup { group, range } => {
                let Some(info) = group_info(self.root(), &group) else {
                    return self.reply(411, "No such newsgroup");
                };
                let articles = read_group(self.root(), &group);
                let s = self.server();
                s.group(&info).map_err(p)?;
                for a in articles
                    .iter()
                    .filter(|a| range.is_none_or(|r| r.contains(a.number)))
                {
                    s.block_line(a.number.to_string().as_bytes()).map_err(p)?;
                }
                s.end_block().map_err(p)
            }
            Event::Article { part, which } => {
                let Some((number, path)) = self.find(&which) else {
                    return match which {
                        ArticleRef::MessageId(_) => self.reply(430, "No such article"),
                        _ => self.reply(423, "No article with that number"),
                    };
                };
                let content = std::fs::read(&path).unwrap_or_default();
                let (head, body) = split_article(&content);
                let id = message_id(head, &path);
                let payload = match part {
                    Part::Article => Bytes::from(content.clone()),
                    Part::Head => Bytes::copy_from_slice(head),
                    _ => Bytes::copy_from_slice(body),
                };
                self.server()
                    .article(number, id.as_bytes(), payload)
                    .map_err(p)
            }
            Event::Move { backwards, current } => {
                let group = self.server().current_group().cloned().unwrap_or_default();
                let articles = read_group(self.root(), &group);
                let found = if backwards {
                    articles.iter().rev().find(|a| a.number < current)
                } else {
                    articles.iter().find(|a| a.number > current)
                };
                match found {
                    Some(a) => {
                        let id = article_id(&a.path);
                        self.server().select(a.number, id.as_bytes()).map_err(p)
                    }
                    None if backwards => self.reply(422, "No previous article"),
                    None => self.reply(421, "No next article"),
                }
            }
            Event::Over(selection) => self.over(selection, None),
            Event::Hdr {
                field,
                selection,
                legacy,
                ..
            } => self.over(selection, Some((field, legacy))),
            Event::List { kind, argument } => self.list(kind, argument),
            Event::NewGroups { date, time, .. } => {
                let since = parse_when(&date, &time);
                let s = self.server();
                s.start_block(&reply(231, "New newsgroups follow"))
                    .map_err(p)?;
                for name in group_names(&self.config.root) {
                    let dir = self.config.root.join(&name);
                    if modified(&dir) >= since {
                        let info = group_info(&self.config.root, name.as_bytes()).unwrap();
                        let line = format!("{name} {} {} y", info.high, info.low);
                        self.server().block_line(line.as_bytes()).map_err(p)?;
                    }
                }
                self.server().end_block().map_err(p)
            }
            Event::NewNews {
                wildmat,
                date,
                time,
                ..
            } => {
                let since = parse_when(&date, &time);
                let mut ids = Vec::new();
                for name in group_names(self.root()) {
                    if !wildmat_matches(&wildmat, name.as_bytes()) {
                        continue;
                    }
                    for a in read_group(self.root(), name.as_bytes()) {
                        if modified(&a.path) >= since {
                            ids.push(article_id(&a.path));
                        }
                    }
                }
                let s = self.server();
                s.start_block(&reply(230, "New articles follow"))
                    .map_err(p)?;
                for id in ids {
                    s.block_line(id.as_bytes()).map_err(p)?;
                }
                s.end_block().map_err(p)
            }
            Event::Date => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                self.reply(111, &format_when(now))
            }
            Event::Help => {
                let s = self.server();
                s.start_block(&reply(100, "Help text follows")).map_err(p)?;
                s.block_line(b"This is sanswire's serve nntp.").map_err(p)?;
                s.end_block().map_err(p)
            }
            Event::Post => {
                self.posting.clear();
                self.reply(340, "Send article to be posted")
            }
            Event::IHave(id) => {
                if self.find(&ArticleRef::MessageId(id.clone())).is_some() {
                    return self.reply(435, "Article not wanted");
                }
                self.posting.clear();
                self.ihave = Some(id);
                self.reply(335, "Send article to be transferred")
            }
            Event::ArticleData(d) => {
                self.posting.extend_from_slice(&d);
                Ok(())
            }
            Event::ArticleEnd => {
                let ihave = self.ihave.take();
                let stored = store(self.root(), &self.posting);
                match (stored, ihave) {
                    (true, Some(_)) => self.reply(235, "Article transferred OK"),
                    (true, None) => self.reply(240, "Article received OK"),
                    (false, Some(_)) => self.reply(437, "Transfer rejected"),
                    (false, None) => self.reply(441, "Posting failed: no such newsgroup"),
                }
            }
            Event::StartTls => {
                let offered = self.starttls_offered();
                let Some(acceptor) = self.config.tls.clone().filter(|_| offered) else {
                    return self.reply(580, "Can not initiate TLS negotiation");
                };
                self.reply(382, "Continue with TLS negotiation")?;
                self.conn.accept_tls(&acceptor)
            }
            Event::AuthUser(_) => self.reply(381, "Password required"),
            Event::AuthPass { user, password } => {
                let ok = self.config.check(&lossy(&user), &lossy(&password));
                self.login(ok)
            }
            Event::AuthSasl {
                mechanism,
                initial_response,
            } => {
                if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
                    return self.reply(503, "Mechanism not recognized");
                }
                match initial_response {
                    Some(ir) => self.auth_plain(&ir),
                    None => self.server().challenge(b"").map_err(p),
                }
            }
            Event::AuthResponse(r) => self.auth_plain(&r),
            Event::AuthCancelled | Event::Quit => Ok(()),
            Event::Compress(_) => self.reply(206, "Compression active"),
        }
    }

    fn starttls_offered(&mut self) -> bool {
        self.config.tls.is_some()
            && !self.config.implicit_tls
            && !self.conn.is_tls()
            && !self.conn.server().is_authenticated()
    }

    fn capabilities(&mut self) -> Vec<String> {
        let mut caps = vec![
            "VERSION 2".to_string(),
            "IMPLEMENTATION sanswire serve nntp".into(),
            "READER".into(),
            "POST".into(),
            "IHAVE".into(),
            "NEWNEWS".into(),
            "OVER".into(),
            "HDR".into(),
            "LIST ACTIVE NEWSGROUPS OVERVIEW.FMT HEADERS COUNTS".into(),
        ];
        if !self.conn.server().is_compressed() {
            caps.push("COMPRESS DEFLATE".into());
        }
        if self.config.user.is_some() && !self.conn.server().is_authenticated() {
            caps.push("AUTHINFO USER SASL".into());
            caps.push("SASL PLAIN".into());
        }
        if self.starttls_offered() {
            caps.push("STARTTLS".into());
        }
        caps
    }

    fn login(&mut self, ok: bool) -> Outcome {
        match ok {
            true => self.reply(281, "Authentication accepted"),
            false => self.reply(481, "Authentication failed"),
        }
    }

    fn auth_plain(&mut self, message: &[u8]) -> Outcome {
        let parts: Vec<&[u8]> = message.split(|&b| b == 0).collect();
        let ok = match parts[..] {
            [authz, user, pass] => {
                (authz.is_empty() || authz == user) && self.config.check(&lossy(user), &lossy(pass))
            }
            _ => false,
        };
        self.login(ok)
    }

    /// The article a command names: by number in the current group, or
    /// by message-id anywhere.
    fn find(&mut self, which: &ArticleRef) -> Option<(u64, PathBuf)> {
        match which {
            ArticleRef::Number(n) => {
                let group = self.server().current_group()?.clone();
                let a = read_group(self.root(), &group)
                    .into_iter()
                    .find(|a| a.number == *n)?;
                Some((a.number, a.path))
            }
            ArticleRef::MessageId(id) => {
                let id = String::from_utf8_lossy(id).into_owned();
                for name in group_names(self.root()) {
                    for a in read_group(self.root(), name.as_bytes()) {
                        if article_id(&a.path) == id {
                            return Some((0, a.path));
                        }
                    }
                }
                None
            }
            ArticleRef::Current => None,
        }
    }

    /// OVER (field `None`) or HDR/XHDR of `field`.
    fn over(&mut self, selection: Selection, field: Option<(Bytes, bool)>) -> Outcome {
        let p = DriveError::Protocol;
        let articles: Vec<(u64, PathBuf)> = match &selection {
            Selection::MessageId(_) | Selection::Current => {
                let which = match selection {
                    Selection::MessageId(id) => ArticleRef::MessageId(id),
                    _ => ArticleRef::Current,
                };
                match self.find(&which) {
                    Some(a) => vec![a],
                    None => return self.reply(430, "No such article"),
                }
            }
            Selection::Range(r) => {
                let group = self.server().current_group().cloned().unwrap_or_default();
                let found: Vec<_> = read_group(self.root(), &group)
                    .into_iter()
                    .filter(|a| r.contains(a.number))
                    .map(|a| (a.number, a.path))
                    .collect();
                if found.is_empty() {
                    return self.reply(423, "No articles in that range");
                }
                found
            }
        };
        let legacy_or_hdr = match &field {
            None => reply(224, "Overview information follows"),
            // HDR answers 225, XHDR and XPAT 221.
            Some((_, true)) => reply(221, "Headers follow"),
            Some((_, false)) => reply(225, "Headers follow"),
        };
        self.server().start_block(&legacy_or_hdr).map_err(p)?;
        for (number, path) in articles {
            let content = std::fs::read(&path).unwrap_or_default();
            let line = match &field {
                None => overview_line(number, &content, &path),
                Some((f, _)) => {
                    let mut l = number.to_string().into_bytes();
                    l.push(b' ');
                    l.extend_from_slice(&header_value(&content, f).unwrap_or_default());
                    l
                }
            };
            self.server().block_line(&line).map_err(p)?;
        }
        self.server().end_block().map_err(p)
    }

    fn list(&mut self, kind: ListKind, argument: Option<Bytes>) -> Outcome {
        let p = DriveError::Protocol;
        let root = self.config.root.clone();
        let pattern = argument.clone().unwrap_or_else(|| Bytes::from_static(b"*"));
        let lines: Vec<Vec<u8>> = match &kind {
            ListKind::Active | ListKind::Counts | ListKind::Newsgroups => group_names(&root)
                .into_iter()
                .filter(|g| wildmat_matches(&pattern, g.as_bytes()))
                .map(|g| {
                    let info = group_info(&root, g.as_bytes()).unwrap();
                    match kind {
                        ListKind::Active => format!("{g} {} {} y", info.high, info.low),
                        ListKind::Counts => {
                            format!("{g} {} {} {} y", info.high, info.low, info.count)
                        }
                        _ => {
                            let d = std::fs::read_to_string(root.join(&g).join(".description"))
                                .unwrap_or_else(|_| "No description".into());
                            format!("{g}\t{}", d.trim())
                        }
                    }
                    .into_bytes()
                })
                .collect(),
            ListKind::OverviewFmt => [
                "Subject:",
                "From:",
                "Date:",
                "Message-ID:",
                "References:",
                ":bytes",
                ":lines",
            ]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
            ListKind::Headers => [":", ":bytes", ":lines"]
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
            _ => return self.reply(503, "Keyword not supported"),
        };
        let s = self.server();
        s.start_block(&reply(215, "Information follows"))
            .map_err(p)?;
        for line in lines {
            s.block_line(&line).map_err(p)?;
        }
        s.end_block().map_err(p)
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The groups: subdirectories of `root`, by name.
pub fn group_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// A group's articles, numbered from 1 in file-name order.
pub fn read_group(root: &Path, group: &[u8]) -> Vec<Article> {
    let Ok(name) = std::str::from_utf8(group) else {
        return Vec::new();
    };
    if name.contains('/') || name.starts_with('.') {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(name))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .into_iter()
        .enumerate()
        .map(|(i, path)| Article {
            number: i as u64 + 1,
            path,
        })
        .collect()
}

fn group_info(root: &Path, group: &[u8]) -> Option<GroupInfo> {
    let name = std::str::from_utf8(group).ok()?;
    if !group_names(root).iter().any(|g| g == name) {
        return None;
    }
    let articles = read_group(root, group);
    let count = articles.len() as u64;
    Some(GroupInfo {
        count,
        low: if count == 0 { 0 } else { 1 },
        high: count,
        name: Bytes::copy_from_slice(group),
    })
}

/// The header and the body of an article (the blank line in neither).
pub fn split_article(content: &[u8]) -> (&[u8], &[u8]) {
    let mut at = 0;
    while at < content.len() {
        let end = memchr_nl(&content[at..]).map_or(content.len(), |e| at + e + 1);
        let line = &content[at..end];
        if line == b"\r\n" || line == b"\n" {
            return (&content[..at], &content[end..]);
        }
        at = end;
    }
    (content, &[])
}

fn memchr_nl(data: &[u8]) -> Option<usize> {
    data.iter().position(|&b| b == b'\n')
}

/// The unfolded value of header `name` (any case).
pub fn header_value(content: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let (head, _) = split_article(content);
    let mut value: Option<Vec<u8>> = None;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some(v) = value.as_mut() {
                v.push(b' ');
                v.extend_from_slice(line.trim_ascii());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            if line[..colon].eq_ignore_ascii_case(name) {
                value = Some(line[colon + 1..].trim_ascii().to_vec());
            }
        }
    }
    value.map(|v| {
        v.into_iter()
            .map(|b| if b == b'\t' { b' ' } else { b })
            .collect()
    })
}

fn message_id(head: &[u8], path: &Path) -> String {
    match header_value(head, b"Message-ID") {
        Some(id) if id.starts_with(b"<") && id.ends_with(b">") && !id.contains(&b' ') => lossy(&id),
        _ => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let safe: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            format!("<{safe}@sanswire>")
        }
    }
}

fn article_id(path: &Path) -> String {
    let content = std::fs::read(path).unwrap_or_default();
    message_id(split_article(&content).0, path)
}

/// The overview line of an article: number, Subject, From, Date,
/// Message-ID, References, bytes, lines, TAB-separated.
pub fn overview_line(number: u64, content: &[u8], path: &Path) -> Vec<u8> {
    let (head, body) = split_article(content);
    let mut line = number.to_string().into_bytes();
    for name in [&b"Subject"[..], b"From", b"Date"] {
        line.push(b'\t');
        line.extend_from_slice(&header_value(content, name).unwrap_or_default());
    }
    line.push(b'\t');
    line.extend_from_slice(message_id(head, path).as_bytes());
    line.push(b'\t');
    line.extend_from_slice(&header_value(content, b"References").unwrap_or_default());
    let lines = body.iter().filter(|&&b| b == b'\n').count();
    line.extend_from_slice(format!("\t{}\t{lines}", content.len()).as_bytes());
    line
}

/// Stores a posted article in each existing group of its Newsgroups
/// header; `false` if there is none.
fn store(root: &Path, article: &[u8]) -> bool {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(groups) = header_value(article, b"Newsgroups") else {
        return false;
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut content = Vec::new();
    if header_value(article, b"Message-ID").is_none() {
        content.extend_from_slice(format!("Message-ID: <{nanos}.{n}@sanswire>\r\n").as_bytes());
    }
    content.extend_from_slice(article);
    let mut stored = false;
    for group in lossy(&groups).split(',').map(str::trim) {
        let existing = read_group(root, group.as_bytes());
        if !group_names(root).iter().any(|g| g == group) {
            continue;
        }
        // A name that sorts after every article of the group.
        let last = existing
            .last()
            .and_then(|a| a.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "0".into());
        let path = root.join(group).join(format!("{last}.posted-{nanos}-{n}"));
        // Whole and on disk before the 240, or not there at all.
        stored |= super::write_atomically(&path, &content).is_ok();
    }
    stored
}

fn modified(path: &Path) -> u64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// A simple wildmat: `*` and `?`, comma-separated alternatives, `!` to
/// exclude.
fn wildmat_matches(pattern: &[u8], name: &[u8]) -> bool {
    fn glob(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
            (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let mut matched = false;
    for alt in pattern.split(|&b| b == b',') {
        match alt.strip_prefix(b"!") {
            Some(neg) if glob(neg, name) => matched = false,
            None if glob(alt, name) => matched = true,
            _ => {}
        }
    }
    matched
}

/// Seconds since the epoch of `yyyymmdd`/`yymmdd` and `hhmmss` (UTC).
fn parse_when(date: &[u8], time: &[u8]) -> u64 {
    let num = |s: &[u8]| -> i64 {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let (y, rest) = if date.len() == 8 {
        (num(&date[..4]), &date[4..])
    } else {
        let yy = num(&date[..2]);
        (if yy < 50 { 2000 + yy } else { 1900 + yy }, &date[2..])
    };
    let (m, d) = (num(&rest[..2]), num(&rest[2..4]));
    let days = days_from_civil(y, m, d);
    let secs = days * 86400 + num(&time[..2]) * 3600 + num(&time[2..4]) * 60 + num(&time[4..6]);
    secs.max(0) as u64
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `yyyymmddhhmmss` for DATE.
fn format_when(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
