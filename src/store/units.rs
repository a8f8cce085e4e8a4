//! Queries of units.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::db::schema::units;
use crate::db::DbConnection;
use crate::domain::codes::encode_code_list;
use crate::domain::units::{
    check_placement, child_path, path_in_subtree, Accessibility, PlacementError, UnitKind,
};
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::{referenced, unit_in_subtree};
use crate::store::write::record;
use crate::store::write::{self, first_version};
use crate::store::{audit, Actor};

/// A stored unit.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = units)]
#[diesel(treat_none_as_null = true)]
pub struct UnitRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub kind: UnitKind,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
    pub accessibility: String,
    pub accessibility_note: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UnitRow {
    /// The unit's accessibility facilities.
    pub fn accessibility(&self) -> Result<Vec<Accessibility>, ApiError> {
        crate::domain::codes::decode_code_list(&self.accessibility)
            .map_err(|e| ApiError::Internal(format!("unit {}: {e}", self.id)))
    }
}

record!(UnitRow, "unit" in "units", |r| id: r.id, unit: Some(r.id), version: r.version);

/// Filters of the unit list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only direct children of this unit.
    pub parent_id: Option<i64>,
    /// Only units in (true) or out of (false) service.
    pub active: Option<bool>,
    /// Only units whose name contains this text.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// The fields of a new unit (its place in the tree is given apart).
#[derive(Debug, Clone)]
pub struct UnitValues {
    pub kind: UnitKind,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
    pub accessibility: Vec<Accessibility>,
    pub accessibility_note: Option<String>,
}

/// Units of the subtree of `root`, filtered, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &UnitFilter,
    page: &PageRequest,
) -> Result<Page<UnitRow>, ApiError> {
    let mut query = units::table
        .filter(unit_in_subtree(root))
        .select(UnitRow::as_select())
        .order(units::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_id_of("units.id", Order::Ascending) {
        query = query.filter(after);
    }
    query = query.filter_some(filter.kind, |kind| units::kind.eq(kind));
    query = query.filter_some(filter.parent_id, |parent| units::parent_id.eq(parent));
    query = query.filter_some(filter.active, |active| units::active.eq(active));
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(
            units::name
                .like(format!("%{}%", escape_like(q)))
                .escape('\\'),
        );
    }
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One unit of the subtree of `root` (404 outside it).
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<UnitRow, ApiError> {
    units::table
        .filter(units::id.eq(id))
        .filter(unit_in_subtree(root))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::UNIT, id))
}

/// A unit named by a field of a request body: one outside the subtree of `root`, or missing, is a
/// 422 on that field; a database failure stays what it is (a 503 is not a bad reference).
pub fn find_referenced(
    conn: &mut DbConnection,
    root: i64,
    id: i64,
    field: &str,
) -> Result<UnitRow, ApiError> {
    referenced(find(conn, root, id).map(Some), field, "unit")
}

fn by_id(tx: &mut DbConnection, id: i64) -> Result<UnitRow, ApiError> {
    Ok(units::table
        .filter(units::id.eq(id))
        .select(UnitRow::as_select())
        .first(tx)?)
}

fn placement_error(e: PlacementError) -> ApiError {
    match e {
        PlacementError::Cycle => {
            ApiError::conflict(e.to_string(), "单位不能移到其自身或其下级单位之下")
        }
        _ => ApiError::invalid_field("kind", "placement", e.to_string()),
    }
}

/// Creates a unit under `parent_id`, a unit of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    parent_id: i64,
    values: &UnitValues,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(UnitRow, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        let parent = find_referenced(tx, root, parent_id, "parent_id")?;
        check_placement(parent.kind, values.kind).map_err(placement_error)?;
        insert(tx, log.at(), Some(&parent), values)
    })
}

/// Inserts a unit under `parent` (none for a root) and gives it its path.
fn insert(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    parent: Option<&UnitRow>,
    v: &UnitValues,
) -> Result<UnitRow, ApiError> {
    let id: i64 = diesel::insert_into(units::table)
        .values((
            units::parent_id.eq(parent.map(|p| p.id)),
            units::path.eq(""),
            units::kind.eq(v.kind),
            units::code.eq(&v.code),
            units::name.eq(&v.name),
            units::address.eq(&v.address),
            units::phone.eq(&v.phone),
            units::opening_hours.eq(&v.opening_hours),
            units::accessibility.eq(encode_code_list(&v.accessibility)),
            units::accessibility_note.eq(&v.accessibility_note),
            units::active.eq(true),
            first_version!(units, now),
        ))
        .returning(units::id)
        .get_result(tx)?;
    diesel::update(units::table.filter(units::id.eq(id)))
        .set(units::path.eq(child_path(parent.map(|p| p.path.as_str()), id)))
        .execute(tx)?;
    by_id(tx, id)
}

