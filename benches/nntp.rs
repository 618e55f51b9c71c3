//! NNTP client machine against a bare `memchr` line scan over the same
//! bytes, in one run.
//!
//! Ratios worth reading: `over_100000/memchr_scan` over
//! `over_100000/client` (goal 0.5 or better: every line split into its
//! fields, handed out in batches per receive block), and `article_10MB/memchr_scan` over
//! `article_10MB/client` (goal 0.9: framing and unstuffing beyond finding
//! the line ends).

mod common;
use common::line_ends;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::nntp::{ArticleRef, Client, Event, Range, Selection};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

fn ready_client(queue: impl FnOnce(&mut Client)) -> Client {
    let mut client = Client::new();
    client.receive(b"200 news ready\r\n");
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Greeting { .. }))
    ));
    queue(&mut client);
    let n = client.outbox().len();
    client.outbox().advance(n);
    client
}

/// OVER of `n` articles as INN sends it (with Xref).
fn over_wire(n: u64) -> Vec<u8> {
    let mut wire = b"224 Overview information follows\r\n".to_vec();
    for i in 1..=n {
        wire.extend_from_slice(
            format!("{i}\tRe: Announcing the release of version {}\tSomeone Here <someone{}@example.org>\tMon, 1 Jan 2024 00:00:{:02} +0000\t<{i}.{}@news.example.org>\t<{}@news.example.org> <{}@news.example.org>\t{}\t{}\tXref: news.example.org comp.lang.rust:{i}\r\n",
                i % 97, i % 13, i % 60, i * 7, i / 2, i / 3, 1000 + i % 5000, 10 + i % 200).as_bytes(),
        );
    }
    wire.extend_from_slice(b".\r\n");
    wire
}

fn over(c: &mut Criterion) {
    let wire = over_wire(100_000);
    let mut group = c.benchmark_group("over_100000");
    group.throughput(Throughput::Elements(100_000));
    let setup = || {
        let mut client = ready_client(|c| {
            c.over(Selection::Range(Range::From(1))).unwrap();
        });
        client.receive(&wire);
        client
    };
    group.bench_function("memchr_scan", |b| {
        b.iter_batched(
            setup,
            |mut client| {
                black_box(line_ends(client.inbox().data()));
                client
            },
            BatchSize::LargeInput,
        )
    });
    // The shared line framing alone: the floor of any line-based parse.
    group.bench_function("line_reader", |b| {
        b.iter_batched(
            setup,
            |mut client| {
                let mut r = sanswire::wire::LineReader::new(1 << 20);
                let mut n = 0;
                while let Ok(Some(l)) = r.next_line(client.inbox()) {
                    n += l.bytes.len();
                }
                black_box(n);
                client
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("client", |b| {
        b.iter_batched(
            setup,
            |mut client| {
                let mut n = 0u64;
                loop {
                    match client.poll_event().unwrap() {
                        Next::Event(Event::Overviews(batch)) => {
                            for o in batch.iter().flatten() {
                                n += o.number + o.subject().len() as u64;
                            }
                        }
                        Next::Event(Event::End) => break,
                        Next::Event(_) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
                black_box(n);
                client
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// A 10 MB article: 76-octet lines, one in 1,000 dot-stuffed.
fn article_wire() -> (Vec<u8>, usize) {
    let mut wire = b"220 1 <1@example.org> article\r\n".to_vec();
    let mut content = 0;
    let mut i = 0;
    while content < 10_000_000 {
        if i % 1000 == 0 {
            wire.extend_from_slice(b"..");
            content += 1;
        }
        wire.extend_from_slice(&[b'a' + (i % 26) as u8; 74]);
        wire.extend_from_slice(b"\r\n");
        content += 76;
        i += 1;
    }
    wire.extend_from_slice(b".\r\n");
    (wire, content)
}

fn article(c: &mut Criterion) {
    let (wire, content) = article_wire();
    let mut group = c.benchmark_group("article_10MB");
    group.throughput(Throughput::Bytes(content as u64));
    let setup = || {
        let mut client = ready_client(|c| {
            c.article(ArticleRef::Number(1)).unwrap();
        });
        client.receive(&wire);
        client
    };
    group.bench_function("memchr_scan", |b| {
        b.iter_batched(
            setup,
            |mut client| {
                black_box(line_ends(client.inbox().data()));
                client
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("client", |b| {
        b.iter_batched(
            setup,
            |mut client| {
                let mut n = 0;
                loop {
                    match client.poll_event().unwrap() {
                        Next::Event(Event::Data(d)) => n += d.len(),
                        Next::Event(Event::End) => break,
                        Next::Event(_) => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
                assert_eq!(n, content);
                client
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, over, article);
criterion_main!(benches);
