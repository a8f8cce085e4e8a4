//! Recognitions (附件1 举措10: "遴选惠民工程示范站点和先锋岗"): the model stations and pioneer posts
//! the bureau selects each year, with the reason.

use chrono::{Datelike, NaiveDate};

use crate::domain::inspections::Invalid;
use crate::domain::units::UnitKind;

crate::code_table! {
    /// What is recognised (the plan's terms, 举措10).
    pub enum RecognitionKind as "recognition_kind" {
        /// A model station: a centre, office or station (a unit).
        ModelStation = "model_station": "惠民工程示范站点",
        /// A pioneer post: a person at their post (a staff member).
        PioneerPost = "pioneer_post": "惠民工程先锋岗",
    }
}

/// The earliest year a recognition may be for (the programme began in 2019).
pub const FIRST_YEAR: i32 = 2019;

/// What the rules of a recognition look at.
#[derive(Debug, Clone, Copy)]
pub struct RecognitionFacts {
    pub kind: RecognitionKind,
    pub year: i32,
    pub recognised_on: NaiveDate,
    /// The kind of the unit recognised (or of the person's unit).
    pub unit_kind: UnitKind,
    /// Whether a person is named.
    pub has_staff: bool,
}

/// Every rule a recognition breaks on `today`.
///
/// - A model station is a service unit (a centre, a judicial office, a law firm or legal service
///   office, a village room), not a bureau or department, and names no person; a pioneer post is
///   a person (`staff_id`).
/// - It is for a year from 2019 to the current one, and was made in that year or the next (the
///   selection of a year is often announced early in the following one), not after today.
pub fn check(f: &RecognitionFacts, today: NaiveDate) -> Vec<Invalid> {
    let mut out = Vec::new();
    let mut push = |field: &str, code: &'static str, message: &str| {
        out.push(Invalid {
            field: field.to_owned(),
            code,
            message: message.to_owned(),
        })
    };
    match f.kind {
        RecognitionKind::ModelStation => {
            if matches!(
                f.unit_kind,
                UnitKind::ProvinceDepartment | UnitKind::CityBureau | UnitKind::CountyBureau
            ) {
                push(
                    "unit_id",
                    "invalid",
                    "a model station is a service unit (centre, office, station), not a bureau",
                );
            }
            if f.has_staff {
                push(
                    "staff_id",
                    "unexpected",
                    "a model station is a unit; name a person for a pioneer post",
                );
            }
        }
        RecognitionKind::PioneerPost => {
            if !f.has_staff {
                push(
                    "staff_id",
                    "required",
                    "a pioneer post is a person: name the staff member",
                );
            }
        }
    }
    if f.year < FIRST_YEAR || f.year > today.year() {
        push(
            "year",
            "range",
            "a recognition is for a year from 2019 to the current one",
        );
    }
    if f.recognised_on > today {
        push(
            "recognised_on",
            "future",
            "a recognition is recorded once it is made",
        );
    } else if f.recognised_on.year() != f.year && f.recognised_on.year() != f.year + 1 {
        push(
            "recognised_on",
            "mismatch",
            "a recognition is made in its year or early in the next",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::assert_codes_match_serde;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn codes(v: &[Invalid]) -> Vec<(&str, &str)> {
        v.iter().map(|i| (i.field.as_str(), i.code)).collect()
    }

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<RecognitionKind>();
    }

    #[test]
    fn stations_are_units_and_posts_are_people() {
        let today = day("2024-03-01");
        let mut f = RecognitionFacts {
            kind: RecognitionKind::ModelStation,
            year: 2023,
            recognised_on: day("2024-01-15"),
            unit_kind: UnitKind::JudicialOffice,
            has_staff: false,
        };
        assert!(check(&f, today).is_empty());
        f.unit_kind = UnitKind::CountyBureau;
        f.has_staff = true;
        assert_eq!(
            codes(&check(&f, today)),
            vec![("unit_id", "invalid"), ("staff_id", "unexpected")]
        );
        f.kind = RecognitionKind::PioneerPost;
        assert!(check(&f, today).is_empty());
        f.has_staff = false;
        assert_eq!(codes(&check(&f, today)), vec![("staff_id", "required")]);
    }

    #[test]
    fn years_and_days_agree() {
        let today = day("2024-03-01");
        let mut f = RecognitionFacts {
            kind: RecognitionKind::ModelStation,
            year: 2021,
            recognised_on: day("2023-01-15"),
            unit_kind: UnitKind::JudicialOffice,
            has_staff: false,
        };
        assert_eq!(
            codes(&check(&f, today)),
            vec![("recognised_on", "mismatch")]
        );
        f.year = 2025;
        f.recognised_on = day("2024-03-02");
        assert_eq!(
            codes(&check(&f, today)),
            vec![("year", "range"), ("recognised_on", "future")]
        );
    }
}
