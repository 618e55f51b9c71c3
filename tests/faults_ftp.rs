//! Faults at every point of an FTP conversation (issue 15), both roles:
//! the control connection's server bytes cut at every offset then closed
//! or reset, at every line end left silent past the timeout (the data
//! connections are real, on loopback); the same over loopback sockets
//! through the blocking and tokio sessions; a data connection left
//! silent; the client's control bytes cut at every offset against the
//! server machine, closed or silent on a virtual clock. Each case ends
//! in a typed error or the whole, right result.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::ftp::{self, Reply};
use sanswire::io::{self, ftp::ControlSocket, DriveError};
use sanswire::wire::Machine;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// The file, and the listing (one Unix line), every data connection
/// serves.
const DATA: &[u8] = b"-rw-r--r-- 1 ftp ftp 12 Jan 01 2024 readme.txt\r\n";

/// A data server on loopback: every connection gets [`DATA`] and a
/// close (or, `silent`, nothing for ten seconds). Returns its port.
fn data_server(silent: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if silent {
                    std::thread::sleep(Duration::from_secs(10));
                } else {
                    let _ = s.write_all(DATA);
                }
            });
        }
    });
    port
}

impl ControlSocket for Cut {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(([127, 0, 0, 1], 21).into())
    }
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(([127, 0, 0, 1], 40000).into())
    }
}

/// Login, PWD, a file downloaded, a listing, QUIT, as vsftpd answers
/// them; the EPSV answers name `port`.
fn server_bytes(port: u16) -> &'static [u8] {
    let s = format!(
        "220 (vsFTPd 3.0.3)\r\n331 Please specify the password.\r\n230 Login successful.\r\n\
257 \"/\" is the current directory\r\n\
200 Switching to Binary mode.\r\n229 Entering Extended Passive Mode (|||{port}|)\r\n\
150 Opening BINARY mode data connection for readme.txt (49 bytes).\r\n226 Transfer complete.\r\n\
200 Switching to ASCII mode.\r\n229 Entering Extended Passive Mode (|||{port}|)\r\n\
150 Here comes the directory listing.\r\n226 Directory send OK.\r\n221 Goodbye.\r\n"
    );
    Box::leak(s.into_bytes().into_boxed_slice())
}

/// The last byte that matters: the listing's `226`.
fn done(server: &[u8]) -> usize {
    server.len() - b"221 Goodbye.\r\n".len()
}

fn machine(timeout: Duration) -> ftp::Client {
    let mut machine = ftp::Client::new();
    machine.set_timeout(Some(timeout));
    machine
}

fn conversation<S: ControlSocket>(stream: S, timeout: Duration) -> io::ftp::Result<String> {
    let mut ftp = io::ftp::Client::start(stream, machine(timeout))?;
    ftp.login("anonymous", "guest@")?;
    let pwd = ftp.pwd()?;
    let mut file = Vec::new();
    let mut data = ftp.retr("readme.txt")?;
    data.read_to_end(&mut file)?;
    let finished = data.finish()?;
    let listing = ftp.list(None)?;
    let names: Vec<String> = listing.entries().map(|e| format!("{e:?}")).collect();
    let _ = ftp.quit();
    let file = String::from_utf8_lossy(&file);
    Ok(format!("{pwd} {file:?} {finished:?} {names:?}"))
}

#[test]
fn client_cut_anywhere_in_memory() {
    let server = server_bytes(data_server(false));
    let expect = conversation(Cut::new(server, server.len(), Stop::Close), SILENCE).unwrap();
    assert!(expect.contains("readme.txt"), "{expect}");
    let cases = client_cut_anywhere("ftp client", server, done(server), &expect, |cut| {
        conversation(cut, SILENCE)
    });
    assert!(cases > 2 * server.len());
}

/// A data connection that opens and says nothing: the download ends in
/// a timeout, not a hang.
#[test]
fn client_silent_data_connection_times_out() {
    let server = server_bytes(data_server(true));
    let mut ftp = io::ftp::Client::start(
        Cut::new(server, server.len(), Stop::Silent),
        machine(SILENCE),
    )
    .unwrap();
    ftp.login("anonymous", "guest@").unwrap();
    ftp.pwd().unwrap();
    let mut data = ftp.retr("readme.txt").unwrap();
    let mut file = Vec::new();
    let err = data.read_to_end(&mut file).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::Other
        ),
        "{err:?}"
    );
}

