//! Progress against the annual targets, per unit and rolled up to every level of the tree.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::follow_up::FollowUpStatus;
use crate::domain::stats::{
    expected_share, percent, progress, roll_up, satisfaction_status, Expected, ProgressStatus,
    SatisfactionStatus, Tally,
};
use crate::domain::targets::SatisfactionPermille;
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::store;
use crate::store::stats::YearCounts;
use crate::time::{cst, day_start_utc};

/// The targets view's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetsQuery {
    /// The year (default: the current year in China).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// The unit whose subtree to report (default: the caller's unit); outside the caller's
    /// subtree: 404.
    pub unit_id: Option<i64>,
}

/// A count against its target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetProgress {
    /// Done in the year.
    pub done: i64,
    /// The target (absent when none is set).
    pub target: Option<i64>,
    /// done ÷ target in percent, to one decimal (absent without a positive target).
    pub share_done_percent: Option<f64>,
    /// The share of the target expected by today, in percent (absent when unknown).
    pub expected_percent: Option<f64>,
    /// The share expected by today in numbers: target × expected share, to one decimal.
    pub expected_done: Option<f64>,
    /// On track (done ≥ the share expected by today), behind, no target, or unknown.
    pub status: ProgressStatus,
}

/// Satisfaction against its target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionProgress {
    /// People reached who answered (the count the rate is based on).
    pub reached: i64,
    /// Of those, very satisfied, satisfied or basically satisfied.
    pub satisfied: i64,
    /// satisfied ÷ reached in percent, to one decimal (absent when nobody answered). For a
    /// subtree, the weighted rate: all satisfied over all reached.
    pub rate_percent: Option<f64>,
    /// The target in percent.
    pub target_percent: Option<f64>,
    /// Meets, below, no answers, or no target.
    pub status: SatisfactionStatus,
}

/// The figures of a unit, or of a subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetFigures {
    /// Consultations received in the year, by the unit that registered them.
    pub consultations: TargetProgress,
    /// Special-group aid cases: applications received in the year that were granted (approved,
    /// assigned, agreement signed, in progress, closed or terminated), by the handling centre.
    pub aid_cases: TargetProgress,
    /// Follow-ups completed in the year.
    pub satisfaction: SatisfactionProgress,
}

/// One unit: its own figures and those of its subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitProgress {
    /// Unit id.
    pub unit_id: i64,
    /// Parent unit id (absent for a top unit).
    pub parent_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// The unit's own figures and targets.
    pub own: TargetFigures,
    /// The unit and everything below it: counts summed; the consultation and aid targets are
    /// the unit's own plus its children's; the satisfaction target is the unit's own, else the
    /// highest of its children's.
    pub subtree: TargetFigures,
}

/// What the expected share rests on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarBasis {
    /// Whether the business calendar holds the year's holiday schedule.
    pub published: bool,
    /// Working days of the year (absent when the schedule is not published, or for a year
    /// that is wholly past or to come).
    pub working_days: Option<i64>,
    /// Working days from 1 January to today, today included.
    pub working_days_passed: Option<i64>,
    /// Why the expected share is what it is, in words.
    pub note: String,
}

/// The targets view.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "year": 2023, "unit_id": 3, "today": "2023-06-30", "expected_percent": 48.2,
    "calendar": {"published": true, "working_days": 249, "working_days_passed": 120,
        "note": "share of the year's working days passed, today included"},
    "units": [{"unit_id": 3, "parent_id": 1, "name": "沁水县司法局", "kind": "bureau",
        "own": {
            "consultations": {"done": 0, "target": null, "share_done_percent": null, "expected_percent": 48.2, "expected_done": null, "status": "no_target"},
            "aid_cases": {"done": 0, "target": null, "share_done_percent": null, "expected_percent": 48.2, "expected_done": null, "status": "no_target"},
            "satisfaction": {"reached": 0, "satisfied": 0, "rate_percent": null, "target_percent": null, "status": "no_target"}},
        "subtree": {
            "consultations": {"done": 3012, "target": 6000, "share_done_percent": 50.2, "expected_percent": 48.2, "expected_done": 2891.6, "status": "on_track"},
            "aid_cases": {"done": 30, "target": 70, "share_done_percent": 42.9, "expected_percent": 48.2, "expected_done": 33.7, "status": "behind"},
            "satisfaction": {"reached": 400, "satisfied": 385, "rate_percent": 96.3, "target_percent": 95.0, "status": "meets"}}}]
}))]
pub struct TargetsReport {
    /// The year.
    pub year: i32,
    /// The root of the subtree.
    pub unit_id: i64,
    /// Today in China (the service clock).
    pub today: NaiveDate,
    /// The share of a year's target expected by today, in percent (absent when unknown).
    pub expected_percent: Option<f64>,
    /// What that share rests on.
    pub calendar: CalendarBasis,
    /// The units of the subtree, each before its descendants (by path).
    pub units: Vec<UnitProgress>,
}

fn count_progress(done: i64, target: Option<i64>, expected: Expected) -> TargetProgress {
    let share = expected.percent();
    TargetProgress {
        done,
        target,
        share_done_percent: target.filter(|t| *t > 0).map(|t| percent(done, t)),
        expected_percent: share,
        expected_done: match (target, expected) {
            (Some(t), Expected::Share { passed, total }) if total > 0 => {
                Some((t as f64 * passed as f64 * 10.0 / total as f64).round() / 10.0)
            }
            _ => None,
        },
        status: progress(done, target, expected),
    }
}