/// Inserts a unit with no parent check: the root of a deployment, or seeding.
#[allow(clippy::too_many_arguments)]
pub fn insert_unchecked(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    parent: Option<&UnitRow>,
    kind: UnitKind,
    code: &str,
    name: &str,
    address: Option<&str>,
    phone: Option<&str>,
) -> Result<UnitRow, ApiError> {
    let values = UnitValues {
        kind,
        code: code.to_owned(),
        name: name.to_owned(),
        address: address.map(str::to_owned),
        phone: phone.map(str::to_owned),
        opening_hours: None,
        accessibility: Vec::new(),
        accessibility_note: None,
    };
    let row = insert(tx, log.at(), parent, &values)?;
    write::record_created(log, &row);
    Ok(row)
}

/// Changes a unit of the subtree of `root` to what `change` makes of it; moving it (a new
/// `parent_id`) re-roots its whole subtree.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: impl FnOnce(&UnitRow) -> UnitRow,
) -> Result<UnitRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let next = change(current);
        let new_parent = match next.parent_id {
            Some(pid) if next.parent_id != current.parent_id => {
                if id == root {
                    return Err(ApiError::forbidden(
                        "you cannot move the unit your account belongs to",
                        "不能移动您账号所属的单位",
                    ));
                }
                let parent = find_referenced(tx, root, pid, "parent_id")?;
                if path_in_subtree(&parent.path, &current.path) {
                    return Err(placement_error(PlacementError::Cycle));
                }
                Some(parent)
            }
            _ => None,
        };
        check_kind(tx, current, new_parent.as_ref(), next.kind)?;
        diesel::update(units::table.filter(units::id.eq(id)))
            .set(&UnitRow {
                parent_id: new_parent
                    .as_ref()
                    .map_or(current.parent_id, |p| Some(p.id)),
                path: current.path.clone(),
                version: current.version + 1,
                created_at: current.created_at,
                updated_at: log.at(),
                ..next
            })
            .execute(tx)?;
        if let Some(parent) = new_parent {
            reroot(tx, &current.path, &child_path(Some(&parent.path), id))?;
        }
        find(tx, root, id)
    })
}

/// Checks a unit's (new) kind against its (new) parent and, when the kind changes, its children.
fn check_kind(
    tx: &mut DbConnection,
    current: &UnitRow,
    new_parent: Option<&UnitRow>,
    kind: UnitKind,
) -> Result<(), ApiError> {
    let parent_kind = match (new_parent, current.parent_id) {
        (Some(p), _) => Some(p.kind),
        (None, Some(pid)) => Some(by_id(tx, pid)?.kind),
        (None, None) => None,
    };
    if let Some(pk) = parent_kind {
        check_placement(pk, kind).map_err(placement_error)?;
    }
    if kind != current.kind {
        let children: Vec<UnitKind> = units::table
            .filter(units::parent_id.eq(current.id))
            .select(units::kind)
            .load(tx)?;
        for child in children {
            check_placement(kind, child).map_err(placement_error)?;
        }
    }
    Ok(())
}

/// Moves the paths of a subtree from `old` to `new`.
fn reroot(tx: &mut DbConnection, old: &str, new: &str) -> Result<(), ApiError> {
    let subtree: Vec<(i64, String)> = units::table
        .filter(units::path.like(format!("{old}%")))
        .select((units::id, units::path))
        .load(tx)?;
    for (uid, path) in subtree {
        let moved = format!("{new}{}", &path[old.len()..]);
        diesel::update(units::table.filter(units::id.eq(uid)))
            .set(units::path.eq(moved))
            .execute(tx)?;
    }
    Ok(())
}

/// Looks a unit up by code (no scope: for the command line and seeding).
pub fn by_code(conn: &mut DbConnection, code: &str) -> Result<Option<UnitRow>, ApiError> {
    Ok(units::table
        .filter(units::code.eq(code))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether any unit exists.
pub fn any(conn: &mut DbConnection) -> Result<bool, ApiError> {
    let n: i64 = units::table.count().get_result(conn)?;
    Ok(n > 0)
}
