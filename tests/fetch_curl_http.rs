//! `fetch` beside curl 7.88 over HTTP: for each option, both run against
//! the same scripted server (tests/fetch_curl/httpd.py), and stdout, the
//! exit code and what the server received must be the same.

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The fetch User-Agent, which stands in for curl's in comparisons.
const FETCH_AGENT: &str = concat!("sanswire-fetch/", env!("CARGO_PKG_VERSION"));

/// The scripted server, its log of what it received, and its file root.
struct Httpd {
    _proc: Proc,
    port: u16,
    log: PathBuf,
    root: PathBuf,
}

fn httpd(name: &str) -> Httpd {
    let peer = scripted_peer("httpd.py", &format!("fcurl-{name}"), None);
    Httpd {
        _proc: peer.proc,
        port: peer.port,
        log: peer.log,
        root: peer.root,
    }
}

impl Httpd {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the server received since the last call.
    fn take_log(&self) -> Vec<u8> {
        let data = std::fs::read(&self.log).unwrap_or_default();
        let _ = std::fs::remove_file(&self.log);
        data
    }
}

/// One run: exit code, stdout, stderr, what the server received, and the
/// output file `{out}` stood for (if any).
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
    received: Vec<u8>,
    out_file: Option<Vec<u8>>,
}

/// The curl-specific bytes made comparable: the User-Agent, and the
/// random multipart boundaries.
fn normalize(data: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(data).replace("curl/7.88.1", FETCH_AGENT);
    let mut out = String::new();
    let mut rest = text.as_str();
    const DASHES: &str = "------------------------";
    while let Some(i) = rest.find(DASHES) {
        out.push_str(&rest[..i]);
        let tail = rest[i..].trim_start_matches('-');
        out.push_str(&rest[i..rest.len() - tail.len()]);
        let hex = tail.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if hex == 16 {
            out.push_str("BOUNDARY");
            rest = &tail[16..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

fn run_one(program: &Path, h: &Httpd, args: &[&str], tag: &str, env: &[(&str, &str)]) -> Run {
    let out_path = h.root.join(format!("out-{tag}"));
    let keep = args.contains(&"-C") && args.contains(&"-");
    if !keep {
        let _ = std::fs::remove_file(&out_path);
    }
    let expand = |a: &str| {
        a.replace("{base}", &h.base())
            .replace("{root}", h.root.to_str().unwrap())
            .replace("{out}", out_path.to_str().unwrap())
            .replace("{port}", &h.port.to_string())
    };
    let args: Vec<String> = args.iter().map(|a| expand(a)).collect();
    let mut cmd = Command::new(program);
    cmd.args(&args).stdin(Stdio::null());
    for var in [
        "http_proxy",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, expand(v));
    }
    let out = cmd.output().expect("runs");
    let received = h.take_log();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: normalize(&out.stdout),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        received: normalize(&received),
        out_file: std::fs::read(&out_path).ok().map(|d| normalize(&d)),
    }
}

/// Runs curl, then fetch, with the same arguments, and checks that they
/// agree on stdout, the exit code, the bytes the server received and the
/// output file. Returns fetch's run.
fn same(h: &Httpd, args: &[&str]) -> Run {
    same_env(h, args, &[])
}

fn same_env(h: &Httpd, args: &[&str], env: &[(&str, &str)]) -> Run {
    let curl = run_one(Path::new("curl"), h, args, "curl", env);
    let fetch = run_one(&example("fetch"), h, args, "fetch", env);
    assert_eq!(
        fetch.code, curl.code,
        "exit code for {args:?}\ncurl: {}\nfetch: {}",
        curl.stderr, fetch.stderr
    );
    assert_eq!(
        String::from_utf8_lossy(&fetch.received),
        String::from_utf8_lossy(&curl.received),
        "what the server received for {args:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&fetch.stdout),
        String::from_utf8_lossy(&curl.stdout),
        "stdout for {args:?}\nfetch stderr: {}",
        fetch.stderr
    );
    assert!(
        fetch.out_file == curl.out_file,
        "output file for {args:?}: {:?} and {:?} bytes",
        fetch.out_file.as_ref().map(Vec::len),
        curl.out_file.as_ref().map(Vec::len)
    );
    fetch
}

#[test]
fn errors_without_f_print_the_body_and_exit_0() {
    let h = httpd("errors");
    let r = same(&h, &["-s", "{base}/status/404"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, b"status 404\n");
    same(&h, &["-s", "{base}/status/500"]);
    same(&h, &["{base}/status/404"]);
}

#[test]
fn fail_exits_22_with_nothing_on_stdout() {
    let h = httpd("fail");
    let r = same(&h, &["-f", "{base}/status/404"]);
    assert_eq!(r.code, 22);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("(22)"), "{}", r.stderr);
    same(&h, &["--fail", "{base}/status/503"]);
    same(&h, &["-f", "{base}/status/200"]);
}

#[test]
fn silent_and_show_error() {
    let h = httpd("silent");
    let r = same(&h, &["-sf", "{base}/status/404"]);
    assert_eq!(r.stderr, "", "-s silences the error");
    let r = same(&h, &["-sSf", "{base}/status/404"]);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("(22)"));
    let r = same(&h, &["-fsSL", "{base}/redirect/302?to=/status/404"]);
    assert!(r.stderr.contains("(22)"));
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let r = same(&h, &["-s", &url]);
    assert_eq!((r.code, r.stderr.as_str()), (7, ""));
    let r = same(&h, &["-sS", &url]);
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn location_follows_redirects_by_curls_rules() {
    let h = httpd("redirects");
    // Relative and absolute Locations, each status.
    for code in ["301", "302", "303", "307", "308"] {
        same(&h, &["-sL", &format!("{{base}}/redirect/{code}?to=/echo")]);
        same(
            &h,
            &[
                "-sL",
                "-d",
                "a=1",
                &format!("{{base}}/redirect/{code}?to=/echo"),
            ],
        );
    }
    same(&h, &["-sL", "{base}/sub/sub/redirect/302?to=../echo"]);
    same(&h, &["-sL", "{base}/redirect/302?to=302%3Fto%3D/echo"]);
    same(
        &h,
        &["-sL", "{base}/redirect/302?to=//localhost:{port}/echo"],
    );
    let r = same(&h, &["-sL", "{base}/redirect/302?to=/empty"]);
    assert_eq!(r.code, 52);
    // Without -L: the redirect's own body.
    same(&h, &["-s", "{base}/redirect/302?to=/echo"]);
    // -X keeps its method, the body goes.
    same(
        &h,
        &[
            "-sL",
            "-X",
            "POST",
            "-d",
            "x=1",
            "{base}/redirect/302?to=/echo",
        ],
    );
    // Credentials and -H Cookie/Authorization stay with the first host;
    // -b strings go on.
    let other = "{base}/redirect/302?to=http://localhost:{port}/echo";
    same(&h, &["-sL", "-u", "a:b", "-b", "c=1", other]);
    same(
        &h,
        &[
            "-sL",
            "-H",
            "Authorization: Bearer t",
            "-H",
            "Cookie: k=v",
            other,
        ],
    );
    same(&h, &["-sL", "-u", "a:b", "{base}/redirect/302?to=/echo"]);
    // --max-redirs.
    let r = same(
        &h,
        &[
            "-sL",
            "--max-redirs",
            "1",
            "{base}/redirect/302?to=/redirect/302%3Fto%3D/echo",
        ],
    );
    assert_eq!(r.code, 47);
    same(
        &h,
        &[
            "-sL",
            "--max-redirs",
            "2",
            "{base}/redirect/302?to=/redirect/302%3Fto%3D/echo",
        ],
    );
    same(
        &h,
        &["-sL", "--max-redirs", "0", "{base}/redirect/302?to=/echo"],
    );
}

#[test]
fn what_is_printed_head_include_dump_header() {
    let h = httpd("printed");
    same(&h, &["-sI", "{base}/status/200"]);
    same(&h, &["-si", "{base}/echo"]);
    same(&h, &["-siL", "{base}/redirect/302?to=/echo"]);
    same(&h, &["-sIL", "{base}/redirect/301?to=/status/200"]);
    same(&h, &["-s", "-D", "{out}", "{base}/echo"]);
    same(&h, &["-s", "-D", "-", "{base}/status/404"]);
    same(&h, &["-s", "-i", "-o", "{out}", "{base}/echo"]);
}

#[test]
fn remote_name_and_output_dir() {
    let h = httpd("remote-name");
    std::fs::write(h.root.join("a.txt"), b"file a\n").unwrap();
    for (program, tag) in [(PathBuf::from("curl"), "curl"), (example("fetch"), "fetch")] {
        let dir = h.root.join(format!("dir-{tag}"));
        std::fs::create_dir_all(&dir).unwrap();
        let r = run_one(
            &program,
            &h,
            &[
                "-s",
                "-O",
                "--output-dir",
                dir.to_str().unwrap(),
                "{base}/file/a.txt",
            ],
            tag,
            &[],
        );
        assert_eq!(r.code, 0, "{tag} {}", r.stderr);
        assert_eq!(
            std::fs::read(dir.join("a.txt")).unwrap(),
            b"file a\n",
            "{tag}"
        );
        let r = run_one(
            &program,
            &h,
            &[
                "-s",
                "-o",
                "b.txt",
                "--output-dir",
                dir.to_str().unwrap(),
                "{base}/file/a.txt",
            ],
            tag,
            &[],
        );
        assert_eq!(r.code, 0, "{tag}");
        assert_eq!(
            std::fs::read(dir.join("b.txt")).unwrap(),
            b"file a\n",
            "{tag}"
        );
    }
    let r = same(&h, &["-s", "-O", "{base}/"]);
    assert_eq!(r.code, 23);
}

#[test]
fn write_out_variables() {
    let h = httpd("write-out");
    same(
        &h,
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download} %{url_effective} %{content_type} %{num_redirects}\\n",
            "-L",
            "{base}/redirect/302?to=/type/text/html",
        ],
    );
    same(&h, &["-s", "-w", "[%{http_code}]\\n", "{base}/status/404"]);
    same(&h, &["-sf", "-w", "[%{http_code}]\\n", "{base}/status/404"]);
    let port = free_port();
    same(
        &h,
        &[
            "-s",
            "-w",
            "%{http_code}\\n",
            &format!("http://127.0.0.1:{port}/"),
        ],
    );
    // %{time_total}: a number of seconds with six decimals.
    let r = same_time(
        &h,
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{time_total}",
            "{base}/echo",
        ],
    );
    let t: f64 = String::from_utf8_lossy(&r.stdout).parse().unwrap();
    assert!(t >= 0.0);
}

