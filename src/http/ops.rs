//! Whole exchanges of the HTTP client, written once and run by any driver
//! (see [`Operation`]): the blocking and async typed clients are thin
//! loops around these.

use super::{Client, Error, Event, Request, Response};
use crate::wire::Operation;
use alloc::vec::Vec;
use bytes::Bytes;

/// Waits for the final response head, skipping informational (1xx)
/// responses other than `101 Switching Protocols`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResponseHead;

impl Operation<Client> for ResponseHead {
    type Output = Response;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Response>, Error> {
        Ok(match event {
            Event::Response(r) if is_final(&r) => Some(r),
            _ => None,
        })
    }
}

fn is_final(response: &Response) -> bool {
    response.status() >= 200 || response.status() == 101
}

/// The next piece of the response body: `Some(chunk)`, or `None` once the
/// body is complete (trailers are skipped).
#[derive(Debug, Default, Clone, Copy)]
pub struct BodyChunk;

impl Operation<Client> for BodyChunk {
    type Output = Option<Bytes>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Option<Bytes>>, Error> {
        Ok(match event {
            Event::Data(d) => Some(Some(d)),
            Event::End | Event::Closed => Some(None),
            _ => None,
        })
    }
}

/// Sends a whole request and collects the whole response. A body is framed
/// with `Content-Length` unless the request already says how.
#[derive(Debug, Clone)]
pub struct Fetch {
    request: Request,
    body: Option<Bytes>,
    response: Option<Response>,
    content: Vec<u8>,
}

impl Fetch {
    /// The exchange for `request` with an optional body.
    pub fn new(request: Request, body: Option<Bytes>) -> Self {
        Fetch {
            request,
            body,
            response: None,
            content: Vec::new(),
        }
    }
}

impl Operation<Client> for Fetch {
    type Output = (Response, Vec<u8>);

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        if let Some(body) = &self.body {
            let h = self.request.headers();
            if h.get("content-length").is_none() && h.get("transfer-encoding").is_none() {
                let len = alloc::format!("{}", body.len());
                self.request.headers_mut().push("Content-Length", len);
            }
        }
        client.send_request(&self.request)?;
        if let Some(body) = self.body.take() {
            client.send_data(body)?;
        }
        client.send_end(None)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<Option<Self::Output>, Error> {
        match event {
            Event::Response(r) if self.response.is_none() && is_final(&r) => {
                self.response = Some(r)
            }
            Event::Data(d) => self.content.extend_from_slice(&d),
            Event::End | Event::Closed => {
                if let Some(r) = self.response.take() {
                    return Ok(Some((r, core::mem::take(&mut self.content))));
                }
            }
            _ => {}
        }
        Ok(None)
    }
}

/// Sends a request head and waits for nothing: follow with [`SendBody`]
/// and [`Finish`], then [`ResponseHead`].
#[derive(Debug, Clone, Copy)]
pub struct SendHead<'a>(pub &'a Request);

impl Operation<Client> for SendHead<'_> {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send_request(self.0)
    }

    fn on_event(&mut self, _: &mut Client, _: Event) -> Result<Option<()>, Error> {
        Ok(None)
    }

    fn sent(&mut self, _: &mut Client) -> Option<()> {
        Some(())
    }
}

/// Sends a piece of the request body (queued, not copied) and waits for
/// nothing.
#[derive(Debug, Clone)]
pub struct SendBody(pub Bytes);

impl Operation<Client> for SendBody {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send_data(core::mem::take(&mut self.0))
    }

    fn on_event(&mut self, _: &mut Client, _: Event) -> Result<Option<()>, Error> {
        Ok(None)
    }

    fn sent(&mut self, _: &mut Client) -> Option<()> {
        Some(())
    }
}

/// Ends the request body and waits for nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Finish;

impl Operation<Client> for Finish {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send_end(None)
    }

    fn on_event(&mut self, _: &mut Client, _: Event) -> Result<Option<()>, Error> {
        Ok(None)
    }

    fn sent(&mut self, _: &mut Client) -> Option<()> {
        Some(())
    }
}
