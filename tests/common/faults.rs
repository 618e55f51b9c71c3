//! The machinery of the fault tests (issue 15), shared by
//! `tests/faults.rs` and `tests/faults_<proto>.rs`: a stream that plays
//! the server's side of a recorded conversation up to a cut and then
//! closes, resets or goes silent; the cuts to try; a server machine fed
//! in memory on a virtual clock; a loopback peer with real sockets.
//!
//! Include it with `#[path = "common/faults.rs"] mod faults;`.
#![allow(dead_code)]

use sanswire::io::{DriveError, Socket};
use sanswire::wire::{Instant, Machine, Next};
use std::fmt::Debug;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// How the peer stops once its bytes up to the cut are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It closes: end of stream.
    Close,
    /// It resets the connection.
    Reset,
    /// It stays connected and says nothing more.
    Silent,
}

/// The server's side of a conversation, cut at `cut`.
#[derive(Debug)]
pub struct Cut {
    data: Vec<u8>,
    at: usize,
    cut: usize,
    stop: Stop,
    timeout: Option<Duration>,
    /// What the client wrote.
    pub written: Vec<u8>,
}

impl Cut {
    /// Plays `data[..cut]`, then stops as `stop` says.
    pub fn new(data: &[u8], cut: usize, stop: Stop) -> Self {
        Cut {
            data: data.to_vec(),
            at: 0,
            cut,
            stop,
            timeout: None,
            written: Vec::new(),
        }
    }
}

impl Socket for Cut {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }
}

impl Read for Cut {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at < self.cut {
            // A few bytes at a time, so every frame is split somewhere.
            let n = buf.len().min(7).min(self.cut - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        match self.stop {
            Stop::Close => Ok(0),
            Stop::Reset => Err(std::io::ErrorKind::ConnectionReset.into()),
            Stop::Silent => {
                // A socket with no timeout would wait forever: that is the
                // hang these tests exist to catch.
                let t = self
                    .timeout
                    .expect("the driver read a silent peer with no timeout: a hang");
                std::thread::sleep(t);
                Err(std::io::ErrorKind::TimedOut.into())
            }
        }
    }
}

impl Write for Cut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A short machine timeout, so that silent cases end quickly.
pub const SILENCE: Duration = Duration::from_millis(20);

/// Where the lines of `data` end: the cuts where a peer is most likely
/// to stop (between messages).
pub fn line_ends(data: &[u8]) -> Vec<usize> {
    let mut ends: Vec<usize> = vec![0];
    ends.extend(
        data.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    if ends.last() != Some(&data.len()) {
        ends.push(data.len());
    }
    ends
}

/// Every cut to try: each offset with close and reset, each line end with
/// silence.
pub fn cuts(data: &[u8]) -> Vec<(usize, Stop)> {
    let mut all = Vec::new();
    for at in 0..=data.len() {
        all.push((at, Stop::Close));
        all.push((at, Stop::Reset));
    }
    for at in line_ends(data) {
        all.push((at, Stop::Silent));
    }
    all
}

/// A typed failure of a session: the peer left, reset, or timed out.
pub fn is_typed<E: Debug, R: Debug>(e: &DriveError<E, R>) -> bool {
    match e {
        DriveError::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::TimedOut
        ),
        DriveError::Protocol(_) | DriveError::Stalled => true,
        DriveError::Refused(_) => false,
        #[allow(unreachable_patterns)]
        _ => true,
    }
}

/// Runs a client conversation against the server's bytes `server` cut at
/// every point ([`cuts`]); `run` plays the client over the stream. A
/// success must come at or after `done` (the last byte that matters) and
/// give `expect`; everything else must be a typed error. Returns the
/// number of cases.
pub fn client_cut_anywhere<T: PartialEq + Debug, E: Debug, R: Debug>(
    name: &str,
    server: &[u8],
    done: usize,
    expect: &T,
    run: impl Fn(Cut) -> Result<T, DriveError<E, R>>,
) -> usize {
    let mut cases = 0;
    for (cut, stop) in cuts(server) {
        cases += 1;
        match run(Cut::new(server, cut, stop)) {
            Ok(got) => {
                assert!(
                    cut >= done,
                    "{name}: success claimed at cut {cut} ({stop:?}): {got:?}"
                );
                assert_eq!(&got, expect, "{name}: cut {cut} ({stop:?})");
            }
            Err(e) => assert!(is_typed(&e), "{name}: cut {cut} ({stop:?}): {e:?}"),
        }
    }
    eprintln!("{name}: {cases} cases");
    cases
}

/// How a server machine's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// `step` said a message (a command's data) was completed.
    pub completed: bool,
    /// The machine failed (end of stream mid-message, a timeout).
    pub failed: bool,
}

