use super::codec::{CodecError, Decode, InLayer, DECODE_BLOCK};
use alloc::boxed::Box;
use bytes::{Bytes, BytesMut};

/// The most writable space [`Inbox::spare`] makes at once, by default.
const DEFAULT_READ: usize = 64 * 1024;

/// The first receive block of a connection, and the block it goes back
/// to when it is idle: room for a command, a reply or a browser's request
/// head, not for a bulk transfer.
const SMALL_BLOCK: usize = 4 * 1024;

/// A read at least this long (or one that fills all its room) says the
/// peer is streaming: the block is kept when the machine consumes it all.
const STREAMING_READ: usize = SMALL_BLOCK / 2;

/// A machine's receive buffer.
///
/// Drivers read from the peer straight into it ([`spare`](Self::spare), then
/// [`commit`](Self::commit)), and machines cut frames off its front as
/// [`Bytes`] ([`split_to`](Self::split_to)), so payload is never copied
/// after it lands here: events carry slices of this buffer.
///
/// # Memory follows the work
///
/// The buffer holds nothing until the first read. Its first block is small
/// (4 KiB); the next block is made as large as the read size (see
/// [`set_read_size`](Self::set_read_size)) only while reads fill all the
/// room they were given (or are long), as during a bulk transfer. When
/// every received byte has been consumed and the last read was short
/// (under 2 KiB and not filling its room: the peer stopped sending, the
/// connection is between messages), the inbox lets go of its block, so an
/// idle connection holds no receive memory at all. (After a long last read
/// the block is kept until the next short one.) The next read starts a new
/// small block: one allocation per read burst on a connection that sends
/// one message per read (see [`set_idle_release`](Self::set_idle_release)
/// to trade that for memory), none for pipelined or bulk traffic.
///
/// Writable space is zeroed when a block is made or reclaimed, never
/// before every read: the spare stays initialised past the received bytes
/// (as tokio's `ReadBuf` tracks it), so reading needs no `unsafe`.
///
/// # What an event's `Bytes` keeps alive
///
/// Frames are slices of the receive block they arrived in, sharing it by
/// reference count. Holding any of them, however short (a 10-byte header
/// value, a reply), keeps that **whole block** allocated, up to the read
/// size (64 KiB by default) after a bulk transfer; and while slices are
/// alive the inbox cannot reuse the block, so the next block is a new
/// allocation. Drop events promptly, and copy anything kept for long
/// ([`Bytes::copy_from_slice`], `to_vec`, `String::from_utf8`): then the
/// block is reused or given back, and steady-state traffic allocates
/// nothing.
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
/// assert_eq!(inbox.consumed(), 4);
/// ```
#[derive(Debug, Default)]
pub struct Inbox {
    /// `buf[..filled]` is received data; `buf[filled..]` is zeroed spare.
    buf: BytesMut,
    filled: usize,
    eof: bool,
    /// The largest block to make; 0 means the default.
    read_size: u32,
    /// The size of the last block made (0 before the first).
    block: u32,
    /// The last read filled all the room it was given: more is coming.
    streaming: bool,
    /// Bytes consumed since the inbox was made.
    consumed: u64,
    /// Keep the block when idle (see [`Inbox::set_idle_release`]).
    keep_idle: bool,
    /// Raw bytes ever committed into a decoding layer (for
    /// [`Inbox::received`]).
    raw_received: u64,
    /// A decoding layer (COMPRESS, MCCP2): received bytes wait in it raw
    /// and are decoded into `buf` as the machine asks for more.
    layer: Option<Box<InLayer>>,
    /// Where the last decoding layer's stream ended, in
    /// [`Inbox::consumed`] terms (MCCP2's end of compression).
    layer_end: Option<u64>,
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

    /// Whether the inbox holds no receive block: nothing is buffered and
    /// the last block was let go (the connection went idle, with idle
    /// release on). A driver can then wait for the next read without
    /// making one, so a parked connection holds no receive memory.
    pub fn holds_no_block(&self) -> bool {
        self.filled == 0 && self.buf.capacity() == 0 && self.layer.is_none()
    }

    /// Whether nothing received waits at all: no bytes for the machine, and
    /// none still encoded in a decoding layer. What the TLS upgrade checks.
    pub fn is_drained(&self) -> bool {
        self.filled == 0 && self.nothing_undecoded()
    }

