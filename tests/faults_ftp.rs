//! Faults at every point of an FTP conversation (issue 15), both roles:
//! the control connection's server bytes cut at every offset then closed
//! or reset, at every line end left silent past the timeout (the data
//! connections are real, on loopback), through login, PWD, RETR, LIST,
//! NLST, MLSD and STOR; the same over loopback sockets through the
//! blocking and tokio sessions, in passive mode and in active mode (a
//! scripted server that answers in lock-step and connects to the
//! client's listener); every transfer, both modes and both sessions,
//! with its data connection closed half-way, reset or left silent; the
//! client's control bytes cut at every offset against the server
//! machine, closed or silent on a virtual clock. Each case ends in a
//! typed error, the server's refusal of a transfer that failed, or the
//! whole, right result; never in a success for a cut transfer.

#[path = "common/faults.rs"]
mod faults;

use faults::*;
use sanswire::ftp::{self, Reply};
use sanswire::io::{self, ftp::ControlSocket, DriveError};
use sanswire::wire::Machine;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The file every RETR gets.
const FILE: &[u8] = b"hello, world";
/// The listing LIST gets (one Unix line).
const DATA: &[u8] = b"-rw-r--r-- 1 ftp ftp 12 Jan 01 2024 readme.txt\r\n";
/// The names NLST gets.
const NAMES: &[u8] = b"readme.txt\r\nup.bin\r\n";
/// The facts MLSD gets.
const FACTS: &[u8] = b"type=file;size=12;modify=20240101000000; readme.txt\r\n";
/// What every STOR uploads.
const UPLOAD: &[u8] = b"twelve bytes";

/// How a data connection's server side behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataStop {
    /// Sends the whole content (a download) or reads to the end (an
    /// upload), then closes.
    Whole,
    /// Sends half the content (an upload: reads nothing), then closes.
    Close,
    /// Sends half the content, then resets (SO_LINGER 0).
    Reset,
    /// Says nothing, reads nothing, for ten seconds.
    Silent,
}

/// What the server side of a data connection for `verb` sends.
fn content(verb: &str) -> &'static [u8] {
    match verb {
        "RETR" => FILE,
        "LIST" => DATA,
        "NLST" => NAMES,
        "MLSD" => FACTS,
        _ => b"",
    }
}

/// The uploads a data server received whole (each read to its end).
type Uploads = Arc<Mutex<Vec<Vec<u8>>>>;

/// Serves one data connection for `verb` (RETR, LIST, NLST, MLSD, or
/// STOR: an upload, kept in `uploads`) as `stop` says.
fn serve_data(mut tcp: TcpStream, verb: &str, stop: DataStop, uploads: &Uploads) {
    let content = content(verb);
    let half = &content[..content.len() / 2];
    match stop {
        DataStop::Whole => {
            let _ = tcp.write_all(content);
            let _ = tcp.shutdown(Shutdown::Write);
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let mut upload = Vec::new();
            let _ = tcp.read_to_end(&mut upload);
            if verb == "STOR" {
                uploads.lock().unwrap().push(upload);
            }
        }
        DataStop::Close => {
            let _ = tcp.write_all(half);
            let _ = tcp.shutdown(Shutdown::Both);
        }
        DataStop::Reset => {
            let _ = tcp.write_all(half);
            let _ = socket2::SockRef::from(&tcp).set_linger(Some(Duration::ZERO));
        }
        DataStop::Silent => std::thread::sleep(Duration::from_secs(10)),
    }
}

/// A passive data server on loopback for `verb`: every connection is
/// served as `stop` says, uploads kept in `uploads`. Returns its port.
fn data_server(verb: &'static str, stop: DataStop, uploads: &Uploads) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let uploads = Arc::clone(uploads);
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let uploads = Arc::clone(&uploads);
            std::thread::spawn(move || serve_data(tcp, verb, stop, &uploads));
        }
    });
    port
}

/// Whether an upload arrived whole, and takes the record.
fn uploaded(uploads: &Uploads) -> bool {
    std::mem::take(&mut *uploads.lock().unwrap())
        .iter()
        .any(|u| u == UPLOAD)
}

impl ControlSocket for Cut {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(([127, 0, 0, 1], 21).into())
    }
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(([127, 0, 0, 1], 40000).into())
    }
}

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_bytes().into_boxed_slice())
}

