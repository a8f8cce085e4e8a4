//! The duty roster's rules (举措5, 7; 附件1 items 5–7): who serves, in which half of a day, doing
//! what; when two bookings clash; and whether a unit meets the programme's duty rule.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::units::UnitKind;

crate::code_table! {
    /// What kind of person serves.
    pub enum StaffKind as "staff_kind" {
        /// Lawyer.
        Lawyer = "lawyer": "律师",
        /// Grassroots legal service worker.
        GrassrootsLegalWorker = "grassroots_legal_worker": "基层法律服务工作者",
        /// Judicial office staff.
        JudicialOfficeStaff = "judicial_office_staff": "司法所工作人员",
        /// Legal aid centre staff.
        AidCentreStaff = "aid_centre_staff": "法律援助中心工作人员",
        /// Public legal service centre staff.
        ServiceCentreStaff = "service_centre_staff": "公共法律服务中心工作人员",
        /// People's mediator.
        Mediator = "mediator": "人民调解员",
        /// Notary.
        Notary = "notary": "公证员",
        /// Volunteer.
        Volunteer = "volunteer": "法律服务志愿者",
    }
}

crate::code_table! {
    /// Which part of the day a shift covers.
    pub enum DutyPeriod as "duty_period" {
        /// The whole working day.
        FullDay = "full_day": "全天",
        /// The morning.
        Morning = "morning": "上午",
        /// The afternoon.
        Afternoon = "afternoon": "下午",
    }
}

crate::code_table! {
    /// What the people on a shift do.
    pub enum DutyKind as "duty_kind" {
        /// On duty at the station (驻所/驻点值班).
        StationDuty = "station_duty": "驻点值班",
        /// Visiting villages and communities (进村入社区).
        VillageVisit = "village_visit": "进村（社区）走访",
        /// Visiting enterprises (进企业).
        EnterpriseVisit = "enterprise_visit": "企业走访",
        /// A mobile station on a market day or at an event (流动服务站点).
        MobileStation = "mobile_station": "流动服务站点",
    }
}

crate::code_table! {
    /// A day of the week, for weekly patterns.
    pub enum DayOfWeek as "day_of_week" {
        /// Monday.
        Monday = "monday": "星期一",
        /// Tuesday.
        Tuesday = "tuesday": "星期二",
        /// Wednesday.
        Wednesday = "wednesday": "星期三",
        /// Thursday.
        Thursday = "thursday": "星期四",
        /// Friday.
        Friday = "friday": "星期五",
        /// Saturday.
        Saturday = "saturday": "星期六",
        /// Sunday.
        Sunday = "sunday": "星期日",
    }
}

crate::code_table! {
    /// What a unit's duty rule asks for in a day or week.
    pub enum Requirement as "duty_requirement" {
        /// The centre: station duty for the whole working day.
        FullDayStationDuty = "full_day_station_duty": "全天驻点值班",
        /// A township office: half a day on duty at its station in the week.
        HalfDayStationDuty = "half_day_station_duty": "每周半天驻所值班",
        /// A township office: half a day visiting villages or enterprises in the week.
        HalfDayVisit = "half_day_visit": "每周半天进村（社区）、企业走访",
    }
}

crate::code_table! {
    /// The duty rule a unit is held to.
    pub enum CoverageRule as "duty_coverage_rule" {
        /// Every working day, a full day of station duty (the public legal service centre).
        DailyFullDayStationDuty = "daily_full_day_station_duty": "每个工作日全天值班",
        /// Every week, half a day on duty and half a day of visits (township judicial offices).
        WeeklyDutyAndVisit = "weekly_duty_and_visit": "每周半天值班、半天走访",
    }
}

impl DayOfWeek {
    /// The chrono weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            DayOfWeek::Monday => Weekday::Mon,
            DayOfWeek::Tuesday => Weekday::Tue,
            DayOfWeek::Wednesday => Weekday::Wed,
            DayOfWeek::Thursday => Weekday::Thu,
            DayOfWeek::Friday => Weekday::Fri,
            DayOfWeek::Saturday => Weekday::Sat,
            DayOfWeek::Sunday => Weekday::Sun,
        }
    }
}

/// Office hours of a morning (Shanxi county offices): 08:30 to 12:00.
pub const MORNING: (NaiveTime, NaiveTime) = (hm(8, 30), hm(12, 0));
/// Office hours of an afternoon: 14:30 to 17:30.
pub const AFTERNOON: (NaiveTime, NaiveTime) = (hm(14, 30), hm(17, 30));

