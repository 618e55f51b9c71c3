//! The bytes of the protocol: commands (RFC 854) and option codes.

/// Interpret As Command: every command starts with it; in data it is
/// doubled.
pub const IAC: u8 = 255;
/// The peer is asked not to use an option, or must not (`IAC DONT opt`).
pub const DONT: u8 = 254;
/// The peer is asked to use an option, or may (`IAC DO opt`).
pub const DO: u8 = 253;
/// We refuse to use an option, or stop (`IAC WONT opt`).
pub const WONT: u8 = 252;
/// We will use an option, or agree to (`IAC WILL opt`).
pub const WILL: u8 = 251;
/// Start of a subnegotiation (`IAC SB opt ... IAC SE`).
pub const SB: u8 = 250;
/// End of a subnegotiation.
pub const SE: u8 = 240;

/// Telnet option codes, as assigned by IANA (and, for the MUD options,
/// by the MUD community's registries).
pub mod option {
    /// Binary transmission (RFC 856).
    pub const BINARY: u8 = 0;
    /// Echo (RFC 857).
    pub const ECHO: u8 = 1;
    /// Suppress go-ahead (RFC 858).
    pub const SGA: u8 = 3;
    /// Status (RFC 859).
    pub const STATUS: u8 = 5;
    /// Timing mark (RFC 860).
    pub const TIMING_MARK: u8 = 6;
    /// Terminal type (RFC 1091).
    pub const TTYPE: u8 = 24;
    /// End of record (RFC 885).
    pub const EOR: u8 = 25;
    /// Negotiate about window size (RFC 1073).
    pub const NAWS: u8 = 31;
    /// Terminal speed (RFC 1079).
    pub const TSPEED: u8 = 32;
    /// Remote flow control (RFC 1372).
    pub const LFLOW: u8 = 33;
    /// Linemode (RFC 1184).
    pub const LINEMODE: u8 = 34;
    /// X display location (RFC 1096).
    pub const XDISPLOC: u8 = 35;
    /// The old environment option (RFC 1408).
    pub const OLD_ENVIRON: u8 = 36;
    /// New environment (RFC 1572).
    pub const NEW_ENVIRON: u8 = 39;
    /// Charset (RFC 2066).
    pub const CHARSET: u8 = 42;
    /// MUD Server Data Protocol.
    pub const MSDP: u8 = 69;
    /// MUD Server Status Protocol.
    pub const MSSP: u8 = 70;
    /// MUD Client Compression Protocol v2 (server to client).
    pub const MCCP2: u8 = 86;
    /// Generic MUD Communication Protocol.
    pub const GMCP: u8 = 201;
}

/// A Telnet command other than negotiation and subnegotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// End of record (`IAC EOR`, 239; RFC 885): MUDs end prompts with it.
    EndOfRecord,
    /// No operation (241); also a keep-alive.
    Nop,
    /// Data mark (242): the data stream part of a Synch. The urgent
    /// notification itself travels in TCP's urgent pointer, which a
    /// sans-IO machine cannot see; a driver that reads out-of-band data
    /// may discard data up to this mark.
    DataMark,
    /// Break (243).
    Break,
    /// Interrupt process (244).
    InterruptProcess,
    /// Abort output (245).
    AbortOutput,
    /// Are you there (246).
    AreYouThere,
    /// Erase character (247).
    EraseCharacter,
    /// Erase line (248).
    EraseLine,
    /// Go ahead (249).
    GoAhead,
    /// Any other byte after `IAC` that is not a command of RFC 854 (a
    /// peer's garbage), reported so nothing is lost silently.
    Other(u8),
}

impl Command {
    /// The command's byte after `IAC`.
    pub fn code(self) -> u8 {
        match self {
            Command::EndOfRecord => 239,
            Command::Nop => 241,
            Command::DataMark => 242,
            Command::Break => 243,
            Command::InterruptProcess => 244,
            Command::AbortOutput => 245,
            Command::AreYouThere => 246,
            Command::EraseCharacter => 247,
            Command::EraseLine => 248,
            Command::GoAhead => 249,
            Command::Other(b) => b,
        }
    }

    /// The command for the byte after `IAC`.
    pub fn from_code(code: u8) -> Command {
        match code {
            239 => Command::EndOfRecord,
            241 => Command::Nop,
            242 => Command::DataMark,
            243 => Command::Break,
            244 => Command::InterruptProcess,
            245 => Command::AbortOutput,
            246 => Command::AreYouThere,
            247 => Command::EraseCharacter,
            248 => Command::EraseLine,
            249 => Command::GoAhead,
            other => Command::Other(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for b in 0..=255u8 {
            assert_eq!(Command::from_code(b).code(), b);
        }
    }
}
