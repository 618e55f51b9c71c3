//! The Telnet machine: one type for either end, with default policies
//! chosen by the role.

use super::command::{option as opt, Command, IAC};
#[cfg(feature = "deflate")]
use super::command::{SB, SE};
use super::decode::{Decoder, Item};
use super::qmethod::{Change, Options, Policy, QState, Side};
use super::sub::{self, naws, Environ, IsSend, Linemode, MsdpValue};
use super::{encode, Error, ErrorKind, Limits};
use crate::wire::{ByteMachine, Conn, Machine, Next, Payload};
use alloc::vec::Vec;
use bytes::Bytes;
use core::marker::PhantomData;

/// What a Telnet machine reports.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Data from the peer, unescaped (`IAC IAC` is one 0xFF; outside
    /// BINARY, CR NUL is CR), as a slice of the receive buffer.
    Data(Bytes),
    /// A command (GA, EOR, AYT, IP, AO, BRK, EL, EC, NOP, DM, or garbage
    /// after IAC).
    Command(Command),
    /// An option is now in use on `side` (the peer agreed to our request,
    /// or we agreed to its).
    Enabled {
        /// The option code ([`option`](super::option)).
        option: u8,
        /// Whose side.
        side: Side,
    },
    /// An option is no longer in use on `side`.
    Disabled {
        /// The option code.
        option: u8,
        /// Whose side.
        side: Side,
    },
    /// The peer refused our request to enable an option on `side`.
    Refused {
        /// The option code.
        option: u8,
        /// Whose side.
        side: Side,
    },
    /// The peer's window size (NAWS), in characters; 0 means unknown.
    WindowSize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// The peer's terminal type (`TTYPE IS`), as sent: untrusted bytes.
    TerminalType(Bytes),
    /// Any other subnegotiation for an option in use on either side, its
    /// payload unescaped; [`sub`](super::sub) parses the common ones.
    Subnegotiation {
        /// The option code.
        option: u8,
        /// The bytes between `IAC SB option` and `IAC SE`.
        payload: Bytes,
    },
    /// The peer's stream is MCCP2-compressed from here on (feature
    /// `deflate`).
    CompressionStarted,
    /// The peer's compressed stream ended; plain Telnet follows.
    CompressionEnded,
    /// The peer closed the connection.
    End,
}

mod sealed {
    pub trait Sealed {}
}

/// Which end a [`Telnet`] machine plays: it chooses the default policies
/// (sealed: [`ClientRole`] or [`ServerRole`]).
pub trait Role: sealed::Sealed + core::fmt::Debug + Send + 'static {
    /// The options the role agrees to by default.
    const DEFAULTS: &'static [(u8, Policy)];
}

/// The client's defaults: the server may ECHO, SGA, EOR, BINARY (and
/// MCCP2 with feature `deflate`); we offer TTYPE, NAWS, SGA and BINARY.
#[derive(Debug)]
pub struct ClientRole;
/// The server's defaults: we may ECHO, SGA, EOR and BINARY; the client
/// may TTYPE, NAWS, SGA and BINARY.
#[derive(Debug)]
pub struct ServerRole;

impl sealed::Sealed for ClientRole {}
impl sealed::Sealed for ServerRole {}

impl Role for ClientRole {
    const DEFAULTS: &'static [(u8, Policy)] = &[
        (opt::BINARY, Policy::BOTH),
        (opt::ECHO, Policy::REMOTE),
        (opt::SGA, Policy::BOTH),
        (opt::EOR, Policy::REMOTE),
        (opt::TTYPE, Policy::LOCAL),
        (opt::NAWS, Policy::LOCAL),
        #[cfg(feature = "deflate")]
        (opt::MCCP2, Policy::REMOTE),
    ];
}

impl Role for ServerRole {
    const DEFAULTS: &'static [(u8, Policy)] = &[
        (opt::BINARY, Policy::BOTH),
        (opt::ECHO, Policy::LOCAL),
        (opt::SGA, Policy::BOTH),
        (opt::EOR, Policy::LOCAL),
        (opt::TTYPE, Policy::REMOTE),
        (opt::NAWS, Policy::REMOTE),
    ];
}

