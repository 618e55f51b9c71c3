//! Telnet: RFC 854 and 855 (the NVT, commands, option negotiation) with
//! RFC 1143's Q method, so negotiation cannot loop, and the options
//! people use: BINARY (856), ECHO (857), SGA (858), TTYPE (1091), NAWS
//! (1073), TSPEED (1079), LINEMODE MODE and FORWARDMASK (1184),
//! NEW-ENVIRON (1572), EOR (885), XDISPLOC (1096), and the MUD world's
//! GMCP, MSDP, MSSP and MCCP2 (compression of the server's stream, with
//! feature `deflate`, through the core's codec layers).
//!
//! - [`Telnet`] is the machine, for either end; [`Client`] and [`Server`]
//!   are it with each role's default [`Policy`] per option.
//! - Received bytes become [`Event`]s: data as slices of the receive
//!   buffer (found with memchr, so plain data is not looked at byte by
//!   byte), commands, option changes, subnegotiations (bounded by
//!   [`Limits`]).
//! - Answers to the peer's negotiation are queued as they are read;
//!   drivers send them before they wait again, with no call of yours.
//! - It is a [`ByteMachine`](crate::wire::ByteMachine), so
//!   `io::ByteStream` (blocking), `io::nonblocking::ByteStream` (tokio,
//!   futures-io) and `io::duplex` (blocking, both ways at once) give a
//!   `Read + Write` over it with the negotiation taken care of.
//! - [`sub`] parses and builds the subnegotiation payloads. What a peer
//!   sends there is untrusted: see CVE-2026-24061, a server that passed
//!   NEW-ENVIRON's `USER` to `login`.
//!
//! ```
//! use sanswire::telnet::{option, Client, Command, Event, Side};
//! use sanswire::wire::{Machine, Next};
//! let mut client = Client::new();
//! client.receive(b"\xff\xfb\x01Password: \xff\xf9");
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::Enabled { option: option::ECHO, side: Side::Remote })));
//! assert_eq!(client.outbox().take_vec(), b"\xff\xfd\x01"); // DO ECHO, answered at once
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Data(d))) if &d[..] == b"Password: "));
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::Command(Command::GoAhead))));
//! client.send_data(b"s\xffcret\r\n").unwrap();
//! assert_eq!(client.outbox().take_vec(), b"s\xff\xffcret\r\n");
//! ```

mod command;
mod decode;
mod encode;
mod error;
mod limits;
mod machine;
pub mod ops;
mod qmethod;
pub mod sub;

pub use command::{option, Command, DO, DONT, IAC, SB, SE, WILL, WONT};
pub use error::{Error, ErrorKind};
pub use limits::Limits;
pub use machine::{Client, ClientRole, Event, Role, Server, ServerRole, Telnet};
pub use ops::TelnetClient;
pub use qmethod::{Policy, QState, Side};
