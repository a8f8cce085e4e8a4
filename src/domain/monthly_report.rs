//! The monthly report (四(二) 狠抓工作落实): "各司法所每月10日16时前报送工作进展情况（上月10日至本月10日
//! 亮点做法、典型案例及活动简报至少各1个）".
//!
//! The seed names the 10th at both ends of the period; this service gives the 10th to the report
//! that is due on it. The period `YYYY-MM` runs from the 11th of the month before, 00:00 China
//! Standard Time, up to and including the 10th of `YYYY-MM` (to 24:00 that day): a consultation
//! received at 2026-10-10 23:59:59 +08:00 counts in period 2026-10, one at 2026-10-11 00:00:00 in
//! period 2026-11. Activities count by their date the same way.
//!
//! The report is due on the 10th of `YYYY-MM` at 16:00 China Standard Time, read as a clock reads
//! it, to the minute: a report submitted at 16:00:59 is on time, one at 16:01:00 is late. The due
//! time is fixed by the bureau's own rule, not a legal period: a 10th that falls on a rest day does
//! not move.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::activity::ActivityKind;
use crate::domain::consultation::{Channel, Outcome, Site};
use crate::domain::units::UnitKind;
use crate::time::cst;

/// The day of the month the report is due, and the last day of its period (四(二)).
pub const DUE_DAY: u32 = 10;
/// The hour of the due day the report is due, China Standard Time (四(二): 16时).
pub const DUE_HOUR: u32 = 16;
/// The units that must report each month: the township judicial offices the seed names (各司法所)
/// and the county public legal service centre, which registers consultations as they do.
pub const REPORTING_UNITS: &[UnitKind] =
    &[UnitKind::JudicialOffice, UnitKind::PublicLegalServiceCentre];

/// Whether units of this kind must report monthly.
pub fn must_report(kind: UnitKind) -> bool {
    REPORTING_UNITS.contains(&kind)
}

crate::code_table! {
    /// Where a unit stands with the report of a period.
    pub enum ReportStatus as "monthly_report_status" {
        /// Submitted by the due time.
        Submitted = "submitted": "按时报送",
        /// Submitted after the due time.
        Late = "late": "逾期报送",
        /// Not submitted, and the due time has passed.
        Missing = "missing": "未报送",
        /// Not submitted yet, and the due time has not come.
        NotDue = "not_due": "未到报送时间",
    }
}

/// A report period, named by the month it is due in (`2026-11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

/// The first and last years a period may name.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Period {
    /// Parses `YYYY-MM` (years 2000 to 2100).
    pub fn parse(text: &str) -> Result<Period, crate::domain::message::Message> {
        let bad = || {
            crate::domain::message::Message::new(
                format!("period: `{text}` is not a period of the form YYYY-MM (e.g. 2026-11)"),
                format!("period：`{text}` 不是 YYYY-MM 形式的期间（如 2026-11）"),
            )
        };
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !YEARS.contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    /// The period of a year and month; `None` outside 2000-01 … 2100-12.
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=12).contains(&month) && YEARS.contains(&year)).then_some(Period { year, month })
    }

    /// The period a day (in China) counts in: the 1st to the 10th in its own month's, the 11th
    /// onwards in the next month's.
    pub fn of_day(day: NaiveDate) -> Period {
        let p = Period {
            year: day.year(),
            month: day.month(),
        };
        if day.day() <= DUE_DAY {
            p
        } else {
            p.next()
        }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month (1 to 12).
    pub fn month(self) -> u32 {
        self.month
    }

    /// The period before.
    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The period after.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    fn day(self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day).unwrap_or(NaiveDate::MIN)
    }

    /// The first day of the period: the 11th of the month before.
    pub fn first_day(self) -> NaiveDate {
        self.previous().day(DUE_DAY + 1)
    }

    /// The last day of the period: the 10th of its month.
    pub fn last_day(self) -> NaiveDate {
        self.day(DUE_DAY)
    }

    /// The instant the period starts: its first day, 00:00 China Standard Time.
    pub fn starts_at(self) -> DateTime<Utc> {
        midnight(self.first_day())
    }

    /// The instant the period ends (exclusive): 24:00 of its last day, China Standard Time.
    pub fn ends_at(self) -> DateTime<Utc> {
        midnight(self.day(DUE_DAY + 1))
    }

    /// The due time: the 10th, 16:00 China Standard Time.
    pub fn due_at(self) -> DateTime<Utc> {
        cst()
            .with_ymd_and_hms(self.year, self.month, DUE_DAY, DUE_HOUR, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Whether a report submitted at `at` is late: after the due minute (16:00:59 is on time,
    /// 16:01:00 late).
    pub fn is_late(self, at: DateTime<Utc>) -> bool {
        at >= self.due_at() + chrono::Duration::minutes(1)
    }

    /// Whether the due minute has passed at `now` (a unit without a report is then missing).
    pub fn is_past_due(self, now: DateTime<Utc>) -> bool {
        self.is_late(now)
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    cst()
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Where a unit stands with a period's report.
pub fn status(period: Period, submitted_late: Option<bool>, now: DateTime<Utc>) -> ReportStatus {
    match submitted_late {
        Some(false) => ReportStatus::Submitted,
        Some(true) => ReportStatus::Late,
        None if period.is_past_due(now) => ReportStatus::Missing,
        None => ReportStatus::NotDue,
    }
}

/// Consultations of a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelCount {
    /// The channel.
    pub channel: Channel,
    /// Consultations.
    pub count: i64,
}

/// Consultations at a kind of site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SiteCount {
    /// The site.
    pub site: Site,
    /// Consultations.
    pub count: i64,
}

/// Consultations that ended one way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeCount {
    /// The outcome.
    pub outcome: Outcome,
    /// Consultations.
    pub count: i64,
}

/// The consultations of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsultationFigures {
    /// Consultations received in the period.
    pub total: i64,
    /// Matters handled in them (多件事一次办: one consultation may handle several).
    pub matters: i64,
    /// By channel (only channels with consultations).
    pub by_channel: Vec<ChannelCount>,
    /// By site (only sites with consultations).
    pub by_site: Vec<SiteCount>,
    /// By outcome (only outcomes with consultations).
    pub by_outcome: Vec<OutcomeCount>,
}

