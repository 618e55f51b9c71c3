//! `serve pop3`: a maildir as a POP3 maildrop.
//!
//! The messages are the files in `ROOT/new/`, `ROOT/cur/` and the `*.eml`
//! files directly in `ROOT`, numbered in the order of their file names
//! (maildir names start with the delivery time). A message's unique-id is
//! its file name up to the maildir flags (`:2,...`), or without `.eml`.
//! Sizes are the octets a client receives: line ends counted as CRLF.
//! Login with USER/PASS, APOP (the greeting carries a timestamp) or AUTH
//! PLAIN, as the `--user` given; DELE removes the files at QUIT. With a
//! certificate, STLS is offered and performed on the same connection; with
//! implicit TLS (POP3S), the connection is TLS from the first byte.

use super::{Link, ServerConfig};
use bytes::Bytes;
use sanswire::io::{tls, DriveError, Driver};
use sanswire::pop3::{
    apop_verify, top_of, Capability, Response, ResponseCode, Server, ServerEvent as Event,
};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type AsyncConn = super::AsyncConn<Server>;
type Outcome = Result<(), DriveError<sanswire::pop3::Error>>;

/// One message of the maildrop.
#[derive(Debug, Clone)]
pub struct Message {
    /// Where it is stored.
    pub path: PathBuf,
    /// The unique-id UIDL reports.
    pub uid: String,
    /// Its size as the client receives it.
    pub size: u64,
}

