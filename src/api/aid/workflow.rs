//! The workflow's steps and the green-channel decision.

use actix_web::{post, web, HttpResponse};
use validator::Validate;

use super::types::{ActionInput, GreenInput};
use super::views::{one_view, AidApplication};
use super::{reader_for, reader_of};
use crate::api::endpoint::endpoint;
use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized, Policy};
use crate::domain::access;
use crate::domain::aid::{self, AidAction};
use crate::domain::codes::CodeTable;
use crate::error::ApiError;
use crate::store;

#[utoipa::path(
    tag = "aid",
    params(
        ("id" = i64, Path, description = "Application id"),
        ("action" = AidAction, Path, description = "The step"),
        IfMatchHeader,
    ),
    request_body = ActionInput,
    responses(
        (status = 200, description = "The step is taken; the new deadline applies", body = AidApplication,
            headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[post("/aid-applications/{id}/{action}")]
/// Take a step of the workflow: submitted → accepted → (request_materials → receive_materials,
/// once per application, the reply before its date) → approve or reject (reasons) → (object →
/// uphold_objection | dismiss_objection) → assign (provider_staff_id) → sign_agreement → start
/// → close → file (the case file, within 30 days) → filed. Terminate (termination_ground) from
/// assigned onwards; withdraw (note) before assignment. Urgent aid (先行提供) is assigned before
/// the decision, which follows (approve keeps the case going, reject terminates it); an official
/// notice (通知辩护) is assigned without acceptance or review. An objection (to a refusal or a
/// termination) is made within the configured days of the day the decision was served
/// (`served_on`). A step not allowed now, or out of time, is a 409 listing `allowed_actions`; a
/// stale `If-Match` a 412. Who takes which step: aid officers take the centre's steps; unit staff
/// accept on the centre's behalf (代受理) and receive materials; the provider assigned (or an
/// officer) signs, starts, closes and files; the justice bureau that set up the centre (its
/// admins) records and decides an objection. Another role is a 403.
pub async fn act_on_aid_application(
    state: web::Data<AppState>,
    principal: Authorized<op::ActOnAidApplication>,
    path: web::Path<(i64, AidAction)>,
    if_match: IfMatch,
    body: Json<ActionInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let rule = access::rule(<op::ActOnAidApplication as Policy>::ID, Some(action))
        .filter(|r| r.roles.contains(&principal.role))
        .ok_or_else(|| {
            ApiError::Forbidden(access::refusal(
                action.code(),
                "act_on_aid_application",
                Some(action),
                principal.role,
            ))
        })?;
    body.validate()?;
    let step = aid::StepInput::from(body.into_inner());
    aid::check_step(action, &step)
        .map_err(|e| ApiError::invalid_field(&e.field, e.code, e.message))?;
    let actor = state.actor(&principal);
    let who = reader_for(&principal, rule.scope);
    let settings = state.settings;
    let app = store::run(&state.pool, move |c| {
        store::aid::act(c, &actor, who, id, &if_match, action, &step, &settings)
    })
    .await?;
    Ok(etag::ok(&one_view(&state, &principal, app).await?))
}

endpoint! {
    /// Put an application on or off the green channel, with a reason (aid officers, admins).
    act set_green_channel("/aid-applications/{id}/green-channel", SetGreenChannel, GreenInput)
        -> AidApplication,
        tag = "aid", id = "Application id", ok = "Changed (audited)";
    |state, principal, id, if_match, body| {
        let actor = state.actor(&principal);
        let who = reader_of(&principal);
        let app = store::run(&state.pool, move |c| {
            store::aid::set_green(
                c,
                &actor,
                who,
                id,
                &if_match,
                body.green_channel,
                body.reason.trim(),
            )
        })
        .await?;
        Ok(etag::ok(&one_view(&state, &principal, app).await?))
    }
}
