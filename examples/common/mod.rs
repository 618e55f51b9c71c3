//! Code the examples share: the small servers behind `serve` and `tour`.
#![allow(dead_code)]

pub mod ftp_server;
pub mod gopher_server;
pub mod http_server;
pub mod imap_server;
pub mod nntp_server;
pub mod pop3_server;
pub mod smtp_server;
pub mod telnet_server;

use sanswire::io::tls::{self, TlsAcceptor};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

/// What every small server is told on its command line.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The folder served (HTTP files, maildir, ...).
    pub root: PathBuf,
    /// `USER:PASS` that authenticates, when given.
    pub user: Option<(String, String)>,
    /// The certificate and key for TLS (STARTTLS, or implicit TLS).
    pub tls: Option<TlsAcceptor>,
    /// TLS from the first byte (https, smtps, pop3s) instead of STARTTLS.
    pub implicit_tls: bool,
}

impl ServerConfig {
    /// Whether `user`/`pass` match the configured credentials.
    pub fn check(&self, user: &str, pass: &str) -> bool {
        matches!(&self.user, Some((u, p)) if u == user && p == pass)
    }
}

impl ServerConfig {
    /// The connection's stream: TLS from the first byte when implicit TLS
    /// is configured (the handshake runs here), else plaintext that a
    /// handler may upgrade with `Driver::accept_tls` on STARTTLS.
    pub fn open(&self, stream: TcpStream) -> std::io::Result<tls::Stream<TcpStream>> {
        match (&self.tls, self.implicit_tls) {
            (Some(acceptor), true) => tls::Stream::accept(stream, acceptor),
            _ => Ok(tls::Stream::plain(stream)),
        }
    }
}

/// Splits `USER:PASS`.
pub fn split_user(s: &str) -> Option<(String, String)> {
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// One connection handler per protocol.
pub type Handler = fn(TcpStream, &ServerConfig);

/// The handler for a protocol name, if it exists.
pub fn handler(protocol: &str) -> Option<Handler> {
    match protocol {
        "gopher" => Some(gopher_server::serve_connection),
        "ftp" => Some(ftp_server::serve_connection),
        "http" => Some(http_server::serve_connection),
        "nntp" => Some(nntp_server::serve_connection),
        "imap" => Some(imap_server::serve_connection),
        "pop3" => Some(pop3_server::serve_connection),
        "smtp" => Some(smtp_server::serve_connection),
        "telnet" => Some(telnet_server::serve_connection),
        _ => None,
    }
}

/// Binds `addr` and serves every connection on its own thread, forever.
/// Returns the bound address at once.
pub fn spawn(listen: &str, handler: Handler, config: ServerConfig) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    let config = Arc::new(config);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || handler(stream, &config));
        }
    });
    Ok(addr)
}

/// Binds `addr` and serves plain HTTP on a tokio runtime, one task per
/// connection (what `serve http` runs without TLS), on a thread of its own.
/// Returns the bound address at once.
pub fn spawn_http_async(listen: &str, config: ServerConfig) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a bound listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of descriptors, say: wait a little, go on.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                tokio::spawn(http_server::serve_connection_async(
                    stream,
                    Arc::clone(&config),
                ));
            }
        });
    });
    Ok(addr)
}
