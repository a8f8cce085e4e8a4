//! Queries of units.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::api::units::{NewUnit, Unit, UnitFilter, UnitPatch};
use crate::db::schema::units;
use crate::db::DbConnection;
use crate::domain::codes::encode_code_list;
use crate::domain::units::{
    check_placement, child_path, path_in_subtree, PlacementError, UnitKind,
};
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::scope::unit_in_subtree;
use crate::store::{audit, idempotency, Actor};

/// A stored unit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub kind: String,
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
    /// The unit's kind.
    pub fn kind(&self) -> Result<UnitKind, ApiError> {
        crate::error::stored("unit", self.id, &self.kind)
    }

    /// The unit's accessibility facilities.
    pub fn accessibility(&self) -> Result<Vec<crate::domain::units::Accessibility>, ApiError> {
        crate::domain::codes::decode_code_list(&self.accessibility)
            .map_err(|e| ApiError::Internal(format!("unit {}: {e}", self.id)))
    }
}

/// Units of the subtree of `root`, filtered, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &UnitFilter,
    page: &PageRequest,
) -> Result<Page<Unit>, ApiError> {
    let mut query = units::table
        .filter(unit_in_subtree(root))
        .filter(units::id.gt(page.after_id()))
        .select(UnitRow::as_select())
        .order(units::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(units::kind.eq(kind.to_string()));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(units::parent_id.eq(parent));
    }
    if let Some(active) = filter.active {
        query = query.filter(units::active.eq(active));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(
            units::name
                .like(format!("%{}%", escape_like(q)))
                .escape('\\'),
        );
    }
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Unit::try_from)
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
        .ok_or_else(|| ApiError::not_found("unit", id))
}

/// A unit named by a field of a request body: one outside the subtree of `root`, or missing, is a
/// 422 on that field; a database failure stays what it is (a 503 is not a bad reference).
pub fn find_referenced(
    conn: &mut DbConnection,
    root: i64,
    id: i64,
    field: &'static str,
) -> Result<UnitRow, ApiError> {
    find(conn, root, id).map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::invalid_field(
            field,
            "not_found",
            "the unit does not exist or is outside your scope",
        ),
        other => other,
    })
}

/// One unit of the subtree of `root`, as the API shows it.
pub fn get(conn: &mut DbConnection, root: i64, id: i64) -> Result<Unit, ApiError> {
    Unit::try_from(find(conn, root, id)?)
}

fn placement_error(e: PlacementError) -> ApiError {
    match e {
        PlacementError::Cycle => ApiError::conflict(e.to_string()),
        _ => ApiError::invalid_field("kind", "placement", e.to_string()),
    }
}

/// Creates a unit under a parent in the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    new: &NewUnit,
    idem: &idempotency::Idempotency,
) -> Result<(Unit, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, new, |tx| {
            let parent = find_referenced(tx, root, new.parent_id, "parent_id")?;
            check_placement(parent.kind()?, new.kind).map_err(placement_error)?;
            let now = actor.at;
            let id: i64 = diesel::insert_into(units::table)
                .values((
                    units::parent_id.eq(parent.id),
                    units::path.eq(""),
                    units::kind.eq(new.kind.to_string()),
                    units::code.eq(&new.code),
                    units::name.eq(new.name.trim()),
                    units::address.eq(&new.address),
                    units::phone.eq(&new.phone),
                    units::opening_hours.eq(&new.opening_hours),
                    units::accessibility.eq(encode_code_list(&new.accessibility)),
                    units::accessibility_note.eq(&new.accessibility_note),
                    units::active.eq(true),
                    units::version.eq(1i64),
                    units::created_at.eq(now),
                    units::updated_at.eq(now),
                ))
                .returning(units::id)
                .get_result(tx)?;
            diesel::update(units::table.filter(units::id.eq(id)))
                .set(units::path.eq(child_path(Some(&parent.path), id)))
                .execute(tx)?;
            let unit = Unit::try_from(find(tx, root, id)?)?;
            log.record::<(), _>("create", "unit", id, Some(id), None, Some(&unit));
            Ok(unit)
        })
    })
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
    let now = log.at();
    let id: i64 = diesel::insert_into(units::table)
        .values((
            units::parent_id.eq(parent.map(|p| p.id)),
            units::path.eq(""),
            units::kind.eq(kind.to_string()),
            units::code.eq(code),
            units::name.eq(name),
            units::address.eq(address),
            units::phone.eq(phone),
            units::accessibility.eq(""),
            units::active.eq(true),
            units::version.eq(1i64),
            units::created_at.eq(now),
            units::updated_at.eq(now),
        ))
        .returning(units::id)
        .get_result(tx)?;
    diesel::update(units::table.filter(units::id.eq(id)))
        .set(units::path.eq(child_path(parent.map(|p| p.path.as_str()), id)))
        .execute(tx)?;
    let row: UnitRow = units::table
        .filter(units::id.eq(id))
        .select(UnitRow::as_select())
        .first(tx)?;
    let unit = Unit::try_from(row.clone())?;
    log.record::<(), _>("create", "unit", id, Some(id), None, Some(&unit));
    Ok(row)
}

