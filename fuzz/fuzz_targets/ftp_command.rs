#![no_main]
//! The FTP server machine on arbitrary client bytes in arbitrary chunks,
//! with an application that accepts logins, listens for PASV/EPSV,
//! starts and finishes transfers and answers every other command: never
//! a panic, same events and same replies whatever the chunking. Each line
//! also goes through `Command::parse`, and what parses encodes again.

use libfuzzer_sys::fuzz_target;
use sanswire::ftp::{Command, Reply, Server, ServerEvent};

fn answer(s: &mut Server, event: &ServerEvent) {
    let _ = match event {
        ServerEvent::Login { user, .. } => s.accept_login(user != "nobody"),
        ServerEvent::Passive { .. } => s.passive_listening("127.0.0.1:40000".parse().unwrap()),
        ServerEvent::Transfer { offset, .. } => {
            if *offset % 2 == 1 {
                s.reply(&Reply::new(550, "no"))
            } else if *offset % 4 == 2 {
                // STOU's name in the 150; a data connection that did not
                // resume the control session (522).
                s.stou_started("STOU.1").and_then(|()| {
                    s.transfer_done(Err(sanswire::ftp::TransferError::TlsFailed))
                })
            } else {
                s.transfer_started().and_then(|()| s.transfer_done(Ok(())))
            }
        }
        ServerEvent::Abort => s.transfer_done(Err(sanswire::ftp::TransferError::Aborted)),
        ServerEvent::AuthTls => s.reply(&Reply::new(502, "no")),
        _ => s.reply_path("/a \"b\"", "ok"),
    };
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>) {
    let mut server = Server::new("fuzz").unwrap();
    server.set_peer("127.0.0.1".parse().unwrap());
    // Implicit FTPS: PBSZ and PROT P are answered, as after AUTH TLS.
    server.set_tls_offered(true);
    server.set_implicit_tls();
    sanswire_fuzz::run(server, input, chunk, answer, |_| false)
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    for line in input.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Ok(cmd) = Command::parse(line) {
            // What parses and can be sent encodes to one safe line.
            if let Ok(encoded) = cmd.to_line() {
                assert!(encoded.ends_with(b"\r\n"));
                assert_eq!(memchr_count(&encoded[..encoded.len() - 2]), 0);
            }
        }
    }
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});

fn memchr_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\r' || c == b'\n' || c == 0).count()
}
