//! The receive side: a Telnet byte stream cut into data, commands,
//! negotiation and subnegotiation, straight out of the receive buffer.

use super::command::{IAC, SB, SE};
use crate::wire::Inbox;
use alloc::vec::Vec;
use bytes::Bytes;

const CR: u8 = b'\r';

/// One piece of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// Data, unescaped, as a slice of the receive buffer.
    Data(Bytes),
    /// `IAC` and a command byte (not negotiation, not SB).
    Command(u8),
    /// `IAC WILL|WONT|DO|DONT option`.
    Verb(u8, u8),
    /// `IAC SB option payload IAC SE`, the payload unescaped.
    Sub(u8, Bytes),
}

/// The subnegotiation is longer than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong;

/// The decoder's memory between reads: where a subnegotiation's scan
/// stopped, and whether a CR ended the last data.
#[derive(Debug, Default, Clone)]
pub(crate) struct Decoder {
    /// Offset in the inbox up to which the subnegotiation at its front was
    /// scanned (0: none under way).
    sb_scanned: usize,
    /// The subnegotiation under way holds `IAC IAC` (its payload must be
    /// copied to unescape it).
    sb_escaped: bool,
    /// The last data byte handed out was a CR outside binary mode: a NUL
    /// right after it is the NVT's padding and is dropped.
    after_cr: bool,
    /// A two-byte command (`IAC GA`, `IAC NOP`, ...) that ended the data
    /// run handed out last, already taken from the inbox: the next item.
    /// A MUD prompt is data then GA; this reads both in one scan.
    pending: Option<u8>,
}

impl Decoder {
    /// The command read together with the last data run, if any.
    #[inline]
    pub(crate) fn take_pending(&mut self) -> Option<Item> {
        self.pending.take().map(Item::Command)
    }

    /// The next piece at the front of `inbox`, or `None` until more
    /// arrives. `binary`: the peer sends in BINARY mode, so CR NUL is
    /// data. Garbage never desynchronises it: a stray `IAC SE` is
    /// dropped, and an `IAC` with anything but `IAC` or `SE` inside a
    /// subnegotiation ends it (unfinished, dropped) and is read as a
    /// command, as libtelnet does.
    #[inline]
    pub(crate) fn next(
        &mut self,
        inbox: &mut Inbox,
        binary: bool,
        max_sub: usize,
    ) -> Result<Option<Item>, TooLong> {
        if let Some(item) = self.take_pending() {
            return Ok(Some(item));
        }
        loop {
            let data = inbox.data();
            let Some(&first) = data.first() else {
                return Ok(None);
            };
            if core::mem::take(&mut self.after_cr) && first == 0 && !binary {
                inbox.advance(1);
                continue;
            }
            if first != IAC {
                return Ok(Some(Item::Data(self.data(inbox, binary, 0))));
            }
            let Some(&second) = data.get(1) else {
                return Ok(None);
            };
            match second {
                IAC => {
                    // An escaped 0xFF: the second one starts the next data
                    // run, in place, so the run goes on past it.
                    inbox.advance(1);
                    return Ok(Some(Item::Data(self.data(inbox, binary, 1))));
                }
                251..=254 => {
                    let Some(&option) = data.get(2) else {
                        return Ok(None);
                    };
                    inbox.advance(3);
                    return Ok(Some(Item::Verb(second, option)));
                }
                SB => match self.sub(inbox, max_sub)? {
                    Scan::Done(item) => return Ok(Some(item)),
                    Scan::More => return Ok(None),
                    Scan::Aborted => continue,
                },
                SE => inbox.advance(2),
                code => {
                    inbox.advance(2);
                    return Ok(Some(Item::Command(code)));
                }
            }
        }
    }

    /// Data up to the next IAC (and, outside binary mode, up to a CR NUL,
    /// whose NUL is dropped), scanned from `from` (1 when the first byte
    /// is the second IAC of an escape). One memchr pass finds the IAC,
    /// and outside binary mode the NUL too; nothing is copied. A run that
    /// ends in `IAC IAC` takes the first IAC as its last byte and drops
    /// the second, so an escaped 0xFF costs no event of its own.
    #[inline]
    fn data(&mut self, inbox: &mut Inbox, binary: bool, from: usize) -> Bytes {
        let data = inbox.data();
        let mut from = from;
        let run = loop {
            let found = if binary {
                memchr::memchr(IAC, &data[from..])
            } else {
                memchr::memchr2(IAC, 0, &data[from..])
            };
            let Some(at) = found.map(|i| from + i) else {
                break data.len();
            };
            if data[at] == IAC {
                break at;
            }
            // A NUL: the NVT's padding after a CR (dropped), else data.
            if at > 0 && data[at - 1] == CR {
                let piece = inbox.split_to(at);
                inbox.advance(1);
                return piece;
            }
            from = at + 1;
        };
        match data.get(run + 1) {
            Some(&IAC) => {
                let piece = inbox.split_to(run + 1);
                inbox.advance(1);
                return piece;
            }
            // A plain command: not negotiation, SB or a stray SE.
            Some(&code) if code < SB && code != SE => {
                let piece = inbox.split_to(run);
                inbox.advance(2);
                self.pending = Some(code);
                return piece;
            }
            _ => {}
        }
        // A CR that ends what has arrived may have its NUL in the next read.
        self.after_cr = !binary && run == data.len() && data.last() == Some(&CR);
        inbox.split_to(run)
    }

