//! Commands (RFC 959 §4.1 and the extensions): one encoder for the client
//! and one parser for the server.

use super::reply::{parse_eprt, parse_pasv, parse_u64};
use super::{Error, ErrorKind};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{SocketAddr, SocketAddrV4};

/// The representation type (RFC 959 §3.1.1): what TYPE sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransferType {
    /// `TYPE A`: text, lines end in CRLF on the wire.
    Ascii,
    /// `TYPE I`: bytes as they are (the default of every modern client).
    #[default]
    Image,
}

/// An FTP command, as the client sends it and the server parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `USER name`.
    User(String),
    /// `PASS password`.
    Pass(String),
    /// `ACCT account`.
    Acct(String),
    /// `CWD path`.
    Cwd(String),
    /// `CDUP`.
    Cdup,
    /// `PWD`.
    Pwd,
    /// `MKD path`.
    Mkd(String),
    /// `RMD path`.
    Rmd(String),
    /// `DELE path`.
    Dele(String),
    /// `RNFR path`.
    Rnfr(String),
    /// `RNTO path`.
    Rnto(String),
    /// `SIZE path` (RFC 3659).
    Size(String),
    /// `MDTM path` (RFC 3659).
    Mdtm(String),
    /// `MLST [path]` (RFC 3659).
    Mlst(Option<String>),
    /// `MLSD [path]` (RFC 3659).
    Mlsd(Option<String>),
    /// `LIST [path]`.
    List(Option<String>),
    /// `NLST [path]`.
    Nlst(Option<String>),
    /// `RETR path`.
    Retr(String),
    /// `STOR path`.
    Stor(String),
    /// `APPE path`.
    Appe(String),
    /// `STOU`.
    Stou,
    /// `TYPE A` or `TYPE I`.
    Type(TransferType),
    /// `MODE S` (stream, the only mode supported).
    Mode(u8),
    /// `STRU F` (file, the only structure supported).
    Stru(u8),
    /// `REST offset`.
    Rest(u64),
    /// `PASV`.
    Pasv,
    /// `EPSV` (RFC 2428).
    Epsv,
    /// `PORT h1,h2,h3,h4,p1,p2`.
    Port(SocketAddrV4),
    /// `EPRT |1|host|port|` (RFC 2428).
    Eprt(SocketAddr),
    /// `FEAT` (RFC 2389).
    Feat,
    /// `OPTS option` (RFC 2389), e.g. `UTF8 ON`.
    Opts(String),
    /// `SYST`.
    Syst,
    /// `STAT [path]`.
    Stat(Option<String>),
    /// `SITE command`.
    Site(String),
    /// `HELP [topic]`.
    Help(Option<String>),
    /// `NOOP`.
    Noop,
    /// `ABOR`.
    Abor,
    /// `QUIT`.
    Quit,
    /// `AUTH mechanism` (RFC 4217: `AUTH TLS`).
    Auth(String),
    /// `PBSZ size` (RFC 4217: always 0).
    Pbsz(u64),
    /// `PROT level` (`C` clear, `P` private).
    Prot(u8),
    /// Any other verb, with its argument (server role: answered `502`).
    Other {
        /// The verb, in upper case.
        verb: String,
        /// The rest of the line.
        arg: String,
    },
}

/// Why a command line did not parse (server role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The verb is missing or not letters (`500`).
    BadVerb,
    /// The command needs an argument and has none, or its argument does
    /// not parse (`501`).
    BadArgument,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::BadVerb => "syntax error, command unrecognized",
            ParseError::BadArgument => "syntax error in parameters or arguments",
        })
    }
}

impl core::error::Error for ParseError {}

fn check(arg: &str) -> Result<&str, Error> {
    if !crate::wire::is_safe_argument(arg.as_bytes()) {
        return Err(Error::new(ErrorKind::UnsafeArgument));
    }
    Ok(arg)
}

fn check_path(arg: &str) -> Result<&str, Error> {
    check(arg)?;
    if arg.is_empty() {
        return Err(Error::invalid("an empty path"));
    }
    Ok(arg)
}

