//! The provider's work log of a case, and the case subsidy rate table the closing review reads.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::reader_of;
use crate::api::endpoint::endpoint;
use crate::api::endpoint::versioned_view;
use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::aid::{self, MatterCategory, QualityGrade, TerminationGround, WorkKind};
use crate::error::ApiError;
use crate::store;
use crate::time::to_cst;
use crate::validation;

/// An entry to record in the work log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "meeting", "done_on": "2023-03-09", "note": "在司法所约见受援人，了解欠薪经过并收集工资条"}))]
pub struct WorkEntryInput {
    /// What was done.
    pub kind: WorkKind,
    /// The day it was done (China time): not before the application was received, not after
    /// today.
    pub done_on: NaiveDate,
    /// What, in words.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub note: String,
    /// For `termination_report` (required there, and only there): the Art. 48 ground the
    /// provider found; the aid officer then decides whether to `terminate`.
    pub termination_ground: Option<TerminationGround>,
}

/// An entry of the work log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 3, "application_id": 12, "kind": "meeting", "done_on": "2023-03-09",
    "note": "在司法所约见受援人", "termination_ground": null, "provider_staff_id": 7,
    "recorded_by": "lawyer", "recorded_at": "2023-03-09T17:20:00+08:00"}))]
pub struct WorkEntry {
    /// Id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// What was done.
    pub kind: WorkKind,
    /// The day it was done.
    pub done_on: NaiveDate,
    /// What, in words.
    pub note: String,
    /// For a `termination_report`: the ground reported.
    pub termination_ground: Option<TerminationGround>,
    /// The provider assigned when it was recorded.
    pub provider_staff_id: Option<i64>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<FixedOffset>,
}

/// The work log of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkLog {
    /// Entries, in the order the work was done.
    pub items: Vec<WorkEntry>,
}

impl From<store::aid::WorkEntryRow> for WorkEntry {
    fn from(r: store::aid::WorkEntryRow) -> Self {
        WorkEntry {
            id: r.id,
            application_id: r.application_id,
            kind: r.kind,
            done_on: r.done_on,
            note: r.note,
            termination_ground: r.termination_ground,
            provider_staff_id: r.provider_staff_id,
            recorded_by: r.recorded_by,
            recorded_at: to_cst(r.created_at),
        }
    }
}

endpoint! {
    /// Record what the provider did on a case while it is assigned or in progress: a meeting, file
    /// reading, evidence, a document drafted, a hearing, mediation, or a ground on which aid must
    /// end (`termination_report`, with `termination_ground`) for the aid officer to decide. The
    /// provider assigned, or an aid officer.
    add create_aid_work_entry("/aid-applications/{id}/work-log", CreateAidWorkEntry, WorkEntryInput)
        -> WorkEntry,
        tag = "aid", id = "Application id",
        ok = "Recorded (audited; the timeline shows it as `log_work`)", also = [NotFound, Conflict];
    |state, principal, id, body| {
        aid::check_work_entry(body.kind, body.termination_ground)
            .map_err(|e| ApiError::invalid_field(&e.field, e.code, e.message))?;
        let actor = state.actor(&principal);
        let who = reader_of(&principal);
        let input = store::aid::WorkEntryInput {
            kind: body.kind,
            done_on: body.done_on,
            note: body.note.trim().to_owned(),
            termination_ground: body.termination_ground,
        };
        let row = store::run(&state.pool, move |c| {
            store::aid::log_work(c, &actor, who, id, &input)
        })
        .await?;
        Ok(HttpResponse::Created().json(WorkEntry::from(row)))
    }
}

endpoint! {
    /// The provider's work log of a case.
    read list_aid_work_entries("/aid-applications/{id}/work-log", ListAidWorkEntries) -> WorkLog,
        tag = "aid", id = "Application id", ok = "The work log, in the order the work was done";
    |state, principal, id| {
        let who = reader_of(&principal);
        let rows = store::run(&state.pool, move |c| store::aid::work_log(c, who, id)).await?;
        Ok(HttpResponse::Ok().json(WorkLog {
            items: rows.into_iter().map(WorkEntry::from).collect(),
        }))
    }
}

