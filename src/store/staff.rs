//! Queries of staff: the people who serve.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::staff;
use crate::db::DbConnection;
use crate::domain::duty::StaffKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::changes::changed_since_filter;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::find_in_subtree;
use crate::store::scope::subtree_by_id;
use crate::store::write::record;
use crate::store::write::{self, first_version};
use crate::store::{audit, units, Actor};

/// A stored person.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = staff)]
#[diesel(treat_none_as_null = true)]
pub struct StaffRow {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub kind: StaffKind,
    pub title: Option<String>,
    pub licence_no: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(StaffRow, "staff" in "staff", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

changed_since_filter! {
    /// Filters of the staff list.
    pub struct StaffFilter {
        /// Only people of this unit.
        pub unit_id: Option<i64>,
        /// Only this kind.
        pub kind: Option<StaffKind>,
        /// Only active (true) or inactive (false) people.
        pub active: Option<bool>,
        /// Only names containing this text.
        #[param(max_length = 50)]
        pub q: Option<String>,
    }
}

/// People of units in the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &StaffFilter,
    page: &PageRequest,
) -> Result<Page<StaffRow>, ApiError> {
    let mut query = subtree_by_id!(StaffRow in staff, root, page);
    query = query.filter_some(filter.unit_id, |unit| staff::unit_id.eq(unit));
    query = query.filter_some(filter.kind, |kind| staff::kind.eq(kind));
    query = query.filter_some(filter.active, |active| staff::active.eq(active));
    query = query.filter_some(filter.updated_after, |t| {
        staff::updated_at.gt(t.naive_utc())
    });
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(
            staff::name
                .like(format!("%{}%", units::escape_like(q)))
                .escape('\\'),
        );
    }
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

find_in_subtree! {
    /// One person of the subtree of `root`.
    StaffRow in staff, "staff.unit_id", STAFF
}

fn check_refs(tx: &mut DbConnection, root: i64, unit_id: i64) -> Result<(), ApiError> {
    units::find_referenced(tx, root, unit_id, "unit_id").map(|_| ())
}

/// Adds a person to a unit of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    values: StaffValues,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(StaffRow, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        check_refs(tx, root, values.unit_id)?;
        insert_row(tx, log.at(), values)
    })
}

/// The fields of a new person.
#[derive(Debug, Clone, Copy)]
pub struct StaffValues<'a> {
    pub unit_id: i64,
    pub name: &'a str,
    pub kind: StaffKind,
    pub title: Option<&'a str>,
    pub licence_no: Option<&'a str>,
    pub phone: Option<&'a str>,
}

fn insert_row(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    v: StaffValues,
) -> Result<StaffRow, ApiError> {
    Ok(diesel::insert_into(staff::table)
        .values((
            staff::unit_id.eq(v.unit_id),
            staff::name.eq(v.name),
            staff::kind.eq(v.kind),
            staff::title.eq(v.title),
            staff::licence_no.eq(v.licence_no),
            staff::phone.eq(v.phone),
            staff::active.eq(true),
            first_version!(staff, now),
        ))
        .returning(staff::all_columns)
        .get_result(tx)?)
}

/// Inserts a person inside a write and records it (seeding).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    v: StaffValues,
) -> Result<StaffRow, ApiError> {
    let row = insert_row(tx, log.at(), v)?;
    write::record_created(log, &row);
    Ok(row)
}

/// Changes a person of the subtree of `root` to what `change` makes of them.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: impl FnOnce(&StaffRow) -> StaffRow,
) -> Result<StaffRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let next = change(current);
        check_refs(tx, root, next.unit_id)?;
        Ok(diesel::update(staff::table.filter(staff::id.eq(id)))
            .set(&StaffRow {
                version: current.version + 1,
                created_at: current.created_at,
                updated_at: log.at(),
                ..next
            })
            .returning(staff::all_columns)
            .get_result(tx)?)
    })
}
