//! Directory listings: parsers for what servers send (MLSD facts, Unix
//! `ls -l`, DOS/IIS) and writers for the two formats a server emits (Unix
//! and MLSD). Parsers borrow from the listing, allocate nothing, and keep
//! a line they do not understand as [`Listed::Raw`]: no line is dropped.

use super::{Reply, Timestamp};
use alloc::vec::Vec;
use core::fmt::Write as _;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link ([`Entry::target`] says where to, when known).
    Link,
    /// MLSD's `cdir`: the listed directory itself.
    CurrentDir,
    /// MLSD's `pdir`: its parent.
    ParentDir,
    /// A character or block device, a pipe, a socket, a door...: the
    /// `ls -l` type letter (`c`, `b`, `p`, `s`, `D`), or `?` for an MLSD
    /// type the parser does not name.
    Other(u8),
}

/// When an entry was modified, as precisely as the listing says: Unix
/// listings give a time without the year for recent files and a year
/// without the time for older ones; MLSD gives everything, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ListTime {
    /// The year, when the listing gives it.
    pub year: Option<u16>,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// The time of day (hour, minute), when the listing gives it.
    pub time: Option<(u8, u8)>,
    /// Seconds, from MLSD.
    pub second: u8,
}

impl From<Timestamp> for ListTime {
    fn from(t: Timestamp) -> Self {
        ListTime {
            year: Some(t.year),
            month: t.month,
            day: t.day,
            time: Some((t.hour, t.minute)),
            second: t.second,
        }
    }
}

/// One entry of a listing, borrowed from its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Entry<'a> {
    /// The name (for a Unix symlink, without ` -> target`).
    pub name: &'a [u8],
    /// What it is.
    pub kind: Option<EntryKind>,
    /// Its size in bytes, when given (not for devices).
    pub size: Option<u64>,
    /// When it was last modified.
    pub modified: Option<ListTime>,
    /// Where a symbolic link points.
    pub target: Option<&'a [u8]>,
    /// The permissions as listed: `rwxr-xr-x` (Unix), MLSD's `perm` fact
    /// (`adfrw`).
    pub permissions: Option<&'a [u8]>,
    /// The Unix permission string had an ACL (`+`) or extended attribute
    /// (`@`) marker.
    pub acl: bool,
    /// The owner (Unix column, MLSD `UNIX.owner`/`UNIX.uid`).
    pub owner: Option<&'a [u8]>,
    /// The group (Unix column, MLSD `UNIX.group`/`UNIX.gid`).
    pub group: Option<&'a [u8]>,
    /// A device's (major, minor) numbers.
    pub device: Option<(u32, u32)>,
    /// MLSD's `unique` fact.
    pub unique: Option<&'a [u8]>,
}

/// A line of a listing: an entry, or the line as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed<'a> {
    /// A line a parser understood.
    Entry(Entry<'a>),
    /// A line no parser understood (`total 12`, a banner, an empty line),
    /// kept whole.
    Raw(&'a [u8]),
}

impl<'a> Listed<'a> {
    /// The entry, if the line was one.
    pub fn entry(self) -> Option<Entry<'a>> {
        match self {
            Listed::Entry(e) => Some(e),
            Listed::Raw(_) => None,
        }
    }
}

/// The lines of a listing: split at LF, a CR before it taken off, the
/// last line kept even without its LF.
///
/// ```
/// let lines: Vec<&[u8]> = sanswire::ftp::list::lines(b"a\r\nb\n\nc").collect();
/// assert_eq!(lines, [&b"a"[..], b"b", b"", b"c"]);
/// ```
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut rest = data;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(lf) => (&rest[..lf], &rest[lf + 1..]),
            None => (rest, &b""[..]),
        };
        rest = next;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// A line of a LIST reply: Unix `ls -l` (vsftpd, proftpd, pure-ftpd,
