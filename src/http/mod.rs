//! HTTP/1.1 (RFC 9110, RFC 9112): a [`Client`] and a [`Server`] machine.
//!
//! Both implement [`wire::Machine`](crate::wire::Machine): put received
//! bytes in, poll [`Event`]s out, send heads and bodies through
//! `send_*` calls, and write out what the outbox holds.
//!
//! ```
//! use sanswire::http::{Client, Event, Request, Response, Server};
//! use sanswire::wire::{Machine, Next};
//! let (mut client, mut server) = (Client::new(), Server::new());
//! client.send_request(&Request::new("POST", "/echo")
//!     .with_header("Host", "example.org")
//!     .with_header("Transfer-Encoding", "chunked"))?;
//! client.send_data("hello".into())?;
//! client.send_end(None)?;
//! server.receive(&client.outbox().take_vec());
//! let mut body = Vec::new();
//! while let Next::Event(event) = server.poll_event()? {
//!     match event {
//!         Event::Request(req) => assert_eq!(req.target(), b"/echo"),
//!         Event::Data(d) => body.extend_from_slice(&d),
//!         _ => {}
//!     }
//! }
//! assert_eq!(body, b"hello");
//! server.send_response(&Response::new(200))?; // chunked is added
//! server.send_data(body.into())?;
//! server.send_end(None)?;
//! client.receive(&server.outbox().take_vec());
//! let Next::Event(Event::Response(resp)) = client.poll_event()? else { panic!() };
//! assert_eq!(resp.headers().get("transfer-encoding"), Some(&b"chunked"[..]));
//! assert_eq!(client.poll_event()?, Next::Event(Event::Data("hello".into())));
//! assert_eq!(client.poll_event()?, Next::Event(Event::End));
//! # Ok::<(), sanswire::http::Error>(())
//! ```
//!
//! # How it is built
//!
//! - **Frame, then parse.** The end of a head is found by scanning only new
//!   bytes with `memchr` (line endings, field count and size limits are
//!   checked on the way); the complete head is then parsed once with
//!   `httparse`. Method, target, names and values are slices of the
//!   receive buffer: a [`Headers`] holds the frozen head and the positions
//!   of up to 24 fields inline, so a warm server does not allocate per
//!   request.
//! - **Strict against smuggling.** Each rule of RFC 9112 §6 that request
//!   smuggling abuses is its own [`ErrorKind`]: `Content-Length` with
//!   `Transfer-Encoding`, conflicting or malformed `Content-Length`,
//!   non-chunked final codings in requests, malformed chunk sizes, anything
//!   but CRLF after chunk data, bare CR/LF, control characters in values,
//!   whitespace before the colon, obs-fold. Leniencies are named fields of
//!   [`Limits`], all off.
//! - **Framing around the caller's bytes.** Chunk-size lines and CRLFs are
//!   written around body [`Bytes`](bytes::Bytes) queued in the outbox,
//!   never copied.
//! - **Checked before written.** CR, LF, NUL and other controls in any
//!   method, target, name, value or reason, and non-token methods and
//!   names, are refused with a [`Fault::Local`](crate::wire::Fault::Local)
//!   error and nothing is written.

mod body;
mod client;
mod encode;
mod error;
mod event;
mod headers;
mod limits;
pub mod ops;
mod parse;
mod request;
mod response;
mod server;

pub use client::Client;
pub use error::{Error, ErrorKind};
pub use event::Event;
pub use headers::Headers;
pub use limits::Limits;
pub use ops::Http;
pub use request::{Request, Version};
pub use response::{canonical_reason, Response};
pub use server::{Server, DISCARD_LIMIT};
