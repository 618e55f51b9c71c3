//! FTP: RFC 959, with FEAT and OPTS (RFC 2389), EPSV and EPRT (RFC 2428),
//! MLST, MLSD, SIZE, MDTM and REST STREAM (RFC 3659), AUTH TLS on the
//! control connection (RFC 4217) and UTF8 (RFC 2640).
//!
//! - [`Client`] runs the control connection: login, the single commands,
//!   and transfers, whose data connections it plans with its caller
//!   ([`DataPlan`]: connect to an address, or listen and say where).
//!   The data itself is carried by the core's raw byte-stream machine
//!   ([`data_machine`]); the caller reports the end of the data side with
//!   [`Client::data_finished`], and a transfer completes once that and
//!   the final reply both happened, in either order.
//! - [`Server`] parses commands, keeps the login state, answers what needs
//!   no decision, and asks its application to listen, connect, move data
//!   and answer file-system commands.
//! - [`list`] parses listings (MLSD, Unix `ls -l`, DOS/IIS) without
//!   dropping a line, and writes Unix and MLSD lines.
//! - [`ops`] holds whole client exchanges as
//!   [`Operation`](crate::wire::Operation)s.
//!
//! # Security
//!
//! Every argument is checked for CR, LF and NUL before anything is sent
//! ([`ErrorKind::UnsafeArgument`]). The host in a PASV reply is ignored by
//! default and the control connection's peer is used instead
//! ([`DataTarget::Peer`], the CVE-2021-4189 class). The server refuses
//! PORT and EPRT to hosts other than the client (the bounce attack) once
//! told the peer ([`Server::set_peer`]). Plaintext behind the `234` to
//! AUTH TLS is an error in both roles.
//!
//! # In memory
//!
//! ```
//! use sanswire::ftp::{Client, Event};
//! use sanswire::wire::{Machine, Next};
//! let mut c = Client::new();
//! c.receive(b"220-Welcome\r\n odd line\r\n220 ready\r\n");
//! assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
//! c.pwd().unwrap();
//! assert_eq!(c.outbox().take_vec(), b"PWD\r\n");
//! c.receive(b"257 \"/home/a \"\"b\"\"\" is the current directory\r\n");
//! let Ok(Next::Event(Event::Directory { path, .. })) = c.poll_event() else { panic!() };
//! assert_eq!(path, "/home/a \"b\"");
//! ```

mod client;
mod command;
mod data;
mod error;
mod limits;
pub mod list;
pub mod ops;
mod reply;
mod server;

pub use client::{Client, Event, Verb};
pub use command::{Command, ParseError, TransferType};
pub use data::{
    data_machine, AsciiDecoder, AsciiEncoder, DataPlan, DataProtection, DataTarget, DATA_READ_SIZE,
};
pub use error::{Error, ErrorKind, Refusal, TransferError};
pub use limits::Limits;
pub use list::parse_mlst_reply;
pub use ops::Ftp;
pub use reply::{
    parse_epsv, parse_pasv, parse_quoted_path, quote_path, Features, Reply, Timestamp,
};
pub use server::{DataEndpoint, Event as ServerEvent, Server};
