//! Inputs the SMTP fuzz targets once stopped on (they were harness issues:
//! content sliced differently, bytes behind STARTTLS, bytes after QUIT),
//! kept as tests of the property the targets check: the same bytes give
//! the same events and the same replies whether they come whole or one
//! byte at a time, with every arriving byte delivered.

use bytes::Bytes;
use sanswire::smtp::{Client, Envelope, Event, Server, ServerConfig};
use sanswire::wire::{Machine, Next};
use std::fmt::Debug;

/// Events as text (content runs merged), the content, and what was sent.
fn drive<M: Machine>(
    mut m: M,
    input: &[u8],
    chunk: usize,
    mut on_event: impl FnMut(&mut M, &M::Event),
    mut on_paused: impl FnMut(&mut M) -> bool,
) -> (Vec<String>, Vec<u8>, Vec<u8>)
where
    M::Event: Debug,
{
    let (mut seen, mut content, mut sent) = (Vec::<String>::new(), Vec::new(), Vec::new());
    let mut pieces = input.chunks(chunk);
    loop {
        sent.extend(m.outbox().take_vec());
        match m.poll_event() {
            Ok(Next::Event(e)) => {
                on_event(&mut m, &e);
                let text = format!("{e:?}");
                match text
                    .strip_prefix("Data(b\"")
                    .and_then(|t| t.strip_suffix("\")"))
                {
                    Some(inner) => {
                        content.extend_from_slice(inner.as_bytes());
                        if seen.last().map(String::as_str) != Some("Data") {
                            seen.push("Data".into());
                        }
                    }
                    None => seen.push(text),
                }
            }
            Ok(Next::NeedInput) => match pieces.next() {
                Some(p) => m.receive(p),
                None if m.inbox().is_eof() => break,
                None => m.receive_eof(),
            },
            Ok(Next::Paused) => {
                if !on_paused(&mut m) {
                    match pieces.next() {
                        Some(p) => m.receive(p),
                        None => break,
                    }
                }
            }
            Err(e) => {
                seen.push(format!("error: {e}"));
                break;
            }
        }
    }
    sent.extend(m.outbox().take_vec());
    (seen, content, sent)
}

fn server_run(input: &[u8], chunk: usize) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    let mut config = ServerConfig::new("mx.example.org");
    config.limits.text_line = 80;
    config.limits.message_size = 1024;
    drive(
        Server::new(config).unwrap(),
        input,
        chunk,
        |_, _| {},
        |s| s.accept().is_ok(),
    )
}

#[test]
fn smuggled_dot_after_bare_lf_is_content_however_cut() {
    let input =
        b"EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n\
line\n.\r\nsmuggled\r\n.\r\n";
    let whole = server_run(input, input.len());
    assert_eq!(whole, server_run(input, 1));
    assert_eq!(whole.1, b"line\\n.\\r\\nsmuggled\\r\\n");
    assert!(whole.0.last().unwrap().starts_with("MessageRejected"));
}

#[test]
fn bytes_after_quit_reply_give_the_same_error_however_cut() {
    let input = b"220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n\
250 J502 no\r\n250 mx\r\n421ok\r\n221 bye\r\n";
    let run = |chunk| {
        drive(
            Client::new("client.example.org").unwrap(),
            input,
            chunk,
            |c, e| match e {
                Event::Ready { .. } if c.is_idle() => {
                    let env = Envelope::new("a@example.org", ["b@example.net", "c@example.net"]);
                    c.send_mail(&env, Bytes::from_static(b".x\r\n")).unwrap();
                }
                Event::MailSent(_) if c.is_idle() => {
                    c.quit().unwrap();
                }
                _ => {}
            },
            |_| false,
        )
    };
    let whole = run(input.len());
    assert_eq!(whole, run(1));
    // A reply after QUIT's answers nothing: the same error either way.
    assert_eq!(whole.0.last().unwrap(), "error: unexpected reply 250");
}

#[test]
fn utf8_where_a_keyword_ends_is_a_501_not_a_panic() {
    // Found by the smtp_server target: `RCPT TO` followed by a two-byte
    // character used to slice a str inside it.
    let input =
        "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO\u{1b9}x@y>\r\nMAIL FR\u{e9}:<x@y>\r\nQUIT\r\n";
    let whole = server_run(input.as_bytes(), input.len());
    assert_eq!(whole, server_run(input.as_bytes(), 1));
    let replies = String::from_utf8(whole.2).unwrap();
    assert!(
        replies.contains("501 5.5.4 expected FROM:<address> or TO:<address>\r\n"),
        "{replies}"
    );
    assert!(replies.ends_with("221 2.0.0 Bye\r\n"), "{replies}");
}
