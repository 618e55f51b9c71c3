//! Codec layers that start in the middle of a stream: IMAP and NNTP
//! `COMPRESS=DEFLATE` (RFC 4978, RFC 8054) and Telnet's MCCP2, whose
//! compressed stream can end and hand the bytes after it back as plain text.
//!
//! A layer sits inside the machine's buffers, not in the stream: the
//! [`Inbox`](super::Inbox) keeps the received bytes raw and decodes them
//! only when the machine asks for more input, one block at a time, so a
//! small compressed message cannot blow up memory (a decompression bomb
//! meets the machine's own limits one block after another); the
//! [`Outbox`](super::Outbox) compresses what the machine queued when the
//! driver comes to send it ([`Outbox::seal`](super::Outbox::seal)). Being
//! inside the buffers also puts compression inside TLS, and keeps it
//! `no_std`. Without a layer nothing changes and nothing is copied.
//!
//! Decoding is deterministic: the same bytes, cut any way, decode to the
//! same stream. On a corrupt stream the machine fails with
//! [`CommonError::BadCompression`](super::CommonError::BadCompression);
//! how much was handed out before that depends on the cut, as with any
//! content that streams out before a fatal error.

use alloc::boxed::Box;
use bytes::{Buf, BytesMut};
use core::fmt;

/// What one call of [`Decode::decode`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decoded {
    /// Input bytes used.
    pub consumed: usize,
    /// Output bytes written.
    pub written: usize,
    /// The encoded stream ended (MCCP2's end of compression): what follows
    /// the consumed input is plain again, and the layer comes off.
    pub finished: bool,
}

/// Why a layer failed: the peer sent a corrupt or truncated stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecError(pub &'static str);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad compressed stream: {}", self.0)
    }
}

impl core::error::Error for CodecError {}

/// Decodes a received stream (inflate, for example).
pub trait Decode: Send + fmt::Debug {
    /// Decodes from `input` into `output`; may use less than all of either.
    /// Called again while it makes progress.
    fn decode(&mut self, input: &[u8], output: &mut [u8]) -> Result<Decoded, CodecError>;
}

/// Encodes a stream to send (deflate, for example).
pub trait Encode: Send + fmt::Debug {
    /// Encodes all of `input` and flushes, appending to `output`, so the
    /// peer can decode everything sent so far (deflate's sync flush): called
    /// each time the driver is about to write.
    fn encode(&mut self, input: &[u8], output: &mut BytesMut) -> Result<(), CodecError>;

    /// Ends the encoded stream (MCCP2's end of compression), appending
    /// what ends it to `output`; what is sent after is plain. The default
    /// writes nothing.
    fn finish(&mut self, output: &mut BytesMut) -> Result<(), CodecError> {
        let _ = output;
        Ok(())
    }
}

/// The decoded output made per step: a block, so memory follows what the
/// machine consumes.
pub(crate) const DECODE_BLOCK: usize = 16 * 1024;

/// An [`Inbox`](super::Inbox)'s decoding layer: the raw bytes received and
/// not decoded yet, and the decoder.
#[derive(Debug)]
pub(crate) struct InLayer {
    decoder: Box<dyn Decode>,
    /// `raw[..filled]` is received, not yet decoded; the rest is spare.
    raw: BytesMut,
    filled: usize,
    error: Option<CodecError>,
}

impl InLayer {
    pub(crate) fn new(decoder: Box<dyn Decode>, already: &[u8]) -> Self {
        let mut raw = BytesMut::with_capacity(already.len().max(DECODE_BLOCK));
        raw.extend_from_slice(already);
        InLayer {
            decoder,
            filled: raw.len(),
            raw,
            error: None,
        }
    }