const LOGIN: &str =
    "220 (vsFTPd 3.0.3)\r\n331 Please specify the password.\r\n230 Login successful.\r\n";
const BINARY: &str = "200 Switching to Binary mode.\r\n";
const ASCII: &str = "200 Switching to ASCII mode.\r\n";
const EPRT_OK: &str = "200 EPRT command successful. Consider using EPSV.\r\n";
const GOODBYE: &str = "221 Goodbye.\r\n";

fn epsv(port: u16) -> String {
    format!("229 Entering Extended Passive Mode (|||{port}|)\r\n")
}

/// The `150` and `226` vsftpd gives around a transfer of `verb`.
fn transfer_replies(verb: &str) -> (&'static str, &'static str) {
    match verb {
        "RETR" => (
            "150 Opening BINARY mode data connection for readme.txt (12 bytes).\r\n",
            "226 Transfer complete.\r\n",
        ),
        "STOR" => ("150 Ok to send data.\r\n", "226 Transfer complete.\r\n"),
        _ => (
            "150 Here comes the directory listing.\r\n",
            "226 Directory send OK.\r\n",
        ),
    }
}

/// Login, PWD, a file downloaded, LIST, NLST, MLSD, a file uploaded,
/// QUIT, in passive mode, as vsftpd answers them; each EPSV answer names
/// the data server of its transfer (from [`passive_ports`]).
fn server_bytes(ports: &[u16; 5]) -> &'static [u8] {
    let mut s = format!("{LOGIN}257 \"/\" is the current directory\r\n");
    for (verb, port) in VERBS.iter().zip(ports) {
        s += match *verb {
            "RETR" | "STOR" => BINARY,
            "LIST" => ASCII,
            _ => "",
        };
        let (opened, done) = transfer_replies(verb);
        s += &epsv(*port);
        s += opened;
        s += done;
    }
    s += GOODBYE;
    leak(s)
}

/// The transfers of the conversation, in order.
const VERBS: [&str; 5] = ["RETR", "LIST", "NLST", "MLSD", "STOR"];

/// A whole-answering data server for each of [`VERBS`], and where they
/// keep uploads.
fn passive_ports() -> ([u16; 5], Uploads) {
    let uploads = Uploads::default();
    let ports = VERBS.map(|verb| data_server(verb, DataStop::Whole, &uploads));
    (ports, uploads)
}

/// The last byte that matters: the upload's `226`.
fn done(server: &[u8]) -> usize {
    server.len() - GOODBYE.len()
}

fn machine(timeout: Duration) -> ftp::Client {
    let mut machine = ftp::Client::new();
    machine.set_timeout(Some(timeout));
    machine
}

/// What a conversation saw, the same whichever driver ran it.
fn summary(
    pwd: &str,
    file: &[u8],
    fetched: &Reply,
    list: &io::ftp::Listing,
    names: &[String],
    facts: &io::ftp::Listing,
    stored: &Reply,
) -> String {
    let file = String::from_utf8_lossy(file);
    let list: Vec<String> = list.entries().map(|e| format!("{e:?}")).collect();
    let facts: Vec<String> = facts.entries().map(|e| format!("{e:?}")).collect();
    format!("{pwd} {file:?} {fetched:?} {list:?} {names:?} {facts:?} {stored:?}")
}

/// The conversation on the blocking session: every transfer, then QUIT.
fn conversation<S: ControlSocket>(stream: S, timeout: Duration) -> io::ftp::Result<String> {
    let mut ftp = io::ftp::Client::start(stream, machine(timeout))?;
    ftp.login("anonymous", "guest@")?;
    let pwd = ftp.pwd()?;
    transfers(&mut ftp, &pwd)
}

/// [`conversation`]'s transfers (RETR, LIST, NLST, MLSD, STOR) and QUIT.
fn transfers<S: ControlSocket>(ftp: &mut io::ftp::Client<S>, pwd: &str) -> io::ftp::Result<String> {
    let mut file = Vec::new();
    let mut data = ftp.retr("readme.txt")?;
    data.read_to_end(&mut file)?;
    let fetched = data.finish()?;
    let list = ftp.list(None)?;
    let names = ftp.nlst(None)?;
    let facts = ftp.mlsd(None)?;
    let mut up = ftp.stor("up.bin")?;
    up.write_all(UPLOAD)?;
    let stored = up.finish()?;
    let _ = ftp.quit();
    Ok(summary(
        pwd, &file, &fetched, &list, &names, &facts, &stored,
    ))
}

