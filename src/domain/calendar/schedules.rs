//! The State Council's published holiday schedules (国务院办公厅关于部分节假日安排的通知), one
//! per year, as the notices give them. They are installed into the calendar when the service
//! starts (a year already installed is left as its admins keep it); a year not listed here has
//! no calendar until admins enter its schedule.

use chrono::NaiveDate;

use super::DayKind;

/// A date as the notices print it.
type Ymd = (i32, u32, u32);

/// One festival of a schedule: its name, its days off (both included) and the weekend days
/// worked in exchange (调休上班).
pub struct Festival {
    /// The name as the notice gives it.
    pub name: &'static str,
    /// The first day off.
    pub from: Ymd,
    /// The last day off.
    pub to: Ymd,
    /// Weekend days made working days.
    pub worked: &'static [Ymd],
}

/// A year's schedule and the notice that published it.
pub struct Schedule {
    /// The year.
    pub year: i32,
    /// The notice, cited.
    pub notice: &'static str,
    /// The day the notice was issued.
    pub issued: Ymd,
    /// Its festivals.
    pub festivals: &'static [Festival],
}

const fn f(name: &'static str, from: Ymd, to: Ymd, worked: &'static [Ymd]) -> Festival {
    Festival {
        name,
        from,
        to,
        worked,
    }
}

/// The published schedules, 2023 to 2026.
pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        year: 2023,
        notice: "国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号）",
        issued: (2022, 12, 8),
        festivals: &[
            f("元旦", (2022, 12, 31), (2023, 1, 2), &[]),
            f(
                "春节",
                (2023, 1, 21),
                (2023, 1, 27),
                &[(2023, 1, 28), (2023, 1, 29)],
            ),
            f("清明节", (2023, 4, 5), (2023, 4, 5), &[]),
            f(
                "劳动节",
                (2023, 4, 29),
                (2023, 5, 3),
                &[(2023, 4, 23), (2023, 5, 6)],
            ),
            f("端午节", (2023, 6, 22), (2023, 6, 24), &[(2023, 6, 25)]),
            f(
                "中秋节、国庆节",
                (2023, 9, 29),
                (2023, 10, 6),
                &[(2023, 10, 7), (2023, 10, 8)],
            ),
        ],
    },
    Schedule {
        year: 2024,
        notice: "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）",
        issued: (2023, 10, 25),
        festivals: &[
            f("元旦", (2024, 1, 1), (2024, 1, 1), &[]),
            f(
                "春节",
                (2024, 2, 10),
                (2024, 2, 17),
                &[(2024, 2, 4), (2024, 2, 18)],
            ),
            f("清明节", (2024, 4, 4), (2024, 4, 6), &[(2024, 4, 7)]),
            f(
                "劳动节",
                (2024, 5, 1),
                (2024, 5, 5),
                &[(2024, 4, 28), (2024, 5, 11)],
            ),
            f("端午节", (2024, 6, 10), (2024, 6, 10), &[]),
            f("中秋节", (2024, 9, 15), (2024, 9, 17), &[(2024, 9, 14)]),
            f(
                "国庆节",
                (2024, 10, 1),
                (2024, 10, 7),
                &[(2024, 9, 29), (2024, 10, 12)],
            ),
        ],
    },
    Schedule {
        year: 2025,
        notice: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
        issued: (2024, 11, 12),
        festivals: &[
            f("元旦", (2025, 1, 1), (2025, 1, 1), &[]),
            f(
                "春节",
                (2025, 1, 28),
                (2025, 2, 4),
                &[(2025, 1, 26), (2025, 2, 8)],
            ),
            f("清明节", (2025, 4, 4), (2025, 4, 6), &[]),
            f("劳动节", (2025, 5, 1), (2025, 5, 5), &[(2025, 4, 27)]),
            f("端午节", (2025, 5, 31), (2025, 6, 2), &[]),
            f(
                "国庆节、中秋节",
                (2025, 10, 1),
                (2025, 10, 8),
                &[(2025, 9, 28), (2025, 10, 11)],
            ),
        ],
    },
    Schedule {
        year: 2026,
        notice: "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
        issued: (2025, 11, 4),
        festivals: &[
            f("元旦", (2026, 1, 1), (2026, 1, 3), &[(2026, 1, 4)]),
            f(
                "春节",
                (2026, 2, 15),
                (2026, 2, 23),
                &[(2026, 2, 14), (2026, 2, 28)],
            ),
            f("清明节", (2026, 4, 4), (2026, 4, 6), &[]),
            f("劳动节", (2026, 5, 1), (2026, 5, 5), &[(2026, 5, 9)]),
            f("端午节", (2026, 6, 19), (2026, 6, 21), &[]),
            f("中秋节", (2026, 9, 25), (2026, 9, 27), &[]),
            f(
                "国庆节",
                (2026, 10, 1),
                (2026, 10, 7),
                &[(2026, 9, 20), (2026, 10, 10)],
            ),
        ],
    },
];

fn date((y, m, d): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl Schedule {
    /// The day the notice was issued.
    pub fn issued_on(&self) -> NaiveDate {
        date(self.issued)
    }

    /// Every day the schedule sets: (day, kind, name), in order of the notice.
    pub fn days(&self) -> Vec<(NaiveDate, DayKind, String)> {
        let mut out = Vec::new();
        for festival in self.festivals {
            out.extend(
                date(festival.from)
                    .iter_days()
                    .take_while(|d| *d <= date(festival.to))
                    .map(|d| (d, DayKind::Holiday, festival.name.to_owned())),
            );
            let worked = format!("{}调休上班", festival.name);
            out.extend(
                festival
                    .worked
                    .iter()
                    .map(|d| (date(*d), DayKind::Workday, worked.clone())),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Weekday};

    use super::*;

    #[test]
    fn every_date_is_real_and_every_worked_day_is_a_weekend_day() {
        for s in SCHEDULES {
            for (day, kind, name) in s.days() {
                assert_ne!(day, NaiveDate::MIN, "{} {name}", s.year);
                if kind == DayKind::Workday {
                    assert!(
                        matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                        "{day} ({name}) is worked in exchange, so it is a weekend day"
                    );
                }
            }
        }
    }

    #[test]
    fn the_festivals_have_the_lengths_the_notices_give() {
        // 2026: 元旦 3 days, 春节 9, 清明 3, 劳动节 5, 端午 3, 中秋 3, 国庆 7.
        let lengths: Vec<usize> = SCHEDULES[3]
            .festivals
            .iter()
            .map(|f| {
                date(f.from)
                    .iter_days()
                    .take_while(|d| *d <= date(f.to))
                    .count()
            })
            .collect();
        assert_eq!(lengths, vec![3, 9, 3, 5, 3, 3, 7]);
        // 2025: the Spring Festival from New Year's Eve, 8 days; 国庆节、中秋节 together 8.
        assert_eq!(date(SCHEDULES[2].festivals[1].from), date((2025, 1, 28)));
        assert_eq!(SCHEDULES[2].days().len(), 1 + 8 + 2 + 3 + 5 + 1 + 3 + 8 + 2);
    }
}
