//! The gated send queue every client machine keeps: commands wait in it
//! until the protocol lets them go (pipelining, barriers, continuations),
//! and their answers are matched to them in order.

use super::{CommandId, CommandIds, Outbox};
use alloc::collections::VecDeque;
use bytes::Bytes;

/// Below this, a segment is copied into the outbox's small-write buffer
/// (one vectored slice for many command lines); above, it is queued as is.
const COPY_BELOW: usize = 512;

/// When a queued command may go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// With the commands before it, if the queue pipelines
    /// ([`CommandQueue::set_pipelining`]); otherwise once every command
    /// before it is answered.
    Pipelined,
    /// Only alone: once every command before it is answered, and nothing
    /// after it goes until it is answered too (POP3 AUTH and STLS, SMTP
    /// STARTTLS: what follows would be read as SASL or travel in plain
    /// text).
    Barrier,
}

/// One piece of a command's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Protocol text the machine built (a command line): copied into the
    /// outbox's small-write buffer when it goes.
    Text(alloc::vec::Vec<u8>),
    /// Bytes to send: queued as they are when large (a literal, an
    /// article, a BDAT chunk), copied when small.
    Bytes(Bytes),
    /// Stop here until the peer's go-ahead ([`CommandQueue::proceed`]):
    /// IMAP's `+` before a synchronising literal, NNTP's `340` before an
    /// article, SMTP's `354` before the message.
    AwaitContinuation,
}

/// A queued command.
#[derive(Debug)]
pub struct Queued<T> {
    /// What the machine needs to read its answer.
    pub tag: T,
    /// Its correlation id.
    pub id: CommandId,
    gate: Gate,
    /// Its first part, until written: kept here, so a one-part command
    /// (most) needs no room in the queue's part list.
    first: Option<Part>,
    /// How many of its further parts still wait in the queue's part list.
    unsent: u32,
    /// Something of it was written.
    started: bool,
    /// It stopped at a continuation gate.
    gated: bool,
}

impl<T> Queued<T> {
    /// Whether all of it was written.
    pub fn is_sent(&self) -> bool {
        self.started && self.first.is_none() && self.unsent == 0 && !self.gated
    }

    /// Whether it waits for the peer's go-ahead to send the rest.
    pub fn awaits_continuation(&self) -> bool {
        self.gated
    }

    /// Whether something of it was written (so the peer may answer it).
    pub fn is_started(&self) -> bool {
        self.started
    }
}

/// Commands waiting to go and waiting for their answers, oldest first: a
/// queue of `Bytes` segments with barriers and continuation gates, written
/// to the [`Outbox`] as the protocol allows. Answers come in order, so the
/// front is what the next answer belongs to.
///
/// ```
/// use bytes::Bytes;
/// use sanswire::wire::{CommandQueue, Gate, Outbox, Part};
/// let mut out = Outbox::new();
/// let mut queue = CommandQueue::new();
/// queue.set_pipelining(true);
/// queue.push("noop", Gate::Pipelined, Bytes::from_static(b"A1 NOOP\r\n"));
/// // An IMAP APPEND with a synchronising literal: the literal waits for `+`.
/// queue.push_parts("append", Gate::Pipelined, [
///     Part::Bytes(Bytes::from_static(b"A2 APPEND INBOX {5}\r\n")),
///     Part::AwaitContinuation,
///     Part::Bytes(Bytes::from_static(b"hello\r\n")),
/// ]);
/// queue.push("logout", Gate::Pipelined, Bytes::from_static(b"A3 LOGOUT\r\n"));
/// queue.release(&mut out);
/// assert_eq!(out.take_vec(), b"A1 NOOP\r\nA2 APPEND INBOX {5}\r\n");
/// assert_eq!(queue.finish().unwrap().tag, "noop"); // A1 OK
/// queue.proceed(&mut out); // + go ahead
/// assert_eq!(out.take_vec(), b"hello\r\nA3 LOGOUT\r\n");
/// ```
///
/// An idle queue holds no heap: both lists are given back when they empty.
/// A command keeps its first part inline, so the part list is only used by
/// commands of several parts, and the usual exchange from idle costs one
/// allocation, the command's slot.
#[derive(Debug)]
pub struct CommandQueue<T> {
    entries: VecDeque<Queued<T>>,
    /// The parts not written yet of every entry, in entry order (only
    /// entries from the first not wholly written on have any).
    parts: VecDeque<Part>,
    ids: CommandIds,
    pipelining: bool,
    held: bool,
}

