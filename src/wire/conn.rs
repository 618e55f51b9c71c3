//! The connection core every machine is built on: both buffers, the sticky
//! error, the transport change in progress, the close state and the timer.
//! What used to be written once per machine (and had started to drift
//! between them) is written here once, and [`Machine`](super::Machine)'s
//! provided methods read it.

use super::{CommonError, Inbox, Instant, Outbox, Sticky, Transport};
use core::time::Duration;

/// The state every machine shares, whatever its protocol.
///
/// A machine holds one `Conn` and hands it out through
/// [`Machine::conn`](super::Machine::conn) and
/// [`Machine::conn_mut`](super::Machine::conn_mut); the trait's provided
/// methods then give every protocol the same answers to "may I still
/// send?", "is TLS due?", "has the peer been silent too long?", so these
/// rules cannot differ from one protocol to the next.
///
/// The buffers are public fields so that a machine's step can borrow the
/// inbox and the outbox at the same time as its own fields.
///
/// ```
/// use sanswire::wire::{CommonError, Conn, Transport};
/// let mut conn: Conn<CommonError> = Conn::new();
/// conn.request_tls();
/// assert_eq!(conn.transport(), Transport::StartTls);
/// // Plaintext that arrived behind the go-ahead poisons the connection.
/// conn.inbox.extend_from_slice(b"injected");
/// assert!(!conn.finish_tls());
/// assert_eq!(conn.error(), Some(&CommonError::PlaintextAfterUpgrade));
/// assert_eq!(conn.transport(), Transport::Same);
/// assert!(conn.is_closed());
/// ```
#[derive(Debug)]
pub struct Conn<E> {
    /// What the peer sent and the machine has not consumed yet.
    pub inbox: Inbox,
    /// What the machine has queued for the peer.
    pub outbox: Outbox,
    error: Sticky<E>,
    upgrade: Transport,
    tls: bool,
    sending: bool,
    receiving: bool,
    send_shut_down: bool,
    timer: Timer,
}

/// The one timer of a connection: how long the peer may stay silent while
/// the machine waits for it.
#[derive(Debug, Default, Clone, Copy)]
struct Timer {
    /// The longest silence allowed while the machine needs input.
    limit: Option<Duration>,
    /// The driver's latest reading of its clock.
    now: Instant,
    /// When the machine began to wait for input, if it is waiting.
    waiting_since: Option<Instant>,
    /// How many bytes had arrived when the clock was last read.
    seen: u64,
    /// The longest a message (a command line, a request head) may take to
    /// arrive once its first bytes are in, however the peer spaces them.
    message_limit: Option<Duration>,
    /// Since when a message has been incomplete in the inbox, if one is.
    partial_since: Option<Instant>,
    /// When the work under way must be done, whatever the peer does.
    hard: Option<Instant>,
}

impl<E> Default for Conn<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Conn<E> {
    /// Fresh buffers, no error, open both ways, no timer.
    pub fn new() -> Self {
        Conn {
            inbox: Inbox::new(),
            outbox: Outbox::new(),
            error: Sticky::new(),
            upgrade: Transport::Same,
            tls: false,
            sending: true,
            receiving: true,
            send_shut_down: false,
            timer: Timer::default(),
        }
    }

    /// Like [`new`](Self::new), with a timeout (see
    /// [`set_timeout`](Self::set_timeout)).
    pub fn with_timeout(limit: Duration) -> Self {
        let mut conn = Self::new();
        conn.set_timeout(Some(limit));
        conn
    }

    // --- the sticky error ---

    /// The stored error, if the connection has failed.
    pub fn error(&self) -> Option<&E> {
        self.error.get()
    }

    /// Whether the connection has failed.
    pub fn has_failed(&self) -> bool {
        self.error.is_set()
    }

    /// Stores `error` (the first one wins) and stops both directions:
    /// after an error only the machine's last words, already queued, go
    /// out.
    pub fn fail(&mut self, error: E) {
        self.error.set(error);
        self.stop();
    }

    // --- transport changes ---

    /// The machine has sent (client: received) the go-ahead for TLS: the
    /// driver must run the handshake before anything else.
    pub fn request_tls(&mut self) {
        self.upgrade = Transport::StartTls;
    }

    /// The machine is done with the stream (HTTP 101, CONNECT): what it
    /// received and did not consume stays in the inbox for the next
    /// protocol, and it reads no more.
    pub fn hand_off(&mut self) {
        self.upgrade = Transport::HandOff;
        self.receiving = false;
    }

    /// What must happen to the stream before the machine can go on;
    /// always [`Transport::Same`] once the connection has failed.
    pub fn transport(&self) -> Transport {
        if self.error.is_set() {
            Transport::Same
        } else {
            self.upgrade
        }
    }

    /// Whether the machine handed the stream over (see
    /// [`hand_off`](Self::hand_off)).
    pub fn is_handed_off(&self) -> bool {
        self.upgrade == Transport::HandOff
    }

    /// Whether TLS was established on this connection by an in-band
    /// upgrade.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether the handshake asked for by [`request_tls`](Self::request_tls)
    /// is still due.
    pub fn tls_pending(&self) -> bool {
        self.upgrade == Transport::StartTls && !self.error.is_set()
    }

    // --- closing ---

    /// The machine will send nothing more once the outbox is empty (QUIT
    /// answered, `Connection: close`, a Gopher response written); the
    /// driver may shut its sending side down then.
    pub fn close_send(&mut self) {
        self.sending = false;
    }

    /// The machine will read nothing more.
    pub fn close_recv(&mut self) {
        self.receiving = false;
    }

