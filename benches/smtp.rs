//! SMTP machines on the same bytes as a raw `memchr` line scan, in one run.
//!
//! Ratios worth reading: `data/stuff_client` and `data/unstuff_server` over
//! `data/memchr_lines` (the least any line-aware pass over the message
//! costs), a 100-recipient pipelined transaction through both machines,
//! and the client reading a typical EHLO reply. The `peer_*` groups put
//! smtp-proto beside the machines on the same bytes: 1 MiB of mail through
//! `DataReceiver::ingest` and `Server`, a Postfix EHLO reply through
//! `EhloResponse::parse` and `Client`, MAIL/RCPT lines through
//! `Request::parse` and `Command::parse` (`benches/ratios.rs` prints the
//! same rows as ratios from one process).

mod common;
use bytes::Bytes;
use common::{line_ends, mail, POSTFIX_EHLO};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sanswire::smtp::{Client, Command, Envelope, Event, Server, ServerConfig, ServerEvent};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;

const MESSAGE_SIZE: usize = 10 << 20;

const EHLO_REPLY: &[u8] = b"250-mx.example.org Hello client.example.org [192.0.2.1]\r\n\
250-SIZE 52428800\r\n\
250-8BITMIME\r\n\
250-PIPELINING\r\n\
250-PIPE_CONNECT\r\n\
250-AUTH PLAIN LOGIN\r\n\
250-CHUNKING\r\n\
250-SMTPUTF8\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-DSN\r\n\
250 HELP\r\n";

/// A 10 MB message of mail-like lines, one in `dot_every` starting with a
/// dot.
fn message(dot_every: u32) -> Bytes {
    let mut m = Vec::with_capacity(MESSAGE_SIZE + 100);
    let mut i = 0u32;
    while m.len() < MESSAGE_SIZE {
        if i.is_multiple_of(dot_every) {
            m.push(b'.');
        }
        m.extend_from_slice(
            b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod ",
        );
        m.extend_from_slice(format!("{i}\r\n").as_bytes());
        i += 1;
    }
    Bytes::from(m)
}

/// The message as it is on the wire after DATA: stuffed, terminated.
fn stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 500 + 8);
    for line in message.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".") {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// A client past EHLO; `ehlo` is the server's reply.
fn ready_client(ehlo: &[u8]) -> Client {
    let mut c = Client::new("client.example.org").unwrap();
    c.receive(b"220 mx.example.org ESMTP\r\n");
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(Event::Greeting(_))
    ));
    c.outbox().take_vec();
    c.receive(ehlo);
    assert!(matches!(
        c.poll_event().unwrap(),
        Next::Event(Event::Ready { .. })
    ));
    c
}

fn drain(m: &mut impl Machine) -> usize {
    let out = m.outbox();
    let n = out.len();
    out.advance(n);
    n
}

fn data(c: &mut Criterion) {
    // One dot-leading line in 8 is a stress case; one in 1,000 is closer to
    // real mail.
    for (name, dot_every) in [("data", 8), ("data_typical", 1000)] {
        data_group(c, name, message(dot_every));
    }
}

