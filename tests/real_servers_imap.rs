//! Our IMAP client against Dovecot (Debian's package, started by
//! `tests/interop/peers.sh` on loopback with a private configuration) for
//! the extensions the servers people run offer: CONDSTORE (FETCH MODSEQ,
//! STORE UNCHANGEDSINCE, SELECT (CONDSTORE)), QRESYNC (SELECT with its
//! parameters, UID FETCH CHANGEDSINCE ... VANISHED), ESEARCH (SEARCH
//! RETURN (MIN MAX COUNT ALL)), MULTIAPPEND, LIST-EXTENDED with
//! LIST-STATUS, and pipelined commands. Each test works in a mailbox of
//! its own, so the seeded INBOX that other tests read is left alone. A
//! server that is missing or does not start fails every test here.

mod common;
#[path = "common/peers.rs"]
mod peers;

use bytes::Bytes;
use common::*;
use peers::peers;
use sanswire::imap::{
    ops, AppendMessage, Code, Command, Data, ESearch, FetchAttr, FetchItem, Flag, Mailbox, QResync,
    SearchKey, SeqSet, StoreMode,
};
use sanswire::io::{self, DriveError};
use std::process::Command as Process;

type Imap = io::imap::Client<io::tls::Stream<std::net::TcpStream>>;

/// Held while a test creates or deletes its mailbox, and while the trace
/// test has curl and fetch list every mailbox one after the other: the
/// tests run in parallel, and a mailbox made or dropped between the two
/// listings made them differ.
static MAILBOX_LIST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// [`MAILBOX_LIST`], whether or not a test failed while holding it.
fn mailbox_list() -> std::sync::MutexGuard<'static, ()> {
    MAILBOX_LIST
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Logged in over STARTTLS, with a fresh mailbox `name` holding three
/// messages (appended with MULTIAPPEND): gives the session and the
/// messages.
fn session_with_mailbox(name: &str) -> (Imap, Vec<Bytes>) {
    let p = peers();
    let mut imap =
        io::imap::Client::connect_starttls(p.addr("IMAP_PORT"), &p.connector(), "localhost")
            .unwrap();
    let (user, pass) = p.user();
    imap.login(user, pass).unwrap();
    // A mailbox left by an earlier run goes first.
    {
        let _list = mailbox_list();
        let _ = imap.command(Command::Delete(Mailbox::new(name)));
        imap.command(Command::Create(Mailbox::new(name))).unwrap();
    }
    let messages: Vec<Bytes> = (1..=3)
        .map(|i| {
            Bytes::from(format!(
                "From: a@example.test\r\nSubject: m{i}\r\n\r\nbody {i}\r\n"
            ))
        })
        .collect();
    let oks = imap
        .append_all(
            name,
            messages
                .iter()
                .map(|m| AppendMessage {
                    flags: vec![],
                    date: None,
                    data: m.clone(),
                })
                .collect(),
        )
        .unwrap();
    // One command for all three: MULTIAPPEND, with UIDPLUS's APPENDUID
    // naming the three UIDs.
    assert_eq!(oks.len(), 1, "{oks:?}");
    assert!(
        matches!(&oks[0].code, Some(Code::AppendUid { uids, .. }) if uids.expand(u32::MAX).len() == 3),
        "{oks:?}"
    );
    (imap, messages)
}

fn has(imap: &mut Imap, cap: &str) -> bool {
    imap.driver().machine().has_capability(cap)
}

fn modseq_of(items: &[FetchItem]) -> Option<u64> {
    items.iter().find_map(|i| match i {
        FetchItem::ModSeq(m) => Some(*m),
        _ => None,
    })
}

fn uid_of(items: &[FetchItem]) -> Option<u32> {
    items.iter().find_map(|i| match i {
        FetchItem::Uid(u) => Some(*u),
        _ => None,
    })
}

