//! Peer time over our time, for each row, from one process on the same
//! bytes: `cargo bench --bench ratios`.
//!
//! Each round times a batch of the peer and a batch of ours, alternating
//! which goes first; the figure is the median of 15 per-round ratios, so
//! noise from the other processes on the machine hits both sides alike.
//! Above 1.0 we are faster. Setup (filling a machine's buffer with a
//! message, making fresh clients) and drops are not timed. Nothing here
//! asserts a timing.

mod common;
use common::{mail, stuffed, BROWSER_GET, POSTFIX_EHLO};
use sanswire::http::{self, Response};
use sanswire::smtp::{self, Command, ServerConfig, ServerEvent};
use sanswire::wire::{Machine, Next};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ROUNDS: usize = 15;

/// Rounds per row: 15, or `RATIOS_ROUNDS` (more, for profiling one row).
fn rounds() -> usize {
    std::env::var("RATIOS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS)
}

/// Times `f`, which runs a batch and may exclude its own setup by
/// returning the time it measured itself.
fn timed(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

struct Row {
    name: &'static str,
    peer: &'static str,
    /// Items per batch, for the per-item times printed.
    items: u32,
    ratios: Vec<f64>,
    peer_times: Vec<Duration>,
    our_times: Vec<Duration>,
}

fn median<T: PartialOrd + Copy>(v: &[T]) -> T {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn run(
    name: &'static str,
    peer: &'static str,
    items: u32,
    mut peer_batch: impl FnMut() -> Duration,
    mut our_batch: impl FnMut() -> Duration,
) -> Option<Row> {
    // `RATIOS=dot cargo bench --bench ratios` runs the rows whose name has
    // "dot" in it (for profiling one row).
    if let Ok(only) = std::env::var("RATIOS") {
        if !name.to_lowercase().contains(&only.to_lowercase()) {
            return None;
        }
    }
    // One untimed round of each to warm caches and the allocator.
    peer_batch();
    our_batch();
    let mut row = Row {
        name,
        peer,
        items,
        ratios: Vec::new(),
        peer_times: Vec::new(),
        our_times: Vec::new(),
    };
    for round in 0..rounds() {
        let (p, o) = if round % 2 == 0 {
            let p = peer_batch();
            (p, our_batch())
        } else {
            let o = our_batch();
            (peer_batch(), o)
        };
        row.ratios.push(p.as_secs_f64() / o.as_secs_f64());
        row.peer_times.push(p);
        row.our_times.push(o);
    }
    Some(row)
}

fn per_item(d: Duration, items: u32) -> String {
    let ns = d.as_secs_f64() * 1e9 / f64::from(items);
    if ns >= 10_000.0 {
        format!("{:.1} us", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

// ---- HTTP -------------------------------------------------------------

fn httparse_request(buf: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => {
            black_box((req.method, req.path, req.headers.len()));
            n
        }
        _ => panic!("bad request"),
    }
}

/// One request through the server: head, checks, End, a 204 answer.
fn serve_one(server: &mut http::Server, reply: &Response) {
    loop {
        match server.poll_event().unwrap() {
            Next::Event(http::Event::Request(r)) => {
                black_box(r.headers().len());
            }
            Next::Event(http::Event::End) => {
                server.send_response(reply).unwrap();
                server.send_end(None).unwrap();
                let out = server.outbox();
                let n = out.len();
                out.advance(n);
                return;
            }
            Next::Event(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn http_rows(rows: &mut Vec<Row>) {
    const N: u32 = 2000;
    let reply = Response::new(204);
    let mut server = http::Server::new();
    rows.extend(run(
        "one browser GET (523 B, 13 fields), parse + checks + 204",
        "httparse::Request::parse",
        N,
        || {
            timed(|| {
                for _ in 0..N {
                    black_box(httparse_request(black_box(BROWSER_GET)));
                }
            })
        },
        || {
            timed(|| {
                for _ in 0..N {
                    server.receive(black_box(BROWSER_GET));
                    serve_one(&mut server, &reply);
                }
            })
        },
    ));

    // The same with the receive block kept while idle: what letting go of
    // it between requests (memory follows the work) costs.
    let mut keeping = http::Server::new();
    keeping.inbox().set_idle_release(false);
    rows.extend(run(
        "  the same, receive block kept while idle (set_idle_release(false))",
        "httparse::Request::parse",
        N,
        || {
            timed(|| {
                for _ in 0..N {
                    black_box(httparse_request(black_box(BROWSER_GET)));
                }
            })
        },
        || {
            timed(|| {
                for _ in 0..N {
                    keeping.receive(black_box(BROWSER_GET));
                    serve_one(&mut keeping, &reply);
                }
            })
        },
    ));

    let stream: Vec<u8> = BROWSER_GET.repeat(1000);
    const BATCH: u32 = 4;
    rows.extend(run(
        "1,000 pipelined GETs",
        "httparse over the stream",
        BATCH,
        || {
            timed(|| {
                for _ in 0..BATCH {
                    let mut at = 0;
                    while at < stream.len() {
                        at += httparse_request(&stream[at..]);
                    }
                }
            })
        },
        || {
            // The stream lands in the receive buffer before the timing, as
            // the peer's is in its slice (and as DATA's rows do): filling
            // a buffer is setup here.
            let mut total = Duration::ZERO;
            for _ in 0..BATCH {
                server.receive(black_box(&stream));
                total += timed(|| {
                    for _ in 0..1000 {
                        serve_one(&mut server, &reply);
                    }
                });
            }
            total
        },
    ));
}

// ---- SMTP -------------------------------------------------------------

/// Takes `s` (after EHLO, or after the last message) into DATA and puts
/// the whole stuffed message in its buffer.
fn into_data(s: &mut smtp::Server, wire: &[u8]) {
    s.receive(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Paused => s.accept().unwrap(),
            Next::NeedInput => break,
            _ => {}
        }
    }
    let n = s.outbox().len();
    s.outbox().advance(n);
    s.receive(wire);
}

/// Reads the message in `s`'s buffer to its end: the bytes of its `Data`
/// events.
fn take_message(s: &mut smtp::Server) -> usize {
    let mut n = 0;
    loop {
        match s.poll_event().unwrap() {
            Next::Event(ServerEvent::Data(d)) => n += d.len(),
            Next::Event(ServerEvent::MessageEnd { .. }) => return n,
            other => panic!("{other:?}"),
        }
    }
}

/// Our side of the DATA rows: `msgs` messages through one server, as on
/// a connection that receives many (its receive block is reused, as the
/// peer's `Vec` is); only the reading is timed.
fn our_data_batch(server: &mut smtp::Server, wire: &[u8], len: usize, msgs: u32) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..msgs {
        into_data(server, wire);
        total += timed(|| {
            assert_eq!(take_message(server), len);
        });
        // Taken for delivery, outside the timing.
        assert_eq!(server.poll_event().unwrap(), Next::Paused);
        server.accept().unwrap();
    }
    total
}

fn smtp_rows(rows: &mut Vec<Row>) {
    let message = mail(1 << 20, 100);
    let wire = stuffed(&message);
    const MSGS: u32 = 4;
    let mut peer_buf: Vec<u8> = Vec::with_capacity(wire.len());
    let mut server = smtp::Server::new(ServerConfig::new("mx.example.org")).unwrap();
    server.receive(b"EHLO c\r\n");
    while let Next::Event(_) = server.poll_event().unwrap() {}
    rows.extend(run(
        "SMTP DATA, 1 MiB, 70-80 B lines, 1 in 100 stuffed (smtp::Server)",
        "smtp-proto DataReceiver::ingest",
        MSGS,
        || {
            let mut total = Duration::ZERO;
            for _ in 0..MSGS {
                peer_buf.clear();
                let mut receiver = smtp_proto::request::receiver::DataReceiver::new();
                total += timed(|| {
                    let mut bytes = wire.iter();
                    assert!(receiver.ingest(&mut bytes, &mut peer_buf));
                    black_box(peer_buf.len());
                });
            }
            total
        },
        || our_data_batch(&mut server, &wire, message.len(), MSGS),
    ));

    // A floor, not a peer: the search alone that smtp-proto runs (no copy,
    // no bare-LF check), on the same bytes in a buffer of their own, to
    // show how far DATA is from a bare scan.
    let mut floor_buf = wire.clone();
    rows.extend(run(
        "  the same against a floor",
        "memchr::memmem \"\\n.\" (search only)",
        MSGS,
        || {
            let mut total = Duration::ZERO;
            for _ in 0..MSGS {
                floor_buf.copy_from_slice(&wire);
                total += timed(|| {
                    black_box(memchr::memmem::find_iter(&floor_buf, b"\n.").count());
                });
            }
            total
        },
        || our_data_batch(&mut server, &wire, message.len(), MSGS),
    ));

    const CLIENTS: u32 = 200;
    for keep in [false, true] {
        rows.extend(run(
            if keep {
                "  the same, receive block kept while idle (set_idle_release(false))"
            } else {
                "Postfix EHLO reply (13 lines) into typed capabilities (smtp::Client)"
            },
            "smtp-proto EhloResponse::parse",
            CLIENTS,
            || {
                timed(|| {
                    for _ in 0..CLIENTS {
                        let r = smtp_proto::EhloResponse::<String>::parse(
                            &mut black_box(POSTFIX_EHLO).iter(),
                        )
                        .unwrap();
                        black_box(r.auth());
                    }
                })
            },
            || {
                let mut clients: Vec<smtp::Client> = (0..CLIENTS)
                    .map(|_| {
                        let mut c = smtp::Client::new("client.example.org").unwrap();
                        c.inbox().set_idle_release(!keep);
                        c.receive(b"220 mail.example.org ESMTP Postfix\r\n");
                        c.poll_event().unwrap();
                        let n = c.outbox().len();
                        c.outbox().advance(n);
                        c
                    })
                    .collect();
                timed(|| {
                    for c in &mut clients {
                        c.receive(black_box(POSTFIX_EHLO));
                        match c.poll_event().unwrap() {
                            Next::Event(smtp::Event::Ready { caps }) => {
                                black_box(caps.auth().count());
                            }
                            other => panic!("{other:?}"),
                        }
                    }
                })
            },
        ));
    }

    const LINES: &[&[u8]] = &[
        b"MAIL FROM:<jane.doe@example.org> SIZE=48213 BODY=8BITMIME RET=HDRS ENVID=QQ314159\r\n",
        b"RCPT TO:<john.smith@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;john.smith@example.net\r\n",
    ];
    const CMDS: u32 = 2000;
    rows.extend(run(
        "MAIL/RCPT with parameters (smtp::Command::parse, as the server does)",
        "smtp-proto Request::parse",
        CMDS,
        || {
            timed(|| {
                for i in 0..CMDS {
                    let line = LINES[i as usize % 2];
                    black_box(smtp_proto::Request::parse(&mut black_box(line).iter()).unwrap());
                }
            })
        },
        || {
            timed(|| {
                for i in 0..CMDS {
                    let line = LINES[i as usize % 2];
                    let line = &line[..line.len() - 2];
                    black_box(Command::parse(black_box(line)).unwrap());
                }
            })
        },
    ));
}

fn get_parts() {
    const N: u32 = 20000;
    let reply = Response::new(204);
    let mut server = http::Server::new();
    let (mut a, mut b, mut c, mut d, mut e) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    for _ in 0..N {
        let t = Instant::now();
        server.receive(black_box(BROWSER_GET));
        let t1 = Instant::now();
        let ev = server.poll_event().unwrap();
        black_box(&ev);
        let t2 = Instant::now();
        drop(ev);
        let t3 = Instant::now();
        let end = server.poll_event().unwrap();
        black_box(&end);
        let t4 = Instant::now();
        server.send_response(&reply).unwrap();
        server.send_end(None).unwrap();
        let out = server.outbox();
        let n = out.len();
        out.advance(n);
        let t5 = Instant::now();
        a += t1 - t;
        b += t2 - t1;
        c += t3 - t2;
        d += t4 - t3;
        e += t5 - t4;
    }
    eprintln!(
        "receive {:?} request {:?} drop {:?} end {:?} answer {:?}",
        a / N,
        b / N,
        c / N,
        d / N,
        e / N
    );
    let mut h = 0;
    let t = timed(|| {
        for _ in 0..N {
            h += httparse_request(black_box(BROWSER_GET));
        }
    });
    eprintln!("httparse {:?}", t / N);
}

/// The fastest of 25 batches of 2,000 runs of `f`, per run.
fn best(mut f: impl FnMut()) -> Duration {
    (0..25)
        .map(|_| {
            timed(|| {
                for _ in 0..2000 {
                    f();
                }
            }) / 2000
        })
        .min()
        .unwrap()
}

fn ehlo_parts() {
    let t = best(|| {
        let mut inbox = sanswire::wire::Inbox::new();
        inbox.extend_from_slice(black_box(POSTFIX_EHLO));
        black_box(&inbox);
    });
    eprintln!("inbox+receive+drop {t:?}");
    let t = best(|| {
        let mut inbox = sanswire::wire::Inbox::new();
        inbox.extend_from_slice(black_box(POSTFIX_EHLO));
        let mut f = sanswire::wire::MultiLine::new(512, 100);
        black_box(f.next(&mut inbox).unwrap());
    });
    eprintln!("  + MultiLine::next {t:?}");
    let raw = bytes::Bytes::from_static(POSTFIX_EHLO);
    let t = best(|| {
        black_box(smtp::Reply::from_raw(250, black_box(raw.clone())));
    });
    eprintln!("Reply::from_raw {t:?}");
    let reply = smtp::Reply::from_raw(250, raw.clone());
    let t = best(|| {
        black_box(smtp::Capabilities::from_ehlo(black_box(&reply)));
    });
    eprintln!("Capabilities::from_ehlo {t:?}");
    let t = best(|| {
        for l in sanswire::wire::MultiLine::texts(black_box(POSTFIX_EHLO)) {
            black_box(l);
        }
    });
    eprintln!("MultiLine::texts {t:?}");
    let mut clients: Vec<smtp::Client> = Vec::new();
    let t = best(|| {
        if clients.is_empty() {
            clients = (0..2000)
                .map(|_| {
                    let mut c = smtp::Client::new("client.example.org").unwrap();
                    c.receive(b"220 mail.example.org ESMTP Postfix\r\n");
                    c.poll_event().unwrap();
                    let n = c.outbox().len();
                    c.outbox().advance(n);
                    c
                })
                .collect();
        }
        let mut c = clients.pop().unwrap();
        c.receive(black_box(POSTFIX_EHLO));
        black_box(c.poll_event().unwrap());
        std::mem::forget(c);
    });
    eprintln!("client EHLO (setup included in some) {t:?}");
}

/// The loop an instruction count looks at: `valgrind --tool=callgrind
/// --toggle-collect='*profiled*'` with `PROFILE=get|ehlo|data` and
/// `SIDE=ours|peer`. Instruction counts do not depend on the load of the
/// machine, so they guide work on a shared one.
#[inline(never)]
fn profiled(n: u32, mut f: impl FnMut()) {
    for _ in 0..n {
        f();
    }
}

fn profile(what: &str, ours: bool) {
    let n: u32 = std::env::var("PROFILE_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let rounds = (n / 1000).max(1);
    const N: u32 = 1000;
    match what {
        "get" if ours => {
            let reply = Response::new(204);
            let mut server = http::Server::new();
            profiled(n, || {
                server.receive(black_box(BROWSER_GET));
                serve_one(&mut server, &reply);
            });
        }
        "get" => profiled(n, || {
            black_box(httparse_request(black_box(BROWSER_GET)));
        }),
        "ehlo" if ours => {
            for _ in 0..rounds {
                let mut clients: Vec<smtp::Client> = (0..N)
                    .map(|_| {
                        let mut c = smtp::Client::new("client.example.org").unwrap();
                        c.receive(b"220 mail.example.org ESMTP Postfix\r\n");
                        c.poll_event().unwrap();
                        let n = c.outbox().len();
                        c.outbox().advance(n);
                        c
                    })
                    .collect();
                let mut i = 0;
                profiled(N, || {
                    let c = &mut clients[i];
                    i += 1;
                    c.receive(black_box(POSTFIX_EHLO));
                    match c.poll_event().unwrap() {
                        Next::Event(smtp::Event::Ready { caps }) => {
                            black_box(caps.auth().count());
                        }
                        other => panic!("{other:?}"),
                    }
                });
            }
        }
        "ehlo" => profiled(n, || {
            let r = smtp_proto::EhloResponse::<String>::parse(&mut black_box(POSTFIX_EHLO).iter())
                .unwrap();
            black_box(r.auth());
        }),
        "data" => {
            let message = mail(1 << 20, 100);
            let wire = stuffed(&message);
            if ours {
                let mut server = smtp::Server::new(ServerConfig::new("mx.example.org")).unwrap();
                server.receive(b"EHLO c\r\n");
                while let Next::Event(_) = server.poll_event().unwrap() {}
                for _ in 0..4 * rounds {
                    into_data(&mut server, &wire);
                    profiled(1, || {
                        black_box(take_message(&mut server));
                    });
                    assert_eq!(server.poll_event().unwrap(), Next::Paused);
                    server.accept().unwrap();
                }
            } else {
                let mut buf = Vec::with_capacity(wire.len());
                for _ in 0..4 * rounds {
                    buf.clear();
                    let mut receiver = smtp_proto::request::receiver::DataReceiver::new();
                    profiled(1, || {
                        assert!(receiver.ingest(&mut wire.iter(), &mut buf));
                    });
                }
            }
        }
        other => panic!("PROFILE={other}: get, ehlo or data"),
    }
}

fn main() {
    if let Ok(what) = std::env::var("PROFILE") {
        profile(&what, std::env::var("SIDE").as_deref() != Ok("peer"));
        return;
    }
    if std::env::var("EXP").is_ok() {
        get_parts();
        ehlo_parts();
    }
    // `cargo test --benches` runs this with `--bench` absent: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("ratios: run with `cargo bench --bench ratios`");
        return;
    }
    let mut rows = Vec::new();
    http_rows(&mut rows);
    smtp_rows(&mut rows);
    println!(
        "\n{:<72} {:<34} {:>10} {:>10} {:>7}",
        "work (ours)", "peer", "peer", "ours", "ratio"
    );
    for r in &rows {
        println!(
            "{:<72} {:<34} {:>10} {:>10} {:>6.2}x",
            r.name,
            r.peer,
            per_item(median(&r.peer_times), r.items),
            per_item(median(&r.our_times), r.items),
            median(&r.ratios),
        );
    }
    println!(
        "\nratio: median over {} rounds of peer time / our time; above 1.0 we are faster",
        rounds()
    );
}
