//! `serve gopher`: a folder as a gopher hole.
//!
//! A directory is a menu: its `gophermap` file if it has one (lines with a
//! TAB are items, `TYPE display<TAB>selector[<TAB>host<TAB>port]`, a
//! selector without a leading `/` is relative to the directory, missing
//! host and port are ours; lines without a TAB are info lines; `#` starts
//! a comment, as in gophernicus), else a menu generated from its entries.
//! Files are served as type 0 (text, dot-stuffed), 9 (binary), g (GIF),
//! I (other images) or h (HTML) by extension. The selector `/.search` is a
//! type-7 search over the file names under the root. Names starting with
//! `.` are neither listed nor served. Gopher+ requests get their headers
//! (`+-1`, `+N`), and `!` / `$` the `+INFO`, `+ADMIN` and `+VIEWS` blocks.

use super::ServerConfig;
use bytes::Bytes;
use sanswire::gopher::{
    AttributesBuilder, DataHeader, Item, ItemType, Length, MenuBuilder, Plus, Request, Server,
    ServerEvent,
};
use sanswire::io::{tls, DriveError, Driver};
use std::io::Read;
use std::net::TcpStream;
use std::path::{Component, Path, PathBuf};

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type Outcome = Result<(), DriveError<sanswire::gopher::Error>>;

/// The selector of the search over file names.
pub const SEARCH: &str = "/.search";
/// The most results a search gives.
const MAX_RESULTS: usize = 1000;
/// How much of a file goes into one write.
const CHUNK: usize = 64 * 1024;

/// Serves one connection: one request, one answer.
pub fn serve_connection(stream: TcpStream, config: &ServerConfig) {
    let _ = stream.set_nodelay(true);
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let Ok(stream) = config.open(stream) else {
        return; // a failed TLS handshake: nothing to answer
    };
    let hole = Hole {
        root: config.root.clone(),
        host: local.ip().to_string(),
        port: local.port(),
    };
    let mut conn = Driver::new(stream, Server::new());
    let _ = serve(&mut conn, &hole);
    let _ = conn.stream().close_notify();
}

fn serve(conn: &mut Conn, hole: &Hole) -> Outcome {
    let Some(ServerEvent::Request(request)) = conn.next_event()? else {
        return Ok(());
    };
    hole.answer(conn, &request)?;
    // Writes the rest and half-closes; the machine reads nothing more.
    while conn.next_event()?.is_some() {}
    Ok(())
}

/// The folder served and the address menus point at.
pub struct Hole {
    /// The folder served.
    pub root: PathBuf,
    /// The host name written into menus.
    pub host: String,
    /// The port written into menus.
    pub port: u16,
}

/// The type a file is served as, by its extension.
pub fn type_of(path: &Path) -> ItemType {
    if path.is_dir() {
        return ItemType::Menu;
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "" | "txt" | "text" | "md" | "log" | "csv" | "conf" | "rs" | "c" | "h" | "py" | "sh"
        | "toml" | "json" => ItemType::Text,
        "gif" => ItemType::Gif,
        "png" | "jpg" | "jpeg" | "bmp" | "webp" | "svg" | "ico" => ItemType::Image,
        "html" | "htm" => ItemType::Html,
        _ => ItemType::Binary,
    }
}

impl Hole {
    fn answer(&self, conn: &mut Conn, request: &Request) -> Outcome {
        let p = DriveError::Protocol;
        let selector = String::from_utf8_lossy(&request.selector).into_owned();
        if selector == SEARCH {
            let query = request.search.as_deref().unwrap_or_default();
            let menu = self.search(&String::from_utf8_lossy(query));
            return conn.machine().send_menu(&menu.finish()).map_err(p);
        }
        let Some(path) = self.resolve(&selector) else {
            return conn.machine().send_error("Not found").map_err(p);
        };
        match &request.plus {
            Plus::Attributes(_) => {
                let mut blocks = AttributesBuilder::new();
                self.attributes(&mut blocks, &path, &selector);
                return conn.machine().send_attributes(&blocks.finish()).map_err(p);
            }
            Plus::Directory(_) if path.is_dir() => {
                let mut blocks = AttributesBuilder::new();
                for (entry, sel) in self.entries(&path, &selector) {
                    self.attributes(&mut blocks, &entry, &sel);
                }
                return conn.machine().send_attributes(&blocks.finish()).map_err(p);
            }
            Plus::Directory(_) => return conn.machine().send_error("Not a directory").map_err(p),
            _ => {}
        }
        if path.is_dir() {
            let menu = self.menu(&path, &selector);
            return conn.machine().send_menu(&menu.finish()).map_err(p);
        }
        self.send_file(conn, &path, request.plus.is_plus())
    }

    /// The file under the root a selector names; `None` for anything that
    /// leaves the root or names a hidden file.
    fn resolve(&self, selector: &str) -> Option<PathBuf> {
        let mut path = self.root.clone();
        for part in Path::new(selector.trim_start_matches('/')).components() {
            match part {
                Component::Normal(name) if !name.to_string_lossy().starts_with('.') => {
                    path.push(name)
                }
                Component::CurDir => {}
                _ => return None,
            }
        }
        path.exists().then_some(path)
    }

