//! Typed subnegotiation payloads: the parsers take the payload of an
//! [`Event::Subnegotiation`](super::Event::Subnegotiation) (unescaped,
//! without `IAC SB option` and `IAC SE`), the encoders build one for
//! [`Telnet::send_subnegotiation`](super::Telnet::send_subnegotiation).
//!
//! Everything a peer sends here is untrusted data: the parsers bound
//! nesting and never give a variable a meaning. In particular
//! NEW-ENVIRON's `USER` is only a name and a value: CVE-2026-24061 was a
//! server that passed it to `login` as an argument (`-f root`).

use alloc::vec::Vec;

/// `IS` in TTYPE, TSPEED, XDISPLOC and NEW-ENVIRON.
pub const IS: u8 = 0;
/// `SEND` in TTYPE, TSPEED, XDISPLOC and NEW-ENVIRON.
pub const SEND: u8 = 1;
/// `INFO` in NEW-ENVIRON.
pub const INFO: u8 = 2;

/// A payload that does not follow its option's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl core::fmt::Display for Malformed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "malformed subnegotiation: {}", self.0)
    }
}

impl core::error::Error for Malformed {}

// ---------------------------------------------------------------- NAWS

/// NAWS (RFC 1073): the window's width and height, in characters.
///
/// ```
/// use sanswire::telnet::sub::naws;
/// assert_eq!(naws::parse(&[0, 80, 0, 24]), Ok((80, 24)));
/// assert_eq!(naws::encode(80, 24), [0, 80, 0, 24]);
/// ```
pub mod naws {
    use super::Malformed;

    /// The payload of `IAC SB NAWS w w h h IAC SE`.
    pub fn encode(width: u16, height: u16) -> [u8; 4] {
        let [w1, w2] = width.to_be_bytes();
        let [h1, h2] = height.to_be_bytes();
        [w1, w2, h1, h2]
    }

    /// Width and height from a payload.
    pub fn parse(payload: &[u8]) -> Result<(u16, u16), Malformed> {
        match payload {
            &[w1, w2, h1, h2] => Ok((u16::from_be_bytes([w1, w2]), u16::from_be_bytes([h1, h2]))),
            _ => Err(Malformed("NAWS wants four bytes")),
        }
    }
}

// ------------------------------------------- TTYPE, TSPEED, XDISPLOC

/// An `IS` or `SEND` subnegotiation (TTYPE, TSPEED, XDISPLOC): `IS`
/// carries text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsSend<'a> {
    /// `IS text`.
    Is(&'a [u8]),
    /// `SEND`.
    Send,
}

/// Parses `IS text` or `SEND` (TTYPE, TSPEED, XDISPLOC).
///
/// ```
/// use sanswire::telnet::sub::{parse_is_send, IsSend};
/// assert_eq!(parse_is_send(b"\x00XTERM"), Ok(IsSend::Is(b"XTERM")));
/// assert_eq!(parse_is_send(b"\x01"), Ok(IsSend::Send));
/// ```
pub fn parse_is_send(payload: &[u8]) -> Result<IsSend<'_>, Malformed> {
    match payload.split_first() {
        Some((&IS, text)) => Ok(IsSend::Is(text)),
        Some((&SEND, [])) => Ok(IsSend::Send),
        _ => Err(Malformed("IS or SEND expected")),
    }
}

/// TSPEED (RFC 1079): `transmit,receive` in bits per second.
///
/// ```
/// assert_eq!(sanswire::telnet::sub::parse_tspeed(b"38400,19200"), Ok((38400, 19200)));
/// ```
pub fn parse_tspeed(text: &[u8]) -> Result<(u32, u32), Malformed> {
    let bad = Malformed("TSPEED wants transmit,receive");
    let text = core::str::from_utf8(text).map_err(|_| bad)?;
    let (t, r) = text.split_once(',').ok_or(bad)?;
    Ok((t.parse().map_err(|_| bad)?, r.parse().map_err(|_| bad)?))
}

// ---------------------------------------------------------- NEW-ENVIRON