fn figures(t: &Tally, expected: Expected) -> TargetFigures {
    TargetFigures {
        consultations: count_progress(t.consultations, t.consultation_target, expected),
        aid_cases: count_progress(t.aid_cases, t.aid_target, expected),
        satisfaction: SatisfactionProgress {
            reached: t.reached,
            satisfied: t.satisfied,
            rate_percent: (t.reached > 0).then(|| percent(t.satisfied, t.reached)),
            target_percent: t
                .satisfaction_target
                .map(|p| SatisfactionPermille::from_stored(p).percent()),
            status: satisfaction_status(t.satisfied, t.reached, t.satisfaction_target),
        },
    }
}

/// Builds the view from the counts.
pub(crate) fn report(year: i32, root: i64, today: NaiveDate, counts: YearCounts) -> TargetsReport {
    let expected = expected_share(year, today, &counts.calendar);
    let mut own: HashMap<i64, Tally> = HashMap::new();
    for t in &counts.targets {
        let e = own.entry(t.unit_id).or_default();
        e.consultation_target = t.consultations.map(i64::from);
        e.aid_target = t.aid_cases.map(i64::from);
        e.satisfaction_target = t.satisfaction_permille;
    }
    for (unit, n) in &counts.consultations {
        own.entry(*unit).or_default().consultations += n;
    }
    for (centre, n) in &counts.aid_cases {
        own.entry(*centre).or_default().aid_cases += n;
    }
    for (unit, status, answer, n) in &counts.satisfaction {
        if let (FollowUpStatus::Done, Some(answer)) = (status, answer) {
            let e = own.entry(*unit).or_default();
            e.reached += n;
            if answer.counts_as_satisfied() {
                e.satisfied += n;
            }
        }
    }
    let nodes: Vec<(i64, Option<i64>, Tally)> = counts
        .units
        .iter()
        .map(|u| {
            (
                u.id,
                u.parent_id,
                own.get(&u.id).copied().unwrap_or_default(),
            )
        })
        .collect();
    let rolled = roll_up(&nodes);
    let units = counts
        .units
        .iter()
        .zip(nodes.iter().zip(rolled.iter()))
        .map(|(u, ((_, _, mine), subtree))| UnitProgress {
            unit_id: u.id,
            parent_id: u.parent_id,
            name: u.name.clone(),
            kind: u.kind,
            own: figures(mine, expected),
            subtree: figures(subtree, expected),
        })
        .collect();
    let published = counts.calendar.covers(year);
    let (working_days, working_days_passed, note) = match expected {
        _ if year < today.year() => (None, None, "the year is over: 100% is expected".to_owned()),
        _ if year > today.year() => (
            None,
            None,
            "the year has not begun: 0% is expected".to_owned(),
        ),
        Expected::Share { passed, total } => (
            Some(total),
            Some(passed),
            "share of the year's working days (business calendar) passed, today included"
                .to_owned(),
        ),
        Expected::NoCalendar => (
            None,
            None,
            format!(
                "the business calendar holds no holiday schedule for {year}: the share expected \
                 by today is unknown until the State Council's schedule is entered"
            ),
        ),
    };
    TargetsReport {
        year,
        unit_id: root,
        today,
        expected_percent: expected.percent(),
        calendar: CalendarBasis {
            published,
            working_days,
            working_days_passed,
            note,
        },
        units,
    }
}

/// Reads the counts and builds the view (shared with the export).
pub(crate) async fn load(
    state: &web::Data<AppState>,
    scope: i64,
    query: TargetsQuery,
) -> Result<TargetsReport, ApiError> {
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let year = query.year.unwrap_or(today.year());
    crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    let root = query.unit_id.unwrap_or(scope);
    let bounds = (
        NaiveDate::from_ymd_opt(year, 1, 1).and_then(day_start_utc),
        NaiveDate::from_ymd_opt(year + 1, 1, 1).and_then(day_start_utc),
    );
    let (Some(from), Some(to)) = bounds else {
        return Err(ApiError::BadRequest(crate::domain::targets::bad_year()));
    };
    let counts = crate::api::reads::read(&state.pool, move |c| {
        store::stats::year_counts(c, scope, root, year, (from, to))
    })
    .await?;
    Ok(report(year, root, today, counts))
}

#[utoipa::path(
    tag = "stats",
    params(TargetsQuery),
    responses(
        (status = 200, description = "Progress against the year's targets for every unit of the subtree, each with its own figures and its subtree's (totals are the sums of their parts)", body = TargetsReport),
        e::Read, e::Forbidden,
    ),
)]
#[get("/stats/targets")]
/// Progress against the annual targets (附件2): consultations and special-group aid cases done
/// against target, the share done and the share expected by today (pro rata over the year's
/// working days; unknown while the year's holiday schedule is not published; 100% for a past
/// year), on track or behind; satisfaction against its target with the count it rests on. Per
/// unit of the subtree and rolled up to every level. Aggregates only, no personal data.
pub async fn get_target_stats(
    state: web::Data<AppState>,
    principal: Authorized<op::GetTargetStats>,
    query: web::Query<TargetsQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = load(&state, principal.unit_id, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}
