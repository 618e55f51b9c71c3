//! The listing parsers on listings as real servers write them (from their
//! documentation and sources: vsftpd, proftpd, pure-ftpd, Microsoft IIS,
//! pyftpdlib): every entry parsed, every other line kept raw, none
//! dropped.

use sanswire::ftp::list::{self, EntryKind, Listed};

/// (server, MLSD?, listing, expected (name, kind, size) per entry line).
type Case = (
    &'static str,
    bool,
    &'static str,
    &'static [(&'static str, EntryKind, Option<u64>)],
);

const CASES: &[Case] = &[
    (
        "vsftpd LIST",
        false,
        "drwxr-xr-x    2 ftp      ftp          4096 Oct 03  2023 pub\r\n\
-rw-r--r--    1 ftp      ftp      104857600 Mar 01 12:34 100MB.bin\r\n\
lrwxrwxrwx    1 ftp      ftp            11 Mar 01 12:34 latest -> 100MB.bin\r\n",
        &[
            ("pub", EntryKind::Dir, Some(4096)),
            ("100MB.bin", EntryKind::File, Some(104_857_600)),
            ("latest", EntryKind::Link, Some(11)),
        ],
    ),
    (
        "proftpd LIST",
        false,
        "total 12\r\n\
drwxr-xr-x   3 alice    users        4096 Jan  9 08:01 My Photos\r\n\
-rw-r-----+  1 alice    users         321 Dec 31  1999 y2k.txt\r\n\
crw-rw-rw-   1 root     root       1,   5 Jan  1  2020 zero\r\n",
        &[
            ("My Photos", EntryKind::Dir, Some(4096)),
            ("y2k.txt", EntryKind::File, Some(321)),
            ("zero", EntryKind::Other(b'c'), None),
        ],
    ),
    (
        "proftpd MLSD",
        true,
        "modify=20240105101010;perm=flcdmpe;type=cdir;unique=FD00U2B8;UNIX.group=100;UNIX.mode=0755;UNIX.owner=1000; .\r\n\
modify=20240105101010;perm=flcdmpe;type=pdir;unique=FD00U2;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; ..\r\n\
modify=20240105101010;perm=adfrw;size=42;type=file;unique=FD00U9;UNIX.group=100;UNIX.mode=0644;UNIX.owner=1000; notes; v2.txt\r\n\
modify=20240105101010;perm=adfrw;size=9;type=OS.unix=slink:/srv/data;unique=FD00UA; data\r\n",
        &[
            (".", EntryKind::CurrentDir, None),
            ("..", EntryKind::ParentDir, None),
            ("notes; v2.txt", EntryKind::File, Some(42)),
            ("data", EntryKind::Link, Some(9)),
        ],
    ),
    (
        "pure-ftpd LIST",
        false,
        "drwxr-xr-x    2 1000       1000             4096 Mar  1 12:00 dir\r\n\
-rw-r--r--    1 1000       1000               17 Feb 29  2024 leap.txt\r\n",
        &[
            ("dir", EntryKind::Dir, Some(4096)),
            ("leap.txt", EntryKind::File, Some(17)),
        ],
    ),
    (
        "pure-ftpd MLSD",
        true,
        "type=cdir;sizd=4096;modify=20240301120000;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2c; .\r\n\
type=file;size=17;modify=20240229000000;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2d; leap.txt\r\n",
        &[
            (".", EntryKind::CurrentDir, Some(4096)),
            ("leap.txt", EntryKind::File, Some(17)),
        ],
    ),
    (
        "IIS (MS-DOS style)",
        false,
        "10-23-23  03:25PM       <DIR>          aspnet_client\r\n\
01-05-24  11:02AM               689152 setup v1.msi\r\n\
12-31-1999  11:59PM                    0 y2k.log\r\n",
        &[
            ("aspnet_client", EntryKind::Dir, None),
            ("setup v1.msi", EntryKind::File, Some(689_152)),
            ("y2k.log", EntryKind::File, Some(0)),
        ],
    ),
    (
        "pyftpdlib LIST",
        false,
        "-rw-r--r--   1 user     group        1024 Mar 01 12:00 file.bin\r\n\
drwxr-xr-x   2 user     group        4096 Mar 01  2019 old dir\r\n",
        &[
            ("file.bin", EntryKind::File, Some(1024)),
            ("old dir", EntryKind::Dir, Some(4096)),
        ],
    ),
    (
        "pyftpdlib MLSD",
        true,
        "type=file;size=1024;perm=radfwMT;modify=20240301120000;unix.mode=0644;unix.uid=1000;unix.gid=1000;unique=803g1; file.bin\r\n\
type=dir;perm=elradfmwMT;modify=20190301120000;unix.mode=0755;unix.uid=1000;unix.gid=1000;unique=803g2; old dir\r\n",
        &[
            ("file.bin", EntryKind::File, Some(1024)),
            ("old dir", EntryKind::Dir, None),
        ],
    ),
];

#[test]
fn real_server_listings() {
    for (server, mlsd, listing, expected) in CASES {
        let parse = if *mlsd {
            list::parse_mlsd_line
        } else {
            list::parse_list_line
        };
        let lines: Vec<Listed> = list::lines(listing.as_bytes()).map(parse).collect();
        assert_eq!(
            lines.len(),
            listing.lines().count(),
            "{server}: a line was dropped"
        );
        let entries: Vec<_> = lines.iter().filter_map(|l| l.entry()).collect();
        let got: Vec<(String, EntryKind, Option<u64>)> = entries
            .iter()
            .map(|e| {
                (
                    String::from_utf8_lossy(e.name).into_owned(),
                    e.kind.unwrap(),
                    e.size,
                )
            })
            .collect();
        let want: Vec<(String, EntryKind, Option<u64>)> = expected
            .iter()
            .map(|(n, k, s)| (n.to_string(), *k, *s))
            .collect();
        assert_eq!(got, want, "{server}");
        for line in &lines {
            if let Listed::Raw(raw) = line {
                assert_eq!(*raw, b"total 12", "{server}: only `total` is raw");
            }
        }
    }
}

#[test]
fn links_and_times() {
    let e = list::parse_list_line(
        b"lrwxrwxrwx    1 ftp      ftp            11 Mar 01 12:34 latest -> 100MB.bin",
    )
    .entry()
    .unwrap();
    assert_eq!(e.target, Some(&b"100MB.bin"[..]));
    let t = e.modified.unwrap();
    assert_eq!((t.year, t.time), (None, Some((12, 34))));
    // A file whose name holds an arrow keeps it: only links are split.
    let e =
        list::parse_list_line(b"-rw-r--r--    1 ftp      ftp            11 Mar 01  2020 a -> b")
            .entry()
            .unwrap();
    assert_eq!((e.name, e.target), (&b"a -> b"[..], None));
    assert_eq!(e.modified.unwrap().year, Some(2020));
}