const AUTH_TLS: &[u8] = b"220 (vsFTPd 3.0.3)\r\n234 Proceed with negotiation.\r\n";

/// AUTH TLS: the `234` is the last byte that matters.
#[test]
fn client_auth_tls_cut_anywhere() {
    client_cut_anywhere(
        "ftp client AUTH TLS",
        AUTH_TLS,
        AUTH_TLS.len(),
        &true,
        |cut| {
            let mut ftp = io::ftp::Client::start(cut, machine(SILENCE))?;
            ftp.call(ftp::ops::simple(ftp::Client::auth_tls))?;
            Ok(ftp.machine().conn().tls_pending())
        },
    );
}

#[test]
fn client_over_loopback_cut_at_every_message() {
    let server = server_bytes(data_server(false));
    let expect = conversation(Cut::new(server, server.len(), Stop::Close), SILENCE).unwrap();
    loopback_cut_at_every_message(
        "ftp client",
        server,
        done(server),
        &expect,
        |tcp| conversation(tcp, SILENCE * 5),
        // The async session has no data connections: its cases stop at
        // PWD, whose answer is then the last byte that matters.
        |addr| async move {
            let mut ftp = io::tokio::ftp::Client::<tokio::net::TcpStream>::connect_with(
                addr,
                machine(SILENCE * 5),
            )
            .await?;
            ftp.login("anonymous", "guest@").await?;
            let pwd = ftp.pwd().await?;
            assert_eq!(pwd, "/");
            Err::<String, _>(DriveError::Stalled)
        },
    );
}

/// The client's control bytes: login, PWD, EPSV and a STOR, a listing,
/// QUIT.
const CLIENT: &[u8] = b"USER u\r\nPASS p\r\nPWD\r\nTYPE I\r\nEPSV\r\nSTOR up.bin\r\n\
TYPE A\r\nEPSV\r\nLIST\r\nQUIT\r\n";

#[test]
fn server_cut_anywhere() {
    let stor_end = CLIENT
        .windows(13)
        .position(|w| w == b"STOR up.bin\r\n")
        .unwrap()
        + 13;
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=CLIENT.len() {
            cases += 1;
            let mut server = ftp::Server::new("ready").unwrap();
            server.set_timeout(Some(Duration::from_secs(1800)));
            let settled = run_server(server, CLIENT, cut, silent, |s, e| {
                use ftp::ServerEvent as E;
                let mut stored = false;
                match e {
                    E::Login { .. } => s.accept_login(true).unwrap(),
                    E::Passive { .. } => {
                        s.passive_listening(([127, 0, 0, 1], 40000).into()).unwrap()
                    }
                    E::Transfer { command, .. } => {
                        stored = matches!(command, ftp::Command::Stor(ref p) if p == "up.bin");
                        s.transfer_started().unwrap();
                        s.transfer_done(Ok(())).unwrap();
                    }
                    E::Command(_) => s.reply(&Reply::new(257, "\"/\"")).unwrap(),
                    _ => {}
                }
                stored
            });
            if settled.completed {
                assert!(cut >= stor_end, "a STOR started at cut {cut}");
            } else {
                assert!(cut < stor_end, "a whole STOR lost at cut {cut}");
            }
            if silent && cut < CLIENT.len() {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("ftp server: {cases} cases");
}

/// AUTH TLS on the server: the upgrade is due only once the whole line
/// came.
#[test]
fn server_auth_tls_cut_anywhere() {
    let client: &[u8] = b"FEAT\r\nAUTH TLS\r\n";
    let mut cases = 0;
    for silent in [false, true] {
        for cut in 0..=client.len() {
            cases += 1;
            let mut server = ftp::Server::new("ready").unwrap();
            server.set_tls_offered(true);
            server.set_timeout(Some(Duration::from_secs(1800)));
            let settled = run_server(server, client, cut, silent, |s, e| {
                if e == ftp::ServerEvent::AuthTls {
                    s.accept_tls().unwrap();
                    return true;
                }
                false
            });
            if settled.completed {
                assert_eq!(cut, client.len(), "AUTH TLS taken at cut {cut}");
            } else if silent {
                assert!(settled.failed, "silence at cut {cut} did not time out");
            }
        }
    }
    eprintln!("ftp server AUTH TLS: {cases} cases");
}