/// NEW-ENVIRON (RFC 1572) codes.
pub mod environ {
    /// A well-known variable follows (`USER`, `DISPLAY`, ...).
    pub const VAR: u8 = 0;
    /// Its value follows.
    pub const VALUE: u8 = 1;
    /// The next byte is data, not a code.
    pub const ESC: u8 = 2;
    /// A user-defined variable follows.
    pub const USERVAR: u8 = 3;
}

/// Which kind of variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// A well-known variable (`VAR`).
    Var,
    /// A user-defined one (`USERVAR`).
    User,
}

/// One variable of a NEW-ENVIRON message: untrusted bytes, unescaped.
/// `value` is `None` when the variable was named without `VALUE` (in
/// `SEND`, or "undefined" in `IS`), `Some(empty)` for a defined empty value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// VAR or USERVAR.
    pub kind: VarKind,
    /// The name, as sent.
    pub name: Vec<u8>,
    /// The value, as sent.
    pub value: Option<Vec<u8>>,
}

/// A NEW-ENVIRON message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environ {
    /// [`IS`], [`SEND`] or [`INFO`].
    pub code: u8,
    /// The variables, in order (for `SEND`: the ones asked for; none
    /// means "all").
    pub vars: Vec<Var>,
}

impl Environ {
    /// Parses a NEW-ENVIRON payload, at most `max_vars` variables.
    ///
    /// ```
    /// use sanswire::telnet::sub::{Environ, VarKind};
    /// let env = Environ::parse(b"\x00\x00USER\x01alice\x03X\x02\x01Y\x01", 8).unwrap();
    /// assert_eq!(env.vars[0].name, b"USER");
    /// assert_eq!(env.vars[0].value.as_deref(), Some(&b"alice"[..]));
    /// assert_eq!(env.vars[1].kind, VarKind::User);
    /// assert_eq!(env.vars[1].name, b"X\x01Y");
    /// assert_eq!(env.vars[1].value.as_deref(), Some(&b""[..]));
    /// ```
    pub fn parse(payload: &[u8], max_vars: usize) -> Result<Environ, Malformed> {
        use environ::*;
        let (&code, mut rest) = payload
            .split_first()
            .ok_or(Malformed("empty NEW-ENVIRON"))?;
        if code > INFO {
            return Err(Malformed("NEW-ENVIRON wants IS, SEND or INFO"));
        }
        let mut vars: Vec<Var> = Vec::new();
        while let Some((&kind, tail)) = rest.split_first() {
            let kind = match kind {
                VAR => VarKind::Var,
                USERVAR => VarKind::User,
                _ => return Err(Malformed("NEW-ENVIRON wants VAR or USERVAR")),
            };
            if vars.len() == max_vars {
                return Err(Malformed("too many NEW-ENVIRON variables"));
            }
            let (name, stop, tail) = unescape_until_code(tail)?;
            rest = tail;
            let value = if stop == Some(VALUE) {
                let (value, _, tail) = unescape_until_code(rest)?;
                rest = tail;
                Some(value)
            } else {
                None
            };
            vars.push(Var { kind, name, value });
        }
        Ok(Environ { code, vars })
    }

    /// The payload for this message, with every code byte in names and
    /// values escaped.
    pub fn encode(&self) -> Vec<u8> {
        use environ::*;
        let mut out = alloc::vec![self.code];
        for var in &self.vars {
            out.push(match var.kind {
                VarKind::Var => VAR,
                VarKind::User => USERVAR,
            });
            escape_codes(&mut out, &var.name);
            if let Some(value) = &var.value {
                out.push(VALUE);
                escape_codes(&mut out, value);
            }
        }
        out
    }
}

/// Reads up to the next unescaped code byte (VAR, VALUE, USERVAR);
/// returns the text, the code that stopped it (not consumed unless it
/// is VALUE) and the rest.
/// Text read up to a code, the code that stopped it, and the rest.
type UpToCode<'a> = (Vec<u8>, Option<u8>, &'a [u8]);

fn unescape_until_code(mut rest: &[u8]) -> Result<UpToCode<'_>, Malformed> {
    use environ::*;
    let mut text = Vec::new();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            ESC => {
                let (&c, tail) = tail
                    .split_first()
                    .ok_or(Malformed("NEW-ENVIRON ends in ESC"))?;
                text.push(c);
                rest = tail;
            }
            VALUE => return Ok((text, Some(VALUE), tail)),
            VAR | USERVAR => return Ok((text, Some(b), rest)),
            _ => {
                text.push(b);
                rest = tail;
            }
        }
    }
    Ok((text, None, rest))
}