/// Like `same` for output that holds a time: only the shape is compared.
fn same_time(h: &Httpd, args: &[&str]) -> Run {
    let curl = run_one(Path::new("curl"), h, args, "curl", &[]);
    let fetch = run_one(&example("fetch"), h, args, "fetch", &[]);
    assert_eq!(fetch.code, curl.code);
    assert_eq!(fetch.received, curl.received);
    let shape = |s: &[u8]| String::from_utf8_lossy(s).replace(|c: char| c.is_ascii_digit(), "9");
    assert_eq!(shape(&fetch.stdout), shape(&curl.stdout));
    fetch
}

#[test]
fn agent_referer_and_cookies_sent() {
    let h = httpd("sent");
    same(
        &h,
        &["-s", "-A", "agent/1", "-e", "http://ref/", "{base}/echo"],
    );
    same(&h, &["-s", "-A", "", "{base}/echo"]);
    same(&h, &["-sL", "-e", ";auto", "{base}/redirect/302?to=/echo"]);
    same(
        &h,
        &[
            "-sL",
            "-e",
            "http://first/;auto",
            "{base}/redirect/302?to=/echo",
        ],
    );
    same(&h, &["-s", "-b", "a=1; b=2", "{base}/echo"]);
    same(
        &h,
        &[
            "-s",
            "-u",
            "a:b",
            "-e",
            "r",
            "-b",
            "c=1",
            "-H",
            "X-A: 1",
            "-d",
            "x",
            "{base}/echo",
        ],
    );
    // A cookie file in Netscape format, and a jar.
    let file = h.root.join("cookies.txt");
    std::fs::write(
        &file,
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfile\tyes\n\
         127.0.0.1\tFALSE\t/other\tFALSE\t0\telsewhere\tno\n",
    )
    .unwrap();
    same(&h, &["-s", "-b", file.to_str().unwrap(), "{base}/echo"]);
    same(&h, &["-s", "-c", "-", "{base}/cookie?a=1&b=2"]);
    same(&h, &["-s", "-c", "{out}", "{base}/cookie?k=v"]);
    // The engine sends what it stored on the way (-L).
    same(
        &h,
        &[
            "-sL",
            "-c",
            "{out}",
            "{base}/redirect/302?to=/cookie%3Fs%3D1",
            "{base}/echo",
        ],
    );
    same(
        &h,
        &[
            "-s",
            "-b",
            file.to_str().unwrap(),
            "-c",
            "-",
            "{base}/cookie?n=2",
            "{base}/echo",
        ],
    );
}

