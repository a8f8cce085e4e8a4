//! The service's clock. Production reads the system clock; tests (and replays) fix "now" so that
//! deadlines are computed from known times.

use std::sync::RwLock;

use chrono::{DateTime, Utc};

/// The clock every deadline reads.
#[derive(Debug, Default)]
pub struct Clock {
    fixed: RwLock<Option<DateTime<Utc>>>,
}

impl Clock {
    /// Now: the fixed time if one is set, else the system clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed
            .read()
            .map(|f| *f)
            .unwrap_or(None)
            .unwrap_or_else(Utc::now)
    }

    /// Now as stored: UTC, truncated to microseconds (what both backends keep).
    pub fn stamp(&self) -> chrono::NaiveDateTime {
        let now = self.now().naive_utc();
        chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1))
            .unwrap_or(now)
    }

    /// Fixes "now" (not reachable over HTTP).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut f) = self.fixed.write() {
            *f = Some(at);
        }
    }
}
