//! RETR through the client machine allocates a constant number of times,
//! however many lines the message has: content travels as slices of the
//! receive buffer, never as a copy per line.

use sanswire::pop3::{Client, Event};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The server's bytes for a RETR of `lines` lines of 60 octets, one in
/// ten dot-stuffed.
fn retr_answer(lines: usize) -> Vec<u8> {
    let mut wire = b"+OK message follows\r\n".to_vec();
    for i in 0..lines {
        if i % 10 == 0 {
            wire.extend_from_slice(b"..");
        }
        wire.extend_from_slice(&[b'x'; 58]);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b".\r\n");
    wire
}

/// Runs RETR against `wire` fed in 4 KiB reads, the way a driver reads
/// (into the inbox's spare room); returns (allocations, content octets).
fn retr(client: &mut Client, wire: &[u8]) -> (usize, usize) {
    let before = allocations();
    client.retr(1).unwrap();
    let n = client.outbox().len();
    client.outbox().advance(n);
    let mut reads = wire.chunks(4096);
    let mut content = 0;
    loop {
        match client.poll_event().unwrap() {
            Next::Event(Event::Data(d)) => content += d.len(),
            Next::Event(Event::MessageEnd { .. }) => break,
            Next::Event(_) => {}
            Next::NeedInput => {
                let read = reads.next().expect("message ends");
                let inbox = client.inbox();
                inbox.spare(read.len())[..read.len()].copy_from_slice(read);
                inbox.commit(read.len());
            }
            Next::Paused => panic!("paused"),
        }
    }
    (allocations() - before, content)
}

#[test]
fn retr_allocates_the_same_for_1000_and_10000_lines() {
    let small = retr_answer(1_000);
    let large = retr_answer(10_000);
    let mut client = Client::new();
    client.receive(b"+OK ready\r\n");
    assert!(matches!(
        client.poll_event(),
        Ok(Next::Event(Event::Greeting(_)))
    ));
    // Warm up: the first RETR sizes the buffers.
    retr(&mut client, &small);

    let (a_small, n_small) = retr(&mut client, &small);
    let (a_large, n_large) = retr(&mut client, &large);
    assert_eq!(n_small, 1_000 * 60 + 100);
    assert_eq!(n_large, 10_000 * 60 + 1_000);
    println!("allocations: RETR of 1,000 lines {a_small}, of 10,000 lines {a_large}");
    assert!(
        a_large <= a_small + 2,
        "allocations grow with the line count: {a_small} vs {a_large}"
    );
}
