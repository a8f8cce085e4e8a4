//! The provider's work log of a case: meetings, file reading, evidence, hearings, mediation,
//! and the report of a ground on which aid must end (Art. 48), for the centre to decide.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{find, Application, Reader};
use crate::db::schema::aid_work_entries;
use crate::db::DbConnection;
use crate::domain::aid::{AidState, TerminationGround, WorkKind};
use crate::error::ApiError;
use crate::store::audit;
use crate::store::write::Record;
use crate::store::Actor;

/// An entry of the work log.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_work_entries)]
pub struct WorkEntryRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: WorkKind,
    pub done_on: NaiveDate,
    pub note: String,
    pub termination_ground: Option<TerminationGround>,
    pub provider_staff_id: Option<i64>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

/// An entry to record.
#[derive(Debug, Clone)]
pub struct WorkEntryInput {
    /// What was done.
    pub kind: WorkKind,
    /// On which day (China time).
    pub done_on: NaiveDate,
    /// What, in words.
    pub note: String,
    /// For a `termination_report`: the Art. 48 ground found.
    pub termination_ground: Option<TerminationGround>,
}

/// Records an entry while the case is assigned or in progress, on a day from its receipt to
/// today, in the name of the provider assigned; audited as a step of the application, so the
/// timeline shows it.
pub fn log_work(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    input: &WorkEntryInput,
) -> Result<WorkEntryRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let app = find(tx, reader, id)?;
        if !matches!(
            app.row.state,
            AidState::Assigned | AidState::AgreementSigned | AidState::InProgress
        ) {
            return Err(ApiError::conflict(
                "the work log is kept while a case is assigned or in progress",
                "办案记录只能在案件指派后、结案前填写",
            ));
        }
        let received = crate::time::to_cst(app.row.received_at).date_naive();
        let today = crate::time::to_cst(log.at()).date_naive();
        if input.done_on < received {
            return Err(ApiError::invalid_field(
                "done_on",
                "before_decision",
                format!("the application was received on {received}"),
            ));
        }
        if input.done_on > today {
            return Err(ApiError::invalid_field(
                "done_on",
                "future",
                "must not be in the future",
            ));
        }
        let stored: WorkEntryRow = diesel::insert_into(aid_work_entries::table)
            .values((
                aid_work_entries::application_id.eq(id),
                aid_work_entries::kind.eq(input.kind),
                aid_work_entries::done_on.eq(input.done_on),
                aid_work_entries::note.eq(&input.note),
                aid_work_entries::termination_ground.eq(input.termination_ground),
                aid_work_entries::provider_staff_id.eq(app.row.provider_staff_id),
                aid_work_entries::recorded_by.eq(&actor.name),
                aid_work_entries::created_at.eq(log.at()),
            ))
            .returning(aid_work_entries::all_columns)
            .get_result(tx)?;
        log.added(
            "log_work",
            Application::ENTITY,
            id,
            Some(app.row.unit_id),
            &stored,
        );
        Ok(stored)
    })
}

/// The work log of an application the reader may see, in the order the work was done.
pub fn work_log(
    conn: &mut DbConnection,
    reader: Reader,
    id: i64,
) -> Result<Vec<WorkEntryRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(aid_work_entries::table
        .filter(aid_work_entries::application_id.eq(id))
        .order((aid_work_entries::done_on.asc(), aid_work_entries::id.asc()))
        .select(WorkEntryRow::as_select())
        .load(conn)?)
}
