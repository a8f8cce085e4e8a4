//! Queries of staff: the people who serve.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::api::staff::{NewStaff, StaffFilter, StaffPatch};
use crate::db::schema::{staff, users};
use crate::db::DbConnection;
use crate::domain::duty::StaffKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::scope::unit_id_in_subtree;
use crate::store::{audit, idempotency, units, Actor};

/// A stored person.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub kind: String,
    pub title: Option<String>,
    pub licence_no: Option<String>,
    pub phone: Option<String>,
    pub user_id: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// People of units in the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &StaffFilter,
    page: &PageRequest,
) -> Result<Page<StaffRow>, ApiError> {
    let mut query = staff::table
        .filter(unit_id_in_subtree("staff.unit_id", root))
        .filter(staff::id.gt(page.after_id()))
        .select(StaffRow::as_select())
        .order(staff::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(unit) = filter.unit_id {
        query = query.filter(staff::unit_id.eq(unit));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(staff::kind.eq(kind.to_string()));
    }
    if let Some(active) = filter.active {
        query = query.filter(staff::active.eq(active));
    }
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

/// One person of the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<StaffRow, ApiError> {
    staff::table
        .filter(staff::id.eq(id))
        .filter(unit_id_in_subtree("staff.unit_id", root))
        .select(StaffRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("staff member", id))
}

fn check_refs(
    tx: &mut DbConnection,
    root: i64,
    unit_id: i64,
    user_id: Option<i64>,
) -> Result<(), ApiError> {
    units::find_referenced(tx, root, unit_id, "unit_id")?;
    if let Some(uid) = user_id {
        let found: Option<i64> = users::table
            .filter(users::id.eq(uid))
            .filter(unit_id_in_subtree("users.unit_id", root))
            .select(users::id)
            .first(tx)
            .optional()?;
        if found.is_none() {
            return Err(ApiError::invalid_field(
                "user_id",
                "not_found",
                "the account does not exist or is outside your scope",
            ));
        }
    }
    Ok(())
}

/// Adds a person to a unit of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    new: &NewStaff,
    phone: Option<String>,
    idem: &idempotency::Idempotency,
) -> Result<(StaffRow, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, new, |tx| {
            check_refs(tx, root, new.unit_id, new.user_id)?;
            let row = insert(
                tx,
                log,
                StaffValues {
                    unit_id: new.unit_id,
                    name: new.name.trim(),
                    kind: new.kind,
                    title: new.title.as_deref(),
                    licence_no: new.licence_no.as_deref(),
                    phone: phone.as_deref(),
                    user_id: new.user_id,
                },
            )?;
            Ok(row)
        })
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
    pub user_id: Option<i64>,
}

/// Inserts a person inside a write (also used by seeding).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    v: StaffValues,
) -> Result<StaffRow, ApiError> {
    let now = log.at();
    let row: StaffRow = diesel::insert_into(staff::table)
        .values((
            staff::unit_id.eq(v.unit_id),
            staff::name.eq(v.name),
            staff::kind.eq(v.kind.to_string()),
            staff::title.eq(v.title),
            staff::licence_no.eq(v.licence_no),
            staff::phone.eq(v.phone),
            staff::user_id.eq(v.user_id),
            staff::active.eq(true),
            staff::version.eq(1i64),
            staff::created_at.eq(now),
            staff::updated_at.eq(now),
        ))
        .returning(staff::all_columns)
        .get_result(tx)?;
    log.record::<(), _>(
        "create",
        "staff",
        row.id,
        Some(row.unit_id),
        None,
        Some(&row),
    );
    Ok(row)
}

/// Changes a person of the subtree of `root`.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    patch: &StaffPatch,
    phone: Option<Option<String>>,
) -> Result<StaffRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        if_match.check(current.version)?;
        let unit_id = patch.unit_id.unwrap_or(current.unit_id);
        let user_id = match patch.user_id {
            Some(v) => v,
            None => current.user_id,
        };
        check_refs(tx, root, unit_id, user_id)?;
        let pick = crate::validation::patched::<String>;
        let row: StaffRow = diesel::update(staff::table.filter(staff::id.eq(id)))
            .set((
                staff::unit_id.eq(unit_id),
                staff::name.eq(patch
                    .name
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or(&current.name)),
                staff::kind.eq(patch
                    .kind
                    .map(|k| k.to_string())
                    .unwrap_or(current.kind.clone())),
                staff::title.eq(pick(&patch.title, &current.title)),
                staff::licence_no.eq(pick(&patch.licence_no, &current.licence_no)),
                staff::phone.eq(pick(&phone, &current.phone)),
                staff::user_id.eq(user_id),
                staff::active.eq(patch.active.unwrap_or(current.active)),
                staff::version.eq(current.version + 1),
                staff::updated_at.eq(actor.at),
            ))
            .returning(staff::all_columns)
            .get_result(tx)?;
        log.record(
            "update",
            "staff",
            id,
            Some(row.unit_id),
            Some(&current),
            Some(&row),
        );
        Ok(row)
    })
}