type AsyncFtp = io::tokio::ftp::Client<tokio::net::TcpStream>;

/// [`conversation`] on the tokio session, bounded in time: a hang is a
/// failure of the case, not of the run.
async fn conversation_async(addr: SocketAddr, active: bool) -> io::ftp::Result<String> {
    let run = async {
        let mut machine = machine(SILENCE * 5);
        if active {
            machine.set_active(None);
        }
        let mut ftp = AsyncFtp::connect_with(addr, machine).await?;
        ftp.login("anonymous", "guest@").await?;
        let pwd = if active {
            "/".to_string()
        } else {
            ftp.pwd().await?
        };
        transfers_async(&mut ftp, &pwd, active).await
    };
    tokio::time::timeout(HANG, run).await.expect("a hang")
}

/// [`transfers`] on the tokio session (active mode: RETR, LIST, STOR).
async fn transfers_async(ftp: &mut AsyncFtp, pwd: &str, active: bool) -> io::ftp::Result<String> {
    let mut file = Vec::new();
    let mut data = ftp.retr("readme.txt").await?;
    while let Some(chunk) = data.next_chunk().await? {
        file.extend_from_slice(&chunk);
    }
    let fetched = data.finish().await?;
    let list = ftp.list(None).await?;
    let (names, facts) = match active {
        true => (Vec::new(), list.clone()),
        false => (ftp.nlst(None).await?, ftp.mlsd(None).await?),
    };
    let mut up = ftp.stor("up.bin").await?;
    up.write_all(UPLOAD).await?;
    let stored = up.finish().await?;
    let _ = ftp.quit().await;
    Ok(summary(
        pwd, &file, &fetched, &list, &names, &facts, &stored,
    ))
}

/// The blocking session in active mode (RETR, LIST, STOR), as
/// [`transfers_async`].
fn active_conversation(tcp: TcpStream) -> io::ftp::Result<String> {
    let mut m = machine(SILENCE * 5);
    m.set_active(None);
    let mut ftp = io::ftp::Client::start(tcp, m)?;
    ftp.login("anonymous", "guest@")?;
    let mut file = Vec::new();
    let mut data = ftp.retr("readme.txt")?;
    data.read_to_end(&mut file)?;
    let fetched = data.finish()?;
    let list = ftp.list(None)?;
    let mut up = ftp.stor("up.bin")?;
    up.write_all(UPLOAD)?;
    let stored = up.finish()?;
    let _ = ftp.quit();
    Ok(summary("/", &file, &fetched, &list, &[], &list, &stored))
}

/// Longer than any case may take.
const HANG: Duration = Duration::from_secs(20);

#[test]
fn client_cut_anywhere_in_memory() {
    let (ports, uploads) = passive_ports();
    let server = server_bytes(&ports);
    let expect = conversation(Cut::new(server, server.len(), Stop::Close), SILENCE).unwrap();
    assert!(uploaded(&uploads), "the upload did not arrive whole");
    assert!(expect.contains("readme.txt"), "{expect}");
    assert!(expect.contains("hello, world"), "{expect}");
    let cases = client_cut_anywhere("ftp client", server, done(server), &expect, |cut| {
        conversation(cut, SILENCE)
    });
    assert!(cases > 2 * server.len());
}

