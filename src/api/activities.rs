//! Outreach and training (举措5, 6, 8, 9): legal lectures, legal check-ups of villages and
//! enterprises, the themed tour "法律服务村村行", mobile stations on market days, publicity and
//! training sessions; counted in the monthly report.

use actix_web::{delete, get, patch, post, web, HttpResponse};
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
use crate::domain::activity::{
    decode_id_list, ActivityKind, ActivityTopic, MAX_AUDIENCE, MAX_MATERIALS,
};
use crate::domain::codes::decode_code_list;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::activities::{ActivityFilter, ActivityRow, ActivityValues};
use crate::time::to_cst;
use crate::validation;

/// An outreach or training activity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "unit_id": 4, "kind": "themed_tour", "title": "龙港镇“法律服务村村行”入户宣讲",
    "date": "2026-11-05", "place": "龙港镇东关村", "topics": ["land_rights", "support_maintenance"],
    "audience": "村民", "audience_size": 65, "materials_count": 120, "staff_ids": [7, 9],
    "notes": "发放惠民工程服务卡", "version": 1,
    "created_at": "2026-11-05T17:20:00+08:00", "updated_at": "2026-11-05T17:20:00+08:00"
}))]
pub struct Activity {
    /// Id.
    pub id: i64,
    /// The unit that held it.
    pub unit_id: i64,
    /// Kind.
    pub kind: ActivityKind,
    /// Title.
    pub title: String,
    /// The day it was held (China).
    pub date: NaiveDate,
    /// Where.
    pub place: String,
    /// What it was about.
    pub topics: Vec<ActivityTopic>,
    /// Who the audience was (villagers, workers of an enterprise, staff).
    pub audience: Option<String>,
    /// How many people it reached.
    pub audience_size: i32,
    /// How many materials were handed out (leaflets, service cards, handbooks).
    pub materials_count: i32,
    /// The staff who took part.
    pub staff_ids: Vec<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for Activity {
    fn version(&self) -> i64 {
        self.version
    }
}

impl TryFrom<ActivityRow> for Activity {
    type Error = ApiError;
    fn try_from(row: ActivityRow) -> Result<Self, ApiError> {
        let topics = decode_code_list(&row.topics)
            .map_err(|e| ApiError::Internal(format!("activity {}: {e}", row.id)))?;
        let staff_ids = decode_id_list(&row.staff_ids).ok_or_else(|| {
            ApiError::Internal(format!("activity {}: a staff id is not a number", row.id))
        })?;
        Ok(Activity {
            id: row.id,
            unit_id: row.unit_id,
            kind: row.kind,
            title: row.title,
            date: row.held_on,
            place: row.place,
            topics,
            audience: row.audience,
            audience_size: row.audience_size,
            materials_count: row.materials_count,
            staff_ids,
            notes: row.notes,
            version: row.version,
            created_at: to_cst(row.created_at),
            updated_at: to_cst(row.updated_at),
        })
    }
}

/// A new activity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "kind": "themed_tour", "title": "龙港镇“法律服务村村行”入户宣讲",
    "date": "2026-11-05", "place": "龙港镇东关村", "topics": ["land_rights", "support_maintenance"],
    "audience": "村民", "audience_size": 65, "materials_count": 120, "staff_ids": [7, 9],
    "notes": "发放惠民工程服务卡"
}))]
pub struct NewActivity {
    /// The unit that held it, in the caller's subtree.
    pub unit_id: i64,
    /// Kind.
    pub kind: ActivityKind,
    /// Title.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub title: String,
    /// The day it was held (China); not after today.
    pub date: NaiveDate,
    /// Where (village, enterprise, market, hall).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: String,
    /// What it was about: one to 16 topics.
    #[schema(min_items = 1, max_items = 16)]
    #[validate(length(min = 1, max = 16))]
    pub topics: Vec<ActivityTopic>,
    /// Who the audience was.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub audience: Option<String>,
    /// How many people it reached (0 to 100000).
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub audience_size: i32,
    /// How many materials were handed out (0 to 1000000; default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1000000))]
    pub materials_count: i32,
    /// The staff who took part: active people of the caller's subtree, at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub staff_ids: Vec<i64>,
    /// Notes.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub notes: Option<String>,
}

/// Changes to an activity; absent fields stay, `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"audience_size": 72, "materials_count": 150}))]
pub struct ActivityPatch {
    /// Move to another unit of the caller's subtree.
    pub unit_id: Option<i64>,
    /// New kind.
    pub kind: Option<ActivityKind>,
    /// New title.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub title: Option<String>,
    /// New day (not after today).
    pub date: Option<NaiveDate>,
    /// New place.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<String>,
    /// New topics (one to 16).
    #[schema(min_items = 1, max_items = 16)]
    #[validate(length(min = 1, max = 16))]
    pub topics: Option<Vec<ActivityTopic>>,
    /// New audience, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub audience: Option<Option<String>>,
    /// New audience size.
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub audience_size: Option<i32>,
    /// New count of materials.
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1000000))]
    pub materials_count: Option<i32>,
    /// New staff (replaces the list).
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub staff_ids: Option<Vec<i64>>,
    /// New notes, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub notes: Option<Option<String>>,
}

