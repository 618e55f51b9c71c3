//! Telnet machines talking to each other in memory: negotiation that
//! converges and never loops, chunking invariance, encode-then-decode,
//! the TTYPE cycle, NAWS and MCCP2.

use bytes::Bytes;
use proptest::prelude::*;
use sanswire::telnet::{
    option, Client, Command, Event, Policy, QState, Role, Server, Side, Telnet,
};
use sanswire::wire::{Machine, Next};

/// Every event the machine has now, consecutive data joined.
fn drain<R: Role>(m: &mut Telnet<R>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    loop {
        match m.poll_event() {
            Ok(Next::Event(Event::Data(d))) => match out.last_mut() {
                Some(Event::Data(prev)) => {
                    let mut joined = prev.to_vec();
                    joined.extend_from_slice(&d);
                    *prev = Bytes::from(joined);
                }
                _ => out.push(Event::Data(d)),
            },
            Ok(Next::Event(e)) => out.push(e),
            Ok(_) => return out,
            Err(e) => panic!("{e}"),
        }
    }
}

/// Moves bytes both ways until both are quiet; returns the events each
/// saw and how many rounds it took.
fn pump(a: &mut Client, b: &mut Server) -> (Vec<Event>, Vec<Event>, usize) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    for round in 0.. {
        let to_b = a.outbox().take_vec();
        let to_a = b.outbox().take_vec();
        if to_a.is_empty() && to_b.is_empty() {
            return (ea, eb, round);
        }
        b.receive(&to_b);
        a.receive(&to_a);
        ea.extend(drain(a));
        eb.extend(drain(b));
        assert!(round < 64, "negotiation loops");
    }
    unreachable!()
}

fn settled(s: QState) -> bool {
    matches!(s, QState::Yes | QState::No)
}

fn policy() -> impl Strategy<Value = Policy> {
    (any::<bool>(), any::<bool>()).prop_map(|(local, remote)| Policy { local, remote })
}

proptest! {
    /// Any policies, any requests from either end at any time: the two
    /// machines always settle, agree on every option, and never loop.
    #[test]
    fn negotiation_converges_and_never_loops(
        policies in proptest::collection::vec((policy(), policy()), 6),
        requests in proptest::collection::vec((any::<bool>(), 0u8..6, any::<bool>(), any::<bool>(), any::<bool>()), 0..40),
    ) {
        let mut a = Client::new();
        let mut b = Server::new();
        for (opt, (pa, pb)) in policies.iter().enumerate() {
            a.set_policy(opt as u8, *pa);
            b.set_policy(opt as u8, *pb);
        }
        for (on_a, opt, local, enable, deliver) in requests {
            let side = if local { Side::Local } else { Side::Remote };
            // `enable` widens the asker's policy; the peer's stays as drawn.
            match (on_a, enable) {
                (true, true) => a.enable(opt, side).unwrap(),
                (true, false) => a.disable(opt, side).unwrap(),
                (false, true) => b.enable(opt, side).unwrap(),
                (false, false) => b.disable(opt, side).unwrap(),
            }
            if deliver {
                pump(&mut a, &mut b);
            }
        }
        pump(&mut a, &mut b);
        for opt in 0u8..6 {
            for side in [Side::Local, Side::Remote] {
                let other = if side == Side::Local { Side::Remote } else { Side::Local };
                prop_assert!(settled(a.state(opt, side)), "{opt} {side:?} {:?}", a.state(opt, side));
                prop_assert!(settled(b.state(opt, side)));
                prop_assert_eq!(a.is_enabled(opt, side), b.is_enabled(opt, other));
            }
        }
    }

    /// The same bytes cut any way give the same events and answers.
    #[test]
    fn chunking_never_changes_events(
        pieces in proptest::collection::vec(piece(), 0..40),
        cuts in proptest::collection::vec(1usize..17, 1..50),
    ) {
        let wire: Vec<u8> = pieces.concat();
        let (whole, whole_out) = feed(&wire, &[wire.len().max(1)]);
        let (cut, cut_out) = feed(&wire, &cuts);
        prop_assert_eq!(whole, cut);
        prop_assert_eq!(whole_out, cut_out);
    }

    /// Whatever data we send, the peer reads back the same bytes.
    #[test]
    fn data_round_trips(data in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(0u8), Just(255u8), any::<u8>()], 0..300), binary in any::<bool>()) {
        let (mut a, mut b) = (Client::new(), Server::new());
        if binary {
            b.enable(option::BINARY, Side::Local).unwrap();
            pump(&mut a, &mut b);
            prop_assert!(a.is_enabled(option::BINARY, Side::Remote));
        }
        b.send_data(&data).unwrap();
        b.send(Bytes::from(data.clone())).unwrap();
        let (events, _, _) = pump(&mut a, &mut b);
        let mut twice = data.clone();
        twice.extend_from_slice(&data);
        let expected = if twice.is_empty() { vec![] } else { vec![Event::Data(Bytes::from(twice))] };
        prop_assert_eq!(events, expected);
    }

    /// Any subnegotiation payload arrives as it was sent.
    #[test]
    fn subnegotiations_round_trip(payload in proptest::collection::vec(prop_oneof![Just(255u8), Just(240u8), any::<u8>()], 0..200)) {
        let (mut a, mut b) = (Client::new(), Server::new());
        b.set_policy(option::GMCP, Policy::BOTH);
        a.enable(option::GMCP, Side::Remote).unwrap();
        pump(&mut a, &mut b);
        b.send_subnegotiation(option::GMCP, &payload).unwrap();
        let (events, _, _) = pump(&mut a, &mut b);
        prop_assert_eq!(events, vec![Event::Subnegotiation { option: option::GMCP, payload: Bytes::from(payload) }]);
    }
}

