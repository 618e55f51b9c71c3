//! Whole exchanges of the Gopher client, written once and run by any
//! driver (see [`Operation`]): the typed sessions (`io::gopher::Client`
//! and its async twins) are thin loops around these.
//!
//! A Gopher+ error answer (`--1`, `--2`, `-N`) is the operation's
//! outcome, `Err(`[`Refusal`]`)`, not an error of the machine.
//!
//! ```
//! use sanswire::gopher::{ops, Client, ItemType, Request};
//! use sanswire::wire::{Machine, OpStep, Operation};
//! let mut client = Client::new();
//! let mut menu = ops::FetchMenu::new(Request::new(""));
//! menu.start(&mut client).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"\r\n");
//! client.receive(b"1Docs\t/docs\th\t70\r\n.\r\n");
//! let mut out = None;
//! while out.is_none() {
//!     let ev = client.poll_event().unwrap().event().unwrap();
//!     if let OpStep::Done(items) = menu.on_event(&mut client, ev).unwrap() {
//!         out = Some(items);
//!     }
//! }
//! assert_eq!(out.unwrap().unwrap()[0].kind, ItemType::Menu);
//! ```

use super::{
    parse_attributes, Attribute, Body, Client, Error, ErrorKind, Event, Item, Refusal, Request,
};
use crate::wire::{CommandId, Correlate, Nothing, OpStep, Operation, Protocol};
use alloc::vec::Vec;
use bytes::Bytes;

/// Gopher as the typed sessions see it: no greeting, one request per
/// connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gopher;

impl Protocol for Gopher {
    type Machine = Client;
    type Refusal = Refusal;
    type Hello = Nothing;
    type Greeting = ();

    fn greeting(_: ()) -> Result<(), Refusal> {
        Ok(())
    }
}

type Step<T> = OpStep<Result<T, Refusal>, Event>;

/// What every collecting operation shares: the request, its id, and a
/// Gopher+ error's text.
#[derive(Debug, Clone)]
struct Exchange {
    request: Request,
    body: Body,
    id: Option<CommandId>,
    /// A Gopher+ error header came: its text is collected here.
    error: Option<Vec<u8>>,
}

impl Exchange {
    fn new(request: Request, body: Body) -> Self {
        Exchange {
            request,
            body,
            id: None,
            error: None,
        }
    }

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.id = Some(client.get(&self.request, self.body)?);
        Ok(())
    }

    /// Sorts an event: the answer's own for the caller to collect, taken
    /// here (a header, an error's text), or another request's.
    fn own(&mut self, client: &Client, event: Event) -> Owned {
        if !client.is_reply_to(self.id) {
            return Owned::Other(event);
        }
        match (event, &mut self.error) {
            (Event::Header(h), _) if !h.ok => {
                self.error = Some(Vec::new());
                Owned::Taken
            }
            (Event::Header(_), _) => Owned::Taken,
            (Event::Data(d), Some(text)) => {
                // An error's text is short; keep its first 4 KiB.
                if text.len() < 4096 {
                    text.extend_from_slice(&d[..d.len().min(4096 - text.len())]);
                }
                Owned::Taken
            }
            (other, _) => Owned::Mine(other),
        }
    }

    fn refusal(&mut self) -> Option<Refusal> {
        self.error.take().map(|text| Refusal::parse(&text))
    }
}

/// What [`Exchange::own`] made of an event.
enum Owned {
    /// The answer's, for the operation to collect.
    Mine(Event),
    /// Taken by the exchange itself.
    Taken,
    /// Another request's: passed.
    Other(Event),
}

/// Fetches a text file or a binary whole (bounded by
/// [`Limits::max_collected`](super::Limits::max_collected)).
#[derive(Debug, Clone)]
pub struct Fetch {
    exchange: Exchange,
    data: Vec<u8>,
}

impl Fetch {
    /// Sends `request` and reads its answer as `body` (`Body::Binary` for
    /// the raw bytes, as curl prints them).
    pub fn new(request: Request, body: Body) -> Self {
        Fetch {
            exchange: Exchange::new(request, body),
            data: Vec::new(),
        }
    }
}

