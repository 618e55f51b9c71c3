//! Menu items: their types, the lenient menu parser and the strict menu
//! builder.

use super::{Error, ErrorKind};
use alloc::vec::Vec;
use bytes::Bytes;

/// The type of a menu item: its first character (RFC 1436 §3.8, Gopher+,
/// and the types real servers use). Unknown types are kept as
/// [`ItemType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemType {
    /// `0`: a text file.
    Text,
    /// `1`: a menu (directory).
    Menu,
    /// `2`: a CSO phone-book server.
    CsoServer,
    /// `3`: an error.
    Error,
    /// `4`: a BinHexed Macintosh file.
    BinHex,
    /// `5`: a DOS binary archive.
    DosArchive,
    /// `6`: a uuencoded file.
    Uuencoded,
    /// `7`: a full-text search server; the request carries a query.
    Search,
    /// `8`: a Telnet session.
    Telnet,
    /// `9`: a binary file.
    Binary,
    /// `+`: a mirror of the item before it.
    Mirror,
    /// `g`: a GIF image.
    Gif,
    /// `I`: an image of another format.
    Image,
    /// `T`: a tn3270 session.
    Tn3270,
    /// `h`: an HTML file (or, with a `URL:` selector, a link to the web).
    Html,
    /// `i`: an informational line, not a link.
    Info,
    /// `s`: a sound file.
    Sound,
    /// `d`: a document (PDF, Word, ...), as gophernicus types them.
    Document,
    /// `p`: a PNG image, in the types of gophernicus and Bucktooth.
    Png,
    /// `P`: a PDF document (pygopherd).
    Pdf,
    /// `;`: a video file (Gopher+).
    Video,
    /// `:`: a bitmap image (Gopher+).
    Bitmap,
    /// `<`: a sound file (Gopher+).
    SoundPlus,
    /// Any other type character, kept as it came.
    Other(u8),
}

/// How a response to an item of some type is framed, and so what a client
/// reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// Menu lines ended by a `.` line (types 1 and 7): read as
    /// [`Item`]s.
    Menu,
    /// Text ended by a `.` line, dot-stuffed (types 0, 2, 3, 4, 6).
    Text,
    /// Bytes until the server closes (binaries, images, HTML); also what
    /// curl does for every type.
    Binary,
}

impl ItemType {
    /// The type for a type character.
    pub fn from_byte(b: u8) -> Self {
        use ItemType::*;
        match b {
            b'0' => Text,
            b'1' => Menu,
            b'2' => CsoServer,
            b'3' => Error,
            b'4' => BinHex,
            b'5' => DosArchive,
            b'6' => Uuencoded,
            b'7' => Search,
            b'8' => Telnet,
            b'9' => Binary,
            b'+' => Mirror,
            b'g' => Gif,
            b'I' => Image,
            b'T' => Tn3270,
            b'h' => Html,
            b'i' => Info,
            b's' => Sound,
            b'd' => Document,
            b'p' => Png,
            b'P' => Pdf,
            b';' => Video,
            b':' => Bitmap,
            b'<' => SoundPlus,
            other => Other(other),
        }
    }

    /// The type character.
    pub fn to_byte(self) -> u8 {
        use ItemType::*;
        match self {
            Text => b'0',
            Menu => b'1',
            CsoServer => b'2',
            Error => b'3',
            BinHex => b'4',
            DosArchive => b'5',
            Uuencoded => b'6',
            Search => b'7',
            Telnet => b'8',
            Binary => b'9',
            Mirror => b'+',
            Gif => b'g',
            Image => b'I',
            Tn3270 => b'T',
            Html => b'h',
            Info => b'i',
            Sound => b's',
            Document => b'd',
            Png => b'p',
            Pdf => b'P',
            Video => b';',
            Bitmap => b':',
            SoundPlus => b'<',
            Other(b) => b,
        }
    }

    /// How the server frames a response for an item of this type.
    pub fn body(self) -> Body {
        use ItemType::*;
        match self {
            Menu | Search => Body::Menu,
            Text | CsoServer | Error | BinHex | Uuencoded => Body::Text,
            _ => Body::Binary,
        }
    }

    /// Whether a client can fetch an item of this type over Gopher (not
    /// an informational line, an error, or a Telnet/tn3270 session).
    pub fn is_fetchable(self) -> bool {
        !matches!(
            self,
            ItemType::Info | ItemType::Error | ItemType::Telnet | ItemType::Tn3270
        )
    }
}

