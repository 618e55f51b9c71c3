//! `serve telnet`: a line echo service. It negotiates ECHO and SGA (ours)
//! and NAWS and TTYPE (the client's), greets with the window size and
//! terminal type it learnt, echoes each line back once it is complete
//! (ECHO is ours, so the client does not echo locally), and closes on
//! `quit`.

use super::ServerConfig;
use sanswire::io::{DriveError, Driver};
use sanswire::telnet::{option, Event, Server, Side};
use std::net::TcpStream;
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

/// Serves one connection until the client quits or leaves.
pub fn serve_connection(stream: TcpStream, _config: &ServerConfig) {
    let mut server = Server::new();
    for (opt, side) in [
        (option::ECHO, Side::Local),
        (option::SGA, Side::Local),
        (option::NAWS, Side::Remote),
        (option::TTYPE, Side::Remote),
    ] {
        let _ = server.enable(opt, side);
    }
    // A client that ignores negotiation (`nc`) never answers: greet
    // after a second anyway.
    let _ = stream.set_read_timeout(Some(GREET_WAIT));
    let mut driver = Driver::new(stream, server);
    let mut s = Session::default();
    loop {
        let event = match driver.next_event() {
            Ok(Some(event)) => event,
            Err(DriveError::Io(e)) if !s.greeted && is_timeout(&e) => {
                let _ = driver.stream().set_read_timeout(None);
                s.naws_done = true;
                s.ttype_done = true;
                Event::Command(sanswire::telnet::Command::Nop)
            }
            _ => break,
        };
        let telnet = driver.machine();
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
            } => s.ttype_done = true,
            Event::Refused {
                option: option::NAWS,
                ..
            } => s.naws_done = true,
            Event::WindowSize { width, height } => {
                s.window = Some((width, height));
                s.naws_done = true;
            }
            Event::TerminalType(t) => {
                // Untrusted: shown, never interpreted.
                let t: String = String::from_utf8_lossy(&t)
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(40)
                    .collect();
                s.terminal = Some(t);
                s.ttype_done = true;
            }
            Event::Data(d) => s.early.extend_from_slice(&d),
            Event::End => break,
            _ => {}
        }
        if !s.greeted && ready(&s) {
            s.greeted = true;
            let _ = driver.stream().set_read_timeout(None);
            let telnet = driver.machine();
            // From now on an idle client is dropped (Telnet has no last
            // words for it: the close says it).
            sanswire::wire::Machine::set_timeout(telnet, Some(IDLE_TIMEOUT));
            let _ = telnet.send_data(s.greeting().as_bytes());
        }
        if s.greeted && !s.early.is_empty() {
            let input = std::mem::take(&mut s.early);
            let telnet = driver.machine();
            if echo_lines(telnet, &mut s, &input) {
                telnet.close();
            }
        }
    }
    let _ = driver.shutdown();
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
