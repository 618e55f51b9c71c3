//! A small server for every protocol of the crate.
//!
//! ```text
//! cargo run --release --example serve -- PROTOCOL [--listen ADDR] [--root DIR] [--user USER:PASS]
//!     [--tls-cert FILE --tls-key FILE [--implicit-tls]]
//! ```
//! With `--tls-cert` and `--tls-key`, protocols with STARTTLS offer it
//! (FTP: AUTH TLS and PROT P); `--implicit-tls` speaks TLS from the first
//! byte instead (https, smtps, pop3s, ftps).
//! The first line on stdout is `listening on IP:PORT`. Each connection is
//! a task on a tokio runtime (plaintext and TLS alike), so thousands of
//! connections cost memory, not threads (every protocol has its tokio
//! handler; the threaded ones serve `tour`).

mod common;

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Serve files (http, gopher), mail (smtp, pop3), ... for testing and demos")]
struct Args {
    /// The protocol to serve: http, smtp, pop3, gopher, nntp, imap, ftp or telnet (see examples/common/ for what each stores and serves)
    protocol: String,
    /// Address to listen on; port 0 takes a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// The folder to serve.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// USER:PASS that may authenticate (and, for http, upload with PUT).
    #[arg(long)]
    user: Option<String>,
    /// PEM certificate chain (leaf first) for TLS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// TLS from the first byte (https, smtps, pop3s, gophers) instead of STARTTLS.
    #[arg(long, requires = "tls_cert")]
    implicit_tls: bool,
}

fn main() {
    let args = Args::parse();
    if let Err(message) = run(args) {
        eprintln!("serve: {message}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<(), String> {
    let handler = common::handler(&args.protocol)
        .ok_or_else(|| format!("unknown protocol {:?}", args.protocol))?;
    let user = match &args.user {
        Some(s) => Some(common::split_user(s).ok_or("--user wants USER:PASS")?),
        None => None,
    };
    let root = args
        .root
        .canonicalize()
        .map_err(|e| format!("--root {}: {e}", args.root.display()))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let acceptor = sanswire::io::tls::TlsAcceptor::from_pem_files(cert, key)
                .map_err(|e| e.to_string())?;
            Some(match args.protocol.as_str() {
                "http" => acceptor.with_alpn(&[b"http/1.1"]),
                _ => acceptor,
            })
        }
        _ => None,
    };
    let config = common::ServerConfig {
        root,
        user,
        tls,
        implicit_tls: args.implicit_tls,
    };
    // On tokio, one task per connection (every protocol has a tokio
    // handler; a thread per connection is the fallback for one without).
    let addr = match common::async_handler(&args.protocol) {
        Some(handler) => common::spawn_async(&args.listen, handler, config),
        None => common::spawn(&args.listen, handler, config),
    }
    .map_err(|e| format!("{}: {e}", args.listen))?;
    println!("listening on {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        std::thread::park();
    }
}
