//! The typed IMAP client: the generic [`Session`] over [`Imap`], with its
//! methods declared once here for the blocking client and the async ones
//! (`io::tokio::imap::Client`, `io::futures::imap::Client`) alike.
//!
//! Everything IMAP lives in [`crate::imap::Client`] and
//! [`crate::imap::ops`]; each method here runs one operation. A NO or BAD
//! is [`DriveError::Refused`](super::DriveError::Refused) holding the
//! [`imap::Refusal`]; untagged data no operation owns (an EXISTS during a
//! FETCH) is kept by the driver ([`Driver::take_passed`](super::Driver::take_passed)).

#[cfg(feature = "rustls")]
use super::tls;
use super::{session_methods, Session, SessionError};
use crate::imap::ops::{self, Answer, Fetched, Selected};
use crate::imap::{
    self, Command, Data, FetchAttr, Flag, Imap, ListItem, SearchKey, SeqSet, Status, StoreMode,
};
use crate::sasl::Mechanism;
use bytes::Bytes;
use core::time::Duration;
use std::boxed::Box;
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

/// What the IMAP client's calls return (blocking and async).
pub type Result<T> = core::result::Result<T, SessionError<Imap>>;

/// A blocking IMAP client over one connection.
///
/// ```no_run
/// use sanswire::imap::{FetchAttr, SeqSet};
/// use sanswire::io::imap::Client;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut imap = Client::connect("127.0.0.1:143")?;
/// imap.login("alice", "secret")?;
/// let inbox = imap.select("INBOX")?;
/// println!("{} messages", inbox.exists);
/// for (seq, items) in imap.fetch(SeqSet::all(), vec![FetchAttr::Envelope])? {
///     println!("{seq}: {items:?}");
/// }
/// imap.logout()?;
/// # Ok(()) }
/// ```
pub type Client<S> = Session<S, Imap>;

fn greeting<'a>(_: &'a imap::Client, greeting: &'a Status) -> &'a Status {
    greeting
}

session_methods! {
    protocol: Imap;
    new() = imap::Client::new();
    get
    /// The server's greeting.
    fn greeting -> &Status = greeting;

    /// `LOGIN user pass`.
    fn login(user: &str, pass: &str) -> Status = call ops::Simple::login(user, pass);
    /// `AUTHENTICATE` with a SASL mechanism (SASL-IR when offered).
    fn authenticate[M: Mechanism + Send + 'static](mechanism: M) -> Status
        = call ops::Simple::authenticate(Box::new(mechanism));
    /// `CAPABILITY`.
    fn capability() -> Vec<Bytes> = call ops::Capability::new();
    /// `LIST reference pattern`.
    fn list(reference: &str, pattern: &str) -> Vec<ListItem> = call ops::List::new(reference, pattern);
    /// `SELECT mailbox`.
    fn select(mailbox: &str) -> Selected = call ops::Select::mailbox(mailbox);
    /// `SELECT mailbox (QRESYNC (...))`: what changed since `known`.
    fn select_qresync(mailbox: &str, known: imap::QResync) -> Selected
        = call ops::Select::qresync(mailbox, known);
    /// `SELECT mailbox (CONDSTORE)`: HIGHESTMODSEQ in the answer.
    fn select_condstore(mailbox: &str) -> Selected = call ops::Select::with(Command::Select {
        mailbox: imap::Mailbox::new(mailbox),
        condstore: true,
        qresync: None,
    });
    /// `EXAMINE mailbox` (read-only).
    fn examine(mailbox: &str) -> Selected = call ops::Select::examine(mailbox);
    /// `STATUS mailbox (items)`.
    fn status(mailbox: &str, items: &[&str]) -> Vec<(Bytes, u64)> = call ops::StatusOf::new(mailbox, items);
    /// `FETCH set items`: typed results, literals as slices of the receive buffer.
    fn fetch(set: SeqSet, items: Vec<FetchAttr>) -> Vec<Fetched> = call ops::Fetch::new(set, items, false);
    /// `UID FETCH set items`.
    fn uid_fetch(set: SeqSet, items: Vec<FetchAttr>) -> Vec<Fetched> = call ops::Fetch::new(set, items, true);
    /// `SEARCH keys`: message numbers.
    fn search(keys: Vec<SearchKey>) -> Vec<u32> = call ops::Search::new(keys, false);
    /// `UID SEARCH keys`: UIDs.
    fn uid_search(keys: Vec<SearchKey>) -> Vec<u32> = call ops::Search::new(keys, true);
    /// `[UID] STORE set [+-]FLAGS (flags)`: the FETCH answers.
    fn store(set: SeqSet, mode: StoreMode, flags: Vec<Flag>, uid: bool) -> Vec<Fetched>
        = call ops::Store::new(set, mode, flags, uid);
    /// `[UID] COPY set mailbox`: the OK (COPYUID in its code).
    fn copy(set: SeqSet, mailbox: &str, uid: bool) -> Status = call ops::Simple::copy(set, mailbox, uid);
    /// `[UID] MOVE set mailbox`.
    fn move_to(set: SeqSet, mailbox: &str, uid: bool) -> Status = call ops::Simple::move_to(set, mailbox, uid);
    /// `APPEND mailbox (flags) message`: the OK (APPENDUID in its code).
    fn append(mailbox: &str, flags: Vec<Flag>, message: Bytes) -> Status
        = call ops::Simple::append(mailbox, flags, message);
    /// `APPEND` of several messages (one command with MULTIAPPEND, else
    /// one each): the OKs.
    fn append_all(mailbox: &str, messages: Vec<imap::AppendMessage>) -> Vec<Status>
        = call ops::AppendAll::new(mailbox, messages);
    /// `LIST (selection) reference pattern RETURN (options)`
    /// (LIST-EXTENDED, RFC 5258; `STATUS (...)` as a return option with
    /// LIST-STATUS): the mailboxes, and the STATUS answers among them.
    fn list_extended(reference: &str, pattern: &str, selection: Vec<Bytes>, returns: Vec<Bytes>) -> Answer
        = call ops::Collect::new(Command::List {
            reference: imap::Mailbox::new(reference),
            pattern: imap::Mailbox::new(pattern),
            selection,
            returns,
        });
    /// `EXPUNGE`: the sequence numbers expunged.
    fn expunge() -> Vec<u32> = call ops::Expunge::new();
    /// `IDLE` until an update arrives or `limit` passes (on the machine's
    /// timer): the updates.
    fn idle(limit: Option<Duration>) -> Vec<Data> = call ops::Idle::new(limit, true);
    /// `IDLE` until an update arrives, `limit` passes, or `waker` is woken
    /// (from another thread or task; noticed within
    /// [`IdleWaker::TICK`](ops::IdleWaker::TICK)): the updates.
    fn idle_with_waker(limit: Option<Duration>, waker: ops::IdleWaker) -> Vec<Data>
        = call ops::Idle::with_waker(limit, true, waker);
    /// Any command, with every untagged answer it got.
    fn command(command: Command) -> Answer = call ops::Collect::new(command);
    /// `NOOP`: its completion (updates are passed to the driver).
    fn noop() -> Status = call ops::Simple::noop();
    /// `LOGOUT`.
    fn logout() -> Status = call ops::Simple::logout();
}

impl Client<TcpStream> {
    /// Connects over TCP (port 143) and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self> {
        Self::connect_with(addr, imap::Client::new())
    }
}

