//! The business calendar: which days are working days in China. Saturdays and Sundays are rest
//! days and Monday to Friday are working days, unless the State Council's yearly schedule makes a
//! day a public holiday (法定节假日) or an adjusted working day (调休上班). The overrides live in
//! the `calendar_days` table, installed from the published schedules (see [`schedules`]) and kept
//! by admins; the years whose schedule is held live in `calendar_years`. This module is the pure
//! rule.

pub mod schedules;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

crate::code_table! {
    /// What a calendar override makes of a day.
    pub enum DayKind as "calendar_day_kind" {
        /// A public holiday: no work, whatever the weekday.
        Holiday = "holiday": "法定节假日",
        /// An adjusted working day: work, even on a weekend.
        Workday = "workday": "调休上班日",
    }
}

/// The calendar: the weekly rule plus overrides.
#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl BusinessCalendar {
    /// A calendar from its overrides (holding no year's schedule: see [`Self::with_years`]).
    pub fn new(overrides: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            overrides: overrides.into_iter().collect(),
            years: BTreeSet::new(),
        }
    }

    /// The calendar, saying that it holds the whole schedule of each of `years`.
    pub fn with_years(mut self, years: impl IntoIterator<Item = i32>) -> Self {
        self.years.extend(years);
        self
    }

    /// The calendar of the published schedules alone (as installed before admins change it).
    pub fn published() -> Self {
        Self::new(
            schedules::SCHEDULES
                .iter()
                .flat_map(|s| s.days())
                .map(|(day, kind, _)| (day, kind)),
        )
        .with_years(schedules::SCHEDULES.iter().map(|s| s.year))
    }

    /// Whether the calendar holds the schedule of `year`: without it, which weekdays of that year
    /// are holidays is unknown.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The working days from `from` to `to`, both included.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn spring_festival_2023() -> BusinessCalendar {
        let mut days: Vec<(NaiveDate, DayKind)> = (21..=27)
            .map(|x| (d(2023, 1, x), DayKind::Holiday))
            .collect();
        days.push((d(2023, 1, 28), DayKind::Workday));
        days.push((d(2023, 1, 29), DayKind::Workday));
        BusinessCalendar::new(days)
    }

    #[test]
    fn weekends_rest_weekdays_work() {
        let cal = BusinessCalendar::default();
        assert!(cal.is_working_day(d(2023, 3, 6))); // Monday
        assert!(!cal.is_working_day(d(2023, 3, 4))); // Saturday
        assert!(!cal.is_working_day(d(2023, 3, 5))); // Sunday
    }

    #[test]
    fn holidays_and_adjusted_working_days_override_the_week() {
        let cal = spring_festival_2023();
        assert!(!cal.is_working_day(d(2023, 1, 23))); // Monday in the holiday
        assert!(cal.is_working_day(d(2023, 1, 28))); // Saturday worked
        assert!(cal.is_working_day(d(2023, 1, 29))); // Sunday worked
        let days = cal.working_days(d(2023, 1, 21), d(2023, 1, 31));
        assert_eq!(
            days,
            vec![
                d(2023, 1, 28),
                d(2023, 1, 29),
                d(2023, 1, 30),
                d(2023, 1, 31)
            ]
        );
    }
}
