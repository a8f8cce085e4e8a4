//! Units (附件2): the county public legal service centre, the legal aid centre, the township
//! judicial offices and other units as one tree; and their annual targets.

use actix_web::{get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, from_record, versioned_view, Source};
use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::codes::encode_code_list;
use crate::domain::targets::SatisfactionPermille;
use crate::domain::units::{Accessibility, UnitKind, UnitLevel};
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::targets::{TargetRow, TargetValues};
use crate::store::units::{UnitFilter, UnitRow, UnitValues};
use crate::time::to_cst;
use crate::validation;

/// A unit of the programme.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "parent_id": 1, "kind": "judicial_office", "level": "township",
    "code": "140521-SFS-LG", "name": "龙港镇司法所",
    "address": "沁水县龙港镇府前街1号", "phone": "0356-7022001",
    "opening_hours": "周一至周五 8:30-12:00, 14:30-17:30",
    "accessibility": ["step_free_access", "home_visits"], "accessibility_note": null,
    "active": true, "version": 1,
    "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
}))]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// The parent unit (none for the root of a deployment).
    pub parent_id: Option<i64>,
    /// Kind of unit.
    pub kind: UnitKind,
    /// Level, derived from the kind.
    pub level: UnitLevel,
    /// A code unique in the deployment (e.g. administrative division code plus a suffix).
    pub code: String,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: Option<String>,
    /// Public phone of the unit (not a person's number).
    pub phone: Option<String>,
    /// Opening hours, as shown to the public.
    pub opening_hours: Option<String>,
    /// Accessibility (无障碍) facilities.
    pub accessibility: Vec<Accessibility>,
    /// Other accessibility facts.
    pub accessibility_note: Option<String>,
    /// Whether the unit is in service.
    pub active: bool,
    /// Version, sent as `ETag`; send it back as `If-Match` when changing the unit.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(Unit);

impl TryFrom<UnitRow> for Unit {
    type Error = ApiError;
    fn try_from(row: UnitRow) -> Result<Self, ApiError> {
        let kind = row.kind;
        let accessibility = row.accessibility()?;
        Ok(from_record!(row => Unit {
            id: row.id,
            parent_id: row.parent_id,
            kind,
            level: kind.level(),
            code: row.code,
            name: row.name,
            address: row.address,
            phone: row.phone,
            opening_hours: row.opening_hours,
            accessibility,
            accessibility_note: row.accessibility_note,
            active: row.active,
        }))
    }
}

/// A new unit, placed under a parent in the caller's subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "parent_id": 1, "kind": "village_workstation", "code": "140521-LG-001",
    "name": "龙港镇东关村公共法律服务工作室", "address": "龙港镇东关村村委会",
    "phone": "0356-7022101", "opening_hours": "每周三上午",
    "accessibility": ["step_free_access"]
}))]
pub struct NewUnit {
    /// The parent unit.
    pub parent_id: i64,
    /// Kind of unit; must not sit above its parent's level.
    pub kind: UnitKind,
    /// Unique code.
    #[schema(min_length = 1, max_length = 40, pattern = "code")]
    #[validate(length(min = 1, max = 40), custom(function = validation::code))]
    pub code: String,
    /// Name.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub name: String,
    /// Street address.
    #[schema(min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub address: Option<String>,
    /// Public phone.
    #[schema(min_length = 5, max_length = 40, pattern = "unit_phone")]
    #[validate(length(min = 5, max = 40), custom(function = validation::unit_phone))]
    pub phone: Option<String>,
    /// Opening hours.
    #[schema(min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub opening_hours: Option<String>,
    /// Accessibility facilities.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub accessibility: Vec<Accessibility>,
    /// Other accessibility facts.
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub accessibility_note: Option<String>,
}

