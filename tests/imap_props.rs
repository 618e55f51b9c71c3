//! Properties of the IMAP machines, checked on generated input: any
//! chunking gives the same events; encode-then-parse gives back every
//! command and every response type.

use bytes::Bytes;
use proptest::prelude::*;
use sanswire::imap::*;
use sanswire::wire::{Machine, Next};

/// Strings rich in what encoders get wrong: quotes, backslashes, CR, LF,
/// spaces, 8-bit bytes, brackets, `NIL`.
fn text() -> impl Strategy<Value = Bytes> {
    const PIECES: [&[u8]; 10] = [
        b"a",
        b"\"",
        b"\\",
        b"\r\n",
        b" ",
        b"\xc3\xa9",
        b"]",
        b"{5}",
        b"NIL",
        b"x",
    ];
    let piece = (0..PIECES.len()).prop_map(|i| PIECES[i]);
    prop::collection::vec(piece, 0..8).prop_map(|v| Bytes::from(v.concat()))
}

fn nonempty() -> impl Strategy<Value = Bytes> {
    text().prop_filter("non-empty", |b| !b.is_empty())
}

fn atom() -> impl Strategy<Value = Bytes> {
    "[A-Z][A-Z0-9=+-]{0,8}".prop_map(|s| Bytes::from(s.into_bytes()))
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        Just(Flag::SEEN),
        Just(Flag::DELETED),
        Just(Flag::ANSWERED),
        "[$a-zA-Z][a-zA-Z0-9]{0,6}".prop_map(|s| Flag::new(&s)),
    ]
}

fn mailbox() -> impl Strategy<Value = Mailbox> {
    prop_oneof![
        Just(Mailbox::new("INBOX")),
        "[a-zA-Z0-9 äöü日本&/.]{1,10}".prop_map(|s| Mailbox::new(&s)),
    ]
}

fn seqset() -> impl Strategy<Value = SeqSet> {
    prop::collection::vec((0u32..50, 0u32..50), 1..4).prop_map(|v| {
        SeqSet(
            v.into_iter()
                .map(|(a, b)| (a.max(1), if b == 0 { 0 } else { b }))
                .collect(),
        )
    })
}

fn nstring() -> impl Strategy<Value = Option<Bytes>> {
    prop::option::of(text())
}

fn address() -> impl Strategy<Value = Address> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    (
        nstring(),
        nstring(),
        prop::collection::vec(address(), 0..3),
        prop::collection::vec(address(), 0..2),
        nstring(),
    )
        .prop_map(|(date, subject, from, to, message_id)| Envelope {
            date,
            subject,
            sender: from.clone(),
            reply_to: from.clone(),
            from,
            to,
            message_id,
            ..Envelope::default()
        })
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<u32>().prop_map(|n| Value::Number(n.into())),
        atom().prop_map(Value::Atom),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::List)
    })
}

fn single() -> impl Strategy<Value = BodyStructure> {
    (
        nonempty(),
        nonempty(),
        nstring(),
        any::<u32>(),
        prop::option::of(0u32..100),
        prop::collection::vec(value(), 0..3),
    )
        .prop_map(
            |(subtype, enc, id, size, lines, extension)| BodyStructure::Single {
                media_type: Bytes::from_static(if lines.is_some() { b"TEXT" } else { b"IMAGE" }),
                subtype,
                params: vec![(Bytes::from_static(b"CHARSET"), Bytes::from_static(b"UTF-8"))],
                id,
                description: None,
                encoding: enc,
                size,
                kind: match lines {
                    Some(lines) => SingleKind::Text { lines },
                    None => SingleKind::Basic,
                },
                extension,
            },
        )
}

fn body() -> impl Strategy<Value = BodyStructure> {
    single().prop_recursive(3, 10, 3, |inner| {
        (
            prop::collection::vec(inner, 1..3),
            nonempty(),
            prop::collection::vec(value(), 0..2),
        )
            .prop_map(|(parts, subtype, extension)| BodyStructure::Multi {
                parts,
                subtype,
                extension,
            })
    })
}

