//! Drivers that move bytes between real I/O and any machine of the crate.
//!
//! The drivers know nothing of any protocol: everything they do goes through
//! [`Machine`](crate::wire::Machine). The typed clients in each protocol
//! module are thin layers over them.

mod blocking;
pub mod http;

pub use blocking::{DriveError, Driver};
