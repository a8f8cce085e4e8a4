//! The demo year: the 365 days up to yesterday (China time), played day by day in the order of
//! the story's clock. Each day's work is a handful of audited writes, each at its own time: aid
//! steps in the morning, follow-up calls at 15:00, the week's follow-ups planned on Monday at
//! 16:00, the day's register at 17:30, the reviewer's round at 18:00. Every write goes through
//! [`audit::write`] with the actor's clock set to its time, so the trail, the change feed and
//! the records' own times tell the same story.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::rng::{seed_of, Rng};
use super::roster::{self, Roster};
use super::{aid, consultations, follow_ups};
use crate::db::DbConnection;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::duty::DutyPeriod;
use crate::error::ApiError;
use crate::store::{audit, Actor};

/// Days of activity the demo loads: a year, ending yesterday.
pub const DAYS: i64 = 365;
/// Weeks of duty roster booked before today's week, and after it (its own week included).
pub const ROSTER_WEEKS_BEFORE: i64 = 4;
/// Weeks of duty roster from today's week on.
pub const ROSTER_WEEKS_AHEAD: i64 = 4;

/// What the demo year loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct YearSummary {
    /// Consultations registered.
    pub consultations: usize,
    /// Aid applications received.
    pub aid_applications: usize,
    /// Steps taken on them.
    pub aid_steps: usize,
    /// Follow-up calls made.
    pub follow_up_calls: usize,
    /// Duty shifts booked.
    pub duty_shifts: usize,
}

/// The first day of activity of the year ending yesterday.
pub fn first_day(today: NaiveDate) -> NaiveDate {
    today - Duration::days(DAYS)
}

/// A time of day in China, as stored (UTC).
pub fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    let local = day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default());
    local - Duration::hours(8)
}

/// A shift as the register links it: its id, half of the day and people.
#[derive(Debug, Clone)]
pub struct BookedShift {
    pub id: i64,
    pub period: DutyPeriod,
    pub staff_ids: Vec<i64>,
}

/// What the day's writes share: the units and people, the shifts booked, the consultations
/// waiting for review, the ids of the aid applications received.
pub struct Story<'a> {
    pub actor: &'a Actor,
    pub roster: Roster,
    pub county: i64,
    pub rng: Rng,
    pub shifts: HashMap<(i64, NaiveDate), Vec<BookedShift>>,
    pub pending_review: Vec<(i64, NaiveDate)>,
    pub aid_ids: Vec<Option<i64>>,
    pub summary: YearSummary,
}

enum Job {
    Targets(i32),
    Roster(NaiveDate, NaiveDate),
    Aid(usize, usize),
    Calls,
    PlanFollowUps,
    Register,
    Review,
}

