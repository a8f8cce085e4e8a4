//! The workflow's steps (one at a time, versioned and audited), the green-channel decision and
//! the timeline.

use chrono::Duration;
use diesel::prelude::*;

use super::{find, refresh, AidRow, Application, Reader};
use crate::db::schema::{aid_applications, audit_events, staff, units};
use crate::db::DbConnection;
use crate::domain::aid::{self, AidAction, AidState, GreenReason, StepInput};
use crate::domain::codes::{decode_code_list, encode_code_list, CodeTable};
use crate::domain::periods;
use crate::error::ApiError;
use crate::precondition::{IfMatch, Versioned};
use crate::store::audit::AuditRow;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write::{self, Record};
use crate::store::Actor;

/// An application after a step, with the note, reasons or assignment remarks given in this step
/// (`step_note`), which the timeline shows: what the audit trail keeps of a step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Stepped {
    #[serde(flatten)]
    app: Application,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step_note: Option<String>,
}

impl Record for Stepped {
    const ENTITY: &'static str = Application::ENTITY;
    const TABLE: &'static str = Application::TABLE;
    fn id(&self) -> i64 {
        self.app.id()
    }
    fn unit_id(&self) -> Option<i64> {
        self.app.unit_id()
    }
}

impl Versioned for Stepped {
    fn version(&self) -> i64 {
        self.app.version()
    }
}

/// Changes an application in one versioned, audited write: `change` edits a copy of the row
/// (the version and times are set here) and names the note of the step.
fn step(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: &'static str,
    change: impl FnOnce(
        &mut DbConnection,
        &mut crate::store::audit::AuditLog,
        &Application,
        &mut AidRow,
    ) -> Result<Option<String>, ApiError>,
) -> Result<Application, ApiError> {
    let stepped = write::update(
        conn,
        actor,
        if_match,
        action,
        |tx| {
            Ok(Stepped {
                app: find(tx, reader, id)?,
                step_note: None,
            })
        },
        |tx, log, current| {
            let mut row = current.app.row.clone();
            let step_note = change(tx, log, &current.app, &mut row)?;
            row.version += 1;
            row.updated_at = log.at();
            refresh(&mut row, &crate::store::calendar::current(tx)?);
            let stored: AidRow =
                diesel::update(aid_applications::table.filter(aid_applications::id.eq(id)))
                    .set(&row)
                    .returning(aid_applications::all_columns)
                    .get_result(tx)?;
            Ok(Stepped {
                app: Application {
                    row: stored,
                    applicant: current.app.applicant.clone(),
                },
                step_note,
            })
        },
    )?;
    Ok(stepped.app)
}

/// Takes one step of the workflow. The chain-head lock of the write serialises racing steps:
/// the first wins, the others see the new state (409) or version (412). A closed case is
/// called back (追踪回访) by its centre within `follow_up_days`.
#[allow(clippy::too_many_arguments)]
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: AidAction,
    input: &StepInput,
    follow_up_days: i64,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        action.code(),
        |tx, log, current, row| {
            let state = current.row.state;
            let next = aid::transition(state, action, current.row.urgent).map_err(|e| {
                ApiError::Conflict {
                    detail: e.reason,
                    allowed_actions: Some(e.allowed.iter().map(|a| a.to_string()).collect()),
                }
            })?;
            let now = log.at();
            match action {
                AidAction::RequestMaterials => {
                    let days = input
                        .reply_days
                        .and_then(|d| u32::try_from(d).ok())
                        .unwrap_or(aid::MATERIALS_REPLY_DAYS);
                    let calendar = crate::store::calendar::current(tx)?;
                    let due =
                        periods::due_after(now.and_utc(), days, 0, &calendar).map_err(|e| {
                            ApiError::Conflict {
                                detail: e.message(),
                                allowed_actions: None,
                            }
                        })?;
                    row.materials_due_at = Some(due.at.naive_utc());
                    row.materials_list = input.materials.as_ref().map(|m| m.join("\n"));
                }
                AidAction::ReceiveMaterials => {
                    let days = periods::paused_days(row.state_entered_at.and_utc(), now.and_utc());
                    row.review_paused_days += i32::try_from(days).unwrap_or(0);
                    row.materials_due_at = None;
                }
                AidAction::Reject => row.decision_note = input.reasons.clone(),
                AidAction::Terminate => {
                    row.termination_ground = input.termination_ground;
                    row.decision_note = input.note.clone();
                }
                AidAction::Withdraw
                | AidAction::Object
                | AidAction::UpholdObjection
                | AidAction::DismissObjection => {
                    row.decision_note = input.note.clone().or(row.decision_note.take());
                }
                AidAction::Assign => assign(tx, row, input, state)?,
                _ => {}
            }
            row.state = next;
            row.state_entered_at = now;
            if action == AidAction::Close {
                let due_on = crate::time::to_cst(now + Duration::days(follow_up_days)).date_naive();
                crate::store::follow_ups::insert_for(
                    tx,
                    log,
                    row.centre_id,
                    crate::domain::follow_up::SubjectKind::AidApplication,
                    id,
                    due_on,
                )?;
            }
            Ok(match action {
                AidAction::Reject => input.reasons.clone(),
                AidAction::Assign => row.assignment_note.clone(),
                _ => input.note.clone(),
            })
        },
    )
}

