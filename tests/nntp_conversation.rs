//! In-memory conversations between the NNTP client and server machines,
//! one per command, asserting on the bytes each side sent.

mod nntp_support;

use bytes::Bytes;
use nntp_support::*;
use sanswire::nntp::{
    ArticleRef, Client, Command, ErrorKind, Event, GroupInfo, ListKind, Range, Reply, Selection,
    Server, ServerEvent,
};
use sanswire::sasl::{Plain, WithoutInitialResponse};
use sanswire::wire::{Fault, Machine, Next, ProtocolError, Transport};

fn selected(p: &mut Pair) {
    p.client.group("misc.test").unwrap();
    let events = p.run();
    assert_eq!(
        events,
        [Event::Group(GroupInfo {
            count: 2,
            low: 1,
            high: 2,
            name: "misc.test".into()
        })]
    );
    p.wire();
}

#[test]
fn greeting_201_means_no_posting() {
    let mut server = Server::new(false);
    let mut client = Client::new();
    client.receive(&server.outbox().take_vec());
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Greeting {
            posting_allowed: false,
            ..
        }))
    ));
    client
        .post(Bytes::from_static(b"Subject: x\r\n\r\nx\r\n"))
        .unwrap();
    server.receive(&client.outbox().take_vec());
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    assert_eq!(server.outbox().take_vec(), b"440 Posting not permitted\r\n");
}

#[test]
fn greeting_refusal_closes() {
    let mut client = Client::new();
    client.receive(b"502 go away\r\n");
    assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Refused(r))) if r.code == 502));
    assert!(client.is_closed());
}

#[test]
fn capabilities_are_typed_and_kept() {
    let mut p = Pair::new();
    p.client.capabilities_cmd().unwrap();
    let events = p.run();
    let [Event::Capabilities(caps)] = &events[..] else {
        panic!("{events:?}")
    };
    assert!(caps.reader() && caps.starttls() && caps.has_sasl("PLAIN"));
    assert!(caps.has_argument("LIST", "NEWSGROUPS"));
    assert_eq!(p.client.capabilities(), Some(caps));
    let (sent, answered) = p.wire();
    assert_eq!(sent, "CAPABILITIES\r\n");
    assert!(answered.starts_with(b"101 Capability list:\r\nVERSION 2\r\n"));
}

#[test]
fn mode_reader_then_group_and_listgroup() {
    let mut p = Pair::new();
    p.client.mode_reader().unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 200));
    assert!(p.server.is_reader());
    selected(&mut p);
    p.client
        .listgroup(Some("misc.test"), Some(Range::From(2)))
        .unwrap();
    let events = p.run();
    assert!(matches!(events[0], Event::Group(_)));
    assert_eq!(events[1..], [Event::ArticleNumber(2), Event::End]);
    assert_eq!(p.wire().0, "LISTGROUP misc.test 2-\r\n");
    p.client.group("no.such").unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 411));
}

#[test]
fn article_head_body_stat_by_number_and_id() {
    let mut p = Pair::new();
    // Without a group, the server answers 412 by itself.
    p.client.article(ArticleRef::Number(1)).unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 412));
    selected(&mut p);
    p.client.article(ArticleRef::Number(1)).unwrap();
    let events = p.run();
    assert!(
        matches!(&events[0], Event::ArticleStart { number: 1, message_id, .. } if &message_id[..] == b"<1@example.org>")
    );
    assert_eq!(events.last(), Some(&Event::End));
    assert_eq!(
        data(&events),
        ONE,
        "dot-leading lines and non-UTF-8 bytes, byte for byte"
    );
    let (sent, answered) = p.wire();
    assert_eq!(sent, "ARTICLE 1\r\n");
    assert!(
        answered.windows(17).any(|w| w == b"\r\n\r\n..leading dot"),
        "stuffed on the wire"
    );
    p.client
        .head(ArticleRef::MessageId("<2@example.org>".into()))
        .unwrap();
    let events = p.run();
    assert!(matches!(&events[0], Event::ArticleStart { number: 0, .. }));
    assert!(data(&events).ends_with(b"<2@example.org>\r\n"));
    p.client.body(ArticleRef::Current).unwrap();
    let events = p.run();
    assert_eq!(
        data(&events),
        b".leading dot\r\n..two\r\n.\r\nbytes \xff\xfe\x80\r\n"
    );
    p.client.stat(ArticleRef::Number(2)).unwrap();
    assert!(matches!(&p.run()[..], [Event::Selected { number: 2, .. }]));
    assert_eq!(p.server.current_article(), Some(2));
    p.client
        .stat(ArticleRef::MessageId("<9@example.org>".into()))
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 430));
}