#[test]
fn headers_replaced_removed_and_added() {
    let h = httpd("headers");
    same(
        &h,
        &[
            "-s",
            "-H",
            "Accept: x",
            "-H",
            "X-A: 1",
            "-H",
            "Host: h",
            "{base}/echo",
        ],
    );
    same(
        &h,
        &["-s", "-H", "User-Agent: u", "-H", "Accept:", "{base}/echo"],
    );
}

#[test]
fn data_options() {
    let h = httpd("data");
    let bin = h.root.join("bin");
    std::fs::write(&bin, b"ab\0c\r\nd\n").unwrap();
    let bin = bin.to_str().unwrap();
    same(&h, &["-s", "-d", "a=1", "-d", "b=2", "{base}/echo"]);
    same(&h, &["-s", "-d", &format!("@{bin}"), "{base}/echo"]);
    same(
        &h,
        &["-s", "--data-binary", &format!("@{bin}"), "{base}/echo"],
    );
    same(
        &h,
        &["-s", "--data-raw", "@notafile", "-d", "x=1", "{base}/echo"],
    );
    same(
        &h,
        &[
            "-s",
            "--data-urlencode",
            "a=b c&",
            "--data-urlencode",
            "=x y",
            "--data-urlencode",
            "z w",
            "-d",
            "r=1",
            "{base}/echo",
        ],
    );
    same(
        &h,
        &["-s", "--data-urlencode", &format!("f@{bin}"), "{base}/echo"],
    );
    same(
        &h,
        &[
            "-s",
            "--json",
            "{\"a\":1}",
            "--json",
            "{\"b\":2}",
            "{base}/echo",
        ],
    );
    same(
        &h,
        &["-s", "-G", "-d", "a=1", "-d", "b=2", "{base}/echo?q=1"],
    );
    same(
        &h,
        &["-s", "-G", "--data-urlencode", "s=a b", "{base}/echo"],
    );
    same(&h, &["-s", "-X", "PUT", "-d", "a", "{base}/echo"]);
    same(
        &h,
        &["-s", "-H", "Content-Type: text/x", "-d", "a", "{base}/echo"],
    );
}