fn escape_codes(out: &mut Vec<u8>, text: &[u8]) {
    for &b in text {
        if b <= environ::USERVAR {
            out.push(environ::ESC);
        }
        out.push(b);
    }
}

// ---------------------------------------------------------------- MSSP

/// MSSP codes.
pub mod mssp {
    /// A variable name follows.
    pub const VAR: u8 = 1;
    /// A value follows (a variable may have several).
    pub const VAL: u8 = 2;
}

/// Parses an MSSP payload into variables and their values (at most
/// `max_vars`).
///
/// ```
/// let vars = sanswire::telnet::sub::parse_mssp(b"\x01NAME\x02Mud\x01PORT\x024000\x024001", 8).unwrap();
/// assert_eq!(vars[1].0, b"PORT");
/// assert_eq!(vars[1].1, [&b"4000"[..], b"4001"]);
/// ```
#[allow(clippy::type_complexity)]
pub fn parse_mssp(payload: &[u8], max_vars: usize) -> Result<Vec<(&[u8], Vec<&[u8]>)>, Malformed> {
    let mut vars: Vec<(&[u8], Vec<&[u8]>)> = Vec::new();
    let mut rest = payload;
    if rest.first() != Some(&mssp::VAR) {
        return Err(Malformed("MSSP starts with MSSP_VAR"));
    }
    while let Some((&code, tail)) = rest.split_first() {
        let end = memchr::memchr2(mssp::VAR, mssp::VAL, tail).unwrap_or(tail.len());
        let text = &tail[..end];
        rest = &tail[end..];
        match code {
            mssp::VAR if vars.len() == max_vars => {
                return Err(Malformed("too many MSSP variables"))
            }
            mssp::VAR => vars.push((text, Vec::new())),
            _ => match vars.last_mut() {
                Some((_, values)) => values.push(text),
                None => return Err(Malformed("MSSP value without a variable")),
            },
        }
    }
    Ok(vars)
}

/// The MSSP payload for `vars`; `None` if a name or value holds
/// MSSP_VAR, MSSP_VAL or NUL, which the format cannot carry.
pub fn encode_mssp(vars: &[(&str, &[&str])]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (name, values) in vars {
        out.push(mssp::VAR);
        push_plain(&mut out, name.as_bytes())?;
        for value in *values {
            out.push(mssp::VAL);
            push_plain(&mut out, value.as_bytes())?;
        }
    }
    Some(out)
}

fn push_plain(out: &mut Vec<u8>, text: &[u8]) -> Option<()> {
    if memchr::memchr3(0, mssp::VAR, mssp::VAL, text).is_some() {
        return None;
    }
    out.extend_from_slice(text);
    Some(())
}

// ---------------------------------------------------------------- GMCP

/// Splits a GMCP payload, `Package.Message` then optional JSON after a
/// space; the JSON is not parsed here.
///
/// ```
/// let (name, json) = sanswire::telnet::sub::parse_gmcp(b"Char.Vitals {\"hp\":10}").unwrap();
/// assert_eq!((name, json), ("Char.Vitals", &b"{\"hp\":10}"[..]));
/// ```
pub fn parse_gmcp(payload: &[u8]) -> Result<(&str, &[u8]), Malformed> {
    let end = memchr::memchr3(b' ', b'\n', b'\t', payload).unwrap_or(payload.len());
    let name = core::str::from_utf8(&payload[..end]).map_err(|_| Malformed("GMCP name"))?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Malformed("GMCP name"));
    }
    let json = payload.get(end + 1..).unwrap_or(&[]);
    Ok((name, json.trim_ascii()))
}

// ---------------------------------------------------------------- MSDP

/// MSDP codes.
pub mod msdp {
    /// A variable name follows.
    pub const VAR: u8 = 1;
    /// Its value follows.
    pub const VAL: u8 = 2;
    /// A table opens.
    pub const TABLE_OPEN: u8 = 3;
    /// The table closes.
    pub const TABLE_CLOSE: u8 = 4;
    /// An array opens.
    pub const ARRAY_OPEN: u8 = 5;
    /// The array closes.
    pub const ARRAY_CLOSE: u8 = 6;
}

