//! Properties of the FTP machines: any chunking of the bytes gives the
//! same events; listing parsers never panic and never drop a line;
//! encode-then-parse gives the value back.

use proptest::prelude::*;
use sanswire::ftp::list::{self, Listed};
use sanswire::ftp::{Client, Command, Event, Server, ServerEvent};
use sanswire::wire::{Machine, Next};

/// A server's side of a session: greeting, login, FEAT with free text,
/// a passive listing with its replies, a STAT with lines that look like
/// codes, QUIT.
const SERVER_BYTES: &[u8] = b"220-hello\r\n odd\r\n220 ready\r\n331 pass\r\n230 in\r\n\
211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n200 ascii\r\n229 (|||4000|)\r\n150 go\r\n226 done\r\n\
213-status\r\n200 not the end\r\n213 end\r\n221 bye\r\n";

fn client_events(chunks: &[&[u8]]) -> Vec<String> {
    let mut c = Client::new();
    let mut events = Vec::new();
    let mut script = 0;
    for chunk in chunks {
        c.receive(chunk);
        loop {
            match c.poll_event() {
                Ok(Next::Event(e)) => {
                    events.push(format!("{e:?}"));
                    match e {
                        Event::Greeting(_) => drop(c.login("a", "b", None).unwrap()),
                        Event::LoggedIn(_) => drop(c.feat().unwrap()),
                        Event::Features(_) => drop(c.list(None).unwrap()),
                        Event::Data(_) => c.data_ready().unwrap(),
                        Event::TransferStarted(_) => c.data_finished().unwrap(),
                        Event::TransferDone(_) => drop(c.stat(None).unwrap()),
                        Event::Reply { .. } if script == 0 => {
                            script = 1;
                            c.quit().unwrap();
                        }
                        _ => {}
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    events.push(format!("error {e}"));
                    return events;
                }
            }
        }
    }
    events.push(String::from_utf8(c.outbox().take_vec()).unwrap());
    events
}

fn cut(data: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        out.push(data[at..p].to_vec());
        at = p;
    }
    out.push(data[at..].to_vec());
    out
}

proptest! {
    #[test]
    fn client_events_do_not_depend_on_chunking(cuts in prop::collection::vec(0usize..400, 0..12)) {
        let whole = client_events(&[SERVER_BYTES]);
        let pieces = cut(SERVER_BYTES, &cuts);
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(client_events(&refs), whole);
    }

    #[test]
    fn server_events_do_not_depend_on_chunking(cuts in prop::collection::vec(0usize..200, 0..12)) {
        let input: &[u8] = b"USER a\r\nPASS b\r\nCWD /x y\r\nPWD\r\nNOOP\r\nQUIT\r\n";
        let run = |chunks: &[Vec<u8>]| {
            let mut s = Server::new("hi").unwrap();
            let mut events = Vec::new();
            for chunk in chunks {
                s.receive(chunk);
                while let Ok(Next::Event(e)) = s.poll_event() {
                    events.push(format!("{e:?}"));
                    match e {
                        ServerEvent::Login { .. } => s.accept_login(true).unwrap(),
                        _ => s.reply(&sanswire::ftp::Reply::new(250, "ok")).unwrap(),
                    }
                }
            }
            events.push(String::from_utf8(s.outbox().take_vec()).unwrap());
            events
        };
        prop_assert_eq!(run(&cut(input, &cuts)), run(&[input.to_vec()]));
    }

    #[test]
    fn listing_parsers_never_panic_nor_drop_a_line(data in prop::collection::vec(any::<u8>(), 0..600)) {
        let count = list::lines(&data).count();
        let unix = list::lines(&data).map(list::parse_list_line).count();
        let mlsd = list::lines(&data).map(list::parse_mlsd_line).count();
        prop_assert_eq!(unix, count);
        prop_assert_eq!(mlsd, count);
        // A raw line is the line itself.
        for line in list::lines(&data) {
            if let Listed::Raw(raw) = list::parse_list_line(line) {
                prop_assert_eq!(raw, line);
            }
        }
    }

    #[test]
    fn listing_lines_of_unix_shape_parse(
        name in "[a-zA-Z0-9._ -]{1,30}",
        size in any::<u32>(),
        day in 1u8..29,
        year in 1990u16..2100,
    ) {
        prop_assume!(!name.starts_with(' ') && !name.ends_with(' ') && !name.contains(" -> "));
        let line = format!("-rw-r--r--   1 owner    group {size:>10} Feb {day:>2}  {year} {name}");
        let e = list::parse_list_line(line.as_bytes()).entry().unwrap();
        prop_assert_eq!(e.name, name.as_bytes());
        prop_assert_eq!(e.size, Some(u64::from(size)));
        prop_assert_eq!(e.modified.unwrap().year, Some(year));
    }

    #[test]
    fn commands_encode_then_parse(path in "[^\r\n\0]{1,60}") {
        prop_assume!(!path.starts_with('-'));
        for cmd in [Command::Retr(path.clone()), Command::Cwd(path.clone()), Command::List(Some(path.clone())), Command::Dele(path.clone())] {
            let line = cmd.to_line().unwrap();
            prop_assert_eq!(Command::parse(&line[..line.len() - 2]).unwrap(), cmd);
        }
    }

    #[test]
    fn reply_and_command_parsers_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Command::parse(&data);
        let mut c = Client::new();
        c.receive(&data);
        for _ in 0..50 {
            if !matches!(c.poll_event(), Ok(Next::Event(_))) { break; }
        }
        let mut s = Server::new("x").unwrap();
        s.receive(&data);
        for _ in 0..50 {
            match s.poll_event() {
                Ok(Next::Event(ServerEvent::Login { .. })) => s.accept_login(true).unwrap(),
                Ok(Next::Event(_)) => { let _ = s.reply(&sanswire::ftp::Reply::new(200, "ok")); }
                _ => break,
            }
        }
    }
}
