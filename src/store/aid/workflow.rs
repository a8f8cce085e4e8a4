//! The workflow's steps (one at a time, versioned and audited), the green-channel decision and
//! the timeline.

use chrono::{Datelike, Duration};
use diesel::prelude::*;

use super::{find, refresh, AidRow, ApplicantRow, Application, Reader};
use crate::config::Settings;
use crate::db::schema::{aid_applicants, aid_applications, audit_events};
use crate::db::DbConnection;
use crate::domain::aid::{self, AidAction, AidState, GreenReason, StepInput, TerminationGround};
use crate::domain::codes::{decode_code_list, encode_code_list, CodeTable};
use crate::domain::message::Message;
use crate::domain::periods;
use crate::error::ApiError;
use crate::precondition::{IfMatch, Versioned};
use crate::store::audit::AuditRow;
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
    /// The written document the step issued: its number and the digest of its text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paper: Option<super::papers::PaperStamp>,
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
        &mut ApplicantRow,
    ) -> Result<(Option<String>, Option<super::papers::PaperRow>), ApiError>,
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
                paper: None,
            })
        },
        |tx, log, current| {
            let mut row = current.app.row.clone();
            let mut applicant = current.app.applicant.clone();
            let (step_note, paper) = change(tx, log, &current.app, &mut row, &mut applicant)?;
            let paper = paper.as_ref().map(super::papers::PaperStamp::from);
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
                    applicant,
                },
                step_note,
                paper,
            })
        },
    )?;
    Ok(stepped.app)
}