impl Command {
    /// The command line, CRLF included. Refused (nothing to send) when an
    /// argument holds CR, LF or NUL ([`ErrorKind::UnsafeArgument`]) or is
    /// invalid for the command (an empty path, a user name with a space).
    ///
    /// ```
    /// use sanswire::ftp::{Command, ErrorKind};
    /// assert_eq!(Command::Retr("a b.txt".into()).to_line().unwrap(), b"RETR a b.txt\r\n");
    /// let e = Command::Dele("x\r\nDELE y".into()).to_line().unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::UnsafeArgument);
    /// ```
    pub fn to_line(&self) -> Result<Vec<u8>, Error> {
        let mut line = Vec::with_capacity(32);
        self.write_line(&mut line)?;
        Ok(line)
    }

    fn write_line(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        use Command::*;
        let mut put = |verb: &str, arg: Option<&str>| {
            out.extend_from_slice(verb.as_bytes());
            if let Some(arg) = arg {
                out.push(b' ');
                out.extend_from_slice(arg.as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        };
        let opt = |a: &Option<String>| -> Result<Option<String>, Error> {
            match a {
                Some(a) => Ok(Some(check_path(a)?.into())),
                None => Ok(None),
            }
        };
        match self {
            User(u) => {
                if check(u)?.is_empty() {
                    return Err(Error::invalid("an empty user name"));
                }
                put("USER", Some(u))
            }
            // An empty password is sent as `PASS ` would be refused by some
            // servers; send the verb alone.
            Pass(p) if p.is_empty() => put("PASS", None),
            Pass(p) => put("PASS", Some(check(p)?)),
            Acct(a) => put("ACCT", Some(check_path(a)?)),
            Cwd(p) => put("CWD", Some(check_path(p)?)),
            Cdup => put("CDUP", None),
            Pwd => put("PWD", None),
            Mkd(p) => put("MKD", Some(check_path(p)?)),
            Rmd(p) => put("RMD", Some(check_path(p)?)),
            Dele(p) => put("DELE", Some(check_path(p)?)),
            Rnfr(p) => put("RNFR", Some(check_path(p)?)),
            Rnto(p) => put("RNTO", Some(check_path(p)?)),
            Size(p) => put("SIZE", Some(check_path(p)?)),
            Mdtm(p) => put("MDTM", Some(check_path(p)?)),
            Mlst(p) => put("MLST", opt(p)?.as_deref()),
            Mlsd(p) => put("MLSD", opt(p)?.as_deref()),
            List(p) => put("LIST", opt(p)?.as_deref()),
            Nlst(p) => put("NLST", opt(p)?.as_deref()),
            Retr(p) => put("RETR", Some(check_path(p)?)),
            Stor(p) => put("STOR", Some(check_path(p)?)),
            Appe(p) => put("APPE", Some(check_path(p)?)),
            Stou => put("STOU", None),
            Type(TransferType::Ascii) => put("TYPE", Some("A")),
            Type(TransferType::Image) => put("TYPE", Some("I")),
            Mode(m) | Stru(m) if !m.is_ascii_alphabetic() => {
                return Err(Error::invalid("MODE and STRU take a letter"))
            }
            Mode(m) => put("MODE", Some(char_str(&[*m]))),
            Stru(s) => put("STRU", Some(char_str(&[*s]))),
            Rest(n) => put("REST", Some(&alloc::format!("{n}"))),
            Pasv => put("PASV", None),
            Epsv => put("EPSV", None),
            Port(a) => {
                let [h1, h2, h3, h4] = a.ip().octets();
                let (p1, p2) = (a.port() >> 8, a.port() & 0xff);
                put(
                    "PORT",
                    Some(&alloc::format!("{h1},{h2},{h3},{h4},{p1},{p2}")),
                )
            }
            Eprt(a) => {
                let proto = if a.is_ipv4() { 1 } else { 2 };
                put(
                    "EPRT",
                    Some(&alloc::format!("|{proto}|{}|{}|", a.ip(), a.port())),
                )
            }
            Feat => put("FEAT", None),
            Opts(o) => put("OPTS", Some(check_path(o)?)),
            Syst => put("SYST", None),
            Stat(p) => put("STAT", opt(p)?.as_deref()),
            Site(s) => put("SITE", Some(check_path(s)?)),
            Help(t) => put("HELP", opt(t)?.as_deref()),
            Noop => put("NOOP", None),
            Abor => put("ABOR", None),
            Quit => put("QUIT", None),
            Auth(m) => put("AUTH", Some(check_path(m)?)),
            Pbsz(n) => put("PBSZ", Some(&alloc::format!("{n}"))),
            Prot(p) if !p.is_ascii_alphabetic() => {
                return Err(Error::invalid("PROT takes a letter"))
            }
            Prot(p) => put("PROT", Some(char_str(&[*p]))),
            Other { verb, arg } => {
                if verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(Error::invalid("a verb is letters"));
                }
                let arg = check(arg)?;
                put(verb, (!arg.is_empty()).then_some(arg))
            }
        }
        Ok(())
    }

    /// Parses one command line (without its CRLF). The verb is matched
    /// without regard to case; the argument is the rest of the line after
    /// one space, kept whole (paths may hold spaces).
    ///
    /// ```
    /// use sanswire::ftp::{Command, TransferType};
    /// assert_eq!(Command::parse(b"retr my file.txt").unwrap(), Command::Retr("my file.txt".into()));
    /// assert_eq!(Command::parse(b"TYPE A N").unwrap(), Command::Type(TransferType::Ascii));
    /// assert_eq!(Command::parse(b"LIST").unwrap(), Command::List(None));
    /// // Options in LIST's argument (`-la`), as ls-minded clients send, are dropped.
    /// assert_eq!(Command::parse(b"LIST -la").unwrap(), Command::List(None));
    /// ```
    pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
        let (verb, arg) = match memchr::memchr(b' ', line) {
            Some(sp) => (&line[..sp], &line[sp + 1..]),
            None => (line, &b""[..]),
        };
        if verb.is_empty() || verb.len() > 8 || !verb.iter().all(u8::is_ascii_alphabetic) {
            return Err(ParseError::BadVerb);
        }
        let mut upper = [0u8; 8];
        upper[..verb.len()].copy_from_slice(verb);
        upper.make_ascii_uppercase();
        let verb = &upper[..verb.len()];
        let text = || String::from_utf8_lossy(arg).into_owned();
        let need = || {
            if arg.is_empty() {
                Err(ParseError::BadArgument)
            } else {
                Ok(text())
            }
        };
        let optional = || (!arg.is_empty()).then(text);
        use Command::*;
        Ok(match verb {
            b"USER" => User(need()?),
            b"PASS" => Pass(text()),
            b"ACCT" => Acct(need()?),
            b"CWD" | b"XCWD" => Cwd(need()?),
            b"CDUP" | b"XCUP" => Cdup,
            b"PWD" | b"XPWD" => Pwd,
            b"MKD" | b"XMKD" => Mkd(need()?),
            b"RMD" | b"XRMD" => Rmd(need()?),
            b"DELE" => Dele(need()?),
            b"RNFR" => Rnfr(need()?),
            b"RNTO" => Rnto(need()?),
            b"SIZE" => Size(need()?),
            b"MDTM" => Mdtm(need()?),
            b"MLST" => Mlst(optional()),
            b"MLSD" => Mlsd(optional()),
            b"LIST" => List(listing_path(arg)),
            b"NLST" => Nlst(listing_path(arg)),
            b"RETR" => Retr(need()?),
            b"STOR" => Stor(need()?),
            b"APPE" => Appe(need()?),
            b"STOU" => Stou,
            b"TYPE" => match arg.first().map(u8::to_ascii_uppercase) {
                Some(b'A') => Type(TransferType::Ascii),
                Some(b'I') => Type(TransferType::Image),
                // `TYPE L 8` is the image type on byte machines.
                Some(b'L') if arg.get(1..).is_some_and(|r| r.trim_ascii() == b"8") => {
                    Type(TransferType::Image)
                }
                _ => return Err(ParseError::BadArgument),
            },
            b"MODE" => Mode(one_letter(arg)?),
            b"STRU" => Stru(one_letter(arg)?),
            b"REST" => Rest(parse_u64(arg.trim_ascii()).ok_or(ParseError::BadArgument)?),
            b"PASV" => Pasv,
            b"EPSV" => Epsv,
            b"PORT" => Port(parse_pasv(arg).ok_or(ParseError::BadArgument)?),
            b"EPRT" => Eprt(parse_eprt(arg).ok_or(ParseError::BadArgument)?),
            b"FEAT" => Feat,
            b"OPTS" => Opts(need()?),
            b"SYST" => Syst,
            b"STAT" => Stat(optional()),
            b"SITE" => Site(need()?),
            b"HELP" => Help(optional()),
            b"NOOP" => Noop,
            b"ABOR" => Abor,
            b"QUIT" => Quit,
            b"AUTH" => Auth(need()?),
            b"PBSZ" => Pbsz(parse_u64(arg.trim_ascii()).ok_or(ParseError::BadArgument)?),
            b"PROT" => Prot(one_letter(arg)?),
            _ => Other {
                verb: String::from_utf8_lossy(verb).into_owned(),
                arg: text(),
            },
        })
    }

