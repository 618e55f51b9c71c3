//! `serve` puts a received file under its name only once it is whole and
//! on disk (issue 15): an FTP upload whose data connection is reset
//! half-way leaves nothing under the final name and no temporary file;
//! a whole one is there byte for byte before the `226`. NNTP POST, IMAP
//! APPEND, SMTP delivery and HTTP PUT go through the same kind of
//! temporary name, fsync and rename (examples/common/mod.rs `Incoming`).

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

struct Control {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Control {
    fn open(addr: &str) -> Control {
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = Control {
            reader: BufReader::new(tcp.try_clone().unwrap()),
            writer: tcp,
        };
        assert!(c.reply().starts_with("220"));
        c
    }

    fn reply(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            // The last line of a reply: three digits and a space.
            if line.len() >= 4 && line.as_bytes()[3] == b' ' {
                return line;
            }
        }
    }

    fn send(&mut self, command: &str) -> String {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .unwrap();
        self.reply()
    }

    /// EPSV, then STOR `name`: the data connection.
    fn stor(&mut self, name: &str) -> TcpStream {
        let epsv = self.send("EPSV");
        // 229 Entering Extended Passive Mode (|||PORT|)
        let port: u16 = epsv.split('|').nth(3).unwrap().parse().unwrap();
        let data = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert!(self.send(&format!("STOR {name}")).starts_with("150"));
        data
    }
}

fn leftovers(root: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn ftp_upload_is_in_place_only_whole() {
    let root = scratch("atomic-ftp");
    let (_serve, addr) = serve(
        "ftp",
        &["--root", root.to_str().unwrap(), "--user", "alice:secret"],
    );
    let mut c = Control::open(&addr);
    assert!(c.send("USER alice").starts_with("331"));
    assert!(c.send("PASS secret").starts_with("230"));
    assert!(c.send("TYPE I").starts_with("200"));
    let content = awkward_bytes(300_000);

    // Reset half-way: nothing under the name, no temporary file left.
    let mut data = c.stor("cut.bin");
    data.write_all(&content[..100_000]).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    socket2::SockRef::from(&data)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(data);
    let done = c.reply();
    assert!(done.starts_with("426") || done.starts_with("451"), "{done}");
    assert!(
        !root.join("cut.bin").exists(),
        "a partial upload is in place"
    );
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));

    // Whole: in place, byte for byte, when the 226 comes.
    let mut data = c.stor("whole.bin");
    data.write_all(&content).unwrap();
    drop(data);
    let done = c.reply();
    assert!(done.starts_with("226"), "{done}");
    assert_eq!(std::fs::read(root.join("whole.bin")).unwrap(), content);
    assert_eq!(leftovers(&root), ["whole.bin"]);
    let mut rest = Vec::new();
    c.send("QUIT");
    let _ = c.reader.read_to_end(&mut rest);
}