impl<T> Default for CommandQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> CommandQueue<T> {
    /// An empty queue that sends one command at a time.
    pub fn new() -> Self {
        CommandQueue {
            entries: VecDeque::new(),
            parts: VecDeque::new(),
            ids: CommandIds::default(),
            pipelining: false,
            held: false,
        }
    }

    /// Whether commands may go before the answers to earlier ones came
    /// (POP3 `PIPELINING`, SMTP `PIPELINING`, IMAP always).
    pub fn set_pipelining(&mut self, on: bool) {
        self.pipelining = on;
    }

    /// Holds everything not yet written (during a TLS handshake), or lets
    /// it go again.
    pub fn hold(&mut self, held: bool) {
        self.held = held;
    }

    /// Queues a command of one segment; returns its id. Call
    /// [`release`](Self::release) to write what may go.
    pub fn push(&mut self, tag: T, gate: Gate, bytes: Bytes) -> CommandId {
        self.push_parts(tag, gate, [Part::Bytes(bytes)])
    }

    /// Queues a command made of several parts (bytes and continuation
    /// gates); returns its id.
    pub fn push_parts(
        &mut self,
        tag: T,
        gate: Gate,
        parts: impl IntoIterator<Item = Part>,
    ) -> CommandId {
        let id = self.ids.next_id();
        self.push_with_id(tag, id, gate, parts);
        id
    }

    /// Queues a command under an id of the caller's (the connection's own
    /// exchanges, [`CommandId::CONNECTION`]).
    pub fn push_with_id(
        &mut self,
        tag: T,
        id: CommandId,
        gate: Gate,
        parts: impl IntoIterator<Item = Part>,
    ) {
        let mut parts = parts.into_iter();
        let first = parts.next();
        let before = self.parts.len();
        self.parts.extend(parts);
        if self.entries.capacity() == 0 {
            // From idle, a slot for one command: a small block the
            // allocator hands out and takes back on its fast path, where
            // the default four slots (288 bytes for SMTP) were freed the
            // slow way once the allocator's per-size cache was full, as
            // it is across many connections. More commands grow it.
            self.entries.reserve_exact(1);
        }
        self.entries.push_back(Queued {
            tag,
            id,
            gate,
            first,
            unsent: (self.parts.len() - before) as u32,
            started: false,
            gated: false,
        });
    }

    /// Writes what may go now: commands in order, each whole or up to its
    /// next continuation gate, as far as pipelining and barriers allow.
    pub fn release(&mut self, out: &mut Outbox) {
        if self.held {
            return;
        }
        for i in 0..self.entries.len() {
            if !self.may_start(i) {
                break;
            }
            let entry = &mut self.entries[i];
            entry.started = true;
            write_until_gate(entry, &mut self.parts, out);
            if entry.gated {
                // Waits for its go-ahead: nothing after it may overtake.
                break;
            }
        }
        if self.parts.is_empty() {
            self.parts = VecDeque::new();
        }
    }

    /// Whether the entry at `i` may be written (or go on being written).
    fn may_start(&self, i: usize) -> bool {
        let entry = &self.entries[i];
        if entry.started {
            // Written up to a gate (or whole): go on with the next one.
            return !entry.gated;
        }
        if i == 0 {
            return true;
        }
        let front = &self.entries[0];
        self.pipelining
            && entry.gate == Gate::Pipelined
            && front.gate == Gate::Pipelined
            && self.entries.range(..i).all(Queued::is_sent)
    }