/// pyftpdlib), then DOS/IIS; anything else raw.
///
/// ```
/// use sanswire::ftp::list::{parse_list_line, EntryKind};
/// let e = parse_list_line(b"lrwxrwxrwx    1 0        0              11 Mar 01 12:34 latest -> v2.0/a b").entry().unwrap();
/// assert_eq!((e.kind, e.name, e.target), (Some(EntryKind::Link), &b"latest"[..], Some(&b"v2.0/a b"[..])));
/// let e = parse_list_line(b"02-14-24  09:15PM       <DIR>          My Documents").entry().unwrap();
/// assert_eq!((e.kind, e.name), (Some(EntryKind::Dir), &b"My Documents"[..]));
/// assert!(parse_list_line(b"total 8").entry().is_none());
/// ```
pub fn parse_list_line(line: &[u8]) -> Listed<'_> {
    if let Some(e) = parse_unix(line) {
        return Listed::Entry(e);
    }
    if let Some(e) = parse_dos(line) {
        return Listed::Entry(e);
    }
    Listed::Raw(line)
}

/// A line of an MLSD reply (RFC 3659 §7): `fact=value;...` then one space
/// and the name, which is kept whole (spaces and `;` included).
///
/// ```
/// use sanswire::ftp::list::{parse_mlsd_line, EntryKind};
/// let e = parse_mlsd_line(b"type=file;size=42;modify=20240102030405; a;b c.txt").entry().unwrap();
/// assert_eq!((e.kind, e.size, e.name), (Some(EntryKind::File), Some(42), &b"a;b c.txt"[..]));
/// assert_eq!(e.modified.unwrap().year, Some(2024));
/// ```
pub fn parse_mlsd_line(line: &[u8]) -> Listed<'_> {
    match parse_mlsd(line) {
        Some(e) => Listed::Entry(e),
        None => Listed::Raw(line),
    }
}

/// The entry in an MLST reply (`250-Listing` / ` facts name` / `250 End`):
/// its middle line, without the leading space.
pub fn parse_mlst_reply(reply: &Reply) -> Option<Entry<'_>> {
    let line = reply.lines().nth(1)?;
    parse_mlsd(line.strip_prefix(b" ").unwrap_or(line))
}

fn parse_mlsd(line: &[u8]) -> Option<Entry<'_>> {
    let sp = memchr::memchr(b' ', line)?;
    let (facts, name) = (&line[..sp], &line[sp + 1..]);
    if name.is_empty() || (!facts.is_empty() && !facts.ends_with(b";")) {
        return None;
    }
    let mut e = Entry {
        name,
        ..Entry::default()
    };
    for fact in facts.split(|&b| b == b';').filter(|f| !f.is_empty()) {
        let eq = memchr::memchr(b'=', fact)?;
        let (key, value) = (&fact[..eq], &fact[eq + 1..]);
        apply_fact(&mut e, key, value);
    }
    Some(e)
}

fn apply_fact<'a>(e: &mut Entry<'a>, key: &[u8], value: &'a [u8]) {
    let is = |k: &str| key.eq_ignore_ascii_case(k.as_bytes());
    // By length first: one comparison for most facts.
    match key.len() {
        4 if is("type") => e.kind = Some(mlsd_type(value, e)),
        4 if is("size") => e.size = super::reply::parse_u64(value),
        4 if is("sizd") && e.size.is_none() => e.size = super::reply::parse_u64(value),
        4 if is("perm") => e.permissions = Some(value),
        6 if is("modify") => e.modified = Timestamp::parse(value).map(ListTime::from),
        6 if is("unique") => e.unique = Some(value),
        8 if is("UNIX.uid") && e.owner.is_none() => e.owner = Some(value),
        8 if is("UNIX.gid") && e.group.is_none() => e.group = Some(value),
        10 if is("UNIX.owner") => e.owner = Some(value),
        10 if is("UNIX.group") => e.group = Some(value),
        _ => {}
    }
}

