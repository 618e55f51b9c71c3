//! Whole exchanges of a Telnet client, written once and run by any
//! driver (see [`Operation`]): the typed sessions (`io::telnet::Client`
//! and its async twins) are thin loops around these.
//!
//! Telnet has no greeting and no refusals: a refused option is the
//! outcome `false` of [`Negotiate`]. Events an operation does not take
//! (commands, option changes the peer started, subnegotiations) are
//! passed, in order, to the driver, which keeps them for its caller.
//!
//! ```
//! use sanswire::telnet::{ops, option, Client, Side};
//! use sanswire::wire::{Machine, OpStep, Operation};
//! let mut client = Client::new();
//! let mut ask = ops::Negotiate::enable(option::SGA, Side::Remote);
//! ask.start(&mut client).unwrap();
//! assert_eq!(client.outbox().take_vec(), b"\xff\xfd\x03"); // DO SGA
//! assert_eq!(ask.sent(&mut client), None); // waits for the answer
//! client.receive(b"\xff\xfb\x03"); // WILL SGA
//! let event = client.poll_event().unwrap().event().unwrap();
//! assert_eq!(ask.on_event(&mut client, event).unwrap(), OpStep::Done(true));
//! ```

use super::{Client, Command, Error, Event, QState, Side};
use crate::wire::{Nothing, OpStep, Operation, Protocol};
use bytes::Bytes;
use core::convert::Infallible;

/// Telnet as the typed sessions see it: the client machine, no greeting,
/// nothing refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct TelnetClient;

impl Protocol for TelnetClient {
    type Machine = Client;
    type Refusal = Infallible;
    type Hello = Nothing;
    type Greeting = ();

    fn greeting(_: ()) -> Result<(), Infallible> {
        Ok(())
    }
}

type Step<T> = Result<OpStep<T, Event>, Error>;

/// Asks for an option on `side` to be enabled or disabled and waits for
/// the peer's answer (RFC 1143). The output: whether the option is in use
/// on that side afterwards (an option already where it was asked to be
/// needs no answer and completes at once).
#[derive(Debug, Clone, Copy)]
pub struct Negotiate {
    option: u8,
    side: Side,
    enable: bool,
}

impl Negotiate {
    /// Asks for `option` on `side` (`WILL` for ours, `DO` for the peer's).
    pub fn enable(option: u8, side: Side) -> Self {
        Negotiate {
            option,
            side,
            enable: true,
        }
    }

    /// Asks for `option` on `side` to stop (`WONT`, `DONT`).
    pub fn disable(option: u8, side: Side) -> Self {
        Negotiate {
            option,
            side,
            enable: false,
        }
    }

    fn is_mine(&self, option: u8, side: Side) -> bool {
        option == self.option && side == self.side
    }
}

impl Operation<Client> for Negotiate {
    type Output = bool;

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        if self.enable {
            client.enable(self.option, self.side)
        } else {
            client.disable(self.option, self.side)
        }
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<bool> {
        Ok(match event {
            Event::Enabled { option, side } if self.is_mine(option, side) => OpStep::Done(true),
            Event::Refused { option, side } | Event::Disabled { option, side }
                if self.is_mine(option, side) =>
            {
                OpStep::Done(false)
            }
            other => OpStep::Pass(other),
        })
    }

    fn sent(&mut self, client: &mut Client) -> Option<bool> {
        match client.state(self.option, self.side) {
            QState::Yes => Some(true),
            QState::No => Some(false),
            QState::WantNo(_) | QState::WantYes(_) => None,
        }
    }
}

/// The peer's next piece of data, unescaped (`None`: the peer closed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Read;

impl Operation<Client> for Read {
    type Output = Option<Bytes>;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<Option<Bytes>> {
        Ok(match event {
            Event::Data(data) => OpStep::Done(Some(data)),
            Event::End => OpStep::Done(None),
            other => OpStep::Pass(other),
        })
    }
}

/// The peer's next event of any kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct NextEvent;

impl Operation<Client> for NextEvent {
    type Output = Event;

    fn start(&mut self, _: &mut Client) -> Result<(), Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<Event> {
        Ok(OpStep::Done(event))
    }
}

/// Something queued on the machine, complete once it is written: data,
/// a command, our window size, our terminal types.
#[derive(Debug, Clone, Copy)]
pub struct Send<'a> {
    what: Sent<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Sent<'a> {
    Data(&'a [u8]),
    Command(Command),
    WindowSize(u16, u16),
    TerminalTypes(&'a [&'a str]),
}

impl<'a> Send<'a> {
    /// Data, `0xFF` escaped and bare CRs sent as CR NUL outside BINARY
    /// (end lines with CR LF).
    pub fn data(data: &'a [u8]) -> Self {
        Send {
            what: Sent::Data(data),
        }
    }

    /// A command (`IAC AYT`, `IAC IP`, ...).
    pub fn command(command: Command) -> Self {
        Send {
            what: Sent::Command(command),
        }
    }

    /// Our window size (NAWS): sent now if NAWS is enabled on our side,
    /// and whenever it gets enabled.
    pub fn window_size(width: u16, height: u16) -> Self {
        Send {
            what: Sent::WindowSize(width, height),
        }
    }

    /// Our terminal types for the TTYPE cycle, most specific first.
    pub fn terminal_types(types: &'a [&'a str]) -> Self {
        Send {
            what: Sent::TerminalTypes(types),
        }
    }
}

impl Operation<Client> for Send<'_> {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        match self.what {
            Sent::Data(data) => client.send_data(data),
            Sent::Command(command) => client.send_command(command),
            Sent::WindowSize(width, height) => client.set_window_size(width, height),
            Sent::TerminalTypes(types) => client.set_terminal_types(types),
        }
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<()> {
        Ok(OpStep::Pass(event))
    }

    fn sent(&mut self, _: &mut Client) -> Option<()> {
        Some(())
    }
}

/// Closes our sending side, then waits for the peer to close its own;
/// what it sends meanwhile is passed to the driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct Close;

impl Operation<Client> for Close {
    type Output = ();

    fn start(&mut self, client: &mut Client) -> Result<(), Error> {
        client.close();
        Ok(())
    }

    fn on_event(&mut self, _: &mut Client, event: Event) -> Step<()> {
        Ok(match event {
            Event::End => OpStep::Done(()),
            other => OpStep::Pass(other),
        })
    }
}