const fn hm(h: u32, m: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(h, m, 0) {
        Some(t) => t,
        None => NaiveTime::MIN,
    }
}

impl DutyPeriod {
    /// Whether two bookings of one person on one day overlap.
    pub fn overlaps(self, other: DutyPeriod) -> bool {
        self == DutyPeriod::FullDay || other == DutyPeriod::FullDay || self == other
    }

    /// The office hours the period covers.
    pub fn hours(self) -> (NaiveTime, NaiveTime) {
        match self {
            DutyPeriod::FullDay => (MORNING.0, AFTERNOON.1),
            DutyPeriod::Morning => MORNING,
            DutyPeriod::Afternoon => AFTERNOON,
        }
    }

    /// The half of the day a clock time falls in (before noon: morning).
    pub fn half_at(time: NaiveTime) -> DutyPeriod {
        if time < hm(12, 0) {
            DutyPeriod::Morning
        } else {
            DutyPeriod::Afternoon
        }
    }

    /// Whether a shift of this period serves in the given half of the day.
    pub fn covers(self, half: DutyPeriod) -> bool {
        self == DutyPeriod::FullDay || self == half
    }
}

impl DutyKind {
    /// Whether the shift is a visit to villages or enterprises.
    pub fn is_visit(self) -> bool {
        matches!(self, DutyKind::VillageVisit | DutyKind::EnterpriseVisit)
    }
}

/// The rule a kind of unit is held to, if any.
pub fn coverage_rule(kind: UnitKind) -> Option<CoverageRule> {
    match kind {
        UnitKind::PublicLegalServiceCentre => Some(CoverageRule::DailyFullDayStationDuty),
        UnitKind::JudicialOffice => Some(CoverageRule::WeeklyDutyAndVisit),
        _ => None,
    }
}

/// A shift as the coverage rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftFact {
    /// The date.
    pub date: NaiveDate,
    /// The period.
    pub period: DutyPeriod,
    /// The kind.
    pub kind: DutyKind,
}

/// A day or week where the rule is not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// `2023-01-28` for a day, `2023-W05` for an ISO week.
    pub label: String,
    /// First day of the day or week.
    pub from: NaiveDate,
    /// Last day of the day or week.
    pub to: NaiveDate,
    /// What is missing.
    pub missing: Vec<Requirement>,
}

/// How a unit did against its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Days or weeks assessed (working days; weeks with a working day).
    pub assessed: u32,
    /// Of those, the ones where the rule is met.
    pub met: u32,
    /// The others.
    pub gaps: Vec<Gap>,
}

/// The Monday of the ISO week of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The span of shifts a coverage check of `from..=to` needs (whole ISO weeks for the weekly rule).
pub fn shift_span(rule: CoverageRule, from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    match rule {
        CoverageRule::DailyFullDayStationDuty => (from, to),
        CoverageRule::WeeklyDutyAndVisit => (week_start(from), week_start(to) + Duration::days(6)),
    }
}