    /// The visible entries of a directory, sorted, with their selectors.
    fn entries(&self, dir: &Path, selector: &str) -> Vec<(PathBuf, String)> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.') && n != "gophermap")
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let base = selector.trim_end_matches('/');
        names
            .into_iter()
            .map(|n| (dir.join(&n), format!("{base}/{n}")))
            .collect()
    }

    fn menu(&self, dir: &Path, selector: &str) -> MenuBuilder {
        let mut menu = MenuBuilder::new(self.host.clone(), self.port);
        if let Ok(map) = std::fs::read(dir.join("gophermap")) {
            self.gophermap(&mut menu, &map, selector);
            return menu;
        }
        if selector.trim_matches('/').is_empty() {
            let _ = menu.info("sanswire gopher server");
            let item = Item::new(
                ItemType::Search,
                "Search file names",
                SEARCH,
                self.host.clone(),
                self.port,
            );
            let _ = menu.item(&item.with_plus());
        }
        for (path, sel) in self.entries(dir, selector) {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let item = Item::new(type_of(&path), name, sel, self.host.clone(), self.port);
            // A name with a TAB or a line break cannot be listed: skipped.
            let _ = menu.item(&item.with_plus());
        }
        menu
    }

    /// A gophermap, in gophernicus' syntax (the parts that need no CGI).
    fn gophermap(&self, menu: &mut MenuBuilder, map: &[u8], selector: &str) {
        let base = selector.trim_end_matches('/');
        for line in map.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line == b"." {
                break;
            }
            if line.first() == Some(&b'#') {
                continue;
            }
            if !line.contains(&b'\t') {
                let _ = menu.info(line);
                continue;
            }
            let Some(item) = Item::parse(&Bytes::copy_from_slice(line)) else {
                continue;
            };
            let mut item = item;
            if item.selector.is_empty() {
                item.selector = item.display.clone();
            }
            if !item.selector.starts_with(b"/") && !item.selector.starts_with(b"URL:") {
                item.selector = Bytes::from(format!(
                    "{base}/{}",
                    String::from_utf8_lossy(&item.selector)
                ));
            }
            if item.host.is_empty() {
                item.host = Bytes::from(self.host.clone());
            }
            if item.port.is_none() {
                item.port = Some(self.port);
            }
            let _ = menu.item(&item);
        }
    }

    /// Files under the root whose names contain `query` (any case).
    fn search(&self, query: &str) -> MenuBuilder {
        let mut menu = MenuBuilder::new(self.host.clone(), self.port);
        let query = query.to_lowercase();
        let mut stack = vec![(self.root.clone(), String::new(), 0)];
        let mut found = 0;
        while let Some((dir, selector, depth)) = stack.pop() {
            for (path, sel) in self.entries(&dir, &selector) {
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                if path.is_dir() && depth < 16 {
                    stack.push((path.clone(), sel.clone(), depth + 1));
                }
                if found < MAX_RESULTS && name.to_lowercase().contains(&query) {
                    let item = Item::new(
                        type_of(&path),
                        sel.clone(),
                        sel,
                        self.host.clone(),
                        self.port,
                    );
                    if menu.item(&item).is_ok() {
                        found += 1;
                    }
                }
            }
        }
        if found == 0 {
            let _ = menu.info("No file names match.");
        }
        menu
    }

    /// `+INFO`, `+ADMIN` and `+VIEWS` for one entry.
    fn attributes(&self, blocks: &mut AttributesBuilder, path: &Path, selector: &str) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = type_of(path);
        let item = Item::new(
            kind,
            name,
            selector.to_string(),
            self.host.clone(),
            self.port,
        )
        .with_plus();
        if blocks.info(&item).is_err() {
            return;
        }
        let _ = blocks.block("ADMIN", "");
        let _ = blocks.line("Admin: sanswire <root@localhost>");
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mime = match kind {
            ItemType::Menu => "application/gopher+-menu",
            ItemType::Text => "text/plain",
            ItemType::Gif => "image/gif",
            ItemType::Image => "image/png",
            ItemType::Html => "text/html",
            _ => "application/octet-stream",
        };
        let _ = blocks.block("VIEWS", "");
        let _ = blocks.line(format!("{mime}: <{}k>", size.div_ceil(1024)));
    }

    fn send_file(&self, conn: &mut Conn, path: &Path, plus: bool) -> Outcome {
        let p = DriveError::Protocol;
        let mut file = std::fs::File::open(path)?;
        let text = type_of(path) == ItemType::Text;
        if plus && !text {
            // Gopher+ announces a binary's length.
            let len = file.metadata()?.len();
            conn.machine()
                .send_header(DataHeader::new(Length::Bytes(len)))
                .map_err(p)?;
        }
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = Bytes::copy_from_slice(&buf[..n]);
            if text {
                conn.machine().send_text(chunk).map_err(p)?;
            } else {
                conn.machine().send_binary(chunk).map_err(p)?;
            }
            conn.flush()?;
        }
        conn.machine().finish().map_err(p)
    }
}
