//! A small server for every protocol of the crate.
//!
//! ```text
//! cargo run --release --example serve -- PROTOCOL [--listen ADDR] [--root DIR] [--user USER:PASS]
//! ```
//! The first line on stdout is `listening on IP:PORT`. Each connection gets
//! a thread of its own.

mod common;

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Serve files (http), mail (smtp, pop3), ... for testing and demos")]
struct Args {
    /// The protocol to serve: http, smtp (into a maildir at --root: see examples/common/smtp_server.rs)
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
    let config = common::ServerConfig { root, user };
    let addr = common::spawn(&args.listen, handler, config)
        .map_err(|e| format!("{}: {e}", args.listen))?;
    println!("listening on {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        std::thread::park();
    }
}
