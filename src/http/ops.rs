//! Whole exchanges of the HTTP client, written once and run by any driver
//! (see [`Operation`]): the blocking and async typed clients are thin
//! loops around these.
//!
//! Nothing an operation does not use is dropped: informational (1xx)
//! responses before the final one, trailers, and events of another
//! request are passed back ([`OpStep::Pass`]), and the driver hands them
//! to its caller (`Driver::next_event`, `Driver::take_passed`).

use super::{Client, Error, Event, Request, Response};
use crate::wire::{CommandId, Correlate, Nothing, OpStep, Operation, Protocol};
use alloc::vec::Vec;
use bytes::Bytes;

/// Waits for the final response head; informational (1xx) responses other
/// than `101 Switching Protocols` are passed back to the driver.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResponseHead;

impl Operation<Client> for ResponseHead {
    type Output = Response;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<OpStep<Response, Event>, Error> {
        Ok(match event {
            Event::Response(r) if is_final(&r) => OpStep::Done(r),
            other => OpStep::Pass(other),
        })
    }
}

fn is_final(response: &Response) -> bool {
    response.status() >= 200 || response.status() == 101
}

/// The next piece of the response body: `Some(chunk)`, or `None` once the
/// body is complete (trailers are passed back to the driver).
#[derive(Debug, Default, Clone, Copy)]
pub struct BodyChunk;

impl Operation<Client> for BodyChunk {
    type Output = Option<Bytes>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(
        &mut self,
        _: &mut Client,
        event: Event,
    ) -> Result<OpStep<Option<Bytes>, Event>, Error> {
        Ok(match event {
            Event::Data(d) => OpStep::Done(Some(d)),
            Event::End | Event::Closed => OpStep::Done(None),
            other => OpStep::Pass(other),
        })
    }
}

/// Sends a whole request and collects the whole response. A body is framed
/// with `Content-Length` unless the request already says how. Its 1xx
/// responses and trailers, and every event of another request, are passed
/// back to the driver.
#[derive(Debug, Clone)]
pub struct Fetch {
    request: Request,
    body: Option<Bytes>,
    response: Option<Response>,
    content: Vec<u8>,
    id: Option<CommandId>,
}

impl Fetch {
    /// The exchange for `request` with an optional body.
    pub fn new(request: Request, body: Option<Bytes>) -> Self {
        Fetch {
            request,
            body,
            response: None,
            content: Vec::new(),
            id: None,
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
        self.id = Some(client.send_request(&self.request)?);
        if let Some(body) = self.body.take() {
            client.send_data(body)?;
        }
        client.send_end(None)
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<OpStep<Self::Output, Event>, Error> {
        let own = client.is_reply_to(self.id);
        match event {
            Event::Response(r) if own && self.response.is_none() && is_final(&r) => {
                self.response = Some(r)
            }
            Event::Data(d) if own => self.content.extend_from_slice(&d),
            Event::End | Event::Closed if own || self.response.is_some() => {
                if let Some(r) = self.response.take() {
                    return Ok(OpStep::Done((r, core::mem::take(&mut self.content))));
                }
            }
            other => return Ok(OpStep::Pass(other)),
        }
        Ok(OpStep::Continue)
    }
}

/// Sends a request head and waits for nothing: follow with [`SendBody`]
/// and [`Finish`], then [`ResponseHead`].
#[derive(Debug, Clone, Copy)]
pub struct SendHead<'a>(pub &'a Request);

impl Operation<Client> for SendHead<'_> {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.send_request(self.0).map(drop)
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        Ok(OpStep::Pass(event))
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

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        Ok(OpStep::Pass(event))
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

    fn on_event(&mut self, _: &mut Client, event: Event) -> Result<OpStep<(), Event>, Error> {
        Ok(OpStep::Pass(event))
    }

    fn sent(&mut self, _: &mut Client) -> Option<()> {
        Some(())
    }
}

/// HTTP/1.1 as the typed sessions see it (see [`Protocol`]): no greeting,
/// and nothing is refused (a 4xx or 5xx is a response like any other).
#[derive(Debug, Clone, Copy, Default)]
pub struct Http;

impl Protocol for Http {
    type Machine = Client;
    type Refusal = core::convert::Infallible;
    type Hello = Nothing;
    type Greeting = ();

    fn greeting(out: ()) -> Result<(), Self::Refusal> {
        Ok(out)
    }
}
