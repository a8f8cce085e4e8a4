//! Annual targets (附件2): consultations per unit, average satisfaction, special-group aid cases.

/// The programme's satisfaction target in the 2023 plan: 95% or more.
pub const DEFAULT_SATISFACTION_TARGET_PERCENT: f64 = 95.0;

/// A satisfaction percentage stored as tenths of a percent (95.0% → 950), so both backends hold
/// it exactly as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatisfactionPermille(i32);

/// Why a percentage is not acceptable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PercentError {
    /// Outside 0..=100.
    #[error("must be between 0 and 100")]
    OutOfRange,
}

impl SatisfactionPermille {
    /// Parses a percentage such as 95 or 97.5, rounded half up to one decimal (97.55 → 97.6).
    pub fn from_percent(percent: f64) -> Result<Self, PercentError> {
        if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
            return Err(PercentError::OutOfRange);
        }
        // The epsilon undoes binary representation error (97.55 is 97.5499999… as f64).
        Ok(Self((percent * 10.0 + 1e-9).round() as i32))
    }

    /// Wraps a stored value.
    pub fn from_stored(tenths: i32) -> Self {
        Self(tenths)
    }

    /// The stored value (tenths of a percent).
    pub fn stored(self) -> i32 {
        self.0
    }

    /// As a percentage.
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

/// The earliest and latest target years accepted.
pub const TARGET_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// `year` when it is within [`TARGET_YEARS`], else why it is refused.
pub fn check_year(year: i32) -> Result<i32, crate::domain::message::Message> {
    if TARGET_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(bad_year())
    }
}

/// Why a year outside [`TARGET_YEARS`] is refused.
pub fn bad_year() -> crate::domain::message::Message {
    crate::domain::message::Message::new(
        "year must be between 2000 and 2100",
        "年度须在 2000 到 2100 之间",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trips_with_one_decimal() {
        let p = SatisfactionPermille::from_percent(95.0).unwrap();
        assert_eq!(p.stored(), 950);
        assert_eq!(p.percent(), 95.0);
        assert_eq!(
            SatisfactionPermille::from_percent(97.5).unwrap().stored(),
            975
        );
        assert_eq!(
            SatisfactionPermille::from_percent(97.55).unwrap().stored(),
            976
        );
        assert_eq!(
            SatisfactionPermille::from_percent(97.54).unwrap().stored(),
            975
        );
        assert_eq!(
            SatisfactionPermille::from_percent(100.1),
            Err(PercentError::OutOfRange)
        );
        assert_eq!(
            SatisfactionPermille::from_percent(f64::NAN),
            Err(PercentError::OutOfRange)
        );
    }
}