/// A data connection that opens and says nothing: the download ends in
/// a timeout, not a hang.
#[test]
fn client_silent_data_connection_times_out() {
    let (mut ports, uploads) = passive_ports();
    ports[0] = data_server("RETR", DataStop::Silent, &uploads);
    let server = server_bytes(&ports);
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

/// Passive mode, both sessions: the control connection cut at every
/// line end, closed, reset or left silent, through every transfer.
#[test]
fn client_over_loopback_cut_at_every_message() {
    let (ports, _) = passive_ports();
    let server = server_bytes(&ports);
    let expect = conversation(Cut::new(server, server.len(), Stop::Close), SILENCE).unwrap();
    let whole = std::cell::RefCell::new(Vec::new());
    let cases = loopback_each(
        "ftp client",
        server,
        |tcp| conversation(tcp, SILENCE * 5),
        |addr| conversation_async(addr, false),
        |driver, cut, stop, result| match result {
            Ok(got) => {
                assert!(
                    cut >= done(server),
                    "{driver}: success at cut {cut} ({stop:?})"
                );
                assert_eq!(got, expect, "{driver}: cut {cut} ({stop:?})");
                whole.borrow_mut().push(driver.to_string());
            }
            Err(e) => assert!(is_typed(&e), "{driver} cut {cut} ({stop:?}): {e:?}"),
        },
    );
    assert_eq!(cases, 6 * line_ends(server).len());
    // Both sessions carried the whole conversation where nothing was cut.
    let whole = whole.into_inner();
    assert!(whole.iter().any(|d| d == "blocking") && whole.iter().any(|d| d == "tokio"));
}

/// An FTP server's control side on loopback that answers in lock-step
/// with `script`'s lines (the greeting, then one reply a command, a
/// transfer command's `150` and final reply around its data), until the
/// next line would cross `cut`; then it stops as `stop` says. After EPRT
/// (or PORT) and a transfer command, it connects to the client and
/// serves the data connection as `data` says (active mode, opened after
/// the command as vsftpd does); in passive mode the EPSV replies name a
/// [`data_server`].
fn scripted_peer(
    script: &'static [u8],
    cut: usize,
    stop: Stop,
    data: DataStop,
    uploads: &Uploads,
) -> SocketAddr {
    paced_peer(script, cut, stop, data, uploads, false)
}

/// [`scripted_peer`], or (`eager`) one that sends every reply up to the
/// cut at once, before any command came, and then follows the commands
/// as well.
fn paced_peer(
    script: &'static [u8],
    cut: usize,
    stop: Stop,
    data: DataStop,
    uploads: &Uploads,
    eager: bool,
) -> SocketAddr {
    let uploads = Arc::clone(uploads);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut replies = Replies {
            s: &s,
            lines: script[..cut].split_inclusive(|&b| b == b'\n').collect(),
            eager,
        };
        if eager {
            let _ = (&s).write_all(&script[..cut]);
        }
        if replies.next() {
            follow_commands(&s, &mut replies, data, &uploads);
        }
        match stop {
            Stop::Close => {
                let _ = s.shutdown(Shutdown::Write);
                let _ = (&s).read_to_end(&mut Vec::new());
            }
            Stop::Reset => {
                let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            }
            Stop::Silent => {
                let _ = (&s).read_to_end(&mut Vec::new());
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    });
    addr
}

/// The replies a [`scripted_peer`] may still send, in order.
struct Replies<'a> {
    s: &'a TcpStream,
    lines: std::collections::VecDeque<&'static [u8]>,
    /// All were sent at once, before any command came.
    eager: bool,
}

impl Replies<'_> {
    /// Sends the next reply; `false` when the script (up to the cut) is
    /// spent.
    fn next(&mut self) -> bool {
        if self.eager {
            return true;
        }
        match self.lines.pop_front() {
            Some(line) => self.s.write_all(line).is_ok(),
            None => false,
        }
    }
}

/// Answers the client's commands until the script is spent or the
/// client leaves, opening an active data connection for each transfer
/// command after an EPRT or PORT.
fn follow_commands(s: &TcpStream, replies: &mut Replies, data: DataStop, uploads: &Uploads) {
    let mut target: Option<SocketAddr> = None;
    let mut line = String::new();
    let mut reader = BufReader::new(s);
    while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let transfer = VERBS.into_iter().find(|v| *v == verb);
        match verb.as_str() {
            "EPRT" => target = eprt(&line),
            "PORT" => target = port(&line),
            _ => {}
        }
        line.clear();
        if !replies.next() {
            return;
        }
        let Some(verb) = transfer else {
            continue;
        };
        // The 150 went; the data, then the final reply.
        if let Some(at) = target.take() {
            let uploads = Arc::clone(uploads);
            let serving = std::thread::spawn(move || {
                if let Ok(tcp) = TcpStream::connect(at) {
                    serve_data(tcp, verb, data, &uploads);
                }
            });
            if data == DataStop::Whole {
                let _ = serving.join();
            }
        }
        if !replies.next() {
            return;
        }
    }
}

