//! What [`Operation`](super::Operation)s are made of besides the trait:
//! the step an operation takes for each event, command correlation, and
//! the description of a protocol that typed sessions are built on.

use super::{Machine, Operation};

/// What an [`Operation`](super::Operation) did with an event (see
/// [`Operation::on_event`](super::Operation::on_event)).
///
/// Named `OpStep` so it does not read like `io::Step`, the driving rule's
/// next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpStep<T, E> {
    /// The operation is complete; this is its output.
    Done(T),
    /// The event was the operation's own; it waits for more.
    Continue,
    /// The event is not the operation's (an IMAP untagged `EXPUNGE`, an
    /// HTTP `103 Early Hints`, the answer to a command queued before the
    /// operation started): the driver keeps it, in order, for its caller.
    Pass(E),
}

/// Which command an event answers: handed out by a client machine's send
/// methods (`pop3::Client::send`, `smtp::Client::send_mail`,
/// `http::Client::send_request`, ...), and reported back for every event
/// by [`Correlate::replying_to`], so an operation takes its own answer and
/// passes on any other. A plain number: copying it allocates nothing.
///
/// Ids count up from 1 on each machine (wrapping around, skipping 0);
/// [`CommandId::CONNECTION`] stands for the exchanges a machine runs by
/// itself, such as the greeting and an SMTP client's EHLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub u32);

impl CommandId {
    /// The connection's own exchanges: the server's greeting, and what the
    /// machine sends by itself (EHLO after the greeting or after STARTTLS).
    pub const CONNECTION: CommandId = CommandId(0);
}

/// Hands out [`CommandId`]s in order: what each client machine keeps to
/// number its commands.
///
/// ```
/// use sanswire::wire::{CommandId, CommandIds};
/// let mut ids = CommandIds::default();
/// assert_eq!(ids.next_id(), CommandId(1));
/// assert_eq!(ids.next_id(), CommandId(2));
/// ```
#[derive(Debug, Clone, Default)]
pub struct CommandIds {
    last: u32,
}

impl CommandIds {
    /// The id for the next command.
    pub fn next_id(&mut self) -> CommandId {
        self.last = self.last.checked_add(1).unwrap_or(1);
        CommandId(self.last)
    }
}

/// A machine that can say which command each event it hands out belongs
/// to: implemented by every client machine of the crate.
pub trait Correlate: Machine {
    /// The command that the event last handed out by
    /// [`Machine::poll_event`] answers, or belongs to (a piece of a body,
    /// the end of a listing). `None` for an event that answers no command
    /// (unsolicited), or when no event was handed out yet.
    fn replying_to(&self) -> Option<CommandId>;

    /// Whether the last event handed out belongs to `id`.
    fn is_reply_to(&self, id: Option<CommandId>) -> bool {
        id.is_some() && self.replying_to() == id
    }
}

/// An operation that sends nothing and completes as soon as it starts:
/// the opening exchange of a protocol with no greeting (HTTP).
#[derive(Debug, Default, Clone, Copy)]
pub struct Nothing;

impl<M: Machine> Operation<M> for Nothing {
    type Output = ();

    fn start(&mut self, _: &mut M) -> Result<(), M::Error> {
        Ok(())
    }

    fn on_event(&mut self, _: &mut M, event: M::Event) -> Result<OpStep<(), M::Event>, M::Error> {
        Ok(OpStep::Pass(event))
    }

    fn sent(&mut self, _: &mut M) -> Option<()> {
        Some(())
    }
}

/// The output of an operation `O` over the machine of `P`.
pub type OutputOf<P, O> = <O as Operation<<P as Protocol>::Machine>>::Output;

/// A protocol's client as a typed session sees it: its machine, how the
/// server refuses a command, and the exchange that opens a connection.
/// The I/O layer builds one session per I/O model over this
/// (`io::Session`, `io::nonblocking::Session`), so connecting, upgrading
/// and running operations are written once for every protocol, and a new
/// protocol needs only this description and its list of methods.
///
/// ```
/// use sanswire::wire::{Protocol, StartTls};
/// use sanswire::pop3::{self, ops, Pop3};
/// fn describe<P: StartTls>() -> &'static str { core::any::type_name::<P::Upgrade>() }
/// assert!(describe::<Pop3>().ends_with("Stls"));
/// ```
pub trait Protocol {
    /// The client machine.
    type Machine: Machine;
    /// How the server refuses a command (a POP3 `-ERR`, an SMTP `535`):
    /// an operation's outcome, not an error of the machine.
    /// [`Infallible`](core::convert::Infallible) where nothing is refused.
    type Refusal;
    /// Runs first on every connection (POP3: the greeting; SMTP: the
    /// greeting and EHLO; HTTP: [`Nothing`]).
    type Hello: Operation<Self::Machine> + Default;
    /// What a session keeps of [`Hello`](Self::Hello) (POP3: the greeting
    /// line; SMTP: the capabilities).
    type Greeting;

    /// What the session keeps of the opening exchange, or the server's
    /// refusal of the connection.
    fn greeting(out: OutputOf<Self, Self::Hello>) -> Result<Self::Greeting, Self::Refusal>;
}

/// A [`Protocol`] with an in-band TLS upgrade (SMTP `STARTTLS`, POP3
/// `STLS`, later IMAP and NNTP `STARTTLS`, FTP `AUTH TLS`).
pub trait StartTls: Protocol {
    /// The command, up to the server's go-ahead. A server that does not
    /// offer the upgrade or refuses it fails this operation with the
    /// machine's TLS error: TLS was asked for, so there is no going on.
    type Upgrade: Operation<Self::Machine, Output = ()> + Default;
    /// What runs once the handshake is done (the capabilities again:
    /// what the server said in plaintext is forgotten).
    type Upgraded: Operation<Self::Machine> + Default;
    /// What the upgrade gives its caller (the capabilities offered over
    /// TLS).
    type Secured;

    /// What the session gives back of [`Upgraded`](Self::Upgraded).
    fn secured(out: OutputOf<Self, Self::Upgraded>) -> Result<Self::Secured, Self::Refusal>;

    /// Makes the machine refuse to go on in plaintext (curl's
    /// `--ssl-reqd`): what `connect_starttls` sets before the greeting.
    fn require_tls(machine: &mut Self::Machine);
}
