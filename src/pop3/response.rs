//! Status lines (`+OK` / `-ERR` with RFC 2449 response codes) and CAPA
//! capabilities: their parsers and encoders, shared by both roles.

use super::{Error, ErrorKind};
use crate::wire::{is_safe_argument, Outbox};
use alloc::vec::Vec;
use bytes::Bytes;

/// The status indicator of a response line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `+OK`
    Ok,
    /// `-ERR`
    Err,
}

/// An extended response code (RFC 2449 §8, RFC 3206, RFC 6856), the
/// `[...]` at the start of a response's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    /// `[IN-USE]`: the maildrop is locked by another session.
    InUse,
    /// `[LOGIN-DELAY]`: logged in too soon after the last login.
    LoginDelay,
    /// `[SYS/TEMP]`: a temporary system failure; try again later.
    SysTemp,
    /// `[SYS/PERM]`: a permanent system failure.
    SysPerm,
    /// `[AUTH]`: the credentials were wrong (RFC 3206).
    Auth,
    /// `[UTF8]`: the command needs UTF-8 mode (RFC 6856).
    Utf8,
    /// Any other code, kept as sent (without the brackets).
    Other(Bytes),
}

impl ResponseCode {
    /// Reads a code from the text between the brackets.
    pub fn parse(code: Bytes) -> ResponseCode {
        let known: [(&[u8], ResponseCode); 6] = [
            (b"IN-USE", ResponseCode::InUse),
            (b"LOGIN-DELAY", ResponseCode::LoginDelay),
            (b"SYS/TEMP", ResponseCode::SysTemp),
            (b"SYS/PERM", ResponseCode::SysPerm),
            (b"AUTH", ResponseCode::Auth),
            (b"UTF8", ResponseCode::Utf8),
        ];
        for (name, value) in known {
            if code.eq_ignore_ascii_case(name) {
                return value;
            }
        }
        ResponseCode::Other(code)
    }

    /// The code as sent, without the brackets.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ResponseCode::InUse => b"IN-USE",
            ResponseCode::LoginDelay => b"LOGIN-DELAY",
            ResponseCode::SysTemp => b"SYS/TEMP",
            ResponseCode::SysPerm => b"SYS/PERM",
            ResponseCode::Auth => b"AUTH",
            ResponseCode::Utf8 => b"UTF8",
            ResponseCode::Other(code) => code,
        }
    }
}

/// One `+OK` or `-ERR` status line.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::pop3::{Response, ResponseCode, Status};
/// let r = Response::parse(Bytes::from_static(b"-ERR [IN-USE] mailbox locked")).unwrap();
/// assert_eq!(r.status, Status::Err);
/// assert_eq!(r.code, Some(ResponseCode::InUse));
/// assert_eq!(&r.text[..], b"mailbox locked");
/// assert_eq!(r.to_line().unwrap(), b"-ERR [IN-USE] mailbox locked\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `+OK` or `-ERR`.
    pub status: Status,
    /// The extended response code, if the text started with one.
    pub code: Option<ResponseCode>,
    /// The human-readable text after the status (and code), maybe empty.
    pub text: Bytes,
}

impl Response {
    /// A `+OK` response with this text.
    pub fn ok(text: impl Into<Bytes>) -> Response {
        Response {
            status: Status::Ok,
            code: None,
            text: text.into(),
        }
    }

    /// A `-ERR` response with this text.
    pub fn err(text: impl Into<Bytes>) -> Response {
        Response {
            status: Status::Err,
            code: None,
            text: text.into(),
        }
    }

    /// The same response with an extended response code.
    pub fn with_code(mut self, code: ResponseCode) -> Response {
        self.code = Some(code);
        self
    }