#[test]
fn next_and_last_move_the_pointer() {
    let mut p = Pair::new();
    p.client.send(Command::Next).unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 412));
    selected(&mut p);
    p.client.send(Command::Next).unwrap();
    assert!(matches!(&p.run()[..], [Event::Selected { number: 2, .. }]));
    p.client.send(Command::Next).unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 421));
    p.client.send(Command::Last).unwrap();
    assert!(matches!(&p.run()[..], [Event::Selected { number: 1, .. }]));
    assert_eq!(p.wire().0, "NEXT\r\nNEXT\r\nLAST\r\n");
}

#[test]
fn over_and_xover_hand_out_parsed_lines() {
    let mut p = Pair::new();
    selected(&mut p);
    p.client
        .over(Selection::Range(Range::Between(1, 2)))
        .unwrap();
    let events = p.run();
    assert!(matches!(&events[0], Event::BlockStart(r) if r.code == 224));
    let Event::Overviews(batch) = &events[1] else {
        panic!()
    };
    let entries: Vec<_> = batch.iter().map(Result::unwrap).collect();
    assert_eq!(entries[0].number, 1);
    let o = &entries[1];
    assert_eq!(
        (o.number, o.subject(), o.message_id()),
        (2, &b"subject 2"[..], &b"<2@example.org>"[..])
    );
    assert_eq!((o.bytes, o.lines), (Some(10), Some(1)));
    assert_eq!(o.extras().next().unwrap(), b"Xref: h misc.test:2");
    assert_eq!(events[2], Event::End);
    p.client.send(Command::XOver(None)).unwrap();
    let events = p.run();
    assert_eq!(events.len(), 3, "the current article only: {events:?}");
    assert_eq!(p.wire().0, "OVER 1-2\r\nXOVER\r\n");
}

#[test]
fn hdr_xhdr_and_xpat() {
    let mut p = Pair::new();
    selected(&mut p);
    p.client
        .send(Command::Hdr {
            field: "Subject".into(),
            selection: Selection::Range(Range::From(1)),
        })
        .unwrap();
    let events = p.run();
    assert_eq!(
        events[1],
        Event::Header {
            article: "1".into(),
            value: "dots".into()
        }
    );
    assert_eq!(events.len(), 4);
    p.client
        .send(Command::XHdr {
            field: "Subject".into(),
            selection: Selection::Range(Range::From(1)),
        })
        .unwrap();
    assert!(matches!(&p.run()[0], Event::BlockStart(r) if r.code == 221));
    p.client
        .send(Command::XPat {
            field: "Subject".into(),
            selection: Selection::Range(Range::From(1)),
            patterns: "*o*".into(),
        })
        .unwrap();
    assert_eq!(p.run().len(), 4);
    assert_eq!(
        p.wire().0,
        "HDR Subject 1-\r\nXHDR Subject 1-\r\nXPAT Subject 1- *o*\r\n"
    );
}