/// Changes a unit of the subtree of `root`; moving it re-roots its whole subtree.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    patch: &UnitPatch,
) -> Result<Unit, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        if_match.check(current.version)?;
        let before = Unit::try_from(current.clone())?;
        let kind = patch.kind.unwrap_or(before.kind);

        // Placement against the (new) parent and the existing children.
        let new_parent = match patch.parent_id {
            Some(pid) if Some(pid) != current.parent_id => {
                if id == root {
                    return Err(ApiError::Forbidden(
                        "you cannot move the unit your account belongs to".into(),
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
        let parent_kind = match (&new_parent, current.parent_id) {
            (Some(p), _) => Some(p.kind()?),
            (None, Some(pid)) => {
                let p: UnitRow = units::table
                    .filter(units::id.eq(pid))
                    .select(UnitRow::as_select())
                    .first(tx)?;
                Some(p.kind()?)
            }
            (None, None) => None,
        };
        if let Some(pk) = parent_kind {
            check_placement(pk, kind).map_err(placement_error)?;
        }
        if patch.kind.is_some() {
            let children: Vec<String> = units::table
                .filter(units::parent_id.eq(id))
                .select(units::kind)
                .load(tx)?;
            for child in children {
                let ck: UnitKind = child
                    .parse()
                    .map_err(|e| ApiError::Internal(format!("{e}")))?;
                check_placement(kind, ck).map_err(placement_error)?;
            }
        }
        let pick = crate::validation::patched::<String>;
        let accessibility = match &patch.accessibility {
            Some(list) => encode_code_list(list),
            None => current.accessibility.clone(),
        };
        diesel::update(units::table.filter(units::id.eq(id)))
            .set((
                units::kind.eq(kind.to_string()),
                units::code.eq(patch.code.clone().unwrap_or(current.code.clone())),
                units::name.eq(patch
                    .name
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or(&current.name)),
                units::address.eq(pick(&patch.address, &current.address)),
                units::phone.eq(pick(&patch.phone, &current.phone)),
                units::opening_hours.eq(pick(&patch.opening_hours, &current.opening_hours)),
                units::accessibility.eq(accessibility),
                units::accessibility_note
                    .eq(pick(&patch.accessibility_note, &current.accessibility_note)),
                units::active.eq(patch.active.unwrap_or(current.active)),
                units::version.eq(current.version + 1),
                units::updated_at.eq(actor.at),
            ))
            .execute(tx)?;

        if let Some(parent) = new_parent {
            let new_path = child_path(Some(&parent.path), id);
            diesel::update(units::table.filter(units::id.eq(id)))
                .set(units::parent_id.eq(parent.id))
                .execute(tx)?;
            let subtree: Vec<(i64, String)> = units::table
                .filter(units::path.like(format!("{}%", current.path)))
                .select((units::id, units::path))
                .load(tx)?;
            for (uid, path) in subtree {
                let moved = format!("{new_path}{}", &path[current.path.len()..]);
                diesel::update(units::table.filter(units::id.eq(uid)))
                    .set(units::path.eq(moved))
                    .execute(tx)?;
            }
        }

        let after = Unit::try_from(find(tx, root, id)?)?;
        log.record("update", "unit", id, Some(id), Some(&before), Some(&after));
        Ok(after)
    })
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