fn fetch_item() -> impl Strategy<Value = FetchItem> {
    prop_oneof![
        prop::collection::vec(flag(), 0..3).prop_map(FetchItem::Flags),
        (1u32..).prop_map(FetchItem::Uid),
        any::<u64>().prop_map(FetchItem::Rfc822Size),
        envelope().prop_map(|e| FetchItem::Envelope(Box::new(e))),
        body().prop_map(|b| FetchItem::BodyStructure(Box::new(b))),
        (prop::option::of(0u32..1000), nstring()).prop_map(|(origin, data)| FetchItem::Section {
            section: Bytes::from_static(b"HEADER.FIELDS (FROM TO)"),
            origin,
            data
        }),
        nstring().prop_map(|data| FetchItem::Binary {
            section: Bytes::from_static(b"1"),
            origin: None,
            data
        }),
        any::<u64>().prop_map(FetchItem::ModSeq),
        value().prop_map(|value| FetchItem::Other {
            name: Bytes::from_static(b"X-GM-LABELS"),
            value
        }),
    ]
}

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        Just(Code::Alert),
        Just(Code::ReadWrite),
        Just(Code::TooBig),
        any::<u32>().prop_map(Code::UidValidity),
        any::<u64>().prop_map(Code::HighestModSeq),
        prop::collection::vec(flag(), 0..3).prop_map(Code::PermanentFlags),
        prop::collection::vec(atom(), 0..4).prop_map(Code::Capability),
        (any::<u32>(), seqset(), seqset()).prop_map(|(validity, source, dest)| Code::CopyUid {
            validity,
            source,
            dest
        }),
        (atom(), prop::option::of("[a-z0-9 ]{1,6}")).prop_map(|(name, v)| Code::Other {
            name,
            value: v.map(|v| Bytes::from(v.into_bytes()))
        }),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    let status = (
        prop::option::of("[a-z][0-9]{1,3}"),
        0usize..5,
        prop::option::of(code()),
        "[a-zA-Z][a-zA-Z ]{0,10}",
    )
        .prop_map(|(tag, k, code, text)| {
            let kind = [
                StatusKind::Ok,
                StatusKind::No,
                StatusKind::Bad,
                StatusKind::PreAuth,
                StatusKind::Bye,
            ][k];
            Response::Status(Status {
                tag: tag.map(|t| Bytes::from(t.into_bytes())),
                kind,
                code,
                text: Bytes::from(text.into_bytes()),
            })
        });
    let data = prop_oneof![
        prop::collection::vec(atom(), 0..5).prop_map(Data::Capability),
        (
            prop::collection::vec(Just(Bytes::from_static(b"\\HasNoChildren")), 0..2),
            prop::option::of(Just(b'/')),
            mailbox()
        )
            .prop_map(|(attributes, delimiter, mailbox)| Data::List(ListItem {
                attributes,
                delimiter,
                mailbox,
                extended: vec![]
            })),
        (
            mailbox(),
            prop::collection::vec((atom(), any::<u64>()), 0..3)
        )
            .prop_map(|(mailbox, items)| Data::Status { mailbox, items }),
        (
            prop::collection::vec(1u32.., 0..20),
            prop::option::of(any::<u64>())
        )
            .prop_map(|(ids, modseq)| Data::Search { ids, modseq }),
        (
            prop::option::of(1u32..),
            prop::option::of(seqset()),
            any::<bool>(),
            (
                prop::option::of(1u32..),
                prop::option::of(any::<u32>()),
                prop::option::of(1u64..)
            ),
        )
            .prop_map(
                |(min, all, uid, (max, count, modseq))| Data::ESearch(ESearch {
                    tag: Some(Bytes::from_static(b"A1")),
                    uid,
                    min,
                    max,
                    count,
                    all,
                    modseq,
                })
            ),
        prop::collection::vec(flag(), 0..4).prop_map(Data::Flags),
        any::<u32>().prop_map(Data::Exists),
        any::<u32>().prop_map(Data::Recent),
        any::<u32>().prop_map(Data::Expunge),
        (1u32.., prop::collection::vec(fetch_item(), 1..4))
            .prop_map(|(seq, items)| Data::Fetch { seq, items }),
        (any::<bool>(), seqset()).prop_map(|(earlier, uids)| Data::Vanished { earlier, uids }),
        prop::option::of(prop::collection::vec((nonempty(), nstring()), 0..3)).prop_map(Data::Id),
        prop::collection::vec(atom(), 0..3).prop_map(Data::Enabled),
    ];
    prop_oneof![
        status,
        data.prop_map(Response::Data),
        "[a-zA-Z ]{0,10}".prop_map(|t| Response::Continue(Continue {
            code: None,
            text: Bytes::from(t.into_bytes())
        })),
    ]
}

