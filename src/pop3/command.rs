//! POP3 commands: one encoder (for the client) and one parser (for the
//! server), so the two roles cannot disagree on the syntax.

use super::limits::MAX_COMMAND_LINE;
use super::response::{parse_number, push_number};
use super::{Error, ErrorKind};
use crate::wire::is_safe_argument;
use alloc::vec::Vec;
use base64::Engine as _;
use bytes::Bytes;
use core::fmt;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One POP3 command (RFC 1939, RFC 2449, RFC 2595, RFC 5034, RFC 6856).
///
/// Message numbers start at 1; 0 is refused by both the encoder and the
/// parser.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::pop3::Command;
/// let line = Command::Top { msg: 3, lines: 10 }.encode().unwrap();
/// assert_eq!(line, b"TOP 3 10\r\n");
/// let back = Command::parse(&Bytes::from_static(b"top 3 10")).unwrap();
/// assert_eq!(back, Command::Top { msg: 3, lines: 10 });
/// assert!(Command::User("eve\r\nDELE 1".into()).encode().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name`
    User(Bytes),
    /// `PASS string` (the rest of the line: it may hold spaces).
    Pass(Bytes),
    /// `APOP name digest`
    Apop {
        /// The mailbox name.
        user: Bytes,
        /// The hex MD5 digest of timestamp and secret (see
        /// [`apop_digest`](super::apop_digest)).
        digest: Bytes,
    },
    /// `AUTH mechanism [initial-response]` (RFC 5034).
    Auth {
        /// The SASL mechanism name.
        mechanism: Bytes,
        /// The initial response, raw (sent as base64; an empty one as `=`).
        initial_response: Option<Bytes>,
    },
    /// `CAPA` (RFC 2449)
    Capa,
    /// `STLS` (RFC 2595)
    Stls,
    /// `UTF8` (RFC 6856)
    Utf8,
    /// `STAT`
    Stat,
    /// `LIST [msg]`
    List(Option<u32>),
    /// `UIDL [msg]`
    Uidl(Option<u32>),
    /// `RETR msg`
    Retr(u32),
    /// `TOP msg lines`
    Top {
        /// The message number.
        msg: u32,
        /// How many body lines to send after the header.
        lines: u32,
    },
    /// `DELE msg`
    Dele(u32),
    /// `RSET`
    Rset,
    /// `NOOP`
    Noop,
    /// `QUIT`
    Quit,
}

/// Why a command line did not parse; the server answers `-ERR` and reads on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The keyword is not a POP3 command.
    UnknownCommand,
    /// The keyword is known but its arguments are wrong.
    BadArguments,
    /// The AUTH initial response is not base64.
    BadBase64,
}

