#![no_main]
//! The NNTP client machine on arbitrary server bytes in arbitrary chunks,
//! with every kind of command in flight (blocks of each kind, POST with
//! its go-ahead, SASL, a raw command, QUIT): never a panic, the same
//! events whatever the chunking (article content compared joined, per
//! block).

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::nntp::{ArticleRef, Client, Command, Event, ListKind, Range, Selection};
use sanswire::sasl::Plain;

type Outcome = (Vec<String>, Vec<Vec<u8>>, Vec<u8>);

fn drive(input: &[u8], chunk: usize) -> Outcome {
    let mut blocks = vec![Vec::new()];
    let mut overviews = Vec::new();
    let (seen, sent) = sanswire_fuzz::run(
        client(),
        input,
        chunk,
        |_, event| match event {
            Event::Data(d) => blocks.last_mut().unwrap().extend_from_slice(d),
            Event::End => blocks.push(Vec::new()),
            // Batches follow the reads; their entries do not.
            Event::Overviews(batch) => {
                overviews.extend(batch.iter().map(|e| format!("{e:?}")));
            }
            _ => {}
        },
        |_| false,
    );
    let mut seen: Vec<String> = seen
        .into_iter()
        .filter(|e| !e.starts_with("Data(") && !e.starts_with("Overviews("))
        .collect();
    seen.extend(overviews);
    (seen, blocks, sent)
}

fn client() -> Client {
    let mut c = Client::new();
    c.set_pipelining(true);
    let range = Selection::Range(Range::From(1));
    for cmd in [
        Command::Capabilities,
        Command::ModeReader,
        Command::Group("misc.test".into()),
        Command::ListGroup { group: Some("misc.test".into()), range: None },
        Command::Article(ArticleRef::Number(1)),
        Command::Head(ArticleRef::MessageId("<a@b>".into())),
        Command::Stat(ArticleRef::Current),
        Command::Next,
        Command::Over(range.clone()),
        Command::XOver(None),
        Command::Hdr { field: "Subject".into(), selection: range.clone() },
        Command::XPat { field: "Subject".into(), selection: range, patterns: "*".into() },
        Command::List { kind: ListKind::Active, argument: None },
        Command::List { kind: ListKind::Counts, argument: None },
        Command::List { kind: ListKind::Newsgroups, argument: None },
        Command::List { kind: ListKind::OverviewFmt, argument: None },
        Command::NewNews { wildmat: "*".into(), date: "20240101".into(), time: "000000".into(), gmt: true },
        Command::NewGroups { date: "20240101".into(), time: "000000".into(), gmt: true },
        Command::Date,
        Command::Help,
        Command::AuthInfoUser("alice".into()),
    ] {
        c.send(cmd).unwrap();
    }
    c.post(Bytes::from_static(b"Subject: x\r\n\r\n.dot\r\n")).unwrap();
    c.auth(Plain::new("alice", "secret")).unwrap();
    c.send_raw(b"LIST DISTRIB.PATS").unwrap();
    c.quit().unwrap();
    c
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