/// One menu item, its fields as slices of the received menu (no copy).
///
/// Fields a server left out are empty; bytes that are not UTF-8 are kept
/// as they came (use [`String::from_utf8_lossy`](alloc::string::String::from_utf8_lossy)
/// to show them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The type character.
    pub kind: ItemType,
    /// What a user is shown.
    pub display: Bytes,
    /// What to send to fetch the item.
    pub selector: Bytes,
    /// The server that has it.
    pub host: Bytes,
    /// Its port: `None` when missing or not a number (many `i` lines).
    pub port: Option<u16>,
    /// The Gopher+ field after the port (`+` for a Gopher+ item, `?` for
    /// one with an ASK form), if there is one and it is not empty.
    pub plus: Option<Bytes>,
}

/// [`Item`] borrowing from the menu's bytes: what [`MenuLines`] hands out,
/// with no reference counting at all (the fast path; see
/// [`to_item`](Self::to_item) for the owned form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef<'a> {
    /// The type character.
    pub kind: ItemType,
    /// What a user is shown.
    pub display: &'a [u8],
    /// What to send to fetch the item.
    pub selector: &'a [u8],
    /// The server that has it.
    pub host: &'a [u8],
    /// Its port, `None` when missing or not a number.
    pub port: Option<u16>,
    /// The non-empty Gopher+ field after the port, if any.
    pub plus: Option<&'a [u8]>,
}

impl<'a> ItemRef<'a> {
    /// Parses one menu line (without its line ending; a trailing CR is
    /// dropped). Never fails: missing fields are empty, as the `i` lines
    /// of many servers have them; `None` for an empty line.
    pub fn parse(line: &'a [u8]) -> Option<ItemRef<'a>> {
        ItemRef::from_tabs(line, &Tabs::of(line))
    }

    /// The item of `line` whose first TABs are at `tabs` (positions in
    /// `line`).
    fn from_tabs(line: &'a [u8], tabs: &Tabs) -> Option<ItemRef<'a>> {
        let line = match line {
            [rest @ .., b'\r'] => rest,
            _ => line,
        };
        let (&kind, _) = line.split_first()?;
        // Field k runs from after the TAB before it to the TAB after it.
        let field = |k: usize| -> &'a [u8] {
            if k > tabs.len {
                return &[];
            }
            let start = if k == 0 { 1 } else { tabs.at[k - 1] + 1 };
            let end = if k < tabs.len { tabs.at[k] } else { line.len() };
            line.get(start..end.min(line.len())).unwrap_or_default()
        };
        let plus = field(4);
        Some(ItemRef {
            kind: ItemType::from_byte(kind),
            display: field(0),
            selector: field(1),
            host: field(2),
            port: parse_port(field(3)),
            plus: (!plus.is_empty()).then_some(plus),
        })
    }

    /// The owned item, its fields sliced from `source`, which must be the
    /// buffer this item was parsed from (no copy).
    pub fn to_item(&self, source: &Bytes) -> Item {
        let slice = |s: &[u8]| {
            if s.is_empty() {
                Bytes::new()
            } else {
                source.slice_ref(s)
            }
        };
        Item {
            kind: self.kind,
            display: slice(self.display),
            selector: slice(self.selector),
            host: slice(self.host),
            port: self.port,
            plus: self.plus.map(slice),
        }
    }
}

/// A port field: digits, with the spaces some servers pad it with.
fn parse_port(field: &[u8]) -> Option<u16> {
    let field = field.trim_ascii();
    if field.len() > 5 {
        return None;
    }
    u16::try_from(crate::wire::number::parse_u64(field)?).ok()
}

/// Where the first five TABs of a line are: enough to cut its fields.
#[derive(Debug, Default, Clone, Copy)]
struct Tabs {
    at: [usize; 5],
    len: usize,
}

impl Tabs {
    /// The first five TABs of `line` after its type byte (which may be
    /// anything, a TAB included). A plain loop: on lines of 60 bytes with
    /// five TABs, a vector search restarted at every field, or one pass
    /// for TABs and LFs together, measured no faster.
    #[inline]
    fn of(line: &[u8]) -> Tabs {
        let mut tabs = Tabs::default();
        for (i, b) in line.iter().enumerate().skip(1) {
            if *b == b'\t' && !tabs.push(i) {
                break;
            }
        }
        tabs
    }

