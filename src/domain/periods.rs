//! Legal periods counted in days (期间), as the Civil Code counts them:
//!
//! - the day the period starts is not counted: counting begins the next day (Art. 201);
//! - the period ends at 24:00 of its last day (Art. 203 ¶2), here in China Standard Time;
//! - a last day that is a statutory rest day (法定休假日: a public holiday, or a weekend not made
//!   a working day by the State Council's schedule) moves to the first working day after it
//!   (Art. 203 ¶1);
//! - days on which the period stood still (the applicant supplementing materials, MoJ procedure
//!   rules 2023) are not counted.
//!
//! The business calendar says which days are working days, but only for the years whose
//! schedule has been published; a period whose end reaches a year the calendar does not hold is
//! refused with [`NoCalendar`] instead of guessed.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};

use crate::domain::calendar::BusinessCalendar;
use crate::time::cst as china;

/// The calendar day in China of an instant.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// The instant a day ends in China: 24:00 of `day`, which is 00:00 of the next day.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    china()
        .from_local_datetime(&next.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| next.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A period reaches a year whose holiday schedule the calendar does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoCalendar {
    /// The year without a schedule.
    pub year: i32,
}

impl NoCalendar {
    /// The reason in both languages.
    pub fn message(&self) -> crate::domain::message::Message {
        crate::domain::message::Message::new(
            self.to_string(),
            format!(
                "营业日历中没有 {} 年的节假日安排：须录入国务院办公厅当年的放假安排后才能计算期限",
                self.year
            ),
        )
    }
}

impl std::fmt::Display for NoCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the business calendar holds no holiday schedule for {}: the due date cannot be \
             computed until the State Council's schedule for that year is entered",
            self.year
        )
    }
}

impl std::error::Error for NoCalendar {}

/// When a period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The last day of the period (China Standard Time).
    pub date: NaiveDate,
    /// The instant the period ends: 24:00 of `date` in China.
    pub at: DateTime<Utc>,
    /// The last day before it moved past rest days, when it moved (Art. 203 ¶1).
    pub moved_from: Option<NaiveDate>,
}

impl Due {
    /// The period that ends at `at` (the end of a day in China, as [`end_of_day`] gives).
    pub fn ending_at(at: DateTime<Utc>) -> Self {
        Due {
            date: china_date(at - chrono::Duration::seconds(1)),
            at,
            moved_from: None,
        }
    }

    /// Whether something done at `done` was within the period.
    pub fn met_by(&self, done: DateTime<Utc>) -> bool {
        done < self.at
    }
}

/// The end of a period of `days` days that starts on `start` (a day not counted), with
/// `paused_days` days on which it stood still.
pub fn due(
    start: NaiveDate,
    days: u32,
    paused_days: u32,
    calendar: &BusinessCalendar,
) -> Result<Due, NoCalendar> {
    let counted_to = start
        .checked_add_days(Days::new(u64::from(days) + u64::from(paused_days)))
        .ok_or(NoCalendar { year: i32::MAX })?;
    let mut last = counted_to;
    loop {
        if !calendar.covers(last.year()) {
            return Err(NoCalendar { year: last.year() });
        }
        if calendar.is_working_day(last) {
            break;
        }
        last = last.succ_opt().ok_or(NoCalendar { year: i32::MAX })?;
    }
    Ok(Due {
        date: last,
        at: end_of_day(last),
        moved_from: (last != counted_to).then_some(counted_to),
    })
}

/// The end of a period that starts at an instant: counting begins the day after that instant's
/// day in China.
pub fn due_after(
    start: DateTime<Utc>,
    days: u32,
    paused_days: u32,
    calendar: &BusinessCalendar,
) -> Result<Due, NoCalendar> {
    due(china_date(start), days, paused_days, calendar)
}

/// The days a period stood still: from the day the pause began (counted, as the period ran
/// part of it) to the day it ended (not counted), so that counting resumes the day after.
pub fn paused_days(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    let days = (china_date(to) - china_date(from)).num_days();
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
