//! The IMAP client machine against imap-codec (its Fragmentizer plus its
//! ResponseCodec: framing included on both sides) on the same bytes, in
//! one run.
//!
//! Ratios worth reading: `imap-codec` time over `client` time in each
//! group. Filling the receive buffer is setup for ours (a driver reads
//! into it anyway); imap-codec's `enqueue_bytes` copy is timed, as its
//! users must make it.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use imap_codec::fragmentizer::Fragmentizer;
use imap_codec::ResponseCodec;
use sanswire::imap::{Client, Command, Data, Event, FetchAttr, FetchItem, SeqSet};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

/// A client past its greeting, with a FETCH sent (tag A1).
fn ready_client() -> Client {
    let mut c = Client::new();
    c.receive(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
    assert!(matches!(
        c.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    c.send(Command::Fetch {
        uid: false,
        set: SeqSet::all(),
        items: vec![FetchAttr::Envelope],
        changed_since: None,
        vanished: false,
    })
    .unwrap();
    let n = c.outbox().len();
    c.outbox().advance(n);
    c
}

fn envelope_stream() -> Vec<u8> {
    let mut wire = Vec::new();
    for n in 1..=1000u32 {
        wire.extend_from_slice(format!(
            "* {n} FETCH (UID {uid} FLAGS (\\Seen $Label{m}) RFC822.SIZE {size} INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" \
ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes {n}\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
\"<B27397-0100{n}@cac.washington.edu>\") \
BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 1234 40 NIL NIL NIL NIL)\
(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 4321 80 NIL NIL NIL NIL) \"ALTERNATIVE\" \
(\"BOUNDARY\" \"=_b{n}\") NIL NIL NIL))\r\n",
            uid = 1000 + n,
            m = n % 7,
            size = 4000 + n,
        ).as_bytes());
    }
    wire.extend_from_slice(b"A1 OK FETCH completed\r\n");
    wire
}

fn literal_stream() -> (Vec<u8>, usize) {
    let body: Vec<u8> = (0..4096u32)
        .map(|i| b"abcdefghij\r\n"[(i % 12) as usize])
        .collect();
    let mut wire = Vec::new();
    for n in 1..=256u32 {
        wire.extend_from_slice(format!("* {n} FETCH (UID {n} BODY[] {{4096}}\r\n").as_bytes());
        wire.extend_from_slice(&body);
        wire.extend_from_slice(b")\r\n");
    }
    wire.extend_from_slice(b"A1 OK FETCH completed\r\n");
    (wire, 256 * 4096)
}

fn search_stream() -> Vec<u8> {
    let mut wire = b"* SEARCH".to_vec();
    for n in 1..=10_000u32 {
        wire.extend_from_slice(format!(" {}", n * 3 + 100_000).as_bytes());
    }
    wire.extend_from_slice(b"\r\nA1 OK SEARCH completed\r\n");
    wire
}

/// Runs our client over `wire`; returns (responses, literal octets).
fn ours(mut c: Client) -> (usize, usize) {
    let (mut n, mut octets) = (0, 0);
    loop {
        match c.poll_event().unwrap() {
            Next::Event(Event::Done(_)) => return (n, octets),
            Next::Event(Event::Data(d)) => {
                n += 1;
                if let Data::Fetch { items, .. } = &d {
                    for i in items {
                        if let FetchItem::Section { data: Some(b), .. } = i {
                            octets += b.len();
                        }
                    }
                }
                black_box(d);
            }
            Next::Event(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Runs imap-codec's fragmentizer and decoder over `wire`.
fn theirs(wire: &[u8]) -> usize {
    let codec = ResponseCodec::default();
    let mut f = Fragmentizer::new(64 << 20);
    f.enqueue_bytes(wire);
    let mut n = 0;
    while f.progress().is_some() {
        if f.is_message_complete() {
            let m = f.decode_message(&codec).expect("imap-codec decodes");
            black_box(&m);
            n += 1;
        }
    }
    n
}

fn group(c: &mut Criterion, name: &str, wire: &[u8], responses: usize) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("client", |b| {
        b.iter_batched(
            || {
                let mut c = ready_client();
                c.receive(wire);
                c
            },
            |c| assert_eq!(ours(c).0, responses),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("imap-codec", |b| {
        b.iter(|| assert_eq!(theirs(black_box(wire)), responses + 1))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let envelopes = envelope_stream();
    group(c, "fetch_envelope_1000", &envelopes, 1000);
    let (literals, octets) = literal_stream();
    let mut probe = ready_client();
    probe.receive(&literals);
    assert_eq!(ours(probe), (256, octets));
    group(c, "fetch_body_4k_256", &literals, 256);
    let search = search_stream();
    group(c, "search_10000", &search, 1);
}

criterion_group!(imap, benches);
criterion_main!(imap);
