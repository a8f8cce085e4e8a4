//! Duty shifts: one row per shift, one child row per person on it. The vocabulary and the reads
//! are here; the writes in `writes`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{duty_shift_staff, duty_shifts, staff};
use crate::db::DbConnection;
use crate::domain::duty::{DutyKind, DutyPeriod, StaffKind};
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::store::changes::changed_since_filter;
use crate::store::optional::FilterSome;
use crate::store::scope::{nothing, unit_id_in_subtree, Reach};
use crate::store::write::record;

mod writes;

pub use writes::{
    check_staff, create, create_batch, create_pattern, delete, insert, update, PatternShifts,
    MAX_BATCH,
};

changed_since_filter! {
    /// Filters of the shift list.
    pub struct DutyShiftFilter {
        /// Only shifts of this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only shifts this person is on.
        pub staff_id: Option<i64>,
        /// Only shifts on or after this day.
        pub from: Option<NaiveDate>,
        /// Only shifts on or before this day.
        pub to: Option<NaiveDate>,
        /// Only this kind.
        pub kind: Option<DutyKind>,
    }
}

/// A shift to write: its unit, day, period, kind, place, note and people.
#[derive(Debug, Clone)]
pub struct ShiftInput {
    pub unit_id: i64,
    pub date: NaiveDate,
    pub period: DutyPeriod,
    pub kind: DutyKind,
    pub place: Option<String>,
    pub note: Option<String>,
    pub staff_ids: Vec<i64>,
}

/// Changes to a shift; absent fields stay, `Some(None)` clears place or note.
#[derive(Debug, Clone, Default)]
pub struct ShiftChange {
    pub unit_id: Option<i64>,
    pub date: Option<NaiveDate>,
    pub period: Option<DutyPeriod>,
    pub kind: Option<DutyKind>,
    pub place: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub staff_ids: Option<Vec<i64>>,
}

impl ShiftChange {
    /// The shift as it will be after the change.
    pub fn apply(&self, current: &Shift) -> ShiftInput {
        let pick = crate::validation::patched::<String>;
        ShiftInput {
            unit_id: self.unit_id.unwrap_or(current.unit_id),
            date: self.date.unwrap_or(current.date),
            period: self.period.unwrap_or(current.period),
            kind: self.kind.unwrap_or(current.kind),
            place: pick(&self.place, &current.place),
            note: pick(&self.note, &current.note),
            staff_ids: self
                .staff_ids
                .clone()
                .unwrap_or_else(|| current.staff.iter().map(|s| s.id).collect()),
        }
    }
}

/// A person on a shift, as stored: id, name and kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShiftPerson {
    pub id: i64,
    pub name: String,
    pub kind: StaffKind,
}

