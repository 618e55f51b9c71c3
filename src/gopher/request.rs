//! The request line, both roles: the one encoder and the one parser.

use super::item::check_field;
use super::{Error, ErrorKind};
use crate::wire::Outbox;
use alloc::vec::Vec;
use bytes::Bytes;

/// The Gopher+ part of a request: the field after the selector (and the
/// query).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Plus {
    /// A plain RFC 1436 request.
    #[default]
    None,
    /// `+` or `+VIEW`: the item itself, in its default representation or
    /// in the named view (`+text/plain`); the answer starts with a data
    /// header (`+-1`, `+-2`, `+N`).
    Item(Option<Bytes>),
    /// `!` or `!+ATTR...`: the item's attribute blocks (`+INFO`,
    /// `+ADMIN`, `+VIEWS`, ...), or only the named ones.
    Attributes(Option<Bytes>),
    /// `$` or `$+ATTR...`: the attribute blocks of every item of a
    /// directory.
    Directory(Option<Bytes>),
}

impl Plus {
    /// The field as sent; `None` for a plain request.
    fn prefix_and_arg(&self) -> Option<(u8, Option<&Bytes>)> {
        match self {
            Plus::None => None,
            Plus::Item(arg) => Some((b'+', arg.as_ref())),
            Plus::Attributes(arg) => Some((b'!', arg.as_ref())),
            Plus::Directory(arg) => Some((b'$', arg.as_ref())),
        }
    }

    /// Reads a Gopher+ field (`+...`, `!...`, `$...`); `None` for anything
    /// else.
    pub fn parse(field: &Bytes) -> Option<Plus> {
        let arg = || (field.len() > 1).then(|| field.slice(1..));
        Some(match field.first()? {
            b'+' => Plus::Item(arg()),
            b'!' => Plus::Attributes(arg()),
            b'$' => Plus::Directory(arg()),
            _ => return None,
        })
    }

    /// Whether this is a Gopher+ request.
    pub fn is_plus(&self) -> bool {
        !matches!(self, Plus::None)
    }

    /// Whether the answer is attribute blocks (`!`, `$`).
    pub fn wants_attributes(&self) -> bool {
        matches!(self, Plus::Attributes(_) | Plus::Directory(_))
    }
}

/// A request: the selector, the query of a type-7 search, and the Gopher+
/// suffix.
///
/// ```
/// use sanswire::gopher::{Plus, Request};
/// let r = Request::search("/veronica", "gopher rfc").with_plus(Plus::Item(None));
/// assert_eq!(r.to_line().unwrap(), b"/veronica\tgopher rfc\t+\r\n");
/// assert!(Request::new("/a\tb").to_line().is_err());
/// let back = Request::parse(bytes::Bytes::from_static(b"/veronica\tgopher rfc\t+")).unwrap();
/// assert_eq!(back, r);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// The selector (empty for a server's root menu).
    pub selector: Bytes,
    /// The query, for a type-7 search.
    pub search: Option<Bytes>,
    /// The Gopher+ suffix.
    pub plus: Plus,
}

impl Request {
    /// A plain request for `selector`.
    pub fn new(selector: impl Into<Bytes>) -> Self {
        Request {
            selector: selector.into(),
            search: None,
            plus: Plus::None,
        }
    }

    /// A type-7 search of `selector` for `query`.
    pub fn search(selector: impl Into<Bytes>, query: impl Into<Bytes>) -> Self {
        Request {
            selector: selector.into(),
            search: Some(query.into()),
            plus: Plus::None,
        }
    }

    /// The same request with a Gopher+ suffix.
    pub fn with_plus(mut self, plus: Plus) -> Self {
        self.plus = plus;
        self
    }

    /// Refuses TAB, CR, LF and NUL in every part: any of them would end
    /// the request early and let the rest speak for us.
    pub fn check(&self) -> Result<(), Error> {
        check_field(&self.selector)?;
        if let Some(q) = &self.search {
            check_field(q)?;
        }
        if let Some((_, Some(arg))) = self.plus.prefix_and_arg() {
            check_field(arg)?;
        }
        Ok(())
    }

    /// Queues the request line, checked first (nothing is queued on error).
    pub fn encode(&self, out: &mut Outbox) -> Result<(), Error> {
        out.write(&self.to_line()?);
        Ok(())
    }

