//! Replies (RFC 959 §4.2): one parser and one encoder for both roles, and
//! the values some replies carry (PASV and EPSV addresses, PWD's quoted
//! path, SIZE, MDTM, FEAT).

use crate::wire::MultiLine;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// An FTP reply: a three-digit code and one or more lines, kept as the
/// raw bytes that came off (or go on) the wire; lines are handed out as
/// slices, never copied.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    raw: Bytes,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply(\"{}\")", self.raw.escape_ascii())
    }
}

impl fmt::Display for Reply {
    /// The first line, as `code text`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.text().escape_ascii())
    }
}

impl Reply {
    /// Wraps a reply framed by [`MultiLine::rfc959`].
    pub fn from_raw(code: u16, raw: Bytes) -> Reply {
        Reply { code, raw }
    }

    /// A one-line reply `code text` (server role). CR and LF in `text`
    /// are replaced by spaces: a reply cannot be split by its text.
    ///
    /// ```
    /// use sanswire::ftp::Reply;
    /// assert_eq!(Reply::new(226, "Transfer complete").raw(), &b"226 Transfer complete\r\n"[..]);
    /// ```
    pub fn new(code: u16, text: &str) -> Reply {
        let mut raw = Vec::with_capacity(text.len() + 6);
        push_code(&mut raw, code, b' ');
        push_clean(&mut raw, text.as_bytes());
        raw.extend_from_slice(b"\r\n");
        Reply {
            code,
            raw: raw.into(),
        }
    }

    /// A multi-line reply (server role): `code-first`, then each middle
    /// line with a leading space (so a line that starts with digits is not
    /// taken for the end, RFC 959 §4.2), then `code last`.
    ///
    /// ```
    /// use sanswire::ftp::Reply;
    /// let r = Reply::multi(211, "Features:", ["MDTM", "SIZE"], "End");
    /// assert_eq!(r.raw(), &b"211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n"[..]);
    /// ```
    pub fn multi<'a>(
        code: u16,
        first: &str,
        middle: impl IntoIterator<Item = &'a str>,
        last: &str,
    ) -> Reply {
        let mut raw = Vec::new();
        push_code(&mut raw, code, b'-');
        push_clean(&mut raw, first.as_bytes());
        raw.extend_from_slice(b"\r\n");
        for line in middle {
            raw.push(b' ');
            push_clean(&mut raw, line.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
        push_code(&mut raw, code, b' ');
        push_clean(&mut raw, last.as_bytes());
        raw.extend_from_slice(b"\r\n");
        Reply {
            code,
            raw: raw.into(),
        }
    }

    /// The three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reply as on the wire, line ends included.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The first line's text, after the code and separator.
    pub fn text(&self) -> &[u8] {
        MultiLine::texts(&self.raw).next().unwrap_or_default()
    }

    /// Every line's text (the code and separator taken off numbered
    /// lines; free-text lines whole).
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> + '_ {
        MultiLine::texts(&self.raw)
    }

    /// `1xx`: positive preliminary (the transfer is starting).
    pub fn is_preliminary(&self) -> bool {
        self.code / 100 == 1
    }

    /// `2xx`: positive completion.
    pub fn is_complete(&self) -> bool {
        self.code / 100 == 2
    }

    /// `3xx`: positive intermediate (send the next command of a sequence).
    pub fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }

    /// `4xx` or `5xx`: the command failed.
    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }
}

fn push_code(raw: &mut Vec<u8>, code: u16, sep: u8) {
    let code = code.clamp(100, 999);
    raw.extend_from_slice(&[
        b'0' + (code / 100) as u8,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
        sep,
    ]);
}

fn push_clean(raw: &mut Vec<u8>, text: &[u8]) {
    raw.extend(text.iter().map(|&b| match b {
        b'\r' | b'\n' | 0 => b' ',
        b => b,
    }));
}