/// Checks that a provider can take cases of the centre: an active staff member of the area it
/// serves (the subtree of its parent unit). A failure is a 422 on `field`.
pub(super) fn check_provider(
    tx: &mut DbConnection,
    centre_id: i64,
    provider: i64,
    field: &str,
) -> Result<(), ApiError> {
    let parent: Option<i64> = units::table
        .filter(units::id.eq(centre_id))
        .select(units::parent_id)
        .first(tx)?;
    let area = parent.unwrap_or(centre_id);
    let found: Option<(bool, String)> = staff::table
        .filter(staff::id.eq(provider))
        .filter(unit_id_in_subtree("staff.unit_id", area))
        .select((staff::active, staff::name))
        .first(tx)
        .optional()?;
    match found {
        None => Err(ApiError::invalid_field(
            field,
            "not_found",
            "the provider does not exist or does not serve the centre's area",
        )),
        Some((false, name)) => Err(ApiError::invalid_field(
            field,
            "inactive",
            format!("{name} is not active"),
        )),
        Some((true, _)) => Ok(()),
    }
}

/// Assignment: an active provider of the area the centre serves (its parent's subtree: law firms,
/// legal service offices, the service centre); a preference (点援制) that is not honoured needs
/// a recorded reason unless no preferred provider is active; open cases of the provider against
/// the same opposing party give a conflict warning.
fn assign(
    tx: &mut DbConnection,
    row: &mut AidRow,
    input: &StepInput,
    from: AidState,
) -> Result<(), ApiError> {
    let provider = input.provider_staff_id.ok_or_else(|| {
        ApiError::invalid_field(
            "provider_staff_id",
            "required",
            "name the provider to assign",
        )
    })?;
    check_provider(tx, row.centre_id, provider, "provider_staff_id")?;
    let mut notes = Vec::new();
    if from == AidState::Accepted {
        notes.push("先行提供法律援助（临时指派，材料后补）".to_owned());
    }
    let preferred = row.preferred_providers();
    let departs_from_choice = !preferred.is_empty() && !preferred.contains(&provider);
    if let (Some(note), false) = (&input.note, departs_from_choice) {
        notes.push(note.clone());
    }
    if departs_from_choice {
        let active: Vec<i64> = staff::table
            .filter(staff::id.eq_any(&preferred))
            .filter(staff::active.eq(true))
            .select(staff::id)
            .load(tx)?;
        match (&input.note, active.is_empty()) {
            (Some(reason), _) => notes.push(format!("未按申请人选择指派：{reason}")),
            (None, true) => notes.push("申请人选择的承办人员均不在岗，另行指派".to_owned()),
            (None, false) => {
                return Err(ApiError::invalid_field(
                    "note",
                    "required",
                    "the applicant chose other providers (点援制) who are active: give the reason for this assignment",
                ))
            }
        }
    }
    if let Some(party) = row
        .opposing_party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let open = [
            AidState::Assigned,
            AidState::AgreementSigned,
            AidState::InProgress,
        ];
        let clashes: Vec<i64> = aid_applications::table
            .filter(aid_applications::provider_staff_id.eq(provider))
            .filter(aid_applications::state.eq_any(open))
            .filter(aid_applications::opposing_party.eq(party))
            .filter(aid_applications::id.ne(row.id))
            .select(aid_applications::id)
            .load(tx)?;
        if !clashes.is_empty() {
            notes.push(format!(
                "利益冲突提示：该承办人员承办中的案件 {} 的对方当事人同为“{party}”",
                clashes
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
    }
    row.provider_staff_id = Some(provider);
    row.assignment_note = if notes.is_empty() {
        None
    } else {
        Some(notes.join("；"))
    };
    Ok(())
}

/// Puts an application on or off the green channel by an officer's decision.
pub fn set_green(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    green: bool,
    reason: &str,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        "set_green_channel",
        |_, _, _, row| {
            let mut reasons: Vec<GreenReason> = decode_code_list(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            reasons.retain(|r| *r != GreenReason::SetByOfficer);
            if green {
                reasons.push(GreenReason::SetByOfficer);
            }
            row.green_channel = green;
            row.green_reasons = if green {
                encode_code_list(&reasons)
            } else {
                String::new()
            };
            Ok(Some(format!("绿色通道：{reason}")))
        },
    )
}

/// The application's trail, oldest first.
pub fn events(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Vec<AuditRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(audit_events::table
        .filter(audit_events::entity.eq(Application::ENTITY))
        .filter(audit_events::entity_id.eq(id))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}
