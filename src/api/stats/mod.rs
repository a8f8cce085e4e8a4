//! Supervision and statistics (附件1 item 3, 附件2): progress against the annual targets, and
//! breakdowns of consultations and aid applications, each also as a CSV or XLSX file. Every
//! figure is an aggregate counted by the database; no personal data is read or returned.

mod breakdowns;
mod export;
mod targets;

pub use breakdowns::{
    get_aid_stats, get_consultation_stats, AidBreakdown, AidStatsQuery, BreakdownRow,
    ConsultationBreakdown, ConsultationStatsQuery, GroupLabel,
};
pub use export::{export_aid_stats, export_consultation_stats, export_target_stats};
pub use targets::{
    get_target_stats, CalendarBasis, SatisfactionProgress, TargetFigures, TargetProgress,
    TargetsQuery, TargetsReport, UnitProgress,
};

use chrono::NaiveDate;

use crate::error::ApiError;
use crate::time::day_start_utc;

/// The longest period of a breakdown, in days after `from`.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(targets::get_target_stats)
        .service(export::export_target_stats)
        .service(breakdowns::get_consultation_stats)
        .service(export::export_consultation_stats)
        .service(breakdowns::get_aid_stats)
        .service(export::export_aid_stats);
}

/// The days `from..=to` (China time) as stored UTC instants `[start, end)`; a period that runs
/// backwards or is too long is a 400, as the other reports' periods are.
pub(crate) fn period(
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(chrono::NaiveDateTime, chrono::NaiveDateTime), ApiError> {
    crate::time::check_period(from, to, MAX_PERIOD_DAYS).map_err(ApiError::BadRequest)?;
    match (day_start_utc(from), to.succ_opt().and_then(day_start_utc)) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(ApiError::bad_request("invalid period", "期间无效")),
    }
}

/// The months a period touches: each month's code (`YYYY-MM`) and the instant it starts in
/// China (the first one at the period's start).
pub(crate) fn months(from: NaiveDate, to: NaiveDate) -> Vec<crate::store::stats::Month> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        if let Some(at) = day_start_utc(day) {
            out.push((format!("{:04}-{:02}", day.year(), day.month()), at));
        }
        let next = if day.month() == 12 {
            NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
        };
        match next {
            Some(n) => day = n,
            None => break,
        }
    }
    out
}

/// A month code's label: `2023-01` → `2023年1月`.
pub(crate) fn month_label(code: &str) -> String {
    match code.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_a_period_start_at_its_first_day_and_at_each_month_start() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let m = months(d(2022, 12, 15), d(2023, 2, 1));
        let codes: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(codes, vec!["2022-12", "2023-01", "2023-02"]);
        // The start of January 2023 in China is 16:00 UTC on 31 December.
        assert_eq!(m[1].1.to_string(), "2022-12-31 16:00:00");
        assert_eq!(month_label("2023-01"), "2023年1月");
        assert_eq!(month_label("2023-11"), "2023年11月");
    }
}
