//! Sans-IO state machines for the classic Internet protocols.
//!
//! Each protocol has a `Client` and a `Server` machine. Bytes received go
//! in; typed events come out; typed commands or replies go in; bytes to
//! transmit come out. The machines own no sockets, threads, clocks or
//! async runtime, so the same code serves a tokio service, a hand-rolled
//! epoll loop, a fuzzer or a small device. Every machine implements
//! [`wire::Machine`], so one driver per I/O model serves them all.
//!
//! | module | protocol |
//! | --- | --- |
//! | [`http`] | HTTP/1.1 (RFC 9110, RFC 9112) |
//! | [`smtp`] | SMTP (RFC 5321) and LMTP (RFC 2033), client and server |
//! | [`pop3`] | POP3 (RFC 1939, RFC 2449, RFC 2595, RFC 5034, RFC 6856) |
//! | [`gopher`] | Gopher (RFC 1436, Gopher+, RFC 4266 URLs), client and server |
//! | [`nntp`] | NNTP (RFC 3977, RFC 4642, RFC 4643, RFC 6048, RFC 2980), client and server |
//! | [`imap`] | IMAP4rev1 and IMAP4rev2 (RFC 3501, RFC 9051, LITERAL+, IDLE, UIDPLUS, MOVE, ESEARCH, CONDSTORE, ...) |
//! | [`ftp`] | FTP (RFC 959, RFC 2389, RFC 2428, RFC 3659, RFC 4217), client and server |
//! | [`sasl`] | SASL mechanisms shared by the mail protocols (RFC 4422) |
//! | [`telnet`] | Telnet (RFC 854, 855, 1143) with the common options, GMCP, MSDP, MSSP, MCCP2 |
//!
//! # Features
//! - `std` (default): the blocking driver in [`io`]. Without it the crate is
//!   `#![no_std]` with `alloc`.
//! - `tokio`, `futures-io`: the async driver, typed sessions and byte
//!   streams for every protocol, over each runtime's I/O traits.
//! - `rustls`: TLS (`io::tls`): implicit TLS and the generic STARTTLS
//!   upgrade; `tokio-rustls` and `futures-rustls` add the same for the
//!   async drivers.
//! - `deflate`: `wire::Inflate` and `wire::Deflate` codec layers for
//!   `COMPRESS=DEFLATE` and MCCP2 (no_std with alloc).
//!
//! # Cost
//!
//! Received payload is not copied after it lands in a machine's receive
//! buffer: heads, lines and body chunks are `bytes::Bytes` slices of it
//! (one held keeps its receive block alive; see [`wire::Inbox`]). Messages
//! that follow each other (pipelined, or a stream) allocate nothing each;
//! a connection that goes idle gives its receive block back and takes a
//! new one with the next message, unless told to keep it
//! ([`wire::Inbox::set_idle_release`]). An idle connection holds under
//! 1 KiB, its struct included (`tests/idle_memory.rs`: `http::Server` 872
//! B after a request and its answer, `smtp::Client` 994 B after EHLO).
//! Beside the peer crates, on the same bytes in one process (peer time
//! over ours, medians of alternating runs of `cargo bench --bench ratios`
//! on the machines the README's Performance section names):
//!
//! | work | peer | ratio |
//! | --- | --- | --- |
//! | a browser GET through `http::Server`, with a 204 answer | `httparse::Request::parse` | 0.50x-0.57x |
//! | 1,000 pipelined GETs | `httparse` over the stream | 0.53x-0.61x |
//! | SMTP DATA, 1 MiB through `smtp::Server` | smtp-proto `DataReceiver::ingest` | 1.55x (AVX2) to 2.18x (AVX-512) |
//! | a 13-line Postfix EHLO reply into typed capabilities | smtp-proto `EhloResponse::parse` | 1.03x-1.09x |
#![no_std]
// One scoped exception: `wire::dot` calls its block pass compiled for
// AVX-512BW or AVX2 after a runtime check of the CPU, and each pass's one
// unaligned load reads a borrowed array (see the SAFETY comments there).
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod ftp;
pub mod gopher;
pub mod http;
pub mod imap;
#[cfg(feature = "std")]
pub mod io;
pub mod nntp;
pub mod pop3;
pub mod sasl;
pub mod smtp;
pub mod telnet;
pub mod wire;

/// The README's example, compiled and run as a doc test so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