fn mlsd_type<'a>(value: &'a [u8], e: &mut Entry<'a>) -> EntryKind {
    let lower = |s: &str| value.eq_ignore_ascii_case(s.as_bytes());
    if lower("file") {
        EntryKind::File
    } else if lower("dir") {
        EntryKind::Dir
    } else if lower("cdir") {
        EntryKind::CurrentDir
    } else if lower("pdir") {
        EntryKind::ParentDir
    } else if value.len() > 8 && value[..8].eq_ignore_ascii_case(b"OS.unix=") {
        // proftpd: `OS.unix=slink:/target`; pure-ftpd: `OS.unix=symlink`.
        let rest = &value[8..];
        if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"slink") {
            e.target = rest.get(6..).filter(|t| !t.is_empty());
            EntryKind::Link
        } else if rest.eq_ignore_ascii_case(b"symlink") {
            EntryKind::Link
        } else {
            EntryKind::Other(b'?')
        }
    } else {
        EntryKind::Other(b'?')
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

fn month(token: &[u8]) -> Option<u8> {
    let t: [u8; 3] = token.try_into().ok()?;
    let t = t.map(|b| b.to_ascii_lowercase());
    MONTHS.iter().position(|m| **m == t).map(|i| i as u8 + 1)
}

/// Up to this many space-separated fields are looked at before the name.
const MAX_FIELDS: usize = 12;

fn parse_unix(line: &[u8]) -> Option<Entry<'_>> {
    let kind = match *line.first()? {
        b'-' | b'f' => EntryKind::File,
        b'd' => EntryKind::Dir,
        b'l' => EntryKind::Link,
        c @ (b'c' | b'b' | b'p' | b's' | b'D') => EntryKind::Other(c),
        _ => return None,
    };
    let perm_end = memchr::memchr(b' ', line)?;
    let perms = &line[..perm_end];
    if perms.len() < 10
        || !perms[1..10].iter().all(|b| {
            matches!(
                b,
                b'r' | b'w' | b'x' | b's' | b'S' | b't' | b'T' | b'l' | b'-'
            )
        })
    {
        return None;
    }
    let acl = match &perms[10..] {
        [] => false,
        [b'+' | b'@'] => true,
        [b'.'] => false, // SELinux context marker
        _ => return None,
    };
    // Field spans after the permissions.
    let mut spans = [(0usize, 0usize); MAX_FIELDS];
    let mut n = 0;
    let mut at = perm_end;
    while n < MAX_FIELDS {
        while line.get(at) == Some(&b' ') {
            at += 1;
        }
        if at >= line.len() {
            break;
        }
        let end = memchr::memchr(b' ', &line[at..]).map_or(line.len(), |i| at + i);
        spans[n] = (at, end);
        n += 1;
        at = end;
        // The date is three fields: month, day, year or time. Check once
        // a candidate (month, day, time) is complete.
        if n >= 4 {
            if let Some(e) = unix_date_at(line, &spans[..n], kind, &perms[1..10], acl) {
                return Some(e);
            }
        }
    }
    None
}

fn unix_date_at<'a>(
    line: &'a [u8],
    spans: &[(usize, usize)],
    kind: EntryKind,
    perms: &'a [u8],
    acl: bool,
) -> Option<Entry<'a>> {
    let n = spans.len();
    let field = |i: usize| &line[spans[i].0..spans[i].1];
    let month = month(field(n - 3))?;
    let day = small_number(field(n - 2)).filter(|d| (1..=31).contains(d))?;
    let last = field(n - 1);
    let (year, time) = match memchr::memchr(b':', last) {
        Some(2 | 1) => {
            let c = memchr::memchr(b':', last)?;
            let h = small_number(&last[..c]).filter(|&h| h < 24)?;
            let m = small_number(&last[c + 1..]).filter(|&m| m < 60)?;
            (None, Some((h, m)))
        }
        Some(_) => return None,
        None if last.len() == 4 => (
            Some(super::reply::parse_u64(last).and_then(|y| u16::try_from(y).ok())?),
            None,
        ),
        None => return None,
    };
    // The field before the month is the size, or `major, minor` of a
    // device (`1,   3` or `1,3`).
    let size_field = field(n - 4);
    let (size, device, before) = match memchr::memchr(b',', size_field) {
        Some(c) if c + 1 < size_field.len() => {
            let major = super::reply::parse_u64(&size_field[..c])?;
            let minor = super::reply::parse_u64(&size_field[c + 1..])?;
            (None, Some((major as u32, minor as u32)), n - 4)
        }
        _ if n >= 5 && field(n - 5).ends_with(b",") => {
            let major_field = field(n - 5);
            let major = super::reply::parse_u64(&major_field[..major_field.len() - 1])?;
            let minor = super::reply::parse_u64(size_field)?;
            (None, Some((major as u32, minor as u32)), n - 5)
        }
        _ => (Some(super::reply::parse_u64(size_field)?), None, n - 4),
    };
    // Fields before the size: links, owner, group (some servers leave
    // the group or the link count out).
    let (owner, group) = match before {
        0 | 1 => (None, None),
        2 => (Some(field(1)), None),
        _ => (Some(field(before - 2)), Some(field(before - 1))),
    };
    let name_start = spans[n - 1].1 + 1;
    let name = line.get(name_start..).filter(|n| !n.is_empty())?;
    // Only a link's name is searched for its arrow: a file may have one.
    let arrow = match kind {
        EntryKind::Link => memchr::memmem::find(name, b" -> "),
        _ => None,
    };
    let (name, target) = match arrow {
        Some(arrow) => (&name[..arrow], Some(&name[arrow + 4..])),
        None => (name, None),
    };
    Some(Entry {
        name,
        kind: Some(kind),
        size,
        modified: Some(ListTime {
            year,
            month,
            day,
            time,
            second: 0,
        }),
        target,
        permissions: Some(perms),
        acl,
        owner,
        group,
        device,
        unique: None,
    })
}