impl ParseError {
    /// A short description, as the server puts it after `-ERR`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ParseError::UnknownCommand => "unknown command",
            ParseError::BadArguments => "bad arguments",
            ParseError::BadBase64 => "initial response is not base64",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for ParseError {}

impl Command {
    /// The command's keyword, as sent.
    pub fn keyword(&self) -> &'static str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Apop { .. } => "APOP",
            Command::Auth { .. } => "AUTH",
            Command::Capa => "CAPA",
            Command::Stls => "STLS",
            Command::Utf8 => "UTF8",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Uidl(_) => "UIDL",
            Command::Retr(_) => "RETR",
            Command::Top { .. } => "TOP",
            Command::Dele(_) => "DELE",
            Command::Rset => "RSET",
            Command::Noop => "NOOP",
            Command::Quit => "QUIT",
        }
    }

    /// Whether a `+OK` to this command is followed by a dot-terminated
    /// block: CAPA, LIST and UIDL without argument, RETR and TOP.
    pub fn expects_block(&self) -> bool {
        matches!(
            self,
            Command::Capa
                | Command::List(None)
                | Command::Uidl(None)
                | Command::Retr(_)
                | Command::Top { .. }
        )
    }

    /// The command line, CRLF included. Refuses (and writes nothing for)
    /// an argument holding CR, LF or NUL, a token argument that is empty
    /// or holds a space, message number 0, and a line longer than RFC
    /// 2449's 255 octets.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut line = Vec::with_capacity(32);
        line.extend_from_slice(self.keyword().as_bytes());
        match self {
            Command::User(name) => push_token(&mut line, name, "user name")?,
            Command::Pass(secret) => {
                check_safe(secret)?;
                line.push(b' ');
                line.extend_from_slice(secret);
            }
            Command::Apop { user, digest } => {
                push_token(&mut line, user, "user name")?;
                push_token(&mut line, digest, "APOP digest")?;
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                push_token(&mut line, mechanism, "SASL mechanism")?;
                if let Some(ir) = initial_response {
                    line.push(b' ');
                    push_base64(&mut line, ir);
                }
            }
            Command::List(msg) | Command::Uidl(msg) => {
                if let Some(n) = msg {
                    push_msg(&mut line, *n)?;
                }
            }
            Command::Retr(n) | Command::Dele(n) => push_msg(&mut line, *n)?,
            Command::Top { msg, lines } => {
                push_msg(&mut line, *msg)?;
                line.push(b' ');
                push_number(&mut line, u64::from(*lines));
            }
            Command::Capa
            | Command::Stls
            | Command::Utf8
            | Command::Stat
            | Command::Rset
            | Command::Noop
            | Command::Quit => {}
        }
        line.extend_from_slice(b"\r\n");
        if line.len() > MAX_COMMAND_LINE {
            return Err((ErrorKind::CommandTooLong {
                limit: MAX_COMMAND_LINE,
            })
            .into());
        }
        Ok(line)
    }

    /// Parses a command line (without its CRLF). Keywords are matched
    /// without regard to case; arguments are separated by single spaces
    /// (RFC 1939 §3), except PASS, whose argument is the rest of the line.
    pub fn parse(line: &Bytes) -> Result<Command, ParseError> {
        if !is_safe_argument(line) {
            return Err(ParseError::BadArguments);
        }
        let (keyword, rest) = match memchr::memchr(b' ', line) {
            Some(i) => (&line[..i], Some(line.slice(i + 1..))),
            None => (&line[..], None),
        };
        let mut upper = [0u8; 4];
        if keyword.len() > 4 {
            return Err(ParseError::UnknownCommand);
        }
        upper[..keyword.len()].copy_from_slice(keyword);
        upper.make_ascii_uppercase();
        let args = Args::new(rest.clone());
        let cmd = match &upper[..keyword.len()] {
            b"USER" => Command::User(args.exactly_one()?),
            b"PASS" => Command::Pass(rest.ok_or(ParseError::BadArguments)?),
            b"APOP" => {
                let [user, digest] = args.exactly()?;
                Command::Apop { user, digest }
            }
            b"AUTH" => parse_auth(args)?,
            b"CAPA" => args.none(Command::Capa)?,
            b"STLS" => args.none(Command::Stls)?,
            b"UTF8" => args.none(Command::Utf8)?,
            b"STAT" => args.none(Command::Stat)?,
            b"RSET" => args.none(Command::Rset)?,
            b"NOOP" => args.none(Command::Noop)?,
            b"QUIT" => args.none(Command::Quit)?,
            b"LIST" => Command::List(args.optional_msg()?),
            b"UIDL" => Command::Uidl(args.optional_msg()?),
            b"RETR" => Command::Retr(msg_number(&args.exactly_one()?)?),
            b"DELE" => Command::Dele(msg_number(&args.exactly_one()?)?),
            b"TOP" => {
                let [msg, lines] = args.exactly()?;
                Command::Top {
                    msg: msg_number(&msg)?,
                    lines: parse_number(&lines).ok_or(ParseError::BadArguments)?,
                }
            }
            _ => return Err(ParseError::UnknownCommand),
        };
        Ok(cmd)
    }
}

fn parse_auth(args: Args) -> Result<Command, ParseError> {
    let words = args.words()?;
    let (mechanism, initial_response) = match &words[..] {
        [m] => (m.clone(), None),
        [m, ir] => (m.clone(), Some(decode_base64(ir)?)),
        _ => return Err(ParseError::BadArguments),
    };
    Ok(Command::Auth {
        mechanism,
        initial_response,
    })
}

