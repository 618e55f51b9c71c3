//! IMAP: one test per response type and command, the RFC 3501 §8 example,
//! and client-to-server conversations in memory (IDLE on a virtual clock).

use bytes::Bytes;
use core::time::Duration;
use sanswire::imap::*;
use sanswire::wire::{Instant, Machine, Next};

fn parse(s: &[u8]) -> Response {
    Response::parse(&Bytes::copy_from_slice(s), &Limits::default()).unwrap()
}

fn data(s: &[u8]) -> Data {
    match parse(s) {
        Response::Data(d) => d,
        other => panic!("{other:?}"),
    }
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn status_responses_and_codes() {
    let Response::Status(s) = parse(b"A1 OK [READ-WRITE] SELECT completed\r\n") else {
        panic!()
    };
    assert_eq!(s.tag.as_deref(), Some(&b"A1"[..]));
    assert_eq!(s.code, Some(Code::ReadWrite));
    assert_eq!(&s.text[..], b"SELECT completed");
    let codes: &[(&[u8], Code)] = &[
        (
            b"* OK [UIDVALIDITY 3857529045] x\r\n",
            Code::UidValidity(3857529045),
        ),
        (b"* OK [UIDNEXT 4392] x\r\n", Code::UidNext(4392)),
        (b"* OK [UNSEEN 12] x\r\n", Code::Unseen(12)),
        (b"* NO [ALERT] x\r\n", Code::Alert),
        (
            b"* OK [HIGHESTMODSEQ 715194045007] x\r\n",
            Code::HighestModSeq(715194045007),
        ),
        (
            b"A3 OK [APPENDUID 38505 3955] APPEND completed\r\n",
            Code::AppendUid {
                validity: 38505,
                uids: SeqSet::single(3955),
            },
        ),
        (
            b"A4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
            Code::CopyUid {
                validity: 38505,
                source: SeqSet(vec![(304, 304), (319, 320)]),
                dest: SeqSet::range(3956, 3958),
            },
        ),
        (
            b"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
            Code::PermanentFlags(vec![Flag::DELETED, Flag::SEEN, Flag::new("\\*")]),
        ),
        (b"A1 NO [TOOBIG] too big\r\n", Code::TooBig),
        (
            b"* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] hi\r\n",
            Code::Capability(vec![b("IMAP4rev1"), b("LITERAL+"), b("IDLE")]),
        ),
        (
            b"* NO [WEBALERT https://x.example/] Gmail\r\n",
            Code::Other {
                name: b("WEBALERT"),
                value: Some(b("https://x.example/")),
            },
        ),
    ];
    for (line, code) in codes {
        let Response::Status(s) = parse(line) else {
            panic!()
        };
        assert_eq!(
            s.code.as_ref(),
            Some(code),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    let Response::Status(s) = parse(b"* BYE server shutting down\r\n") else {
        panic!()
    };
    assert_eq!(s.kind, StatusKind::Bye);
    let Response::Status(s) = parse(b"* PREAUTH welcome\r\n") else {
        panic!()
    };
    assert_eq!(s.kind, StatusKind::PreAuth);
    // Exchange ends some completions with no text.
    let Response::Status(s) = parse(b"A9 OK\r\n") else {
        panic!()
    };
    assert!(s.text.is_empty());
}

#[test]
fn every_untagged_type() {
    assert_eq!(
        data(b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n"),
        Data::Capability(vec![b("IMAP4rev1"), b("STARTTLS"), b("AUTH=PLAIN")])
    );
    assert_eq!(
        data(b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"),
        Data::List(ListItem {
            attributes: vec![b("\\HasNoChildren"), b("\\Sent")],
            delimiter: Some(b'/'),
            mailbox: Mailbox(b("Sent Items")),
            extended: vec![],
        })
    );
    let Data::List(l) = data(b"* LIST () NIL &U,BTFw-\r\n") else {
        panic!()
    };
    assert_eq!(l.mailbox.decode(), "台北");
    assert_eq!(l.delimiter, None);
    assert!(matches!(
        data(b"* LSUB () \".\" #news.comp.mail.mime\r\n"),
        Data::Lsub(_)
    ));
    assert_eq!(
        data(b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"),
        Data::Status {
            mailbox: Mailbox(b("blurdybloop")),
            items: vec![(b("MESSAGES"), 231), (b("UIDNEXT"), 44292)]
        }
    );
    assert_eq!(
        data(b"* SEARCH 2 84 882\r\n"),
        Data::Search {
            ids: vec![2, 84, 882],
            modseq: None
        }
    );
    assert_eq!(
        data(b"* SEARCH\r\n"),
        Data::Search {
            ids: vec![],
            modseq: None
        }
    );
    assert_eq!(
        data(b"* SEARCH 2 5 (MODSEQ 917162500)\r\n"),
        Data::Search {
            ids: vec![2, 5],
            modseq: Some(917162500)
        }
    );
    assert_eq!(
        data(b"* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3 ALL 2,10:11\r\n"),
        Data::ESearch(ESearch {
            tag: Some(b("A282")),
            uid: true,
            min: Some(2),
            count: Some(3),
            all: Some(SeqSet(vec![(2, 2), (10, 11)])),
            ..Default::default()
        })
    );
    assert_eq!(
        data(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"),
        Data::Flags(vec![
            Flag::ANSWERED,
            Flag::FLAGGED,
            Flag::DELETED,
            Flag::SEEN,
            Flag::DRAFT
        ])
    );
    assert_eq!(data(b"* 172 EXISTS\r\n"), Data::Exists(172));
    assert_eq!(data(b"* 1 RECENT\r\n"), Data::Recent(1));
    assert_eq!(data(b"* 44 EXPUNGE\r\n"), Data::Expunge(44));
    assert_eq!(
        data(b"* VANISHED (EARLIER) 41,43:116\r\n"),
        Data::Vanished {
            earlier: true,
            uids: SeqSet(vec![(41, 41), (43, 116)])
        }
    );
    assert_eq!(
        data(b"* NAMESPACE ((\"\" \"/\")) NIL ((\"Public Folders/\" \"/\"))\r\n"),
        Data::Namespace(Namespaces {
            personal: vec![(b(""), Some(b'/'))],
            other: vec![],
            shared: vec![(b("Public Folders/"), Some(b'/'))],
        })
    );
    assert_eq!(
        data(b"* ID (\"name\" \"Cyrus\" \"version\" NIL)\r\n"),
        Data::Id(Some(vec![
            (b("name"), Some(b("Cyrus"))),
            (b("version"), None)
        ]))
    );
    assert_eq!(data(b"* ID NIL\r\n"), Data::Id(None));
    assert_eq!(
        data(b"* ENABLED CONDSTORE\r\n"),
        Data::Enabled(vec![b("CONDSTORE")])
    );
    // Unknown data is kept, raw.
    assert_eq!(data(b"* XFOO bar\r\n"), Data::Other(b("* XFOO bar\r\n")));
    let Response::Continue(k) = parse(b"+ Ready for additional command text\r\n") else {
        panic!()
    };
    assert_eq!(&k.text[..], b"Ready for additional command text");
    let Response::Continue(k) = parse(b"+\r\n") else {
        panic!()
    };
    assert!(k.text.is_empty());
}

#[test]
fn fetch_items_envelope_bodystructure_sections() {
    let msg = b"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" \
RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \
\"IMAP4rev1 WG mtg summary and minutes\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
\"<B27397-0100000@cac.washington.edu>\") \
BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n";
    let Data::Fetch { seq, items } = data(msg) else {
        panic!()
    };
    assert_eq!(seq, 12);
    assert_eq!(items[0], FetchItem::Flags(vec![Flag::SEEN]));
    assert_eq!(items[2], FetchItem::Rfc822Size(4286));
    let FetchItem::Envelope(env) = &items[3] else {
        panic!()
    };
    assert_eq!(env.cc.len(), 2);
    assert_eq!(env.cc[1].host.as_deref(), Some(&b"MIT.EDU"[..]));
    assert_eq!(env.bcc, vec![]);
    let FetchItem::Body(body) = &items[4] else {
        panic!()
    };
    assert!(matches!(
        **body,
        BodyStructure::Single {
            size: 3028,
            kind: SingleKind::Text { lines: 92 },
            ..
        }
    ));

    let multi = b"* 1 FETCH (UID 7 MODSEQ (12121231000) BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL)\
(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 300 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1) 10)\
(\"IMAGE\" \"PNG\" (\"NAME\" \"a.png\") NIL NIL \"BASE64\" 1024 NIL (\"attachment\" (\"FILENAME\" \"a.png\")) NIL) \
\"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL) X-GM-LABELS (\\Inbox \"Work\") BODY[HEADER.FIELDS (SUBJECT)]<0> {8}\r\nSubject: \
BINARY[1] ~{3}\r\na\0b)\r\n";
    let Data::Fetch { items, .. } = data(multi) else {
        panic!()
    };
    assert_eq!(items[0], FetchItem::Uid(7));
    assert_eq!(items[1], FetchItem::ModSeq(12121231000));
    let FetchItem::BodyStructure(bs) = &items[2] else {
        panic!()
    };
    let BodyStructure::Multi {
        parts,
        subtype,
        extension,
    } = &**bs
    else {
        panic!()
    };
    assert_eq!(parts.len(), 3);
    assert_eq!(&subtype[..], b"MIXED");
    assert_eq!(extension.len(), 3);
    assert!(matches!(
        &parts[1],
        BodyStructure::Single {
            kind: SingleKind::Message { lines: 10, .. },
            ..
        }
    ));
    let FetchItem::Other { name, value } = &items[3] else {
        panic!()
    };
    assert_eq!(&name[..], b"X-GM-LABELS");
    assert_eq!(
        *value,
        Value::List(vec![Value::Atom(b("\\Inbox")), Value::String(b("Work"))])
    );
    assert_eq!(
        items[4],
        FetchItem::Section {
            section: b("HEADER.FIELDS (SUBJECT)"),
            origin: Some(0),
            data: Some(b("Subject:"))
        }
    );
    assert_eq!(
        items[5],
        FetchItem::Binary {
            section: b("1"),
            origin: None,
            data: Some(b("a\0b"))
        }
    );
}

#[test]
fn literal_is_a_slice_of_the_message() {
    let msg = Bytes::from_static(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
    let Response::Data(Data::Fetch { items, .. }) =
        Response::parse(&msg, &Limits::default()).unwrap()
    else {
        panic!()
    };
    let FetchItem::Section { data: Some(d), .. } = &items[0] else {
        panic!()
    };
    assert_eq!(d.as_ptr(), msg[23..].as_ptr());
}

#[test]
fn nesting_depth_is_bounded() {
    let mut deep = b"* 1 FETCH (X ".to_vec();
    deep.extend([b'('; 40]);
    deep.extend([b')'; 40]);
    deep.extend_from_slice(b")\r\n");
    let err = Response::parse(&Bytes::from(deep), &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooDeep);
}

#[test]
fn commands_encode_and_parse_back() {
    let limits = Limits::default();
    let cmds = vec![
        Command::Capability,
        Command::Noop,
        Command::Logout,
        Command::StartTls,
        Command::Authenticate {
            mechanism: b("PLAIN"),
            initial: Some(b("AGEAYg==")),
        },
        Command::Login {
            user: b("al ice"),
            pass: b("p\"w\\"),
        },
        Command::Enable(vec![b("UTF8=ACCEPT"), b("CONDSTORE")]),
        Command::Select {
            mailbox: Mailbox::new("INBOX"),
            condstore: true,
            qresync: None,
        },
        Command::Examine {
            mailbox: Mailbox::new("Entwürfe"),
            condstore: false,
            qresync: None,
        },
        Command::Create(Mailbox::new("a/b")),
        Command::Delete(Mailbox::new("x")),
        Command::Rename {
            from: Mailbox::new("x"),
            to: Mailbox::new("y z"),
        },
        Command::Subscribe(Mailbox::new("x")),
        Command::Unsubscribe(Mailbox::new("x")),
        Command::List {
            reference: Mailbox(b("")),
            pattern: Mailbox(b("*")),
            selection: vec![b("SPECIAL-USE")],
            returns: vec![b("CHILDREN"), b("STATUS (MESSAGES UNSEEN)")],
        },
        Command::Lsub {
            reference: Mailbox(b("")),
            pattern: Mailbox(b("%")),
        },
        Command::Namespace,
        Command::Status {
            mailbox: Mailbox::new("INBOX"),
            items: vec![b("MESSAGES"), b("UIDNEXT")],
        },
        Command::Append {
            mailbox: Mailbox::new("INBOX"),
            messages: vec![AppendMessage {
                flags: vec![Flag::SEEN],
                date: Some(b("05-Dec-2024 10:00:00 +0000")),
                data: b("Subject: hi\r\n\r\nbody\r\n"),
            }],
        },
        Command::Idle,
        Command::Check,
        Command::Close,
        Command::Unselect,
        Command::Expunge,
        Command::UidExpunge(SeqSet::range(3, 5)),
        Command::Search {
            uid: true,
            returns: Some(vec![b("MIN"), b("COUNT")]),
            charset: Some(b("UTF-8")),
            keys: vec![
                SearchKey::flag("UNSEEN"),
                SearchKey::text("FROM", "Smith"),
                SearchKey::Date(
                    b("SINCE"),
                    Date {
                        year: 1994,
                        month: 2,
                        day: 1,
                    },
                ),
                SearchKey::Or(
                    Box::new(SearchKey::Larger(10)),
                    Box::new(SearchKey::Not(Box::new(SearchKey::Uid(SeqSet::all())))),
                ),
                SearchKey::And(vec![
                    SearchKey::Seq(SeqSet::range(1, 4)),
                    SearchKey::Header(b("X-Y"), b("a b")),
                ]),
            ],
        },
        Command::Fetch {
            uid: true,
            set: SeqSet(vec![(1, 0)]),
            items: vec![
                FetchAttr::Flags,
                FetchAttr::Uid,
                FetchAttr::Section {
                    peek: true,
                    section: b("HEADER.FIELDS (FROM)"),
                    partial: Some((0, 100)),
                },
                FetchAttr::Binary {
                    peek: false,
                    section: b("1"),
                    partial: None,
                },
                FetchAttr::BinarySize(b("1")),
                FetchAttr::Other(b("X-GM-LABELS")),
            ],
            changed_since: Some(12345),
            vanished: true,
        },
        Command::Fetch {
            uid: false,
            set: SeqSet::single(2),
            items: vec![FetchAttr::Full],
            changed_since: None,
            vanished: false,
        },
        Command::Store {
            uid: false,
            set: SeqSet::single(2),
            mode: StoreMode::Add,
            silent: true,
            flags: vec![Flag::DELETED],
            unchanged_since: Some(7),
        },
        Command::Copy {
            uid: false,
            set: SeqSet::range(2, 4),
            mailbox: Mailbox::new("meeting"),
        },
        Command::Move {
            uid: true,
            set: SeqSet::single(9),
            mailbox: Mailbox::new("Trash"),
        },
        Command::Id(Some(vec![
            (b("name"), Some(b("sanswire"))),
            (b("os"), None),
        ])),
        Command::Id(None),
        Command::Compress(b("DEFLATE")),
    ];
    for cmd in cmds {
        let wire = cmd.encode(b"t1").unwrap();
        let (tag, back) = Command::parse(&Bytes::from(wire.clone()), &limits)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&wire)));
        assert_eq!(&tag[..], b"t1");
        assert_eq!(back, cmd, "{}", String::from_utf8_lossy(&wire));
    }
}

#[test]
fn crlf_never_escapes_a_command() {
    let cmd = Command::Login {
        user: b("x\r\nA2 DELETE INBOX"),
        pass: b("p"),
    };
    let wire = cmd.encode(b"A1").unwrap();
    assert!(wire.starts_with(b"A1 LOGIN {18+}\r\nx\r\nA2 DELETE INBOX p\r\n"));
    assert_eq!(
        Command::Login {
            user: b("a\0b"),
            pass: b("p")
        }
        .encode(b"A1")
        .unwrap_err()
        .kind(),
        ErrorKind::UnsafeArgument
    );
    assert_eq!(
        Command::Store {
            uid: false,
            set: SeqSet::single(1),
            mode: StoreMode::Add,
            silent: false,
            flags: vec![Flag::new("\\Seen)\r\nA2 LOGOUT")],
            unchanged_since: None
        }
        .encode(b"A1")
        .unwrap_err()
        .kind(),
        ErrorKind::UnsafeArgument
    );
}

// ------------------------------------------------------------ machines

fn greet(c: &mut Client, line: &[u8]) {
    c.receive(line);
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
}

fn events(c: &mut Client) -> Vec<Event> {
    let mut v = Vec::new();
    while let Ok(Next::Event(e)) = c.poll_event() {
        v.push(e);
    }
    v
}

#[test]
fn synchronising_literal_waits_for_plus() {
    let mut c = Client::new();
    greet(&mut c, b"* OK [CAPABILITY IMAP4rev1] hi\r\n");
    c.login("alice", "two\r\nlines").unwrap();
    c.send(Command::Noop).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 LOGIN alice {10}\r\n");
    c.receive(b"+ go ahead\r\n");
    assert!(events(&mut c).is_empty());
    assert_eq!(c.outbox().take_vec(), b"two\r\nlines\r\nA2 NOOP\r\n");
}

#[test]
fn literal_plus_and_minus() {
    let mut c = Client::new();
    greet(&mut c, b"* OK [CAPABILITY IMAP4rev2 LITERAL-] hi\r\n");
    c.login("a", "b\nc").unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 LOGIN a {3+}\r\nb\nc\r\n");
    let big = Bytes::from(vec![b'x'; 5000]);
    c.send(Command::Append {
        mailbox: Mailbox::new("INBOX"),
        messages: vec![AppendMessage {
            data: big,
            ..Default::default()
        }],
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A2 APPEND INBOX {5000}\r\n");
}

#[test]
fn refused_literal_drops_the_command() {
    let mut c = Client::new();
    greet(&mut c, b"* OK hi\r\n");
    c.login("a", "b\nc").unwrap();
    c.outbox().take_vec();
    c.receive(b"A1 NO [TOOBIG] no\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::Done(s)] if s.code == Some(Code::TooBig)));
    c.send(Command::Noop).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A2 NOOP\r\n");
}

#[test]
fn rfc3501_section8_example() {
    // The example of RFC 3501 §8, client side: our tags are A1.., the
    // server's answers are the RFC's, retagged.
    let mut c = Client::new();
    greet(&mut c, b"* OK IMAP4rev1 Service Ready\r\n");
    c.login("mrc", "secret").unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 LOGIN mrc secret\r\n");
    c.receive(b"A1 OK LOGIN completed\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::Done(s)] if s.is_ok()));
    assert_eq!(c.state(), State::Authenticated);
    c.send(Command::Select {
        mailbox: Mailbox::new("inbox"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A2 SELECT INBOX\r\n");
    c.receive(
        b"* 18 EXISTS\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 2 RECENT\r\n\
* OK [UNSEEN 17] Message 17 is the first unseen message\r\n\
* OK [UIDVALIDITY 3857529045] UIDs valid\r\nA2 OK [READ-WRITE] SELECT completed\r\n",
    );
    let ev = events(&mut c);
    assert_eq!(ev.len(), 6);
    assert_eq!(ev[0], Event::Data(Data::Exists(18)));
    assert!(matches!(&ev[5], Event::Done(s) if s.code == Some(Code::ReadWrite)));
    assert_eq!(c.state(), State::Selected);
    c.send(Command::Fetch {
        uid: false,
        set: SeqSet::single(12),
        items: vec![FetchAttr::Full],
        changed_since: None,
        vanished: false,
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A3 FETCH 12 FULL\r\n");
    c.receive(b"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\nA3 OK FETCH completed\r\n");
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Data(Data::Fetch { seq: 12, items }) if items.len() == 5));
    c.send(Command::Fetch {
        uid: false,
        set: SeqSet::single(12),
        items: vec![FetchAttr::Section {
            peek: false,
            section: b("HEADER"),
            partial: None,
        }],
        changed_since: None,
        vanished: false,
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A4 FETCH 12 (BODY[HEADER])\r\n");
    c.receive(
        b"* 12 FETCH (BODY[HEADER] {21}\r\nSubject: x\r\nFrom: y\r\n)\r\nA4 OK FETCH completed\r\n",
    );
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Data(Data::Fetch { items, .. }) if matches!(&items[0], FetchItem::Section { data: Some(d), .. } if d.len() == 21))
    );
    c.send(Command::Store {
        uid: false,
        set: SeqSet::single(12),
        mode: StoreMode::Add,
        silent: false,
        flags: vec![Flag::DELETED],
        unchanged_since: None,
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A5 STORE 12 +FLAGS (\\Deleted)\r\n");
    c.receive(b"* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\nA5 OK +FLAGS completed\r\n");
    assert_eq!(events(&mut c).len(), 2);
    c.logout().unwrap();
    assert_eq!(c.outbox().take_vec(), b"A6 LOGOUT\r\n");
    c.receive(b"* BYE IMAP4rev1 server terminating connection\r\nA6 OK LOGOUT completed\r\n");
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Status(s) if s.kind == StatusKind::Bye));
    assert!(matches!(&ev[1], Event::Done(_)));
    assert!(c.is_closed());
}

#[test]
fn idle_is_reissued_before_29_minutes_on_a_virtual_clock() {
    let mut c = Client::new();
    c.set_now(Instant::ZERO);
    greet(&mut c, b"* PREAUTH hi\r\n");
    let id = c.idle().unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 IDLE\r\n");
    c.receive(b"+ idling\r\n");
    assert_eq!(events(&mut c), vec![Event::Idling]);
    assert!(c.is_idling());
    let wake = c.poll_timeout().unwrap();
    assert!(wake <= Instant::ZERO + Duration::from_secs(29 * 60));
    // Silence for 20 minutes is fine.
    c.handle_timeout(Instant::from_secs(20 * 60));
    assert!(c.outbox().is_empty());
    c.receive(b"* 5 EXISTS\r\n");
    assert_eq!(events(&mut c), vec![Event::Data(Data::Exists(5))]);
    c.handle_timeout(wake);
    assert_eq!(c.outbox().take_vec(), b"DONE\r\n");
    c.receive(b"A1 OK IDLE terminated\r\n");
    assert!(events(&mut c).is_empty());
    assert_eq!(c.outbox().take_vec(), b"A2 IDLE\r\n");
    c.receive(b"+ idling\r\n");
    assert!(events(&mut c).is_empty());
    use sanswire::wire::Correlate;
    c.done().unwrap();
    assert_eq!(c.outbox().take_vec(), b"DONE\r\n");
    c.receive(b"A2 OK IDLE terminated\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::Done(_)]));
    assert_eq!(c.replying_to(), Some(id));
}

#[test]
fn plaintext_behind_starttls_ok_is_refused() {
    let mut c = Client::new();
    greet(&mut c, b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
    c.send(Command::StartTls).unwrap();
    c.outbox().take_vec();
    c.receive(b"A1 OK begin TLS\r\n* OK injected\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(_)))));
    assert_eq!(
        c.poll_event().unwrap_err().kind(),
        ErrorKind::PlaintextAfterUpgrade
    );
}

#[test]
fn starttls_forgets_capabilities() {
    let mut c = Client::new();
    greet(
        &mut c,
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n",
    );
    c.send(Command::StartTls).unwrap();
    c.outbox().take_vec();
    c.receive(b"A1 OK begin TLS\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(_)))));
    assert_eq!(c.transport(), sanswire::wire::Transport::StartTls);
    c.tls_established();
    assert!(c.capabilities().is_none());
    assert!(c.is_tls());
}

#[test]
fn server_literal_limits() {
    let limits = Limits {
        max_literal: 10,
        ..Limits::server()
    };
    let mut s = Server::with_greeting(Status::new(None, StatusKind::Ok, "hi"), limits);
    s.outbox().take_vec();
    s.receive(b"a1 LOGIN {100}\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert_eq!(s.outbox().take_vec(), b"a1 NO [TOOBIG] literal too big\r\n");
    s.receive(b"a2 LOGIN {1000+}\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert_eq!(
        s.outbox().take_vec(),
        b"a2 BAD [TOOBIG] literal too big\r\n"
    );
    s.receive(&[b'x'; 1000]);
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    assert!(s.inbox().is_empty(), "skipped, not buffered");
    s.receive(b" pw\r\na3 NOOP\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Command {
            command: Command::Noop,
            ..
        }))
    ));
}

#[test]
fn server_state_rules_and_bad_syntax() {
    let mut s = Server::new("hi");
    s.outbox().take_vec();
    s.receive(b"a1 FETCH 1 FLAGS\r\nnonsense\r\na2 FOO\r\na3 NOOP\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Command {
            command: Command::Noop,
            ..
        }))
    ));
    assert_eq!(
        s.outbox().take_vec(),
        b"a1 BAD command not valid in this state\r\n* BAD syntax error\r\na2 BAD syntax error\r\n"
    );
}

/// Moves bytes both ways until neither side has anything to say.
fn pump(c: &mut Client, s: &mut Server) {
    for _ in 0..8 {
        let to_s = c.outbox().take_vec();
        s.receive(&to_s);
        let to_c = s.outbox().take_vec();
        c.receive(&to_c);
        if to_s.is_empty() && to_c.is_empty() {
            break;
        }
    }
}

#[test]
fn in_memory_session_with_idle() {
    let mut s = Server::new("ready");
    let mut c = Client::new();
    c.set_now(Instant::ZERO);
    pump(&mut c, &mut s);
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    c.login("u", "p").unwrap();
    c.send(Command::Select {
        mailbox: Mailbox::new("INBOX"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    pump(&mut c, &mut s);
    for want in [&b"LOGIN"[..], b"SELECT"] {
        let Ok(Next::Event(ServerEvent::Command { tag, command })) = s.poll_event() else {
            panic!()
        };
        assert!(format!("{command:?}")
            .to_uppercase()
            .contains(std::str::from_utf8(want).unwrap()));
        if want == b"SELECT" {
            s.data(Data::Exists(2)).unwrap();
        }
        s.complete(&tag, StatusKind::Ok, None, "ok").unwrap();
    }
    assert_eq!(s.state(), State::Selected);
    pump(&mut c, &mut s);
    let ev = events(&mut c);
    assert_eq!(ev.len(), 3);
    c.idle().unwrap();
    pump(&mut c, &mut s);
    let Ok(Next::Event(ServerEvent::Command {
        tag,
        command: Command::Idle,
    })) = s.poll_event()
    else {
        panic!()
    };
    s.start_idle().unwrap();
    s.data(Data::Exists(3)).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        events(&mut c),
        vec![Event::Idling, Event::Data(Data::Exists(3))]
    );
    // 28 minutes later on the virtual clock, the client re-issues IDLE.
    let wake = c.poll_timeout().unwrap();
    c.handle_timeout(wake);
    pump(&mut c, &mut s);
    assert_eq!(s.poll_event(), Ok(Next::Event(ServerEvent::IdleDone)));
    s.complete(&tag, StatusKind::Ok, None, "IDLE terminated")
        .unwrap();
    pump(&mut c, &mut s);
    assert!(events(&mut c).is_empty());
    pump(&mut c, &mut s);
    let Ok(Next::Event(ServerEvent::Command {
        tag,
        command: Command::Idle,
    })) = s.poll_event()
    else {
        panic!()
    };
    s.start_idle().unwrap();
    pump(&mut c, &mut s);
    assert!(events(&mut c).is_empty());
    assert!(c.is_idling());
    c.done().unwrap();
    pump(&mut c, &mut s);
    assert_eq!(s.poll_event(), Ok(Next::Event(ServerEvent::IdleDone)));
    s.complete(&tag, StatusKind::Ok, None, "done").unwrap();
    pump(&mut c, &mut s);
    assert!(matches!(&events(&mut c)[..], [Event::Done(_)]));
}

#[test]
fn server_refuses_plaintext_behind_its_starttls_ok() {
    let mut s = Server::new("hi");
    s.outbox().take_vec();
    s.receive(b"a1 STARTTLS\r\n");
    let Ok(Next::Event(ServerEvent::Command {
        tag,
        command: Command::StartTls,
    })) = s.poll_event()
    else {
        panic!()
    };
    // The client pipelined a command behind STARTTLS: injected plaintext.
    s.receive(b"a2 LOGIN alice secret\r\n");
    s.complete(&tag, StatusKind::Ok, None, "begin TLS").unwrap();
    assert_eq!(s.outbox().take_vec(), b"a1 OK begin TLS\r\n");
    assert_eq!(
        s.poll_event().unwrap_err().kind(),
        ErrorKind::PlaintextAfterUpgrade
    );
}

#[test]
fn server_starttls_then_clean_handshake() {
    let mut s = Server::new("hi");
    s.receive(b"a1 STARTTLS\r\n");
    let Ok(Next::Event(ServerEvent::Command { tag, .. })) = s.poll_event() else {
        panic!()
    };
    s.complete(&tag, StatusKind::Ok, None, "begin TLS").unwrap();
    assert_eq!(s.transport(), sanswire::wire::Transport::StartTls);
    s.tls_established();
    s.receive(b"a2 CAPABILITY\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Command {
            command: Command::Capability,
            ..
        }))
    ));
}

#[test]
fn compress_deflate_both_directions() {
    let mut s = Server::new("ready");
    let mut c = Client::new();
    pump(&mut c, &mut s);
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    c.login("u", "p").unwrap();
    pump(&mut c, &mut s);
    let Ok(Next::Event(ServerEvent::Command { tag, .. })) = s.poll_event() else {
        panic!()
    };
    s.complete(&tag, StatusKind::Ok, None, "ok").unwrap();
    pump(&mut c, &mut s);
    assert!(matches!(&events(&mut c)[..], [Event::Done(_)]));
    c.send(Command::Compress(Bytes::from_static(b"DEFLATE")))
        .unwrap();
    pump(&mut c, &mut s);
    let Ok(Next::Event(ServerEvent::Command {
        tag,
        command: Command::Compress(_),
    })) = s.poll_event()
    else {
        panic!()
    };
    s.complete(&tag, StatusKind::Ok, None, "DEFLATE active")
        .unwrap();
    pump(&mut c, &mut s);
    assert!(matches!(&events(&mut c)[..], [Event::Done(d)] if d.is_ok()));
    // From here both directions are compressed.
    c.send(Command::Select {
        mailbox: Mailbox::new("INBOX"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    let wire = c.outbox().take_vec();
    assert!(
        !wire.windows(6).any(|w| w == b"SELECT"),
        "compressed on the wire"
    );
    s.receive(&wire);
    let Ok(Next::Event(ServerEvent::Command {
        tag,
        command: Command::Select { .. },
    })) = s.poll_event()
    else {
        panic!()
    };
    let body = Bytes::from(vec![b'z'; 10_000]);
    s.data(Data::Fetch {
        seq: 1,
        items: vec![FetchItem::Section {
            section: Bytes::new(),
            origin: None,
            data: Some(body.clone()),
        }],
    })
    .unwrap();
    s.complete(&tag, StatusKind::Ok, None, "selected").unwrap();
    let wire = s.outbox().take_vec();
    assert!(
        wire.len() < 1000,
        "10 KB of z compress well: {}",
        wire.len()
    );
    c.receive(&wire);
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Data(Data::Fetch { items, .. }) if matches!(&items[0], FetchItem::Section { data: Some(d), .. } if *d == body))
    );
    assert!(matches!(&ev[1], Event::Done(_)));
    assert_eq!(c.state(), State::Selected);
}

#[test]
fn authenticate_plain_with_sasl_ir_and_with_challenge() {
    let mut c = Client::new();
    greet(
        &mut c,
        b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n",
    );
    c.authenticate(Box::new(sanswire::sasl::Plain::new("tim", "tanstaaf")))
        .unwrap();
    assert_eq!(
        c.outbox().take_vec(),
        b"A1 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZg==\r\n"
    );
    c.receive(b"A1 OK done\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::Done(_)]));
    let mut c = Client::new();
    greet(&mut c, b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
    c.authenticate(Box::new(sanswire::sasl::Plain::new("tim", "tanstaaf")))
        .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 AUTHENTICATE PLAIN\r\n");
    c.receive(b"+ \r\n");
    assert!(events(&mut c).is_empty());
    assert_eq!(c.outbox().take_vec(), b"AHRpbQB0YW5zdGFhZg==\r\n");
    c.receive(b"A1 OK done\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::Done(_)]));
    assert_eq!(c.state(), State::Authenticated);
}

#[test]
fn untagged_data_is_correlated_to_the_command_in_flight() {
    use sanswire::wire::Correlate;
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH hi\r\n");
    let id = c.send(Command::Noop).unwrap();
    c.receive(b"* 4 EXISTS\r\n");
    assert_eq!(events(&mut c), vec![Event::Data(Data::Exists(4))]);
    assert_eq!(c.replying_to(), Some(id));
    // A literal over our limit is skipped, and the stream stays in sync.
    let mut c = Client::with_limits(Limits {
        max_literal: 4,
        ..Limits::default()
    });
    greet(&mut c, b"* PREAUTH hi\r\n");
    c.send(Command::Noop).unwrap();
    c.receive(b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\nA1 OK done\r\n");
    let ev = events(&mut c);
    assert_eq!(ev[0], Event::Skipped { size: 10 });
    assert!(matches!(&ev[1], Event::Done(_)));
}

#[test]
fn rfc9051_example_select_and_esearch() {
    use sanswire::wire::{OpStep, Operation};
    // The IMAP4rev2 shapes of RFC 9051 §8 and §6.4.4: no RECENT, a LIST
    // answer during SELECT, ESEARCH instead of SEARCH.
    let mut c = Client::new();
    greet(&mut c, b"* OK [CAPABILITY IMAP4rev2 STARTTLS AUTH=SCRAM-SHA-256 LOGINDISABLED] IMAP4rev2 Service Ready\r\n");
    assert!(c.has_capability("IMAP4rev2") && c.has_capability("logindisabled"));
    c.receive(b"");
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH [CAPABILITY IMAP4rev2] ready\r\n");
    let mut select = ops::Select::mailbox("INBOX");
    select.start(&mut c).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 SELECT INBOX\r\n");
    c.receive(
        b"* 172 EXISTS\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] Predicted next UID\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n\
* LIST () \"/\" INBOX\r\nA1 OK [READ-WRITE] SELECT completed\r\n",
    );
    let mut passed = Vec::new();
    let selected = loop {
        let ev = c.poll_event().unwrap().event().unwrap();
        match select.on_event(&mut c, ev).unwrap() {
            OpStep::Done(out) => break out.unwrap(),
            OpStep::Pass(e) => passed.push(e),
            OpStep::Continue => {}
        }
    };
    assert_eq!(selected.exists, 172);
    assert_eq!(selected.uid_validity, Some(3857529045));
    assert_eq!(selected.uid_next, Some(4392));
    assert_eq!(selected.permanent_flags.len(), 3);
    assert!(!selected.read_only);
    // The untagged OKs and the LIST are passed on, in order, not dropped.
    assert_eq!(passed.len(), 4);
    assert!(matches!(&passed[3], Event::Data(Data::List(_))));
    let mut search = ops::Search::new(vec![SearchKey::flag("UNSEEN")], true);
    search.start(&mut c).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A2 UID SEARCH UNSEEN\r\n");
    c.receive(b"* ESEARCH (TAG \"A2\") UID ALL 4:6,9\r\nA2 OK done\r\n");
    let ev = c.poll_event().unwrap().event().unwrap();
    assert_eq!(search.on_event(&mut c, ev), Ok(OpStep::Continue));
    let ev = c.poll_event().unwrap().event().unwrap();
    assert_eq!(
        search.on_event(&mut c, ev),
        Ok(OpStep::Done(Ok(vec![4, 5, 6, 9])))
    );
}

#[test]
fn utf8_accept_sends_mailbox_names_as_utf8() {
    let mut c = Client::new();
    greet(
        &mut c,
        b"* PREAUTH [CAPABILITY IMAP4rev1 UTF8=ACCEPT] hi\r\n",
    );
    c.send(Command::Select {
        mailbox: Mailbox::new("Entwürfe"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 SELECT Entw&APw-rfe\r\n");
    c.receive(b"A1 OK done\r\n");
    events(&mut c);
    c.send(Command::Enable(vec![b("UTF8=ACCEPT")])).unwrap();
    c.outbox().take_vec();
    c.receive(b"* ENABLED UTF8=ACCEPT\r\nA2 OK enabled\r\n");
    events(&mut c);
    assert!(c.is_utf8());
    c.send(Command::Select {
        mailbox: Mailbox::new("Entwürfe"),
        condstore: false,
        qresync: None,
    })
    .unwrap();
    assert_eq!(
        c.outbox().take_vec(),
        "A3 SELECT \"Entwürfe\"\r\n".as_bytes()
    );
    // A UTF-8 name from the server decodes as it is.
    let Data::List(l) = data("* LIST () \"/\" \"Entwürfe\"\r\n".as_bytes()) else {
        panic!()
    };
    assert_eq!(l.mailbox.decode(), "Entwürfe");
}

#[test]
fn server_application_decides_on_literals() {
    let mut s = Server::new("hi");
    s.set_literal_decisions(true);
    s.outbox().take_vec();
    s.receive(b"a1 LOGIN u p\r\n");
    let Ok(Next::Event(ServerEvent::Command { tag, .. })) = s.poll_event() else {
        panic!()
    };
    s.complete(&tag, StatusKind::Ok, None, "ok").unwrap();
    s.outbox().take_vec();
    s.receive(b"a2 APPEND INBOX {5000}\r\n");
    assert_eq!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Literal {
            tag: b("a2"),
            size: 5000
        }))
    );
    assert_eq!(s.poll_event(), Ok(Next::Paused));
    s.refuse_literal(
        Some(Code::Other {
            name: b("OVERQUOTA"),
            value: None,
        }),
        "quota",
    )
    .unwrap();
    assert_eq!(s.outbox().take_vec(), b"a2 NO [OVERQUOTA] quota\r\n");
    s.receive(b"a3 APPEND INBOX {5}\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Literal { size: 5, .. }))
    ));
    s.accept_literal().unwrap();
    assert_eq!(s.outbox().take_vec(), b"+ Ready for literal data\r\n");
    assert_eq!(s.poll_event(), Ok(Next::NeedInput));
    s.receive(b"hello\r\n");
    let Ok(Next::Event(ServerEvent::Command {
        command: Command::Append { messages, .. },
        ..
    })) = s.poll_event()
    else {
        panic!()
    };
    assert_eq!(&messages[0].data[..], b"hello");
}

#[test]
fn pipelined_completions_match_their_commands_in_any_order() {
    use sanswire::wire::{Correlate, OpStep, Operation};
    // RFC 9051 §5.5: a server may complete pipelined commands in another
    // order; each completion is matched to its command by its tag.
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    let mut fetch = ops::Fetch::new(SeqSet::single(1), vec![FetchAttr::Flags], false);
    let mut search = ops::Search::new(vec![SearchKey::All], false);
    fetch.start(&mut c).unwrap();
    search.start(&mut c).unwrap();
    let a = c.send(Command::Noop).unwrap();
    assert_eq!(
        c.outbox().take_vec(),
        b"A1 FETCH 1 (FLAGS)\r\nA2 SEARCH ALL\r\nA3 NOOP\r\n"
    );
    // B (A2) first, then A3, then A1, with untagged data between.
    c.receive(b"* SEARCH 1 2\r\nA2 OK search done\r\nA3 OK noop done\r\n* 1 FETCH (FLAGS (\\Seen))\r\nA1 OK fetch done\r\n");
    let (mut fetched, mut found, mut noop) = (None, None, None);
    while let Ok(Next::Event(ev)) = c.poll_event() {
        let ev = match search.on_event(&mut c, ev).unwrap() {
            OpStep::Done(out) => {
                found = Some(out.unwrap());
                continue;
            }
            OpStep::Continue => continue,
            OpStep::Pass(ev) => ev,
        };
        let ev = match fetch.on_event(&mut c, ev).unwrap() {
            OpStep::Done(out) => {
                fetched = Some(out.unwrap());
                continue;
            }
            OpStep::Continue => continue,
            OpStep::Pass(ev) => ev,
        };
        if let Event::Done(s) = ev {
            assert_eq!(c.replying_to(), Some(a));
            noop = Some(s.text);
        }
    }
    assert_eq!(found, Some(vec![1, 2]));
    assert_eq!(noop, Some(b("noop done")));
    let fetched = fetched.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].0, 1);
    assert_eq!(c.pending(), 0);
    // The queue goes on: the next command gets the next tag.
    c.send(Command::Noop).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A4 NOOP\r\n");
}

#[test]
fn a_completion_for_no_command_is_a_typed_error() {
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH hi\r\n");
    c.send(Command::Noop).unwrap();
    c.send(Command::Noop).unwrap();
    c.outbox().take_vec();
    c.receive(b"A2 OK second\r\nA7 OK never sent\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(_)))));
    let err = c.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownTag);
    // A tag already completed is unknown too.
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH hi\r\n");
    c.send(Command::Noop).unwrap();
    c.send(Command::Noop).unwrap();
    c.receive(b"A1 OK first\r\nA1 OK again\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(_)))));
    assert_eq!(c.poll_event().unwrap_err().kind(), ErrorKind::UnknownTag);
    // A command not yet written (held behind a synchronising literal)
    // cannot be answered either.
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH hi\r\n");
    c.login("a", "b\nc").unwrap();
    c.send(Command::Noop).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 LOGIN a {3}\r\n");
    c.receive(b"A2 OK too early\r\n");
    assert_eq!(c.poll_event().unwrap_err().kind(), ErrorKind::UnknownTag);
}

#[test]
fn idle_ticks_let_the_caller_end_it_on_a_virtual_clock() {
    use sanswire::imap::ops::{Idle, IdleWaker};
    use sanswire::wire::{OpStep, Operation};
    let mut c = Client::new();
    c.set_now(Instant::ZERO);
    greet(&mut c, b"* PREAUTH hi\r\n");
    let waker = IdleWaker::new();
    let mut op = Idle::with_waker_every(None, true, waker.clone(), Some(Duration::from_secs(1)));
    op.start(&mut c).unwrap();
    assert_eq!(c.outbox().take_vec(), b"A1 IDLE\r\n");
    c.receive(b"+ idling\r\n");
    let ev = c.poll_event().unwrap().event().unwrap();
    assert_eq!(op.on_event(&mut c, ev), Ok(OpStep::Continue));
    // The machine asks to be woken at the tick, and reports it.
    assert_eq!(c.poll_timeout(), Some(Instant::from_secs(1)));
    c.handle_timeout(Instant::from_secs(1));
    assert_eq!(c.poll_event(), Ok(Next::Event(Event::IdleTick)));
    assert!(c.outbox().is_empty());
    // Not woken: still idling; woken: DONE the next time the machine is
    // stepped (here at the next tick, as a blocking read would return).
    assert_eq!(c.poll_timeout(), Some(Instant::from_secs(2)));
    waker.wake();
    assert!(c.outbox().is_empty());
    c.handle_timeout(Instant::from_secs(2));
    assert_eq!(c.poll_event(), Ok(Next::NeedInput));
    assert_eq!(c.outbox().take_vec(), b"DONE\r\n");
    c.receive(b"A1 OK IDLE terminated\r\n");
    let ev = c.poll_event().unwrap().event().unwrap();
    assert_eq!(op.on_event(&mut c, ev), Ok(OpStep::Done(Ok(vec![]))));
    // No ticks outside IDLE.
    assert!(c.poll_timeout().is_none_or(|t| t > Instant::from_secs(3)));
}

#[test]
fn qresync_select_rfc7162_example() {
    use sanswire::wire::{OpStep, Operation};
    // RFC 7162 §3.2.5.2's example, client side (our tags).
    let mut c = Client::new();
    greet(
        &mut c,
        b"* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE QRESYNC] hi\r\n",
    );
    c.send(Command::Enable(vec![b("QRESYNC")])).unwrap();
    let known = QResync {
        uid_validity: 67890007,
        modseq: 20050715194045000,
        known_uids: Some(SeqSet::parse(b"41,43:211,214:541").unwrap()),
        seq_match: None,
    };
    let mut select = ops::Select::qresync("INBOX", known.clone());
    select.start(&mut c).unwrap();
    assert_eq!(
        c.outbox().take_vec(),
        b"A1 ENABLE QRESYNC\r\nA2 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"
    );
    c.receive(
        b"* ENABLED QRESYNC\r\nA1 OK enabled\r\n* 314 EXISTS\r\n* OK [UIDVALIDITY 67890007] x\r\n\
* OK [HIGHESTMODSEQ 20050715194045000] x\r\n* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n\
* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n\
* 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))\r\n\
A2 OK [READ-WRITE] mailbox selected\r\n",
    );
    let selected = loop {
        let ev = c.poll_event().unwrap().event().unwrap();
        if let OpStep::Done(out) = select.on_event(&mut c, ev).unwrap() {
            break out.unwrap();
        }
    };
    assert_eq!(selected.exists, 314);
    assert_eq!(selected.highest_modseq, Some(20050715194045000));
    assert_eq!(
        selected.vanished,
        vec![SeqSet::parse(b"41,43:116,118,120:211,214:540").unwrap()]
    );
    assert_eq!(selected.changed.len(), 2);
    assert!(selected.changed[0]
        .1
        .contains(&FetchItem::ModSeq(90060115194045001)));
    // The server side reads the same parameters back, typed; with
    // seq-match data and CONDSTORE too.
    let full = Command::Examine {
        mailbox: Mailbox::new("INBOX"),
        condstore: true,
        qresync: Some(QResync {
            seq_match: Some((
                SeqSet::parse(b"41,43,45").unwrap(),
                SeqSet::parse(b"110,125,130").unwrap(),
            )),
            ..known
        }),
    };
    let wire = full.encode(b"A3").unwrap();
    assert_eq!(
        wire,
        b"A3 EXAMINE INBOX (CONDSTORE QRESYNC (67890007 20050715194045000 41,43:211,214:541 (41,43,45 110,125,130)))\r\n"
    );
    let mut s = Server::with_greeting(
        Status::new(None, StatusKind::PreAuth, "hi"),
        Limits::server(),
    );
    s.receive(&wire);
    assert_eq!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Command {
            tag: b("A3"),
            command: full
        }))
    );
    // Without known-uids, seq-match data alone.
    let (_, cmd) = Command::parse(
        &b("A4 SELECT INBOX (QRESYNC (1 2 (1:3 5:7)))\r\n"),
        &Limits::default(),
    )
    .unwrap();
    let Command::Select {
        qresync: Some(q), ..
    } = cmd
    else {
        panic!("{cmd:?}")
    };
    assert_eq!(q.known_uids, None);
    assert_eq!(q.seq_match.unwrap().1, SeqSet::range(5, 7));
    // FETCH CHANGEDSINCE ... VANISHED and its VANISHED (EARLIER) answer.
    let fetch = Command::Fetch {
        uid: true,
        set: SeqSet::range(300, 500),
        items: vec![FetchAttr::Flags],
        changed_since: Some(12345),
        vanished: true,
    };
    assert_eq!(
        fetch.encode(b"A5").unwrap(),
        b"A5 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"
    );
    assert_eq!(
        data(b"* VANISHED (EARLIER) 300:310,405,411\r\n"),
        Data::Vanished {
            earlier: true,
            uids: SeqSet::parse(b"300:310,405,411").unwrap()
        }
    );
}

/// Runs `op` on `c` against `s`, answering every command OK (APPEND with
/// APPENDUID), and gives its output and the commands the server saw.
fn run_against<O: sanswire::wire::Operation<Client>>(
    c: &mut Client,
    s: &mut Server,
    mut op: O,
) -> (O::Output, Vec<Command>) {
    use sanswire::wire::OpStep;
    op.start(c).unwrap();
    let mut seen = Vec::new();
    loop {
        pump(c, s);
        while let Ok(Next::Event(ServerEvent::Command { tag, command })) = s.poll_event() {
            seen.push(command);
            s.complete(
                &tag,
                StatusKind::Ok,
                Some(Code::AppendUid {
                    validity: 7,
                    uids: SeqSet::single(seen.len() as u32),
                }),
                "ok",
            )
            .unwrap();
        }
        pump(c, s);
        while let Ok(Next::Event(ev)) = c.poll_event() {
            if let OpStep::Done(out) = op.on_event(c, ev).unwrap() {
                return (out, seen);
            }
        }
    }
}

#[test]
fn multiappend_when_offered_one_by_one_otherwise() {
    let messages = || {
        vec![
            AppendMessage {
                flags: vec![Flag::SEEN],
                date: None,
                data: b("Subject: one\r\n\r\n1\r\n"),
            },
            AppendMessage {
                flags: vec![],
                date: None,
                data: b("Subject: two\r\n\r\n2\r\n"),
            },
        ]
    };
    // Offered: one APPEND carries both, read back by the server as one.
    let mut s = Server::with_greeting(
        Status {
            code: Some(Code::Capability(vec![b("IMAP4rev1"), b("MULTIAPPEND")])),
            ..Status::new(None, StatusKind::PreAuth, "hi")
        },
        Limits::server(),
    );
    let mut c = Client::new();
    pump(&mut c, &mut s);
    c.poll_event().unwrap();
    let (out, seen) = run_against(&mut c, &mut s, ops::AppendAll::new("INBOX", messages()));
    assert_eq!(out.unwrap().len(), 1);
    assert_eq!(
        seen,
        vec![Command::Append {
            mailbox: Mailbox::new("INBOX"),
            messages: messages()
        }]
    );
    // Not offered: the machine refuses the multi-message command, and the
    // operation sends two APPENDs, the second after the first's OK.
    let mut s = Server::with_greeting(
        Status {
            code: Some(Code::Capability(vec![b("IMAP4rev1")])),
            ..Status::new(None, StatusKind::PreAuth, "hi")
        },
        Limits::server(),
    );
    let mut c = Client::new();
    pump(&mut c, &mut s);
    c.poll_event().unwrap();
    let err = c
        .send(Command::Append {
            mailbox: Mailbox::new("INBOX"),
            messages: messages(),
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotOffered);
    assert!(c.outbox().is_empty());
    let (out, seen) = run_against(&mut c, &mut s, ops::AppendAll::new("INBOX", messages()));
    let oks = out.unwrap();
    assert_eq!(oks.len(), 2);
    assert_eq!(
        oks[1].code,
        Some(Code::AppendUid {
            validity: 7,
            uids: SeqSet::single(2)
        })
    );
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|c| matches!(c, Command::Append { messages, .. } if messages.len() == 1)));
}

#[test]
fn list_extended_return_options_both_roles() {
    // RFC 5258 selection and return options, and LIST-STATUS (RFC 5819).
    let list = Command::List {
        reference: Mailbox(b("")),
        pattern: Mailbox(b("*")),
        selection: vec![b("SUBSCRIBED"), b("RECURSIVEMATCH")],
        returns: vec![
            b("CHILDREN"),
            b("SPECIAL-USE"),
            b("STATUS (MESSAGES UIDNEXT)"),
        ],
    };
    let wire = list.encode(b"A1").unwrap();
    assert_eq!(
        wire,
        b"A1 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" * RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UIDNEXT))\r\n"
    );
    let mut s = Server::with_greeting(
        Status::new(None, StatusKind::PreAuth, "hi"),
        Limits::server(),
    );
    s.receive(&wire);
    assert_eq!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Command {
            tag: b("A1"),
            command: list
        }))
    );
    // The answer: LIST with CHILDINFO extended data, then STATUS.
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH hi\r\n");
    let mut op = ops::Collect::new(Command::List {
        reference: Mailbox(b("")),
        pattern: Mailbox(b("*")),
        selection: vec![],
        returns: vec![b("STATUS (MESSAGES)")],
    });
    use sanswire::wire::{OpStep, Operation};
    op.start(&mut c).unwrap();
    c.receive(b"* LIST (\\HasNoChildren) \"/\" Sent\r\n* STATUS Sent (MESSAGES 3)\r\n* LIST (\\HasChildren) \"/\" Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\nA1 OK done\r\n");
    let answer = loop {
        let ev = c.poll_event().unwrap().event().unwrap();
        if let OpStep::Done(out) = op.on_event(&mut c, ev).unwrap() {
            break out.unwrap();
        }
    };
    assert_eq!(answer.data.len(), 3, "{:?}", answer.data);
    assert!(
        matches!(&answer.data[1], Data::Status { items, .. } if items == &vec![(b("MESSAGES"), 3)])
    );
    assert!(
        matches!(&answer.data[2], Data::List(l) if l.mailbox.0 == b("Lists") && !l.extended.is_empty()),
        "{:?}",
        answer.data[2]
    );
}

#[test]
fn esearch_goes_to_the_command_its_tag_names() {
    use sanswire::wire::Correlate;
    let mut c = Client::new();
    greet(&mut c, b"* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n");
    let search = |uid| Command::Search {
        uid,
        returns: Some(vec![b("COUNT")]),
        charset: None,
        keys: vec![SearchKey::All],
    };
    let first = c.send(search(false)).unwrap();
    let second = c.send(search(true)).unwrap();
    c.receive(
        b"* ESEARCH (TAG \"A2\") UID COUNT 5\r\n* ESEARCH (TAG \"A1\") COUNT 3\r\n* SEARCH 1\r\n",
    );
    assert!(
        matches!(c.poll_event(), Ok(Next::Event(Event::Data(Data::ESearch(e)))) if e.count == Some(5))
    );
    assert_eq!(c.replying_to(), Some(second));
    assert!(
        matches!(c.poll_event(), Ok(Next::Event(Event::Data(Data::ESearch(e)))) if e.count == Some(3))
    );
    assert_eq!(c.replying_to(), Some(first));
    // Untagged SEARCH names no command: the oldest of its kind.
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Data(Data::Search { .. })))
    ));
    assert_eq!(c.replying_to(), Some(first));
    // General updates belong to no command: the oldest in flight.
    c.receive(b"A1 OK done\r\n* 9 EXISTS\r\n");
    assert!(matches!(c.poll_event(), Ok(Next::Event(Event::Done(_)))));
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Data(Data::Exists(9))))
    ));
    assert_eq!(c.replying_to(), Some(second));
}