/// The address in a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`: the
/// first run of six comma-separated numbers anywhere in the text, since
/// servers differ in what surrounds it (some leave the parentheses off,
/// as Microsoft's IIS and some embedded servers do).
///
/// ```
/// use sanswire::ftp::parse_pasv;
/// let a = parse_pasv(b"Entering Passive Mode (192,168,1,2,19,137).").unwrap();
/// assert_eq!(a.to_string(), "192.168.1.2:5001");
/// assert_eq!(parse_pasv(b"=127,0,0,1,0,21").unwrap().port(), 21);
/// assert!(parse_pasv(b"(1,2,3,4,5)").is_none());
/// ```
pub fn parse_pasv(text: &[u8]) -> Option<SocketAddrV4> {
    let mut at = 0;
    while at < text.len() {
        if text[at].is_ascii_digit() {
            if let Some((n, len)) = six_numbers(&text[at..]) {
                let _ = len;
                let ip = Ipv4Addr::new(n[0], n[1], n[2], n[3]);
                let port = u16::from(n[4]) << 8 | u16::from(n[5]);
                return Some(SocketAddrV4::new(ip, port));
            }
            while at < text.len() && (text[at].is_ascii_digit() || text[at] == b',') {
                at += 1;
            }
        } else {
            at += 1;
        }
    }
    None
}

fn six_numbers(text: &[u8]) -> Option<([u8; 6], usize)> {
    let mut n = [0u8; 6];
    let mut at = 0;
    for (i, slot) in n.iter_mut().enumerate() {
        let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let v = text[at..at + digits]
            .iter()
            .fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
        *slot = u8::try_from(v).ok()?;
        at += digits;
        if i < 5 {
            if text.get(at) != Some(&b',') {
                return None;
            }
            at += 1;
        }
    }
    Some((n, at))
}

/// The port in a `229 Entering Extended Passive Mode (|||6446|)` (RFC 2428
/// §3): the delimiter is the first character after `(`, and the host
/// fields are empty.
///
/// ```
/// use sanswire::ftp::parse_epsv;
/// assert_eq!(parse_epsv(b"Entering Extended Passive Mode (|||6446|)"), Some(6446));
/// assert_eq!(parse_epsv(b"ok (!!!21!)"), Some(21));
/// assert_eq!(parse_epsv(b"(|||0|)"), None);
/// ```
pub fn parse_epsv(text: &[u8]) -> Option<u16> {
    let open = memchr::memchr(b'(', text)?;
    let rest = &text[open + 1..];
    let d = *rest.first()?;
    if d.is_ascii_digit() || !(33..=126).contains(&d) {
        return None;
    }
    if rest.get(1) != Some(&d) || rest.get(2) != Some(&d) {
        return None;
    }
    let digits = &rest[3..];
    let end = memchr::memchr(d, digits)?;
    let port = parse_u64(&digits[..end])?;
    u16::try_from(port).ok().filter(|&p| p != 0)
}

/// The path in a `257 "/some ""quoted"" dir" created` (RFC 959
/// Appendix II): between the first `"` and the next lone `"`, with `""`
/// standing for one `"`.
///
/// ```
/// use sanswire::ftp::parse_quoted_path;
/// assert_eq!(parse_quoted_path(b"\"/home/a \"\"b\"\"\" is cwd").unwrap(), "/home/a \"b\"");
/// assert!(parse_quoted_path(b"no quotes").is_none());
/// ```
pub fn parse_quoted_path(text: &[u8]) -> Option<String> {
    let open = memchr::memchr(b'"', text)?;
    let mut path = Vec::new();
    let mut rest = &text[open + 1..];
    loop {
        let q = memchr::memchr(b'"', rest)?;
        path.extend_from_slice(&rest[..q]);
        if rest.get(q + 1) == Some(&b'"') {
            path.push(b'"');
            rest = &rest[q + 2..];
        } else {
            break;
        }
    }
    Some(String::from_utf8_lossy(&path).into_owned())
}

/// Quotes a path for a 257 reply: `"` doubled (server role).
pub fn quote_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    out.push('"');
    for c in path.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub(crate) use crate::wire::number::parse_u64;

/// A SIZE reply's number.
pub(crate) fn parse_size(text: &[u8]) -> Option<u64> {
    let text = text.trim_ascii();
    let end = text
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    parse_u64(&text[..end])
}

