//! An idle Gopher connection holds its state and little else: 1,000
//! connections of each machine, each waiting mid-conversation with its
//! events dropped, cost at most 1 KiB apiece, the struct included.

use sanswire::gopher::{Body, Client, Event, Request, Server, ServerEvent};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::{live_bytes, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONNECTIONS: usize = 1000;
const BOUND: usize = 1024;

/// Makes 1,000 idle machines with `setup`; the bytes each costs.
fn per_connection<M: Machine>(name: &str, setup: impl Fn() -> M) -> usize {
    drop(setup());
    let before = live_bytes();
    let machines: Vec<M> = (0..CONNECTIONS).map(|_| setup()).collect();
    let heap = live_bytes() - before - machines.capacity() * size_of::<M>();
    let each = size_of::<M>() + heap / CONNECTIONS;
    println!(
        "{name}: {each} B per idle connection ({} B struct + {} B heap)",
        size_of::<M>(),
        heap / CONNECTIONS
    );
    drop(machines);
    each
}

/// A client that sent its request and read half a menu: waiting for more.
fn client() -> Client {
    let mut c = Client::new();
    c.get(&Request::new("/docs"), Body::Menu).unwrap();
    c.outbox().take_vec();
    c.receive(b"iWelcome to the archive\t\tnull.host\t1\r\n1Software\t/docs/software\tgopher.example.org\t70\r\n");
    loop {
        match c.poll_event().unwrap() {
            Next::Event(Event::Item(_)) => {}
            Next::NeedInput => break,
            other => panic!("{other:?}"),
        }
    }
    c
}

/// A server that has read part of a request line: waiting for the rest.
fn server() -> Server {
    let mut s = Server::new();
    s.receive(b"/docs/soft");
    assert_eq!(s.poll_event().unwrap(), Next::NeedInput);
    s
}

/// A server that handed out its request and waits for its application.
fn answering_server() -> Server {
    let mut s = Server::new();
    s.receive(b"/docs/software\r\n");
    assert!(matches!(
        s.poll_event(),
        Ok(Next::Event(ServerEvent::Request(_)))
    ));
    s
}

#[test]
fn idle_gopher_connections_hold_at_most_one_kib_each() {
    for (name, each) in [
        ("gopher::Client", per_connection("gopher::Client", client)),
        ("gopher::Server", per_connection("gopher::Server", server)),
        (
            "gopher::Server answering",
            per_connection("gopher::Server answering", answering_server),
        ),
    ] {
        assert!(each <= BOUND, "{name}: {each} B per idle connection");
    }
}