const _: () = assert!(MAX_AUDIENCE == 100_000 && MAX_MATERIALS == 1_000_000);

/// 422 when `date` is after today in China.
fn not_future(state: &AppState, date: NaiveDate) -> Result<(), ApiError> {
    let today = crate::domain::periods::china_date(state.clock.now());
    if date > today {
        return Err(ApiError::invalid_field(
            "date",
            "future",
            format!("{date} is after today ({today}): record an activity once it was held"),
        ));
    }
    Ok(())
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|s| s.trim().to_owned())
}

impl NewActivity {
    fn values(&self) -> ActivityValues {
        ActivityValues {
            unit_id: self.unit_id,
            kind: self.kind,
            title: self.title.trim().to_owned(),
            held_on: self.date,
            place: self.place.trim().to_owned(),
            topics: self.topics.clone(),
            audience: trimmed(&self.audience),
            audience_size: self.audience_size,
            materials_count: self.materials_count,
            staff_ids: self.staff_ids.clone(),
            notes: trimmed(&self.notes),
        }
    }
}

impl ActivityPatch {
    /// The activity as changed by this patch.
    fn apply(&self, current: &ActivityRow) -> Result<ActivityValues, ApiError> {
        let now = Activity::try_from(current.clone())?;
        let pick = validation::patched::<String>;
        Ok(ActivityValues {
            unit_id: self.unit_id.unwrap_or(now.unit_id),
            kind: self.kind.unwrap_or(now.kind),
            title: self
                .title
                .as_deref()
                .map_or(now.title, |t| t.trim().to_owned()),
            held_on: self.date.unwrap_or(now.date),
            place: self
                .place
                .as_deref()
                .map_or(now.place, |t| t.trim().to_owned()),
            topics: self.topics.clone().unwrap_or(now.topics),
            audience: pick(&self.audience, &now.audience),
            audience_size: self.audience_size.unwrap_or(now.audience_size),
            materials_count: self.materials_count.unwrap_or(now.materials_count),
            staff_ids: self.staff_ids.clone().unwrap_or(now.staff_ids),
            notes: pick(&self.notes, &now.notes),
        })
    }
}

#[utoipa::path(
    tag = "activities",
    params(ActivityFilter, PageQuery),
    responses(
        (status = 200, description = "Activities of the caller's subtree, by date and id", body = Page<Activity>),
        e::List,
    ),
)]
#[get("/activities")]
/// List the outreach and training activities of the caller's subtree.
pub async fn list_activities(
    state: web::Data<AppState>,
    principal: Authorized<op::ListActivities>,
    filter: web::Query<ActivityFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("activities")?;
    let filter = filter.into_inner();
    let root = principal.unit_id;
    let rows = crate::api::reads::read(&state.pool, move |c| {
        store::activities::list(c, root, &filter, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(Activity::try_from)?))
}

#[utoipa::path(
    tag = "activities",
    params(IdempotencyKeyHeader),
    request_body = NewActivity,
    responses(
        (status = 201, description = "Recorded", body = Activity,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new activity"))),
        e::Create,
    ),
)]
#[post("/activities")]
/// Record an activity held by a unit of the caller's subtree (admin, unit staff, aid officers).
pub async fn create_activity(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateActivity>,
    idem: IdempotencyKey,
    body: Json<NewActivity>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    not_future(&state, body.date)?;
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let (row, replayed) = store::run(&state.pool, move |c| {
        store::activities::create(c, &actor, root, body.values(), &*body, &idem)
    })
    .await?;
    let activity = Activity::try_from(row)?;
    Ok(etag::created(
        &activity,
        &format!("/api/v1/activities/{}", activity.id),
        replayed,
    ))
}

#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = Activity, headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/activities/{id}")]
/// Read an activity of the caller's subtree.
pub async fn get_activity(
    state: web::Data<AppState>,
    principal: Authorized<op::GetActivity>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| store::activities::find(c, root, id)).await?;
    Ok(etag::ok(&Activity::try_from(row)?))
}

#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id"), IfMatchHeader),
    request_body = ActivityPatch,
    responses(
        (status = 200, description = "The changed activity", body = Activity, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[patch("/activities/{id}")]
/// Change an activity of the caller's subtree (admin, unit staff, aid officers).
pub async fn update_activity(
    state: web::Data<AppState>,
    principal: Authorized<op::UpdateActivity>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<ActivityPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    if let Some(date) = body.date {
        not_future(&state, date)?;
    }
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::activities::update(c, &actor, root, id, &if_match, |current| {
            body.apply(current)
        })
    })
    .await?;
    Ok(etag::ok(&Activity::try_from(row)?))
}

#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id"), IfMatchHeader),
    responses(
        (status = 204, description = "Deleted (the audit trail keeps it)"),
        e::Read, e::Forbidden, e::Stale,
    ),
)]
#[delete("/activities/{id}")]
/// Delete an activity recorded in error (admin, unit staff, aid officers); audited.
pub async fn delete_activity(
    state: web::Data<AppState>,
    principal: Authorized<op::DeleteActivity>,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    store::run(&state.pool, move |c| {
        store::activities::delete(c, &actor, root, id, &if_match)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_activities)
        .service(create_activity)
        .service(get_activity)
        .service(update_activity)
        .service(delete_activity);
}