/// A time as FTP gives it (MDTM, MLSD's `modify`; RFC 3659 §2.3): UTC,
/// to the second, with milliseconds when the server sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// The year, four digits.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=60 (a leap second).
    pub second: u8,
    /// 0..=999.
    pub millis: u16,
}

impl Timestamp {
    /// Parses `YYYYMMDDHHMMSS[.sss]` (the fraction may have any number of
    /// digits; milliseconds are kept).
    ///
    /// ```
    /// use sanswire::ftp::Timestamp;
    /// let t = Timestamp::parse(b"20240229235959.5").unwrap();
    /// assert_eq!((t.year, t.month, t.day, t.second, t.millis), (2024, 2, 29, 59, 500));
    /// assert_eq!(t.to_string(), "20240229235959.500");
    /// assert!(Timestamp::parse(b"20241301000000").is_none());
    /// ```
    pub fn parse(text: &[u8]) -> Option<Timestamp> {
        let text = text.trim_ascii();
        let (digits, frac) = match memchr::memchr(b'.', text) {
            Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
            None => (text, None),
        };
        if digits.len() != 14 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |a: usize, b: usize| parse_u64(&digits[a..b]).unwrap_or(0);
        let t = Timestamp {
            year: n(0, 4) as u16,
            month: n(4, 6) as u8,
            day: n(6, 8) as u8,
            hour: n(8, 10) as u8,
            minute: n(10, 12) as u8,
            second: n(12, 14) as u8,
            millis: match frac {
                Some(f) if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => {
                    let mut ms = 0u16;
                    for i in 0..3 {
                        ms = ms * 10 + f.get(i).map_or(0, |d| u16::from(d - b'0'));
                    }
                    ms
                }
                Some(_) => return None,
                None => 0,
            },
        };
        let valid = (1..=12).contains(&t.month)
            && (1..=31).contains(&t.day)
            && t.hour < 24
            && t.minute < 60
            && t.second <= 60;
        valid.then_some(t)
    }
}

impl fmt::Display for Timestamp {
    /// `YYYYMMDDHHMMSS`, with `.sss` when there are milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.millis != 0 {
            write!(f, ".{:03}", self.millis)?;
        }
        Ok(())
    }
}

/// What a server offers in its FEAT reply (RFC 2389), typed where the
/// crate uses it, with every line kept.
///
/// ```
/// use sanswire::ftp::{Features, Reply};
/// use bytes::Bytes;
/// let raw = Bytes::from_static(b"211-Features:\r\n EPSV\r\n MDTM\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n SIZE\r\n UTF8\r\n AUTH TLS\r\n211 End\r\n");
/// let f = Features::from_reply(&Reply::from_raw(211, raw));
/// assert!(f.epsv && f.mdtm && f.size && f.rest_stream && f.utf8 && f.auth_tls);
/// assert_eq!(f.mlst.as_deref(), Some("type*;size*;modify*;"));
/// assert_eq!(f.get("REST"), Some("STREAM"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// `EPSV` (RFC 2428; some servers list it, all RFC 2428 servers
    /// accept it).
    pub epsv: bool,
    /// `EPRT`.
    pub eprt: bool,
    /// `MDTM` (RFC 3659).
    pub mdtm: bool,
    /// `SIZE` (RFC 3659).
    pub size: bool,
    /// `REST STREAM` (RFC 3659).
    pub rest_stream: bool,
    /// `MLST` and its facts (`type*;size*;modify*;`, `*` marking the ones
    /// on by default); MLSD comes with it.
    pub mlst: Option<String>,
    /// `UTF8` (RFC 2640).
    pub utf8: bool,
    /// `TVFS` (RFC 3659: `/`-separated paths).
    pub tvfs: bool,
    /// `AUTH TLS` (RFC 4217).
    pub auth_tls: bool,
    /// `PBSZ` and `PROT` (RFC 4217).
    pub prot: bool,
    /// Every feature line, `NAME params` with the name in upper case,
    /// one a line: one allocation however many there are (an idle
    /// session keeps them).
    text: String,
}