    /// Space to read raw bytes into.
    pub(crate) fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.raw.len() - self.filled < min {
            self.raw.truncate(self.filled);
            self.raw.reserve(min.max(DECODE_BLOCK));
            let room = self.raw.capacity();
            self.raw.resize(room, 0);
        }
        &mut self.raw[self.filled..]
    }

    pub(crate) fn commit(&mut self, n: usize) -> usize {
        let n = n.min(self.raw.len() - self.filled);
        self.filled += n;
        n
    }

    /// Received bytes not decoded yet.
    pub(crate) fn pending(&self) -> usize {
        self.filled
    }

    pub(crate) fn error(&self) -> Option<CodecError> {
        self.error
    }

    /// Decodes into `out`; returns what was written and whether the
    /// encoded stream ended (the raw bytes left are then plain text, in
    /// [`take_rest`](Self::take_rest)).
    pub(crate) fn decode(&mut self, out: &mut [u8]) -> (usize, bool) {
        if self.error.is_some() {
            return (0, false);
        }
        match self.decoder.decode(&self.raw[..self.filled], out) {
            Ok(d) => {
                let used = d.consumed.min(self.filled);
                self.raw.advance(used);
                self.filled -= used;
                (d.written.min(out.len()), d.finished)
            }
            Err(e) => {
                self.error = Some(e);
                (0, false)
            }
        }
    }

    /// The raw bytes after the end of the encoded stream.
    pub(crate) fn take_rest(&mut self) -> BytesMut {
        self.raw.truncate(self.filled);
        self.filled = 0;
        core::mem::take(&mut self.raw)
    }
}

/// An [`Outbox`](super::Outbox)'s encoding layer: plain bytes queued since
/// the last seal, and the encoder.
#[derive(Debug)]
pub(crate) struct OutLayer {
    encoder: Box<dyn Encode>,
    pub(crate) plain: BytesMut,
}

impl OutLayer {
    pub(crate) fn new(encoder: Box<dyn Encode>) -> Self {
        OutLayer {
            encoder,
            plain: BytesMut::new(),
        }
    }

    /// Encodes what is queued; `None` if nothing was.
    pub(crate) fn seal(&mut self) -> Result<Option<BytesMut>, CodecError> {
        if self.plain.is_empty() {
            return Ok(None);
        }
        let mut out = BytesMut::with_capacity(self.plain.len() / 2 + 64);
        self.encoder.encode(&self.plain, &mut out)?;
        self.plain.clear();
        Ok(Some(out))
    }

    /// Encodes what is queued and ends the stream.
    pub(crate) fn finish(&mut self) -> Result<BytesMut, CodecError> {
        let mut out = self.seal()?.unwrap_or_default();
        self.encoder.finish(&mut out)?;
        Ok(out)
    }
}

#[cfg(feature = "deflate")]
pub use self::deflate::{Deflate, Format, Inflate};

#[cfg(feature = "deflate")]
mod deflate {
    use super::{CodecError, Decode, Decoded, Encode};
    use alloc::boxed::Box;
    use bytes::BytesMut;
    use core::fmt;
    use miniz_oxide::deflate::core::CompressorOxide;
    use miniz_oxide::inflate::stream::InflateState;
    use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

