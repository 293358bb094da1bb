//! The time source the mock reads, injectable so expiry can be tested without sleeping.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the mock gets "now" from. Milliseconds since the Unix epoch, because device-flow
/// polling (`slow_down`) needs finer steps than the seconds that JWT claims use.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now_ms(&self) -> u64;

    fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        // A clock before 1970 is a broken machine; treating it as the epoch keeps the server up.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to: tests advance it past a lifetime instead of sleeping.
#[derive(Debug)]
pub struct ManualClock {
    ms: AtomicU64,
}

impl ManualClock {
    /// Starts at the current wall-clock time, so issued tokens look realistic.
    pub fn new() -> Self {
        Self::starting_at_ms(SystemClock.now_ms())
    }

    pub fn starting_at_ms(ms: u64) -> Self {
        Self {
            ms: AtomicU64::new(ms),
        }
    }

    pub fn advance(&self, by: Duration) {
        let by_ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.ms.fetch_add(by_ms, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::starting_at_ms(10_000);
        assert_eq!(clock.now_secs(), 10);
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now_ms(), 11_500);
        assert_eq!(clock.now_secs(), 11);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_secs() > 1_577_836_800);
    }
}