/// Decodes a SASL line: `=` is the empty response (RFC 5034 §4).
pub(crate) fn decode_base64(text: &[u8]) -> Result<Bytes, ParseError> {
    if text == b"=" {
        return Ok(Bytes::new());
    }
    BASE64
        .decode(text)
        .map(Bytes::from)
        .map_err(|_| ParseError::BadBase64)
}

/// Encodes a SASL message: the empty one as `=`.
pub(crate) fn push_base64(line: &mut Vec<u8>, raw: &[u8]) {
    if raw.is_empty() {
        line.push(b'=');
        return;
    }
    let start = line.len();
    line.resize(start + base64::encoded_len(raw.len(), true).unwrap_or(0), 0);
    let n = BASE64
        .encode_slice(raw, &mut line[start..])
        .unwrap_or_default();
    line.truncate(start + n);
}

/// A command's arguments, split on single spaces.
struct Args(Option<Bytes>);

impl Args {
    fn new(rest: Option<Bytes>) -> Args {
        Args(rest)
    }

    fn words(&self) -> Result<Vec<Bytes>, ParseError> {
        let Some(rest) = &self.0 else {
            return Ok(Vec::new());
        };
        let words: Vec<Bytes> = rest
            .split(|&b| b == b' ')
            .map(|w| rest.slice_ref(w))
            .collect();
        // An empty word means two spaces in a row, or a trailing space.
        if words.iter().any(|w| w.is_empty()) {
            return Err(ParseError::BadArguments);
        }
        Ok(words)
    }

    fn none(&self, cmd: Command) -> Result<Command, ParseError> {
        match self.0 {
            None => Ok(cmd),
            Some(_) => Err(ParseError::BadArguments),
        }
    }

    fn exactly<const N: usize>(&self) -> Result<[Bytes; N], ParseError> {
        self.words()?
            .try_into()
            .map_err(|_| ParseError::BadArguments)
    }

    fn exactly_one(&self) -> Result<Bytes, ParseError> {
        let [one] = self.exactly()?;
        Ok(one)
    }

    fn optional_msg(&self) -> Result<Option<u32>, ParseError> {
        match self.0 {
            None => Ok(None),
            Some(_) => Ok(Some(msg_number(&self.exactly_one()?)?)),
        }
    }
}

fn msg_number(word: &[u8]) -> Result<u32, ParseError> {
    match parse_number(word) {
        Some(0) | None => Err(ParseError::BadArguments),
        Some(n) => Ok(n),
    }
}

fn check_safe(arg: &[u8]) -> Result<(), Error> {
    if is_safe_argument(arg) {
        Ok(())
    } else {
        Err(ErrorKind::UnsafeArgument.into())
    }
}

fn push_token(line: &mut Vec<u8>, token: &[u8], what: &'static str) -> Result<(), Error> {
    check_safe(token)?;
    if token.is_empty() || token.contains(&b' ') {
        return Err(ErrorKind::InvalidArgument(what).into());
    }
    line.push(b' ');
    line.extend_from_slice(token);
    Ok(())
}

