//! Reading follow-ups, and recording attempts and changes.

use actix_web::{get, patch, post, web, HttpResponse};
use validator::Validate;

use super::types::{AttemptInput, DueQuery, FollowUpPatch};
use super::views::{page_of, view_one, FollowUp};
use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::follow_ups::FollowUpFilter;

#[utoipa::path(
    tag = "follow-ups",
    params(FollowUpFilter, PageQuery),
    responses(
        (status = 200, description = "Follow-ups of the caller's subtree, by id", body = Page<FollowUp>),
        e::List, e::Forbidden,
    ),
)]
#[get("/follow-ups")]
/// List follow-ups of the caller's subtree (every role but providers).
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    principal: Authorized<op::ListFollowUps>,
    filter: web::Query<FollowUpFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("follow_ups")?;
    let filter = filter.into_inner();
    let root = principal.unit_id;
    let rows = crate::api::reads::read(&state.pool, move |c| {
        store::follow_ups::list(c, root, &filter, &page)
    })
    .await?;
    page_of(&state, &principal, rows).await
}

#[utoipa::path(
    tag = "follow-ups",
    params(DueQuery, PageQuery),
    responses(
        (status = 200, description = "Open follow-ups, the earliest due (the overdue) first", body = Page<FollowUp>),
        e::List, e::Forbidden,
    ),
)]
#[get("/follow-ups/due")]
/// The follow-ups to make in the caller's subtree, overdue first (every role but providers). The person's phone is shown in
/// full only to the staff member who will call.
pub async fn get_due_follow_ups(
    state: web::Data<AppState>,
    principal: Authorized<op::GetDueFollowUps>,
    query: web::Query<DueQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("follow_ups_due")?;
    let unit = query.unit_id;
    let root = principal.unit_id;
    let rows = store::run(&state.pool, move |c| {
        store::follow_ups::due(c, root, unit, &page)
    })
    .await?;
    page_of(&state, &principal, rows).await
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id")),
    responses(
        (status = 200, description = "The follow-up with its attempts", body = FollowUp, headers(("ETag" = String, description = "The version"))),
        e::Read, e::Forbidden,
    ),
)]
#[get("/follow-ups/{id}")]
/// Read a follow-up of the caller's subtree (every role but providers).
pub async fn get_follow_up(
    state: web::Data<AppState>,
    principal: Authorized<op::GetFollowUp>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| store::follow_ups::find(c, root, id)).await?;
    Ok(etag::ok(&view_one(&state, &principal, row, true).await?))
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id"), IfMatchHeader),
    request_body = AttemptInput,
    responses(
        (status = 200, description = "Recorded: reached closes the follow-up; the third failure marks the person unreachable", body = FollowUp,
            headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[post("/follow-ups/{id}/attempts")]
/// Record an attempt to reach the person (admins, unit staff, aid officers).
pub async fn record_follow_up_attempt(
    state: web::Data<AppState>,
    principal: Authorized<op::RecordFollowUpAttempt>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<AttemptInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let attempt = body.attempt()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::follow_ups::record_attempt(c, &actor, root, id, &if_match, &attempt)
    })
    .await?;
    Ok(etag::ok(&view_one(&state, &principal, row, true).await?))
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id"), IfMatchHeader),
    request_body = FollowUpPatch,
    responses(
        (status = 200, description = "Changed", body = FollowUp, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[patch("/follow-ups/{id}")]
/// Assign the caller, move the due day, change the method, or record a rectification.
pub async fn update_follow_up(
    state: web::Data<AppState>,
    principal: Authorized<op::UpdateFollowUp>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<FollowUpPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let change = body.change();
    let row = store::run(&state.pool, move |c| {
        store::follow_ups::update(c, &actor, root, id, &if_match, &change)
    })
    .await?;
    Ok(etag::ok(&view_one(&state, &principal, row, false).await?))
}