    /// Which wrapping the deflate stream has.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Format {
        /// Raw deflate (RFC 1951), as IMAP and NNTP `COMPRESS=DEFLATE` use.
        Raw,
        /// zlib-wrapped (RFC 1950), as Telnet's MCCP2 uses; the stream
        /// ends with its checksum, and what follows is plain text.
        Zlib,
    }

    impl Format {
        fn data_format(self) -> DataFormat {
            match self {
                Format::Raw => DataFormat::Raw,
                Format::Zlib => DataFormat::Zlib,
            }
        }
    }

    /// Inflate (miniz_oxide), a [`Decode`] layer (feature `deflate`).
    pub struct Inflate {
        state: Box<InflateState>,
    }

    impl Inflate {
        /// A decoder for a stream of `format`.
        pub fn new(format: Format) -> Self {
            Inflate {
                state: InflateState::new_boxed(format.data_format()),
            }
        }
    }

    impl fmt::Debug for Inflate {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Inflate")
        }
    }

    impl Decode for Inflate {
        fn decode(&mut self, input: &[u8], output: &mut [u8]) -> Result<Decoded, CodecError> {
            let r = miniz_oxide::inflate::stream::inflate(
                &mut self.state,
                input,
                output,
                MZFlush::None,
            );
            let finished = match r.status {
                Ok(MZStatus::StreamEnd) => true,
                Ok(_) => false,
                // No progress possible: more input is needed, or more room.
                Err(MZError::Buf) => false,
                Err(_) => return Err(CodecError("inflate failed")),
            };
            Ok(Decoded {
                consumed: r.bytes_consumed,
                written: r.bytes_written,
                finished,
            })
        }
    }

    /// Deflate (miniz_oxide) with a sync flush after every seal, an
    /// [`Encode`] layer (feature `deflate`).
    pub struct Deflate {
        compressor: Box<CompressorOxide>,
    }

    impl Deflate {
        /// An encoder of `format` at compression `level` (0 to 10; 6 is
        /// zlib's default).
        pub fn new(format: Format, level: u8) -> Self {
            let mut compressor = Box::<CompressorOxide>::default();
            compressor.set_format_and_level(format.data_format(), level.min(10));
            Deflate { compressor }
        }
    }

    impl fmt::Debug for Deflate {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Deflate")
        }
    }

    impl Encode for Deflate {
        fn encode(&mut self, mut input: &[u8], output: &mut BytesMut) -> Result<(), CodecError> {
            loop {
                let start = output.len();
                let room = input.len() / 2 + 256;
                output.resize(start + room, 0);
                let r = miniz_oxide::deflate::stream::deflate(
                    &mut self.compressor,
                    input,
                    &mut output[start..],
                    MZFlush::Sync,
                );
                output.truncate(start + r.bytes_written);
                input = &input[r.bytes_consumed..];
                match r.status {
                    Ok(_) | Err(MZError::Buf) => {}
                    Err(_) => return Err(CodecError("deflate failed")),
                }
                // Done once all input is in and the flush fitted in the
                // room; a full room may hide more flush output.
                if input.is_empty() && r.bytes_written < room {
                    return Ok(());
                }
            }
        }

        fn finish(&mut self, output: &mut BytesMut) -> Result<(), CodecError> {
            loop {
                let start = output.len();
                output.resize(start + 256, 0);
                let r = miniz_oxide::deflate::stream::deflate(
                    &mut self.compressor,
                    &[],
                    &mut output[start..],
                    MZFlush::Finish,
                );
                output.truncate(start + r.bytes_written);
                match r.status {
                    Ok(MZStatus::StreamEnd) => return Ok(()),
                    Ok(_) | Err(MZError::Buf) => {}
                    Err(_) => return Err(CodecError("deflate failed")),
                }
            }
        }
    }
}

#[cfg(all(test, feature = "deflate"))]
mod tests {
    use super::*;
    use crate::wire::{CommonError, Inbox, Machine, Next, Outbox, Raw, RawEvent};
    use alloc::vec::Vec;

