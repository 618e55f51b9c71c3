use core::fmt;

/// A machine's sticky error: holds the first error and hands out a clone of
/// it ever after, the rule every [`Machine`](super::Machine) follows.
///
/// A machine keeps one in place of an `Option<Error>` field, and its
/// [`poll_event`](super::Machine::poll_event) becomes: refuse with the
/// stored error if there is one ([`check`](Self::check)), run the protocol,
/// then keep the error if that failed ([`record`](Self::record)). The two
/// calls are separate (no closure) so that the protocol step may borrow the
/// whole machine in between. Errors that arise outside polling (plaintext
/// found after a TLS upgrade, a send that must poison the session) go in
/// with [`set`](Self::set), which never replaces an earlier error.
///
/// ```
/// use sanswire::wire::Sticky;
///
/// struct Counter {
///     seen: u32,
///     error: Sticky<&'static str>,
/// }
///
/// impl Counter {
///     fn poll(&mut self) -> Result<u32, &'static str> {
///         self.error.check()?;
///         let r = self.step();
///         self.error.record(r)
///     }
///
///     fn step(&mut self) -> Result<u32, &'static str> {
///         self.seen += 1;
///         if self.seen == 2 { Err("second poll fails") } else { Ok(self.seen) }
///     }
/// }
///
/// let mut c = Counter { seen: 0, error: Sticky::new() };
/// assert_eq!(c.poll(), Ok(1));
/// assert_eq!(c.poll(), Err("second poll fails"));
/// // Later polls return the same error without running the step again.
/// assert_eq!(c.poll(), Err("second poll fails"));
/// assert_eq!(c.seen, 2);
/// // `set` keeps the first error.
/// c.error.set("later");
/// assert_eq!(c.error.get(), Some(&"second poll fails"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Sticky<E> {
    first: Option<E>,
}

impl<E> Sticky<E> {
    /// No error yet.
    pub const fn new() -> Self {
        Sticky { first: None }
    }

    /// Whether an error is stored.
    pub fn is_set(&self) -> bool {
        self.first.is_some()
    }

    /// The stored error, if any.
    pub fn get(&self) -> Option<&E> {
        self.first.as_ref()
    }

    /// Stores `error` unless an error is already stored: the first error
    /// wins, as it is the one that explains what went wrong.
    pub fn set(&mut self, error: E) {
        self.first.get_or_insert(error);
    }
}

impl<E: Clone> Sticky<E> {
    /// `Err` with a clone of the stored error, `Ok` if there is none; call
    /// it first thing in `poll_event` (and anywhere a stored error must
    /// refuse further work).
    pub fn check(&self) -> Result<(), E> {
        match &self.first {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Passes `result` through, storing (a clone of) its error if it is one
    /// and no error was stored before.
    pub fn record<T>(&mut self, result: Result<T, E>) -> Result<T, E> {
        if let Err(e) = &result {
            if self.first.is_none() {
                self.first = Some(e.clone());
            }
        }
        result
    }
}

impl<E> Default for Sticky<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows the same as the `Option<E>` it stands for (`None` or `Some(..)`),
/// so a machine's `Debug` output reads as before.
impl<E: fmt::Debug> fmt::Debug for Sticky<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.first.fmt(f)
    }
}
