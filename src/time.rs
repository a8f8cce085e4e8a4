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

/// Serializes a time exactly as chrono does (RFC 3339, seconds fractions as needed), written as
/// one string rather than character by character through serde's `collect_str`: a list of
/// twenty rows writes about a hundred times, and the per-character path was a sixth of the
/// cost of a request. Use as `#[serde(serialize_with = "crate::time::rfc3339")]`.
pub fn rfc3339<S: serde::Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// [`rfc3339`] of an optional time (`null` when absent).
pub fn rfc3339_opt<S: serde::Serializer>(
    t: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Fast(#[serde(serialize_with = "rfc3339")] DateTime<FixedOffset>);

    #[test]
    fn rfc3339_writes_what_chrono_writes() {
        let base = chrono::NaiveDate::from_ymd_opt(2023, 3, 7)
            .and_then(|d| d.and_hms_opt(1, 40, 0))
            .expect("a valid time");
        for offset in [8 * 3600, 0, -5 * 3600 - 1800] {
            let tz = FixedOffset::east_opt(offset).expect("a valid offset");
            for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1_000, 999_999_999] {
                let t = (base + chrono::Duration::nanoseconds(nanos))
                    .and_utc()
                    .with_timezone(&tz);
                assert_eq!(
                    serde_json::to_string(&Fast(t)).expect("serializes"),
                    serde_json::to_string(&t).expect("serializes"),
                );
            }
        }
    }
}
