//! RFC 1143's Q method: option negotiation that cannot loop.
//!
//! Each option has two sides, ours ("us": do we use it?) and the peer's
//! ("him": does the peer use it?), each in one of four states with a
//! one-bit queue. Negotiation answers follow the RFC's tables exactly;
//! every table row is a test below.

use super::command::{DO, DONT, WILL, WONT};

/// What may be enabled for one option, on each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Policy {
    /// We agree to use the option when the peer asks (`DO` answered with
    /// `WILL`).
    pub local: bool,
    /// We agree that the peer uses it (`WILL` answered with `DO`).
    pub remote: bool,
}

impl Policy {
    /// Both sides refused (the default for every option).
    pub const REFUSE: Policy = Policy {
        local: false,
        remote: false,
    };
    /// Only we may use it.
    pub const LOCAL: Policy = Policy {
        local: true,
        remote: false,
    };
    /// Only the peer may use it.
    pub const REMOTE: Policy = Policy {
        local: false,
        remote: true,
    };
    /// Either side may use it.
    pub const BOTH: Policy = Policy {
        local: true,
        remote: true,
    };
}

/// Which side of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// We use the option (we sent or agreed with `WILL`).
    Local,
    /// The peer uses it (it sent or agreed with `WILL`).
    Remote,
}

/// The state of one side of an option (RFC 1143 §7), queue bit included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QState {
    /// Disabled.
    No,
    /// Enabled.
    Yes,
    /// We asked to disable and wait for the answer; `true`: enable again
    /// once it comes (the queue holds OPPOSITE).
    WantNo(bool),
    /// We asked to enable and wait; `true`: disable once it comes.
    WantYes(bool),
}

impl QState {
    fn bits(self) -> u8 {
        match self {
            QState::No => 0,
            QState::Yes => 1,
            QState::WantNo(q) => 2 | (q as u8) << 2,
            QState::WantYes(q) => 3 | (q as u8) << 2,
        }
    }

    fn from_bits(b: u8) -> QState {
        let q = b & 4 != 0;
        match b & 3 {
            0 => QState::No,
            1 => QState::Yes,
            2 => QState::WantNo(q),
            _ => QState::WantYes(q),
        }
    }

    /// Whether the option counts as in use: enabled, or enabled and
    /// being disabled (until the peer confirms).
    pub fn is_active(self) -> bool {
        matches!(self, QState::Yes | QState::WantNo(_))
    }
}

/// What a transition means for the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Enabled,
    Disabled,
    Refused,
}

/// The two Q-method states and the policy of every option: one byte
/// each, 256 bytes in all, inline.
#[derive(Clone)]
pub(crate) struct Options {
    /// Bits 0..3: us; bits 3..6: him; bit 6: local policy; bit 7: remote.
    table: [u8; 256],
}

impl core::fmt::Debug for Options {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut m = f.debug_map();
        for (opt, &b) in self.table.iter().enumerate() {
            if b != 0 {
                m.entry(&opt, &(self.us(opt as u8), self.him(opt as u8)));
            }
        }
        m.finish()
    }
}

/// The bytes to send and what changed, from one step of the tables.
pub(crate) type Outcome = (Option<[u8; 3]>, Option<Change>);

impl Options {
    pub(crate) fn new() -> Self {
        Options { table: [0; 256] }
    }

    pub(crate) fn policy(&self, opt: u8) -> Policy {
        let b = self.table[opt as usize];
        Policy {
            local: b & 0x40 != 0,
            remote: b & 0x80 != 0,
        }
    }

    pub(crate) fn set_policy(&mut self, opt: u8, p: Policy) {
        let b = &mut self.table[opt as usize];
        *b = (*b & 0x3f) | (p.local as u8) << 6 | (p.remote as u8) << 7;
    }

    pub(crate) fn us(&self, opt: u8) -> QState {
        QState::from_bits(self.table[opt as usize] & 7)
    }

    pub(crate) fn him(&self, opt: u8) -> QState {
        QState::from_bits(self.table[opt as usize] >> 3 & 7)
    }