/// The legal aid applications of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AidFigures {
    /// Applications received in the period (by their time of receipt).
    pub received: i64,
    /// Applications decided in the period: granted or refused (by the time of the decision in
    /// the audit trail).
    pub decided: i64,
    /// Applications granted in the period (决定给予援助).
    pub granted: i64,
    /// Applications refused in the period (决定不予援助).
    pub rejected: i64,
}

/// The follow-ups completed in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpFigures {
    /// Follow-ups that reached the person in the period.
    pub done: i64,
    /// Follow-ups closed as unreachable in the period.
    pub unreachable: i64,
    /// Of those reached, answers with a satisfaction.
    pub answered: i64,
    /// Of those, answers that count as satisfied (very satisfied, satisfied, basically satisfied).
    pub satisfied: i64,
    /// `satisfied / answered` in percent, to one decimal; absent when nobody answered.
    pub satisfaction_rate: Option<f64>,
}

/// The activities of one kind in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActivityKindCount {
    /// The kind.
    pub kind: ActivityKind,
    /// Activities.
    pub count: i64,
    /// People reached.
    pub audience: i64,
    /// Materials handed out.
    pub materials: i64,
}

/// The outreach and training of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActivityFigures {
    /// Activities held in the period.
    pub total: i64,
    /// People reached.
    pub audience: i64,
    /// Materials handed out.
    pub materials: i64,
    /// By kind (only kinds with activities).
    pub by_kind: Vec<ActivityKindCount>,
}

/// The figures of a unit's subtree in a period, counted in the database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "consultations": {"total": 58, "matters": 63,
        "by_channel": [{"channel": "walk_in", "count": 41}, {"channel": "phone", "count": 17}],
        "by_site": [{"site": "fixed_station", "count": 44}, {"site": "mobile_station", "count": 14}],
        "by_outcome": [{"outcome": "answered", "count": 52}, {"outcome": "referred_legal_aid", "count": 6}]},
    "aid": {"received": 6, "decided": 5, "granted": 4, "rejected": 1},
    "follow_ups": {"done": 12, "unreachable": 1, "answered": 12, "satisfied": 12, "satisfaction_rate": 100.0},
    "activities": {"total": 4, "audience": 230, "materials": 400,
        "by_kind": [{"kind": "themed_tour", "count": 2, "audience": 150, "materials": 300},
                    {"kind": "mobile_station", "count": 2, "audience": 80, "materials": 100}]}
}))]
pub struct Figures {
    /// Consultations received.
    pub consultations: ConsultationFigures,
    /// Legal aid applications.
    pub aid: AidFigures,
    /// Follow-ups and satisfaction.
    pub follow_ups: FollowUpFigures,
    /// Outreach and training.
    pub activities: ActivityFigures,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::assert_codes_match_serde;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<ReportStatus>();
    }

    #[test]
    fn periods_parse_and_print() {
        let p = Period::parse("2026-11").expect("period");
        assert_eq!(p.to_string(), "2026-11");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "",
            "1999-12",
            "２０26-11",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::parse("2026-01").expect("p").previous().to_string(),
            "2025-12"
        );
        assert_eq!(
            Period::parse("2026-12").expect("p").next().to_string(),
            "2027-01"
        );
    }

    #[test]
    fn the_tenth_belongs_to_the_report_due_on_it() {
        let p = Period::parse("2026-11").expect("period");
        assert_eq!(p.first_day(), d(2026, 10, 11));
        assert_eq!(p.last_day(), d(2026, 11, 10));
        assert_eq!(p.starts_at(), at("2026-10-11T00:00:00+08:00"));
        assert_eq!(p.ends_at(), at("2026-11-11T00:00:00+08:00"));
        assert_eq!(Period::of_day(d(2026, 10, 10)).to_string(), "2026-10");
        assert_eq!(Period::of_day(d(2026, 10, 11)).to_string(), "2026-11");
        assert_eq!(Period::of_day(d(2026, 12, 11)).to_string(), "2027-01");
        // January's period starts in December of the year before.
        assert_eq!(
            Period::parse("2027-01").expect("p").first_day(),
            d(2026, 12, 11)
        );
    }

    #[test]
    fn due_at_sixteen_hundred_to_the_minute() {
        let p = Period::parse("2026-11").expect("period");
        assert_eq!(p.due_at(), at("2026-11-10T16:00:00+08:00"));
        assert!(!p.is_late(at("2026-11-10T16:00:59+08:00")));
        assert!(p.is_late(at("2026-11-10T16:01:00+08:00")));
        assert_eq!(
            status(p, None, at("2026-11-10T16:00:59+08:00")),
            ReportStatus::NotDue
        );
        assert_eq!(
            status(p, None, at("2026-11-10T16:01:00+08:00")),
            ReportStatus::Missing
        );
        assert_eq!(
            status(p, Some(true), at("2026-12-01T00:00:00+08:00")),
            ReportStatus::Late
        );
    }
}