#[test]
fn form_multipart() {
    let h = httpd("form");
    let bin = h.root.join("f.bin");
    std::fs::write(&bin, b"ab\0c\r\nd").unwrap();
    let txt = h.root.join("t.txt");
    std::fs::write(&txt, b"text\n").unwrap();
    let (bin, txt) = (bin.to_str().unwrap(), txt.to_str().unwrap());
    same(
        &h,
        &[
            "-s",
            "-F",
            "a=1",
            "-F",
            &format!("f=@{bin};type=text/x"),
            "-F",
            &format!("g=@{bin}"),
            "{base}/echo",
        ],
    );
    same(
        &h,
        &[
            "-s",
            "-F",
            &format!("t=@{txt}"),
            "-F",
            &format!("c=<{txt}"),
            "{base}/echo",
        ],
    );
}

#[test]
fn expect_100_continue_on_large_uploads() {
    let h = httpd("expect");
    let big = h.root.join("big");
    std::fs::write(&big, awkward_bytes(1_100_000)).unwrap();
    let small = h.root.join("small");
    std::fs::write(&small, b"small").unwrap();
    let (big, small) = (big.to_str().unwrap(), small.to_str().unwrap());
    for args in [
        vec![
            "-s",
            "--data-binary",
            &*format!("@{big}"),
            "{base}/status/200",
        ],
        vec![
            "-s",
            "--data-binary",
            &*format!("@{small}"),
            "{base}/status/200",
        ],
        vec!["-s", "-T", small, "{base}/status/200"],
        vec!["-s", "-T", big, "{base}/status/200"],
        // A server that never says 100: the body goes after a second.
        vec!["-s", "-T", small, "{base}/no100/status/200"],
        vec![
            "-s",
            "--data-binary",
            &*format!("@{big}"),
            "{base}/no100/echo",
        ],
    ] {
        let r = same(&h, &args);
        assert_eq!(r.code, 0);
    }
}

