//! Supervision (附件1 举措3, 8): spot checks of the system, monthly meetings and quarterly
//! on-site inspections with the plan's checklist, the rectification each requires, and the
//! year's compliance with the minimums.

mod compliance;
mod types;

pub use compliance::{
    compliance, get_inspection_compliance, Compliance, ComplianceQuery, MonthCompliance,
    QuarterCompliance,
};
pub use types::{ChecklistEntry, Inspection, InspectionPatch, NewInspection};

use actix_web::{get, patch, post, web, HttpResponse};
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::periods::china_date;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::inspections::InspectionFilter;

#[utoipa::path(
    tag = "inspections",
    params(InspectionFilter, PageQuery),
    responses(
        (status = 200, description = "Inspections made in the caller's subtree, the latest first", body = Page<Inspection>),
        e::List, e::Forbidden,
    ),
)]
#[get("/inspections")]
/// List the inspections made by units of the caller's subtree (every role but providers);
/// `rectification=overdue` lists those whose rectification is past its due day and not done.
pub async fn list_inspections(
    state: web::Data<AppState>,
    principal: Authorized<op::ListInspections>,
    filter: web::Query<InspectionFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("inspections")?;
    let filter = filter.into_inner();
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if to < from {
            return Err(ApiError::bad_request(
                "`to` must be on or after `from`",
                "`to` 须不早于 `from`",
            ));
        }
    }
    let today = china_date(state.clock.now());
    let root = principal.unit_id;
    let rows = crate::api::reads::read(&state.pool, move |c| {
        store::inspections::list(c, root, &filter, today, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|s| Ok(Inspection::view(s, today)))?))
}

#[utoipa::path(
    tag = "inspections",
    params(IdempotencyKeyHeader),
    request_body = NewInspection,
    responses(
        (status = 201, description = "Recorded", body = Inspection,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new inspection"))),
        e::Create,
    ),
)]
#[post("/inspections")]
/// Record a spot check, monthly meeting or on-site inspection made by a unit of the caller's
/// subtree (admins).
pub async fn create_inspection(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateInspection>,
    idem: IdempotencyKey,
    body: Json<NewInspection>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let input = body.input();
    let actor = state.actor(&principal);
    let today = china_date(actor.at.and_utc());
    let root = principal.unit_id;
    let (row, replayed) = store::run(&state.pool, move |c| {
        store::inspections::create(c, &actor, root, &input, &*body, &idem)
    })
    .await?;
    let view = Inspection::view(row, today);
    Ok(etag::created(
        &view,
        &format!("/api/v1/inspections/{}", view.id),
        replayed,
    ))
}

#[utoipa::path(
    tag = "inspections",
    params(("id" = i64, Path, description = "Inspection id")),
    responses(
        (status = 200, description = "The inspection", body = Inspection, headers(("ETag" = String, description = "The version"))),
        e::Read, e::Forbidden,
    ),
)]
#[get("/inspections/{id}")]
/// Read an inspection made in the caller's subtree (every role but providers).
pub async fn get_inspection(
    state: web::Data<AppState>,
    principal: Authorized<op::GetInspection>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let today = china_date(state.clock.now());
    let row = store::run(&state.pool, move |c| store::inspections::find(c, root, id)).await?;
    Ok(etag::ok(&Inspection::view(row, today)))
}

#[utoipa::path(
    tag = "inspections",
    params(("id" = i64, Path, description = "Inspection id"), IfMatchHeader),
    request_body = InspectionPatch,
    responses(
        (status = 200, description = "The changed inspection", body = Inspection, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[patch("/inspections/{id}")]
/// Change an inspection made in the caller's subtree, or record its rectification as done
/// (`rectification_done_on`, `rectification_done_by`) (admins).
pub async fn update_inspection(
    state: web::Data<AppState>,
    principal: Authorized<op::UpdateInspection>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<InspectionPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let today = china_date(actor.at.and_utc());
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::inspections::update(c, &actor, root, id, &if_match, |current| {
            body.apply(current)
        })
    })
    .await?;
    Ok(etag::ok(&Inspection::view(row, today)))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_inspections)
        .service(get_inspection_compliance)
        .service(create_inspection)
        .service(get_inspection)
        .service(update_inspection);
}