/// A Telnet client: [`Telnet`] with the client's default policies.
pub type Client = Telnet<ClientRole>;
/// A Telnet server: [`Telnet`] with the server's default policies.
pub type Server = Telnet<ServerRole>;

/// A Telnet connection (RFC 854, 855) at either end, negotiating by RFC
/// 1143's Q method: answers to the peer's `WILL`/`WONT`/`DO`/`DONT` are
/// written to the outbox as they are read, by the policy of each option
/// ([`set_policy`](Self::set_policy)); the application asks with
/// [`enable`](Self::enable) / [`disable`](Self::disable) and learns the
/// outcome from [`Event::Enabled`], [`Event::Refused`] and
/// [`Event::Disabled`].
///
/// Handled by the machine itself: BINARY (the NVT's CR NUL rules apply
/// outside it, each way), the TTYPE cycle (answers to `SEND` from
/// [`set_terminal_types`](Self::set_terminal_types)), NAWS (our size goes
/// out when the option is enabled and on
/// [`set_window_size`](Self::set_window_size); the peer's is an
/// [`Event::WindowSize`]), and MCCP2 (feature `deflate`).
///
/// ```
/// use sanswire::telnet::{option, Client, Event, Server, Side};
/// use sanswire::wire::{Machine, Next};
/// let mut server = Server::new();
/// server.enable(option::ECHO, Side::Local).unwrap();
/// server.enable(option::NAWS, Side::Remote).unwrap();
/// let mut client = Client::new();
/// client.set_window_size(80, 24).unwrap();
/// client.receive(&server.outbox().take_vec()); // IAC WILL ECHO IAC DO NAWS
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::Enabled { option: option::ECHO, side: Side::Remote })));
/// assert_eq!(client.poll_event(), Ok(Next::Event(Event::Enabled { option: option::NAWS, side: Side::Local })));
/// server.receive(&client.outbox().take_vec()); // DO ECHO, WILL NAWS, SB NAWS
/// let mut seen = vec![];
/// while let Ok(Next::Event(e)) = server.poll_event() { seen.push(e) }
/// assert!(seen.contains(&Event::WindowSize { width: 80, height: 24 }));
/// ```
#[derive(Debug)]
pub struct Telnet<R: Role> {
    conn: Conn<Error>,
    options: Options,
    decoder: Decoder,
    limits: Limits,
    /// Our terminal types for the TTYPE cycle, and the next one to send.
    terminal_types: Vec<Bytes>,
    next_type: usize,
    window: Option<(u16, u16)>,
    /// Our `IS` answers to `SEND` for TSPEED and XDISPLOC, when set.
    answers: Vec<(u8, Bytes)>,
    ended: bool,
    inflating: bool,
    role: PhantomData<R>,
}

impl<R: Role> Default for Telnet<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Role> Telnet<R> {
    /// A machine with the role's default policies and default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A machine with the role's default policies and `limits`.
    pub fn with_limits(limits: Limits) -> Self {
        let mut options = Options::new();
        for &(option, policy) in R::DEFAULTS {
            options.set_policy(option, policy);
        }
        Telnet {
            conn: Conn::new(),
            options,
            decoder: Decoder::default(),
            limits,
            terminal_types: Vec::new(),
            next_type: 0,
            window: None,
            answers: Vec::new(),
            ended: false,
            inflating: false,
            role: PhantomData,
        }
    }

    // ------------------------------------------------------ negotiation

    /// Which sides of `option` we agree to when the peer asks.
    pub fn set_policy(&mut self, option: u8, policy: Policy) {
        self.options.set_policy(option, policy);
    }

    /// The policy for `option`.
    pub fn policy(&self, option: u8) -> Policy {
        self.options.policy(option)
    }

    /// The Q-method state of one side of `option`.
    pub fn state(&self, option: u8, side: Side) -> QState {
        self.options.state(option, side)
    }

    /// Whether `option` is in use on `side`.
    pub fn is_enabled(&self, option: u8, side: Side) -> bool {
        self.options.state(option, side) == QState::Yes
    }