impl Features {
    /// Reads a FEAT reply; a negative one (500, 502: a server older than
    /// RFC 2389) gives no features.
    pub fn from_reply(reply: &Reply) -> Features {
        let mut f = Features::default();
        if reply.code() != 211 {
            return f;
        }
        // The first and last lines are the reply's own; the features are
        // between, each after a space.
        let count = reply.lines().count();
        for line in reply.lines().skip(1).take(count.saturating_sub(2)) {
            let line = core::str::from_utf8(line).unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, params) = match line.split_once(' ') {
                Some((n, p)) => (n, p.trim()),
                None => (line, ""),
            };
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("EPSV") {
                f.epsv = true;
            } else if is("EPRT") {
                f.eprt = true;
            } else if is("MDTM") {
                f.mdtm = true;
            } else if is("SIZE") {
                f.size = true;
            } else if is("REST") {
                f.rest_stream |= params.eq_ignore_ascii_case("STREAM");
            } else if is("MLST") || is("MLSD") {
                f.mlst = Some(params.into());
            } else if is("UTF8") {
                f.utf8 = true;
            } else if is("TVFS") {
                f.tvfs = true;
            } else if is("AUTH") {
                f.auth_tls |= params
                    .split([' ', ';'])
                    .any(|m| m.eq_ignore_ascii_case("TLS"));
            } else if is("PBSZ") || is("PROT") {
                f.prot = true;
            }
            f.text.extend(name.chars().map(|c| c.to_ascii_uppercase()));
            if !params.is_empty() {
                f.text.push(' ');
                f.text.push_str(params);
            }
            f.text.push('\n');
        }
        f
    }

    /// Every feature line: (name in upper case, parameters as given).
    pub fn lines(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.text
            .lines()
            .map(|l| l.split_once(' ').unwrap_or((l, "")))
    }

    /// The parameters of a feature, if the server lists it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.lines()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| p)
    }

    /// Whether the server lists a feature.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The text of `raw` as a `SocketAddr` from EPRT's `|1|132.235.1.2|6275|`
/// (RFC 2428 §2); used by the server.
pub(crate) fn parse_eprt(arg: &[u8]) -> Option<SocketAddr> {
    let d = *arg.first()?;
    let s = core::str::from_utf8(&arg[1..]).ok()?;
    let mut parts = s.split(d as char);
    let proto = parts.next()?;
    let host = parts.next()?;
    let port: u16 = parts.next()?.parse().ok()?;
    if parts.next() != Some("") || parts.next().is_some() || port == 0 {
        return None;
    }
    let ip: core::net::IpAddr = match proto {
        "1" => core::net::IpAddr::V4(host.parse().ok()?),
        "2" => core::net::IpAddr::V6(host.parse().ok()?),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn pasv_forms_of_real_servers() {
        // vsftpd, proftpd, IIS-style without parentheses, and trailing text.
        let cases: [&[u8]; 4] = [
            b"Entering Passive Mode (127,0,0,1,195,80).",
            b"Entering Passive Mode (127,0,0,1,195,80)",
            b"Entering Passive Mode 127,0,0,1,195,80",
            b"PASV ok 1,2 then (127,0,0,1,195,80)",
        ];
        for c in cases {
            assert_eq!(parse_pasv(c).unwrap().port(), 195 * 256 + 80, "{c:?}");
        }
        assert!(parse_pasv(b"(256,0,0,1,1,1)").is_none());
    }

    #[test]
    fn eprt_round_trip() {
        assert_eq!(
            parse_eprt(b"|1|132.235.1.2|6275|").unwrap().to_string(),
            "132.235.1.2:6275"
        );
        assert_eq!(parse_eprt(b"|2|::1|21|").unwrap().to_string(), "[::1]:21");
        assert!(parse_eprt(b"|3|x|1|").is_none());
        assert!(parse_eprt(b"|1|1.2.3.4|1").is_none());
    }

    #[test]
    fn reply_encoder_cannot_be_split_by_text() {
        let r = Reply::new(550, "no\r\n230 fake");
        assert_eq!(r.raw(), &b"550 no  230 fake\r\n"[..]);
    }

    #[test]
    fn quoted_path_round_trip() {
        let q = quote_path("/a \"b\"");
        assert_eq!(parse_quoted_path(q.as_bytes()).unwrap(), "/a \"b\"");
    }
}