/// Pieces of a Telnet stream, well-formed and not.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..20),
        Just(b"line\r\n".to_vec()),
        Just(b"bare\r\0cr".to_vec()),
        Just(vec![255, 255]),
        (239u8..250).prop_map(|c| vec![255, c]),
        (251u8..=254, 0u8..40).prop_map(|(v, o)| vec![255, v, o]),
        (0u8..40, proptest::collection::vec(any::<u8>(), 0..10)).prop_map(|(o, p)| {
            let mut v = vec![255, 250, o];
            for b in p {
                v.push(b);
                if b == 255 {
                    v.push(255);
                }
            }
            v.extend_from_slice(&[255, 240]);
            v
        }),
        Just(vec![255, 240]),
        Just(vec![255, 250, 24, 1, 255, 240]),
        Just(vec![255, 250, 31, 0, 80, 0, 24, 255, 240]),
    ]
}

fn feed(wire: &[u8], cuts: &[usize]) -> (Vec<Event>, Vec<u8>) {
    let mut m = Client::new();
    m.set_terminal_types(&["xterm"]).unwrap();
    let mut events = Vec::new();
    let mut sent = Vec::new();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let n = cuts[i % cuts.len()].min(rest.len());
        i += 1;
        m.receive(&rest[..n]);
        rest = &rest[n..];
        events.extend(drain(&mut m));
        sent.extend(m.outbox().take_vec());
    }
    m.receive_eof();
    events.extend(drain(&mut m));
    // Data events split differently; join them across the whole run.
    let mut joined: Vec<Event> = Vec::new();
    for e in events {
        match (joined.last_mut(), e) {
            (Some(Event::Data(prev)), Event::Data(d)) => {
                let mut v = prev.to_vec();
                v.extend_from_slice(&d);
                *prev = Bytes::from(v);
            }
            (_, e) => joined.push(e),
        }
    }
    (joined, sent)
}

#[test]
fn the_ttype_cycle_repeats_the_last_then_starts_over() {
    let (mut a, mut b) = (Client::new(), Server::new());
    a.set_terminal_types(&["XTERM-256COLOR", "XTERM"]).unwrap();
    b.enable(option::TTYPE, Side::Remote).unwrap();
    let (_, eb, _) = pump(&mut a, &mut b);
    assert!(eb.contains(&Event::Enabled {
        option: option::TTYPE,
        side: Side::Remote
    }));
    let mut seen = Vec::new();
    for _ in 0..4 {
        b.request_terminal_type().unwrap();
        let (_, eb, _) = pump(&mut a, &mut b);
        for e in eb {
            if let Event::TerminalType(t) = e {
                seen.push(String::from_utf8(t.to_vec()).unwrap());
            }
        }
    }
    assert_eq!(seen, ["XTERM-256COLOR", "XTERM", "XTERM", "XTERM-256COLOR"]);
}

#[test]
fn naws_goes_out_when_enabled_and_on_every_change() {
    let (mut a, mut b) = (Client::new(), Server::new());
    a.set_window_size(80, 24).unwrap();
    b.enable(option::NAWS, Side::Remote).unwrap();
    let (_, eb, _) = pump(&mut a, &mut b);
    assert!(eb.contains(&Event::WindowSize {
        width: 80,
        height: 24
    }));
    a.set_window_size(300, 255).unwrap();
    let (_, eb, _) = pump(&mut a, &mut b);
    assert_eq!(
        eb,
        [Event::WindowSize {
            width: 300,
            height: 255
        }]
    );
}

#[test]
fn refusals_are_reported_to_the_one_who_asked() {
    let (mut a, mut b) = (Client::new(), Server::new());
    a.enable(option::LINEMODE, Side::Local).unwrap();
    let (ea, _, _) = pump(&mut a, &mut b);
    assert_eq!(
        ea,
        [Event::Refused {
            option: option::LINEMODE,
            side: Side::Local
        }]
    );
    // And disabling is reported at both ends.
    b.enable(option::ECHO, Side::Local).unwrap();
    pump(&mut a, &mut b);
    b.disable(option::ECHO, Side::Local).unwrap();
    let (ea, eb, _) = pump(&mut a, &mut b);
    assert_eq!(
        ea,
        [Event::Disabled {
            option: option::ECHO,
            side: Side::Remote
        }]
    );
    assert_eq!(
        eb,
        [Event::Disabled {
            option: option::ECHO,
            side: Side::Local
        }]
    );
}

