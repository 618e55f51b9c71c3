#![no_main]
//! The NNTP server machine on arbitrary client bytes in arbitrary chunks,
//! answered by a two-article spool: never a panic, never a loop, and the
//! same events and answers whatever the chunking (posted content compared
//! joined).

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::nntp::{ArticleRef, GroupInfo, Reply, Server, ServerEvent as Event};

const ARTICLE: &[u8] = b"Subject: a\r\nMessage-ID: <1@x>\r\n\r\n.dot\r\nbody\n";

fn answer(s: &mut Server, event: &Event) {
    let r = |code, text: &'static str| Reply::new(code, text);
    let _ = match event {
        Event::Capabilities => s.capabilities(&["VERSION 2", "READER"]),
        Event::ModeReader => s.reply(&r(200, "ok")),
        Event::Group(g) | Event::ListGroup { group: g, .. } => {
            let done = s.group(&GroupInfo { count: 2, low: 1, high: 2, name: g.clone() });
            if matches!(event, Event::ListGroup { .. }) && done.is_ok() {
                let _ = s.block_line(b"1");
                let _ = s.end_block();
            }
            done.or_else(|_| s.reply(&r(411, "bad group")))
        }
        Event::Article { which, .. } => match which {
            ArticleRef::Number(n @ 1..=2) => s.article(*n, b"<1@x>", Bytes::from_static(ARTICLE)),
            ArticleRef::MessageId(_) => s.article(0, b"<1@x>", Bytes::from_static(ARTICLE)),
            _ => s.reply(&r(423, "no such article")),
        },
        Event::Move { current, .. } => s.select(current % 2 + 1, b"<2@x>"),
        Event::Over(_) => s
            .start_block(&r(224, "overview"))
            .and_then(|_| s.block_line(b"1\ta\tb\tc\t<1@x>\t\t1\t1"))
            .and_then(|_| s.end_block()),
        Event::Hdr { legacy, .. } => s
            .start_block(&r(if *legacy { 221 } else { 225 }, "hdr"))
            .and_then(|_| s.block_line(b".1 a"))
            .and_then(|_| s.end_block()),
        Event::List { .. } => s.start_block(&r(215, "list")).and_then(|_| s.end_block()),
        Event::NewGroups { .. } => s.start_block(&r(231, "groups")).and_then(|_| s.end_block()),
        Event::NewNews { .. } => s.start_block(&r(230, "news")).and_then(|_| s.end_block()),
        Event::Help => s.start_block(&r(100, "help")).and_then(|_| s.end_block()),
        Event::Date => s.reply(&r(111, "20240101000000")),
        Event::Post | Event::IHave(_) => s.reply(&r(340, "send")),
        Event::ArticleData(_) => Ok(()),
        Event::ArticleEnd => s.reply(&r(240, "thanks")),
        Event::StartTls => s.reply(&r(580, "no TLS")),
        Event::AuthUser(_) => s.reply(&r(381, "pass")),
        Event::AuthPass { .. } => s.reply(&r(281, "ok")),
        Event::AuthSasl { initial_response: None, .. } => s.challenge(b"more"),
        Event::AuthSasl { .. } | Event::AuthResponse(_) => s.reply(&r(481, "no")),
        Event::Compress(_) => s.reply(&r(503, "no")),
        Event::AuthCancelled | Event::Quit => Ok(()),
    };
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    let mut server = Server::new(true);
    server.require_auth(input.first() == Some(&b'A'));
    let mut posted = Vec::new();
    let (seen, sent, _) = sanswire_fuzz::run_all(
        server,
        input,
        chunk,
        |s, e| {
            if let Event::ArticleData(d) = e {
                posted.extend_from_slice(d);
            }
            answer(s, e)
        },
        |_| false,
    );
    let seen = seen.into_iter().filter(|e| !e.starts_with("ArticleData(")).collect();
    (seen, sent, posted)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
