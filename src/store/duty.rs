//! Queries of duty shifts: one row per shift, one child row per person on it.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::api::duty::{DutyShiftFilter, DutyShiftPatch, NewDutyShift, ShiftStaff};
use crate::db::schema::{duty_shift_staff, duty_shifts, staff, units};
use crate::db::DbConnection;
use crate::domain::duty::{DutyKind, DutyPeriod, StaffKind};
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::scope::{unit_id_in_subtree, unit_in_subtree};
use crate::store::{audit, Actor};

/// A stored shift.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = duty_shifts)]
pub struct ShiftRow {
    pub id: i64,
    pub unit_id: i64,
    pub duty_date: NaiveDate,
    pub period: String,
    pub kind: String,
    pub place: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A shift with its people, parsed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Shift {
    pub id: i64,
    pub unit_id: i64,
    pub date: NaiveDate,
    pub period: DutyPeriod,
    pub kind: DutyKind,
    pub place: Option<String>,
    pub note: Option<String>,
    pub staff: Vec<ShiftStaff>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn parse<T: std::str::FromStr>(id: i64, v: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    crate::error::stored("duty shift", id, v)
}

/// Attaches the people of each shift (one query for the whole set).
pub fn with_staff(conn: &mut DbConnection, rows: Vec<ShiftRow>) -> Result<Vec<Shift>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let people: Vec<(i64, i64, String, String)> = duty_shift_staff::table
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
    let mut by_shift: HashMap<i64, Vec<ShiftStaff>> = HashMap::new();
    for (shift_id, id, name, kind) in people {
        by_shift.entry(shift_id).or_default().push(ShiftStaff {
            id,
            name,
            kind: parse::<StaffKind>(shift_id, &kind)?,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Shift {
                period: parse(r.id, &r.period)?,
                kind: parse(r.id, &r.kind)?,
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

/// Shifts of the subtree of `root`, by (date, id).
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &DutyShiftFilter,
    page: &PageRequest,
) -> Result<Page<Shift>, ApiError> {
    let mut query = duty_shifts::table
        .filter(unit_id_in_subtree("duty_shifts.unit_id", root))
        .select(ShiftRow::as_select())
        .order((duty_shifts::duty_date.asc(), duty_shifts::id.asc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = &page.after {
        let Some(date) = after.at.map(|t| t.date()) else {
            return Err(ApiError::BadRequest("invalid cursor for this list".into()));
        };
        query = query.filter(
            duty_shifts::duty_date.gt(date).or(duty_shifts::duty_date
                .eq(date)
                .and(duty_shifts::id.gt(after.id))),
        );
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(unit_id_in_subtree("duty_shifts.unit_id", unit));
    }
    if let Some(staff_id) = filter.staff_id {
        query = query.filter(
            duty_shifts::id.eq_any(
                duty_shift_staff::table
                    .filter(duty_shift_staff::staff_id.eq(staff_id))
                    .select(duty_shift_staff::shift_id),
            ),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(duty_shifts::duty_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(duty_shifts::duty_date.le(to));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(duty_shifts::kind.eq(kind.to_string()));
    }
    let rows = query.load(conn)?;
    let page = page.finish(
        rows,
        |r| Cursor {
            at: r.duty_date.and_hms_opt(0, 0, 0),
            rank: None,
            id: r.id,
        },
        Ok,
    )?;
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
    let mut query = duty_shifts::table
        .filter(duty_shifts::duty_date.ge(from))
        .filter(duty_shifts::duty_date.le(to))
        .select(ShiftRow::as_select())
        .order((duty_shifts::duty_date.asc(), duty_shifts::id.asc()))
        .limit(10_000)
        .into_boxed();
    if let Some(root) = root {
        query = query.filter(unit_id_in_subtree("duty_shifts.unit_id", root));
    }
    if let Some(staff_id) = staff_id {
        query = query.filter(
            duty_shifts::id.eq_any(
                duty_shift_staff::table
                    .filter(duty_shift_staff::staff_id.eq(staff_id))
                    .select(duty_shift_staff::shift_id),
            ),
        );
    }
    let rows = query.load(conn)?;
    with_staff(conn, rows)
}

/// One shift of the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<Shift, ApiError> {
    let row = duty_shifts::table
        .filter(duty_shifts::id.eq(id))
        .filter(unit_id_in_subtree("duty_shifts.unit_id", root))
        .select(ShiftRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("duty shift", id))?;
    with_staff(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::not_found("duty shift", id))
}

/// The people of a shift, checked: in the caller's subtree, active, no duplicates. A failure is
/// a 422 on `field`.
pub fn check_staff(
    tx: &mut DbConnection,
    root: i64,
    ids: &[i64],
    field: &str,
) -> Result<Vec<(i64, String)>, ApiError> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(ApiError::invalid_field(
            field,
            "duplicate",
            "a person is listed twice",
        ));
    }
    let found: Vec<(i64, String, bool)> = staff::table
        .filter(staff::id.eq_any(&unique))
        .filter(unit_id_in_subtree("staff.unit_id", root))
        .select((staff::id, staff::name, staff::active))
        .load(tx)?;
    for id in &unique {
        match found.iter().find(|f| f.0 == *id) {
            None => {
                return Err(ApiError::invalid_field(
                    field,
                    "not_found",
                    format!("staff member {id} does not exist or is outside your scope"),
                ))
            }
            Some((_, name, false)) => {
                return Err(ApiError::invalid_field(
                    field,
                    "inactive",
                    format!("{name} (staff {id}) is not active"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(found.into_iter().map(|(id, name, _)| (id, name)).collect())
}

/// 409 when one of the people is already booked on `date` in an overlapping period.
fn check_clash(
    tx: &mut DbConnection,
    people: &[(i64, String)],
    date: NaiveDate,
    period: DutyPeriod,
    except_shift: Option<i64>,
) -> Result<(), ApiError> {
    let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    let booked: Vec<(i64, i64, String, String)> = duty_shift_staff::table
        .inner_join(duty_shifts::table.inner_join(units::table))
        .filter(duty_shift_staff::staff_id.eq_any(&ids))
        .filter(duty_shifts::duty_date.eq(date))
        .filter(duty_shifts::id.ne(except_shift.unwrap_or(0)))
        .select((
            duty_shift_staff::staff_id,
            duty_shifts::id,
            duty_shifts::period,
            units::name,
        ))
        .load(tx)?;
    for (staff_id, shift_id, other, unit_name) in booked {
        let other: DutyPeriod = parse(shift_id, &other)?;
        if other.overlaps(period) {
            let name = people
                .iter()
                .find(|p| p.0 == staff_id)
                .map(|p| p.1.as_str())
                .unwrap_or("?");
            return Err(ApiError::conflict(format!(
                "{name} (staff {staff_id}) is already on duty shift {shift_id} at {unit_name} on {date} ({}), which overlaps the {} requested",
                other, period
            )));
        }
    }
    Ok(())
}

fn check_unit(tx: &mut DbConnection, root: i64, unit_id: i64, field: &str) -> Result<(), ApiError> {
    let found: Option<i64> = units::table
        .filter(units::id.eq(unit_id))
        .filter(unit_in_subtree(root))
        .select(units::id)
        .first(tx)
        .optional()?;
    found.map(|_| ()).ok_or_else(|| {
        ApiError::invalid_field(
            field,
            "not_found",
            "the unit does not exist or is outside your scope",
        )
    })
}

/// Inserts one shift inside a write: checks its unit, people and clashes (also with shifts
/// inserted earlier in the same write). `field` prefixes error fields (`shifts[3].`).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    root: i64,
    new: &NewDutyShift,
    field: &str,
) -> Result<Shift, ApiError> {
    check_unit(tx, root, new.unit_id, &format!("{field}unit_id"))?;
    let people = check_staff(tx, root, &new.staff_ids, &format!("{field}staff_ids"))?;
    check_clash(tx, &people, new.date, new.period, None)?;
    let now = log.at();
    let id: i64 = diesel::insert_into(duty_shifts::table)
        .values((
            duty_shifts::unit_id.eq(new.unit_id),
            duty_shifts::duty_date.eq(new.date),
            duty_shifts::period.eq(new.period.to_string()),
            duty_shifts::kind.eq(new.kind.to_string()),
            duty_shifts::place.eq(&new.place),
            duty_shifts::note.eq(&new.note),
            duty_shifts::version.eq(1i64),
            duty_shifts::created_at.eq(now),
            duty_shifts::updated_at.eq(now),
        ))
        .returning(duty_shifts::id)
        .get_result(tx)?;
    for staff_id in &new.staff_ids {
        diesel::insert_into(duty_shift_staff::table)
            .values((
                duty_shift_staff::shift_id.eq(id),
                duty_shift_staff::staff_id.eq(staff_id),
            ))
            .execute(tx)?;
    }
    let shift = find(tx, root, id)?;
    log.record::<(), _>(
        "create",
        "duty_shift",
        id,
        Some(shift.unit_id),
        None,
        Some(&shift),
    );
    Ok(shift)
}

/// Changes a shift of the subtree of `root`.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    patch: &DutyShiftPatch,
) -> Result<Shift, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        if_match.check(current.version)?;
        let next = &patch.apply(&current);
        check_unit(tx, root, next.unit_id, "unit_id")?;
        let people = check_staff(tx, root, &next.staff_ids, "staff_ids")?;
        check_clash(tx, &people, next.date, next.period, Some(id))?;
        diesel::update(duty_shifts::table.filter(duty_shifts::id.eq(id)))
            .set((
                duty_shifts::unit_id.eq(next.unit_id),
                duty_shifts::duty_date.eq(next.date),
                duty_shifts::period.eq(next.period.to_string()),
                duty_shifts::kind.eq(next.kind.to_string()),
                duty_shifts::place.eq(&next.place),
                duty_shifts::note.eq(&next.note),
                duty_shifts::version.eq(current.version + 1),
                duty_shifts::updated_at.eq(actor.at),
            ))
            .execute(tx)?;
        diesel::delete(duty_shift_staff::table.filter(duty_shift_staff::shift_id.eq(id)))
            .execute(tx)?;
        for staff_id in &next.staff_ids {
            diesel::insert_into(duty_shift_staff::table)
                .values((
                    duty_shift_staff::shift_id.eq(id),
                    duty_shift_staff::staff_id.eq(staff_id),
                ))
                .execute(tx)?;
        }
        let after = find(tx, root, id)?;
        log.record(
            "update",
            "duty_shift",
            id,
            Some(after.unit_id),
            Some(&current),
            Some(&after),
        );
        Ok(after)
    })
}

/// Deletes a shift of the subtree of `root`.
pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        if_match.check(current.version)?;
        diesel::delete(duty_shift_staff::table.filter(duty_shift_staff::shift_id.eq(id)))
            .execute(tx)?;
        diesel::delete(duty_shifts::table.filter(duty_shifts::id.eq(id))).execute(tx)?;
        log.record::<_, ()>(
            "delete",
            "duty_shift",
            id,
            Some(current.unit_id),
            Some(&current),
            None,
        );
        Ok(())
    })
}
