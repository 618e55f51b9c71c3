//! Inputs the IMAP fuzz targets found, kept as tests (the files are in
//! `fuzz/seeds/<target>/`).

use bytes::Bytes;
use sanswire::imap::{Command, Date, Framed, Framer, Limits};
use sanswire::wire::Inbox;

/// imap_roundtrip: a SEARCH date with a three-digit year (`0997`) parsed,
/// was encoded as `997`, and did not parse back; and a five-digit year
/// was read as its first four digits.
#[test]
fn search_dates_keep_four_digit_years() {
    let limits = Limits::default();
    let wire = Bytes::from_static(b"a7 SEARCH OR FROM x NOT (SEEN 1:3) SINCE 1-Feb-0997\r\n");
    let (tag, cmd) = Command::parse(&wire, &limits).unwrap();
    let again = cmd.encode(&tag).unwrap();
    assert_eq!(again, &wire[..]);
    assert_eq!(Date::parse(b"1-Feb-19945"), None);
    assert_eq!(Date::parse(b"1-Feb-997"), None);
    assert_eq!(
        Date::parse(b"01-feb-1994"),
        Some(Date {
            year: 1994,
            month: 2,
            day: 1
        })
    );
    let seed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/imap_roundtrip/crash-4839458376a7304b1e475264a3288f453042248e"
    ))
    .unwrap();
    // As the target reads it: framed, each command encoded and parsed back.
    let mut inbox = Inbox::new();
    inbox.extend_from_slice(&seed);
    let mut framer = Framer::new();
    let mut commands = 0;
    while let Ok(Some(f)) = framer.next(&mut inbox, &limits) {
        let Framed::Message(msg) = f else { continue };
        if let Ok((tag, cmd)) = Command::parse(&msg, &limits) {
            let wire = cmd.encode(&tag).unwrap();
            assert_eq!(
                Command::parse(&Bytes::from(wire), &limits).unwrap(),
                (tag, cmd)
            );
            commands += 1;
        }
    }
    assert!(commands > 0);
}
