//! What the benches share: the baseline every framing is measured against,
//! and the realistic inputs the machines and their peers both read.
// Each bench uses only some of these.
#![allow(dead_code)]

use std::hint::black_box;

/// Visits every line end with memchr, as a line scanner must: the baseline.
/// (`memchr_iter(..).count()` would be a bulk count that never hands out a
/// position, which is not what any framing can do.)
pub fn line_ends(data: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', data).fold(0, |acc, at| acc ^ black_box(at))
}

/// What a browser sends for a script on a page it already has open:
/// 523 bytes, 13 header fields.
pub const BROWSER_GET: &[u8] = b"GET /static/js/app.min.js?v=20261125 HTTP/1.1\r\n\
Host: www.example.org\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://www.example.org/articles/2026/11/hello-world\r\n\
Connection: keep-alive\r\n\
Cookie: session=3f2a9c1e7b; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n\
Sec-Fetch-Dest: script\r\n\
Sec-Fetch-Mode: no-cors\r\n\
Sec-Fetch-Site: same-origin\r\n\
If-None-Match: \"655f1c00-1a2b\"\r\n\
Priority: u=2\r\n\r\n";

/// Postfix's answer to EHLO with TLS, SASL and the usual extensions:
/// 13 lines.
pub const POSTFIX_EHLO: &[u8] = b"250-mail.example.org\r\n\
250-PIPELINING\r\n\
250-SIZE 10240000\r\n\
250-VRFY\r\n\
250-ETRN\r\n\
250-STARTTLS\r\n\
250-AUTH PLAIN LOGIN\r\n\
250-AUTH=PLAIN LOGIN\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-8BITMIME\r\n\
250-DSN\r\n\
250-SMTPUTF8\r\n\
250 CHUNKING\r\n";

/// About `size` bytes of mail: 70-80 byte CRLF lines of text, one in
/// `dot_every` starting with a dot (as quoted text and signatures do).
pub fn mail(size: usize, dot_every: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "message",
        "relay",
        "queue",
        "Lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet,",
        "consectetur",
        "adipiscing",
        "elit,",
        "sed",
        "do",
        "eiusmod",
        "tempor",
        "mail",
        "incididunt",
        "ut",
        "labore",
        "et",
        "dolore",
        "magna",
        "aliqua.",
        "server",
    ];
    let mut m = Vec::with_capacity(size + 100);
    let mut i = 0usize;
    let mut w = 0usize;
    while m.len() < size {
        let start = m.len();
        if i.is_multiple_of(dot_every) {
            m.push(b'.');
        }
        // 68..=78 bytes of words, then CRLF: lines of 70 to 80 bytes.
        let target = 68 + i % 11;
        while m.len() - start < target {
            let word = WORDS[w % WORDS.len()].as_bytes();
            w += 1;
            if m.len() - start + word.len() + 1 > target {
                m.resize(start + target, b'x');
                break;
            }
            m.extend_from_slice(word);
            m.push(b' ');
        }
        m.extend_from_slice(b"\r\n");
        i += 1;
    }
    m
}

/// `message` as it is on the wire after DATA: dot-stuffed and terminated.
pub fn stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 50 + 8);
    for line in message.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".") {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(b".\r\n");
    out
}