    /// Asks for `option` on `side` (`WILL` for ours, `DO` for the peer's)
    /// and allows it in the policy; the answer comes as
    /// [`Event::Enabled`] or [`Event::Refused`]. Asking again while a
    /// request is under way, or for what is enabled, sends nothing.
    pub fn enable(&mut self, option: u8, side: Side) -> Result<(), Error> {
        self.check_sending()?;
        let mut policy = self.options.policy(option);
        match side {
            Side::Local => policy.local = true,
            Side::Remote => policy.remote = true,
        }
        self.options.set_policy(option, policy);
        self.request(option, side, true);
        Ok(())
    }

    /// Asks to stop `option` on `side`; [`Event::Disabled`] follows.
    pub fn disable(&mut self, option: u8, side: Side) -> Result<(), Error> {
        self.check_sending()?;
        self.request(option, side, false);
        Ok(())
    }

    fn request(&mut self, option: u8, side: Side, enable: bool) {
        let (send, _) = self.options.request(option, side, enable);
        if let Some(bytes) = send {
            self.conn.outbox.write(&bytes);
        }
    }

    // ------------------------------------------------------------ send

    /// Queues data, `0xFF` escaped and, outside BINARY, bare CRs sent as
    /// CR NUL (send lines with CR LF).
    pub fn send_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_sending()?;
        let binary = self.is_enabled(opt::BINARY, Side::Local);
        encode::data(&mut self.conn.outbox, data, binary);
        Ok(())
    }

    /// Like [`send_data`](Self::send_data), without copying the runs
    /// that need no escape.
    pub fn send(&mut self, data: Bytes) -> Result<(), Error> {
        self.check_sending()?;
        let binary = self.is_enabled(opt::BINARY, Side::Local);
        encode::data_bytes(&mut self.conn.outbox, data, binary);
        Ok(())
    }

    /// Queues a command (`IAC GA`, `IAC AYT`, a Synch's `IAC DM`, ...).
    pub fn send_command(&mut self, command: Command) -> Result<(), Error> {
        self.check_sending()?;
        self.conn.outbox.write(&[IAC, command.code()]);
        Ok(())
    }

    /// Queues `IAC SB option payload IAC SE`, the payload escaped, for an
    /// option in use on either side.
    pub fn send_subnegotiation(&mut self, option: u8, payload: &[u8]) -> Result<(), Error> {
        self.check_sending()?;
        if !self.in_use(option) {
            return Err(ErrorKind::OutOfSequence.into());
        }
        encode::sub(&mut self.conn.outbox, option, payload);
        Ok(())
    }

    /// Our window size for NAWS: sent now if NAWS is enabled on our side,
    /// and whenever it gets enabled.
    pub fn set_window_size(&mut self, width: u16, height: u16) -> Result<(), Error> {
        self.check_sending()?;
        self.window = Some((width, height));
        if self.is_enabled(opt::NAWS, Side::Local) {
            self.send_window();
        }
        Ok(())
    }

    fn send_window(&mut self) {
        if let Some((w, h)) = self.window {
            encode::sub(&mut self.conn.outbox, opt::NAWS, &naws::encode(w, h));
        }
    }

    /// Our terminal types for TTYPE, most specific first (`xterm-256color`,
    /// `xterm`, ...). Each `SEND` from the peer gets the next; after the
    /// last the last is sent again (the end of the list, RFC 1091), then
    /// the cycle starts over. Without any, we answer `UNKNOWN`.
    pub fn set_terminal_types(&mut self, types: &[&str]) -> Result<(), Error> {
        let bad = |t: &&str| t.is_empty() || t.bytes().any(|b| !b.is_ascii_graphic());
        if types.len() > self.limits.max_terminal_types || types.iter().any(bad) {
            return Err(ErrorKind::InvalidArgument.into());
        }
        self.terminal_types = types
            .iter()
            .map(|t| Bytes::copy_from_slice(t.as_bytes()))
            .collect();
        self.next_type = 0;
        Ok(())
    }

    /// Our terminal speed for TSPEED (RFC 1079), in bits per second:
    /// the answer to the peer's `SEND`; allows TSPEED on our side.
    pub fn set_terminal_speed(&mut self, transmit: u32, receive: u32) -> Result<(), Error> {
        let text = alloc::format!("{transmit},{receive}");
        self.set_answer(opt::TSPEED, text.as_bytes())
    }

    /// Our X display for XDISPLOC (RFC 1096), `host:display[.screen]`:
    /// the answer to the peer's `SEND`; allows XDISPLOC on our side.
    pub fn set_x_display(&mut self, display: &str) -> Result<(), Error> {
        if display.is_empty() || !display.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ErrorKind::InvalidArgument.into());
        }
        self.set_answer(opt::XDISPLOC, display.as_bytes())
    }

    fn set_answer(&mut self, option: u8, text: &[u8]) -> Result<(), Error> {
        self.answers.retain(|(o, _)| *o != option);
        self.answers.push((option, Bytes::copy_from_slice(text)));
        let mut policy = self.options.policy(option);
        policy.local = true;
        self.options.set_policy(option, policy);
        Ok(())
    }

    /// Asks the peer for its terminal speed (`TSPEED SEND`); the answer
    /// is an [`Event::Subnegotiation`] for [`sub::parse_is_send`] and
    /// [`sub::parse_tspeed`].
    pub fn request_terminal_speed(&mut self) -> Result<(), Error> {
        self.ask(opt::TSPEED)
    }

    /// Asks the peer for its X display (`XDISPLOC SEND`); the answer is
    /// an [`Event::Subnegotiation`] for [`sub::parse_is_send`].
    pub fn request_x_display(&mut self) -> Result<(), Error> {
        self.ask(opt::XDISPLOC)
    }

    /// Asks the peer for its (next) terminal type (`TTYPE SEND`); the
    /// answer is an [`Event::TerminalType`]. TTYPE must be enabled on the
    /// peer's side.
    pub fn request_terminal_type(&mut self) -> Result<(), Error> {
        self.ask(opt::TTYPE)
    }

    /// Asks the peer for its environment (`NEW-ENVIRON SEND`, all
    /// variables); the answer is an [`Event::Subnegotiation`] that
    /// [`Environ::parse`] reads. What comes back is the peer's claim,
    /// nothing more: never pass it to a program as an argument
    /// (CVE-2026-24061).
    pub fn request_environ(&mut self) -> Result<(), Error> {
        self.ask(opt::NEW_ENVIRON)
    }

    /// Sends `SEND` for a TTYPE-like option the peer has enabled.
    fn ask(&mut self, option: u8) -> Result<(), Error> {
        self.check_sending()?;
        if !self.is_enabled(option, Side::Remote) {
            return Err(ErrorKind::OutOfSequence.into());
        }
        encode::sub(&mut self.conn.outbox, option, &[sub::SEND]);
        Ok(())
    }

    /// Sends our environment (`NEW-ENVIRON IS` or `INFO`).
    pub fn send_environ(&mut self, env: &Environ) -> Result<(), Error> {
        self.send_subnegotiation(opt::NEW_ENVIRON, &env.encode())
    }

    /// Sends a GMCP message: `package` (`Core.Hello`) and its JSON
    /// (empty for none; not checked).
    pub fn send_gmcp(&mut self, package: &str, json: &[u8]) -> Result<(), Error> {
        self.check_sending()?;
        if package.is_empty() || !package.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ErrorKind::InvalidArgument.into());
        }
        if !self.in_use(opt::GMCP) {
            return Err(ErrorKind::OutOfSequence.into());
        }
        let space: &[u8] = if json.is_empty() { b"" } else { b" " };
        encode::sub_parts(
            &mut self.conn.outbox,
            opt::GMCP,
            &[package.as_bytes(), space, json],
        );
        Ok(())
    }

    /// Sends MSSP variables (server).
    pub fn send_mssp(&mut self, vars: &[(&str, &[&str])]) -> Result<(), Error> {
        let payload = sub::encode_mssp(vars).ok_or(Error::new(ErrorKind::InvalidArgument))?;
        self.send_subnegotiation(opt::MSSP, &payload)
    }

    /// Sends one MSDP variable.
    pub fn send_msdp(&mut self, name: &str, value: &MsdpValue) -> Result<(), Error> {
        let mut payload = Vec::new();
        sub::encode_msdp(&mut payload, name.as_bytes(), value)
            .ok_or(Error::new(ErrorKind::InvalidArgument))?;
        self.send_subnegotiation(opt::MSDP, &payload)
    }

    /// Sends a LINEMODE message (MODE, FORWARDMASK, SLC).
    pub fn send_linemode(&mut self, message: &Linemode<'_>) -> Result<(), Error> {
        self.send_subnegotiation(opt::LINEMODE, &message.encode())
    }

    /// Starts compressing what we send (MCCP2, feature `deflate`): MCCP2
    /// must be enabled on our side (the peer sent `DO MCCP2`). Writes
    /// `IAC SB MCCP2 IAC SE`; everything queued after it is compressed.
    #[cfg(feature = "deflate")]
    pub fn start_compression(&mut self) -> Result<(), Error> {
        self.check_sending()?;
        if !self.is_enabled(opt::MCCP2, Side::Local) || self.conn.outbox.has_encoder() {
            return Err(ErrorKind::OutOfSequence.into());
        }
        self.conn.outbox.write(&[IAC, SB, opt::MCCP2, IAC, SE]);
        self.conn
            .outbox
            .push_encoder(alloc::boxed::Box::new(crate::wire::Deflate::new(
                crate::wire::Format::Zlib,
                6,
            )));
        Ok(())
    }

    /// Ends our compressed stream (MCCP2): what is queued after is plain.
    /// Also done when the peer sends `DONT MCCP2`.
    #[cfg(feature = "deflate")]
    pub fn end_compression(&mut self) -> Result<(), Error> {
        self.conn
            .outbox
            .pop_encoder()
            .map_err(|_| Error::new(ErrorKind::BadCompression))
    }

    /// Whether the peer's stream is being decompressed (MCCP2).
    pub fn is_decompressing(&self) -> bool {
        self.inflating
    }

    /// Nothing more will be sent: the driver closes our side once the
    /// outbox is written. Reading goes on until the peer closes.
    pub fn close(&mut self) {
        self.conn.close_send();
    }

    /// The limits this machine enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn in_use(&self, option: u8) -> bool {
        self.is_enabled(option, Side::Local) || self.is_enabled(option, Side::Remote)
    }

    fn check_sending(&self) -> Result<(), Error> {
        self.conn.check()?;
        if !self.conn.may_send() {
            return Err(ErrorKind::OutOfSequence.into());
        }
        Ok(())
    }

    // ---------------------------------------------------------- receive

    /// A verb from the peer: answer by the tables, report what changed.
    fn negotiate(&mut self, verb: u8, option: u8) -> Option<Event> {
        let (send, change) = self.options.received(verb, option);
        if let Some(bytes) = send {
            self.conn.outbox.write(&bytes);
        }
        let side = match verb {
            super::command::WILL | super::command::WONT => Side::Remote,
            _ => Side::Local,
        };
        let change = change?;
        if change == Change::Enabled && side == Side::Local && option == opt::NAWS {
            self.send_window();
        }
        #[cfg(feature = "deflate")]
        if change == Change::Disabled && side == Side::Local && option == opt::MCCP2 {
            let _ = self.end_compression();
        }
        Some(match change {
            Change::Enabled => Event::Enabled { option, side },
            Change::Disabled => Event::Disabled { option, side },
            Change::Refused => Event::Refused { option, side },
        })
    }

    /// A subnegotiation from the peer; those for options in use on
    /// neither side are dropped (RFC 855).
    fn subnegotiation(&mut self, option: u8, payload: Bytes) -> Option<Event> {
        let local = self.is_enabled(option, Side::Local);
        let remote = self.is_enabled(option, Side::Remote);
        if !local && !remote {
            return None;
        }
        match option {
            opt::NAWS if remote => {
                let (width, height) = naws::parse(&payload).ok()?;
                Some(Event::WindowSize { width, height })
            }
            opt::TTYPE => match sub::parse_is_send(&payload).ok()? {
                IsSend::Send if local => {
                    self.answer_terminal_type();
                    None
                }
                IsSend::Is(_) if remote => Some(Event::TerminalType(payload.slice(1..))),
                _ => None,
            },
            opt::MCCP2 if remote => self.start_decompression(),
            opt::TSPEED | opt::XDISPLOC if local && payload[..] == [sub::SEND] => {
                if let Some((_, text)) = self.answers.iter().find(|(o, _)| *o == option) {
                    encode::sub_parts(&mut self.conn.outbox, option, &[&[sub::IS], text]);
                }
                None
            }
            _ => Some(Event::Subnegotiation { option, payload }),
        }
    }

    fn answer_terminal_type(&mut self) {
        let n = self.terminal_types.len();
        let name: &[u8] = match n {
            0 => b"UNKNOWN",
            _ => &self.terminal_types[self.next_type.min(n - 1)],
        };
        encode::sub_parts(&mut self.conn.outbox, opt::TTYPE, &[&[sub::IS], name]);
        self.next_type += 1;
        if self.next_type > n {
            self.next_type = 0;
        }
    }

    /// The peer's compressed stream ended and everything decoded from
    /// it has been handed out.
    fn compressed_part_read(&self) -> bool {
        let inbox = &self.conn.inbox;
        !inbox.has_decoder() && inbox.layer_end().is_some_and(|end| inbox.consumed() >= end)
    }

    #[cfg(feature = "deflate")]
    fn start_decompression(&mut self) -> Option<Event> {
        if self.inflating {
            return None;
        }
        self.conn
            .inbox
            .push_decoder(alloc::boxed::Box::new(crate::wire::Inflate::new(
                crate::wire::Format::Zlib,
            )));
        self.inflating = true;
        Some(Event::CompressionStarted)
    }

    #[cfg(not(feature = "deflate"))]
    fn start_decompression(&mut self) -> Option<Event> {
        None
    }
}