    /// The peer's go-ahead for the oldest command waiting for one: writes
    /// its next parts, then whatever else may go. Returns its id, or
    /// `None` if no command waited.
    pub fn proceed(&mut self, out: &mut Outbox) -> Option<CommandId> {
        let entry = self.entries.iter_mut().find(|e| e.gated)?;
        // The gate was taken off when it was reached; go on past it.
        entry.gated = false;
        let id = entry.id;
        if !self.held {
            write_until_gate(entry, &mut self.parts, out);
        }
        self.release(out);
        Some(id)
    }

    /// The command the next answer belongs to.
    pub fn front(&self) -> Option<&Queued<T>> {
        self.entries.front()
    }

    /// The same, to change its tag (a listing that moved on).
    pub fn front_mut(&mut self) -> Option<&mut Queued<T>> {
        self.entries.front_mut()
    }

    /// The front command was answered in full: takes it off. Call
    /// [`release`](Self::release) after, to send what it held back.
    pub fn finish(&mut self) -> Option<Queued<T>> {
        let done = self.entries.pop_front()?;
        // Its parts not written (an answer that came early) go with it.
        for _ in 0..done.unsent {
            self.parts.pop_front();
        }
        if self.entries.is_empty() {
            // Idle: nothing held (an idle connection's memory is its state
            // and little else; the next command allocates its slot again).
            self.entries = VecDeque::new();
            self.parts = VecDeque::new();
        }
        Some(done)
    }

    /// The command at `index` (oldest first) was answered in full, before
    /// those in front of it (IMAP: tagged completions come in any order,
    /// RFC 9051 §5.5): takes it off. Call [`release`](Self::release) after.
    pub fn finish_at(&mut self, index: usize) -> Option<Queued<T>> {
        if index == 0 {
            return self.finish();
        }
        // Its unwritten parts sit after those of the entries before it.
        let before: usize = self.entries.range(..index).map(|e| e.unsent as usize).sum();
        let done = self.entries.remove(index)?;
        self.parts.drain(before..before + done.unsent as usize);
        Some(done)
    }

    /// Drops the commands not written yet (a transaction refused half-way);
    /// those written stay, for their answers.
    pub fn cancel_unsent(&mut self) {
        while self.entries.back().is_some_and(|e| !e.started) {
            if let Some(e) = self.entries.pop_back() {
                let keep = self.parts.len() - e.unsent as usize;
                self.parts.truncate(keep);
            }
        }
    }

    /// Forgets every command (the peer closed the session: no answer
    /// will come).
    pub fn clear(&mut self) {
        self.entries = VecDeque::new();
        self.parts = VecDeque::new();
    }

    /// How many commands wait to go or for their answers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no command waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every queued command, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued<T>> {
        self.entries.iter()
    }
}