/// A case subsidy rate to set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 150000}))]
pub struct SubsidyRateInput {
    /// The subsidy of one case, in fen (分; 1 yuan = 100 fen).
    #[schema(minimum = 0, maximum = 100_000_000)]
    #[validate(range(min = 0, max = 100_000_000))]
    pub amount_fen: i64,
}

/// A case subsidy rate (办案补贴标准).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"year": 2023, "matter_category": "labour_wages", "grade": "good",
    "amount_fen": 150000, "version": 1, "updated_at": "2023-01-05T09:00:00+08:00"}))]
pub struct SubsidyRate {
    /// The year (of the case's closing).
    pub year: i32,
    /// The matter.
    pub matter_category: MatterCategory,
    /// The quality grade of the closing review.
    pub grade: QualityGrade,
    /// The subsidy of one case, in fen.
    pub amount_fen: i64,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(SubsidyRate, no id);

/// The rates of a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubsidyRates {
    /// The year.
    pub year: i32,
    /// The rates set for the year, by matter and grade. A case closed in a year takes the rate
    /// set for that year, or else the latest set for an earlier year; with none at all its
    /// review is refused until an admin sets one.
    pub items: Vec<SubsidyRate>,
}

impl From<store::aid::rates::RateRow> for SubsidyRate {
    fn from(r: store::aid::rates::RateRow) -> Self {
        SubsidyRate {
            year: r.year,
            matter_category: r.matter_category,
            grade: r.grade,
            amount_fen: r.amount_fen,
            version: r.version,
            updated_at: to_cst(r.updated_at),
        }
    }
}

#[utoipa::path(
    tag = "aid",
    params(("year" = i32, Path, description = "Year, 2000 to 2100", minimum = 2000, maximum = 2100, example = 2023)),
    responses(
        (status = 200, description = "The rates of the year", body = SubsidyRates),
        e::Public, e::NotFound,
    ),
)]
#[get("/aid-subsidy-rates/{year}")]
/// The case subsidy rates (办案补贴标准) of a year, by matter and quality grade: a published
/// standard (no token).
pub async fn list_aid_subsidy_rates(
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year =
        crate::domain::targets::check_year(year.into_inner()).map_err(ApiError::BadRequest)?;
    let rows = store::run(&state.pool, move |c| store::aid::rates::list(c, year)).await?;
    Ok(HttpResponse::Ok().json(SubsidyRates {
        year,
        items: rows.into_iter().map(SubsidyRate::from).collect(),
    }))
}

#[utoipa::path(
    tag = "aid",
    params(
        ("year" = i32, Path, description = "Year, 2000 to 2100", minimum = 2000, maximum = 2100),
        ("matter" = MatterCategory, Path, description = "The matter"),
        ("grade" = QualityGrade, Path, description = "The quality grade"),
        IfMatchHeader,
    ),
    request_body = SubsidyRateInput,
    responses(
        (status = 200, description = "Rate replaced", body = SubsidyRate, headers(("ETag" = String, description = "The new version"))),
        (status = 201, description = "Rate set for the first time", body = SubsidyRate, headers(("ETag" = String, description = "The version"))),
        e::Update,
    ),
)]
#[put("/aid-subsidy-rates/{year}/{matter}/{grade}")]
/// Set the case subsidy of a year, matter and grade (admins of the deployment's top unit;
/// audited). A case reviewed afterwards takes it; subsidies already computed stay as they were.
pub async fn put_aid_subsidy_rate(
    state: web::Data<AppState>,
    principal: Authorized<op::PutAidSubsidyRate>,
    path: web::Path<(i32, MatterCategory, QualityGrade)>,
    if_match: IfMatch,
    body: Json<SubsidyRateInput>,
) -> Result<HttpResponse, ApiError> {
    let (year, matter, grade) = path.into_inner();
    let year = crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    body.validate()?;
    let actor = state.actor(&principal);
    let amount = body.amount_fen;
    let (row, created) = store::run(&state.pool, move |c| {
        store::aid::rates::put(c, &actor, (year, matter, grade), &if_match, amount)
    })
    .await?;
    let mut res = etag::ok(&SubsidyRate::from(row));
    if created {
        *res.status_mut() = actix_web::http::StatusCode::CREATED;
    }
    Ok(res)
}
