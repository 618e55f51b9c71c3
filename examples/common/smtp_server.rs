//! `serve smtp`: accepts mail and stores each message in a maildir under
//! the root folder (`DIR/tmp/` while it arrives, then renamed into
//! `DIR/new/` under a unique name). The stored file is the message as
//! received (CRLF line ends, dot-unstuffed) behind two kinds of added
//! header lines: `Return-Path: <sender>` and one `Delivered-To: address`
//! per envelope recipient, in envelope order. With a user configured, AUTH
//! PLAIN and LOGIN are offered (also without TLS: this is a test server)
//! and required before MAIL (`530 5.7.0`). With a certificate, STARTTLS is
//! offered and performed on the same connection; with implicit TLS
//! (SMTPS), the connection is TLS from the first byte.

use super::ServerConfig;
use sanswire::io::{tls, DriveError, Driver};
use sanswire::smtp::{
    AuthMechanism, AuthRequest, Reply, Server, ServerConfig as SmtpConfig, ServerEvent,
};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type AsyncConn = super::AsyncConn<Server>;
type Failed = DriveError<sanswire::smtp::Error>;

/// The name the server gives itself in its greeting.
pub const HOSTNAME: &str = "localhost";

/// Serves one connection until the client quits or the connection ends.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open(stream) else {
        return; // a failed TLS handshake: nothing to answer
    };
    let Ok(server) = Server::new(smtp_config(config)) else {
        return;
    };
    let mut conn = Driver::new(stream, server);
    let mut session = Session {
        maildir: config.root.clone(),
        sender: None,
        spool: None,
        failed: false,
    };
    // On a protocol error the driver has sent the machine's last words
    // (500 line too long, 421 timeout, ...) before returning it.
    let _ = session.run(&mut conn, config);
    session.drop_spool();
    let _ = conn.stream().close_notify();
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve smtp` runs): plaintext, STARTTLS or SMTPS.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let Ok(server) = Server::new(smtp_config(&config)) else {
        return;
    };
    let mut conn = AsyncConn::new(stream, server);
    let mut session = Session {
        maildir: config.root.clone(),
        sender: None,
        spool: None,
        failed: false,
    };
    let _ = session.run_async(&mut conn, &config).await;
    session.drop_spool();
    super::finish(&mut conn).await;
}

fn smtp_config(config: &ServerConfig) -> SmtpConfig {
    let mut smtp = SmtpConfig::new(HOSTNAME);
    smtp.starttls = config.tls.is_some() && !config.implicit_tls;
    if config.user.is_some() {
        smtp.auth = vec![AuthMechanism::Plain, AuthMechanism::Login];
        smtp.allow_plaintext_auth = true;
        smtp.require_auth = true;
    }
    smtp
}

/// A message being received: its file in `tmp/` and the writer on it.
struct Spool {
    tmp: PathBuf,
    name: String,
    out: BufWriter<File>,
}

struct Session {
    maildir: PathBuf,
    sender: Option<String>,
    spool: Option<Spool>,
    /// Writing the current message failed: it is refused at its end.
    failed: bool,
}

/// What the connection does after an event is answered.
enum Flow {
    /// Reads the next one.
    Go,
    /// Runs the TLS handshake (STARTTLS was answered `220`).
    StartTls,
    /// Ends (QUIT was answered).
    Quit,
}

impl Session {
    fn run(&mut self, conn: &mut Conn, config: &ServerConfig) -> Result<(), Failed> {
        while let Some(event) = conn.next_event()? {
            match self.answer(conn.machine(), event, config)? {
                Flow::Go => {}
                Flow::StartTls => {
                    // The machine queued the 220 go-ahead and refuses
                    // plaintext pipelined behind STARTTLS; the driver
                    // checks the same before the handshake.
                    let acceptor = config
                        .tls
                        .as_ref()
                        .expect("STARTTLS is offered with TLS only");
                    conn.accept_tls(acceptor)?;
                }
                Flow::Quit => break,
            }
        }
        conn.flush()?;
        Ok(())
    }

    /// [`run`](Self::run) on the tokio driver: the STARTTLS handshake
    /// runs in `next_event`, before the next read.
    async fn run_async(
        &mut self,
        conn: &mut AsyncConn,
        config: &ServerConfig,
    ) -> Result<(), Failed> {
        while let Some(event) = super::next_event(conn, config).await? {
            match self.answer(conn.machine(), event, config)? {
                Flow::Go | Flow::StartTls => {}
                Flow::Quit => break,
            }
        }
        conn.flush().await?;
        Ok(())
    }

    /// Answers one event, whatever the driver.
    fn answer(
        &mut self,
        server: &mut Server,
        event: ServerEvent,
        config: &ServerConfig,
    ) -> Result<Flow, Failed> {
        match event {
            ServerEvent::Auth(request) => {
                if credentials_ok(config, &request) {
                    server.accept()
                } else {
                    server.reject(refusal(535, "5.7.8", "Authentication failed"))
                }
            }
            ServerEvent::MailFrom { from, .. } => {
                self.sender = Some(from);
                server.accept()
            }
            ServerEvent::RcptTo { .. } => server.accept(),
            ServerEvent::Data(bytes) => {
                let recipients = server.recipients().to_vec();
                let written = self
                    .spool(&recipients)
                    .and_then(|s| s.out.write_all(&bytes));
                if written.is_err() {
                    // Keep reading the message; it is refused at its end.
                    self.drop_spool();
                    self.failed = true;
                }
                Ok(())
            }
            ServerEvent::MessageEnd { .. } => {
                let recipients = server.recipients().to_vec();
                let delivered = self.deliver(&recipients);
                self.failed = false;
                match delivered {
                    Ok(()) => server.accept(),
                    Err(_) => server.reject(refusal(451, "4.3.0", "Could not store the message")),
                }
            }
            ServerEvent::MessageRejected(_) | ServerEvent::Reset => {
                self.drop_spool();
                self.failed = false;
                Ok(())
            }
            ServerEvent::StartTls => {
                // RFC 3207 §4.2: the session starts over.
                self.drop_spool();
                self.sender = None;
                return Ok(Flow::StartTls);
            }
            ServerEvent::Quit => return Ok(Flow::Quit),
            _ => Ok(()),
        }
        .map_err(DriveError::Protocol)?;
        Ok(Flow::Go)
    }

    /// The spool file, created with the added headers on first use.
    fn spool(&mut self, recipients: &[String]) -> std::io::Result<&mut Spool> {
        if self.failed {
            return Err(std::io::Error::other("an earlier write failed"));
        }
        if self.spool.is_none() {
            let name = unique_name();
            let tmp = self.maildir.join("tmp").join(&name);
            std::fs::create_dir_all(self.maildir.join("tmp"))?;
            let mut out = BufWriter::with_capacity(256 * 1024, File::create(&tmp)?);
            out.write_all(&added_headers(
                self.sender.as_deref().unwrap_or(""),
                recipients,
            ))?;
            self.spool = Some(Spool { tmp, name, out });
        }
        Ok(self.spool.as_mut().expect("just created"))
    }

    /// Moves the complete message from `tmp/` into `new/`.
    fn deliver(&mut self, recipients: &[String]) -> std::io::Result<()> {
        self.spool(recipients)?;
        let mut spool = self.spool.take().expect("just created");
        spool.out.flush()?;
        super::fsync(spool.out.get_ref())?;
        let new = self.maildir.join("new");
        std::fs::create_dir_all(&new)?;
        std::fs::create_dir_all(self.maildir.join("cur"))?;
        let delivered = new.join(&spool.name);
        std::fs::rename(&spool.tmp, &delivered)?;
        // The new name on disk too, before the 250 (Postfix's rule).
        super::sync_dir(&delivered)
    }

    fn drop_spool(&mut self) {
        if let Some(spool) = self.spool.take() {
            drop(spool.out);
            let _ = std::fs::remove_file(&spool.tmp);
        }
    }
}

/// `Return-Path: <sender>` and one `Delivered-To: address` per recipient.
pub fn added_headers(sender: &str, recipients: &[String]) -> Vec<u8> {
    let mut head = format!("Return-Path: <{sender}>\r\n");
    for r in recipients {
        head.push_str(&format!("Delivered-To: {r}\r\n"));
    }
    head.into_bytes()
}

fn credentials_ok(config: &ServerConfig, request: &AuthRequest) -> bool {
    let Some((user, pass)) = &config.user else {
        return false;
    };
    let acting_as_self = match request {
        AuthRequest::Plain { authzid, .. } => authzid.is_empty() || authzid == user,
        _ => true,
    };
    acting_as_self && request.user() == user && request.verify(pass.as_bytes())
}

fn refusal(code: u16, enhanced: &str, text: &str) -> Reply {
    Reply::new(code, Some(enhanced), text).expect("a valid reply")
}

/// A maildir name no other delivery uses: time, process, a counter, host.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.M{:06}P{}Q{}.{HOSTNAME}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The messages in `maildir/new`, oldest name first.
pub fn delivered(maildir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}