    /// Whether this is `+OK`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// Parses a status line (without its CRLF). `None` if it starts with
    /// neither `+OK` nor `-ERR`.
    ///
    /// The indicators are matched without regard to case, and a `[...]`
    /// at the start of the text is read as a response code even when the
    /// server did not list RESP-CODES: a code-like prefix in free text is
    /// rare, and losing `[IN-USE]` from a server that forgot to announce
    /// it would be worse.
    pub fn parse(line: Bytes) -> Option<Response> {
        let (status, skip) = if starts_with_ignore_case(&line, b"+OK") {
            (Status::Ok, 3)
        } else if starts_with_ignore_case(&line, b"-ERR") {
            (Status::Err, 4)
        } else {
            return None;
        };
        let rest = match line.get(skip) {
            None => Bytes::new(),
            Some(b' ') => line.slice(skip + 1..),
            Some(_) => return None,
        };
        let (code, text) = split_code(rest);
        Some(Response { status, code, text })
    }

    /// The APOP timestamp in a greeting's text: the first `<...>`, brackets
    /// included (RFC 1939 §7).
    pub fn apop_timestamp(&self) -> Option<Bytes> {
        apop_timestamp(&self.text)
    }

    /// Checks that the line can be sent: no CR, LF or NUL anywhere, and a
    /// code that cannot close its brackets early.
    pub fn validate(&self) -> Result<(), Error> {
        if !is_safe_argument(&self.text) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        if let Some(code) = &self.code {
            let code = code.as_bytes();
            if !is_safe_argument(code) {
                return Err(ErrorKind::UnsafeArgument.into());
            }
            if code.is_empty() || code.iter().any(|&b| b == b']' || b == b' ') {
                return Err(ErrorKind::InvalidArgument("response code").into());
            }
        }
        Ok(())
    }

    /// Checks the line, then writes it with its CRLF.
    pub fn write_to(&self, out: &mut Outbox) -> Result<(), Error> {
        self.validate()?;
        out.write(match self.status {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        });
        if let Some(code) = &self.code {
            out.write(b" [");
            out.write(code.as_bytes());
            out.write(b"]");
        }
        if !self.text.is_empty() {
            out.write(b" ");
            out.write(&self.text);
        }
        out.write(b"\r\n");
        Ok(())
    }

    /// The line as bytes, CRLF included.
    pub fn to_line(&self) -> Result<Vec<u8>, Error> {
        let mut out = Outbox::new();
        self.write_to(&mut out)?;
        Ok(out.take_vec())
    }
}

fn split_code(rest: Bytes) -> (Option<ResponseCode>, Bytes) {
    if rest.first() != Some(&b'[') {
        return (None, rest);
    }
    let Some(close) = memchr::memchr(b']', &rest) else {
        return (None, rest);
    };
    let code = ResponseCode::parse(rest.slice(1..close));
    let mut text_start = close + 1;
    if rest.get(text_start) == Some(&b' ') {
        text_start += 1;
    }
    (Some(code), rest.slice(text_start..))
}

pub(crate) fn apop_timestamp(text: &Bytes) -> Option<Bytes> {
    let open = memchr::memchr(b'<', text)?;
    let close = open + memchr::memchr(b'>', &text[open..])?;
    Some(text.slice(open..=close))
}

pub(crate) fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// One capability of a CAPA listing (RFC 2449 §6, RFC 2595, RFC 5034,
/// RFC 6856).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    /// `TOP`
    Top,
    /// `USER`: USER/PASS login is offered.
    User,
    /// `SASL mech...`: the SASL mechanisms offered.
    Sasl(Vec<Bytes>),
    /// `RESP-CODES`
    RespCodes,
    /// `AUTH-RESP-CODE` (RFC 3206)
    AuthRespCode,
    /// `PIPELINING`
    Pipelining,
    /// `EXPIRE days|NEVER [USER]`: how long the server keeps messages.
    Expire {
        /// Days, or `None` for `NEVER`.
        days: Option<u32>,
        /// `USER`: the value may change after login.
        per_user: bool,
    },
    /// `LOGIN-DELAY seconds [USER]`: the least time between logins.
    LoginDelay {
        /// Seconds.
        seconds: u32,
        /// `USER`: the value may change after login.
        per_user: bool,
    },
    /// `UIDL`
    Uidl,
    /// `STLS` (RFC 2595)
    Stls,
    /// `UTF8 [USER]` (RFC 6856); `user`: UTF-8 user names and passwords.
    Utf8 {
        /// The `USER` argument was given.
        user: bool,
    },
    /// `IMPLEMENTATION text`
    Implementation(Bytes),
    /// Any other capability, or a known one whose arguments did not
    /// parse: the whole line as sent.
    Other(Bytes),
}

