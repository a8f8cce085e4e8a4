//! Queries of annual targets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::api::units::{TargetInput, UnitTarget};
use crate::db::schema::unit_targets;
use crate::db::DbConnection;
use crate::domain::targets::SatisfactionPermille;
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::{audit, units, Actor};
use crate::time::to_cst;

/// A stored target.
#[derive(Debug, Clone, Queryable, Selectable)]
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

/// The targets of a unit of the subtree of `root`, oldest year first.
pub fn list(conn: &mut DbConnection, root: i64, unit_id: i64) -> Result<Vec<UnitTarget>, ApiError> {
    units::find(conn, root, unit_id)?;
    let rows: Vec<TargetRow> = unit_targets::table
        .filter(unit_targets::unit_id.eq(unit_id))
        .order(unit_targets::year.asc())
        .select(TargetRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(UnitTarget::from).collect())
}

fn satisfaction(input: &TargetInput) -> Result<Option<i32>, ApiError> {
    input
        .satisfaction_percent
        .map(|p| {
            SatisfactionPermille::from_percent(p)
                .map(SatisfactionPermille::stored)
                .map_err(|e| {
                    ApiError::invalid_field("satisfaction_percent", "range", e.to_string())
                })
        })
        .transpose()
}

/// Sets the targets of a unit for a year; returns the target and whether it was created.
pub fn put(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    unit_id: i64,
    year: i32,
    if_match: &IfMatch,
    input: &TargetInput,
) -> Result<(UnitTarget, bool), ApiError> {
    let permille = satisfaction(input)?;
    audit::write(conn, actor, |tx, log| {
        units::find(tx, root, unit_id)?;
        upsert(
            tx,
            log,
            unit_id,
            year,
            if_match,
            TargetValues {
                consultations: input.consultations,
                satisfaction_permille: permille,
                aid_cases: input.aid_cases,
            },
        )
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

/// Inserts or replaces a target inside a write (also used by seeding).
pub fn upsert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    unit_id: i64,
    year: i32,
    if_match: &IfMatch,
    values: TargetValues,
) -> Result<(UnitTarget, bool), ApiError> {
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
    let now = log.at();
    let (row, created, before) = match existing {
        Some(current) => {
            if_match.check(current.version)?;
            let row: TargetRow =
                diesel::update(unit_targets::table.filter(unit_targets::id.eq(current.id)))
                    .set((
                        unit_targets::consultations.eq(consultations),
                        unit_targets::satisfaction_permille.eq(satisfaction_permille),
                        unit_targets::aid_cases.eq(aid_cases),
                        unit_targets::version.eq(current.version + 1),
                        unit_targets::updated_at.eq(now),
                    ))
                    .returning(unit_targets::all_columns)
                    .get_result(tx)?;
            (row, false, Some(UnitTarget::from(current)))
        }
        None => {
            // If-Match naming a version cannot hold for a target that does not exist yet.
            if_match.check(0)?;
            let row: TargetRow = diesel::insert_into(unit_targets::table)
                .values((
                    unit_targets::unit_id.eq(unit_id),
                    unit_targets::year.eq(year),
                    unit_targets::consultations.eq(consultations),
                    unit_targets::satisfaction_permille.eq(satisfaction_permille),
                    unit_targets::aid_cases.eq(aid_cases),
                    unit_targets::version.eq(1i64),
                    unit_targets::created_at.eq(now),
                    unit_targets::updated_at.eq(now),
                ))
                .returning(unit_targets::all_columns)
                .get_result(tx)?;
            (row, true, None)
        }
    };
    let id = row.id;
    let after = UnitTarget::from(row);
    log.record(
        if created { "create" } else { "update" },
        "unit_target",
        id,
        Some(unit_id),
        before.as_ref(),
        Some(&after),
    );
    Ok((after, created))
}
