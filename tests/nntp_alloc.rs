//! Memory of the NNTP machines: an idle reader session holds its state
//! and little else (1 KiB or less apiece, struct included), and OVER of a
//! whole group and ARTICLE allocate a constant number of times however
//! many lines come: entries are slices of the receive buffer.

use bytes::Bytes;
use sanswire::nntp::{ArticleRef, Client, Event, GroupInfo, Range, Selection, Server, ServerEvent};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONNECTIONS: usize = 1000;

/// The counts are process-wide: one test at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The bytes each of 1,000 idle machines made by `setup` costs.
fn per_connection<M: Machine>(name: &str, setup: impl Fn() -> M) -> usize {
    counting_alloc::per_connection(name, CONNECTIONS, setup)
}

/// A reader after greeting, GROUP and one ARTICLE, its events dropped.
fn idle_client() -> Client {
    let mut c = Client::new();
    c.receive(b"200 news.example.org ready\r\n");
    c.group("comp.lang.rust").unwrap();
    c.article(ArticleRef::Number(1)).unwrap();
    c.outbox().take_vec();
    c.receive(
        b"211 3 1 3 comp.lang.rust\r\n220 1 <1@example.org>\r\nSubject: hi\r\n\r\nhello\r\n.\r\n",
    );
    while let Ok(Next::Event(_)) = c.poll_event() {}
    c
}

fn idle_server() -> Server {
    let mut s = Server::new(true);
    s.receive(b"GROUP comp.lang.rust\r\nARTICLE 1\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Event(ServerEvent::Group(name)) => s
                .group(&GroupInfo {
                    count: 3,
                    low: 1,
                    high: 3,
                    name,
                })
                .unwrap(),
            Next::Event(ServerEvent::Article { .. }) => s
                .article(
                    1,
                    b"<1@example.org>",
                    Bytes::from_static(b"Subject: hi\r\n\r\nhello\r\n"),
                )
                .unwrap(),
            Next::Event(_) => {}
            _ => break,
        }
    }
    s.outbox().take_vec();
    s
}

#[test]
fn an_idle_reader_session_costs_at_most_1_kib() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert!(per_connection("nntp client", idle_client) <= 1024);
    assert!(per_connection("nntp server", idle_server) <= 1024);
}

/// The answer to OVER of `n` articles.
fn over_answer(n: usize) -> Vec<u8> {
    let mut wire = b"224 overview follows\r\n".to_vec();
    for i in 1..=n {
        wire.extend_from_slice(
            format!("{i}\tRe: a subject line of some length\tSomeone <someone@example.org>\tMon, 1 Jan 2024 00:00:00 +0000\t<{i}@example.org>\t<0@example.org>\t1234\t20\tXref: news misc.test:{i}\r\n").as_bytes(),
        );
    }
    wire.extend_from_slice(b".\r\n");
    wire
}

fn count_over(client: &mut Client, wire: &[u8]) -> (usize, usize) {
    let before = allocations();
    client.over(Selection::Range(Range::From(1))).unwrap();
    let n = client.outbox().len();
    client.outbox().advance(n);
    let mut reads = wire.chunks(16 * 1024);
    let mut entries = 0;
    loop {
        match client.poll_event().unwrap() {
            Next::Event(Event::Overviews(batch)) => entries += batch.iter().count(),
            Next::Event(Event::End) => break,
            Next::Event(_) => {}
            Next::NeedInput => {
                let read = reads.next().expect("block ends");
                let inbox = client.inbox();
                inbox.spare(read.len())[..read.len()].copy_from_slice(read);
                inbox.commit(read.len());
            }
            Next::Paused => panic!("paused"),
        }
    }
    (allocations() - before, entries)
}

#[test]
fn over_allocates_per_read_not_per_line() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut client = Client::new();
    client.receive(b"200 ready\r\n");
    client.poll_event().unwrap();
    let small = over_answer(1_000);
    let large = over_answer(10_000);
    count_over(&mut client, &small);
    let (a_small, n_small) = count_over(&mut client, &small);
    let (a_large, n_large) = count_over(&mut client, &large);
    assert_eq!((n_small, n_large), (1_000, 10_000));
    println!("allocations: OVER of 1,000 lines {a_small}, of 10,000 lines {a_large}");
    // Reads may make blocks; lines allocate nothing.
    assert!(a_large <= a_small + 8, "{a_small} vs {a_large}");
}
