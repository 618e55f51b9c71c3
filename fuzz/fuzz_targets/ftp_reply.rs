#![no_main]
//! The FTP client machine on arbitrary server bytes in arbitrary chunks,
//! acting as a caller would on each event (login, FEAT, a passive
//! listing whose data side ends at once, PWD, SIZE, MDTM, a rename, an
//! active RETR with REST, QUIT): never a panic, same events and same
//! bytes sent whatever the chunking.

use libfuzzer_sys::fuzz_target;
use sanswire::ftp::{Client, DataPlan, Event};

fn act(c: &mut Client, event: &Event) {
    let _ = match event {
        Event::Greeting(_) => c.login("alice", "secret", Some("acct")).map(drop),
        Event::LoggedIn(_) | Event::LoginRefused(_) => c.feat().map(drop),
        Event::Features(_) => c.list(Some("dir")).map(drop),
        Event::Data(DataPlan::Connect(_)) => c.data_ready(),
        Event::Data(DataPlan::Listen) => c.data_listening("127.0.0.1:40000".parse().unwrap()),
        Event::TransferStarted(r) => {
            let _ = sanswire::ftp::ops::stou_name(r);
            c.data_finished()
        }
        Event::TransferDone(_) | Event::TransferFailed(_) if c.is_passive() => {
            c.pwd().map(drop)
        }
        Event::Directory { .. } => c.size("f").map(drop),
        Event::Size(_) => c.mdtm("f").map(drop),
        Event::Modified(_) => c.rename("a", "b").map(drop),
        Event::Reply { .. } if c.is_passive() => {
            c.set_active(None);
            c.retr_from("f", 10).map(drop)
        }
        Event::TransferDone(_) | Event::TransferFailed(_) => c.quit().map(drop),
        _ => Ok(()),
    };
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    sanswire_fuzz::run(Client::new(), input, chunk, act, |_| false)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
