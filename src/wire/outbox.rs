use super::codec::{CodecError, Encode, OutLayer};
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use bytes::{Buf, Bytes, BytesMut};

/// The least room the small-write buffer grows by: a response head, a
/// reply or a few command lines.
const MIN_PENDING: usize = 256;

/// A small-write buffer up to this size is kept once everything was sent,
/// so steady traffic reuses it (no allocation per message); a larger one
/// (after a large head or a long listing) is given back, so an idle
/// connection holds little.
const KEEP_PENDING: usize = 512;

/// The bytes a machine has queued for its peer.
///
/// Small protocol text (heads, command lines, chunk-size lines) is written
/// into one reused buffer; the caller's payload is queued as the
/// [`Bytes`] it came in, so framing goes *around* the caller's bytes and a
/// driver can send both with one vectored write, no copy.
///
/// Once everything was sent, the outbox keeps a small-write buffer of at
/// most 512 bytes for the next message and gives a larger one back.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::wire::Outbox;
/// let mut out = Outbox::new();
/// out.write(b"5\r\n");
/// out.push(Bytes::from_static(b"hello"));
/// out.write(b"\r\n");
/// assert_eq!(out.chunks().collect::<Vec<_>>(), [&b"5\r\n"[..], b"hello", b"\r\n"]);
/// out.advance(4);
/// assert_eq!(out.to_vec(), b"ello\r\n");
/// ```
#[derive(Debug, Default)]
pub struct Outbox {
    /// Chunks ready to go, oldest first; `pending` follows them.
    queue: VecDeque<Bytes>,
    /// Small writes since the last pushed chunk.
    pending: BytesMut,
    /// The size of the allocation `pending` writes into (what it holds
    /// alive), as of its last growth.
    pending_block: usize,
    len: usize,
    /// An encoding layer (COMPRESS, MCCP2): what is queued waits in it as
    /// plain text until [`Outbox::seal`] encodes it.
    layer: Option<Box<OutLayer>>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.plain_waiting() == 0
    }

    /// How many bytes wait to be sent (with an encoding layer, the plain
    /// bytes not sealed yet count as they are).
    pub fn len(&self) -> usize {
        self.len + self.plain_waiting()
    }

    fn plain_waiting(&self) -> usize {
        match &self.layer {
            Some(layer) => layer.plain.len(),
            None => 0,
        }
    }

    /// Encodes everything queued from now on with `encoder` (what is
    /// already queued goes out as it is): the `OK` to `COMPRESS` is written
    /// first, then the layer is pushed. Encoding happens in
    /// [`seal`](Self::seal), which drivers call before each write, so a
    /// burst of small writes is compressed (and sync-flushed) once.
    pub fn push_encoder(&mut self, encoder: Box<dyn Encode>) {
        self.layer = Some(Box::new(OutLayer::new(encoder)));
    }

    /// Ends the encoding layer's stream and takes the layer off (MCCP2's
    /// end of compression): what was queued is encoded and the stream's
    /// end written, and what is queued after goes out plain. Without a
    /// layer, nothing happens.
    pub fn pop_encoder(&mut self) -> Result<(), CodecError> {
        let Some(mut layer) = self.layer.take() else {
            return Ok(());
        };
        let encoded = layer.finish()?;
        if !encoded.is_empty() {
            self.seal_pending();
            self.len += encoded.len();
            self.queue.push_back(encoded.freeze());
        }
        Ok(())
    }

    /// Whether an encoding layer is on.
    pub fn has_encoder(&self) -> bool {
        self.layer.is_some()
    }

    /// Encodes the plain bytes the layer holds into chunks ready to send;
    /// does nothing without a layer. Drivers call it before they read
    /// [`chunks`](Self::chunks).
    pub fn seal(&mut self) -> Result<(), CodecError> {
        let Some(layer) = &mut self.layer else {
            return Ok(());
        };
        if let Some(encoded) = layer.seal()? {
            self.seal_pending();
            self.len += encoded.len();
            self.queue.push_back(encoded.freeze());
        }
        Ok(())
    }

    /// Appends protocol text (copied into a reused buffer).
    pub fn write(&mut self, bytes: &[u8]) {
        if let Some(layer) = &mut self.layer {
            layer.plain.extend_from_slice(bytes);
            return;
        }
        if self.pending.capacity() - self.pending.len() < bytes.len() {
            // While sealed chunks still share the old buffer, growing means
            // a new one: take room for many small writes (a dot or a chunk
            // size line each) at once, not one allocation per write, and
            // grow geometrically for long runs of them.
            let room = bytes
                .len()
                .max(MIN_PENDING)
                .max(self.pending.len().min(64 * 1024));
            self.pending.reserve(room);
            // Fresh or reclaimed, the data now starts the allocation.
            self.pending_block = self.pending.capacity();
        }
        self.pending.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Appends a chunk of payload without copying it.
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if let Some(layer) = &mut self.layer {
            // Encoding reads it anyway: one copy into the layer.
            layer.plain.extend_from_slice(&chunk);
            return;
        }
        self.seal_pending();
        self.len += chunk.len();
        self.queue.push_back(chunk);
    }

    /// The waiting bytes, in order, as slices for a vectored write (with an
    /// encoding layer: those sealed so far; call [`seal`](Self::seal)
    /// first).
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.queue
            .iter()
            .map(|c| &c[..])
            .chain(core::iter::once(&self.pending[..]))
            .filter(|c| !c.is_empty())
    }

    /// The first waiting slice (empty when nothing waits).
    pub fn front(&self) -> &[u8] {
        self.queue.front().map_or(&self.pending[..], |c| &c[..])
    }

    /// Marks the first `n` waiting bytes as sent. `n` beyond what waits is
    /// clamped.
    pub fn advance(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            match self.queue.front_mut() {
                Some(front) if front.len() <= n => {
                    n -= front.len();
                    self.queue.pop_front();
                }
                Some(front) => {
                    front.advance(n);
                    n = 0;
                }
                None => {
                    self.pending.advance(n);
                    n = 0;
                }
            }
        }
        self.shrink_if_sent();
    }

    /// Everything was sent: give a large small-write buffer back.
    #[inline]
    fn shrink_if_sent(&mut self) {
        if self.len == 0 && self.pending_block > KEEP_PENDING {
            self.pending = BytesMut::new();
            self.pending_block = 0;
        }
    }

    /// Takes the next chunk of waiting bytes, for drivers that hand owned
    /// buffers to their I/O layer.
    pub fn pop_chunk(&mut self) -> Option<Bytes> {
        let chunk = match self.queue.pop_front() {
            Some(c) => c,
            None if !self.pending.is_empty() => self.pending.split().freeze(),
            None => return None,
        };
        self.len -= chunk.len();
        self.shrink_if_sent();
        Some(chunk)
    }

    /// Copies every waiting byte out and empties the outbox; for tests and
    /// in-memory pairs.
    pub fn take_vec(&mut self) -> alloc::vec::Vec<u8> {
        // A failed encoder leaves its plain bytes out.
        let _ = self.seal();
        let v = self.to_vec();
        self.advance(self.len);
        v
    }

    /// Copies every waiting byte out, leaving them waiting.
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.len);
        for c in self.chunks() {
            v.extend_from_slice(c);
        }
        v
    }

    fn seal_pending(&mut self) {
        if !self.pending.is_empty() {
            self.queue.push_back(self.pending.split().freeze());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_across_writes_and_pushes() {
        let mut out = Outbox::new();
        out.write(b"a");
        out.push(Bytes::from_static(b"bc"));
        out.write(b"d");
        out.write(b"e");
        out.push(Bytes::new());
        assert_eq!(out.len(), 5);
        assert_eq!(out.to_vec(), b"abcde");
        out.advance(2);
        assert_eq!(out.front(), b"c");
        assert_eq!(out.pop_chunk().unwrap(), Bytes::from_static(b"c"));
        assert_eq!(out.pop_chunk().unwrap(), Bytes::from_static(b"de"));
        assert!(out.pop_chunk().is_none());
        assert!(out.is_empty());
    }

    #[test]
    fn a_large_write_buffer_is_given_back_once_sent() {
        let mut out = Outbox::new();
        out.write(&[b'x'; 3000]);
        out.advance(2900);
        assert!(out.pending.capacity() < KEEP_PENDING);
        out.advance(100);
        assert_eq!(out.pending.capacity(), 0);
        // A small one is kept, and reused.
        out.write(b"250 OK\r\n");
        out.advance(8);
        assert!(out.pending.capacity() > 0);
    }

    #[test]
    fn advance_past_end_is_clamped() {
        let mut out = Outbox::new();
        out.write(b"xyz");
        out.advance(100);
        assert!(out.is_empty());
        assert_eq!(out.chunks().count(), 0);
    }
}