#[test]
fn list_variants_newgroups_newnews_date_help() {
    let mut p = Pair::new();
    p.client.list(ListKind::Active, None).unwrap();
    let events = p.run();
    assert!(matches!(&events[1], Event::Active(a) if a.high == 2 && &a.status[..] == b"y"));
    p.client.list(ListKind::Newsgroups, Some("misc.*")).unwrap();
    let events = p.run();
    assert_eq!(
        events[1],
        Event::Newsgroup {
            name: "misc.test".into(),
            description: Bytes::from_static(b"Testing, \xe9t\xe9")
        }
    );
    p.client.list(ListKind::OverviewFmt, None).unwrap();
    assert_eq!(p.run()[1], Event::Line("Subject:".into()));
    p.client
        .send(Command::NewGroups {
            date: "20240101".into(),
            time: "000000".into(),
            gmt: true,
        })
        .unwrap();
    assert!(matches!(&p.run()[1], Event::Active(_)));
    p.client
        .send(Command::NewNews {
            wildmat: "misc.*".into(),
            date: "240101".into(),
            time: "000000".into(),
            gmt: false,
        })
        .unwrap();
    assert_eq!(
        p.run()[1..],
        [
            Event::MessageId("<1@example.org>".into()),
            Event::MessageId("<2@example.org>".into()),
            Event::End
        ]
    );
    p.client.send(Command::Date).unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 111));
    p.client.send(Command::Help).unwrap();
    assert_eq!(p.run()[1], Event::Line(".dot-leading help line".into()));
    assert_eq!(
        p.wire().0,
        "LIST ACTIVE\r\nLIST NEWSGROUPS misc.*\r\nLIST OVERVIEW.FMT\r\nNEWGROUPS 20240101 000000 GMT\r\nNEWNEWS misc.* 240101 000000\r\nDATE\r\nHELP\r\n"
    );
}

#[test]
fn post_sends_the_article_after_340_stuffed() {
    let mut p = Pair::new();
    let article =
        Bytes::from_static(b"Newsgroups: misc.test\nSubject: p\n\n.dot\n..two\nbytes \xff\n");
    p.client.post(article).unwrap();
    assert_eq!(
        p.client.outbox().to_vec(),
        b"POST\r\n",
        "the article waits for 340"
    );
    let events = p.run();
    assert!(
        matches!(&events[..], [Event::Continue(c), Event::Reply(r)] if c.code == 340 && r.code == 240)
    );
    let sent = std::mem::take(&mut p.sent);
    assert_eq!(
        sent,
        b"POST\r\nNewsgroups: misc.test\r\nSubject: p\r\n\r\n..dot\r\n...two\r\nbytes \xff\r\n.\r\n"
    );
    // The server got the article unstuffed, line ends CRLF.
    assert_eq!(
        p.spool.posts[0],
        b"Newsgroups: misc.test\r\nSubject: p\r\n\r\n.dot\r\n..two\r\nbytes \xff\r\n"
    );
}

#[test]
fn ihave_refused_first_sends_nothing_more() {
    let mut p = Pair::new();
    p.client
        .ihave(
            b"<1@example.org>",
            Bytes::from_static(b"Subject: x\r\n\r\nx\r\n"),
        )
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 435));
    assert_eq!(p.wire().0, "IHAVE <1@example.org>\r\n");
    p.client
        .ihave(
            b"<3@example.org>",
            Bytes::from_static(b"Subject: x\r\n\r\nx\r\n"),
        )
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Continue(c), Event::Reply(_)] if c.code == 335));
    assert_eq!(p.spool.posts.len(), 1);
}

#[test]
fn authinfo_user_pass_and_480() {
    let mut p = Pair::new();
    p.server.require_auth(true);
    p.client.group("misc.test").unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 480));
    p.client
        .send(Command::AuthInfoUser("alice".into()))
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 381));
    p.client
        .send(Command::AuthInfoPass("secret".into()))
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 281));
    assert!(p.client.is_authenticated() && p.server.is_authenticated());
    assert_eq!(
        p.client.mode_reader().unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );
    selected(&mut p);
}