    /// The request line, CRLF included.
    pub fn to_line(&self) -> Result<Vec<u8>, Error> {
        self.check()?;
        let mut line = Vec::with_capacity(self.selector.len() + 8);
        line.extend_from_slice(&self.selector);
        if let Some(q) = &self.search {
            line.push(b'\t');
            line.extend_from_slice(q);
        }
        if let Some((prefix, arg)) = self.plus.prefix_and_arg() {
            line.push(b'\t');
            line.push(prefix);
            if let Some(arg) = arg {
                line.extend_from_slice(arg);
            }
        }
        line.extend_from_slice(b"\r\n");
        Ok(line)
    }

    /// Parses a request line (without its ending), as a server reads it.
    ///
    /// Two fields are a search when the second does not start with `+`,
    /// `!` or `$` (a Gopher+ request otherwise: a query that starts with
    /// one of those reads as Gopher+, as in every Gopher+ server); three
    /// or more are selector, query and Gopher+ string (a fourth field,
    /// the `1` that announces an ASK block, is ignored: the server reads
    /// nothing after the line). CR and NUL are refused.
    pub fn parse(line: Bytes) -> Result<Request, Error> {
        if memchr::memchr2(b'\r', 0, &line).is_some() {
            return Err(ErrorKind::InvalidRequest.into());
        }
        let mut fields = Fields { rest: Some(line) };
        let selector = fields.next_field().unwrap_or_default();
        let second = fields.next_field();
        let third = fields.next_field();
        let (search, plus) = match (second, third) {
            (None, _) => (None, Plus::None),
            (Some(f), None) => match Plus::parse(&f) {
                Some(plus) => (None, plus),
                None => (Some(f), Plus::None),
            },
            (Some(q), Some(p)) => (Some(q), Plus::parse(&p).unwrap_or_default()),
        };
        Ok(Request {
            selector,
            search,
            plus,
        })
    }
}

/// TAB-separated fields, cut off a line as slices; `rest` is `None` once
/// the last field was taken (so `sel<TAB>` has an empty second field).
struct Fields {
    rest: Option<Bytes>,
}

impl Fields {
    fn next_field(&mut self) -> Option<Bytes> {
        let mut rest = self.rest.take()?;
        match memchr::memchr(b'\t', &rest) {
            Some(i) => {
                let field = rest.split_to(i);
                self.rest = Some(rest.slice(1..));
                Some(field)
            }
            None => Some(rest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &'static [u8]) -> Request {
        Request::parse(Bytes::from_static(s)).unwrap()
    }

    #[test]
    fn the_four_shapes() {
        assert_eq!(parse(b""), Request::new(""));
        assert_eq!(parse(b"/a"), Request::new("/a"));
        assert_eq!(parse(b"/s\tq w"), Request::search("/s", "q w"));
        assert_eq!(parse(b"/a\t+").plus, Plus::Item(None));
        assert_eq!(
            parse(b"/a\t+text/plain").plus,
            Plus::Item(Some(Bytes::from_static(b"text/plain")))
        );
        assert_eq!(parse(b"/a\t!").plus, Plus::Attributes(None));
        assert_eq!(
            parse(b"/a\t!+ADMIN").plus,
            Plus::Attributes(Some(Bytes::from_static(b"+ADMIN")))
        );
        assert_eq!(parse(b"/a\t$").plus, Plus::Directory(None));
        let r = parse(b"/s\tq\t+\t1");
        assert_eq!(
            (r.search.as_deref(), r.plus),
            (Some(&b"q"[..]), Plus::Item(None))
        );
        assert_eq!(parse(b"/s\t"), Request::search("/s", ""));
        assert!(Request::parse(Bytes::from_static(b"/a\rb")).is_err());
        assert!(Request::parse(Bytes::from_static(b"/a\0")).is_err());
    }

    #[test]
    fn refuses_what_would_break_the_line() {
        for bad in [&b"a\tb"[..], b"a\rb", b"a\nb", b"a\0b"] {
            let bad = Bytes::copy_from_slice(bad);
            assert!(Request::new(bad.clone()).to_line().is_err());
            assert!(Request::search("/", bad.clone()).to_line().is_err());
            assert!(Request::new("/")
                .with_plus(Plus::Item(Some(bad)))
                .to_line()
                .is_err());
        }
        assert_eq!(Request::new("").to_line().unwrap(), b"\r\n");
        assert_eq!(
            Request::new("/d")
                .with_plus(Plus::Directory(None))
                .to_line()
                .unwrap(),
            b"/d\t$\r\n"
        );
    }
}
