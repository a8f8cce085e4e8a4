//! Planning follow-ups for a fair sample of a period's consultations.

use actix_web::{post, web, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::types::PlanInput;
use super::views::{views, FollowUp};
use crate::api::errors as e;
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::store;
use crate::time::{cst, day_start_utc};

/// What planning did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanResult {
    /// Consultations in the period whose person agreed to be called back.
    pub candidates: usize,
    /// Of those, the fair sample.
    pub sampled: usize,
    /// Follow-ups created now (a sampled consultation that already had one is not planned again).
    pub created: Vec<FollowUp>,
}

#[utoipa::path(
    tag = "follow-ups",
    request_body = PlanInput,
    responses(
        (status = 200, description = "Planned; running it again for the same period creates nothing new", body = PlanResult),
        e::Create, e::NotFound,
    ),
)]
#[post("/follow-ups/plan")]
/// Plan follow-ups for a fair sample (chosen by a hash of each consultation, not the first N) of
/// the consultations of a unit and period whose person agreed to be called back.
pub async fn plan_follow_ups(
    state: web::Data<AppState>,
    principal: Authorized<op::PlanFollowUps>,
    body: Json<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    crate::time::check_period(body.from, body.to, 366)
        .map_err(|reason| ApiError::invalid_field("to", "range", reason.en))?;
    let (Some(from), Some(to)) = (
        day_start_utc(body.from),
        day_start_utc(body.to + Duration::days(1)),
    ) else {
        return Err(ApiError::invalid_field("to", "range", "invalid period"));
    };
    let percent = body
        .share_percent
        .unwrap_or(state.settings.follow_up_share_percent);
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let due_on = body
        .due_on
        .unwrap_or(today + Duration::days(state.settings.follow_up_days));
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let plan = store::follow_ups::PlanInput {
        unit: body.unit_id,
        from,
        to,
        percent,
        due_on,
    };
    let (rows, candidates, sampled) = store::run(&state.pool, move |c| {
        store::follow_ups::plan(c, &actor, root, &plan)
    })
    .await?;
    let created = views(&state, &principal, rows, false).await?;
    Ok(HttpResponse::Ok().json(PlanResult {
        candidates,
        sampled,
        created,
    }))
}