    /// Records a TAB; `false` once five are known (the rest is ignored).
    #[inline]
    fn push(&mut self, at: usize) -> bool {
        // No branch: past five, the last slot is overwritten and not counted.
        let full = self.len >= self.at.len();
        self.at[self.len.min(self.at.len() - 1)] = if full { self.at[4] } else { at };
        self.len += usize::from(!full);
        self.len < self.at.len()
    }
}

/// What one line of a menu is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuLine<'a> {
    /// An item.
    Item(ItemRef<'a>),
    /// The `.` line that ends the menu.
    End,
    /// An empty line (pygopherd ends some menus with one): skipped.
    Blank,
}

impl<'a> MenuLine<'a> {
    /// Classifies one line (without its CRLF or LF ending): the
    /// terminator, an empty line, or an item (a line stuffed with a
    /// leading `.` is unstuffed).
    pub fn parse(line: &'a [u8]) -> MenuLine<'a> {
        match line {
            b"." => MenuLine::End,
            [] => MenuLine::Blank,
            [b'.', rest @ ..] => ItemRef::parse(rest).map_or(MenuLine::Blank, MenuLine::Item),
            _ => ItemRef::parse(line).map_or(MenuLine::Blank, MenuLine::Item),
        }
    }
}

/// The items of a whole menu held in memory, as [`ItemRef`]s: lines end
/// in CRLF or a bare LF (gophernicus' gophermaps, many small servers), the
/// final `.` may be missing (pygopherd), empty lines are skipped, and
/// nothing after the `.` line is read.
///
/// ```
/// use sanswire::gopher::{ItemType, MenuLines};
/// let menu = b"iWelcome\t\terror.host\t1\r\n1Docs\t/docs\thost\t70\t+\n.\r\n";
/// let items: Vec<_> = MenuLines::new(menu).collect();
/// assert_eq!(items[0].kind, ItemType::Info);
/// assert_eq!(items[1].selector, b"/docs");
/// assert_eq!(items[1].port, Some(70));
/// assert_eq!(items[1].plus, Some(&b"+"[..]));
/// ```
#[derive(Debug, Clone)]
pub struct MenuLines<'a> {
    rest: &'a [u8],
}

impl<'a> MenuLines<'a> {
    /// The items of `menu`.
    pub fn new(menu: &'a [u8]) -> Self {
        MenuLines { rest: menu }
    }

    /// The next line, CRLF or LF cut off, as `wire::LineReader` cuts
    /// them.
    fn next_line(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) if i > 0 && self.rest[i - 1] == b'\r' => {
                (&self.rest[..i - 1], &self.rest[i + 1..])
            }
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some(line)
    }
}

impl<'a> Iterator for MenuLines<'a> {
    type Item = ItemRef<'a>;

    fn next(&mut self) -> Option<ItemRef<'a>> {
        while let Some(line) = self.next_line() {
            let item = match line {
                b"." => {
                    self.rest = &[];
                    return None;
                }
                [] => None,
                // A stuffed line: unstuffed, its type is the second byte.
                [b'.', rest @ ..] => ItemRef::parse(rest),
                _ => ItemRef::parse(line),
            };
            if item.is_some() {
                return item;
            }
        }
        None
    }
}

/// The items of a whole menu as owned [`Item`]s sliced from `menu` (no
/// copy of the fields); see [`MenuLines`] for what is accepted.
pub fn parse_menu(menu: &Bytes) -> impl Iterator<Item = Item> + '_ {
    MenuLines::new(menu).map(move |item| item.to_item(menu))
}

impl Item {
    /// An item with every field given.
    pub fn new(
        kind: ItemType,
        display: impl Into<Bytes>,
        selector: impl Into<Bytes>,
        host: impl Into<Bytes>,
        port: u16,
    ) -> Self {
        Item {
            kind,
            display: display.into(),
            selector: selector.into(),
            host: host.into(),
            port: Some(port),
            plus: None,
        }
    }

    /// An informational (`i`) line.
    pub fn info(text: impl Into<Bytes>) -> Self {
        Item {
            kind: ItemType::Info,
            display: text.into(),
            selector: Bytes::new(),
            host: Bytes::from_static(b"null.host"),
            port: Some(1),
            plus: None,
        }
    }

