//! Queries of inspections: spot checks, monthly meetings and on-site inspections, with the units
//! inspected and the checklist, read in the subtree of the inspecting unit.

mod demo;

pub use demo::seed_demo_year;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{inspection_checks, inspection_units, inspections};
use crate::db::DbConnection;
use crate::domain::inspections::{
    check, CheckFact, ChecklistItem, InspectionFacts, InspectionKind, Invalid, RectificationStatus,
};
use crate::error::{ApiError, FieldError};
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::audit::AuditLog;
use crate::store::changes::changed_since_filter;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::{check_referenced, unit_id_in_subtree};
use crate::store::write::{self, first_version, record};
use crate::store::{units, Actor};

changed_since_filter! {
    /// Filters of the list.
    pub struct InspectionFilter {
        /// Only inspections made by units of this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only inspections of this unit (one of the units inspected).
        pub inspected_unit_id: Option<i64>,
        /// Only this kind.
        pub kind: Option<InspectionKind>,
        /// Held on or after this day.
        pub from: Option<NaiveDate>,
        /// Held on or before this day.
        pub to: Option<NaiveDate>,
        /// Only with the rectification in this state today (China time): `overdue` lists the
        /// rectifications past their due day and not done.
        pub rectification: Option<RectificationStatus>,
    }
}

/// A stored inspection, without its units and checklist.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = inspections)]
pub struct InspectionRow {
    pub id: i64,
    /// The inspecting unit.
    pub unit_id: i64,
    pub kind: InspectionKind,
    pub held_on: NaiveDate,
    pub staff_id: Option<i64>,
    pub inspectors: Option<String>,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub rectification_required: bool,
    pub rectification_due: Option<NaiveDate>,
    pub rectification_done_on: Option<NaiveDate>,
    pub rectification_done_by: Option<String>,
    pub rectification_note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One entry of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub item: ChecklistItem,
    pub passed: bool,
    pub note: Option<String>,
}

/// An inspection with the units inspected and its checklist, as the audit trail records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inspection {
    #[serde(flatten)]
    pub row: InspectionRow,
    /// The units inspected (for a meeting: those that attended), by id.
    pub unit_ids: Vec<i64>,
    /// The checklist, in the plan's order.
    pub checklist: Vec<Check>,
}

record!(Inspection, "inspection" in "inspections", |r| id: r.row.id, unit: Some(r.row.unit_id), version: r.row.version);

/// An inspection to write (new, or as a change leaves it).
#[derive(Debug, Clone)]
pub struct InspectionInput {
    pub unit_id: i64,
    pub kind: InspectionKind,
    pub held_on: NaiveDate,
    pub staff_id: Option<i64>,
    pub inspectors: Option<String>,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub unit_ids: Vec<i64>,
    pub checklist: Vec<Check>,
    pub rectification_required: bool,
    pub rectification_due: Option<NaiveDate>,
    pub rectification_done_on: Option<NaiveDate>,
    pub rectification_done_by: Option<String>,
    pub rectification_note: Option<String>,
}

impl Inspection {
    /// The inspection as an input, for a change to start from.
    pub fn input(&self) -> InspectionInput {
        let r = &self.row;
        InspectionInput {
            unit_id: r.unit_id,
            kind: r.kind,
            held_on: r.held_on,
            staff_id: r.staff_id,
            inspectors: r.inspectors.clone(),
            summary: r.summary.clone(),
            findings: r.findings.clone(),
            unit_ids: self.unit_ids.clone(),
            checklist: self.checklist.clone(),
            rectification_required: r.rectification_required,
            rectification_due: r.rectification_due,
            rectification_done_on: r.rectification_done_on,
            rectification_done_by: r.rectification_done_by.clone(),
            rectification_note: r.rectification_note.clone(),
        }
    }
}

/// Rules a write breaks, as one 422 naming every field (none: `Ok`).
pub fn refuse(broken: Vec<Invalid>) -> Result<(), ApiError> {
    if broken.is_empty() {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        broken
            .into_iter()
            .map(|i| FieldError::new(i.field, i.code, i.message))
            .collect(),
    ))
}

/// The rules of the programme on an input, on `today`.
pub fn check_input(input: &InspectionInput, today: NaiveDate) -> Result<(), ApiError> {
    let checklist: Vec<CheckFact> = input
        .checklist
        .iter()
        .map(|c| CheckFact {
            item: c.item,
            passed: c.passed,
            has_note: c.note.is_some(),
        })
        .collect();
    refuse(check(
        &InspectionFacts {
            kind: input.kind,
            held_on: input.held_on,
            unit_ids: &input.unit_ids,
            checklist: &checklist,
            rectification_required: input.rectification_required,
            rectification_due: input.rectification_due,
            rectification_done_on: input.rectification_done_on,
            rectification_done_by: input.rectification_done_by.is_some(),
        },
        today,
    ))
}

/// The day in China of a write's request time.
pub fn today_of(actor: &Actor) -> NaiveDate {
    crate::time::to_cst(actor.at).date_naive()
}

