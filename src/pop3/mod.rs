//! POP3: RFC 1939, with CAPA, PIPELINING, RESP-CODES and AUTH-RESP-CODE
//! (RFC 2449, RFC 3206), STLS (RFC 2595), SASL AUTH (RFC 5034) and UTF8
//! (RFC 6856).
//!
//! - [`Client`] queues [`Command`]s and reports one [`Event`] per command;
//!   messages stream out as [`Event::Data`] slices of the receive buffer.
//! - [`Server`] parses commands, enforces the AUTHORIZATION, TRANSACTION
//!   and UPDATE states, and encodes the application's answers
//!   (dot-stuffing messages without copying them).
//! - [`Command`] and [`Response`] hold the one encoder and the one parser
//!   both roles share.
//! - [`ops`] holds whole client exchanges (login, STAT, RETR, ...) as
//!   [`Operation`](crate::wire::Operation)s, run by any driver; the
//!   blocking `sanswire::io::pop3::Client` is a thin layer over them.
//!
//! # Thin drivers
//!
//! All reply interpretation lives in the machines, so a blocking or async
//! client is a loop that waits for the one event completing its command.
//! A poplib-like `retr` over the crate's blocking driver:
//!
//! ```no_run
//! use sanswire::io::Driver;
//! use sanswire::pop3::{Client, Event};
//! use std::net::TcpStream;
//!
//! fn retr(pop: &mut Driver<TcpStream, Client>, msg: u32) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
//!     pop.machine().retr(msg)?;
//!     let mut content = Vec::new();
//!     loop {
//!         match pop.next_event()? {
//!             Some(Event::Data(piece)) => content.extend_from_slice(&piece),
//!             Some(Event::MessageEnd { .. }) => return Ok(content),
//!             Some(Event::Err(r)) => return Err(String::from_utf8_lossy(&r.text).into()),
//!             _ => {} // MessageStart; earlier pipelined commands' events
//!         }
//!     }
//! }
//! ```
//!
//! # Strictness
//!
//! Both machines accept only CRLF line ends on protocol lines, and a
//! message block ends only at `CRLF . CRLF`. Message content reaches the
//! client's caller byte for byte as the server stored it (bare LFs, NULs
//! and bytes that are not UTF-8 included); the server normalises line
//! ends to CRLF when it sends, so a dot after any kind of line start is
//! stuffed.
//!
//! # In memory
//!
//! ```
//! use sanswire::pop3::{Client, Event};
//! use sanswire::wire::{Machine, Next};
//! let mut client = Client::new();
//! client.receive(b"+OK POP3 ready\r\n");
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
//! client.retr(1).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"RETR 1\r\n");
//! client.receive(b"+OK 9 octets\r\n..dot\r\nhi\r\n.\r\n");
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::MessageStart { msg: 1, .. }))));
//! let Ok(Next::Event(Event::Data(data))) = client.poll_event() else { panic!() };
//! assert_eq!(&data[..], b".dot\r\nhi\r\n");
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::MessageEnd { msg: 1 })));
//! ```

mod apop;
mod client;
mod command;
mod error;
mod limits;
pub mod ops;
mod response;
mod server;

pub use apop::{apop_digest, apop_verify};
pub use client::{raw_expects_block, Client, Event};
pub use command::{Command, ParseError};
pub use error::{Error, ErrorKind, Refusal};
pub use limits::{Limits, MAX_COMMAND_LINE};
pub use ops::Pop3;
pub use response::{Capabilities, Capability, Response, ResponseCode, Status};
pub use server::top_of;
pub use server::{Event as ServerEvent, Server, State};