/// Loads the year ending yesterday (see the module's note).
pub fn seed(
    tx: &mut DbConnection,
    actor: &Actor,
    today: NaiveDate,
) -> Result<YearSummary, ApiError> {
    let first = first_day(today);
    let last = today - Duration::days(1);
    let roster = Roster::load(tx)?;
    let calendar =
        crate::store::calendar::load(tx, first - Duration::days(7), today + Duration::days(60))?;
    let rng = Rng::new(seed_of(today));
    let cases = aid::plan(&roster, &calendar, first, today, &rng.fork(2));
    let register = consultations::Register::new(&roster, &calendar, first, &rng.fork(1));
    let roster_from = crate::domain::duty::week_start(today) - Duration::weeks(ROSTER_WEEKS_BEFORE);
    let roster_to = crate::domain::duty::week_start(today) + Duration::weeks(ROSTER_WEEKS_AHEAD)
        - Duration::days(1);
    // Booked on the Friday before the roster's first week.
    let roster_day = roster_from - Duration::days(3);
    let mut story = Story {
        actor,
        county: actor.unit_id,
        roster,
        rng,
        shifts: HashMap::new(),
        pending_review: Vec::new(),
        aid_ids: vec![None; cases.len()],
        summary: YearSummary::default(),
    };
    let mut steps_by_day: HashMap<NaiveDate, Vec<(NaiveDateTime, Job)>> = HashMap::new();
    for (c, case) in cases.iter().enumerate() {
        for (s, step) in case.steps.iter().enumerate() {
            let on = crate::time::to_cst(step.at).date_naive();
            if on <= last {
                steps_by_day
                    .entry(on)
                    .or_default()
                    .push((step.at, Job::Aid(c, s)));
            }
        }
    }
    for day in first.iter_days().take_while(|d| *d <= last) {
        let mut jobs = steps_by_day.remove(&day).unwrap_or_default();
        if day == first {
            jobs.push((at(day, 8, 30), Job::Targets(day.year())));
        }
        if day.ordinal() == 1 && day != first {
            jobs.push((at(day, 8, 30), Job::Targets(day.year())));
        }
        if day == roster_day {
            jobs.push((at(day, 16, 30), Job::Roster(roster_from, roster_to)));
        }
        let working = calendar.is_working_day(day);
        if working {
            jobs.push((at(day, 15, 0), Job::Calls));
            jobs.push((at(day, 18, 0), Job::Review));
        }
        if day.weekday() == chrono::Weekday::Mon {
            jobs.push((at(day, 16, 0), Job::PlanFollowUps));
        }
        jobs.push((at(day, 17, 30), Job::Register));
        jobs.sort_by_key(|j| j.0);
        for (time, job) in jobs {
            story.actor.clock.set(time.and_utc());
            match job {
                Job::Targets(year) => {
                    audit::write(tx, actor, |tx, log| super::seed_targets(tx, log, year))?;
                }
                Job::Roster(from, to) => book_roster(tx, &mut story, from, to)?,
                Job::Aid(c, s) => aid::step(tx, &mut story, &cases, c, s)?,
                Job::Calls => follow_ups::calls(tx, &mut story, day)?,
                Job::PlanFollowUps => follow_ups::plan_week(tx, &mut story, day)?,
                Job::Register => register.day(tx, &mut story, day)?,
                Job::Review => consultations::review_round(tx, &mut story, day)?,
            }
        }
    }
    // The current year's targets when the year began inside the window (already written), or
    // today is 1 January: written now.
    if today.ordinal() == 1 {
        story.actor.clock.set(at(today, 8, 30).and_utc());
        audit::write(tx, actor, |tx, log| {
            super::seed_targets(tx, log, today.year())
        })?;
    }
    Ok(story.summary)
}

fn book_roster(
    tx: &mut DbConnection,
    story: &mut Story,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), ApiError> {
    let (county, roster) = (story.county, &story.roster);
    let shifts = audit::write(tx, story.actor, |tx, log| {
        roster::book(tx, log, county, roster, from, to)
    })?;
    story.summary.duty_shifts += shifts.len();
    for s in shifts {
        story
            .shifts
            .entry((s.unit_id, s.date))
            .or_default()
            .push(BookedShift {
                id: s.id,
                period: s.period,
                staff_ids: s.staff.iter().map(|p| p.id).collect(),
            });
    }
    Ok(())
}

/// `day`, or the next working day after it.
pub fn next_working(calendar: &BusinessCalendar, mut day: NaiveDate) -> NaiveDate {
    while !calendar.is_working_day(day) {
        day += Duration::days(1);
    }
    day
}

/// `n` working days after `day` (0: `day` itself, or the next working day).
pub fn add_working_days(calendar: &BusinessCalendar, day: NaiveDate, n: i64) -> NaiveDate {
    let mut d = next_working(calendar, day);
    for _ in 0..n {
        d = next_working(calendar, d + Duration::days(1));
    }
    d
}

/// The working day `n` working days before `today`.
pub fn working_days_before(calendar: &BusinessCalendar, today: NaiveDate, n: i64) -> NaiveDate {
    let mut d = today;
    let mut left = n;
    while left > 0 {
        d -= Duration::days(1);
        if calendar.is_working_day(d) {
            left -= 1;
        }
    }
    d
}
