//! FTP's data connections must resume the control connection's TLS session
//! (vsftpd's `require_ssl_reuse`), and the server must tell which control
//! session a data connection belongs to: clones of one `TlsConnector`
//! share a session cache, and the accept hook attaches resumption data
//! that the resumed handshake hands back.

#[path = "common/pki.rs"]
mod pki;

use sanswire::io::tls::Stream;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// Serves `n` TLS connections with one acceptor; each gets `hello` and is
/// read to its end. Returns, per connection, whether it resumed and the
/// resumption data it carried.
fn serve(
    listener: TcpListener,
    acceptor: sanswire::io::tls::TlsAcceptor,
    n: usize,
) -> Vec<(bool, Option<Vec<u8>>)> {
    (0..n)
        .map(|i| {
            let (tcp, _) = listener.accept().unwrap();
            let tag = format!("control-{i}");
            let mut tls = Stream::accept_with(tcp, &acceptor, |conn| {
                // Only a fresh session takes the tag; a resumed one keeps
                // the tag of the session it resumes.
                conn.set_resumption_data(tag.as_bytes());
            })
            .unwrap();
            let seen = (
                tls.is_resumed(),
                tls.server_connection()
                    .and_then(|c| c.received_resumption_data())
                    .map(<[u8]>::to_vec),
            );
            tls.write_all(b"hello").unwrap();
            tls.flush().unwrap();
            let mut rest = Vec::new();
            let _ = tls.read_to_end(&mut rest);
            seen
        })
        .collect()
}

#[test]
fn a_second_connection_with_the_same_connector_resumes_and_names_its_session() {
    let pki = pki::Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = pki.acceptor();
    let server = std::thread::spawn(move || serve(listener, acceptor, 2));

    let connector = pki.connector();
    let mut resumed = Vec::new();
    for _ in 0..2 {
        let tcp = TcpStream::connect(addr).unwrap();
        // A clone, as an FTP client hands one to each data connection.
        let mut tls = Stream::connect(tcp, &connector.clone(), "localhost").unwrap();
        let mut hello = [0u8; 5];
        // Reading also takes in the session tickets sent after the
        // handshake.
        tls.read_exact(&mut hello).unwrap();
        assert_eq!(&hello, b"hello");
        resumed.push(tls.is_resumed());
        tls.close_notify().unwrap();
    }
    let seen = server.join().unwrap();
    assert_eq!(resumed, [false, true]);
    assert_eq!(seen[0], (false, None));
    assert_eq!(seen[1], (true, Some(b"control-0".to_vec())));
}
