//! `serve telnet`: a line echo service. It negotiates ECHO and SGA (ours)
//! and NAWS and TTYPE (the client's), greets with the window size and
//! terminal type it learnt, echoes each line back once it is complete
//! (ECHO is ours, so the client does not echo locally), and closes on
//! `quit`.

use super::ServerConfig;
use sanswire::io::{DriveError, Driver};
use sanswire::telnet::{option, Event, Server, Side};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// The longest line kept; a longer one is echoed in pieces.
const MAX_LINE: usize = 4096;
/// How long a greeted client may stay silent.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How long the greeting waits for the client's NAWS and TTYPE answers.
const GREET_WAIT: Duration = Duration::from_secs(1);

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// What the server learnt, and what it still waits for before greeting.
#[derive(Default)]
struct Session {
    window: Option<(u16, u16)>,
    terminal: Option<String>,
    naws_done: bool,
    ttype_done: bool,
    greeted: bool,
    /// Input that came before the greeting, kept until it is out.
    early: Vec<u8>,
    line: Vec<u8>,
}

impl Session {
    fn greeting(&self) -> String {
        let window = match self.window {
            Some((w, h)) => format!("{w}x{h}"),
            None => "unknown".into(),
        };
        let terminal = self.terminal.as_deref().unwrap_or("unknown");
        format!(
            "Welcome to the sanswire telnet echo. Window: {window}. Terminal: {terminal}.\r\n\
             Type a line; quit ends.\r\n"
        )
    }
}

/// A server machine that offers ECHO and SGA and asks for NAWS and TTYPE.
fn new_server() -> Server {
    let mut server = Server::new();
    for (opt, side) in [
        (option::ECHO, Side::Local),
        (option::SGA, Side::Local),
        (option::NAWS, Side::Remote),
        (option::TTYPE, Side::Remote),
    ] {
        let _ = server.enable(opt, side);
    }
    server
}

/// Serves one connection until the client quits or leaves.
pub fn serve_connection(stream: TcpStream, _config: &ServerConfig) {
    // A client that ignores negotiation (`nc`) never answers: greet
    // after a second anyway.
    let _ = stream.set_read_timeout(Some(GREET_WAIT));
    let mut driver = Driver::new(stream, new_server());
    let mut s = Session::default();
    loop {
        match driver.next_event() {
            Ok(Some(event)) => {
                if !s.take(driver.machine(), event) {
                    break;
                }
            }
            Err(DriveError::Io(e)) if !s.greeted && is_timeout(&e) => {
                s.stop_waiting(driver.machine())
            }
            _ => break,
        }
        if s.greeted {
            let _ = driver.stream().set_read_timeout(None);
        }
    }
    let _ = driver.shutdown();
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve telnet` runs).
pub async fn serve_connection_async(stream: tokio::net::TcpStream, _config: Arc<ServerConfig>) {
    let mut driver = super::AsyncConn::new(super::AsyncStream::plain(stream), new_server());
    let mut s = Session::default();
    loop {
        // Before the greeting, a silent client is waited for a second
        // at a time (`next_event` is cancel-safe).
        let next = match s.greeted {
            true => Ok(driver.next_event().await),
            false => tokio::time::timeout(GREET_WAIT, driver.next_event()).await,
        };
        match next {
            Ok(Ok(Some(event))) => {
                if !s.take(driver.machine(), event) {
                    break;
                }
            }
            Err(_) => s.stop_waiting(driver.machine()),
            Ok(_) => break,
        }
    }
    super::finish(&mut driver).await;
}

impl Session {
    /// Takes in one event, whatever the driver; `false` when the
    /// connection ends.
    fn take(&mut self, telnet: &mut Server, event: Event) -> bool {
        match event {
            Event::Enabled {
                option: option::TTYPE,
                side: Side::Remote,
            } => {
                let _ = telnet.request_terminal_type();
            }
            Event::Refused {
                option: option::TTYPE,
                ..
            } => self.ttype_done = true,
            Event::Refused {
                option: option::NAWS,
                ..
            } => self.naws_done = true,
            Event::WindowSize { width, height } => {
                self.window = Some((width, height));
                self.naws_done = true;
            }
            Event::TerminalType(t) => {
                // Untrusted: shown, never interpreted.
                let t: String = String::from_utf8_lossy(&t)
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(40)
                    .collect();
                self.terminal = Some(t);
                self.ttype_done = true;
            }
            Event::Data(d) => self.early.extend_from_slice(&d),
            Event::End => return false,
            _ => {}
        }
        self.go_on(telnet);
        true
    }

    /// The client left the negotiation unanswered: greet anyway.
    fn stop_waiting(&mut self, telnet: &mut Server) {
        self.naws_done = true;
        self.ttype_done = true;
        self.go_on(telnet);
    }

    /// Greets once ready, then echoes what came in.
    fn go_on(&mut self, telnet: &mut Server) {
        if !self.greeted && ready(self) {
            self.greeted = true;
            // From now on an idle client is dropped (Telnet has no last
            // words for it: the close says it).
            sanswire::wire::Machine::set_timeout(telnet, Some(IDLE_TIMEOUT));
            let _ = telnet.send_data(self.greeting().as_bytes());
        }
        if self.greeted && !self.early.is_empty() {
            let input = std::mem::take(&mut self.early);
            if echo_lines(telnet, self, &input) {
                telnet.close();
            }
        }
    }
}

/// Whether to greet: the window size and terminal type are known, or
/// refused.
fn ready(s: &Session) -> bool {
    s.naws_done && s.ttype_done
}

/// Echoes every complete line of `data`; `true` on `quit`.
fn echo_lines(telnet: &mut Server, s: &mut Session, data: &[u8]) -> bool {
    for &b in data {
        match b {
            b'\n' => {
                let line = std::mem::take(&mut s.line);
                if line.trim_ascii() == b"quit" {
                    let _ = telnet.send_data(b"Bye.\r\n");
                    return true;
                }
                let _ = telnet.send_data(&line);
                let _ = telnet.send_data(b"\r\n");
            }
            b'\r' | 0 => {}
            _ if s.line.len() == MAX_LINE => {
                let line = std::mem::take(&mut s.line);
                let _ = telnet.send_data(&line);
                s.line.push(b);
            }
            _ => s.line.push(b),
        }
    }
    false
}