#[test]
fn commands_and_garbage() {
    let mut a = Client::new();
    a.receive(b"\xff\xf1\xff\xf3\xff\xf2\xff\xef\xff\x05x\xff\xf0y");
    a.receive_eof();
    assert_eq!(
        drain(&mut a),
        [
            Event::Command(Command::Nop),
            Event::Command(Command::Break),
            Event::Command(Command::DataMark),
            Event::Command(Command::EndOfRecord),
            Event::Command(Command::Other(5)),
            Event::Data(Bytes::from_static(b"xy")),
            Event::End,
        ]
    );
    assert!(!a.may_recv());
}

#[test]
fn subnegotiations_for_options_not_in_use_are_dropped() {
    let mut a = Client::new();
    a.receive(b"\xff\xfa\xc9Core.Hello {}\xff\xf0after");
    assert_eq!(drain(&mut a), [Event::Data(Bytes::from_static(b"after"))]);
}

#[test]
fn mccp2_starts_and_ends_and_plain_telnet_follows() {
    for piece in [1, 3, 64, 100_000] {
        let (mut a, mut b) = (Client::new(), Server::new());
        b.set_policy(option::MCCP2, Policy::LOCAL);
        b.enable(option::MCCP2, Side::Local).unwrap();
        pump(&mut a, &mut b);
        assert!(b.is_enabled(option::MCCP2, Side::Local));
        b.start_compression().unwrap();
        let text: Vec<u8> = (0..2000)
            .flat_map(|i| format!("room {i}\r\n").into_bytes())
            .collect();
        b.send_data(&text).unwrap();
        b.send_command(Command::GoAhead).unwrap();
        let mut wire = b.outbox().take_vec();
        b.end_compression().unwrap();
        b.send_data(b"plain again").unwrap();
        wire.extend(b.outbox().take_vec());
        assert!(wire.len() < text.len() / 4, "compressed: {}", wire.len());
        let mut events = Vec::new();
        for chunk in wire.chunks(piece) {
            a.receive(chunk);
            events.extend(drain(&mut a));
        }
        let mut data = Vec::new();
        let mut marks = Vec::new();
        for e in events {
            match e {
                Event::Data(d) => data.extend_from_slice(&d),
                other => marks.push(other),
            }
        }
        let mut expected = text.clone();
        expected.extend_from_slice(b"plain again");
        assert_eq!(data, expected, "piece {piece}");
        assert_eq!(
            marks,
            [
                Event::CompressionStarted,
                Event::Command(Command::GoAhead),
                Event::CompressionEnded
            ],
            "piece {piece}"
        );
        assert!(!a.is_decompressing());
    }
}

#[test]
fn sends_refuse_what_the_encoding_cannot_carry() {
    let mut b = Server::new();
    assert!(
        b.send_gmcp("Core.Hello", b"{}").is_err(),
        "GMCP not negotiated"
    );
    b.set_policy(option::GMCP, Policy::BOTH);
    let mut a = Client::new();
    a.set_policy(option::GMCP, Policy::BOTH);
    b.enable(option::GMCP, Side::Local).unwrap();
    pump(&mut a, &mut b);
    assert!(b.send_gmcp("bad name", b"{}").is_err());
    b.send_gmcp("Core.Hello", b"{\"client\":\"x\"}").unwrap();
    let (ea, _, _) = pump(&mut a, &mut b);
    assert_eq!(
        ea,
        [Event::Subnegotiation {
            option: option::GMCP,
            payload: Bytes::from_static(b"Core.Hello {\"client\":\"x\"}")
        }]
    );
    assert!(a.set_terminal_types(&["x\0"]).is_err());
}

#[test]
fn tspeed_and_xdisploc_are_answered_from_what_was_set() {
    use sanswire::telnet::sub::{parse_is_send, parse_tspeed, IsSend};
    let (mut a, mut b) = (Client::new(), Server::new());
    a.set_terminal_speed(38400, 19200).unwrap();
    a.set_x_display("host:0.0").unwrap();
    b.set_policy(option::TSPEED, Policy::REMOTE);
    b.set_policy(option::XDISPLOC, Policy::REMOTE);
    b.enable(option::TSPEED, Side::Remote).unwrap();
    b.enable(option::XDISPLOC, Side::Remote).unwrap();
    pump(&mut a, &mut b);
    b.request_terminal_speed().unwrap();
    b.request_x_display().unwrap();
    let (_, eb, _) = pump(&mut a, &mut b);
    let payloads: Vec<_> = eb
        .iter()
        .filter_map(|e| match e {
            Event::Subnegotiation { option, payload } => Some((*option, payload.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(payloads.len(), 2);
    let IsSend::Is(speed) = parse_is_send(&payloads[0].1).unwrap() else {
        panic!()
    };
    assert_eq!(parse_tspeed(speed), Ok((38400, 19200)));
    assert_eq!(
        parse_is_send(&payloads[1].1),
        Ok(IsSend::Is(&b"host:0.0"[..]))
    );
}