/// Assesses a unit's shifts against its rule for `from..=to`. Holidays are never gaps; adjusted
/// working days are working days. A week counts when it has a working day.
pub fn assess(
    rule: CoverageRule,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
    shifts: &[ShiftFact],
) -> Coverage {
    let mut coverage = Coverage {
        assessed: 0,
        met: 0,
        gaps: Vec::new(),
    };
    match rule {
        CoverageRule::DailyFullDayStationDuty => {
            for day in calendar.working_days(from, to) {
                let station = |p: DutyPeriod| {
                    shifts.iter().any(|s| {
                        s.date == day && s.kind == DutyKind::StationDuty && s.period.covers(p)
                    })
                };
                coverage.assessed += 1;
                if station(DutyPeriod::Morning) && station(DutyPeriod::Afternoon) {
                    coverage.met += 1;
                } else {
                    coverage.gaps.push(Gap {
                        label: day.to_string(),
                        from: day,
                        to: day,
                        missing: vec![Requirement::FullDayStationDuty],
                    });
                }
            }
        }
        CoverageRule::WeeklyDutyAndVisit => {
            let mut monday = week_start(from);
            while monday <= to {
                let sunday = monday + Duration::days(6);
                if !calendar.working_days(monday, sunday).is_empty() {
                    let in_week: Vec<&ShiftFact> = shifts
                        .iter()
                        .filter(|s| s.date >= monday && s.date <= sunday)
                        .collect();
                    let mut missing = Vec::new();
                    if !in_week.iter().any(|s| s.kind == DutyKind::StationDuty) {
                        missing.push(Requirement::HalfDayStationDuty);
                    }
                    if !in_week.iter().any(|s| s.kind.is_visit()) {
                        missing.push(Requirement::HalfDayVisit);
                    }
                    coverage.assessed += 1;
                    if missing.is_empty() {
                        coverage.met += 1;
                    } else {
                        let iso = monday.iso_week();
                        coverage.gaps.push(Gap {
                            label: format!("{}-W{:02}", iso.year(), iso.week()),
                            from: monday,
                            to: sunday,
                            missing,
                        });
                    }
                }
                monday += Duration::days(7);
            }
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::DayKind;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, m, day).unwrap()
    }

    fn shift(date: NaiveDate, period: DutyPeriod, kind: DutyKind) -> ShiftFact {
        ShiftFact { date, period, kind }
    }

    #[test]
    fn codes_are_the_serde_names() {
        use crate::domain::codes::assert_codes_match_serde;
        assert_codes_match_serde::<StaffKind>();
        assert_codes_match_serde::<DutyPeriod>();
        assert_codes_match_serde::<DutyKind>();
        assert_codes_match_serde::<DayOfWeek>();
        assert_codes_match_serde::<Requirement>();
        assert_codes_match_serde::<CoverageRule>();
    }

    #[test]
    fn periods_overlap_only_when_they_share_a_half_day() {
        use DutyPeriod::*;
        assert!(
            FullDay.overlaps(Morning) && Morning.overlaps(FullDay) && FullDay.overlaps(FullDay)
        );
        assert!(Morning.overlaps(Morning) && Afternoon.overlaps(Afternoon));
        assert!(!Morning.overlaps(Afternoon) && !Afternoon.overlaps(Morning));
        assert_eq!(DutyPeriod::half_at(hm(9, 0)), Morning);
        assert_eq!(DutyPeriod::half_at(hm(15, 0)), Afternoon);
        assert!(FullDay.covers(Afternoon) && !Morning.covers(Afternoon));
    }

    #[test]
    fn township_week_needs_duty_and_a_visit() {
        let cal = BusinessCalendar::default();
        // Week of Monday 2023-03-06: duty only; week of 03-13: duty and a visit.
        let shifts = [
            shift(d(3, 7), DutyPeriod::Morning, DutyKind::StationDuty),
            shift(d(3, 14), DutyPeriod::Morning, DutyKind::StationDuty),
            shift(d(3, 16), DutyPeriod::Afternoon, DutyKind::EnterpriseVisit),
        ];
        let c = assess(
            CoverageRule::WeeklyDutyAndVisit,
            &cal,
            d(3, 6),
            d(3, 19),
            &shifts,
        );
        assert_eq!((c.assessed, c.met), (2, 1));
        assert_eq!(c.gaps[0].label, "2023-W10");
        assert_eq!(c.gaps[0].missing, vec![Requirement::HalfDayVisit]);
    }

    #[test]
    fn centre_days_skip_holidays_and_include_adjusted_working_days() {
        let cal =
            BusinessCalendar::new([(d(1, 27), DayKind::Holiday), (d(1, 28), DayKind::Workday)]);
        let shifts = [
            shift(d(1, 30), DutyPeriod::FullDay, DutyKind::StationDuty),
            shift(d(1, 31), DutyPeriod::Morning, DutyKind::StationDuty),
            shift(d(1, 31), DutyPeriod::Afternoon, DutyKind::StationDuty),
        ];
        // Fri 27 holiday, Sat 28 worked, Sun 29 rest, Mon 30 full, Tue 31 two halves.
        let c = assess(
            CoverageRule::DailyFullDayStationDuty,
            &cal,
            d(1, 27),
            d(1, 31),
            &shifts,
        );
        assert_eq!((c.assessed, c.met), (3, 2));
        assert_eq!(c.gaps.len(), 1);
        assert_eq!(c.gaps[0].from, d(1, 28));
    }

    #[test]
    fn a_week_without_working_days_is_not_assessed() {
        let cal = BusinessCalendar::new((2..=6).map(|x| (d(10, x), DayKind::Holiday)));
        // 2023-10-02..08 without overrides for the weekend: no working day at all.
        let c = assess(
            CoverageRule::WeeklyDutyAndVisit,
            &cal,
            d(10, 2),
            d(10, 8),
            &[],
        );
        assert_eq!(c.assessed, 0);
        assert_eq!(
            shift_span(CoverageRule::WeeklyDutyAndVisit, d(10, 4), d(10, 4)),
            (d(10, 2), d(10, 8))
        );
    }
}
