//! An idle FTP control connection holds its state and little else: 1,000
//! connections of each machine, each after login, FEAT (client) and PWD,
//! cost at most 1 KiB apiece, the struct included.

use sanswire::ftp::{self, Reply, ServerEvent};
use sanswire::wire::{Machine, Next};
mod counting_alloc;
use counting_alloc::Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONNECTIONS: usize = 1000;
const BOUND: usize = 1024;

/// The bytes each of 1,000 idle machines made by `setup` costs.
fn per_connection<M: Machine>(name: &str, setup: impl Fn() -> M) -> usize {
    counting_alloc::per_connection(name, CONNECTIONS, setup)
}

fn client() -> ftp::Client {
    let mut c = ftp::Client::new();
    let answer = |c: &mut ftp::Client, wire: &[u8]| {
        c.outbox().take_vec();
        c.receive(wire);
        match c.poll_event().unwrap() {
            Next::Event(e) => Some(e),
            Next::NeedInput => None,
            other => panic!("{other:?}"),
        }
    };
    answer(&mut c, b"220 (vsFTPd 3.0.3)\r\n");
    c.login("alice", "secret", None).unwrap();
    answer(&mut c, b"331 Please specify the password.\r\n");
    assert!(matches!(
        answer(&mut c, b"230 Login successful.\r\n"),
        Some(ftp::Event::LoggedIn(_))
    ));
    c.feat().unwrap();
    answer(
        &mut c,
        b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n",
    );
    c.pwd().unwrap();
    answer(&mut c, b"257 \"/home/alice\" is the current directory\r\n");
    c.outbox().take_vec();
    assert!(c.is_idle());
    c
}

fn server() -> ftp::Server {
    let mut s = ftp::Server::new("sanswire FTP").unwrap();
    s.receive(b"USER alice\r\nPASS secret\r\nPWD\r\n");
    loop {
        match s.poll_event().unwrap() {
            Next::Event(ServerEvent::Login { .. }) => s.accept_login(true).unwrap(),
            Next::Event(_) => s.reply_path("/", "is the current directory").unwrap(),
            Next::NeedInput => break,
            Next::Paused => panic!("paused"),
        }
    }
    s.outbox().take_vec();
    let _ = Reply::new(200, "");
    s
}

#[test]
fn idle_ftp_connections_hold_at_most_one_kib_each() {
    for (name, each) in [
        ("ftp::Client", per_connection("ftp::Client", client)),
        ("ftp::Server", per_connection("ftp::Server", server)),
    ] {
        assert!(each <= BOUND, "{name}: {each} B per idle connection");
    }
}