/// `data` compressed as gzip, zlib (HTTP's deflate) and brotli.
fn compressed_files(root: &Path, data: &[u8]) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    std::fs::write(root.join("d.gz"), gz.finish().unwrap()).unwrap();
    let mut zz = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zz.write_all(data).unwrap();
    std::fs::write(root.join("d.zz"), zz.finish().unwrap()).unwrap();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    std::fs::write(root.join("d.br"), br).unwrap();
    let zst = ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest);
    std::fs::write(root.join("d.zst"), zst).unwrap();
}

#[test]
fn compressed_gzip_deflate_br_zstd() {
    let h = httpd("compressed");
    let data = awkward_bytes(200_000);
    compressed_files(&h.root, &data);
    for name in ["d.gz", "d.zz", "d.br", "d.zst"] {
        let url = format!("{{base}}/enc/{name}");
        let args = ["-s", "--compressed", "-o", "{out}", &url];
        let curl = run_one(Path::new("curl"), &h, &args, "curl", &[]);
        let fetch = run_one(&example("fetch"), &h, &args, "fetch", &[]);
        assert_eq!((fetch.code, curl.code), (0, 0), "{name}: {}", fetch.stderr);
        assert_eq!(curl.received, fetch.received, "{name}");
        assert!(fetch.out_file == curl.out_file, "{name}");
        assert!(
            std::fs::read(h.root.join("out-fetch")).unwrap() == data,
            "{name}"
        );
    }
    // Without --compressed the bytes are written as they came.
    same(&h, &["-s", "-o", "{out}", "{base}/enc/d.gz"]);
}