/// Changes to a unit; absent fields stay, `null` clears an optional field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "0356-7022002", "opening_hours": "周一至周五 8:30-17:30"}))]
pub struct UnitPatch {
    /// Move the unit (and its subtree) under another parent in the caller's subtree.
    pub parent_id: Option<i64>,
    /// Change the kind.
    pub kind: Option<UnitKind>,
    /// New code.
    #[schema(min_length = 1, max_length = 40, pattern = "code")]
    #[validate(length(min = 1, max = 40), custom(function = validation::code))]
    pub code: Option<String>,
    /// New name.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub name: Option<String>,
    /// New address, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub address: Option<Option<String>>,
    /// New phone, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 5, max_length = 40, pattern = "unit_phone")]
    #[validate(length(min = 5, max = 40), custom(function = validation::unit_phone))]
    pub phone: Option<Option<String>>,
    /// New opening hours, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub opening_hours: Option<Option<String>>,
    /// New accessibility facilities (replaces the list).
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub accessibility: Option<Vec<Accessibility>>,
    /// New accessibility note, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub accessibility_note: Option<Option<String>>,
    /// Take the unit out of service, or back.
    pub active: Option<bool>,
}

/// An annual target of a unit (附件2).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "unit_id": 4, "year": 2023, "consultations": 800, "satisfaction_percent": 95.0,
    "aid_cases": null, "version": 1, "updated_at": "2023-03-01T09:00:00+08:00"
}))]
pub struct UnitTarget {
    /// The unit.
    pub unit_id: i64,
    /// The year.
    pub year: i32,
    /// Consultations to register in the year.
    pub consultations: Option<i32>,
    /// Average satisfaction to reach, in percent (one decimal).
    pub satisfaction_percent: Option<f64>,
    /// Special-group legal aid cases to handle (the legal aid centre's target).
    pub aid_cases: Option<i32>,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(UnitTarget, no id);

impl From<TargetRow> for UnitTarget {
    fn from(row: TargetRow) -> Self {
        UnitTarget {
            unit_id: row.unit_id,
            year: row.year,
            consultations: row.consultations,
            satisfaction_percent: row
                .satisfaction_permille
                .map(|p| SatisfactionPermille::from_stored(p).percent()),
            aid_cases: row.aid_cases,
            version: row.version,
            updated_at: to_cst(row.updated_at),
        }
    }
}

/// The targets of one unit for one year; a field left out or null sets no target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"consultations": 800, "satisfaction_percent": 95.0, "aid_cases": null}))]
pub struct TargetInput {
    /// Consultations to register in the year.
    #[schema(minimum = 0, maximum = 10_000_000)]
    #[validate(range(min = 0, max = 10_000_000))]
    pub consultations: Option<i32>,
    /// Average satisfaction to reach, 0 to 100; kept to one decimal (97.55 is stored as 97.6).
    #[schema(minimum = 0.0, maximum = 100.0)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub satisfaction_percent: Option<f64>,
    /// Special-group legal aid cases to handle.
    #[schema(minimum = 0, maximum = 10_000_000)]
    #[validate(range(min = 0, max = 10_000_000))]
    pub aid_cases: Option<i32>,
}

/// The targets of one unit, by year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitTargets {
    /// One entry per year, oldest first.
    pub items: Vec<UnitTarget>,
}