/// Takes one step of the workflow. The chain-head lock of the write serialises racing steps:
/// the first wins, the others see the new state (409) or version (412). Besides the table, a
/// step keeps its time limits (a materials reply before its date, an objection within its
/// window). A closed case is called back (追踪回访) by its centre within the settings'
/// `follow_up_days`.
#[allow(clippy::too_many_arguments)]
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: AidAction,
    input: &StepInput,
    settings: &Settings,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        action.code(),
        |tx, log, current, row, _| {
            let state = current.row.state;
            let standing = super::standing(&current.row);
            let conflict = |detail: Message| ApiError::Conflict {
                detail,
                allowed_actions: Some(
                    aid::allowed_actions_at(&standing, log.at().and_utc())
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                ),
            };
            let next = aid::transition(&standing, action).map_err(|e| conflict(e.reason))?;
            let now = log.at();
            let calendar = crate::store::calendar::current(tx)?;
            let served_on = match action {
                AidAction::Object => Some(check_served_on(input, &current.row, now)?),
                _ => None,
            };
            aid::check_timing(
                &standing,
                action,
                now.and_utc(),
                served_on.map(|d| (d, settings.objection_days)),
                &calendar,
            )
            .map_err(conflict)?;
            let mut note = input.note.clone();
            match action {
                AidAction::RequestMaterials => {
                    let days = input
                        .reply_days
                        .and_then(|d| u32::try_from(d).ok())
                        .unwrap_or(aid::MATERIALS_REPLY_DAYS);
                    let due = periods::due_after(now.and_utc(), days, 0, &calendar)
                        .map_err(|e| conflict(e.message()))?;
                    row.materials_due_at = Some(due.at.naive_utc());
                    row.materials_list = input.materials.as_ref().map(|m| m.join("\n"));
                }
                AidAction::ReceiveMaterials => {
                    let days = periods::paused_days(row.state_entered_at.and_utc(), now.and_utc());
                    row.review_paused_days += i32::try_from(days).unwrap_or(0);
                    row.materials_due_at = None;
                }
                AidAction::Approve => row.decided_at = Some(now),
                AidAction::Reject => {
                    row.decision_note = input.reasons.clone();
                    row.decided_at = Some(now);
                    if next == AidState::Terminated {
                        // Urgent aid refused when decided afterwards (Art. 44): it ends.
                        row.termination_ground = Some(TerminationGround::NotEligible);
                        row.resume_state = Some(state);
                    }
                    note = input.reasons.clone();
                }
                AidAction::Terminate => {
                    row.termination_ground = input.termination_ground;
                    row.decision_note = input.note.clone();
                    row.resume_state = Some(state);
                }
                AidAction::Withdraw => {
                    // A notice unanswered by its date: the law deems the application withdrawn.
                    let deemed = state == AidState::MaterialsRequested
                        && row
                            .materials_due_at
                            .is_some_and(|due| now.and_utc() >= due.and_utc());
                    if deemed {
                        note = note.map(|n| format!("逾期未补充材料，视为撤回申请。{n}"));
                    }
                    row.decision_note = note.clone();
                }
                AidAction::Object => {
                    row.objection_note = note.clone();
                    row.objection_decision_note = None;
                    if let Some(day) = served_on {
                        note = note.map(|n| format!("决定送达日：{day}。{n}"));
                    }
                }
                AidAction::UpholdObjection => {
                    row.objection_decision_note = note.clone();
                    row.decided_at = Some(now);
                    if row.resume_state.take().is_some() {
                        row.termination_ground = None;
                    }
                }
                AidAction::DismissObjection => row.objection_decision_note = note.clone(),
                AidAction::Close => {
                    row.closed_at = Some(now);
                    row.closing_outcome = input.outcome;
                    row.amount_recovered_fen = input.amount_recovered_fen;
                    row.closing_documents = input.documents.as_ref().map(|d| d.join("\n"));
                }
                AidAction::Review => {
                    let grade = input.quality_grade.ok_or_else(|| {
                        ApiError::invalid_field("quality_grade", "required", "grade the case")
                    })?;
                    let closed = row.closed_at.unwrap_or(row.state_entered_at);
                    let year = crate::time::to_cst(closed).year();
                    let rate = super::rates::amount(tx, year, row.matter_category, grade)?
                        .ok_or_else(|| {
                            conflict(Message::new(
                                format!(
                                    "no case subsidy is set for {}, {} in {year} or before: an admin sets it in the rate table first",
                                    row.matter_category.code(),
                                    grade.code()
                                ),
                                format!(
                                    "{year}年及以前均未设定“{}”案件“{}”等级的办案补贴标准，请管理员先在补贴标准表中设定",
                                    row.matter_category.label(),
                                    grade.label()
                                ),
                            ))
                        })?;
                    row.review_grade = Some(grade);
                    row.subsidy_fen = Some(rate);
                    row.reviewed_at = Some(now);
                    note = Some(format!(
                        "结案审查：{}；办案补贴 {}.{:02} 元{}",
                        grade.label(),
                        rate / 100,
                        rate % 100,
                        note.map(|n| format!("。{n}")).unwrap_or_default()
                    ));
                }
                AidAction::Assign | AidAction::ChangeProvider => {
                    super::assignment::assign(
                        tx,
                        row,
                        &current.applicant.name,
                        input,
                        state,
                        settings.conflict_years,
                        now,
                    )?;
                    if action == AidAction::ChangeProvider {
                        // The new provider signs a new agreement: its period starts now.
                        row.state_entered_at = now;
                    }
                    if standing.notice && action == AidAction::Assign {
                        // 通知辩护: the notice is the decision (Art. 25, 36); a later change of
                        // provider does not move it.
                        row.decided_at = Some(now);
                    }
                    note = row.assignment_note.clone();
                }
                _ => {}
            }
            if next != state {
                row.state = next;
                row.state_entered_at = now;
            }
            if action == AidAction::Close {
                let due_on =
                    crate::time::to_cst(now + Duration::days(settings.follow_up_days)).date_naive();
                crate::store::follow_ups::insert_for(
                    tx,
                    log,
                    row.centre_id,
                    crate::domain::follow_up::SubjectKind::AidApplication,
                    id,
                    due_on,
                )?;
            }
            let paper = super::papers::issue_for_step(
                tx,
                row,
                &current.applicant.name,
                action,
                state,
                input,
                settings,
                now,
            )?;
            let kept = aid::period_kept(&standing, action, now.and_utc(), &calendar);
            super::steps::record(tx, id, action, row.state, now, kept.as_ref())?;
            Ok((note, paper))
        },
    )
}

