//! POP3 client machine against a bare `memchr` line scan over the same
//! bytes, in one run.
//!
//! Ratios worth reading: `retr_10MB/memchr_scan` over `retr_10MB/client`
//! (the cost of framing and unstuffing beyond finding the line ends), and
//! `list_10000/client` for the per-entry cost of a listing.

mod common;
use common::line_ends;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::pop3::{Client, Event};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

/// A client past its greeting, with `cmd` queued and sent.
fn ready_client(queue: impl FnOnce(&mut Client)) -> Client {
    let mut client = Client::new();
    client.receive(b"+OK ready\r\n");
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    queue(&mut client);
    let n = client.outbox().len();
    client.outbox().advance(n);
    client
}

/// A 10 MB message as a server sends it: 76-octet lines, one in
/// `dot_every` dot-stuffed, then the `.` line.
fn retr_wire(dot_every: usize) -> (Vec<u8>, usize) {
    let mut wire = b"+OK message follows\r\n".to_vec();
    let mut content = 0;
    let mut i = 0;
    while content < 10_000_000 {
        if i % dot_every == 0 {
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

fn retr(c: &mut Criterion) {
    // One dot-stuffed line in 20 is a stress case; one in 1,000 is closer
    // to real mail. Filling the receive buffer is setup, not timed: a
    // driver reads into it anyway.
    for (name, dot_every) in [("retr_10MB", 20), ("retr_10MB_typical", 1000)] {
        let (wire, content) = retr_wire(dot_every);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(content as u64));
        let setup = || {
            let mut client = ready_client(|c| {
                c.retr(1).unwrap();
            });
            client.receive(&wire);
            client
        };
        // The baseline scans the very buffer the client reads, freshly
        // filled the same way, so both start from the same cache state.
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
                            Next::Event(Event::MessageEnd { .. }) => break,
                            Next::Event(_) => {}
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                    assert_eq!(n, content);
                    // Dropped after the timing, with its 10 MB buffer.
                    client
                },
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

fn list(c: &mut Criterion) {
    let mut wire = b"+OK 10000 messages\r\n".to_vec();
    for n in 1..=10_000u32 {
        wire.extend_from_slice(format!("{n} {}\r\n", 1000 + n * 7).as_bytes());
    }
    wire.extend_from_slice(b".\r\n");
    let mut group = c.benchmark_group("list_10000");
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("memchr_scan", |b| {
        b.iter(|| black_box(line_ends(black_box(&wire))))
    });
    group.bench_function("client", |b| {
        b.iter_batched(
            || {
                ready_client(|c| {
                    c.list(None).unwrap();
                })
            },
            |mut client| {
                client.receive(&wire);
                match client.poll_event().unwrap() {
                    Next::Event(Event::List(entries)) => assert_eq!(entries.len(), 10_000),
                    other => panic!("unexpected {other:?}"),
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, retr, list);
criterion_main!(benches);
