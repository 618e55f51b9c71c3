#![no_main]
//! The listing parsers (Unix/DOS LIST, MLSD) on arbitrary listings: never
//! a panic, one result per line, a raw line is the line itself, and an
//! entry written back as a Unix or MLSD line is one line.

use libfuzzer_sys::fuzz_target;
use sanswire::ftp::list::{self, Listed};

fuzz_target!(|data: &[u8]| {
    let count = list::lines(data).count();
    let mut seen = 0;
    for line in list::lines(data) {
        for parsed in [list::parse_list_line(line), list::parse_mlsd_line(line)] {
            match parsed {
                Listed::Raw(raw) => assert_eq!(raw, line),
                Listed::Entry(e) => {
                    for write in [list::write_unix, list::write_mlsd] {
                        let mut out = Vec::new();
                        write(&e, &mut out);
                        assert!(out.ends_with(b"\r\n"));
                        assert!(!out[..out.len() - 2].iter().any(|&b| b == b'\n' || b == b'\r'));
                    }
                }
            }
        }
        seen += 1;
    }
    assert_eq!(seen, count);
});