fn qresync() -> impl Strategy<Value = QResync> {
    (
        1u32..,
        any::<u64>(),
        prop::option::of(seqset()),
        prop::option::of((seqset(), seqset())),
    )
        .prop_map(|(uid_validity, modseq, known_uids, seq_match)| QResync {
            uid_validity,
            modseq,
            known_uids,
            seq_match,
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (text(), text())
            .prop_filter("no NUL", |_| true)
            .prop_map(|(user, pass)| Command::Login { user, pass }),
        (
            mailbox(),
            any::<bool>(),
            prop::option::of(qresync()),
            any::<bool>()
        )
            .prop_map(|(mailbox, condstore, qresync, examine)| if examine {
                Command::Examine {
                    mailbox,
                    condstore,
                    qresync,
                }
            } else {
                Command::Select {
                    mailbox,
                    condstore,
                    qresync,
                }
            }),
        mailbox().prop_map(Command::Create),
        (mailbox(), mailbox()).prop_map(|(from, to)| Command::Rename { from, to }),
        (mailbox(), prop::collection::vec(flag(), 0..3), nonempty()).prop_map(
            |(mailbox, flags, data)| Command::Append {
                mailbox,
                messages: vec![AppendMessage {
                    flags,
                    date: None,
                    data
                }]
            }
        ),
        (
            any::<bool>(),
            seqset(),
            any::<bool>(),
            prop::option::of(any::<u64>()),
            any::<bool>()
        )
            .prop_map(|(uid, set, peek, changed_since, vanished)| Command::Fetch {
                uid,
                set,
                items: vec![
                    FetchAttr::Envelope,
                    FetchAttr::Section {
                        peek,
                        section: Bytes::from_static(b"1.TEXT"),
                        partial: Some((0, 10))
                    }
                ],
                // VANISHED goes only with CHANGEDSINCE (RFC 7162 §3.2.6).
                vanished: vanished && changed_since.is_some(),
                changed_since,
            }),
        (
            any::<bool>(),
            seqset(),
            prop::collection::vec(flag(), 0..3),
            prop::option::of(any::<u64>())
        )
            .prop_map(|(silent, set, flags, unchanged_since)| Command::Store {
                uid: true,
                set,
                mode: StoreMode::Remove,
                silent,
                flags,
                unchanged_since
            }),
        (seqset(), mailbox()).prop_map(|(set, mailbox)| Command::Move {
            uid: true,
            set,
            mailbox
        }),
        (nonempty(), seqset()).prop_map(|(t, set)| Command::Search {
            uid: false,
            returns: None,
            charset: None,
            keys: vec![
                SearchKey::Text(Bytes::from_static(b"SUBJECT"), t.clone()),
                SearchKey::Not(Box::new(SearchKey::Seq(set))),
                SearchKey::Or(
                    Box::new(SearchKey::Header(Bytes::from_static(b"X"), t)),
                    Box::new(SearchKey::All)
                ),
            ]
        }),
        prop::option::of(prop::collection::vec((nonempty(), nstring()), 0..3))
            .prop_map(Command::Id),
    ]
}

proptest! {
    #[test]
    fn every_response_round_trips(r in response()) {
        let limits = Limits::default();
        let wire = r.encode().unwrap();
        let back = Response::parse(&Bytes::from(wire.clone()), &limits);
        prop_assert_eq!(back, Ok(r), "{:?}", String::from_utf8_lossy(&wire));
    }

    #[test]
    fn every_command_round_trips(c in command()) {
        let limits = Limits::default();
        let wire = c.encode(b"A7").unwrap();
        let back = Command::parse(&Bytes::from(wire.clone()), &limits);
        prop_assert_eq!(back, Ok((Bytes::from_static(b"A7"), c)), "{:?}", String::from_utf8_lossy(&wire));
    }

    #[test]
    fn client_events_do_not_depend_on_chunking(
        rs in prop::collection::vec(response().prop_filter("untagged data", |r| matches!(r, Response::Data(_))), 0..8),
        cut in 1usize..40,
    ) {
        let mut wire = b"* OK hi\r\n".to_vec();
        for r in &rs {
            wire.extend(r.encode().unwrap());
        }
        wire.extend_from_slice(b"A1 OK done\r\n");
        let run = |chunk: usize| {
            let mut c = Client::new();
            let mut out = Vec::new();
            let mut sent = false;
            for piece in wire.chunks(chunk) {
                c.receive(piece);
                while let Ok(Next::Event(e)) = c.poll_event() {
                    if !sent {
                        c.send(Command::Noop).unwrap();
                        sent = true;
                    }
                    out.push(e);
                }
            }
            out
        };
        let whole = run(wire.len());
        prop_assert_eq!(whole.len(), rs.len() + 2);
        prop_assert_eq!(run(cut), whole);
    }

    #[test]
    fn server_events_do_not_depend_on_chunking(cmds in prop::collection::vec(command(), 1..6), cut in 1usize..40) {
        let mut wire = b"a0 LOGIN u p\r\na00 SELECT INBOX\r\n".to_vec();
        for (i, c) in cmds.iter().enumerate() {
            // Non-synchronising literals, so the bytes need no `+`.
            wire.extend(c.encode(format!("t{i}").as_bytes()).unwrap());
        }
        let run = |chunk: usize| {
            let mut s = Server::new("hi");
            let mut out = Vec::new();
            for piece in wire.chunks(chunk) {
                s.receive(piece);
                while let Ok(Next::Event(e)) = s.poll_event() {
                    if let ServerEvent::Command { tag, .. } = &e {
                        s.complete(&tag.clone(), StatusKind::Ok, None, "ok").unwrap();
                    }
                    out.push(e);
                }
            }
            (out, s.outbox().take_vec())
        };
        let whole = run(wire.len());
        prop_assert!(whole.0.len() >= 2);
        prop_assert_eq!(run(cut), whole);
    }
}
