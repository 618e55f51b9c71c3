//! Data connections, sans-IO: what the control machine asks its caller to
//! do ([`DataPlan`]), and the TYPE A line-end conversions. The bytes of a
//! data connection are carried by the core's [`Raw`](crate::wire::Raw)
//! machine (see [`data_machine`]).

use alloc::vec::Vec;
use bytes::Bytes;
use core::net::{IpAddr, SocketAddr};

/// Where to open a passive data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataTarget {
    /// The control connection's peer, at this port: what EPSV always
    /// gives (RFC 2428 §3), and what PASV gives by default, ignoring the
    /// host the server named (a server could otherwise make the client
    /// connect anywhere: the CVE-2021-4189 class, fixed the same way in
    /// Python's ftplib and curl).
    Peer {
        /// The port the server listens on.
        port: u16,
    },
    /// The host and port from a PASV reply, used as they are because
    /// [`Client::set_trust_pasv_host`](super::Client::set_trust_pasv_host)
    /// asked for it (servers behind NAT that name another host on purpose).
    Addr(SocketAddr),
}

impl DataTarget {
    /// The address to connect to, given the control connection's peer.
    ///
    /// ```
    /// use sanswire::ftp::DataTarget;
    /// let peer: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    /// assert_eq!(DataTarget::Peer { port: 5000 }.resolve(peer).to_string(), "192.0.2.7:5000");
    /// ```
    pub fn resolve(self, control_peer: IpAddr) -> SocketAddr {
        match self {
            DataTarget::Peer { port } => SocketAddr::new(control_peer, port),
            DataTarget::Addr(a) => a,
        }
    }
}

/// What the control machine needs its caller to do for the next data
/// connection ([`Event::Data`](super::Event::Data)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataPlan {
    /// Passive mode: connect to this target, then call
    /// [`Client::data_ready`](super::Client::data_ready); the machine then
    /// sends REST (if any) and the transfer command.
    Connect(DataTarget),
    /// Active mode: listen on an address the server can reach (usually the
    /// control connection's local address, port 0), then call
    /// [`Client::data_listening`](super::Client::data_listening) with it.
    /// The machine sends EPRT (PORT as fallback); accept the server's
    /// connection once [`Event::TransferStarted`](super::Event::TransferStarted) comes.
    Listen,
}

/// How a data connection is protected (RFC 4217 §9:
/// [`Client::data_protection`](super::Client::data_protection)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataProtection {
    /// `PROT C` (the default): plaintext.
    Clear,
    /// `PROT P`: TLS, the client being the TLS client in both modes, and
    /// the session **resumed** from the control connection's (its proof
    /// that the data connection belongs to this client: vsftpd's
    /// `require_ssl_reuse`). With TLS 1.3 the tickets come after the
    /// control handshake: read a reply over TLS before the first data
    /// connection (the typed session always has: PBSZ and PROT's).
    Private,
}

/// The machine that carries a data connection: the core's byte stream,
/// which ends at the peer's end of stream (MODE S, RFC 959 §3.4.1).
///
/// A data connection is bulk by nature: its reads grow to
/// [`DATA_READ_SIZE`] (the inbox's default, 64 KiB, suits control lines;
/// curl reads 100 KiB, measured with strace in `benches/ftp_transfer.sh`).
pub fn data_machine() -> crate::wire::Raw {
    use crate::wire::Machine;
    let mut raw = crate::wire::Raw::new();
    raw.inbox().set_read_size(DATA_READ_SIZE);
    raw
}

/// The largest read of a data connection made by [`data_machine`].
pub const DATA_READ_SIZE: usize = 256 * 1024;

/// TYPE A on receipt: CRLF becomes LF, across chunk boundaries; a CR not
/// followed by LF is kept.
///
/// ```
/// use sanswire::ftp::AsciiDecoder;
/// let mut d = AsciiDecoder::default();
/// let mut out = Vec::new();
/// d.decode(b"a\r", &mut out);
/// d.decode(b"\nb\rc\r\n", &mut out);
/// d.finish(&mut out);
/// assert_eq!(out, b"a\nb\rc\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct AsciiDecoder {
    held_cr: bool,
}

impl AsciiDecoder {
    /// Appends `data` with its CRLFs turned into LFs.
    pub fn decode(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        if self.held_cr {
            self.held_cr = false;
            if data.first() != Some(&b'\n') {
                out.push(b'\r');
            }
        }
        while let Some(cr) = memchr::memchr(b'\r', data) {
            out.extend_from_slice(&data[..cr]);
            match data.get(cr + 1) {
                Some(b'\n') => {}
                Some(_) => out.push(b'\r'),
                None => self.held_cr = true,
            }
            data = &data[cr + 1..];
        }
        out.extend_from_slice(data);
    }

    /// The end of the data: a CR held back is written.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if core::mem::take(&mut self.held_cr) {
            out.push(b'\r');
        }
    }
}

/// TYPE A on sending: every LF not already after a CR becomes CRLF.
///
/// ```
/// use sanswire::ftp::AsciiEncoder;
/// let mut e = AsciiEncoder::default();
/// let mut out = Vec::new();
/// e.encode(b"a\nb\r", &mut out);
/// e.encode(b"\nc\n", &mut out);
/// assert_eq!(out, b"a\r\nb\r\nc\r\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct AsciiEncoder {
    after_cr: bool,
}

impl AsciiEncoder {
    /// Appends `data` with bare LFs turned into CRLF.
    pub fn encode(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        while let Some(lf) = memchr::memchr(b'\n', data) {
            out.extend_from_slice(&data[..lf]);
            let prev_cr = if lf == 0 {
                self.after_cr
            } else {
                data[lf - 1] == b'\r'
            };
            if !prev_cr {
                out.push(b'\r');
            }
            out.push(b'\n');
            self.after_cr = false;
            data = &data[lf + 1..];
        }
        if let Some(&last) = data.last() {
            self.after_cr = last == b'\r';
        }
        out.extend_from_slice(data);
    }

    /// Encodes `data` into a fresh buffer.
    pub fn encode_bytes(&mut self, data: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(data.len() + data.len() / 32);
        self.encode(data, &mut out);
        out.into()
    }
}