/// Attaches the units and checklists (two queries for the whole set).
fn with_children(
    conn: &mut DbConnection,
    rows: Vec<InspectionRow>,
) -> Result<Vec<Inspection>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut units_of: HashMap<i64, Vec<i64>> = HashMap::new();
    let links: Vec<(i64, i64)> = inspection_units::table
        .filter(inspection_units::inspection_id.eq_any(&ids))
        .order((
            inspection_units::inspection_id.asc(),
            inspection_units::unit_id.asc(),
        ))
        .select((inspection_units::inspection_id, inspection_units::unit_id))
        .load(conn)?;
    for (inspection, unit) in links {
        units_of.entry(inspection).or_default().push(unit);
    }
    let mut checks_of: HashMap<i64, Vec<Check>> = HashMap::new();
    let checks: Vec<(i64, ChecklistItem, bool, Option<String>)> = inspection_checks::table
        .filter(inspection_checks::inspection_id.eq_any(&ids))
        .select((
            inspection_checks::inspection_id,
            inspection_checks::item,
            inspection_checks::passed,
            inspection_checks::note,
        ))
        .load(conn)?;
    for (inspection, item, passed, note) in checks {
        checks_of
            .entry(inspection)
            .or_default()
            .push(Check { item, passed, note });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut checklist = checks_of.remove(&row.id).unwrap_or_default();
            checklist.sort_by_key(|c| c.item);
            Inspection {
                unit_ids: units_of.remove(&row.id).unwrap_or_default(),
                checklist,
                row,
            }
        })
        .collect())
}

type Boxed<'a> = inspections::BoxedQuery<'a, crate::db::MultiBackend>;

/// The rows whose rectification is in `status` on `today`.
fn in_status<'a>(q: Boxed<'a>, status: RectificationStatus, today: NaiveDate) -> Boxed<'a> {
    use inspections::dsl as i;
    let open = i::rectification_required
        .eq(true)
        .and(i::rectification_done_on.is_null());
    match status {
        RectificationStatus::NotRequired => q.filter(i::rectification_required.eq(false)),
        RectificationStatus::Done => q.filter(
            i::rectification_required
                .eq(true)
                .and(i::rectification_done_on.is_not_null()),
        ),
        RectificationStatus::Overdue => q.filter(open.and(i::rectification_due.lt(today))),
        RectificationStatus::Pending => q.filter(
            open.and(
                i::rectification_due
                    .ge(today)
                    .or(i::rectification_due.is_null()),
            ),
        ),
    }
}

/// Inspections made in the subtree of `root`, the latest first (by day held, then id); the
/// rectification filter reads `today`.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    f: &InspectionFilter,
    today: NaiveDate,
    page: &PageRequest,
) -> Result<Page<Inspection>, ApiError> {
    let mut q = inspections::table
        .filter(unit_id_in_subtree("inspections.unit_id", root))
        .order((inspections::held_on.desc(), inspections::id.desc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) =
        page.after_day("inspections.held_on", "inspections.id", Order::Descending)?
    {
        q = q.filter(after);
    }
    q = q.filter_some(f.unit_id, |unit| {
        unit_id_in_subtree("inspections.unit_id", unit)
    });
    if let Some(unit) = f.inspected_unit_id {
        q = q.filter(
            inspections::id.eq_any(
                inspection_units::table
                    .filter(inspection_units::unit_id.eq(unit))
                    .select(inspection_units::inspection_id),
            ),
        );
    }
    q = q.filter_some(f.kind, |kind| inspections::kind.eq(kind));
    q = q.filter_some(f.from, |from| inspections::held_on.ge(from));
    q = q.filter_some(f.to, |to| inspections::held_on.le(to));
    if let Some(status) = f.rectification {
        q = in_status(q, status, today);
    }
    q = q.filter_some(f.updated_after, |t| {
        inspections::updated_at.gt(t.naive_utc())
    });
    let rows = q.select(InspectionRow::as_select()).load(conn)?;
    let page = page.finish(rows, |r| Cursor::by_day(r.held_on, r.id), Ok)?;
    Ok(Page {
        items: with_children(conn, page.items)?,
        next_cursor: page.next_cursor,
    })
}

/// One inspection made in the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<Inspection, ApiError> {
    let row = inspections::table
        .filter(inspections::id.eq(id))
        .filter(unit_id_in_subtree("inspections.unit_id", root))
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::INSPECTION, id))?;
    with_children(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::INSPECTION, id))
}

/// The references of an input lie in scope: the inspecting unit in the caller's subtree, the
/// units inspected in the inspecting unit's subtree, the staff member in the caller's.
fn check_refs(tx: &mut DbConnection, root: i64, input: &InspectionInput) -> Result<(), ApiError> {
    units::find_referenced(tx, root, input.unit_id, "unit_id")?;
    for (i, unit) in input.unit_ids.iter().enumerate() {
        units::find_referenced(tx, input.unit_id, *unit, &format!("unit_ids[{i}]"))?;
    }
    if let Some(staff) = input.staff_id {
        check_referenced(tx, "staff", staff, root, "staff_id", "staff member")?;
    }
    Ok(())
}

