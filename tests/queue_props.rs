//! `wire::CommandQueue` under any mix of commands, answers and go-aheads:
//! bytes leave in command order, a command's parts never interleave with
//! another's, nothing passes a continuation gate or a barrier early, and
//! every byte queued is written once.

use bytes::Bytes;
use proptest::prelude::*;
use sanswire::wire::{CommandQueue, Gate, Outbox, Part};

#[derive(Debug, Clone)]
enum Op {
    /// A command: barrier or not, and its parts (`None` is a gate).
    Push(bool, Vec<Option<u8>>),
    /// The front command was answered.
    Answer,
    /// The peer's go-ahead.
    Proceed,
    /// Pipelining switched.
    Pipelining(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), prop::collection::vec(prop::option::weighted(0.8, 1u8..200), 1..4))
            .prop_map(|(b, p)| Op::Push(b, p)),
        2 => Just(Op::Answer),
        1 => Just(Op::Proceed),
        1 => any::<bool>().prop_map(Op::Pipelining),
    ]
}

proptest! {
    #[test]
    fn bytes_leave_in_order_and_respect_every_gate(ops in prop::collection::vec(op(), 1..60)) {
        let mut queue = CommandQueue::new();
        let mut out = Outbox::new();
        // What each command is made of, as (command number, part) bytes.
        let mut expected: Vec<u8> = Vec::new();
        let mut n = 0u8;
        for op in ops {
            match op {
                Op::Push(barrier, parts) => {
                    n = n.wrapping_add(1);
                    let gate = if barrier { Gate::Barrier } else { Gate::Pipelined };
                    let parts: Vec<Part> = parts
                        .iter()
                        .map(|p| match p {
                            // A part is its command's number, `len` times.
                            Some(len) => {
                                expected.extend(vec![n; usize::from(*len)]);
                                Part::Bytes(Bytes::from(vec![n; usize::from(*len)]))
                            }
                            None => Part::AwaitContinuation,
                        })
                        .collect();
                    queue.push_parts(n, gate, parts);
                }
                Op::Answer => {
                    // Only what was sent can be answered.
                    if queue.front().is_some_and(|f| f.is_sent()) {
                        queue.finish();
                    }
                }
                Op::Proceed => {
                    queue.proceed(&mut out);
                }
                Op::Pipelining(on) => queue.set_pipelining(on),
            }
            queue.release(&mut out);
            // Only sent commands or the one at a gate have bytes out; a
            // barrier is out only alone at the front.
            let started: Vec<_> = queue.iter().filter(|q| q.is_sent() || q.awaits_continuation()).collect();
            prop_assert!(started.iter().filter(|q| q.awaits_continuation()).count() <= 1);
        }
        let wire = out.take_vec();
        // The wire is a prefix of the commands' bytes in order.
        prop_assert!(expected.starts_with(&wire), "{wire:?} vs {expected:?}");
        // Draining everything sends everything.
        loop {
            queue.set_pipelining(true);
            queue.release(&mut out);
            if queue.proceed(&mut out).is_some() {
                continue;
            }
            if queue.finish().is_none() {
                break;
            }
        }
        let mut all = wire;
        all.extend(out.take_vec());
        prop_assert_eq!(all, expected);
    }
}