/// An MSDP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsdpValue {
    /// Text.
    Text(Vec<u8>),
    /// `ARRAY_OPEN VAL v VAL v ARRAY_CLOSE`.
    Array(Vec<MsdpValue>),
    /// `TABLE_OPEN VAR k VAL v ... TABLE_CLOSE`.
    Table(Vec<(Vec<u8>, MsdpValue)>),
}

/// How deep MSDP tables and arrays may nest in what we parse.
pub const MSDP_MAX_DEPTH: usize = 16;

/// Parses an MSDP payload into its variables (`VAR name VAL value`; a
/// variable with several `VAL`s gets an array).
///
/// ```
/// use sanswire::telnet::sub::{parse_msdp, MsdpValue};
/// let vars = parse_msdp(b"\x01HP\x02100\x01ROOM\x02\x03\x01VNUM\x026008\x04").unwrap();
/// assert_eq!(vars[0], (b"HP".to_vec(), MsdpValue::Text(b"100".to_vec())));
/// let MsdpValue::Table(room) = &vars[1].1 else { panic!() };
/// assert_eq!(room[0].0, b"VNUM");
/// ```
pub fn parse_msdp(payload: &[u8]) -> Result<Vec<(Vec<u8>, MsdpValue)>, Malformed> {
    let mut p = MsdpParser { rest: payload };
    let vars = p.pairs(0)?;
    if !p.rest.is_empty() {
        return Err(Malformed("MSDP: unbalanced close"));
    }
    Ok(vars)
}

/// How many tables and arrays nest in `v`.
fn nesting(v: &MsdpValue) -> usize {
    match v {
        MsdpValue::Text(_) => 0,
        MsdpValue::Array(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        MsdpValue::Table(pairs) => 1 + pairs.iter().map(|(_, v)| nesting(v)).max().unwrap_or(0),
    }
}

struct MsdpParser<'a> {
    rest: &'a [u8],
}

impl MsdpParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn bump(&mut self) {
        self.rest = &self.rest[1..];
    }

    fn text(&mut self) -> Vec<u8> {
        let end = self
            .rest
            .iter()
            .position(|&b| (msdp::VAR..=msdp::ARRAY_CLOSE).contains(&b))
            .unwrap_or(self.rest.len());
        let (text, rest) = self.rest.split_at(end);
        self.rest = rest;
        text.to_vec()
    }

    /// `VAR name (VAL value)+` until the end or a TABLE_CLOSE.
    fn pairs(&mut self, depth: usize) -> Result<Vec<(Vec<u8>, MsdpValue)>, Malformed> {
        let mut out = Vec::new();
        while self.peek() == Some(msdp::VAR) {
            self.bump();
            let name = self.text();
            let mut values = Vec::new();
            while self.peek() == Some(msdp::VAL) {
                self.bump();
                values.push(self.value(depth)?);
            }
            // Several values make an array, one level deeper: refuse what
            // would nest too deep there, so what parses encodes to what
            // parses again.
            let deepest = values.iter().map(nesting).max().unwrap_or(0);
            if values.len() > 1 && depth + 1 + deepest >= MSDP_MAX_DEPTH {
                return Err(Malformed("MSDP nests too deep"));
            }
            let value = match values.len() {
                0 => MsdpValue::Text(Vec::new()),
                1 => values.pop().unwrap_or(MsdpValue::Text(Vec::new())),
                _ => MsdpValue::Array(values),
            };
            out.push((name, value));
        }
        Ok(out)
    }

    fn value(&mut self, depth: usize) -> Result<MsdpValue, Malformed> {
        if depth >= MSDP_MAX_DEPTH {
            return Err(Malformed("MSDP nests too deep"));
        }
        match self.peek() {
            Some(msdp::TABLE_OPEN) => {
                self.bump();
                let table = self.pairs(depth + 1)?;
                self.close(msdp::TABLE_CLOSE)?;
                Ok(MsdpValue::Table(table))
            }
            Some(msdp::ARRAY_OPEN) => {
                self.bump();
                let mut items = Vec::new();
                while self.peek() == Some(msdp::VAL) {
                    self.bump();
                    items.push(self.value(depth + 1)?);
                }
                self.close(msdp::ARRAY_CLOSE)?;
                Ok(MsdpValue::Array(items))
            }
            _ => Ok(MsdpValue::Text(self.text())),
        }
    }

    fn close(&mut self, code: u8) -> Result<(), Malformed> {
        if self.peek() != Some(code) {
            return Err(Malformed("MSDP: table or array not closed"));
        }
        self.bump();
        Ok(())
    }
}