/// The address of `EPRT |1|127.0.0.1|port|`.
fn eprt(line: &str) -> Option<SocketAddr> {
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    let ip: std::net::IpAddr = fields.get(2)?.parse().ok()?;
    Some((ip, fields.get(3)?.parse().ok()?).into())
}

/// The address of `PORT h1,h2,h3,h4,p1,p2`.
fn port(line: &str) -> Option<SocketAddr> {
    let n: Vec<u8> = line[5..]
        .trim_end()
        .split(',')
        .filter_map(|x| x.parse().ok())
        .collect();
    let [a, b, c, d, p1, p2] = n[..] else {
        return None;
    };
    let ip = std::net::Ipv4Addr::new(a, b, c, d);
    Some((ip, u16::from(p1) << 8 | u16::from(p2)).into())
}

/// Login, a file downloaded, a listing, a file uploaded, QUIT, in active
/// mode (EPRT), as vsftpd answers them.
fn active_bytes() -> &'static [u8] {
    let mut s = LOGIN.to_string();
    for verb in ["RETR", "LIST", "STOR"] {
        s += if verb == "LIST" { ASCII } else { BINARY };
        s += EPRT_OK;
        let (opened, done) = transfer_replies(verb);
        s += opened;
        s += done;
    }
    s += GOODBYE;
    leak(s)
}

/// Active mode, both sessions: the control connection cut at every line
/// end, closed, reset or left silent, through RETR, LIST and STOR; the
/// server connects to the client's listener as vsftpd does.
#[test]
fn client_active_mode_over_loopback_cut_at_every_message() {
    let server = active_bytes();
    let uploads = Uploads::default();
    let full = scripted_peer(server, server.len(), Stop::Close, DataStop::Whole, &uploads);
    let expect = active_conversation(TcpStream::connect(full).unwrap()).unwrap();
    assert!(expect.contains("hello, world"), "{expect}");
    assert!(uploaded(&uploads), "the upload did not arrive whole");
    let runtime = runtime();
    let mut cases = 0;
    let mut whole = Vec::new();
    for cut in line_ends(server) {
        for stop in [Stop::Close, Stop::Reset, Stop::Silent] {
            cases += 2;
            let peer = scripted_peer(server, cut, stop, DataStop::Whole, &uploads);
            let blocking = active_conversation(TcpStream::connect(peer).unwrap());
            let peer = scripted_peer(server, cut, stop, DataStop::Whole, &uploads);
            let tokio = runtime.block_on(conversation_async(peer, true));
            for (driver, result) in [("blocking", blocking), ("tokio", tokio)] {
                match result {
                    Ok(got) => {
                        assert!(
                            cut >= done(server),
                            "{driver}: success at cut {cut} ({stop:?})"
                        );
                        assert_eq!(got, expect, "{driver}: cut {cut} ({stop:?})");
                        whole.push(driver);
                    }
                    Err(e) => assert!(is_typed(&e), "{driver} cut {cut} ({stop:?}): {e:?}"),
                }
            }
        }
    }
    assert!(whole.contains(&"blocking") && whole.contains(&"tokio"));
    eprintln!("ftp client active mode over loopback: {cases} cases");
}

/// A server that sends its replies before the commands they answer
/// (every one at once): in active mode the `150` is there before the
/// transfer command went out, so the session must send that command
/// before it waits for the server's data connection, or both wait
/// until the accept times out.
#[test]
fn client_active_mode_with_replies_ahead_of_commands() {
    let server = active_bytes();
    let uploads = Uploads::default();
    let peer = |eager| {
        paced_peer(
            server,
            server.len(),
            Stop::Close,
            DataStop::Whole,
            &uploads,
            eager,
        )
    };
    let expect = active_conversation(TcpStream::connect(peer(false)).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let blocking = active_conversation(TcpStream::connect(peer(true)).unwrap());
    let tokio = runtime().block_on(conversation_async(peer(true), true));
    // Not a timing assertion: the accept's own timeout is 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "an accept timed out"
    );
    assert_eq!(blocking.unwrap(), expect);
    assert_eq!(tokio.unwrap(), expect);
}

