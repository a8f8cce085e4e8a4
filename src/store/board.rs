//! Reads for the public board and the coverage report: units of a subtree with their shifts.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::units;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::store::duty::{self, Shift};
use crate::store::optional::FilterSome;
use crate::store::scope::unit_in_subtree;
use crate::store::units::UnitRow;

/// Active units of the subtree of `root` (all units when `None`), by id, with their shifts
/// between two dates.
pub fn units_with_shifts(
    conn: &mut DbConnection,
    root: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(UnitRow, Vec<Shift>)>, ApiError> {
    let mut query = units::table
        .filter(units::active.eq(true))
        .select(UnitRow::as_select())
        .order(units::id.asc())
        .limit(5_000)
        .into_boxed();
    query = query.filter_some(root, unit_in_subtree);
    let unit_rows = query.load(conn)?;
    if let (Some(root), true) = (root, unit_rows.is_empty()) {
        return Err(ApiError::not_found(crate::error::nouns::UNIT, root));
    }
    let mut by_unit: HashMap<i64, Vec<Shift>> = HashMap::new();
    for shift in duty::between(conn, root, None, from, to)? {
        by_unit.entry(shift.unit_id).or_default().push(shift);
    }
    Ok(unit_rows
        .into_iter()
        .map(|u| {
            let shifts = by_unit.remove(&u.id).unwrap_or_default();
            (u, shifts)
        })
        .collect())
}
