//! Writing duty shifts: the checks of a shift (unit, people, clashes), booking one, a batch or
//! a weekly pattern, changing and deleting.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::{find, Shift, ShiftChange, ShiftInput};
use crate::db::schema::{duty_shift_staff, duty_shifts, staff, units};
use crate::db::DbConnection;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::CodeTable;
use crate::domain::duty::{DutyKind, DutyPeriod};
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::audit::AuditLog;
use crate::store::idempotency::Idempotency;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write;
use crate::store::{calendar, Actor};

/// The most shifts one batch or pattern may create.
pub const MAX_BATCH: usize = 400;

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

/// 409 when one of the people is already booked on `date` in an overlapping period. The other
/// shift is named only when it lies in the caller's subtree.
fn check_clash(
    tx: &mut DbConnection,
    root: i64,
    people: &[(i64, String)],
    date: NaiveDate,
    period: DutyPeriod,
    except_shift: Option<i64>,
) -> Result<(), ApiError> {
    let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    let booked: Vec<(i64, i64, DutyPeriod, i64, String)> = duty_shift_staff::table
        .inner_join(duty_shifts::table.inner_join(units::table))
        .filter(duty_shift_staff::staff_id.eq_any(&ids))
        .filter(duty_shifts::duty_date.eq(date))
        .filter(duty_shifts::id.ne(except_shift.unwrap_or(0)))
        .select((
            duty_shift_staff::staff_id,
            duty_shifts::id,
            duty_shifts::period,
            units::id,
            units::name,
        ))
        .load(tx)?;
    for (staff_id, shift_id, other, unit_id, unit_name) in booked {
        if other.overlaps(period) {
            let name = people
                .iter()
                .find(|p| p.0 == staff_id)
                .map(|p| p.1.as_str())
                .unwrap_or("?");
            let visible = units::table
                .filter(units::id.eq(unit_id))
                .filter(crate::store::scope::unit_in_subtree(root))
                .count()
                .get_result::<i64>(tx)?
                > 0;
            let (shift, shift_zh) = if visible {
                (
                    format!("duty shift {shift_id} at {unit_name}"),
                    format!("{unit_name}的值班班次 {shift_id}"),
                )
            } else {
                (
                    "a duty shift of a unit outside your scope".to_owned(),
                    "您权限范围外某单位的值班班次".to_owned(),
                )
            };
            return Err(ApiError::conflict(
                format!(
                    "{name} (staff {staff_id}) is already on {shift} on {date} ({other}), which overlaps the {period} requested"
                ),
                format!(
                    "{name}（工作人员 {staff_id}）在 {date} 已排入{shift_zh}（{}），与所申请的{}时段重叠",
                    other.label(),
                    period.label()
                ),
            ));
        }
    }
    Ok(())
}

fn check_unit(tx: &mut DbConnection, root: i64, unit_id: i64, field: &str) -> Result<(), ApiError> {
    crate::store::units::find_referenced(tx, root, unit_id, field).map(|_| ())
}

/// Checks a shift (its unit, people and clashes with other shifts, also those written earlier
/// in the same write). `field` prefixes error fields (`shifts[3].`).
fn check(
    tx: &mut DbConnection,
    root: i64,
    shift: &ShiftInput,
    field: &str,
    except_shift: Option<i64>,
) -> Result<(), ApiError> {
    check_unit(tx, root, shift.unit_id, &format!("{field}unit_id"))?;
    let people = check_staff(tx, root, &shift.staff_ids, &format!("{field}staff_ids"))?;
    check_clash(tx, root, &people, shift.date, shift.period, except_shift)
}

/// The stored columns of a shift at a version.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = duty_shifts)]
#[diesel(treat_none_as_null = true)]
struct ShiftValues<'a> {
    unit_id: i64,
    duty_date: NaiveDate,
    period: DutyPeriod,
    kind: DutyKind,
    place: Option<&'a str>,
    note: Option<&'a str>,
    version: i64,
    updated_at: NaiveDateTime,
}

impl<'a> ShiftValues<'a> {
    fn of(shift: &'a ShiftInput, version: i64, at: NaiveDateTime) -> Self {
        ShiftValues {
            unit_id: shift.unit_id,
            duty_date: shift.date,
            period: shift.period,
            kind: shift.kind,
            place: shift.place.as_deref(),
            note: shift.note.as_deref(),
            version,
            updated_at: at,
        }
    }
}