fn small_number(t: &[u8]) -> Option<u8> {
    if t.is_empty() || t.len() > 2 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(t.iter().fold(0u8, |v, d| v * 10 + (d - b'0')))
}

/// `MM-DD-YY  HH:MM(AM|PM)  (<DIR>|size)  name` (IIS, and Windows
/// servers in their default style).
fn parse_dos(line: &[u8]) -> Option<Entry<'_>> {
    let mut fields = line.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let date = fields.next()?;
    let time = fields.next()?;
    let what = fields.next()?;
    let d: Vec<&[u8]> = date.split(|&b| b == b'-' || b == b'/').collect();
    if d.len() != 3 {
        return None;
    }
    let month = small_number(d[0]).filter(|m| (1..=12).contains(m))?;
    let day = small_number(d[1]).filter(|m| (1..=31).contains(m))?;
    let year = match d[2].len() {
        2 => {
            let y = u16::from(small_number(d[2])?);
            // Two-digit years as Windows writes them: 70..99 are 19xx.
            if y >= 70 {
                1900 + y
            } else {
                2000 + y
            }
        }
        4 => u16::try_from(super::reply::parse_u64(d[2])?).ok()?,
        _ => return None,
    };
    let (hm, pm) = match time.len().checked_sub(2).map(|i| time.split_at(i)) {
        Some((hm, ap)) if ap.eq_ignore_ascii_case(b"AM") => (hm, false),
        Some((hm, ap)) if ap.eq_ignore_ascii_case(b"PM") => (hm, true),
        _ => (time, false),
    };
    let c = memchr::memchr(b':', hm)?;
    let mut hour = small_number(&hm[..c]).filter(|&h| h < 24)?;
    let minute = small_number(&hm[c + 1..]).filter(|&m| m < 60)?;
    if pm && hour < 12 {
        hour += 12;
    } else if !pm && hour == 12 && hm.len() != time.len() {
        hour = 0;
    }
    let (kind, size) = if what.eq_ignore_ascii_case(b"<DIR>") {
        (EntryKind::Dir, None)
    } else {
        (EntryKind::File, Some(super::reply::parse_u64(what)?))
    };
    // The name is the rest after the spaces that follow the size field.
    let what_end = what.as_ptr() as usize - line.as_ptr() as usize + what.len();
    let mut start = what_end;
    while line.get(start) == Some(&b' ') {
        start += 1;
    }
    let name = line.get(start..).filter(|n| !n.is_empty())?;
    Some(Entry {
        name,
        kind: Some(kind),
        size,
        modified: Some(ListTime {
            year: Some(year),
            month,
            day,
            time: Some((hour, minute)),
            second: 0,
        }),
        ..Entry::default()
    })
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Writes `entry` as an `ls -l` line, CRLF included (the format of
/// vsftpd, which every client parses): the time of day when the entry's
/// time has no year, the year otherwise.
///
/// ```
/// use sanswire::ftp::list::{write_unix, Entry, EntryKind, ListTime, parse_list_line};
/// let e = Entry { name: b"a b.txt", kind: Some(EntryKind::File), size: Some(5),
///     modified: Some(ListTime { year: Some(2023), month: 1, day: 5, ..Default::default() }),
///     ..Default::default() };
/// let mut out = Vec::new();
/// write_unix(&e, &mut out);
/// assert_eq!(out, b"-rw-r--r--    1 ftp      ftp             5 Jan 05  2023 a b.txt\r\n");
/// let back = parse_list_line(&out[..out.len() - 2]).entry().unwrap();
/// assert_eq!((back.name, back.size), (&b"a b.txt"[..], Some(5)));
/// ```
pub fn write_unix(entry: &Entry<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    let (letter, default_perms) = match entry.kind {
        Some(EntryKind::Dir | EntryKind::CurrentDir | EntryKind::ParentDir) => (b'd', "rwxr-xr-x"),
        Some(EntryKind::Link) => (b'l', "rwxrwxrwx"),
        Some(EntryKind::Other(c)) if c != b'?' => (c, "rw-r--r--"),
        _ => (b'-', "rw-r--r--"),
    };
    out.push(letter);
    match entry.permissions {
        Some(p) if p.len() == 9 => out.extend_from_slice(p),
        _ => out.extend_from_slice(default_perms.as_bytes()),
    }
    let mut s = alloc::string::String::new();
    let owner = entry.owner.map(lossy).unwrap_or("ftp".into());
    let group = entry.group.map(lossy).unwrap_or("ftp".into());
    let _ = write!(
        s,
        "    1 {owner:<8} {group:<8} {:>8} ",
        entry.size.unwrap_or(0)
    );
    let t = entry.modified.unwrap_or_default();
    let month = MONTH_NAMES[usize::from(t.month.clamp(1, 12) - 1)];
    let _ = match (t.year, t.time) {
        (None, Some((h, m))) => write!(s, "{month} {:02} {h:02}:{m:02} ", t.day),
        (year, _) => write!(s, "{month} {:02}  {:04} ", t.day, year.unwrap_or(1970)),
    };
    out.extend_from_slice(s.as_bytes());
    push_name(out, entry.name);
    if let (Some(EntryKind::Link), Some(target)) = (entry.kind, entry.target) {
        out.extend_from_slice(b" -> ");
        push_name(out, target);
    }
    end_line(out, start);
}

/// Writes `entry` as an MLSD line (RFC 3659 §7), CRLF included: `type`,
/// `size` (files), `modify` (UTC), `perm` when given, then the name.
///
/// ```
/// use sanswire::ftp::list::{write_mlsd, parse_mlsd_line, Entry, EntryKind, ListTime};
/// let e = Entry { name: b"x;y z", kind: Some(EntryKind::File), size: Some(7),
///     modified: Some(ListTime { year: Some(2024), month: 2, day: 3, time: Some((4, 5)), second: 6 }),
///     ..Default::default() };
/// let mut out = Vec::new();
/// write_mlsd(&e, &mut out);
/// assert_eq!(out, b"type=file;size=7;modify=20240203040506; x;y z\r\n");
/// assert_eq!(parse_mlsd_line(&out[..out.len() - 2]).entry().unwrap().name, b"x;y z");
/// ```
pub fn write_mlsd(entry: &Entry<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    let mut s = alloc::string::String::new();
    let kind = match entry.kind {
        Some(EntryKind::Dir) => "dir",
        Some(EntryKind::CurrentDir) => "cdir",
        Some(EntryKind::ParentDir) => "pdir",
        Some(EntryKind::Link) => "OS.unix=symlink",
        _ => "file",
    };
    let _ = write!(s, "type={kind};");
    if let Some(size) = entry.size {
        let _ = write!(s, "size={size};");
    }
    if let Some(t) = entry.modified {
        let (h, m) = t.time.unwrap_or((0, 0));
        let _ = write!(
            s,
            "modify={:04}{:02}{:02}{h:02}{m:02}{:02};",
            t.year.unwrap_or(1970),
            t.month,
            t.day,
            t.second
        );
    }
    if let Some(p) = entry.permissions {
        let _ = write!(s, "perm={};", lossy(p));
    }
    s.push(' ');
    out.extend_from_slice(s.as_bytes());
    push_name(out, entry.name);
    end_line(out, start);
}

fn push_name(out: &mut Vec<u8>, name: &[u8]) {
    out.extend_from_slice(name);
}

/// Ends the line begun at `start`: no field (a name, an owner, a `perm`
/// fact from a parsed listing) may end it early.
fn end_line(out: &mut Vec<u8>, start: usize) {
    for b in &mut out[start..] {
        if matches!(*b, b'\r' | b'\n' | 0) {
            *b = b' ';
        }
    }
    out.extend_from_slice(b"\r\n");
}

fn lossy(b: &[u8]) -> alloc::borrow::Cow<'_, str> {
    alloc::string::String::from_utf8_lossy(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str) -> Entry<'_> {
        parse_list_line(line.as_bytes())
            .entry()
            .unwrap_or_else(|| panic!("not parsed: {line}"))
    }

    #[test]
    fn vsftpd_and_proftpd() {
        let e = entry("drwxr-xr-x    2 ftp      ftp          4096 Mar 01 12:00 pub");
        assert_eq!(e.kind, Some(EntryKind::Dir));
        assert_eq!(e.name, b"pub");
        assert_eq!(e.size, Some(4096));
        let t = e.modified.unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.time),
            (None, 3, 1, Some((12, 0)))
        );
        assert_eq!(e.owner, Some(&b"ftp"[..]));
        let e = entry("-rw-r--r--   1 alice    staff     1048576 Nov  5  2019 big  file.bin");
        assert_eq!(e.name, b"big  file.bin");
        assert_eq!(e.modified.unwrap().year, Some(2019));
        assert_eq!(e.group, Some(&b"staff"[..]));
    }

    #[test]
    fn acl_markers_devices_and_missing_group() {
        let e = entry("-rw-r--r--+  1 root root 10 Jan 01  2020 acl");
        assert!(e.acl);
        let e = entry("drwxr-xr-x@ 5 bob staff 160 Feb 29 23:59 mac");
        assert!(e.acl && e.kind == Some(EntryKind::Dir));
        let e = entry("crw-rw-rw-   1 root     root       1,   3 Jan 01  2020 null");
        assert_eq!(
            (e.kind, e.device, e.size),
            (Some(EntryKind::Other(b'c')), Some((1, 3)), None)
        );
        let e = entry("brw-rw----   1 root     disk     8,0 Jan 01 00:00 sda");
        assert_eq!(e.device, Some((8, 0)));
        // pure-ftpd can leave the group out in some modes; so does busybox.
        let e = entry("-rw-r--r--    1 1000     42 Dec 31 23:59 nogroup");
        assert_eq!(
            (e.size, e.owner, e.group),
            (Some(42), Some(&b"1000"[..]), None)
        );
        // An owner called Jan does not confuse the date.
        let e = entry("-rw-r--r--    1 Jan      Feb       7 Mar 03 10:10 months");
        assert_eq!((e.size, e.name), (Some(7), &b"months"[..]));
    }

    #[test]
    fn iis_dos_format() {
        let e = entry("01-02-2024  12:05AM                  123 report 1.txt");
        assert_eq!((e.size, e.name), (Some(123), &b"report 1.txt"[..]));
        let t = e.modified.unwrap();
        assert_eq!((t.year, t.time), (Some(2024), Some((0, 5))));
        let e = entry("12-31-99  11:59PM       <DIR>          old");
        assert_eq!(e.modified.unwrap().year, Some(1999));
        assert_eq!(e.modified.unwrap().time, Some((23, 59)));
    }

    #[test]
    fn mlsd_of_real_servers() {
        // proftpd
        let e = parse_mlsd_line(b"modify=20240101000000;perm=adfr;size=5;type=file;unique=FD00U2;UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; f.txt").entry().unwrap();
        assert_eq!(
            (e.size, e.unique, e.owner),
            (Some(5), Some(&b"FD00U2"[..]), Some(&b"0"[..]))
        );
        let e = parse_mlsd_line(b"type=OS.unix=slink:/etc/x;size=6; link")
            .entry()
            .unwrap();
        assert_eq!(
            (e.kind, e.target),
            (Some(EntryKind::Link), Some(&b"/etc/x"[..]))
        );
        // pyftpdlib
        let e = parse_mlsd_line(b"type=cdir;perm=elcmp;modify=20240101000000; .")
            .entry()
            .unwrap();
        assert_eq!(e.kind, Some(EntryKind::CurrentDir));
        // no facts at all
        assert_eq!(parse_mlsd_line(b" bare").entry().unwrap().name, b"bare");
        assert_eq!(
            parse_mlsd_line(b"type=file;size=1;nospace"),
            Listed::Raw(b"type=file;size=1;nospace")
        );
    }
}
