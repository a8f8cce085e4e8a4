//! Staff: lawyers, grassroots legal workers, office and centre staff, mediators and volunteers
//! who serve on the duty roster. Their phone numbers are personal data.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::auth::Principal;
use crate::domain::duty::StaffKind;
use crate::domain::phone::PhoneNumber;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::staff::{StaffFilter, StaffRow, StaffValues};
use crate::time::to_cst;
use crate::{privacy, validation};

/// A person who serves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "unit_id": 4, "name": "王敏", "kind": "judicial_office_staff", "title": "所长",
    "licence_no": null, "phone": "13812345678", "active": true, "version": 1,
    "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
}))]
pub struct Staff {
    /// Id.
    pub id: i64,
    /// The unit the person belongs to.
    pub unit_id: i64,
    /// Name (shown on the public duty board).
    pub name: String,
    /// Kind.
    pub kind: StaffKind,
    /// Post or title.
    pub title: Option<String>,
    /// Practising licence number (lawyers, legal workers).
    pub licence_no: Option<String>,
    /// Personal phone: in full for admins and for staff of the person's own unit, masked
    /// (`138****5678`) for everyone else; never on the public board.
    pub phone: Option<String>,
    /// Whether the person serves now.
    pub active: bool,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for Staff {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Staff {
    /// The API view of a row, as `principal` may see it.
    pub fn view(row: StaffRow, principal: &Principal) -> Self {
        Staff {
            kind: row.kind,
            phone: privacy::phone(principal, row.unit_id, row.phone),
            id: row.id,
            unit_id: row.unit_id,
            name: row.name,
            title: row.title,
            licence_no: row.licence_no,
            active: row.active,
            version: row.version,
            created_at: to_cst(row.created_at),
            updated_at: to_cst(row.updated_at),
        }
    }
}

/// A new person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "name": "王敏", "kind": "judicial_office_staff", "title": "所长",
    "phone": "13812345678"
}))]
pub struct NewStaff {
    /// The unit, in the caller's subtree.
    pub unit_id: i64,
    /// Name.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: String,
    /// Kind.
    pub kind: StaffKind,
    /// Post or title.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub title: Option<String>,
    /// Practising licence number.
    #[schema(min_length = 1, max_length = 40, pattern = "code")]
    #[validate(length(min = 1, max = 40), custom(function = validation::code))]
    pub licence_no: Option<String>,
    /// Personal phone: a mobile (13812345678) or a landline with area code (0356-7022148).
    #[schema(min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<String>,
}

/// Changes to a person; absent fields stay, `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "13912345678", "active": true}))]
pub struct StaffPatch {
    /// Move to another unit of the caller's subtree.
    pub unit_id: Option<i64>,
    /// New name.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<StaffKind>,
    /// New title, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub title: Option<Option<String>>,
    /// New licence number, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 40, pattern = "code")]
    #[validate(length(min = 1, max = 40), custom(function = validation::code))]
    pub licence_no: Option<Option<String>>,
    /// New phone, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<Option<String>>,
    /// Whether the person serves now.
    pub active: Option<bool>,
}

impl NewStaff {
    /// The person as stored, with the phone as parsed.
    fn values<'a>(&'a self, phone: Option<&'a str>) -> StaffValues<'a> {
        StaffValues {
            unit_id: self.unit_id,
            name: self.name.trim(),
            kind: self.kind,
            title: self.title.as_deref(),
            licence_no: self.licence_no.as_deref(),
            phone,
        }
    }
}

impl StaffPatch {
    /// The person as changed by this patch, with the phone as parsed.
    fn apply(&self, phone: &Option<Option<String>>, current: &StaffRow) -> StaffRow {
        let pick = validation::patched::<String>;
        StaffRow {
            unit_id: self.unit_id.unwrap_or(current.unit_id),
            name: self
                .name
                .as_deref()
                .map_or(current.name.clone(), |n| n.trim().to_owned()),
            kind: self.kind.unwrap_or(current.kind),
            title: pick(&self.title, &current.title),
            licence_no: pick(&self.licence_no, &current.licence_no),
            phone: pick(phone, &current.phone),
            active: self.active.unwrap_or(current.active),
            ..current.clone()
        }
    }
}

fn parse_phone(field: &str, phone: Option<&str>) -> Result<Option<String>, ApiError> {
    phone
        .map(|p| {
            PhoneNumber::parse(p)
                .map(|n| n.as_str().to_owned())
                .map_err(|e| ApiError::invalid_field(field, "phone", e.to_string()))
        })
        .transpose()
}

#[utoipa::path(
    tag = "staff",
    params(StaffFilter, PageQuery),
    responses(
        (status = 200, description = "People of the caller's subtree, by id", body = Page<Staff>),
        e::List,
    ),
)]
#[get("/staff")]
/// List the people of the caller's subtree.
pub async fn list_staff(
    state: web::Data<AppState>,
    principal: Authorized<op::ListStaff>,
    filter: web::Query<StaffFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("staff")?;
    let filter = filter.into_inner();
    validation::query_text("q", filter.q.as_deref(), 50)?;
    let root = principal.unit_id;
    let rows = crate::api::reads::read(&state.pool, move |c| {
        store::staff::list(c, root, &filter, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|row| Ok(Staff::view(row, &principal)))?))
}

#[utoipa::path(
    tag = "staff",
    params(IdempotencyKeyHeader),
    request_body = NewStaff,
    responses(
        (status = 201, description = "Created", body = Staff,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new person"))),
        e::Create,
    ),
)]
#[post("/staff")]
/// Add a person to a unit of the caller's subtree (admin, unit staff).
pub async fn create_staff(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateStaff>,
    idem: IdempotencyKey,
    body: Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let phone = parse_phone("phone", body.phone.as_deref())?;
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let (row, replayed) = store::run(&state.pool, move |c| {
        store::staff::create(
            c,
            &actor,
            root,
            body.values(phone.as_deref()),
            &*body,
            &idem,
        )
    })
    .await?;
    let staff = Staff::view(row, &principal);
    Ok(etag::created(
        &staff,
        &format!("/api/v1/staff/{}", staff.id),
        replayed,
    ))
}

#[utoipa::path(
    tag = "staff",
    params(("id" = i64, Path, description = "Staff id")),
    responses(
        (status = 200, description = "The person", body = Staff, headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/staff/{id}")]
/// Read a person of the caller's subtree.
pub async fn get_staff(
    state: web::Data<AppState>,
    principal: Authorized<op::GetStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| store::staff::find(c, root, id)).await?;
    Ok(etag::ok(&Staff::view(row, &principal)))
}

#[utoipa::path(
    tag = "staff",
    params(("id" = i64, Path, description = "Staff id"), IfMatchHeader),
    request_body = StaffPatch,
    responses(
        (status = 200, description = "The changed person", body = Staff, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[patch("/staff/{id}")]
/// Change a person of the caller's subtree (admin, unit staff).
pub async fn update_staff(
    state: web::Data<AppState>,
    principal: Authorized<op::UpdateStaff>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<StaffPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let phone = match &body.phone {
        Some(p) => Some(parse_phone("phone", p.as_deref())?),
        None => None,
    };
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::staff::update(c, &actor, root, id, &if_match, |current| {
            body.apply(&phone, current)
        })
    })
    .await?;
    Ok(etag::ok(&Staff::view(row, &principal)))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_staff)
        .service(create_staff)
        .service(get_staff)
        .service(update_staff);
}