fn data_group(c: &mut Criterion, name: &str, message: Bytes) {
    let wire = stuffed(&message);
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(message.len() as u64));
    g.sample_size(10);

    g.bench_function("memchr_lines", |b| b.iter(|| line_ends(black_box(&wire))));

    g.bench_function("stuff_client", |b| {
        b.iter_batched(
            || {
                let mut c = ready_client(b"250-mx\r\n250 PIPELINING\r\n");
                let env = Envelope::new("a@example.org", ["b@example.net"]);
                c.send_mail(&env, message.clone()).unwrap();
                drain(&mut c);
                c.receive(b"250 ok\r\n250 ok\r\n354 go\r\n");
                c
            },
            |mut c| {
                // The 354 makes the client stuff the whole message.
                assert_eq!(c.poll_event().unwrap(), Next::NeedInput);
                black_box(drain(&mut c));
                // Dropped after the timing.
                c
            },
            BatchSize::PerIteration,
        )
    });

    let server_in_data = || {
        let mut s = Server::new(ServerConfig::new("mx.example.org")).unwrap();
        s.receive(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
        loop {
            match s.poll_event().unwrap() {
                Next::Paused => s.accept().unwrap(),
                Next::NeedInput => break,
                _ => {}
            }
        }
        drain(&mut s);
        s.receive(&wire);
        s
    };
    // Scans the very buffer the server reads, freshly filled the same way,
    // so both start from the same cache state.
    g.bench_function("memchr_lines_in_server_buffer", |b| {
        b.iter_batched(
            server_in_data,
            |mut s| {
                black_box(line_ends(s.inbox().data()));
                s
            },
            BatchSize::PerIteration,
        )
    });

    g.bench_function("unstuff_server", |b| {
        b.iter_batched(
            server_in_data,
            |mut s| {
                let mut n = 0;
                loop {
                    match s.poll_event().unwrap() {
                        Next::Event(ServerEvent::Data(d)) => n += d.len(),
                        // The server (and its buffer) is dropped after the timing.
                        Next::Event(ServerEvent::MessageEnd { .. }) => return (black_box(n), s),
                        other => panic!("{other:?}"),
                    }
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let recipients: Vec<String> = (0..100).map(|i| format!("user{i}@example.net")).collect();
    let env = Envelope::new("sender@example.org", recipients.iter().cloned());
    let body = Bytes::from_static(b"Subject: hello\r\n\r\nA short message.\r\n");
    let mut config = ServerConfig::new("mx.example.org");
    config.chunking = false;
    c.bench_function("transaction/pipelined_100_recipients", |b| {
        b.iter_batched(
            || {
                let mut server = Server::new(config.clone()).unwrap();
                let mut client = Client::new("client.example.org").unwrap();
                // Handshake until the client is ready.
                loop {
                    client.receive(&server.outbox().take_vec());
                    if let Next::Event(Event::Ready { .. }) = client.poll_event().unwrap() {
                        break;
                    }
                    server.receive(&client.outbox().take_vec());
                    while let Next::Event(_) = server.poll_event().unwrap() {}
                }
                (client, server)
            },
            |(mut client, mut server)| {
                client.send_mail(&env, body.clone()).unwrap();
                loop {
                    server.receive(&client.outbox().take_vec());
                    loop {
                        match server.poll_event().unwrap() {
                            Next::Paused => server.accept().unwrap(),
                            Next::NeedInput => break,
                            Next::Event(_) => {}
                        }
                    }
                    client.receive(&server.outbox().take_vec());
                    if let Next::Event(Event::MailSent(o)) = client.poll_event().unwrap() {
                        assert!(o.is_complete());
                        return black_box(o.recipients.len());
                    }
                }
            },
            BatchSize::SmallInput,
        )
    });
}

fn ehlo(c: &mut Criterion) {
    c.bench_function("reply/ehlo", |b| {
        b.iter_batched(
            || {
                let mut c = Client::new("client.example.org").unwrap();
                c.receive(b"220 mx.example.org ESMTP\r\n");
                c.poll_event().unwrap();
                c
            },
            |mut c| {
                c.receive(EHLO_REPLY);
                match c.poll_event().unwrap() {
                    Next::Event(Event::Ready { caps }) => black_box(caps.auth().count()),
                    other => panic!("{other:?}"),
                }
            },
            BatchSize::SmallInput,
        )
    });
}

/// A server past EHLO, MAIL, RCPT and DATA, with `wire` in its buffer.
fn server_with_message(wire: &[u8]) -> Server {
    let mut s = Server::new(ServerConfig::new("mx.example.org")).unwrap();
    s.receive(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Paused => s.accept().unwrap(),
            Next::NeedInput => break,
            _ => {}
        }
    }
    drain(&mut s);
    s.receive(wire);
    s
}

fn peers(c: &mut Criterion) {
    let message = mail(1 << 20, 100);
    let wire = stuffed(&message);
    let mut g = c.benchmark_group("peer_data_1MiB");
    g.throughput(Throughput::Bytes(message.len() as u64));
    g.bench_function("memchr_lines", |b| b.iter(|| line_ends(black_box(&wire))));
    let mut buf = Vec::with_capacity(wire.len());
    g.bench_function("smtp_proto_ingest", |b| {
        b.iter(|| {
            buf.clear();
            let mut r = smtp_proto::request::receiver::DataReceiver::new();
            assert!(r.ingest(&mut black_box(&wire[..]).iter(), &mut buf));
            buf.len()
        })
    });
    g.bench_function("unstuff_server", |b| {
        b.iter_batched(
            || server_with_message(&wire),
            |mut s| {
                let mut n = 0;
                loop {
                    match s.poll_event().unwrap() {
                        Next::Event(ServerEvent::Data(d)) => n += d.len(),
                        Next::Event(ServerEvent::MessageEnd { .. }) => return (black_box(n), s),
                        other => panic!("{other:?}"),
                    }
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("peer_ehlo_postfix");
    g.bench_function("smtp_proto_parse", |b| {
        b.iter(|| {
            let r = smtp_proto::EhloResponse::<String>::parse(&mut black_box(POSTFIX_EHLO).iter());
            black_box(r.unwrap().auth())
        })
    });
    g.bench_function("client", |b| {
        b.iter_batched(
            || {
                let mut c = Client::new("client.example.org").unwrap();
                c.receive(b"220 mail.example.org ESMTP Postfix\r\n");
                c.poll_event().unwrap();
                drain(&mut c);
                c
            },
            |mut c| {
                c.receive(black_box(POSTFIX_EHLO));
                match c.poll_event().unwrap() {
                    Next::Event(Event::Ready { caps }) => black_box(caps.auth().count()),
                    other => panic!("{other:?}"),
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    const LINES: [&[u8]; 2] = [
        b"MAIL FROM:<jane.doe@example.org> SIZE=48213 BODY=8BITMIME RET=HDRS ENVID=QQ314159\r\n",
        b"RCPT TO:<john.smith@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;john.smith@example.net\r\n",
    ];
    let mut g = c.benchmark_group("peer_mail_rcpt");
    g.throughput(Throughput::Elements(2));
    g.bench_function("smtp_proto_request_parse", |b| {
        b.iter(|| {
            for line in LINES {
                black_box(smtp_proto::Request::parse(&mut black_box(line).iter()).unwrap());
            }
        })
    });
    g.bench_function("command_parse", |b| {
        b.iter(|| {
            for line in LINES {
                black_box(Command::parse(black_box(&line[..line.len() - 2])).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, data, pipeline, ehlo, peers);
criterion_main!(benches);
