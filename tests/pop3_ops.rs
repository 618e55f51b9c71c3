//! The POP3 operations and the blocking client over a scripted stream:
//! exact bytes sent, typed results, and refusals that leave the session
//! usable.

use sanswire::io::pop3::Client;
use sanswire::io::DriveError;
use sanswire::pop3::{ops, ErrorKind, Refusal};
use sanswire::wire::Machine;

#[path = "common/script.rs"]
mod script;
use script::Script;

fn written(pop: &mut Client<Script>) -> String {
    String::from_utf8(std::mem::take(&mut pop.driver().stream().written)).unwrap()
}

#[test]
fn refused_user_sends_no_pass_and_the_session_goes_on() {
    let server = b"+OK hi <9@x>\r\n-ERR no such user\r\n+OK\r\n+OK welcome\r\n+OK 1 5\r\n";
    let mut pop = Client::new(Script::new(server)).unwrap();
    assert_eq!(&pop.greeting().text[..], b"hi <9@x>");
    match pop.login("eve", "x") {
        Err(DriveError::Refused(Refusal(r))) => assert_eq!(&r.text[..], b"no such user"),
        other => panic!("{other:?}"),
    }
    assert_eq!(written(&mut pop), "USER eve\r\n");
    pop.login("alice", "pw word").unwrap();
    assert_eq!(written(&mut pop), "USER alice\r\nPASS pw word\r\n");
    assert_eq!(pop.stat().unwrap(), (1, 5));
    assert_eq!(written(&mut pop), "STAT\r\n");
}

#[test]
fn unsafe_arguments_send_nothing() {
    let mut pop = Client::new(Script::new(b"+OK hi\r\n")).unwrap();
    assert!(matches!(
        pop.login("alice", "pw\r\nDELE 1"),
        Err(DriveError::Protocol(ref kind_err)) if matches!(kind_err.kind(), ErrorKind::UnsafeArgument)));
    assert!(matches!(
        pop.raw(ops::Raw::new("NOOP\r\nDELE 1")),
        Err(DriveError::Protocol(ref kind_err)) if matches!(kind_err.kind(), ErrorKind::UnsafeArgument)));
    assert!(matches!(
        pop.raw(ops::Raw::new("STLS")),
        Err(DriveError::Protocol(ref kind_err)) if matches!(kind_err.kind(), ErrorKind::OutOfSequence(_))));
    // No timestamp in the greeting: APOP is refused before sending.
    assert!(matches!(
        pop.apop("alice", "pw"),
        Err(DriveError::Protocol(ref kind_err)) if matches!(kind_err.kind(), ErrorKind::OutOfSequence(_))));
    assert_eq!(written(&mut pop), "");
}

#[test]
fn messages_listings_and_raw_blocks() {
    let server = b"+OK hi\r\n\
        +OK\r\n1 10\r\n2 20\r\n.\r\n\
        +OK\r\n1 a\r\n2 b\r\n.\r\n\
        +OK 11 octets\r\n..one\r\ntwo\r\n.\r\n\
        +OK\r\nSubject: x\r\n\r\n.\r\n\
        +OK\r\n1 a\r\n.\r\n\
        +OK 2 b\r\n\
        +OK noop\r\n\
        +OK bye\r\n";
    let mut pop = Client::new(Script::new(server)).unwrap();
    assert_eq!(pop.list().unwrap(), [(1, 10), (2, 20)]);
    let uids = pop.uidl().unwrap();
    assert_eq!((uids[1].0, &uids[1].1[..]), (2, &b"b"[..]));
    assert_eq!(pop.retr(1).unwrap(), b".one\r\ntwo\r\n");
    assert_eq!(pop.top(1, 0).unwrap(), b"Subject: x\r\n\r\n");
    let raw = ops::Raw::new("uidl");
    assert!(raw.has_block());
    pop.raw(raw).unwrap();
    // Pieces come as the reads cut them; together they are the block.
    let mut block = Vec::new();
    while let Some(piece) = pop.read_message().unwrap() {
        block.extend_from_slice(&piece);
    }
    assert_eq!(block, b"1 a\r\n");
    let raw = ops::Raw::new("UIDL 2");
    assert!(!raw.has_block());
    assert_eq!(&pop.raw(raw).unwrap().text[..], b"2 b");
    assert_eq!(&pop.noop().unwrap().text[..], b"noop");
    pop.quit().unwrap();
    assert!(pop.driver().machine().is_closed());
    assert_eq!(
        written(&mut pop),
        "LIST\r\nUIDL\r\nRETR 1\r\nTOP 1 0\r\nuidl\r\nUIDL 2\r\nNOOP\r\nQUIT\r\n"
    );
}