    /// Both directions are done.
    pub fn stop(&mut self) {
        self.sending = false;
        self.receiving = false;
    }

    /// Whether the machine may still queue bytes for the peer.
    pub fn may_send(&self) -> bool {
        self.sending && !self.error.is_set()
    }

    /// Whether the machine still reads from the peer.
    pub fn may_recv(&self) -> bool {
        self.receiving && !self.error.is_set()
    }

    /// Whether the conversation is over both ways (or failed).
    pub fn is_closed(&self) -> bool {
        !self.may_send() && !self.may_recv()
    }

    /// Whether the driver should shut its sending side down now: the
    /// machine sends no more, its last bytes are out, and it has not been
    /// done yet.
    pub fn wants_shutdown(&self) -> bool {
        !self.sending && !self.send_shut_down && self.outbox.is_empty()
    }

    /// The driver shut its sending side down.
    pub fn shutdown_sent(&mut self) {
        self.send_shut_down = true;
    }

    // --- time ---

    /// How long the peer may stay silent while the machine waits for it
    /// (`None`: forever). Counted from the moment the machine began to
    /// wait, so a server that takes its time to answer is not counted
    /// against the client.
    pub fn set_timeout(&mut self, limit: Option<Duration>) {
        self.timer.limit = limit;
    }

    /// The silence allowed, as set by [`set_timeout`](Self::set_timeout).
    pub fn timeout(&self) -> Option<Duration> {
        self.timer.limit
    }

    /// The driver's clock. Bytes that arrived since the last reading end
    /// the current wait.
    pub fn set_now(&mut self, now: Instant) {
        self.timer.now = now;
        let received = self.inbox.received();
        if received != self.timer.seen {
            self.timer.seen = received;
            self.timer.waiting_since = None;
        }
    }

    /// The latest clock reading.
    pub fn now(&self) -> Instant {
        self.timer.now
    }

    /// The machine asked for input (`true`) or handed out something else
    /// (`false`): the wait starts at the first ask, and any progress ends
    /// it.
    pub fn note_waiting(&mut self, waiting: bool) {
        if !waiting {
            self.timer.waiting_since = None;
            // An event came out: whatever is still buffered is a new
            // message, timed from the next wait.
            self.timer.partial_since = None;
            return;
        }
        if self.timer.waiting_since.is_none() {
            self.timer.waiting_since = Some(self.timer.now);
            self.timer.seen = self.inbox.received();
        }
        // Waiting with bytes in the inbox: a message has begun and is not
        // whole yet.
        if self.inbox.is_drained() {
            self.timer.partial_since = None;
        } else if self.timer.partial_since.is_none() {
            self.timer.partial_since = Some(self.timer.now);
        }
    }

    /// How long one message (a command line, a request head) may take to
    /// arrive once it has begun (`None`: no limit). The silence timeout
    /// ([`set_timeout`](Self::set_timeout)) starts again with every byte,
    /// so without this a peer sending one byte at a time (slowloris) holds
    /// the connection forever.
    pub fn set_message_timeout(&mut self, limit: Option<Duration>) {
        self.timer.message_limit = limit;
    }

    /// The time allowed per message, as set by
    /// [`set_message_timeout`](Self::set_message_timeout).
    pub fn message_timeout(&self) -> Option<Duration> {
        self.timer.message_limit
    }

    /// A point in time by which the work under way must be done, however
    /// the peer spaces its bytes (`None`: none): a driver's
    /// whole-operation timeout, or a user's time limit on a transfer
    /// (curl's `-m`). Past it, [`Machine::handle_timeout`] fails the
    /// connection with `TimedOut`, with the machine's last words, as the
    /// silence timeout does.
    ///
    /// [`Machine::handle_timeout`]: super::Machine::handle_timeout
    pub fn set_deadline(&mut self, at: Option<Instant>) {
        self.timer.hard = at;
    }

    /// The point set by [`set_deadline`](Self::set_deadline).
    pub fn hard_deadline(&self) -> Option<Instant> {
        self.timer.hard
    }

    /// When the wait times out, if the machine is waiting and has a limit.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.may_recv() {
            return None;
        }
        let waits = self.wait_deadline();
        match (waits, self.timer.hard) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The silence and message timeouts' deadline.
    fn wait_deadline(&self) -> Option<Instant> {
        let silence = self
            .timer
            .waiting_since
            .zip(self.timer.limit)
            .map(|(since, limit)| since + limit);
        let message = self
            .timer
            .partial_since
            .zip(self.timer.message_limit)
            .map(|(since, limit)| since + limit)
            .filter(|_| self.timer.waiting_since.is_some());
        match (silence, message) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the wait has timed out at `now`.
    pub fn timed_out(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }
}

impl<E: Clone> Conn<E> {
    /// `Err` with the stored error if the connection has failed.
    pub fn check(&self) -> Result<(), E> {
        self.error.check()
    }
}

impl<E: From<CommonError>> Conn<E> {
    /// The TLS handshake completed: `true` if the machine should go on
    /// over TLS. Bytes received before it are plaintext an attacker put
    /// behind the go-ahead (CVE-2011-0411): the connection fails with
    /// [`CommonError::PlaintextAfterUpgrade`] and this returns `false`.
    /// Also `false` when no upgrade was due.
    pub fn finish_tls(&mut self) -> bool {
        if !self.tls_pending() {
            return false;
        }
        self.upgrade = Transport::Same;
        if !self.inbox.is_drained() {
            self.fail(CommonError::PlaintextAfterUpgrade.into());
            return false;
        }
        self.tls = true;
        true
    }
}
