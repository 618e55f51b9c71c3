use super::headers::Headers;
use super::request::Request;
use super::response::Response;
use bytes::Bytes;

/// What a [`Client`](super::Client) or [`Server`](super::Server) hands out
/// from `poll_event`, one at a time.
///
/// A message is its head event, any number of `Data`, possibly `Trailers`,
/// then `End` — always `End`, even when there is no body. Informational
/// (1xx) responses are a `Response` alone, with no `End`; so are a 101 and
/// a 2xx to CONNECT, after which the machine hands the connection off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Server: a request head.
    Request(Request),
    /// Client: a response head, 1xx informational ones included (each its
    /// own event).
    Response(Response),
    /// Body bytes (dechunked), slices of the receive buffer.
    Data(Bytes),
    /// Chunked trailers, before `End`.
    Trailers(Headers),
    /// The current message's body is complete.
    End,
    /// The peer closed cleanly between messages.
    Closed,
}
