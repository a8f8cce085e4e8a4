//! The steps of a case as the ledger reads them: when each was taken and, for a step that
//! completes a period of the law, when the period fell due and whether the step met it.
//! Written inside the step's own transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::aid_steps;
use crate::db::DbConnection;
use crate::domain::aid::{AidAction, AidState, DeadlineKind, PeriodKept};
use crate::error::ApiError;

/// A step as recorded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = aid_steps)]
pub struct StepRow {
    pub id: i64,
    pub application_id: i64,
    pub action: AidAction,
    pub state_after: AidState,
    pub taken_at: NaiveDateTime,
    pub period_kind: Option<DeadlineKind>,
    pub due_date: Option<NaiveDate>,
    pub due_at: Option<NaiveDateTime>,
    pub met: Option<bool>,
}

#[derive(Insertable)]
#[diesel(table_name = aid_steps)]
struct NewStep {
    application_id: i64,
    action: AidAction,
    state_after: AidState,
    taken_at: NaiveDateTime,
    period_kind: Option<DeadlineKind>,
    due_date: Option<NaiveDate>,
    due_at: Option<NaiveDateTime>,
    met: Option<bool>,
}

/// Records a step and the period it completed, if any.
pub(super) fn record(
    tx: &mut DbConnection,
    application_id: i64,
    action: AidAction,
    state_after: AidState,
    taken_at: NaiveDateTime,
    kept: Option<&PeriodKept>,
) -> Result<(), ApiError> {
    let due = kept.and_then(|k| k.due.as_ref().ok());
    diesel::insert_into(aid_steps::table)
        .values(NewStep {
            application_id,
            action,
            state_after,
            taken_at,
            period_kind: kept.map(|k| k.kind),
            due_date: due.map(|d| d.date),
            due_at: due.map(|d| d.at.naive_utc()),
            met: kept.and_then(|k| k.met),
        })
        .execute(tx)?;
    Ok(())
}

/// The steps of the applications `ids`, oldest first, by application.
pub fn of(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<StepRow>>, ApiError> {
    let mut out: HashMap<i64, Vec<StepRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<StepRow> = aid_steps::table
        .filter(aid_steps::application_id.eq_any(ids))
        .order((aid_steps::application_id.asc(), aid_steps::id.asc()))
        .select(StepRow::as_select())
        .load(conn)?;
    for row in rows {
        out.entry(row.application_id).or_default().push(row);
    }
    Ok(out)
}