/// Serves one connection until it closes.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open(stream) else {
        return; // a failed TLS handshake: nothing to answer
    };
    let timestamp = apop_timestamp();
    let greeting = Response::ok(format!("sanswire POP3 server ready {timestamp}"));
    let Ok(server) = Server::new(greeting) else {
        return;
    };
    let mut session = Session {
        conn: Driver::new(stream, server),
        config,
        timestamp: timestamp.into_bytes(),
        messages: Vec::new(),
        _lock: None,
    };
    // The driver sends the machine's last words before it reports an error.
    let _ = session.serve();
    let _ = session.conn.stream().close_notify();
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve pop3` runs): plaintext, STLS or POP3S.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let timestamp = apop_timestamp();
    let greeting = Response::ok(format!("sanswire POP3 server ready {timestamp}"));
    let Ok(server) = Server::new(greeting) else {
        return;
    };
    let mut session = Session {
        conn: AsyncConn::new(stream, server),
        config: &config,
        timestamp: timestamp.into_bytes(),
        messages: Vec::new(),
        _lock: None,
    };
    while let Ok(Some(event)) = super::next_event(&mut session.conn, &config).await {
        if session.answer(event).is_err() {
            break;
        }
    }
    super::finish(&mut session.conn).await;
}

/// A greeting timestamp unique to this connection (RFC 1939 §7).
fn apop_timestamp() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("<{}.{nanos}.{n}@sanswire>", std::process::id())
}

struct Session<'a, C> {
    conn: C,
    config: &'a ServerConfig,
    timestamp: Vec<u8>,
    messages: Vec<Message>,
    /// The maildrop's lock, held from login to the end of the session.
    _lock: Option<MaildropLock>,
}

/// The maildrop is locked for the session (RFC 1939 §8): a lock file,
/// `.pop3.lock`, holding the owner's process id, created exclusively and
/// removed when the session ends. A lock whose process is gone (a crash)
/// is taken over.
struct MaildropLock {
    path: PathBuf,
}

impl MaildropLock {
    fn take(root: &Path, owner: &str) -> std::io::Result<Option<MaildropLock>> {
        let path = root.join(".pop3.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write as _;
                    f.write_all(owner.as_bytes())?;
                    return Ok(Some(MaildropLock { path }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.split(':').next().unwrap_or_default();
                    let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
                    if alive {
                        return Ok(None);
                    }
                    // Left by a process that is gone.
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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

    fn reply(&mut self, response: Response) -> Outcome {
        self.server().reply(&response).map_err(DriveError::Protocol)
    }

    fn answer(&mut self, event: Event) -> Outcome {
        let p = DriveError::Protocol;
        match event {
            Event::User(_) => self.reply(Response::ok("send PASS")),
            Event::Pass { user, password } => {
                let ok = self.config.check(&lossy(&user), &lossy(&password));
                self.login(ok)
            }
            Event::Apop { user, digest } => {
                let ok = match &self.config.user {
                    Some((u, pass)) => {
                        u.as_bytes() == &user[..]
                            && apop_verify(&self.timestamp, pass.as_bytes(), &digest)
                    }
                    None => false,
                };
                self.login(ok)
            }
            Event::Auth {
                mechanism,
                initial_response,
            } => {
                if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
                    return self.reply(Response::err("unsupported mechanism"));
                }
                match initial_response {
                    Some(ir) => self.auth_plain(&ir),
                    None => self.server().challenge(b"").map_err(p),
                }
            }
            Event::AuthResponse(data) => self.auth_plain(&data),
            Event::AuthCancelled => Ok(()),
            Event::Capa => {
                let stls = self.stls_offered();
                self.server().capabilities(&capabilities(stls)).map_err(p)
            }
            Event::Stls => self.stls(),
            Event::Utf8 => self.reply(Response::err("UTF8 is not available")),
            Event::Stat => {
                let live = self.live();
                let size = live.iter().map(|(_, m)| m.size).sum();
                self.server().stat(live.len() as u32, size).map_err(p)
            }
            Event::List(None) => {
                let entries: Vec<_> = self.live().into_iter().map(|(n, m)| (n, m.size)).collect();
                self.server().scan_listing(entries).map_err(p)
            }
            Event::List(Some(n)) => match self.message(n) {
                Some(m) => {
                    let size = m.size;
                    self.server().scan(n, size).map_err(p)
                }
                None => self.no_such_message(),
            },
            Event::Uidl(None) => {
                let entries: Vec<_> = self.live().into_iter().map(|(n, m)| (n, m.uid)).collect();
                self.server().uid_listing(entries).map_err(p)
            }
            Event::Uidl(Some(n)) => match self.message(n) {
                Some(m) => {
                    let uid = m.uid.clone();
                    self.server().uid(n, uid.as_bytes()).map_err(p)
                }
                None => self.no_such_message(),
            },
            Event::Retr(n) => self.send(n, None),
            Event::Top { msg, lines } => self.send(msg, Some(lines)),
            Event::Dele(n) => match self.message(n) {
                Some(_) => self.reply(Response::ok(format!("message {n} deleted"))),
                None => self.no_such_message(),
            },
            Event::Rset => self.reply(Response::ok("deletion marks cleared")),
            Event::Quit { deleted } => self.quit(&deleted),
        }
    }

    /// STLS is offered with a certificate, in plaintext only.
    fn stls_offered(&mut self) -> bool {
        self.config.tls.is_some() && !self.config.implicit_tls && !self.conn.is_tls()
    }

    /// The go-ahead, then the handshake on the same connection. The
    /// machine refuses the go-ahead if the client pipelined plaintext
    /// behind STLS; the driver checks the same before the handshake.
    fn stls(&mut self) -> Outcome {
        let Some(acceptor) = self.config.tls.clone().filter(|_| self.stls_offered()) else {
            return self.reply(Response::err("TLS is not available"));
        };
        self.reply(Response::ok("Begin TLS negotiation"))?;
        self.conn.accept_tls(&acceptor)
    }

    /// Answers PASS or APOP; a successful login reads the maildrop.
    fn login(&mut self, ok: bool) -> Outcome {
        if !ok {
            return self.reply(
                Response::err("invalid user name or password").with_code(ResponseCode::Auth),
            );
        }
        static SESSIONS: AtomicU64 = AtomicU64::new(0);
        let owner = format!(
            "{}:{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        match MaildropLock::take(&self.config.root, &owner) {
            Ok(Some(lock)) => self._lock = Some(lock),
            Ok(None) => {
                return self.reply(
                    Response::err("maildrop already locked by another session")
                        .with_code(ResponseCode::InUse),
                )
            }
            Err(e) => {
                return self.reply(
                    Response::err(format!("maildrop cannot be locked: {e}"))
                        .with_code(ResponseCode::SysTemp),
                )
            }
        }
        match read_maildrop(&self.config.root) {
            Ok(messages) => {
                self.messages = messages;
                let text = format!("{} messages", self.messages.len());
                self.reply(Response::ok(text))
            }
            Err(e) => self.reply(
                Response::err(format!("maildrop unreadable: {e}")).with_code(ResponseCode::SysTemp),
            ),
        }
    }

    /// SASL PLAIN (RFC 4616): `authzid NUL authcid NUL passwd`.
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

    /// Messages not marked deleted, with their numbers.
    fn live(&mut self) -> Vec<(u32, Message)> {
        let server = self.conn.server();
        self.messages
            .iter()
            .enumerate()
            .map(|(i, m)| (i as u32 + 1, m))
            .filter(|(n, _)| !server.is_deleted(*n))
            .map(|(n, m)| (n, m.clone()))
            .collect()
    }

    fn message(&self, n: u32) -> Option<&Message> {
        self.messages.get((n as usize).checked_sub(1)?)
    }

    fn no_such_message(&mut self) -> Outcome {
        self.reply(Response::err("no such message"))
    }

    fn send(&mut self, n: u32, top: Option<u32>) -> Outcome {
        let Some(m) = self.message(n).cloned() else {
            return self.no_such_message();
        };
        let content = match std::fs::read(&m.path) {
            Ok(c) => Bytes::from(c),
            Err(e) => {
                return self.reply(
                    Response::err(format!("cannot read message: {e}"))
                        .with_code(ResponseCode::SysTemp),
                )
            }
        };
        let content = match top {
            Some(lines) => top_of(&content, lines),
            None => content,
        };
        let status = Response::ok(format!("{} octets", m.size));
        self.server()
            .send_message(&status, content)
            .map_err(DriveError::Protocol)
    }

    /// The UPDATE state: remove the deleted messages, then say goodbye.
    fn quit(&mut self, deleted: &[u32]) -> Outcome {
        let mut failed = 0;
        for &n in deleted {
            if let Some(m) = self.message(n) {
                if std::fs::remove_file(&m.path).is_err() {
                    failed += 1;
                }
            }
        }
        // The update is done: the maildrop is free before the client
        // hears so, and may log in again at once.
        self._lock = None;
        if failed > 0 {
            return self.reply(
                Response::err("some deleted messages not removed").with_code(ResponseCode::SysPerm),
            );
        }
        self.reply(Response::ok("sanswire POP3 server signing off"))
    }
}

fn capabilities(stls: bool) -> Vec<Capability> {
    let mut caps = vec![
        Capability::User,
        Capability::Top,
        Capability::Uidl,
        Capability::Sasl(vec![Bytes::from_static(b"PLAIN")]),
        Capability::RespCodes,
        Capability::AuthRespCode,
        Capability::Pipelining,
        Capability::Implementation(Bytes::from_static(b"sanswire")),
    ];
    if stls {
        caps.push(Capability::Stls);
    }
    caps
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The messages of a maildir, numbered by file name.
pub fn read_maildrop(root: &Path) -> std::io::Result<Vec<Message>> {
    let mut messages = Vec::new();
    for sub in ["new", "cur"] {
        let dir = root.join(sub);
        if dir.is_dir() {
            add_files(&dir, &mut messages, |name| Some(maildir_uid(name)))?;
        }
    }
    add_files(root, &mut messages, |name| {
        name.strip_suffix(".eml").map(str::to_string)
    })?;
    messages.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    Ok(messages)
}

fn add_files(
    dir: &Path,
    out: &mut Vec<Message>,
    uid_of: impl Fn(&str) -> Option<String>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        let Some(uid) = uid_of(&name) else { continue };
        let content = std::fs::read(entry.path())?;
        out.push(Message {
            path: entry.path(),
            uid: safe_uid(uid),
            size: wire_size(&content),
        });
    }
    Ok(())
}

/// A maildir file's unique part: the name before its `:2,` flags.
fn maildir_uid(name: &str) -> String {
    match name.split_once(":2,") {
        Some((unique, _)) => unique.to_string(),
        None => name.to_string(),
    }
}

/// A unique-id must be 1 to 70 printable ASCII bytes (RFC 1939 §7); a
/// name that is not becomes the hex MD5 of the name.
fn safe_uid(uid: String) -> String {
    let ok = !uid.is_empty() && uid.len() <= 70 && uid.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        return uid;
    }
    use md5::{Digest, Md5};
    Md5::digest(uid.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The octets a client receives for `content`: every line end (CRLF, a
/// bare LF, a bare CR) counts as CRLF, and an unterminated last line gets
/// one (what the server machine's dot-stuffer sends, less the stuffing).
pub fn wire_size(content: &[u8]) -> u64 {
    let mut size = content.len() as u64;
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'\r', b'\n', &content[i..]) {
        let at = i + k;
        if content[at] == b'\r' && content.get(at + 1) == Some(&b'\n') {
            i = at + 2;
        } else {
            size += 1;
            i = at + 1;
        }
    }
    if !content.is_empty() && !matches!(content.last(), Some(b'\r' | b'\n')) {
        size += 2;
    }
    size
}