/// Writes `entry`'s parts (the first `unsent` of `parts`) up to the next
/// continuation gate, which it takes off and notes.
fn write_until_gate<T>(entry: &mut Queued<T>, parts: &mut VecDeque<Part>, out: &mut Outbox) {
    loop {
        let part = match entry.first.take() {
            Some(part) => part,
            None if entry.unsent > 0 => {
                let Some(part) = parts.pop_front() else {
                    break;
                };
                entry.unsent -= 1;
                part
            }
            None => break,
        };
        match part {
            Part::Text(t) => out.write(&t),
            Part::Bytes(b) if b.len() < COPY_BELOW => out.write(&b),
            Part::Bytes(b) => out.push(b),
            Part::AwaitContinuation => {
                entry.gated = true;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn finish_at_takes_a_later_command_and_its_unwritten_parts() {
        let mut out = Outbox::new();
        let mut q = CommandQueue::new();
        q.set_pipelining(true);
        q.push(1, Gate::Pipelined, line("A1 NOOP\r\n"));
        // Refused before its `+`: its literal is never written.
        q.push_parts(
            2,
            Gate::Pipelined,
            [
                Part::Bytes(line("A2 APPEND X {5}\r\n")),
                Part::AwaitContinuation,
                Part::Bytes(line("hello\r\n")),
            ],
        );
        q.push_parts(
            3,
            Gate::Pipelined,
            [Part::Bytes(line("A3 LOGIN ")), Part::Bytes(line("u p\r\n"))],
        );
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"A1 NOOP\r\nA2 APPEND X {5}\r\n");
        assert!(q.iter().nth(1).is_some_and(Queued::is_started));
        assert!(!q.iter().nth(2).is_some_and(Queued::is_started));
        assert_eq!(q.finish_at(1).map(|e| e.tag), Some(2));
        q.release(&mut out);
        // A3 goes whole, and nothing of A2's literal.
        assert_eq!(out.take_vec(), b"A3 LOGIN u p\r\n");
        assert_eq!(
            q.iter().map(|e| e.tag).collect::<alloc::vec::Vec<_>>(),
            [1, 3]
        );
        assert_eq!(q.finish_at(1).map(|e| e.tag), Some(3));
        assert_eq!(q.finish_at(0).map(|e| e.tag), Some(1));
        assert!(q.is_empty() && q.finish_at(0).is_none());
    }

    #[test]
    fn one_at_a_time_without_pipelining() {
        let mut out = Outbox::new();
        let mut q = CommandQueue::new();
        q.push(1, Gate::Pipelined, line("STAT\r\n"));
        q.push(2, Gate::Pipelined, line("LIST\r\n"));
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"STAT\r\n");
        q.finish();
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"LIST\r\n");
    }

    #[test]
    fn barriers_go_alone_and_hold_what_follows() {
        let mut out = Outbox::new();
        let mut q = CommandQueue::new();
        q.set_pipelining(true);
        q.push("a", Gate::Pipelined, line("USER a\r\n"));
        q.push("stls", Gate::Barrier, line("STLS\r\n"));
        q.push("b", Gate::Pipelined, line("CAPA\r\n"));
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"USER a\r\n");
        q.finish();
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"STLS\r\n");
        // The handshake: hold everything.
        q.hold(true);
        q.finish();
        q.release(&mut out);
        assert!(out.is_empty());
        q.hold(false);
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"CAPA\r\n");
    }

    #[test]
    fn a_continuation_gate_keeps_later_commands_behind_it() {
        let mut out = Outbox::new();
        let mut q = CommandQueue::new();
        q.set_pipelining(true);
        let big = Bytes::from(alloc::vec![b'x'; 4096]);
        let id = q.push_parts(
            "post",
            Gate::Pipelined,
            [
                Part::Bytes(line("POST\r\n")),
                Part::AwaitContinuation,
                Part::Bytes(big.clone()),
            ],
        );
        q.push("quit", Gate::Pipelined, line("QUIT\r\n"));
        q.release(&mut out);
        assert_eq!(out.take_vec(), b"POST\r\n");
        assert!(q.front().unwrap().awaits_continuation());
        assert_eq!(q.proceed(&mut out), Some(id));
        // The article is queued as the caller's Bytes, not copied.
        let chunks: alloc::vec::Vec<&[u8]> = out.chunks().collect();
        assert_eq!(chunks[0].as_ptr(), big.as_ptr());
        assert_eq!(out.take_vec().len(), 4096 + 6);
        assert_eq!(q.proceed(&mut out), None);
    }

    #[test]
    fn cancel_drops_only_what_was_not_written() {
        let mut out = Outbox::new();
        let mut q = CommandQueue::new();
        q.push(1, Gate::Pipelined, line("MAIL\r\n"));
        q.push(2, Gate::Pipelined, line("RCPT\r\n"));
        q.release(&mut out);
        q.cancel_unsent();
        assert_eq!(q.len(), 1);
        assert_eq!(q.front().unwrap().tag, 1);
    }
}