#[test]
fn resume_and_range() {
    let h = httpd("resume");
    let data = awkward_bytes(50_000);
    std::fs::write(h.root.join("r.bin"), &data).unwrap();
    same(&h, &["-s", "-r", "0-99", "{base}/file/r.bin"]);
    same(&h, &["-s", "-r", "-500", "{base}/file/r.bin"]);
    same(&h, &["-s", "-r", "49990-", "{base}/file/r.bin"]);
    same(&h, &["-s", "-C", "49000", "{base}/file/r.bin"]);
    // A server that ignores Range: curl refuses to resume (33).
    let r = same(&h, &["-s", "-C", "10", "{base}/echo"]);
    assert_eq!(r.code, 33);
    // -C - continues the output file where it stops.
    for tag in ["curl", "fetch"] {
        std::fs::write(h.root.join(format!("out-{tag}")), &data[..12_345]).unwrap();
    }
    same(&h, &["-s", "-C", "-", "-o", "{out}", "{base}/file/r.bin"]);
    assert!(std::fs::read(h.root.join("out-fetch")).unwrap() == data);
}

#[test]
fn retry_on_transient_errors() {
    let h = httpd("retry");
    // Each run has its own key: the server counts attempts per key.
    let (c, f) = (
        run_one(
            Path::new("curl"),
            &h,
            &["-s", "--retry", "2", "{base}/flaky/c1/1"],
            "curl",
            &[],
        ),
        run_one(
            &example("fetch"),
            &h,
            &["-s", "--retry", "2", "{base}/flaky/f1/1"],
            "fetch",
            &[],
        ),
    );
    assert_eq!((f.code, f.stdout.clone()), (c.code, c.stdout.clone()));
    assert_eq!(f.received.len(), c.received.len());
    let (c, f) = (
        run_one(
            Path::new("curl"),
            &h,
            &["-s", "--retry", "1", "-f", "{base}/flaky/c2/3"],
            "curl",
            &[],
        ),
        run_one(
            &example("fetch"),
            &h,
            &["-s", "--retry", "1", "-f", "{base}/flaky/f2/3"],
            "fetch",
            &[],
        ),
    );
    assert_eq!((f.code, f.stdout.clone()), (c.code, c.stdout.clone()));
    assert_eq!(f.received.len(), c.received.len());
    // A timeout is transient too.
    let r = same(&h, &["-s", "--retry", "1", "-m", "1", "{base}/slow/2"]);
    assert_eq!(r.code, 28);
    assert_eq!(
        String::from_utf8_lossy(&r.received)
            .matches("GET /slow/2")
            .count(),
        2
    );
    // 404 is not transient: one request only.
    same(&h, &["-s", "--retry", "2", "{base}/flaky/n/5?code=404"]);
}

#[test]
fn limit_rate_and_timeouts() {
    let h = httpd("rate");
    std::fs::write(h.root.join("r.bin"), awkward_bytes(40_000)).unwrap();
    let t = Instant::now();
    let r = run_one(
        &example("fetch"),
        &h,
        &[
            "-s",
            "--limit-rate",
            "20K",
            "-o",
            "{out}",
            "{base}/file/r.bin",
        ],
        "fetch",
        &[],
    );
    assert_eq!(r.code, 0);
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    let r = same(&h, &["-s", "-m", "1", "{base}/slow/3"]);
    assert_eq!(r.code, 28);
    // (No blackhole address can be counted on here: the option is
    // checked for a connect that works and one that is refused.)
    same(&h, &["-s", "--connect-timeout", "2", "{base}/echo"]);
    let port = free_port();
    let r = same(
        &h,
        &[
            "-s",
            "--connect-timeout",
            "2",
            &format!("http://127.0.0.1:{port}/"),
        ],
    );
    assert_eq!(r.code, 7);
}

#[test]
fn several_urls_and_no_scheme() {
    let h = httpd("several");
    same(&h, &["-s", "{base}/status/200", "{base}/echo"]);
    same(
        &h,
        &["-s", "-o", "{out}", "{base}/status/200", "{base}/echo"],
    );
    same(
        &h,
        &[
            "-s",
            "{base}/status/200",
            "http://127.0.0.1:1/",
            "{base}/status/201",
        ],
    );
    same(&h, &["-s", "127.0.0.1:{port}/echo"]);
    same(
        &h,
        &[
            "-s",
            "-w",
            "%{url_effective}\\n",
            "127.0.0.1:{port}/status/200",
        ],
    );
}

