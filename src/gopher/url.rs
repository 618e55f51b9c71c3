//! Gopher URLs (RFC 4266), `gophers://` as curl has it.

use super::{Error, ErrorKind, Item, ItemType, Plus, Request};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// The default Gopher port.
pub const DEFAULT_PORT: u16 = 70;

/// A parsed `gopher://host[:port]/TYPE SELECTOR[%09QUERY[%09PLUS]]` URL.
///
/// The selector, query and Gopher+ string are percent-decoded; a TAB
/// (`%09`) separates them, as RFC 4266 §2.1 says. The decoded parts may
/// hold anything: [`request`](Self::request) refuses CR, LF and NUL before
/// anything is sent (a `gopher://host:25/_HELO%0D%0AMAIL...` URL must not
/// make us talk SMTP).
///
/// ```
/// use sanswire::gopher::{GopherUrl, ItemType};
/// let url = GopherUrl::parse("gopher://example.org/7/search%09rust%20sans-io").unwrap();
/// assert_eq!((url.host.as_str(), url.port, url.kind), ("example.org", 70, ItemType::Search));
/// assert_eq!(url.selector, b"/search");
/// assert_eq!(url.search.as_deref(), Some(&b"rust sans-io"[..]));
/// assert_eq!(url.to_string(), "gopher://example.org/7/search%09rust%20sans-io");
/// assert!(GopherUrl::parse("gopher://h:25/0x%0D%0AQUIT").unwrap().request().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GopherUrl {
    /// `gophers://`: TLS from the first byte.
    pub tls: bool,
    /// The host, without brackets for IPv6.
    pub host: String,
    /// The port (70 unless given).
    pub port: u16,
    /// The item type (`1` when the path is empty).
    pub kind: ItemType,
    /// The selector, decoded.
    pub selector: Vec<u8>,
    /// The query of a search, decoded.
    pub search: Option<Vec<u8>>,
    /// The Gopher+ string, decoded.
    pub plus: Option<Vec<u8>>,
}

impl GopherUrl {
    /// Parses a `gopher://` or `gophers://` URL.
    pub fn parse(url: &str) -> Result<GopherUrl, Error> {
        let bad = |why| Error::from(ErrorKind::InvalidUrl(why));
        let (scheme, rest) = url.split_once("://").ok_or(bad("no scheme"))?;
        let tls = if scheme.eq_ignore_ascii_case("gopher") {
            false
        } else if scheme.eq_ignore_ascii_case("gophers") {
            true
        } else {
            return Err(bad("not a gopher URL"));
        };
        // The fragment is the client's, never sent (as curl does).
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("user information in a gopher URL"));
        }
        let (host, port) = split_host_port(authority).ok_or(bad("bad host or port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let decoded = percent_decode(path.as_bytes());
        let (kind, rest) = match decoded.split_first() {
            Some((&t, rest)) => (ItemType::from_byte(t), rest),
            None => (ItemType::Menu, &[][..]),
        };
        let mut parts = rest.splitn(3, |b| *b == b'\t');
        let selector = parts.next().unwrap_or_default().to_vec();
        let search = parts.next().map(<[u8]>::to_vec);
        let plus = parts.next().map(<[u8]>::to_vec);
        Ok(GopherUrl {
            tls,
            host: String::from(host),
            port,
            kind,
            selector,
            search,
            plus,
        })
    }

    /// The URL of a menu item; `None` for items with no host or port to
    /// fetch from (`i` lines, errors).
    pub fn for_item(item: &Item) -> Option<GopherUrl> {
        let port = item.port.filter(|p| *p != 0)?;
        if item.host.is_empty() || !item.kind.is_fetchable() {
            return None;
        }
        Some(GopherUrl {
            tls: false,
            host: String::from_utf8_lossy(&item.host).into_owned(),
            port,
            kind: item.kind,
            selector: item.selector.to_vec(),
            search: None,
            plus: None,
        })
    }

    /// The request to send, checked: TAB, CR, LF or NUL in the selector,
    /// the query or the Gopher+ string is refused.
    pub fn request(&self) -> Result<Request, Error> {
        let plus = match &self.plus {
            None => Plus::None,
            Some(p) => Plus::parse(&Bytes::copy_from_slice(p))
                .ok_or(ErrorKind::InvalidUrl("Gopher+ string not +, ! or $"))?,
        };
        let request = Request {
            selector: Bytes::copy_from_slice(&self.selector),
            search: self.search.as_deref().map(Bytes::copy_from_slice),
            plus,
        };
        request.check()?;
        Ok(request)
    }
}

fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']')?;
        let after = &v6[end + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (&v6[..end], port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => DEFAULT_PORT,
        Some(p) => p.parse().ok()?,
    };
    Some((host, port))
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is kept
/// (as curl does).
pub fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let (Some(h), Some(l)) = (hex(s.get(i + 1)), hex(s.get(i + 2))) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match *b? {
        c @ b'0'..=b'9' => Some(c - b'0'),
        c @ b'a'..=b'f' => Some(c - b'a' + 10),
        c @ b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Writes `bytes` with everything but unreserved and path characters
/// escaped (TAB as `%09`).
fn percent_encode(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        let keep = b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b);
        if keep {
            write!(f, "{}", b as char)?;
        } else {
            write!(
                f,
                "%{}{}",
                HEX[usize::from(b >> 4)] as char,
                HEX[usize::from(b & 15)] as char
            )?;
        }
    }
    Ok(())
}

impl fmt::Display for GopherUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.tls { "gophers://" } else { "gopher://" })?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if self.port != DEFAULT_PORT {
            write!(f, ":{}", self.port)?;
        }
        f.write_str("/")?;
        let kind = [self.kind.to_byte()];
        percent_encode(f, &kind)?;
        percent_encode(f, &self.selector)?;
        for part in [&self.search, &self.plus].into_iter().flatten() {
            f.write_str("%09")?;
            percent_encode(f, part)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn rfc_4266_shapes() {
        let u = GopherUrl::parse("gopher://h").unwrap();
        assert_eq!((u.kind, u.selector.len(), u.port), (ItemType::Menu, 0, 70));
        let u = GopherUrl::parse("gophers://[::1]:7070/0/a%20b?c#frag").unwrap();
        assert!(u.tls);
        assert_eq!((u.host.as_str(), u.port), ("::1", 7070));
        assert_eq!(u.selector, b"/a b?c");
        assert_eq!(u.to_string(), "gophers://[::1]:7070/0/a%20b%3Fc");
        let u = GopherUrl::parse("gopher://h/1/d%09%09+").unwrap();
        assert_eq!(u.search.as_deref(), Some(&b""[..]));
        assert_eq!(u.request().unwrap().plus, Plus::Item(None));
        assert!(GopherUrl::parse("http://h/").is_err());
        assert!(GopherUrl::parse("gopher://h:99999/").is_err());
        assert!(GopherUrl::parse("gopher://u@h/").is_err());
        assert_eq!(percent_decode(b"%4g%41%"), b"%4gA%");
    }

    #[test]
    fn display_parses_back() {
        let u = GopherUrl::parse("gopher://h:71/7sel%20x%09q%25%0A").unwrap();
        assert_eq!(GopherUrl::parse(&u.to_string()).unwrap(), u);
    }
}