/// Writes the units and checklist of an inspection (replacing those it had).
fn write_children(tx: &mut DbConnection, id: i64, input: &InspectionInput) -> Result<(), ApiError> {
    diesel::delete(inspection_units::table.filter(inspection_units::inspection_id.eq(id)))
        .execute(tx)?;
    diesel::delete(inspection_checks::table.filter(inspection_checks::inspection_id.eq(id)))
        .execute(tx)?;
    for unit in &input.unit_ids {
        diesel::insert_into(inspection_units::table)
            .values((
                inspection_units::inspection_id.eq(id),
                inspection_units::unit_id.eq(unit),
            ))
            .execute(tx)?;
    }
    for c in &input.checklist {
        diesel::insert_into(inspection_checks::table)
            .values((
                inspection_checks::inspection_id.eq(id),
                inspection_checks::item.eq(c.item),
                inspection_checks::passed.eq(c.passed),
                inspection_checks::note.eq(&c.note),
            ))
            .execute(tx)?;
    }
    Ok(())
}

/// Inserts an inspection (checked already) with its children.
fn insert_row(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    v: &InspectionInput,
) -> Result<Inspection, ApiError> {
    let row: InspectionRow = diesel::insert_into(inspections::table)
        .values((
            inspections::unit_id.eq(v.unit_id),
            inspections::kind.eq(v.kind),
            inspections::held_on.eq(v.held_on),
            inspections::staff_id.eq(v.staff_id),
            inspections::inspectors.eq(&v.inspectors),
            inspections::summary.eq(&v.summary),
            inspections::findings.eq(&v.findings),
            inspections::rectification_required.eq(v.rectification_required),
            inspections::rectification_due.eq(v.rectification_due),
            inspections::rectification_done_on.eq(v.rectification_done_on),
            inspections::rectification_done_by.eq(&v.rectification_done_by),
            inspections::rectification_note.eq(&v.rectification_note),
            first_version!(inspections, now),
        ))
        .returning(inspections::all_columns)
        .get_result(tx)?;
    write_children(tx, row.id, v)?;
    let mut checklist = v.checklist.clone();
    checklist.sort_by_key(|c| c.item);
    Ok(Inspection {
        unit_ids: v.unit_ids.clone(),
        checklist,
        row,
    })
}

/// Records an inspection made by a unit of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    input: &InspectionInput,
    request: &impl Serialize,
    idem: &Idempotency,
) -> Result<(Inspection, bool), ApiError> {
    let today = today_of(actor);
    write::create(conn, actor, idem, request, |tx, log| {
        check_input(input, today)?;
        check_refs(tx, root, input)?;
        insert_row(tx, log.at(), input)
    })
}

/// Inserts an inspection inside a write and records it (the demo year).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    input: &InspectionInput,
) -> Result<Inspection, ApiError> {
    let made = insert_row(tx, log.at(), input)?;
    write::record_created(log, &made);
    Ok(made)
}

/// Changes an inspection of the subtree of `root` to what `change` makes of it (marking its
/// rectification done is such a change).
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: impl FnOnce(&Inspection) -> InspectionInput,
) -> Result<Inspection, ApiError> {
    let today = today_of(actor);
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let next = change(current);
        check_input(&next, today)?;
        check_refs(tx, root, &next)?;
        let row: InspectionRow = diesel::update(inspections::table.filter(inspections::id.eq(id)))
            .set((
                inspections::unit_id.eq(next.unit_id),
                inspections::kind.eq(next.kind),
                inspections::held_on.eq(next.held_on),
                inspections::staff_id.eq(next.staff_id),
                inspections::inspectors.eq(&next.inspectors),
                inspections::summary.eq(&next.summary),
                inspections::findings.eq(&next.findings),
                inspections::rectification_required.eq(next.rectification_required),
                inspections::rectification_due.eq(next.rectification_due),
                inspections::rectification_done_on.eq(next.rectification_done_on),
                inspections::rectification_done_by.eq(&next.rectification_done_by),
                inspections::rectification_note.eq(&next.rectification_note),
                inspections::version.eq(current.row.version + 1),
                inspections::updated_at.eq(log.at()),
            ))
            .returning(inspections::all_columns)
            .get_result(tx)?;
        write_children(tx, id, &next)?;
        let mut checklist = next.checklist;
        checklist.sort_by_key(|c| c.item);
        Ok(Inspection {
            unit_ids: next.unit_ids,
            checklist,
            row,
        })
    })
}

/// Inspections made by one unit itself (not by the units below it) in `first..=last`, counted
/// by kind and day.
pub fn counts_by_day(
    conn: &mut DbConnection,
    unit_id: i64,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<(InspectionKind, NaiveDate, i64)>, ApiError> {
    Ok(inspections::table
        .filter(inspections::unit_id.eq(unit_id))
        .filter(inspections::held_on.ge(first))
        .filter(inspections::held_on.le(last))
        .group_by((inspections::kind, inspections::held_on))
        .select((inspections::kind, inspections::held_on, count_star()))
        .load(conn)?)
}
