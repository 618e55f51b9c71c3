//! The send side: data escaped by the NVT rules, commands and
//! subnegotiations, written into an [`Outbox`].

use super::command::{IAC, SB, SE};
use crate::wire::Outbox;
use bytes::Bytes;

const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// Writes `data` with every `0xFF` doubled and, unless `binary`, every CR
/// that is not followed by LF sent as CR NUL (RFC 854: a bare CR is
/// "CR NUL"). A CR at the very end of `data` is taken as bare: the next
/// call's bytes are not looked at. One memchr pass finds the special
/// bytes; the runs between them are copied whole, and an `0xFF` ends one
/// run and starts the next, so it costs one copy call, not two.
pub(crate) fn data(out: &mut Outbox, data: &[u8], binary: bool) {
    let mut start = 0;
    for at in Specials::new(data, binary) {
        if data[at] == IAC {
            out.write(&data[start..=at]);
            start = at;
        } else {
            out.write(&data[start..=at]);
            out.write(&[0]);
            start = at + 1;
        }
    }
    out.write(&data[start..]);
}

/// Queues `data` without copying the runs that need no escape: each run
/// is pushed as a slice of `data` (an `0xFF` ends one and starts the
/// next).
pub(crate) fn data_bytes(out: &mut Outbox, data: Bytes, binary: bool) {
    let mut start = 0;
    for at in Specials::new(&data, binary) {
        out.push(data.slice(start..=at));
        if data[at] == IAC {
            start = at;
        } else {
            out.write(&[0]);
            start = at + 1;
        }
    }
    out.push(data.slice(start..));
}

/// Where the bytes that need an escape are: every `0xFF` and, unless
/// binary, every CR not followed by LF.
struct Specials<'a> {
    data: &'a [u8],
    from: usize,
    binary: bool,
}

impl<'a> Specials<'a> {
    fn new(data: &'a [u8], binary: bool) -> Self {
        Specials {
            data,
            from: 0,
            binary,
        }
    }
}

impl Iterator for Specials<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        loop {
            let at = self.from + special(self.data.get(self.from..)?, self.binary)?;
            self.from = at + 1;
            if self.data[at] == IAC || self.data.get(at + 1) != Some(&LF) {
                return Some(at);
            }
        }
    }
}

fn special(data: &[u8], binary: bool) -> Option<usize> {
    if binary {
        memchr::memchr(IAC, data)
    } else {
        memchr::memchr2(IAC, CR, data)
    }
}

/// Writes a subnegotiation for `option` with `payload` escaped.
pub(crate) fn sub(out: &mut Outbox, option: u8, payload: &[u8]) {
    out.write(&[IAC, SB, option]);
    escape_iac(out, payload);
    out.write(&[IAC, SE]);
}

/// Writes a subnegotiation whose payload comes in pieces (a code byte,
/// then text): each piece escaped.
pub(crate) fn sub_parts(out: &mut Outbox, option: u8, parts: &[&[u8]]) {
    out.write(&[IAC, SB, option]);
    for part in parts {
        escape_iac(out, part);
    }
    out.write(&[IAC, SE]);
}

/// Doubles every IAC of `bytes`.
pub(crate) fn escape_iac(out: &mut Outbox, bytes: &[u8]) {
    let mut start = 0;
    for at in memchr::memchr_iter(IAC, bytes) {
        // The IAC ends this run and starts the next: it goes out twice.
        out.write(&bytes[start..=at]);
        start = at;
    }
    out.write(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(d: &[u8], binary: bool) -> alloc::vec::Vec<u8> {
        let mut out = Outbox::new();
        data(&mut out, d, binary);
        let a = out.take_vec();
        data_bytes(&mut out, Bytes::copy_from_slice(d), binary);
        assert_eq!(out.take_vec(), a, "both encoders agree on {d:?}");
        a
    }

    #[test]
    fn nvt_rules() {
        assert_eq!(enc(b"a\xffb", false), b"a\xff\xffb");
        assert_eq!(enc(b"line\r\n", false), b"line\r\n");
        assert_eq!(enc(b"a\rb\r", false), b"a\r\0b\r\0");
        assert_eq!(enc(b"a\rb\r", true), b"a\rb\r");
        assert_eq!(enc(b"\xff\xff", true), b"\xff\xff\xff\xff");
        assert_eq!(enc(b"", false), b"");
    }

    #[test]
    fn subnegotiation_payloads_are_escaped() {
        let mut out = Outbox::new();
        sub(&mut out, 31, &[0, 255, 0, 24]);
        assert_eq!(out.take_vec(), b"\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0");
    }
}