impl Capability {
    /// Parses one line of a CAPA listing (already unstuffed).
    pub fn parse(line: Bytes) -> Capability {
        let (name, args) = match memchr::memchr(b' ', &line) {
            Some(i) => (&line[..i], line.slice(i + 1..)),
            None => (&line[..], Bytes::new()),
        };
        let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
        let words: Vec<Bytes> = args
            .split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .map(|w| args.slice_ref(w))
            .collect();
        let per_user = |words: &[Bytes]| match words {
            [] => Some(false),
            [w] if w.eq_ignore_ascii_case(b"USER") => Some(true),
            _ => None,
        };
        let parsed = if is(b"TOP") && words.is_empty() {
            Some(Capability::Top)
        } else if is(b"USER") && words.is_empty() {
            Some(Capability::User)
        } else if is(b"SASL") {
            Some(Capability::Sasl(words))
        } else if is(b"RESP-CODES") && words.is_empty() {
            Some(Capability::RespCodes)
        } else if is(b"AUTH-RESP-CODE") && words.is_empty() {
            Some(Capability::AuthRespCode)
        } else if is(b"PIPELINING") && words.is_empty() {
            Some(Capability::Pipelining)
        } else if is(b"UIDL") && words.is_empty() {
            Some(Capability::Uidl)
        } else if is(b"STLS") && words.is_empty() {
            Some(Capability::Stls)
        } else if is(b"UTF8") {
            per_user(&words).map(|user| Capability::Utf8 { user })
        } else if is(b"IMPLEMENTATION") {
            Some(Capability::Implementation(args.clone()))
        } else if is(b"EXPIRE") && !words.is_empty() {
            let days = if words[0].eq_ignore_ascii_case(b"NEVER") {
                Some(None)
            } else {
                parse_number(&words[0]).map(Some)
            };
            days.zip(per_user(&words[1..]))
                .map(|(days, per_user)| Capability::Expire { days, per_user })
        } else if is(b"LOGIN-DELAY") && !words.is_empty() {
            parse_number(&words[0])
                .zip(per_user(&words[1..]))
                .map(|(seconds, per_user)| Capability::LoginDelay { seconds, per_user })
        } else {
            None
        };
        parsed.unwrap_or(Capability::Other(line))
    }

