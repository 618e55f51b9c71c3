//! `fetch gopher://host[:port]/TYPE SELECTOR[%09QUERY]`: prints what the
//! server sends, byte for byte until it closes, as curl does (a text's or
//! a menu's final `.` line included). `--menu` reads the answer as a menu
//! instead and prints one item per line: its type, its display string and
//! its URL. `gophers://` is TLS from the first byte (port 70, as curl).
//!
//! Differences from curl: a selector or query that decodes to CR, LF or
//! NUL is refused (exit 3) instead of sent, so a URL cannot make fetch
//! talk to another service; the request is followed by a half-close.

use super::{connect, implicit_tls, Args, Failure, Sink};
use sanswire::gopher::{self, GopherUrl, Item, ItemType};
use sanswire::io::{tls, ByteStream};
use sanswire::wire::Machine;
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

pub fn fetch(args: &Args, url: &Url, started: Instant, gophers: bool) -> Result<(), Failure> {
    let gopher_url =
        GopherUrl::parse(&args.url).map_err(|e| Failure(3, format!("URL rejected: {e}")))?;
    let request = gopher_url
        .request()
        .map_err(|e| Failure(3, format!("URL rejected: {e}")))?;
    let tcp = connect(url, gopher::DEFAULT_PORT, args, started)?;
    let stream = match gophers {
        true => implicit_tls(args, url, tcp, &[])?,
        false => tls::Stream::plain(tcp),
    };
    if args.verbose {
        eprintln!("> {}", String::from_utf8_lossy(&request.selector));
    }
    if args.menu {
        return print_menu(args, stream, request, started);
    }
    let mut machine = gopher::Client::new();
    machine.inbox().set_read_size(super::READ_SIZE);
    machine
        .get_raw(&request)
        .map_err(|e| Failure(3, e.to_string()))?;
    super::common::time_limit(&mut machine, args, started);
    let mut answer = ByteStream::new(stream, machine);
    let mut sink = Sink::open(args, started)?;
    while let Some(chunk) = answer.next_chunk().map_err(read_failure)? {
        sink.write(&chunk)?;
    }
    sink.finish()
}

fn read_failure(e: std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            Failure(28, "Operation timed out".into())
        }
        _ => Failure(
            56,
            format!("Failure when receiving data from the peer: {e}"),
        ),
    }
}

fn print_menu(
    args: &Args,
    stream: tls::Stream<TcpStream>,
    request: gopher::Request,
    started: Instant,
) -> Result<(), Failure> {
    let mut machine = gopher::Client::new();
    super::common::time_limit(&mut machine, args, started);
    let mut client = sanswire::io::gopher::Client::start(stream, machine)?;
    let items = client.menu(request)?;
    let mut sink = Sink::open(args, started)?;
    for item in &items {
        sink.write(render(item).as_bytes())?;
    }
    sink.finish()
}

/// `TYPE display URL`, the URL left out for lines that link nowhere.
pub fn render(item: &Item) -> String {
    let kind = item.kind.to_byte() as char;
    let display = String::from_utf8_lossy(&item.display);
    match GopherUrl::for_item(item) {
        Some(url) if item.kind != ItemType::Info => format!("{kind} {display}  {url}\n"),
        _ => format!("{kind} {display}\n"),
    }
}
