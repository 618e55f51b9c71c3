//! Telnet's memory: an idle connection after a negotiated session holds
//! at most 1 KiB, struct included, and the per-message path (data,
//! commands, answers to negotiation) allocates nothing once warm.

use sanswire::telnet::{option, Client, Event, Server, Side};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::{allocations, live_bytes, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn drain<M: Machine<Event = Event>>(m: &mut M) {
    while let Ok(Next::Event(e)) = m.poll_event() {
        drop(e);
    }
}

/// A server after negotiating ECHO, SGA, NAWS and TTYPE and one line.
fn negotiated_server() -> Server {
    let mut s = Server::new();
    for (o, side) in [
        (option::ECHO, Side::Local),
        (option::SGA, Side::Local),
        (option::NAWS, Side::Remote),
        (option::TTYPE, Side::Remote),
    ] {
        s.enable(o, side).unwrap();
    }
    s.outbox().take_vec();
    s.receive(
        b"\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f\xff\xfb\x18\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0",
    );
    drain(&mut s);
    s.request_terminal_type().unwrap();
    s.receive(b"\xff\xfa\x18\x00XTERM\xff\xf0hello\r\n");
    drain(&mut s);
    s.send_data(b"hello\r\n").unwrap();
    s.outbox().take_vec();
    s
}

/// One test, so no other test's allocations run alongside the counts.
#[test]
fn telnet_memory() {
    an_idle_negotiated_connection_costs_at_most_1_kib();
    the_per_message_path_allocates_nothing();
}

fn an_idle_negotiated_connection_costs_at_most_1_kib() {
    drop(negotiated_server());
    let before = live_bytes();
    let servers: Vec<Server> = (0..1000).map(|_| negotiated_server()).collect();
    let heap = live_bytes() - before - servers.capacity() * size_of::<Server>();
    let each = size_of::<Server>() + heap / 1000;
    println!(
        "telnet server: {each} B per idle connection ({} B struct)",
        size_of::<Server>()
    );
    assert!(each <= 1024, "{each} B");
    let clients: Vec<Client> = (0..1000).map(|_| Client::new()).collect();
    assert!(size_of::<Client>() <= 1024);
    drop(clients);
}

fn the_per_message_path_allocates_nothing() {
    let mut c = Client::new();
    c.inbox().set_idle_release(false);
    let round = b"room description \xff\xff text\r\n\xff\xf9\xff\xfb\x01\xff\xfc\x01";
    // Warm: buffers made once.
    for _ in 0..200 {
        c.receive(round);
        drain(&mut c);
        c.outbox().take_vec();
    }
    let before = allocations();
    for _ in 0..1000 {
        c.receive(round);
        drain(&mut c);
        let out = c.outbox();
        let n = out.len();
        out.advance(n);
    }
    assert_eq!(allocations() - before, 0);
}
