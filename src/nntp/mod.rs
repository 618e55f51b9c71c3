//! NNTP: RFC 3977, with STARTTLS (RFC 4642), AUTHINFO USER/PASS and SASL
//! (RFC 4643), the LIST additions of RFC 6048, and the RFC 2980 commands
//! old servers still need (XOVER, XHDR, XPAT, LIST ACTIVE.TIMES).
//!
//! - [`Client`] queues [`Command`]s and reports [`Event`]s; it knows
//!   which answers are blocks (LISTGROUP's `211` is, GROUP's is not) and
//!   hands them out an entry at a time (an [`ActiveGroup`], a piece of
//!   an article) or, for OVER, a batch at a time (the [`Overview`] lines
//!   of one receive block), as slices of the receive buffer, so a LIST
//!   ACTIVE of 100,000 groups is never collected.
//! - [`Server`] parses commands, keeps reader mode, authentication, the
//!   selected group and the current article, answers `480` and `483`
//!   itself, and encodes the application's replies (dot-stuffing blocks
//!   without copying them).
//! - [`ops`] holds whole client exchanges as
//!   [`Operation`](crate::wire::Operation)s for the typed sessions
//!   (`io::nntp::Client`).
//!
//! Article content reaches the caller byte for byte as the server sent
//! it (bytes that are not UTF-8 included); only CRLF starts a line, so
//! only `CRLF . CRLF` ends a block.
//!
//! ```
//! use sanswire::nntp::{Client, Event, Selection, Range};
//! use sanswire::wire::{Machine, Next};
//! let mut client = Client::new();
//! client.receive(b"201 no posting\r\n");
//! client.poll_event().unwrap();
//! client.over(Selection::Range(Range::Between(1, 2))).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"OVER 1-2\r\n");
//! client.receive(b"224 overview\r\n1\tHi\ta@b\tMon, 1 Jan 2024\t<1@b>\t\t10\t1\r\n.\r\n");
//! assert!(matches!(client.poll_event(), Ok(Next::Event(Event::BlockStart(_)))));
//! let Ok(Next::Event(Event::Overviews(batch))) = client.poll_event() else { panic!() };
//! let o = batch.iter().next().unwrap().unwrap();
//! assert_eq!((o.number, o.subject()), (1, &b"Hi"[..]));
//! assert_eq!(client.poll_event(), Ok(Next::Event(Event::End)));
//! ```

mod client;
mod command;
mod error;
mod limits;
pub mod ops;
mod overview;
mod reply;
mod server;

pub use client::{Client, Event};
pub use command::{raw_block_code, ArticleRef, Command, ListKind, ParseError, Range, Selection};
pub use error::{Error, ErrorKind, Refusal};
pub use limits::Limits;

pub use ops::Nntp;
pub use overview::{Overview, OverviewBatch, OverviewField, OverviewFormat, OverviewLines};
pub use reply::{ActiveGroup, Capabilities, GroupInfo, Reply};
pub use server::{Event as ServerEvent, Part, Server};

/// RFC 8054 §2.2: from the byte after the `206` on, both directions are
/// raw deflate; what was received behind it is decoded too. The layers
/// sit in the buffers, inside TLS. Without feature `deflate` the machines
/// refuse COMPRESS before it is sent or answered, so this is never
/// reached.
fn deflate_both_ways(conn: &mut crate::wire::Conn<Error>) {
    #[cfg(feature = "deflate")]
    {
        use crate::wire::{Deflate, Format, Inflate};
        use alloc::boxed::Box;
        conn.inbox.push_decoder(Box::new(Inflate::new(Format::Raw)));
        conn.outbox
            .push_encoder(Box::new(Deflate::new(Format::Raw, 6)));
    }
    #[cfg(not(feature = "deflate"))]
    let _ = conn;
}