impl Operation<Client> for Fetch {
    type Output = Result<Vec<u8>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.exchange.start(client)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<u8>>, Error> {
        let event = match self.exchange.own(client, event) {
            Owned::Other(other) => return Ok(OpStep::Pass(other)),
            Owned::Taken => return Ok(OpStep::Continue),
            Owned::Mine(e) => e,
        };
        match event {
            Event::Data(d) => {
                let limit = client.limits().max_collected;
                if self.data.len() + d.len() > limit {
                    return Err(ErrorKind::TooMuchPipelined { limit }.into());
                }
                self.data.extend_from_slice(&d);
                Ok(OpStep::Continue)
            }
            Event::Item(item) => {
                // A menu fetched as text: its line, as sent.
                let _ = item.write_line(&mut self.data);
                Ok(OpStep::Continue)
            }
            Event::End => Ok(OpStep::Done(match self.exchange.refusal() {
                Some(r) => Err(r),
                None => Ok(core::mem::take(&mut self.data)),
            })),
            Event::Header(_) => Ok(OpStep::Continue),
        }
    }
}

/// Fetches a menu (or a search's answer) as items (bounded by
/// [`Limits::max_menu_items`](super::Limits::max_menu_items)).
#[derive(Debug, Clone)]
pub struct FetchMenu {
    exchange: Exchange,
    items: Vec<Item>,
}

impl FetchMenu {
    /// Sends `request` (a selector, or a search with its query) and reads
    /// a menu.
    pub fn new(request: Request) -> Self {
        FetchMenu {
            exchange: Exchange::new(request, Body::Menu),
            items: Vec::new(),
        }
    }
}

impl Operation<Client> for FetchMenu {
    type Output = Result<Vec<Item>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.exchange.start(client)
    }

    fn on_event(&mut self, client: &mut Client, event: Event) -> Result<Step<Vec<Item>>, Error> {
        let event = match self.exchange.own(client, event) {
            Owned::Other(other) => return Ok(OpStep::Pass(other)),
            Owned::Taken => return Ok(OpStep::Continue),
            Owned::Mine(e) => e,
        };
        match event {
            Event::Item(item) => {
                let limit = client.limits().max_menu_items;
                if self.items.len() >= limit {
                    return Err(ErrorKind::TooManyItems { limit }.into());
                }
                self.items.push(item);
                Ok(OpStep::Continue)
            }
            Event::End => Ok(OpStep::Done(match self.exchange.refusal() {
                Some(r) => Err(r),
                None => Ok(core::mem::take(&mut self.items)),
            })),
            // A `+N` menu comes as data: not collected as items.
            Event::Data(_) | Event::Header(_) => Ok(OpStep::Continue),
        }
    }
}

/// Fetches Gopher+ attribute blocks (a `!` or `$` request).
#[derive(Debug, Clone)]
pub struct FetchAttributes {
    fetch: Fetch,
}

impl FetchAttributes {
    /// Sends `request`, whose [`Plus`](super::Plus) should be
    /// `Attributes` or `Directory`.
    pub fn new(request: Request) -> Self {
        FetchAttributes {
            fetch: Fetch::new(request, Body::Text),
        }
    }
}

impl Operation<Client> for FetchAttributes {
    type Output = Result<Vec<Attribute>, Refusal>;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        self.fetch.start(client)
    }

    fn on_event(
        &mut self,
        client: &mut Client,
        event: Event,
    ) -> Result<Step<Vec<Attribute>>, Error> {
        Ok(match self.fetch.on_event(client, event)? {
            OpStep::Done(Ok(data)) => {
                let data = Bytes::from(data);
                OpStep::Done(Ok(parse_attributes(&data).collect()))
            }
            OpStep::Done(Err(r)) => OpStep::Done(Err(r)),
            OpStep::Continue => OpStep::Continue,
            OpStep::Pass(e) => OpStep::Pass(e),
        })
    }
}