    /// Whether the command opens a data connection.
    pub fn is_transfer(&self) -> bool {
        matches!(
            self,
            Command::Retr(_)
                | Command::Stor(_)
                | Command::Appe(_)
                | Command::Stou
                | Command::List(_)
                | Command::Nlst(_)
                | Command::Mlsd(_)
        )
    }
}

fn char_str(b: &[u8; 1]) -> &str {
    core::str::from_utf8(b).unwrap_or("?")
}

fn one_letter(arg: &[u8]) -> Result<u8, ParseError> {
    match arg.trim_ascii() {
        [c] if c.is_ascii_alphabetic() => Ok(c.to_ascii_uppercase()),
        _ => Err(ParseError::BadArgument),
    }
}

/// LIST's and NLST's argument without the `ls` options some clients put
/// first (`-a`, `-la`; vsftpd and proftpd drop them too).
fn listing_path(arg: &[u8]) -> Option<String> {
    let mut rest = arg;
    while rest.first() == Some(&b'-') {
        let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        rest = rest.get(end + 1..).unwrap_or_default();
    }
    (!rest.is_empty()).then(|| String::from_utf8_lossy(rest).into_owned())
}

/// The address in an EPRT or PORT, for a `SocketAddr` of either family.
pub(crate) fn active_command(addr: SocketAddr, extended: bool) -> Command {
    match (addr, extended) {
        (SocketAddr::V4(v4), false) => Command::Port(v4),
        _ => Command::Eprt(addr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_gives_the_command_back() {
        let cmds = [
            Command::User("anonymous".into()),
            Command::Cwd("/pub/a dir".into()),
            Command::Rest(12345),
            Command::Port("127.0.0.1:5001".parse().unwrap()),
            Command::Eprt("[::1]:21".parse().unwrap()),
            Command::Type(TransferType::Ascii),
            Command::Mlsd(None),
            Command::Retr("x".into()),
            Command::Prot(b'P'),
        ];
        for c in cmds {
            let line = c.to_line().unwrap();
            let parsed = Command::parse(&line[..line.len() - 2]).unwrap();
            assert_eq!(parsed, c);
        }
    }

    #[test]
    fn every_argument_is_checked() {
        for bad in ["a\rb", "a\nb", "a\0b"] {
            for c in [
                Command::User(bad.into()),
                Command::Pass(bad.into()),
                Command::Cwd(bad.into()),
                Command::List(Some(bad.into())),
                Command::Site(bad.into()),
                Command::Rnto(bad.into()),
            ] {
                assert_eq!(c.to_line().unwrap_err().kind(), ErrorKind::UnsafeArgument);
            }
        }
        assert_eq!(
            Command::Retr(String::new()).to_line().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn parse_refuses_what_it_cannot_read() {
        assert_eq!(Command::parse(b""), Err(ParseError::BadVerb));
        assert_eq!(Command::parse(b"R3TR x"), Err(ParseError::BadVerb));
        assert_eq!(Command::parse(b"RETR"), Err(ParseError::BadArgument));
        assert_eq!(Command::parse(b"PORT 1,2,3"), Err(ParseError::BadArgument));
        assert!(matches!(
            Command::parse(b"XYZZY plugh").unwrap(),
            Command::Other { .. }
        ));
    }
}