/// CONDSTORE: SELECT (CONDSTORE) gives HIGHESTMODSEQ, FETCH MODSEQ gives
/// each message's, STORE UNCHANGEDSINCE succeeds on a current one and is
/// answered `[MODIFIED]` on a stale one.
#[test]
fn dovecot_condstore() {
    let (mut imap, _) = session_with_mailbox("sanswire-condstore");
    imap.capability().unwrap();
    assert!(has(&mut imap, "CONDSTORE"), "Dovecot offers CONDSTORE");
    let selected = imap.select_condstore("sanswire-condstore").unwrap();
    assert_eq!(selected.exists, 3);
    let highest = selected.highest_modseq.expect("HIGHESTMODSEQ");
    let fetched = imap
        .fetch(SeqSet::all(), vec![FetchAttr::Uid, FetchAttr::ModSeq])
        .unwrap();
    assert_eq!(fetched.len(), 3);
    let modseqs: Vec<u64> = fetched.iter().map(|(_, i)| modseq_of(i).unwrap()).collect();
    assert!(
        modseqs.iter().all(|&m| m <= highest),
        "{modseqs:?} {highest}"
    );
    // Current: stored, and the FETCH answer carries the new MODSEQ.
    let answer = imap
        .command(Command::Store {
            uid: false,
            set: SeqSet::single(1),
            mode: StoreMode::Add,
            silent: false,
            flags: vec![Flag::FLAGGED],
            unchanged_since: Some(modseqs[0]),
        })
        .unwrap();
    let new = answer
        .data
        .iter()
        .find_map(|d| match d {
            Data::Fetch { seq: 1, items } => modseq_of(items),
            _ => None,
        })
        .expect("a FETCH with MODSEQ");
    assert!(new > modseqs[0]);
    assert_eq!(answer.done.code, None);
    // Stale (its modseq moved on): refused as MODIFIED, nothing stored.
    let answer = imap
        .command(Command::Store {
            uid: false,
            set: SeqSet::single(1),
            mode: StoreMode::Add,
            silent: false,
            flags: vec![Flag::SEEN],
            unchanged_since: Some(modseqs[0]),
        })
        .unwrap();
    assert_eq!(
        answer.done.code,
        Some(Code::Modified(SeqSet::single(1))),
        "{answer:?}"
    );
    // FETCH CHANGEDSINCE: only the message changed since.
    let changed = imap
        .run(ops::Fetch::with(Command::Fetch {
            uid: false,
            set: SeqSet::all(),
            items: vec![FetchAttr::Flags],
            changed_since: Some(highest),
            vanished: false,
        }))
        .unwrap()
        .unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, 1);
    cleanup(imap, "sanswire-condstore");
}

