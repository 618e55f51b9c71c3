//! The typed NNTP client, the everyday subset of Python's `nntplib`: the
//! generic [`Session`] over [`Nntp`], its methods declared once here for
//! the blocking client and the async ones alike.
//!
//! Everything NNTP lives in [`crate::nntp::Client`] and
//! [`crate::nntp::ops`]; each method here runs one operation. A `4xx` or
//! `5xx` answer is [`DriveError::Refused`](super::DriveError::Refused)
//! holding the [`nntp::Refusal`], after which the
//! session goes on.

#[cfg(feature = "rustls")]
use super::tls;
use super::{session_methods, Session, SessionError};
use crate::nntp::{self, ops, ActiveGroup, ArticleRef, Capabilities, Command, Event, GroupInfo};
use crate::nntp::{ListKind, Nntp, Overview, OverviewFormat, Range, Reply, Selection};
use crate::sasl::Mechanism;
use bytes::Bytes;
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the NNTP client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Nntp>>;

/// A blocking NNTP client over one connection.
///
/// ```no_run
/// use sanswire::io::nntp::Client;
/// use sanswire::nntp::{Range, Selection};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut news = Client::connect("127.0.0.1:119")?;
/// let group = news.group("misc.test")?;
/// for o in news.over(Selection::Range(Range::From(group.low)))? {
///     println!("{}\t{}", o.number, String::from_utf8_lossy(o.subject()));
/// }
/// news.quit()?;
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, Nntp>;

fn greeting<'a>(_: &'a nntp::Client, greeting: &'a Reply) -> &'a Reply {
    greeting
}

fn date_of(reply: Reply) -> Bytes {
    reply.text
}