    /// No layer, or nothing received waits in it.
    fn nothing_undecoded(&self) -> bool {
        match &self.layer {
            Some(layer) => layer.pending() == 0,
            None => true,
        }
    }

    /// How many bytes were consumed ([`split_to`](Self::split_to),
    /// [`advance`](Self::advance), [`take_all`](Self::take_all)) since the
    /// inbox was made: the stream position of [`data`](Self::data)'s
    /// first byte. Framers store positions in these terms, so they notice
    /// when the inbox was consumed by other means.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// How much receive memory the inbox holds right now (its block's
    /// room, received bytes included); 0 when idle.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Sets the largest block [`spare`](Self::spare) grows to during a
    /// bulk transfer (64 KiB by default): larger suits fast bulk
    /// transfers, smaller bounds the memory of busy connections.
    pub fn set_read_size(&mut self, bytes: usize) {
        self.read_size = bytes.clamp(1, u32::MAX as usize) as u32;
    }

    /// Whether the inbox lets go of its block when the connection is idle
    /// (on by default; see the type's docs). Off, a block is kept for the
    /// connection's life and reused in place, which saves an allocation
    /// per message on connections that send one message per read, at the
    /// price of holding the block (4 KiB, or up to the read size after a
    /// bulk transfer) while idle.
    pub fn set_idle_release(&mut self, on: bool) {
        self.keep_idle = !on;
    }

    fn read_size(&self) -> usize {
        match self.read_size {
            0 => DEFAULT_READ,
            n => n as usize,
        }
    }