/// A transfer of `verb` whose data connection is cut (`stop`), on the
/// blocking session: the control connection answers `150` and then,
/// when the data connection was closed or reset, `426` (what vsftpd
/// says when its data connection fails); a silent data peer gets no
/// answer.
fn one_transfer(tcp: TcpStream, verb: &str, active: bool) -> io::ftp::Result<Vec<u8>> {
    let mut m = machine(SILENCE * 5);
    if active {
        m.set_active(None);
    }
    let mut ftp = io::ftp::Client::start(tcp, m)?;
    ftp.login("anonymous", "guest@")?;
    let mut got = Vec::new();
    match verb {
        "STOR" => {
            let mut up = ftp.stor("up.bin")?;
            up.write_all(UPLOAD)?;
            up.finish()?;
        }
        "LIST" => got = ftp.list(None)?.as_bytes().to_vec(),
        "NLST" => got = ftp.nlst(None)?.concat().into_bytes(),
        "MLSD" => got = ftp.mlsd(None)?.as_bytes().to_vec(),
        _ => {
            let mut data = ftp.retr("readme.txt")?;
            data.read_to_end(&mut got)?;
            data.finish()?;
        }
    }
    Ok(got)
}

/// [`one_transfer`] on the tokio session.
async fn one_transfer_async(
    addr: SocketAddr,
    verb: &str,
    active: bool,
) -> io::ftp::Result<Vec<u8>> {
    let run = async {
        let mut m = machine(SILENCE * 5);
        if active {
            m.set_active(None);
        }
        let mut ftp = AsyncFtp::connect_with(addr, m).await?;
        ftp.login("anonymous", "guest@").await?;
        let mut got = Vec::new();
        match verb {
            "STOR" => {
                let mut up = ftp.stor("up.bin").await?;
                up.write_all(UPLOAD).await?;
                up.finish().await?;
            }
            "LIST" => got = ftp.list(None).await?.as_bytes().to_vec(),
            "NLST" => got = ftp.nlst(None).await?.concat().into_bytes(),
            "MLSD" => got = ftp.mlsd(None).await?.as_bytes().to_vec(),
            _ => {
                let mut data = ftp.retr("readme.txt").await?;
                while let Some(chunk) = data.next_chunk().await? {
                    got.extend_from_slice(&chunk);
                }
                data.finish().await?;
            }
        }
        Ok(got)
    };
    tokio::time::timeout(HANG, run).await.expect("a hang")
}

/// The control replies of [`one_transfer`] for `verb`, the data
/// connection at `data` (a passive port, or `None`: active).
fn cut_data_bytes(verb: &str, data: Option<u16>, stop: DataStop) -> &'static [u8] {
    let mut s = LOGIN.to_string();
    s += match verb {
        "RETR" | "STOR" => BINARY,
        _ => ASCII,
    };
    s += &data.map_or(EPRT_OK.to_string(), epsv);
    s += transfer_replies(verb).0;
    if stop != DataStop::Silent {
        s += "426 Failure writing network stream.\r\n";
    }
    leak(s)
}

/// Every transfer, passive and active, on both sessions, with its data
/// connection closed half-way, reset, or left silent: each ends in a
/// typed error or the server's refusal (`426`), never in a success.
#[test]
fn client_data_connection_cut_over_loopback() {
    let runtime = runtime();
    let uploads = Uploads::default();
    let mut cases = 0;
    for stop in [DataStop::Close, DataStop::Reset, DataStop::Silent] {
        for verb in VERBS {
            for active in [false, true] {
                let port = (!active).then(|| data_server(verb, stop, &uploads));
                let script = cut_data_bytes(verb, port, stop);
                let peer = || scripted_peer(script, script.len(), Stop::Silent, stop, &uploads);
                let blocking = one_transfer(TcpStream::connect(peer()).unwrap(), verb, active);
                let tokio = runtime.block_on(one_transfer_async(peer(), verb, active));
                for (driver, result) in [("blocking", blocking), ("tokio", tokio)] {
                    cases += 1;
                    let case = format!("{driver} {verb} active={active} {stop:?}");
                    match result {
                        Ok(got) => panic!("{case}: a cut transfer claimed success: {got:?}"),
                        Err(DriveError::Refused(r)) => assert_eq!(r.0.code(), 426, "{case}"),
                        Err(e) => assert!(is_typed(&e), "{case}: {e:?}"),
                    }
                }
            }
        }
    }
    eprintln!("ftp client data connection cut over loopback: {cases} cases");
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