impl<R: Role> Machine for Telnet<R> {
    type Event = Event;
    type Error = Error;

    fn conn(&self) -> &Conn<Error> {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Conn<Error> {
        &mut self.conn
    }

    fn step(&mut self) -> Result<Next<Event>, Error> {
        loop {
            if self.ended {
                return Ok(Next::Paused);
            }
            // Before anything that looks at the inbox's position: the
            // command's bytes were consumed with the data before it.
            if let Some(Item::Command(c)) = self.decoder.take_pending() {
                return Ok(Next::Event(Event::Command(Command::from_code(c))));
            }
            if self.inflating && self.compressed_part_read() {
                self.inflating = false;
                return Ok(Next::Event(Event::CompressionEnded));
            }
            let binary = self.is_enabled(opt::BINARY, Side::Remote);
            let item = self
                .decoder
                .next(&mut self.conn.inbox, binary, self.limits.max_subnegotiation)
                .map_err(|_| Error::new(ErrorKind::SubnegotiationTooLong))?;
            let event = match item {
                Some(Item::Data(d)) => Some(Event::Data(d)),
                Some(Item::Command(c)) => Some(Event::Command(Command::from_code(c))),
                Some(Item::Verb(verb, option)) => self.negotiate(verb, option),
                Some(Item::Sub(option, payload)) => self.subnegotiation(option, payload),
                None if self.conn.inbox.is_eof() => {
                    // A sequence cut short by the close is dropped.
                    self.ended = true;
                    self.conn.close_recv();
                    Some(Event::End)
                }
                None => return Ok(Next::NeedInput),
            };
            if let Some(event) = event {
                return Ok(Next::Event(event));
            }
        }
    }
}

impl<R: Role> ByteMachine for Telnet<R> {
    fn payload(event: Event) -> Payload<Event> {
        match event {
            Event::Data(d) => Payload::Data(d),
            Event::End => Payload::End,
            other => Payload::Other(other),
        }
    }

    fn write_payload(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_data(data)
    }

    fn finish_payload(&mut self) {
        self.close();
    }
}