/// Appends the MSDP encoding of `name` = `value`; `None` if a text holds
/// an MSDP code byte or NUL.
pub fn encode_msdp(out: &mut Vec<u8>, name: &[u8], value: &MsdpValue) -> Option<()> {
    out.push(msdp::VAR);
    msdp_text(out, name)?;
    out.push(msdp::VAL);
    msdp_value(out, value)
}

fn msdp_text(out: &mut Vec<u8>, text: &[u8]) -> Option<()> {
    if text.iter().any(|&b| b <= msdp::ARRAY_CLOSE) {
        return None;
    }
    out.extend_from_slice(text);
    Some(())
}

fn msdp_value(out: &mut Vec<u8>, value: &MsdpValue) -> Option<()> {
    match value {
        MsdpValue::Text(t) => msdp_text(out, t),
        MsdpValue::Array(items) => {
            out.push(msdp::ARRAY_OPEN);
            for item in items {
                out.push(msdp::VAL);
                msdp_value(out, item)?;
            }
            out.push(msdp::ARRAY_CLOSE);
            Some(())
        }
        MsdpValue::Table(pairs) => {
            out.push(msdp::TABLE_OPEN);
            for (k, v) in pairs {
                encode_msdp(out, k, v)?;
            }
            out.push(msdp::TABLE_CLOSE);
            Some(())
        }
    }
}

// ------------------------------------------------------------- LINEMODE

/// LINEMODE (RFC 1184) suboptions.
pub mod linemode {
    /// `MODE mask`.
    pub const MODE: u8 = 1;
    /// `DO|DONT|WILL|WONT FORWARDMASK ...`.
    pub const FORWARDMASK: u8 = 2;
    /// `SLC triplets`.
    pub const SLC: u8 = 3;
    /// MODE bit: the client edits lines locally.
    pub const EDIT: u8 = 1;
    /// MODE bit: the client maps signals to Telnet commands.
    pub const TRAPSIG: u8 = 2;
    /// MODE bit: an acknowledgement.
    pub const MODE_ACK: u8 = 4;
    /// MODE bit: soft tabs.
    pub const SOFT_TAB: u8 = 8;
    /// MODE bit: literal echo.
    pub const LIT_ECHO: u8 = 16;
}

/// A LINEMODE message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linemode<'a> {
    /// `MODE mask`.
    Mode(u8),
    /// `verb FORWARDMASK mask` (verb: DO, DONT, WILL or WONT; the mask,
    /// up to 32 bytes, only with DO).
    ForwardMask {
        /// DO, DONT, WILL or WONT.
        verb: u8,
        /// The characters that forward the line, one bit each.
        mask: &'a [u8],
    },
    /// `SLC` and its triplets (function, modifiers, character).
    Slc(&'a [u8]),
}