#[cfg(feature = "rustls")]
impl Client<tls::Stream<TcpStream>> {
    /// IMAPS (port 993): TCP, the TLS handshake for `host`, the greeting.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_tls_with(addr, imap::Client::new(), connector, host)
    }

    /// TCP (port 143), then STARTTLS before anything else: a server
    /// without it is [`imap::ErrorKind::TlsUnavailable`].
    pub fn connect_starttls(
        addr: impl ToSocketAddrs,
        connector: &tls::TlsConnector,
        host: &str,
    ) -> Result<Self> {
        Self::connect_starttls_with(addr, imap::Client::new(), connector, host)
    }
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl<S: super::nonblocking::AsyncIo<Family> + Unpin, Family>
    super::nonblocking::Session<S, Imap, Family>
{
    /// `IDLE` until an update arrives, `limit` passes, or `wake` completes
    /// (a channel's receive, a shutdown signal, a timer): then DONE goes
    /// at once, and the updates are given once the server completes IDLE.
    ///
    /// ```no_run
    /// # async fn demo(mut imap: sanswire::io::tokio::imap::Client<tokio::net::TcpStream>) {
    /// // Any future: here a timer; in a service, a channel's receive.
    /// let stop = tokio::time::sleep(std::time::Duration::from_secs(60));
    /// let updates = imap.idle_until(None, stop).await;
    /// # }
    /// ```
    pub async fn idle_until<F: core::future::Future<Output = ()>>(
        &mut self,
        limit: Option<Duration>,
        wake: F,
    ) -> Result<Vec<Data>> {
        let waker = ops::IdleWaker::new();
        // No tick: the machine is stepped again as soon as `wake` is.
        let idle = ops::Idle::with_waker_every(limit, true, waker.clone(), None);
        let mut run = core::pin::pin!(self.call(idle));
        let mut wake = core::pin::pin!(wake);
        let mut woken = false;
        core::future::poll_fn(|cx| {
            if !woken && core::future::Future::poll(wake.as_mut(), cx).is_ready() {
                woken = true;
                waker.wake();
            }
            core::future::Future::poll(run.as_mut(), cx)
        })
        .await
    }
}