/// The day the decision objected to was served: not before it was made, not after today.
fn check_served_on(
    input: &StepInput,
    row: &AidRow,
    now: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDate, ApiError> {
    let decided_on = crate::time::to_cst(row.state_entered_at).date_naive();
    let today = crate::time::to_cst(now).date_naive();
    match input.served_on {
        None => Ok(decided_on),
        Some(day) if day < decided_on => Err(ApiError::invalid_field(
            "served_on",
            "before_decision",
            format!("the decision was made on {decided_on}; it cannot be served before"),
        )),
        Some(day) if day > today => Err(ApiError::invalid_field(
            "served_on",
            "future",
            "must not be in the future",
        )),
        Some(day) => Ok(day),
    }
}

/// Corrects the intake of an application before its decision: `corrected` gives the rows as
/// the corrected application would be submitted now (checked as at submission); the intake
/// fields of the application and its applicant are replaced, and the green channel follows
/// from them (an officer's decision to put it on the channel is kept). The step's note names
/// the fields changed (never their values) and the reason; a correction that changes nothing
/// is refused.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    reason: &str,
    corrected: impl FnOnce(&Application) -> Result<(AidRow, ApplicantRow), ApiError>,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        "correct",
        |tx, log, current, row, applicant| {
            let standing = super::standing(&current.row);
            let now = log.at().and_utc();
            aid::check_correctable(&standing, now).map_err(|detail| ApiError::Conflict {
                detail,
                allowed_actions: Some(
                    aid::allowed_actions_at(&standing, now)
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                ),
            })?;
            let (new, new_applicant) = corrected(current)?;
            if new.preferred_provider_ids != row.preferred_provider_ids {
                for (i, provider) in new.preferred_providers().into_iter().enumerate() {
                    super::assignment::check_provider(
                        tx,
                        row.centre_id,
                        provider,
                        &format!("preferred_provider_ids[{i}]"),
                    )?;
                }
            }
            // An officer's decision stands: put on the channel (its reason is kept), or taken
            // off it although the applicant qualified (nothing else takes it off).
            let officer_on = decode_code_list::<GreenReason>(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .contains(&GreenReason::SetByOfficer);
            let officer_off = !row.green_channel && !qualifies(current)?.is_empty();
            let mut reasons: Vec<GreenReason> = decode_code_list(&new.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if officer_on {
                reasons.push(GreenReason::SetByOfficer);
            }
            if officer_off {
                reasons.clear();
            }
            row.matter_category = new.matter_category;
            row.case_type = new.case_type;
            row.opposing_party = new.opposing_party;
            row.facts = new.facts;
            row.hardship_check = new.hardship_check;
            row.hardship_ground = new.hardship_ground;
            row.preferred_provider_ids = new.preferred_provider_ids;
            row.urgent = new.urgent;
            row.urgent_ground = new.urgent_ground;
            row.safe_contact = new.safe_contact;
            row.green_channel = !reasons.is_empty();
            row.green_reasons = encode_code_list(&reasons);
            *applicant = ApplicantRow {
                application_id: id,
                ..new_applicant
            };
            let after = Application {
                row: row.clone(),
                applicant: applicant.clone(),
            };
            let fields = changed_fields(current, &after)?;
            if fields.is_empty() {
                return Err(ApiError::invalid_field(
                    "body",
                    "no_change",
                    "the correction changes nothing",
                ));
            }
            diesel::update(aid_applicants::table.filter(aid_applicants::application_id.eq(id)))
                .set(&*applicant)
                .execute(tx)?;
            let green = if officer_off {
                "否（工作人员已决定不走绿色通道）".to_owned()
            } else if row.green_channel {
                reasons
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join("、")
            } else {
                "否".to_owned()
            };
            Ok((
                Some(format!(
                    "更正受理信息（{}）：{reason}；绿色通道：{green}",
                    fields.join("、")
                )),
                None,
            ))
        },
    )
}

/// The green-channel reasons an application's applicant and matter give.
fn qualifies(app: &Application) -> Result<Vec<GreenReason>, ApiError> {
    let groups: Vec<crate::domain::consultation::SpecialGroup> =
        decode_code_list(&app.applicant.special_groups)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(aid::green_reasons(&aid::Applicant {
        age_group: Some(crate::domain::consultation::age_group(app.applicant.age)),
        disabled: app.applicant.disabled,
        special_groups: &groups,
        hardship_ground: app.row.hardship_ground,
        matter: Some(app.row.matter_category),
    }))
}

/// The fields that differ between two versions of an application (the applicant's prefixed
/// `applicant.`).
fn changed_fields(before: &Application, after: &Application) -> Result<Vec<String>, ApiError> {
    let json = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| ApiError::Internal(e.to_string()))
    };
    let mut out = Vec::new();
    for (prefix, b, a) in [
        (
            "",
            json(serde_json::to_value(&before.row))?,
            json(serde_json::to_value(&after.row))?,
        ),
        (
            "applicant.",
            json(serde_json::to_value(&before.applicant))?,
            json(serde_json::to_value(&after.applicant))?,
        ),
    ] {
        if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
            for (key, value) in a {
                if b.get(key) != Some(value) {
                    let key = key.strip_prefix("applicant_").unwrap_or(key);
                    out.push(format!("{prefix}{key}"));
                }
            }
        }
    }
    Ok(out)
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
        |_, _, _, row, _| {
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
            Ok((Some(format!("绿色通道：{reason}")), None))
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
