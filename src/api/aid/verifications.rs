//! The later verification of hardship pledges (Shanxi 告知承诺制).

use actix_web::{get, post, web, HttpResponse};
use validator::Validate;

use super::reader_of;
use super::types::VerificationInput;
use super::views::{HardshipVerification, HardshipVerifications};
use crate::api::errors as e;
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::store;

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    request_body = VerificationInput,
    responses(
        (status = 201, description = "Recorded (audited)", body = HardshipVerification),
        e::Create, e::NotFound, e::Conflict,
    ),
)]
#[post("/aid-applications/{id}/hardship-verifications")]
/// Record the later verification of a hardship pledge (Shanxi 告知承诺制): by letter or phone,
/// the data platform or a home visit (aid officers, admins).
pub async fn create_hardship_verification(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateHardshipVerification>,
    id: web::Path<i64>,
    body: Json<VerificationInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let who = reader_of(&principal);
    let input = store::aid::VerificationInput::from(&*body);
    let row = store::run(&state.pool, move |c| {
        store::aid::verify_hardship(c, &actor, who, id, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(HardshipVerification::from(row)))
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "The verifications, oldest first", body = HardshipVerifications),
        e::Read,
    ),
)]
#[get("/aid-applications/{id}/hardship-verifications")]
/// The verifications of an application's hardship pledge.
pub async fn list_hardship_verifications(
    state: web::Data<AppState>,
    principal: Authorized<op::ListHardshipVerifications>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = reader_of(&principal);
    let rows = store::run(&state.pool, move |c| store::aid::verifications(c, who, id)).await?;
    let items = rows.into_iter().map(HardshipVerification::from).collect();
    Ok(HttpResponse::Ok().json(HardshipVerifications { items }))
}