/// QRESYNC: ENABLE, then SELECT with what we knew gives VANISHED
/// (EARLIER) for an expunged message and the FETCH of a changed one;
/// UID FETCH CHANGEDSINCE ... VANISHED the same.
#[test]
fn dovecot_qresync() {
    let (mut imap, _) = session_with_mailbox("sanswire-qresync");
    imap.capability().unwrap();
    assert!(has(&mut imap, "QRESYNC"), "Dovecot offers QRESYNC");
    let enabled = imap
        .command(Command::Enable(vec![Bytes::from_static(b"QRESYNC")]))
        .unwrap();
    assert!(
        enabled.data.iter().any(|d| matches!(d, Data::Enabled(c) if c.iter().any(|c| c.eq_ignore_ascii_case(b"QRESYNC")))),
        "{enabled:?}"
    );
    let before = imap.select("sanswire-qresync").unwrap();
    let validity = before.uid_validity.unwrap();
    let modseq = before
        .highest_modseq
        .expect("HIGHESTMODSEQ once QRESYNC is on");
    let uids: Vec<u32> = imap
        .fetch(SeqSet::all(), vec![FetchAttr::Uid])
        .unwrap()
        .iter()
        .map(|(_, i)| uid_of(i).unwrap())
        .collect();
    assert_eq!(uids.len(), 3);
    // Change one, expunge another (reported as VANISHED, QRESYNC being on).
    imap.store(
        SeqSet::single(uids[0]),
        StoreMode::Add,
        vec![Flag::FLAGGED],
        true,
    )
    .unwrap();
    imap.store(
        SeqSet::single(uids[2]),
        StoreMode::Add,
        vec![Flag::DELETED],
        true,
    )
    .unwrap();
    imap.command(Command::UidExpunge(SeqSet::single(uids[2])))
        .unwrap();
    imap.command(Command::Unselect).unwrap();
    // Back with what we knew: the news only.
    let known = QResync {
        uid_validity: validity,
        modseq,
        known_uids: Some(SeqSet(vec![(uids[0], uids[2])])),
        seq_match: Some((SeqSet::range(1, 3), SeqSet(vec![(uids[0], uids[2])]))),
    };
    let after = imap.select_qresync("sanswire-qresync", known).unwrap();
    assert_eq!(after.exists, 2);
    assert_eq!(
        after
            .vanished
            .iter()
            .flat_map(|s| s.expand(u32::MAX))
            .collect::<Vec<_>>(),
        vec![uids[2]],
        "{after:?}"
    );
    assert_eq!(after.changed.len(), 1, "{after:?}");
    let items = &after.changed[0].1;
    assert_eq!(uid_of(items), Some(uids[0]));
    assert!(items
        .iter()
        .any(|i| matches!(i, FetchItem::Flags(f) if f.contains(&Flag::FLAGGED))));
    assert!(modseq_of(items).unwrap() > modseq);
    // UID FETCH CHANGEDSINCE ... VANISHED: the same news, by UID.
    let answer = imap
        .command(Command::Fetch {
            uid: true,
            set: SeqSet(vec![(1, SeqSet::STAR)]),
            items: vec![FetchAttr::Flags],
            changed_since: Some(modseq),
            vanished: true,
        })
        .unwrap();
    assert!(
        answer.data.iter().any(|d| matches!(d, Data::Vanished { earlier: true, uids: v } if v.contains(uids[2], u32::MAX))),
        "{answer:?}"
    );
    assert!(answer
        .data
        .iter()
        .any(|d| matches!(d, Data::Fetch { items, .. } if uid_of(items) == Some(uids[0]))));
    cleanup(imap, "sanswire-qresync");
}

