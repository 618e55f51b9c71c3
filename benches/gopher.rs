//! Gopher menus into typed items against a bare `memchr` line scan over
//! the same bytes, in one run.
//!
//! Ratios worth reading: `menu_100k/memchr_scan` over each of
//! `menu_100k/items_borrowed` (`MenuLines`: every field of every item as a
//! slice, no reference counting), `menu_100k/items_owned` (`parse_menu`:
//! the same as `Bytes` slices) and `menu_100k/client` (the client machine,
//! streaming items out of its receive buffer). Goal: 0.5 or better.

mod common;
use bytes::Bytes;
use common::line_ends;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::gopher::{parse_menu, Body, Client, Event, MenuLines, Request};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

/// A 100,000-item menu in the mix real servers send: info lines, menus,
/// texts and images, gophernicus-style display strings, the Gopher+ field
/// on some.
fn menu() -> Vec<u8> {
    let mut menu = Vec::new();
    for i in 0..100_000u32 {
        let line = match i % 5 {
            0 => format!("iWelcome to section {i} of the archive\t\tnull.host\t1\r\n"),
            1 => format!("1Directory {i}\t/archive/dir{i}/\tgopher.example.org\t70\r\n"),
            2 => format!("0readme-{i}.txt   2026-Dec-01 15:02   1.2 KB\t/archive/readme-{i}.txt\tgopher.example.org\t70\r\n"),
            3 => format!("IPicture {i}\t/archive/img/{i}.png\tgopher.example.org\t70\t+\r\n"),
            _ => format!("9Archive {i}.tar.gz\t/archive/{i}.tar.gz\tmirror.example.net\t7070\r\n"),
        };
        menu.extend_from_slice(line.as_bytes());
    }
    menu.extend_from_slice(b".\r\n");
    menu
}

fn menus(c: &mut Criterion) {
    let wire = menu();
    let shared = Bytes::from(wire.clone());
    let mut group = c.benchmark_group("menu_100k");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function("memchr_scan", |b| b.iter(|| line_ends(black_box(&wire))));
    group.bench_function("items_borrowed", |b| {
        b.iter(|| {
            MenuLines::new(black_box(&wire)).fold(0usize, |acc, item| {
                acc ^ black_box(item.selector.len() + item.port.map_or(0, usize::from))
            })
        })
    });
    group.bench_function("items_owned", |b| {
        b.iter(|| {
            parse_menu(black_box(&shared)).fold(0usize, |acc, item| {
                acc ^ black_box(item.selector.len() + item.port.map_or(0, usize::from))
            })
        })
    });
    group.bench_function("client", |b| {
        b.iter_batched(
            || {
                let mut client = Client::new();
                client.get(&Request::new("/archive"), Body::Menu).unwrap();
                client.outbox().take_vec();
                client.receive(&wire);
                client
            },
            |mut client| {
                let mut acc = 0usize;
                loop {
                    match client.poll_event().unwrap() {
                        Next::Event(Event::Item(item)) => acc ^= black_box(item.selector.len()),
                        Next::Event(Event::End) => break,
                        other => panic!("{other:?}"),
                    }
                }
                acc
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, menus);
criterion_main!(benches);