impl<'a> Linemode<'a> {
    /// Parses a LINEMODE payload.
    ///
    /// ```
    /// use sanswire::telnet::sub::{Linemode, linemode};
    /// assert_eq!(Linemode::parse(&[1, linemode::EDIT]), Ok(Linemode::Mode(1)));
    /// ```
    pub fn parse(payload: &'a [u8]) -> Result<Linemode<'a>, Malformed> {
        use super::command::{DO, DONT, WILL, WONT};
        match payload {
            [linemode::MODE, mask] => Ok(Linemode::Mode(*mask)),
            [verb @ (DO | DONT | WILL | WONT), linemode::FORWARDMASK, mask @ ..]
                if mask.len() <= 32 =>
            {
                Ok(Linemode::ForwardMask { verb: *verb, mask })
            }
            [linemode::SLC, triplets @ ..] if triplets.len() % 3 == 0 => {
                Ok(Linemode::Slc(triplets))
            }
            _ => Err(Malformed("LINEMODE")),
        }
    }

    /// The payload of this message.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Linemode::Mode(mask) => alloc::vec![linemode::MODE, *mask],
            Linemode::ForwardMask { verb, mask } => {
                let mut v = alloc::vec![*verb, linemode::FORWARDMASK];
                v.extend_from_slice(mask);
                v
            }
            Linemode::Slc(t) => {
                let mut v = alloc::vec![linemode::SLC];
                v.extend_from_slice(t);
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn environ_round_trips_with_codes_in_names_and_values() {
        let env = Environ {
            code: IS,
            vars: vec![
                Var {
                    kind: VarKind::Var,
                    name: b"USER".to_vec(),
                    value: Some(b"-f root".to_vec()),
                },
                Var {
                    kind: VarKind::User,
                    name: vec![0, 1, 2, 3, b'x'],
                    value: None,
                },
            ],
        };
        assert_eq!(Environ::parse(&env.encode(), 8), Ok(env));
        assert!(Environ::parse(b"\x00\x00A\x02", 8).is_err());
        assert!(Environ::parse(b"\x07", 8).is_err());
        assert!(Environ::parse(b"\x00\x00A\x00B", 1).is_err());
    }

    #[test]
    fn mssp_round_trips_and_refuses_codes() {
        let wire = encode_mssp(&[("NAME", &["Mud"]), ("PORT", &["4000", "4001"])]).unwrap();
        let vars = parse_mssp(&wire, 8).unwrap();
        assert_eq!(vars.len(), 2);
        assert_eq!(vars[0], (&b"NAME"[..], vec![&b"Mud"[..]]));
        assert!(encode_mssp(&[("A\x01", &[])]).is_none());
        assert!(parse_mssp(b"\x02x", 8).is_err());
    }

    #[test]
    fn msdp_round_trips_and_bounds_depth() {
        let value = MsdpValue::Table(vec![
            (
                b"A".to_vec(),
                MsdpValue::Array(vec![MsdpValue::Text(b"1".to_vec())]),
            ),
            (b"B".to_vec(), MsdpValue::Text(b"x".to_vec())),
        ]);
        let mut wire = Vec::new();
        encode_msdp(&mut wire, b"ROOM", &value).unwrap();
        assert_eq!(parse_msdp(&wire).unwrap(), vec![(b"ROOM".to_vec(), value)]);
        let mut deep = b"\x01X".to_vec();
        for _ in 0..100 {
            deep.extend_from_slice(b"\x02\x05");
        }
        assert!(parse_msdp(&deep).is_err());
        assert!(parse_msdp(b"\x01X\x02\x03").is_err());
    }

    /// A fuzz find (fuzz/seeds/telnet_sub): several values at the deepest
    /// level parsed, but their encoding (an array) nested one too deep.
    #[test]
    fn msdp_what_parses_encodes_to_what_parses() {
        let crashes: [&[u8]; 2] = [
            include_bytes!(
                "../../fuzz/seeds/telnet_sub/crash-1e8b49a3afbd9ad6683fb4a13206339bbebcb76f"
            ),
            include_bytes!(
                "../../fuzz/seeds/telnet_sub/crash-2c01515e99b822d881ad5f32cb822b5c1d50c0af"
            ),
        ];
        for crash in crashes {
            let Ok(vars) = parse_msdp(crash) else {
                continue;
            };
            let mut wire = Vec::new();
            if vars
                .iter()
                .all(|(k, v)| encode_msdp(&mut wire, k, v).is_some())
            {
                assert_eq!(parse_msdp(&wire), Ok(vars));
            }
        }
    }

    #[test]
    fn gmcp_and_linemode() {
        assert_eq!(parse_gmcp(b"Core.Ping"), Ok(("Core.Ping", &b""[..])));
        assert!(parse_gmcp(b" x").is_err());
        let fm = Linemode::ForwardMask {
            verb: 253,
            mask: &[0xff, 0],
        };
        assert_eq!(Linemode::parse(&fm.encode()), Ok(fm));
        assert!(Linemode::parse(&[3, 1]).is_err());
    }
}
