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
use std::sync::Arc;

type Conn = Driver<tls::Stream<TcpStream>, Server>;
type AsyncConn = super::AsyncConn<Server>;
type Failed = DriveError<sanswire::gopher::Error>;
type Outcome = Result<(), Failed>;
/// An answer queued whole (`None`), or a file to send in chunks.
type Answer = Result<Option<Sending>, Failed>;

/// A response the machine queued whole.
fn whole(queued: Result<(), sanswire::gopher::Error>) -> Answer {
    queued.map(|()| None).map_err(DriveError::Protocol)
}

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
    let hole = Hole::new(config, local);
    let mut conn = Driver::new(stream, Server::new());
    let _ = serve(&mut conn, &hole);
    let _ = conn.stream().close_notify();
}

fn serve(conn: &mut Conn, hole: &Hole) -> Outcome {
    let Some(ServerEvent::Request(request)) = conn.next_event()? else {
        return Ok(());
    };
    if let Some(mut file) = hole.answer(conn.machine(), &request)? {
        while file.queue_next(conn.machine())? {
            conn.flush()?;
        }
    }
    // Writes the rest and half-closes; the machine reads nothing more.
    while conn.next_event()?.is_some() {}
    Ok(())
}

/// [`serve_connection`] as a tokio task, one task per connection (what
/// `serve gopher` runs), plaintext or TLS from the first byte.
pub async fn serve_connection_async(stream: tokio::net::TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let Ok(stream) = config.open_async(stream).await else {
        return; // a failed TLS handshake: nothing to answer
    };
    let hole = Hole::new(&config, local);
    let mut conn = AsyncConn::new(stream, Server::new());
    let _ = serve_async(&mut conn, &hole).await;
    super::finish(&mut conn).await;
}

async fn serve_async(conn: &mut AsyncConn, hole: &Hole) -> Outcome {
    let Some(ServerEvent::Request(request)) = conn.next_event().await? else {
        return Ok(());
    };
    if let Some(mut file) = hole.answer(conn.machine(), &request)? {
        while file.queue_next(conn.machine())? {
            conn.flush().await?;
        }
    }
    while conn.next_event().await?.is_some() {}
    Ok(())
}

/// A file being sent a chunk at a time, each written out before the next
/// is read, so a large file costs one chunk of memory.
struct Sending {
    file: std::fs::File,
    text: bool,
    buf: Vec<u8>,
}

impl Sending {
    /// Queues the next chunk; `false` once the file is all queued and the
    /// response finished.
    fn queue_next(&mut self, server: &mut Server) -> Result<bool, Failed> {
        let p = DriveError::Protocol;
        let n = self.file.read(&mut self.buf)?;
        if n == 0 {
            server.finish().map_err(p)?;
            return Ok(false);
        }
        let chunk = Bytes::copy_from_slice(&self.buf[..n]);
        if self.text {
            server.send_text(chunk).map_err(p)?;
        } else {
            server.send_binary(chunk).map_err(p)?;
        }
        Ok(true)
    }
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
    /// The root served, with the address the connection came to.
    fn new(config: &ServerConfig, local: std::net::SocketAddr) -> Hole {
        Hole {
            root: config.root.clone(),
            host: local.ip().to_string(),
            port: local.port(),
        }
    }

    /// Answers a request, whatever the driver: a menu, attributes or an
    /// error are queued whole; a file comes back to be sent in chunks.
    fn answer(&self, server: &mut Server, request: &Request) -> Answer {
        let selector = String::from_utf8_lossy(&request.selector).into_owned();
        if selector == SEARCH {
            let query = request.search.as_deref().unwrap_or_default();
            let menu = self.search(&String::from_utf8_lossy(query));
            return whole(server.send_menu(&menu.finish()));
        }
        let Some(path) = self.resolve(&selector) else {
            return whole(server.send_error("Not found"));
        };
        match &request.plus {
            Plus::Attributes(_) => {
                let mut blocks = AttributesBuilder::new();
                self.attributes(&mut blocks, &path, &selector);
                return whole(server.send_attributes(&blocks.finish()));
            }
            Plus::Directory(_) if path.is_dir() => {
                let mut blocks = AttributesBuilder::new();
                for (entry, sel) in self.entries(&path, &selector) {
                    self.attributes(&mut blocks, &entry, &sel);
                }
                return whole(server.send_attributes(&blocks.finish()));
            }
            Plus::Directory(_) => return whole(server.send_error("Not a directory")),
            _ => {}
        }
        if path.is_dir() {
            let menu = self.menu(&path, &selector);
            return whole(server.send_menu(&menu.finish()));
        }
        self.send_file(server, &path, request.plus.is_plus())
            .map(Some)
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

    /// Opens a file to send, with its Gopher+ header when it has one.
    fn send_file(&self, server: &mut Server, path: &Path, plus: bool) -> Result<Sending, Failed> {
        let file = std::fs::File::open(path)?;
        let text = type_of(path) == ItemType::Text;
        if plus && !text {
            // Gopher+ announces a binary's length.
            let len = file.metadata()?.len();
            server
                .send_header(DataHeader::new(Length::Bytes(len)))
                .map_err(DriveError::Protocol)?;
        }
        Ok(Sending {
            file,
            text,
            buf: vec![0u8; CHUNK],
        })
    }
}
