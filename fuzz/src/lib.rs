//! Helpers shared by the fuzz targets: cutting the input into chunks and
//! driving any machine, checking that chunking never changes the events.

use sanswire::wire::{Machine, Next};
use std::fmt::Debug;

/// Splits a fuzz input into a chunking plan (its first byte) and the bytes.
pub fn plan(data: &[u8]) -> (usize, &[u8]) {
    match data.split_first() {
        Some((&seed, rest)) => (usize::from(seed % 64) + 1, rest),
        None => (1, &[]),
    }
}

/// Everything a machine reported for `input` fed in `chunk`-sized pieces:
/// events and the final error, as text, and the bytes it transmitted.
/// `on_paused` lets the caller act as the local side when the machine waits
/// for it; it returns false to stop.
pub fn run<M: Machine>(
    machine: M,
    input: &[u8],
    chunk: usize,
    on_event: impl FnMut(&mut M, &M::Event),
    on_paused: impl FnMut(&mut M) -> bool,
) -> (Vec<String>, Vec<u8>)
where
    M::Event: Debug,
{
    let (seen, sent, _) = drive(machine, input, chunk, on_event, on_paused, false);
    (seen, sent)
}

/// Joins adjacent data events, whose split follows the reads and is not
/// part of what a machine promises. `prefix` opens a data event's debug
/// text (`Data(b"`); the escaped bytes of two events simply concatenate.
pub fn coalesce(events: Vec<String>, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(events.len());
    for e in events {
        match out.last_mut() {
            Some(last)
                if last.starts_with(prefix) && e.starts_with(prefix) && last.ends_with("\")") =>
            {
                last.truncate(last.len() - 2);
                last.push_str(&e[prefix.len()..]);
            }
            _ => out.push(e),
        }
    }
    out
}

/// Like [`run`], but while the machine is paused and `on_paused` has
/// nothing to do, the next piece of input is delivered anyway (a driver
/// that reads ahead does this), so the whole input reaches the machine
/// however it is cut. Consecutive events whose text starts with `Data(`
/// are merged into one `Data` entry, their content appended to the third
/// result: how content is sliced depends on the chunking, the bytes not.
pub fn run_all<M: Machine>(
    machine: M,
    input: &[u8],
    chunk: usize,
    on_event: impl FnMut(&mut M, &M::Event),
    on_paused: impl FnMut(&mut M) -> bool,
) -> (Vec<String>, Vec<u8>, Vec<u8>)
where
    M::Event: Debug,
{
    drive(machine, input, chunk, on_event, on_paused, true)
}

/// The one driving loop behind [`run`] and [`run_all`]; `read_ahead`
/// selects `run_all`'s feeding while paused and merging of content.
fn drive<M: Machine>(
    mut machine: M,
    input: &[u8],
    chunk: usize,
    mut on_event: impl FnMut(&mut M, &M::Event),
    mut on_paused: impl FnMut(&mut M) -> bool,
    read_ahead: bool,
) -> (Vec<String>, Vec<u8>, Vec<u8>)
where
    M::Event: Debug,
{
    let mut seen: Vec<String> = Vec::new();
    let mut sent = Vec::new();
    let mut content = Vec::new();
    let mut pieces = input.chunks(chunk.max(1));
    let mut guard = 0usize;
    loop {
        guard += 1;
        if guard > 1_000_000 {
            panic!("machine loops without progress");
        }
        sent.extend(machine.outbox().take_vec());
        match machine.poll_event() {
            Ok(Next::Event(e)) => {
                on_event(&mut machine, &e);
                let text = format!("{e:?}");
                let data = text
                    .strip_prefix("Data(b\"")
                    .and_then(|t| t.strip_suffix("\")"));
                match data {
                    Some(inner) if read_ahead => {
                        content.extend_from_slice(inner.as_bytes());
                        if seen.last().map(String::as_str) != Some("Data") {
                            seen.push("Data".into());
                        }
                    }
                    _ => seen.push(text),
                }
            }
            Ok(Next::NeedInput) => match pieces.next() {
                Some(p) => machine.receive(p),
                None if machine.inbox().is_eof() => break,
                None => machine.receive_eof(),
            },
            Ok(Next::Paused) => {
                if !on_paused(&mut machine) {
                    match pieces.next() {
                        Some(p) if read_ahead => machine.receive(p),
                        _ => break,
                    }
                }
            }
            Err(e) => {
                seen.push(format!("error: {e}"));
                break;
            }
        }
    }
    sent.extend(machine.outbox().take_vec());
    (seen, sent, content)
}
