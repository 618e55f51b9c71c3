//! FTP listing parsers on 100,000 lines each: Unix `ls -l` lines against
//! a bare memchr line scan and against suppaftp's parser (the Rust FTP
//! client most used), and MLSD lines against the memchr scan, on the
//! same bytes in one run.
//!
//! Ratios worth reading: `unix_100k/suppaftp` over `unix_100k/sanswire`
//! (goal 3x or better), `unix_100k/memchr_scan` over `unix_100k/sanswire`
//! (goal 0.5 or better), and the same for `mlsd_100k`.

mod common;
use common::line_ends;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sanswire::ftp::list::{self, Listed};
use std::hint::black_box;
use std::str::FromStr;

const LINES: usize = 100_000;

/// What vsftpd, proftpd and pure-ftpd send: files and folders, times of
/// day for recent entries and years for old ones, a symlink in 50.
fn unix_listing() -> Vec<u8> {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut out = Vec::new();
    for i in 0..LINES {
        let month = months[i % 12];
        let day = 1 + i % 28;
        let when = if i % 3 == 0 {
            format!("{:02}:{:02}", i % 24, i % 60)
        } else {
            format!(" {}", 2000 + i % 25)
        };
        let line = match i % 50 {
            0 => format!("lrwxrwxrwx    1 ftp      ftp            11 {month} {day:>2} {when} link{i} -> target/{i}\r\n"),
            1..=9 => format!("drwxr-xr-x    2 ftp      ftp          4096 {month} {day:>2} {when} folder {i}\r\n"),
            _ => format!("-rw-r--r--    1 owner{}  staff    {:>10} {month} {day:>2} {when} file-{i}.tar.gz\r\n", i % 7, i * 37 % 1_000_000_007),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// What proftpd and pyftpdlib send for MLSD.
fn mlsd_listing() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..LINES {
        let kind = if i % 10 == 0 { "dir" } else { "file" };
        let line = format!(
            "type={kind};size={};modify=2024{:02}{:02}120000;perm=adfrw;unique=FD00U{i}; name with spaces {i}.dat\r\n",
            i * 37 % 1_000_000_007,
            1 + i % 12,
            1 + i % 28
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// What a caller of each parser gets: a sum over the entries, so nothing
/// is optimised away.
fn ours_unix(data: &[u8]) -> u64 {
    list::lines(data).fold(0, |acc, line| match list::parse_list_line(line) {
        Listed::Entry(e) => acc ^ e.size.unwrap_or(1) ^ e.name.len() as u64,
        Listed::Raw(r) => acc ^ r.len() as u64,
    })
}

fn ours_mlsd(data: &[u8]) -> u64 {
    list::lines(data).fold(0, |acc, line| match list::parse_mlsd_line(line) {
        Listed::Entry(e) => acc ^ e.size.unwrap_or(1) ^ e.name.len() as u64,
        Listed::Raw(r) => acc ^ r.len() as u64,
    })
}

/// suppaftp parses `&str` lines, so its path includes the UTF-8 check.
fn suppaftp_unix(data: &[u8]) -> u64 {
    list::lines(data).fold(0, |acc, line| {
        let parsed = std::str::from_utf8(line)
            .ok()
            .and_then(|l| suppaftp::list::File::from_str(l).ok());
        match parsed {
            Some(f) => acc ^ f.size() as u64 ^ f.name().len() as u64,
            None => acc ^ line.len() as u64,
        }
    })
}

fn unix(c: &mut Criterion) {
    let data = unix_listing();
    // Both parsers understand every line.
    assert_eq!(
        list::lines(&data)
            .filter_map(|l| list::parse_list_line(l).entry())
            .count(),
        LINES
    );
    let theirs = list::lines(&data)
        .filter(|l| suppaftp::list::File::from_str(std::str::from_utf8(l).unwrap()).is_ok())
        .count();
    assert_eq!(theirs, LINES);
    let mut group = c.benchmark_group("unix_100k");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("memchr_scan", |b| b.iter(|| line_ends(black_box(&data))));
    group.bench_function("sanswire", |b| b.iter(|| ours_unix(black_box(&data))));
    group.bench_function("suppaftp", |b| b.iter(|| suppaftp_unix(black_box(&data))));
    group.finish();
}

fn mlsd(c: &mut Criterion) {
    let data = mlsd_listing();
    assert_eq!(
        list::lines(&data)
            .filter_map(|l| list::parse_mlsd_line(l).entry())
            .count(),
        LINES
    );
    let mut group = c.benchmark_group("mlsd_100k");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("memchr_scan", |b| b.iter(|| line_ends(black_box(&data))));
    group.bench_function("sanswire", |b| b.iter(|| ours_mlsd(black_box(&data))));
    group.finish();
}

criterion_group!(benches, unix, mlsd);
criterion_main!(benches);
