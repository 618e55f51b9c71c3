//! The raw byte-stream machine and its `Read + Write` adapter against a
//! peer no one here wrote (a Python socket server): half-close reaches the
//! peer as the end of the upload, the peer's close ends the download, and
//! a dot-terminated response is unstuffed.

use sanswire::io::ByteStream;
use sanswire::wire::Raw;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// Starts a Python server running `handler` (a function of one connected
/// socket) for one connection; returns its port and the child.
fn python_server(handler: &str) -> (u16, std::process::Child) {
    let script = format!(
        "import socket, sys\n\
         s = socket.socket()\n\
         s.bind(('127.0.0.1', 0))\n\
         s.listen(1)\n\
         print(s.getsockname()[1], flush=True)\n\
         c, _ = s.accept()\n\
         {handler}\n\
         c.close()\n"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (line.trim().parse().unwrap(), child)
}

#[test]
fn upload_ends_with_a_half_close_and_the_answer_still_arrives() {
    // The peer reads until our FIN (as an FTP server reads a STOR in stream
    // mode), then answers with the size and the reversed bytes.
    let (port, mut child) = python_server(
        "data = b''\n\
         while True:\n\
         \x20   b = c.recv(65536)\n\
         \x20   if not b: break\n\
         \x20   data += b\n\
         c.sendall(b'%d:' % len(data) + data[::-1])",
    );
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut stream = ByteStream::new(tcp, Raw::new());
    let upload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    stream.write_all(&upload).unwrap();
    stream.finish().unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let mut want = b"200000:".to_vec();
    want.extend(upload.iter().rev());
    assert_eq!(answer, want);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_dot_terminated_response_is_unstuffed_and_ends_at_the_dot() {
    let (port, mut child) = python_server(
        "req = c.recv(100)\n\
         c.sendall(b'iselector was ' + req.strip() + b'\\t\\t\\t\\r\\n..hidden\\r\\n.\\r\\n')",
    );
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut stream = ByteStream::new(tcp, Raw::dot_terminated(4096));
    stream.write_all(b"/menu\r\n").unwrap();
    let mut menu = Vec::new();
    stream.read_to_end(&mut menu).unwrap();
    assert_eq!(menu, b"iselector was /menu\t\t\t\r\n.hidden\r\n");
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_missing_final_dot_is_an_error_unless_allowed() {
    for allow in [false, true] {
        let (port, mut child) =
            python_server("c.recv(100)\nc.sendall(b'text without the dot\\r\\n')");
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let raw = Raw::dot_terminated(4096).allow_eof_as_end(allow);
        let mut stream = ByteStream::new(tcp, raw);
        stream.write_all(b"/file\r\n").unwrap();
        let mut text = Vec::new();
        let result = stream.read_to_end(&mut text);
        if allow {
            result.unwrap();
            assert_eq!(text, b"text without the dot\r\n");
        } else {
            assert_eq!(
                result.unwrap_err().kind(),
                std::io::ErrorKind::UnexpectedEof
            );
        }
        assert!(child.wait().unwrap().success());
    }
}

#[test]
fn a_silent_peer_times_out_as_an_io_timeout() {
    let (port, mut child) = python_server("c.recv(100)\nimport time\ntime.sleep(2)");
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut raw = Raw::new();
    sanswire::wire::Machine::set_timeout(&mut raw, Some(std::time::Duration::from_millis(100)));
    let mut stream = ByteStream::new(tcp, raw);
    stream.write_all(b"x").unwrap();
    let err = stream.read(&mut [0; 10]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    let _ = child.kill();
    let _ = child.wait();
}

/// COMPRESS=DEFLATE as IMAP and NNTP run it (raw deflate, sync-flushed),
/// against Python's zlib: bytes behind the plain `OK` are inflated, what we
/// send is deflated, and the peer's final `Z_FINISH` takes the layer off.
#[test]
fn deflate_layers_both_ways_against_python_zlib() {
    use sanswire::wire::{Deflate, Format, Inflate, Machine};
    let (port, mut child) = python_server(
        "import zlib\n\
         comp = zlib.compressobj(wbits=-15)\n\
         dec = zlib.decompressobj(wbits=-15)\n\
         payload = b''.join(b'* %d EXISTS\\r\\n' % i for i in range(5000))\n\
         c.sendall(b'OK\\r\\n' + comp.compress(payload) + comp.flush(zlib.Z_SYNC_FLUSH))\n\
         got = b''\n\
         while not got.endswith(b'END\\r\\n'):\n\
         \x20   b = c.recv(65536)\n\
         \x20   if not b: break\n\
         \x20   got += dec.decompress(b)\n\
         c.sendall(comp.compress(b'you sent %d bytes\\r\\n' % len(got)) + comp.flush(zlib.Z_FINISH) + b'plain tail')",
    );
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut ok = [0u8; 4];
    tcp.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"OK\r\n");
    let mut raw = Raw::new();
    raw.inbox()
        .push_decoder(Box::new(Inflate::new(Format::Raw)));
    raw.outbox()
        .push_encoder(Box::new(Deflate::new(Format::Raw, 6)));
    let mut stream = ByteStream::new(tcp, raw);

    let want: Vec<u8> = (0..5000)
        .flat_map(|i| format!("* {i} EXISTS\r\n").into_bytes())
        .collect();
    let mut got = vec![0u8; want.len()];
    stream.read_exact(&mut got).unwrap();
    assert_eq!(got, want);

    let upload: Vec<u8> = (0..3000)
        .flat_map(|i| format!("A{i} NOOP\r\n").into_bytes())
        .chain(*b"END\r\n")
        .collect();
    stream.write_all(&upload).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        format!("you sent {} bytes\r\nplain tail", upload.len())
    );
    assert!(!stream.driver().machine().inbox().has_decoder());
    assert!(child.wait().unwrap().success());
}