    /// Marks the item as a Gopher+ one (`+` after the port).
    pub fn with_plus(mut self) -> Self {
        self.plus = Some(Bytes::from_static(b"+"));
        self
    }

    /// Parses one menu line (without its ending); `None` for an empty
    /// line. See [`ItemRef::parse`].
    pub fn parse(line: &Bytes) -> Option<Item> {
        ItemRef::parse(line).map(|r| r.to_item(line))
    }

    /// The borrowed form.
    pub fn as_ref(&self) -> ItemRef<'_> {
        ItemRef {
            kind: self.kind,
            display: &self.display,
            selector: &self.selector,
            host: &self.host,
            port: self.port,
            plus: self.plus.as_deref(),
        }
    }

    /// Appends the item's menu line, CRLF included, refusing a type
    /// character or field that would break the line (TAB, CR, LF, NUL; a
    /// display string may hold NUL-free text of any bytes).
    pub fn write_line(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        check_type(self.kind)?;
        for field in [&self.display, &self.selector, &self.host] {
            check_field(field)?;
        }
        if let Some(plus) = &self.plus {
            check_field(plus)?;
        }
        out.push(self.kind.to_byte());
        out.extend_from_slice(&self.display);
        out.push(b'\t');
        out.extend_from_slice(&self.selector);
        out.push(b'\t');
        out.extend_from_slice(&self.host);
        out.push(b'\t');
        if let Some(port) = self.port {
            push_decimal(out, u64::from(port));
        }
        if let Some(plus) = &self.plus {
            out.push(b'\t');
            out.extend_from_slice(plus);
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }
}

/// Refuses a field that would end the line or the field early.
pub(crate) fn check_field(field: &[u8]) -> Result<(), Error> {
    let breaks = memchr::memchr3(b'\t', b'\r', b'\n', field).is_some() || field.contains(&0);
    if breaks {
        Err(ErrorKind::UnsafeArgument.into())
    } else {
        Ok(())
    }
}

/// A type character must be a visible ASCII character, and not `.`
/// (a line starting with `.` reads as stuffed, or as the terminator).
fn check_type(kind: ItemType) -> Result<(), Error> {
    match kind.to_byte() {
        b'.' => Err(ErrorKind::InvalidArgument("item type `.`").into()),
        b if b.is_ascii_graphic() => Ok(()),
        _ => Err(ErrorKind::InvalidArgument("item type not a visible ASCII character").into()),
    }
}

/// Appends `n` in decimal, without allocating.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u64) {
    struct Append<'a>(&'a mut Vec<u8>);
    impl core::fmt::Write for Append<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }
    let _ = core::fmt::Write::write_fmt(&mut Append(out), format_args!("{n}"));
}

/// A menu ready to send: its lines and the `.` terminator, each line
/// checked by [`MenuBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu(Bytes);

impl Menu {
    /// The menu's bytes as sent, terminator included.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The items back, parsed.
    pub fn items(&self) -> impl Iterator<Item = Item> + '_ {
        parse_menu(&self.0)
    }
}

/// Builds a [`Menu`], refusing TAB, CR, LF and NUL in display strings,
/// selectors and host names, so no caller's text can add a line or a
/// field.
///
/// ```
/// use sanswire::gopher::{Item, ItemType, MenuBuilder};
/// let mut menu = MenuBuilder::new("gopher.example.org", 70);
/// menu.info("Welcome!").unwrap();
/// menu.link(ItemType::Text, "About", "/about.txt").unwrap();
/// assert!(menu.link(ItemType::Text, "evil\r\n0x", "/").is_err());
/// let menu = menu.finish();
/// assert_eq!(&menu.as_bytes()[..], &b"iWelcome!\t\tnull.host\t1\r\n0About\t/about.txt\tgopher.example.org\t70\r\n.\r\n"[..]);
/// ```
#[derive(Debug, Clone)]
pub struct MenuBuilder {
    buf: Vec<u8>,
    host: Bytes,
    port: u16,
}

impl MenuBuilder {
    /// A menu whose links point at `host`:`port` unless told otherwise.
    pub fn new(host: impl Into<Bytes>, port: u16) -> Self {
        MenuBuilder {
            buf: Vec::new(),
            host: host.into(),
            port,
        }
    }

    /// Adds any item; refused (and nothing added) if a field holds TAB,
    /// CR, LF or NUL, or the type is not a visible character.
    pub fn item(&mut self, item: &Item) -> Result<&mut Self, Error> {
        let mark = self.buf.len();
        if let Err(e) = item.write_line(&mut self.buf) {
            self.buf.truncate(mark);
            return Err(e);
        }
        Ok(self)
    }