/// Puts the people of a shift on it.
fn add_people(tx: &mut DbConnection, id: i64, staff_ids: &[i64]) -> Result<(), ApiError> {
    for staff_id in staff_ids {
        diesel::insert_into(duty_shift_staff::table)
            .values((
                duty_shift_staff::shift_id.eq(id),
                duty_shift_staff::staff_id.eq(staff_id),
            ))
            .execute(tx)?;
    }
    Ok(())
}

/// Checks and inserts one shift (not recorded).
fn add(
    tx: &mut DbConnection,
    at: NaiveDateTime,
    root: i64,
    new: &ShiftInput,
    field: &str,
) -> Result<Shift, ApiError> {
    check(tx, root, new, field, None)?;
    let id: i64 = diesel::insert_into(duty_shifts::table)
        .values((ShiftValues::of(new, 1, at), duty_shifts::created_at.eq(at)))
        .returning(duty_shifts::id)
        .get_result(tx)?;
    add_people(tx, id, &new.staff_ids)?;
    find(tx, root, id)
}

/// Inserts one shift inside a write and records it: checks its unit, people and clashes (also
/// with shifts inserted earlier in the same write). `field` prefixes error fields (`shifts[3].`).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    root: i64,
    new: &ShiftInput,
    field: &str,
) -> Result<Shift, ApiError> {
    let shift = add(tx, log.at(), root, new, field)?;
    write::record_created(log, &shift);
    Ok(shift)
}

/// Books one shift (once per idempotency key).
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    root: i64,
    request: &impl Serialize,
    new: &ShiftInput,
) -> Result<(Shift, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        add(tx, log.at(), root, new, "")
    })
}

/// Books several shifts, all or nothing (once per idempotency key); errors name the shift as
/// `shifts[i].field`.
pub fn create_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    root: i64,
    request: &impl Serialize,
    shifts: &[ShiftInput],
) -> Result<(Vec<Shift>, bool), ApiError> {
    write::create_many(conn, actor, idem, request, |tx, log| {
        shifts
            .iter()
            .enumerate()
            .map(|(i, s)| insert(tx, log, root, s, &format!("shifts[{i}].")))
            .collect()
    })
}

/// The shifts a pattern created, and the days of its slots skipped as not working days.
pub type PatternShifts = (Vec<Shift>, Vec<NaiveDate>);

/// Books the shifts a weekly pattern stands for between two days, all or nothing (once per
/// idempotency key): first the people of each slot (so that an error names the slot), then
/// `expand` turns the business calendar into the shifts and the slot days skipped.
#[allow(clippy::too_many_arguments)]
pub fn create_pattern(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    root: i64,
    request: &impl Serialize,
    slot_staff: &[&[i64]],
    (from, to): (NaiveDate, NaiveDate),
    expand: impl FnOnce(&BusinessCalendar) -> (Vec<ShiftInput>, Vec<NaiveDate>),
) -> Result<(PatternShifts, bool), ApiError> {
    write::create_many(conn, actor, idem, request, |tx, log| {
        for (i, staff_ids) in slot_staff.iter().enumerate() {
            check_staff(tx, root, staff_ids, &format!("slots[{i}].staff_ids"))?;
        }
        let (planned, skipped) = expand(&calendar::load(tx, from, to)?);
        if planned.len() > MAX_BATCH {
            return Err(ApiError::invalid_field(
                "slots",
                "too_many",
                format!(
                    "the pattern stands for {} shifts; at most {MAX_BATCH} at once",
                    planned.len()
                ),
            ));
        }
        let shifts = planned
            .iter()
            .map(|s| insert(tx, log, root, s, ""))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((shifts, skipped))
    })
}

/// Changes a shift of the subtree of `root`.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: &ShiftChange,
) -> Result<Shift, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let next = change.apply(current);
        check(tx, root, &next, "", Some(id))?;
        diesel::update(duty_shifts::table.filter(duty_shifts::id.eq(id)))
            .set(ShiftValues::of(&next, current.version + 1, log.at()))
            .execute(tx)?;
        diesel::delete(duty_shift_staff::table.filter(duty_shift_staff::shift_id.eq(id)))
            .execute(tx)?;
        add_people(tx, id, &next.staff_ids)?;
        find(tx, root, id)
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
    write::delete(
        conn,
        actor,
        if_match,
        |tx| find(tx, root, id),
        |tx| {
            diesel::delete(duty_shift_staff::table.filter(duty_shift_staff::shift_id.eq(id)))
                .execute(tx)?;
            diesel::delete(duty_shifts::table.filter(duty_shifts::id.eq(id))).execute(tx)?;
            Ok(())
        },
    )
}
