//! Gopher: RFC 1436, Gopher+ (the `+`, `!` and `$` requests, `+INFO`,
//! `+ADMIN` and `+VIEWS` attribute blocks, the `+-1`, `+-2` and `+N` data
//! headers), and gopher URLs (RFC 4266, with `gophers://` for TLS as
//! curl has it).
//!
//! - [`Client`] sends one [`Request`] per connection and reads the answer
//!   as typed menu [`Item`]s, unstuffed text, or raw bytes; selectors and
//!   queries holding TAB, CR, LF or NUL are refused before anything is
//!   sent.
//! - [`Server`] reads the request line (bounded) and encodes the answer:
//!   menus from [`MenuBuilder`] (which refuses TAB, CR and LF in display
//!   strings and selectors), dot-stuffed text, binaries, Gopher+ headers
//!   and attribute blocks ([`AttributesBuilder`]).
//! - [`MenuLines`] and [`parse_menu`] parse whole menus held in memory,
//!   leniently: LF-only lines, a missing final `.`, `i` lines with missing
//!   fields, trailing tabs, the Gopher+ `+` field, bytes that are not
//!   UTF-8.
//! - [`GopherUrl`] parses and writes URLs; [`ops`] holds whole exchanges
//!   for any driver; `io::gopher::Client` is the blocking session.
//!
//! # What real servers send
//!
//! gophernicus leaves the final `.` off text files and pygopherd off
//! menus: the client takes the server's close as the end of a text or a
//! menu. Menus with bare LF line ends (gophermaps served as they are) are
//! read as menus. A server that does not speak Gopher+ answers a `+`
//! request without a header line: the client reads the answer as it
//! comes.
//!
//! # In memory
//!
//! ```
//! use bytes::Bytes;
//! use sanswire::gopher::{Body, Client, Event, Request, Server, ServerEvent};
//! use sanswire::wire::{Machine, Next};
//! let mut client = Client::new();
//! let mut server = Server::new();
//! client.get(&Request::new("/hello.txt"), Body::Text).unwrap();
//! server.receive(&client.outbox().take_vec());
//! let Ok(Next::Event(ServerEvent::Request(req))) = server.poll_event() else { panic!() };
//! assert_eq!(&req.selector[..], b"/hello.txt");
//! server.send_text(Bytes::from_static(b".profile\n")).unwrap();
//! server.finish().unwrap();
//! client.receive(&server.outbox().take_vec());
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::Data(Bytes::from_static(b".profile\r\n")))));
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::End)));
//! ```

mod client;
mod error;
mod item;
mod limits;
pub mod ops;
mod plus;
mod request;
mod server;
mod url;

pub use client::{Client, Event, CLIENT_TIMEOUT};
pub use error::{Error, ErrorKind, Refusal};
pub use item::{parse_menu, Body, Item, ItemRef, ItemType, Menu, MenuBuilder, MenuLine, MenuLines};
pub use limits::Limits;
pub use ops::Gopher;
pub use plus::{parse_attributes, Attribute, AttributesBuilder, DataHeader, Length, View};
pub use request::{Plus, Request};
pub use server::{Event as ServerEvent, Server, SERVER_TIMEOUT};
pub use url::{percent_decode, GopherUrl, DEFAULT_PORT};