#[test]
fn authinfo_sasl_with_a_challenge_and_483() {
    let mut p = Pair::new();
    p.server.require_tls_for_auth(true);
    p.client.auth(Plain::new("alice", "secret")).unwrap();
    assert!(matches!(&p.run()[..], [Event::Refused(r)] if r.code == 483));
    p.server.require_tls_for_auth(false);
    p.client
        .auth(WithoutInitialResponse(Plain::new("alice", "secret")))
        .unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 281));
    assert_eq!(p.wire().0, "AUTHINFO SASL PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTHINFO SASL PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n");
}

#[test]
fn starttls_go_ahead_and_injection() {
    let mut p = Pair::new();
    p.client.send(Command::StartTls).unwrap();
    let events = p.run();
    assert!(matches!(&events[..], [Event::Reply(r)] if r.code == 382));
    assert_eq!(p.client.transport(), Transport::StartTls);
    assert_eq!(p.server.transport(), Transport::StartTls);
    assert_eq!(
        p.client.group("x").unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );
    p.client.tls_established();
    p.server.tls_established();
    assert!(p.client.is_tls() && p.server.is_tls());
    assert!(p.client.capabilities().is_none());

    // Plaintext behind the go-ahead, either way, is an error.
    let mut client = Client::new();
    client.receive(b"200 hi\r\n");
    client.poll_event().unwrap();
    client.send(Command::StartTls).unwrap();
    client.receive(b"382 go\r\n211 1 1 1 injected\r\n");
    let e = client.poll_event().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PlaintextAfterUpgrade);
    let mut server = Server::new(true);
    server.receive(b"STARTTLS\r\nAUTHINFO USER x\r\n");
    assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::StartTls)));
    assert!(server.reply(&Reply::new(382, "go")).is_err());
    assert!(server.is_closed());
}

#[test]
fn quit_and_unsolicited_400() {
    let mut p = Pair::new();
    p.client.quit().unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 205));
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(
        p.client.group("x").unwrap_err().kind(),
        ErrorKind::OutOfSequence
    );

    let mut client = Client::new();
    client.receive(b"200 hi\r\n400 service discontinued\r\n");
    client.poll_event().unwrap();
    assert!(matches!(client.poll_event(), Ok(Next::Event(Event::Unsolicited(r))) if r.code == 400));
    assert!(!client.may_send());
    let mut client = Client::new();
    client.receive(b"200 hi\r\n211 1 1 1 stray\r\n");
    client.poll_event().unwrap();
    assert_eq!(
        client.poll_event().unwrap_err().kind(),
        ErrorKind::UnexpectedData
    );
}

#[test]
fn arguments_are_refused_and_nothing_is_sent() {
    let mut client = Client::new();
    for bad in ["misc test", "misc\r\nQUIT", "a\0b", ""] {
        let e = client.group(bad).unwrap_err();
        assert_eq!(e.fault(), Fault::Local, "{bad:?}");
    }
    for bad in ["<a b@c>", "a@b", "<a\n@b>"] {
        assert!(client
            .article(ArticleRef::MessageId(Bytes::copy_from_slice(
                bad.as_bytes()
            )))
            .is_err());
    }
    assert!(client.ihave(b"<x y>", Bytes::new()).is_err());
    assert!(client.send_raw(b"LIST\r\nQUIT").is_err());
    assert_eq!(client.pending(), 1, "only the greeting");
    client.receive(b"200 hi\r\n");
    client.poll_event().unwrap();
    assert!(client.outbox().is_empty());
}

