#![no_main]
//! The Telnet server machine on arbitrary client bytes in arbitrary
//! chunks, every option allowed both ways, asking for TTYPE and the
//! environment whenever they get enabled: never a panic, the same events
//! and answers whatever the chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::telnet::{option, Event, Policy, Server, Side};

fn server() -> Server {
    let mut s = Server::new();
    for o in 0..=255u8 {
        if o != option::MCCP2 {
            s.set_policy(o, Policy::BOTH);
        }
    }
    s
}

fn on_event(s: &mut Server, e: &Event) {
    match e {
        Event::Enabled { option: option::TTYPE, side: Side::Remote } => {
            s.request_terminal_type().unwrap()
        }
        Event::Enabled { option: option::NEW_ENVIRON, side: Side::Remote } => {
            s.request_environ().unwrap()
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = sanswire_fuzz::run_all(server(), input, input.len().max(1), on_event, |_| false);
    let cut = sanswire_fuzz::run_all(server(), input, chunk, on_event, |_| false);
    assert_eq!(whole, cut);
});
