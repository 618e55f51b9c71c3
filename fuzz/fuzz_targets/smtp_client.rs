#![no_main]
//! The SMTP client machine on arbitrary server bytes in arbitrary chunks,
//! with a mail transaction queued as soon as the session is ready and QUIT
//! after it: never a panic, never a loop, the same events and the same
//! bytes sent whatever the chunking.

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sanswire::smtp::{Client, Envelope, Event, Limits};

fn client() -> Client {
    let limits = Limits {
        reply_line: 128,
        reply_lines: 8,
        bdat_chunk: 16,
        ..Limits::default()
    };
    Client::with_limits("client.example.org", limits).unwrap()
}

fn drive(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    sanswire_fuzz::run_all(
        client(),
        input,
        chunk,
        |c, event| match event {
            Event::Ready { .. } if c.is_idle() => {
                let env = Envelope::new(
                    "a@example.org",
                    ["b@example.net", "c@example.net", "d@example.net"],
                );
                let message =
                    Bytes::from_static(b"Subject: x\r\n\r\n.dot\nbare\rend.\r\n.\r\nlast");
                let _ = c.send_mail(&env, message);
            }
            Event::MailSent(_) if c.is_idle() => {
                let _ = c.quit();
            }
            _ => {}
        },
        |_| false,
    )
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = drive(input, input.len().max(1));
    let pieces = drive(input, chunk);
    assert_eq!(whole, pieces);
});
