//! Queries of duty shifts: one row per shift, one child row per person on it.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::db::schema::{duty_shift_staff, duty_shifts, staff, units};
use crate::db::DbConnection;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::duty::{DutyKind, DutyPeriod, StaffKind};
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::{IfMatch, Versioned};
use crate::store::audit::AuditLog;
use crate::store::idempotency::{self, Idempotency};
use crate::store::scope::{referenced, unit_id_in_subtree, unit_in_subtree};
use crate::store::write::{self, Record};
use crate::store::{audit, calendar, Actor};

/// The most shifts one batch or pattern may create.
pub const MAX_BATCH: usize = 400;

/// Filters of the shift list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    pub period: String,
    pub kind: String,
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
    let mut by_shift: HashMap<i64, Vec<ShiftPerson>> = HashMap::new();
    for (shift_id, id, name, kind) in people {
        by_shift.entry(shift_id).or_default().push(ShiftPerson {
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

/// Shifts of the subtree of `root`, by (date, id).
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &DutyShiftFilter,
    page: &PageRequest,
) -> Result<Page<Shift>, ApiError> {
    let mut query = by_date(filter.staff_id)
        .filter(unit_id_in_subtree("duty_shifts.unit_id", root))
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        // The list is ordered by a day, not a time: the keyset compares days.
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
    if let Some(from) = filter.from {
        query = query.filter(duty_shifts::duty_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(duty_shifts::duty_date.le(to));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(duty_shifts::kind.eq(kind.to_string()));
    }
    let rows = query.select(ShiftRow::as_select()).load(conn)?;
    let page = page.finish(
        rows,
        |r: &ShiftRow| Cursor {
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
    let mut query = by_date(staff_id)
        .filter(duty_shifts::duty_date.ge(from))
        .filter(duty_shifts::duty_date.le(to))
        .limit(10_000);
    if let Some(root) = root {
        query = query.filter(unit_id_in_subtree("duty_shifts.unit_id", root));
    }
    let rows = query.select(ShiftRow::as_select()).load(conn)?;
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
    let found = units::table
        .filter(units::id.eq(unit_id))
        .filter(unit_in_subtree(root))
        .select(units::id)
        .first::<i64>(tx)
        .optional();
    referenced(found.map_err(Into::into), field, "unit").map(|_| ())
}

/// Checks a shift (its unit, people and clashes with other shifts, also those written earlier
/// in the same write) and writes its people. `field` prefixes error fields (`shifts[3].`).
fn check(
    tx: &mut DbConnection,
    root: i64,
    shift: &ShiftInput,
    field: &str,
    except_shift: Option<i64>,
) -> Result<(), ApiError> {
    check_unit(tx, root, shift.unit_id, &format!("{field}unit_id"))?;
    let people = check_staff(tx, root, &shift.staff_ids, &format!("{field}staff_ids"))?;
    check_clash(tx, &people, shift.date, shift.period, except_shift)
}

/// The stored columns of a shift at a version.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = duty_shifts)]
#[diesel(treat_none_as_null = true)]
struct ShiftValues<'a> {
    unit_id: i64,
    duty_date: NaiveDate,
    period: String,
    kind: String,
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
            period: shift.period.to_string(),
            kind: shift.kind.to_string(),
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
    log.record::<(), _>(
        "create",
        Shift::ENTITY,
        shift.id,
        Some(shift.unit_id),
        None,
        Some(&shift),
    );
    Ok(shift)
}

impl Record for Shift {
    const ENTITY: &'static str = "duty_shift";
    fn id(&self) -> i64 {
        self.id
    }
    fn unit_id(&self) -> Option<i64> {
        Some(self.unit_id)
    }
}

impl Versioned for Shift {
    fn version(&self) -> i64 {
        self.version
    }
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

/// Several shifts written and recorded in one transaction, once per idempotency key.
fn create_all<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    request: &impl Serialize,
    insert: impl FnOnce(&mut DbConnection, &mut AuditLog) -> Result<T, ApiError>,
) -> Result<(T, bool), ApiError>
where
    T: Serialize + DeserializeOwned,
{
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, request, |tx| insert(tx, log))
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
    create_all(conn, actor, idem, request, |tx, log| {
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
    create_all(conn, actor, idem, request, |tx, log| {
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
    write::update(
        conn,
        actor,
        if_match,
        "update",
        |tx| find(tx, root, id),
        |tx, log, current| {
            let next = change.apply(current);
            check(tx, root, &next, "", Some(id))?;
            diesel::update(duty_shifts::table.filter(duty_shifts::id.eq(id)))
                .set(ShiftValues::of(&next, current.version + 1, log.at()))
                .execute(tx)?;
            diesel::delete(duty_shift_staff::table.filter(duty_shift_staff::shift_id.eq(id)))
                .execute(tx)?;
            add_people(tx, id, &next.staff_ids)?;
            find(tx, root, id)
        },
    )
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
            Shift::ENTITY,
            id,
            Some(current.unit_id),
            Some(&current),
            None,
        );
        Ok(())
    })
}