#[test]
fn proxy_absolute_form_and_environment() {
    let h = httpd("proxy");
    same(
        &h,
        &[
            "-s",
            "-x",
            "http://127.0.0.1:{port}",
            "http://example.invalid/echo?a=1",
        ],
    );
    same(
        &h,
        &[
            "-s",
            "-x",
            "127.0.0.1:{port}",
            "-u",
            "a:b",
            "http://example.invalid:8080/echo",
        ],
    );
    same(
        &h,
        &[
            "-s",
            "-x",
            "http://pu:pp@127.0.0.1:{port}",
            "http://example.invalid/echo",
        ],
    );
    same_env(
        &h,
        &["-s", "http://example.invalid/echo"],
        &[("http_proxy", "http://127.0.0.1:{port}")],
    );
    // no_proxy and --noproxy: straight to the server.
    same_env(
        &h,
        &["-s", "{base}/echo"],
        &[
            ("http_proxy", "http://127.0.0.1:1"),
            ("no_proxy", "localhost,127.0.0.1"),
        ],
    );
    same(
        &h,
        &[
            "-s",
            "-x",
            "http://127.0.0.1:1",
            "--noproxy",
            "*",
            "{base}/echo",
        ],
    );
}

#[test]
fn proxy_connect_tunnel_for_https() {
    let h = httpd("proxy-tls");
    let pki = pki::Pki::new();
    let dir = scratch("proxy-tls-pki");
    let (ca, cert, key) = pki.write(&dir);
    let root = scratch("proxy-tls-root");
    std::fs::write(root.join("hello.txt"), b"hello over tls\n").unwrap();
    let (_serve, addr) = serve(
        "http",
        &[
            "--root",
            root.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--implicit-tls",
        ],
    );
    let port = addr.rsplit(':').next().unwrap();
    let url = format!("https://localhost:{port}/hello.txt");
    let r = same(
        &h,
        &[
            "-s",
            "--cacert",
            ca.to_str().unwrap(),
            "-x",
            "http://127.0.0.1:{port}",
            &url,
        ],
    );
    assert_eq!(r.stdout, b"hello over tls\n");
    assert!(String::from_utf8_lossy(&r.received).starts_with("CONNECT localhost:"));
    same_env(
        &h,
        &["-s", "--cacert", ca.to_str().unwrap(), &url],
        &[("https_proxy", "127.0.0.1:{port}")],
    );
}

/// The lines of a `-v` trace that curl and fetch share: what was sent
/// (`> `), received (`< `), the data notes and the connection's fate.
pub fn trace_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.starts_with("> ")
                || l.starts_with("< ")
                || l.starts_with("{ [")
                || l.starts_with("* Connected to")
                || l.starts_with("* Connection #0")
                || l.starts_with("*   Trying")
        })
        .map(|l| l.replace("curl/7.88.1", FETCH_AGENT).trim_end().to_string())
        .collect()
}

#[test]
fn verbose_in_curls_format() {
    let h = httpd("verbose");
    for args in [
        vec!["-sv", "{base}/echo"],
        vec!["-sv", "-d", "a=1", "{base}/status/404"],
        vec!["-svL", "{base}/redirect/302?to=/echo"],
    ] {
        let curl = run_one(Path::new("curl"), &h, &args, "curl", &[]);
        let fetch = run_one(&example("fetch"), &h, &args, "fetch", &[]);
        assert_eq!(
            trace_lines(&fetch.stderr),
            trace_lines(&curl.stderr),
            "{args:?}\n{}",
            fetch.stderr
        );
        assert_eq!(fetch.stdout, curl.stdout);
    }
}