impl NewUnit {
    /// The unit's fields as stored.
    fn values(&self) -> UnitValues {
        UnitValues {
            kind: self.kind,
            code: self.code.clone(),
            name: self.name.trim().to_owned(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            opening_hours: self.opening_hours.clone(),
            accessibility: self.accessibility.clone(),
            accessibility_note: self.accessibility_note.clone(),
        }
    }
}

impl UnitPatch {
    /// The unit as changed by this patch.
    fn apply(&self, current: &UnitRow) -> UnitRow {
        let pick = validation::patched::<String>;
        UnitRow {
            parent_id: self.parent_id.or(current.parent_id),
            kind: self.kind.unwrap_or(current.kind),
            code: self.code.clone().unwrap_or(current.code.clone()),
            name: self
                .name
                .as_deref()
                .map_or(current.name.clone(), |n| n.trim().to_owned()),
            address: pick(&self.address, &current.address),
            phone: pick(&self.phone, &current.phone),
            opening_hours: pick(&self.opening_hours, &current.opening_hours),
            accessibility: self
                .accessibility
                .as_ref()
                .map_or(current.accessibility.clone(), |list| encode_code_list(list)),
            accessibility_note: pick(&self.accessibility_note, &current.accessibility_note),
            active: self.active.unwrap_or(current.active),
            ..current.clone()
        }
    }
}

impl TargetInput {
    /// The targets as stored (satisfaction in tenths of a percent).
    fn values(&self) -> Result<TargetValues, ApiError> {
        let satisfaction_permille = self
            .satisfaction_percent
            .map(|p| {
                SatisfactionPermille::from_percent(p)
                    .map(SatisfactionPermille::stored)
                    .map_err(|e| {
                        ApiError::invalid_field("satisfaction_percent", "range", e.to_string())
                    })
            })
            .transpose()?;
        Ok(TargetValues {
            consultations: self.consultations,
            satisfaction_permille,
            aid_cases: self.aid_cases,
        })
    }
}

endpoint! {
    /// List units of the caller's subtree.
    list list_units("/units", ListUnits, UnitFilter) -> Unit,
        tag = "units", ok = "Units of the caller's subtree, ordered by id";
    |state, principal, filter, page| {
        validation::query_text("q", filter.q.as_deref(), 100)?;
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::units::list(c, root, &filter, p);
        endpoint::page(&state, page, "units", Source::Replica, list, Unit::try_from).await
    }
}

endpoint! {
    /// Create a unit under a parent in the caller's subtree (admin).
    create create_unit("/units", CreateUnit, NewUnit) -> Unit,
        tag = "units", ok = "Created", location = "The new unit", also = [NotFound, Conflict];
    |state, principal, idem, body| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let create = move |c: &mut _| {
            store::units::create(c, &actor, root, body.parent_id, &body.values(), &*body, &idem)
        };
        endpoint::created(&state, "/api/v1/units", create, Unit::try_from).await
    }
}

endpoint! {
    /// Read one unit of the caller's subtree.
    get get_unit("/units/{id}", GetUnit) -> Unit,
        tag = "units", id = "Unit id", ok = "The unit";
    |state, principal, id| {
        let root = principal.unit_id;
        endpoint::one(&state, move |c| store::units::find(c, root, id), Unit::try_from).await
    }
}

endpoint! {
    /// Change a unit of the caller's subtree (admin).
    update update_unit("/units/{id}", UpdateUnit, UnitPatch) -> Unit,
        tag = "units", id = "Unit id", ok = "The changed unit", also = [Conflict];
    |state, principal, id, if_match, body| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update = move |c: &mut _| {
            store::units::update(c, &actor, root, id, &if_match, |row| body.apply(row))
        };
        endpoint::one(&state, update, Unit::try_from).await
    }
}

endpoint! {
    /// Read a unit's annual targets.
    read list_unit_targets("/units/{id}/targets", ListUnitTargets) -> UnitTargets,
        tag = "targets", id = "Unit id", ok = "The unit's targets by year";
    |state, principal, id| {
        let root = principal.unit_id;
        let rows = store::run(&state.pool, move |c| store::targets::list(c, root, id)).await?;
        Ok(HttpResponse::Ok().json(UnitTargets {
            items: rows.into_iter().map(UnitTarget::from).collect(),
        }))
    }
}

#[utoipa::path(
    tag = "targets",
    params(
        ("id" = i64, Path, description = "Unit id"),
        ("year" = i32, Path, description = "Year, 2000 to 2100", minimum = 2000, maximum = 2100),
        IfMatchHeader,
    ),
    request_body = TargetInput,
    responses(
        (status = 200, description = "Targets replaced", body = UnitTarget, headers(("ETag" = String, description = "The new version"))),
        (status = 201, description = "Targets set for the first time", body = UnitTarget, headers(("ETag" = String, description = "The version"))),
        e::Update,
    ),
)]
#[put("/units/{id}/targets/{year}")]
/// Set a unit's targets for a year (admin).
pub async fn put_unit_target(
    state: web::Data<AppState>,
    principal: Authorized<op::PutUnitTarget>,
    path: web::Path<(i64, i32)>,
    if_match: IfMatch,
    body: Json<TargetInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    body.validate()?;
    let values = body.values()?;
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let (row, created) = store::run(&state.pool, move |c| {
        store::targets::put(c, &actor, root, id, year, &if_match, values)
    })
    .await?;
    let mut res = etag::ok(&UnitTarget::from(row));
    if created {
        *res.status_mut() = actix_web::http::StatusCode::CREATED;
    }
    Ok(res)
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(list_unit_targets)
        .service(put_unit_target);
}
