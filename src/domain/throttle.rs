//! Login throttling as pure rules: how long a counter of failed logins delays the next attempt.
//!
//! Two counters apply to every attempt: one per account (the username typed) and one per client
//! address. Each failure raises its counters; past a number of free failures, each further one
//! delays the next attempt by a doubling time, capped. A delay only ever postpones an attempt:
//! once it has passed, the right password gets in (no lock), and an attempt made during a delay
//! is refused without being counted, so hammering does not lengthen it.

/// Which counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleScope {
    /// Per username (whether or not an account has it, so a delay does not reveal accounts).
    Account,
    /// Per client address.
    Address,
}

impl ThrottleScope {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ThrottleScope::Account => "account",
            ThrottleScope::Address => "address",
        }
    }

    /// Failures without any delay.
    pub fn free_failures(self) -> i32 {
        match self {
            ThrottleScope::Account => ACCOUNT_FREE_FAILURES,
            ThrottleScope::Address => ADDRESS_FREE_FAILURES,
        }
    }

    /// The delay after the `failures`-th failure in a row (none for the free ones): 1 s after the
    /// first failure past the free ones, then 2, 4, 8 … s, at most [`MAX_DELAY_SECS`].
    pub fn delay_secs(self, failures: i32) -> i64 {
        let past = failures - self.free_failures();
        if past <= 0 {
            return 0;
        }
        let exponent = u32::try_from(past - 1).unwrap_or(u32::MAX).min(20);
        (1i64 << exponent).min(MAX_DELAY_SECS)
    }
}

/// Failed logins per username without delay.
pub const ACCOUNT_FREE_FAILURES: i32 = 3;
/// Failed logins per client address without delay (an office behind one address mistypes too).
pub const ADDRESS_FREE_FAILURES: i32 = 10;
/// The longest delay, in seconds.
pub const MAX_DELAY_SECS: i64 = 300;
/// A counter with no failure for this long starts again from zero.
pub const FORGET_AFTER_SECS: i64 = 15 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures_and_are_capped() {
        let a = ThrottleScope::Account;
        let delays: Vec<i64> = (1..=8).map(|n| a.delay_secs(n)).collect();
        assert_eq!(delays, vec![0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(a.delay_secs(30), MAX_DELAY_SECS);
        assert_eq!(a.delay_secs(i32::MAX), MAX_DELAY_SECS);
        let addr = ThrottleScope::Address;
        assert_eq!(addr.delay_secs(10), 0);
        assert_eq!(addr.delay_secs(11), 1);
        assert_eq!(addr.delay_secs(13), 4);
    }
}
