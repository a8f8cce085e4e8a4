//! The periods, checked by hand against the published calendars (weekdays and holidays in the
//! comments are read off the State Council's notices in `calendar::schedules`).

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

struct Case {
    what: &'static str,
    start: NaiveDate,
    days: u32,
    paused: u32,
    due: NaiveDate,
    moved: bool,
}

type Ymd = (i32, u32, u32);
/// What, the day of the event, the days, the days paused, the last day, whether it moved.
type Row = (&'static str, Ymd, u32, u32, Ymd, bool);

const fn case(
    what: &'static str,
    start: Ymd,
    days: u32,
    paused: u32,
    due: Ymd,
    moved: bool,
) -> Row {
    (what, start, days, paused, due, moved)
}

#[rustfmt::skip]
const CASES: &[Row] = &[
    // Mon 2023-03-06: counting 03-07 … 03-13; the 7th day, Mon 03-13, is a working day.
    case("received on a Monday", (2023, 3, 6), 7, 0, (2023, 3, 13), false),
    // Fri 2023-03-10: 03-11 … 03-17; the 7th day is Fri 03-17.
    case("received on a Friday", (2023, 3, 10), 7, 0, (2023, 3, 17), false),
    // Mon 2023-03-20, 5 days: 03-21 … Sat 03-25, a rest day: Mon 03-27.
    case("ends on a Saturday", (2023, 3, 20), 5, 0, (2023, 3, 27), true),
    // Thu 2023-09-28: 09-29 … 10-05, in the 中秋节、国庆节 holiday (09-29 … 10-06); the next day,
    // Sat 10-07, is worked in exchange (调休上班): the period ends there.
    case("before a holiday, ending on an adjusted working day", (2023, 9, 28), 7, 0, (2023, 10, 7), true),
    // Thu 2023-04-27, 3 days: 04-28 … Sun 04-30, in 劳动节 (04-29 … 05-03): Thu 05-04.
    case("assignment across 劳动节", (2023, 4, 27), 3, 0, (2023, 5, 4), true),
    // Wed 2024-12-25: 12-26 … 2025-01-01, 元旦 (a holiday): Thu 2025-01-02.
    case("across New Year", (2024, 12, 25), 7, 0, (2025, 1, 2), true),
    // Mon 2024-02-05: 02-06 … 02-12, in 春节 (02-10 … 02-17); Sun 02-18 is worked: it ends there.
    case("into the Spring Festival, 2024", (2024, 2, 5), 7, 0, (2024, 2, 18), true),
    // Tue 2026-02-10: 02-11 … 02-17, in 春节 (02-15 … 02-23): Tue 02-24.
    case("into the Spring Festival, 2026", (2026, 2, 10), 7, 0, (2026, 2, 24), true),
    // Fri 2023-01-20: 01-21 … 01-27 is the whole 春节 holiday; Sat 01-28 is worked.
    case("received the day before the Spring Festival", (2023, 1, 20), 7, 0, (2023, 1, 28), true),
    // Mon 2023-03-06, materials asked on Wed 03-08 and received Mon 03-13 (5 days still): 03-07
    // and 03-08 count, 03-09 … 03-13 do not, 03-14 … 03-18 count: the 7th day is Sat 03-18,
    // a rest day: Mon 03-20.
    case("with a materials pause", (2023, 3, 6), 7, 5, (2023, 3, 20), true),
    // Fri 2026-09-18, 30 days: 09-19 … 10-18 (Sun): Mon 10-19.
    case("a 30-day filing period", (2026, 9, 18), 30, 0, (2026, 10, 19), true),
];

fn cases() -> Vec<Case> {
    CASES
        .iter()
        .map(|&(what, s, days, paused, due, moved)| Case {
            what,
            start: d(s.0, s.1, s.2),
            days,
            paused,
            due: d(due.0, due.1, due.2),
            moved,
        })
        .collect()
}

#[test]
fn periods_end_on_the_days_counted_by_hand() {
    let cal = BusinessCalendar::published();
    for c in cases() {
        let due =
            due(c.start, c.days, c.paused, &cal).unwrap_or_else(|e| panic!("{}: {e}", c.what));
        assert_eq!(due.date, c.due, "{}", c.what);
        assert_eq!(due.moved_from.is_some(), c.moved, "{}", c.what);
        assert_eq!(due.at, end_of_day(c.due), "{}", c.what);
    }
}

#[test]
fn a_period_ends_at_midnight_china_time_of_its_last_day() {
    let cal = BusinessCalendar::published();
    // Received Mon 2023-03-06 at 10:00 in China: due at 24:00 on 03-13, i.e. 16:00 UTC.
    let received = Utc.with_ymd_and_hms(2023, 3, 6, 2, 0, 0).unwrap();
    let due = due_after(received, 7, 0, &cal).unwrap();
    assert_eq!(due.date, d(2023, 3, 13));
    assert_eq!(due.at, Utc.with_ymd_and_hms(2023, 3, 13, 16, 0, 0).unwrap());
    assert!(due.met_by(Utc.with_ymd_and_hms(2023, 3, 13, 15, 59, 59).unwrap()));
    assert!(!due.met_by(Utc.with_ymd_and_hms(2023, 3, 13, 16, 0, 0).unwrap()));
}

#[test]
fn the_day_counts_in_china_not_in_utc() {
    let cal = BusinessCalendar::published();
    // 17:00 UTC on Sun 03-05 is 01:00 on Mon 03-06 in China: counting starts on 03-07.
    let received = Utc.with_ymd_and_hms(2023, 3, 5, 17, 0, 0).unwrap();
    assert_eq!(china_date(received), d(2023, 3, 6));
    assert_eq!(
        due_after(received, 7, 0, &cal).unwrap().date,
        d(2023, 3, 13)
    );
}

#[test]
fn a_period_reaching_a_year_without_a_schedule_says_so() {
    let cal = BusinessCalendar::published();
    // Fri 2026-12-25: the 7th day is 2027-01-01, and 2027's schedule is not published here.
    assert_eq!(
        due(d(2026, 12, 25), 7, 0, &cal),
        Err(NoCalendar { year: 2027 })
    );
    // Thu 2026-12-24: the 7th day, Thu 2026-12-31, is a working day of a year held.
    assert_eq!(
        due(d(2026, 12, 24), 7, 0, &cal).unwrap().date,
        d(2026, 12, 31)
    );
    // A calendar holding no year at all guesses nothing.
    assert_eq!(
        due(d(2023, 3, 6), 7, 0, &BusinessCalendar::default()),
        Err(NoCalendar { year: 2023 })
    );
}

#[test]
fn pauses_count_from_the_day_asked_to_the_day_received() {
    let asked = Utc.with_ymd_and_hms(2023, 3, 8, 1, 0, 0).unwrap(); // 09:00 Wed in China
    let received = Utc.with_ymd_and_hms(2023, 3, 13, 8, 0, 0).unwrap(); // 16:00 Mon
    assert_eq!(paused_days(asked, received), 5);
    assert_eq!(paused_days(asked, asked), 0);
    assert_eq!(paused_days(received, asked), 0);
}
