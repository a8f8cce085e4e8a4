//! Staff: lawyers, grassroots legal workers, office and centre staff, mediators and volunteers
//! who serve on the duty roster. Their phone numbers are personal data.

use actix_web::{get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, from_record, record_view, Source};
use crate::auth::Principal;
use crate::domain::duty::StaffKind;
use crate::domain::phone::PhoneNumber;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::staff::{StaffFilter, StaffRow, StaffValues};
use crate::{privacy, validation};

record_view! {
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
    }
}

impl Staff {
    /// The API view of a row, as `principal` may see it.
    pub fn view(row: StaffRow, principal: &Principal) -> Self {
        from_record!(row => Staff {
            kind: row.kind,
            phone: privacy::phone(principal, row.unit_id, row.phone),
            id: row.id,
            unit_id: row.unit_id,
            name: row.name,
            title: row.title,
            licence_no: row.licence_no,
            active: row.active,
        })
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

endpoint! {
    /// List the people of the caller's subtree.
    list list_staff("/staff", ListStaff, StaffFilter) -> Staff,
        tag = "staff", ok = "People of the caller's subtree, by id";
    |state, principal, filter, page| {
        validation::query_text("q", filter.q.as_deref(), 50)?;
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::staff::list(c, root, &filter, p);
        let view = |row| Ok(Staff::view(row, &principal));
        endpoint::page(&state, page, "staff", Source::Replica, list, view).await
    }
}

endpoint! {
    /// Add a person to a unit of the caller's subtree (admin, unit staff).
    create create_staff("/staff", CreateStaff, NewStaff) -> Staff,
        tag = "staff", ok = "Created", location = "The new person";
    |state, principal, idem, body| {
        let phone = parse_phone("phone", body.phone.as_deref())?;
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let create = move |c: &mut _| {
            store::staff::create(c, &actor, root, body.values(phone.as_deref()), &*body, &idem)
        };
        let view = |row| Ok(Staff::view(row, &principal));
        endpoint::created(&state, "/api/v1/staff", create, view).await
    }
}

endpoint! {
    /// Read a person of the caller's subtree.
    get get_staff("/staff/{id}", GetStaff) -> Staff,
        tag = "staff", id = "Staff id", ok = "The person";
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::staff::find(c, root, id);
        endpoint::one(&state, find, |row| Ok(Staff::view(row, &principal))).await
    }
}

endpoint! {
    /// Change a person of the caller's subtree (admin, unit staff).
    update update_staff("/staff/{id}", UpdateStaff, StaffPatch) -> Staff,
        tag = "staff", id = "Staff id", ok = "The changed person";
    |state, principal, id, if_match, body| {
        let phone = match &body.phone {
            Some(p) => Some(parse_phone("phone", p.as_deref())?),
            None => None,
        };
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update = move |c: &mut _| {
            store::staff::update(c, &actor, root, id, &if_match, |row| body.apply(&phone, row))
        };
        endpoint::one(&state, update, |row| Ok(Staff::view(row, &principal))).await
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_staff)
        .service(create_staff)
        .service(get_staff)
        .service(update_staff);
}