    /// Writable space for at least `min` more bytes, to read into; follow
    /// with [`commit`](Self::commit). The slice may be longer than `min`:
    /// when space runs short, a new block is made (see the type's docs for
    /// its size).
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.layer.is_some() {
            // Raw bytes go to the layer; `decode_more` moves them here.
            return self.layer.as_mut().map_or(&mut [], |l| l.spare(min));
        }
        if self.buf.len() - self.filled < min {
            self.make_room(min, true);
        }
        &mut self.buf[self.filled..]
    }

    /// Makes room for `min` more bytes after the filled ones, in a block
    /// chosen as described on the type; `zero` initialises it for
    /// [`spare`](Self::spare) (copies in need not).
    #[cold]
    fn make_room(&mut self, min: usize, zero: bool) {
        let read_size = self.read_size();
        let small = SMALL_BLOCK.min(read_size);
        let last = self.block as usize;
        let block = if self.streaming {
            // Reads fill whatever they get: a bulk transfer, so grow to
            // the read size at once (one allocation, not a doubling each).
            read_size
        } else if self.filled > 0 {
            // A frame spans reads: keep the size, reuse the block.
            last.max(small)
        } else {
            small
        };
        let want = block.max(self.filled + min) - self.filled;
        // Drop the old spare so the block is not copied around with it.
        self.buf.truncate(self.filled);
        // Reuse the block in place when nothing else holds it and it is
        // big enough; otherwise take one of exactly the size wanted.
        if !self.buf.try_reclaim(want) {
            let mut fresh = BytesMut::with_capacity(self.filled + want);
            fresh.extend_from_slice(&self.buf[..self.filled]);
            self.buf = fresh;
        }
        self.block = (self.filled + want).min(u32::MAX as usize) as u32;
        // Zero what this block is made for, not all of a larger block
        // reclaimed from a bulk transfer.
        let room = (self.buf.capacity() - self.filled).min(want.max(read_size));
        if zero {
            self.buf.resize(self.filled + room, 0);
        }
    }

    /// Records that `n` bytes were written at the start of the slice last
    /// returned by [`spare`](Self::spare). `n` beyond that space is clamped.
    pub fn commit(&mut self, n: usize) {
        if let Some(layer) = &mut self.layer {
            self.raw_received += layer.commit(n) as u64;
            return;
        }
        let room = self.buf.len() - self.filled;
        let n = n.min(room);
        self.streaming = n >= STREAMING_READ || (n > 0 && n == room);
        self.filled += n;
    }

    /// How many bytes have been received in all, consumed or not.
    pub fn received(&self) -> u64 {
        self.consumed + self.filled as u64 + self.raw_received
    }

    /// Copies `data` in after the bytes already received.
    ///
    /// Unlike [`spare`](Self::spare), this never zeroes the room first, and
    /// a small piece arriving at an empty inbox that lets go of its block
    /// when idle gets a block of its own size (the allocator's small, fast
    /// sizes), not a whole small block: a block grows as described on the
    /// type only when a frame spans pieces.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        let n = data.len();
        if self.layer.is_some() {
            // Raw bytes for the decoding layer, as from a read.
            self.spare(n)[..n].copy_from_slice(data);
            self.commit(n);
            return;
        }
        let end = self.filled + n;
        if self.buf.len() >= end {
            // Initialised room (a kept or reused block): copy in.
            self.buf[self.filled..end].copy_from_slice(data);
        } else {
            if self.buf.capacity() < end {
                if self.filled == 0 && n < STREAMING_READ && !self.keep_idle {
                    self.buf = BytesMut::with_capacity(n);
                    self.block = n as u32;
                } else {
                    self.make_room(n, false);
                }
            }
            self.buf.truncate(self.filled);
            self.buf.extend_from_slice(data);
        }
        // As for reads: a piece of a bulk transfer makes the blocks grow.
        self.streaming = n >= STREAMING_READ;
        self.filled = end;
    }

    /// Cuts the first `n` received bytes off as shared, immutable [`Bytes`]
    /// (no copy). `n` beyond what was received is clamped.
    pub fn split_to(&mut self, n: usize) -> Bytes {
        let n = n.min(self.filled);
        self.filled -= n;
        self.consumed += n as u64;
        if self.filled == 0 && !self.streaming && !self.keep_idle {
            // All of it, and the block would be let go: the frame takes
            // the block itself (no shared header to allocate for a split).
            let mut block = core::mem::take(&mut self.buf);
            block.truncate(n);
            return block.freeze();
        }
        let frame = self.buf.split_to(n).freeze();
        self.release_if_idle();
        frame
    }

    /// Discards the first `n` received bytes. `n` beyond what was received
    /// is clamped.
    pub fn advance(&mut self, n: usize) {
        let n = n.min(self.filled);
        self.filled -= n;
        self.consumed += n as u64;
        if self.filled == 0 && !self.streaming && !self.keep_idle {
            self.buf = BytesMut::new();
        } else {
            // Moves the start on; no new handle to the block is made.
            bytes::Buf::advance(&mut self.buf, n);
        }
    }

    /// Everything received was consumed and the peer paused: give the
    /// block back (slices still held keep it alive until dropped).
    #[inline]
    fn release_if_idle(&mut self) {
        if self.filled == 0 && !self.streaming && !self.keep_idle {
            self.buf = BytesMut::new();
        }
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
        // Not while received bytes still wait to be decoded.
        self.eof && self.nothing_undecoded()
    }

    // --- codec layers ---

    /// Decodes everything received from now on with `decoder`, starting
    /// with the bytes already received and not consumed (those that came
    /// behind the `OK` to `COMPRESS`, for example). Decoding happens one
    /// block at a time, when the machine asks for more input
    /// ([`decode_more`](Self::decode_more)), so memory follows what the
    /// machine consumes, however well the peer's data compresses.
    pub fn push_decoder(&mut self, decoder: Box<dyn Decode>) {
        let already = self.take_all();
        self.layer = Some(Box::new(InLayer::new(decoder, &already)));
    }

    /// Where the last decoding layer's stream ended (the layer came off
    /// by itself, as MCCP2's does), in [`consumed`](Self::consumed)
    /// terms: bytes before it were decoded, bytes from it on arrived
    /// plain.
    pub fn layer_end(&self) -> Option<u64> {
        self.layer_end
    }

    /// Whether a decoding layer is on.
    pub fn has_decoder(&self) -> bool {
        self.layer.is_some()
    }

    /// The decoding layer's failure, if the peer's encoded stream was bad.
    pub fn decode_error(&self) -> Option<CodecError> {
        self.layer.as_ref().and_then(|l| l.error())
    }

    /// Decodes up to one block of what the layer holds into the buffer;
    /// `true` if anything new is there for the machine. When the encoded
    /// stream ends (MCCP2), the layer comes off and the raw bytes after it
    /// become plain received bytes. Without a layer: `false`, at once.
    pub fn decode_more(&mut self) -> bool {
        let Some(layer) = &mut self.layer else {
            return false;
        };
        let before = self.filled;
        if self.buf.len() - self.filled < DECODE_BLOCK {
            self.buf.truncate(self.filled);
            self.buf.reserve(DECODE_BLOCK);
            self.buf.resize(self.filled + DECODE_BLOCK, 0);
        }
        let end = self.filled + DECODE_BLOCK;
        let (written, finished) = layer.decode(&mut self.buf[self.filled..end]);
        self.filled += written;
        if finished {
            self.layer_end = Some(self.consumed + self.filled as u64);
            let rest = layer.take_rest();
            self.layer = None;
            self.buf.truncate(self.filled);
            self.buf.extend_from_slice(&rest);
            self.filled += rest.len();
            return true;
        }
        self.filled > before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

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

    /// What a driver does: a read into the spare room.
    fn read(inbox: &mut Inbox, data: &[u8]) {
        inbox.spare(data.len())[..data.len()].copy_from_slice(data);
        inbox.commit(data.len());
    }

    #[test]
    fn a_small_piece_copied_in_gets_a_block_of_its_size() {
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"EHLO x\r\n");
        assert_eq!(inbox.capacity(), 8);
        // A frame that spans pieces gets a small block.
        inbox.extend_from_slice(b"MAIL");
        assert_eq!(inbox.capacity(), SMALL_BLOCK);
        assert_eq!(inbox.data(), b"EHLO x\r\nMAIL");
        inbox.advance(12);
        assert_eq!(inbox.capacity(), 0);
        // Large pieces are a bulk transfer, as for reads: the block stays.
        inbox.extend_from_slice(&[b'x'; 3000]);
        inbox.advance(3000);
        assert_eq!(inbox.capacity(), SMALL_BLOCK - 3000);
        assert_eq!(inbox.consumed(), 3012);
    }

    #[test]
    fn starts_small_grows_while_streaming_and_lets_go_when_idle() {
        let mut inbox = Inbox::new();
        assert_eq!(inbox.capacity(), 0);
        read(&mut inbox, b"EHLO x\r\n");
        assert_eq!(inbox.capacity(), SMALL_BLOCK);
        assert!(!inbox.holds_no_block());
        let line = inbox.split_to(8);
        // Consumed and the peer paused: the block goes (the line keeps it).
        assert_eq!(inbox.capacity(), 0);
        assert!(inbox.holds_no_block());
        assert_eq!(&line[..], b"EHLO x\r\n");
        // Reads that fill their room make the blocks grow, to the read size.
        inbox.set_read_size(32 * 1024);
        let mut sizes = Vec::new();
        for _ in 0..6 {
            let n = inbox.spare(1024).len();
            inbox.commit(n);
            sizes.push(n);
            inbox.advance(n);
        }
        assert_eq!(sizes, [4096, 32768, 32768, 32768, 32768, 32768]);
        // A short read, all consumed: idle again, nothing held.
        inbox.spare(1)[0] = b'x';
        inbox.commit(1);
        inbox.advance(1);
        assert_eq!(inbox.capacity(), 0);
        assert_eq!(inbox.consumed(), 8 + 4096 + 5 * 32768 + 1);
    }

    #[test]
    fn idle_release_can_be_turned_off() {
        let mut inbox = Inbox::new();
        inbox.set_idle_release(false);
        inbox.extend_from_slice(b"NOOP\r\n");
        let at = inbox.data().as_ptr() as usize;
        inbox.advance(6);
        assert_eq!(inbox.capacity(), SMALL_BLOCK - 6);
        inbox.extend_from_slice(b"QUIT\r\n");
        assert_eq!(inbox.data().as_ptr() as usize, at + 6);
    }

    #[test]
    fn a_block_is_reused_in_place_once_its_slices_are_gone() {
        let mut inbox = Inbox::new();
        read(&mut inbox, &[1; 1500]);
        drop(inbox.split_to(1490));
        let before = inbox.data().as_ptr() as usize - 1490;
        read(&mut inbox, &[2; 3000]);
        assert_eq!(inbox.data().as_ptr() as usize, before);
        assert_eq!(inbox.capacity(), SMALL_BLOCK);
        assert_eq!(inbox.data()[..10], [1; 10]);
        assert_eq!(inbox.data()[10..], [2; 3000]);
    }
}