fn bytes(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

session_methods! {
    protocol: Nntp;
    new() = nntp::Client::new();
    get
    /// The server's greeting.
    fn greeting -> &Reply = greeting;

    /// `CAPABILITIES`.
    fn capabilities() -> Capabilities = call ops::GetCapabilities::default();
    /// `MODE READER`.
    fn mode_reader() -> Reply = call ops::Exchange::mode_reader();
    /// `AUTHINFO USER` and `AUTHINFO PASS`.
    fn login(user: &str, pass: &str) -> Reply = call ops::Login::new(user, pass);
    /// `AUTHINFO SASL` with a mechanism.
    fn auth[M: Mechanism + Send + 'static](mechanism: M) -> Reply = call ops::Auth::new(mechanism);
    /// `GROUP name`: selects it.
    fn group(name: &str) -> GroupInfo = call ops::Exchange::group(name);
    /// `LISTGROUP group [range]`: the article numbers.
    fn listgroup(name: &str, range: Option<Range>) -> Vec<u64>
        = call ops::Collect::numbers(Command::ListGroup { group: Some(bytes(name)), range });
    /// `OVER`: the overview of the selected articles, collected.
    fn over(selection: Selection) -> Vec<Overview> = call ops::Collect::over(selection);
    /// `XOVER range` (RFC 2980 servers), collected.
    fn xover(range: Range) -> Vec<Overview> = call ops::Collect::over_command(Command::XOver(Some(range)));
    /// Starts any block (OVER, LIST, a raw command, ...): read its entries
    /// with `next_entry` until `None`.
    fn start_block(command: Command) -> Reply = call ops::Exchange::start_block(command);
    /// The next entry of the block being received.
    fn next_entry() -> Option<Event> = run ops::NextEntry;
    /// `ARTICLE`: header and body, byte for byte.
    fn article(which: ArticleRef) -> Vec<u8> = call ops::Collect::article(which);
    /// `HEAD`.
    fn head(which: ArticleRef) -> Vec<u8> = call ops::Collect::content(Command::Head(which));
    /// `BODY`.
    fn body(which: ArticleRef) -> Vec<u8> = call ops::Collect::content(Command::Body(which));
    /// `STAT`: (number, message-id).
    fn stat(which: ArticleRef) -> (u64, Bytes) = call ops::Exchange::select(Command::Stat(which));
    /// `NEXT`: (number, message-id).
    fn next_article() -> (u64, Bytes) = call ops::Exchange::select(Command::Next);
    /// `LAST`: (number, message-id).
    fn last_article() -> (u64, Bytes) = call ops::Exchange::select(Command::Last);
    /// `POST`: the article (header, blank line, body), sent dot-stuffed.
    fn post(article: Bytes) -> Reply = call ops::Exchange::post(article);
    /// `IHAVE <id>` with the article.
    fn ihave(message_id: &str, article: Bytes) -> Reply = call ops::Exchange::ihave(message_id, article);
    /// `LIST ACTIVE [wildmat]`.
    fn list(wildmat: Option<&str>) -> Vec<ActiveGroup>
        = call ops::Collect::active(Command::List { kind: ListKind::Active, argument: wildmat.map(bytes) });
    /// `LIST NEWSGROUPS [wildmat]`: (name, description).
    fn descriptions(wildmat: Option<&str>) -> Vec<(Bytes, Bytes)> = call ops::Collect::newsgroups(wildmat);
    /// `LIST OVERVIEW.FMT`, read: the names of the extra overview fields.
    fn overview_format() -> OverviewFormat
        = call ops::Collect::lines(Command::List { kind: ListKind::OverviewFmt, argument: None });
        map OverviewFormat::parse;
    /// `LIST OVERVIEW.FMT`, `LIST HEADERS`, ... : the lines.
    fn list_lines(kind: ListKind) -> Vec<Bytes>
        = call ops::Collect::lines(Command::List { kind, argument: None });
    /// `NEWGROUPS date time GMT`.
    fn newgroups(date: &str, time: &str) -> Vec<ActiveGroup>
        = call ops::Collect::active(Command::NewGroups { date: bytes(date), time: bytes(time), gmt: true });
    /// `NEWNEWS wildmat date time GMT`: message-ids.
    fn newnews(wildmat: &str, date: &str, time: &str) -> Vec<Bytes>
        = call ops::Collect::lines(Command::NewNews {
            wildmat: bytes(wildmat), date: bytes(date), time: bytes(time), gmt: true });
    /// `HDR field selection`: (article, value).
    fn hdr(field: &str, selection: Selection) -> Vec<(Bytes, Bytes)>
        = call ops::Collect::pairs(Command::Hdr { field: bytes(field), selection });
    /// `DATE`: `yyyymmddhhmmss`.
    fn date() -> Bytes = call ops::Exchange::date(); map date_of;
    /// `HELP`: the lines.
    fn help() -> Vec<Bytes> = call ops::Collect::lines(Command::Help);
    /// Any command line (curl's `-X`); a block that follows is read with
    /// `next_entry`.
    fn raw(line: &str) -> Reply = call ops::Exchange::raw(line);
    /// `COMPRESS DEFLATE` (RFC 8054, feature `deflate`): both directions
    /// deflated from the `206` on.
    fn compress() -> Reply = call ops::Exchange::simple(Command::Compress(Bytes::from_static(b"DEFLATE")));
    /// `QUIT`.
    fn quit() -> Reply = call ops::Exchange::quit();
}

impl Client<TcpStream> {
    /// Connects over TCP and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, nntp::Client::new())
    }
}

#[cfg(feature = "rustls")]
impl Client<tls::Stream<TcpStream>> {
    /// NNTPS (port 563): TCP, the TLS handshake for `host`, the greeting.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_tls_with(addr, nntp::Client::new(), connector, host)
    }

    /// TCP (port 119), then STARTTLS before anything else: a server
    /// without it is [`nntp::ErrorKind::TlsUnavailable`].
    pub fn connect_starttls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_starttls_with(addr, nntp::Client::new(), connector, host)
    }
}