/// Feeds `data[..cut]` to a server machine in pieces, then closes or goes
/// silent past its timeout; returns how it ended. `step` answers events
/// (accepting what a real application would) and says whether a message
/// was completed.
pub fn run_server<M: Machine>(
    mut server: M,
    data: &[u8],
    cut: usize,
    silent: bool,
    mut step: impl FnMut(&mut M, M::Event) -> bool,
) -> Settled {
    let mut completed = false;
    let mut at = 0;
    let mut fed_end = false;
    for _ in 0..100_000 {
        match server.poll_event() {
            Ok(Next::Event(e)) => completed |= step(&mut server, e),
            Ok(Next::NeedInput) if at < cut => {
                let n = (cut - at).min(7);
                server.receive(&data[at..at + n]);
                // As a driver does: the clock is read when bytes arrive.
                server.set_now(Instant::from_micros(0));
                at += n;
            }
            Ok(Next::NeedInput) | Ok(Next::Paused) if !fed_end => {
                fed_end = true;
                if silent {
                    let later = Instant::from_micros(3_600_000_000);
                    server.handle_timeout(later);
                } else {
                    server.receive_eof();
                }
            }
            Ok(_) => {
                return Settled {
                    completed,
                    failed: false,
                }
            }
            Err(_) => {
                return Settled {
                    completed,
                    failed: true,
                }
            }
        }
    }
    panic!("the server machine did not settle at cut {cut}");
}

/// A server on loopback that plays `data[..cut]` to one client, then
/// closes, resets (SO_LINGER 0: the kernel sends RST) or stays silent
/// until the client leaves.
pub fn loopback_peer(data: &'static [u8], cut: usize, stop: Stop) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let _ = s.write_all(&data[..cut]);
        match stop {
            Stop::Close => {
                let _ = s.shutdown(std::net::Shutdown::Write);
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
            Stop::Reset => {
                // Let the client read what was sent, then abort.
                std::thread::sleep(Duration::from_millis(20));
                let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
                drop(s);
            }
            Stop::Silent => {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
                // The client's half-close (Gopher sends one after its
                // request) is no reason to speak: stay silent a while
                // more, past the client's timeout.
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    });
    addr
}

/// A current-thread tokio runtime for the loopback cases.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The conversation `server` cut at every line end, each closed, reset
/// and left silent, over real sockets: `blocking` runs the client over a
/// connected `TcpStream`, `tokio` over the address. Same judgement as
/// [`client_cut_anywhere`]; returns the number of cases.
pub fn loopback_cut_at_every_message<T, E, R, F>(
    name: &str,
    server: &'static [u8],
    done: usize,
    expect: &T,
    blocking: impl Fn(TcpStream) -> Result<T, DriveError<E, R>>,
    tokio: impl Fn(SocketAddr) -> F,
) -> usize
where
    T: PartialEq + Debug,
    E: Debug,
    R: Debug,
    F: Future<Output = Result<T, DriveError<E, R>>>,
{
    loopback_each(
        name,
        server,
        blocking,
        tokio,
        |driver, cut, stop, result| match result {
            Ok(got) => {
                assert!(
                    cut >= done,
                    "{name} {driver}: success at cut {cut} ({stop:?})"
                );
                assert_eq!(&got, expect, "{name} {driver}: cut {cut} ({stop:?})");
            }
            Err(e) => assert!(is_typed(&e), "{name} {driver} cut {cut} ({stop:?}): {e:?}"),
        },
    )
}

/// The cases of [`loopback_cut_at_every_message`], each result handed to
/// `judge` with the driver's name, the cut and the stop.
pub fn loopback_each<T, E, R, F>(
    name: &str,
    server: &'static [u8],
    blocking: impl Fn(TcpStream) -> Result<T, DriveError<E, R>>,
    tokio: impl Fn(SocketAddr) -> F,
    judge: impl Fn(&str, usize, Stop, Result<T, DriveError<E, R>>),
) -> usize
where
    F: Future<Output = Result<T, DriveError<E, R>>>,
{
    let runtime = runtime();
    let mut cases = 0;
    for cut in line_ends(server) {
        for stop in [Stop::Close, Stop::Reset, Stop::Silent] {
            cases += 2;
            let tcp = TcpStream::connect(loopback_peer(server, cut, stop)).unwrap();
            judge("blocking", cut, stop, blocking(tcp));
            let t = runtime.block_on(tokio(loopback_peer(server, cut, stop)));
            judge("tokio", cut, stop, t);
        }
    }
    eprintln!("{name} over loopback: {cases} cases");
    cases
}
