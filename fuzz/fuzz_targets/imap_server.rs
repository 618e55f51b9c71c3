#![no_main]
//! The IMAP server machine on arbitrary client bytes in arbitrary chunks,
//! answering every command (IDLE with `+`, AUTHENTICATE with a
//! challenge, the rest with OK and some data): never a panic, never a
//! loop, the same events and answers whatever the chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::imap::{
    Command, Data, Limits, Server, ServerEvent as Event, Status, StatusKind,
};

fn server() -> Server {
    let mut s = Server::with_greeting(
        Status::new(None, StatusKind::Ok, "ready"),
        Limits {
            max_line: 4096,
            max_literal: 1024,
            ..Limits::server()
        },
    );
    s.set_literal_decisions(true);
    s
}

fn answer(s: &mut Server, e: &Event) {
    match e {
        Event::Command { command: Command::Idle, .. } => {
            let _ = s.start_idle();
            let _ = s.data(Data::Exists(1));
        }
        Event::Command { command: Command::Authenticate { initial: None, .. }, .. } => {
            let _ = s.challenge(b"");
        }
        Event::Command { tag, command } => {
            if let Command::Fetch { .. } = command {
                let _ = s.data(Data::Exists(3));
            }
            let _ = s.complete(tag, StatusKind::Ok, None, "done");
        }
        Event::AuthResponse(_) | Event::IdleDone => {
            if let Some((tag, _)) = s.current().cloned() {
                let _ = s.complete(&tag, StatusKind::Ok, None, "done");
            }
        }
        Event::Literal { size, .. } if *size > 100 => {
            let _ = s.refuse_literal(None, "too big for the quota");
        }
        Event::Literal { .. } => {
            let _ = s.accept_literal();
        }
        Event::IdleTick => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = sanswire_fuzz::run_all(server(), input, input.len().max(1), answer, |_| false);
    let pieces = sanswire_fuzz::run_all(server(), input, chunk, answer, |_| false);
    assert_eq!(whole, pieces);
});
