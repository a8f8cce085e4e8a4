//! Queries of annual targets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::unit_targets;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::write::Record;
use crate::store::write::{first_version, record};
use crate::store::{audit, units, Actor};

/// A stored target.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = unit_targets)]
pub struct TargetRow {
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub consultations: Option<i32>,
    pub satisfaction_permille: Option<i32>,
    pub aid_cases: Option<i32>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(TargetRow, "unit_target" in "unit_targets", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// The targets of a unit of the subtree of `root`, oldest year first.
pub fn list(conn: &mut DbConnection, root: i64, unit_id: i64) -> Result<Vec<TargetRow>, ApiError> {
    units::find(conn, root, unit_id)?;
    Ok(unit_targets::table
        .filter(unit_targets::unit_id.eq(unit_id))
        .order(unit_targets::year.asc())
        .select(TargetRow::as_select())
        .load(conn)?)
}

/// Sets the targets of a unit of the subtree of `root` for a year; returns the target and
/// whether it was created.
pub fn put(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    unit_id: i64,
    year: i32,
    if_match: &IfMatch,
    values: TargetValues,
) -> Result<(TargetRow, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        units::find(tx, root, unit_id)?;
        upsert(tx, log, unit_id, year, if_match, values)
    })
}

/// The values of one year's targets, as stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetValues {
    /// Consultations.
    pub consultations: Option<i32>,
    /// Satisfaction in tenths of a percent.
    pub satisfaction_permille: Option<i32>,
    /// Special-group aid cases.
    pub aid_cases: Option<i32>,
}

/// Inserts or replaces a target inside a write (also used by seeding). A target that does not
/// exist yet is version 0 to `If-Match`.
pub fn upsert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    unit_id: i64,
    year: i32,
    if_match: &IfMatch,
    values: TargetValues,
) -> Result<(TargetRow, bool), ApiError> {
    let TargetValues {
        consultations,
        satisfaction_permille,
        aid_cases,
    } = values;
    let existing: Option<TargetRow> = unit_targets::table
        .filter(unit_targets::unit_id.eq(unit_id))
        .filter(unit_targets::year.eq(year))
        .select(TargetRow::as_select())
        .first(tx)
        .optional()?;
    if_match.check(existing.as_ref().map_or(0, |t| t.version))?;
    let now = log.at();
    let row: TargetRow = match &existing {
        Some(current) => {
            diesel::update(unit_targets::table.filter(unit_targets::id.eq(current.id)))
                .set((
                    unit_targets::consultations.eq(consultations),
                    unit_targets::satisfaction_permille.eq(satisfaction_permille),
                    unit_targets::aid_cases.eq(aid_cases),
                    unit_targets::version.eq(current.version + 1),
                    unit_targets::updated_at.eq(now),
                ))
                .returning(unit_targets::all_columns)
                .get_result(tx)?
        }
        None => diesel::insert_into(unit_targets::table)
            .values((
                unit_targets::unit_id.eq(unit_id),
                unit_targets::year.eq(year),
                unit_targets::consultations.eq(consultations),
                unit_targets::satisfaction_permille.eq(satisfaction_permille),
                unit_targets::aid_cases.eq(aid_cases),
                first_version!(unit_targets, now),
            ))
            .returning(unit_targets::all_columns)
            .get_result(tx)?,
    };
    let created = existing.is_none();
    log.record(
        if created { "create" } else { "update" },
        TargetRow::ENTITY,
        row.id,
        row.unit_id(),
        existing.as_ref(),
        Some(&row),
    );
    Ok((row, created))
}