/// ESEARCH: SEARCH RETURN (MIN MAX COUNT ALL), typed, matched to its
/// command by its TAG; a plain SEARCH alongside; pipelined commands each
/// get their own answer.
#[test]
fn dovecot_esearch_and_pipelining() {
    let (mut imap, _) = session_with_mailbox("sanswire-esearch");
    imap.capability().unwrap();
    assert!(has(&mut imap, "ESEARCH"), "Dovecot offers ESEARCH");
    imap.select("sanswire-esearch").unwrap();
    let returns =
        |r: &[&'static str]| Some(r.iter().map(|s| Bytes::from_static(s.as_bytes())).collect());
    let answer = imap
        .command(Command::Search {
            uid: false,
            returns: returns(&["MIN", "MAX", "COUNT", "ALL"]),
            charset: None,
            keys: vec![SearchKey::All],
        })
        .unwrap();
    let esearch = answer
        .data
        .iter()
        .find_map(|d| match d {
            Data::ESearch(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ESEARCH: {answer:?}"));
    assert_eq!(
        esearch,
        ESearch {
            tag: esearch.tag.clone(),
            uid: false,
            min: Some(1),
            max: Some(3),
            count: Some(3),
            all: Some(SeqSet::range(1, 3)),
            modseq: None,
        }
    );
    assert!(esearch.tag.is_some(), "Dovecot names the command");
    // UID SEARCH RETURN (COUNT) of the subject of one.
    let answer = imap
        .command(Command::Search {
            uid: true,
            returns: returns(&["COUNT"]),
            charset: None,
            keys: vec![SearchKey::text("SUBJECT", "m2")],
        })
        .unwrap();
    assert!(
        answer
            .data
            .iter()
            .any(|d| matches!(d, Data::ESearch(e) if e.uid && e.count == Some(1))),
        "{answer:?}"
    );
    // Three commands in flight at once: each completion and each answer
    // reaches its own operation.
    let machine = imap.driver().machine();
    let mut search = ops::Search::new(vec![SearchKey::All], true);
    let mut status = ops::StatusOf::new("INBOX", &["MESSAGES"]);
    let mut fetch = ops::Fetch::new(SeqSet::single(2), vec![FetchAttr::Uid], false);
    use sanswire::wire::{OpStep, Operation};
    search.start(machine).unwrap();
    status.start(machine).unwrap();
    fetch.start(machine).unwrap();
    assert_eq!(machine.pending(), 3);
    let (mut found, mut counted, mut fetched) = (None, None, None);
    while found.is_none() || counted.is_none() || fetched.is_none() {
        let ev = imap.driver().next_event().unwrap().expect("an event");
        let machine = imap.driver().machine();
        let ev = match search.on_event(machine, ev).unwrap() {
            OpStep::Done(out) => {
                found = Some(out.unwrap());
                continue;
            }
            OpStep::Continue => continue,
            OpStep::Pass(ev) => ev,
        };
        let ev = match status.on_event(machine, ev).unwrap() {
            OpStep::Done(out) => {
                counted = Some(out.unwrap());
                continue;
            }
            OpStep::Continue => continue,
            OpStep::Pass(ev) => ev,
        };
        if let OpStep::Done(out) = fetch.on_event(machine, ev).unwrap() {
            fetched = Some(out.unwrap());
        }
    }
    assert_eq!(found.unwrap().len(), 3);
    assert_eq!(counted.unwrap()[0].0, Bytes::from_static(b"MESSAGES"));
    assert_eq!(fetched.unwrap()[0].0, 2);
    cleanup(imap, "sanswire-esearch");
}

/// LIST-EXTENDED with LIST-STATUS: `RETURN (CHILDREN STATUS (MESSAGES))`
/// gives each mailbox and its STATUS.
#[test]
fn dovecot_list_extended_with_status() {
    let (mut imap, _) = session_with_mailbox("sanswire-list");
    imap.capability().unwrap();
    assert!(has(&mut imap, "LIST-EXTENDED") && has(&mut imap, "LIST-STATUS"));
    let answer = imap
        .list_extended(
            "",
            "sanswire-list",
            vec![],
            vec![
                Bytes::from_static(b"CHILDREN"),
                Bytes::from_static(b"STATUS (MESSAGES)"),
            ],
        )
        .unwrap();
    assert!(
        answer
            .data
            .iter()
            .any(|d| matches!(d, Data::List(l) if l.mailbox == Mailbox::new("sanswire-list"))),
        "{answer:?}"
    );
    assert!(
        answer.data.iter().any(|d| matches!(d, Data::Status { items, .. } if items == &vec![(Bytes::from_static(b"MESSAGES"), 3)])),
        "{answer:?}"
    );
    cleanup(imap, "sanswire-list");
}

fn cleanup(mut imap: Imap, name: &str) {
    let _ = imap.command(Command::Unselect);
    let deleted = {
        let _list = mailbox_list();
        imap.command(Command::Delete(Mailbox::new(name)))
    };
    match deleted {
        Ok(_) | Err(DriveError::Refused(_)) => {}
        Err(e) => panic!("{e:?}"),
    }
    imap.logout().unwrap();
}

/// COMPRESS=DEFLATE inside TLS with Dovecot's zlib: after it, both
/// directions go through the core's codec layers, and a message appended
/// and fetched back through them arrives byte for byte, in both
/// directions, with a literal large enough to span many deflate blocks.
#[test]
fn dovecot_compress_deflate_inside_tls() {
    let (mut imap, _) = session_with_mailbox("sanswire-compress");
    imap.capability().unwrap();
    assert!(
        has(&mut imap, "COMPRESS=DEFLATE"),
        "Dovecot offers COMPRESS"
    );
    imap.command(Command::Compress(Bytes::from_static(b"DEFLATE")))
        .unwrap();
    assert!(sanswire::wire::Machine::inbox(imap.driver().machine()).has_decoder());
    let big: Vec<u8> = awkward_bytes(300 * 1024)
        .into_iter()
        .filter(|&b| b != 0)
        .collect();
    let mut message = b"From: a@example.test\r\nSubject: big\r\n\r\n".to_vec();
    message.extend_from_slice(&normalise(&big));
    let message = Bytes::from(message);
    imap.append("sanswire-compress", vec![], message.clone())
        .unwrap();
    imap.select("sanswire-compress").unwrap();
    let got = imap
        .fetch(
            SeqSet::single(4),
            vec![FetchAttr::Section {
                peek: true,
                section: Bytes::new(),
                partial: None,
            }],
        )
        .unwrap();
    let body = got[0].1.iter().find_map(|i| match i {
        FetchItem::Section { data, .. } => data.clone(),
        _ => None,
    });
    assert!(body.as_deref() == Some(&message[..]), "the message differs");
    cleanup(imap, "sanswire-compress");
}

/// The `> ` and `< ` lines of a `-v` trace, with what changes from one
/// connection to the next masked: CRAM-MD5's challenge and answer,
/// Dovecot's timings (`(0.001 + 0.000 secs)`), UIDVALIDITY and RECENT
/// (only the first SELECT sees messages as recent).
fn trace(stderr: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut challenged = false;
    for l in String::from_utf8_lossy(stderr).lines() {
        let l = l.trim_end_matches('\r');
        if !(l.starts_with("> ") || l.starts_with("< ")) {
            continue;
        }
        let mut l = l.to_string();
        if std::mem::take(&mut challenged) && l.starts_with("> ") {
            l = "> (answer)".into();
        }
        if l.starts_with("< + ") {
            l = "< + (challenge)".into();
            challenged = true;
        }
        if let (true, Some(i)) = (l.ends_with("secs)."), l.rfind(" (")) {
            l.truncate(i);
        }
        if let Some(i) = l.find("[UIDVALIDITY ") {
            l.truncate(i);
        }
        if l.starts_with("< * ") && l.ends_with(" RECENT") {
            l = "< * (n) RECENT".into();
        }
        out.push(l);
    }
    out
}

/// `fetch -v` and `curl -v` on Dovecot's IMAP: the same conversation,
/// line for line (CRAM-MD5 chosen as curl chooses it, curl's tags), and
/// the same output.
#[test]
fn fetch_traces_the_conversation_as_curl_does_with_dovecot() {
    let p = peers();
    let base = format!(
        "imap://{}:{}@127.0.0.1:{}",
        p.get("USER_NAME"),
        p.get("USER_PASS"),
        p.get("IMAP_PORT")
    );
    for path in ["/", "/INBOX/;UID=1", "/INBOX?SUBJECT%20small"] {
        let url = format!("{base}{path}");
        let list = mailbox_list();
        let (curl_ok, curl_out, curl_err) = run(Process::new("curl").args(["-sv", &url]));
        let (ok, out, err) = run(Process::new(example("fetch")).args(["-sv", &url]));
        drop(list);
        assert!(curl_ok && ok, "{url}: {err}");
        assert!(
            out == curl_out,
            "{url}: fetch and curl print different things"
        );
        let ours = trace(err.as_bytes());
        assert!(
            ours.iter().any(|l| l.contains("AUTHENTICATE CRAM-MD5")),
            "{ours:?}"
        );
        assert_eq!(ours, trace(curl_err.as_bytes()), "{url}");
    }
}