    pub(crate) fn state(&self, opt: u8, side: Side) -> QState {
        match side {
            Side::Local => self.us(opt),
            Side::Remote => self.him(opt),
        }
    }

    fn set(&mut self, opt: u8, side: Side, s: QState) {
        let b = &mut self.table[opt as usize];
        *b = match side {
            Side::Local => (*b & !7) | s.bits(),
            Side::Remote => (*b & !(7 << 3)) | s.bits() << 3,
        };
    }

    /// A verb received from the peer: `WILL`/`WONT` are about its side,
    /// `DO`/`DONT` about ours.
    pub(crate) fn received(&mut self, verb: u8, opt: u8) -> Outcome {
        let (side, yes) = match verb {
            WILL => (Side::Remote, true),
            WONT => (Side::Remote, false),
            DO => (Side::Local, true),
            _ => (Side::Local, false),
        };
        let agree = match side {
            Side::Local => self.policy(opt).local,
            Side::Remote => self.policy(opt).remote,
        };
        let old = self.state(opt, side);
        let (new, send) = if yes { on_yes(old, agree) } else { on_no(old) };
        self.finish(opt, side, old, new, send)
    }

    /// The application asks for the option on `side` to be enabled
    /// (`enable`) or disabled. Requests that change nothing (already so,
    /// already asked) do nothing, where RFC 1143 says "error".
    pub(crate) fn request(&mut self, opt: u8, side: Side, enable: bool) -> Outcome {
        let old = self.state(opt, side);
        let (new, send) = if enable { ask_yes(old) } else { ask_no(old) };
        self.finish(opt, side, old, new, send)
    }

    fn finish(&mut self, opt: u8, side: Side, old: QState, new: QState, send: Send) -> Outcome {
        self.set(opt, side, new);
        let verb = match (side, send) {
            (_, Send::Nothing) => None,
            (Side::Local, Send::Yes) => Some(WILL),
            (Side::Local, Send::No) => Some(WONT),
            (Side::Remote, Send::Yes) => Some(DO),
            (Side::Remote, Send::No) => Some(DONT),
        };
        let change = match (old.is_active(), new.is_active()) {
            (false, true) => Some(Change::Enabled),
            (true, false) => Some(Change::Disabled),
            _ if matches!(old, QState::WantYes(_)) && new == QState::No => Some(Change::Refused),
            _ => None,
        };
        (verb.map(|v| [super::command::IAC, v, opt]), change)
    }
}

/// What a table row sends: the positive verb (WILL/DO), the negative one
/// (WONT/DONT), or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Send {
    Nothing,
    Yes,
    No,
}

use QState::{No, WantNo, WantYes, Yes};

/// RFC 1143 §7, "Upon receipt of WILL" (or DO, for our side).
fn on_yes(s: QState, agree: bool) -> (QState, Send) {
    match s {
        No if agree => (Yes, Send::Yes),
        No => (No, Send::No),
        Yes => (Yes, Send::Nothing),
        // "Error: DONT answered by WILL."
        WantNo(false) => (No, Send::Nothing),
        WantNo(true) => (Yes, Send::Nothing),
        WantYes(false) => (Yes, Send::Nothing),
        WantYes(true) => (WantNo(false), Send::No),
    }
}

/// "Upon receipt of WONT" (or DONT).
fn on_no(s: QState) -> (QState, Send) {
    match s {
        No => (No, Send::Nothing),
        Yes => (No, Send::No),
        WantNo(false) => (No, Send::Nothing),
        WantNo(true) => (WantYes(false), Send::Yes),
        WantYes(false) => (No, Send::Nothing),
        WantYes(true) => (No, Send::Nothing),
    }
}

/// "If we decide to ask him to enable" (queueing requests).
fn ask_yes(s: QState) -> (QState, Send) {
    match s {
        No => (WantYes(false), Send::Yes),
        Yes => (Yes, Send::Nothing),
        WantNo(false) => (WantNo(true), Send::Nothing),
        WantNo(true) => (WantNo(true), Send::Nothing),
        WantYes(false) => (WantYes(false), Send::Nothing),
        WantYes(true) => (WantYes(false), Send::Nothing),
    }
}

