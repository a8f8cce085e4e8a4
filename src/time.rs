//! Times leave the service as RFC 3339 in China Standard Time (+08:00; no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDateTime};

/// China Standard Time.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// A stored UTC time as a +08:00 time.
pub fn to_cst(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    utc.and_utc().with_timezone(&cst())
}

/// Midnight at the start of a day in China, as a stored UTC time.
pub fn day_start_utc(day: chrono::NaiveDate) -> Option<NaiveDateTime> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(cst()).single())
        .map(|t| t.naive_utc())
}

/// A period of days `from`..=`to` that runs forwards and spans at most `max_days` after `from`;
/// otherwise the reason, for a 400 or a 422 on `to`.
pub fn check_period(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    max_days: i64,
) -> Result<(), crate::domain::message::Message> {
    if to < from || (to - from).num_days() > max_days {
        return Err(crate::domain::message::Message::new(
            format!("`to` must be on or after `from`, at most {max_days} days later"),
            format!("`to` 须不早于 `from`，且相隔不超过 {max_days} 天"),
        ));
    }
    Ok(())
}
