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
/// call's bytes are not looked at. Runs between special bytes are copied
/// whole, found with memchr.
pub(crate) fn data(out: &mut Outbox, data: &[u8], binary: bool) {
    let mut rest = data;
    while let Some(at) = special(rest, binary) {
        let (piece, tail) = rest.split_at(at + 1);
        out.write(piece);
        rest = tail;
        match piece[at] {
            IAC => out.write(&[IAC]),
            _ if rest.first() == Some(&LF) => {}
            _ => out.write(&[0]),
        }
    }
    out.write(rest);
}

/// Queues `data` without copying the runs that need no escape: each run
/// is pushed as a slice of `data`.
pub(crate) fn data_bytes(out: &mut Outbox, data: Bytes, binary: bool) {
    let mut start = 0;
    let mut from = 0;
    while let Some(at) = special(&data[from..], binary).map(|i| from + i) {
        from = at + 1;
        let extra: &[u8] = match data[at] {
            IAC => &[IAC],
            _ if data.get(at + 1) == Some(&LF) => continue,
            _ => &[0],
        };
        out.push(data.slice(start..=at));
        out.write(extra);
        start = from;
    }
    out.push(data.slice(start..));
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
    let mut rest = bytes;
    while let Some(at) = memchr::memchr(IAC, rest) {
        out.write(&rest[..=at]);
        out.write(&[IAC]);
        rest = &rest[at + 1..];
    }
    out.write(rest);
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