/// "If we decide to ask him to disable".
fn ask_no(s: QState) -> (QState, Send) {
    match s {
        No => (No, Send::Nothing),
        Yes => (WantNo(false), Send::No),
        WantNo(false) => (WantNo(false), Send::Nothing),
        WantNo(true) => (WantNo(false), Send::Nothing),
        WantYes(false) => (WantYes(true), Send::Nothing),
        WantYes(true) => (WantYes(true), Send::Nothing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [QState; 6] = [
        No,
        Yes,
        WantNo(false),
        WantNo(true),
        WantYes(false),
        WantYes(true),
    ];

    /// RFC 1143 §7, "Upon receipt of WILL", row by row, with the
    /// policy answering "agree" or not for the NO row.
    #[test]
    fn receipt_of_will() {
        let table = [
            (No, true, Yes, Send::Yes),
            (No, false, No, Send::No),
            (Yes, true, Yes, Send::Nothing),
            (WantNo(false), true, No, Send::Nothing),
            (WantNo(true), true, Yes, Send::Nothing),
            (WantYes(false), true, Yes, Send::Nothing),
            (WantYes(true), true, WantNo(false), Send::No),
        ];
        for (from, agree, to, send) in table {
            assert_eq!(on_yes(from, agree), (to, send), "{from:?} agree={agree}");
        }
        // Outside the NO row the policy does not matter.
        for s in ALL.into_iter().filter(|s| *s != No) {
            assert_eq!(on_yes(s, true), on_yes(s, false));
        }
    }

    #[test]
    fn receipt_of_wont() {
        let table = [
            (No, No, Send::Nothing),
            (Yes, No, Send::No),
            (WantNo(false), No, Send::Nothing),
            (WantNo(true), WantYes(false), Send::Yes),
            (WantYes(false), No, Send::Nothing),
            (WantYes(true), No, Send::Nothing),
        ];
        for (from, to, send) in table {
            assert_eq!(on_no(from), (to, send), "{from:?}");
        }
    }

    #[test]
    fn asking_to_enable() {
        let table = [
            (No, WantYes(false), Send::Yes),
            (Yes, Yes, Send::Nothing),
            (WantNo(false), WantNo(true), Send::Nothing),
            (WantNo(true), WantNo(true), Send::Nothing),
            (WantYes(false), WantYes(false), Send::Nothing),
            (WantYes(true), WantYes(false), Send::Nothing),
        ];
        for (from, to, send) in table {
            assert_eq!(ask_yes(from), (to, send), "{from:?}");
        }
    }

    #[test]
    fn asking_to_disable() {
        let table = [
            (No, No, Send::Nothing),
            (Yes, WantNo(false), Send::No),
            (WantNo(false), WantNo(false), Send::Nothing),
            (WantNo(true), WantNo(false), Send::Nothing),
            (WantYes(false), WantYes(true), Send::Nothing),
            (WantYes(true), WantYes(true), Send::Nothing),
        ];
        for (from, to, send) in table {
            assert_eq!(ask_no(from), (to, send), "{from:?}");
        }
    }

    #[test]
    fn the_table_maps_verbs_to_sides_and_reports_changes() {
        let mut o = Options::new();
        o.set_policy(1, Policy::LOCAL);
        // DO ECHO, we agree: WILL ECHO, enabled locally.
        assert_eq!(
            o.received(DO, 1),
            (Some([255, WILL, 1]), Some(Change::Enabled))
        );
        // WILL ECHO from the peer, refused by policy: DONT, no change.
        assert_eq!(o.received(WILL, 1), (Some([255, DONT, 1]), None));
        // We ask the peer for SGA; it refuses.
        assert_eq!(o.request(3, Side::Remote, true), (Some([255, DO, 3]), None));
        assert_eq!(o.received(WONT, 3), (None, Some(Change::Refused)));
        // State bits round trip for every state and side, policy kept.
        for s in ALL {
            for side in [Side::Local, Side::Remote] {
                o.set(9, side, s);
                assert_eq!(o.state(9, side), s);
            }
        }
        assert_eq!(o.policy(1), Policy::LOCAL);
    }
}