/// A stored shift.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = duty_shifts)]
pub struct ShiftRow {
    pub id: i64,
    pub unit_id: i64,
    pub duty_date: NaiveDate,
    pub period: DutyPeriod,
    pub kind: DutyKind,
    pub place: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A shift with its people, parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shift {
    pub id: i64,
    pub unit_id: i64,
    pub date: NaiveDate,
    pub period: DutyPeriod,
    pub kind: DutyKind,
    pub place: Option<String>,
    pub note: Option<String>,
    pub staff: Vec<ShiftPerson>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Attaches the people of each shift (one query for the whole set).
pub fn with_staff(conn: &mut DbConnection, rows: Vec<ShiftRow>) -> Result<Vec<Shift>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let people: Vec<(i64, i64, String, StaffKind)> = duty_shift_staff::table
        .inner_join(staff::table)
        .filter(duty_shift_staff::shift_id.eq_any(&ids))
        .order((duty_shift_staff::shift_id.asc(), staff::id.asc()))
        .select((
            duty_shift_staff::shift_id,
            staff::id,
            staff::name,
            staff::kind,
        ))
        .load(conn)?;
    let mut by_shift: HashMap<i64, Vec<ShiftPerson>> = HashMap::new();
    for (shift_id, id, name, kind) in people {
        by_shift
            .entry(shift_id)
            .or_default()
            .push(ShiftPerson { id, name, kind });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Shift {
                period: r.period,
                kind: r.kind,
                staff: by_shift.remove(&r.id).unwrap_or_default(),
                id: r.id,
                unit_id: r.unit_id,
                date: r.duty_date,
                place: r.place,
                note: r.note,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

type Boxed<'a> = duty_shifts::BoxedQuery<'a, crate::db::MultiBackend>;

/// Shifts by (date, id), those of `staff_id` only when given.
fn by_date<'a>(staff_id: Option<i64>) -> Boxed<'a> {
    let query = duty_shifts::table
        .order((duty_shifts::duty_date.asc(), duty_shifts::id.asc()))
        .into_boxed();
    match staff_id {
        Some(staff_id) => query.filter(
            duty_shifts::id.eq_any(
                duty_shift_staff::table
                    .filter(duty_shift_staff::staff_id.eq(staff_id))
                    .select(duty_shift_staff::shift_id),
            ),
        ),
        None => query,
    }
}

/// The shifts a caller reaches: those of a subtree, or a provider's own.
fn reached<'a>(query: Boxed<'a>, reach: Reach) -> Boxed<'a> {
    match reach {
        Reach::Subtree(root) => query.filter(unit_id_in_subtree("duty_shifts.unit_id", root)),
        Reach::OwnStaff(Some(staff_id)) => query.filter(
            duty_shifts::id.eq_any(
                duty_shift_staff::table
                    .filter(duty_shift_staff::staff_id.eq(staff_id))
                    .select(duty_shift_staff::shift_id),
            ),
        ),
        Reach::OwnStaff(None) => query.filter(nothing()),
    }
}

/// Shifts the caller reaches, by (date, id).
pub fn list(
    conn: &mut DbConnection,
    reach: Reach,
    filter: &DutyShiftFilter,
    page: &PageRequest,
) -> Result<Page<Shift>, ApiError> {
    let mut query = reached(by_date(filter.staff_id), reach).limit(page.fetch_limit());
    if let Some(after) =
        page.after_day("duty_shifts.duty_date", "duty_shifts.id", Order::Ascending)?
    {
        query = query.filter(after);
    }
    query = query.filter_some(filter.unit_id, |unit| {
        unit_id_in_subtree("duty_shifts.unit_id", unit)
    });
    query = query.filter_some(filter.from, |from| duty_shifts::duty_date.ge(from));
    query = query.filter_some(filter.to, |to| duty_shifts::duty_date.le(to));
    query = query.filter_some(filter.kind, |kind| duty_shifts::kind.eq(kind));
    query = query.filter_some(filter.updated_after, |t| {
        duty_shifts::updated_at.gt(t.naive_utc())
    });
    let rows = query.select(ShiftRow::as_select()).load(conn)?;
    let page = page.finish(rows, |r: &ShiftRow| Cursor::by_day(r.duty_date, r.id), Ok)?;
    Ok(Page {
        items: with_staff(conn, page.items)?,
        next_cursor: page.next_cursor,
    })
}

/// Shifts of units in the subtree of `root` (or all units) between two dates, for the board and
/// the calendar feed.
pub fn between(
    conn: &mut DbConnection,
    root: Option<i64>,
    staff_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Shift>, ApiError> {
    let mut query = by_date(staff_id)
        .filter(duty_shifts::duty_date.ge(from))
        .filter(duty_shifts::duty_date.le(to))
        .limit(10_000);
    query = query.filter_some(root, |root| unit_id_in_subtree("duty_shifts.unit_id", root));
    let rows = query.select(ShiftRow::as_select()).load(conn)?;
    with_staff(conn, rows)
}

/// One shift of the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<Shift, ApiError> {
    find_reached(conn, Reach::Subtree(root), id)
}

/// One shift the caller reaches.
pub fn find_reached(conn: &mut DbConnection, reach: Reach, id: i64) -> Result<Shift, ApiError> {
    let row = reached(duty_shifts::table.into_boxed(), reach)
        .filter(duty_shifts::id.eq(id))
        .select(ShiftRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::DUTY_SHIFT, id))?;
    with_staff(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::DUTY_SHIFT, id))
}

record!(Shift, "duty_shift" in "duty_shifts", |r| id: r.id, unit: Some(r.unit_id), version: r.version);
