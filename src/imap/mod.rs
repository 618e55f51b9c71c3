//! IMAP: IMAP4rev1 (RFC 3501) and IMAP4rev2 (RFC 9051) in both roles, with
//! LITERAL+/LITERAL- (RFC 7888), IDLE (2177), SASL-IR (4959), ENABLE
//! (5161), UIDPLUS (4315), MOVE (6851), NAMESPACE (2342), ID (2971),
//! ESEARCH (4731), CONDSTORE/QRESYNC (7162) data, UTF8=ACCEPT (6855),
//! SPECIAL-USE (6154) attributes, BINARY (3516) and the COMPRESS=DEFLATE
//! (4978) switch point.
//!
//! - [`Framer`] splits the stream into whole messages (lines joined by
//!   literals) before anything is parsed; a literal's size is checked
//!   against [`Limits`] when it is announced.
//! - [`Response`] and [`Command`] hold the one parser and the one encoder
//!   of each direction, shared by both roles.
//! - [`Client`] generates tags, matches completions, sends synchronising
//!   literals after the server's `+` (through the core's command queue),
//!   runs IDLE on the core's timer and STARTTLS; [`Server`] parses
//!   commands with their literals, keeps the connection state and encodes
//!   responses.
//! - [`ops`] holds whole client exchanges as
//!   [`Operation`](crate::wire::Operation)s for the typed sessions.
//!
//! ```
//! use sanswire::imap::{Client, Command, Event, Mailbox, Server, ServerEvent, StatusKind};
//! use sanswire::wire::{Machine, Next};
//! let mut server = Server::new("ready");
//! let mut client = Client::new();
//! client.receive(&server.outbox().take_vec());
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Greeting(_)))));
//! client.login("alice", "secret").unwrap();
//! client.send(Command::Create(Mailbox::new("Entwürfe"))).unwrap();
//! server.receive(&client.outbox().take_vec());
//! let Ok(Next::Event(ServerEvent::Command { tag, .. })) = server.poll_event() else { panic!() };
//! server.complete(&tag, StatusKind::Ok, None, "logged in").unwrap();
//! let Ok(Next::Event(ServerEvent::Command { tag, command })) = server.poll_event() else { panic!() };
//! assert_eq!(command, Command::Create(Mailbox::new("Entwürfe")));
//! server.complete(&tag, StatusKind::Ok, None, "created").unwrap();
//! client.receive(&server.outbox().take_vec());
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Done(s))) if s.is_ok()));
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Done(s))) if s.is_ok()));
//! ```

mod client;
mod command;
mod error;
mod frame;
mod limits;
pub mod ops;
mod response;
mod server;
mod syntax;
mod types;
mod utf7;

pub use client::{Client, Event, IdleWaker, State};
pub use command::{command_tag, AppendMessage, Command, FetchAttr, QResync, SearchKey, StoreMode};
pub use error::{Error, ErrorKind, Refusal};
pub use frame::{Framed, Framer, Literal};
pub use limits::Limits;
pub use ops::Imap;
pub use response::{
    Address, BodyStructure, Code, Continue, Data, ESearch, Envelope, FetchItem, IdParams, ListItem,
    Namespaces, Response, SingleKind, Status, StatusKind,
};
pub use server::{Event as ServerEvent, Server};
pub use types::{Date, Flag, Mailbox, SeqSet, Value, MONTHS};
pub use utf7::{utf7_decode, utf7_encode};
