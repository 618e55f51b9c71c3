use bytes::{Bytes, BytesMut};

/// How much writable space [`Inbox::spare`] makes at once, by default.
const DEFAULT_READ: usize = 64 * 1024;

/// A machine's receive buffer.
///
/// Drivers read from the peer straight into it ([`spare`](Self::spare), then
/// [`commit`](Self::commit)), and machines cut frames off its front as
/// [`Bytes`] ([`split_to`](Self::split_to)), so payload is never copied
/// after it lands here: events carry slices of this buffer.
///
/// Writable space is kept zeroed-and-initialised past the received bytes,
/// so reading into it needs no `unsafe` and space is zeroed only when it
/// is first handed out, not before every read.
///
/// ```
/// use sanswire::wire::Inbox;
/// let mut inbox = Inbox::new();
/// let space = inbox.spare(5);
/// space[..5].copy_from_slice(b"hello");
/// inbox.commit(5);
/// assert_eq!(inbox.data(), b"hello");
/// assert_eq!(&inbox.split_to(4)[..], b"hell");
/// assert_eq!(inbox.data(), b"o");
/// ```
#[derive(Debug, Default)]
pub struct Inbox {
    /// `buf[..filled]` is received data; `buf[filled..]` is zeroed spare.
    buf: BytesMut,
    filled: usize,
    eof: bool,
    /// How much spare to make when it runs short; 0 means the default.
    read_size: usize,
    /// Every byte ever committed, for telling "something arrived" cheaply.
    received: u64,
}

impl Inbox {
    /// An empty receive buffer; it allocates on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// The received bytes not yet consumed by the machine.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    /// How many received bytes are not yet consumed.
    pub fn len(&self) -> usize {
        self.filled
    }

    /// Whether every received byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// Sets how much writable space [`spare`](Self::spare) makes when it
    /// runs short (64 KiB by default): larger suits bulk transfers, smaller
    /// suits many idle connections.
    pub fn set_read_size(&mut self, bytes: usize) {
        self.read_size = bytes.max(1);
    }

    /// Writable space for at least `min` more bytes, to read into; follow
    /// with [`commit`](Self::commit). The slice may be longer than `min`:
    /// when space runs short, the read size (see
    /// [`set_read_size`](Self::set_read_size)) is made at once.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.buf.len() - self.filled < min {
            let read_size = if self.read_size == 0 {
                DEFAULT_READ
            } else {
                self.read_size
            };
            let want = min.max(read_size);
            // Drop the old spare so `reserve` does not copy zeros around.
            self.buf.truncate(self.filled);
            self.buf.reserve(want);
            self.buf.resize(self.filled + want, 0);
        }
        &mut self.buf[self.filled..]
    }

    /// Records that `n` bytes were written at the start of the slice last
    /// returned by [`spare`](Self::spare). `n` beyond that space is clamped.
    pub fn commit(&mut self, n: usize) {
        let before = self.filled;
        self.filled = (self.filled + n).min(self.buf.len());
        self.received += (self.filled - before) as u64;
    }

    /// How many bytes have been received in all, consumed or not.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Copies `data` in after the bytes already received.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        let n = data.len();
        self.spare(n)[..n].copy_from_slice(data);
        self.commit(n);
    }

    /// Cuts the first `n` received bytes off as shared, immutable [`Bytes`]
    /// (no copy). `n` beyond what was received is clamped.
    pub fn split_to(&mut self, n: usize) -> Bytes {
        let n = n.min(self.filled);
        self.filled -= n;
        self.buf.split_to(n).freeze()
    }

    /// Discards the first `n` received bytes. `n` beyond what was received
    /// is clamped.
    pub fn advance(&mut self, n: usize) {
        let n = n.min(self.filled);
        self.filled -= n;
        let _ = self.buf.split_to(n);
    }

    /// Takes every unconsumed byte, for the next protocol after a hand-off.
    pub fn take_all(&mut self) -> Bytes {
        self.split_to(self.filled)
    }

    /// Marks that the peer closed its sending side.
    pub fn set_eof(&mut self) {
        self.eof = true;
    }

    /// Whether the peer has closed its sending side.
    pub fn is_eof(&self) -> bool {
        self.eof
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_commit_and_split() {
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"abc");
        inbox.extend_from_slice(b"def");
        assert_eq!(inbox.data(), b"abcdef");
        let a = inbox.split_to(2);
        inbox.advance(1);
        assert_eq!(&a[..], b"ab");
        assert_eq!(inbox.data(), b"def");
        assert_eq!(inbox.take_all(), Bytes::from_static(b"def"));
        assert!(inbox.is_empty());
    }

    #[test]
    fn clamps_instead_of_panicking() {
        let mut inbox = Inbox::new();
        let n = inbox.spare(1).len();
        inbox.commit(n + 10);
        assert_eq!(inbox.len(), n);
        inbox.advance(usize::MAX);
        assert!(inbox.is_empty());
        assert!(inbox.split_to(3).is_empty());
    }

    #[test]
    fn grows_when_spare_runs_out() {
        let mut inbox = Inbox::new();
        let big = [7u8; 200_000];
        inbox.extend_from_slice(&big);
        inbox.extend_from_slice(&big);
        assert_eq!(inbox.len(), 400_000);
        assert!(inbox.data().iter().all(|&b| b == 7));
    }
}
