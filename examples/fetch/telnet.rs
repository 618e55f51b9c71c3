//! `fetch telnet://host[:port]`: stdin goes to the server line by line
//! (NVT CR LF), the server's data to stdout, negotiation handled; ends
//! when the server closes or after `-m SECS`. `-t TTYPE=xterm`,
//! `-t NAWS=80x24` and `-t XDISPLOC=host:0` set options, as curl's `-t`.

use super::{Args, Failure};
use sanswire::io::duplex;
use sanswire::telnet::{option, Client, Side};
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};
use url::Url;

/// The options of `-t`, applied to the client before it connects.
fn configure(client: &mut Client, options: &[String]) -> Result<(), Failure> {
    let unknown = |o: &str| Failure(48, format!("Unknown telnet option {o}"));
    for o in options {
        let (name, value) = o.split_once('=').ok_or_else(|| unknown(o))?;
        match name.to_ascii_uppercase().as_str() {
            "TTYPE" => client
                .set_terminal_types(&[value])
                .map_err(|_| Failure(48, format!("Bad TTYPE {value}")))?,
            "NAWS" | "WS" => {
                let (w, h) = value
                    .split_once('x')
                    .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                    .ok_or_else(|| Failure(48, format!("NAWS wants WxH, not {value}")))?;
                client
                    .set_window_size(w, h)
                    .map_err(|e| Failure(48, e.to_string()))?;
                // As curl: offer NAWS at once when a size is given.
                client
                    .enable(option::NAWS, Side::Local)
                    .map_err(|e| Failure(48, e.to_string()))?;
            }
            "XDISPLOC" => client
                .set_x_display(value)
                .map_err(|_| Failure(48, format!("Bad XDISPLOC {value}")))?,
            _ => return Err(unknown(name)),
        }
    }
    Ok(())
}

/// Runs the session.
pub fn session(args: &Args, url: &Url, started: Instant) -> Result<(), Failure> {
    let host = url
        .host_str()
        .ok_or_else(|| Failure(3, "URL has no host".into()))?;
    let port = url.port().unwrap_or(23);
    let mut client = Client::new();
    configure(&mut client, &args.telnet_options)?;
    // Within --connect-timeout (and -m); -m on the session is the timer
    // below, so the stream itself waits as long as the user types.
    let tcp = super::common::connect_to(host, port, args, started)?;
    tcp.set_read_timeout(None)?;
    tcp.set_write_timeout(None)?;
    if let Some(secs) = args.max_time {
        let left = Duration::from_secs_f64(secs).saturating_sub(started.elapsed());
        std::thread::spawn(move || {
            std::thread::sleep(left);
            // No stdout flush here: the reader holds stdout's lock while
            // it waits, and it flushes after every piece anyway.
            eprintln!("fetch: (28) Operation timed out");
            std::process::exit(28);
        });
    }
    let reader = tcp.try_clone()?;
    let (mut rx, mut tx) = duplex::split(reader, tcp, client);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().split(b'\n') {
            let Ok(mut line) = line else { break };
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            line.extend_from_slice(b"\r\n");
            if tx.write_all(&line).is_err() {
                break;
            }
        }
    });
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = rx.next_chunk().map_err(|e| {
        Failure(
            56,
            format!("Failure when receiving data from the peer: {e}"),
        )
    })? {
        out.write_all(&chunk)?;
        out.flush()?;
    }
    Ok(())
}