#[test]
fn server_answers_malformed_and_unknown_itself() {
    let mut server = Server::new(true);
    server.outbox().take_vec();
    server.receive(b"FROB\r\nGROUP\r\nARTICLE x\r\nSTAT\r\nQUIT\r\n");
    assert_eq!(server.poll_event(), Ok(Next::Event(ServerEvent::Quit)));
    assert_eq!(
        server.outbox().take_vec(),
        b"500 Unknown command\r\n501 Syntax error\r\n501 Syntax error\r\n412 No newsgroup selected\r\n205 Bye\r\n"
    );
    let mut server = Server::new(true);
    server.receive(&[b'x'; 5000]);
    assert_eq!(
        server.poll_event().unwrap_err().kind(),
        ErrorKind::LineTooLong
    );
    assert!(server
        .outbox()
        .take_vec()
        .ends_with(b"500 Line too long\r\n"));
}

#[test]
fn raw_commands_know_their_blocks() {
    let mut p = Pair::new();
    p.client.send_raw(b"LIST NEWSGROUPS").unwrap();
    let events = p.run();
    assert_eq!(data(&events), b"misc.test\tTesting, \xe9t\xe9\r\n");
    p.client.send_raw(b"DATE").unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 111));
}

#[test]
fn timeouts_give_last_words() {
    use sanswire::wire::Instant;
    let mut server = Server::new(true);
    server.outbox().take_vec();
    server.set_now(Instant::from_micros(0));
    assert_eq!(server.poll_event(), Ok(Next::NeedInput));
    let deadline = server.poll_timeout().unwrap();
    server.handle_timeout(deadline);
    assert_eq!(server.poll_event().unwrap_err().kind(), ErrorKind::TimedOut);
    assert_eq!(server.outbox().take_vec(), b"400 Idle timeout, closing\r\n");
}

#[test]
fn compress_deflate_both_ways() {
    let mut p = Pair::new();
    p.client.send(Command::Compress("DEFLATE".into())).unwrap();
    assert!(matches!(&p.run()[..], [Event::Reply(r)] if r.code == 206));
    assert!(p.client.is_compressed() && p.server.is_compressed());
    p.wire();
    p.client.group("misc.test").unwrap();
    assert!(matches!(&p.run()[..], [Event::Group(_)]));
    p.client.article(ArticleRef::Number(1)).unwrap();
    let events = p.run();
    assert_eq!(data(&events), ONE);
    let (sent, answered) = {
        let sent = std::mem::take(&mut p.sent);
        (sent, std::mem::take(&mut p.answered))
    };
    assert!(
        !sent.windows(7).any(|w| w == b"ARTICLE"),
        "the command went deflated"
    );
    assert!(
        !answered.windows(5).any(|w| w == b"Subje"),
        "the article came deflated"
    );
    // A second COMPRESS is refused locally; the server would say 502.
    assert_eq!(
        p.client
            .send(Command::Compress("DEFLATE".into()))
            .unwrap_err()
            .kind(),
        ErrorKind::OutOfSequence
    );
    p.client.send(Command::Compress("LZ4".into())).unwrap_err();
}

#[test]
fn odd_lines_of_real_servers_do_not_drop_the_connection() {
    let mut c = Client::new();
    c.receive(b"200 hi\r\n");
    c.poll_event().unwrap();
    c.over(Selection::Range(Range::From(1))).unwrap();
    c.listgroup(Some("misc.test"), None).unwrap();
    c.article(ArticleRef::Number(1)).unwrap();
    // An overview line short of fields; RFC 2980's LISTGROUP status; an
    // article status without its number.
    c.receive(b"224 ov\r\n1\tshort\r\n.\r\n211 list follows\r\n1\r\n.\r\n220 article follows\r\nX: y\r\n.\r\n");
    let mut events = Vec::new();
    while let Ok(Next::Event(e)) = c.poll_event() {
        events.push(e);
    }
    let Event::Overviews(batch) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(batch.iter().collect::<Vec<_>>(), [Err(&b"1\tshort"[..])]);
    assert!(matches!(&events[3], Event::BlockStart(r) if r.code == 211));
    assert_eq!(events[4], Event::ArticleNumber(1));
    assert!(matches!(&events[6], Event::ArticleStart { number: 0, .. }));
    assert_eq!(events.last(), Some(&Event::End));
}
