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
    assert!(commands_round_trip(&seed) > 0);
}

/// imap_roundtrip: `LOGIN ~$c pw` parsed (`~` is an atom character), was
/// encoded the same, and did not parse back: `~` was taken for the start
/// of a literal8 (`~{n}`) wherever an astring may be one.
#[test]
fn a_tilde_starts_an_atom_unless_a_brace_follows() {
    let limits = Limits::default();
    let wire = Bytes::from_static(b"a1 LOGIN ~$c pw\r\n");
    let (tag, cmd) = Command::parse(&wire, &limits).unwrap();
    assert_eq!(
        cmd,
        Command::Login {
            user: Bytes::from_static(b"~$c"),
            pass: Bytes::from_static(b"pw")
        }
    );
    assert_eq!(cmd.encode(&tag).unwrap(), &wire[..]);
    // `~{3}` is still a literal8.
    let (_, cmd) =
        Command::parse(&Bytes::from_static(b"a1 LOGIN ~{3}\r\nabc pw\r\n"), &limits).unwrap();
    assert!(matches!(cmd, Command::Login { user, .. } if user == "abc"));
    let seed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/imap_roundtrip/crash-8bc5b66e1c52ae47b8b9aff55d8c2e99818f2d17"
    ))
    .unwrap();
    assert!(commands_round_trip(&seed) > 0);
}

/// Reads `input` as the roundtrip target does: framed, each command
/// encoded and parsed back to itself; gives how many there were.
fn commands_round_trip(input: &[u8]) -> usize {
    let limits = Limits::default();
    let mut inbox = Inbox::new();
    inbox.extend_from_slice(input);
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
    commands
}
