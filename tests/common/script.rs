//! A scripted stream for the typed-client tests: it answers with fixed
//! server bytes, a few at a time (so every operation sees split input), and
//! records what the client writes. Blocking and futures-io alike.
#![allow(dead_code)]

use futures_lite::io::{AsyncRead, AsyncWrite};
use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

pub struct Script {
    input: std::io::Cursor<Vec<u8>>,
    pub written: Vec<u8>,
}

impl Script {
    pub fn new(server: &[u8]) -> Self {
        Script {
            input: std::io::Cursor::new(server.to_vec()),
            written: Vec::new(),
        }
    }
}

/// Never times out, and half-closes as a no-op.
impl sanswire::io::Socket for Script {}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(5);
        self.input.read(&mut buf[..n])
    }
}

impl Write for Script {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for Script {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Read::read(self.get_mut(), buf))
    }
}

impl AsyncWrite for Script {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Write::write(self.get_mut(), buf))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