    /// Writes the capability's line (CRLF included), after checking it
    /// holds no CR, LF or NUL and does not start with a `.`.
    pub fn write_to(&self, out: &mut Outbox) -> Result<(), Error> {
        let mut line: Vec<u8> = Vec::new();
        match self {
            Capability::Top => line.extend_from_slice(b"TOP"),
            Capability::User => line.extend_from_slice(b"USER"),
            Capability::Sasl(mechs) => {
                line.extend_from_slice(b"SASL");
                for m in mechs {
                    if !is_safe_argument(m) {
                        return Err(ErrorKind::UnsafeArgument.into());
                    }
                    if m.is_empty() || m.contains(&b' ') {
                        return Err(ErrorKind::InvalidArgument("SASL mechanism name").into());
                    }
                    line.push(b' ');
                    line.extend_from_slice(m);
                }
            }
            Capability::RespCodes => line.extend_from_slice(b"RESP-CODES"),
            Capability::AuthRespCode => line.extend_from_slice(b"AUTH-RESP-CODE"),
            Capability::Pipelining => line.extend_from_slice(b"PIPELINING"),
            Capability::Expire { days, per_user } => {
                line.extend_from_slice(b"EXPIRE ");
                match days {
                    None => line.extend_from_slice(b"NEVER"),
                    Some(d) => push_number(&mut line, u64::from(*d)),
                }
                if *per_user {
                    line.extend_from_slice(b" USER");
                }
            }
            Capability::LoginDelay { seconds, per_user } => {
                line.extend_from_slice(b"LOGIN-DELAY ");
                push_number(&mut line, u64::from(*seconds));
                if *per_user {
                    line.extend_from_slice(b" USER");
                }
            }
            Capability::Uidl => line.extend_from_slice(b"UIDL"),
            Capability::Stls => line.extend_from_slice(b"STLS"),
            Capability::Utf8 { user } => {
                line.extend_from_slice(b"UTF8");
                if *user {
                    line.extend_from_slice(b" USER");
                }
            }
            Capability::Implementation(text) => {
                line.extend_from_slice(b"IMPLEMENTATION ");
                line.extend_from_slice(text);
            }
            Capability::Other(raw) => line.extend_from_slice(raw),
        }
        if !is_safe_argument(&line) {
            return Err(ErrorKind::UnsafeArgument.into());
        }
        if matches!(line.first(), None | Some(b'.') | Some(b' ')) {
            return Err(ErrorKind::InvalidArgument("capability line").into());
        }
        line.extend_from_slice(b"\r\n");
        out.write(&line);
        Ok(())
    }
}

/// A server's CAPA listing, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities(pub Vec<Capability>);

impl Capabilities {
    /// Whether the listing holds this capability (arguments compared too;
    /// see the helpers for the ones with arguments).
    pub fn contains(&self, capability: &Capability) -> bool {
        self.0.contains(capability)
    }

    /// Whether PIPELINING was listed.
    pub fn pipelining(&self) -> bool {
        self.contains(&Capability::Pipelining)
    }

    /// Whether STLS was listed.
    pub fn stls(&self) -> bool {
        self.contains(&Capability::Stls)
    }

    /// Whether UTF8 was listed (with or without `USER`).
    pub fn utf8(&self) -> bool {
        self.0.iter().any(|c| matches!(c, Capability::Utf8 { .. }))
    }

    /// The SASL mechanisms listed (empty if SASL was not).
    pub fn sasl_mechanisms(&self) -> &[Bytes] {
        self.0
            .iter()
            .find_map(|c| match c {
                Capability::Sasl(m) => Some(&m[..]),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// Whether `mechanism` is among the SASL mechanisms (any case).
    pub fn has_sasl(&self, mechanism: &str) -> bool {
        self.sasl_mechanisms()
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mechanism.as_bytes()))
    }

    /// The capabilities in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Capability> {
        self.0.iter()
    }
}

/// Parses a decimal number of at most 10 digits, no sign, into `u32`.
pub(crate) fn parse_number(digits: &[u8]) -> Option<u32> {
    parse_u64(digits).and_then(|n| u32::try_from(n).ok())
}

pub(crate) use crate::wire::number::parse_u64;

