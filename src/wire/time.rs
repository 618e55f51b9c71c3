//! Time as an input: the machines never read a clock; drivers (or tests
//! with a virtual clock) tell them what time it is.

use core::fmt;
use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time, in microseconds since an origin the driver chose (its
/// own start, boot, the test's zero). Only differences between instants of
/// the same driver mean anything. `no_std`, like smoltcp's.
///
/// ```
/// use core::time::Duration;
/// use sanswire::wire::Instant;
/// let t = Instant::from_secs(10);
/// assert_eq!(t + Duration::from_millis(500), Instant::from_millis(10_500));
/// assert_eq!(Instant::from_secs(12) - t, Duration::from_secs(2));
/// assert_eq!(t - Instant::from_secs(12), Duration::ZERO);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    micros: u64,
}

impl Instant {
    /// The origin.
    pub const ZERO: Instant = Instant { micros: 0 };

    /// `micros` microseconds after the origin.
    pub const fn from_micros(micros: u64) -> Self {
        Instant { micros }
    }

    /// `millis` milliseconds after the origin.
    pub const fn from_millis(millis: u64) -> Self {
        Instant {
            micros: millis.saturating_mul(1000),
        }
    }

    /// `secs` seconds after the origin.
    pub const fn from_secs(secs: u64) -> Self {
        Instant {
            micros: secs.saturating_mul(1_000_000),
        }
    }

    /// Microseconds since the origin.
    pub const fn micros(self) -> u64 {
        self.micros
    }

    /// How long after the origin this is.
    pub const fn since_origin(self) -> Duration {
        Duration::from_micros(self.micros)
    }

    /// How long after `earlier` this is; zero if it is not later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.micros.saturating_sub(earlier.micros))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the end of time instead of overflowing.
    fn add(self, d: Duration) -> Instant {
        let d = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Instant {
            micros: self.micros.saturating_add(d),
        }
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturates at zero (see [`Instant::saturating_since`]).
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:06}s",
            self.micros / 1_000_000,
            self.micros % 1_000_000
        )
    }
}
