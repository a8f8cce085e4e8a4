//! Recognitions (附件1 举措10): the model stations (惠民工程示范站点) and pioneer posts (先锋岗) the
//! bureau selects each year, with the reason.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::recognitions::RecognitionKind;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::recognitions::{RecognitionFilter, RecognitionInput, RecognitionRow};
use crate::time::to_cst;
use crate::validation;

/// A unit or person recognised for a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "unit_id": 4, "staff_id": null, "year": 2023, "kind": "model_station",
    "reason": "值班制度落实到位，咨询登记全面规范", "recognised_on": "2023-12-28",
    "recognised_by": "沁水县司法局", "version": 1,
    "created_at": "2023-12-28T10:00:00+08:00", "updated_at": "2023-12-28T10:00:00+08:00"
}))]
pub struct Recognition {
    /// Id.
    pub id: i64,
    /// The unit recognised (for a pioneer post, the person's unit).
    pub unit_id: i64,
    /// The person recognised (pioneer posts).
    pub staff_id: Option<i64>,
    /// The year it is for.
    pub year: i32,
    /// Kind.
    pub kind: RecognitionKind,
    /// Why.
    pub reason: String,
    /// The day it was made.
    pub recognised_on: NaiveDate,
    /// Who made it.
    pub recognised_by: String,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for Recognition {
    fn version(&self) -> i64 {
        self.version
    }
}

impl From<RecognitionRow> for Recognition {
    fn from(r: RecognitionRow) -> Self {
        Recognition {
            id: r.id,
            unit_id: r.unit_id,
            staff_id: r.staff_id,
            year: r.year,
            kind: r.kind,
            reason: r.reason,
            recognised_on: r.recognised_on,
            recognised_by: r.recognised_by,
            version: r.version,
            created_at: to_cst(r.created_at),
            updated_at: to_cst(r.updated_at),
        }
    }
}

/// A new recognition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "year": 2023, "kind": "model_station",
    "reason": "值班制度落实到位，咨询登记全面规范", "recognised_on": "2023-12-28",
    "recognised_by": "沁水县司法局"
}))]
pub struct NewRecognition {
    /// The unit recognised, in the caller's subtree (for a pioneer post, the person's unit).
    pub unit_id: i64,
    /// The person, one of the unit's staff: required for a pioneer post, absent for a model
    /// station.
    pub staff_id: Option<i64>,
    /// The year it is for, 2019 to the current one.
    #[schema(minimum = 2019, maximum = 2100)]
    #[validate(range(min = 2019, max = 2100))]
    pub year: i32,
    /// Kind.
    pub kind: RecognitionKind,
    /// Why.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub reason: String,
    /// The day it was made: in its year or the next, not after today.
    pub recognised_on: NaiveDate,
    /// Who made it (the bureau, a meeting).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub recognised_by: String,
}

impl NewRecognition {
    fn input(&self) -> RecognitionInput {
        RecognitionInput {
            unit_id: self.unit_id,
            staff_id: self.staff_id,
            year: self.year,
            kind: self.kind,
            reason: self.reason.trim().to_owned(),
            recognised_on: self.recognised_on,
            recognised_by: self.recognised_by.trim().to_owned(),
        }
    }
}

/// Changes to a recognition; absent fields stay, `null` clears `staff_id`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "值班制度落实到位，咨询登记全面规范，回访满意度100%"}))]
pub struct RecognitionPatch {
    /// Another unit.
    pub unit_id: Option<i64>,
    /// Another person, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<i64>)]
    pub staff_id: Option<Option<i64>>,
    /// Another year.
    #[schema(minimum = 2019, maximum = 2100)]
    #[validate(range(min = 2019, max = 2100))]
    pub year: Option<i32>,
    /// Another kind.
    pub kind: Option<RecognitionKind>,
    /// Another reason.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub reason: Option<String>,
    /// Another day.
    pub recognised_on: Option<NaiveDate>,
    /// Another maker.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub recognised_by: Option<String>,
}

impl RecognitionPatch {
    fn apply(&self, current: &RecognitionRow) -> RecognitionInput {
        let c = current.input();
        RecognitionInput {
            unit_id: self.unit_id.unwrap_or(c.unit_id),
            staff_id: validation::patched(&self.staff_id, &c.staff_id),
            year: self.year.unwrap_or(c.year),
            kind: self.kind.unwrap_or(c.kind),
            reason: self
                .reason
                .as_deref()
                .map_or(c.reason, |r| r.trim().to_owned()),
            recognised_on: self.recognised_on.unwrap_or(c.recognised_on),
            recognised_by: self
                .recognised_by
                .as_deref()
                .map_or(c.recognised_by, |r| r.trim().to_owned()),
        }
    }
}

#[utoipa::path(
    tag = "recognitions",
    params(RecognitionFilter, PageQuery),
    responses(
        (status = 200, description = "Recognitions of the caller's subtree, the latest first", body = Page<Recognition>),
        e::List,
    ),
)]
#[get("/recognitions")]
/// List the recognitions of units and people of the caller's subtree.
pub async fn list_recognitions(
    state: web::Data<AppState>,
    principal: Authorized<op::ListRecognitions>,
    filter: web::Query<RecognitionFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("recognitions")?;
    let filter = filter.into_inner();
    if let Some(year) = filter.year {
        crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    }
    let root = principal.unit_id;
    let rows = crate::api::reads::read(&state.pool, move |c| {
        store::recognitions::list(c, root, &filter, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|r| Ok(Recognition::from(r)))?))
}

#[utoipa::path(
    tag = "recognitions",
    params(IdempotencyKeyHeader),
    request_body = NewRecognition,
    responses(
        (status = 201, description = "Recorded", body = Recognition,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new recognition"))),
        e::Create, e::Conflict,
    ),
)]
#[post("/recognitions")]
/// Record a model station or pioneer post of the caller's subtree (admins); the same unit or
/// person recognised twice as the same kind for one year is a 409.
pub async fn create_recognition(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateRecognition>,
    idem: IdempotencyKey,
    body: Json<NewRecognition>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let input = body.input();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let (row, replayed) = store::run(&state.pool, move |c| {
        store::recognitions::create(c, &actor, root, &input, &*body, &idem)
    })
    .await?;
    let view = Recognition::from(row);
    Ok(etag::created(
        &view,
        &format!("/api/v1/recognitions/{}", view.id),
        replayed,
    ))
}

#[utoipa::path(
    tag = "recognitions",
    params(("id" = i64, Path, description = "Recognition id")),
    responses(
        (status = 200, description = "The recognition", body = Recognition, headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/recognitions/{id}")]
/// Read a recognition of the caller's subtree.
pub async fn get_recognition(
    state: web::Data<AppState>,
    principal: Authorized<op::GetRecognition>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| store::recognitions::find(c, root, id)).await?;
    Ok(etag::ok(&Recognition::from(row)))
}

#[utoipa::path(
    tag = "recognitions",
    params(("id" = i64, Path, description = "Recognition id"), IfMatchHeader),
    request_body = RecognitionPatch,
    responses(
        (status = 200, description = "The changed recognition", body = Recognition, headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[patch("/recognitions/{id}")]
/// Change a recognition of the caller's subtree (admins).
pub async fn update_recognition(
    state: web::Data<AppState>,
    principal: Authorized<op::UpdateRecognition>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<RecognitionPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::recognitions::update(c, &actor, root, id, &if_match, |current| {
            body.apply(current)
        })
    })
    .await?;
    Ok(etag::ok(&Recognition::from(row)))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_recognitions)
        .service(create_recognition)
        .service(get_recognition)
        .service(update_recognition);
}