fn push_msg(line: &mut Vec<u8>, msg: u32) -> Result<(), Error> {
    if msg == 0 {
        return Err(ErrorKind::InvalidArgument("message numbers start at 1").into());
    }
    line.push(b' ');
    push_number(line, u64::from(msg));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn parse(line: &'static [u8]) -> Result<Command, ParseError> {
        Command::parse(&Bytes::from_static(line))
    }

    fn every_command() -> Vec<Command> {
        vec![
            Command::User("alice".into()),
            Command::Pass("s3cret with spaces".into()),
            Command::Pass("".into()),
            Command::Apop {
                user: "mrose".into(),
                digest: "c4c9334bac560ecc979e58001b3e22fb".into(),
            },
            Command::Auth {
                mechanism: "PLAIN".into(),
                initial_response: Some(Bytes::from_static(b"\0alice\0pw")),
            },
            Command::Auth {
                mechanism: "EXTERNAL".into(),
                initial_response: Some(Bytes::new()),
            },
            Command::Auth {
                mechanism: "LOGIN".into(),
                initial_response: None,
            },
            Command::Capa,
            Command::Stls,
            Command::Utf8,
            Command::Stat,
            Command::List(None),
            Command::List(Some(7)),
            Command::Uidl(None),
            Command::Uidl(Some(u32::MAX)),
            Command::Retr(1),
            Command::Top { msg: 2, lines: 0 },
            Command::Dele(3),
            Command::Rset,
            Command::Noop,
            Command::Quit,
        ]
    }

    #[test]
    fn encode_then_parse_gives_the_command_back() {
        for cmd in every_command() {
            let line = cmd.encode().unwrap();
            assert!(line.ends_with(b"\r\n"));
            let back = Command::parse(&Bytes::copy_from_slice(&line[..line.len() - 2]));
            assert_eq!(back, Ok(cmd));
        }
    }

    #[test]
    fn exact_encodings() {
        let auth = Command::Auth {
            mechanism: "PLAIN".into(),
            initial_response: Some(Bytes::from_static(b"\0u\0p")),
        };
        assert_eq!(auth.encode().unwrap(), b"AUTH PLAIN AHUAcA==\r\n");
        let empty = Command::Auth {
            mechanism: "EXTERNAL".into(),
            initial_response: Some(Bytes::new()),
        };
        assert_eq!(empty.encode().unwrap(), b"AUTH EXTERNAL =\r\n");
        assert_eq!(Command::List(None).encode().unwrap(), b"LIST\r\n");
        assert_eq!(Command::Uidl(Some(12)).encode().unwrap(), b"UIDL 12\r\n");
        assert_eq!(
            Command::Pass("a b".into()).encode().unwrap(),
            b"PASS a b\r\n"
        );
    }

    #[test]
    fn encoder_refuses_bad_arguments() {
        for bad in [&b"a\rb"[..], b"a\nb", b"a\0b"] {
            let b = Bytes::copy_from_slice(bad);
            assert_eq!(
                Command::User(b.clone()).encode(),
                Err(ErrorKind::UnsafeArgument.into())
            );
            assert_eq!(
                Command::Pass(b.clone()).encode(),
                Err(ErrorKind::UnsafeArgument.into())
            );
        }
        assert!(matches!(
            Command::User("two words".into())
                .encode()
                .map_err(|e| e.kind()),
            Err(ErrorKind::InvalidArgument(_))
        ));
        assert!(matches!(
            Command::User("".into()).encode().map_err(|e| e.kind()),
            Err(ErrorKind::InvalidArgument(_))
        ));
        assert!(matches!(
            Command::Retr(0).encode().map_err(|e| e.kind()),
            Err(ErrorKind::InvalidArgument(_))
        ));
        let long = Bytes::from(vec![b'x'; 250]);
        assert_eq!(
            Command::Pass(long).encode(),
            Err((ErrorKind::CommandTooLong { limit: 255 }).into())
        );
    }

    #[test]
    fn parser_is_strict_about_arguments() {
        assert_eq!(parse(b"STAT"), Ok(Command::Stat));
        assert_eq!(parse(b"stat"), Ok(Command::Stat));
        assert_eq!(parse(b"STAT "), Err(ParseError::BadArguments));
        assert_eq!(parse(b"RETR"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"RETR 0"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"RETR  1"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"RETR -1"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"RETR 99999999999"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"TOP 1"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"USER a b"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"PASS"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"PASS  x "), Ok(Command::Pass(" x ".into())));
        assert_eq!(parse(b"XTND"), Err(ParseError::UnknownCommand));
        assert_eq!(parse(b"RETRIEVE 1"), Err(ParseError::UnknownCommand));
        assert_eq!(parse(b""), Err(ParseError::UnknownCommand));
        assert_eq!(parse(b"AUTH PLAIN !!"), Err(ParseError::BadBase64));
        assert_eq!(parse(b"AUTH"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"NOOP\0"), Err(ParseError::BadArguments));
        assert_eq!(parse(b"PASS a\rb"), Err(ParseError::BadArguments));
    }

    #[test]
    fn which_commands_expect_a_block() {
        let blocks: Vec<&str> = every_command()
            .iter()
            .filter(|c| c.expects_block())
            .map(|c| c.keyword())
            .collect();
        assert_eq!(blocks, ["CAPA", "LIST", "UIDL", "RETR", "TOP"]);
    }
}