    fn text(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| alloc::format!("* {i} FETCH (FLAGS (\\Seen))\r\n").into_bytes())
            .collect()
    }

    fn deflate(format: Format, data: &[u8]) -> Vec<u8> {
        let mut out = Outbox::new();
        out.push_encoder(Box::new(Deflate::new(format, 6)));
        out.write(data);
        out.take_vec()
    }

    /// Drains a Raw machine to its end of stream, feeding `wire` in
    /// `piece`-byte reads; returns the data and the largest inbox seen.
    fn drain(raw: &mut Raw, wire: &[u8], piece: usize) -> (Vec<u8>, usize) {
        let mut got = Vec::new();
        let mut most = 0;
        let mut reads = wire.chunks(piece);
        loop {
            most = most.max(raw.inbox().len());
            match raw.poll_event().unwrap() {
                Next::Event(RawEvent::Data(d)) => got.extend_from_slice(&d),
                Next::Event(RawEvent::End) => return (got, most),
                Next::NeedInput => match reads.next() {
                    Some(r) => raw.receive(r),
                    None => raw.receive_eof(),
                },
                Next::Paused => panic!("paused"),
            }
        }
    }

    #[test]
    fn bytes_behind_the_ok_are_decoded_in_any_chunking() {
        let plain = text(2000);
        let mut wire = b"A1 OK DEFLATE active\r\n".to_vec();
        wire.extend(deflate(Format::Raw, &plain));
        for piece in [1, 7, 1500, wire.len()] {
            let mut inbox = Inbox::new();
            // The first read holds the OK line and compressed bytes behind it.
            let first = piece.max(24).min(wire.len());
            inbox.extend_from_slice(&wire[..first]);
            let ok = inbox.split_to(22);
            assert_eq!(&ok[..], b"A1 OK DEFLATE active\r\n");
            let mut raw = Raw::new();
            raw.inbox().extend_from_slice(inbox.data());
            raw.inbox()
                .push_decoder(Box::new(Inflate::new(Format::Raw)));
            let (got, _) = drain(&mut raw, &wire[first..], piece);
            assert_eq!(got, plain, "piece {piece}");
        }
    }

    #[test]
    fn a_decompression_bomb_is_decoded_one_block_at_a_time() {
        let bomb = alloc::vec![b'A'; 8 << 20];
        let wire = deflate(Format::Raw, &bomb);
        assert!(wire.len() < 64 * 1024);
        let mut raw = Raw::new();
        raw.inbox()
            .push_decoder(Box::new(Inflate::new(Format::Raw)));
        let (got, most) = drain(&mut raw, &wire, 4096);
        assert_eq!(got.len(), bomb.len());
        assert!(most <= DECODE_BLOCK, "the inbox held {most} bytes");
    }

    #[test]
    fn a_finished_zlib_stream_hands_the_rest_back_as_plain_text() {
        // MCCP2: the server ends compression; what follows is plain.
        let mut out = Outbox::new();
        let mut encoder = miniz_oxide::deflate::compress_to_vec_zlib(b"compressed part ", 6);
        encoder.extend_from_slice(b"and plain after");
        out.write(&encoder);
        let wire = out.take_vec();
        for piece in [1, 5, wire.len()] {
            let mut raw = Raw::new();
            raw.inbox()
                .push_decoder(Box::new(Inflate::new(Format::Zlib)));
            let (got, _) = drain(&mut raw, &wire, piece);
            assert_eq!(got, b"compressed part and plain after", "piece {piece}");
            assert!(!raw.inbox().has_decoder());
        }
    }

    #[test]
    fn a_corrupt_stream_is_a_typed_error() {
        let mut raw = Raw::new();
        raw.inbox()
            .push_decoder(Box::new(Inflate::new(Format::Zlib)));
        raw.receive(b"\xff\xff\xff\xff not zlib at all");
        assert_eq!(raw.poll_event(), Err(CommonError::BadCompression));
        assert!(raw.is_closed());
    }

    #[test]
    fn what_was_queued_before_the_encoder_goes_out_plain() {
        let mut out = Outbox::new();
        out.write(b"A1 OK DEFLATE active\r\n");
        out.push_encoder(Box::new(Deflate::new(Format::Raw, 6)));
        out.write(b"* 1 EXISTS\r\n");
        out.push(bytes::Bytes::from_static(b"* 2 EXISTS\r\n"));
        assert!(!out.is_empty());
        out.seal().unwrap();
        out.write(b"* 3 EXISTS\r\n");
        let wire = out.take_vec();
        assert!(out.is_empty());
        assert!(wire.starts_with(b"A1 OK DEFLATE active\r\n"));
        // Sync-flushed, not finished: everything sent can be decoded now.
        let mut raw = Raw::new();
        raw.inbox()
            .push_decoder(Box::new(Inflate::new(Format::Raw)));
        let (inflated, _) = drain(&mut raw, &wire[22..], 3);
        assert_eq!(inflated, b"* 1 EXISTS\r\n* 2 EXISTS\r\n* 3 EXISTS\r\n");
    }
}