/// Runs `fetch ARGS` in a detached tmux pane (a terminal) and returns
/// what the pane shows after `wait`.
fn on_a_terminal(args: &[String], wait: Duration) -> String {
    // A tmux server of its own for each run: one being killed does not
    // take the next session with it.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let socket = format!("sanswire-progress-{}-{run}", std::process::id());
    let mut line = example("fetch").to_str().unwrap().to_string();
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    // Keep the pane after fetch ends, to read it.
    line.push_str("; sleep 30");
    let status = Command::new("tmux")
        .args([
            "-L",
            &socket,
            "new-session",
            "-d",
            "-x",
            "150",
            "-y",
            "20",
            &line,
        ])
        .status()
        .expect("tmux is installed (.ci/install-peers)");
    assert!(status.success());
    std::thread::sleep(wait);
    let out = Command::new("tmux")
        .args(["-L", &socket, "capture-pane", "-p"])
        .output()
        .unwrap();
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .status();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn progress_bar_on_a_terminal_for_long_transfers() {
    let h = httpd("progress");
    std::fs::write(h.root.join("slow.bin"), awkward_bytes(300_000)).unwrap();
    let out = h.root.join("slow.out");
    let url = format!("{}/file/slow.bin", h.base());
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        v.extend([
            "--limit-rate".into(),
            "60K".into(),
            "-o".into(),
            out.to_str().unwrap().into(),
            url.clone(),
        ]);
        v
    };
    // Over a second: the bar shows bytes so far out of the total.
    let screen = on_a_terminal(&args(&[]), Duration::from_millis(2500));
    assert!(
        screen.contains("KiB/292.97 KiB"),
        "no progress bar on the terminal:\n{screen}"
    );
    // -s: no bar.
    let screen = on_a_terminal(&args(&["-s"]), Duration::from_millis(2500));
    assert!(!screen.contains("KiB"), "a bar despite -s:\n{screen}");
    // A short transfer shows none either.
    let quick = [
        format!("{}/status/200", h.base()),
        "-o".into(),
        out.to_str().unwrap().into(),
    ];
    let screen = on_a_terminal(&quick, Duration::from_millis(1500));
    assert!(!screen.contains("KiB"), "{screen}");
}

#[test]
fn help_lists_the_supported_options_all_of_them_curls() {
    let (ok, help, _) = run(Command::new(example("fetch")).arg("--help"));
    assert!(ok);
    let help = String::from_utf8_lossy(&help).into_owned();
    let (_, curl_help, _) = run(Command::new("curl").args(["--help", "all"]));
    let curl_help = String::from_utf8_lossy(&curl_help).into_owned();
    let longs: Vec<&str> = help
        .split_ascii_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches([',', '.', ')']))
        .filter(|w| !matches!(*w, "--help" | "--version"))
        .collect();
    for option in [
        "--location",
        "--max-redirs",
        "--head",
        "--include",
        "--dump-header",
        "--remote-name",
        "--output-dir",
        "--write-out",
        "--user-agent",
        "--referer",
        "--cookie",
        "--cookie-jar",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--json",
        "--get",
        "--form",
        "--compressed",
        "--continue-at",
        "--range",
        "--retry",
        "--limit-rate",
        "--connect-timeout",
        "--proxy",
        "--noproxy",
        "--list-only",
        "--login-options",
        "--sasl-ir",
        "--oauth2-bearer",
        "--mail-auth",
        "--mail-rcpt-allowfails",
        "--crlf",
        "--ssl",
        "--ssl-reqd",
        "--show-error",
        "--silent",
        "--fail",
        "--verbose",
    ] {
        assert!(longs.contains(&option), "{option} not in fetch --help");
    }
    // Every option fetch lists is curl's, under curl's name, but for
    // fetch's own extensions: `--menu` renders a gopher menu (issue 13).
    const OURS: &[&str] = &["--menu"];
    for option in longs.into_iter().filter(|o| !OURS.contains(o)) {
        assert!(
            curl_help.contains(&format!("{option} ")) || curl_help.contains(&format!("{option}\n")),
            "fetch --help lists {option}, which curl does not have"
        );
    }
}
