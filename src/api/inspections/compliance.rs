//! `GET /api/v1/inspections/compliance`: each month and quarter of a year against the
//! supervision minimums (附件1 举措3).

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::inspections::{
    month_span, period_status, quarter_span, worse, ComplianceStatus, InspectionKind,
    MIN_MEETINGS_PER_MONTH, MIN_ON_SITE_PER_QUARTER, MIN_SPOT_CHECKS_PER_MONTH,
};
use crate::domain::periods::china_date;
use crate::error::ApiError;
use crate::store;

/// Which year and unit.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The year, 2000 to 2100 (default: the current year, China time).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// The inspecting unit, in the caller's subtree (default: the caller's own unit). Only the
    /// inspections this unit made itself count, not those of units below it.
    pub unit_id: Option<i64>,
}

/// The minimums of the plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Minimums {
    /// Spot checks of the system a month (4).
    pub spot_checks_per_month: i64,
    /// Working meetings a month (1).
    pub meetings_per_month: i64,
    /// On-site inspections a quarter (1).
    pub on_site_inspections_per_quarter: i64,
}

/// A month against its minimums.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthCompliance {
    /// The month, 1 to 12.
    pub month: u32,
    /// Its first day.
    pub first_day: NaiveDate,
    /// Its last day.
    pub last_day: NaiveDate,
    /// Spot checks made.
    pub spot_checks: i64,
    /// Spot checks against the minimum.
    pub spot_checks_status: ComplianceStatus,
    /// Monthly meetings held.
    pub meetings: i64,
    /// Meetings against the minimum.
    pub meetings_status: ComplianceStatus,
    /// The month as a whole: the worse of the two.
    pub status: ComplianceStatus,
}

/// A quarter against its minimum.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuarterCompliance {
    /// The quarter, 1 to 4.
    pub quarter: u32,
    /// Its first day.
    pub first_day: NaiveDate,
    /// Its last day.
    pub last_day: NaiveDate,
    /// On-site inspections made.
    pub on_site_inspections: i64,
    /// Against the minimum.
    pub status: ComplianceStatus,
}

/// A year of a unit's supervision against the plan's minimums.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "unit_id": 1, "year": 2023, "as_of": "2023-05-15",
    "minimums": {"spot_checks_per_month": 4, "meetings_per_month": 1, "on_site_inspections_per_quarter": 1},
    "months": [
        {"month": 4, "first_day": "2023-04-01", "last_day": "2023-04-30", "spot_checks": 3,
         "spot_checks_status": "short", "meetings": 1, "meetings_status": "met", "status": "short"},
        {"month": 5, "first_day": "2023-05-01", "last_day": "2023-05-31", "spot_checks": 2,
         "spot_checks_status": "in_progress", "meetings": 1, "meetings_status": "met", "status": "in_progress"}
    ],
    "quarters": [
        {"quarter": 1, "first_day": "2023-01-01", "last_day": "2023-03-31", "on_site_inspections": 0, "status": "short"}
    ],
    "months_short": 1, "quarters_short": 1
}))]
pub struct Compliance {
    /// The inspecting unit.
    pub unit_id: i64,
    /// The year.
    pub year: i32,
    /// Today (China time): the month and quarter holding it are `in_progress` until their
    /// minimum is reached, later ones `not_started`.
    pub as_of: NaiveDate,
    /// The minimums.
    pub minimums: Minimums,
    /// The twelve months.
    pub months: Vec<MonthCompliance>,
    /// The four quarters.
    pub quarters: Vec<QuarterCompliance>,
    /// Months short of a minimum.
    pub months_short: usize,
    /// Quarters short of their minimum.
    pub quarters_short: usize,
}

/// The year's months and quarters from the unit's inspections counted by (kind, day).
pub fn compliance(
    unit_id: i64,
    year: i32,
    counts: &[(InspectionKind, NaiveDate, i64)],
    today: NaiveDate,
) -> Result<Compliance, ApiError> {
    let count = |kind: InspectionKind, first: NaiveDate, last: NaiveDate| -> i64 {
        counts
            .iter()
            .filter(|(k, day, _)| *k == kind && *day >= first && *day <= last)
            .map(|(_, _, n)| n)
            .sum()
    };
    let bad_year = || ApiError::BadRequest(crate::domain::targets::bad_year());
    let mut months = Vec::with_capacity(12);
    for month in 1..=12 {
        let (first, last) = month_span(year, month).ok_or_else(bad_year)?;
        let spot_checks = count(InspectionKind::SpotCheck, first, last);
        let meetings = count(InspectionKind::MonthlyMeeting, first, last);
        let spot_status = period_status(spot_checks, MIN_SPOT_CHECKS_PER_MONTH, first, last, today);
        let meeting_status = period_status(meetings, MIN_MEETINGS_PER_MONTH, first, last, today);
        months.push(MonthCompliance {
            month,
            first_day: first,
            last_day: last,
            spot_checks,
            spot_checks_status: spot_status,
            meetings,
            meetings_status: meeting_status,
            status: worse(spot_status, meeting_status),
        });
    }
    let mut quarters = Vec::with_capacity(4);
    for quarter in 1..=4 {
        let (first, last) = quarter_span(year, quarter).ok_or_else(bad_year)?;
        let done = count(InspectionKind::OnSiteInspection, first, last);
        quarters.push(QuarterCompliance {
            quarter,
            first_day: first,
            last_day: last,
            on_site_inspections: done,
            status: period_status(done, MIN_ON_SITE_PER_QUARTER, first, last, today),
        });
    }
    Ok(Compliance {
        unit_id,
        year,
        as_of: today,
        minimums: Minimums {
            spot_checks_per_month: MIN_SPOT_CHECKS_PER_MONTH,
            meetings_per_month: MIN_MEETINGS_PER_MONTH,
            on_site_inspections_per_quarter: MIN_ON_SITE_PER_QUARTER,
        },
        months_short: months
            .iter()
            .filter(|m| m.status == ComplianceStatus::Short)
            .count(),
        quarters_short: quarters
            .iter()
            .filter(|q| q.status == ComplianceStatus::Short)
            .count(),
        months,
        quarters,
    })
}

#[utoipa::path(
    tag = "inspections",
    params(ComplianceQuery),
    responses(
        (status = 200, description = "The year's months and quarters against the minimums", body = Compliance),
        e::Read, e::Forbidden,
    ),
)]
#[get("/inspections/compliance")]
/// The supervision of a unit in a year against the plan's minimums (every role but providers):
/// per month the spot checks of the system (at least 4) and the monthly meeting (at least 1),
/// per quarter the on-site inspection (at least 1), each `met`, `short` (the period is over),
/// `in_progress` (it holds today) or `not_started`.
pub async fn get_inspection_compliance(
    state: web::Data<AppState>,
    principal: Authorized<op::GetInspectionCompliance>,
    query: web::Query<ComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let today = china_date(state.clock.now());
    let year = query.year.unwrap_or(today.year());
    crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    let unit = query.unit_id.unwrap_or(principal.unit_id);
    let root = principal.unit_id;
    let bad_year = || ApiError::BadRequest(crate::domain::targets::bad_year());
    let (first, _) = month_span(year, 1).ok_or_else(bad_year)?;
    let (_, last) = month_span(year, 12).ok_or_else(bad_year)?;
    let counts = store::run(&state.pool, move |c| {
        store::units::find(c, root, unit)?;
        store::inspections::counts_by_day(c, unit, first, last)
    })
    .await?;
    Ok(HttpResponse::Ok().json(compliance(unit, year, &counts, today)?))
}