    /// Adds a link to `selector` on this menu's host and port.
    pub fn link(
        &mut self,
        kind: ItemType,
        display: impl AsRef<[u8]>,
        selector: impl AsRef<[u8]>,
    ) -> Result<&mut Self, Error> {
        let item = Item::new(
            kind,
            Bytes::copy_from_slice(display.as_ref()),
            Bytes::copy_from_slice(selector.as_ref()),
            self.host.clone(),
            self.port,
        );
        self.item(&item)
    }

    /// Adds an informational (`i`) line.
    pub fn info(&mut self, text: impl AsRef<[u8]>) -> Result<&mut Self, Error> {
        self.item(&Item::info(Bytes::copy_from_slice(text.as_ref())))
    }

    /// Adds an error (`3`) line.
    pub fn error(&mut self, text: impl AsRef<[u8]>) -> Result<&mut Self, Error> {
        let mut item = Item::info(Bytes::copy_from_slice(text.as_ref()));
        item.kind = ItemType::Error;
        item.host = Bytes::from_static(b"error.host");
        self.item(&item)
    }

    /// Ends the menu with its `.` line.
    pub fn finish(mut self) -> Menu {
        self.buf.extend_from_slice(b".\r\n");
        Menu(Bytes::from(self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_character_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(ItemType::from_byte(b).to_byte(), b);
        }
        assert_eq!(ItemType::from_byte(b'x'), ItemType::Other(b'x'));
        assert_eq!(ItemType::Search.body(), Body::Menu);
        assert_eq!(ItemType::Gif.body(), Body::Binary);
    }

    #[test]
    fn lenient_lines() {
        // An `i` line with no fields at all, a port padded with spaces, trailing tabs.
        let i = ItemRef::parse(b"iJust text").unwrap();
        assert_eq!(
            (i.display, i.selector, i.host, i.port),
            (&b"Just text"[..], &b""[..], &b""[..], None)
        );
        let p = ItemRef::parse(b"1Dir\t/d\th\t 70 \t\t\r").unwrap();
        assert_eq!(p.port, Some(70));
        assert_eq!(p.plus, None);
        assert_eq!(ItemRef::parse(b"0x\t/\th\t99999").unwrap().port, None);
        assert_eq!(ItemRef::parse(b"0x\t/\th\t7a").unwrap().port, None);
        assert_eq!(ItemRef::parse(b""), None);
        // A TAB as the type byte (found by proptest): a type, not a separator.
        let t = ItemRef::parse(b"\tX\tY").unwrap();
        assert_eq!(
            (t.kind, t.display, t.selector),
            (ItemType::Other(b'\t'), &b"X"[..], &b"Y"[..])
        );
        // More than five TABs: the rest is ignored.
        let many = ItemRef::parse(b"0a\tb\tc\t70\t+\tx\ty").unwrap();
        assert_eq!((many.port, many.plus), (Some(70), Some(&b"+"[..])));
        // Not UTF-8: kept as bytes.
        assert_eq!(
            ItemRef::parse(b"0\xff\xfe\t/\xc3").unwrap().selector,
            b"/\xc3"
        );
    }

    #[test]
    fn menu_lines_end_at_the_dot_or_the_end() {
        let items: Vec<_> =
            MenuLines::new(b"0a\t/a\th\t70\n\n..dot\t/\th\t70\r\n.\r\n0after\t\t\t").collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].kind, ItemType::Other(b'.'));
        assert_eq!(MenuLines::new(b"0a\t/a\th\t70").count(), 1);
    }

    #[test]
    fn builder_refuses_breaking_fields() {
        let mut m = MenuBuilder::new("h", 70);
        assert!(m.link(ItemType::Text, "a\tb", "/").is_err());
        assert!(m.link(ItemType::Text, "a", "/\n").is_err());
        assert!(m.link(ItemType::Other(b'.'), "a", "/").is_err());
        assert!(m.link(ItemType::Other(b'\t'), "a", "/").is_err());
        let bad_host = Item::new(ItemType::Text, "a", "/", "h\r", 70);
        assert!(m.item(&bad_host).is_err());
        assert_eq!(m.finish().as_bytes().as_ref(), b".\r\n");
    }
}
