//! Telnet decoding and encoding against a bare `memchr` scan and two
//! peer crates (`telnet` 0.2, `libmudtelnet` 2) over the same bytes, in
//! one run.
//!
//! The stream is text in 78-byte lines ending in CR LF, with a command
//! (`IAC GA`, as a MUD prompt ends) once every ~4 KiB ("rare") or once
//! every 64 bytes ("dense"), 1 MiB and 100 MB of it. Ratios worth
//! reading: `memchr` over `sanswire` (the goal: 0.5 or better on rare
//! IACs), and `telnet_crate` / `libmudtelnet` over `sanswire`.
//! Filling our receive buffer is setup, not timed: a driver reads into
//! it anyway; the peers get the bytes through their own entry points.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::telnet::{Client, Event, Server};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// `len` bytes of CR LF text with `IAC GA` every `every` bytes; returns
/// the wire and how many data bytes it carries.
fn wire(len: usize, every: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(len + len / every * 2);
    let mut data = 0;
    let mut since = 0;
    let mut i = 0u32;
    while out.len() < len {
        let b = if i % 80 == 78 {
            b'\r'
        } else if i % 80 == 79 {
            b'\n'
        } else {
            b'a' + (i % 26) as u8
        };
        out.push(b);
        data += 1;
        since += 1;
        i += 1;
        if since == every {
            out.extend_from_slice(&[255, 249]);
            since = 0;
        }
    }
    (out, data)
}

/// Our client, the whole wire in its receive buffer: data bytes seen,
/// and the client, so that freeing its buffer (which the untimed setup
/// filled, as a driver's read would) is not timed either.
fn ours(mut client: Client) -> (usize, Client) {
    let mut n = 0;
    loop {
        match client.poll_event() {
            Ok(Next::Event(Event::Data(d))) => n += d.len(),
            Ok(Next::Event(_)) => {}
            _ => return (n, client),
        }
    }
}

/// An in-memory stream for the `telnet` crate: reads hand out the wire
/// in 64 KiB pieces; writes are dropped.
struct Mem {
    wire: Arc<Vec<u8>>,
    at: usize,
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.wire.len() - self.at);
        buf[..n].copy_from_slice(&self.wire[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        black_box(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl telnet::Stream for Mem {
    fn set_nonblocking(&self, _: bool) -> io::Result<()> {
        Ok(())
    }
    fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

fn telnet_crate(wire: &Arc<Vec<u8>>, data: usize) -> usize {
    let mem = Mem {
        wire: Arc::clone(wire),
        at: 0,
    };
    let mut t = telnet::Telnet::from_stream(Box::new(mem), 64 * 1024);
    let mut n = 0;
    while n < data {
        if let telnet::Event::Data(d) = t.read().unwrap() {
            n += d.len();
        }
    }
    n
}

fn libmudtelnet(wire: &[u8]) -> usize {
    let mut parser = libmudtelnet::Parser::new();
    let mut n = 0;
    for piece in wire.chunks(64 * 1024) {
        for e in parser.receive(piece) {
            if let libmudtelnet::events::TelnetEvents::DataReceive(d) = e {
                n += d.len();
            }
        }
    }
    n
}

fn decode(c: &mut Criterion) {
    for (size_name, len, samples) in [("1MiB", 1 << 20, 50), ("100MB", 100_000_000, 10)] {
        for (density, every) in [("rare", 4096), ("dense", 64)] {
            let (wire, data) = wire(len, every);
            let wire = Arc::new(wire);
            assert_eq!(ours(loaded(&wire)).0, data);
            assert_eq!(libmudtelnet(&wire), data);
            assert_eq!(telnet_crate(&wire, data), data);
            let mut group = c.benchmark_group(format!("decode_{size_name}_{density}"));
            group.sample_size(samples);
            group.throughput(Throughput::Bytes(wire.len() as u64));
            group.bench_function("sanswire", |b| {
                b.iter_batched(|| loaded(&wire), ours, BatchSize::PerIteration)
            });
            group.bench_function("memchr", |b| {
                b.iter(|| memchr::memchr_iter(255, black_box(&wire[..])).count())
            });
            group.bench_function("telnet_crate", |b| b.iter(|| telnet_crate(&wire, data)));
            group.bench_function("libmudtelnet", |b| b.iter(|| libmudtelnet(&wire)));
            group.finish();
        }
    }
}

fn loaded(wire: &[u8]) -> Client {
    let mut client = Client::new();
    client.inbox().set_read_size(wire.len());
    client.receive(wire);
    client
}

/// Encoding: data with 0xFF in it (one every `every` bytes), 1 MiB and
/// 100 MB of it in 16 KiB writes, escaped by each implementation.
fn encode(c: &mut Criterion) {
    let sizes = [("1MiB", 1usize << 20, 50), ("100MB", 100_000_000, 10)];
    for ((size_name, len, samples), (density, every)) in sizes
        .into_iter()
        .flat_map(|s| [(s, ("rare", 4096)), (s, ("dense", 64))])
    {
        let data: Vec<u8> = (0..len)
            .map(|i| {
                if i % every == every - 1 {
                    255
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        let mut group = c.benchmark_group(format!("encode_{size_name}_{density}"));
        group.sample_size(samples);
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function("sanswire", |b| {
            let mut server = Server::new();
            b.iter(|| {
                for piece in data.chunks(16 * 1024) {
                    server.send_data(piece).unwrap();
                    let out = server.outbox();
                    for chunk in out.chunks() {
                        black_box(chunk);
                    }
                    let n = out.len();
                    out.advance(n);
                }
            })
        });
        group.bench_function("telnet_crate", |b| {
            let mem = Mem {
                wire: Arc::new(Vec::new()),
                at: 0,
            };
            let mut t = telnet::Telnet::from_stream(Box::new(mem), 1024);
            b.iter(|| {
                for piece in data.chunks(16 * 1024) {
                    t.write(piece).unwrap();
                }
            })
        });
        group.bench_function("libmudtelnet", |b| {
            b.iter(|| {
                for piece in data.chunks(16 * 1024) {
                    black_box(libmudtelnet::Parser::escape_iac(piece.to_vec()));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