    /// Scans the subnegotiation at the front of the inbox, resuming where
    /// the last scan stopped.
    fn sub(&mut self, inbox: &mut Inbox, max_sub: usize) -> Result<Scan, TooLong> {
        let data = inbox.data();
        if data.len() < 3 {
            return Ok(Scan::More);
        }
        let option = data[2];
        let mut from = self.sb_scanned.max(3);
        loop {
            let Some(at) = memchr::memchr(IAC, &data[from..]).map(|i| from + i) else {
                return self.pause(data.len(), max_sub);
            };
            match data.get(at + 1) {
                None => return self.pause(at, max_sub),
                Some(&IAC) => {
                    self.sb_escaped = true;
                    from = at + 2;
                }
                Some(&SE) => {
                    let escaped = core::mem::take(&mut self.sb_escaped);
                    self.sb_scanned = 0;
                    if at - 3 > max_sub {
                        return Err(TooLong);
                    }
                    inbox.advance(3);
                    let raw = inbox.split_to(at - 3);
                    inbox.advance(2);
                    let payload = if escaped { unescape(&raw) } else { raw };
                    return Ok(Scan::Done(Item::Sub(option, payload)));
                }
                Some(_) => {
                    // IAC and a command inside SB: the SB was cut short.
                    // Too long is too long, however it ends (the same
                    // answer whatever the chunking).
                    if at - 3 > max_sub {
                        return Err(TooLong);
                    }
                    self.sb_scanned = 0;
                    self.sb_escaped = false;
                    inbox.advance(at);
                    return Ok(Scan::Aborted);
                }
            }
        }
    }

    fn pause(&mut self, scanned: usize, max_sub: usize) -> Result<Scan, TooLong> {
        if scanned.saturating_sub(3) > max_sub {
            return Err(TooLong);
        }
        self.sb_scanned = scanned;
        Ok(Scan::More)
    }
}

enum Scan {
    Done(Item),
    More,
    Aborted,
}

/// `IAC IAC` to `IAC`: the one copy, for payloads that hold escapes.
fn unescape(raw: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = memchr::memchr(IAC, rest) {
        out.extend_from_slice(&rest[..=at]);
        // The second IAC of the pair is skipped.
        rest = rest.get(at + 2..).unwrap_or(&[]);
    }
    out.extend_from_slice(rest);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn items(wire: &[u8], binary: bool) -> Vec<Item> {
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(wire);
        let mut d = Decoder::default();
        let mut out = Vec::new();
        while let Some(item) = d.next(&mut inbox, binary, 100).unwrap() {
            out.push(item);
        }
        out
    }

    fn data(s: &[u8]) -> Item {
        Item::Data(Bytes::copy_from_slice(s))
    }

    #[test]
    fn data_commands_and_escapes() {
        assert_eq!(
            items(b"ab\xff\xffcd\xff\xf9e\xff\xfb\x01", false),
            vec![
                data(b"ab\xff"),
                data(b"cd"),
                Item::Command(249),
                data(b"e"),
                Item::Verb(251, 1)
            ]
        );
    }

    #[test]
    fn an_escaped_ff_ends_or_starts_a_run_without_an_event_of_its_own() {
        assert_eq!(
            items(b"\xff\xffa\r\0b\xff\xff", false),
            vec![data(b"\xffa\r"), data(b"b\xff")]
        );
        // A NUL after anything but CR is data; in binary mode, always.
        assert_eq!(
            items(b"a\0b\xff\xff\0", false),
            vec![data(b"a\0b\xff"), data(b"\0")]
        );
        assert_eq!(items(b"\xff\xff\r\0", true), vec![data(b"\xff\r\0")]);
    }

    #[test]
    fn cr_nul_loses_its_nul_outside_binary() {
        assert_eq!(
            items(b"a\r\nb\r\0c", false),
            vec![data(b"a\r\nb\r"), data(b"c")]
        );
        assert_eq!(items(b"b\r\0c", true), vec![data(b"b\r\0c")]);
    }

    #[test]
    fn subnegotiations_unescape_and_bound() {
        assert_eq!(
            items(b"\xff\xfa\x18\x00xterm\xff\xf0x", false),
            vec![Item::Sub(24, Bytes::from_static(b"\x00xterm")), data(b"x")]
        );
        assert_eq!(
            items(b"\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0", false),
            vec![Item::Sub(31, Bytes::from_static(b"\x00\xff\x00\x18"))]
        );
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"\xff\xfa\xc9");
        inbox.extend_from_slice(&[b'x'; 200]);
        assert_eq!(
            Decoder::default().next(&mut inbox, false, 100),
            Err(TooLong)
        );
    }

    #[test]
    fn garbage_never_desynchronises() {
        // A stray SE, and an SB cut short by a command.
        assert_eq!(
            items(b"a\xff\xf0b\xff\xfa\x18junk\xff\xf1c", false),
            vec![data(b"a"), data(b"b"), Item::Command(241), data(b"c")]
        );
    }
}