pub(crate) fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn r(line: &'static [u8]) -> Option<Response> {
        Response::parse(Bytes::from_static(line))
    }

    #[test]
    fn status_lines() {
        let ok = r(b"+OK").unwrap();
        assert!(ok.is_ok() && ok.text.is_empty() && ok.code.is_none());
        let ok = r(b"+ok 2 320").unwrap();
        assert_eq!(&ok.text[..], b"2 320");
        let e = r(b"-ERR [SYS/TEMP] try later").unwrap();
        assert_eq!(e.code, Some(ResponseCode::SysTemp));
        assert_eq!(&e.text[..], b"try later");
        let e = r(b"-ERR [X-FOO/BAR]").unwrap();
        assert_eq!(
            e.code,
            Some(ResponseCode::Other(Bytes::from_static(b"X-FOO/BAR")))
        );
        assert!(e.text.is_empty());
        assert_eq!(r(b"-ERR [unclosed").unwrap().code, None);
        assert!(r(b"+OKAY").is_none());
        assert!(r(b"+ challenge").is_none());
        assert!(r(b"* 1 EXISTS").is_none());
    }

    #[test]
    fn every_code_roundtrips() {
        for code in [
            ResponseCode::InUse,
            ResponseCode::LoginDelay,
            ResponseCode::SysTemp,
            ResponseCode::SysPerm,
            ResponseCode::Auth,
            ResponseCode::Utf8,
            ResponseCode::Other(Bytes::from_static(b"X/Y")),
        ] {
            let resp = Response::err("t").with_code(code.clone());
            let line = resp.to_line().unwrap();
            let back = Response::parse(Bytes::copy_from_slice(&line[..line.len() - 2]));
            assert_eq!(back, Some(resp));
        }
    }

    #[test]
    fn encoding_refuses_injection() {
        assert_eq!(
            Response::ok("a\r\n-ERR").to_line(),
            Err(ErrorKind::UnsafeArgument.into())
        );
        assert_eq!(
            Response::ok("a")
                .with_code(ResponseCode::Other(Bytes::from_static(b"A]B")))
                .to_line(),
            Err(ErrorKind::InvalidArgument("response code").into())
        );
    }

    #[test]
    fn apop_timestamp_is_found() {
        let g = r(b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us> hi").unwrap();
        assert_eq!(
            &g.apop_timestamp().unwrap()[..],
            b"<1896.697170952@dbc.mtview.ca.us>"
        );
        assert!(r(b"+OK ready <no end").unwrap().apop_timestamp().is_none());
    }

    #[test]
    fn capabilities_parse_and_encode() {
        let cases: [(&[u8], Capability); 9] = [
            (b"TOP", Capability::Top),
            (
                b"SASL PLAIN CRAM-MD5",
                Capability::Sasl(vec![
                    Bytes::from_static(b"PLAIN"),
                    Bytes::from_static(b"CRAM-MD5"),
                ]),
            ),
            (
                b"EXPIRE NEVER",
                Capability::Expire {
                    days: None,
                    per_user: false,
                },
            ),
            (
                b"EXPIRE 30 USER",
                Capability::Expire {
                    days: Some(30),
                    per_user: true,
                },
            ),
            (
                b"LOGIN-DELAY 900",
                Capability::LoginDelay {
                    seconds: 900,
                    per_user: false,
                },
            ),
            (b"UTF8 USER", Capability::Utf8 { user: true }),
            (
                b"IMPLEMENTATION Shlemazle Plus",
                Capability::Implementation(Bytes::from_static(b"Shlemazle Plus")),
            ),
            (
                b"X-FOO bar",
                Capability::Other(Bytes::from_static(b"X-FOO bar")),
            ),
            (
                b"EXPIRE soon",
                Capability::Other(Bytes::from_static(b"EXPIRE soon")),
            ),
        ];
        for (line, cap) in cases {
            assert_eq!(Capability::parse(Bytes::from_static(line)), cap);
            let mut out = Outbox::new();
            cap.write_to(&mut out).unwrap();
            let mut want = line.to_vec();
            want.extend_from_slice(b"\r\n");
            assert_eq!(out.take_vec(), want);
        }
        assert_eq!(
            Capability::parse(Bytes::from_static(b"pipelining")),
            Capability::Pipelining
        );
        let mut out = Outbox::new();
        assert_eq!(
            Capability::Other(Bytes::from_static(b".x")).write_to(&mut out),
            Err(ErrorKind::InvalidArgument("capability line").into())
        );
        assert!(out.is_empty());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_number(b"4294967296"), None);
        assert_eq!(parse_number(b"+1"), None);
        assert_eq!(parse_number(b""), None);
        let mut v = Vec::new();
        push_number(&mut v, 0);
        v.push(b' ');
        push_number(&mut v, 1234567890123);
        assert_eq!(v, b"0 1234567890123");
    }
}
