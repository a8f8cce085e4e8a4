//! The case subsidy rate table (办案补贴标准): an amount per year, matter and quality grade,
//! kept by the admins of a top unit; the closing review takes the case's subsidy from it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::aid_subsidy_rates;
use crate::db::DbConnection;
use crate::domain::aid::{MatterCategory, QualityGrade};
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::audit;
use crate::store::write::first_version;
use crate::store::Actor;

/// A rate.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_subsidy_rates)]
pub struct RateRow {
    pub id: i64,
    pub year: i32,
    pub matter_category: MatterCategory,
    pub grade: QualityGrade,
    pub amount_fen: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RateRow {
    /// The trail's entity of a rate.
    pub const ENTITY: &'static str = "aid_subsidy_rate";
}

impl crate::precondition::Versioned for RateRow {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The rate in force in a year for a matter and grade: the one set for that year, or else the
/// latest set for an earlier year (a standard stays in force until a new one is set).
pub fn amount(
    conn: &mut DbConnection,
    year: i32,
    matter: MatterCategory,
    grade: QualityGrade,
) -> Result<Option<i64>, ApiError> {
    Ok(aid_subsidy_rates::table
        .filter(aid_subsidy_rates::year.le(year))
        .order(aid_subsidy_rates::year.desc())
        .filter(aid_subsidy_rates::matter_category.eq(matter))
        .filter(aid_subsidy_rates::grade.eq(grade))
        .select(aid_subsidy_rates::amount_fen)
        .first(conn)
        .optional()?)
}

/// The rates of a year, by matter and grade.
pub fn list(conn: &mut DbConnection, year: i32) -> Result<Vec<RateRow>, ApiError> {
    Ok(aid_subsidy_rates::table
        .filter(aid_subsidy_rates::year.eq(year))
        .order((
            aid_subsidy_rates::matter_category.asc(),
            aid_subsidy_rates::grade.asc(),
        ))
        .select(RateRow::as_select())
        .load(conn)?)
}

/// Sets a rate (a rate not set yet is version 0 to `If-Match`), audited; whether it is new.
pub fn put(
    conn: &mut DbConnection,
    actor: &Actor,
    key: (i32, MatterCategory, QualityGrade),
    if_match: &IfMatch,
    amount_fen: i64,
) -> Result<(RateRow, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        crate::store::scope::require_top_unit(
            tx,
            actor,
            crate::domain::message::Message::new(
                "the case subsidy rates are kept by the admins of the deployment's top unit",
                "办案补贴标准由本部署最高层级单位的管理员维护",
            ),
        )?;
        upsert(tx, log, actor.unit_id, key, if_match, amount_fen)
    })
}

/// Inserts or replaces a rate inside a write (also used by seeding), recorded in the trail of
/// the unit `unit_id`.
pub fn upsert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    unit_id: i64,
    key: (i32, MatterCategory, QualityGrade),
    if_match: &IfMatch,
    amount_fen: i64,
) -> Result<(RateRow, bool), ApiError> {
    let (year, matter, grade) = key;
    let existing: Option<RateRow> = aid_subsidy_rates::table
        .filter(aid_subsidy_rates::year.eq(year))
        .filter(aid_subsidy_rates::matter_category.eq(matter))
        .filter(aid_subsidy_rates::grade.eq(grade))
        .select(RateRow::as_select())
        .first(tx)
        .optional()?;
    if_match.check(existing.as_ref().map_or(0, |r| r.version))?;
    let now = log.at();
    let row: RateRow = match &existing {
        Some(current) => {
            diesel::update(aid_subsidy_rates::table.filter(aid_subsidy_rates::id.eq(current.id)))
                .set((
                    aid_subsidy_rates::amount_fen.eq(amount_fen),
                    aid_subsidy_rates::version.eq(current.version + 1),
                    aid_subsidy_rates::updated_at.eq(now),
                ))
                .returning(aid_subsidy_rates::all_columns)
                .get_result(tx)?
        }
        None => diesel::insert_into(aid_subsidy_rates::table)
            .values((
                aid_subsidy_rates::year.eq(year),
                aid_subsidy_rates::matter_category.eq(matter),
                aid_subsidy_rates::grade.eq(grade),
                aid_subsidy_rates::amount_fen.eq(amount_fen),
                first_version!(aid_subsidy_rates, now),
            ))
            .returning(aid_subsidy_rates::all_columns)
            .get_result(tx)?,
    };
    log.record(
        if existing.is_some() {
            "update"
        } else {
            "create"
        },
        RateRow::ENTITY,
        row.id,
        Some(unit_id),
        existing.as_ref(),
        Some(&row),
    );
    Ok((row, existing.is_none()))
}
